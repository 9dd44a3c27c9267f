//! The output contract: every table the analysis publishes, defined once —
//! its name, its columns (name, type, definition) in order, its files
//! (`tables/<name>.csv`, and `.parquet` for the statistics tables), whether
//! it is a sheet of the XLSX workbook, and how the warehouse loads it.
//!
//! - this file: the vocabulary ([`ColumnType`], [`Column`], [`Table`]), the
//!   registries ([`ALL`], [`STAT`], [`XLSX_SHEETS`]) and the other output
//!   file names;
//! - [`schema`]: every table's columns, one constant per column, which the
//!   builders, figures and report use instead of spelling a name again;
//! - [`io`]: [`Published`] (the tables in memory, checked against the
//!   contract), the CSV/Parquet writers, the CSV reader that loads a
//!   published output folder back with the contract's types, and the
//!   definitions table.
//!
//! It owns names, types, order and file formats. It must not compute
//! anything (the builders in `tables` do) and must not know how a table is
//! drawn or reported.

pub mod io;
pub mod schema;

pub use io::{Published, View};
pub use schema::*;

/// The type of a published column (in memory, in Parquet, in DuckDB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Utf8,
    Int32,
    Int64,
    Float64,
    Bool,
    Date,
    /// Microseconds, UTC.
    Timestamp,
}

impl ColumnType {
    /// The DuckDB type of the column.
    pub fn duckdb_type(self) -> &'static str {
        match self {
            ColumnType::Utf8 => "VARCHAR",
            ColumnType::Int32 => "INTEGER",
            ColumnType::Int64 => "BIGINT",
            ColumnType::Float64 => "DOUBLE",
            ColumnType::Bool => "BOOLEAN",
            ColumnType::Date => "DATE",
            ColumnType::Timestamp => "TIMESTAMP WITH TIME ZONE",
        }
    }

    /// The polars dtype the column has in memory and in Parquet.
    pub fn dtype(self) -> polars::prelude::DataType {
        use polars::prelude::{DataType, TimeUnit, TimeZone};
        match self {
            ColumnType::Utf8 => DataType::String,
            ColumnType::Int32 => DataType::Int32,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Date => DataType::Date,
            ColumnType::Timestamp => {
                DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            }
        }
    }
}

/// What a column means, as the definitions table says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// Not in the definitions table (self-explanatory, or defined in
    /// another table).
    Undefined,
    /// Defined in the definitions table.
    Defined(&'static str),
}

/// One published column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub meaning: Meaning,
}

impl Column {
    /// A column without an entry in the definitions table.
    pub const fn new(name: &'static str, ty: ColumnType) -> Column {
        Column {
            name,
            ty,
            meaning: Meaning::Undefined,
        }
    }

    /// The same column with its definition.
    pub const fn defined(self, text: &'static str) -> Column {
        Column {
            meaning: Meaning::Defined(text),
            ..self
        }
    }

    /// A polars column of this name holding `values`.
    pub(crate) fn values<T, P: ?Sized>(&self, values: T) -> polars::prelude::Column
    where
        polars::prelude::Series: polars::prelude::NamedFrom<T, P>,
    {
        polars::prelude::Column::new(self.name.into(), values)
    }

    /// The definition text, if any.
    pub fn definition(&self) -> Option<&'static str> {
        match self.meaning {
            Meaning::Defined(t) => Some(t),
            Meaning::Undefined => None,
        }
    }
}

/// Where a table's files go, relative to the output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Files {
    pub csv: &'static str,
    /// `None`: the table is published as CSV only.
    pub parquet: Option<&'static str>,
}

/// `tables/<name>.csv` (and `.parquet`) from one spelling of the name.
macro_rules! files {
    ($name:literal) => {
        Files {
            csv: concat!("tables/", $name, ".csv"),
            parquet: None,
        }
    };
    ($name:literal, parquet) => {
        Files {
            csv: concat!("tables/", $name, ".csv"),
            parquet: Some(concat!("tables/", $name, ".parquet")),
        }
    };
}
pub(crate) use files;

/// How the definitions table lists a table's defined columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionOrder {
    /// In column order.
    Columns,
    /// In this order (the published order of `definitions.csv`).
    Listed(&'static [Column]),
}

/// One published table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The table's name: in the file names, the XLSX sheet and the warehouse.
    pub name: &'static str,
    pub files: Files,
    /// The columns, in order.
    pub columns: &'static [Column],
    pub definition_order: DefinitionOrder,
}

impl Table {
    /// The column names, in order.
    pub fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }

    /// The column called `name`, if the table has one.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// How the warehouse loads the table: from its Parquet file when it has
    /// one (the Parquet types carry over), else from its CSV file with the
    /// contract's types.
    pub fn warehouse_source(&self) -> &'static str {
        self.files.parquet.unwrap_or(self.files.csv)
    }

    /// The columns listed in the definitions table under this table's name,
    /// in the published order (shared definitions excluded: they are listed
    /// once under `*`).
    pub fn defined_columns(&self) -> Vec<&'static Column> {
        let own =
            |c: &&'static Column| c.definition().is_some() && !SHARED_DEFINITIONS.contains(*c);
        match self.definition_order {
            DefinitionOrder::Columns => self.columns.iter().filter(own).collect(),
            DefinitionOrder::Listed(cols) => cols.iter().filter(own).collect(),
        }
    }
}

/// Every published table, in the order the run writes, lists and loads them.
pub const ALL: &[&Table] = &[
    &ANNUAL,
    &REMOVALS,
    &CLASSIFICATION,
    &ANNUAL_STATS,
    &ROUTES,
    &REMOVAL_RATES,
    &KM_CURVES,
    &MONTHLY_COUNTS,
    &EMERGING_TRENDS,
    &LISTING_FACTS,
    &UNCONVERTED,
    &REMOVAL_AFTER_REPORT,
];

/// The statistics tables (CSV and Parquet), in order.
pub const STAT: &[&Table] = &[
    &ANNUAL_STATS,
    &ROUTES,
    &REMOVAL_RATES,
    &KM_CURVES,
    &MONTHLY_COUNTS,
    &EMERGING_TRENDS,
    &LISTING_FACTS,
    &UNCONVERTED,
    &REMOVAL_AFTER_REPORT,
];

/// The names of [`STAT`], in order.
pub const STAT_NAMES: [&str; STAT.len()] = {
    let mut names = [""; STAT.len()];
    let mut i = 0;
    while i < STAT.len() {
        names[i] = STAT[i].name;
        i += 1;
    }
    names
};

/// The sheets of the XLSX workbook, in order (then `definitions`):
/// everything but the two per-listing tables.
pub const XLSX_SHEETS: &[&Table] = &[
    &ANNUAL_STATS,
    &ROUTES,
    &REMOVAL_RATES,
    &KM_CURVES,
    &MONTHLY_COUNTS,
    &EMERGING_TRENDS,
    &ANNUAL,
    &REMOVALS,
    &UNCONVERTED,
    &REMOVAL_AFTER_REPORT,
];

/// Definitions that hold for the column of that name in every table (listed
/// under table `*`), unless a table defines its own.
pub const SHARED_DEFINITIONS: &[Column] = &[shared::YEAR, shared::CONFIDENCE];

/// The definitions table: `table,column,definition`.
pub const DEFINITIONS_CSV: &str = "tables/definitions.csv";
/// The XLSX workbook.
pub const XLSX: &str = "tables/annual_statistics.xlsx";
/// The name of the workbook's definitions sheet.
pub const DEFINITIONS_SHEET: &str = "definitions";
/// The header of the definitions table.
pub const DEFINITIONS_HEADER: [&str; 3] = ["table", "column", "definition"];
/// The DuckDB warehouse.
pub const WAREHOUSE: &str = "wildtrace.duckdb";
/// The run manifest.
pub const MANIFEST: &str = "manifest.json";
/// The index of the figures (what was drawn, what was skipped and why).
pub const FIGURE_INDEX: &str = "figures/index.json";
/// The folders under the output folder.
pub const TABLES_DIR: &str = "tables";
pub const FIGURES_DIR: &str = "figures";

/// `(table, column, definition)` rows of the definitions table: the shared
/// ones under `*`, then each statistics table's own.
pub fn definitions() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut rows: Vec<_> = SHARED_DEFINITIONS
        .iter()
        .filter_map(|c| Some(("*", c.name, c.definition()?)))
        .collect();
    for t in STAT {
        for c in t.defined_columns() {
            rows.extend(c.definition().map(|d| (t.name, c.name, d)));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_files_follow_them() {
        let mut names = std::collections::BTreeSet::new();
        for t in ALL {
            assert!(names.insert(t.name), "table {} twice", t.name);
            assert_eq!(t.files.csv, format!("tables/{}.csv", t.name));
            if let Some(p) = t.files.parquet {
                assert_eq!(p, format!("tables/{}.parquet", t.name));
            }
            let mut cols = std::collections::BTreeSet::new();
            for c in t.columns {
                assert!(cols.insert(c.name), "{}.{} twice", t.name, c.name);
            }
            if let DefinitionOrder::Listed(listed) = t.definition_order {
                for c in listed {
                    assert!(t.columns.contains(c), "{}.{} listed", t.name, c.name);
                }
                let n = t
                    .columns
                    .iter()
                    .filter(|c| c.definition().is_some())
                    .count();
                assert_eq!(listed.len(), n, "{}: every defined column listed", t.name);
            }
        }
        for t in STAT {
            assert!(t.files.parquet.is_some(), "{}", t.name);
        }
        for t in XLSX_SHEETS {
            assert!(ALL.contains(t));
        }
    }
}
