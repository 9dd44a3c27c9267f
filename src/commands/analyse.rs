//! `wildtrace analyse`: tables, figures, warehouse and manifest from a lake.
//! Reference files come from the flags, else the job config's
//! `[reference]` (with `--config`), else the copies compiled in, so the
//! command works from any working directory.

use std::path::PathBuf;

use wildtrace_analysis::AnalysisOptions;
use wildtrace_crawler::config::CrawlConfig;

use super::{references, require};
use crate::cli::AnalyseArgs;

pub fn run(args: AnalyseArgs) -> anyhow::Result<()> {
    let job = args.config.as_deref().map(CrawlConfig::load).transpose()?;
    let r = references(&args.reference, job.as_ref())?;
    let lake = args
        .lake
        .or_else(|| job.as_ref().map(CrawlConfig::lake_dir))
        .unwrap_or_else(|| PathBuf::from("data/lake"));
    require(&lake, "lake folder")?;
    let outputs = wildtrace_analysis::run(&AnalysisOptions {
        source_line: format!("wildtrace lake {}", lake.display()),
        lake_dir: lake,
        out_dir: args.out,
        lexicon_path: r.lexicon,
        rates_paths: r.rates,
        rate_window_days: r.rate_window_days,
        places_path: r.places,
        extra_inputs: job.map(|j| j.path).into_iter().collect(),
    })?;
    print!("{outputs}");
    Ok(())
}
