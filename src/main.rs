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
        /// ECB reference rates in the `eurofxref-hist.csv` format (the .csv or
        /// the ECB's .zip). The default is an illustrative demo table, not ECB data.
        #[arg(long, default_value = wildtrace_analysis::DEFAULT_RATES)]
        rates: PathBuf,
        /// Places gazetteer (country names, cities, regions, site defaults).
        #[arg(long, default_value = wildtrace_analysis::DEFAULT_PLACES)]
        places: PathBuf,
        /// Also write the market's ground truth and request log here (JSON).
        #[arg(long)]
        ground_truth: Option<PathBuf>,
    },
    /// Crawl the sites of a job config once (one run), appending to its lake.
    Crawl {
        /// Crawl job config (see config/demo.toml for a documented example).
        #[arg(long)]
        config: PathBuf,
        /// Finish the job's interrupted run (after a crash, kill or Ctrl-C)
        /// instead of refusing; starts a new run when none was interrupted.
        #[arg(long)]
        resume: bool,
    },
    /// Run the crawl jobs of a folder on their `[schedule]` cron expressions,
    /// in one long-running process (Ctrl-C or SIGTERM stops it cleanly).
    ///
    /// Each job's next run time is kept in its state store; a job never
    /// overlaps itself; an interrupted run is resumed before a new one starts.
    Schedule {
        /// Folder of job files (`*.toml` with a `[schedule]` table).
        #[arg(long, default_value = "config")]
        config_dir: PathBuf,
        /// Serve the embedded demo marketplace for `demo:` sites, moving it to
        /// its next round (with removals) after each run; resets the demo data.
        #[arg(long)]
        demo: bool,
        /// Seed of the demo marketplace (with --demo).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Listings per demo site (with --demo).
        #[arg(long, default_value_t = 150)]
        listings_per_site: usize,
        /// Exit after this many runs have finished (default: run until stopped).
        #[arg(long)]
        runs: Option<usize>,
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
        /// ECB reference rates in the `eurofxref-hist.csv` format (the .csv or
        /// the ECB's .zip). The default is an illustrative demo table, not ECB data.
        #[arg(long, default_value = wildtrace_analysis::DEFAULT_RATES)]
        rates: PathBuf,
        /// Places gazetteer (country names, cities, regions, site defaults).
        #[arg(long, default_value = wildtrace_analysis::DEFAULT_PLACES)]
        places: PathBuf,
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
    /// Write the policymaker report for one year: a self-contained HTML file
    /// (figures inlined, no network needed) from the outputs of `analyse`/`demo`.
    ///
    /// Headline numbers with the change on the year before, the key tables, the
    /// figures, the method in plain words, limitations and data protection.
    Report {
        /// The year to report on (default: the latest year with listings).
        #[arg(long)]
        year: Option<i32>,
        /// The output folder of `analyse`/`demo` (tables/, figures/); the report
        /// is written there as report-<year>.html.
        #[arg(long, default_value = "data/out")]
        out: PathBuf,
    },
    /// The species lexicon: import taxa and names, print coverage.
    Lexicon {
        #[command(subcommand)]
        command: LexiconCommand,
    },
    /// Benchmarks (speed claims come from here, not from timed tests).
    Bench {
        #[command(subcommand)]
        bench: BenchCommand,
    },
    /// Tools for people configuring sites: what the price parser, the
    /// extractor, the robots.txt matcher and the sitemap parser make of one
    /// input, printed as JSON.
    Inspect {
        #[command(subcommand)]
        command: InspectCommand,
    },
    /// Recompute every digest of the evidence WARC files and check every
    /// listing's pointer into them; exit 0 when clean, 1 with a per-file report.
    Verify {
        /// The lake folder (its listings carry the WARC pointers).
        #[arg(long)]
        lake: PathBuf,
        /// The WARC folder (searched recursively); default: `warc/` next to the lake.
        #[arg(long)]
        warc: Option<PathBuf>,
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

#[derive(Debug, Subcommand)]
enum InspectCommand {
    /// Parse a price: `{"amount": "1299.00", "currency": "EUR", "currency_raw": "€", "amount_max": null}`.
    ///
    /// With --jsonl, reads lines `{"text": ..., "currency_hint": ...}` on stdin
    /// and writes one result line per input line, in order (a bad line gives
    /// `{"error": ...}` on its line).
    Price {
        /// The price text, e.g. "1.299,00 €" (omit with --jsonl).
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        text: Option<String>,
        /// ISO code or free text naming the currency ("AUD", "Norway") for an
        /// ambiguous "$" or "kr".
        #[arg(long)]
        currency_hint: Option<String>,
        /// Batch mode: JSON lines on stdin, JSON lines on stdout.
        #[arg(long)]
        jsonl: bool,
    },
    /// The listing records a saved page yields (a JSON array), as the crawler
    /// would write them: prices parsed, contacts masked, the seller
    /// pseudonymised with a throwaway key (pseudonyms differ between calls).
    Extract {
        /// The saved page (any charset: BOM, <meta> or detection decide).
        file: PathBuf,
        /// The URL the page was fetched from.
        #[arg(long)]
        url: String,
        /// Site profile: NAME for config/sites/NAME.toml, or a path to a .toml file.
        #[arg(long)]
        profile: Option<String>,
        /// Folder of site profiles that NAME resolves in.
        #[arg(long, default_value = "config/sites")]
        sites_dir: PathBuf,
    },
    /// Whether a robots.txt lets an agent fetch a URL: `{"allowed": true|false}`.
    ///
    /// With --jsonl, reads lines `{"robots": ..., "agent": ..., "url": ...}` on
    /// stdin and writes one `{"allowed": ...}` line per input line, in order.
    Robots {
        /// The robots.txt file (omit with --jsonl).
        #[arg(long, required_unless_present = "jsonl")]
        robots: Option<PathBuf>,
        /// Product token to match, e.g. `wildtrace`.
        #[arg(long, required_unless_present = "jsonl")]
        agent: Option<String>,
        /// The URL to check.
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        url: Option<String>,
        /// Batch mode: JSON lines on stdin, JSON lines on stdout.
        #[arg(long)]
        jsonl: bool,
    },
    /// The URLs (and child sitemaps) a sitemap lists, with the limits applied
    /// (XML or text, gzip detected by its bytes).
    Sitemap {
        /// The sitemap file.
        file: PathBuf,
        /// The URL it was fetched from.
        #[arg(long)]
        url: String,
        /// Most bytes read after decompression.
        #[arg(long, default_value_t = 52_428_800)]
        max_bytes: u64,
        /// Most entries taken from the file.
        #[arg(long, default_value_t = 50_000)]
        max_urls: usize,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Politeness at scale: one real crawl of many local hosts (127.0.0.x),
    /// each asking for its own Crawl-delay; reports utilisation (achieved ÷
    /// Σ allowed request rate) and violations (gaps shorter than a host's
    /// delay), both measured at the servers. One JSON line.
    Politeness {
        /// Local hosts.
        #[arg(long, default_value_t = 50)]
        hosts: usize,
        /// Seconds of work per host at its allowed rate.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Global cap on requests in flight.
        #[arg(long, default_value_t = 8)]
        max_in_flight: usize,
        /// Also print each host's figures.
        #[arg(long)]
        per_host: bool,
    },
    /// Extraction throughput: pages per second per core over the fixture
    /// pages plus the demo marketplace's detail pages (fetched once, before
    /// timing); the whole page-to-record step on one thread. One JSON line.
    Extract {
        /// Demo listings per site added to the corpus (0: fixtures only).
        #[arg(long, default_value_t = 150)]
        demo_listings: usize,
        /// Demo seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Repeat the corpus for at least this many seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Fixture pages folder (with pages.toml).
        #[arg(long, default_value = "crawler/tests/fixtures/pages")]
        fixtures: PathBuf,
        /// Site profiles folder.
        #[arg(long, default_value = "config/sites")]
        sites_dir: PathBuf,
    },
    /// The annual statistics over a synthetic per-listing table: polars (this
    /// crate's code) vs the same aggregates in DuckDB SQL, each in its own
    /// child process; prints one JSON line with wall time and peak RSS of both.
    Annual {
        /// Synthetic listings to generate (deterministic; reused when present).
        #[arg(long, default_value_t = 10_000_000)]
        listings: u64,
        /// Where the synthetic Parquet table is kept (annual-<listings>/ under it).
        #[arg(long, default_value = "data/bench")]
        dir: PathBuf,
    },
    /// Species-lexicon matching throughput: classifies a synthetic
    /// multilingual corpus of listing texts (deterministic) with the full
    /// lexicon; prints one JSON line with MB/s per core.
    Lexicon {
        /// Corpus size in MB (10^6 bytes) of listing text.
        #[arg(long, default_value_t = 64)]
        mb: usize,
        /// Corpus seed (same seed, same corpus).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Worker threads (MB/s per core = total / threads).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Species lexicon.
        #[arg(long, default_value = "data/reference/lexicon.toml")]
        lexicon: PathBuf,
    },
    /// One engine of `bench annual` (run by it in a child process).
    #[command(hide = true)]
    AnnualWorker {
        #[arg(long)]
        engine: String,
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum LexiconCommand {
    /// Add taxa (with CITES appendix) from a Species+ CSV export and/or names
    /// and synonyms from the GBIF backbone, writing a new lexicon file with
    /// its patch version bumped. Prints a JSON summary (added, already known,
    /// conflicts, appendix differences to review).
    #[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["species_plus", "gbif_taxon"])))]
    Import {
        /// Species+ "CITES listings" CSV export.
        #[arg(long)]
        species_plus: Option<PathBuf>,
        /// GBIF backbone Taxon.tsv.
        #[arg(long, requires = "gbif_vernacular")]
        gbif_taxon: Option<PathBuf>,
        /// GBIF backbone VernacularName.tsv.
        #[arg(long, requires = "gbif_taxon")]
        gbif_vernacular: Option<PathBuf>,
        /// Languages whose vernacular names to import (default: en fr de es pt ru zh vi th).
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
        /// The lexicon to extend.
        #[arg(long, default_value = "data/reference/lexicon.toml")]
        lexicon: PathBuf,
        /// Where the extended lexicon goes (may be the same file).
        #[arg(long, default_value = "lexicon.toml")]
        out: PathBuf,
    },
    /// Print the lexicon's counts per taxon group and per language.
    Stats {
        /// Species lexicon.
        #[arg(long, default_value = "data/reference/lexicon.toml")]
        lexicon: PathBuf,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
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
    // Like other command-line tools, end quietly when the reader of our
    // output goes away (`wildtrace verify | head`) instead of panicking.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE action before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
            rates,
            places,
            ground_truth,
        } => {
            let cfg = load_config(&config)?;
            require(&lexicon, "lexicon file")?;
            require(&rates, "rates file")?;
            require(&places, "places gazetteer")?;
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
                rates_path: rates,
                places_path: places,
                extra_inputs: vec![config.clone()],
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
            // The policymaker report for the latest year with listings.
            let report = write_report(&out, None)?;
            println!("  report:    {}", report.display());
            Ok(())
        }
        Command::Crawl { config, resume } => {
            use wildtrace_crawler::crawl::{CrawlError, CrawlOptions, crawl_with, resolve_bases};
            let cfg = load_config(&config)?;
            let bases = resolve_bases(&cfg, &Default::default())
                .map_err(|e| UsageError(format!("{}: {e}", config.display())))?;
            let outcome = runtime()?.block_on(async {
                // Ctrl-C or SIGTERM: stop taking URLs, keep everything collected.
                let stop = wildtrace_crawler::schedule::stop_on_signals();
                let opts = CrawlOptions {
                    resume,
                    stop: Some(stop),
                };
                crawl_with(&cfg, &bases, opts).await
            });
            match outcome {
                Ok(o) => {
                    println!("{}", serde_json::to_string_pretty(&o)?);
                    Ok(())
                }
                Err(e @ CrawlError::Interrupted { .. }) => Err(UsageError(e.to_string()).into()),
                Err(e) => Err(e.into()),
            }
        }
        Command::Schedule {
            config_dir,
            demo,
            seed,
            listings_per_site,
            runs,
        } => {
            use wildtrace_crawler::schedule::{
                ScheduleError, ScheduleOptions, load_jobs, run_schedule, stop_on_signals,
            };
            let jobs = load_jobs(&config_dir).map_err(|e| match e {
                ScheduleError::Config(_) | ScheduleError::Jobs { .. } => {
                    anyhow::Error::from(UsageError(e.to_string()))
                }
                e => e.into(),
            })?;
            let opts = ScheduleOptions {
                max_runs: runs,
                demo: demo.then(|| DemoOptions {
                    seed,
                    listings_per_site,
                    ..DemoOptions::default()
                }),
            };
            let done = runtime()?.block_on(async {
                let stop = stop_on_signals();
                run_schedule(jobs, opts, stop).await
            })?;
            for r in &done {
                match &r.outcome {
                    Ok(o) => {
                        let sum = |f: fn(&wildtrace_crawler::crawl::SiteOutcome) -> usize| {
                            o.sites.iter().map(f).sum::<usize>()
                        };
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
        Command::Analyse {
            lake,
            out,
            lexicon,
            rates,
            places,
        } => {
            require(&lake, "lake folder")?;
            require(&lexicon, "lexicon file")?;
            require(&rates, "rates file")?;
            require(&places, "places gazetteer")?;
            let outputs = wildtrace_analysis::run(&AnalysisOptions {
                lake_dir: lake.clone(),
                out_dir: out,
                lexicon_path: lexicon,
                rates_path: rates,
                places_path: places,
                extra_inputs: Vec::new(),
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
        Command::Report { year, out } => {
            let path = write_report(&out, year)?;
            println!("  report:    {}", path.display());
            Ok(())
        }
        Command::Lexicon { command } => run_lexicon(command),
        Command::Bench { bench } => run_bench(bench),
        Command::Inspect { command } => run_inspect(command),
        Command::Verify { lake, warc } => run_verify(&lake, warc),
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

/// Writes the report for `year`, or for the latest year with listings;
/// a year without data or a missing output folder is a usage error.
fn write_report(out: &Path, year: Option<i32>) -> anyhow::Result<PathBuf> {
    use wildtrace_analysis::report;
    require(
        &out.join(wildtrace_analysis::ANNUAL_CSV),
        "annual table (run `wildtrace analyse` first)",
    )?;
    let years = report::years(out).map_err(analysis_error)?;
    let year = match year {
        Some(y) if years.contains(&y) => y,
        Some(y) => {
            return Err(UsageError(format!(
                "--year {y}: no listings posted in {y} in {}; years with data: {}",
                out.display(),
                years
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        }
        None => *years.last().ok_or_else(|| {
            UsageError(format!(
                "{}: the annual table has no listings to report on",
                out.display()
            ))
        })?,
    };
    report::write_report(out, year).map_err(analysis_error)
}

/// `lexicon import` / `lexicon stats`.
fn run_lexicon(command: LexiconCommand) -> anyhow::Result<()> {
    use wildtrace_analysis::lexicon::import::{ImportOptions, import};
    match command {
        LexiconCommand::Import {
            species_plus,
            gbif_taxon,
            gbif_vernacular,
            languages,
            lexicon,
            out,
        } => {
            require(&lexicon, "lexicon file")?;
            for p in [&species_plus, &gbif_taxon, &gbif_vernacular]
                .into_iter()
                .flatten()
            {
                require(p, "input file")?;
            }
            let report = import(&ImportOptions {
                lexicon,
                species_plus,
                gbif_taxon,
                gbif_vernacular,
                out,
                languages,
            })
            .map_err(analysis_error)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        LexiconCommand::Stats { lexicon, json } => {
            require(&lexicon, "lexicon file")?;
            let lex = wildtrace_analysis::Lexicon::load(&lexicon).map_err(analysis_error)?;
            let stats = lex.stats();
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
                return Ok(());
            }
            println!(
                "lexicon {} ({}): {} taxa, {} terms, {} matchable forms",
                stats.version,
                lexicon.display(),
                stats.taxa,
                stats.terms,
                stats.forms
            );
            let langs = wildtrace_analysis::lexicon::SUPPORTED_LANGUAGES;
            let mut cols = vec!["taxon_group".to_string(), "taxa".to_string()];
            cols.extend(langs.iter().map(|l| l.to_string()));
            cols.push("la".into());
            let rows: Vec<Vec<String>> = stats
                .groups
                .iter()
                .map(|(g, s)| {
                    let mut r = vec![g.clone(), s.taxa.to_string()];
                    for l in langs.iter().copied().chain(["la"]) {
                        r.push(s.names.get(l).copied().unwrap_or(0).to_string());
                    }
                    r
                })
                .collect();
            print_table(&cols, &rows);
            let kinds = [
                "common_name",
                "product",
                "code_word",
                "context",
                "decoy",
                "legality",
                "neutral",
            ];
            let mut cols = vec!["language".to_string()];
            cols.extend(kinds.iter().map(|k| k.to_string()));
            let rows: Vec<Vec<String>> = stats
                .languages
                .iter()
                .map(|(l, k)| {
                    let mut r = vec![l.clone()];
                    r.extend(
                        kinds
                            .iter()
                            .map(|kind| k.get(*kind).copied().unwrap_or(0).to_string()),
                    );
                    r
                })
                .collect();
            print_table(&cols, &rows);
            Ok(())
        }
    }
}

/// `bench annual`: generate (or reuse) the synthetic table, then time each
/// engine in a child process of this same binary.
fn run_bench(bench: BenchCommand) -> anyhow::Result<()> {
    use wildtrace_analysis::bench;
    match bench {
        BenchCommand::Annual { listings, dir } => {
            let data = bench::synthetic_dir(&dir, listings);
            let started = std::time::Instant::now();
            let files = bench::generate(&data, listings, 2026).map_err(analysis_error)?;
            let generate_s = started.elapsed().as_secs_f64();
            let exe = std::env::current_exe().context("finding this executable")?;
            let mut runs = Vec::new();
            for engine in ["polars", "duckdb"] {
                let t = std::time::Instant::now();
                let out = std::process::Command::new(&exe)
                    .args(["--log", "warn", "bench", "annual-worker"])
                    .args(["--engine", engine, "--dir"])
                    .arg(&data)
                    .output()
                    .with_context(|| format!("running the {engine} worker"))?;
                let wall_s = t.elapsed().as_secs_f64();
                if !out.status.success() {
                    anyhow::bail!(
                        "{engine} worker failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                let mut v: serde_json::Value = serde_json::from_slice(&out.stdout)
                    .with_context(|| format!("{engine} worker output"))?;
                v["wall_s"] = serde_json::json!((wall_s * 1000.0).round() / 1000.0);
                runs.push(v);
            }
            let same = runs[0]["rows"] == runs[1]["rows"]
                && runs[0]["listings_sum"] == runs[1]["listings_sum"]
                && runs[0]["value_cents_sum"] == runs[1]["value_cents_sum"];
            println!(
                "{}",
                serde_json::json!({
                    "bench": "annual",
                    "listings": listings,
                    "files": files.len(),
                    "generate_s": (generate_s * 1000.0).round() / 1000.0,
                    "same_result": same,
                    "polars": runs[0],
                    "duckdb": runs[1],
                })
            );
            if !same {
                anyhow::bail!("polars and DuckDB disagree");
            }
            Ok(())
        }
        BenchCommand::Lexicon {
            mb,
            seed,
            threads,
            lexicon,
        } => {
            require(&lexicon, "lexicon file")?;
            let lex = wildtrace_analysis::Lexicon::load(&lexicon).map_err(analysis_error)?;
            let report = wildtrace_analysis::lexicon::bench::run(
                &lex,
                &wildtrace_analysis::lexicon::bench::BenchOptions {
                    target_bytes: mb * 1_000_000,
                    seed,
                    threads,
                },
            );
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        BenchCommand::Politeness {
            hosts,
            seconds,
            max_in_flight,
            per_host,
        } => {
            use wildtrace_crawler::bench_politeness::{PolitenessBenchOptions, bench_politeness};
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
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        BenchCommand::Extract {
            demo_listings,
            seed,
            seconds,
            fixtures,
            sites_dir,
        } => {
            use wildtrace_crawler::bench_extract::{BenchExtractOptions, bench_extract};
            require(&fixtures, "fixtures folder")?;
            let opts = BenchExtractOptions {
                fixtures_dir: fixtures,
                sites_dir,
                demo_listings_per_site: demo_listings,
                seed,
                min_duration: std::time::Duration::from_secs_f64(seconds.max(0.0)),
            };
            let report = runtime()?.block_on(bench_extract(&opts))?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        BenchCommand::AnnualWorker { engine, dir } => {
            let r = bench::run_engine(&engine, &dir).map_err(analysis_error)?;
            println!("{}", serde_json::to_string(&r)?);
            Ok(())
        }
    }
}

/// `inspect ...`: read the input, call the crawler library, print JSON.
fn run_inspect(command: InspectCommand) -> anyhow::Result<()> {
    use wildtrace_crawler::inspect;
    let read = |path: &Path| -> anyhow::Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| UsageError(format!("{}: {e}", path.display())).into())
    };
    let parse_url = |u: &str| inspect::parse_url(u).map_err(UsageError);
    let value = match command {
        InspectCommand::Price {
            text,
            currency_hint,
            jsonl,
        } => {
            if jsonl {
                inspect::price_jsonl(std::io::stdin().lock(), std::io::stdout().lock())?;
                return Ok(());
            }
            inspect::price_json(&text.unwrap_or_default(), currency_hint.as_deref())
        }
        InspectCommand::Robots {
            robots,
            agent,
            url,
            jsonl,
        } => {
            if jsonl {
                inspect::robots_jsonl(std::io::stdin().lock(), std::io::stdout().lock())?;
                return Ok(());
            }
            let body = read(&robots.unwrap_or_default())?;
            inspect::robots_json(&body, &agent.unwrap_or_default(), &url.unwrap_or_default())
                .map_err(UsageError)?
        }
        InspectCommand::Extract {
            file,
            url,
            profile,
            sites_dir,
        } => {
            let body = read(&file)?;
            let url = parse_url(&url)?;
            let profile = profile
                .map(|p| inspect::resolve_profile(&p, &sites_dir))
                .transpose()
                .map_err(|e| UsageError(e.to_string()))?;
            let keys = inspect::throwaway_pseudonymiser();
            serde_json::to_value(inspect::extract_records(
                &body,
                None,
                &url,
                profile.as_ref(),
                &keys,
            ))?
        }
        InspectCommand::Sitemap {
            file,
            url,
            max_bytes,
            max_urls,
        } => {
            let body = read(&file)?;
            let url = parse_url(&url)?;
            let limits = wildtrace_crawler::sitemap::SitemapLimits {
                max_bytes,
                max_urls,
                ..Default::default()
            };
            inspect::sitemap_json(&body, &url, &limits).map_err(|e| UsageError(e.to_string()))?
        }
    };
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

/// `verify`: recompute every WARC digest and check the lake's pointers.
fn run_verify(lake: &Path, warc: Option<PathBuf>) -> anyhow::Result<()> {
    use wildtrace_crawler::warc;
    require(lake, "lake folder")?;
    let dir = warc.unwrap_or_else(|| {
        lake.parent()
            .map(|p| p.join("warc"))
            .unwrap_or_else(|| PathBuf::from("warc"))
    });
    require(&dir, "WARC folder")?;
    let pointers = warc::pointers_from_lake(lake)?;
    let report = warc::verify(&[dir], &pointers);
    println!("{}", serde_json::to_string_pretty(&report)?);
    if report.ok {
        Ok(())
    } else {
        let bad = report
            .files
            .iter()
            .filter(|f| !f.problems.is_empty())
            .count()
            + report.missing_files.len()
            + report.open_files.len();
        anyhow::bail!("verify: {bad} file(s) with problems (report above)")
    }
}

fn print_outputs(o: &AnalysisOutputs) {
    println!(
        "  analysed:  {} observations of {} listings ({} removed, {} decoys left out)",
        o.observations, o.listings, o.removed_listings, o.decoys
    );
    println!(
        "  prices:    {} implausible (placeholders or outliers, left out of value totals)",
        o.implausible_prices
    );
    for t in &o.tables {
        println!("  table:     {}", t.display());
    }
    if let Some(dir) = o.parquet.first().and_then(|p| p.parent()) {
        println!(
            "  parquet:   {} tables in {}",
            o.parquet.len(),
            dir.display()
        );
    }
    println!("  xlsx:      {}", o.xlsx.display());
    for f in &o.figures {
        println!("  figure:    {}", f.display());
    }
    println!("  warehouse: {}", o.warehouse.display());
    println!("  manifest:  {}", o.manifest.display());
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
