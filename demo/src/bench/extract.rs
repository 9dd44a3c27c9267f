//! `wildtrace bench extract`: extraction throughput (pages per second per
//! core) over a saved corpus: the fixture pages in
//! `extract/tests/fixtures/pages/` plus detail pages of the demo marketplace.
//!
//! It owns building the corpus (demo pages are fetched once from a
//! marketplace started on 127.0.0.1, before any timing) and timing the whole
//! page-to-record step on one thread: charset decoding, HTML parsing,
//! JSON-LD/microdata/OpenGraph/profile extraction, price and quantity
//! parsing, masking and pseudonyms. It must not time the network, and it
//! makes no claim beyond the machine it ran on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::market::{DemoMarket, DemoOptions};
use wildtrace_extract::corpus::{CorpusError, CorpusPage, fixture_corpus};
use wildtrace_extract::inspect::{extract_records, resolve_profile};
use wildtrace_extract::privacy::Pseudonymiser;
use wildtrace_extract::profile::SiteProfile;

/// Benchmark problems.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A corpus file could not be read or its manifest is malformed.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// A site profile of the corpus is invalid.
    #[error(transparent)]
    Profile(#[from] wildtrace_extract::config_error::ConfigError),
    /// The demo marketplace could not be started or fetched from.
    #[error("demo marketplace: {0}")]
    Demo(String),
}

/// Benchmark settings.
#[derive(Debug, Clone)]
pub struct BenchExtractOptions {
    /// Fixture pages folder (holding `pages.toml`).
    pub fixtures_dir: PathBuf,
    /// Site profiles folder (`config/sites`).
    pub sites_dir: PathBuf,
    /// Demo listings generated per site (its detail pages join the corpus).
    pub demo_listings_per_site: usize,
    /// Demo seed.
    pub seed: u64,
    /// Time the corpus repeatedly for at least this long.
    pub min_duration: Duration,
}

/// What the benchmark prints (one JSON line).
#[derive(Debug, Clone, Serialize)]
pub struct BenchExtractReport {
    /// Always `"extract"`.
    pub bench: &'static str,
    /// Pages in the corpus.
    pub corpus_pages: usize,
    /// Of which fixture pages.
    pub fixture_pages: usize,
    /// Of which demo detail pages.
    pub demo_pages: usize,
    /// Bytes in the corpus.
    pub corpus_bytes: usize,
    /// Pages extracted during timing (the corpus, repeated).
    pub pages_timed: usize,
    /// Records produced during timing.
    pub records: usize,
    /// Wall time of the timed loop, seconds.
    pub seconds: f64,
    /// Threads used for timing.
    pub threads: usize,
    /// Pages per second on one core.
    pub pages_per_second_per_core: f64,
    /// Input megabytes per second on one core.
    pub mb_per_second_per_core: f64,
}

/// Fetches every publicly reachable detail page of a demo marketplace once.
pub async fn demo_corpus(
    listings_per_site: usize,
    seed: u64,
) -> Result<Vec<CorpusPage>, BenchError> {
    let market = DemoMarket::start(DemoOptions {
        seed,
        listings_per_site,
        ..DemoOptions::default()
    })
    .await
    .map_err(|e| BenchError::Demo(e.to_string()))?;
    let client = reqwest::Client::new();
    let mut pages = Vec::new();
    let truth = market.ground_truth();
    for site in market.sites() {
        for l in truth.site_listings(&site.name) {
            if l.disallowed || !truth.visible_in_round(l, market.round()) {
                continue;
            }
            let url = site
                .base_url
                .join(&l.path)
                .map_err(|e| BenchError::Demo(e.to_string()))?;
            let resp = client
                .get(url.clone())
                .send()
                .await
                .map_err(|e| BenchError::Demo(e.to_string()))?;
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp
                .bytes()
                .await
                .map_err(|e| BenchError::Demo(e.to_string()))?
                .to_vec();
            pages.push(CorpusPage {
                url,
                content_type,
                profile: Some(site.name.clone()),
                body,
            });
        }
    }
    market.shutdown().await;
    Ok(pages)
}

/// Extracts every page of `corpus` repeatedly on this thread for at least
/// `min_duration` and reports the rate.
pub fn time_corpus(
    corpus: &[CorpusPage],
    sites_dir: &Path,
    fixture_pages: usize,
    min_duration: Duration,
) -> Result<BenchExtractReport, BenchError> {
    let mut profiles: std::collections::HashMap<String, SiteProfile> = Default::default();
    for p in corpus {
        if let Some(name) = &p.profile
            && !profiles.contains_key(name)
        {
            let prof = resolve_profile(name, Some(sites_dir))?;
            profiles.insert(name.clone(), prof);
        }
    }
    let keys = Pseudonymiser::from_key([7u8; 32]);
    let bytes: usize = corpus.iter().map(|p| p.body.len()).sum();
    let started = Instant::now();
    let mut pages = 0usize;
    let mut records = 0usize;
    while pages == 0 || started.elapsed() < min_duration {
        for p in corpus {
            let prof = p.profile.as_ref().and_then(|n| profiles.get(n));
            records += std::hint::black_box(extract_records(
                &p.body,
                p.content_type.as_deref(),
                &p.url,
                prof,
                &keys,
            ))
            .len();
            pages += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let rounds = pages / corpus.len().max(1);
    Ok(BenchExtractReport {
        bench: "extract",
        corpus_pages: corpus.len(),
        fixture_pages,
        demo_pages: corpus.len() - fixture_pages,
        corpus_bytes: bytes,
        pages_timed: pages,
        records,
        seconds: secs,
        threads: 1,
        pages_per_second_per_core: pages as f64 / secs,
        mb_per_second_per_core: (bytes * rounds) as f64 / secs / 1e6,
    })
}

/// The whole benchmark: fixtures plus demo pages, timed on one thread.
pub async fn bench_extract(opts: &BenchExtractOptions) -> Result<BenchExtractReport, BenchError> {
    let mut corpus = fixture_corpus(&opts.fixtures_dir)?;
    let fixture_pages = corpus.len();
    if opts.demo_listings_per_site > 0 {
        corpus.extend(demo_corpus(opts.demo_listings_per_site, opts.seed).await?);
    }
    let sites_dir = opts.sites_dir.clone();
    let min = opts.min_duration;
    // why: timing runs on a blocking thread so the async runtime's workers
    // (idle by now) do not share the measured core with anything we control.
    tokio::task::spawn_blocking(move || time_corpus(&corpus, &sites_dir, fixture_pages, min))
        .await
        .map_err(|e| BenchError::Demo(e.to_string()))?
}
