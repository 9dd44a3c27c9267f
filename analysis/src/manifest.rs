//! The run manifest `manifest.json`: what an analysis run read and wrote,
//! with SHA-256 hashes, so a published number can be traced to the exact
//! lake files, lexicon, rates, gazetteer, settings and code that produced it.
//!
//! It owns the manifest layout and hashing. It must not read a clock (the
//! same inputs give a byte-identical manifest) or decide what the outputs are.

use std::path::{Path, PathBuf};

use serde::Serialize;
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
    pub rates: Reference,
    pub places: Reference,
    /// Hash of the effective analysis settings (`config` below, as canonical JSON).
    pub config_sha256: String,
    pub config: serde_json::Value,
    /// Other inputs named by the caller (the crawl job config, for example).
    pub extra_inputs: Vec<FileHash>,
    /// Every output file, relative to the output folder (the manifest itself excluded).
    pub outputs: Vec<FileHash>,
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
