//! `wildtrace demo-market`: the demo marketplace alone, until Ctrl-C.

use anyhow::Context;
use wildtrace_demo::market::{DemoMarket, DemoOptions};

use super::runtime;
use crate::cli::DemoMarketArgs;

pub fn run(args: DemoMarketArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async move {
        let market = DemoMarket::start(DemoOptions {
            seed: args.seed,
            listings_per_site: args.listings_per_site,
            browse_site: args.browse_site,
            ..DemoOptions::default()
        })
        .await
        .context("starting the demo marketplace")?;
        println!(
            "wildtrace demo marketplace (seed {}), round {}:",
            args.seed,
            market.round()
        );
        for s in market.sites() {
            println!("  {:<13} {}", s.name, s.base_url);
        }
        println!(
            "  admin         {} (ground-truth.json, requests.json, POST round/<n>)",
            market.admin_url()
        );
        println!("Ctrl-C stops it.");
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        market.shutdown().await;
        Ok(())
    })
}
