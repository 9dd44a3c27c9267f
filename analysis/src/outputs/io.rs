//! The published tables as data: [`Published`] holds them in memory (each
//! checked against its contract [`Table`] when a builder hands it over),
//! writes them as CSV and Parquet, and — for commands that work from an
//! output folder, such as `wildtrace report` — reads the CSV files back with
//! the contract's column types. [`View`] is how figures and the report read
//! cells, whichever way the tables came.
//!
//! It owns file formats (CSV layout, Parquet compression, the definitions
//! table's quoting). It must not compute anything or choose file names (the
//! contract in the parent module does).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::{
    Column as PlColumn, CsvWriter, DataFrame, DataType, IntoColumn, NamedFrom, ParquetCompression,
    ParquetWriter, SerWriter, Series, TimeUnit, TimeZone,
};

use super::{Column, ColumnType, DEFINITIONS_HEADER, Table, definitions};
use crate::atomic::write_atomic;
use crate::error::AnalysisError;

/// The published tables in memory, by contract table. A table may be
/// absent: an output folder read back may lack it (an older run, a test).
#[derive(Debug, Clone, Default)]
pub struct Published {
    frames: BTreeMap<&'static str, (&'static Table, DataFrame)>,
    /// Where the tables were read from (`None`: built in this process).
    dir: Option<PathBuf>,
}

fn contract_error(table: &Table, message: String) -> AnalysisError {
    AnalysisError::Table {
        path: table.files.csv.into(),
        message,
    }
}

impl Published {
    /// Takes a freshly built table: it must have exactly the contract's
    /// columns, in order, with the contract's types.
    pub(crate) fn insert(
        &mut self,
        table: &'static Table,
        df: DataFrame,
    ) -> Result<(), AnalysisError> {
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        if names != table.column_names() {
            return Err(contract_error(
                table,
                format!(
                    "built with columns {names:?}, the contract says {:?}",
                    table.column_names()
                ),
            ));
        }
        for c in table.columns {
            let dtype = df.column(c.name)?.dtype();
            if *dtype != c.ty.dtype() {
                return Err(contract_error(
                    table,
                    format!(
                        "column {} built as {dtype:?}, the contract says {:?}",
                        c.name, c.ty
                    ),
                ));
            }
        }
        self.frames.insert(table.name, (table, df));
        Ok(())
    }

    /// Takes a derived table as it is (the public view of tables that were
    /// checked, or read back leniently, already).
    pub(crate) fn put(&mut self, table: &'static Table, df: DataFrame) {
        self.frames.insert(table.name, (table, df));
    }

    /// The table's frame, if present.
    pub fn get(&self, table: &Table) -> Option<&DataFrame> {
        self.frames.get(table.name).map(|(_, df)| df)
    }

    /// The table for reading cells, if present.
    pub fn view(&self, table: &'static Table) -> Option<View<'_>> {
        self.get(table).map(|df| View {
            table,
            df,
            path: self
                .dir
                .as_ref()
                .map_or_else(|| table.files.csv.into(), |d| d.join(table.files.csv)),
        })
    }

    /// Reads the CSV files of `tables` under `out_dir` (those that exist)
    /// with the contract's column types. Lenient as a reader of published
    /// files should be: a file may hold a subset of the columns or extra ones
    /// (kept as text); a cell that does not parse as its type is empty.
    pub fn load(out_dir: &Path, tables: &[&'static Table]) -> Result<Published, AnalysisError> {
        let mut out = Published {
            frames: BTreeMap::new(),
            dir: Some(out_dir.to_path_buf()),
        };
        for &t in tables {
            let path = out_dir.join(t.files.csv);
            if path.exists() {
                out.frames.insert(t.name, (t, read_csv(t, &path)?));
            }
        }
        Ok(out)
    }

    /// Writes every present table of `tables` as CSV (and Parquet where the
    /// contract says so) under `out_dir`; returns the CSV and Parquet paths
    /// in the order of `tables`.
    pub(crate) fn write(
        &self,
        out_dir: &Path,
        tables: &[&'static Table],
    ) -> Result<(Vec<PathBuf>, Vec<PathBuf>), AnalysisError> {
        let (mut csvs, mut parquets) = (Vec::new(), Vec::new());
        for &t in tables {
            let Some(df) = self.get(t) else {
                return Err(contract_error(t, "was not built".into()));
            };
            let csv = out_dir.join(t.files.csv);
            write_csv(df, t, &csv)?;
            csvs.push(csv);
            if let Some(p) = t.files.parquet {
                let pq = out_dir.join(p);
                write_parquet(df, t, &pq)?;
                parquets.push(pq);
            }
        }
        Ok((csvs, parquets))
    }
}

/// Writes `df` (columns in contract order) as CSV with a header, atomically.
pub(crate) fn write_csv(df: &DataFrame, table: &Table, path: &Path) -> Result<(), AnalysisError> {
    let mut df = df.select(table.column_names())?;
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .with_float_scientific(Some(false))
        .finish(&mut df)?;
    write_atomic(path, &buf)
}

/// Writes `df` (columns in contract order) as zstd Parquet, atomically.
pub(crate) fn write_parquet(
    df: &DataFrame,
    table: &Table,
    path: &Path,
) -> Result<(), AnalysisError> {
    let mut df = df.select(table.column_names())?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)?;
    write_atomic(path, &buf)
}

/// The definitions table as CSV (`table,column,definition`, every field quoted).
pub(crate) fn definitions_csv() -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = DEFINITIONS_HEADER.join(",");
    out.push('\n');
    for (t, c, d) in definitions() {
        out.push_str(&format!("{},{},{}\n", q(t), q(c), q(d)));
    }
    out
}

/// Reads one published CSV file with the contract's types.
fn read_csv(table: &Table, path: &Path) -> Result<DataFrame, AnalysisError> {
    let bad = |e: csv::Error| AnalysisError::Table {
        path: path.to_path_buf(),
        message: format!("unreadable table: {e}"),
    };
    let mut r = csv::Reader::from_path(path).map_err(bad)?;
    let headers: Vec<String> = r.headers().map_err(bad)?.iter().map(String::from).collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for rec in r.records() {
        let rec = rec.map_err(bad)?;
        for (i, column) in cells.iter_mut().enumerate() {
            column.push(rec.get(i).unwrap_or("").to_string());
        }
    }
    let columns = headers
        .iter()
        .zip(&cells)
        .map(|(name, values)| {
            let ty = table.column(name).map_or(ColumnType::Utf8, |c| c.ty);
            parse_column(name, ty, values)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DataFrame::new_infer_height(columns)?)
}

/// An integer cell; a whole number written as a float (`4.0`, as other
/// tools write counts) reads as that integer.
fn int(v: &str) -> Option<i64> {
    v.parse::<i64>().ok().or_else(|| {
        let f = v.parse::<f64>().ok()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

/// One CSV column as its contract type; empty or unparsable cells are null.
fn parse_column(name: &str, ty: ColumnType, values: &[String]) -> Result<PlColumn, AnalysisError> {
    let name = name.into();
    let cells = || {
        values
            .iter()
            .map(|v| Some(v.trim()).filter(|v| !v.is_empty()))
    };
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    let series = match ty {
        ColumnType::Utf8 => Series::new(
            name,
            values
                .iter()
                .map(|v| (!v.is_empty()).then_some(v.as_str()))
                .collect::<Vec<_>>(),
        ),
        ColumnType::Int32 => Series::new(
            name,
            cells()
                .map(|v| v.and_then(|v| int(v).and_then(|i| i32::try_from(i).ok())))
                .collect::<Vec<_>>(),
        ),
        ColumnType::Int64 => {
            Series::new(name, cells().map(|v| v.and_then(int)).collect::<Vec<_>>())
        }
        ColumnType::Float64 => Series::new(
            name,
            cells()
                .map(|v| v.and_then(|v| v.parse::<f64>().ok()))
                .collect::<Vec<_>>(),
        ),
        ColumnType::Bool => Series::new(
            name,
            cells()
                .map(|v| v.and_then(|v| v.parse::<bool>().ok()))
                .collect::<Vec<_>>(),
        ),
        ColumnType::Date => Series::new(
            name,
            cells()
                .map(|v| {
                    v.and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
                        .map(|d| (d - epoch).num_days() as i32)
                })
                .collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)?,
        ColumnType::Timestamp => Series::new(
            name,
            cells()
                .map(|v| {
                    v.and_then(|v| {
                        NaiveDateTime::parse_from_str(
                            v.trim_end_matches('Z'),
                            "%Y-%m-%dT%H:%M:%S%.f",
                        )
                        .ok()
                    })
                    .map(|t| t.and_utc().timestamp_micros())
                })
                .collect::<Vec<_>>(),
        )
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
    };
    Ok(series.into_column())
}

/// A published table for reading cells by contract column, the same way
/// whether it was built in this process or read back from an output folder.
pub struct View<'a> {
    table: &'static Table,
    df: &'a DataFrame,
    path: PathBuf,
}

impl<'a> View<'a> {
    /// The table's contract.
    pub fn table(&self) -> &'static Table {
        self.table
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.df.height()
    }

    fn column(&self, c: &Column) -> Result<&'a PlColumn, AnalysisError> {
        self.df.column(c.name).map_err(|_| AnalysisError::Table {
            path: self.path.clone(),
            message: format!("table has no column {}", c.name),
        })
    }

    /// A text column; empty cells are `""`.
    pub fn text(&self, c: &Column) -> Result<Vec<&'a str>, AnalysisError> {
        let col = self.column(c)?;
        let s = col.str().map_err(|e| AnalysisError::Table {
            path: self.path.clone(),
            message: format!("column {} is not text: {e}", c.name),
        })?;
        Ok(s.iter().map(|v| v.unwrap_or("")).collect())
    }

    /// A numeric column as floats; empty cells are `None`.
    pub fn numbers(&self, c: &Column) -> Result<Vec<Option<f64>>, AnalysisError> {
        let s = self.column(c)?.cast(&DataType::Float64)?;
        Ok(s.f64()?.iter().collect())
    }

    /// An integer column (years); empty cells are `None`.
    pub fn ints(&self, c: &Column) -> Result<Vec<Option<i32>>, AnalysisError> {
        let s = self.column(c)?.cast(&DataType::Int32)?;
        Ok(s.i32()?.iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_csv_reads_back_with_the_contract_types() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join("tables")).unwrap();
        std::fs::write(
            out.join(crate::outputs::ANNUAL.files.csv),
            "year,taxon_group,confidence,listings,specimens,extra\n2025,Elephants,confirmed,4.0,,x\n2024,,suspected,2,3,y\n",
        )
        .unwrap();
        let p = Published::load(out, &[&crate::outputs::ANNUAL, &crate::outputs::ROUTES]).unwrap();
        assert!(
            p.get(&crate::outputs::ROUTES).is_none(),
            "absent file, absent table"
        );
        let t = p.view(&crate::outputs::ANNUAL).unwrap();
        use crate::outputs::annual_by_taxon_group as a;
        assert_eq!(t.ints(&a::YEAR).unwrap(), vec![Some(2025), Some(2024)]);
        assert_eq!(t.text(&a::TAXON_GROUP).unwrap(), vec!["Elephants", ""]);
        assert_eq!(t.numbers(&a::LISTINGS).unwrap(), vec![Some(4.0), Some(2.0)]);
        assert_eq!(t.numbers(&a::SPECIMENS).unwrap(), vec![None, Some(3.0)]);
        let df = p.get(&crate::outputs::ANNUAL).unwrap();
        assert_eq!(df.column("year").unwrap().dtype(), &DataType::Int32);
        assert_eq!(df.column("extra").unwrap().dtype(), &DataType::String);
    }
}
