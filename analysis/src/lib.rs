//! wildtrace-analysis: everything after the Parquet lake. Reads the lake
//! (contract: `data/schema/lake.toml`), classifies listings with the species
//! lexicon, converts prices with the configured rate sources (ECB reference
//! rates and user tables in the ECB layout), reads seller countries
//! and destinations, follows each listing's lifecycle, and publishes the
//! annual statistics as CSV, Parquet and XLSX tables, figures (PNG + SVG), a
//! DuckDB warehouse for ad-hoc SQL, a run manifest and the policymaker report.
//!
//! This crate must not depend on the crawler, on tokio or on reqwest: it has
//! no network and no clock-driven behaviour, and the lake is its only input
//! besides the reference files. It never writes to the lake.
//!
//! The pipeline ([`analyse`], or [`run`] for just the summary):
//! 1. load the reference files once: the [`Lexicon`] (which also owns the
//!    CITES appendices), the rate sources and the places gazetteer — files,
//!    or the copies compiled into the crate ([`reference`], `embedded:<name>`);
//! 2. scan the lake (`lake`) and check its schema versions;
//! 3. build every published table in memory (`tables`), each checked
//!    against the output contract ([`outputs`]) into an
//!    [`outputs::Published`];
//! 4. write them as CSV and Parquet (plus `definitions.csv`), then the XLSX
//!    workbook, the figures and the warehouse — all from the in-memory
//!    tables or the contract, never by re-reading a CSV by file name;
//! 5. hash inputs, settings and outputs into `manifest.json`.
//!
//! The output contract — which tables exist, their columns (name, type,
//! definition) and their file names — is defined once, in [`outputs`]; the
//! names are stable: the figures, the report, the notebooks and the
//! warehouse users read them. Outputs under the output folder (all written
//! atomically, rebuilt on every run):
//! - `tables/<name>.csv` for every table of [`outputs::ALL`], and
//!   `tables/<name>.parquet` for each of [`outputs::STAT`] ([`STAT_TABLES`])
//! - `tables/definitions.csv` and `tables/annual_statistics.xlsx` (one sheet
//!   per table of [`outputs::XLSX_SHEETS`], plus `definitions`)
//! - `figures/*.png|svg` and `figures/index.json` (the `figure` module)
//! - `wildtrace.duckdb`: views `listings`, `fetch_log`; every table of
//!   [`outputs::ALL`] under its name, and `provenance`
//! - `manifest.json`: input lake files, lexicon, rate sources, gazetteer and
//!   extra inputs with SHA-256, the settings and their hash, the code
//!   version, every output's hash, and the counts of listings dated by first
//!   sighting and of prices not converted ([`manifest::Manifest`])
//! - `report-<year>.html` when asked for ([`Analysis::write_report`], or
//!   [`report`] from an output folder)
//!
//! Besides the pipeline, [`inspect`] answers `wildtrace inspect species` and
//! `inspect location` from the lexicon and the gazetteer, [`flag`] chooses
//! and writes the reports to platforms of `wildtrace flag`, and [`export`]
//! writes data-sharing folders by audience (public, research,
//! enforcement); the figures and the report are drawn from its public,
//! disclosure-controlled view of the tables.

mod atomic;
pub mod bench;
pub mod error;
pub mod export;
mod figure;
pub mod flag;
pub mod fx;
pub mod inspect;
pub mod lake;
pub mod lexicon;
pub mod manifest;
pub mod outputs;
pub mod places;
pub mod reference;
pub mod report;
mod tables;
pub mod takedown;
pub mod trends;
mod warehouse;
mod xlsx;

use std::path::{Path, PathBuf};

pub use error::AnalysisError;
pub use lexicon::{Classification, Confidence, Lexicon};
pub use warehouse::sql;

/// Output file names, relative to [`AnalysisOptions::out_dir`] (defined in
/// the output contract, [`outputs`]).
pub use outputs::{DEFINITIONS_CSV, MANIFEST, WAREHOUSE, XLSX};

/// The names of the statistics tables ([`outputs::STAT`]), written as
/// `tables/<name>.csv` and `.parquet` and loaded into the warehouse under
/// the same name.
pub const STAT_TABLES: &[&str] = &outputs::STAT_NAMES;

/// The committed reference files, relative to the repository root. The
/// same bytes are compiled in ([`reference`]): `embedded:lexicon.toml`,
/// `embedded:places.toml`, `embedded:eurofxref-demo-illustrative.csv`,
/// which is what the binary uses when neither a flag nor the job config
/// names a file.
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
    /// The species lexicon TOML (`data/reference/lexicon.toml`), or
    /// [`reference::EMBEDDED_LEXICON`].
    pub lexicon_path: PathBuf,
    /// Rate sources in the ECB `eurofxref-hist.csv` layout (the `.csv` or the
    /// ECB's `.zip`), in order of precedence: the ECB file, then any tables
    /// for currencies it does not publish. At least one; a source may be
    /// [`reference::EMBEDDED_RATES`] (illustrative, not ECB data).
    pub rates_paths: Vec<PathBuf>,
    /// Days after a rate source's last day on which its last rate still
    /// converts (flagged `after_table_end`); [`fx::DEFAULT_RATE_WINDOW_DAYS`].
    pub rate_window_days: u32,
    /// The places gazetteer (`data/reference/places.toml`), or
    /// [`reference::EMBEDDED_PLACES`].
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
            rates_paths: vec![repo.join(DEFAULT_RATES)],
            rate_window_days: fx::DEFAULT_RATE_WINDOW_DAYS,
            places_path: repo.join(DEFAULT_PLACES),
            extra_inputs: Vec::new(),
            source_line,
        }
    }

    /// Options with the reference data compiled into this build
    /// ([`reference`]), whatever the working directory.
    pub fn embedded(lake_dir: PathBuf, out_dir: PathBuf, source_line: String) -> Self {
        AnalysisOptions {
            lake_dir,
            out_dir,
            lexicon_path: reference::EMBEDDED_LEXICON.into(),
            rates_paths: vec![reference::EMBEDDED_RATES.into()],
            rate_window_days: fx::DEFAULT_RATE_WINDOW_DAYS,
            places_path: reference::EMBEDDED_PLACES.into(),
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
    /// The rate sources, in order of precedence.
    pub rate_sources: Vec<manifest::RateSourceRecord>,
    /// The rate window in days.
    pub rate_window_days: u32,
    /// Listings dated by first sighting, and prices not converted.
    pub counts: manifest::RunCounts,
}

impl std::fmt::Display for AnalysisOutputs {
    /// The lines `demo` and `analyse` print about what was written.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "  analysed:  {} observations of {} listings ({} removed, {} decoys left out)",
            self.observations, self.listings, self.removed_listings, self.decoys
        )?;
        let c = &self.counts;
        if c.dated_by_first_seen > 0 {
            writeln!(
                f,
                "  dates:     {} of {} listings state no posted date and are dated by first sighting (listing_facts.date_basis = first_seen)",
                c.dated_by_first_seen, c.listings
            )?;
        } else {
            writeln!(f, "  dates:     every listing states its posted date")?;
        }
        for r in &self.rate_sources {
            writeln!(
                f,
                "  rates:     [{}] {}: {} listings converted",
                r.precedence,
                r.label(),
                r.listings_converted
            )?;
        }
        writeln!(
            f,
            "  rates:     a date after a source's last day converts at its last rate for {} days (--rate-window-days), flagged after_table_end",
            self.rate_window_days
        )?;
        if self.rate_sources.iter().any(|r| r.illustrative) {
            writeln!(
                f,
                "  rates:     ILLUSTRATIVE: a rate source is an invented table, so the USD values are not real values"
            )?;
        }
        if c.unconverted == 0 {
            writeln!(
                f,
                "  prices:    all {} listings' prices converted",
                c.listings
            )?;
        } else {
            let reasons: Vec<String> = fx::Unconverted::ALL
                .iter()
                .filter_map(|u| {
                    let n = *c.unconverted_by_reason.get(u.as_str())?;
                    let currencies: Vec<String> = c
                        .unconverted_by_currency
                        .iter()
                        .filter(|x| x.reason == u.as_str())
                        .filter_map(|x| Some(format!("{} {}", x.currency.as_deref()?, x.listings)))
                        .collect();
                    Some(if currencies.is_empty() {
                        format!("{} {n}", u.as_str())
                    } else {
                        format!("{} {n} ({})", u.as_str(), currencies.join(", "))
                    })
                })
                .collect();
            writeln!(
                f,
                "  prices:    {} of {} listings not converted, left out of value totals: {}",
                c.unconverted,
                c.listings,
                reasons.join("; ")
            )?;
        }
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
fn settings(rate_window_days: u32) -> serde_json::Value {
    serde_json::json!({
        "fx": {
            "max_staleness_days": fx::MAX_STALENESS_DAYS,
            "rate_window_days": rate_window_days,
            "rate_sources": "in order of precedence: the first with the currency at the date wins",
            "placeholder_amounts": fx::PLACEHOLDER_AMOUNTS,
            "mad_fence": fx::MAD_FENCE,
            "mad_min_n": fx::MAD_MIN_N,
            "rounding": "half-to-even; EUR/USD 4 places, value totals in cents",
        },
        "trends": {
            "baseline_months": trends::BASELINE_MONTHS,
            "min_history_months": trends::MIN_HISTORY_MONTHS,
            "min_count": trends::MIN_COUNT,
            "fdr_method": "benjamini-hochberg",
            "fdr_q": trends::FDR_Q,
            "lambda_floor": trends::LAMBDA_FLOOR,
        },
        "yoy": { "min_base": trends::MIN_YOY_BASE },
        "takedown": { "windows_days": [7, 30, 90], "clock": "first_seen to removed_at" },
        "lake_schema_version": lake::SCHEMA_VERSION,
    })
}

/// A finished analysis run: what it wrote, and the published tables and
/// figure index still in memory, so the report can be written from them
/// without reading the output folder back.
pub struct Analysis {
    /// What was written.
    pub outputs: AnalysisOutputs,
    out_dir: PathBuf,
    tables: outputs::Published,
    /// The disclosure-controlled view the figures and the report show.
    public: outputs::Published,
    figures: report::FigureIndex,
    rates: manifest::RateSettings,
}

impl Analysis {
    /// The published tables, in memory (the analyst's full tables).
    pub fn tables(&self) -> &outputs::Published {
        &self.tables
    }

    /// The figures drawn (and skipped) by the run.
    pub fn figures(&self) -> &report::FigureIndex {
        &self.figures
    }

    /// Writes the report for `year`, or for the latest year with listings
    /// when `year` is `None`, from the run's tables and figures (the same
    /// report [`report::write_report_for`] writes from the output folder).
    pub fn write_report(&self, year: Option<i32>) -> Result<PathBuf, AnalysisError> {
        report::Report {
            out_dir: &self.out_dir,
            tables: &self.public,
            figures: Some(&self.figures),
            rates: Some(&self.rates),
        }
        .write_for(year)
    }
}

/// Runs the whole analysis: lake → classified listings → tables, figures,
/// warehouse, manifest; returns what was written.
pub fn run(opts: &AnalysisOptions) -> Result<AnalysisOutputs, AnalysisError> {
    analyse(opts).map(|a| a.outputs)
}

/// Runs the whole analysis like [`run`] and keeps the published tables in
/// memory for the report ([`Analysis::write_report`]).
pub fn analyse(opts: &AnalysisOptions) -> Result<Analysis, AnalysisError> {
    // Each stage is announced as an info event with a `stage` field: a log
    // line when not on a terminal, the stage of the binary's spinner on one.
    // 1. Reference files, each loaded once.
    tracing::info!(stage = "loading reference files", "analysis stage");
    let lexicon = Lexicon::load(&opts.lexicon_path)?;
    tracing::info!(
        lexicon = %opts.lexicon_path.display(),
        version = lexicon.version(),
        "lexicon loaded"
    );
    let rates = fx::RateBook::load(&opts.rates_paths, opts.rate_window_days)?;
    for s in rates.sources() {
        tracing::info!(
            rates = %s.path.display(),
            illustrative = s.rates.is_illustrative(),
            "rate source loaded"
        );
    }
    let places = places::Gazetteer::load(&opts.places_path)?;

    // 2. The lake.
    tracing::info!(stage = "reading the lake", "analysis stage");
    let listings = lake::scan_listings(&opts.lake_dir)?;
    lake::check_schema_versions(&listings, &opts.lake_dir)?;

    // 3. Every published table, in memory, checked against the contract.
    tracing::info!(
        stage = "classifying listings and building tables",
        "analysis stage"
    );
    let tables::Tables {
        published,
        counts: n,
    } = tables::build(
        listings,
        &lake::first_reports(&opts.lake_dir)?,
        &lexicon,
        &tables::Reference {
            rates: &rates,
            places: &places,
        },
    )?;
    tracing::info!(
        observations = n.observations,
        listings = n.listings,
        removed = n.removed,
        decoys = n.decoys,
        implausible_prices = n.implausible_prices,
        "listings classified"
    );

    // 4. Files: tables, definitions, workbook, figures, warehouse.
    tracing::info!(stage = "writing tables and the workbook", "analysis stage");
    let out = &opts.out_dir;
    atomic::ensure_dir(&out.join(outputs::TABLES_DIR))?;
    atomic::ensure_dir(&out.join(outputs::FIGURES_DIR))?;
    let (mut csvs, parquets) = published.write(out, outputs::ALL)?;
    let definitions = out.join(outputs::DEFINITIONS_CSV);
    atomic::write_atomic(&definitions, outputs::io::definitions_csv().as_bytes())?;
    csvs.push(definitions);
    let xlsx_path = out.join(outputs::XLSX);
    xlsx::write(&xlsx_path, &published)?;

    // Every figure whose table exists, listed in figures/index.json (the annual chart first).
    // The figures and the report show the public view only (disclosure control).
    tracing::info!(stage = "drawing figures", "analysis stage");
    let public = export::public_tables(&published)?;
    let figure_index = figure::write_all(&public, out, &opts.source_line)?;
    let figures = figure_index.files(out);

    let warehouse_path = out.join(outputs::WAREHOUSE);
    let config = settings(opts.rate_window_days);
    let config_sha256 = manifest::sha256_hex(config.to_string().as_bytes());
    let provenance = [
        ("lexicon_version", lexicon.version().to_string()),
        ("lexicon_sha256", lexicon.sha256().to_string()),
        (
            "rates_file",
            opts.rates_paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        ("dated_by_first_seen", n.dated_by_first_seen.to_string()),
        (
            "unconverted_prices",
            n.unconverted.iter().map(|u| u.2).sum::<u64>().to_string(),
        ),
        ("places_version", places.version().to_string()),
        ("config_sha256", config_sha256.clone()),
        ("lake_schema_version", lake::SCHEMA_VERSION.to_string()),
        ("source_line", opts.source_line.clone()),
        ("observations", n.observations.to_string()),
        ("listings", n.listings.to_string()),
        ("removed_listings", n.removed.to_string()),
        ("decoys", n.decoys.to_string()),
        ("implausible_prices", n.implausible_prices.to_string()),
        ("analysis_version", env!("CARGO_PKG_VERSION").to_string()),
    ];
    tracing::info!(stage = "building the warehouse", "analysis stage");
    warehouse::build(
        &warehouse_path,
        &opts.lake_dir,
        out,
        outputs::ALL,
        &provenance,
    )?;

    // 5. The manifest: inputs, settings, code, outputs.
    tracing::info!(stage = "writing the manifest", "analysis stage");
    let mut lake_files = lake::parquet_files(&opts.lake_dir.join(lake::LISTINGS))?;
    lake_files.extend(lake::parquet_files(&opts.lake_dir.join(lake::FETCH_LOG))?);
    lake_files.extend(lake::parquet_files(&opts.lake_dir.join(lake::REPORTS))?);
    let mut output_files: Vec<PathBuf> = csvs.clone();
    output_files.extend(parquets.iter().cloned());
    output_files.push(xlsx_path.clone());
    output_files.extend(figures.iter().cloned());
    // An embedded reference is recorded by its `embedded:` name and the
    // SHA-256 of the bytes compiled in.
    let reference = |path: &Path, version: Option<String>| {
        reference::read(path).map(|bytes| manifest::Reference {
            path: path.display().to_string(),
            version,
            sha256: manifest::sha256_hex(&bytes),
        })
    };
    let manifest_path = out.join(outputs::MANIFEST);
    let rate_sources = rates
        .sources()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (first, last) = s.rates.span();
            Ok(manifest::RateSourceRecord {
                precedence: i + 1,
                path: s.path.display().to_string(),
                file_name: s.file_name(),
                bytes: s.bytes,
                sha256: s.sha256.clone(),
                first_date: first.map(|d| d.to_string()),
                last_date: last.map(|d| d.to_string()),
                currencies: s.rates.currencies(),
                illustrative: s.rates.is_illustrative(),
                listings_converted: n.converted_by_source.get(i).copied().unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, AnalysisError>>()?;
    let unconverted: u64 = n.unconverted.iter().map(|u| u.2).sum();
    let mut by_reason = std::collections::BTreeMap::new();
    for (r, _, k) in &n.unconverted {
        *by_reason.entry(r.as_str().to_string()).or_insert(0) += k;
    }
    let run_counts = manifest::RunCounts {
        listings: n.listings,
        dated_by_posted_date: n.listings - n.dated_by_first_seen,
        dated_by_first_seen: n.dated_by_first_seen,
        converted: n.listings - unconverted,
        unconverted,
        unconverted_by_reason: by_reason,
        unconverted_by_currency: n
            .unconverted
            .iter()
            .map(|(r, c, k)| manifest::UnconvertedCount {
                reason: r.as_str().to_string(),
                currency: c.clone(),
                listings: *k,
            })
            .collect(),
    };
    let m = manifest::Manifest {
        manifest_version: manifest::MANIFEST_VERSION,
        code: manifest::code(),
        lake_dir: opts.lake_dir.display().to_string(),
        lake_files: manifest::hash_files(&opts.lake_dir, &lake_files)?,
        lexicon: reference(&opts.lexicon_path, Some(lexicon.version().to_string()))?,
        // The first rate source, already read and hashed by the rate book.
        rates: rates
            .sources()
            .first()
            .map(|s| manifest::Reference {
                path: s.path.display().to_string(),
                version: None,
                sha256: s.sha256.clone(),
            })
            .expect("a rate book holds at least one source"),
        rate_sources: rate_sources.clone(),
        places: reference(&opts.places_path, Some(places.version().to_string()))?,
        config_sha256,
        config,
        extra_inputs: opts
            .extra_inputs
            .iter()
            .map(|p| manifest::hash_file(p, p.display().to_string()))
            .collect::<Result<_, _>>()?,
        // The warehouse is left out: DuckDB files are not byte-reproducible.
        outputs: manifest::hash_files(out, &output_files)?,
        counts: run_counts.clone(),
    };
    manifest::write(&manifest_path, &m)?;
    tracing::info!(stage = "done", out = %out.display(), "analysis outputs written");

    Ok(Analysis {
        outputs: AnalysisOutputs {
            tables: csvs,
            parquet: parquets,
            xlsx: xlsx_path,
            figures,
            warehouse: warehouse_path,
            manifest: manifest_path,
            observations: n.observations,
            listings: n.listings,
            removed_listings: n.removed,
            decoys: n.decoys,
            implausible_prices: n.implausible_prices,
            rate_sources: rate_sources.clone(),
            rate_window_days: opts.rate_window_days,
            counts: run_counts,
        },
        out_dir: out.clone(),
        rates: manifest::RateSettings {
            sources: rate_sources,
            window_days: opts.rate_window_days,
        },
        tables: published,
        public,
        figures: figure_index,
    })
}
