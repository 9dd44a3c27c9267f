//! Issue #3's politeness rules, each proven against small real servers on
//! 127.0.0.1: robots.txt edge cases (BOM, redirects, size cap, product
//! token), back-off and Retry-After, fairness across hosts, decompression
//! and sitemap bombs, redirect loops, slow servers, scope and traps,
//! conditional revisits and an in-process stop/resume. Every timing claim
//! is measured at the server (arrival instants), never as wall-clock speed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use arrow_array::{Array, Int32Array, Int64Array, RecordBatch, StringArray};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::crawl::{
    CrawlError, CrawlOptions, CrawlOutcome, SiteOutcome, crawl, crawl_with, resolve_bases,
};

use crate::crawl::PROFILE;

// ------------------------------------------------------------ test servers

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Hit {
    path: String,
    at: Instant,
    headers: HeaderMap,
}

/// What a handler is told about a request.
struct Req<'a> {
    /// Path and query, as sent.
    path: &'a str,
    headers: &'a HeaderMap,
    /// How often this exact path was requested before.
    seen: usize,
    /// `http://host:port` of this server, from the Host header.
    origin: String,
}

type Handler = Arc<dyn Fn(&Req) -> Response + Send + Sync>;

#[derive(Clone)]
struct St {
    hits: Arc<Mutex<Vec<Hit>>>,
    f: Handler,
}

/// A running test server and everything it was asked.
#[derive(Clone)]
struct Srv {
    url: Url,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Srv {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
    fn paths(&self) -> Vec<String> {
        self.hits().into_iter().map(|h| h.path).collect()
    }
    fn count(&self, path: &str) -> usize {
        self.paths().iter().filter(|p| *p == path).count()
    }
    fn times(&self, pred: impl Fn(&str) -> bool) -> Vec<Instant> {
        self.hits()
            .into_iter()
            .filter(|h| pred(&h.path))
            .map(|h| h.at)
            .collect()
    }
}

async fn dispatch(State(st): State<St>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let headers = req.headers().clone();
    let origin = format!(
        "http://{}",
        headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("invalid")
    );
    let seen = {
        let mut hits = st.hits.lock().unwrap();
        let seen = hits.iter().filter(|h| h.path == path).count();
        hits.push(Hit {
            path: path.clone(),
            at: Instant::now(),
            headers: headers.clone(),
        });
        seen
    };
    (st.f)(&Req {
        path: &path,
        headers: &headers,
        seen,
        origin,
    })
}

async fn serve(f: impl Fn(&Req) -> Response + Send + Sync + 'static) -> Srv {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(Mutex::new(Vec::new()));
    let st = St {
        hits: hits.clone(),
        f: Arc::new(f),
    };
    let app = Router::new().fallback(dispatch).with_state(st);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Srv {
        url: Url::parse(&format!("http://{addr}/")).unwrap(),
        hits,
    }
}

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!doctype html><html lang=en><head><title>Exotic finds</title></head><body>{body}</body></html>"),
    )
        .into_response()
}

fn ad_html(id: u32) -> String {
    format!(
        "<h1>Pangolin scales lot of 12 #{id}</h1><span class=ad-id>{id}</span>\
         <span class=price>€ 1.250,50</span><span class=seller>trader{id}</span>\
         <p>Shipping worldwide, discreet packing.</p>"
    )
}

fn search_html(links: &[String]) -> Response {
    html(
        links
            .iter()
            .map(|l| format!("<div class=result><a href=\"{l}\">offer</a></div>"))
            .collect(),
    )
}

fn robots(body: &str) -> Response {
    ([(header::CONTENT_TYPE, "text/plain")], body.to_string()).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such page").into_response()
}

fn redirect(status: StatusCode, to: &str) -> Response {
    (status, [(header::LOCATION, to.to_string())], "").into_response()
}

/// The `/ad/<n>` id of a path (query ignored), if it is one.
fn ad_id(path: &str) -> Option<u32> {
    let p = path.split('?').next()?;
    p.strip_prefix("/ad/")?.parse().ok()
}

/// A small marketplace: robots.txt absent (404), one search page linking
/// `/ad/1..=n`, and the ad pages (listing ids `s:1..=n`).
fn market(path: &str, n: u32) -> Response {
    if path.starts_with("/search") {
        return search_html(&(1..=n).map(|i| format!("/ad/{i}")).collect::<Vec<_>>());
    }
    match ad_id(path).filter(|i| *i <= n) {
        Some(i) => html(ad_html(i)),
        None => not_found(),
    }
}

/// [`market`] plus `/private/1..=n` pages (listing ids `s:101..`), for robots rules.
fn market_private(path: &str, n: u32) -> Response {
    if path.starts_with("/search") {
        let mut links: Vec<String> = (1..=n).map(|i| format!("/ad/{i}")).collect();
        links.extend((1..=n).map(|i| format!("/private/{i}")));
        return search_html(&links);
    }
    let private = path
        .strip_prefix("/private/")
        .and_then(|i| i.parse::<u32>().ok());
    match private.filter(|i| *i <= n) {
        Some(i) => html(ad_html(100 + i)),
        None => market(path, n),
    }
}

// ------------------------------------------------------------ job config

/// A job for `sites` (name, extra TOML lines for its `[[sites]]` table);
/// `sections` adds keys to `[politeness]`, `[fetch]`, `[scope]` or
/// `[revisit]`, replacing the test defaults of the same keys.
fn config(dir: &std::path::Path, sections: &[(&str, &str)], sites: &[(&str, &str)]) -> CrawlConfig {
    std::fs::write(dir.join("p.toml"), PROFILE).unwrap();
    let defaults: [(&str, &str); 4] = [
        (
            "politeness",
            "min_delay_ms = 10\nmax_retries = 2\nmax_retry_after_s = 5",
        ),
        ("fetch", "timeout_ms = 5000"),
        ("scope", "allow_private_addresses = true"),
        ("revisit", ""),
    ];
    let mut text = String::from(
        "[job]\nname = \"t\"\n[identity]\nproduct_token = \"wildtrace\"\ncontact = \"mailto:research@example.org\"\n",
    );
    for (section, lines) in defaults {
        let extra: Vec<&str> = sections
            .iter()
            .filter(|(s, _)| *s == section)
            .flat_map(|(_, l)| l.lines())
            .collect();
        let key = |l: &str| l.split('=').next().unwrap_or("").trim().to_string();
        let given: BTreeSet<String> = extra.iter().map(|l| key(l)).collect();
        text.push_str(&format!("[{section}]\n"));
        for l in lines.lines().filter(|l| !given.contains(&key(l))) {
            text.push_str(l);
            text.push('\n');
        }
        for l in extra {
            text.push_str(l);
            text.push('\n');
        }
    }
    text.push_str(&format!(
        "[storage]\ndata_dir = \"{}\"\n",
        dir.join("data").display()
    ));
    for (name, extra) in sites {
        text.push_str(&format!(
            "[[sites]]\nname = \"{name}\"\nbase_url = \"demo:{name}\"\nprofile = \"p.toml\"\n\
             search = \"/search?q={{term}}\"\nterms = [\"pangolin\"]\n{extra}\n"
        ));
    }
    CrawlConfig::parse(&dir.join("job.toml"), &text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

fn bases(cfg: &CrawlConfig, sites: &[(&str, &Url)]) -> BTreeMap<String, Url> {
    let demo = sites
        .iter()
        .map(|(n, u)| (n.to_string(), (*u).clone()))
        .collect();
    resolve_bases(cfg, &demo).unwrap()
}

/// Crawls one site `s` at `srv` with the given config sections.
async fn run_one(
    srv: &Srv,
    sections: &[(&str, &str)],
    site_extra: &str,
) -> (tempfile::TempDir, CrawlOutcome) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), sections, &[("s", site_extra)]);
    let out = crawl(&cfg, &bases(&cfg, &[("s", &srv.url)])).await.unwrap();
    (dir, out)
}

// ------------------------------------------------------------ lake readers

fn batches(file: &std::path::Path) -> Vec<RecordBatch> {
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(file).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap()
    .map(|b| b.unwrap())
    .collect()
}

fn strs(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = b.column_by_name(col).unwrap();
    let a = a.as_any().downcast_ref::<StringArray>().unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
        .collect()
}

fn i32s(b: &RecordBatch, col: &str) -> Vec<Option<i32>> {
    let a = b.column_by_name(col).unwrap();
    let a = a.as_any().downcast_ref::<Int32Array>().unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect()
}

fn i64s(b: &RecordBatch, col: &str) -> Vec<Option<i64>> {
    let a = b.column_by_name(col).unwrap();
    let a = a.as_any().downcast_ref::<Int64Array>().unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect()
}

/// One fetch-log row.
#[derive(Debug, Clone)]
#[allow(dead_code)]
struct Log {
    url: String,
    kind: String,
    outcome: String,
    status: Option<i32>,
    retry_after_s: Option<i64>,
}

fn fetch_log(site: &SiteOutcome) -> Vec<Log> {
    let mut out = Vec::new();
    for b in batches(site.fetch_log_file.as_deref().expect("a fetch log file")) {
        let (u, k, o, s, r) = (
            strs(&b, "url"),
            strs(&b, "kind"),
            strs(&b, "outcome"),
            i32s(&b, "http_status"),
            i64s(&b, "retry_after_s"),
        );
        for i in 0..b.num_rows() {
            out.push(Log {
                url: u[i].clone().unwrap(),
                kind: k[i].clone().unwrap(),
                outcome: o[i].clone().unwrap(),
                status: s[i],
                retry_after_s: r[i],
            });
        }
    }
    out
}

/// Fetch-log outcomes for URLs whose path (and query) is `path`.
fn outcomes(log: &[Log], path: &str) -> Vec<String> {
    log.iter()
        .filter(|l| {
            Url::parse(&l.url)
                .map(|u| wildtrace_extract::profile::path_and_query(&u) == path)
                .unwrap_or(false)
        })
        .map(|l| l.outcome.clone())
        .collect()
}

/// One listing row of the lake.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    run_id: String,
    listing_id: String,
    status: String,
    title: Option<String>,
    price_text: Option<String>,
    http_status: i32,
}

fn listing_rows(site: &SiteOutcome) -> Vec<Row> {
    let Some(file) = site.listings_file.as_deref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for b in batches(file) {
        let (run, id, st, t, p, h) = (
            strs(&b, "run_id"),
            strs(&b, "listing_id"),
            strs(&b, "status"),
            strs(&b, "title"),
            strs(&b, "price_text"),
            i32s(&b, "http_status"),
        );
        for i in 0..b.num_rows() {
            out.push(Row {
                run_id: run[i].clone().unwrap(),
                listing_id: id[i].clone().unwrap(),
                status: st[i].clone().unwrap(),
                title: t[i].clone(),
                price_text: p[i].clone(),
                http_status: h[i].unwrap(),
            });
        }
    }
    out
}

fn ids(site: &SiteOutcome) -> BTreeSet<String> {
    listing_rows(site)
        .into_iter()
        .map(|r| r.listing_id)
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn gaps(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

// ------------------------------------------------------------ 1. robots.txt

#[tokio::test]
async fn robots_bom_is_ignored() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => robots("\u{FEFF}User-agent: *\nDisallow: /private/\n"),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "the first line after the BOM still applies: {paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
    assert_eq!(out.sites[0].robots_disallowed, 2);
}

#[tokio::test]
async fn robots_redirect_is_followed_and_applied_to_the_original_host() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => redirect(StatusCode::MOVED_PERMANENTLY, "/real-robots.txt"),
        "/real-robots.txt" => robots("User-agent: *\nDisallow: /private/\n"),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert_eq!(
        &paths[..2],
        ["/robots.txt", "/real-robots.txt"],
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
    assert!(
        out.sites[0].robots.starts_with("parsed"),
        "{}",
        out.sites[0].robots
    );
}

#[tokio::test]
async fn robots_with_six_chained_redirects_is_unavailable_so_allow_all() {
    // /robots.txt -> /r1 -> ... -> /r6, and /r6 would forbid everything.
    let srv = serve(|r| {
        if r.path == "/robots.txt" {
            return redirect(StatusCode::FOUND, "/r1");
        }
        if let Some(n) = r
            .path
            .strip_prefix("/r")
            .and_then(|n| n.parse::<u32>().ok())
        {
            return if n < 6 {
                redirect(StatusCode::FOUND, &format!("/r{}", n + 1))
            } else {
                robots("User-agent: *\nDisallow: /\n")
            };
        }
        market_private(r.path, 2)
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert_eq!(
        &paths[..6],
        ["/robots.txt", "/r1", "/r2", "/r3", "/r4", "/r5"],
        "five redirects followed: {paths:?}"
    );
    assert!(
        !paths.contains(&"/r6".to_string()),
        "the sixth is not: {paths:?}"
    );
    // RFC 9309 §2.3.1.2: too many redirects = unavailable = allow all.
    assert!(
        out.sites[0].robots.starts_with("allow all"),
        "{}",
        out.sites[0].robots
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:101", "s:102", "s:2"]));
    assert!(paths.contains(&"/private/1".to_string()), "{paths:?}");
}

#[tokio::test]
async fn robots_over_500_kib_is_parsed_up_to_the_cap() {
    // A rule early, a rule just inside the 500 KiB cap, a rule past it.
    let mut body = String::from("User-agent: *\nDisallow: /private/\n");
    let pad = "# padding padding padding padding padding padding padding padding\n";
    while body.len() < 500 * 1024 - 2048 {
        body.push_str(pad);
    }
    body.push_str("Disallow: /ad/2\n");
    while body.len() < 520 * 1024 {
        body.push_str(pad);
    }
    body.push_str("Disallow: /ad/3\n");
    let body = Arc::new(body);
    let srv = serve(move |r| match r.path {
        "/robots.txt" => robots(&body),
        p => market_private(p, 3),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&"/ad/2".to_string()),
        "a rule inside the cap applies: {paths:?}"
    );
    assert!(
        paths.contains(&"/ad/3".to_string()),
        "a rule past the cap does not: {paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:3"]));
}

#[tokio::test]
async fn robots_larger_than_the_body_cap_is_still_parsed_up_to_500_kib() {
    // 6 MiB, over the default fetch.max_body_bytes (5 MiB): RFC 9309 §2.5
    // asks for the first 500 KiB to be parsed, not for the file to count as
    // unreachable (which would block the whole host).
    let mut body = String::from("User-agent: *\nDisallow: /private/\n");
    let pad = "# padding padding padding padding padding padding padding padding\n";
    while body.len() < 6 << 20 {
        body.push_str(pad);
    }
    let body = Arc::new(body);
    let srv = serve(move |r| match r.path {
        "/robots.txt" => robots(&body),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        out.sites[0].robots.starts_with("parsed"),
        "{}",
        out.sites[0].robots
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
}

#[tokio::test]
async fn robots_txt_itself_is_fetched_even_under_disallow_all() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => (
            [(header::CACHE_CONTROL, "no-cache")],
            "User-agent: *\nDisallow: /\n",
        )
            .into_response(),
        p => market_private(p, 2),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "")]);
    let b = bases(&cfg, &[("s", &srv.url)]);
    let first = crawl(&cfg, &b).await.unwrap();
    let second = crawl(&cfg, &b).await.unwrap();
    assert_eq!(
        srv.paths(),
        ["/robots.txt", "/robots.txt"],
        "each run asks robots.txt again (no-cache) although it says Disallow: /, and nothing else"
    );
    for out in [&first, &second] {
        let log = fetch_log(&out.sites[0]);
        assert_eq!(outcomes(&log, "/robots.txt"), ["fetched"]);
        assert_eq!(outcomes(&log, "/search?q=pangolin"), ["robots_disallowed"]);
    }
}

#[tokio::test]
async fn robots_group_for_our_product_token_wins_over_star() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => robots(
            "User-agent: *\nDisallow: /ad/\n\n\
             User-agent: wildtracebot\nDisallow: /ad/\n\n\
             User-agent: WildTrace\nDisallow: /private/\n",
        ),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        paths.contains(&"/ad/1".to_string()) && paths.contains(&"/ad/2".to_string()),
        "our group (matched case-insensitively, not by prefix) replaces `*`: {paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
}

// ------------------------------------------------------------ 2. back-off

#[tokio::test]
async fn a_503_without_retry_after_is_retried_with_growing_gaps() {
    let srv = serve(|r| match r.path {
        "/ad/1" if r.seen < 3 => (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response(),
        p => market(p, 1),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("politeness", "max_retries = 3")], "").await;
    let t = srv.times(|p| p == "/ad/1");
    assert_eq!(t.len(), 4, "three 503s, then the page");
    let g = gaps(&t);
    assert!(g[0] >= Duration::from_millis(450), "first back-off {g:?}");
    assert!(g[1] > g[0] && g[2] > g[1], "gaps grow: {g:?}");
    assert_eq!(ids(&out.sites[0]), set(&["s:1"]));
    let log = fetch_log(&out.sites[0]);
    assert_eq!(
        outcomes(&log, "/ad/1"),
        ["retry_later", "retry_later", "retry_later", "fetched"]
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let srv = serve(|r| match r.path {
        "/ad/1" if r.seen == 0 => {
            let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, when)],
                "maintenance",
            )
                .into_response()
        }
        p => market(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let first = srv.times(|p| p == "/ad/1")[0];
    // The date has whole seconds: 3 s ahead, truncated, is at least 2 s ahead.
    let later: Vec<Hit> = srv.hits().into_iter().filter(|h| h.at > first).collect();
    assert!(!later.is_empty());
    for h in &later {
        assert!(
            h.at - first >= Duration::from_millis(1900),
            "{} came {:?} after the 503 (the whole host waits)",
            h.path,
            h.at - first
        );
    }
    assert_eq!(srv.count("/ad/1"), 2);
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
    let log = fetch_log(&out.sites[0]);
    let ra = log.iter().find(|l| l.outcome == "retry_later").unwrap();
    assert!(
        matches!(ra.retry_after_s, Some(1..=3)),
        "Retry-After recorded: {ra:?}"
    );
}

#[tokio::test]
async fn a_huge_retry_after_is_capped_by_max_retry_after_s() {
    let srv = serve(|r| match r.path {
        "/ad/1" if r.seen == 0 => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "3600")],
            "slow down",
        )
            .into_response(),
        p => market(p, 1),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("politeness", "max_retry_after_s = 1")], "").await;
    let g = gaps(&srv.times(|p| p == "/ad/1"));
    assert_eq!(g.len(), 1, "retried once");
    assert!(
        g[0] >= Duration::from_millis(950) && g[0] < Duration::from_secs(3),
        "an hour capped to 1 s: {g:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1"]));
}

// ------------------------------------------------------------ 3. fairness

async fn fairness(max_in_flight: usize) {
    // Host a throttles every listing; host b is healthy.
    let a = serve(|r| {
        if ad_id(r.path).is_some() {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "2")],
                "slow down",
            )
                .into_response();
        }
        market(r.path, 2)
    })
    .await;
    let b = serve(|r| match r.path {
        "/robots.txt" => robots("User-agent: *\nDisallow: /private/\n"),
        p => market(p, 4),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[(
            "politeness",
            &format!("max_retries = 1\nmax_in_flight = {max_in_flight}"),
        )],
        &[("a", "robots_sitemaps = false"), ("b", "")],
    );
    let out = crawl(&cfg, &bases(&cfg, &[("a", &a.url), ("b", &b.url)]))
        .await
        .unwrap();
    let a_ads = a.times(|p| ad_id(p).is_some());
    let b_ads = b.times(|p| ad_id(p).is_some());
    assert_eq!(a_ads.len(), 4, "2 listings x (1 try + 1 retry) on a");
    assert_eq!(b_ads.len(), 4, "every listing of b");
    let a_first = a_ads[0];
    let a_last = *a_ads.last().unwrap();
    let b_last = *b_ads.last().unwrap();
    assert!(
        b_last < a_first + Duration::from_millis(1500),
        "b finished {:?} after a's first 429: it did not wait for a's back-off",
        b_last.saturating_duration_since(a_first)
    );
    assert!(
        a_last > b_last + Duration::from_secs(3),
        "a was still backing off long after b was done"
    );
    for w in a_ads.windows(2) {
        assert!(
            w[1] - w[0] >= Duration::from_millis(1950),
            "a honours Retry-After"
        );
    }
    let sb = out.sites.iter().find(|s| s.source == "b").unwrap();
    assert_eq!(ids(sb).len(), 4);
    let sa = out.sites.iter().find(|s| s.source == "a").unwrap();
    assert_eq!(
        sa.failed, 2,
        "both of a's listings given up after the retry"
    );
}

#[tokio::test]
async fn a_backing_off_host_never_starves_the_others() {
    fairness(8).await;
}

#[tokio::test]
async fn one_request_in_flight_still_lets_both_hosts_progress() {
    fairness(1).await;
}

// ------------------------------------------------------------ 4. bombs

fn gzip_zeros(n: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        enc.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    enc.finish().unwrap()
}

#[tokio::test]
async fn a_gzip_decompression_bomb_costs_one_url() {
    let bomb = Arc::new(
        tokio::task::spawn_blocking(|| gzip_zeros(50 << 20))
            .await
            .unwrap(),
    );
    assert!(
        bomb.len() < 200_000,
        "50 MB of zeros in {} bytes",
        bomb.len()
    );
    let served = bomb.clone();
    let srv = serve(move |r| match r.path {
        "/ad/2" => (
            [
                (header::CONTENT_TYPE, "text/html"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            served.as_ref().clone(),
        )
            .into_response(),
        p => market(p, 3),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("fetch", "max_body_bytes = 1048576")], "").await;
    assert_eq!(srv.count("/ad/2"), 1, "not retried");
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/ad/2"), ["too_large"]);
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:1", "s:3"]),
        "the other listings land"
    );
}

// ------------------------------------------------------------ 5. sitemaps

fn urlset(locs: &[String]) -> Response {
    let body: String = locs
        .iter()
        .map(|l| format!("<url><loc>{l}</loc><lastmod>2026-11-02</lastmod></url>"))
        .collect();
    (
        [(header::CONTENT_TYPE, "application/xml")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{body}</urlset>"
        ),
    )
        .into_response()
}

fn sitemap_index(locs: &[String]) -> Response {
    let body: String = locs
        .iter()
        .map(|l| format!("<sitemap><loc>{l}</loc></sitemap>"))
        .collect();
    (
        [(header::CONTENT_TYPE, "application/xml")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{body}</sitemapindex>"
        ),
    )
        .into_response()
}

#[tokio::test]
async fn robots_sitemap_index_child_sitemap_listings_reach_the_lake() {
    let other = serve(|r| market(r.path, 9)).await;
    let elsewhere = other.url.join("/ad/9").unwrap().to_string();
    let srv = serve(move |r| {
        let o = &r.origin;
        match r.path {
            "/robots.txt" => robots(&format!(
                "User-agent: *\nAllow: /\n\nSitemap: {o}/sitemap_index.xml\n"
            )),
            "/sitemap_index.xml" => sitemap_index(&[
                format!("{o}/sitemap-ads.xml"),
                format!("{o}/sitemap-nested.xml"),
            ]),
            "/sitemap-ads.xml" => urlset(&[
                format!("{o}/ad/1"),
                format!("{o}/ad/2"),
                format!("{o}/ad/3"),
                format!("{o}/about-us"),
                elsewhere.clone(),
            ]),
            // One level too deep for max_sitemap_depth = 1.
            "/sitemap-nested.xml" => sitemap_index(&[format!("{o}/sitemap-deep.xml")]),
            "/sitemap-deep.xml" => urlset(&[format!("{o}/ad/5")]),
            // Search finds nothing: every listing comes from the sitemaps.
            p if p.starts_with("/search") => search_html(&[]),
            p => market(p, 5),
        }
    })
    .await;
    let (_d, out) = run_one(&srv, &[("scope", "max_sitemap_depth = 1")], "").await;
    let paths = srv.paths();
    for p in [
        "/sitemap_index.xml",
        "/sitemap-ads.xml",
        "/sitemap-nested.xml",
    ] {
        assert_eq!(srv.count(p), 1, "{p}: {paths:?}");
    }
    assert!(
        !paths
            .iter()
            .any(|p| p == "/sitemap-deep.xml" || p == "/ad/5"),
        "nesting beyond max_sitemap_depth is not followed: {paths:?}"
    );
    assert!(
        !paths.contains(&"/about-us".to_string()),
        "only listing pages: {paths:?}"
    );
    assert!(
        other.hits().is_empty(),
        "another host's URL is never requested"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2", "s:3"]));
    let log = fetch_log(&out.sites[0]);
    let kinds: BTreeSet<(String, String)> = log
        .iter()
        .filter(|l| l.outcome == "fetched")
        .map(|l| {
            (
                Url::parse(&l.url).unwrap().path().to_string(),
                l.kind.clone(),
            )
        })
        .collect();
    for want in [
        ("/sitemap_index.xml", "sitemap"),
        ("/sitemap-ads.xml", "sitemap"),
        ("/ad/1", "listing"),
        ("/ad/3", "listing"),
    ] {
        assert!(
            kinds.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {kinds:?}"
        );
    }
}

fn sitemap_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        crate::manifest_dir()
            .join("../extract/tests/fixtures/sitemaps")
            .join(name),
    )
    .unwrap()
}

#[tokio::test]
async fn billion_laughs_and_gzip_bomb_sitemaps_cost_only_themselves() {
    let laughs = Arc::new(sitemap_fixture("billion-laughs.xml"));
    let bomb = Arc::new(sitemap_fixture("bomb.xml.gz"));
    // A sitemap sent with `Content-Encoding: gzip` that inflates to 64 MiB,
    // past the 50 MB a sitemap may have.
    let http_bomb = Arc::new(
        tokio::task::spawn_blocking(|| {
            let mut enc =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(b"<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n")
                .unwrap();
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..64 {
                enc.write_all(&spaces).unwrap();
            }
            enc.finish().unwrap()
        })
        .await
        .unwrap(),
    );
    assert!(http_bomb.len() < 200_000, "{} bytes", http_bomb.len());
    let srv = serve(move |r| {
        let o = &r.origin;
        match r.path {
            "/laughs.xml" => (
                [(header::CONTENT_TYPE, "application/xml")],
                laughs.as_ref().clone(),
            )
                .into_response(),
            // 64 MiB of XML inflating from 64 KiB, served as a .gz file.
            "/bomb.xml.gz" => (
                [(header::CONTENT_TYPE, "application/x-gzip")],
                bomb.as_ref().clone(),
            )
                .into_response(),
            "/http-bomb.xml" => (
                [
                    (header::CONTENT_TYPE, "application/xml"),
                    (header::CONTENT_ENCODING, "gzip"),
                ],
                http_bomb.as_ref().clone(),
            )
                .into_response(),
            "/good.xml" => urlset(&[format!("{o}/ad/1"), format!("{o}/ad/2")]),
            p if p.starts_with("/search") => search_html(&[]),
            p => market(p, 2),
        }
    })
    .await;
    let (_d, out) = run_one(
        &srv,
        &[],
        r#"sitemaps = ["/laughs.xml", "/bomb.xml.gz", "/http-bomb.xml", "/good.xml"]"#,
    )
    .await;
    let paths = srv.paths();
    for p in ["/laughs.xml", "/bomb.xml.gz", "/http-bomb.xml", "/good.xml"] {
        assert_eq!(
            srv.count(p),
            1,
            "{p} requested once, never retried: {paths:?}"
        );
    }
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("lol") || p.contains("passwd")),
        "{paths:?}"
    );
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:1", "s:2"]),
        "the good sitemap still counts"
    );
}

#[tokio::test]
async fn a_large_plain_sitemap_within_the_50_mb_cap_is_read() {
    // 50,000 entries (the protocol's maximum), about 6 MB of plain XML: over
    // the default fetch.max_body_bytes (5 MiB) but well inside the 50 MB a
    // sitemap may have (issue #3: "50 MB decompressed and 50,000 URL caps").
    let srv = serve(move |r| {
        let o = &r.origin;
        match r.path {
            "/sitemap-big.xml" => {
                let mut locs: Vec<String> = (0..49_997)
                    .map(|i| format!("{o}/help/article-{i:06}-how-to-ship-safely"))
                    .collect();
                locs.extend((1..=3).map(|i| format!("{o}/ad/{i}")));
                urlset(&locs)
            }
            p if p.starts_with("/search") => search_html(&[]),
            p => market(p, 3),
        }
    })
    .await;
    let (_d, out) = run_one(&srv, &[], r#"sitemaps = ["/sitemap-big.xml"]"#).await;
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/sitemap-big.xml"), ["fetched"], "{log:#?}");
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2", "s:3"]));
}

// ------------------------------------------------------------ 6. redirects

#[tokio::test]
async fn redirect_loops_other_hosts_and_disallowed_targets_cost_one_url() {
    let other = serve(|r| market(r.path, 9)).await;
    let away = other.url.join("/ad/2").unwrap().to_string();
    let target = away.clone();
    let srv = serve(move |r| match r.path {
        "/robots.txt" => robots("User-agent: *\nDisallow: /private/\n"),
        "/ad/1" => redirect(StatusCode::FOUND, "/ad/1a"),
        "/ad/1a" => redirect(StatusCode::FOUND, "/ad/1"),
        "/ad/2" => redirect(StatusCode::MOVED_PERMANENTLY, &target),
        "/ad/3" => redirect(StatusCode::FOUND, "/private/3"),
        p => market(p, 4),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("fetch", "max_redirects = 3")], "").await;
    let loop_hits = srv.count("/ad/1") + srv.count("/ad/1a");
    assert!(
        (2..=4).contains(&loop_hits),
        "the loop costs at most max_redirects + 1 requests, got {loop_hits}"
    );
    assert!(
        other.hits().is_empty(),
        "a redirect to another host is not followed"
    );
    assert_eq!(srv.count("/private/3"), 0, "nor one to a disallowed path");
    let log = fetch_log(&out.sites[0]);
    assert!(
        log.iter().any(|l| l.outcome == "redirect_limit"),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.outcome == "out_of_scope" && l.url == away),
        "{log:#?}"
    );
    assert_eq!(outcomes(&log, "/private/3"), ["robots_disallowed"]);
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:4"]),
        "the healthy listing lands"
    );
}

// ------------------------------------------------------------ 7. slow servers

/// A hand-written HTTP/1.1 server (one request per connection), because
/// stalling after the headers needs control over every byte: `/ad/2`
/// sends headers and a little body, then goes silent for 3 s; `/ad/3`
/// trickles one byte every 100 ms and never finishes (how long the client
/// stayed is recorded); the rest is a normal small market.
async fn slow_server() -> (Srv, Arc<Mutex<Vec<Duration>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::new(Mutex::new(Vec::new()));
    let trickles = Arc::new(Mutex::new(Vec::new()));
    let (h, t) = (hits.clone(), trickles.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (hits, trickles) = (h.clone(), t.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                hits.lock().unwrap().push(Hit {
                    path: path.clone(),
                    at: Instant::now(),
                    headers: HeaderMap::new(),
                });
                let reply = |status: &str, body: &str| {
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let headers_only = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n<!doctype html><html><body>";
                match path.as_str() {
                    "/ad/2" => {
                        let _ = sock.write_all(headers_only.as_bytes()).await;
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    "/ad/3" => {
                        let start = Instant::now();
                        if sock.write_all(headers_only.as_bytes()).await.is_err() {
                            return;
                        }
                        while start.elapsed() < Duration::from_secs(10) {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            if sock.write_all(b" ").await.is_err() {
                                break;
                            }
                        }
                        trickles.lock().unwrap().push(start.elapsed());
                    }
                    p if p.starts_with("/search") => {
                        let links: String = (1..=4)
                            .map(|i| format!("<a href=\"/ad/{i}\">ad {i}</a>"))
                            .collect();
                        let _ = sock
                            .write_all(
                                reply("200 OK", &format!("<html><body>{links}</body></html>"))
                                    .as_bytes(),
                            )
                            .await;
                    }
                    p => {
                        let out = match ad_id(p) {
                            Some(i @ 1..=4) => reply(
                                "200 OK",
                                &format!("<html><body>{}</body></html>", ad_html(i)),
                            ),
                            _ => reply("404 Not Found", "no such page"),
                        };
                        let _ = sock.write_all(out.as_bytes()).await;
                    }
                }
            });
        }
    });
    (
        Srv {
            url: Url::parse(&format!("http://{addr}/")).unwrap(),
            hits,
        },
        trickles,
    )
}

#[tokio::test]
async fn stalled_and_trickling_responses_cost_their_url_only() {
    let (srv, trickles) = slow_server().await;
    let (_d, out) = run_one(
        &srv,
        &[
            ("fetch", "read_timeout_ms = 300\ntimeout_ms = 1500"),
            ("politeness", "max_retries = 1"),
        ],
        "",
    )
    .await;
    let log = fetch_log(&out.sites[0]);
    for p in ["/ad/2", "/ad/3"] {
        assert_eq!(outcomes(&log, p), ["retry_later", "gave_up"], "{p}");
        assert_eq!(srv.count(p), 2, "{p} tried, retried");
    }
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:4"]));
    // Measured at the server: the trickle was cut by the total timeout
    // (1.5 s), not by the read timeout (it was never silent for 300 ms).
    let t = trickles.lock().unwrap().clone();
    assert!(!t.is_empty());
    for d in t {
        assert!(
            d >= Duration::from_millis(1300) && d <= Duration::from_millis(3500),
            "the client stayed {d:?}"
        );
    }
}

// ------------------------------------------------------------ 8. scope

#[tokio::test]
async fn private_addresses_are_refused_without_a_request() {
    let srv = serve(|r| market(r.path, 2)).await;
    let port = srv.url.port().unwrap();
    let mut targets = vec![
        srv.url.clone(),
        Url::parse(&format!("http://localhost:{port}/")).unwrap(),
    ];
    // A name other than "localhost" that resolves to a private address (here
    // via /etc/hosts) exercises the DNS filter of the fetcher itself.
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let dns_name = hosts.lines().find_map(|l| {
        let mut f = l.split('#').next()?.split_whitespace();
        let ip: std::net::IpAddr = f.next()?.parse().ok()?;
        let private = wildtrace_extract::urlnorm::is_private_ip(ip) && ip.is_ipv4();
        f.find(|n| private && !n.contains("localhost") && n.parse::<std::net::IpAddr>().is_err())
            .map(String::from)
    });
    match &dns_name {
        Some(n) => targets.push(Url::parse(&format!("http://{n}:{port}/")).unwrap()),
        None => eprintln!("no private host name in /etc/hosts; DNS filter case skipped"),
    }
    for target in targets {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(
            dir.path(),
            &[("scope", "allow_private_addresses = false")],
            &[("s", "")],
        );
        let out = crawl(&cfg, &bases(&cfg, &[("s", &target)])).await.unwrap();
        assert!(srv.hits().is_empty(), "{target}: {:?}", srv.paths());
        // A literal private host is refused by the scope check before any
        // attempt; a name is refused by the fetcher's resolver (a failed attempt).
        let literal = dns_name
            .as_deref()
            .is_none_or(|n| target.host_str() != Some(n));
        let log = fetch_log(&out.sites[0]);
        let seen = outcomes(&log, "/robots.txt");
        if literal {
            assert_eq!(seen, vec!["out_of_scope"], "{target}");
        } else {
            // A failed attempt counts as unreachable, so robots.txt is asked
            // again after back-offs; each attempt is refused by the resolver.
            assert!(
                !seen.is_empty() && seen.iter().all(|o| *o == "network_error"),
                "{target}: {seen:?}"
            );
        }
        assert!(
            out.sites[0].robots.starts_with("disallow all"),
            "{target}: {}",
            out.sites[0].robots
        );
        assert!(ids(&out.sites[0]).is_empty());
    }
}

#[tokio::test]
async fn a_link_chain_deeper_than_max_depth_is_not_followed() {
    // Search page k links /ad/k and the next page k+1 (page 1 is the seed).
    let srv = serve(|r| {
        if r.path.starts_with("/search") {
            let page: u32 = r
                .path
                .split("page=")
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            return html(format!(
                "<a href=\"/ad/{page}\">ad</a> <a class=next href=\"/search?q=pangolin&amp;page={}\">next</a>",
                page + 1
            ));
        }
        market(r.path, 20)
    })
    .await;
    let (_d, out) = run_one(&srv, &[("scope", "max_depth = 3")], "").await;
    let pages = srv
        .paths()
        .iter()
        .filter(|p| p.starts_with("/search"))
        .count();
    assert_eq!(pages, 4, "the seed and three links away: {:?}", srv.paths());
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:1", "s:2", "s:3"]),
        "/ad/4 is four links from the seed"
    );
}

#[tokio::test]
async fn path_repeats_query_variants_and_tracking_params_are_bounded() {
    let srv = serve(|r| {
        if r.path.starts_with("/search") {
            let mut links = vec![
                "/ad/5/ad/5".to_string(),
                "/ad/6/ad/6/ad/6".to_string(),
                "/ad/3".to_string(),
                "/ad/3?utm_source=newsletter".to_string(),
                "/ad/3?sid=77&utm_source=x".to_string(),
                "/ad/3?sid=78#photos".to_string(),
            ];
            links.extend((1..=10).map(|v| format!("/ad/9?sort=price&v={v}")));
            return search_html(&links);
        }
        match ad_id(r.path) {
            Some(i) => html(ad_html(i)),
            None if r.path.starts_with("/ad/") => html(ad_html(50)),
            None => not_found(),
        }
    })
    .await;
    let (_d, out) = run_one(
        &srv,
        &[(
            "scope",
            "max_path_repeats = 2\nmax_query_variants = 3\ntracking_params = [\"sid\"]",
        )],
        "",
    )
    .await;
    let paths = srv.paths();
    assert_eq!(
        srv.count("/ad/5/ad/5"),
        1,
        "two repeats are fine: {paths:?}"
    );
    assert_eq!(
        srv.count("/ad/6/ad/6/ad/6"),
        0,
        "three are a trap: {paths:?}"
    );
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/ad/6/ad/6/ad/6"), ["out_of_scope"]);
    let ad3 = paths
        .iter()
        .filter(|p| p.split('?').next() == Some("/ad/3"))
        .count();
    assert_eq!(
        ad3, 1,
        "utm_source and the configured sid dedupe to one request: {paths:?}"
    );
    let variants = paths.iter().filter(|p| p.starts_with("/ad/9?")).count();
    assert_eq!(variants, 3, "max_query_variants of one path: {paths:?}");
}

// ------------------------------------------------------------ 9. conditional GET

#[tokio::test]
async fn a_revisit_is_conditional_and_a_304_keeps_the_listing_active() {
    const ETAG: &str = "\"v1-ad-1\"";
    const LM: &str = "Wed, 21 Oct 2026 07:28:00 GMT";
    let round = Arc::new(AtomicU32::new(1));
    let r2 = round.clone();
    let srv = serve(move |r| {
        let second = r2.load(Ordering::SeqCst) >= 2;
        match r.path {
            // Round 2: search no longer lists it, so only the revisit asks.
            p if p.starts_with("/search") && second => search_html(&[]),
            "/ad/1" => {
                let h = |n| {
                    r.headers
                        .get(n)
                        .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
                };
                if h(header::IF_NONE_MATCH) == Some(ETAG) {
                    return (StatusCode::NOT_MODIFIED, [(header::ETAG, ETAG)]).into_response();
                }
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::ETAG, ETAG),
                        (header::LAST_MODIFIED, LM),
                    ],
                    format!("<!doctype html><html><body>{}</body></html>", ad_html(1)),
                )
                    .into_response()
            }
            p => market(p, 1),
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "")]);
    let b = bases(&cfg, &[("s", &srv.url)]);
    let first = crawl(&cfg, &b).await.unwrap();
    round.store(2, Ordering::SeqCst);
    let second = crawl(&cfg, &b).await.unwrap();

    let ad1: Vec<Hit> = srv
        .hits()
        .into_iter()
        .filter(|h| h.path == "/ad/1")
        .collect();
    assert_eq!(ad1.len(), 2);
    let hv = |h: &Hit, n| h.headers.get(n).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(hv(&ad1[0], header::IF_NONE_MATCH), None);
    assert_eq!(hv(&ad1[1], header::IF_NONE_MATCH).as_deref(), Some(ETAG));
    assert_eq!(hv(&ad1[1], header::IF_MODIFIED_SINCE).as_deref(), Some(LM));

    let before = listing_rows(&first.sites[0]);
    let after = listing_rows(&second.sites[0]);
    assert_eq!((before.len(), after.len()), (1, 1));
    let (b1, a1) = (&before[0], &after[0]);
    assert_eq!(a1.run_id, second.run_id);
    assert_eq!(a1.status, "active");
    assert_eq!(a1.http_status, 304);
    assert_eq!(
        (&a1.listing_id, &a1.title, &a1.price_text),
        (&b1.listing_id, &b1.title, &b1.price_text)
    );
    assert!(a1.title.as_deref().is_some_and(|t| t.contains("Pangolin")));
}

// ------------------------------------------------------------ 10. stop and resume

#[tokio::test]
async fn a_stopped_run_refuses_a_new_one_and_resumes_to_one_row_per_listing() {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let tx = Arc::new(tx);
    let ads = Arc::new(AtomicU32::new(0));
    let (t2, a2) = (tx.clone(), ads.clone());
    let srv = serve(move |r| {
        if ad_id(r.path).is_some() && a2.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
            // Ask the crawler to stop while it waits for this response.
            let _ = t2.send(true);
        }
        market(r.path, 6)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[("politeness", "min_delay_ms = 30")],
        &[("s", "")],
    );
    let b = bases(&cfg, &[("s", &srv.url)]);
    let stopped = crawl_with(
        &cfg,
        &b,
        CrawlOptions {
            resume: false,
            stop: Some(rx),
        },
    )
    .await;
    let run_id = match stopped {
        Err(CrawlError::Stopped { run_id }) => run_id,
        other => panic!("expected Stopped, got {other:?}"),
    };
    assert!(ads.load(Ordering::SeqCst) < 6, "it stopped early");
    match crawl(&cfg, &b).await {
        Err(CrawlError::Interrupted { run_id: r }) => assert_eq!(r, run_id),
        other => panic!("expected Interrupted, got {other:?}"),
    }
    let done = crawl_with(
        &cfg,
        &b,
        CrawlOptions {
            resume: true,
            stop: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(done.run_id, run_id);
    assert!(done.resumed);
    let rows = listing_rows(&done.sites[0]);
    let mut got: Vec<String> = rows.iter().map(|r| r.listing_id.clone()).collect();
    got.sort();
    assert_eq!(
        got,
        ["s:1", "s:2", "s:3", "s:4", "s:5", "s:6"],
        "each listing exactly once"
    );
    assert!(rows.iter().all(|r| r.run_id == run_id));
    for i in 1..=6 {
        assert_eq!(
            srv.count(&format!("/ad/{i}")),
            1,
            "/ad/{i} requested once across stop and resume"
        );
    }
}
