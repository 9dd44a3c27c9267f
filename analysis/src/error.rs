//! The analysis error type: one enum for everything the analysis can fail on,
//! each variant naming the file (and, for the lexicon, line and key) at fault.
//! Owns no logic; it must not swallow or reword causes (they stay `source`s).

use std::path::PathBuf;

/// Everything that can go wrong in the analysis stage.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The species lexicon is malformed (syntax, unknown field, bad value or
    /// a reference to a taxon/group that does not exist).
    #[error("{}:{line}:{column}: lexicon key `{key}`: {message}", .path.display())]
    Lexicon {
        path: PathBuf,
        line: usize,
        column: usize,
        key: String,
        message: String,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The lake is missing, empty or does not match the contract.
    #[error("lake {}: {message}", .path.display())]
    Lake { path: PathBuf, message: String },
    /// The lake holds rows written under a contract version this analysis
    /// does not know.
    #[error(
        "lake {} holds rows with schema_version {found:?}; this analysis reads only schema_version {known} \
         (data/schema/lake.toml; listings rows of version 2 too). Upgrade wildtrace-analysis or re-crawl.",
        .path.display()
    )]
    UnknownSchemaVersion {
        path: PathBuf,
        found: Vec<i32>,
        known: i32,
    },
    /// A polars query failed.
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
    /// A DuckDB statement failed.
    #[error("duckdb ({}): {source}", .path.display())]
    DuckDb {
        path: PathBuf,
        #[source]
        source: duckdb::Error,
    },
    /// The exchange-rates file is malformed (ECB `eurofxref-hist.csv` format).
    #[error("{}:{line}: rates: {message}", .path.display())]
    Rates {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A reference file (the places gazetteer) is malformed.
    #[error("{}: {message}", .path.display())]
    Reference { path: PathBuf, message: String },
    /// A spreadsheet could not be written.
    #[error("xlsx {}: {message}", .path.display())]
    Xlsx { path: PathBuf, message: String },
    /// A published table does not match the output contract, or a
    /// published file could not be read back.
    #[error("table {}: {message}", .path.display())]
    Table { path: PathBuf, message: String },
    /// A figure could not be drawn.
    #[error("figure {}: {message}", .path.display())]
    Figure { path: PathBuf, message: String },
    /// A report was asked for a year without listings (or the run found none).
    #[error("{message}")]
    NoReportYear { message: String },
    /// An export was asked for in a way that cannot be done (a non-empty
    /// target without `--force`, no recipient, a bad key file).
    #[error("{message}")]
    ExportUsage { message: String },
    /// An output folder lacks what a command reads (run `analyse` first).
    #[error("{}: no such {what}", .path.display())]
    MissingInput { path: PathBuf, what: String },
}

impl AnalysisError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AnalysisError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn duckdb(path: impl Into<PathBuf>, source: duckdb::Error) -> Self {
        AnalysisError::DuckDb {
            path: path.into(),
            source,
        }
    }
}

impl AnalysisError {
    /// Whether the error is the user's input (a malformed lexicon, rates file
    /// or gazetteer, a missing input, a year without data) rather than a
    /// failed run; the CLI exits with 2 for these.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            AnalysisError::Lexicon { .. }
                | AnalysisError::Rates { .. }
                | AnalysisError::Reference { .. }
                | AnalysisError::NoReportYear { .. }
                | AnalysisError::MissingInput { .. }
                | AnalysisError::ExportUsage { .. }
        )
    }
}
