//! Integration tests of wildtrace-analysis (one test binary; one module per area).

mod annual;
mod contract;
mod fx;
mod lexicon;
mod pipeline;
mod places;
mod report;
mod support;
mod survival;
