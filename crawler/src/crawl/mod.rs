//! One crawl run of a job: every configured site crawled concurrently, each
//! host by its own politeness-bound worker, into one lake file per site.
//!
//! This file owns the run: claiming it (or resuming an interrupted one) in
//! the state store, seeding the frontier, starting one worker per host, and
//! publishing what they committed (the lake files first, then the
//! registry). The worker and its parts live in the submodules:
//!
//! - [`host`]: a host's worker and its request lanes (the one polite-GET
//!   path), the task loop, what each response means;
//! - [`frontier`]: the host's queue of tasks, their order, admission (depth
//!   and query-variant traps) and retries with a not-before time;
//! - [`scope`]: which URLs may be requested at all (host, scheme, length,
//!   private addresses, repeated segments) and robots.txt's verdict;
//! - [`pacing`]: the host's next-allowed time, rate limiter, back-off and
//!   the global cap on requests in flight;
//! - [`robots`]: the robots.txt lifecycle (cache, Cache-Control, 30-day
//!   last-good copy, retries while unavailable, redirects);
//! - [`discover`]: links from search pages, sitemaps and followed pages
//!   (start URLs, listing indexes, listing pages) into the frontier;
//! - [`parse`]: the bounded pool of blocking threads that parses pages and
//!   sitemaps off the async runtime, within each page's budgets;
//! - [`rows`]: lake rows and registry entries from listing pages;
//! - [`evidence`]: WARC records of every exchange in evidence mode;
//! - [`clock`]: the time a run records (the wall clock, or the demo's
//!   simulated calendar); never used for pacing.
//!
//! It must not sleep inside the HTTP client or retry anywhere but through
//! the frontier.

mod clock;
mod discover;
mod evidence;
mod frontier;
mod host;
mod pacing;
mod parse;
mod robots;
mod rows;
mod scope;
mod summary;

pub use clock::RecordClock;
pub use summary::Missing;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{Semaphore, watch};
use tracing::{info, warn};
use url::Url;
use wildtrace_extract::privacy::Pseudonymiser;
use wildtrace_extract::urlnorm::canonical_with;

use crate::config::{Base, CrawlConfig};
use crate::fetch::{FetchError, Fetcher};
use crate::lake;
use crate::state::{FrontierTask, RunInfo, SharedStore, Store, TaskKind};
use host::HostWorker;

/// Fetch-log outcomes that mean no request was sent.
const NOT_SENT: &[&str] = &["robots_disallowed", "out_of_scope", "redirect_limit"];
/// Fetch-log outcomes that mean a URL was given up.
const FAILED: &[&str] = &[
    "gave_up",
    "too_large",
    "not_html",
    "redirect_limit",
    "malformed",
];

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
    /// URLs given up on (malformed answers, too large, retries exhausted).
    pub failed: usize,
    /// Distinct listings seen live (active or changed) this run.
    pub listings: usize,
    /// Of those, how many have no price text, no posted date, no seller location.
    pub missing: Missing,
    /// What the person running the job should look at (also logged as warnings).
    pub warnings: Vec<String>,
    /// What was skipped that the job asked for (a start URL disallowed by
    /// robots.txt, …), one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
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
    /// Where the run reports its progress (the binary draws bars from it).
    pub progress: Option<ProgressSink>,
    /// The calendar the run records in ([`RecordClock::Wall`] unless the
    /// demo simulates one). Pacing always uses the real clock.
    pub clock: RecordClock,
}

/// What a crawl run tells about its progress as it goes, per site. The
/// crawler calls it; it must not block (it is called with a host's worker
/// held) and it must not decide anything.
pub trait Progress: Send + Sync {
    /// A site's worker starts with `queued` tasks.
    fn site_started(&self, _site: &str, _queued: usize) {}
    /// One task of `site` is done; `left` are queued or in flight.
    fn task_done(&self, _site: &str, _left: usize) {}
    /// A site's worker finished (or stopped).
    fn site_finished(&self, _site: &str) {}
}

/// A shared [`Progress`] receiver.
#[derive(Clone)]
pub struct ProgressSink(pub Arc<dyn Progress>);

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// Resolves each site's base URL; named (`demo:<name>`) bases come from `demo`.
pub fn resolve_bases(
    cfg: &CrawlConfig,
    demo: &BTreeMap<String, Url>,
) -> Result<BTreeMap<String, Url>, CrawlError> {
    let mut out = BTreeMap::new();
    for s in &cfg.sites {
        let url = match &s.base {
            Base::Url(u) => u.clone(),
            Base::Named(name) => demo.get(name).cloned().ok_or_else(|| CrawlError::Site {
                site: s.name.clone(),
                message: format!(
                    "`demo:{name}` names no demo marketplace site (use `wildtrace demo`)"
                ),
            })?,
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
/// the start URLs, then the known listings due for a revisit (`now` is the
/// run's record time, which the revisit interval is measured in; every
/// listing reported to its platform and not yet seen removed is due on
/// every run).
fn seeds(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Vec<FrontierTask>)>, CrawlError> {
    // why: tasks are due by the real clock, whatever calendar the run records in.
    let due = Utc::now();
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
            not_before: due,
        };
        if let Some(search) = &site.search {
            for term in &site.terms {
                let rel = search.replace(
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
        }
        for rel in &site.start {
            match base.join(rel) {
                // A start URL that is itself a listing page is fetched as one.
                Ok(u) if site.profile.is_listing(&u) => {
                    tasks.push(task(u, TaskKind::LinkedListing))
                }
                Ok(u) => tasks.push(task(u, TaskKind::Page { page: 1 })),
                Err(e) => warn!(source = site.name, start = rel, error = %e, "bad start URL"),
            }
        }
        let reported = store.reported_listings(&site.name)?;
        let min =
            chrono::TimeDelta::from_std(cfg.revisit.min_interval).unwrap_or(chrono::TimeDelta::MAX);
        for (_, k) in store.revisits(&site.name)? {
            // why: a listing reported to its platform is revisited on every run,
            // whatever the revisit rules say, so its removal after the report is
            // measured; the revisit rules only save requests.
            let is_reported = reported.contains_key(&k.listing_id);
            if !is_reported && !cfg.revisit.enabled {
                continue;
            }
            // why: a per-job interval keeps revisits from hammering a site
            // whose listings were observed moments ago.
            if !is_reported && k.last_observed_at.is_some_and(|t| now - t < min) {
                continue;
            }
            if let Ok(u) = Url::parse(&k.url) {
                // why: an exclude added since the last run keeps us off that path
                // from now on, reported or not: it is the researcher's scope.
                if site.follow.allows(&u) {
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
    let clock = clock::RunClock::start(opts.clock);
    let run: RunInfo = match store.unfinished_run(&cfg.job)? {
        Some(r) if opts.resume => r,
        Some(r) => return Err(CrawlError::Interrupted { run_id: r.run_id }),
        None => {
            let now = clock.now();
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

    let store = SharedStore::new(store);
    let ctx = Arc::new(Ctx {
        fetcher: Fetcher::new(&cfg.identity, &cfg.fetch, cfg.scope.private_targets)?,
        pseudonyms: Pseudonymiser::load_or_create(&cfg.pseudonym_key)?,
        in_flight: Arc::new(Semaphore::new(cfg.politeness.max_in_flight)),
        parse: parse::ParsePool::new(cfg.fetch.parse_workers, cfg.fetch.page),
        store: store.clone(),
        cfg: cfg.clone(),
        run_id: run_id.clone(),
        resumed: run.resumed,
        stop: opts.stop.clone(),
        progress: opts.progress.clone(),
        clock,
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
        // A worker that panicked takes the run down with its panic.
        let joined = h
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        match joined {
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
    for p in policies {
        let (rows, log) = store.with(|s| s.pending(&run_id, &p.source))?;
        let site = cfg
            .sites
            .iter()
            .find(|s| s.name == p.source)
            .expect("a policy per configured site");
        let mut outcome = summary::summarize(&p, site, bases.get(&p.source), &rows, &log);
        for note in &outcome.notes {
            warn!(source = outcome.source, "{note}");
        }
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
        for w in &outcome.warnings {
            warn!(source = outcome.source, "{w}");
        }
        sites.push(outcome);
    }
    store.with(|s| s.finish_run(&run_id, ctx.clock.now()))?;
    Ok(CrawlOutcome {
        run_id,
        crawl_date: run.crawl_date,
        resumed: run.resumed,
        sites,
    })
}

/// What a worker reports besides the rows it committed.
struct SitePolicy {
    source: String,
    robots: String,
    delay_s: f64,
    stopped: bool,
}

/// What every host worker of a run shares.
struct Ctx {
    cfg: CrawlConfig,
    fetcher: Fetcher,
    pseudonyms: Pseudonymiser,
    /// The global cap on requests in flight, across hosts.
    in_flight: Arc<Semaphore>,
    /// The parsing threads (pages and sitemaps), off the async runtime.
    parse: parse::ParsePool,
    store: SharedStore,
    run_id: String,
    /// Whether this run finishes an interrupted one.
    resumed: bool,
    stop: Option<watch::Receiver<bool>>,
    progress: Option<ProgressSink>,
    /// What observations, log rows and registry entries are stamped with.
    clock: clock::RunClock,
}

impl Ctx {
    /// Tells the progress receiver, if any.
    fn progress(&self, f: impl FnOnce(&dyn Progress)) {
        if let Some(p) = &self.progress {
            f(p.0.as_ref());
        }
    }

    /// Whether the run has been asked to stop.
    fn stopping(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| *s.borrow())
    }
}
