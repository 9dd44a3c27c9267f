//! `wildtrace demo`: the main job on the embedded marketplace.

use wildtrace_crawler::config::CrawlConfig;
use wildtrace_demo::market::DemoOptions;
use wildtrace_demo::pipeline::{self, DemoJob};

use super::{require, runtime};
use crate::cli::DemoArgs;

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let config = CrawlConfig::load(&args.config)?;
    let r = &args.reference;
    require(&r.lexicon, "lexicon file")?;
    for rates in &r.rates {
        require(rates, "rates file")?;
    }
    require(&r.places, "places gazetteer")?;
    let job = DemoJob {
        config,
        market: DemoOptions {
            seed: args.seed,
            listings_per_site: args.listings_per_site,
            ..DemoOptions::default()
        },
        rounds: args.rounds,
        out_dir: args.out,
        lexicon: args.reference.lexicon,
        rates: args.reference.rates,
        rate_window_days: args.reference.rate_window_days,
        places: args.reference.places,
        ground_truth: args.ground_truth,
        progress: crate::progress::crawl_bars(),
    };
    let summary = runtime()?.block_on(pipeline::run(&job))?;
    println!("{summary}");
    Ok(())
}
