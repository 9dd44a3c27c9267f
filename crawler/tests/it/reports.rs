//! Reports to platforms, the crawler's side: the lake's `reports` table
//! against the contract, its atomic file, the state store's report tables
//! (and a reopened store still knowing them), and the intake's config key
//! (validated, with file, line and key).

use chrono::{TimeZone, Utc};
use parquet::file::reader::{FileReader, SerializedFileReader};
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::lake::{self, ReportRow, reports_schema};

use crate::contract::{arrow_columns, contract_columns};
use wildtrace_crawler::report::{PlatformReport, record};
use wildtrace_crawler::state::{Store, Submission};

#[test]
fn reports_schema_matches_contract() {
    assert_eq!(
        arrow_columns(&reports_schema()),
        contract_columns("reports")
    );
}

const JOB: &str = r#"
[job]
name = "rep"

[identity]
product_token = "wildtrace"
contact = "mailto:research@example.org"

[politeness]
min_delay_ms = 20

[storage]
data_dir = "DATA"

[[sites]]
name = "bazaar"
base_url = "http://127.0.0.1:9/"
profile = "bazaar"
search = "/search?q={term}"
terms = ["ivory"]
INTAKE

# (last, so the lines above keep their numbers) The site is on this machine.
[scope]
allow_loopback = true
"#;

fn job(dir: &std::path::Path, intake: &str) -> Result<CrawlConfig, String> {
    let text = JOB
        .replace("DATA", &dir.join("data").display().to_string())
        .replace("INTAKE", intake);
    let path = dir.join("job.toml");
    std::fs::write(&path, text).unwrap();
    CrawlConfig::load(&path).map_err(|e| e.to_string())
}

fn rows(report_id: &str, n: usize) -> Vec<ReportRow> {
    (0..n)
        .map(|i| ReportRow {
            report_id: report_id.into(),
            reported_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap(),
            listing_id: format!("bazaar:{i}"),
            url: format!("http://127.0.0.1:9/ad/{i}-x"),
            confidence: "confirmed".into(),
            taxon_group: Some("Elephants".into()),
            taxon: (i % 2 == 0).then(|| "Loxodonta africana".into()),
            cites_appendix: (i % 2 == 0).then(|| "I/II".into()),
            matched_terms: vec!["elephant".into(), "ivory".into()],
            legality_claims: if i == 1 {
                vec!["antique".into()]
            } else {
                vec![]
            },
            evidence_digest: format!("sha256:{}", "ab".repeat(32)),
            criteria: "{\"min_confidence\":\"confirmed\"}".into(),
        })
        .collect()
}

#[test]
fn a_report_is_recorded_in_the_lake_and_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = job(dir.path(), "").unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap();
    // A crash mid-write left a temp file where the report goes: it is never
    // read as a part, and the write replaces it.
    let part_dir = lake::report_partition_dir(&cfg.lake_dir(), "bazaar", at.date_naive());
    std::fs::create_dir_all(&part_dir).unwrap();
    std::fs::write(part_dir.join(".part-R1.parquet.tmp"), b"half a file").unwrap();

    let report = PlatformReport {
        report_id: "R1".into(),
        source: "bazaar".into(),
        reported_at: at,
        criteria: "{}".into(),
        rows: rows("R1", 3),
    };
    let file = record(&cfg, &report).unwrap();
    assert_eq!(
        file,
        cfg.lake_dir()
            .join("reports/source=bazaar/report_date=2026-12-01/part-R1.parquet")
    );
    let names: Vec<String> = std::fs::read_dir(&part_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["part-R1.parquet".to_string()],
        "temp file replaced"
    );
    let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), 3);
    let arrow = parquet::arrow::parquet_to_arrow_schema(
        meta.file_metadata().schema_descr(),
        meta.file_metadata().key_value_metadata(),
    )
    .unwrap();
    assert_eq!(arrow_columns(&arrow), contract_columns("reports"));

    // Recorded again (same id): the same file, no duplicate marks.
    record(&cfg, &report).unwrap();
    let mut other = report.clone();
    other.report_id = "R2".into();
    other.reported_at = at + chrono::TimeDelta::days(3);
    other.rows = rows("R2", 1);
    record(&cfg, &other).unwrap();

    let mut store = Store::open(&cfg.state_dir()).unwrap();
    let reports = store.reports().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(
        reports[0].listing_ids,
        vec!["bazaar:0", "bazaar:1", "bazaar:2"]
    );
    assert_eq!(reports[0].lake_file, file.display().to_string());
    let marked = store.reported_listings("bazaar").unwrap();
    assert_eq!(marked.len(), 3);
    // A listing reported twice counts from its first report.
    assert_eq!(marked["bazaar:0"], at);
    assert!(store.reported_listings("curioshop").unwrap().is_empty());

    let sub = Submission {
        report_id: "R1".into(),
        source: "bazaar".into(),
        intake_url: "http://127.0.0.1:9/report/intake".into(),
        submitted_at: at,
        http_status: Some(500),
        receipt_id: None,
        error: Some("HTTP 500: down".into()),
    };
    store.record_submission(&sub).unwrap();
    drop(store);
    let store = Store::open(&cfg.state_dir()).unwrap();
    assert_eq!(store.submissions().unwrap(), vec![sub]);
    assert_eq!(store.reported_listings("bazaar").unwrap(), marked);

    // A platform the job does not crawl is refused.
    let mut stray = report.clone();
    stray.source = "elsewhere".into();
    assert!(record(&cfg, &stray).is_err());
}

#[test]
fn the_report_intake_is_validated_with_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let ok = job(
        dir.path(),
        "[sites.report_intake]\nurl = \"/report/intake\"",
    )
    .unwrap();
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    assert_eq!(
        ok.sites[0].report_intake_url(&base).unwrap().as_str(),
        "http://127.0.0.1:9/report/intake"
    );
    let abs = job(
        dir.path(),
        "[sites.report_intake]\nurl = \"https://safety.example.org/api/reports\"",
    )
    .unwrap();
    assert_eq!(
        abs.sites[0].report_intake_url(&base).unwrap().host_str(),
        Some("safety.example.org")
    );
    assert!(
        job(dir.path(), "").unwrap().sites[0]
            .report_intake
            .is_none()
    );

    let e = job(
        dir.path(),
        "[sites.report_intake]\nurl = \"ftp://x.example/\"",
    )
    .unwrap_err();
    assert!(
        e.contains("job.toml:22") && e.contains("`sites[0].report_intake.url`"),
        "{e}"
    );
    let e = job(dir.path(), "[sites.report_intake]\nurl = \"intake\"").unwrap_err();
    assert!(e.contains("`sites[0].report_intake.url`"), "{e}");
    let e = job(
        dir.path(),
        "[sites.report_intake]\nurl = \"/r\"\nemail = \"abuse@example.org\"",
    )
    .unwrap_err();
    assert!(e.contains("email"), "{e}");
}
