//! What a site's run came to: the counts of its end-of-run summary, the
//! warnings a person running the job must see — a listing pattern that
//! matched no link, a site that yielded no listings, listings without a
//! price, a posted date or a seller location — and the notes on start URLs
//! it did not request.
//!
//! It owns those rules and their wording (each warning names the key or
//! file to look at). It reads only what the run recorded (its lake rows and
//! fetch log, across resumes); it must not fetch, nor change anything.

use std::collections::BTreeMap;

use url::Url;

use super::{FAILED, NOT_SENT, SiteOutcome, SitePolicy};
use crate::config::SiteConfig;
use crate::lake::{FetchRow, ListingRow};

/// Fetch-log kinds of pages fetched to find listings (not listings,
/// revisits or robots.txt).
const NOT_DISCOVERY: &[&str] = &["robots", "listing", "revisit"];

/// Of a site's live listings this run, how many lack each field the annual
/// tables need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Missing {
    /// No price text at all (so no amount, no value totals).
    pub price: usize,
    /// No posted date (the analysis then dates the listing by its first sighting).
    pub posted_date: usize,
    /// No seller location (no seller country, no trade route).
    pub seller_location: usize,
}

/// A site's counts and warnings, from everything its run recorded.
pub(super) fn summarize(
    p: &SitePolicy,
    site: &SiteConfig,
    base: Option<&Url>,
    rows: &[ListingRow],
    log: &[FetchRow],
) -> SiteOutcome {
    let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
    // The latest live observation of each listing (a resume may have two).
    let mut live: BTreeMap<&str, &ListingRow> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status != "removed") {
        live.insert(r.listing_id.as_str(), r);
    }
    let missing = Missing {
        price: live.values().filter(|r| r.price_text.is_none()).count(),
        posted_date: live.values().filter(|r| r.posted_date.is_none()).count(),
        seller_location: live
            .values()
            .filter(|r| r.seller_location.is_none())
            .count(),
    };
    let requests = log
        .iter()
        .filter(|l| !NOT_SENT.contains(&l.outcome.as_str()))
        .count();
    let discovery_pages = log
        .iter()
        .filter(|l| !NOT_DISCOVERY.contains(&l.kind.as_str()))
        .filter(|l| {
            matches!(l.outcome.as_str(), "fetched" | "too_deep" | "over_budget")
                && l.http_status.is_some_and(|s| (200..300).contains(&s))
        })
        .count();
    let listing_tasks = log.iter().filter(|l| l.kind == "listing").count();
    let profile = &site.profile;
    let mut warnings = Vec::new();
    if discovery_pages > 0 && listing_tasks == 0 {
        // why: a listing_path that matches nothing looks like a quiet site;
        // the person running the job must hear that it is the pattern.
        warnings.push(format!(
            "no link on its {discovery_pages} search, index or sitemap page(s) matched the listing pattern `{}` of profile `{}`: check `[links] listing_path` against the links on those pages (`wildtrace inspect extract` shows them)",
            profile.listing_path.as_str(),
            profile.name
        ));
    }
    let cut = |o: &str| log.iter().filter(|l| l.outcome == o).count();
    let (too_deep, over_budget) = (cut("too_deep"), cut("over_budget"));
    if too_deep + over_budget > 0 {
        // why: a page cut by its budgets still yields a row, so the person
        // running the job must hear that some fields may be missing.
        warnings.push(format!(
            "{} page(s) hit a parsing budget ({too_deep} too_deep: nesting beyond fetch.max_html_depth flattened; {over_budget} over_budget: the rest not parsed after fetch.max_html_elements or fetch.max_parse_ms); their fields may be incomplete (see the fetch log)",
            too_deep + over_budget
        ));
    }
    if live.is_empty() && count("removed") == 0 {
        let why = if requests == 0 {
            "no request was sent (see the robots.txt and scope messages above)".to_string()
        } else {
            format!("{requests} request(s) were sent")
        };
        warnings.push(format!("yielded no listings: {why}"));
    }
    let n = live.len();
    for (what, k, consequence) in [
        ("price", missing.price, "left out of value totals"),
        (
            "posted date",
            missing.posted_date,
            "dated by first sighting in the analysis",
        ),
        (
            "seller location",
            missing.seller_location,
            "no seller country or trade route",
        ),
    ] {
        if k > 0 {
            warnings.push(format!(
                "{k} of {n} listing(s) have no {what} ({consequence}): add a field rule to profile `{}` if the page shows it",
                profile.name
            ));
        }
    }
    SiteOutcome {
        source: p.source.clone(),
        robots: p.robots.clone(),
        delay_s: p.delay_s,
        listings_file: None,
        fetch_log_file: None,
        requests,
        robots_disallowed: log
            .iter()
            .filter(|l| l.outcome == "robots_disallowed")
            .count(),
        active: count("active"),
        changed: count("changed"),
        removed: count("removed"),
        failed: log
            .iter()
            .filter(|l| FAILED.contains(&l.outcome.as_str()))
            .count(),
        listings: n,
        missing,
        warnings,
        notes: base.map(|b| start_notes(site, b, log)).unwrap_or_default(),
    }
}

/// Why start URLs were not crawled, from the fetch log (so a resumed run
/// says the same).
fn start_notes(site: &SiteConfig, base: &Url, log: &[FetchRow]) -> Vec<String> {
    let mut notes = Vec::new();
    for rel in &site.start {
        let Ok(u) = base.join(rel) else { continue };
        let refused = log
            .iter()
            .find(|l| l.url == u.as_str() && NOT_SENT.contains(&l.outcome.as_str()));
        match refused.map(|l| l.outcome.as_str()) {
            Some("robots_disallowed") => notes.push(format!(
                "start URL {u} is disallowed by robots.txt; skipped"
            )),
            Some(other) => notes.push(format!("start URL {u} not requested ({other}); skipped")),
            None => {}
        }
    }
    notes
}
