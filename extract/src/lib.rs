//! wildtrace-extract: from the bytes a crawler fetched to the records the
//! lake gets, with no network, no clock and no async runtime. The crawler
//! and `wildtrace inspect` both call it, so what a user inspects is exactly
//! what a crawl would store.
//!
//! It must not depend on tokio, reqwest or any HTTP stack, nor on polars or
//! duckdb.

pub mod config_error;
pub mod corpus;
pub mod decode;
pub mod html;
pub mod inspect;
pub mod price;
pub mod privacy;
pub mod profile;
pub mod quantity;
pub mod record;
pub mod robots;
pub mod sitemap;
pub mod urlnorm;
