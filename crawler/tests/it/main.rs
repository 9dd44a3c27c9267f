//! Integration tests of wildtrace-crawler (one test binary; one module per area).
mod config;
mod contract;
mod crawl;
mod demo_market;
