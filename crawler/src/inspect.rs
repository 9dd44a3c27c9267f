//! The `wildtrace inspect` tools for people configuring sites: what the
//! price parser, the extractor, the robots.txt matcher and the sitemap
//! parser make of one input, as JSON; plus the JSON-lines batch modes.
//!
//! It owns the JSON shapes those commands print and the page-to-record step
//! shared with them (price, quantity, masking and pseudonyms applied exactly
//! as at ingest). It must not fetch anything or write files: inputs are
//! bytes the caller read, outputs are JSON values or lines on a writer. A bad
//! input line in a batch yields an error object on that line, never an abort.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use scraper::Html;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::ConfigError;
use crate::extract::{RawListing, extract_listing};
use crate::fetch::decode_html;
use crate::price::parse_price;
use crate::privacy::Pseudonymiser;
use crate::profile::SiteProfile;
use crate::robots::Robots;
use crate::sitemap::{SitemapError, SitemapLimits, parse_sitemap};
use crate::urlnorm::canonical;

/// What `inspect price` prints for one text.
pub fn price_json(text: &str, currency_hint: Option<&str>) -> Value {
    let p = parse_price(text, currency_hint);
    json!({
        "amount": p.amount.map(|a| a.to_string()),
        "currency": p.currency,
        "currency_raw": p.currency_raw,
        "amount_max": p.amount_max.map(|a| a.to_string()),
    })
}

/// What `inspect robots` prints: whether `agent` may fetch `url` under a
/// robots.txt body (read as a 200 answer).
pub fn robots_json(robots: &[u8], agent: &str, url: &str) -> Result<Value, String> {
    let agent = agent.trim();
    if agent.is_empty()
        || !agent
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "agent {agent:?}: a product token is letters, digits, '-' and '_' (RFC 9309 §2.2.1)"
        ));
    }
    let url = Url::parse(url.trim()).map_err(|e| format!("url {url:?}: {e}"))?;
    let r = Robots::from_status(200, robots, agent);
    Ok(json!({ "allowed": r.allowed(agent, &url) }))
}

/// What `inspect sitemap` prints: the URLs and child sitemaps it lists,
/// with the limits applied.
pub fn sitemap_json(body: &[u8], url: &Url, limits: &SitemapLimits) -> Result<Value, SitemapError> {
    let map = parse_sitemap(body, url, limits)?;
    Ok(json!({
        "urls": map.urls,
        "children": map.children,
        "truncated": map.truncated,
        "limits": limits,
    }))
}

#[derive(Deserialize)]
struct PriceLine {
    text: String,
    #[serde(default)]
    currency_hint: Option<String>,
}

#[derive(Deserialize)]
struct RobotsLine {
    robots: String,
    agent: String,
    url: String,
}

fn jsonl<T: for<'de> Deserialize<'de>>(
    input: impl BufRead,
    mut out: impl Write,
    f: impl Fn(T) -> Result<Value, String>,
) -> std::io::Result<()> {
    for (n, line) in input.lines().enumerate() {
        let line = line?;
        let v = serde_json::from_str::<T>(&line)
            .map_err(|e| format!("line {}: {e}", n + 1))
            .and_then(&f)
            .unwrap_or_else(|e| json!({ "error": e }));
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// `inspect price --jsonl`: lines `{"text": ..., "currency_hint": ...}` in,
/// one result (or `{"error": ...}`) line out per line, in order.
pub fn price_jsonl(input: impl BufRead, out: impl Write) -> std::io::Result<()> {
    jsonl(input, out, |l: PriceLine| {
        Ok(price_json(&l.text, l.currency_hint.as_deref()))
    })
}

/// `inspect robots --jsonl`: lines `{"robots": ..., "agent": ..., "url": ...}`
/// in, `{"allowed": ...}` (or `{"error": ...}`) out, in order.
pub fn robots_jsonl(input: impl BufRead, out: impl Write) -> std::io::Result<()> {
    jsonl(input, out, |l: RobotsLine| {
        robots_json(l.robots.as_bytes(), &l.agent, &l.url)
    })
}

/// Parses a `--url` argument (absolute http(s) URL).
pub fn parse_url(u: &str) -> Result<Url, String> {
    let url = Url::parse(u.trim()).map_err(|e| format!("--url {u:?}: {e}"))?;
    if matches!(url.scheme(), "http" | "https") {
        Ok(url)
    } else {
        Err(format!("--url {u:?}: not an http(s) URL"))
    }
}

/// A pseudonymiser with a random key that is never stored. why: inspect
/// output must never be joinable with a lake's pseudonyms.
pub fn throwaway_pseudonymiser() -> Pseudonymiser {
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    Pseudonymiser::from_key(key)
}

/// Resolves `--profile NAME`: a path to a TOML file, or the name of
/// `<sites_dir>/<NAME>.toml`.
pub fn resolve_profile(name: &str, sites_dir: &Path) -> Result<SiteProfile, ConfigError> {
    let as_path = PathBuf::from(name);
    let path = if as_path.extension().is_some_and(|e| e == "toml") || as_path.exists() {
        as_path
    } else {
        sites_dir.join(format!("{name}.toml"))
    };
    SiteProfile::load(&path)
}

/// One listing record as it would reach the lake (masked, pseudonymised,
/// parsed), without the crawl-run columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingRecord {
    /// Page URL.
    pub url: String,
    /// Canonical URL (the page's own `og:url`/`rel=canonical` when given).
    pub canonical_url: String,
    /// `<source>:<site id>`, or `<source>:u<hash of the URL's canonical form>`.
    pub listing_id: String,
    /// Title, contacts masked.
    pub title: Option<String>,
    /// Description, contacts masked.
    pub description: Option<String>,
    /// Price as shown.
    pub price_text: Option<String>,
    /// Exact amount (lower bound of a range).
    pub price_amount: Option<String>,
    /// Upper bound of a price range.
    pub price_amount_max: Option<String>,
    /// ISO 4217 currency.
    pub currency: Option<String>,
    /// Stated number of specimens.
    pub quantity: Option<u32>,
    /// Keyed pseudonym of the seller.
    pub seller_pseudonym: Option<String>,
    /// Seller location, contacts masked.
    pub seller_location: Option<String>,
    /// Ships-to text, contacts masked.
    pub ships_to: Option<String>,
    /// Posted date (ISO).
    pub posted_date: Option<String>,
    /// `<html lang>`.
    pub language: Option<String>,
    /// Image URLs.
    pub image_urls: Vec<String>,
    /// Which extractors contributed.
    pub extractor: String,
    /// SHA-256 of the page body, hex.
    pub page_sha256: String,
}

/// Turns raw extracted fields into the record the lake would get: the same
/// steps as ingest (price and quantity parsed, contacts masked, the seller
/// pseudonymised; the raw handle goes nowhere else).
pub fn listing_record(
    raw: &RawListing,
    source: &str,
    url: &Url,
    body: &[u8],
    pseudonyms: &Pseudonymiser,
) -> ListingRecord {
    let ing = crate::crawl::ingest_fields(raw, source, pseudonyms);
    let price = ing.price.clone();
    let canon = raw
        .canonical_url
        .as_deref()
        .and_then(|c| Url::parse(c).ok())
        .map(|c| canonical(&c))
        .unwrap_or_else(|| canonical(url))
        .to_string();
    // The id hashes the requested URL's canonical form, as the crawler does.
    let listing_id = match raw.site_listing_id.as_deref() {
        Some(id) => format!("{source}:{id}"),
        None => format!(
            "{source}:u{}",
            &hex::encode(Sha256::digest(canonical(url).as_str().as_bytes()))[..16]
        ),
    };
    ListingRecord {
        url: url.to_string(),
        canonical_url: canon,
        listing_id,
        title: ing.title,
        description: ing.description,
        price_text: ing.price_text,
        price_amount: price.as_ref().and_then(|p| p.amount).map(|a| a.to_string()),
        price_amount_max: price
            .as_ref()
            .and_then(|p| p.amount_max)
            .map(|a| a.to_string()),
        currency: price.and_then(|p| p.currency),
        quantity: ing.quantity,
        seller_pseudonym: ing.seller_pseudonym,
        seller_location: ing.seller_location,
        ships_to: ing.ships_to,
        posted_date: raw.posted_date.map(|d| d.to_string()),
        language: raw.language.clone(),
        image_urls: raw.images.clone(),
        extractor: raw.extractor.clone(),
        page_sha256: hex::encode(Sha256::digest(body)),
    }
}

/// What `inspect extract` prints: the listing records a page yields (none
/// when no extractor found anything). `content_type` may carry a charset;
/// without it the page is decoded as a browser would (BOM, meta, detection).
pub fn extract_records(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    profile: Option<&SiteProfile>,
    pseudonyms: &Pseudonymiser,
) -> Vec<ListingRecord> {
    let text = decode_html(body, content_type);
    let raw = extract_listing(&Html::parse_document(&text), url, profile);
    if raw.extractor == "none" {
        return Vec::new();
    }
    let source = profile
        .map(|p| p.name.clone())
        .or_else(|| url.host_str().map(str::to_string))
        .unwrap_or_default();
    vec![listing_record(&raw, &source, url, body, pseudonyms)]
}
