//! `wildtrace sql`: a query against the DuckDB warehouse, as a text table.

use super::{UsageError, print_table};
use crate::cli::SqlArgs;

pub fn run(args: SqlArgs) -> anyhow::Result<()> {
    if !args.warehouse.exists() {
        return Err(UsageError(format!(
            "{}: no warehouse; run `wildtrace demo` or `wildtrace analyse` first",
            args.warehouse.display()
        ))
        .into());
    }
    let (cols, rows) = wildtrace_analysis::sql(&args.warehouse, &args.query)?;
    print_table(&cols, &rows);
    Ok(())
}
