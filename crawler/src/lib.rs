//! wildtrace-crawler: everything with a network or a clock in it, up to the lake.
//!
//! Turning fetched bytes into records is `wildtrace-extract`'s job. It must
//! not depend on polars or duckdb (the analysis reads the lake only through
//! the contract in `data/schema/lake.toml`), nor on the demo marketplace
//! (`demo:<site>` bases are resolved from addresses the caller supplies).
//!
//! # Layout
//!
//! - [`config`]: a job file (`config/*.toml`) read with serde, then
//!   validated once into immutable, typed values (base URLs, cron
//!   schedule, site profiles, politeness bounds, discovery: search, start
//!   URLs, follow patterns, per-site depth and page budget); errors name
//!   file, line, key.
//! - [`crawl`]: one run of a job — claiming or resuming it, one worker per
//!   host, publishing the lake files then the registry. Inside (private):
//!   `host` (lanes, the one polite GET, what each answer means), `frontier`
//!   (task order, dedup, trap admission, retries), `pacing` (gap, rate
//!   limiter, back-off), `scope` (which URLs may be requested), `robots`
//!   (the RFC 9309 lifecycle), `discover` (search pages, sitemaps, links
//!   followed from start URLs), `rows`
//!   (lake rows and registry entries), `evidence` (WARC per host).
//! - `fetch` (private): the HTTP client — identity headers, body caps,
//!   decompression, redirects handed back hop by hop.
//! - [`state`]: the job's SQLite state store (runs, frontier, registry,
//!   robots cache, last request per origin), one transaction per task.
//! - [`lake`]: the Parquet lake writer (temporary file, then rename).
//! - [`report`]: reports to platforms — recorded in the lake's `reports`
//!   table and the state store (reported listings are revisited on every
//!   run), and submitted to a site's report intake.
//! - [`warc`]: WARC 1.1 writing, crash recovery and verification.
//! - [`schedule`]: `wildtrace schedule` — the jobs of a folder on their
//!   cron, one run per job at a time, stopped by a signal the caller owns.

pub mod config;
pub mod crawl;
mod fetch;
pub mod lake;
pub mod report;
pub mod schedule;
pub mod state;
pub mod warc;

pub use config::{ConfigError, CrawlConfig};
pub use crawl::{
    CrawlError, CrawlOptions, CrawlOutcome, SiteOutcome, crawl, crawl_with, resolve_bases,
};
pub use fetch::FetchError;
pub use schedule::{ScheduleError, ScheduleOptions, load_jobs, run_schedule};
