//! The annual tables: `annual_by_taxon_group` and `removals_by_source` from
//! the per-listing classification, and `annual_stats` — listings,
//! specimens, sellers, prices, value and removals per year × dimension key ×
//! confidence, with the year-on-year change — from the per-listing facts.
//!
//! It owns the annual aggregates and their rounding. It must not re-derive
//! per-listing facts.

use std::collections::HashMap;

use polars::prelude::*;

use super::prices::PriceFlag;
use super::{UNKNOWN, round4, shares};
use crate::error::AnalysisError;
use crate::inspect::GROUP_RANK;
use crate::lexicon::{Confidence, SPECIES_RANK};
use crate::outputs::{
    annual_by_taxon_group as annual, annual_stats as stats, listing_classification as cls,
    listing_facts as facts, removals_by_source as removals,
};

/// The `dimension` values of `annual_stats`, the `listing_facts` column
/// each splits by (`None`: the whole year) and the one rank its keys are at
/// (taxa only): taxon rows are species, never a family beside its species.
pub const DIMENSIONS: &[(&str, Option<&str>, Option<&str>)] = &[
    ("all", None, None),
    ("taxon", Some(facts::SPECIES.name), Some(SPECIES_RANK)),
    (
        "taxon_group",
        Some(facts::TAXON_GROUP.name),
        Some(GROUP_RANK),
    ),
    ("cites_appendix", Some(facts::CITES_APPENDIX.name), None),
    ("product_type", Some(facts::PRODUCT_TYPE.name), None),
    ("platform", Some(facts::SOURCE.name), None),
    ("seller_country", Some(facts::SELLER_COUNTRY.name), None),
];

/// Confirmed or suspected, on a `confidence` column.
fn wildlife(confidence: &str) -> Expr {
    col(confidence)
        .eq(lit(Confidence::Confirmed.as_str()))
        .or(col(confidence).eq(lit(Confidence::Suspected.as_str())))
}

/// Confirmed and suspected listings per year, taxon group and confidence.
pub(super) fn by_taxon_group(classification: &DataFrame) -> Result<DataFrame, AnalysisError> {
    Ok(classification
        .clone()
        .lazy()
        .filter(wildlife(cls::CONFIDENCE.name))
        .group_by([
            col(cls::YEAR.name),
            col(cls::TAXON_GROUP.name),
            col(cls::CONFIDENCE.name),
        ])
        .agg([
            len().cast(DataType::Int64).alias(annual::LISTINGS.name),
            col(cls::SPECIMENS.name).sum().alias(annual::SPECIMENS.name),
        ])
        .sort(
            [
                annual::YEAR.name,
                annual::TAXON_GROUP.name,
                annual::CONFIDENCE.name,
            ],
            SortMultipleOptions::default(),
        )
        .collect()?)
}

/// Every listing of each platform (decoys included) and how many were removed.
pub(super) fn removals_by_source(classification: &DataFrame) -> Result<DataFrame, AnalysisError> {
    let mut removals = classification
        .clone()
        .lazy()
        .group_by([col(cls::SOURCE.name)])
        .agg([
            len().cast(DataType::Int64).alias(removals::LISTINGS.name),
            col(cls::REMOVED.name)
                .cast(DataType::Int64)
                .sum()
                .alias(removals::REMOVED.name),
        ])
        .sort([removals::SOURCE.name], SortMultipleOptions::default())
        .collect()?;
    let share = shares(&removals, removals::REMOVED.name, removals::LISTINGS.name)?;
    removals.with_column(removals::REMOVED_SHARE.values(share))?;
    Ok(removals)
}

/// Working names (never published).
const TOTAL_CENTS: &str = "total_cents";
const MEDIAN_CENTS: &str = "median_cents";

/// The annual statistics over per-listing facts (needs the `listing_facts`
/// columns used below): confirmed and suspected listings, per year ×
/// dimension key × confidence. Public within the crate so the benchmark
/// times exactly this code.
pub(crate) fn annual_stats(facts: LazyFrame) -> Result<DataFrame, AnalysisError> {
    let base = facts
        .filter(wildlife(facts::CONFIDENCE.name))
        .select([
            col(facts::YEAR.name),
            col(facts::CONFIDENCE.name),
            col(facts::SPECIES.name),
            col(facts::TAXON_GROUP.name),
            col(facts::CITES_APPENDIX.name),
            col(facts::PRODUCT_TYPE.name),
            col(facts::SOURCE.name),
            col(facts::SELLER_COUNTRY.name),
            col(facts::SPECIMENS.name),
            col(facts::SELLER_PSEUDONYM.name),
            col(facts::VALUE_USD_CENTS.name),
            col(facts::PRICE_FLAG.name),
            col(facts::REMOVED.name),
            col(facts::DATE_BASIS.name),
        ])
        .collect()?;
    let flag = || col(facts::PRICE_FLAG.name);
    let cents = || col(facts::VALUE_USD_CENTS.name);
    let mut parts = Vec::new();
    for (dim, column, _) in DIMENSIONS {
        let key = match column {
            None => lit("all").alias(stats::KEY.name),
            Some(c) => col(*c).fill_null(lit(UNKNOWN)).alias(stats::KEY.name),
        };
        let is = |f: PriceFlag| flag().eq(lit(f.as_str()));
        let implausible = is(PriceFlag::Placeholder).or(is(PriceFlag::Outlier));
        let unpriced = is(PriceFlag::NoPrice).or(is(PriceFlag::NoRate));
        let part = base
            .clone()
            .lazy()
            .with_column(key)
            .group_by([
                col(stats::YEAR.name),
                col(stats::KEY.name),
                col(stats::CONFIDENCE.name),
            ])
            .agg([
                len().cast(DataType::Int64).alias(stats::LISTINGS.name),
                col(facts::SPECIMENS.name)
                    .sum()
                    .cast(DataType::Int64)
                    .alias(stats::SPECIMENS.name),
                col(facts::SELLER_PSEUDONYM.name)
                    .drop_nulls()
                    .n_unique()
                    .cast(DataType::Int64)
                    .alias(stats::SELLERS.name),
                cents()
                    .is_not_null()
                    .cast(DataType::Int64)
                    .sum()
                    .alias(stats::PRICED_LISTINGS.name),
                implausible
                    .cast(DataType::Int64)
                    .sum()
                    .alias(stats::IMPLAUSIBLE_PRICES.name),
                unpriced
                    .cast(DataType::Int64)
                    .sum()
                    .alias(stats::UNPRICED_LISTINGS.name),
                cents().sum().cast(DataType::Int64).alias(TOTAL_CENTS),
                cents().median().cast(DataType::Float64).alias(MEDIAN_CENTS),
                col(facts::REMOVED.name)
                    .cast(DataType::Int64)
                    .sum()
                    .alias(stats::REMOVED.name),
                col(facts::DATE_BASIS.name)
                    .eq(lit(super::listings::DateBasis::FirstSeen.as_str()))
                    .cast(DataType::Int64)
                    .sum()
                    .alias(stats::DATED_BY_FIRST_SEEN.name),
            ])
            .with_column(lit(*dim).alias(stats::DIMENSION.name));
        parts.push(part);
    }
    let stacked = concat(parts, UnionArgs::default())?
        .sort(
            [
                stats::DIMENSION.name,
                stats::KEY.name,
                stats::CONFIDENCE.name,
                stats::YEAR.name,
            ],
            SortMultipleOptions::default(),
        )
        .collect()?;

    // Derived columns, computed in Rust so every rounding rule is explicit.
    let years = stacked.column(stats::YEAR.name)?.i32()?;
    let dims = stacked.column(stats::DIMENSION.name)?.str()?;
    let keys = stacked.column(stats::KEY.name)?.str()?;
    let confs = stacked.column(stats::CONFIDENCE.name)?.str()?;
    let listings = stacked.column(stats::LISTINGS.name)?.i64()?;
    let total = stacked.column(TOTAL_CENTS)?.i64()?;
    let median = stacked.column(MEDIAN_CENTS)?.f64()?;
    let mut by_key: HashMap<(&str, &str, &str, i32), i64> = HashMap::new();
    for i in 0..stacked.height() {
        if let (Some(d), Some(k), Some(c), Some(y), Some(l)) = (
            dims.get(i),
            keys.get(i),
            confs.get(i),
            years.get(i),
            listings.get(i),
        ) {
            by_key.insert((d, k, c, y), l);
        }
    }
    let n = stacked.height();
    let (mut prev, mut change) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut total_usd, mut median_usd) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let p = match (dims.get(i), keys.get(i), confs.get(i), years.get(i)) {
            (Some(d), Some(k), Some(c), Some(y)) => {
                by_key.get(&(d, k, c, y - 1)).copied().unwrap_or(0)
            }
            _ => 0,
        };
        let l = listings.get(i).unwrap_or(0);
        prev.push(p);
        // why: a rate of change on a base of 1 or 2 reads as a trend and is noise.
        change.push((p >= crate::trends::MIN_YOY_BASE).then(|| round4((l - p) as f64 / p as f64)));
        total_usd.push(total.get(i).unwrap_or(0) as f64 / 100.0);
        median_usd.push(median.get(i).map(|m| round4(m / 100.0)));
    }
    let removed_share = shares(&stacked, stats::REMOVED.name, stats::LISTINGS.name)?;
    let ranks: Vec<Option<&str>> = (0..n)
        .map(|i| {
            let d = dims.get(i)?;
            DIMENSIONS.iter().find(|(name, _, _)| *name == d)?.2
        })
        .collect();
    let mut out = stacked;
    out.with_column(stats::RANK.values(ranks))?;
    out.with_column(stats::TOTAL_VALUE_USD.values(total_usd))?;
    out.with_column(stats::MEDIAN_VALUE_USD.values(median_usd))?;
    out.with_column(stats::REMOVED_SHARE.values(removed_share))?;
    out.with_column(stats::LISTINGS_PREV_YEAR.values(prev))?;
    out.with_column(stats::LISTINGS_YOY_CHANGE.values(change))?;
    Ok(out.select(crate::outputs::ANNUAL_STATS.column_names())?)
}
