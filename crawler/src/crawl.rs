//! One crawl run of a job: every configured site crawled concurrently, each
//! host by its own politeness-bound worker, into one lake file per site.
//!
//! It owns the per-host frontier (search pages first, then the listings
//! they reveal, then sitemaps, then revisits of known listings), kept in the
//! job's state store so a killed run resumes where it stopped; the per-host
//! pacing (max(configured floor, Crawl-delay) enforced with governor, a
//! global cap on requests in flight, back-off on 429/503 honouring
//! Retry-After, retries queued with a not-before time); scope, trap and
//! robots checks on every hop; conditional revisits; and turning pages into
//! lake rows. It must not sleep inside the HTTP client or retry anywhere but
//! through its frontier.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use scraper::Html;
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, watch};
use tracing::{debug, info, warn};
use url::Url;

use crate::config::{CrawlConfig, SiteConfig};
use crate::fetch::{BodyCap, FetchError, Fetched, Fetcher};
use crate::lake::{self, FetchRow, ListingRow};
use crate::state::{
    CachedRobots, Commit, FrontierTask, KnownListing, RunInfo, Store, TaskKind, TaskOutcome,
};
use crate::warc::{Exchange, WarcInfo, WarcPointer, WarcWriter};
use wildtrace_extract::html::{extract_listing, has_removed_marker, search_links};
use wildtrace_extract::privacy::Pseudonymiser;
use wildtrace_extract::record::{Ingested, ingest_fields};
use wildtrace_extract::robots::Robots;
use wildtrace_extract::urlnorm::{canonical_with, targets_private};

/// RFC 9309 §2.4: a cached robots.txt is used for at most 24 hours.
const ROBOTS_MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How long the last good robots.txt stands in when the file is unreachable
/// (429, 5xx, network error); older than this, the host is disallowed.
const ROBOTS_LAST_GOOD: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// Sitemap files may hold 50 MB (sitemaps.org), compressed or not.
const SITEMAP_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// Fetch-log outcomes that mean no request was sent.
const NOT_SENT: &[&str] = &["robots_disallowed", "out_of_scope", "redirect_limit"];
/// Fetch-log outcomes that mean a URL was given up.
const FAILED: &[&str] = &["gave_up", "too_large", "not_html", "redirect_limit"];

/// Crawl failures that stop a run (a bad page or host never does).
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// A site's base URL could not be resolved.
    #[error("site `{site}`: {message}")]
    Site {
        /// Site name.
        site: String,
        /// What is wrong.
        message: String,
    },
    /// An earlier run of this job was interrupted and must be finished first.
    #[error(
        "run {run_id} of this job was interrupted; finish it with `wildtrace crawl --resume` (nothing it collected is lost)"
    )]
    Interrupted {
        /// The unfinished run.
        run_id: String,
    },
    /// The run was asked to stop (SIGINT/SIGTERM); it resumes next time.
    #[error("run {run_id} stopped before the end; `--resume` finishes it")]
    Stopped {
        /// The unfinished run.
        run_id: String,
    },
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Lake write failure.
    #[error(transparent)]
    Lake(#[from] lake::LakeError),
    /// State store failure.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// Key file failure.
    #[error(transparent)]
    Privacy(#[from] wildtrace_extract::privacy::PrivacyError),
    /// Evidence mode could not write its WARC file (the run stops rather
    /// than collect listings without their evidence).
    #[error(transparent)]
    Warc(#[from] crate::warc::WarcError),
}

/// What one site's crawl produced.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SiteOutcome {
    /// Site name.
    pub source: String,
    /// The robots.txt policy applied.
    pub robots: String,
    /// Delay between requests actually used, seconds.
    pub delay_s: f64,
    /// Lake file of listing observations (None when there were none).
    pub listings_file: Option<PathBuf>,
    /// Lake file of the fetch log.
    pub fetch_log_file: Option<PathBuf>,
    /// Requests sent.
    pub requests: usize,
    /// URLs refused by robots.txt (logged, never fetched).
    pub robots_disallowed: usize,
    /// Listing observations by status.
    pub active: usize,
    /// Listings whose price or text changed since the last run.
    pub changed: usize,
    /// Listings observed removed.
    pub removed: usize,
    /// URLs given up on (network errors, too large, retries exhausted).
    pub failed: usize,
}

/// What a crawl run produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CrawlOutcome {
    /// Run id.
    pub run_id: String,
    /// UTC date of the run's start (the lake partition).
    pub crawl_date: NaiveDate,
    /// Whether this finished an interrupted run.
    pub resumed: bool,
    /// Per site, in config order.
    pub sites: Vec<SiteOutcome>,
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct CrawlOptions {
    /// Finish the job's interrupted run if there is one (else start a new one).
    pub resume: bool,
    /// When this turns true, workers stop taking new URLs; the run stays
    /// unfinished and resumable.
    pub stop: Option<watch::Receiver<bool>>,
}

/// Resolves each site's base URL; `demo:<name>` entries come from `demo`.
pub fn resolve_bases(
    cfg: &CrawlConfig,
    demo: &BTreeMap<String, Url>,
) -> Result<BTreeMap<String, Url>, CrawlError> {
    let mut out = BTreeMap::new();
    for s in &cfg.sites {
        let url = if let Some(name) = s.base_url.strip_prefix("demo:") {
            demo.get(name).cloned().ok_or_else(|| CrawlError::Site {
                site: s.name.clone(),
                message: format!(
                    "`{}` names no demo marketplace site (use `wildtrace demo`)",
                    s.base_url
                ),
            })?
        } else {
            Url::parse(&s.base_url).map_err(|e| CrawlError::Site {
                site: s.name.clone(),
                message: e.to_string(),
            })?
        };
        out.insert(s.name.clone(), url);
    }
    Ok(out)
}

/// Runs one new crawl of every site in `cfg` against `bases` (refusing if
/// an earlier run was interrupted), writes the lake files and updates the
/// registry.
pub async fn crawl(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
) -> Result<CrawlOutcome, CrawlError> {
    crawl_with(cfg, bases, CrawlOptions::default()).await
}

/// The frontier seeds of a new run: each search term's first results page,
/// then the known listings due for a revisit.
fn seeds(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Vec<FrontierTask>)>, CrawlError> {
    let mut out = Vec::new();
    for site in &cfg.sites {
        let base = bases.get(&site.name).ok_or_else(|| CrawlError::Site {
            site: site.name.clone(),
            message: "no base URL".into(),
        })?;
        let mut tasks = Vec::new();
        let task = |url: Url, kind: TaskKind| FrontierTask {
            canonical: canonical_with(&url, &cfg.scope.tracking_params).to_string(),
            url: url.to_string(),
            kind,
            depth: 0,
            attempt: 0,
            not_before: now,
        };
        for term in &site.terms {
            let rel = site.search.replace(
                "{term}",
                &url::form_urlencoded::byte_serialize(term.as_bytes()).collect::<String>(),
            );
            match base.join(&rel) {
                Ok(u) => tasks.push(task(
                    u,
                    TaskKind::Search {
                        term: term.clone(),
                        page: 1,
                    },
                )),
                Err(e) => warn!(source = site.name, term, error = %e, "bad search URL"),
            }
        }
        if cfg.revisit.enabled {
            let min = chrono::TimeDelta::from_std(cfg.revisit.min_interval)
                .unwrap_or(chrono::TimeDelta::MAX);
            for (_, k) in store.revisits(&site.name)? {
                // why: a per-job interval keeps revisits from hammering a site
                // whose listings were observed moments ago.
                if k.last_observed_at.is_some_and(|t| now - t < min) {
                    continue;
                }
                if let Ok(u) = Url::parse(&k.url) {
                    tasks.push(task(u, TaskKind::Revisit));
                }
            }
        }
        out.push((site.name.clone(), tasks));
    }
    Ok(out)
}

/// Runs (or resumes) one crawl of every site in `cfg`.
pub async fn crawl_with(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
    opts: CrawlOptions,
) -> Result<CrawlOutcome, CrawlError> {
    let state_dir = cfg.state_dir();
    let mut store = Store::open(&state_dir)?;
    let run: RunInfo = match store.unfinished_run(&cfg.job)? {
        Some(r) if opts.resume => r,
        Some(r) => return Err(CrawlError::Interrupted { run_id: r.run_id }),
        None => {
            let now = Utc::now();
            let seeds = seeds(cfg, bases, &store, now)?;
            // The run number is claimed and the frontier seeded in one
            // transaction, before any request: a crashed run's id is never reused.
            store.begin_run(&cfg.job, now, &seeds)?
        }
    };
    let run_id = run.run_id.clone();
    info!(
        run_id,
        resumed = run.resumed,
        sites = cfg.sites.len(),
        "crawl run starting"
    );

    let store = Arc::new(Mutex::new(store));
    let ctx = Arc::new(Ctx {
        fetcher: Fetcher::new(&cfg.identity, &cfg.fetch, cfg.scope.allow_private_addresses)?,
        pseudonyms: Pseudonymiser::load_or_create(&cfg.pseudonym_key)?,
        in_flight: Arc::new(Semaphore::new(cfg.politeness.max_in_flight)),
        store: store.clone(),
        cfg: cfg.clone(),
        run_id: run_id.clone(),
        stop: opts.stop.clone(),
    });

    let mut handles = Vec::new();
    for site in &cfg.sites {
        let base = bases
            .get(&site.name)
            .cloned()
            .ok_or_else(|| CrawlError::Site {
                site: site.name.clone(),
                message: "no base URL".into(),
            })?;
        let worker = HostWorker::new(ctx.clone(), site.clone(), base)?;
        handles.push(tokio::spawn(worker.run()));
    }

    let mut policies = Vec::new();
    let mut stopped = false;
    let mut first_error = None;
    for h in handles {
        match h.await.expect("host worker panicked") {
            Ok(p) => {
                stopped |= p.stopped;
                policies.push(p);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if stopped {
        return Err(CrawlError::Stopped { run_id });
    }

    // Publish: the lake files first (deterministic names, so finishing an
    // interrupted finish rewrites the same files), then the registry.
    let lake_dir = cfg.lake_dir();
    let mut sites = Vec::new();
    let mut store = store.lock().expect("store lock");
    for p in policies {
        let (rows, log) = store.pending(&run_id, &p.source)?;
        let mut outcome = summarize(&p, &rows, &log);
        if !rows.is_empty() {
            outcome.listings_file = Some(lake::write_listings(
                &lake_dir,
                &p.source,
                run.crawl_date,
                &run_id,
                &rows,
            )?);
        }
        outcome.fetch_log_file = Some(lake::write_fetch_log(
            &lake_dir,
            &p.source,
            run.crawl_date,
            &run_id,
            &log,
        )?);
        info!(
            source = outcome.source,
            requests = outcome.requests,
            active = outcome.active,
            changed = outcome.changed,
            removed = outcome.removed,
            robots_disallowed = outcome.robots_disallowed,
            "site done"
        );
        sites.push(outcome);
    }
    store.finish_run(&run_id, Utc::now())?;
    Ok(CrawlOutcome {
        run_id,
        crawl_date: run.crawl_date,
        resumed: run.resumed,
        sites,
    })
}

/// A site's counts, from everything its run recorded (across resumes).
fn summarize(p: &SitePolicy, rows: &[ListingRow], log: &[FetchRow]) -> SiteOutcome {
    let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
    SiteOutcome {
        source: p.source.clone(),
        robots: p.robots.clone(),
        delay_s: p.delay_s,
        listings_file: None,
        fetch_log_file: None,
        requests: log
            .iter()
            .filter(|l| !NOT_SENT.contains(&l.outcome.as_str()))
            .count(),
        robots_disallowed: log
            .iter()
            .filter(|l| l.outcome == "robots_disallowed")
            .count(),
        active: count("active"),
        changed: count("changed"),
        removed: count("removed"),
        failed: log
            .iter()
            .filter(|l| FAILED.contains(&l.outcome.as_str()))
            .count(),
    }
}

/// Copies ingested content into a lake row.
fn fill_row(ing: Ingested, row: &mut ListingRow) {
    row.title = ing.title;
    row.description = ing.description;
    row.price_text = ing.price_text;
    if let Some(p) = ing.price {
        row.price_amount = p.amount;
        row.currency = p.currency;
    }
    row.quantity = ing.quantity.map(|q| q as i32);
    row.seller_pseudonym = ing.seller_pseudonym;
    row.seller_location = ing.seller_location;
    row.ships_to = ing.ships_to;
}

/// What a worker reports besides the rows it committed.
struct SitePolicy {
    source: String,
    robots: String,
    delay_s: f64,
    stopped: bool,
}

struct Ctx {
    cfg: CrawlConfig,
    fetcher: Fetcher,
    pseudonyms: Pseudonymiser,
    in_flight: Arc<Semaphore>,
    store: Arc<Mutex<Store>>,
    run_id: String,
    stop: Option<watch::Receiver<bool>>,
}

impl Ctx {
    fn stopping(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| *s.borrow())
    }
}

/// What fetching `/robots.txt` came to.
enum RobotsAnswer {
    /// A final response (after redirects).
    Response {
        status: u16,
        body: Vec<u8>,
        cache_control: Option<String>,
        retry_after: Option<Duration>,
    },
    /// Too many redirects: unavailable.
    TooManyRedirects,
    /// Unreachable: network error (worth asking again later).
    Unreachable(String),
    /// Redirected out of scope (asking again would change nothing).
    Refused(String),
}

/// Freshness from Cache-Control, within the 24 h bound.
fn robots_ttl(cache_control: Option<&str>) -> chrono::TimeDelta {
    let mut ttl = ROBOTS_MAX_AGE;
    for directive in cache_control.unwrap_or("").split(',') {
        let d = directive.trim().to_ascii_lowercase();
        if d == "no-store" || d == "no-cache" {
            return chrono::TimeDelta::zero();
        }
        if let Some(secs) = d
            .strip_prefix("max-age=")
            .and_then(|v| v.trim_matches('"').parse::<i64>().ok())
        {
            ttl = ttl.min(chrono::TimeDelta::seconds(secs.max(0)));
        }
    }
    ttl
}

/// Order in which due tasks are served: search finds first, so that a
/// listing also listed in a sitemap or due for a revisit records its term.
fn phase(kind: &TaskKind) -> u8 {
    match kind {
        TaskKind::Search { .. } => 0,
        TaskKind::Listing { .. } => 1,
        TaskKind::Sitemap { .. } => 2,
        TaskKind::SitemapListing => 3,
        TaskKind::Revisit => 4,
    }
}

fn kind_name(kind: &TaskKind) -> &'static str {
    match kind {
        TaskKind::Search { .. } => "search",
        TaskKind::Listing { .. } | TaskKind::SitemapListing => "listing",
        TaskKind::Sitemap { .. } => "sitemap",
        TaskKind::Revisit => "revisit",
    }
}

#[derive(Debug, Clone)]
struct Task {
    url: Url,
    canonical: String,
    kind: TaskKind,
    depth: u32,
    attempt: u32,
    not_before: Instant,
}

/// Why a hop was not fetched.
enum Refused {
    Robots,
    Scope(&'static str),
}

fn wall_to_instant(t: DateTime<Utc>) -> Instant {
    let ahead = (t - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    Instant::now() + ahead
}

fn instant_to_wall(t: Instant) -> DateTime<Utc> {
    let ahead = t.saturating_duration_since(Instant::now());
    Utc::now() + chrono::TimeDelta::from_std(ahead).unwrap_or(chrono::TimeDelta::zero())
}

/// Sleeps until `when`, waking early when the run is asked to stop (once
/// stopping, it sleeps plainly, so nothing spins).
async fn sleep_until(ctx: &Ctx, when: Instant) {
    match ctx.stop.clone().filter(|s| !*s.borrow()) {
        Some(mut stop) => {
            tokio::select! {
                _ = tokio::time::sleep_until(when.into()) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
        None => tokio::time::sleep_until(when.into()).await,
    }
}

/// Validators of a conditional GET: ETag and Last-Modified.
type Validators = Option<(Option<String>, Option<String>)>;

/// Sends one request once the host's rate limiter and the global in-flight
/// cap allow it. The caller has claimed the host's turn.
async fn send(
    ctx: &Ctx,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    url: &Url,
    validators: Validators,
    cap: BodyCap,
) -> Result<Fetched, FetchError> {
    if let Some(l) = limiter {
        l.until_ready().await;
    }
    let _permit = ctx
        .in_flight
        .clone()
        .acquire_owned()
        .await
        .expect("semaphore open");
    let (etag, lm) = validators.unwrap_or_default();
    ctx.fetcher
        .get_with(url, etag.as_deref(), lm.as_deref(), cap)
        .await
}

/// The state of one task in hand: what it will commit and its WARC context.
#[derive(Default)]
struct LaneState {
    /// Changes of the task, committed when it is done.
    pending: Commit,
    /// The WARC response record of the latest exchange.
    last_warc: Option<WarcPointer>,
    /// What the metadata record of the next exchange says (kind, term).
    warc_context: Vec<(String, String)>,
}

/// What a lane does next.
enum Next {
    Task(Task),
    Wait(Instant),
    Stop,
}

/// What one hop's answer means.
enum Step {
    End(TaskOutcome),
    Follow(Url),
    Final(Fetched),
}

/// One of a host's `per_host_concurrency` request lanes. It holds the
/// shared worker only between awaits, with its own task state swapped in,
/// so each task commits exactly its own rows.
struct Lane {
    shared: Arc<Mutex<HostWorker>>,
    state: LaneState,
}

impl Lane {
    fn with<R>(&mut self, f: impl FnOnce(&mut HostWorker) -> R) -> R {
        let mut w = self.shared.lock().expect("host worker lock");
        std::mem::swap(&mut w.lane, &mut self.state);
        let r = f(&mut w);
        std::mem::swap(&mut w.lane, &mut self.state);
        r
    }

    async fn run(mut self) -> Result<(), CrawlError> {
        let ctx = self.with(|w| w.ctx.clone());
        loop {
            match self.with(|w| w.take_due()) {
                Next::Stop => return Ok(()),
                Next::Wait(t) => sleep_until(&ctx, t).await,
                Next::Task(task) => {
                    let outcome = self.handle(&task).await;
                    let go_on = self.with(|w| {
                        w.in_progress -= 1;
                        if w.warc_error.is_some() {
                            // Nothing is committed without its evidence; the run resumes later.
                            return Ok(false);
                        }
                        w.flush(Some((&task, outcome))).map(|_| true)
                    })?;
                    if !go_on {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Fetches one task, following in-scope redirects, and records what it yields.
    async fn handle(&mut self, task: &Task) -> TaskOutcome {
        let (known, mut validators) = self.with(|w| w.begin(task));
        let cap = match task.kind {
            // why: the sitemap protocol allows 50 MB per file, more than a page.
            TaskKind::Sitemap { .. } => BodyCap::Bytes(SITEMAP_MAX_BYTES),
            _ => BodyCap::Page,
        };
        let mut url = task.url.clone();
        let mut hops = 0usize;
        loop {
            if self.with(|w| w.refuse(&url, kind_name(&task.kind))) {
                return TaskOutcome::Done;
            }
            let result = self.polite_get(&url, validators.take(), cap).await;
            match self.with(|w| w.on_response(task, &url, result, &mut hops)) {
                Step::End(outcome) => return outcome,
                Step::Follow(next) => url = next,
                Step::Final(f) => return self.with(|w| w.finish(task, &url, f, known)),
            }
        }
    }

    /// Waits for the host's turn, claims it, sends, records the exchange.
    async fn polite_get(
        &mut self,
        url: &Url,
        validators: Validators,
        cap: BodyCap,
    ) -> Result<Fetched, FetchError> {
        let (ctx, limiter) = loop {
            let turn = self.with(|w| {
                let t = w.turn();
                if t <= Instant::now() {
                    w.reserve();
                    Ok((w.ctx.clone(), w.limiter.clone()))
                } else {
                    Err(t)
                }
            });
            match turn {
                Ok(go) => break go,
                // A plain sleep: a request in hand is sent even when stopping.
                Err(t) => tokio::time::sleep_until(t.into()).await,
            }
        };
        let result = send(&ctx, limiter, url, validators, cap).await;
        self.with(|w| w.after_fetch(url, &result));
        result
    }
}

struct HostWorker {
    ctx: Arc<Ctx>,
    site: SiteConfig,
    base: Url,
    origin: String,
    known: BTreeMap<String, KnownListing>,
    queue: Vec<(u64, Task)>,
    seq: u64,
    seen: HashSet<String>,
    /// Distinct query strings seen per path (query-permutation trap guard).
    queries: HashMap<String, HashSet<String>>,
    robots: Robots,
    /// Where the robots policy came from when not a fresh fetch.
    robots_note: String,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    delay: Duration,
    paused_until: Instant,
    /// The host's next-allowed time: the delay counted from the end of the
    /// previous response. why: counted from the send, a request delayed in
    /// flight could reach the server less than the delay after the next one.
    next_allowed: Instant,
    /// Requests sent this run (across resumes), for the page budget.
    requests: usize,
    /// The state of the task in hand (swapped in by the lane working on it).
    lane: LaneState,
    /// Tasks being worked on by lanes.
    in_progress: usize,
    /// Evidence mode: this run's WARC file for the host.
    warc: Option<WarcWriter>,
    /// A WARC write failure, which ends the run.
    warc_error: Option<crate::warc::WarcError>,
}

impl HostWorker {
    fn new(ctx: Arc<Ctx>, site: SiteConfig, base: Url) -> Result<HostWorker, CrawlError> {
        let (known, queued, seen, requests) = {
            let store = ctx.store.lock().expect("store lock");
            let known: BTreeMap<String, KnownListing> =
                store.listings(&site.name)?.into_iter().collect();
            let queued = store.queued(&ctx.run_id, &site.name)?;
            let seen = store.seen(&ctx.run_id, &site.name)?;
            let (_, log) = store.pending(&ctx.run_id, &site.name)?;
            let requests = log
                .iter()
                .filter(|l| !NOT_SENT.contains(&l.outcome.as_str()))
                .count();
            (known, queued, seen, requests)
        };
        let mut queries: HashMap<String, HashSet<String>> = HashMap::new();
        for c in &seen {
            if let Ok(u) = Url::parse(c)
                && let Some(q) = u.query()
            {
                queries
                    .entry(u.path().to_string())
                    .or_default()
                    .insert(q.to_string());
            }
        }
        let mut queue = Vec::new();
        for (i, t) in queued.into_iter().enumerate() {
            let Ok(url) = Url::parse(&t.url) else {
                continue;
            };
            queue.push((
                i as u64,
                Task {
                    url,
                    canonical: t.canonical,
                    kind: t.kind,
                    depth: t.depth,
                    attempt: t.attempt,
                    not_before: wall_to_instant(t.not_before),
                },
            ));
        }
        Ok(HostWorker {
            origin: base.origin().ascii_serialization(),
            site,
            base,
            known,
            seq: queue.len() as u64,
            queue,
            seen,
            queries,
            robots: Robots::DisallowAll {
                reason: "robots.txt not fetched yet".into(),
            },
            robots_note: String::new(),
            // The floor applies from the first request, robots.txt redirects included.
            limiter: Quota::with_period(ctx.cfg.politeness.min_delay).map(|q| {
                Arc::new(RateLimiter::direct(
                    q.allow_burst(NonZeroU32::new(1).expect("one")),
                ))
            }),
            delay: Duration::ZERO,
            paused_until: Instant::now(),
            next_allowed: Instant::now(),
            requests,
            lane: LaneState::default(),
            in_progress: 0,
            warc: None,
            warc_error: None,
            ctx,
        })
    }

    fn canon(&self, url: &Url) -> String {
        canonical_with(url, &self.ctx.cfg.scope.tracking_params).to_string()
    }

    /// Adds a URL to the frontier unless it is already there this run.
    fn push(&mut self, url: Url, kind: TaskKind, depth: u32) {
        let canonical = self.canon(&url);
        if !self.seen.insert(canonical.clone()) {
            return;
        }
        let now = Utc::now();
        self.lane.pending.new_tasks.push(FrontierTask {
            url: url.to_string(),
            canonical: canonical.clone(),
            kind: kind.clone(),
            depth,
            attempt: 0,
            not_before: now,
        });
        self.seq += 1;
        self.queue.push((
            self.seq,
            Task {
                url,
                canonical,
                kind,
                depth,
                attempt: 0,
                not_before: Instant::now(),
            },
        ));
    }

    /// Writes the pending changes, finishing `task` with `outcome`.
    fn flush(&mut self, task: Option<(&Task, TaskOutcome)>) -> Result<(), CrawlError> {
        let mut c = std::mem::take(&mut self.lane.pending);
        c.task = task.map(|(t, o)| (t.canonical.clone(), o));
        self.ctx
            .store
            .lock()
            .expect("store lock")
            .commit(&self.ctx.run_id, &self.site.name, &c)?;
        Ok(())
    }

    /// Puts a task back with a not-before time; it keeps its place in the store.
    fn requeue(&mut self, mut task: Task, after: Duration) -> TaskOutcome {
        task.attempt += 1;
        task.not_before = Instant::now() + after;
        let outcome = TaskOutcome::Retry {
            attempt: task.attempt,
            not_before: instant_to_wall(task.not_before),
        };
        self.seq += 1;
        self.queue.push((self.seq, task));
        outcome
    }

    /// The next task for a lane: among those due, lowest phase then oldest.
    fn take_due(&mut self) -> Next {
        if self.ctx.stopping() {
            return Next::Stop;
        }
        if self.requests >= self.ctx.cfg.scope.max_pages_per_host {
            if !self.queue.is_empty() {
                warn!(
                    source = self.site.name,
                    max_pages = self.ctx.cfg.scope.max_pages_per_host,
                    "page budget reached; rest of the frontier dropped"
                );
                self.queue.clear();
            }
            return Next::Stop;
        }
        let now = Instant::now();
        let due = self
            .queue
            .iter()
            .enumerate()
            .filter(|(_, (_, t))| t.not_before <= now)
            .min_by_key(|(_, (seq, t))| (phase(&t.kind), *seq))
            .map(|(i, _)| i);
        if let Some(i) = due {
            self.in_progress += 1;
            return Next::Task(self.queue.swap_remove(i).1);
        }
        let earliest = self.queue.iter().map(|(_, t)| t.not_before).min();
        match earliest {
            // Another lane may still reveal URLs.
            None if self.in_progress > 0 => Next::Wait(now + Duration::from_millis(10)),
            None => Next::Stop,
            Some(t) if self.in_progress > 0 => Next::Wait(t.min(now + Duration::from_millis(10))),
            Some(t) => Next::Wait(t),
        }
    }

    /// Sleeps, waking early if the run is asked to stop.
    async fn sleep_until(&self, when: Instant) {
        sleep_until(&self.ctx, when).await;
    }

    fn log(
        &mut self,
        url: &Url,
        kind: &str,
        outcome: &str,
        fetched: Option<&Fetched>,
        retry_after: Option<Duration>,
    ) {
        self.lane.pending.log.push(FetchRow {
            run_id: self.ctx.run_id.clone(),
            requested_at: Utc::now(),
            url: url.to_string(),
            kind: kind.to_string(),
            outcome: outcome.to_string(),
            http_status: fetched.map(|f| f.status as i32),
            bytes: fetched.map(|f| f.body.len() as i64),
            elapsed_ms: fetched.map(|f| f.elapsed.as_millis() as i64),
            retry_after_s: retry_after.map(|d| d.as_secs() as i64),
        });
    }

    /// When the host may get its next request (back-off and pacing).
    fn turn(&self) -> Instant {
        self.paused_until.max(self.next_allowed)
    }

    /// The gap between requests to this host.
    fn gap(&self) -> Duration {
        self.delay.max(self.ctx.cfg.politeness.min_delay)
    }

    /// Claims the host's turn for one request.
    fn reserve(&mut self) {
        self.requests += 1;
        if self.ctx.cfg.politeness.per_host_concurrency > 1 {
            // With several requests in flight, starts are spaced by the gap.
            self.next_allowed = Instant::now() + self.gap();
        } else {
            // One at a time: nobody may start until this exchange ends.
            self.next_allowed = Instant::now() + Duration::from_secs(3600);
        }
    }

    /// Records an exchange: the host's next-allowed time, the time of the
    /// last request (persisted), and in evidence mode its WARC records.
    fn after_fetch(&mut self, url: &Url, result: &Result<Fetched, FetchError>) {
        if self.ctx.cfg.politeness.per_host_concurrency <= 1 {
            // why: counted from the end of the response, a request delayed in
            // flight can never reach the server less than the gap after the last.
            self.next_allowed = Instant::now() + self.gap();
        }
        self.lane.last_warc = None;
        if let (Some(w), Ok(f)) = (self.warc.as_mut(), result.as_ref()) {
            let ua = self.ctx.cfg.identity.user_agent();
            let mut request_headers = vec![("User-Agent".to_string(), ua)];
            if let Some(from) = self.ctx.cfg.identity.from_header() {
                request_headers.push(("From".into(), from));
            }
            // The body is stored decoded; the WARC writer renames the headers
            // that described the transfer (Content-Encoding, ...) to match.
            let response_headers = f
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                .collect();
            let exchange = Exchange {
                url,
                method: "GET",
                request_headers,
                response_status: f.status,
                response_headers,
                body: &f.body,
                remote_ip: f.remote_addr.map(|a| a.ip()),
                metadata: self.lane.warc_context.clone(),
            };
            match w.write_exchange(&exchange) {
                Ok(p) => self.lane.last_warc = Some(p),
                Err(e) => self.warc_error = Some(e),
            }
        }
        // The end of the exchange, persisted: the next run (or a resume) waits from here.
        self.lane.pending.last_request = Some((self.origin.clone(), Utc::now()));
    }

    /// Waits for this host's turn and a global in-flight slot, then sends one
    /// request (robots.txt, before the lanes start).
    async fn polite_get(
        &mut self,
        url: &Url,
        validators: Validators,
        cap: BodyCap,
    ) -> Result<Fetched, FetchError> {
        let ready = self.turn();
        if ready > Instant::now() {
            self.sleep_until(ready).await;
        }
        self.reserve();
        let result = send(&self.ctx, self.limiter.clone(), url, validators, cap).await;
        self.after_fetch(url, &result);
        result
    }

    fn check_scope(&self, url: &Url) -> Result<(), Refused> {
        let scope = &self.ctx.cfg.scope;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scope("scheme"));
        }
        if url.host() != self.base.host()
            || url.port_or_known_default() != self.base.port_or_known_default()
        {
            // why: we crawl only the hosts a researcher configured and an ethics board approved.
            return Err(Refused::Scope("other host"));
        }
        if url.as_str().len() > scope.max_url_len {
            return Err(Refused::Scope("url too long"));
        }
        if !scope.allow_private_addresses && targets_private(url) {
            // why: a public site must not be able to point us at internal services.
            return Err(Refused::Scope("private address"));
        }
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for seg in url
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
        {
            let n = counts.entry(seg).or_default();
            *n += 1;
            if *n > scope.max_path_repeats {
                // why: `/a/b/a/b/...` grows without end on sites with relative-link bugs.
                return Err(Refused::Scope("repeated path segment"));
            }
        }
        Ok(())
    }

    fn check(&self, url: &Url) -> Result<(), Refused> {
        self.check_scope(url)?;
        if !self
            .robots
            .allowed(&self.ctx.cfg.identity.product_token, url)
        {
            return Err(Refused::Robots);
        }
        Ok(())
    }

    /// Frontier admission for a newly found link: depth and query-permutation
    /// traps. (Scope and robots are checked when it is fetched, and logged.)
    fn admit(&mut self, url: &Url, depth: u32) -> bool {
        let scope = &self.ctx.cfg.scope;
        if depth > scope.max_depth {
            // why: listings sit a few links from a search page; deeper chains are traps.
            debug!(%url, depth, "deeper than max_depth");
            return false;
        }
        let canon = canonical_with(url, &scope.tracking_params);
        if let Some(q) = canon.query() {
            let seen = self.queries.entry(canon.path().to_string()).or_default();
            if !seen.contains(q) {
                if seen.len() >= scope.max_query_variants {
                    // why: calendars and facet filters make endless query permutations.
                    debug!(%url, "too many query variants of this path");
                    return false;
                }
                seen.insert(q.to_string());
            }
        }
        true
    }

    async fn run(mut self) -> Result<SitePolicy, CrawlError> {
        if let Some(dir) = self.ctx.cfg.warc_dir.clone() {
            self.open_warc(&dir)?;
        }
        let prepared = self.prepare().await;
        let mut worker = self;
        let mut lane_error = None;
        if let Ok((policy, true)) = &prepared {
            // The frontier is served by `per_host_concurrency` lanes sharing
            // this worker (one by default: one request at a time).
            let lanes = worker.ctx.cfg.politeness.per_host_concurrency.max(1);
            let shared = Arc::new(Mutex::new(worker));
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..lanes {
                let lane = Lane {
                    shared: shared.clone(),
                    state: LaneState::default(),
                };
                set.spawn(lane.run());
            }
            while let Some(r) = set.join_next().await {
                if let Err(e) = r.expect("lane panicked") {
                    lane_error.get_or_insert(e);
                }
            }
            worker = Arc::into_inner(shared)
                .expect("every lane has ended")
                .into_inner()
                .expect("host worker lock");
            debug!(source = policy.source, lanes, "frontier served");
        }
        if let Some(w) = worker.warc.take() {
            w.finish()?;
        }
        if let Some(e) = worker.warc_error.take() {
            return Err(e.into());
        }
        if let Some(e) = lane_error {
            return Err(e);
        }
        let (mut policy, _) = prepared?;
        policy.stopped = worker.ctx.stopping();
        Ok(policy)
    }

    /// Evidence mode: finishes WARC files a crashed process left open for
    /// this run and host, then starts this process's file.
    fn open_warc(&mut self, dir: &std::path::Path) -> Result<(), CrawlError> {
        let run_id = self.ctx.run_id.clone();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(crate::warc::OPEN_SUFFIX)
                    && name.contains(&run_id)
                    && name.contains(&self.site.name)
                {
                    let (path, cut) = crate::warc::recover_open(&e.path())?;
                    warn!(file = %path.display(), cut_bytes = cut, "recovered an interrupted WARC file");
                }
            }
        }
        let identity = &self.ctx.cfg.identity;
        let info = WarcInfo {
            software: format!("wildtrace/{}", env!("CARGO_PKG_VERSION")),
            operator: Some(identity.contact.clone()),
            user_agent: Some(identity.user_agent()),
            extra: vec![
                ("job".into(), self.ctx.cfg.job.clone()),
                ("source".into(), self.site.name.clone()),
            ],
        };
        self.warc = Some(WarcWriter::create(dir, &run_id, &self.site.name, &info)?);
        Ok(())
    }

    /// Everything before the frontier is served: the previous run's pacing,
    /// robots.txt, the sitemaps it names. Returns the policy and whether the
    /// host may be crawled.
    async fn prepare(&mut self) -> Result<(SitePolicy, bool), CrawlError> {
        self.lane.warc_context = vec![
            ("kind".into(), "robots".into()),
            ("robots".into(), "robots.txt is always allowed".into()),
        ];
        self.wait_for_previous_run()?;
        self.fetch_robots().await?;
        self.flush(None)?;
        let mut robots = match &self.robots {
            Robots::AllowAll => "allow all (robots.txt unavailable)".into(),
            Robots::DisallowAll { reason } => format!("disallow all ({reason})"),
            Robots::Parsed(f) => match f.crawl_delay {
                Some(d) => format!("parsed, Crawl-delay {d}s"),
                None => "parsed".into(),
            },
        };
        if !self.robots_note.is_empty() {
            robots = format!("{robots} [{}]", self.robots_note);
        }
        let policy = SitePolicy {
            source: self.site.name.clone(),
            robots,
            delay_s: self.delay.as_secs_f64(),
            stopped: false,
        };
        if matches!(self.robots, Robots::DisallowAll { .. }) {
            warn!(
                source = self.site.name,
                policy = policy.robots,
                "site skipped this run"
            );
            return Ok((policy, false));
        }
        self.push_sitemaps();
        self.flush(None)?;
        Ok((policy, true))
    }

    /// Queues the site's sitemaps: its robots.txt `Sitemap:` lines (if the
    /// site allows that) and the ones in the job config.
    fn push_sitemaps(&mut self) {
        let mut roots: Vec<Url> = Vec::new();
        if self.site.robots_sitemaps
            && let Robots::Parsed(f) = &self.robots
        {
            roots.extend(f.sitemaps.iter().filter_map(|s| Url::parse(s).ok()));
        }
        for s in self.site.sitemaps.clone() {
            if let Ok(u) = self.base.join(&s) {
                roots.push(u);
            }
        }
        for u in roots {
            self.push(u, TaskKind::Sitemap { level: 0 }, 0);
        }
    }

    /// Carries politeness over from an earlier run: the first request waits
    /// until the last one to this origin is at least the delay old that the
    /// cached robots.txt asked for. why: back-to-back runs (the demo's
    /// rounds, a short schedule, a resume) must not squeeze two requests together.
    fn wait_for_previous_run(&mut self) -> Result<(), CrawlError> {
        let (last, cached) = {
            let store = self.ctx.store.lock().expect("store lock");
            (
                store.last_request(&self.origin)?,
                store.robots(&self.origin)?,
            )
        };
        let Some(last) = last else {
            return Ok(());
        };
        let pol = &self.ctx.cfg.politeness;
        let token = &self.ctx.cfg.identity.product_token;
        let crawl_delay = cached
            .and_then(|c| Robots::from_status(c.status, c.body.as_bytes(), token).crawl_delay())
            .map(|d| Duration::from_secs_f64(d).min(pol.max_crawl_delay))
            .unwrap_or(Duration::ZERO);
        let delay = pol.min_delay.max(crawl_delay);
        let since = (Utc::now() - last).to_std().unwrap_or(Duration::ZERO);
        if since < delay {
            self.paused_until = self.paused_until.max(Instant::now() + (delay - since));
        }
        Ok(())
    }

    /// GET /robots.txt, following up to `max_redirects` in-scope redirects.
    async fn request_robots(&mut self) -> RobotsAnswer {
        let mut url = self.base.join("/robots.txt").expect("static path");
        let mut hops = 0;
        loop {
            // why: RFC 9309 §2.3.1.2 follows robots.txt redirects even to another
            // host (www → apex is common); the answer applies to the original
            // authority. Private targets stay refused.
            let private = !self.ctx.cfg.scope.allow_private_addresses && targets_private(&url);
            if !matches!(url.scheme(), "http" | "https") || private {
                self.log(&url, "robots", "out_of_scope", None, None);
                return RobotsAnswer::Refused("refused: out of scope".into());
            }
            let cap = BodyCap::Truncate(wildtrace_extract::robots::MAX_ROBOTS_BYTES as u64);
            match self.polite_get(&url, None, cap).await {
                Ok(f) => {
                    self.log(&url, "robots", "fetched", Some(&f), None);
                    if let Some(next) = f.redirect_target() {
                        hops += 1;
                        if hops > self.ctx.cfg.fetch.max_redirects {
                            // RFC 9309 §2.3.1.2: too many redirects → unavailable.
                            return RobotsAnswer::TooManyRedirects;
                        }
                        url = next;
                        continue;
                    }
                    let cache_control = f
                        .headers
                        .get(reqwest::header::CACHE_CONTROL)
                        .and_then(|v| v.to_str().ok())
                        .map(String::from);
                    let retry_after = f.retry_after();
                    return RobotsAnswer::Response {
                        status: f.status,
                        body: f.body,
                        cache_control,
                        retry_after,
                    };
                }
                Err(e) => {
                    let outcome = if matches!(e, FetchError::TooLarge(_)) {
                        "too_large"
                    } else {
                        "network_error"
                    };
                    self.log(&url, "robots", outcome, None, None);
                    return RobotsAnswer::Unreachable(e.to_string());
                }
            }
        }
    }

    /// Asks for robots.txt; while it is unavailable (429, 5xx, network
    /// error) and no last good copy can stand in, asks again after a back-off
    /// (Retry-After honoured), up to `max_retries` times. Nothing else is
    /// requested from the host meanwhile.
    async fn request_robots_retrying(&mut self, have_copy: bool) -> RobotsAnswer {
        let mut attempt = 0;
        loop {
            let answer = self.request_robots().await;
            let retry_after = match &answer {
                RobotsAnswer::Response {
                    status,
                    retry_after,
                    ..
                } if *status == 429 || *status >= 500 => *retry_after,
                RobotsAnswer::Unreachable(_) => None,
                _ => return answer,
            };
            // why: RFC 9309 §2.3.1.3-4 — an unreachable robots.txt means
            // disallow, for now; asking again later lets a briefly
            // overloaded site be crawled this run without guessing its rules.
            if have_copy || attempt >= self.ctx.cfg.politeness.max_retries || self.ctx.stopping() {
                return answer;
            }
            let wait = self.backoff(attempt, retry_after);
            debug!(
                source = self.site.name,
                ?wait,
                "robots.txt unavailable; asking again later"
            );
            attempt += 1;
        }
    }

    async fn fetch_robots(&mut self) -> Result<(), CrawlError> {
        let token = self.ctx.cfg.identity.product_token.clone();
        let origin = self.origin.clone();
        let now = Utc::now();
        let cached = self.ctx.store.lock().expect("store lock").robots(&origin)?;
        let robots = match cached.as_ref().filter(|c| now < c.fresh_until) {
            Some(c) => {
                self.robots_note = format!(
                    "cached copy of {}",
                    c.fetched_at.format("%Y-%m-%d %H:%M UTC")
                );
                Robots::from_status(c.status, c.body.as_bytes(), &token)
            }
            None => match self.request_robots_retrying(cached.is_some()).await {
                RobotsAnswer::Response {
                    status,
                    body,
                    cache_control,
                    ..
                } if status != 429 && status < 500 => {
                    let ttl = robots_ttl(cache_control.as_deref());
                    let keep = &body[..body.len().min(wildtrace_extract::robots::MAX_ROBOTS_BYTES)];
                    self.ctx.store.lock().expect("store lock").put_robots(
                        &origin,
                        &CachedRobots {
                            status,
                            body: String::from_utf8_lossy(keep).into_owned(),
                            fetched_at: now,
                            fresh_until: now + ttl,
                        },
                    )?;
                    Robots::from_status(status, &body, &token)
                }
                RobotsAnswer::TooManyRedirects => Robots::AllowAll,
                unreachable => {
                    let reason = match unreachable {
                        RobotsAnswer::Response { status, .. } => {
                            format!("robots.txt answered {status}")
                        }
                        RobotsAnswer::Unreachable(r) | RobotsAnswer::Refused(r) => {
                            format!("robots.txt unreachable: {r}")
                        }
                        RobotsAnswer::TooManyRedirects => unreachable!("handled above"),
                    };
                    match cached.filter(|c| now - c.fetched_at <= ROBOTS_LAST_GOOD) {
                        // why: RFC 9309 §2.3.1.4 lets a crawler keep using its cached copy
                        // while the file is unreachable; past 30 days we stop crawling the host.
                        Some(c) => {
                            warn!(
                                source = self.site.name,
                                reason, "using the last good robots.txt"
                            );
                            self.robots_note = format!(
                                "{reason}; last good copy of {}",
                                c.fetched_at.format("%Y-%m-%d")
                            );
                            Robots::from_status(c.status, c.body.as_bytes(), &token)
                        }
                        None => Robots::DisallowAll { reason },
                    }
                }
            },
        };
        let pol = &self.ctx.cfg.politeness;
        let mut delay = pol.min_delay;
        if let Some(cd) = robots.crawl_delay() {
            let cd = Duration::from_secs_f64(cd);
            if cd > pol.max_crawl_delay {
                // why: an absurd Crawl-delay would stall the job; we cap it but never go faster than the floor.
                warn!(source = self.site.name, crawl_delay = ?cd, cap = ?pol.max_crawl_delay, "Crawl-delay capped");
            }
            delay = delay.max(cd.min(pol.max_crawl_delay));
        }
        self.delay = delay;
        let made_request = self.lane.pending.last_request.is_some();
        self.limiter = Quota::with_period(delay).map(|q| {
            let limiter = RateLimiter::direct(q.allow_burst(NonZeroU32::new(1).expect("one")));
            if made_request {
                // The robots.txt request just made counts against the host's rate too.
                let _ = limiter.check();
            }
            Arc::new(limiter)
        });
        if !made_request {
            // A cached robots.txt: the previous run's last request still counts.
            self.wait_for_previous_run()?;
        }
        self.robots = robots;
        Ok(())
    }

    /// Back-off for a 429/503 or network error: Retry-After when given (capped),
    /// else exponential with jitter. The whole host pauses, not just the URL.
    fn backoff(&mut self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let pol = &self.ctx.cfg.politeness;
        let wait = match retry_after {
            Some(ra) => ra.min(pol.max_retry_after),
            None => {
                let base =
                    self.delay.max(Duration::from_millis(500)) * 2u32.saturating_pow(attempt);
                let jitter = rand::rng().random_range(0.0..0.5);
                base.mul_f64(1.0 + jitter).min(pol.max_retry_after)
            }
        };
        // why: 429/503 speak for the whole server, so every URL of the host waits.
        self.paused_until = self.paused_until.max(Instant::now() + wait);
        wait
    }

    /// Fetches one task (following in-scope redirects) and records what it
    /// yields; returns whether the task is done or to be retried.
    /// Starts a task: what its WARC metadata says, and the validators of a
    /// conditional revisit.
    fn begin(&mut self, task: &Task) -> (Option<KnownListing>, Validators) {
        let kind_name = kind_name(&task.kind);
        let known = self.known.get(&task.canonical).cloned();
        self.lane.warc_context = vec![
            ("kind".into(), kind_name.into()),
            ("robots".into(), "allowed".into()),
        ];
        if let TaskKind::Search { term, .. } | TaskKind::Listing { term } = &task.kind {
            self.lane
                .warc_context
                .push(("search-term".into(), term.clone()));
        }
        let validators = match (&task.kind, &known) {
            // why: a conditional revisit costs the site a 304, not a page.
            (TaskKind::Revisit, Some(k)) if k.etag.is_some() || k.last_modified.is_some() => {
                Some((k.etag.clone(), k.last_modified.clone()))
            }
            _ => None,
        };
        (known, validators)
    }

    /// Scope and robots check of one hop; a refusal is logged and ends the task.
    fn refuse(&mut self, url: &Url, kind_name: &str) -> bool {
        match self.check(url) {
            Err(Refused::Robots) => {
                debug!(%url, "disallowed by robots.txt");
                self.log(url, kind_name, "robots_disallowed", None, None);
                true
            }
            Err(Refused::Scope(why)) => {
                debug!(%url, why, "out of scope");
                self.log(url, kind_name, "out_of_scope", None, None);
                true
            }
            Ok(()) => false,
        }
    }

    /// What one hop's answer means: retry later, give up, follow a redirect,
    /// or a final response to process.
    fn on_response(
        &mut self,
        task: &Task,
        url: &Url,
        result: Result<Fetched, FetchError>,
        hops: &mut usize,
    ) -> Step {
        let kind_name = kind_name(&task.kind);
        let f = match result {
            Ok(f) => f,
            Err(e) => {
                let too_large = matches!(e, FetchError::TooLarge(_));
                if !too_large && task.attempt < self.ctx.cfg.politeness.max_retries {
                    let wait = self.backoff(task.attempt, None);
                    self.log(url, kind_name, "retry_later", None, None);
                    debug!(%url, error = %e, ?wait, "network error; will retry");
                    return Step::End(self.requeue(task.clone(), wait));
                }
                self.log(
                    url,
                    kind_name,
                    if too_large { "too_large" } else { "gave_up" },
                    None,
                    None,
                );
                warn!(%url, error = %e, "giving up on URL");
                return Step::End(TaskOutcome::Done);
            }
        };
        if matches!(f.status, 429 | 503) {
            let ra = f.retry_after();
            if task.attempt < self.ctx.cfg.politeness.max_retries {
                let wait = self.backoff(task.attempt, ra);
                self.log(url, kind_name, "retry_later", Some(&f), ra);
                return Step::End(self.requeue(task.clone(), wait));
            }
            self.backoff(task.attempt, ra);
            self.log(url, kind_name, "gave_up", Some(&f), ra);
            return Step::End(TaskOutcome::Done);
        }
        if let Some(next) = f.redirect_target() {
            self.log(url, kind_name, "fetched", Some(&f), None);
            *hops += 1;
            if *hops > self.ctx.cfg.fetch.max_redirects {
                // why: a redirect loop costs this URL only.
                self.log(&next, kind_name, "redirect_limit", None, None);
                return Step::End(TaskOutcome::Done);
            }
            if matches!(
                task.kind,
                TaskKind::Listing { .. } | TaskKind::SitemapListing | TaskKind::Revisit
            ) && self.site.profile.is_search(&next)
            {
                // A listing that now redirects to search results has been taken down.
                self.removed_row(task, &f, "redirect_to_search");
                return Step::End(TaskOutcome::Done);
            }
            return Step::Follow(next);
        }
        Step::Final(f)
    }

    /// Turns a task's final response into log and lake rows and new URLs.
    fn finish(
        &mut self,
        task: &Task,
        url: &Url,
        fetched: Fetched,
        known: Option<KnownListing>,
    ) -> TaskOutcome {
        let kind_name = kind_name(&task.kind);
        if fetched.status == 304 {
            self.log(url, kind_name, "fetched", Some(&fetched), None);
            match known {
                Some(k) if k.last_row.is_some() => self.unchanged_row(task, &fetched, k),
                _ => warn!(%url, "304 without a stored record; ignored"),
            }
            return TaskOutcome::Done;
        }
        let ok = (200..300).contains(&fetched.status);
        let is_sitemap = matches!(task.kind, TaskKind::Sitemap { .. });
        if ok && !is_sitemap && !fetched.is_html() {
            // why: a listing or search page that is not HTML (an image, a PDF,
            // a binary blob) would only yield junk rows; it costs this URL only.
            self.log(url, kind_name, "not_html", Some(&fetched), None);
            return TaskOutcome::Done;
        }
        self.log(
            url,
            kind_name,
            if ok || fetched.status == 404 || fetched.status == 410 {
                "fetched"
            } else {
                "http_error"
            },
            Some(&fetched),
            None,
        );
        match &task.kind {
            TaskKind::Search { term, page } => {
                if ok {
                    self.search_page(task, url, &fetched, term.clone(), *page);
                }
            }
            TaskKind::Sitemap { level } => {
                if ok {
                    self.sitemap(task, url, &fetched, *level);
                }
            }
            TaskKind::Listing { .. } | TaskKind::SitemapListing | TaskKind::Revisit => {
                match fetched.status {
                    404 => self.removed_row(task, &fetched, "http_404"),
                    410 => self.removed_row(task, &fetched, "http_410"),
                    s if (200..300).contains(&s) => self.listing_row(task, url, &fetched),
                    _ => {}
                }
            }
        }
        TaskOutcome::Done
    }

    fn search_page(
        &mut self,
        task: &Task,
        url: &Url,
        fetched: &Fetched,
        term: String,
        page: usize,
    ) {
        let text = fetched.text();
        let (listings, next) = {
            let doc = Html::parse_document(&text);
            search_links(&doc, url, &self.site.profile)
        };
        for l in listings {
            if !self.admit(&l, task.depth + 1) {
                continue;
            }
            let key = self.canon(&l);
            // A known listing still queued as a revisit (or from a sitemap) is
            // found again by search: fetch it as a search find, so its term is recorded.
            if let Some((_, t)) = self.queue.iter_mut().find(|(_, t)| {
                matches!(t.kind, TaskKind::Revisit | TaskKind::SitemapListing) && t.canonical == key
            }) {
                t.kind = TaskKind::Listing { term: term.clone() };
                self.lane.pending.retyped.push((key, t.kind.clone()));
                continue;
            }
            self.push(l, TaskKind::Listing { term: term.clone() }, task.depth + 1);
        }
        if let Some(n) = next.filter(|_| page < self.ctx.cfg.scope.max_search_pages)
            && self.admit(&n, task.depth + 1)
        {
            self.push(
                n,
                TaskKind::Search {
                    term,
                    page: page + 1,
                },
                task.depth + 1,
            );
        }
    }

    fn sitemap(&mut self, task: &Task, url: &Url, fetched: &Fetched, level: usize) {
        let scope = &self.ctx.cfg.scope;
        let limits = wildtrace_extract::sitemap::SitemapLimits {
            max_bytes: SITEMAP_MAX_BYTES,
            max_urls: scope.max_sitemap_urls,
            max_depth: scope.max_sitemap_depth as u32,
        };
        let map = match wildtrace_extract::sitemap::parse_sitemap(&fetched.body, url, &limits) {
            Ok(m) => m,
            Err(e) => {
                // why: a broken or hostile sitemap costs this sitemap only.
                warn!(%url, error = %e, "sitemap not readable");
                return;
            }
        };
        if map.truncated {
            warn!(%url, "sitemap truncated at the URL or size cap");
        }
        if (level as u32) < limits.max_depth {
            for child in map.children {
                if self.check_scope(&child).is_ok() {
                    self.push(
                        child,
                        TaskKind::Sitemap { level: level + 1 },
                        task.depth + 1,
                    );
                }
            }
        } else if !map.children.is_empty() {
            warn!(%url, "sitemap index nesting limit reached");
        }
        for entry in map.urls {
            let u = entry.loc;
            // Only listing pages are worth a request; the rest of a site is out of our scope.
            if self.check_scope(&u).is_ok()
                && self.site.profile.is_listing(&u)
                && self.admit(&u, task.depth + 1)
            {
                self.push(u, TaskKind::SitemapListing, task.depth + 1);
            }
        }
    }

    fn id_for(&self, canon: &str, site_id: Option<&str>) -> String {
        if let Some(id) = site_id {
            return format!("{}:{}", self.site.name, id);
        }
        if let Some(k) = self.known.get(canon) {
            return k.listing_id.clone();
        }
        let h = Sha256::digest(canon.as_bytes());
        format!("{}:u{}", self.site.name, &hex::encode(h)[..16])
    }

    fn base_row(&self, task: &Task, f: &Fetched, listing_id: String, status: &str) -> ListingRow {
        ListingRow {
            run_id: self.ctx.run_id.clone(),
            observed_at: Utc::now(),
            listing_id,
            url: task.url.to_string(),
            canonical_url: task.canonical.clone(),
            status: status.into(),
            removal_reason: None,
            http_status: f.status as i32,
            title: None,
            description: None,
            price_text: None,
            price_amount: None,
            currency: None,
            quantity: None,
            seller_pseudonym: None,
            seller_location: None,
            ships_to: None,
            posted_date: None,
            language: None,
            image_urls: Vec::new(),
            search_term: match &task.kind {
                TaskKind::Listing { term } => Some(term.clone()),
                _ => None,
            },
            extractor: "none".into(),
            page_sha256: hex::encode(Sha256::digest(&f.body)),
            warc_file: self.lane.last_warc.as_ref().map(|w| w.file.clone()),
            warc_offset: self.lane.last_warc.as_ref().map(|w| w.offset as i64),
            warc_length: self.lane.last_warc.as_ref().map(|w| w.length as i64),
            warc_block_digest: self.lane.last_warc.as_ref().map(|w| w.block_digest.clone()),
        }
    }

    fn known_or_new(&self, task: &Task, id: &str) -> KnownListing {
        self.known
            .get(&task.canonical)
            .cloned()
            .unwrap_or(KnownListing {
                source: self.site.name.clone(),
                listing_id: id.to_string(),
                url: task.url.to_string(),
                content_hash: String::new(),
                first_seen_run: self.ctx.run_id.clone(),
                last_active_run: String::new(),
                removed_run: None,
                last_observed_at: None,
                etag: None,
                last_modified: None,
                last_row: None,
            })
    }

    fn removed_row(&mut self, task: &Task, f: &Fetched, reason: &str) {
        let id = self.id_for(&task.canonical, None);
        let mut row = self.base_row(task, f, id.clone(), "removed");
        row.removal_reason = Some(reason.into());
        let known = self.known_or_new(task, &id);
        self.lane.pending.registry.push((
            task.canonical.clone(),
            KnownListing {
                removed_run: Some(self.ctx.run_id.clone()),
                last_observed_at: Some(row.observed_at),
                etag: None,
                last_modified: None,
                ..known
            },
        ));
        self.lane.pending.rows.push(row);
    }

    /// A conditional revisit answered 304: the listing is still up, unchanged,
    /// so its last record is observed again.
    fn unchanged_row(&mut self, task: &Task, f: &Fetched, known: KnownListing) {
        let mut row = known.last_row.clone().expect("checked by caller");
        row.run_id = self.ctx.run_id.clone();
        row.observed_at = Utc::now();
        row.url = task.url.to_string();
        row.status = "active".into();
        row.removal_reason = None;
        row.http_status = f.status as i32;
        row.search_term = None;
        self.lane.pending.registry.push((
            task.canonical.clone(),
            KnownListing {
                last_active_run: self.ctx.run_id.clone(),
                last_observed_at: Some(row.observed_at),
                ..known
            },
        ));
        self.lane.pending.rows.push(row);
    }

    fn listing_row(&mut self, task: &Task, url: &Url, f: &Fetched) {
        let text = f.text();
        let (raw, ended) = {
            let doc = Html::parse_document(&text);
            (
                extract_listing(&doc, url, Some(&self.site.profile)),
                has_removed_marker(&doc, &self.site.profile),
            )
        };
        if ended {
            self.removed_row(task, f, "ended_marker");
            return;
        }
        let id = self.id_for(&task.canonical, raw.site_listing_id.as_deref());
        let hash = {
            let mut h = Sha256::new();
            for part in [&raw.title, &raw.description, &raw.price_text] {
                h.update(part.as_deref().unwrap_or("").as_bytes());
                h.update([0u8]);
            }
            hex::encode(&h.finalize()[..16])
        };
        let previous = self.known.get(&task.canonical);
        let status = match previous {
            Some(k) if !k.content_hash.is_empty() && k.content_hash != hash => "changed",
            _ => "active",
        };
        let mut row = self.base_row(task, f, id.clone(), status);
        fill_row(
            ingest_fields(&raw, &self.site.name, &self.ctx.pseudonyms),
            &mut row,
        );
        row.posted_date = raw.posted_date;
        row.language = raw.language.clone();
        row.image_urls = raw.images.clone();
        row.extractor = raw.extractor.clone();
        let first_seen = previous
            .map(|k| k.first_seen_run.clone())
            .unwrap_or_else(|| self.ctx.run_id.clone());
        let header = |name: reqwest::header::HeaderName| {
            f.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        self.lane.pending.registry.push((
            task.canonical.clone(),
            KnownListing {
                source: self.site.name.clone(),
                listing_id: id,
                url: task.url.to_string(),
                content_hash: hash,
                first_seen_run: first_seen,
                last_active_run: self.ctx.run_id.clone(),
                removed_run: None,
                last_observed_at: Some(row.observed_at),
                etag: header(reqwest::header::ETAG),
                last_modified: header(reqwest::header::LAST_MODIFIED),
                last_row: Some(row.clone()),
            },
        ));
        self.lane.pending.rows.push(row);
    }
}
