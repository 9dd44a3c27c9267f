//! `wildtrace bench extract`: extraction throughput (pages per second per
//! core) over a saved corpus: the fixture pages in
//! `crawler/tests/fixtures/pages/` plus detail pages of the demo marketplace.
//!
//! It owns building the corpus (demo pages are fetched once from a
//! marketplace started on 127.0.0.1, before any timing) and timing the whole
//! page-to-record step on one thread: charset decoding, HTML parsing,
//! JSON-LD/microdata/OpenGraph/profile extraction, price and quantity
//! parsing, masking and pseudonyms. It must not time the network, and it
//! makes no claim beyond the machine it ran on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::demo::{DemoMarket, DemoOptions};
use crate::inspect::{extract_records, resolve_profile};
use crate::privacy::Pseudonymiser;
use crate::profile::SiteProfile;

/// Benchmark problems.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A corpus file could not be read or its manifest is malformed.
    #[error("{}: {message}", path.display())]
    Corpus {
        /// The file.
        path: PathBuf,
        /// Cause.
        message: String,
    },
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

/// One page of the corpus, with how to extract it.
#[derive(Debug, Clone)]
pub struct CorpusPage {
    /// Page URL.
    pub url: Url,
    /// Content-Type it was served with (fixtures: none, decoded by sniffing).
    pub content_type: Option<String>,
    /// Profile name, if any.
    pub profile: Option<String>,
    /// Raw body bytes.
    pub body: Vec<u8>,
}

/// The fixture manifest `pages.toml`.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    /// One entry per fixture page.
    pub page: Vec<ManifestPage>,
}

/// One fixture page.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestPage {
    /// File name in the pages folder.
    pub file: String,
    /// URL it is extracted as.
    pub url: String,
    /// Site profile (name in `config/sites` or a path).
    #[serde(default)]
    pub profile: Option<String>,
    /// What the page is, for people reading the manifest.
    #[serde(default)]
    pub about: Option<String>,
}

/// Reads `<dir>/pages.toml`.
pub fn load_manifest(dir: &Path) -> Result<Manifest, BenchError> {
    let path = dir.join("pages.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| BenchError::Corpus {
        path: path.clone(),
        message: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| BenchError::Corpus {
        path,
        message: e.to_string(),
    })
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

/// Reads the fixture pages listed in `pages.toml`.
pub fn fixture_corpus(dir: &Path) -> Result<Vec<CorpusPage>, BenchError> {
    let manifest = load_manifest(dir)?;
    manifest
        .page
        .iter()
        .map(|p| {
            let path = dir.join(&p.file);
            let body = std::fs::read(&path).map_err(|e| BenchError::Corpus {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let url = Url::parse(&p.url).map_err(|e| BenchError::Corpus {
                path: dir.join("pages.toml"),
                message: format!("{}: url: {e}", p.file),
            })?;
            Ok(CorpusPage {
                url,
                content_type: None,
                profile: p.profile.as_ref().map(|n| profile_ref(dir, n)),
                body,
            })
        })
        .collect()
}

/// A manifest's profile: a `.toml` path is relative to the fixtures folder,
/// anything else names `config/sites/<name>.toml`.
pub fn profile_ref(dir: &Path, name: &str) -> String {
    if name.ends_with(".toml") {
        dir.join(name).display().to_string()
    } else {
        name.to_string()
    }
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
    let truth = market.ground_truth().clone();
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
            let prof = resolve_profile(name, sites_dir).map_err(|e| BenchError::Corpus {
                path: sites_dir.join(name),
                message: e.to_string(),
            })?;
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
