//! Crawl state between runs: the run counter, the listing registry that
//! drives revisits and the active/changed/removed lifecycle, and the
//! robots.txt cache (the crawler decides freshness; this only stores it).
//!
//! It owns the state files under `data/state/<job>/` and writes them
//! atomically (temp file, fsync, rename). It must not touch the lake.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// State file failures.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// File system trouble.
    #[error("state file {}: {source}", path.display())]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not what we wrote.
    #[error("state file {}: {message}", path.display())]
    Corrupt {
        /// File.
        path: PathBuf,
        /// Cause.
        message: String,
    },
}

/// What we know of one listing across runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KnownListing {
    /// Source (site) name.
    pub source: String,
    /// Stable listing id.
    pub listing_id: String,
    /// URL to revisit, as first found.
    pub url: String,
    /// Hash of title, description and price text at the last active sighting.
    pub content_hash: String,
    /// Run of the first sighting.
    pub first_seen_run: String,
    /// Run of the last sighting as active or changed.
    pub last_active_run: String,
    /// Run in which it was observed removed, if any.
    pub removed_run: Option<String>,
}

/// The registry: canonical URL → listing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registry {
    /// Next run counter.
    pub next_run: u64,
    /// Known listings by canonical URL.
    pub listings: BTreeMap<String, KnownListing>,
}

impl Registry {
    /// The registry file of a state folder.
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("registry.json")
    }

    /// Loads the registry, or an empty one on first run.
    pub fn load(state_dir: &Path) -> Result<Registry, StateError> {
        load_json(&Self::path(state_dir))
    }

    /// Saves atomically.
    pub fn save(&self, state_dir: &Path) -> Result<(), StateError> {
        save_json(&Self::path(state_dir), self)
    }

    /// Listings of a source that are still believed to be online.
    pub fn revisits(&self, source: &str) -> Vec<(String, KnownListing)> {
        self.listings
            .iter()
            .filter(|(_, l)| l.source == source && l.removed_run.is_none())
            .map(|(k, l)| (k.clone(), l.clone()))
            .collect()
    }
}

/// Reads a JSON state file; a missing file is the default (first run).
fn load_json<T: Default + serde::de::DeserializeOwned>(path: &Path) -> Result<T, StateError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(StateError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a JSON state file atomically.
fn save_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StateError> {
    let json = serde_json::to_vec_pretty(value).expect("state serialises");
    write_atomically(path, &json).map_err(|source| StateError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Temp file in the same folder, fsync, rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// One authority's last robots.txt answer worth keeping (2xx or 4xx).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CachedRobots {
    /// HTTP status of the answer.
    pub status: u16,
    /// Body (at most the parsed 500 KiB, as UTF-8 text).
    pub body: String,
    /// When it was fetched.
    pub fetched_at: chrono::DateTime<chrono::Utc>,
    /// Until when it may be used without fetching again (at most 24 h).
    pub fresh_until: chrono::DateTime<chrono::Utc>,
}

/// robots.txt answers by origin (`scheme://host:port`), kept between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RobotsCache {
    /// Cached answers by origin.
    pub origins: BTreeMap<String, CachedRobots>,
    /// When we last sent a request to each origin, so that the next run keeps
    /// the delay too, however soon it starts.
    #[serde(default)]
    pub last_request: BTreeMap<String, chrono::DateTime<chrono::Utc>>,
}

impl RobotsCache {
    /// The cache file of a state folder.
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("robots.json")
    }

    /// Loads the cache, or an empty one.
    pub fn load(state_dir: &Path) -> Result<RobotsCache, StateError> {
        load_json(&Self::path(state_dir))
    }

    /// Saves atomically.
    pub fn save(&self, state_dir: &Path) -> Result<(), StateError> {
        save_json(&Self::path(state_dir), self)
    }
}
