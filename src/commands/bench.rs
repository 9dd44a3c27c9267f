//! `wildtrace bench ...`: each benchmark prints one JSON line.

use std::time::Duration;

use anyhow::Context;
use wildtrace_analysis::Lexicon;
use wildtrace_analysis::lexicon::bench::{BenchOptions, run as bench_lexicon};
use wildtrace_demo::bench::extract::{BenchExtractOptions, bench_extract};
use wildtrace_demo::bench::politeness::{PolitenessBenchOptions, bench_politeness};

use super::{require, require_reference, runtime};
use crate::cli::BenchCommand;

pub fn run(bench: BenchCommand) -> anyhow::Result<()> {
    let line = match bench {
        BenchCommand::Annual { listings, dir } => {
            let exe = std::env::current_exe().context("finding this executable")?;
            wildtrace_demo::bench::annual::run(&exe, listings, &dir)?
        }
        BenchCommand::AnnualWorker { engine, dir } => {
            serde_json::to_value(wildtrace_analysis::bench::run_engine(&engine, &dir)?)?
        }
        BenchCommand::Lexicon {
            mb,
            seed,
            threads,
            lexicon,
        } => {
            require_reference(&lexicon, "lexicon file")?;
            let lex = Lexicon::load(&lexicon)?;
            let opts = BenchOptions {
                target_bytes: mb * 1_000_000,
                seed,
                threads,
            };
            serde_json::to_value(bench_lexicon(&lex, &opts))?
        }
        BenchCommand::Politeness {
            hosts,
            seconds,
            max_in_flight,
            per_host,
        } => {
            let opts = PolitenessBenchOptions {
                hosts,
                seconds,
                max_in_flight,
                ..PolitenessBenchOptions::default()
            };
            let mut report = runtime()?.block_on(bench_politeness(&opts))?;
            if !per_host {
                report.per_host.clear();
            }
            serde_json::to_value(report)?
        }
        BenchCommand::Extract {
            demo_listings,
            seed,
            seconds,
            fixtures,
            sites_dir,
        } => {
            require(&fixtures, "fixtures folder")?;
            let opts = BenchExtractOptions {
                fixtures_dir: fixtures,
                sites_dir,
                demo_listings_per_site: demo_listings,
                seed,
                min_duration: Duration::from_secs_f64(seconds.max(0.0)),
            };
            serde_json::to_value(runtime()?.block_on(bench_extract(&opts))?)?
        }
    };
    println!("{}", serde_json::to_string(&line)?);
    Ok(())
}
