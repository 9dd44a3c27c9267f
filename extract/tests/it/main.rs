//! Integration tests of wildtrace-extract: one test binary, one module per
//! topic, shared helpers in `support`.
//!
//! - `budget`: page budgets (depth, elements, deadline) and hostile markup.
//! - `data`: the embedded data files load and validate.
//! - `price`, `quantity`: the parsers on real-world listing text.
//! - `fuzz`: fuzz targets (price, quantity, robots, sitemap, html), their
//!   harness and generators; `./wt fuzz NAME --minutes N` runs one longer.
//! - `extract`: fixture pages to records, against committed snapshots.
//! - `robots`: robots.txt matching, case by case against Google's matcher.
//! - `sitemap`: sitemap formats, limits and hostile input.
mod budget;
mod data;
mod extract;
mod fuzz;
mod price;
mod quantity;
mod robots;
mod sitemap;
mod support;

/// Counts what each thread holds, for the fuzz targets' memory caps.
#[global_allocator]
static ALLOC: fuzz::harness::Counting = fuzz::harness::Counting;
