//! The analysis side of the lake contract (`data/schema/lake.toml`): which
//! contract version it reads, which columns it reads with which types, and
//! the one place that opens the lake for reading (a polars lazy scan with
//! hive partitioning) and refuses a lake that does not match.
//!
//! It must not write to the lake, depend on the crawler crate, or read any
//! column not listed here (the contract test checks this list against
//! `lake.toml`, so the two cannot drift).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use crate::error::AnalysisError;

/// The lake's table of listing observations.
pub const LISTINGS: &str = "listings";
/// The lake's table of fetches.
pub const FETCH_LOG: &str = "fetch_log";

/// The lake contract version this analysis reads (`schema_version` in
/// `data/schema/lake.toml` and in every row).
pub const SCHEMA_VERSION: i32 = 3;

/// Row versions of the `listings` table this analysis reads: version 3
/// only added the `reports` table, so version-2 listings rows are the same.
pub const LISTINGS_VERSIONS: &[i32] = &[2, 3];

/// The lake's table of reports to platforms (`wildtrace flag`).
pub const REPORTS: &str = "reports";

/// A column type as the contract spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Utf8,
    Int32,
    Int64,
    Bool,
    Date32,
    TimestampUsUtc,
    Decimal18_4,
    ListUtf8,
}

impl ColumnType {
    /// The type's name in `lake.toml` (`utf8`, `timestamp_us_utc`, ...).
    pub fn contract_name(self) -> &'static str {
        match self {
            ColumnType::Utf8 => "utf8",
            ColumnType::Int32 => "int32",
            ColumnType::Int64 => "int64",
            ColumnType::Bool => "bool",
            ColumnType::Date32 => "date32",
            ColumnType::TimestampUsUtc => "timestamp_us_utc",
            ColumnType::Decimal18_4 => "decimal(18,4)",
            ColumnType::ListUtf8 => "list<utf8>",
        }
    }

    /// Parses a type name as `lake.toml` spells it.
    pub fn from_contract_name(name: &str) -> Option<ColumnType> {
        [
            ColumnType::Utf8,
            ColumnType::Int32,
            ColumnType::Int64,
            ColumnType::Bool,
            ColumnType::Date32,
            ColumnType::TimestampUsUtc,
            ColumnType::Decimal18_4,
            ColumnType::ListUtf8,
        ]
        .into_iter()
        .find(|t| t.contract_name() == name.trim())
    }

    /// The DuckDB type the column has when DuckDB reads the Parquet file.
    pub fn duckdb_type(self) -> &'static str {
        match self {
            ColumnType::Utf8 => "VARCHAR",
            ColumnType::Int32 => "INTEGER",
            ColumnType::Int64 => "BIGINT",
            ColumnType::Bool => "BOOLEAN",
            ColumnType::Date32 => "DATE",
            ColumnType::TimestampUsUtc => "TIMESTAMP WITH TIME ZONE",
            ColumnType::Decimal18_4 => "DECIMAL(18,4)",
            ColumnType::ListUtf8 => "VARCHAR[]",
        }
    }

    /// Whether a polars dtype (as read from the Parquet files) is this type.
    pub fn matches(self, dtype: &DataType) -> bool {
        match (self, dtype) {
            (ColumnType::Utf8, DataType::String) => true,
            (ColumnType::Int32, DataType::Int32) => true,
            (ColumnType::Int64, DataType::Int64) => true,
            (ColumnType::Bool, DataType::Boolean) => true,
            (ColumnType::Date32, DataType::Date) => true,
            (ColumnType::TimestampUsUtc, DataType::Datetime(TimeUnit::Microseconds, Some(tz))) => {
                matches!(
                    tz.as_str(),
                    "UTC" | "utc" | "Etc/UTC" | "+00:00" | "00:00" | "Z"
                )
            }
            (ColumnType::Decimal18_4, DataType::Decimal(18, 4)) => true,
            (ColumnType::ListUtf8, DataType::List(inner)) => **inner == DataType::String,
            _ => false,
        }
    }
}

/// A column of a lake table that the analysis relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LakeColumn {
    pub table: &'static str,
    pub name: &'static str,
    pub ty: ColumnType,
}

const fn c(table: &'static str, name: &'static str, ty: ColumnType) -> LakeColumn {
    LakeColumn { table, name, ty }
}

/// The `listings` columns the analysis reads, one constant each (the
/// analysis names a lake column only through these).
pub mod listings {
    use super::{ColumnType, LISTINGS, LakeColumn, c};

    pub const SCHEMA_VERSION: LakeColumn = c(LISTINGS, "schema_version", ColumnType::Int32);
    pub const RUN_ID: LakeColumn = c(LISTINGS, "run_id", ColumnType::Utf8);
    pub const OBSERVED_AT: LakeColumn = c(LISTINGS, "observed_at", ColumnType::TimestampUsUtc);
    pub const LISTING_ID: LakeColumn = c(LISTINGS, "listing_id", ColumnType::Utf8);
    pub const STATUS: LakeColumn = c(LISTINGS, "status", ColumnType::Utf8);
    pub const TITLE: LakeColumn = c(LISTINGS, "title", ColumnType::Utf8);
    pub const DESCRIPTION: LakeColumn = c(LISTINGS, "description", ColumnType::Utf8);
    pub const QUANTITY: LakeColumn = c(LISTINGS, "quantity", ColumnType::Int32);
    pub const POSTED_DATE: LakeColumn = c(LISTINGS, "posted_date", ColumnType::Date32);
    pub const PRICE_AMOUNT: LakeColumn = c(LISTINGS, "price_amount", ColumnType::Decimal18_4);
    pub const CURRENCY: LakeColumn = c(LISTINGS, "currency", ColumnType::Utf8);
    pub const SELLER_PSEUDONYM: LakeColumn = c(LISTINGS, "seller_pseudonym", ColumnType::Utf8);
    pub const SELLER_LOCATION: LakeColumn = c(LISTINGS, "seller_location", ColumnType::Utf8);
    pub const SHIPS_TO: LakeColumn = c(LISTINGS, "ships_to", ColumnType::Utf8);
    // URL is read by reports to platforms and the research and enforcement
    // exports (`crate::flag`, `crate::export`).
    pub const URL: LakeColumn = c(LISTINGS, "url", ColumnType::Utf8);
    pub const PRICE_TEXT: LakeColumn = c(LISTINGS, "price_text", ColumnType::Utf8);
    pub const HTTP_STATUS: LakeColumn = c(LISTINGS, "http_status", ColumnType::Int32);
    pub const PAGE_SHA256: LakeColumn = c(LISTINGS, "page_sha256", ColumnType::Utf8);
    pub const WARC_FILE: LakeColumn = c(LISTINGS, "warc_file", ColumnType::Utf8);
    pub const WARC_OFFSET: LakeColumn = c(LISTINGS, "warc_offset", ColumnType::Int64);
    pub const WARC_LENGTH: LakeColumn = c(LISTINGS, "warc_length", ColumnType::Int64);
    pub const WARC_BLOCK_DIGEST: LakeColumn = c(LISTINGS, "warc_block_digest", ColumnType::Utf8);
}

/// The `reports` columns the analysis reads (removal after reporting).
pub mod reports {
    use super::{ColumnType, LakeColumn, REPORTS, c};

    pub const REPORT_ID: LakeColumn = c(REPORTS, "report_id", ColumnType::Utf8);
    pub const REPORTED_AT: LakeColumn = c(REPORTS, "reported_at", ColumnType::TimestampUsUtc);
    pub const LISTING_ID: LakeColumn = c(REPORTS, "listing_id", ColumnType::Utf8);
}

/// The `reports` columns the analysis reads.
pub const REPORTS_READ: &[LakeColumn] = &[
    reports::REPORT_ID,
    reports::REPORTED_AT,
    reports::LISTING_ID,
];

/// The `listings` columns the analysis reads (everything else is ignored).
pub const LISTINGS_READ: &[LakeColumn] = &[
    listings::SCHEMA_VERSION,
    listings::RUN_ID,
    listings::OBSERVED_AT,
    listings::LISTING_ID,
    listings::STATUS,
    listings::TITLE,
    listings::DESCRIPTION,
    listings::QUANTITY,
    listings::POSTED_DATE,
    listings::PRICE_AMOUNT,
    listings::CURRENCY,
    listings::SELLER_PSEUDONYM,
    listings::SELLER_LOCATION,
    listings::SHIPS_TO,
    listings::URL,
    listings::PRICE_TEXT,
    listings::PAGE_SHA256,
    listings::WARC_FILE,
    listings::WARC_OFFSET,
    listings::WARC_LENGTH,
    listings::WARC_BLOCK_DIGEST,
];

/// The `fetch_log` columns, which the warehouse exposes as a view (used to
/// give the view its contract types when the lake has no fetch_log files).
pub const FETCH_LOG_COLUMNS: &[LakeColumn] = &[
    c(FETCH_LOG, "schema_version", ColumnType::Int32),
    c(FETCH_LOG, "run_id", ColumnType::Utf8),
    c(FETCH_LOG, "requested_at", ColumnType::TimestampUsUtc),
    c(FETCH_LOG, "url", ColumnType::Utf8),
    c(FETCH_LOG, "kind", ColumnType::Utf8),
    c(FETCH_LOG, "outcome", ColumnType::Utf8),
    c(FETCH_LOG, "http_status", ColumnType::Int32),
    c(FETCH_LOG, "bytes", ColumnType::Int64),
    c(FETCH_LOG, "elapsed_ms", ColumnType::Int64),
    c(FETCH_LOG, "retry_after_s", ColumnType::Int64),
];

/// The hive partition column naming the site (in the path only).
pub const SOURCE: &str = "source";
/// The hive partition column naming the crawl date (in the path only).
pub const CRAWL_DATE: &str = "crawl_date";

/// Hive partition columns of `listings` and `fetch_log` (in the path only,
/// never in the files).
pub const PARTITIONS: &[(&str, ColumnType)] =
    &[(SOURCE, ColumnType::Utf8), (CRAWL_DATE, ColumnType::Date32)];

/// The hive partition column of `reports` that takes `crawl_date`'s place.
pub const REPORT_DATE: &str = "report_date";

/// Every `.parquet` file under `dir` (recursively), sorted; in-flight
/// `.part-*.tmp` files are not `.parquet` and so never listed.
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, AnalysisError> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| AnalysisError::io(&d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| AnalysisError::io(&d, e))?;
            let path = entry.path();
            let ft = entry.file_type().map_err(|e| AnalysisError::io(&path, e))?;
            if ft.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The glob that selects every Parquet file of `table` in the lake.
pub fn table_glob(lake_dir: &Path, table: &str) -> String {
    format!("{}/{table}/**/*.parquet", lake_dir.display())
}

/// Opens the `listings` table as a polars lazy frame with the hive partition
/// columns `source` (string) and `crawl_date` (date), after checking that
/// the lake has listings files and that every column the analysis reads is
/// there with its contract type.
pub fn scan_listings(lake_dir: &Path) -> Result<LazyFrame, AnalysisError> {
    let dir = lake_dir.join(LISTINGS);
    if parquet_files(&dir)?.is_empty() {
        return Err(AnalysisError::Lake {
            path: dir,
            message: "no listings Parquet files (expected listings/source=<site>/crawl_date=<YYYY-MM-DD>/part-<run_id>.parquet); run a crawl first".into(),
        });
    }
    let mut lf = scan_partitioned(lake_dir, LISTINGS, CRAWL_DATE)?;
    let schema = lf.collect_schema()?;
    let mut problems = Vec::new();
    for col in LISTINGS_READ {
        match schema.get(col.name) {
            None => problems.push(format!("column `{}` is missing", col.name)),
            Some(dt) if !col.ty.matches(dt) => problems.push(format!(
                "column `{}` is {dt:?}, the contract says {}",
                col.name,
                col.ty.contract_name()
            )),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(AnalysisError::Lake {
            path: dir,
            message: format!("does not match the lake contract: {}", problems.join("; ")),
        });
    }
    Ok(lf)
}

/// Fails with [`AnalysisError::UnknownSchemaVersion`] unless every row of the
/// lazy frame has a `schema_version` of [`LISTINGS_VERSIONS`].
pub fn check_schema_versions(lf: &LazyFrame, lake_dir: &Path) -> Result<(), AnalysisError> {
    let versions = lf
        .clone()
        .select([col(listings::SCHEMA_VERSION.name)
            .unique()
            .sort(Default::default())])
        .collect()?;
    let found: Vec<i32> = versions
        .column(listings::SCHEMA_VERSION.name)?
        .i32()?
        .iter()
        .flatten()
        .collect();
    if found.iter().any(|v| !LISTINGS_VERSIONS.contains(v)) {
        return Err(AnalysisError::UnknownSchemaVersion {
            path: lake_dir.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// A lazy scan of a lake table, hive-partitioned by `source` and the date
/// key `date` (`crawl_date`, `report_date`), both typed from the path.
fn scan_partitioned(
    lake_dir: &Path,
    table: &str,
    date: &'static str,
) -> Result<LazyFrame, AnalysisError> {
    let hive_schema: Schema = [
        (PlSmallStr::from_static(SOURCE), DataType::String),
        (PlSmallStr::from_static(date), DataType::Date),
    ]
    .into_iter()
    .collect();
    let args = ScanArgsParquet {
        hive_options: HiveOptions {
            enabled: Some(true),
            hive_start_idx: 0,
            schema: Some(Arc::new(hive_schema)),
            try_parse_dates: true,
        },
        ..ScanArgsParquet::default()
    };
    let glob = table_glob(lake_dir, table);
    Ok(LazyFrame::scan_parquet(
        PlRefPath::new(glob.as_str()),
        args,
    )?)
}

/// Each reported listing's first report time (microseconds, UTC), by
/// listing id, from the lake's `reports` table; empty when it has none.
pub fn first_reports(
    lake_dir: &Path,
) -> Result<std::collections::BTreeMap<String, i64>, AnalysisError> {
    let dir = lake_dir.join(REPORTS);
    if parquet_files(&dir)?.is_empty() {
        return Ok(Default::default());
    }
    let mut lf = scan_partitioned(lake_dir, REPORTS, REPORT_DATE)?;
    let schema = lf.collect_schema()?;
    for col in REPORTS_READ {
        match schema.get(col.name) {
            Some(dt) if col.ty.matches(dt) => {}
            _ => {
                return Err(AnalysisError::Lake {
                    path: dir,
                    message: format!(
                        "reports column `{}` is missing or not {}",
                        col.name,
                        col.ty.contract_name()
                    ),
                });
            }
        }
    }
    let df = lf
        .group_by([col(reports::LISTING_ID.name)])
        .agg([col(reports::REPORTED_AT.name)
            .cast(DataType::Int64)
            .min()
            .alias("first_us")])
        .collect()?;
    let ids = df.column(reports::LISTING_ID.name)?.str()?;
    let at = df.column("first_us")?.i64()?;
    Ok(ids
        .iter()
        .zip(at.iter())
        .filter_map(|(id, t)| Some((id?.to_string(), t?)))
        .collect())
}
