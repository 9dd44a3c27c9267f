//! The one path from extracted fields to lake content: prices and
//! quantities parsed, contacts masked, the seller pseudonymised. The crawler
//! and `inspect extract` both call it, so what a user inspects is what the
//! lake gets.
//!
//! It owns that ingest step and the record shape `inspect` prints. It must
//! not fetch, write files or keep the raw seller handle anywhere.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::html::RawListing;
use crate::price::{ParsedPrice, parse_price};
use crate::privacy::{Pseudonymiser, mask_contacts};
use crate::quantity::parse_quantity;
use crate::urlnorm::canonical;

/// A listing's content as it may enter the lake: prices and quantities
/// parsed, contacts masked, the seller pseudonymised.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// Title, contacts masked.
    pub title: Option<String>,
    /// Description, contacts masked.
    pub description: Option<String>,
    /// Price text as shown.
    pub price_text: Option<String>,
    /// Parsed price (lower bound of a range).
    pub price: Option<ParsedPrice>,
    /// Specimens stated in the title or description.
    pub quantity: Option<u32>,
    /// Keyed hash of the seller handle.
    pub seller_pseudonym: Option<String>,
    /// Seller location, contacts masked.
    pub seller_location: Option<String>,
    /// Ships-to text, contacts masked.
    pub ships_to: Option<String>,
}

/// The one path from extracted fields to lake content (the crawler and
/// `inspect extract` both use it).
pub fn ingest_fields(raw: &RawListing, source: &str, pseudonyms: &Pseudonymiser) -> Ingested {
    let handle = raw.seller_handle.as_deref();
    let mask = |t: &Option<String>| t.as_deref().map(|t| mask_contacts(t, handle));
    Ingested {
        title: mask(&raw.title),
        description: mask(&raw.description),
        price_text: raw.price_text.clone(),
        price: raw
            .price_text
            .as_deref()
            .map(|p| parse_price(p, raw.currency_hint.as_deref())),
        quantity: raw
            .title
            .as_deref()
            .and_then(parse_quantity)
            .or_else(|| raw.description.as_deref().and_then(parse_quantity)),
        // why: the raw handle never leaves this function; only its keyed hash does.
        seller_pseudonym: handle.map(|h| pseudonyms.seller(source, h)),
        seller_location: mask(&raw.seller_location),
        ships_to: mask(&raw.ships_to),
    }
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
    let ing = ingest_fields(raw, source, pseudonyms);
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
