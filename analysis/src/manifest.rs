//! The run manifest `manifest.json`: what an analysis run read and wrote,
//! with SHA-256 hashes, so a published number can be traced to the exact
//! lake files, lexicon, rate sources, gazetteer, settings and code that
//! produced it; and the run's counts of listings dated by first sighting and
//! of prices not converted, by reason and currency.
//!
//! It owns the manifest layout and hashing. It must not read a clock (the
//! same inputs give a byte-identical manifest) or decide what the outputs are.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::atomic::write_atomic;
use crate::error::AnalysisError;

/// Manifest layout version.
pub const MANIFEST_VERSION: u32 = 1;

/// One hashed file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileHash {
    /// Path relative to the folder it belongs to (lake root or output folder),
    /// or as given for reference files.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A versioned reference file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reference {
    pub path: String,
    pub version: Option<String>,
    pub sha256: String,
}

/// The code that ran.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Code {
    pub crate_name: &'static str,
    pub crate_version: &'static str,
    /// `git rev-parse HEAD` when the crate was built (analysis/build.rs; the
    /// build does not see uncommitted edits), or null outside a git checkout.
    pub git_commit: Option<&'static str>,
}

/// The whole manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub code: Code,
    /// The lake root as given, and every listings/fetch_log Parquet file.
    pub lake_dir: String,
    pub lake_files: Vec<FileHash>,
    pub lexicon: Reference,
    /// The first (highest-precedence) rate source, as in earlier manifests;
    /// every source is in `rate_sources`.
    pub rates: Reference,
    /// Every rate source, in order of precedence.
    pub rate_sources: Vec<RateSourceRecord>,
    pub places: Reference,
    /// Hash of the effective analysis settings (`config` below, as canonical JSON).
    pub config_sha256: String,
    pub config: serde_json::Value,
    /// Other inputs named by the caller (the crawl job config, for example).
    pub extra_inputs: Vec<FileHash>,
    /// Every output file, relative to the output folder (the manifest itself excluded).
    pub outputs: Vec<FileHash>,
    /// What the run counted: dating and unconverted prices.
    pub counts: RunCounts,
}

/// One rate source of a run, as the manifest, the summary and the report name it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RateSourceRecord {
    /// 1 for the first `--rates` file (`listing_facts.rate_source`).
    pub precedence: usize,
    /// The path as given.
    pub path: String,
    pub file_name: String,
    pub bytes: u64,
    pub sha256: String,
    /// The table's first and last day (`YYYY-MM-DD`).
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// Currencies with any rate (plus EUR).
    pub currencies: Vec<String>,
    /// Marked `# status: illustrative`: invented rates, not real ones.
    pub illustrative: bool,
    /// Listings whose price this source converted.
    pub listings_converted: u64,
}

impl RateSourceRecord {
    /// `eurofxref-hist.zip (1999-01-04 to 2026-04-13, SHA-256 1a2b3c4d5e6f)`.
    pub fn label(&self) -> String {
        format!(
            "{} ({} to {}, SHA-256 {}{})",
            self.file_name,
            self.first_date.as_deref().unwrap_or("?"),
            self.last_date.as_deref().unwrap_or("?"),
            self.sha256.get(..12).unwrap_or(&self.sha256),
            if self.illustrative {
                ", ILLUSTRATIVE rates, not real ones"
            } else {
                ""
            }
        )
    }
}

/// Listings not converted, for one reason and currency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UnconvertedCount {
    pub reason: String,
    pub currency: Option<String>,
    pub listings: u64,
}

/// What the run counted about dates and money (every listing, decoys included).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunCounts {
    pub listings: u64,
    /// Listings dated by their stated posting date.
    pub dated_by_posted_date: u64,
    /// Listings without one, dated by their first sighting.
    pub dated_by_first_seen: u64,
    /// Listings whose price has a USD value.
    pub converted: u64,
    /// Listings whose price has none (no price, or no rate).
    pub unconverted: u64,
    pub unconverted_by_reason: BTreeMap<String, u64>,
    pub unconverted_by_currency: Vec<UnconvertedCount>,
}

/// The rate sources of a run and its rate window, as the report shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSettings {
    pub sources: Vec<RateSourceRecord>,
    pub window_days: u32,
}

/// The rate sources and window recorded in the `manifest.json` of
/// `out_dir`, if it has them.
pub fn read_rate_settings(out_dir: &Path) -> Result<Option<RateSettings>, AnalysisError> {
    let path = out_dir.join(crate::outputs::MANIFEST);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(|e| AnalysisError::io(&path, e))?;
    let bad = |e: serde_json::Error| AnalysisError::Table {
        path: path.clone(),
        message: format!("manifest rate_sources: {e}"),
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(bad)?;
    let Some(r) = v.get("rate_sources") else {
        return Ok(None);
    };
    let window_days = v["config"]["fx"]["rate_window_days"]
        .as_u64()
        .and_then(|w| u32::try_from(w).ok())
        .unwrap_or(crate::fx::DEFAULT_RATE_WINDOW_DAYS);
    Ok(Some(RateSettings {
        sources: serde_json::from_value(r.clone()).map_err(bad)?,
        window_days,
    }))
}
/// The code version compiled in.
pub fn code() -> Code {
    Code {
        crate_name: env!("CARGO_PKG_NAME"),
        crate_version: env!("CARGO_PKG_VERSION"),
        git_commit: option_env!("WILDTRACE_GIT_COMMIT").filter(|s| !s.is_empty()),
    }
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hashes one file, naming it `name`.
pub fn hash_file(path: &Path, name: String) -> Result<FileHash, AnalysisError> {
    let bytes = std::fs::read(path).map_err(|e| AnalysisError::io(path, e))?;
    Ok(FileHash {
        path: name,
        bytes: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    })
}

/// Hashes every file in `files`, naming each relative to `root`.
pub fn hash_files(root: &Path, files: &[PathBuf]) -> Result<Vec<FileHash>, AnalysisError> {
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let name = f
            .strip_prefix(root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        out.push(hash_file(f, name)?);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Writes the manifest as pretty JSON, atomically.
pub fn write(path: &Path, manifest: &Manifest) -> Result<(), AnalysisError> {
    let mut json = serde_json::to_vec_pretty(manifest).map_err(|e| {
        AnalysisError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })?;
    json.push(b'\n');
    write_atomic(path, &json)
}
