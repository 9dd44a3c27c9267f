//! Atomic file output: every file the analysis publishes is written to a
//! temporary file in the same directory, fsynced, then renamed over the
//! target, so a reader sees the old file or the new one, never half of one.
//!
//! It owns only the temp-name convention and the write/rename dance; it must
//! not decide what is written or where.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::AnalysisError;

/// A temporary sibling of `target`: `.<file name>.<pid>.tmp<suffix>` (the
/// suffix keeps an extension some writers need, e.g. `.png`).
pub(crate) fn temp_sibling(target: &Path, suffix: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    target.with_file_name(format!(".{name}.{}.tmp{suffix}", std::process::id()))
}

/// Makes sure `dir` exists.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), AnalysisError> {
    std::fs::create_dir_all(dir).map_err(|e| AnalysisError::io(dir, e))
}

/// Writes `bytes` to `target` atomically.
pub(crate) fn write_atomic(target: &Path, bytes: &[u8]) -> Result<(), AnalysisError> {
    let tmp = temp_sibling(target, "");
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| AnalysisError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| AnalysisError::io(&tmp, e))?;
        f.sync_all().map_err(|e| AnalysisError::io(&tmp, e))?;
        drop(f);
        commit(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Fsyncs an already written temporary file and renames it over `target`.
pub(crate) fn commit(tmp: &Path, target: &Path) -> Result<(), AnalysisError> {
    let f = std::fs::File::open(tmp).map_err(|e| AnalysisError::io(tmp, e))?;
    f.sync_all().map_err(|e| AnalysisError::io(tmp, e))?;
    drop(f);
    std::fs::rename(tmp, target).map_err(|e| AnalysisError::io(target, e))?;
    if let Some(dir) = target.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}
