//! The lake writer: crawl observations to hive-partitioned, zstd Parquet
//! files that follow the contract in `data/schema/lake.toml`.
//!
//! It owns the Arrow schemas of the `listings`, `fetch_log` and `reports`
//! tables and
//! the atomic file protocol (write `.part-*.tmp`, fsync, rename, fsync the
//! folder), so a crash never leaves a half-written file where readers look.
//! It must not decide what a row says: that is the crawler's job.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, Date32Array, Decimal128Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, NaiveDate, Utc};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rust_decimal::Decimal;

/// Version of the lake contract this crate writes (3: the `reports` table).
pub const SCHEMA_VERSION: i32 = 3;

/// Lake write failures.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// File system trouble.
    #[error("lake file {}: {source}", path.display())]
    Io {
        /// File or folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Arrow or Parquet trouble.
    #[error("lake file {}: {message}", path.display())]
    Parquet {
        /// File.
        path: PathBuf,
        /// Cause.
        message: String,
    },
}

/// One observation of a listing page (see the contract for each column).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[allow(missing_docs)]
pub struct ListingRow {
    pub run_id: String,
    pub observed_at: DateTime<Utc>,
    pub listing_id: String,
    pub url: String,
    pub canonical_url: String,
    pub status: String,
    pub removal_reason: Option<String>,
    pub http_status: i32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub price_text: Option<String>,
    pub price_amount: Option<Decimal>,
    pub currency: Option<String>,
    pub quantity: Option<i32>,
    pub seller_pseudonym: Option<String>,
    pub seller_location: Option<String>,
    pub ships_to: Option<String>,
    pub posted_date: Option<NaiveDate>,
    pub language: Option<String>,
    pub image_urls: Vec<String>,
    pub search_term: Option<String>,
    pub extractor: String,
    pub page_sha256: String,
    /// Evidence mode: the WARC file (name relative to the WARC folder) and
    /// the response record's offset, length and block digest.
    #[serde(default)]
    pub warc_file: Option<String>,
    #[serde(default)]
    pub warc_offset: Option<i64>,
    #[serde(default)]
    pub warc_length: Option<i64>,
    #[serde(default)]
    pub warc_block_digest: Option<String>,
}

/// One request made or refused (see the contract for each column).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[allow(missing_docs)]
pub struct FetchRow {
    pub run_id: String,
    pub requested_at: DateTime<Utc>,
    pub url: String,
    pub kind: String,
    pub outcome: String,
    pub http_status: Option<i32>,
    pub bytes: Option<i64>,
    pub elapsed_ms: Option<i64>,
    pub retry_after_s: Option<i64>,
}

/// One listing of a report to a platform (see the contract's `reports` table).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[allow(missing_docs)]
pub struct ReportRow {
    pub report_id: String,
    pub reported_at: DateTime<Utc>,
    pub listing_id: String,
    pub url: String,
    pub confidence: String,
    pub taxon_group: Option<String>,
    pub taxon: Option<String>,
    pub cites_appendix: Option<String>,
    pub matched_terms: Vec<String>,
    pub legality_claims: Vec<String>,
    pub evidence_digest: String,
    pub criteria: String,
}

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Arrow schema of the `listings` table.
pub fn listings_schema() -> SchemaRef {
    let s = |n: &str, null| Field::new(n, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        Field::new("schema_version", DataType::Int32, false),
        s("run_id", false),
        Field::new("observed_at", ts(), false),
        s("listing_id", false),
        s("url", false),
        s("canonical_url", false),
        s("status", false),
        s("removal_reason", true),
        Field::new("http_status", DataType::Int32, false),
        s("title", true),
        s("description", true),
        s("price_text", true),
        Field::new("price_amount", DataType::Decimal128(18, 4), true),
        s("currency", true),
        Field::new("quantity", DataType::Int32, true),
        s("seller_pseudonym", true),
        s("seller_location", true),
        s("ships_to", true),
        Field::new("posted_date", DataType::Date32, true),
        s("language", true),
        Field::new(
            "image_urls",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        s("search_term", true),
        s("extractor", false),
        s("page_sha256", false),
        s("warc_file", true),
        Field::new("warc_offset", DataType::Int64, true),
        Field::new("warc_length", DataType::Int64, true),
        s("warc_block_digest", true),
    ]))
}

/// Arrow schema of the `fetch_log` table.
pub fn fetch_log_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("schema_version", DataType::Int32, false),
        Field::new("run_id", DataType::Utf8, false),
        Field::new("requested_at", ts(), false),
        Field::new("url", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("http_status", DataType::Int32, true),
        Field::new("bytes", DataType::Int64, true),
        Field::new("elapsed_ms", DataType::Int64, true),
        Field::new("retry_after_s", DataType::Int64, true),
    ]))
}

fn list_utf8() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// Arrow schema of the `reports` table.
pub fn reports_schema() -> SchemaRef {
    let s = |n: &str, null| Field::new(n, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        Field::new("schema_version", DataType::Int32, false),
        s("report_id", false),
        Field::new("reported_at", ts(), false),
        s("listing_id", false),
        s("url", false),
        s("confidence", false),
        s("taxon_group", true),
        s("taxon", true),
        s("cites_appendix", true),
        Field::new("matched_terms", list_utf8(), false),
        Field::new("legality_claims", list_utf8(), false),
        s("evidence_digest", false),
        s("criteria", false),
    ]))
}

/// The contract's name for an Arrow type (`utf8`, `decimal(18,4)`, ...).
pub fn contract_type(dt: &DataType) -> String {
    match dt {
        DataType::Utf8 => "utf8".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::Boolean => "bool".into(),
        DataType::Date32 => "date32".into(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) if tz.as_ref() == "UTC" => {
            "timestamp_us_utc".into()
        }
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::List(f) => format!("list<{}>", contract_type(f.data_type())),
        other => format!("{other:?}"),
    }
}

fn strs<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(it))
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// Scales to 4 decimal places; None (and the row keeps price_text) when the
/// amount does not fit decimal(18,4).
fn decimal_18_4(d: &Decimal) -> Option<i128> {
    let mut d = d.round_dp(4);
    d.rescale(4);
    let m = d.mantissa();
    (m.abs() < 10i128.pow(18)).then_some(m)
}

fn listings_batch(rows: &[ListingRow]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut images = ListBuilder::new(StringBuilder::new());
    for r in rows {
        for u in &r.image_urls {
            images.values().append_value(u);
        }
        images.append(true);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![SCHEMA_VERSION; rows.len()])),
        strs(rows.iter().map(|r| Some(r.run_id.as_str()))),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(
                rows.iter().map(|r| r.observed_at.timestamp_micros()),
            )
            .with_timezone("UTC"),
        ),
        strs(rows.iter().map(|r| Some(r.listing_id.as_str()))),
        strs(rows.iter().map(|r| Some(r.url.as_str()))),
        strs(rows.iter().map(|r| Some(r.canonical_url.as_str()))),
        strs(rows.iter().map(|r| Some(r.status.as_str()))),
        strs(rows.iter().map(|r| r.removal_reason.as_deref())),
        Arc::new(Int32Array::from_iter_values(
            rows.iter().map(|r| r.http_status),
        )),
        strs(rows.iter().map(|r| r.title.as_deref())),
        strs(rows.iter().map(|r| r.description.as_deref())),
        strs(rows.iter().map(|r| r.price_text.as_deref())),
        Arc::new(
            Decimal128Array::from_iter(
                rows.iter()
                    .map(|r| r.price_amount.as_ref().and_then(decimal_18_4)),
            )
            .with_precision_and_scale(18, 4)?,
        ),
        strs(rows.iter().map(|r| r.currency.as_deref())),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.quantity))),
        strs(rows.iter().map(|r| r.seller_pseudonym.as_deref())),
        strs(rows.iter().map(|r| r.seller_location.as_deref())),
        strs(rows.iter().map(|r| r.ships_to.as_deref())),
        Arc::new(Date32Array::from_iter(
            rows.iter().map(|r| r.posted_date.map(days)),
        )),
        strs(rows.iter().map(|r| r.language.as_deref())),
        Arc::new(images.finish()),
        strs(rows.iter().map(|r| r.search_term.as_deref())),
        strs(rows.iter().map(|r| Some(r.extractor.as_str()))),
        strs(rows.iter().map(|r| Some(r.page_sha256.as_str()))),
        strs(rows.iter().map(|r| r.warc_file.as_deref())),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.warc_offset))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.warc_length))),
        strs(rows.iter().map(|r| r.warc_block_digest.as_deref())),
    ];
    RecordBatch::try_new(listings_schema(), cols)
}

fn fetch_batch(rows: &[FetchRow]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![SCHEMA_VERSION; rows.len()])),
        strs(rows.iter().map(|r| Some(r.run_id.as_str()))),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(
                rows.iter().map(|r| r.requested_at.timestamp_micros()),
            )
            .with_timezone("UTC"),
        ),
        strs(rows.iter().map(|r| Some(r.url.as_str()))),
        strs(rows.iter().map(|r| Some(r.kind.as_str()))),
        strs(rows.iter().map(|r| Some(r.outcome.as_str()))),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.http_status))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.bytes))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.elapsed_ms))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.retry_after_s))),
    ];
    RecordBatch::try_new(fetch_log_schema(), cols)
}

fn list_of(items: impl Iterator<Item = Vec<String>>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for v in items {
        for x in v {
            b.values().append_value(x);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

fn reports_batch(rows: &[ReportRow]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![SCHEMA_VERSION; rows.len()])),
        strs(rows.iter().map(|r| Some(r.report_id.as_str()))),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(
                rows.iter().map(|r| r.reported_at.timestamp_micros()),
            )
            .with_timezone("UTC"),
        ),
        strs(rows.iter().map(|r| Some(r.listing_id.as_str()))),
        strs(rows.iter().map(|r| Some(r.url.as_str()))),
        strs(rows.iter().map(|r| Some(r.confidence.as_str()))),
        strs(rows.iter().map(|r| r.taxon_group.as_deref())),
        strs(rows.iter().map(|r| r.taxon.as_deref())),
        strs(rows.iter().map(|r| r.cites_appendix.as_deref())),
        list_of(rows.iter().map(|r| r.matched_terms.clone())),
        list_of(rows.iter().map(|r| r.legality_claims.clone())),
        strs(rows.iter().map(|r| Some(r.evidence_digest.as_str()))),
        strs(rows.iter().map(|r| Some(r.criteria.as_str()))),
    ];
    RecordBatch::try_new(reports_schema(), cols)
}

/// The lake's table of reports to platforms.
pub const REPORTS: &str = "reports";

/// The partition folder of one report: `reports/source=<site>/report_date=<date>`.
pub fn report_partition_dir(lake: &Path, source: &str, report_date: NaiveDate) -> PathBuf {
    lake.join(REPORTS)
        .join(format!("source={source}"))
        .join(format!("report_date={}", report_date.format("%Y-%m-%d")))
}

/// Writes the listings of one report to one platform
/// (`reports/source=<site>/report_date=<UTC date of reported_at>/part-<report_id>.parquet`);
/// returns the file. Rewriting the same report rewrites the same file.
pub fn write_reports(
    lake: &Path,
    source: &str,
    report_id: &str,
    reported_at: DateTime<Utc>,
    rows: &[ReportRow],
) -> Result<PathBuf, LakeError> {
    let dir = report_partition_dir(lake, source, reported_at.date_naive());
    let path = dir.join(format!("part-{report_id}.parquet"));
    let batch = reports_batch(rows).map_err(|e| parquet_err(&path, e))?;
    write_atomically(&path, &batch)?;
    Ok(path)
}

/// The partition folder of one table, source and crawl date.
pub fn partition_dir(lake: &Path, table: &str, source: &str, crawl_date: NaiveDate) -> PathBuf {
    lake.join(table)
        .join(format!("source={source}"))
        .join(format!("crawl_date={}", crawl_date.format("%Y-%m-%d")))
}

/// Writes the listing observations of one source and run; returns the file.
pub fn write_listings(
    lake: &Path,
    source: &str,
    crawl_date: NaiveDate,
    run_id: &str,
    rows: &[ListingRow],
) -> Result<PathBuf, LakeError> {
    let dir = partition_dir(lake, "listings", source, crawl_date);
    let path = dir.join(format!("part-{run_id}.parquet"));
    let batch = listings_batch(rows).map_err(|e| parquet_err(&path, e))?;
    write_atomically(&path, &batch)?;
    Ok(path)
}

/// Writes the fetch log of one source and run; returns the file.
pub fn write_fetch_log(
    lake: &Path,
    source: &str,
    crawl_date: NaiveDate,
    run_id: &str,
    rows: &[FetchRow],
) -> Result<PathBuf, LakeError> {
    let dir = partition_dir(lake, "fetch_log", source, crawl_date);
    let path = dir.join(format!("part-{run_id}.parquet"));
    let batch = fetch_batch(rows).map_err(|e| parquet_err(&path, e))?;
    write_atomically(&path, &batch)?;
    Ok(path)
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> LakeError {
    LakeError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Temp file in the same folder, fsync, rename, fsync the folder. why: a
/// reader (or a crash) must never see a truncated Parquet file under a
/// `part-*.parquet` name.
fn write_atomically(path: &Path, batch: &RecordBatch) -> Result<(), LakeError> {
    let dir = path.parent().expect("partition folder");
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| LakeError::Io { path: p, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path.file_name().expect("file name").to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    let file = File::create(&tmp).map_err(io(&tmp))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid level"),
        ))
        .build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))
        .map_err(|e| parquet_err(&tmp, e))?;
    writer.write(batch).map_err(|e| parquet_err(&tmp, e))?;
    let file = writer.into_inner().map_err(|e| parquet_err(&tmp, e))?;
    file.sync_all().map_err(io(&tmp))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io(path))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(())
}
