//! Integration tests of wildtrace-extract: one test binary, one module per
//! topic, shared helpers in `support`.
//!
//! - `data`: the embedded data files load and validate.
//! - `price`, `quantity`: the parsers on real-world listing text.
//! - `extract`: fixture pages to records, against committed snapshots.
//! - `robots`: robots.txt matching, case by case against Google's matcher.
//! - `sitemap`: sitemap formats, limits and hostile input.
mod data;
mod extract;
mod price;
mod quantity;
mod robots;
mod sitemap;
mod support;
