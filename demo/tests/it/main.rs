//! Integration tests of wildtrace-demo (one test binary; one module per area):
//! the marketplace itself, and real crawls of it checked against its ground truth.
mod browse;
mod intake;
mod market;
mod privacy;
mod sitemap;

/// The crate's folder, read at run time: a test binary built from another
/// clone sharing the target dir must still find this clone's files.
pub fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}
