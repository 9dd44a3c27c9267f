//! `wildtrace`: the command line. It parses arguments, sets up logging,
//! loads the config and calls the `wildtrace-crawler` and
//! `wildtrace-analysis` libraries; nothing else lives here.
//!
//! Exit codes: 0 success, 1 the run failed, 2 bad usage or bad config.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use wildtrace_analysis::{AnalysisOptions, AnalysisOutputs};
use wildtrace_crawler::config::{ConfigError, CrawlConfig};
use wildtrace_crawler::demo::{DemoMarket, DemoOptions};

/// Ethical research crawler and trend analysis for online wildlife trafficking.
///
/// Crawls public marketplace listings politely (RFC 9309 robots.txt,
/// per-host rate limits, honest identification), pseudonymises sellers at
/// ingest, writes a versioned Parquet lake, and turns it into annual trend
/// tables and figures for enforcement analysts, researchers and policymakers.
#[derive(Debug, Parser)]
#[command(name = "wildtrace", version, about, long_about)]
struct Cli {
    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `wildtrace_crawler=debug`.
    #[arg(long, global = true, env = "WILDTRACE_LOG", default_value = "info")]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: crawl the embedded demo marketplace (two rounds, so
    /// removals show), write the lake, then the tables, figures and warehouse.
    ///
    /// The demo keeps its lake, state and key under the config's data_dir
    /// (data/demo), which it resets on every run; outputs go to --out.
    Demo {
        /// Crawl job config whose sites use `demo:<site>` base URLs.
        #[arg(long, default_value = "config/demo.toml")]
        config: PathBuf,
        /// Seed of the simulated marketplace (same seed, same listings).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Listings generated per site.
        #[arg(long, default_value_t = 150)]
        listings_per_site: usize,
        /// Crawl rounds (the market removes listings between rounds).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=2))]
        rounds: u32,
        /// Where tables, figures and the DuckDB warehouse go.
        #[arg(long, default_value = "data/out")]
        out: PathBuf,
        /// Species lexicon.
        #[arg(long, default_value = "data/reference/lexicon.toml")]
        lexicon: PathBuf,
        /// Also write the market's ground truth and request log here (JSON).
        #[arg(long)]
        ground_truth: Option<PathBuf>,
    },
    /// Crawl the sites of a job config once (one run), appending to its lake.
    Crawl {
        /// Crawl job config (see config/demo.toml for a documented example).
        #[arg(long)]
        config: PathBuf,
    },
    /// Turn a lake into tables, figures and the DuckDB warehouse.
    Analyse {
        /// The lake folder (holding listings/ and fetch_log/).
        #[arg(long, default_value = "data/lake")]
        lake: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "data/out")]
        out: PathBuf,
        /// Species lexicon.
        #[arg(long, default_value = "data/reference/lexicon.toml")]
        lexicon: PathBuf,
    },
    /// Serve the demo marketplace alone, to point a crawler at it by hand.
    ///
    /// Prints each site's URL and an admin URL (ground truth, request log,
    /// `POST /round/<n>` to move to the next round). Stops on Ctrl-C.
    DemoMarket {
        /// Seed of the simulated marketplace.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Listings generated per site.
        #[arg(long, default_value_t = 150)]
        listings_per_site: usize,
    },
    /// Run SQL against the DuckDB warehouse that `analyse`/`demo` build.
    Sql {
        /// The query, e.g. "SELECT * FROM annual_by_taxon_group".
        query: String,
        /// The warehouse file.
        #[arg(long, default_value = "data/out/wildtrace.duckdb")]
        warehouse: PathBuf,
    },
}

/// A failure that maps to exit code 2.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(u) = e.downcast_ref::<UsageError>() {
                eprintln!("wildtrace: {u}");
                return ExitCode::from(2);
            }
            eprintln!("wildtrace: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn load_config(path: &Path) -> anyhow::Result<CrawlConfig> {
    CrawlConfig::load(path).map_err(|e: ConfigError| UsageError(e.to_string()).into())
}

/// Refuses missing inputs up front, so they are usage errors (exit 2).
fn require(path: &Path, what: &str) -> anyhow::Result<()> {
    if path.exists() {
        Ok(())
    } else {
        Err(UsageError(format!("{}: no such {what}", path.display())).into())
    }
}

fn analysis_error(e: wildtrace_analysis::AnalysisError) -> anyhow::Error {
    if e.is_config() {
        UsageError(e.to_string()).into()
    } else {
        anyhow::Error::new(e)
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Demo {
            config,
            seed,
            listings_per_site,
            rounds,
            out,
            lexicon,
            ground_truth,
        } => {
            let cfg = load_config(&config)?;
            require(&lexicon, "lexicon file")?;
            let started = std::time::Instant::now();
            let opts = DemoOptions {
                seed,
                listings_per_site,
                ..DemoOptions::default()
            };
            let demo =
                runtime()?.block_on(wildtrace_crawler::demorun::crawl_demo(&cfg, opts, rounds))?;
            if let Some(path) = &ground_truth {
                let json = serde_json::json!({
                    "ground_truth": demo.ground_truth,
                    "requests": demo.requests,
                    "rounds": demo.rounds,
                });
                std::fs::write(path, serde_json::to_vec_pretty(&json)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            let run_ids: Vec<&str> = demo.rounds.iter().map(|r| r.run_id.as_str()).collect();
            let outputs = wildtrace_analysis::run(&AnalysisOptions {
                lake_dir: cfg.lake_dir(),
                out_dir: out.clone(),
                lexicon_path: lexicon,
                source_line: format!(
                    "wildtrace demo marketplace (simulated, seed {seed}) · runs {} · {}",
                    run_ids.join(", "),
                    demo.rounds
                        .first()
                        .map(|r| r.crawl_date.to_string())
                        .unwrap_or_default()
                ),
            })
            .map_err(analysis_error)?;
            println!(
                "wildtrace demo: done in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            for r in &demo.rounds {
                println!("  crawl run {}:", r.run_id);
                for s in &r.sites {
                    println!(
                        "    {:<13} {:>4} requests, {:>3} active, {:>3} changed, {:>3} removed, {:>3} refused by robots.txt, delay {:.2}s ({})",
                        s.source,
                        s.requests,
                        s.active,
                        s.changed,
                        s.removed,
                        s.robots_disallowed,
                        s.delay_s,
                        s.robots
                    );
                }
            }
            println!("  lake:      {}", cfg.lake_dir().display());
            print_outputs(&outputs);
            Ok(())
        }
        Command::Crawl { config } => {
            let cfg = load_config(&config)?;
            let bases = wildtrace_crawler::crawl::resolve_bases(&cfg, &Default::default())
                .map_err(|e| UsageError(format!("{}: {e}", config.display())))?;
            let outcome = runtime()?.block_on(wildtrace_crawler::crawl::crawl(&cfg, &bases))?;
            println!("{}", serde_json::to_string_pretty(&outcome)?);
            Ok(())
        }
        Command::Analyse { lake, out, lexicon } => {
            require(&lake, "lake folder")?;
            require(&lexicon, "lexicon file")?;
            let outputs = wildtrace_analysis::run(&AnalysisOptions {
                lake_dir: lake.clone(),
                out_dir: out,
                lexicon_path: lexicon,
                source_line: format!("wildtrace lake {}", lake.display()),
            })
            .map_err(analysis_error)?;
            print_outputs(&outputs);
            Ok(())
        }
        Command::DemoMarket {
            seed,
            listings_per_site,
        } => runtime()?.block_on(async move {
            let market = DemoMarket::start(DemoOptions {
                seed,
                listings_per_site,
                ..DemoOptions::default()
            })
            .await
            .context("starting the demo marketplace")?;
            println!(
                "wildtrace demo marketplace (seed {seed}), round {}:",
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
        }),
        Command::Sql { query, warehouse } => {
            if !warehouse.exists() {
                return Err(UsageError(format!(
                    "{}: no warehouse; run `wildtrace demo` or `wildtrace analyse` first",
                    warehouse.display()
                ))
                .into());
            }
            let (cols, rows) =
                wildtrace_analysis::sql(&warehouse, &query).map_err(analysis_error)?;
            print_table(&cols, &rows);
            Ok(())
        }
    }
}

fn print_outputs(o: &AnalysisOutputs) {
    println!(
        "  analysed:  {} observations of {} listings ({} removed, {} decoys left out)",
        o.observations, o.listings, o.removed_listings, o.decoys
    );
    for t in &o.tables {
        println!("  table:     {}", t.display());
    }
    for f in &o.figures {
        println!("  figure:    {}", f.display());
    }
    println!("  warehouse: {}", o.warehouse.display());
}

fn print_table(cols: &[String], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = cols.iter().map(|c| c.chars().count()).collect();
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            widths[i] = widths[i].max(v.chars().count());
        }
    }
    let line = |vals: &[String]| {
        vals.iter()
            .enumerate()
            .map(|(i, v)| format!("{v:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!("{}", line(cols));
    println!(
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    );
    for r in rows {
        println!("{}", line(r));
    }
    println!("({} rows)", rows.len());
}
