//! Integration tests of wildtrace-analysis (one test binary; one module per area).

mod contract;
mod lexicon;
mod pipeline;
mod support;
