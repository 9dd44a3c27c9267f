//! schema.org microdata: the page's `Product` item scope (the first that is
//! not itself a property of another item), its offers, seller and address,
//! with `content`, `<meta>`, `<link>`, `<time>` and `<data>` values.
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
                        out.posted_date = Some(d);
                    }
                }
                "areaServed" | "eligibleRegion" => set(&mut out.ships_to, value()),
                "seller" => fill(&mut out.seller_handle, value()),
                _ => {}
            }
        } else if scope_prop == Some("seller") {
            match prop {
                "name" | "alternateName" => fill(&mut out.seller_handle, value()),
                "address" => fill(&mut out.seller_location, value()),
                _ => {}
            }
        } else if scope_prop == Some("address") && prop == "addressLocality" {
            fill(&mut out.seller_location, value());
        }
    }
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
