//! schema.org JSON-LD: the page's `Product` (arrays, `@graph`,
//! `mainEntity`/`itemOffered`, nested and aggregate offers), read from
//! blocks as sites really write them (comments, trailing commas, raw
//! control characters, HTML-escaped quotes, several values in one block).
//!
//! It owns reading JSON-LD into raw fields. It must not parse prices (the
//! price text is kept as `<amount> <currency>`) or touch other markup.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use super::{RawListing, fill, parse_date, sel, set};

static SCRIPTS: LazyLock<Selector> = LazyLock::new(|| sel("script[type]"));

/// Decodes the few HTML entities that sites leave inside JSON-LD strings.
fn unentity(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    // why: a hostile page can nest markup in a JSON string as deep as in the page.
    let frag = crate::budget::parse_fragment(s, &crate::budget::PageLimits::default()).doc;
    frag.root_element().text().collect()
}

/// Fills `out` from the page's JSON-LD product; whether there was one.
pub(super) fn read(doc: &Html, url: &Url, out: &mut RawListing) -> bool {
    let mut values = Vec::new();
    // The type attribute is matched loosely: sites write it in any case and
    // with parameters ("application/ld+json; charset=utf-8").
    for script in doc.select(&SCRIPTS) {
        let ty = script.value().attr("type").unwrap_or_default();
        if !ty
            .trim()
            .to_ascii_lowercase()
            .starts_with("application/ld+json")
        {
            continue;
        }
        let raw: String = script.text().collect();
        values.extend(lenient_json(&raw));
    }
    let mut products = Vec::new();
    for v in &values {
        collect_products(v, &mut products);
    }
    // The page's own product: the one whose url/@id is this page, else the
    // first (related-product carousels come later in the markup).
    let page = url.as_str().trim_end_matches('/');
    let main = products
        .iter()
        .find(|p| {
            ["url", "@id"].iter().any(|k| {
                p.get(*k)
                    .and_then(Value::as_str)
                    .and_then(|u| url.join(u).ok())
                    .is_some_and(|u| u.as_str().trim_end_matches('/') == page)
            })
        })
        .or(products.first());
    match main {
        Some(p) => {
            read_product(p, url, out);
            true
        }
        None => false,
    }
}

/// Parses a JSON-LD block the way browsers' consumers tolerate it: HTML
/// comment and CDATA wrappers, `//` and `/* */` comments, trailing commas,
/// raw control characters inside strings, HTML-escaped quotes, and several
/// JSON values in one block. Returns every value read.
fn lenient_json(raw: &str) -> Vec<Value> {
    let mut raw = raw.trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("//<![CDATA[", "//]]>"),
        ("<![CDATA[", "]]>"),
    ] {
        raw = raw.trim_start_matches(open).trim_end_matches(close).trim();
    }
    if let Ok(v) = serde_json::from_str::<Value>(raw) {
        return vec![v];
    }
    let cleaned = clean_json(raw);
    let mut out = parse_stream(&cleaned);
    if out.is_empty() && raw.contains("&quot;") {
        out = parse_stream(&clean_json(&unentity(raw)));
    }
    out
}

/// Every JSON value in `s`, in order, up to the first syntax error.
fn parse_stream(s: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(s)
        .into_iter::<Value>()
        .map_while(Result::ok)
        .collect()
}

/// The next character at or after `i` that is neither whitespace nor inside
/// a comment.
fn next_token(chars: &[char], mut i: usize) -> Option<char> {
    loop {
        match chars.get(i)? {
            c if c.is_whitespace() => i += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while chars.get(i).is_some_and(|&c| c != '\n') {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            &c => return Some(c),
        }
    }
}

/// Removes comments and trailing commas outside strings and replaces raw
/// control characters inside strings, leaving string contents otherwise
/// untouched.
fn clean_json(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut in_str = false;
    while i < chars.len() {
        let c = chars[i];
        if in_str {
            match c {
                '\\' => {
                    out.push(c);
                    if let Some(&n) = chars.get(i + 1) {
                        out.push(n);
                    }
                    i += 2;
                    continue;
                }
                '"' => in_str = false,
                c if c.is_control() => {
                    out.push(' ');
                    i += 1;
                    continue;
                }
                _ => {}
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            ',' => {
                if !matches!(next_token(&chars, i + 1), Some('}' | ']') | None) {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn is_type(v: &Value, want: &str) -> bool {
    match v.get("@type") {
        Some(Value::String(t)) => t.rsplit('/').next() == Some(want),
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().and_then(|t| t.rsplit('/').next()) == Some(want)),
        _ => false,
    }
}

fn collect_products<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_products(i, out)),
        Value::Object(map) => {
            if is_type(v, "Product") || is_type(v, "IndividualProduct") {
                out.push(v);
            }
            if let Some(g) = map.get("@graph") {
                collect_products(g, out);
            }
            if let Some(e) = map.get("mainEntity").or_else(|| map.get("itemOffered")) {
                collect_products(e, out);
            }
        }
        _ => {}
    }
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(unentity(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(m) => text_of(m.get("name").or_else(|| m.get("@value"))),
        Value::Array(a) => text_of(a.first()),
        _ => None,
    }
}

fn read_product(p: &Value, url: &Url, out: &mut RawListing) {
    set(&mut out.title, text_of(p.get("name")));
    set(&mut out.description, text_of(p.get("description")));
    set(
        &mut out.site_listing_id,
        text_of(
            p.get("sku")
                .or_else(|| p.get("productID"))
                .or_else(|| p.get("mpn")),
        ),
    );
    let images = match p.get("image") {
        Some(Value::Array(a)) => a.iter().filter_map(image_url).collect(),
        Some(v) => image_url(v).into_iter().collect(),
        None => Vec::new(),
    };
    for i in images {
        if let Ok(u) = url.join(&i) {
            out.images.push(u.to_string());
        }
    }
    let offer = p.get("offers").and_then(pick_offer);
    if let Some(o) = offer {
        let spec = o.get("priceSpecification").map(|s| match s {
            Value::Array(a) => a.first().unwrap_or(s),
            _ => s,
        });
        let field = |k: &str| text_of(o.get(k).or_else(|| spec.and_then(|s| s.get(k))));
        let currency = field("priceCurrency");
        let price = match (field("price"), field("lowPrice"), field("highPrice")) {
            (Some(p), _, _) => Some(p),
            (None, Some(lo), Some(hi)) if lo != hi => Some(format!("{lo}-{hi}")),
            (None, Some(lo), _) => Some(lo),
            (None, None, hi) => hi,
        };
        if let Some(price) = price {
            out.price_text = Some(match &currency {
                Some(c) => format!("{price} {c}"),
                None => price,
            });
        }
        set(&mut out.currency_hint, currency);
        set(&mut out.seller_handle, text_of(o.get("seller")));
        set(
            &mut out.ships_to,
            text_of(o.get("eligibleRegion").or_else(|| o.get("areaServed"))),
        );
        if let Some(d) = text_of(o.get("validFrom")).and_then(|d| parse_date(&d)) {
            out.posted_date = Some(d);
        }
        if let Some(place) = o.get("availableAtOrFrom") {
            set(&mut out.seller_location, address_text(place));
        }
    }
    fill(&mut out.seller_handle, text_of(p.get("seller")));
    if let Some(d) = text_of(
        p.get("datePosted")
            .or_else(|| p.get("datePublished"))
            .or_else(|| p.get("releaseDate")),
    )
    .and_then(|d| parse_date(&d))
    {
        out.posted_date = Some(d);
    }
    if let Some(a) = p
        .get("seller")
        .or_else(|| offer.and_then(|o| o.get("seller")))
        .and_then(|s| s.get("address"))
    {
        fill(&mut out.seller_location, address_text(a));
    }
}

/// The offer to read: the first offer carrying a price, looking inside
/// arrays and an `AggregateOffer`'s own `offers` when it states no range.
fn pick_offer(v: &Value) -> Option<&Value> {
    let has_price = |o: &Value| {
        ["price", "lowPrice", "highPrice", "priceSpecification"]
            .iter()
            .any(|k| o.get(*k).is_some())
    };
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(pick_offer)
            .find(|o| has_price(o))
            .or_else(|| a.first()),
        Value::Object(m) => {
            if !has_price(v)
                && let Some(inner) = m.get("offers").and_then(pick_offer)
            {
                return Some(inner);
            }
            Some(v)
        }
        _ => None,
    }
}

fn image_url(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m
            .get("url")
            .or_else(|| m.get("contentUrl"))
            .and_then(|u| u.as_str())
            .map(String::from),
        _ => None,
    }
}

fn address_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(unentity(s)),
        Value::Object(m) => {
            if let Some(a) = m.get("address") {
                return address_text(a);
            }
            let parts: Vec<String> = ["addressLocality", "addressRegion", "addressCountry"]
                .iter()
                .filter_map(|k| text_of(m.get(*k)))
                .collect();
            if parts.is_empty() {
                text_of(m.get("name"))
            } else {
                Some(parts.join(", "))
            }
        }
        _ => None,
    }
}
