//! `wildtrace bench annual`: the annual statistics over a synthetic
//! per-listing table, once with the analysis crate's polars code and once
//! with the same aggregates in DuckDB SQL, each in a fresh child process of
//! the calling binary (`bench annual-worker`), so each engine's peak memory
//! is its own.
//!
//! It owns generating (or reusing) the table, timing the children and
//! checking that both engines agree. It must not compute statistics itself.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use wildtrace_analysis::bench;

/// Failures of the harness.
#[derive(Debug, thiserror::Error)]
pub enum AnnualBenchError {
    /// Generating the synthetic table failed.
    #[error(transparent)]
    Analysis(#[from] wildtrace_analysis::AnalysisError),
    /// A worker could not be run or printed something unreadable.
    #[error("{engine} worker: {message}")]
    Worker {
        /// `polars` or `duckdb`.
        engine: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The engines' results differ (the report is attached).
    #[error("polars and DuckDB disagree: {0}")]
    Disagree(Value),
}

/// Generates (or reuses) `listings` synthetic listings under `dir`, runs
/// each engine as `<exe> --log warn bench annual-worker --engine E --dir D`,
/// and returns the one-line JSON report.
pub fn run(exe: &Path, listings: u64, dir: &Path) -> Result<Value, AnnualBenchError> {
    let data = bench::synthetic_dir(dir, listings);
    let started = Instant::now();
    let files = bench::generate(&data, listings, 2026)?;
    let generate_s = started.elapsed().as_secs_f64();
    let mut runs = Vec::new();
    for engine in ["polars", "duckdb"] {
        let fail = |message: String| AnnualBenchError::Worker { engine, message };
        let t = Instant::now();
        let out = std::process::Command::new(exe)
            .args(["--log", "warn", "bench", "annual-worker"])
            .args(["--engine", engine, "--dir"])
            .arg(&data)
            .output()
            .map_err(|e| fail(e.to_string()))?;
        let wall_s = t.elapsed().as_secs_f64();
        if !out.status.success() {
            return Err(fail(format!(
                "failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let mut v: Value =
            serde_json::from_slice(&out.stdout).map_err(|e| fail(format!("output: {e}")))?;
        v["wall_s"] = json!((wall_s * 1000.0).round() / 1000.0);
        runs.push(v);
    }
    let same = runs[0]["rows"] == runs[1]["rows"]
        && runs[0]["listings_sum"] == runs[1]["listings_sum"]
        && runs[0]["value_cents_sum"] == runs[1]["value_cents_sum"];
    let report = json!({
        "bench": "annual",
        "listings": listings,
        "files": files.len(),
        "generate_s": (generate_s * 1000.0).round() / 1000.0,
        "same_result": same,
        "polars": runs[0],
        "duckdb": runs[1],
    });
    if same {
        Ok(report)
    } else {
        Err(AnnualBenchError::Disagree(report))
    }
}
