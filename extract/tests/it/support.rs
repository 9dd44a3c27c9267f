//! Support code the topic modules share.

use std::path::PathBuf;

/// The crate's folder, read at run time: a test binary built from another
/// clone sharing the target dir must still find this clone's files.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

/// Fails with every collected failure at once (a table of cases reports
/// all the cases that fail, not only the first).
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
