//! The crawl half of the main job: start the embedded demo marketplace,
//! crawl it round after round with a normal crawl config (its `demo:<site>`
//! base URLs resolved to the market's ports), and hand back what happened.
//!
//! It owns the round loop and the reset of the demo's own data folder. It
//! must not analyse anything, and must never touch a data folder that is not
//! the demo's.

use std::collections::BTreeMap;
use std::path::Path;

use tracing::info;

use crate::market::{DemoMarket, DemoOptions, GroundTruth, RequestRecord};
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::crawl::{
    CrawlError, CrawlOptions, CrawlOutcome, ProgressSink, crawl_with, resolve_bases,
};

/// What the demo crawl did.
#[derive(Debug)]
pub struct DemoCrawl {
    /// One outcome per round.
    pub rounds: Vec<CrawlOutcome>,
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
    for sub in ["lake", "state", "keys"] {
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

/// Starts the market, crawls `rounds` rounds, stops the market.
pub async fn crawl_demo(
    cfg: &CrawlConfig,
    market_opts: DemoOptions,
    rounds: u32,
) -> Result<DemoCrawl, DemoError> {
    crawl_demo_with(cfg, market_opts, rounds, None).await
}

/// [`crawl_demo`], reporting each round's progress to `progress`.
pub async fn crawl_demo_with(
    cfg: &CrawlConfig,
    market_opts: DemoOptions,
    rounds: u32,
    progress: Option<ProgressSink>,
) -> Result<DemoCrawl, DemoError> {
    reset_demo_data(&cfg.data_dir)?;
    let market = DemoMarket::start(market_opts)
        .await
        .map_err(DemoError::Market)?;
    let demo_bases: BTreeMap<String, url::Url> = market
        .sites()
        .into_iter()
        .map(|s| (s.name, s.base_url))
        .collect();
    let bases = resolve_bases(cfg, &demo_bases)?;
    let mut outcomes = Vec::new();
    for round in 1..=rounds {
        market.set_round(round);
        info!(round, "demo crawl round");
        let opts = CrawlOptions {
            progress: progress.clone(),
            ..Default::default()
        };
        outcomes.push(crawl_with(cfg, &bases, opts).await?);
    }
    let ground_truth = market.ground_truth();
    let requests = market.requests();
    market.shutdown().await;
    Ok(DemoCrawl {
        rounds: outcomes,
        ground_truth,
        requests,
    })
}
