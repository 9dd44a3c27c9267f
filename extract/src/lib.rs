//! wildtrace-extract: from the bytes a crawler fetched to the records the
//! lake gets, with no network, no clock and no async runtime. The crawler
//! and `wildtrace inspect` both call it, so what a user inspects is exactly
//! what a crawl would store.
//!
//! It must not depend on tokio, reqwest or any HTTP stack, nor on polars or
//! duckdb.
//!
//! # Layout
//!
//! - [`decode`]: fetched bytes to text (BOM, HTTP charset, `<meta>`, detection).
//! - [`budget`]: parsing HTML within a page's budgets (depth, elements,
//!   time), and what a cut page reports.
//! - [`page`]: one fetched page to what the crawler keeps (fields, links),
//!   plain data a blocking thread can hand back.
//! - [`html`]: one page to raw listing fields: `jsonld`, `microdata`,
//!   `opengraph`, `rules` (site-profile field rules), `links` (search-page
//!   links, removed markers).
//! - [`profile`]: site profiles (`config/sites/*.toml`), parsed and validated;
//!   the shipped ones compiled in, so a bare name resolves from any folder.
//! - [`price`]: price text to amount, currency and range: `tables` (data
//!   model and loader), `markers` and `numbers` (scanners), the entry point.
//! - [`quantity`]: specimen counts: `tables`, `scan` (tokens), `rules`, the
//!   entry point.
//! - [`data`]: the embedded data files in `extract/data/` (currencies, price
//!   words, quantity words, measure words), their shared checks and [`data::check`].
//! - `text` (crate-internal): character rules the price and quantity
//!   scanners share (digit folding, separators, word boundaries, matching).
//! - [`privacy`]: seller pseudonyms (HMAC key file) and contact masking.
//! - [`record`]: raw fields to lake content (prices, quantities, masking,
//!   pseudonyms), the one ingest path.
//! - [`urlnorm`]: canonical URLs and private-target refusal.
//! - [`robots`]: robots.txt fetch results and matching (RFC 9309).
//! - [`sitemap`]: sitemap XML, text and gzip, with limits.
//! - [`config_error`]: configuration errors pinned to file, line and key.
//! - [`corpus`]: folders of saved pages described by `pages.toml`.
//! - [`inspect`]: what `wildtrace inspect` prints, and its batch modes.

pub mod budget;
pub mod config_error;
pub mod corpus;
pub mod data;
pub mod decode;
pub mod html;
pub mod inspect;
pub mod page;
pub mod price;
pub mod privacy;
pub mod profile;
pub mod quantity;
pub mod record;
pub mod robots;
pub mod sitemap;
pub mod urlnorm;

mod text;
