//! The lake contract: the crawler's Arrow schemas and the files it writes
//! must match `data/schema/lake.toml` column for column.

use chrono::{NaiveDate, TimeZone, Utc};
use parquet::file::reader::{FileReader, SerializedFileReader};
use rust_decimal::Decimal;
use wildtrace_crawler::lake::{
    self, FetchRow, ListingRow, SCHEMA_VERSION, contract_type, fetch_log_schema, listings_schema,
};

fn contract() -> toml::Value {
    let path = crate::manifest_dir().join("../data/schema/lake.toml");
    toml::from_str(&std::fs::read_to_string(path).expect("contract file")).expect("contract parses")
}

pub(crate) fn contract_columns(table: &str) -> Vec<(String, String, bool)> {
    let c = contract();
    let t = c["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some(table))
        .unwrap_or_else(|| panic!("table {table} in contract"));
    t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(
                c["description"].as_str().is_some_and(|d| d.len() > 10),
                "every column is documented: {c:?}"
            );
            (
                c["name"].as_str().unwrap().to_string(),
                c["type"].as_str().unwrap().to_string(),
                c["nullable"].as_bool().unwrap(),
            )
        })
        .collect()
}

pub(crate) fn arrow_columns(schema: &arrow_schema::Schema) -> Vec<(String, String, bool)> {
    schema
        .fields()
        .iter()
        .map(|f| {
            (
                f.name().clone(),
                contract_type(f.data_type()),
                f.is_nullable(),
            )
        })
        .collect()
}

#[test]
fn schema_version_matches_contract() {
    assert_eq!(
        contract()["schema_version"].as_integer(),
        Some(SCHEMA_VERSION as i64)
    );
}

#[test]
fn listings_schema_matches_contract() {
    assert_eq!(
        arrow_columns(&listings_schema()),
        contract_columns("listings")
    );
}

#[test]
fn fetch_log_schema_matches_contract() {
    assert_eq!(
        arrow_columns(&fetch_log_schema()),
        contract_columns("fetch_log")
    );
}

fn row(i: usize) -> ListingRow {
    ListingRow {
        run_id: "20261130T000000Z-test-0001".into(),
        observed_at: Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, i as u32).unwrap(),
        listing_id: format!("bazaar:{i}"),
        url: format!("http://127.0.0.1:1/ad/{i}"),
        canonical_url: format!("http://127.0.0.1:1/ad/{i}"),
        status: "active".into(),
        removal_reason: None,
        http_status: 200,
        title: Some("Elephant ivory bangle".into()),
        description: None,
        price_text: Some("1.299,00 €".into()),
        price_amount: Some(Decimal::new(129900, 2)),
        currency: Some("EUR".into()),
        quantity: i.is_multiple_of(2).then_some(2),
        seller_pseudonym: Some("s_00".into()),
        seller_location: None,
        ships_to: None,
        posted_date: NaiveDate::from_ymd_opt(2021, 3, 4),
        language: Some("en".into()),
        image_urls: vec!["http://127.0.0.1:1/img/1.jpg".into(); i % 3],
        search_term: Some("ivory".into()),
        extractor: "profile:bazaar".into(),
        page_sha256: "00".repeat(32),
        warc_file: Some("wildtrace-r1-bazaar.warc.gz".into()),
        warc_offset: Some(1024 * i as i64),
        warc_length: Some(900),
        warc_block_digest: Some("sha256:ABCDEFGH".into()),
    }
}

#[test]
fn written_files_are_partitioned_zstd_parquet_with_the_contract_schema() {
    let dir = tempfile::tempdir().unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let rows: Vec<ListingRow> = (0..5).map(row).collect();
    let path = lake::write_listings(dir.path(), "bazaar", date, "r1", &rows).unwrap();
    assert_eq!(
        path,
        dir.path()
            .join("listings/source=bazaar/crawl_date=2026-11-30/part-r1.parquet")
    );
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["part-r1.parquet".to_string()],
        "no temp file left behind"
    );

    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), 5);
    let col = meta.row_group(0).column(0);
    assert_eq!(
        col.compression(),
        parquet::basic::Compression::ZSTD(Default::default())
    );
    let arrow = parquet::arrow::parquet_to_arrow_schema(
        meta.file_metadata().schema_descr(),
        meta.file_metadata().key_value_metadata(),
    )
    .unwrap();
    assert_eq!(arrow_columns(&arrow), contract_columns("listings"));

    let log = vec![FetchRow {
        run_id: "r1".into(),
        requested_at: Utc::now(),
        url: "http://127.0.0.1:1/robots.txt".into(),
        kind: "robots".into(),
        outcome: "fetched".into(),
        http_status: Some(200),
        bytes: Some(10),
        elapsed_ms: Some(1),
        retry_after_s: None,
    }];
    let path = lake::write_fetch_log(dir.path(), "bazaar", date, "r1", &log).unwrap();
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata();
    let arrow = parquet::arrow::parquet_to_arrow_schema(
        meta.file_metadata().schema_descr(),
        meta.file_metadata().key_value_metadata(),
    )
    .unwrap();
    assert_eq!(arrow_columns(&arrow), contract_columns("fetch_log"));
}
