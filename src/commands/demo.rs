//! `wildtrace demo`: the main job on the embedded marketplace.

use wildtrace_crawler::config::CrawlConfig;
use wildtrace_demo::market::DemoOptions;
use wildtrace_demo::pipeline::{self, DemoJob};

use super::{references, runtime};
use crate::cli::DemoArgs;

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let config = CrawlConfig::load(&args.config)?;
    let r = references(&args.reference, Some(&config))?;
    let job = DemoJob {
        config,
        market: DemoOptions {
            seed: args.seed,
            listings_per_site: args.listings_per_site,
            ..DemoOptions::default()
        },
        rounds: args.rounds,
        out_dir: args.out,
        lexicon: r.lexicon,
        rates: r.rates,
        rate_window_days: r.rate_window_days,
        places: r.places,
        ground_truth: args.ground_truth,
        progress: crate::progress::crawl_bars(),
    };
    let summary = runtime()?.block_on(pipeline::run(&job))?;
    println!("{summary}");
    Ok(())
}
