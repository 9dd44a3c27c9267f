//! wildtrace-crawler: everything with a network or a clock in it, up to the lake.
//!
//! It owns the crawl configuration, the embedded demo marketplace, robots.txt
//! handling, per-host politeness, fetching, extraction of listing records,
//! seller pseudonymisation and the Parquet lake writer. It must not depend on
//! polars or duckdb: the analysis reads the lake only through the contract in
//! `data/schema/lake.toml`.

pub mod bench_extract;
pub mod bench_politeness;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod demorun;
pub mod extract;
pub mod fetch;
pub mod inspect;
pub mod lake;
pub mod price;
pub mod privacy;
pub mod profile;
pub mod quantity;
pub mod robots;
pub mod schedule;
pub mod sitemap;
pub mod state;
pub mod urlnorm;
pub mod warc;
