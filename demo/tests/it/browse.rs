//! `exotica`, the demo site without search (`DemoOptions::browse_site`):
//! the other three sites and their ground truth unchanged by it; every
//! visible listing reachable by links from its home page and nowhere a
//! search; its traps (an endless calendar, session ids, another host) as
//! documented; removals as the ground truth says.

use std::collections::{BTreeSet, VecDeque};

use regex::Regex;
use wildtrace_demo::market::{DemoMarket, DemoOptions, LAST_ROUND, generate};

fn opts(browse_site: bool) -> DemoOptions {
    DemoOptions {
        seed: 5,
        listings_per_site: 40,
        crawl_delay: 0.1,
        browse_site,
    }
}

#[test]
fn the_browse_site_is_opt_in_and_leaves_the_other_sites_as_they_were() {
    let without = generate(&opts(false));
    let with = generate(&opts(true));
    assert_eq!(without.sites.len(), 3);
    assert_eq!(with.sites.len(), 4);
    assert_eq!(with.sites[3].name, "exotica");
    assert_eq!(&with.sites[..3], &without.sites[..]);
    let old: Vec<_> = with
        .listings
        .iter()
        .filter(|l| l.site != "exotica")
        .cloned()
        .collect();
    assert_eq!(old, without.listings);
    // The ground truth of the three sites serialises as before (no category key).
    assert!(!without.to_json().contains("\"category\""));
    assert_eq!(with.site_listings("exotica").count(), 40);
    assert!(with.site_listings("exotica").all(|l| l.category.is_some()));
    assert_eq!(
        generate(&opts(true)).to_json(),
        with.to_json(),
        "deterministic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_visible_listing_is_reachable_by_links_from_the_home_page() {
    let market = DemoMarket::start(opts(true)).await.unwrap();
    let gt = market.ground_truth();
    let base = market.site("exotica").unwrap().base_url.clone();
    let c = reqwest::Client::new();
    let get = |path: String| {
        let c = c.clone();
        let url = base.join(&path).unwrap();
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let href = Regex::new(r#"href="([^"]+)""#).unwrap();

    // Breadth-first over same-site links, leaving out the calendar, the
    // basket, sign-in and what robots.txt disallows.
    let (mut seen, mut queue) = (BTreeSet::new(), VecDeque::from(["/".to_string()]));
    let mut items = BTreeSet::new();
    let mut other_hosts = 0;
    while let Some(p) = queue.pop_front() {
        if !seen.insert(p.clone()) {
            continue;
        }
        if p.starts_with("/members/") || p.starts_with("/item/") {
            items.insert(p.clone());
            if p.starts_with("/members/") {
                continue;
            }
        }
        let (status, body) = get(p.clone()).await;
        assert_eq!(status, 200, "{p}");
        for m in href.captures_iter(&body) {
            let link = m[1].replace("&amp;", "&");
            if link.starts_with("http") {
                other_hosts += 1;
                continue;
            }
            let skip = ["/events", "/cart", "/login", "/account/"];
            if !skip.iter().any(|s| link.starts_with(s)) && !link.contains("sid=") {
                queue.push_back(link);
            }
        }
        assert!(seen.len() < 500, "the site has no trap on these paths");
    }
    let want: BTreeSet<String> = gt
        .site_listings("exotica")
        .filter(|l| gt.visible_in_round(l, 1))
        .map(|l| l.path.clone())
        .collect();
    assert_eq!(items, want);
    assert!(other_hosts > 0, "the home page links another host");
    assert!(
        seen.iter().any(|p| p.ends_with("list?page=2")),
        "an index has two pages"
    );

    // No search; an endless calendar; robots.txt as the ground truth says.
    assert_eq!(get("/search?q=ivory".into()).await.0, 404);
    let (_, cal) = get("/events?month=2026-12".into()).await;
    assert!(
        cal.contains("month=2027-01") && cal.contains("month=2026-11"),
        "{cal}"
    );
    let (_, robots) = get("/robots.txt".into()).await;
    assert_eq!(robots, gt.site("exotica").unwrap().robots_txt);
    assert!(robots.contains("Disallow: /members/"));

    // The last round: every removed item answers as its removal style says.
    market.set_round(LAST_ROUND);
    let marker = gt.site("exotica").unwrap().ended_marker.clone().unwrap();
    let mut styles = BTreeSet::new();
    for l in gt.site_listings("exotica") {
        let (status, body) = get(l.path.clone()).await;
        match l.removal.as_deref() {
            Some("http_404") => assert_eq!(status, 404),
            Some("ended_marker") => assert!(status == 200 && body.contains(&marker)),
            _ if gt.visible_in_round(l, LAST_ROUND) => {
                assert!(status == 200 && !body.contains(&marker))
            }
            _ => {}
        }
        styles.extend(l.removal.clone());
    }
    assert_eq!(styles.len(), 2, "both removal styles occur");
    market.shutdown().await;
}
