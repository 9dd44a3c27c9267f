//! `wildtrace demo`: the main job on the embedded marketplace. Between
//! rounds it reports the confirmed elephant, rhino and pangolin listings
//! still online (ivory, horn, scales) to each site's intake with the same
//! code as `wildtrace flag --submit`, so the demo measures removal after
//! reporting; the suspected listings of the same groups, not reported,
//! are the comparison.

use std::sync::Arc;

use chrono::NaiveDate;
use wildtrace_analysis::Confidence;
use wildtrace_analysis::flag::{Criteria, Legality};
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_demo::market::DemoOptions;
use wildtrace_demo::pipeline::{self, DemoJob};
use wildtrace_demo::run::ReportHook;

use super::flag::{Flag, flag};
use super::{References, references, runtime};
use crate::cli::DemoArgs;

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let config = CrawlConfig::load(&args.config)?;
    let r = references(&args.reference, Some(&config))?;
    let job = DemoJob {
        report: Some(report_hook(r.clone())),
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

/// The demo's report: confirmed elephant, rhino and pangolin listings still
/// online at the report time, every platform, submitted to each intake.
fn report_hook(references: References) -> ReportHook {
    ReportHook(Arc::new(move |cfg, bases, at| {
        let criteria = Criteria {
            from: NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"),
            to: at.date_naive(),
            min_confidence: Confidence::Confirmed,
            taxon_groups: ["Elephants", "Rhinoceroses", "Pangolins"]
                .map(String::from)
                .to_vec(),
            taxa: Vec::new(),
            appendices: Vec::new(),
            legality: Legality::Any,
            active_only: true,
            platforms: Vec::new(),
        };
        let done = flag(&Flag {
            cfg,
            references: &references,
            criteria,
            reported_at: at,
            bases,
            submit: true,
            out: cfg.data_dir.join("reports"),
        })
        .map_err(|e| format!("{e:#}"))?;
        if !done.failures.is_empty() {
            return Err(format!(
                "report {}: submission failed for {}",
                done.report_id,
                done.failures.join(", ")
            ));
        }
        let listings: u64 = done
            .platforms
            .iter()
            .filter_map(|p| p["listings"].as_u64())
            .sum();
        Ok(format!(
            "report {} at {}: {listings} confirmed elephant, rhino and pangolin listings to {} platforms' intakes ({})",
            done.report_id,
            done.reported_at.format("%Y-%m-%d %H:%M UTC"),
            done.platforms.len(),
            done.folder.display()
        ))
    }))
}
