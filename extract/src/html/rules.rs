//! A site profile's field rules (CSS selector, attribute, regex, all, fill)
//! applied to a page, on top of what structured data gave.
//!
//! It owns what a rule reads and whether it fills or overrides. It must not
//! compile rules (see `profile`) or read structured data.

use scraper::Html;
use url::Url;

use super::{RawListing, clean, parse_date};
use crate::profile::{FieldRule, SiteProfile};

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

/// Applies the profile's field rules to `out`; whether any rule matched.
pub(super) fn apply(doc: &Html, url: &Url, p: &SiteProfile, out: &mut RawListing) -> bool {
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
