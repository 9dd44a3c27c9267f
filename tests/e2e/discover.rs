//! Discovery beyond search (issue #11): the real `wildtrace crawl` on the
//! demo's `exotica`, a marketplace with no search, with the job in
//! `tests/fixtures/jobs/nosearch.toml`. Checked against the market's ground
//! truth and request log: every reachable listing found by following links
//! from the home page, exactly once; the job's excluded paths, robots.txt's
//! disallowed paths, session-id duplicates and other hosts never requested;
//! the endless calendar cut at the depth limit; the page budget held.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use wildtrace_demo::market::{DemoMarket, DemoOptions, RequestRecord};

use crate::support::{json, lake_id, lake_rows, repo, wildtrace};

/// The fixture job with the running site's address, a data folder in `dir`
/// and the repository's profile; `max_pages` replaces the job's budget.
fn job(dir: &Path, base: &str, name: &str, max_pages: Option<usize>) -> PathBuf {
    let fixture =
        std::fs::read_to_string(repo().join("tests/fixtures/jobs/nosearch.toml")).unwrap();
    let profile = repo().join("config/sites/exotica.toml");
    let data = dir.join("data");
    let mut text = fixture
        .replace("\"demo:exotica\"", &format!("{base:?}"))
        .replace(
            "data_dir = \"data/nosearch\"",
            &format!("data_dir = {:?}", data.display().to_string()),
        )
        .replace(
            "\"../../../config/sites/exotica.toml\"",
            &format!("{:?}", profile.display().to_string()),
        )
        .replace("name = \"nosearch\"", &format!("name = \"{name}\""));
    if let Some(n) = max_pages {
        text = text.replace("max_pages = 400", &format!("max_pages = {n}"));
    }
    for part in [base, "max_pages = ", name] {
        assert!(text.contains(part), "the fixture changed: {part}");
    }
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("job.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `wildtrace crawl` and returns its JSON summary of the one site.
fn crawl(cfg: &Path) -> serde_json::Value {
    let (code, stdout, stderr) = wildtrace(&["crawl", "--config", cfg.to_str().unwrap()], None);
    assert_eq!(code, 0, "crawl failed: {stderr}");
    let out = json(&stdout);
    assert_eq!(out["sites"][0]["source"], "exotica", "{stdout}");
    out["sites"][0].clone()
}

/// The fetch log of a lake: (url, kind, outcome).
fn fetch_log(data: &Path) -> Vec<(String, String, String)> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT url, kind, outcome FROM read_parquet('{}', hive_partitioning = true)",
        data.join("lake/fetch_log/**/*.parquet").display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn targets(log: &[RequestRecord]) -> Vec<String> {
    log.iter()
        .filter(|r| r.site == "exotica")
        .map(|r| r.target.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_without_search_is_crawled_by_following_links_within_its_limits() {
    let market = DemoMarket::start(DemoOptions {
        seed: 7,
        listings_per_site: 30,
        browse_site: true,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let gt = market.ground_truth();
    let base = market.site("exotica").unwrap().base_url.to_string();
    let tmp = tempfile::tempdir().unwrap();

    let cfg = job(&tmp.path().join("full"), &base, "nosearch", None);
    let summary = crawl(&cfg);
    let sent = targets(&market.requests());

    // Every visible, allowed listing exactly once, with what its page says.
    let want: BTreeMap<String, _> = gt
        .site_listings("exotica")
        .filter(|l| gt.visible_in_round(l, 1) && !l.disallowed)
        .map(|l| (lake_id(l), l))
        .collect();
    assert!(want.len() >= 20, "too few listings to mean anything");
    let rows = lake_rows(&tmp.path().join("full/data"));
    let got: BTreeSet<String> = rows.iter().map(|r| r.listing_id.clone()).collect();
    assert_eq!(rows.len(), got.len(), "a listing observed twice");
    assert_eq!(got, want.keys().cloned().collect::<BTreeSet<_>>());
    for r in &rows {
        let l = want[&r.listing_id];
        assert_eq!(r.status, "active");
        assert_eq!(
            r.title.as_deref(),
            Some(l.title.as_str()),
            "{}",
            r.listing_id
        );
        assert_eq!(
            r.posted_date.as_deref(),
            Some(l.posted_date.to_string().as_str())
        );
    }

    // Each request once; nothing the job excludes, robots.txt disallows,
    // or a session id duplicates.
    let unique: BTreeSet<&String> = sent.iter().collect();
    assert_eq!(unique.len(), sent.len(), "a URL requested twice: {sent:?}");
    assert_eq!(sent[0], "/robots.txt");
    for t in &sent {
        for never in ["/login", "/cart", "/members/", "/account/"] {
            assert!(!t.starts_with(never), "{t} was requested");
        }
        assert!(!t.contains("sid="), "{t}: a session-id duplicate");
    }
    let log = fetch_log(&tmp.path().join("full/data"));
    for l in gt
        .site_listings("exotica")
        .filter(|l| gt.visible_in_round(l, 1) && l.disallowed)
    {
        let url = format!("{}{}", base.trim_end_matches('/'), l.path);
        assert!(
            log.iter()
                .any(|(u, k, o)| *u == url && k == "listing" && o == "robots_disallowed"),
            "{url} is linked and must be logged as disallowed"
        );
    }
    assert!(
        log.iter().all(|(u, _, _)| u.starts_with(&base)),
        "another host"
    );

    // Pagination: every page of every category's index, found through rel=next.
    let mut pages = BTreeSet::new();
    for l in gt.site_listings("exotica") {
        if gt.visible_in_round(l, 1) {
            pages.insert(l.category.clone().unwrap());
        }
    }
    let mut want_pages = BTreeSet::new();
    for c in &pages {
        let n = gt
            .site_listings("exotica")
            .filter(|l| gt.visible_in_round(l, 1) && l.category.as_ref() == Some(c))
            .count();
        for p in 1..=n.div_ceil(6) {
            want_pages.insert(format!("/c/{c}/list?page={p}"));
        }
    }
    let got_pages: BTreeSet<String> = sent
        .iter()
        .filter(|t| t.contains("/list"))
        .cloned()
        .collect();
    assert_eq!(got_pages, want_pages);
    assert!(
        want_pages.iter().any(|p| p.ends_with("page=2")),
        "no category has two pages"
    );

    // The endless calendar, linked from every page at depth 1, is cut at
    // max_depth = 5: four months either side of the first.
    let months: BTreeSet<String> = sent
        .iter()
        .filter_map(|t| t.strip_prefix("/events?month="))
        .map(String::from)
        .collect();
    let want_months: BTreeSet<String> = [
        "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04",
        "2026-05",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(months, want_months);
    assert_eq!(summary["requests"].as_u64().unwrap() as usize, sent.len());

    // The page budget: a run with max_pages = 12 sends 12 requests.
    let before = market.requests().len();
    let small = job(&tmp.path().join("budget"), &base, "budget", Some(12));
    let summary = crawl(&small);
    let sent: Vec<String> = targets(&market.requests()[before..]);
    assert_eq!(sent.len(), 12, "{sent:?}");
    assert_eq!(summary["requests"], 12);
    market.shutdown().await;
}

#[test]
fn a_follow_pattern_that_does_not_compile_or_a_site_without_discovery_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = job(dir.path(), "https://exotica.example/", "nosearch", None);
    let text = std::fs::read_to_string(&good).unwrap();
    let run = |name: &str, text: &str| {
        let cfg = dir.path().join(name);
        std::fs::write(&cfg, text).unwrap();
        let (code, _, err) = wildtrace(&["crawl", "--config", cfg.to_str().unwrap()], None);
        assert_eq!(code, 2, "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        (cfg, err)
    };
    let bad = text.replace("'^/cart'", "'^/cart('");
    let line = bad.lines().position(|l| l.contains("cart(")).unwrap() + 1;
    let (cfg, err) = run("bad-pattern.toml", &bad);
    assert!(
        err.contains(&format!(
            "{}:{line}: `sites[0].follow.exclude[1]`: invalid regex",
            cfg.display()
        )),
        "{err}"
    );

    let none = text.replace("start = [\"/\"]\n", "");
    let none = none[..none.find("[sites.follow]").unwrap()].to_string();
    let (cfg, err) = run("no-discovery.toml", &none);
    let line = none
        .lines()
        .position(|l| l == "name = \"exotica\"")
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("{}:{line}: `sites[0].name`", cfg.display()))
            && err.contains("site `exotica` has no discovery source"),
        "{err}"
    );
}
