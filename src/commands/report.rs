//! `wildtrace report`: the policymaker report for one year.

use crate::cli::ReportArgs;

pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let path = wildtrace_analysis::report::write_report_for(&args.out, args.year)?;
    println!("  report:    {}", path.display());
    Ok(())
}
