//! schema.org microdata: the page's `Product` item scope (the first that is
//! not itself a property of another item), its offers, seller and address,
//! with `content`, `<meta>`, `<link>`, `<time>` and `<data>` values. It
//! reads the same properties as the JSON-LD reader, with the same
//! precedence: the product's `datePosted` / `datePublished` / `releaseDate`
//! over an offer's `validFrom`; an offer's `availableAtOrFrom` place over
//! the seller's address; an address as "locality, region, country".
//!
//! It owns reading microdata into raw fields. It must not parse prices or
//! touch other markup.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::{RawListing, clean, fill, parse_date, sel, set};

static ITEM_SCOPES: LazyLock<Selector> = LazyLock::new(|| sel("[itemscope][itemtype]"));

/// Fills `out` from the page's microdata product; whether there was one.
pub(super) fn read(doc: &Html, url: &Url, out: &mut RawListing) -> bool {
    let is_product = |e: &ElementRef<'_>| {
        e.value().attr("itemtype").is_some_and(|t| {
            t.split_whitespace().any(|t| {
                let t = t.trim_end_matches('/');
                t.ends_with("schema.org/Product") || t.ends_with("schema.org/IndividualProduct")
            })
        })
    };
    // The page's product is the first one that is not itself a property of
    // another item (related products are nested with itemprop).
    let products: Vec<ElementRef<'_>> = doc.select(&ITEM_SCOPES).filter(is_product).collect();
    let Some(product) = products
        .iter()
        .find(|e| e.value().attr("itemprop").is_none())
        .or(products.first())
        .copied()
    else {
        return false;
    };
    let mut price = None;
    let mut low = None;
    let mut high = None;
    let mut currency = None;
    let mut product_date = None;
    let mut offer_date = None;
    // Address parts (locality, region, country) of the place an offer is
    // available at, and of the seller's address; a text value counts whole.
    let mut place: [Option<String>; 3] = Default::default();
    let mut seller_address: [Option<String>; 3] = Default::default();
    for el in product.descendants().filter_map(ElementRef::wrap) {
        let Some(prop) = el.value().attr("itemprop") else {
            continue;
        };
        // An item-valued property is read through its own properties.
        if el.value().attr("itemscope").is_some() {
            continue;
        }
        let Some(scope) = nearest_scope(el) else {
            continue;
        };
        let value = || microdata_value(el, url);
        let scope_prop = scope.value().attr("itemprop");
        if scope.id() == product.id() {
            match prop {
                "name" => set(&mut out.title, value()),
                "description" => set(&mut out.description, value()),
                "productID" | "sku" => set(&mut out.site_listing_id, value()),
                "image" => {
                    if let Some(v) = value() {
                        out.images.push(v);
                    }
                }
                "url" => fill(&mut out.canonical_url, value()),
                "datePosted" | "datePublished" | "releaseDate" => {
                    if let Some(d) = value().and_then(|d| parse_date(&d)) {
                        // datePosted wins over the other two wherever it is.
                        if prop == "datePosted" || product_date.is_none() {
                            product_date = Some(d);
                        }
                    }
                }
                _ => {}
            }
        } else if scope_prop == Some("offers") {
            match prop {
                "price" => price = price.or_else(value),
                "lowPrice" => low = low.or_else(value),
                "highPrice" => high = high.or_else(value),
                "priceCurrency" => currency = currency.or_else(value),
                "validFrom" => {
                    if let Some(d) = value().and_then(|d| parse_date(&d)) {
                        offer_date = Some(d);
                    }
                }
                "areaServed" | "eligibleRegion" => set(&mut out.ships_to, value()),
                "seller" => fill(&mut out.seller_handle, value()),
                "availableAtOrFrom" => place[0] = place[0].take().or_else(value),
                _ => {}
            }
        } else if scope_prop == Some("seller") {
            match prop {
                "name" | "alternateName" => fill(&mut out.seller_handle, value()),
                "address" => seller_address[0] = seller_address[0].take().or_else(value),
                _ => {}
            }
        } else if scope_prop == Some("availableAtOrFrom") && prop == "name" {
            place[0] = place[0].take().or_else(value);
        } else if scope_prop == Some("address") {
            let owner = scope
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().attr("itemscope").is_some())
                .and_then(|a| a.value().attr("itemprop"));
            let parts = match owner {
                Some("availableAtOrFrom") => &mut place,
                Some("seller") => &mut seller_address,
                _ => continue,
            };
            let slot = match prop {
                "addressLocality" => 0,
                "addressRegion" => 1,
                "addressCountry" => 2,
                _ => continue,
            };
            if slot == 0 || parts[slot].is_none() {
                // An address's locality replaces a place's bare name.
                parts[slot] = value();
            }
        }
    }
    let joined = |parts: [Option<String>; 3]| {
        let parts: Vec<String> = parts.into_iter().flatten().collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    };
    if let Some(d) = product_date.or(offer_date) {
        out.posted_date = Some(d);
    }
    set(&mut out.seller_location, joined(place));
    fill(&mut out.seller_location, joined(seller_address));
    let price = match (price, low, high) {
        (Some(p), _, _) => Some(p),
        (None, Some(lo), Some(hi)) if lo != hi => Some(format!("{lo}-{hi}")),
        (None, lo, hi) => lo.or(hi),
    };
    if let Some(p) = price {
        out.price_text = Some(match &currency {
            Some(c) => format!("{p} {c}"),
            None => p,
        });
    }
    set(&mut out.currency_hint, currency);
    true
}

/// The closest ancestor (excluding `el` unless it has no itemprop) that opens
/// an item scope.
fn nearest_scope(el: ElementRef<'_>) -> Option<ElementRef<'_>> {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .find(|a| a.value().attr("itemscope").is_some())
}

fn microdata_value(el: ElementRef<'_>, base: &Url) -> Option<String> {
    let v = el.value();
    let link = |a: Option<&str>| {
        a.and_then(|s| base.join(s.trim()).ok())
            .map(|u| u.to_string())
    };
    match v.name() {
        "img" | "audio" | "video" | "source" => return link(v.attr("src")),
        "a" | "link" | "area" => return link(v.attr("href")),
        _ => {}
    }
    if let Some(c) = v.attr("content") {
        return clean(c);
    }
    let attr = match v.name() {
        "time" => v.attr("datetime"),
        "data" | "meter" => v.attr("value"),
        _ => None,
    };
    match attr {
        Some(a) => clean(a),
        None => clean(&el.text().collect::<Vec<_>>().join(" ")),
    }
}
