//! wildtrace-analysis: everything after the Parquet lake. Reads the lake
//! (contract: `data/schema/lake.toml`), classifies listings with the species
//! lexicon, and publishes the annual statistics as CSV tables, figures (PNG +
//! SVG) and a DuckDB warehouse for ad-hoc SQL.
//!
//! This crate must not depend on the crawler, on tokio or on reqwest: it has
//! no network and no clock-driven behaviour, and the lake is its only input
//! besides the lexicon. It never writes to the lake.
//!
//! Outputs of [`run`] (all written atomically, rebuilt on every run):
//! - `tables/annual_by_taxon_group.csv`: `year,taxon_group,confidence,listings,specimens`
//! - `tables/removals_by_source.csv`: `source,listings,removed,removed_share`
//! - `tables/listing_classification.csv`: one row per listing (see
//!   [`tables::CLASSIFICATION_COLUMNS`])
//! - `figures/annual_listings_by_taxon_group.png` and `.svg`
//! - `wildtrace.duckdb`: views `listings`, `fetch_log`; tables
//!   `annual_by_taxon_group`, `removals_by_source`, `listing_classification`,
//!   `provenance`

mod atomic;
pub mod error;
mod figure;
pub mod lake;
pub mod lexicon;
pub mod tables;
mod warehouse;

use std::path::PathBuf;

pub use error::AnalysisError;
pub use lexicon::{Classification, Confidence, Lexicon};
pub use warehouse::sql;

/// File names of the outputs, relative to [`AnalysisOptions::out_dir`].
pub const ANNUAL_CSV: &str = "tables/annual_by_taxon_group.csv";
pub const REMOVALS_CSV: &str = "tables/removals_by_source.csv";
pub const CLASSIFICATION_CSV: &str = "tables/listing_classification.csv";
pub const ANNUAL_PNG: &str = "figures/annual_listings_by_taxon_group.png";
pub const ANNUAL_SVG: &str = "figures/annual_listings_by_taxon_group.svg";
pub const WAREHOUSE: &str = "wildtrace.duckdb";

/// What to analyse and where to put the results.
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    /// The lake root (holds `listings/` and `fetch_log/`).
    pub lake_dir: PathBuf,
    /// Where tables, figures and the warehouse go (created if missing).
    pub out_dir: PathBuf,
    /// The species lexicon TOML (`data/reference/lexicon.toml`).
    pub lexicon_path: PathBuf,
    /// Printed at the bottom of every figure, e.g.
    /// `wildtrace demo · runs r1,r2 · 2026-11-30`.
    pub source_line: String,
}

/// What [`run`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisOutputs {
    /// The CSV tables (annual, removals, per-listing classification).
    pub tables: Vec<PathBuf>,
    /// The figures (PNG, SVG).
    pub figures: Vec<PathBuf>,
    /// The DuckDB warehouse file.
    pub warehouse: PathBuf,
    /// Rows (observations) read from the lake's listings table.
    pub observations: u64,
    /// Distinct listings.
    pub listings: u64,
    /// Listings with at least one `removed` observation.
    pub removed_listings: u64,
    /// Listings classified as decoys (excluded from the annual table).
    pub decoys: u64,
}

/// Runs the whole analysis: lake → classified listings → tables, figure,
/// warehouse.
pub fn run(opts: &AnalysisOptions) -> Result<AnalysisOutputs, AnalysisError> {
    let lexicon = Lexicon::load(&opts.lexicon_path)?;
    tracing::info!(
        lexicon = %opts.lexicon_path.display(),
        version = lexicon.version(),
        "lexicon loaded"
    );
    let listings = lake::scan_listings(&opts.lake_dir)?;
    lake::check_schema_versions(&listings, &opts.lake_dir)?;
    let t = tables::build(listings, &lexicon)?;
    tracing::info!(
        observations = t.observations,
        listings = t.listings,
        removed = t.removed,
        decoys = t.decoys,
        "listings classified"
    );

    let out = &opts.out_dir;
    atomic::ensure_dir(&out.join("tables"))?;
    atomic::ensure_dir(&out.join("figures"))?;
    let annual_csv = out.join(ANNUAL_CSV);
    let removals_csv = out.join(REMOVALS_CSV);
    let classification_csv = out.join(CLASSIFICATION_CSV);
    tables::write_csv(&t.annual, tables::ANNUAL_COLUMNS, &annual_csv)?;
    tables::write_csv(&t.removals, tables::REMOVALS_COLUMNS, &removals_csv)?;
    tables::write_csv(
        &t.classified,
        tables::CLASSIFICATION_COLUMNS,
        &classification_csv,
    )?;

    let png = out.join(ANNUAL_PNG);
    let svg = out.join(ANNUAL_SVG);
    figure::write_annual_figure(&bar_data(&t.annual)?, &opts.source_line, &png, &svg)?;

    let warehouse_path = out.join(WAREHOUSE);
    let provenance = [
        ("lexicon_version", lexicon.version().to_string()),
        ("lexicon_sha256", lexicon.sha256().to_string()),
        ("lake_schema_version", lake::SCHEMA_VERSION.to_string()),
        ("source_line", opts.source_line.clone()),
        ("observations", t.observations.to_string()),
        ("listings", t.listings.to_string()),
        ("removed_listings", t.removed.to_string()),
        ("decoys", t.decoys.to_string()),
        ("analysis_version", env!("CARGO_PKG_VERSION").to_string()),
    ];
    warehouse::build(
        &warehouse_path,
        &opts.lake_dir,
        &[
            warehouse::CsvTable {
                name: "annual_by_taxon_group",
                csv: &annual_csv,
                columns: warehouse::ANNUAL_TYPES,
            },
            warehouse::CsvTable {
                name: "removals_by_source",
                csv: &removals_csv,
                columns: warehouse::REMOVALS_TYPES,
            },
            warehouse::CsvTable {
                name: "listing_classification",
                csv: &classification_csv,
                columns: warehouse::CLASSIFICATION_TYPES,
            },
        ],
        &provenance,
    )?;
    tracing::info!(out = %out.display(), "analysis outputs written");

    Ok(AnalysisOutputs {
        tables: vec![annual_csv, removals_csv, classification_csv],
        figures: vec![png, svg],
        warehouse: warehouse_path,
        observations: t.observations,
        listings: t.listings,
        removed_listings: t.removed,
        decoys: t.decoys,
    })
}

/// Listings per year and group (confirmed + suspected) for the figure, with
/// every year between the first and the last on the axis.
fn bar_data(annual: &polars::prelude::DataFrame) -> Result<figure::BarData, AnalysisError> {
    let years = annual.column("year")?.i32()?;
    let groups = annual.column("taxon_group")?.str()?;
    let listings = annual.column("listings")?.i64()?;
    let mut data = figure::BarData::default();
    for ((y, g), n) in years.iter().zip(groups.iter()).zip(listings.iter()) {
        if let (Some(y), Some(g), Some(n)) = (y, g, n) {
            *data
                .counts
                .entry(y)
                .or_default()
                .entry(g.to_string())
                .or_default() += u64::try_from(n).unwrap_or(0);
        }
    }
    if let (Some(first), Some(last)) = (
        data.counts.keys().next().copied(),
        data.counts.keys().next_back().copied(),
    ) {
        data.years = (first..=last).collect();
    }
    Ok(data)
}
