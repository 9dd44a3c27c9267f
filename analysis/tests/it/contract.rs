//! The analysis against the lake contract (`data/schema/lake.toml`): every
//! column the analysis reads exists there with the same type, the contract
//! version matches, and lakes that break the contract are refused clearly.

use polars::prelude::*;
use wildtrace_analysis::lake::{self, ColumnType, LakeColumn, SCHEMA_VERSION};
use wildtrace_analysis::{AnalysisError, AnalysisOptions};

use crate::support::{self, R1, obs};

fn check_columns(contract: &support::Contract, cols: &[LakeColumn]) {
    for c in cols {
        let table = contract.table(c.table);
        let found = table
            .columns
            .iter()
            .find(|k| k.name == c.name)
            .unwrap_or_else(|| {
                panic!(
                    "analysis reads {}.{}, which lake.toml does not define",
                    c.table, c.name
                )
            });
        assert_eq!(
            found.ty,
            c.ty.contract_name(),
            "{}.{}: analysis expects {}, lake.toml says {}",
            c.table,
            c.name,
            c.ty.contract_name(),
            found.ty
        );
        assert_eq!(ColumnType::from_contract_name(&found.ty), Some(c.ty));
    }
}

#[test]
fn every_column_the_analysis_reads_is_in_the_contract_with_the_same_type() {
    let contract = support::contract();
    assert!(!lake::LISTINGS_READ.is_empty());
    check_columns(&contract, lake::LISTINGS_READ);
    check_columns(&contract, lake::FETCH_LOG_COLUMNS);
    check_columns(&contract, lake::REPORTS_READ);
    // The warehouse's typed fetch_log fallback covers the whole table.
    assert_eq!(
        lake::FETCH_LOG_COLUMNS.len(),
        contract.table("fetch_log").columns.len()
    );
}

#[test]
fn schema_version_matches_the_contract() {
    assert_eq!(lake::SCHEMA_VERSION, support::contract().schema_version);
}

#[test]
fn partitions_match_the_contract() {
    let contract = support::contract();
    let names: Vec<&str> = contract.partitions.keys().map(String::as_str).collect();
    let mut ours: Vec<&str> = lake::PARTITIONS.iter().map(|(n, _)| *n).collect();
    // The reports table takes report_date in crawl_date's place.
    ours.push(lake::REPORT_DATE);
    let mut a = names.clone();
    let mut b = ours.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // Partition columns are never stored in the files.
    for t in &contract.tables {
        for (p, _) in lake::PARTITIONS {
            assert!(
                t.columns.iter().all(|c| c.name != *p),
                "{}.{p} is a file column",
                t.name
            );
        }
    }
}

#[test]
fn every_contract_type_name_parses() {
    for t in &support::contract().tables {
        for c in &t.columns {
            assert!(
                ColumnType::from_contract_name(&c.ty).is_some(),
                "{}.{} has type {} the analysis cannot name",
                t.name,
                c.name,
                c.ty
            );
        }
    }
}

fn opts(lake: &std::path::Path, out: &std::path::Path) -> AnalysisOptions {
    AnalysisOptions::new(
        lake.to_path_buf(),
        out.to_path_buf(),
        &support::repo(),
        "test".into(),
    )
}

#[test]
fn an_unknown_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    support::write_listings(
        &lake,
        &[
            obs(
                "bazaar",
                R1,
                "2026-11-29T08:00:00Z",
                "1",
                "Elephant ivory bangle",
            ),
            obs("bazaar", R1, "2026-11-29T08:01:00Z", "2", "Rhino horn cup")
                .schema_version(SCHEMA_VERSION + 1),
        ],
    );
    let err = wildtrace_analysis::run(&opts(&lake, &dir.path().join("out"))).unwrap_err();
    match &err {
        AnalysisError::UnknownSchemaVersion { found, known, .. } => {
            assert_eq!(found, &vec![SCHEMA_VERSION, SCHEMA_VERSION + 1]);
            assert_eq!(*known, SCHEMA_VERSION);
        }
        other => panic!("expected UnknownSchemaVersion, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "schema_version [{}, {}]",
            SCHEMA_VERSION,
            SCHEMA_VERSION + 1
        )) && msg.contains(&format!("reads only schema_version {SCHEMA_VERSION}")),
        "{msg}"
    );
    assert!(!dir.path().join("out").join("wildtrace.duckdb").exists());
}

#[test]
fn a_column_with_the_wrong_type_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let mut df = support::listings_frame(&[obs(
        "bazaar",
        R1,
        "2026-11-29T08:00:00Z",
        "1",
        "Rhino horn cup",
    )
    .qty(2)]);
    let q = df
        .column("quantity")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    df.with_column(q).unwrap();
    support::write_part(&lake, "listings", "bazaar", R1, &mut df);
    let err = wildtrace_analysis::run(&opts(&lake, &dir.path().join("out"))).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AnalysisError::Lake { .. }), "{msg}");
    assert!(msg.contains("`quantity`") && msg.contains("int32"), "{msg}");
}

#[test]
fn a_missing_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let df = support::listings_frame(&[obs(
        "bazaar",
        R1,
        "2026-11-29T08:00:00Z",
        "1",
        "Rhino horn cup",
    )]);
    let mut df = df.drop("posted_date").unwrap();
    support::write_part(&lake, "listings", "bazaar", R1, &mut df);
    let msg = wildtrace_analysis::run(&opts(&lake, &dir.path().join("out")))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("column `posted_date` is missing"), "{msg}");
}

#[test]
fn an_empty_lake_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    std::fs::create_dir_all(lake.join("listings")).unwrap();
    let err = wildtrace_analysis::run(&opts(&lake, &dir.path().join("out"))).unwrap_err();
    assert!(matches!(err, AnalysisError::Lake { .. }), "{err}");
    assert!(
        err.to_string().contains("no listings Parquet files"),
        "{err}"
    );
}
