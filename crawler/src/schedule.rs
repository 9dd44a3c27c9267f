//! `wildtrace schedule`: the crawl jobs of a config folder run on their cron
//! expressions in one long-running process.
//!
//! It owns the job list, each job's next-run time (persisted in the job's
//! state store, so a restart neither forgets nor repeats a run), the rule
//! that one job never overlaps itself, the resumption of a job's interrupted
//! run, and a clean stop on SIGINT/SIGTERM (running crawls stop taking URLs
//! and stay resumable; the stop signal is made by the caller). It must not
//! crawl by itself: every run goes through [`crate::crawl::crawl_with`] with
//! the job's own politeness. It knows nothing of the demo marketplace: a
//! caller that serves `demo:` sites passes their base URLs and an
//! after-run hook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};
use url::Url;

use crate::config::{ConfigError, CrawlConfig};
use crate::crawl::{CrawlError, CrawlOptions, CrawlOutcome, crawl_with, resolve_bases};
use crate::state::Store;

/// Key of a job's next scheduled run in its state store.
const NEXT_RUN_KEY: &str = "schedule.next_run_at";
/// Key of the cron expression the stored next run was computed from.
const CRON_KEY: &str = "schedule.cron";

/// Scheduler failures.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// A job file is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The folder could not be read, or holds no scheduled job.
    #[error("{}: {message}", path.display())]
    Jobs {
        /// Folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// State store failure.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// A job's base URLs could not be resolved.
    #[error(transparent)]
    Crawl(#[from] CrawlError),
}

/// Called with a job's config after each of its runs ends.
pub type AfterRun = Arc<dyn Fn(&CrawlConfig) + Send + Sync>;

/// How the scheduler runs.
#[derive(Clone, Default)]
pub struct ScheduleOptions {
    /// Stop after this many runs have finished (all jobs together).
    pub max_runs: Option<usize>,
    /// Base URLs of `demo:<name>` sites, from whoever serves them; a job
    /// naming a site not here is skipped with a warning.
    pub named_bases: BTreeMap<String, Url>,
    /// Called after each finished run of a job whose sites use
    /// `named_bases` (the demo marketplace moves to its next round).
    pub after_run: Option<AfterRun>,
}

impl std::fmt::Debug for ScheduleOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScheduleOptions")
            .field("max_runs", &self.max_runs)
            .field("named_bases", &self.named_bases)
            .field("after_run", &self.after_run.is_some())
            .finish()
    }
}

/// One finished (or failed) run.
#[derive(Debug, serde::Serialize)]
pub struct ScheduledRun {
    /// Job name.
    pub job: String,
    /// When the scheduler started it.
    pub started_at: DateTime<Utc>,
    /// The run, or why it failed.
    pub outcome: Result<CrawlOutcome, String>,
}

/// The scheduled jobs of a folder: every `*.toml` directly in it that has a
/// `[schedule]` table (site profiles live in a subfolder and are not jobs).
pub fn load_jobs(dir: &Path) -> Result<Vec<CrawlConfig>, ScheduleError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ScheduleError::Jobs {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut jobs = Vec::new();
    for f in files {
        let cfg = CrawlConfig::load(&f)?;
        if cfg.schedule.is_some() {
            jobs.push(cfg);
        }
    }
    if jobs.is_empty() {
        return Err(ScheduleError::Jobs {
            path: dir.to_path_buf(),
            message: "no job file here has a [schedule] table with a cron expression".into(),
        });
    }
    let mut names = BTreeMap::new();
    for j in &jobs {
        if let Some(other) = names.insert(j.job.clone(), j.path.clone()) {
            return Err(ScheduleError::Jobs {
                path: j.path.clone(),
                message: format!("job name `{}` is also used by {}", j.job, other.display()),
            });
        }
    }
    Ok(jobs)
}

/// The cron expression as written (empty for an unscheduled job).
fn cron_source(cfg: &CrawlConfig) -> &str {
    cfg.schedule.as_ref().map(|c| c.source()).unwrap_or("")
}

/// The job's next run after `now` (`now` itself for an unscheduled job).
fn next_after(cfg: &CrawlConfig, now: DateTime<Utc>) -> DateTime<Utc> {
    cfg.schedule
        .as_ref()
        .and_then(|c| c.after(&now).next())
        .unwrap_or(now)
}

/// The job's next run: the stored one (a missed run is due at once, once),
/// unless the cron expression changed since it was stored.
fn stored_next(cfg: &CrawlConfig, now: DateTime<Utc>) -> Result<DateTime<Utc>, ScheduleError> {
    let mut store = Store::open(&cfg.state_dir())?;
    let expr = cron_source(cfg);
    let stored = store
        .meta(NEXT_RUN_KEY)?
        .zip(store.meta(CRON_KEY)?)
        .filter(|(_, c)| *c == expr)
        .and_then(|(t, _)| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    let next = match stored {
        Some(t) => t,
        None => {
            let t = next_after(cfg, now);
            store_next(&mut store, cfg, t)?;
            t
        }
    };
    Ok(next)
}

/// Persists the job's next run and the cron expression it comes from.
fn store_next(store: &mut Store, cfg: &CrawlConfig, t: DateTime<Utc>) -> Result<(), ScheduleError> {
    store.set_meta(NEXT_RUN_KEY, &t.to_rfc3339())?;
    store.set_meta(CRON_KEY, cron_source(cfg))?;
    Ok(())
}

/// Runs `jobs` on their schedules until `stop` turns true or
/// `opts.max_runs` runs have finished; returns every run it made.
pub async fn run_schedule(
    jobs: Vec<CrawlConfig>,
    opts: ScheduleOptions,
    stop: watch::Receiver<bool>,
) -> Result<Vec<ScheduledRun>, ScheduleError> {
    let mut active = Vec::new();
    for j in jobs {
        if uses_demo(&j) && opts.named_bases.is_empty() {
            warn!(job = j.job, file = %j.path.display(), "job crawls the demo marketplace; skipped without --demo");
            continue;
        }
        let bases = resolve_bases(&j, &opts.named_bases)?;
        let next = stored_next(&j, Utc::now())?;
        info!(job = j.job, cron = cron_source(&j), next = %next, "scheduled");
        active.push(Job {
            cfg: j,
            bases,
            next,
            running: None,
        });
    }
    let mut done: Vec<ScheduledRun> = Vec::new();
    let mut started = 0usize;
    loop {
        // Collect finished runs.
        for job in &mut active {
            if job.running.as_ref().is_some_and(|(h, _)| h.is_finished()) {
                let (h, started_at) = job.running.take().expect("checked");
                let outcome = h.await.expect("crawl task panicked");
                match &outcome {
                    Ok(o) => info!(
                        job = job.cfg.job,
                        run_id = o.run_id,
                        "scheduled run finished"
                    ),
                    Err(e) => warn!(job = job.cfg.job, error = %e, "scheduled run did not finish"),
                }
                if let (Some(hook), true) = (&opts.after_run, uses_demo(&job.cfg)) {
                    hook(&job.cfg);
                }
                done.push(ScheduledRun {
                    job: job.cfg.job.clone(),
                    started_at,
                    outcome: outcome.map_err(|e| e.to_string()),
                });
            }
        }
        let stopping = *stop.borrow();
        let all_idle = active.iter().all(|j| j.running.is_none());
        let budget_spent = opts.max_runs.is_some_and(|m| started >= m);
        if (stopping || budget_spent || active.is_empty()) && all_idle {
            break;
        }
        let now = Utc::now();
        if !stopping && !budget_spent {
            for job in &mut active {
                if job.next > now {
                    continue;
                }
                // Catch up once, however many fire times were missed.
                job.next = next_after(&job.cfg, now);
                store_next(&mut Store::open(&job.cfg.state_dir())?, &job.cfg, job.next)?;
                if job.running.is_some() {
                    // why: two runs of one job would double its request rate to every host.
                    warn!(
                        job = job.cfg.job,
                        "previous run still going; this fire time is skipped"
                    );
                    continue;
                }
                if opts.max_runs.is_some_and(|m| started >= m) {
                    continue;
                }
                started += 1;
                let cfg = job.cfg.clone();
                let bases = job.bases.clone();
                let run_opts = CrawlOptions {
                    // A run interrupted by a crash or a stop is finished first.
                    resume: true,
                    stop: Some(stop.clone()),
                    progress: None,
                    // why: a schedule is real monitoring: it records real time.
                    clock: Default::default(),
                };
                info!(job = cfg.job, "scheduled run starting");
                job.running = Some((
                    tokio::spawn(async move { crawl_with(&cfg, &bases, run_opts).await }),
                    now,
                ));
            }
        }
        let next_fire = active.iter().map(|j| j.next).min().unwrap_or(now);
        let wait = (next_fire - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(Duration::from_millis(50), Duration::from_millis(500));
        let mut stop_rx = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop_rx.wait_for(|s| *s), if !stopping => {}
        }
    }
    Ok(done)
}

/// Whether a job names a `demo:` site.
pub fn uses_demo(cfg: &CrawlConfig) -> bool {
    cfg.sites
        .iter()
        .any(|s| matches!(s.base, crate::config::Base::Named(_)))
}

/// A scheduled run in progress.
type RunHandle = JoinHandle<Result<CrawlOutcome, CrawlError>>;

struct Job {
    cfg: CrawlConfig,
    bases: BTreeMap<String, Url>,
    next: DateTime<Utc>,
    running: Option<(RunHandle, DateTime<Utc>)>,
}
