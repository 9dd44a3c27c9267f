//! From lake observations to the published tables: reduces observations to
//! one row per listing (latest non-removed observation for the text, removed
//! if any observation says so), classifies each listing with the lexicon, and
//! aggregates the annual table and the removals table; writes them as CSV.
//!
//! It owns the counting rules (what a listing, a year, a specimen and a
//! removal are). It must not open the lake itself (it gets a lazy frame from
//! `lake`), draw figures or touch DuckDB.

use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate};
use polars::prelude::*;

use crate::atomic::write_atomic;
use crate::error::AnalysisError;
use crate::lexicon::{Confidence, Lexicon};

/// Column names of `annual_by_taxon_group.csv`, in order.
pub const ANNUAL_COLUMNS: &[&str] = &["year", "taxon_group", "confidence", "listings", "specimens"];
/// Column names of `removals_by_source.csv`, in order.
pub const REMOVALS_COLUMNS: &[&str] = &["source", "listings", "removed", "removed_share"];
/// Column names of `listing_classification.csv`, in order.
pub const CLASSIFICATION_COLUMNS: &[&str] = &[
    "listing_id",
    "source",
    "year",
    "taxon_group",
    "taxon",
    "product_type",
    "live",
    "confidence",
    "specimens",
    "removed",
    "matched_terms",
    "lexicon_version",
];

/// The analysis tables, in memory.
pub(crate) struct Tables {
    /// One row per listing: its classification and counting facts.
    pub classified: DataFrame,
    /// `year, taxon_group, confidence, listings, specimens`.
    pub annual: DataFrame,
    /// `source, listings, removed, removed_share`.
    pub removals: DataFrame,
    pub observations: u64,
    pub listings: u64,
    pub removed: u64,
    pub decoys: u64,
}

/// Builds every table from the lake's listings observations.
pub(crate) fn build(observations: LazyFrame, lexicon: &Lexicon) -> Result<Tables, AnalysisError> {
    let obs = observations.select([
        col("listing_id"),
        col("source"),
        col("run_id"),
        col("status"),
        col("title"),
        col("description"),
        col("quantity"),
        col("observed_at")
            .cast(DataType::Int64)
            .alias("observed_us"),
        col("posted_date")
            .cast(DataType::Int32)
            .alias("posted_days"),
    ]);

    let n_obs = obs
        .clone()
        .select([len().cast(DataType::Int64).alias("n")])
        .collect()?;
    let n_obs = n_obs.column("n")?.i64()?.get(0).unwrap_or(0);

    // The observation whose text counts: the latest one that is not a
    // removal (a removal page often has no text); if every observation is a
    // removal, the latest one. Ties on time are broken by run id.
    let order = [
        col("status").neq(lit("removed")),
        col("observed_us"),
        col("run_id"),
    ];
    let latest = |name: &str| {
        col(name)
            .sort_by(order.clone(), SortMultipleOptions::default())
            .last()
            .alias(name)
    };
    let per_listing = obs
        .group_by([col("listing_id")])
        .agg([
            latest("source"),
            col("status").eq(lit("removed")).any(true).alias("removed"),
            col("observed_us").min().alias("first_observed_us"),
            latest("title"),
            latest("description"),
            latest("quantity"),
            latest("posted_days"),
        ])
        .sort(["listing_id"], SortMultipleOptions::default())
        .collect()?;

    let ids = per_listing.column("listing_id")?.str()?;
    let sources = per_listing.column("source")?.str()?;
    let removed = per_listing.column("removed")?.bool()?;
    let first_us = per_listing.column("first_observed_us")?.i64()?;
    let titles = per_listing.column("title")?.str()?;
    let descriptions = per_listing.column("description")?.str()?;
    let quantities = per_listing.column("quantity")?.i32()?;
    let posted = per_listing.column("posted_days")?.i32()?;

    let n = per_listing.height();
    let mut c_id = Vec::with_capacity(n);
    let mut c_source = Vec::with_capacity(n);
    let mut c_year = Vec::with_capacity(n);
    let mut c_group: Vec<Option<String>> = Vec::with_capacity(n);
    let mut c_taxon: Vec<Option<String>> = Vec::with_capacity(n);
    let mut c_product: Vec<Option<String>> = Vec::with_capacity(n);
    let mut c_live = Vec::with_capacity(n);
    let mut c_conf = Vec::with_capacity(n);
    let mut c_specimens = Vec::with_capacity(n);
    let mut c_removed = Vec::with_capacity(n);
    let mut c_terms = Vec::with_capacity(n);
    let (mut n_removed, mut n_decoys) = (0u64, 0u64);

    for i in 0..n {
        let title = titles.get(i).unwrap_or("");
        let description = descriptions.get(i).unwrap_or("");
        let cls = lexicon.classify(&format!("{title}\n{description}"));
        let year = match posted.get(i) {
            Some(days) => year_of_days(days),
            None => first_us.get(i).and_then(year_of_micros),
        }
        .ok_or_else(|| AnalysisError::Lake {
            path: "listings".into(),
            message: format!(
                "listing {:?}: posted_date/observed_at out of range",
                ids.get(i)
            ),
        })?;
        let is_removed = removed.get(i).unwrap_or(false);
        n_removed += u64::from(is_removed);
        n_decoys += u64::from(cls.confidence == Confidence::Decoy);

        c_id.push(ids.get(i).unwrap_or("").to_string());
        c_source.push(sources.get(i).unwrap_or("").to_string());
        c_year.push(year);
        c_group.push(cls.taxon_group);
        c_taxon.push(cls.taxon);
        c_product.push(cls.product_type);
        c_live.push(cls.live);
        c_conf.push(cls.confidence.as_str().to_string());
        c_specimens.push(i64::from(quantities.get(i).unwrap_or(1)));
        c_removed.push(is_removed);
        c_terms.push(cls.matched_terms.join(" | "));
    }

    let classified = DataFrame::new_infer_height(vec![
        Column::new("listing_id".into(), c_id),
        Column::new("source".into(), c_source),
        Column::new("year".into(), c_year),
        Column::new("taxon_group".into(), c_group),
        Column::new("taxon".into(), c_taxon),
        Column::new("product_type".into(), c_product),
        Column::new("live".into(), c_live),
        Column::new("confidence".into(), c_conf),
        Column::new("specimens".into(), c_specimens),
        Column::new("removed".into(), c_removed),
        Column::new("matched_terms".into(), c_terms),
        Column::new(
            "lexicon_version".into(),
            vec![lexicon.version().to_string(); n],
        ),
    ])?;

    let annual = classified
        .clone()
        .lazy()
        .filter(
            col("confidence")
                .eq(lit(Confidence::Confirmed.as_str()))
                .or(col("confidence").eq(lit(Confidence::Suspected.as_str()))),
        )
        .group_by([col("year"), col("taxon_group"), col("confidence")])
        .agg([
            len().cast(DataType::Int64).alias("listings"),
            col("specimens").sum().alias("specimens"),
        ])
        .sort(
            ["year", "taxon_group", "confidence"],
            SortMultipleOptions::default(),
        )
        .collect()?;

    let mut removals = classified
        .clone()
        .lazy()
        .group_by([col("source")])
        .agg([
            len().cast(DataType::Int64).alias("listings"),
            col("removed").cast(DataType::Int64).sum().alias("removed"),
        ])
        .sort(["source"], SortMultipleOptions::default())
        .collect()?;
    let share: Vec<f64> = {
        let l = removals.column("listings")?.i64()?;
        let r = removals.column("removed")?.i64()?;
        l.iter()
            .zip(r.iter())
            .map(|(l, r)| match (l, r) {
                (Some(l), Some(r)) if l > 0 => round4(r as f64 / l as f64),
                _ => 0.0,
            })
            .collect()
    };
    removals.with_column(Column::new("removed_share".into(), share))?;

    Ok(Tables {
        listings: n as u64,
        classified,
        annual,
        removals,
        observations: u64::try_from(n_obs).unwrap_or(0),
        removed: n_removed,
        decoys: n_decoys,
    })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn year_of_days(days: i32) -> Option<i32> {
    // 719_163 = days from 0001-01-01 (CE day 1) to 1970-01-01.
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?).map(|d| d.year())
}

fn year_of_micros(us: i64) -> Option<i32> {
    DateTime::from_timestamp_micros(us).map(|t| t.year())
}

/// Writes `df` (columns in the order of `columns`) as CSV with a header,
/// atomically.
pub(crate) fn write_csv(
    df: &DataFrame,
    columns: &[&str],
    path: &Path,
) -> Result<(), AnalysisError> {
    let mut df = df.select(columns.iter().copied())?;
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .with_float_scientific(Some(false))
        .finish(&mut df)?;
    write_atomic(path, &buf)
}
