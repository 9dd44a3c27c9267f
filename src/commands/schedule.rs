//! `wildtrace schedule`: the scheduled jobs of a folder, with the demo
//! marketplace serving `demo:` sites when asked (`--demo`).

use wildtrace_crawler::crawl::SiteOutcome;
use wildtrace_crawler::schedule::{ScheduleOptions, load_jobs, run_schedule};
use wildtrace_demo::market::DemoOptions;

use super::{runtime, stop_on_signals};
use crate::cli::ScheduleArgs;

pub fn run(args: ScheduleArgs) -> anyhow::Result<()> {
    let jobs = load_jobs(&args.config_dir)?;
    let done = runtime()?.block_on(async {
        let stop = stop_on_signals();
        if args.demo {
            let market = DemoOptions {
                seed: args.seed,
                listings_per_site: args.listings_per_site,
                ..DemoOptions::default()
            };
            wildtrace_demo::schedule::run_with_market(jobs, market, args.runs, stop)
                .await
                .map_err(anyhow::Error::from)
        } else {
            let opts = ScheduleOptions {
                max_runs: args.runs,
                ..ScheduleOptions::default()
            };
            run_schedule(jobs, opts, stop)
                .await
                .map_err(anyhow::Error::from)
        }
    })?;
    for r in &done {
        match &r.outcome {
            Ok(o) => {
                let sum = |f: fn(&SiteOutcome) -> usize| o.sites.iter().map(f).sum::<usize>();
                println!(
                    "{} run {}{}: {} requests, {} active, {} changed, {} removed",
                    r.job,
                    o.run_id,
                    if o.resumed { " (resumed)" } else { "" },
                    sum(|s| s.requests),
                    sum(|s| s.active),
                    sum(|s| s.changed),
                    sum(|s| s.removed)
                );
            }
            Err(e) => println!("{} run started {}: {e}", r.job, r.started_at),
        }
    }
    Ok(())
}
