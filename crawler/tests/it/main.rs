//! Integration tests of wildtrace-crawler (one test binary; one module per area).
mod config;
mod contract;
mod crawl;
mod politeness;
mod reports;
mod warc;

/// The crawler crate's folder, read at run time: a test binary built from
/// another clone sharing the target dir must still find this clone's files.
pub fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}
