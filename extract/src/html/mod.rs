//! Listing extraction from one decoded HTML page: schema.org JSON-LD (arrays,
//! `@graph`, nested and aggregate offers, malformed JSON forgiven),
//! microdata (nested item scopes, `content`/meta/link values) and OpenGraph
//! product tags with no configuration, then the site profile's CSS rules,
//! which fill or override what structured data gave; plus the links a search
//! page offers (listings and the next page) and the links of any page (for
//! link following).
//!
//! It owns turning markup into raw fields. It must not parse prices into
//! amounts (see `price`), pseudonymise (see `privacy`) or fetch anything;
//! the raw seller handle it returns must go straight to the pseudonymiser.
//!
//! Inside: `jsonld`, `microdata` and `opengraph` (structured data, no
//! configuration), `rules` (the site profile's field rules) and `links`
//! (search-page and page links, removed markers); here the entry point and the
//! small field helpers they share.

mod jsonld;
mod links;
mod microdata;
mod opengraph;
mod rules;

use std::sync::LazyLock;

use chrono::NaiveDate;
use scraper::{Html, Selector};
use url::Url;

use crate::profile::SiteProfile;

pub use self::links::{has_removed_marker, page_links, search_links};

static HTML_LANG: LazyLock<Selector> = LazyLock::new(|| sel("html[lang]"));
static CANONICAL_LINK: LazyLock<Selector> =
    LazyLock::new(|| sel(r#"link[rel~="canonical"][href]"#));

/// Raw fields of one listing page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawListing {
    /// The site's own id for the listing.
    pub site_listing_id: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Price as shown (or `<amount> <ISO>` from structured data).
    pub price_text: Option<String>,
    /// Currency named by structured data or a separate element.
    pub currency_hint: Option<String>,
    /// Seller handle, raw: pseudonymise before storing.
    pub seller_handle: Option<String>,
    /// Seller location text.
    pub seller_location: Option<String>,
    /// Ships-to text.
    pub ships_to: Option<String>,
    /// Posted date.
    pub posted_date: Option<NaiveDate>,
    /// Absolute image URLs.
    pub images: Vec<String>,
    /// `<html lang>`.
    pub language: Option<String>,
    /// The page's own canonical URL (`og:url` or `<link rel=canonical>`), absolute.
    pub canonical_url: Option<String>,
    /// Which extractors contributed, `+`-joined.
    pub extractor: String,
}

/// Extracts a listing from a page. Structured data first, the profile's
/// rules on top.
pub fn extract_listing(doc: &Html, url: &Url, profile: Option<&SiteProfile>) -> RawListing {
    let mut out = RawListing::default();
    let mut sources = Vec::new();
    if jsonld::read(doc, url, &mut out) {
        sources.push("jsonld".to_string());
    }
    if microdata::read(doc, url, &mut out) {
        sources.push("microdata".to_string());
    }
    if opengraph::read(doc, url, &mut out) {
        sources.push("opengraph".to_string());
    }
    if let Some(p) = profile.filter(|p| rules::apply(doc, url, p, &mut out)) {
        sources.push(format!("profile:{}", p.name));
    }
    out.language = doc
        .select(&HTML_LANG)
        .next()
        .and_then(|h| h.value().attr("lang"))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
    if out.canonical_url.is_none() {
        out.canonical_url = doc
            .select(&CANONICAL_LINK)
            .next()
            .and_then(|l| l.value().attr("href"))
            .and_then(|h| url.join(h.trim()).ok())
            .map(|u| u.to_string());
    }
    out.extractor = if sources.is_empty() {
        "none".into()
    } else {
        sources.join("+")
    };
    out
}

/// A selector written in this crate's code.
fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("static selector")
}

/// Collapses whitespace; empty becomes None.
fn clean(s: &str) -> Option<String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

fn set(slot: &mut Option<String>, v: Option<String>) {
    if let Some(v) = v.and_then(|v| clean(&v)) {
        *slot = Some(v);
    }
}

fn fill(slot: &mut Option<String>, v: Option<String>) {
    if slot.is_none() {
        set(slot, v);
    }
}

/// A date from `2021-03-04`, `2021-03-04T10:00:00Z` and similar.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let head = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%d/%m/%Y").ok())
        .or_else(|| NaiveDate::parse_from_str(s, "%d.%m.%Y").ok())
}
