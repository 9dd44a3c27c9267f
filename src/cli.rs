//! The command line: every subcommand with its arguments, defaults and help
//! text (clap derive). It owns parsing only; what a command does lives in
//! `commands/`, one module per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Ethical research crawler and trend analysis for online wildlife trafficking.
///
/// Crawls public marketplace listings politely (RFC 9309 robots.txt,
/// per-host rate limits, honest identification), pseudonymises sellers at
/// ingest, writes a versioned Parquet lake, and turns it into annual trend
/// tables and figures for enforcement analysts, researchers and policymakers.
#[derive(Debug, Parser)]
#[command(name = "wildtrace", version, about, long_about)]
pub struct Cli {
    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `wildtrace_crawler=debug`.
    #[arg(long, global = true, env = "WILDTRACE_LOG", default_value = "info")]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: crawl the embedded demo marketplace (five rounds, on
    /// days 0, 5, 21, 60 and 100 of its calendar, so removals show), write
    /// the lake, then the tables, figures and warehouse.
    ///
    /// The demo keeps its lake, state and key under the config's data_dir
    /// (data/demo), which it resets on every run; outputs go to --out.
    Demo(DemoArgs),
    /// Crawl the sites of a job config once (one run), appending to its lake.
    Crawl(CrawlArgs),
    /// Run the crawl jobs of a folder on their `[schedule]` cron expressions,
    /// in one long-running process (Ctrl-C or SIGTERM stops it cleanly).
    ///
    /// Each job's next run time is kept in its state store; a job never
    /// overlaps itself; an interrupted run is resumed before a new one starts.
    Schedule(ScheduleArgs),
    /// Turn a lake into tables, figures and the DuckDB warehouse.
    Analyse(AnalyseArgs),
    /// Serve the demo marketplace alone, to point a crawler at it by hand.
    ///
    /// Prints each site's URL and an admin URL (ground truth, request log,
    /// `POST /round/<n>` to move to the next round). Stops on Ctrl-C.
    DemoMarket(DemoMarketArgs),
    /// Write the policymaker report for one year: a self-contained HTML file
    /// (figures inlined, no network needed) from the outputs of `analyse`/`demo`.
    ///
    /// Headline numbers with the change on the year before, the key tables, the
    /// figures, the method in plain words, limitations and data protection.
    Report(ReportArgs),
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
    /// Share data by audience: a folder of files for one recipient, with a
    /// manifest and a data-sharing note.
    ///
    /// public: aggregate tables under disclosure control (cells with fewer
    /// than 5 listings or 3 sellers suppressed, and enough others that none
    /// can be worked out from the totals); research: per-listing facts,
    /// minimised, with pseudonyms keyed for the recipient; enforcement:
    /// per-listing detail with URLs and WARC evidence pointers.
    Export(ExportArgs),
    /// Recompute every digest of the evidence WARC files and check every
    /// listing's pointer into them; exit 0 when clean, 1 with a per-file report.
    Verify(VerifyArgs),
    /// Run SQL against the DuckDB warehouse that `analyse`/`demo` build.
    Sql(SqlArgs),
    /// Report a period's suspected illegal listings to their platforms: per
    /// platform a CSV and a JSON file (with reasons, price, evidence) and a
    /// cover note, recorded in the job's lake and state so later crawls
    /// revisit every reported listing; `--submit` also sends each platform
    /// its JSON at `[sites.report_intake]`.
    Flag(FlagArgs),
}

/// Minimum confidence of a reported listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MinConfidence {
    /// A name of the animal is in the text.
    Confirmed,
    /// Confirmed, or a product or code word implies a protected group.
    Suspected,
}

/// What to do with legality claims ("antique", "certificate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LegalityArg {
    /// Report listings with or without claims (the claims are listed).
    Any,
    /// Only listings that make a legality claim.
    Require,
    /// Only listings that make none.
    Exclude,
}

/// Arguments of `wildtrace flag`.
#[derive(Debug, Args)]
pub struct FlagArgs {
    /// Crawl job config (its lake, state store, identity and report intakes).
    #[arg(long)]
    pub config: PathBuf,
    /// First day of the period (UTC, YYYY-MM-DD): listings seen live on a day from --from to --to.
    #[arg(long, conflicts_with = "year")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day of the period, included [default: today].
    #[arg(long, conflicts_with = "year")]
    pub to: Option<chrono::NaiveDate>,
    /// The period is this calendar year.
    #[arg(long)]
    pub year: Option<i32>,
    /// Minimum confidence.
    #[arg(long, value_enum, default_value_t = MinConfidence::Confirmed)]
    pub min_confidence: MinConfidence,
    /// Only this taxon group (repeatable), e.g. `Elephants`.
    #[arg(long, value_name = "GROUP")]
    pub taxon_group: Vec<String>,
    /// Only this taxon (scientific name, repeatable), e.g. `Loxodonta africana`.
    #[arg(long, value_name = "NAME")]
    pub taxon: Vec<String>,
    /// Only this CITES appendix (repeatable: I, II, III).
    #[arg(long, value_name = "I|II|III")]
    pub appendix: Vec<String>,
    /// Legality claims: any, require (only listings claiming legality) or exclude.
    #[arg(long, value_enum, default_value_t = LegalityArg::Any)]
    pub legality: LegalityArg,
    /// Only listings still active at their latest observation.
    #[arg(long)]
    pub active_only: bool,
    /// Only this platform (a site of the job, repeatable) [default: every platform].
    #[arg(long, value_name = "SITE")]
    pub platform: Vec<String>,
    /// Where the report folders go [default: <data_dir>/reports].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also POST each platform's JSON to its `[sites.report_intake]`.
    #[arg(long)]
    pub submit: bool,
    #[command(flatten)]
    pub reference: ReferenceArgs,
}

/// Arguments of `wildtrace demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Crawl job config whose sites use `demo:<site>` base URLs.
    #[arg(long, default_value = "config/demo.toml")]
    pub config: PathBuf,
    /// Seed of the simulated marketplace (same seed, same listings).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Listings generated per site.
    #[arg(long, default_value_t = 150)]
    pub listings_per_site: usize,
    /// Crawl rounds, on days 0, 5, 21, 60 and 100 of the market's calendar
    /// (it removes listings between rounds).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub rounds: u32,
    /// Where tables, figures and the DuckDB warehouse go.
    #[arg(long, default_value = "data/out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub reference: ReferenceArgs,
    /// Also write the market's ground truth and request log here (JSON).
    #[arg(long)]
    pub ground_truth: Option<PathBuf>,
}

/// Arguments of `wildtrace crawl`.
#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Crawl job config (see config/demo.toml for a documented example).
    #[arg(long)]
    pub config: PathBuf,
    /// Finish the job's interrupted run (after a crash, kill or Ctrl-C)
    /// instead of refusing; starts a new run when none was interrupted.
    #[arg(long)]
    pub resume: bool,
}

/// Arguments of `wildtrace schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Folder of job files (`*.toml` with a `[schedule]` table).
    #[arg(long, default_value = "config")]
    pub config_dir: PathBuf,
    /// Serve the embedded demo marketplace for `demo:` sites, moving it to
    /// its next round (with removals) after each run; resets the demo data.
    #[arg(long)]
    pub demo: bool,
    /// Seed of the demo marketplace (with --demo).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Listings per demo site (with --demo).
    #[arg(long, default_value_t = 150)]
    pub listings_per_site: usize,
    /// Exit after this many runs have finished (default: run until stopped).
    #[arg(long)]
    pub runs: Option<usize>,
}

/// Arguments of `wildtrace analyse`.
#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// The lake folder (holding listings/ and fetch_log/); default: the
    /// job's `<data_dir>/lake` with --config, else data/lake.
    #[arg(long)]
    pub lake: Option<PathBuf>,
    /// The crawl job whose lake this is: its `[reference]` files are used
    /// (flags override) and it is hashed into the manifest.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "data/out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub reference: ReferenceArgs,
}

/// The reference files of an analysis run (`demo` and `analyse`). Each is,
/// in this order: the flag, the job config's `[reference]` file, or the
/// copy compiled into the binary (`embedded:<name>` in the manifest).
#[derive(Debug, Args)]
pub struct ReferenceArgs {
    /// Species lexicon [default: the job's, else embedded:lexicon.toml].
    #[arg(long)]
    pub lexicon: Option<PathBuf>,
    /// Exchange-rate tables in the ECB `eurofxref-hist.csv` layout (the .csv
    /// or the ECB's .zip), repeatable, in order of precedence: the ECB file
    /// first, then your own tables for currencies it does not publish
    /// (`--rates eurofxref-hist.zip --rates my-ngn-vnd.csv`) [default: the
    /// job's `[reference] rates`, else the embedded illustrative demo table
    /// embedded:eurofxref-demo-illustrative.csv: invented rates, not ECB data].
    #[arg(long = "rates", value_name = "FILE")]
    pub rates: Vec<PathBuf>,
    /// Days after a rate table's last day on which its last rate still
    /// converts (flagged after_table_end); later listings are not converted
    /// and are counted as no_rate_date.
    #[arg(long, value_name = "N", default_value_t = wildtrace_analysis::fx::DEFAULT_RATE_WINDOW_DAYS)]
    pub rate_window_days: u32,
    /// Places gazetteer (country names, cities, regions, site defaults)
    /// [default: the job's, else embedded:places.toml].
    #[arg(long)]
    pub places: Option<PathBuf>,
}

/// Arguments of `wildtrace demo-market`.
#[derive(Debug, Args)]
pub struct DemoMarketArgs {
    /// Seed of the simulated marketplace.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Listings generated per site.
    #[arg(long, default_value_t = 150)]
    pub listings_per_site: usize,
    /// Also serve `exotica`, the site without search that is browsed by
    /// category and pagination (crawl it with tests/fixtures/jobs/nosearch.toml).
    #[arg(long)]
    pub browse_site: bool,
}

/// Arguments of `wildtrace report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The year to report on (default: the latest year with listings).
    #[arg(long)]
    pub year: Option<i32>,
    /// The output folder of `analyse`/`demo` (tables/, figures/); the report
    /// is written there as report-<year>.html.
    #[arg(long, default_value = "data/out")]
    pub out: PathBuf,
}

/// Who an export is for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AudienceArg {
    Public,
    Research,
    Enforcement,
}

/// Arguments of `wildtrace export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Who the export is for.
    #[arg(long, value_enum)]
    pub audience: AudienceArg,
    /// The export folder to create; it must not exist or be empty, unless --force.
    #[arg(long)]
    pub to: PathBuf,
    /// Who receives it (required for research and enforcement; research
    /// pseudonyms are keyed to it).
    #[arg(long)]
    pub recipient: Option<String>,
    /// The output folder of `analyse`/`demo` (tables/).
    #[arg(long, default_value = "data/out")]
    pub out: PathBuf,
    /// The lake (research with --include-urls, enforcement); default: the job's with --config.
    #[arg(long)]
    pub lake: Option<PathBuf>,
    /// The crawl job: its lake, and its `<data_dir>/keys/export.key`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The secret export key for research pseudonyms, created on first use
    /// (owner-only) [default: <data_dir>/keys/export.key, beside the lake].
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Research: include each listing's URL (recorded in the manifest).
    #[arg(long)]
    pub include_urls: bool,
    /// Public: suppress cells with fewer listings than this.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_listings: u32,
    /// Public: suppress cells with fewer distinct sellers than this.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_sellers: u32,
    /// Replace a non-empty --to folder (atomically).
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `wildtrace verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The lake folder (its listings carry the WARC pointers).
    #[arg(long)]
    pub lake: PathBuf,
    /// The WARC folder (searched recursively); default: `warc/` next to the lake.
    #[arg(long)]
    pub warc: Option<PathBuf>,
}

/// Arguments of `wildtrace sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The query, e.g. "SELECT * FROM annual_by_taxon_group".
    pub query: String,
    /// The warehouse file.
    #[arg(long, default_value = "data/out/wildtrace.duckdb")]
    pub warehouse: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum InspectCommand {
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
        /// Site profile: a path to a .toml file, or a NAME: the embedded
        /// profile of config/sites/NAME.toml (bazaar, curioshop,
        /// reptileforum), or NAME.toml in --sites-dir.
        #[arg(long)]
        profile: Option<String>,
        /// Folder of site profiles that NAME resolves in (instead of the
        /// embedded profiles).
        #[arg(long)]
        sites_dir: Option<PathBuf>,
    },
    /// What the species lexicon makes of a listing text: the taxa named (or
    /// the group implied), product type, confidence and legality claims.
    ///
    /// Prints `{"taxa": [{"scientific_name", "rank", "group", "appendix",
    /// "confidence", "terms"}], "product_type", "confidence",
    /// "legality_claims"}`. A group implied only by a product or code word
    /// is a taxa entry with rank `taxon_group`, no scientific name and
    /// confidence `suspected`. With --jsonl, reads lines `{"text": ...}` on
    /// stdin and writes one result line per input line, in order; a bad line
    /// gives `{"error": "line N: ..."}` on its line and the command exits 2
    /// after the last line.
    Species {
        /// The listing text, e.g. "Carved elephant ivory netsuke" (omit with --jsonl).
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        text: Option<String>,
        /// Batch mode: JSON lines on stdin, JSON lines on stdout.
        #[arg(long)]
        jsonl: bool,
        /// Species lexicon [default: embedded:lexicon.toml].
        #[arg(long)]
        lexicon: Option<PathBuf>,
    },
    /// The country a seller-location text names, from the places gazetteer:
    /// `{"country": "NG", "name": "Nigeria", "confidence": "stated"}`.
    ///
    /// `confidence` is `stated` when the text names a country or city,
    /// `inferred_from_site` when it names none and --source (or the line's
    /// "source") is a site with a default country; country, name and
    /// confidence are null when neither. With --jsonl, reads lines
    /// `{"text": ..., "source": ...}` on stdin, one result line per input
    /// line, in order; a bad line gives `{"error": "line N: ..."}` and the
    /// command exits 2 after the last line.
    Location {
        /// The location text, e.g. "Lagos, Nigeria" (omit with --jsonl).
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        text: Option<String>,
        /// The site (lake source) the text comes from, for its default country.
        #[arg(long)]
        source: Option<String>,
        /// Batch mode: JSON lines on stdin, JSON lines on stdout.
        #[arg(long)]
        jsonl: bool,
        /// Places gazetteer [default: embedded:places.toml].
        #[arg(long)]
        places: Option<PathBuf>,
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
pub enum BenchCommand {
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
        #[arg(long, default_value = "extract/tests/fixtures/pages")]
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
        /// Where the synthetic Parquet table is kept (annual-v2-<listings>/ under it).
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
        #[arg(long, default_value = wildtrace_analysis::reference::EMBEDDED_LEXICON)]
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
pub enum LexiconCommand {
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
        #[arg(long, default_value = wildtrace_analysis::reference::EMBEDDED_LEXICON)]
        lexicon: PathBuf,
        /// Where the extended lexicon goes (may be the same file).
        #[arg(long, default_value = "lexicon.toml")]
        out: PathBuf,
    },
    /// Print the lexicon's counts per taxon group and per language.
    Stats {
        /// Species lexicon.
        #[arg(long, default_value = wildtrace_analysis::reference::EMBEDDED_LEXICON)]
        lexicon: PathBuf,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
}
