//! The demo sites' report intake, over HTTP: 202 with a receipt, the
//! deterministic share of reported listings removed one round after the
//! report (the same whatever the order reports arrive in), pages that
//! answer as the ground truth says in rounds 1 to 4, unreported listings
//! exactly as before, and bad reports refused.

use std::collections::BTreeMap;

use wildtrace_demo::market::{DemoMarket, DemoOptions, GroundTruth, TruthListing, intake};

fn opts() -> DemoOptions {
    DemoOptions {
        seed: 11,
        listings_per_site: 60,
        crawl_delay: 0.1,
        browse_site: false,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn url(market: &DemoMarket, l: &TruthListing) -> String {
    market
        .site(&l.site)
        .unwrap()
        .base_url
        .join(&l.path)
        .unwrap()
        .to_string()
}

/// `site`'s report intake.
fn intake_url(market: &DemoMarket, site: &str) -> url::Url {
    market
        .site(site)
        .unwrap()
        .base_url
        .join("/report/intake")
        .unwrap()
}

/// Posts one report naming `listings` to `site`'s intake; returns status and JSON.
async fn report(
    c: &reqwest::Client,
    market: &DemoMarket,
    site: &str,
    report_id: &str,
    listings: &[&TruthListing],
) -> (u16, serde_json::Value) {
    let body = serde_json::json!({
        "report_id": report_id,
        "platform": site,
        "listings": listings.iter().map(|l| serde_json::json!({
            "listing_id": format!("{}:{}", l.site, l.site_listing_id),
            "url": url(market, l),
        })).collect::<Vec<_>>(),
    });
    let r = c
        .post(intake_url(market, site))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// What a listing's page answers: (status, whether it shows the listing).
async fn page(
    c: &reqwest::Client,
    market: &DemoMarket,
    l: &TruthListing,
    round: u32,
) -> (u16, bool) {
    market.set_round(round);
    let r = c.get(url(market, l)).send().await.unwrap();
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    let marker = match l.site.as_str() {
        "bazaar" => Some("This ad has ended"),
        "reptileforum" => Some("This thread was removed by a moderator"),
        _ => None,
    };
    let ended = marker.is_some_and(|m| body.contains(m));
    (status, status == 200 && !ended)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reported_listings_are_removed_by_a_seeded_share_one_round_later() {
    let c = client();
    let market = DemoMarket::start(opts()).await.unwrap();
    let gt0 = market.ground_truth();
    assert!(gt0.listings.iter().all(|l| l.reported.is_none()));
    let mut receipts = Vec::new();
    let mut reported: Vec<TruthListing> = Vec::new();
    for site in ["bazaar", "curioshop", "reptileforum"] {
        let ls: Vec<&TruthListing> = gt0
            .site_listings(site)
            .filter(|l| gt0.visible_in_round(l, 1))
            .collect();
        let (status, v) = report(&c, &market, site, "r-1", &ls).await;
        assert_eq!(status, 202, "{v}");
        assert_eq!(v["received"], ls.len());
        assert_eq!(v["matched"], ls.len());
        assert_eq!(
            v["receipt_id"].as_str().unwrap(),
            intake::receipt_id(11, site, "r-1")
        );
        receipts.push(v["receipt_id"].as_str().unwrap().to_string());
        reported.extend(ls.into_iter().cloned());
    }
    assert_eq!(market.reports().len(), 3);
    let gt: GroundTruth = market.ground_truth();
    let by_path: BTreeMap<(&str, &str), &TruthListing> = gt
        .listings
        .iter()
        .map(|l| ((l.site.as_str(), l.path.as_str()), l))
        .collect();

    // Each reported listing: removed by the report exactly when the seeded
    // choice says so and its own schedule does not remove it first.
    let mut share: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &reported {
        let l = by_path[&(r.site.as_str(), r.path.as_str())];
        let rep = l.reported.as_ref().unwrap();
        let kind = gt.site(&l.site).unwrap().kind;
        let chosen = intake::removes(11, kind, &l.site, &l.site_listing_id);
        assert_eq!(rep.reported_round, 1);
        assert_eq!(
            rep.removed_by_report,
            chosen && l.removed_from_round.is_none_or(|n| n > 2)
        );
        assert_eq!(rep.removed_from_round, rep.removed_by_report.then_some(2));
        let e = share.entry(l.site.as_str()).or_default();
        e.0 += usize::from(chosen);
        e.1 += 1;
        // Its page, rounds 1 to 4.
        for round in 1..=4 {
            let (status, live) = page(&c, &market, l, round).await;
            assert_eq!(
                live,
                gt.visible_in_round(l, round),
                "{} round {round}",
                l.path
            );
            if !live {
                let want = match l.removal_style() {
                    Some("http_410") => 410,
                    Some("http_404") => 404,
                    _ => 200,
                };
                assert_eq!(status, want, "{} round {round}", l.path);
            }
        }
    }
    // The shares are near the sites' own (70 %, 50 %, 30 %).
    for (site, (chosen, n)) in share {
        let want = match site {
            "bazaar" => 70.0,
            "curioshop" => 50.0,
            _ => 30.0,
        };
        let got = 100.0 * chosen as f64 / n as f64;
        assert!((got - want).abs() < 20.0, "{site}: {got:.0} % of {n}");
    }

    // The same reports, one listing at a time in reverse order, to a fresh
    // market: the same choices.
    let other = DemoMarket::start(opts()).await.unwrap();
    for r in reported.iter().rev() {
        let (status, _) = report(&c, &other, &r.site, "r-1", &[r]).await;
        assert_eq!(status, 202);
    }
    let gt2 = other.ground_truth();
    for (a, b) in gt.listings.iter().zip(&gt2.listings) {
        assert_eq!(
            a.reported
                .as_ref()
                .map(|r| (r.removed_by_report, r.removed_from_round)),
            b.reported
                .as_ref()
                .map(|r| (r.removed_by_report, r.removed_from_round)),
            "{}",
            a.path
        );
    }
    other.shutdown().await;

    // Unreported listings (those appearing after round 1) keep their own
    // schedule in every later round.
    for l in gt.listings.iter().filter(|l| l.reported.is_none()) {
        assert!(l.appears_round >= 2, "{}", l.path);
        for round in [3, 4] {
            let scheduled =
                l.appears_round <= round && l.removed_from_round.is_none_or(|r| round < r);
            assert_eq!(gt.visible_in_round(l, round), scheduled);
            let (_, live) = page(&c, &market, l, round).await;
            assert_eq!(live, scheduled, "{} round {round}", l.path);
        }
    }

    // The admin endpoint serves the same ground truth and the intake log.
    let admin = market.admin_url();
    let served = GroundTruth::from_json(
        &c.get(admin.join("ground-truth.json").unwrap())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(served, market.ground_truth());
    let log: serde_json::Value = serde_json::from_slice(
        &c.get(admin.join("reports.json").unwrap())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let got: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["receipt_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, receipts);
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_in_round_two_removes_from_round_three_and_bad_reports_are_refused() {
    let c = client();
    let market = DemoMarket::start(opts()).await.unwrap();
    market.set_round(2);
    let gt0 = market.ground_truth();
    let kind = gt0.site("bazaar").unwrap().kind;
    let target = gt0
        .site_listings("bazaar")
        .find(|l| {
            gt0.visible_in_round(l, 2)
                && l.removed_from_round.is_none()
                && intake::removes(11, kind, &l.site, &l.site_listing_id)
        })
        .unwrap()
        .clone();
    let (status, v) = report(&c, &market, "bazaar", "r-2", &[&target]).await;
    assert_eq!(status, 202, "{v}");
    let gt = market.ground_truth();
    let l = gt.listings.iter().find(|l| l.path == target.path).unwrap();
    assert_eq!(
        l.reported.as_ref().unwrap().removed_from_round,
        Some(intake::removal_round(2))
    );
    assert_eq!(intake::removal_round(2), 3);
    assert_eq!(page(&c, &market, l, 2).await, (200, true));
    assert_eq!(
        page(&c, &market, l, 3).await,
        (200, false),
        "ended marker from round 3"
    );
    // Reported again later: the first report stands.
    market.set_round(3);
    report(&c, &market, "bazaar", "r-3", &[&target]).await;
    let again = market.ground_truth();
    let l2 = again
        .listings
        .iter()
        .find(|l| l.path == target.path)
        .unwrap();
    assert_eq!(l2.reported, l.reported);

    // Not a report: 400; an unknown URL is counted, not matched.
    let r = c
        .post(intake_url(&market, "bazaar"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body = serde_json::json!({"report_id": "x", "listings": [{"url": "/ad/0-nothing"}]});
    let r = c
        .post(intake_url(&market, "bazaar"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (v["received"].as_u64(), v["matched"].as_u64()),
        (Some(1), Some(0))
    );
    market.shutdown().await;
}
