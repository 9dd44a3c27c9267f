//! The enforcement audience: per-listing detail for case files — the lake's
//! listing ids and seller pseudonyms, URLs, prices as stated — and one row
//! per observation with its evidence: the page's SHA-256 as received and,
//! in evidence mode, the WARC file, offset, length and WARC-Block-Digest of
//! the archived response (which `wildtrace verify` checks).
//!
//! It owns the enforcement columns and reading URLs and evidence pointers
//! from the lake (read only). It must not read titles or descriptions.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use polars::prelude::{DataFrame, IntoLazy, SortMultipleOptions, col};

use crate::error::AnalysisError;
use crate::lake::{self, listings as lk};
use crate::outputs::{Column, ColumnType, Published, listing_facts as lf};

pub const LISTINGS_FILE: &str = "listings";
pub const EVIDENCE_FILE: &str = "evidence";

const fn c(name: &'static str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

pub const URL: Column =
    c("url", ColumnType::Utf8).defined("The URL fetched at the listing's latest observation.");
pub const RUN_ID: Column =
    c("run_id", ColumnType::Utf8).defined("The crawl run of the observation.");
pub const OBSERVED_AT: Column =
    c("observed_at", ColumnType::Timestamp).defined("When the page was fetched (UTC).");
pub const STATUS: Column = c("status", ColumnType::Utf8)
    .defined("active, changed or removed: what the observation found.");
pub const HTTP_STATUS: Column =
    c("http_status", ColumnType::Int32).defined("HTTP status of the final response.");
pub const PAGE_SHA256: Column = c("page_sha256", ColumnType::Utf8)
    .defined("Hex SHA-256 of the response body as received (after content decoding).");
pub const WARC_FILE: Column = c("warc_file", ColumnType::Utf8).defined(
    "Evidence mode: the WARC file holding the response record, relative to the job's WARC folder; empty when evidence mode was off.",
);
pub const WARC_OFFSET: Column = c("warc_offset", ColumnType::Int64)
    .defined("Byte offset of the record's gzip member in warc_file.");
pub const WARC_LENGTH: Column =
    c("warc_length", ColumnType::Int64).defined("Compressed length of that gzip member, bytes.");
pub const WARC_BLOCK_DIGEST: Column = c("warc_block_digest", ColumnType::Utf8)
    .defined("The record's WARC-Block-Digest (sha256:<base32>), checked by `wildtrace verify`.");

/// The `listings` table's columns.
pub const LISTING_COLUMNS: &[Column] = &[
    lf::LISTING_ID,
    lf::SOURCE,
    URL,
    lf::YEAR,
    lf::POSTED_DATE,
    lf::DATE_BASIS,
    lf::TAXON_GROUP,
    lf::TAXON,
    lf::SPECIES,
    lf::CITES_APPENDIX,
    lf::PRODUCT_TYPE,
    lf::CONFIDENCE,
    lf::SPECIMENS,
    lf::SELLER_PSEUDONYM,
    lf::SELLER_COUNTRY,
    lf::SELLER_COUNTRY_CONFIDENCE,
    lf::DESTINATIONS,
    lf::PRICE_AMOUNT,
    lf::CURRENCY,
    lf::PRICE_USD,
    lf::PRICE_FLAG,
    lf::FIRST_SEEN,
    lf::LAST_SEEN_ACTIVE,
    lf::REMOVED_AT,
    lf::REMOVED,
];

/// The `evidence` table's columns.
pub const EVIDENCE_COLUMNS: &[Column] = &[
    lf::LISTING_ID,
    RUN_ID,
    OBSERVED_AT,
    STATUS,
    HTTP_STATUS,
    URL,
    PAGE_SHA256,
    WARC_FILE,
    WARC_OFFSET,
    WARC_LENGTH,
    WARC_BLOCK_DIGEST,
];

/// The lake's observations with their URLs and evidence columns, oldest
/// first.
fn observations(lake_dir: &Path) -> Result<DataFrame, AnalysisError> {
    let lf = lake::scan_listings(lake_dir)?;
    Ok(lf
        .select([
            col(lk::LISTING_ID.name),
            col(lk::RUN_ID.name),
            col(lk::OBSERVED_AT.name),
            col(lk::STATUS.name),
            col(lk::HTTP_STATUS.name),
            col(lk::URL.name),
            col(lk::PAGE_SHA256.name),
            col(lk::WARC_FILE.name),
            col(lk::WARC_OFFSET.name),
            col(lk::WARC_LENGTH.name),
            col(lk::WARC_BLOCK_DIGEST.name),
        ])
        .sort(
            [lk::LISTING_ID.name, lk::OBSERVED_AT.name, lk::RUN_ID.name],
            SortMultipleOptions::default(),
        )
        .collect()?)
}

fn latest(obs: &DataFrame) -> Result<HashMap<String, String>, AnalysisError> {
    let ids = super::text_col(obs, lk::LISTING_ID.name)?;
    let urls = super::text_col(obs, lk::URL.name)?;
    // Sorted by listing and time: the last URL of each listing wins.
    Ok(ids
        .into_iter()
        .zip(urls)
        .filter_map(|(i, u)| Some((i?, u?)))
        .collect())
}

/// Each listing's URL at its latest observation.
pub fn latest_urls(lake_dir: &Path) -> Result<HashMap<String, String>, AnalysisError> {
    latest(&observations(lake_dir)?)
}

/// The enforcement `listings` and `evidence` tables.
pub fn tables(
    tables: &Published,
    lake_dir: &Path,
) -> Result<(DataFrame, DataFrame), AnalysisError> {
    let mut facts = super::research::wildlife_facts(tables)?;
    let obs = observations(lake_dir)?;
    let urls = latest(&obs)?;
    let ids = super::text_col(&facts, lf::LISTING_ID.name)?;
    facts.with_column(polars::prelude::Column::new(
        URL.name.into(),
        ids.iter()
            .map(|i| i.as_ref().and_then(|i| urls.get(i).cloned()))
            .collect::<Vec<_>>(),
    ))?;
    let names: Vec<&str> = LISTING_COLUMNS.iter().map(|c| c.name).collect();
    let listings = facts
        .select(names)?
        .lazy()
        .sort([lf::LISTING_ID.name], SortMultipleOptions::default())
        .collect()?;
    let wanted: HashSet<String> = ids.into_iter().flatten().collect();
    let obs_ids = super::text_col(&obs, lk::LISTING_ID.name)?;
    let mask: Vec<bool> = obs_ids
        .iter()
        .map(|i| i.as_ref().is_some_and(|i| wanted.contains(i)))
        .collect();
    let evidence = obs.filter(&super::mask_of(&mask))?;
    Ok((listings, evidence))
}
