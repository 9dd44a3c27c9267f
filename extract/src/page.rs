//! One fetched page, from its bytes to what the crawler keeps of it, in
//! one call per kind of page and within the page's budgets ([`budget`]):
//! a listing page's raw fields (and its links, for a site that follows
//! them), a search page's listing links and next page, a followed page's
//! links. Each result owns plain data (no parsed tree), so the crawler can
//! compute it on a blocking thread and send it back to its async workers.
//!
//! It owns the order of the steps for a page (decode, parse within the
//! budgets, extract) and the [`Cut`] each result reports. It must not
//! decide what a cut means for the crawl (the crawler logs it) nor fetch.
//!
//! [`budget`]: crate::budget

use scraper::Html;
use url::Url;

use crate::budget::{Cut, PageLimits, parse_document};
use crate::decode::decode_html;
use crate::html::{RawListing, extract_listing, has_removed_marker, page_links, search_links};
use crate::profile::SiteProfile;

/// What a listing page yields.
#[derive(Debug, Clone)]
pub struct ListingPage {
    /// Raw fields (pseudonymise the seller before storing).
    pub raw: RawListing,
    /// Whether the page carries one of the profile's "ended" markers.
    pub ended: bool,
    /// Its links (and next-page link), when asked for.
    pub links: Option<PageLinks>,
    /// What the budgets cut.
    pub cut: Cut,
}

/// The links a page offers.
#[derive(Debug, Clone, Default)]
pub struct PageLinks {
    /// Listing links (search page) or every same-origin link (followed page).
    pub links: Vec<Url>,
    /// The profile's next-page link.
    pub next: Option<Url>,
    /// What the budgets cut.
    pub cut: Cut,
}

/// A listing page: its fields, its "ended" marker, and with `want_links`
/// its links (related listings, categories, next page).
pub fn listing_page(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    profile: &SiteProfile,
    limits: &PageLimits,
    want_links: bool,
) -> ListingPage {
    let text = decode_html(body, content_type);
    let parsed = parse_document(&text, limits);
    let raw = extract_listing(&parsed.doc, url, Some(profile));
    let cut = parsed.cut;
    let ended = has_removed_marker(&parsed.doc, profile);
    let links = want_links.then(|| {
        let (links, next) = page_links(&parsed.doc, url, profile);
        PageLinks { links, next, cut }
    });
    ListingPage {
        raw,
        ended,
        links,
        cut,
    }
}

/// A search results page: its listing links and next page.
pub fn search_page(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    profile: &SiteProfile,
    limits: &PageLimits,
) -> PageLinks {
    links_page(body, content_type, url, profile, limits, search_links)
}

/// A followed page (start URL, category, listing index): every same-origin
/// link and, apart, its next-page link.
pub fn followed_page(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    profile: &SiteProfile,
    limits: &PageLimits,
) -> PageLinks {
    links_page(body, content_type, url, profile, limits, page_links)
}

/// How a page's links are read: (its links, its next page).
type LinkReader = fn(&Html, &Url, &SiteProfile) -> (Vec<Url>, Option<Url>);

/// A page decoded and parsed within `limits`, and its links as `find` reads them.
fn links_page(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    profile: &SiteProfile,
    limits: &PageLimits,
    find: LinkReader,
) -> PageLinks {
    let text = decode_html(body, content_type);
    let parsed = parse_document(&text, limits);
    let (links, next) = find(&parsed.doc, url, profile);
    PageLinks {
        links,
        next,
        cut: parsed.cut,
    }
}
