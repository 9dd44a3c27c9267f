//! The crawler against small real servers on 127.0.0.1: robots.txt status
//! classes, disallowed paths, Crawl-delay, Retry-After, identification,
//! body caps, and lake rows. Timing is measured at the server.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::crawl::{CrawlOutcome, crawl, resolve_bases};

/// The site profile of the test servers (shared with `politeness`).
pub(crate) const PROFILE: &str = r#"
[links]
listing_path = '^/(ad|private)/\d+'
search_path = '^/search'
next_page = "a.next"
[fields.listing_id]
selector = ".ad-id"
[fields.title]
selector = "h1"
[fields.price]
selector = ".price"
[fields.seller]
selector = ".seller"
[removed]
markers = ["This ad has ended"]
"#;

#[derive(Clone, Debug)]
struct Hit {
    path: String,
    at: Instant,
    ua: Option<String>,
    from: Option<String>,
}

/// What the test server answers; every request is recorded.
#[derive(Clone)]
struct Site {
    robots: (u16, String),
    listings: u32,
    /// Paths answered 429 (with Retry-After: 1) the first time.
    throttle_once: Vec<String>,
    /// Paths answered with a body of this many bytes.
    huge: Option<(String, usize)>,
    /// Paths answered with a JPEG instead of a page.
    binary: Vec<String>,
    /// From round 2 on: /ad/1 changes price, /ad/2 is gone (410), /ad/3
    /// leaves search results but stays online.
    round: Arc<std::sync::atomic::AtomicU32>,
    /// robots.txt answer from round 2 on (default: as in round 1).
    robots2: Option<(u16, String)>,
    /// Cache-Control sent with robots.txt.
    robots_cache_control: Option<&'static str>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Site {
    fn new(robots_status: u16, robots: &str, listings: u32) -> Site {
        Site {
            robots: (robots_status, robots.to_string()),
            listings,
            throttle_once: Vec::new(),
            huge: None,
            binary: Vec::new(),
            round: Arc::new(std::sync::atomic::AtomicU32::new(1)),
            robots2: None,
            robots_cache_control: None,
            hits: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn paths(&self) -> Vec<String> {
        self.hits().into_iter().map(|h| h.path).collect()
    }
}

async fn answer(State(site): State<Site>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let h = |n: header::HeaderName| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let first_time = !site.hits().iter().any(|x| x.path == path);
    site.hits.lock().unwrap().push(Hit {
        path: path.clone(),
        at: Instant::now(),
        ua: h(header::USER_AGENT),
        from: h(header::FROM),
    });
    if path == "/robots.txt" && site.throttle_once.contains(&path) && first_time {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "1".parse().unwrap());
        return (StatusCode::SERVICE_UNAVAILABLE, headers, "busy").into_response();
    }
    if path == "/robots.txt" {
        let round2 = site.round.load(std::sync::atomic::Ordering::SeqCst) >= 2;
        let (status, body) = site
            .robots2
            .clone()
            .filter(|_| round2)
            .unwrap_or(site.robots.clone());
        let mut headers = HeaderMap::new();
        if let Some(cc) = site.robots_cache_control {
            headers.insert(header::CACHE_CONTROL, cc.parse().unwrap());
        }
        return (StatusCode::from_u16(status).unwrap(), headers, body).into_response();
    }
    if site.throttle_once.contains(&path) && first_time {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "1".parse().unwrap());
        return (StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response();
    }
    if let Some((_, n)) = site.huge.as_ref().filter(|(p, _)| *p == path) {
        return ([(header::CONTENT_TYPE, "text/html")], "x".repeat(*n)).into_response();
    }
    if site.binary.contains(&path) {
        return (
            [(header::CONTENT_TYPE, "image/jpeg")],
            vec![0xFFu8, 0xD8, 0xFF, 0xE0, b'<', b'h'],
        )
            .into_response();
    }
    let html = |body: String| {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!("<!doctype html><html lang=en><body>{body}</body></html>"),
        )
            .into_response()
    };
    let round2 = site.round.load(std::sync::atomic::Ordering::SeqCst) >= 2;
    if round2 && path == "/ad/2" {
        return (StatusCode::GONE, "gone").into_response();
    }
    if round2 && path == "/ad/4" {
        return (
            StatusCode::FOUND,
            [(header::LOCATION, "/search?q=pangolin")],
            "",
        )
            .into_response();
    }
    if path.starts_with("/search") {
        let links: String = (1..=site.listings)
            .filter(|i| !(round2 && [2, 3, 4].contains(i)))
            .map(|i| format!("<a href=\"/ad/{i}\">ad {i}</a> <a href=\"/private/{i}\">vip {i}</a>"))
            .collect();
        return html(links);
    }
    for prefix in ["/ad/", "/private/"] {
        let id = path
            .strip_prefix(prefix)
            .and_then(|s| s.parse::<u32>().ok());
        if let Some(id) = id.filter(|id| *id <= site.listings) {
            return html(format!(
                "<h1>Pangolin scales lot of 12 #{id}</h1><span class=ad-id>{id}</span>\
                 <span class=price>€ {}</span><span class=seller>trader{id}</span>\
                 <p>call +84 912 345 678</p>",
                if round2 && id == 1 {
                    "1.300,00"
                } else {
                    "1.250,50"
                }
            ));
        }
    }
    (StatusCode::NOT_FOUND, "no such page").into_response()
}

/// The single record batch of a small lake file the crawler wrote.
fn read_batch(file: &std::path::Path) -> arrow_array::RecordBatch {
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(file).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap()
    .next()
    .unwrap()
    .unwrap()
}

async fn serve(site: Site) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(answer).with_state(site);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Url::parse(&format!("http://{addr}/")).unwrap()
}

fn config(dir: &std::path::Path, min_delay_ms: u64, max_body: u64) -> CrawlConfig {
    std::fs::write(dir.join("p.toml"), PROFILE).unwrap();
    let text = format!(
        r#"
[job]
name = "t"
[identity]
product_token = "wildtrace"
contact = "mailto:research@example.org"
[politeness]
min_delay_ms = {min_delay_ms}
max_retries = 2
max_retry_after_s = 5
[fetch]
timeout_ms = 5000
max_body_bytes = {max_body}
[scope]
allow_private_addresses = true
[storage]
data_dir = "{}"
[[sites]]
name = "s"
base_url = "demo:s"
profile = "p.toml"
search = "/search?q={{term}}"
terms = ["pangolin"]
"#,
        dir.join("data").display()
    );
    CrawlConfig::parse(&dir.join("job.toml"), &text).unwrap()
}

async fn run(site: &Site, min_delay_ms: u64, max_body: u64) -> (tempfile::TempDir, CrawlOutcome) {
    let base = serve(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), min_delay_ms, max_body);
    let bases = resolve_bases(&cfg, &BTreeMap::from([("s".to_string(), base)])).unwrap();
    let outcome = crawl(&cfg, &bases).await.unwrap();
    (dir, outcome)
}

#[tokio::test]
async fn robots_5xx_429_mean_disallow_all() {
    for status in [500, 503, 429] {
        let site = Site::new(status, "", 3);
        let (_d, out) = run(&site, 10, 1 << 20).await;
        // Asked again after a back-off (max_retries = 2), nothing else requested.
        assert_eq!(
            site.paths(),
            vec!["/robots.txt"; 3],
            "status {status}: nothing but robots.txt"
        );
        assert!(
            out.sites[0].robots.starts_with("disallow all"),
            "{:?}",
            out.sites[0].robots
        );
    }
}

#[tokio::test]
async fn a_briefly_unavailable_robots_txt_is_asked_again_and_then_obeyed() {
    let mut site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 3);
    site.throttle_once = vec!["/robots.txt".into()];
    let (_d, out) = run(&site, 10, 1 << 20).await;
    let hits = site.hits();
    assert_eq!(hits[0].path, "/robots.txt");
    assert_eq!(hits[1].path, "/robots.txt");
    // The 503's Retry-After: 1 is waited for, measured at the server.
    assert!(hits[1].at - hits[0].at >= Duration::from_millis(950));
    assert!(
        out.sites[0].robots.starts_with("parsed"),
        "{}",
        out.sites[0].robots
    );
    assert_eq!(out.sites[0].active, 3);
    assert!(!site.paths().iter().any(|p| p.starts_with("/private/")));
}

#[tokio::test]
async fn robots_unreachable_means_disallow_all() {
    // A port nobody listens on: bind, note the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), 10, 1 << 20);
    let base = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let bases = resolve_bases(&cfg, &BTreeMap::from([("s".to_string(), base)])).unwrap();
    let out = crawl(&cfg, &bases).await.unwrap();
    // robots.txt tried once and again after each back-off (max_retries = 2).
    assert_eq!(out.sites[0].requests, 3);
    assert!(
        out.sites[0].robots.contains("unreachable"),
        "{}",
        out.sites[0].robots
    );
}

#[tokio::test]
async fn robots_4xx_means_allow_all() {
    let site = Site::new(404, "", 2);
    let (_d, out) = run(&site, 10, 1 << 20).await;
    let paths = site.paths();
    assert!(
        paths.contains(&"/ad/1".to_string()) && paths.contains(&"/private/2".to_string()),
        "{paths:?}"
    );
    assert_eq!(out.sites[0].active, 4);
}

#[tokio::test]
async fn disallowed_paths_are_never_requested_and_are_logged() {
    let site = Site::new(
        200,
        "User-agent: *\nDisallow: /private/\n\nUser-agent: wildtrace\nDisallow: /private/\nDisallow: /ad/3\n",
        4,
    );
    let (_d, out) = run(&site, 10, 1 << 20).await;
    let paths = site.paths();
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("/private/") || p == "/ad/3"),
        "{paths:?}"
    );
    assert_eq!(out.sites[0].robots_disallowed, 5);
    assert_eq!(out.sites[0].active, 3);
}

#[tokio::test]
async fn crawl_delay_spaces_requests_at_the_server() {
    let site = Site::new(200, "User-agent: *\nCrawl-delay: 0.3\n", 3);
    let (_d, out) = run(&site, 10, 1 << 20).await;
    assert_eq!(out.sites[0].delay_s, 0.3);
    let hits = site.hits();
    assert_eq!(hits.len(), 8, "robots, search, 3 ads, 3 private");
    assert_spaced(&hits, Duration::from_millis(295));
}

/// Every two consecutive requests reached the server at least `min` apart.
fn assert_spaced(hits: &[Hit], min: Duration) {
    for w in hits.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(
            gap >= min,
            "gap {gap:?} between {} and {}",
            w[0].path,
            w[1].path
        );
    }
}

#[tokio::test]
async fn retry_after_is_honoured_and_the_url_retried() {
    let mut site = Site::new(200, "", 2);
    site.throttle_once = vec!["/ad/1".into()];
    let (_d, out) = run(&site, 10, 1 << 20).await;
    let hits = site.hits();
    let ad1: Vec<&Hit> = hits.iter().filter(|h| h.path == "/ad/1").collect();
    assert_eq!(ad1.len(), 2, "throttled once, then fetched");
    let first_429 = ad1[0].at;
    let after: Vec<&Hit> = hits.iter().filter(|h| h.at > first_429).collect();
    assert!(!after.is_empty());
    for h in after {
        assert!(
            h.at - first_429 >= Duration::from_millis(990),
            "{} came {:?} after the 429",
            h.path,
            h.at - first_429
        );
    }
    assert_eq!(out.sites[0].active, 4);
}

#[tokio::test]
async fn requests_identify_the_crawler() {
    let site = Site::new(200, "", 1);
    run(&site, 10, 1 << 20).await;
    for h in site.hits() {
        let ua = h.ua.unwrap();
        assert!(
            ua.starts_with("wildtrace/") && ua.ends_with("(+mailto:research@example.org)"),
            "{ua}"
        );
        assert_eq!(h.from.as_deref(), Some("research@example.org"));
    }
}

#[tokio::test]
async fn an_oversized_page_costs_one_url_not_the_run() {
    let mut site = Site::new(200, "", 3);
    site.huge = Some(("/ad/2".into(), 200_000));
    let (_d, out) = run(&site, 10, 100_000).await;
    assert_eq!(out.sites[0].failed, 1);
    assert_eq!(out.sites[0].active, 5, "the other listings still land");
}

#[tokio::test]
async fn rows_carry_parsed_prices_pseudonyms_and_masked_contacts() {
    use arrow_array::{Array, Decimal128Array, Int32Array, StringArray};
    let site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 2);
    let (_d, out) = run(&site, 10, 1 << 20).await;
    let batch = read_batch(out.sites[0].listings_file.as_deref().unwrap());
    let col = |n: &str| batch.column_by_name(n).unwrap().clone();
    let ids = col("listing_id");
    let ids = ids.as_any().downcast_ref::<StringArray>().unwrap();
    let mut got: Vec<&str> = ids.iter().map(|v| v.unwrap()).collect();
    got.sort();
    assert_eq!(got, vec!["s:1", "s:2"]);
    let amounts = col("price_amount");
    let amounts = amounts.as_any().downcast_ref::<Decimal128Array>().unwrap();
    assert_eq!(amounts.value(0), 12_505_000, "1.250,50 EUR at scale 4");
    let q = col("quantity");
    assert_eq!(
        q.as_any().downcast_ref::<Int32Array>().unwrap().value(0),
        12
    );
    let sellers = col("seller_pseudonym");
    let sellers = sellers.as_any().downcast_ref::<StringArray>().unwrap();
    assert!(sellers.value(0).starts_with("s_") && !sellers.value(0).contains("trader"));
    for c in batch.columns() {
        if let Some(s) = c.as_any().downcast_ref::<StringArray>() {
            for v in s.iter().flatten() {
                assert!(
                    !v.contains("trader") && !v.contains("912 345"),
                    "raw identity leaked: {v}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_non_html_listing_costs_one_url_and_is_logged() {
    let mut site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 3);
    site.binary = vec!["/ad/2".into()];
    let (_d, out) = run(&site, 10, 1 << 20).await;
    assert_eq!((out.sites[0].active, out.sites[0].failed), (2, 1));
    let batch = read_batch(out.sites[0].fetch_log_file.as_deref().unwrap());
    let col = |n: &str| {
        batch
            .column_by_name(n)
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap()
            .clone()
    };
    let (urls, outcomes) = (col("url"), col("outcome"));
    let not_html: Vec<&str> = (0..batch.num_rows())
        .filter(|&i| outcomes.value(i) == "not_html")
        .map(|i| urls.value(i))
        .collect();
    assert_eq!(not_html.len(), 1);
    assert!(not_html[0].ends_with("/ad/2"), "{not_html:?}");
}

#[tokio::test]
async fn revisits_record_the_lifecycle_active_changed_removed() {
    use arrow_array::{Array, StringArray};
    let site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 4);
    let base = serve(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), 10, 1 << 20);
    let bases = resolve_bases(&cfg, &BTreeMap::from([("s".to_string(), base)])).unwrap();
    let first = crawl(&cfg, &bases).await.unwrap();
    assert_eq!(first.sites[0].active, 4);
    site.round.store(2, std::sync::atomic::Ordering::SeqCst);
    let second = crawl(&cfg, &bases).await.unwrap();
    let s2 = &second.sites[0];
    assert_eq!((s2.active, s2.changed, s2.removed), (1, 1, 2));
    assert_ne!(first.run_id, second.run_id);

    let batch = read_batch(s2.listings_file.as_deref().unwrap());
    let col = |n: &str| {
        batch
            .column_by_name(n)
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .clone()
    };
    let (ids, status, reason, term) = (
        col("listing_id"),
        col("status"),
        col("removal_reason"),
        col("search_term"),
    );
    let mut got: Vec<(String, String, Option<String>, Option<String>)> = (0..batch.num_rows())
        .map(|i| {
            let opt = |a: &StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
            (
                ids.value(i).to_string(),
                status.value(i).to_string(),
                opt(&reason),
                opt(&term),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "s:1".into(),
                "changed".into(),
                None,
                Some("pangolin".into())
            ),
            (
                "s:2".into(),
                "removed".into(),
                Some("http_410".into()),
                None
            ),
            ("s:3".into(), "active".into(), None, None),
            (
                "s:4".into(),
                "removed".into(),
                Some("redirect_to_search".into()),
                None
            ),
        ],
        "a changed price, a 410 and a redirect to search found by revisit, and a listing only a revisit still sees"
    );

    // A third run does not revisit the removed listing again.
    site.hits.lock().unwrap().clear();
    crawl(&cfg, &bases).await.unwrap();
    let paths = site.paths();
    assert!(
        !paths.contains(&"/ad/2".to_string()) && !paths.contains(&"/ad/4".to_string()),
        "removed listings are not revisited: {paths:?}"
    );
}

/// Runs the crawl twice on one state folder; the server moves to round 2 in between.
async fn two_runs(site: &Site) -> (CrawlOutcome, CrawlOutcome) {
    let base = serve(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), 10, 1 << 20);
    let bases = resolve_bases(&cfg, &BTreeMap::from([("s".to_string(), base)])).unwrap();
    let first = crawl(&cfg, &bases).await.unwrap();
    site.round.store(2, std::sync::atomic::Ordering::SeqCst);
    site.hits.lock().unwrap().clear();
    let second = crawl(&cfg, &bases).await.unwrap();
    (first, second)
}

#[tokio::test]
async fn robots_txt_is_cached_within_24h_and_cache_control() {
    let site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 1);
    let (_, second) = two_runs(&site).await;
    assert!(
        !site.paths().contains(&"/robots.txt".to_string()),
        "a fresh cached copy is reused"
    );
    assert!(
        second.sites[0].robots.contains("cached copy"),
        "{}",
        second.sites[0].robots
    );

    let mut site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 1);
    site.robots_cache_control = Some("max-age=0");
    two_runs(&site).await;
    assert_eq!(
        site.paths().first().map(String::as_str),
        Some("/robots.txt"),
        "max-age=0 forces a new fetch"
    );
}

#[tokio::test]
async fn an_unreachable_robots_txt_falls_back_to_the_last_good_copy() {
    let mut site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 2);
    site.robots_cache_control = Some("no-cache");
    site.robots2 = Some((503, String::new()));
    let (_, second) = two_runs(&site).await;
    let paths = site.paths();
    assert_eq!(
        paths.first().map(String::as_str),
        Some("/robots.txt"),
        "fetched again (no-cache)"
    );
    assert!(
        second.sites[0].robots.contains("last good copy"),
        "{}",
        second.sites[0].robots
    );
    assert!(
        paths.iter().any(|p| p.starts_with("/ad/")),
        "the old rules still allow /ad/: {paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "and still forbid /private/: {paths:?}"
    );
}

#[tokio::test]
async fn crawl_delay_holds_across_back_to_back_runs() {
    let mut site = Site::new(
        200,
        "User-agent: *\nCrawl-delay: 0.3\nDisallow: /private/\n",
        1,
    );
    // Refetched every run, so the second run opens with a robots.txt request.
    site.robots_cache_control = Some("no-cache");
    let base = serve(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), 10, 1 << 20);
    let bases = resolve_bases(&cfg, &BTreeMap::from([("s".to_string(), base)])).unwrap();
    crawl(&cfg, &bases).await.unwrap();
    let first_run = site.hits().len();
    crawl(&cfg, &bases).await.unwrap();
    let hits = site.hits();
    assert!(hits.len() > first_run, "the second run made requests");
    assert_spaced(&hits, Duration::from_millis(295));
}

#[tokio::test]
async fn evidence_mode_points_every_row_at_a_verifiable_warc_record() {
    use wildtrace_crawler::warc;
    let site = Site::new(200, "User-agent: *\nDisallow: /private/\n", 4);
    let base = serve(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let plain = config(dir.path(), 10, 1 << 20);
    let text = std::fs::read_to_string(dir.path().join("p.toml")).unwrap();
    assert!(!text.is_empty());
    // The same job with evidence mode on.
    let job = format!(
        "[job]\nname = \"t\"\n[identity]\nproduct_token = \"wildtrace\"\ncontact = \"mailto:research@example.org\"\n\
         [politeness]\nmin_delay_ms = 10\n[scope]\nallow_private_addresses = true\n\
         [evidence]\nwarc = true\n[storage]\ndata_dir = {:?}\n\
         [[sites]]\nname = \"s\"\nbase_url = \"demo:s\"\nprofile = \"p.toml\"\nsearch = \"/search?q={{term}}\"\nterms = [\"pangolin\"]\n",
        plain.data_dir.display().to_string()
    );
    let cfg = CrawlConfig::parse(&dir.path().join("job.toml"), &job).unwrap();
    let warc_dir = cfg.warc_dir.clone().expect("evidence mode on");
    let bases = resolve_bases(&cfg, &BTreeMap::from([("s".to_string(), base)])).unwrap();
    let out = crawl(&cfg, &bases).await.unwrap();
    assert_eq!(out.sites[0].active, 4);

    let pointers = warc::pointers_from_lake(&cfg.lake_dir()).unwrap();
    assert_eq!(pointers.len(), 4, "one pointer per listing row");
    let files: Vec<_> = std::fs::read_dir(&warc_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        1,
        "one finished WARC file per run and host: {files:?}"
    );
    assert!(files[0].to_string_lossy().ends_with(".warc.gz"));
    // Robots, search and listing exchanges are all recorded.
    let records = warc::read_records(&files[0]).unwrap();
    let responses: Vec<_> = records
        .iter()
        .filter(|r| r.header("WARC-Type") == Some("response"))
        .collect();
    assert_eq!(responses.len(), hits_count(&site));
    let report = warc::verify(std::slice::from_ref(&warc_dir), &pointers);
    assert!(report.ok, "{report:?}");

    // One flipped byte in a response record's block is tampering.
    let p = &pointers[2];
    let path = warc_dir.join(&p.file);
    let mut bytes = std::fs::read(&path).unwrap();
    let gz = &bytes[p.offset as usize..(p.offset + p.length) as usize];
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut raw).unwrap();
    let at = raw.len() - 20;
    raw[at] ^= 0x01;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &raw).unwrap();
    let member = enc.finish().unwrap();
    bytes.splice(
        p.offset as usize..(p.offset + p.length) as usize,
        member.into_iter(),
    );
    std::fs::write(&path, bytes).unwrap();
    let report = warc::verify(&[warc_dir], &pointers);
    assert!(!report.ok, "tampering went unnoticed");
}

fn hits_count(site: &Site) -> usize {
    site.hits().len()
}

/// A slow host (300 ms a page) that measures how many requests it serves at once.
#[derive(Clone, Default)]
struct Slow {
    now: Arc<std::sync::atomic::AtomicUsize>,
    max: Arc<std::sync::atomic::AtomicUsize>,
    starts: Arc<Mutex<Vec<(String, Instant)>>>,
}

async fn slow_answer(State(s): State<Slow>, req: Request) -> Response {
    use std::sync::atomic::Ordering::SeqCst;
    let path = req.uri().path().to_string();
    s.starts
        .lock()
        .unwrap()
        .push((path.clone(), Instant::now()));
    let n = s.now.fetch_add(1, SeqCst) + 1;
    s.max.fetch_max(n, SeqCst);
    if path != "/robots.txt" {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    s.now.fetch_sub(1, SeqCst);
    let body = match path.as_str() {
        "/robots.txt" => "User-agent: *\nAllow: /\n".to_string(),
        "/search" => (1..=8)
            .map(|i| format!("<a class=\"item\" href=\"/ad/{i}\">Pangolin scales lot {i}</a>"))
            .collect(),
        p => format!(
            "<html><h1>Pangolin scales {p}</h1><p class=\"price\">€ 80</p><span class=\"ad-id\">{}</span></html>",
            p.trim_start_matches("/ad/")
        ),
    };
    ([(header::CONTENT_TYPE, "text/html")], body).into_response()
}

async fn crawl_slow(per_host: usize) -> (Slow, CrawlOutcome) {
    let slow = Slow::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(slow_answer).with_state(slow.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), PROFILE).unwrap();
    let text = format!(
        "[job]\nname = \"t\"\n[identity]\nproduct_token = \"wildtrace\"\ncontact = \"mailto:research@example.org\"\n\
         [politeness]\nmin_delay_ms = 50\nper_host_concurrency = {per_host}\n[scope]\nallow_private_addresses = true\n\
         [storage]\ndata_dir = {:?}\n\
         [[sites]]\nname = \"s\"\nbase_url = \"http://{addr}/\"\nprofile = \"p.toml\"\nsearch = \"/search?q={{term}}\"\nterms = [\"pangolin\"]\n",
        dir.path().join("data").display().to_string()
    );
    let cfg = CrawlConfig::parse(&dir.path().join("job.toml"), &text).unwrap();
    let bases = resolve_bases(&cfg, &BTreeMap::new()).unwrap();
    let out = crawl(&cfg, &bases).await.unwrap();
    (slow, out)
}

#[tokio::test]
async fn per_host_concurrency_bounds_requests_in_flight_and_spaces_their_starts() {
    use std::sync::atomic::Ordering::SeqCst;
    // Default: one at a time, each a full delay after the previous response.
    let (one, out) = crawl_slow(1).await;
    assert_eq!(one.max.load(SeqCst), 1);
    assert_eq!(out.sites[0].active, 8);
    // Three lanes: up to three in flight at this slow host, never more, and
    // starts still at least the delay apart, each listing fetched once.
    let (three, out) = crawl_slow(3).await;
    assert_eq!(three.max.load(SeqCst), 3, "three requests overlapped");
    assert_eq!(out.sites[0].active, 8);
    let starts = three.starts.lock().unwrap().clone();
    for w in starts.windows(2) {
        assert!(
            w[1].1 - w[0].1 >= Duration::from_millis(49),
            "{} then {} too close",
            w[0].0,
            w[1].0
        );
    }
    let mut ads: Vec<&str> = starts
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| p.starts_with("/ad/"))
        .collect();
    ads.sort();
    ads.dedup();
    assert_eq!(ads.len(), 8);
    assert_eq!(
        starts.iter().filter(|(p, _)| p.starts_with("/ad/")).count(),
        8,
        "no listing fetched twice"
    );
}
