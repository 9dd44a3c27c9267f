//! Listing extraction from one decoded HTML page: schema.org JSON-LD (arrays,
//! `@graph`, nested and aggregate offers, malformed JSON forgiven),
//! microdata (nested item scopes, `content`/meta/link values) and OpenGraph
//! product tags with no configuration, then the site profile's CSS rules,
//! which fill or override what structured data gave; plus the links a search
//! page offers (listings and the next page).
//!
//! It owns turning markup into raw fields. It must not parse prices into
//! amounts (see `price`), pseudonymise (see `privacy`) or fetch anything;
//! the raw seller handle it returns must go straight to the pseudonymiser.

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

use crate::profile::{FieldRule, SiteProfile};

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
    if jsonld(doc, url, &mut out) {
        sources.push("jsonld".to_string());
    }
    if microdata(doc, url, &mut out) {
        sources.push("microdata".to_string());
    }
    if opengraph(doc, url, &mut out) {
        sources.push("opengraph".to_string());
    }
    if let Some(p) = profile.filter(|p| apply_profile(doc, url, p, &mut out)) {
        sources.push(format!("profile:{}", p.name));
    }
    out.language = doc
        .select(&sel("html[lang]"))
        .next()
        .and_then(|h| h.value().attr("lang"))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
    if out.canonical_url.is_none() {
        out.canonical_url = doc
            .select(&sel(r#"link[rel~="canonical"][href]"#))
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

/// Listing links and the next-page link on a search page, absolute, in page
/// order, without duplicates.
pub fn search_links(doc: &Html, url: &Url, profile: &SiteProfile) -> (Vec<Url>, Option<Url>) {
    let mut listings: Vec<Url> = Vec::new();
    for a in doc.select(&sel("a[href]")) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Ok(mut u) = url.join(href.trim()) else {
            continue;
        };
        u.set_fragment(None);
        if same_origin(&u, url) && profile.is_listing(&u) && !listings.contains(&u) {
            listings.push(u);
        }
    }
    let next = doc
        .select(&profile.next_page)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| url.join(h.trim()).ok())
        .find(|u| same_origin(u, url) && u != url);
    (listings, next)
}

/// Whether the page's visible text carries one of the profile's "ended" markers.
pub fn has_removed_marker(doc: &Html, profile: &SiteProfile) -> bool {
    if profile.removed_markers.is_empty() {
        return false;
    }
    let text = page_text(doc);
    profile
        .removed_markers
        .iter()
        .any(|m| text.contains(m.as_str()))
}

fn page_text(doc: &Html) -> String {
    let body = doc.select(&sel("body")).next();
    match body {
        Some(b) => b.text().collect::<Vec<_>>().join(" "),
        None => doc.root_element().text().collect::<Vec<_>>().join(" "),
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

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

// ------------------------------------------------------------- JSON-LD

/// Decodes the few HTML entities that sites leave inside JSON-LD strings.
fn unentity(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let frag = Html::parse_fragment(s);
    frag.root_element().text().collect()
}

fn jsonld(doc: &Html, url: &Url, out: &mut RawListing) -> bool {
    let mut values = Vec::new();
    // The type attribute is matched loosely: sites write it in any case and
    // with parameters ("application/ld+json; charset=utf-8").
    for script in doc.select(&sel("script[type]")) {
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

// ------------------------------------------------------------- microdata

fn microdata(doc: &Html, url: &Url, out: &mut RawListing) -> bool {
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
    let products: Vec<ElementRef<'_>> = doc
        .select(&sel("[itemscope][itemtype]"))
        .filter(is_product)
        .collect();
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

// ------------------------------------------------------------- OpenGraph

/// OpenGraph and Facebook product tags (`og:*`, `product:*`), filling only
/// what JSON-LD and microdata left empty.
fn opengraph(doc: &Html, url: &Url, out: &mut RawListing) -> bool {
    let mut tags: Vec<(String, String)> = Vec::new();
    for m in doc.select(&sel("meta[content]")) {
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

// --------------------------------------------------------------- profile

fn rule_values(doc: &Html, url: &Url, rule: &FieldRule) -> Vec<String> {
    let mut out = Vec::new();
    for el in doc.select(&rule.selector) {
        let raw = match &rule.attr {
            Some(a) => el.value().attr(a).map(str::to_string),
            None => Some(el.text().collect::<Vec<_>>().join(" ")),
        };
        let Some(raw) = raw else { continue };
        // why: a regex is written against the text as a person reads it, so
        // line breaks and runs of spaces from the markup are collapsed first.
        let raw = clean(&raw).unwrap_or_default();
        let raw = match &rule.regex {
            Some(re) => match re.captures(&raw) {
                Some(c) => c
                    .get(1)
                    .or_else(|| c.get(0))
                    .map(|m| m.as_str().to_string()),
                None => None,
            },
            None => Some(raw),
        };
        let Some(v) = raw.and_then(|r| clean(&r)) else {
            continue;
        };
        let v = if rule
            .attr
            .as_deref()
            .is_some_and(|a| matches!(a, "src" | "href" | "data-src"))
        {
            url.join(&v).map(|u| u.to_string()).unwrap_or(v)
        } else {
            v
        };
        out.push(v);
        if !rule.all {
            break;
        }
    }
    out
}

fn apply_profile(doc: &Html, url: &Url, p: &SiteProfile, out: &mut RawListing) -> bool {
    let mut any = false;
    let mut one = |rule: &Option<FieldRule>, slot: &mut Option<String>| {
        if let Some(r) = rule {
            if r.fill && slot.is_some() {
                return;
            }
            if let Some(v) = rule_values(doc, url, r).into_iter().next() {
                *slot = Some(v);
                any = true;
            }
        }
    };
    let f = &p.fields;
    one(&f.listing_id, &mut out.site_listing_id);
    one(&f.title, &mut out.title);
    one(&f.description, &mut out.description);
    one(&f.price, &mut out.price_text);
    one(&f.currency, &mut out.currency_hint);
    one(&f.seller, &mut out.seller_handle);
    one(&f.seller_location, &mut out.seller_location);
    one(&f.ships_to, &mut out.ships_to);
    let mut posted = None;
    one(&f.posted_date, &mut posted);
    if let Some(d) = posted.and_then(|d| parse_date(&d)) {
        out.posted_date = Some(d);
    }
    if let Some(r) = f
        .images
        .as_ref()
        .filter(|r| !r.fill || out.images.is_empty())
    {
        let imgs = rule_values(doc, url, r);
        if !imgs.is_empty() {
            out.images = imgs;
            any = true;
        }
    }
    any
}
