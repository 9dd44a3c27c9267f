//! Benchmark harnesses that serve their own pages on 127.0.0.1: politeness
//! at scale and extraction throughput. Speed claims come from here, never
//! from timed tests.

pub mod annual;
pub mod extract;
pub mod politeness;
