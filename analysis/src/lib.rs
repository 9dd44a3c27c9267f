//! wildtrace-analysis: everything after the Parquet lake. Reads the lake
//! (contract: `data/schema/lake.toml`), classifies listings with the species
//! lexicon, converts prices with ECB reference rates, reads seller countries
//! and destinations, follows each listing's lifecycle, and publishes the
//! annual statistics as CSV, Parquet and XLSX tables, figures (PNG + SVG), a
//! DuckDB warehouse for ad-hoc SQL and a run manifest.
//!
//! This crate must not depend on the crawler, on tokio or on reqwest: it has
//! no network and no clock-driven behaviour, and the lake is its only input
//! besides the reference files. It never writes to the lake.
//!
//! Outputs of [`run`] under the output folder (all written atomically,
//! rebuilt on every run). Table and column names are stable: the figures and
//! the report read them.
//! - `tables/annual_by_taxon_group.csv`: `year,taxon_group,confidence,listings,specimens`
//! - `tables/removals_by_source.csv`: `source,listings,removed,removed_share`
//!   (all listings of a platform, decoys included)
//! - `tables/listing_classification.csv`: one row per listing (see
//!   [`tables::CLASSIFICATION_COLUMNS`])
//! - `tables/<name>.csv` and `tables/<name>.parquet` for each of
//!   [`STAT_TABLES`] (columns, in order, in `tables::*_COLUMNS`):
//!   - `annual_stats` ([`tables::ANNUAL_STATS_COLUMNS`]): per `year` ×
//!     `dimension` (all, taxon, taxon_group, cites_appendix, product_type,
//!     platform, seller_country) × `key` × `confidence` (confirmed,
//!     suspected): listings, specimens, sellers, priced_listings,
//!     implausible_prices, unpriced_listings, total_value_usd,
//!     median_value_usd, removed, removed_share, listings_prev_year,
//!     listings_yoy_change
//!   - `routes` ([`tables::ROUTES_COLUMNS`]): `year, origin, destination,
//!     confidence, listings, specimens, rank`
//!   - `removal_rates` ([`tables::REMOVAL_RATES_COLUMNS`]): per `group_kind`
//!     (all, platform, taxon_group) × `group`: listings, removed, removed
//!     within 7/30/90 days, Kaplan–Meier removed-by-7/30/90-day shares
//!   - `km_curves` ([`tables::KM_COLUMNS`]): Kaplan–Meier steps `group_kind,
//!     group, time_days, at_risk, events, censored, survival`
//!   - `monthly_counts` ([`tables::MONTHLY_COLUMNS`]): `kind` (term, taxon,
//!     platform), `key`, `month` (YYYY-MM), `listings`
//!   - `emerging_trends` ([`tables::TRENDS_COLUMNS`]): flagged months with
//!     `listings, baseline_mean, baseline_months, z, p_value`
//!   - `listing_facts` ([`tables::FACTS_COLUMNS`]): one row per listing with
//!     every derived fact (classification, CITES appendix, price in EUR/USD
//!     with rate date and `price_flag`, seller country, destinations, lifecycle)
//! - `tables/definitions.csv` and `tables/annual_statistics.xlsx` (one sheet
//!   per table except `listing_facts`, plus `definitions`)
//! - `figures/*.png|svg` and `figures/index.json` (the `figure` module)
//! - `wildtrace.duckdb`: views `listings`, `fetch_log`; tables
//!   `annual_by_taxon_group`, `removals_by_source`, `listing_classification`,
//!   every table of [`STAT_TABLES`], and `provenance`
//! - `manifest.json`: input lake files, lexicon, rates, gazetteer and extra
//!   inputs with SHA-256, the settings and their hash, the code version and
//!   every output's hash ([`manifest::Manifest`])

mod atomic;
pub mod bench;
pub mod error;
mod figure;
pub mod fx;
pub mod lake;
pub mod lexicon;
pub mod manifest;
pub mod places;
pub mod report;
pub mod tables;
pub mod takedown;
pub mod trends;
mod warehouse;
mod xlsx;

use std::path::{Path, PathBuf};

pub use error::AnalysisError;
pub use lexicon::{Classification, Confidence, Lexicon};
pub use warehouse::sql;

/// File names of the outputs, relative to [`AnalysisOptions::out_dir`].
pub const ANNUAL_CSV: &str = "tables/annual_by_taxon_group.csv";
pub const REMOVALS_CSV: &str = "tables/removals_by_source.csv";
pub const CLASSIFICATION_CSV: &str = "tables/listing_classification.csv";
pub const DEFINITIONS_CSV: &str = "tables/definitions.csv";
pub const XLSX: &str = "tables/annual_statistics.xlsx";
pub const ANNUAL_PNG: &str = "figures/annual_listings_by_taxon_group.png";
pub const ANNUAL_SVG: &str = "figures/annual_listings_by_taxon_group.svg";
pub const WAREHOUSE: &str = "wildtrace.duckdb";
pub const MANIFEST: &str = "manifest.json";

/// The statistics tables written as `tables/<name>.csv` and `.parquet` and
/// loaded into the warehouse under the same name.
pub const STAT_TABLES: &[&str] = &[
    "annual_stats",
    "routes",
    "removal_rates",
    "km_curves",
    "monthly_counts",
    "emerging_trends",
    "listing_facts",
];

/// Default reference files, relative to the repository root.
pub const DEFAULT_LEXICON: &str = "data/reference/lexicon.toml";
pub const DEFAULT_RATES: &str = "data/reference/eurofxref-demo-illustrative.csv";
pub const DEFAULT_PLACES: &str = "data/reference/places.toml";

/// What to analyse and where to put the results.
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    /// The lake root (holds `listings/` and `fetch_log/`).
    pub lake_dir: PathBuf,
    /// Where tables, figures and the warehouse go (created if missing).
    pub out_dir: PathBuf,
    /// The species lexicon TOML (`data/reference/lexicon.toml`).
    pub lexicon_path: PathBuf,
    /// ECB reference rates: `eurofxref-hist.csv` or the ECB's `.zip` of it.
    pub rates_path: PathBuf,
    /// The places gazetteer (`data/reference/places.toml`).
    pub places_path: PathBuf,
    /// Further inputs to hash into the manifest (e.g. the crawl job config).
    pub extra_inputs: Vec<PathBuf>,
    /// Printed at the bottom of every figure, e.g.
    /// `wildtrace demo · runs r1,r2 · 2026-11-30`.
    pub source_line: String,
}

impl AnalysisOptions {
    /// Options with the reference files at their default places under `repo`.
    pub fn new(lake_dir: PathBuf, out_dir: PathBuf, repo: &Path, source_line: String) -> Self {
        AnalysisOptions {
            lake_dir,
            out_dir,
            lexicon_path: repo.join(DEFAULT_LEXICON),
            rates_path: repo.join(DEFAULT_RATES),
            places_path: repo.join(DEFAULT_PLACES),
            extra_inputs: Vec::new(),
            source_line,
        }
    }
}

/// What [`run`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisOutputs {
    /// The CSV tables (annual, removals, per-listing classification, then
    /// [`STAT_TABLES`] in order, then the definitions).
    pub tables: Vec<PathBuf>,
    /// The Parquet tables ([`STAT_TABLES`] in order).
    pub parquet: Vec<PathBuf>,
    /// The XLSX workbook.
    pub xlsx: PathBuf,
    /// The figures (PNG, SVG).
    pub figures: Vec<PathBuf>,
    /// The DuckDB warehouse file.
    pub warehouse: PathBuf,
    /// The run manifest.
    pub manifest: PathBuf,
    /// Rows (observations) read from the lake's listings table.
    pub observations: u64,
    /// Distinct listings.
    pub listings: u64,
    /// Listings with at least one `removed` observation.
    pub removed_listings: u64,
    /// Listings classified as decoys (excluded from the annual table).
    pub decoys: u64,
    /// Listings whose price is a placeholder or an outlier (kept out of value totals).
    pub implausible_prices: u64,
}

impl std::fmt::Display for AnalysisOutputs {
    /// The lines `demo` and `analyse` print about what was written.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "  analysed:  {} observations of {} listings ({} removed, {} decoys left out)",
            self.observations, self.listings, self.removed_listings, self.decoys
        )?;
        writeln!(
            f,
            "  prices:    {} implausible (placeholders or outliers, left out of value totals)",
            self.implausible_prices
        )?;
        for t in &self.tables {
            writeln!(f, "  table:     {}", t.display())?;
        }
        if let Some(dir) = self.parquet.first().and_then(|p| p.parent()) {
            writeln!(
                f,
                "  parquet:   {} tables in {}",
                self.parquet.len(),
                dir.display()
            )?;
        }
        writeln!(f, "  xlsx:      {}", self.xlsx.display())?;
        for fig in &self.figures {
            writeln!(f, "  figure:    {}", fig.display())?;
        }
        writeln!(f, "  warehouse: {}", self.warehouse.display())?;
        writeln!(f, "  manifest:  {}", self.manifest.display())
    }
}

/// The effective settings of the analysis rules, hashed into the manifest.
fn settings() -> serde_json::Value {
    serde_json::json!({
        "fx": {
            "max_staleness_days": fx::MAX_STALENESS_DAYS,
            "placeholder_amounts": fx::PLACEHOLDER_AMOUNTS,
            "mad_fence": fx::MAD_FENCE,
            "mad_min_n": fx::MAD_MIN_N,
            "rounding": "half-to-even; EUR/USD 4 places, value totals in cents",
        },
        "trends": {
            "baseline_months": trends::BASELINE_MONTHS,
            "min_history_months": trends::MIN_HISTORY_MONTHS,
            "min_count": trends::MIN_COUNT,
            "alpha": trends::ALPHA,
            "lambda_floor": trends::LAMBDA_FLOOR,
        },
        "takedown": { "windows_days": [7, 30, 90], "clock": "first_seen to removed_at" },
        "lake_schema_version": lake::SCHEMA_VERSION,
    })
}

/// Runs the whole analysis: lake → classified listings → tables, figures,
/// warehouse, manifest.
pub fn run(opts: &AnalysisOptions) -> Result<AnalysisOutputs, AnalysisError> {
    let lexicon = Lexicon::load(&opts.lexicon_path)?;
    tracing::info!(
        lexicon = %opts.lexicon_path.display(),
        version = lexicon.version(),
        "lexicon loaded"
    );
    let cites = tables::cites_appendices(&opts.lexicon_path)?;
    let rates = fx::Rates::load(&opts.rates_path)?;
    let places = places::Gazetteer::load(&opts.places_path)?;
    let listings = lake::scan_listings(&opts.lake_dir)?;
    lake::check_schema_versions(&listings, &opts.lake_dir)?;
    let t = tables::build(
        listings,
        &lexicon,
        &tables::Reference {
            rates: &rates,
            places: &places,
            cites: &cites,
        },
    )?;
    tracing::info!(
        observations = t.observations,
        listings = t.listings,
        removed = t.removed,
        decoys = t.decoys,
        implausible_prices = t.implausible_prices,
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
    type StatTable<'a> = (&'a str, &'a polars::prelude::DataFrame, &'a [&'a str]);
    let stat: Vec<StatTable<'_>> = vec![
        (
            "annual_stats",
            &t.annual_stats,
            tables::ANNUAL_STATS_COLUMNS,
        ),
        ("routes", &t.routes, tables::ROUTES_COLUMNS),
        (
            "removal_rates",
            &t.removal_rates,
            tables::REMOVAL_RATES_COLUMNS,
        ),
        ("km_curves", &t.km_curves, tables::KM_COLUMNS),
        ("monthly_counts", &t.monthly, tables::MONTHLY_COLUMNS),
        ("emerging_trends", &t.trends, tables::TRENDS_COLUMNS),
        ("listing_facts", &t.facts, tables::FACTS_COLUMNS),
    ];
    let mut csvs = vec![
        annual_csv.clone(),
        removals_csv.clone(),
        classification_csv.clone(),
    ];
    let mut parquets = Vec::new();
    for (name, df, cols) in &stat {
        let csv = out.join(format!("tables/{name}.csv"));
        let pq = out.join(format!("tables/{name}.parquet"));
        tables::write_csv(df, cols, &csv)?;
        tables::write_parquet(df, cols, &pq)?;
        csvs.push(csv);
        parquets.push(pq);
    }
    let definitions = out.join(DEFINITIONS_CSV);
    atomic::write_atomic(&definitions, xlsx::definitions_csv().as_bytes())?;
    csvs.push(definitions);
    let xlsx_path = out.join(XLSX);
    let mut sheets: Vec<xlsx::Sheet<'_>> = stat
        .iter()
        .filter(|s| s.0 != "listing_facts")
        .map(|(name, df, cols)| xlsx::Sheet {
            name,
            df,
            columns: cols,
        })
        .collect();
    sheets.push(xlsx::Sheet {
        name: "annual_by_taxon_group",
        df: &t.annual,
        columns: tables::ANNUAL_COLUMNS,
    });
    sheets.push(xlsx::Sheet {
        name: "removals_by_source",
        df: &t.removals,
        columns: tables::REMOVALS_COLUMNS,
    });
    xlsx::write(&xlsx_path, &sheets)?;

    // Every figure whose table exists, listed in figures/index.json (the annual chart first).
    let figures = figure::write_all(out, &opts.source_line)?.files(out);

    let warehouse_path = out.join(WAREHOUSE);
    let config = settings();
    let config_sha256 = manifest::sha256_hex(config.to_string().as_bytes());
    let provenance = [
        ("lexicon_version", lexicon.version().to_string()),
        ("lexicon_sha256", lexicon.sha256().to_string()),
        ("rates_file", opts.rates_path.display().to_string()),
        ("places_version", places.version().to_string()),
        ("config_sha256", config_sha256.clone()),
        ("lake_schema_version", lake::SCHEMA_VERSION.to_string()),
        ("source_line", opts.source_line.clone()),
        ("observations", t.observations.to_string()),
        ("listings", t.listings.to_string()),
        ("removed_listings", t.removed.to_string()),
        ("decoys", t.decoys.to_string()),
        ("implausible_prices", t.implausible_prices.to_string()),
        ("analysis_version", env!("CARGO_PKG_VERSION").to_string()),
    ];
    let parquet_tables: Vec<warehouse::ParquetTable<'_>> = STAT_TABLES
        .iter()
        .zip(&parquets)
        .map(|(name, p)| warehouse::ParquetTable { name, parquet: p })
        .collect();
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
        &parquet_tables,
        &provenance,
    )?;

    // The manifest: inputs, settings, code, outputs.
    let mut lake_files = lake::parquet_files(&opts.lake_dir.join("listings"))?;
    lake_files.extend(lake::parquet_files(&opts.lake_dir.join("fetch_log"))?);
    let mut outputs: Vec<PathBuf> = csvs.clone();
    outputs.extend(parquets.iter().cloned());
    outputs.push(xlsx_path.clone());
    outputs.extend(figures.iter().cloned());
    let reference = |path: &Path, version: Option<String>| {
        manifest::hash_file(path, path.display().to_string()).map(|h| manifest::Reference {
            path: h.path,
            version,
            sha256: h.sha256,
        })
    };
    let manifest_path = out.join(MANIFEST);
    let m = manifest::Manifest {
        manifest_version: manifest::MANIFEST_VERSION,
        code: manifest::code(),
        lake_dir: opts.lake_dir.display().to_string(),
        lake_files: manifest::hash_files(&opts.lake_dir, &lake_files)?,
        lexicon: reference(&opts.lexicon_path, Some(lexicon.version().to_string()))?,
        rates: reference(&opts.rates_path, None)?,
        places: reference(&opts.places_path, Some(places.version().to_string()))?,
        config_sha256,
        config,
        extra_inputs: opts
            .extra_inputs
            .iter()
            .map(|p| manifest::hash_file(p, p.display().to_string()))
            .collect::<Result<_, _>>()?,
        // The warehouse is left out: DuckDB files are not byte-reproducible.
        outputs: manifest::hash_files(out, &outputs)?,
    };
    manifest::write(&manifest_path, &m)?;
    tracing::info!(out = %out.display(), "analysis outputs written");

    Ok(AnalysisOutputs {
        tables: csvs,
        parquet: parquets,
        xlsx: xlsx_path,
        figures,
        warehouse: warehouse_path,
        manifest: manifest_path,
        observations: t.observations,
        listings: t.listings,
        removed_listings: t.removed,
        decoys: t.decoys,
        implausible_prices: t.implausible_prices,
    })
}
