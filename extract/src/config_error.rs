//! Configuration errors pinned to a file, a line and a dotted key, shared by
//! every TOML file a researcher writes (crawl jobs, site profiles, data
//! tables of this crate).
//!
//! It owns turning toml/serde failures into one-line, located messages. It
//! must not validate anything itself.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// A configuration problem, always pinned to a file, line and key.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: `{key}`: {message}", path.display())]
pub struct ConfigError {
    /// The offending file.
    pub path: PathBuf,
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// Dotted key, e.g. `identity.contact`.
    pub key: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl ConfigError {
    pub fn at(
        path: &Path,
        text: &str,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            path: path.to_path_buf(),
            line: line_of(text, span.start),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// Turns a toml/serde error into a located one; the key is read from the
    /// message (`unknown field `x``, `missing field `x``) or the span's text.
    pub fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let message = err.message().trim().to_string();
        let span = err.span().unwrap_or(0..0);
        let names_field = [
            "unknown field",
            "missing field",
            "duplicate key",
            "duplicate field",
        ]
        .iter()
        .any(|p| message.starts_with(p));
        let key = names_field
            .then(|| backticked(&message))
            .flatten()
            .or_else(|| key_at(text, span.start))
            .map(|k| qualified(text, span.start, k))
            .unwrap_or_else(|| "(document)".to_string());
        ConfigError {
            path: path.to_path_buf(),
            line: line_of(text, span.start),
            key,
            message,
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// The key written at the start of the line holding `offset`, if any.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty()).then(|| key.to_string())
}

/// `key` under the table that holds `offset`: `speed` in `[politeness]`
/// is `politeness.speed`, `exclude` in the second `[sites.follow]` is
/// `sites[1].follow.exclude` (array tables are numbered from 0).
fn qualified(text: &str, offset: usize, key: String) -> String {
    let offset = offset.min(text.len());
    let upto = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut arrays: Vec<(String, usize)> = Vec::new();
    let mut table: Option<String> = None;
    for line in text[..upto].lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            let name = name.trim().to_string();
            let n = match arrays.iter_mut().find(|(a, _)| *a == name) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    arrays.push((name.clone(), 0));
                    0
                }
            };
            table = Some(format!("{name}[{n}]"));
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let name = name.trim();
            let under_array = arrays.iter().find_map(|(a, n)| {
                name.strip_prefix(a.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
                    .map(|rest| format!("{a}[{n}].{rest}"))
            });
            table = Some(under_array.unwrap_or_else(|| name.to_string()));
        }
    }
    match table {
        Some(t) if !key.starts_with(&format!("{t}.")) && key != t => format!("{t}.{key}"),
        _ => key,
    }
}

/// Reads a file, mapping I/O failure to a located error.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: 0,
        key: "(file)".into(),
        message: format!("cannot read: {e}"),
    })
}
