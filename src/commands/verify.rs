//! `wildtrace verify`: every WARC digest recomputed, every lake pointer checked.

use wildtrace_crawler::warc;

use super::require;
use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    require(&args.lake, "lake folder")?;
    let dir = args.warc.unwrap_or_else(|| warc::default_dir(&args.lake));
    require(&dir, "WARC folder")?;
    let pointers = warc::pointers_from_lake(&args.lake)?;
    let report = warc::verify(&[dir], &pointers);
    println!("{}", serde_json::to_string_pretty(&report)?);
    if report.ok {
        Ok(())
    } else {
        anyhow::bail!(
            "verify: {} file(s) with problems (report above)",
            report.problem_files()
        )
    }
}
