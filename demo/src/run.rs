//! The crawl half of the main job: start the embedded demo marketplace,
//! crawl it round after round with a normal crawl config (its `demo:<site>`
//! base URLs resolved to the market's ports), and hand back what happened.
//! Each round is recorded at its day in the market's calendar
//! ([`crate::market::round_start`]), so the lake's rounds are days apart.
//!
//! Between rounds [`REPORT_AFTER_ROUND`] and the next it calls the job's
//! [`ReportHook`], if it has one (the binary's `flag --submit`, so the demo
//! runs the whole loop: crawl, flag, report to the sites' intakes, revisit,
//! measure), at a time of the market's calendar.
//!
//! It owns the round loop and the reset of the demo's own data folder. It
//! must not analyse anything, and must never touch a data folder that is not
//! the demo's.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use tracing::info;

use crate::market::{
    BROWSE_SITE, DemoMarket, DemoOptions, GroundTruth, RequestRecord, round_start,
};
use wildtrace_crawler::config::{Base, CrawlConfig};
use wildtrace_crawler::crawl::{
    CrawlError, CrawlOptions, CrawlOutcome, ProgressSink, RecordClock, crawl_with, resolve_bases,
};

/// Reports listings to the platforms between two rounds: given the job,
/// its resolved base URLs and the report time in the market's calendar, it
/// returns one line saying what was reported, or why it failed.
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct ReportHook(
    pub  Arc<
        dyn Fn(&CrawlConfig, &BTreeMap<String, url::Url>, DateTime<Utc>) -> Result<String, String>
            + Send
            + Sync,
    >,
);

impl std::fmt::Debug for ReportHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportHook")
    }
}

/// The round after which the demo reports: the market takes the reports
/// in this round and removes its share of them from the next round on.
pub const REPORT_AFTER_ROUND: u32 = 2;

/// When the report is made: half a day after its round's crawl began.
pub fn report_time() -> DateTime<Utc> {
    round_start(REPORT_AFTER_ROUND) + TimeDelta::hours(12)
}

/// What the demo crawl did.
#[derive(Debug)]
pub struct DemoCrawl {
    /// One outcome per round.
    pub rounds: Vec<CrawlOutcome>,
    /// What the report hook said, once per report made.
    pub reports: Vec<String>,
    /// The market's ground truth.
    pub ground_truth: GroundTruth,
    /// Every request the market received.
    pub requests: Vec<RequestRecord>,
}

/// Errors of the demo crawl.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The market could not start.
    #[error("demo marketplace: {0}")]
    Market(std::io::Error),
    /// The data folder could not be reset.
    #[error("cannot reset demo data folder {path}: {source}")]
    Reset {
        /// Folder.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A crawl failed.
    #[error(transparent)]
    Crawl(#[from] CrawlError),
    /// The report between rounds failed.
    #[error("demo report to the platforms: {0}")]
    Report(String),
}

/// Removes the demo's lake, state and key so every demo run starts clean.
/// Refuses any folder without the `demo` marker name, so a misconfigured
/// data_dir can never delete real crawl data.
pub fn reset_demo_data(data_dir: &Path) -> Result<(), DemoError> {
    let is_demo = data_dir
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("demo"));
    if !is_demo {
        return Err(DemoError::Reset {
            path: data_dir.display().to_string(),
            source: std::io::Error::other(
                "the demo only resets a data_dir whose name contains `demo`",
            ),
        });
    }
    for sub in ["lake", "state", "keys", "reports"] {
        let p = data_dir.join(sub);
        if p.exists() {
            std::fs::remove_dir_all(&p).map_err(|source| DemoError::Reset {
                path: p.display().to_string(),
                source,
            })?;
        }
    }
    Ok(())
}

/// `opts`, with the site without search served when a job crawls it
/// (names `demo:exotica`).
pub(crate) fn serving(mut opts: DemoOptions, jobs: &[CrawlConfig]) -> DemoOptions {
    opts.browse_site |= jobs
        .iter()
        .flat_map(|j| &j.sites)
        .any(|s| matches!(&s.base, Base::Named(n) if n == BROWSE_SITE));
    opts
}

/// Starts the market, crawls `rounds` rounds, stops the market.
pub async fn crawl_demo(
    cfg: &CrawlConfig,
    market_opts: DemoOptions,
    rounds: u32,
) -> Result<DemoCrawl, DemoError> {
    crawl_demo_with(cfg, market_opts, rounds, None, None).await
}

/// [`crawl_demo`], reporting each round's progress to `progress` and
/// calling `report` after round [`REPORT_AFTER_ROUND`] (when a later round
/// follows to see what the platforms did).
pub async fn crawl_demo_with(
    cfg: &CrawlConfig,
    market_opts: DemoOptions,
    rounds: u32,
    progress: Option<ProgressSink>,
    report: Option<ReportHook>,
) -> Result<DemoCrawl, DemoError> {
    reset_demo_data(&cfg.data_dir)?;
    let market = DemoMarket::start(serving(market_opts, std::slice::from_ref(cfg)))
        .await
        .map_err(DemoError::Market)?;
    let demo_bases: BTreeMap<String, url::Url> = market
        .sites()
        .into_iter()
        .map(|s| (s.name, s.base_url))
        .collect();
    let bases = resolve_bases(cfg, &demo_bases)?;
    let mut outcomes = Vec::new();
    let mut reports = Vec::new();
    for round in 1..=rounds {
        market.set_round(round);
        info!(round, "demo crawl round");
        let opts = CrawlOptions {
            progress: progress.clone(),
            // The market's calendar: rounds are days apart in the lake.
            clock: RecordClock::Simulated {
                start: round_start(round),
            },
            ..Default::default()
        };
        outcomes.push(crawl_with(cfg, &bases, opts).await?);
        if let Some(hook) = report
            .as_ref()
            .filter(|_| round == REPORT_AFTER_ROUND && round < rounds)
        {
            let (hook, cfg, bases) = (hook.clone(), cfg.clone(), bases.clone());
            // The hook analyses the lake and writes files: off the async workers.
            let said = tokio::task::spawn_blocking(move || (hook.0)(&cfg, &bases, report_time()))
                .await
                .expect("report task panicked")
                .map_err(DemoError::Report)?;
            info!(round, "{said}");
            reports.push(said);
        }
    }
    let ground_truth = market.ground_truth();
    let requests = market.requests();
    market.shutdown().await;
    Ok(DemoCrawl {
        rounds: outcomes,
        reports,
        ground_truth,
        requests,
    })
}
