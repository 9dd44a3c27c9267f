//! wildtrace-demo: the embedded demo marketplace (simulated sites with an
//! exact ground truth), the crawl half of the main job against it, the
//! demo schedule, and the benchmark harnesses that need local servers.
//!
//! It is a dependency of the `wildtrace` binary and a dev-dependency of the
//! tests, never of the crawler or the analysis libraries: nothing they do
//! may depend on the demo existing.

pub mod bench;
pub mod market;
pub mod pipeline;
pub mod run;
pub mod schedule;
