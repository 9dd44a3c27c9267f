//! OpenGraph and Facebook product tags (`og:*`, `product:*`), filling only
//! what JSON-LD and microdata left empty.
//!
//! It owns reading those `<meta>` tags into raw fields. It must not
//! override a field structured data already gave, or parse prices.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

use super::{RawListing, clean, fill, sel};

static META: LazyLock<Selector> = LazyLock::new(|| sel("meta[content]"));

/// Fills what is still empty in `out` from the page's OpenGraph tags;
/// whether that changed anything.
pub(super) fn read(doc: &Html, url: &Url, out: &mut RawListing) -> bool {
    let mut tags: Vec<(String, String)> = Vec::new();
    for m in doc.select(&META) {
        let v = m.value();
        let Some(key) = v.attr("property").or_else(|| v.attr("name")) else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        if key.starts_with("og:") || key.starts_with("product:") {
            tags.push((key, v.attr("content").unwrap_or_default().to_string()));
        }
    }
    if tags.is_empty() {
        return false;
    }
    let get = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            tags.iter()
                .find(|(t, v)| t == k && !v.trim().is_empty())
                .map(|(_, v)| v.clone())
        })
    };
    let before = out.clone();
    fill(&mut out.title, get(&["og:title"]));
    fill(&mut out.description, get(&["og:description"]));
    fill(
        &mut out.site_listing_id,
        get(&["product:retailer_item_id", "product:item_id"]),
    );
    if out.price_text.is_none() {
        let amount = get(&[
            "product:price:amount",
            "og:price:amount",
            "product:sale_price:amount",
        ]);
        let currency = get(&[
            "product:price:currency",
            "og:price:currency",
            "product:sale_price:currency",
        ]);
        if let Some(a) = amount.and_then(|a| clean(&a)) {
            out.price_text = Some(match currency.as_deref().and_then(clean) {
                Some(c) => format!("{a} {c}"),
                None => a,
            });
            fill(&mut out.currency_hint, currency);
        }
    }
    if out.images.is_empty() {
        for (k, v) in &tags {
            if (k == "og:image" || k == "og:image:url" || k == "og:image:secure_url")
                && let Ok(u) = url.join(v.trim())
                && !out.images.contains(&u.to_string())
            {
                out.images.push(u.to_string());
            }
        }
    }
    if let Some(u) = get(&["og:url"]).and_then(|u| url.join(u.trim()).ok()) {
        fill(&mut out.canonical_url, Some(u.to_string()));
    }
    fill(
        &mut out.seller_location,
        get(&["product:location", "og:locality"]),
    );
    *out != before
}
