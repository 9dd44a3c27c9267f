//! Listing extraction from one decoded HTML page: schema.org JSON-LD and
//! microdata with no configuration, then the site profile's CSS rules, which
//! fill or override what structured data gave; plus the links a search page
//! offers (listings and the next page).
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
    if let Some(p) = profile.filter(|p| apply_profile(doc, url, p, &mut out)) {
        sources.push(format!("profile:{}", p.name));
    }
    out.language = doc
        .select(&sel("html[lang]"))
        .next()
        .and_then(|h| h.value().attr("lang"))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
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
    let mut found = false;
    for script in doc.select(&sel(r#"script[type="application/ld+json"]"#)) {
        let raw: String = script.text().collect();
        let Some(value) = lenient_json(&raw) else {
            continue;
        };
        let mut products = Vec::new();
        collect_products(&value, &mut products);
        if let Some(p) = products.first() {
            read_product(p, url, out);
            found = true;
        }
    }
    found
}

/// Parses JSON, forgiving trailing commas and stray control characters.
fn lenient_json(raw: &str) -> Option<Value> {
    let raw = raw
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim();
    if let Ok(v) = serde_json::from_str(raw) {
        return Some(v);
    }
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = regex::Regex::new(r",\s*([}\]])")
        .expect("static regex")
        .replace_all(&cleaned, "$1")
        .into_owned();
    serde_json::from_str(&cleaned).ok()
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
    let offer = match p.get("offers") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    if let Some(o) = offer {
        let price = text_of(o.get("price").or_else(|| o.get("lowPrice")));
        let currency = text_of(o.get("priceCurrency"));
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
    let Some(product) = doc.select(&sel("[itemscope][itemtype]")).find(|e| {
        e.value()
            .attr("itemtype")
            .is_some_and(|t| t.trim_end_matches('/').ends_with("schema.org/Product"))
    }) else {
        return false;
    };
    let mut offer_price = None;
    let mut offer_currency = None;
    for el in product.descendants().filter_map(ElementRef::wrap) {
        let Some(prop) = el.value().attr("itemprop") else {
            continue;
        };
        let Some(scope) = nearest_scope(el) else {
            continue;
        };
        let value = || microdata_value(el, url);
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
                _ => {}
            }
        } else if scope.value().attr("itemprop") == Some("offers") {
            match prop {
                "price" | "lowPrice" => offer_price = value(),
                "priceCurrency" => offer_currency = value(),
                "validFrom" => {
                    if let Some(d) = value().and_then(|d| parse_date(&d)) {
                        out.posted_date = Some(d);
                    }
                }
                "areaServed" | "eligibleRegion" => set(&mut out.ships_to, value()),
                _ => {}
            }
        } else if scope.value().attr("itemprop") == Some("seller") && prop == "name" {
            set(&mut out.seller_handle, value());
        }
    }
    if let Some(p) = offer_price {
        out.price_text = Some(match &offer_currency {
            Some(c) => format!("{p} {c}"),
            None => p,
        });
    }
    set(&mut out.currency_hint, offer_currency);
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

// --------------------------------------------------------------- profile

fn rule_values(doc: &Html, url: &Url, rule: &FieldRule) -> Vec<String> {
    let mut out = Vec::new();
    for el in doc.select(&rule.selector) {
        let raw = match &rule.attr {
            Some(a) => el.value().attr(a).map(str::to_string),
            None => Some(el.text().collect::<Vec<_>>().join(" ")),
        };
        let Some(raw) = raw else { continue };
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
