//! wildtrace-crawler: everything with a network or a clock in it, up to the lake.
//!
//! It owns the crawl configuration, robots.txt handling, per-host
//! politeness, fetching, the job's state store, schedules, WARC evidence and
//! the Parquet lake writer. Turning fetched bytes into records is
//! `wildtrace-extract`'s job. It must not depend on polars or duckdb (the
//! analysis reads the lake only through the contract in
//! `data/schema/lake.toml`), nor on the demo marketplace.

pub mod config;
pub mod crawl;
pub mod fetch;
pub mod lake;
pub mod schedule;
pub mod state;
pub mod warc;
