//! `wildtrace schedule --demo`: the scheduler of `wildtrace-crawler` with
//! the embedded marketplace serving the jobs' `demo:` sites, moved to its
//! next round (with removals) after each run.
//!
//! It owns starting and stopping the market around the scheduler and the
//! reset of the demo jobs' data folders. It must not schedule anything
//! itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::watch;
use url::Url;
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::schedule::{
    ScheduleError, ScheduleOptions, ScheduledRun, run_schedule, uses_demo,
};

use crate::market::{DemoMarket, DemoOptions, LAST_ROUND};
use crate::run::{DemoError, reset_demo_data, serving};

/// Failures of a demo schedule.
#[derive(Debug, thiserror::Error)]
pub enum DemoScheduleError {
    /// The market could not start or a demo folder could not be reset.
    #[error(transparent)]
    Demo(#[from] DemoError),
    /// The scheduler failed.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// Serves the demo market for the `demo:` sites of `jobs` and runs the
/// scheduler until `stop` or `max_runs`.
pub async fn run_with_market(
    jobs: Vec<CrawlConfig>,
    market_opts: DemoOptions,
    max_runs: Option<usize>,
    stop: watch::Receiver<bool>,
) -> Result<Vec<ScheduledRun>, DemoScheduleError> {
    for j in jobs.iter().filter(|j| uses_demo(j)) {
        // The simulated market starts at round 1: old demo state would not match it.
        reset_demo_data(&j.data_dir)?;
    }
    let market = Arc::new(
        DemoMarket::start(serving(market_opts, &jobs))
            .await
            .map_err(DemoError::Market)?,
    );
    let named_bases: BTreeMap<String, Url> = market
        .sites()
        .into_iter()
        .map(|s| (s.name, s.base_url))
        .collect();
    let hook_market = market.clone();
    let opts = ScheduleOptions {
        max_runs,
        named_bases,
        // The simulated platforms take listings down between crawls.
        after_run: Some(Arc::new(move |_job: &CrawlConfig| {
            hook_market.set_round((hook_market.round() + 1).min(LAST_ROUND));
        })),
    };
    // The scheduler drops its options (and the hook's handle) when it returns.
    let done = run_schedule(jobs, opts, stop).await;
    if let Ok(m) = Arc::try_unwrap(market) {
        m.shutdown().await;
    }
    Ok(done?)
}
