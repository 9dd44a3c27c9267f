//! `wildtrace bench politeness`: how close the crawler runs to the rates it
//! is allowed, and whether it ever exceeds them, measured at the servers.
//!
//! It owns a set of local hosts (one axum server per loopback address
//! 127.0.0.x, each asking for its own `Crawl-delay` in robots.txt and
//! logging the arrival time of every request), one real crawl of all of
//! them through [`wildtrace_crawler::crawl::crawl`], and the report: utilisation =
//! achieved request rate ÷ Σ allowed rate, and violations = gaps between
//! two requests to one host shorter than that host's delay. It must not
//! change any politeness rule for the benchmark: the crawl runs exactly as
//! a job would.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use tokio::net::TcpListener;
use url::Url;

use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::crawl::{CrawlError, crawl};

/// Benchmark failures.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A server or temp folder could not be set up.
    #[error("politeness bench setup: {0}")]
    Io(#[from] std::io::Error),
    /// The generated job was refused (a bug).
    #[error(transparent)]
    Config(#[from] wildtrace_crawler::config::ConfigError),
    /// The crawl failed.
    #[error(transparent)]
    Crawl(#[from] CrawlError),
}

/// Knobs of the benchmark.
#[derive(Debug, Clone)]
pub struct PolitenessBenchOptions {
    /// Local hosts (127.0.0.2 …), at most 200.
    pub hosts: usize,
    /// Crawl-delay of the first host, seconds; host i asks for `first + i·step`.
    pub first_delay: f64,
    /// Step between hosts' delays, seconds.
    pub delay_step: f64,
    /// Seconds of work per host at its allowed rate (sets its page count).
    pub seconds: f64,
    /// The job's global cap on requests in flight.
    pub max_in_flight: usize,
}

impl Default for PolitenessBenchOptions {
    fn default() -> Self {
        PolitenessBenchOptions {
            hosts: 50,
            first_delay: 0.2,
            delay_step: 0.02,
            seconds: 10.0,
            max_in_flight: 8,
        }
    }
}

/// One host's measurements.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HostReport {
    /// Host address.
    pub host: String,
    /// Crawl-delay asked for, seconds.
    pub delay_s: f64,
    /// Requests received.
    pub requests: usize,
    /// Achieved rate over the host's busy window, requests per second.
    pub achieved_rps: f64,
    /// Shortest gap between two requests, seconds.
    pub min_gap_s: f64,
    /// Gaps shorter than the delay.
    pub violations: usize,
}

/// The benchmark's result (one JSON line).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolitenessReport {
    /// Always "politeness".
    pub bench: &'static str,
    /// Hosts crawled.
    pub hosts: usize,
    /// Requests received by all hosts.
    pub requests: usize,
    /// Σ allowed rate (1 / Crawl-delay), requests per second.
    pub allowed_rps: f64,
    /// Σ achieved rate, requests per second.
    pub achieved_rps: f64,
    /// achieved ÷ allowed.
    pub utilisation: f64,
    /// Gaps shorter than the host's delay, all hosts.
    pub violations: usize,
    /// Smallest gap ÷ delay over all hosts (≥ 1 means never too fast).
    pub min_gap_ratio: f64,
    /// Wall time of the crawl, seconds.
    pub wall_s: f64,
    /// Per host.
    pub per_host: Vec<HostReport>,
}

#[derive(Clone)]
struct HostState {
    delay: f64,
    pages: usize,
    log: Arc<Mutex<Vec<Instant>>>,
}

fn stamp(s: &HostState) {
    s.log.lock().expect("log lock").push(Instant::now());
}

async fn robots(State(s): State<HostState>) -> String {
    stamp(&s);
    format!(
        "User-agent: *\nCrawl-delay: {}\nDisallow: /private/\n",
        s.delay
    )
}

async fn search(State(s): State<HostState>) -> Html<String> {
    stamp(&s);
    let links: String = (0..s.pages)
        .map(|i| format!("<li><a class=\"item\" href=\"/item/{i}\">Carved figure {i}</a></li>"))
        .collect();
    Html(format!(
        "<!doctype html><html><head><title>Search</title></head><body><ul>{links}</ul></body></html>"
    ))
}

async fn item(State(s): State<HostState>, Path(id): Path<usize>) -> Html<String> {
    stamp(&s);
    Html(format!(
        "<!doctype html><html><head><title>Item {id}</title></head><body>\
         <h1 class=\"title\">Antique carved figure no. {id}</h1>\
         <p class=\"price\">€ {}.00</p><div id=\"body\">Old estate piece, shipped worldwide.</div>\
         </body></html>",
        100 + id
    ))
}

const PROFILE: &str = r##"description = "politeness bench host"
[links]
listing_path = '^/item/\d+'
search_path = '^/search'
[fields.title]
selector = "h1.title"
[fields.price]
selector = ".price"
[fields.description]
selector = "#body"
"##;

/// Runs the benchmark: starts the hosts, crawls them once, measures.
pub async fn bench_politeness(
    opts: &PolitenessBenchOptions,
) -> Result<PolitenessReport, BenchError> {
    let n = opts.hosts.clamp(1, 200);
    let dir = tempfile_dir()?;
    std::fs::write(dir.join("bench.profile.toml"), PROFILE)?;
    let mut job = format!(
        r#"[job]
name = "politeness-bench"
[identity]
product_token = "wildtrace"
contact = "mailto:bench@example.org"
[politeness]
min_delay_ms = 10
max_in_flight = {}
[scope]
allow_private_addresses = true
[revisit]
enabled = false
[storage]
data_dir = {:?}
"#,
        opts.max_in_flight.max(1),
        dir.join("data").display().to_string()
    );
    let (stop, _) = tokio::sync::watch::channel(false);
    let mut hosts = Vec::new();
    let mut bases = BTreeMap::new();
    for i in 0..n {
        let delay = opts.first_delay + opts.delay_step * i as f64;
        // Robots, the search page, then the listings fill the host's time.
        let pages = ((opts.seconds / delay).ceil() as usize)
            .saturating_sub(2)
            .max(1);
        let state = HostState {
            delay,
            pages,
            log: Arc::new(Mutex::new(Vec::new())),
        };
        let ip = format!("127.0.0.{}", i + 2);
        let listener = TcpListener::bind((ip.as_str(), 0)).await?;
        let port = listener.local_addr()?.port();
        let router = Router::new()
            .route("/robots.txt", get(robots))
            .route("/search", get(search))
            .route("/item/{id}", get(item))
            .with_state(state.clone());
        let mut stop_rx = stop.subscribe();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.wait_for(|s| *s).await;
                })
                .await;
        });
        let name = format!("host{i:03}");
        let base = Url::parse(&format!("http://{ip}:{port}/")).expect("valid URL");
        job.push_str(&format!(
            "[[sites]]\nname = \"{name}\"\nbase_url = \"{base}\"\nprofile = \"bench.profile.toml\"\nsearch = \"/search?q={{term}}\"\nterms = [\"ivory\"]\n"
        ));
        bases.insert(name, base);
        hosts.push((ip, state));
    }
    let job_path = dir.join("job.toml");
    std::fs::write(&job_path, &job)?;
    let cfg = CrawlConfig::load(&job_path)?;
    let started = Instant::now();
    crawl(&cfg, &bases).await?;
    let wall_s = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);

    let mut per_host = Vec::new();
    let (mut allowed, mut achieved, mut violations, mut min_ratio) = (0.0, 0.0, 0, f64::INFINITY);
    for (ip, s) in hosts {
        let log = s.log.lock().expect("log lock").clone();
        let gaps: Vec<f64> = log
            .windows(2)
            .map(|w| (w[1] - w[0]).as_secs_f64())
            .collect();
        let v = gaps.iter().filter(|g| **g < s.delay).count();
        let min_gap = gaps.iter().copied().fold(f64::INFINITY, f64::min);
        let busy = match (log.first(), log.last()) {
            (Some(a), Some(b)) if log.len() > 1 => (*b - *a).as_secs_f64(),
            _ => 0.0,
        };
        let rps = if busy > 0.0 {
            (log.len() - 1) as f64 / busy
        } else {
            0.0
        };
        allowed += 1.0 / s.delay;
        achieved += rps;
        violations += v;
        min_ratio = min_ratio.min(min_gap / s.delay);
        per_host.push(HostReport {
            host: ip,
            delay_s: s.delay,
            requests: log.len(),
            achieved_rps: rps,
            min_gap_s: min_gap,
            violations: v,
        });
    }
    Ok(PolitenessReport {
        bench: "politeness",
        hosts: n,
        requests: per_host.iter().map(|h| h.requests).sum(),
        allowed_rps: allowed,
        achieved_rps: achieved,
        utilisation: achieved / allowed,
        violations,
        min_gap_ratio: min_ratio,
        wall_s,
        per_host,
    })
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "wildtrace-politeness-bench-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
