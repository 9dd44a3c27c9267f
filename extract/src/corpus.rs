//! Saved pages: a folder of pages as fetched, described by a `pages.toml`
//! manifest (file, URL it was fetched from, site profile, what it is). The
//! extraction fixtures and the extraction benchmark are such folders, and so
//! is any corpus a researcher keeps to re-extract after a profile changes.
//!
//! It owns reading the manifest and the pages. It must not extract anything.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

/// A corpus file could not be read, or its manifest is malformed.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct CorpusError {
    /// The file.
    pub path: PathBuf,
    /// Cause.
    pub message: String,
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
pub fn load_manifest(dir: &Path) -> Result<Manifest, CorpusError> {
    let path = dir.join("pages.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| CorpusError {
        path: path.clone(),
        message: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| CorpusError {
        path,
        message: e.to_string(),
    })
}

/// Reads the fixture pages listed in `pages.toml`.
pub fn fixture_corpus(dir: &Path) -> Result<Vec<CorpusPage>, CorpusError> {
    let manifest = load_manifest(dir)?;
    manifest
        .page
        .iter()
        .map(|p| {
            let path = dir.join(&p.file);
            let body = std::fs::read(&path).map_err(|e| CorpusError {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let url = Url::parse(&p.url).map_err(|e| CorpusError {
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
