//! The spreadsheet edition of the annual statistics: one XLSX workbook
//! (written with `rust_xlsxwriter`) with a sheet per table the output
//! contract lists in [`XLSX_SHEETS`], taken from the tables in memory, and a
//! `definitions` sheet with the contract's column definitions.
//!
//! It owns the cell rendering (numbers stay numbers, nulls stay empty) and
//! the workbook layout. It must not compute anything or define columns.

use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::atomic::write_atomic;
use crate::error::AnalysisError;
use crate::outputs::{DEFINITIONS_HEADER, DEFINITIONS_SHEET, Published, XLSX_SHEETS, definitions};

fn xerr(path: &Path, e: impl std::fmt::Display) -> AnalysisError {
    AnalysisError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes the workbook atomically: one sheet per table of [`XLSX_SHEETS`],
/// then `definitions`.
pub(crate) fn write(path: &Path, tables: &Published) -> Result<(), AnalysisError> {
    let mut wb = Workbook::new();
    // A fixed creation date keeps the file byte-identical across runs (the
    // manifest hashes it; the analysis has no clock).
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(|e| xerr(path, e))?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    for t in XLSX_SHEETS {
        let df = tables
            .get(t)
            .ok_or_else(|| xerr(path, format!("table {} was not built", t.name)))?;
        let ws = wb.add_worksheet();
        ws.set_name(t.name).map_err(|e| xerr(path, e))?;
        let columns = t.column_names();
        let df = df.select(columns.iter().copied())?;
        for (c, name) in columns.iter().enumerate() {
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
    ws.set_name(DEFINITIONS_SHEET).map_err(|e| xerr(path, e))?;
    for (c, h) in DEFINITIONS_HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(|e| xerr(path, e))?;
    }
    for (r, (t, c, d)) in definitions().into_iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, t).map_err(|e| xerr(path, e))?;
        ws.write_string(row, 1, c).map_err(|e| xerr(path, e))?;
        ws.write_string(row, 2, d).map_err(|e| xerr(path, e))?;
    }
    ws.set_column_width(2, 120).map_err(|e| xerr(path, e))?;
    let bytes = wb.save_to_buffer().map_err(|e| xerr(path, e))?;
    write_atomic(path, &bytes)
}
