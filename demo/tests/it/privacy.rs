//! The canary test: the demo marketplace plants seller handles, e-mail
//! addresses, phone numbers and @handles in its pages (its ground truth
//! lists them). After a real crawl of the demo, no byte of any lake file may
//! carry one: Parquet string columns are read back decompressed, and the raw
//! file bytes are searched too.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_demo::market::DemoOptions;
use wildtrace_demo::run::crawl_demo;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every string value of a column (lists of strings included).
fn strings(col: &ArrayRef, out: &mut Vec<String>) {
    match col.data_type() {
        DataType::Utf8 => {
            let a = col.as_string::<i32>();
            out.extend(
                (0..a.len())
                    .filter(|&i| a.is_valid(i))
                    .map(|i| a.value(i).to_string()),
            );
        }
        DataType::LargeUtf8 => {
            let a = col.as_string::<i64>();
            out.extend(
                (0..a.len())
                    .filter(|&i| a.is_valid(i))
                    .map(|i| a.value(i).to_string()),
            );
        }
        DataType::Utf8View => {
            let a = col.as_string_view();
            out.extend(
                (0..a.len())
                    .filter(|&i| a.is_valid(i))
                    .map(|i| a.value(i).to_string()),
            );
        }
        DataType::List(_) => {
            let a = col.as_list::<i32>();
            strings(a.values(), out);
        }
        DataType::LargeList(_) => {
            let a = col.as_list::<i64>();
            strings(a.values(), out);
        }
        DataType::Struct(_) => {
            for c in col.as_struct().columns() {
                strings(c, out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn no_planted_identity_reaches_the_lake() {
    let tmp = tempfile::tempdir().unwrap();
    // The demo resets only a data_dir whose name says "demo".
    let data = tmp.path().join("demo");
    let cfg_path = crate::manifest_dir().join("../config/demo.toml");
    let text = std::fs::read_to_string(&cfg_path).unwrap().replace(
        "data_dir = \"data/demo\"",
        &format!("data_dir = {:?}", data.display().to_string()),
    );
    let cfg = CrawlConfig::parse(&cfg_path, &text).unwrap();
    assert_eq!(cfg.data_dir, data);
    let demo = crawl_demo(
        &cfg,
        DemoOptions {
            seed: 7,
            listings_per_site: 30,
            ..DemoOptions::default()
        },
        1,
    )
    .await
    .unwrap();

    // The canaries, read from the ground truth with our own patterns.
    let email =
        regex::Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
            .unwrap();
    let phone = regex::Regex::new(r"\+\d[\d \-().]{6,}\d").unwrap();
    let at = regex::Regex::new(r"(?:^|[^\w.])@([A-Za-z0-9_.]{3,})").unwrap();
    let mut canaries: Vec<(String, &str)> = Vec::new();
    for l in &demo.ground_truth.listings {
        canaries.push((l.seller_handle.to_lowercase(), "seller handle"));
        for m in email.find_iter(&l.description) {
            canaries.push((m.as_str().to_lowercase(), "e-mail"));
        }
        for m in phone.find_iter(&l.description) {
            canaries.push((m.as_str().to_string(), "phone"));
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            canaries.push((digits, "phone digits"));
        }
        for c in at.captures_iter(&l.description) {
            canaries.push((format!("@{}", c[1].to_lowercase()), "@handle"));
        }
    }
    canaries.sort();
    canaries.dedup();
    let kinds = |k: &str| canaries.iter().filter(|(_, kind)| *kind == k).count();
    assert!(
        kinds("e-mail") >= 5,
        "the demo plants e-mails: {}",
        kinds("e-mail")
    );
    assert!(
        kinds("phone") >= 5,
        "the demo plants phones: {}",
        kinds("phone")
    );
    assert!(
        kinds("@handle") >= 3,
        "the demo plants @handles: {}",
        kinds("@handle")
    );
    assert!(kinds("seller handle") >= 10);

    let mut files = Vec::new();
    files_under(&cfg.lake_dir(), &mut files);
    let parquet: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    assert!(
        parquet.len() >= 6,
        "listings and fetch_log for three sites: {files:?}"
    );

    let mut values = Vec::new();
    let mut rows = 0;
    for p in &parquet {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(p).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            rows += batch.num_rows();
            for col in batch.columns() {
                strings(col, &mut values);
            }
        }
    }
    assert!(rows > 50, "the crawl wrote rows: {rows}");
    // Masking happened: the lake shows where contacts were.
    assert!(values.iter().any(|v| v.contains("[email]")));
    assert!(values.iter().any(|v| v.contains("[phone]")));

    let mut leaks = Vec::new();
    for v in &values {
        let low = v.to_lowercase();
        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
        for (c, kind) in &canaries {
            let hit = match *kind {
                "phone digits" => {
                    c.len() >= 9 && digits.contains(c.as_str()) && !v.starts_with("http")
                }
                "phone" => v.contains(c.as_str()),
                _ => low.contains(c.as_str()),
            };
            if hit {
                leaks.push(format!("{kind} {c:?} in {v:?}"));
            }
        }
    }
    // Raw bytes of every file under the lake (metadata, footers, any
    // uncompressed page) must not carry a canary either.
    for f in &files {
        let bytes = std::fs::read(f).unwrap().to_ascii_lowercase();
        for (c, kind) in &canaries {
            if *kind == "phone digits" {
                continue;
            }
            let needle = c.to_lowercase().into_bytes();
            if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                leaks.push(format!("{kind} {c:?} in the bytes of {}", f.display()));
            }
        }
    }
    leaks.sort();
    leaks.dedup();
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
