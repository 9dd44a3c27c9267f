//! The DuckDB warehouse `wildtrace.duckdb`: rebuilt from scratch on every run
//! (in a temporary file, then renamed), with views `listings` and
//! `fetch_log` over the Parquet lake and one table per published table of
//! the output contract, loaded from the file the contract names
//! ([`Table::warehouse_source`]): Parquet keeps its types, CSV is read with
//! the contract's column types; plus [`sql`], the read-only query entry
//! point behind `wildtrace sql`.
//!
//! It owns the warehouse layout and value formatting for display. It must not
//! compute statistics (the tables come from `tables`), name a published file
//! or column itself (the contract in `outputs` does) or write to the lake.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use duckdb::types::Value;
use duckdb::{AccessMode, Config, Connection};

use crate::atomic::{commit, temp_sibling};
use crate::error::AnalysisError;
use crate::lake::{self, LakeColumn};
use crate::outputs::Table;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `CREATE VIEW` over one lake table, or — when the lake has no files for it
/// yet — an empty view with the contract's columns and types.
fn lake_view(
    lake_dir: &Path,
    table: &str,
    columns: &[LakeColumn],
) -> Result<String, AnalysisError> {
    if lake::parquet_files(&lake_dir.join(table))?.is_empty() {
        let mut cols: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST(NULL AS {}) AS {}", c.ty.duckdb_type(), ident(c.name)))
            .collect();
        for (name, ty) in lake::PARTITIONS {
            cols.push(format!(
                "CAST(NULL AS {}) AS {}",
                ty.duckdb_type(),
                ident(name)
            ));
        }
        return Ok(format!(
            "CREATE VIEW {} AS SELECT {} WHERE false;\n",
            ident(table),
            cols.join(", ")
        ));
    }
    let hive_types: Vec<String> = lake::PARTITIONS
        .iter()
        .map(|(name, ty)| format!("{}: {}", quote(name), ty.duckdb_type()))
        .collect();
    Ok(format!(
        "CREATE VIEW {} AS SELECT * FROM read_parquet({}, hive_partitioning = true, \
         hive_types = {{{}}});\n",
        ident(table),
        quote(&lake::table_glob(lake_dir, table)),
        hive_types.join(", "),
    ))
}

/// `CREATE TABLE` for one published table from its file under `out_dir`.
fn load_table(out_dir: &Path, t: &Table) -> Result<String, AnalysisError> {
    let rel = t.warehouse_source();
    let path = out_dir.join(rel);
    let file = path
        .canonicalize()
        .map_err(|e| AnalysisError::io(&path, e))?;
    let file = quote(&file.to_string_lossy());
    if t.files.parquet.is_some() {
        return Ok(format!(
            "CREATE TABLE {} AS SELECT * FROM read_parquet({file});\n",
            ident(t.name),
        ));
    }
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{}: {}", quote(c.name), quote(c.ty.duckdb_type())))
        .collect();
    Ok(format!(
        "CREATE TABLE {} AS SELECT * FROM read_csv({file}, header = true, delim = ',', quote = '\"', columns = {{{}}});\n",
        ident(t.name),
        cols.join(", ")
    ))
}

/// Rebuilds the warehouse at `target`: the lake views, then each of
/// `tables` (already written under `out_dir`) in order, then `provenance`.
pub(crate) fn build(
    target: &Path,
    lake_dir: &Path,
    out_dir: &Path,
    tables: &[&Table],
    provenance: &[(&str, String)],
) -> Result<(), AnalysisError> {
    let lake_dir = lake_dir
        .canonicalize()
        .map_err(|e| AnalysisError::io(lake_dir, e))?;
    let tmp = temp_sibling(target, "");
    let wal = |p: &Path| PathBuf::from(format!("{}.wal", p.display()));
    for stale in [tmp.clone(), wal(&tmp)] {
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| AnalysisError::io(&stale, e))?;
        }
    }

    let mut sql = String::new();
    sql.push_str(&lake_view(&lake_dir, lake::LISTINGS, lake::LISTINGS_READ)?);
    sql.push_str(&lake_view(
        &lake_dir,
        lake::FETCH_LOG,
        lake::FETCH_LOG_COLUMNS,
    )?);
    for t in tables {
        sql.push_str(&load_table(out_dir, t)?);
    }
    sql.push_str("CREATE TABLE provenance (key VARCHAR NOT NULL, value VARCHAR);\n");
    for (k, v) in provenance {
        sql.push_str(&format!(
            "INSERT INTO provenance VALUES ({}, {});\n",
            quote(k),
            quote(v)
        ));
    }
    sql.push_str("CHECKPOINT;\n");

    let result = (|| {
        let conn = Connection::open(&tmp).map_err(|e| AnalysisError::duckdb(&tmp, e))?;
        conn.execute_batch(&sql)
            .map_err(|e| AnalysisError::duckdb(&tmp, e))?;
        conn.close()
            .map_err(|(_, e)| AnalysisError::duckdb(&tmp, e))?;
        // A WAL left next to the target would be replayed into the new file.
        let target_wal = wal(target);
        if target_wal.exists() {
            std::fs::remove_file(&target_wal).map_err(|e| AnalysisError::io(&target_wal, e))?;
        }
        commit(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(wal(&tmp));
    }
    result
}

/// Runs one SQL statement against the warehouse (read-only) and returns the
/// column names and every row with each value rendered as text (NULL as
/// `NULL`).
pub fn sql(
    warehouse: &Path,
    query: &str,
) -> Result<(Vec<String>, Vec<Vec<String>>), AnalysisError> {
    if !warehouse.is_file() {
        return Err(AnalysisError::io(
            warehouse,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no warehouse here; run the analysis first",
            ),
        ));
    }
    let err = |e| AnalysisError::duckdb(warehouse, e);
    let config = Config::default()
        .access_mode(AccessMode::ReadOnly)
        .map_err(err)?;
    let conn = Connection::open_with_flags(warehouse, config).map_err(err)?;
    let mut stmt = conn.prepare(query).map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    let names = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        let mut cells = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            let v: Value = row.get(i).map_err(err)?;
            cells.push(render(&v));
        }
        out.push(cells);
    }
    Ok((names, out))
}

/// Text form of a DuckDB value for display.
pub(crate) fn render(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Boolean(b) => b.to_string(),
        Value::TinyInt(i) => i.to_string(),
        Value::SmallInt(i) => i.to_string(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(i) => i.to_string(),
        Value::HugeInt(i) => i.to_string(),
        Value::UTinyInt(i) => i.to_string(),
        Value::USmallInt(i) => i.to_string(),
        Value::UInt(i) => i.to_string(),
        Value::UBigInt(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(f) => f.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Text(s) | Value::Enum(s) => s.clone(),
        Value::Date32(days) => NaiveDate::from_num_days_from_ce_opt(days + 719_163)
            .map(|d| d.to_string())
            .unwrap_or_else(|| format!("date32({days})")),
        Value::Timestamp(unit, t) => DateTime::from_timestamp_micros(unit.to_micros(*t))
            .map(|d| d.format("%Y-%m-%d %H:%M:%S%.f").to_string())
            .unwrap_or_else(|| format!("timestamp({t})")),
        Value::List(items) | Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", inner.join(", "))
        }
        other => format!("{other:?}"),
    }
}
