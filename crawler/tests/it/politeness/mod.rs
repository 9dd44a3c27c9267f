//! Issue #3's politeness rules, each proven against small real servers on
//! 127.0.0.1: robots.txt edge cases (BOM, redirects, size cap, product
//! token), back-off and Retry-After, fairness across hosts, decompression
//! and sitemap bombs, redirect loops, slow servers, HTTP hygiene (size
//! from the header, malformed answers, 5xx, conditional refetch), scope and
//! traps, conditional revisits, an in-process stop/resume, end-of-run
//! warnings and progress, and (issue #11) link following from start URLs
//! with its patterns, limits and trap guards. Every timing claim
//! is measured at the server (arrival instants), never as wall-clock speed.
//!
//! This file holds the shared test servers, job configs and lake readers;
//! each submodule is one topic.

mod backoff;
mod follow;
mod hostile;
mod http;
mod revisit;
mod robots;
mod scope;
mod sitemaps;
mod summary;

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
    /// The requests for exactly `path`, in order.
    fn hits_at(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
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

/// Ad `id` served with validators: 304 when the request's `If-None-Match`
/// is `etag`, else the page with its `ETag` (and `Last-Modified` if given).
fn ad_with_validators(
    r: &Req,
    id: u32,
    etag: &'static str,
    last_modified: Option<&'static str>,
) -> Response {
    let inm = r
        .headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if inm == Some(etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut resp = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::ETAG, etag),
        ],
        format!("<!doctype html><html><body>{}</body></html>", ad_html(id)),
    )
        .into_response();
    if let Some(lm) = last_modified {
        resp.headers_mut().insert(
            header::LAST_MODIFIED,
            axum::http::HeaderValue::from_static(lm),
        );
    }
    resp
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

/// A job for `sites` (name, extra TOML lines for its `[[sites]]` table;
/// a site whose lines give `start = ...` has no search template);
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
        let search = if extra.contains("start =") {
            ""
        } else {
            "search = \"/search?q={term}\"\nterms = [\"pangolin\"]\n"
        };
        text.push_str(&format!(
            "[[sites]]\nname = \"{name}\"\nbase_url = \"demo:{name}\"\nprofile = \"p.toml\"\n\
             {search}{extra}\n"
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

/// A run of `cfg` that stops when `stop` turns true (it stays resumable).
async fn run_until_stopped(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<CrawlOutcome, CrawlError> {
    let opts = CrawlOptions {
        resume: false,
        stop: Some(stop),
        ..Default::default()
    };
    crawl_with(cfg, bases, opts).await
}

/// Finishes the job's interrupted run.
async fn resume_run(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
) -> Result<CrawlOutcome, CrawlError> {
    let opts = CrawlOptions {
        resume: true,
        ..Default::default()
    };
    crawl_with(cfg, bases, opts).await
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
