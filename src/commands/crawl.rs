//! `wildtrace crawl`: one crawl run (or the resumption of one) of a job.

use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::crawl::{CrawlOptions, crawl_with, resolve_bases};

use super::{UsageError, runtime, stop_on_signals};
use crate::cli::CrawlArgs;

pub fn run(args: CrawlArgs) -> anyhow::Result<()> {
    let cfg = CrawlConfig::load(&args.config)?;
    let bases = resolve_bases(&cfg, &Default::default())
        .map_err(|e| UsageError(format!("{}: {e}", args.config.display())))?;
    let outcome = runtime()?.block_on(async {
        let opts = CrawlOptions {
            resume: args.resume,
            stop: Some(stop_on_signals()),
            progress: crate::progress::crawl_bars(),
            ..Default::default()
        };
        crawl_with(&cfg, &bases, opts).await
    })?;
    println!("{}", serde_json::to_string_pretty(&outcome)?);
    Ok(())
}
