//! The running demo marketplace: one axum server per site on its own
//! `127.0.0.1:0` listener, a request log shared by all sites, the current
//! round, and a separate admin listener.
//!
//! Owns sockets, tasks, the request-log middleware, each site's report
//! intake (`POST /report/intake`, recorded in the intake log), the admin
//! endpoint (`GET /ground-truth.json`, `GET /requests.json`,
//! `GET /reports.json`, `GET /round`, `POST /round/{n}`) and graceful
//! shutdown.
//!
//! It must not render pages (that is `sites`) or decide facts (that is
//! `generate`), and must never block the runtime: generation runs on the
//! blocking pool, locks are only held to push or copy the log.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

use super::generate::robots_txt;
use super::intake::{self, IntakeReport};
use super::sites::{Page, SiteView};
use super::{DemoOptions, GroundTruth, SiteKind, generate};

/// One running site of the demo market. (Not serde: `url` is built without
/// its serde feature; the ground truth's `SiteTruth::base_url` has the same
/// URL as a string.)
#[derive(Clone, Debug, PartialEq)]
pub struct DemoSite {
    /// Site name (`bazaar`, `curioshop`, `reptileforum`).
    pub name: String,
    /// What kind of site it is.
    pub kind: SiteKind,
    /// `http://127.0.0.1:PORT/`
    pub base_url: Url,
}

/// One request a demo site received (admin requests are not logged).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RequestRecord {
    /// Name of the site that received it.
    pub site: String,
    /// HTTP method.
    pub method: String,
    /// Path and query exactly as received (`/search?q=ivory&page=2`).
    pub target: String,
    /// Milliseconds since the market started (monotonic clock; the log is in
    /// arrival order, so this never decreases along the log).
    pub at_ms: f64,
    /// `User-Agent` header, if sent.
    pub user_agent: Option<String>,
    /// `From` header, if sent.
    pub from: Option<String>,
}

/// One report a site's intake accepted.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct IntakeRecord {
    /// Site that received it.
    pub site: String,
    /// The report's own id.
    pub report_id: String,
    /// The receipt the intake answered with.
    pub receipt_id: String,
    /// The market's round when it arrived.
    pub round: u32,
    /// Listings the report named.
    pub received: usize,
    /// Of those, listings of this site that had appeared by then.
    pub matched: usize,
    /// `User-Agent` header, if sent.
    pub user_agent: Option<String>,
    /// `From` header, if sent.
    pub from: Option<String>,
}

#[derive(Debug)]
struct Shared {
    started: Instant,
    round: AtomicU32,
    log: Mutex<Vec<RequestRecord>>,
    intake: Mutex<Vec<IntakeRecord>>,
}

impl Shared {
    fn record(&self, site: &str, method: &Method, target: String, headers: &HeaderMap) {
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let user_agent = text(header::USER_AGENT);
        let from = text(header::FROM);
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        // Time taken under the lock so log order and time order agree.
        let at_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        log.push(RequestRecord {
            site: site.to_string(),
            method: method.as_str().to_string(),
            target,
            at_ms,
            user_agent,
            from,
        });
    }
}

#[derive(Clone)]
struct SiteState {
    name: Arc<str>,
    view: Arc<SiteView>,
    shared: Arc<Shared>,
}

#[derive(Clone)]
struct AdminState {
    truth: Arc<GroundTruth>,
    views: Arc<Vec<Arc<SiteView>>>,
    shared: Arc<Shared>,
}

/// The demo marketplace, running. Dropping it without
/// [`shutdown`](DemoMarket::shutdown) also stops the servers (gracefully, in
/// the background).
pub struct DemoMarket {
    truth: Arc<GroundTruth>,
    views: Arc<Vec<Arc<SiteView>>>,
    shared: Arc<Shared>,
    sites: Vec<DemoSite>,
    admin_url: Url,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for DemoMarket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoMarket")
            .field("sites", &self.sites)
            .field("admin_url", &self.admin_url.as_str())
            .field("round", &self.round())
            .finish_non_exhaustive()
    }
}

fn base_url(listener: &TcpListener) -> std::io::Result<Url> {
    let port = listener.local_addr()?.port();
    Url::parse(&format!("http://127.0.0.1:{port}/")).map_err(std::io::Error::other)
}

impl DemoMarket {
    /// Generates the market from `opts` and serves it: one listener per site
    /// and one admin listener, all on `127.0.0.1:0`. Starts in round 1.
    pub async fn start(opts: DemoOptions) -> std::io::Result<DemoMarket> {
        let crawl_delay = opts.crawl_delay;
        let mut truth = tokio::task::spawn_blocking(move || generate(&opts))
            .await
            .map_err(std::io::Error::other)?;

        let mut listeners = Vec::new();
        for site in &mut truth.sites {
            let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let base = base_url(&listener)?;
            site.base_url = Some(base.to_string());
            site.robots_txt = robots_txt(site.kind, crawl_delay, Some(base.as_str()));
            listeners.push((listener, base));
        }
        let admin_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let admin_url = base_url(&admin_listener)?;

        let truth = Arc::new(truth);
        let shared = Arc::new(Shared {
            started: Instant::now(),
            round: AtomicU32::new(1),
            log: Mutex::new(Vec::new()),
            intake: Mutex::new(Vec::new()),
        });
        let views = {
            let truth = truth.clone();
            let bases: Vec<String> = listeners.iter().map(|(_, b)| b.to_string()).collect();
            tokio::task::spawn_blocking(move || {
                truth
                    .sites
                    .iter()
                    .zip(bases)
                    .map(|(s, b)| Arc::new(SiteView::new(&truth, s, &b)))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(std::io::Error::other)?
        };
        let views = Arc::new(views);

        let (stop, _) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut sites = Vec::new();
        for ((listener, base), (site, view)) in listeners
            .into_iter()
            .zip(truth.sites.iter().zip(views.iter().cloned()))
        {
            let state = SiteState {
                name: Arc::from(site.name.as_str()),
                view,
                shared: shared.clone(),
            };
            let router = Router::new()
                .route("/report/intake", post(intake_handler))
                .fallback(site_handler)
                .layer(middleware::from_fn_with_state(state.clone(), log_request))
                .with_state(state);
            tasks.push(spawn_server(listener, router, stop.subscribe()));
            sites.push(DemoSite {
                name: site.name.clone(),
                kind: site.kind,
                base_url: base,
            });
        }
        let admin = Router::new()
            .route("/ground-truth.json", get(admin_truth))
            .route("/requests.json", get(admin_requests))
            .route("/reports.json", get(admin_reports))
            .route("/round", get(admin_get_round))
            .route("/round/{n}", post(admin_set_round))
            .with_state(AdminState {
                truth: truth.clone(),
                views: views.clone(),
                shared: shared.clone(),
            });
        tasks.push(spawn_server(admin_listener, admin, stop.subscribe()));
        tracing::info!(
            sites = ?sites.iter().map(|s| format!("{}={}", s.name, s.base_url)).collect::<Vec<_>>(),
            admin = %admin_url,
            "demo market started"
        );
        Ok(DemoMarket {
            truth,
            views,
            shared,
            sites,
            admin_url,
            stop,
            tasks,
        })
    }

    /// The running sites, in ground-truth order (bazaar, curioshop, reptileforum).
    pub fn sites(&self) -> Vec<DemoSite> {
        self.sites.clone()
    }

    /// The running site called `name`.
    pub fn site(&self, name: &str) -> Option<&DemoSite> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// `http://127.0.0.1:PORT/` of the admin listener.
    pub fn admin_url(&self) -> Url {
        self.admin_url.clone()
    }

    /// Switches every site to `round` (values below 1 count as 1).
    pub fn set_round(&self, round: u32) {
        self.shared.round.store(round.max(1), Ordering::SeqCst);
    }

    /// The current round.
    pub fn round(&self) -> u32 {
        self.shared.round.load(Ordering::SeqCst)
    }

    /// The ground truth of what is served now: [`generate`] of the options,
    /// with each site's `base_url` and the shop's absolute `Sitemap:` line
    /// filled in, and [`TruthListing::reported`](super::TruthListing::reported)
    /// set for every listing a report named so far.
    pub fn ground_truth(&self) -> GroundTruth {
        with_reports(&self.truth, &self.views)
    }

    /// Every report the sites' intakes accepted so far, in arrival order.
    pub fn reports(&self) -> Vec<IntakeRecord> {
        self.shared
            .intake
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Every request any site received so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops accepting connections, lets in-flight requests finish (at most
    /// 5 s) and waits for the servers to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

fn spawn_server(
    listener: TcpListener,
    router: Router,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let signal = async move {
            // Ends on `true` or when the market is dropped.
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(signal)
            .await
        {
            tracing::warn!(error = %e, "demo server stopped with an error");
        }
    })
}

async fn log_request(State(st): State<SiteState>, req: Request, next: Next) -> Response {
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    st.shared
        .record(&st.name, req.method(), target, req.headers());
    next.run(req).await
}

fn page_response(page: Page, head: bool) -> Response {
    let len = page.body.len();
    let body = if head {
        Body::empty()
    } else {
        Body::from(page.body)
    };
    Response::builder()
        .status(StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, page.content_type)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .expect("valid response")
}

async fn site_handler(State(st): State<SiteState>, req: Request) -> Response {
    let method = req.method();
    if method != Method::GET && method != Method::HEAD {
        return Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "GET, HEAD")
            .body(Body::from("Method Not Allowed"))
            .expect("valid response");
    }
    let round = st.shared.round.load(Ordering::SeqCst);
    let page = st.view.respond(round, req.uri().path(), req.uri().query());
    page_response(page, method == Method::HEAD)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("valid response")
}

/// The ground truth with the reports the views recorded.
fn with_reports(truth: &GroundTruth, views: &[Arc<SiteView>]) -> GroundTruth {
    let mut out = truth.clone();
    for (site, view) in out.sites.iter().zip(views) {
        let reported = view.reported();
        if reported.is_empty() {
            continue;
        }
        for l in out.listings.iter_mut().filter(|l| l.site == site.name) {
            l.reported = reported.get(&l.path).cloned();
        }
    }
    out
}

async fn admin_truth(State(st): State<AdminState>) -> Response {
    json_response(
        StatusCode::OK,
        with_reports(&st.truth, &st.views).to_json().into_bytes(),
    )
}

async fn admin_reports(State(st): State<AdminState>) -> Response {
    let log = st
        .shared
        .intake
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&log).expect("intake log serialises"),
    )
}

/// `POST /report/intake`: a report as JSON (see [`intake::IntakeReport`]);
/// 202 with a receipt, 400 when the body is not such a report.
async fn intake_handler(
    State(st): State<SiteState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let report: IntakeReport = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                serde_json::to_vec(&serde_json::json!({ "error": e.to_string() })).expect("json"),
            );
        }
    };
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    // The round is read once, so the whole report counts as arriving in it.
    let round = st.shared.round.load(Ordering::SeqCst);
    let receipt_id = intake::receipt_id(st.view.seed(), &st.name, &report.report_id);
    let matched = st.view.accept_report(round, &report, &receipt_id);
    let record = IntakeRecord {
        site: st.name.to_string(),
        report_id: report.report_id.clone(),
        receipt_id: receipt_id.clone(),
        round,
        received: report.listings.len(),
        matched,
        user_agent: text(header::USER_AGENT),
        from: text(header::FROM),
    };
    st.shared
        .intake
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(record);
    json_response(
        StatusCode::ACCEPTED,
        serde_json::to_vec(&serde_json::json!({
            "receipt_id": receipt_id,
            "received": report.listings.len(),
            "matched": matched,
        }))
        .expect("json"),
    )
}

async fn admin_requests(State(st): State<AdminState>) -> Response {
    let log = st
        .shared
        .log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&log).expect("log serialises"),
    )
}

fn round_body(round: u32) -> Vec<u8> {
    format!("{{\"round\":{round}}}").into_bytes()
}

async fn admin_get_round(State(st): State<AdminState>) -> Response {
    json_response(
        StatusCode::OK,
        round_body(st.shared.round.load(Ordering::SeqCst)),
    )
}

async fn admin_set_round(State(st): State<AdminState>, Path(n): Path<u32>) -> Response {
    if n == 0 {
        return json_response(
            StatusCode::BAD_REQUEST,
            b"{\"error\":\"rounds start at 1\"}".to_vec(),
        );
    }
    st.shared.round.store(n, Ordering::SeqCst);
    json_response(StatusCode::OK, round_body(n))
}
