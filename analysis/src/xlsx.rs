//! The spreadsheet edition of the annual statistics: one XLSX workbook with a
//! sheet per table and a `definitions` sheet saying what every column means
//! (written with `rust_xlsxwriter`), plus [`DEFINITIONS`] itself, which the
//! CSV edition also gets as `definitions.csv`.
//!
//! It owns the column definitions and the cell rendering (numbers stay
//! numbers, nulls stay empty). It must not compute anything.

use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::atomic::write_atomic;
use crate::error::AnalysisError;

/// `(table, column, meaning)` for every published column.
pub const DEFINITIONS: &[(&str, &str, &str)] = &[
    (
        "*",
        "year",
        "Year of the listing's stated posting date (of its first sighting when it states none).",
    ),
    (
        "*",
        "confidence",
        "confirmed: a species or higher taxon is named; suspected: only a code word or a bare product word implies a taxon group (decoys and unrecognised listings are left out).",
    ),
    (
        "annual_stats",
        "dimension",
        "What the row splits by: all, taxon, taxon_group, cites_appendix, product_type, platform (the lake's source) or seller_country.",
    ),
    (
        "annual_stats",
        "key",
        "The value of the dimension (scientific name, group, appendix, product, site, ISO 3166-1 alpha-2 country); `unknown` when the listing does not give it; `all` for dimension all.",
    ),
    (
        "annual_stats",
        "listings",
        "Distinct listings (distinct listing_id), however often observed.",
    ),
    (
        "annual_stats",
        "specimens",
        "Sum of the stated quantity of each listing, counting a listing that states none as one.",
    ),
    (
        "annual_stats",
        "sellers",
        "Distinct pseudonymous sellers (keyed-hash pseudonyms; never handles).",
    ),
    (
        "annual_stats",
        "priced_listings",
        "Listings whose price counts in the value totals: stated, converted at an ECB rate, and plausible.",
    ),
    (
        "annual_stats",
        "implausible_prices",
        "Listings whose price is a placeholder (0, 1, 999999, 9999999, 99999999 in its own currency) or an outlier (beyond 3.5 × 1.4826 × MAD of log10 USD prices in its taxon group × product type, when that cell has 8 or more prices); counted here, left out of value totals.",
    ),
    (
        "annual_stats",
        "unpriced_listings",
        "Listings without a stated price, or whose currency had no ECB rate within 10 days before the posted date.",
    ),
    (
        "annual_stats",
        "total_value_usd",
        "Sum of the priced listings' USD values, each rounded half-to-even to cents (exact).",
    ),
    (
        "annual_stats",
        "median_value_usd",
        "Median USD value of the priced listings (mean of the two middle values when even); empty when none is priced.",
    ),
    (
        "annual_stats",
        "removed",
        "Listings observed removed by a later revisit.",
    ),
    (
        "annual_stats",
        "removed_share",
        "removed / listings, 4 decimals.",
    ),
    (
        "annual_stats",
        "listings_prev_year",
        "Listings of the same dimension, key and confidence in the previous year (0 when none).",
    ),
    (
        "annual_stats",
        "listings_yoy_change",
        "(listings - listings_prev_year) / listings_prev_year, 4 decimals; empty when the previous year had none.",
    ),
    (
        "routes",
        "origin",
        "Seller country (ISO 3166-1 alpha-2) from the listing's location, or the site's default country.",
    ),
    (
        "routes",
        "destination",
        "ISO 3166-1 alpha-2 country, or a region: WORLD, EU, EUROPE, ASIA, AFRICA, EAST_AFRICA, MIDDLE_EAST, SOUTH_AMERICA, NORTH_AMERICA, CIS.",
    ),
    (
        "routes",
        "confidence",
        "stated (the listing names the seller's place) or inferred_from_site (the site's default country).",
    ),
    (
        "routes",
        "listings",
        "Listings offering this origin → destination (a listing shipping to several destinations counts once for each).",
    ),
    (
        "routes",
        "rank",
        "Rank of the route within its year by listings (ties: origin, destination, confidence).",
    ),
    (
        "removal_rates",
        "group_kind",
        "all, platform or taxon_group: confirmed and suspected listings of the group.",
    ),
    (
        "removal_rates",
        "removed_within_7d",
        "Listings seen removed at most 7 days after their first sighting (likewise 30d, 90d).",
    ),
    (
        "removal_rates",
        "km_removed_by_7d",
        "1 - S(7 days) of the Kaplan–Meier time-to-removal curve (likewise 30d, 90d): the share removed by then, allowing for listings not yet followed that long; empty when no listing of the group was followed that long.",
    ),
    (
        "km_curves",
        "time_days",
        "Days from first sighting to removal (event) or last observation (censored).",
    ),
    (
        "km_curves",
        "survival",
        "Kaplan–Meier S(t): share of listings not yet removed just after time_days (1 before the first time).",
    ),
    (
        "monthly_counts",
        "kind",
        "term (a lexicon term that matched), taxon (scientific name, else taxon group) or platform.",
    ),
    ("monthly_counts", "month", "YYYY-MM of the posted date."),
    (
        "emerging_trends",
        "baseline_mean",
        "Mean monthly listings of the series over the 12 months before (at least 6 months of history; months without listings count as 0).",
    ),
    (
        "emerging_trends",
        "p_value",
        "One-sided Poisson P(X >= listings | baseline mean floored at 0.1); months with p < 0.01 and 3 or more listings are listed.",
    ),
    (
        "emerging_trends",
        "z",
        "(listings - baseline) / sqrt(baseline).",
    ),
    (
        "listing_facts",
        "price_amount",
        "The price as stated in the lake (exact decimal, own currency).",
    ),
    (
        "listing_facts",
        "rate_date",
        "The ECB business day whose reference rates converted the price: the latest on or before the posted date (at most 10 days before).",
    ),
    (
        "listing_facts",
        "price_usd",
        "amount × USD-per-EUR / currency-per-EUR on rate_date, exact decimals rounded half-to-even to 4 places (price_eur likewise).",
    ),
    (
        "listing_facts",
        "value_usd_cents",
        "price_usd in whole cents when price_flag is ok; empty otherwise.",
    ),
    (
        "listing_facts",
        "price_flag",
        "ok, no_price, no_rate, placeholder or outlier (see annual_stats.implausible_prices).",
    ),
    (
        "listing_facts",
        "days_to_removal_or_censoring",
        "Days from first_seen to removed_at when removed, else to the last observation.",
    ),
];

/// A table to put on a sheet.
pub(crate) struct Sheet<'a> {
    pub name: &'a str,
    pub df: &'a DataFrame,
    pub columns: &'a [&'a str],
}

fn xerr(path: &Path, e: impl std::fmt::Display) -> AnalysisError {
    AnalysisError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes the workbook atomically: one sheet per table, then `definitions`.
pub(crate) fn write(path: &Path, sheets: &[Sheet<'_>]) -> Result<(), AnalysisError> {
    let mut wb = Workbook::new();
    // A fixed creation date keeps the file byte-identical across runs (the
    // manifest hashes it; the analysis has no clock).
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(|e| xerr(path, e))?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(s.name).map_err(|e| xerr(path, e))?;
        let df = s.df.select(s.columns.iter().copied())?;
        for (c, name) in s.columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| xerr(path, e))?;
            ws.write_string_with_format(0, c, *name, &bold)
                .map_err(|e| xerr(path, e))?;
        }
        for (c, column) in df.columns().iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| xerr(path, e))?;
            let series = column.as_materialized_series();
            for r in 0..series.len() {
                let row = u32::try_from(r + 1).map_err(|e| xerr(path, e))?;
                let v = series.get(r)?;
                let res = match v {
                    AnyValue::Null => continue,
                    AnyValue::Boolean(b) => ws.write_boolean(row, c, b),
                    AnyValue::String(t) => ws.write_string(row, c, t),
                    AnyValue::StringOwned(ref t) => ws.write_string(row, c, t.as_str()),
                    AnyValue::Int32(i) => ws.write_number(row, c, f64::from(i)),
                    AnyValue::Int64(i) => ws.write_number(row, c, i as f64),
                    AnyValue::UInt32(i) => ws.write_number(row, c, f64::from(i)),
                    AnyValue::UInt64(i) => ws.write_number(row, c, i as f64),
                    AnyValue::Float64(x) => ws.write_number(row, c, x),
                    AnyValue::Float32(x) => ws.write_number(row, c, f64::from(x)),
                    other => ws.write_string(row, c, other.to_string()),
                };
                res.map_err(|e| xerr(path, e))?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(|e| xerr(path, e))?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("definitions").map_err(|e| xerr(path, e))?;
    for (c, h) in ["table", "column", "definition"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(|e| xerr(path, e))?;
    }
    for (r, (t, c, d)) in DEFINITIONS.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, *t).map_err(|e| xerr(path, e))?;
        ws.write_string(row, 1, *c).map_err(|e| xerr(path, e))?;
        ws.write_string(row, 2, *d).map_err(|e| xerr(path, e))?;
    }
    ws.set_column_width(2, 120).map_err(|e| xerr(path, e))?;
    let bytes = wb.save_to_buffer().map_err(|e| xerr(path, e))?;
    write_atomic(path, &bytes)
}

/// The definitions as CSV (`table,column,definition`).
pub(crate) fn definitions_csv() -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("table,column,definition\n");
    for (t, c, d) in DEFINITIONS {
        out.push_str(&format!("{},{},{}\n", q(t), q(c), q(d)));
    }
    out
}
