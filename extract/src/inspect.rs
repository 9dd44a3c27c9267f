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

use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::budget::{Cut, PageLimits, parse_document};
use crate::config_error::ConfigError;
use crate::decode::decode_html;
use crate::html::extract_listing;
use crate::price::parse_price;
use crate::privacy::Pseudonymiser;
use crate::profile::{EMBEDDED_PROFILES, SiteProfile, is_bare_name};
use crate::record::{ListingRecord, listing_record};
use crate::robots::Robots;
use crate::sitemap::{SitemapError, SitemapLimits, parse_sitemap};

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

/// Resolves `--profile NAME`: a path to a TOML file (one that exists, or
/// any ending in `.toml`); else, for a bare name, `<sites_dir>/<NAME>.toml`
/// when a folder is given, or the embedded profile of that name
/// ([`crate::profile::EMBEDDED_PROFILES`]). A name that is none of these is
/// an error naming the file it looked for and the embedded names.
pub fn resolve_profile(name: &str, sites_dir: Option<&Path>) -> Result<SiteProfile, ConfigError> {
    let as_path = PathBuf::from(name);
    if as_path.extension().is_some_and(|e| e == "toml") || as_path.exists() || !is_bare_name(name) {
        return SiteProfile::load(&as_path);
    }
    if let Some(dir) = sites_dir {
        return SiteProfile::load(&dir.join(format!("{name}.toml")));
    }
    SiteProfile::embedded(name).unwrap_or_else(|| {
        let known: Vec<&str> = EMBEDDED_PROFILES.iter().map(|(n, _)| *n).collect();
        Err(ConfigError {
            path: PathBuf::from(format!("{name}.toml")),
            line: 0,
            key: "(file)".into(),
            message: format!(
                "no profile file {name}.toml here and no embedded profile `{name}` (embedded: {}); pass a path or --sites-dir",
                known.join(", ")
            ),
        })
    })
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
    extract_page(
        body,
        content_type,
        url,
        profile,
        pseudonyms,
        &PageLimits::default(),
    )
    .0
}

/// [`extract_records`] within `limits`, with what the budgets cut.
pub fn extract_page(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    profile: Option<&SiteProfile>,
    pseudonyms: &Pseudonymiser,
    limits: &PageLimits,
) -> (Vec<ListingRecord>, Cut) {
    let text = decode_html(body, content_type);
    let parsed = parse_document(&text, limits);
    let raw = extract_listing(&parsed.doc, url, profile);
    if raw.extractor == "none" {
        return (Vec::new(), parsed.cut);
    }
    let source = profile
        .map(|p| p.name.clone())
        .or_else(|| url.host_str().map(str::to_string))
        .unwrap_or_default();
    (
        vec![listing_record(&raw, &source, url, body, pseudonyms)],
        parsed.cut,
    )
}
