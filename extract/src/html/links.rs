//! The links a search page offers (listing pages and the next page), the
//! links any page offers (for link following), and the "listing ended"
//! markers of a page, as a site profile defines them.
//!
//! It owns same-origin filtering and de-duplication of links. It must not
//! fetch, decide crawl scope beyond the page's own origin, or read listing
//! fields.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

use super::sel;
use crate::profile::SiteProfile;

static LINKS: LazyLock<Selector> = LazyLock::new(|| sel("a[href]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| sel("body"));

/// The page's `<a href>` targets on its own origin: absolute, fragment
/// dropped, in page order, each once.
fn own_links<'a>(doc: &'a Html, url: &'a Url) -> impl Iterator<Item = Url> + 'a {
    let mut seen = std::collections::HashSet::new();
    doc.select(&LINKS)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(move |h| url.join(h.trim()).ok())
        .map(|mut u| {
            u.set_fragment(None);
            u
        })
        .filter(move |u| same_origin(u, url) && seen.insert(u.to_string()))
}

/// The profile's next-page link (`next_page`), when it leads elsewhere on
/// the same origin.
fn next_link(doc: &Html, url: &Url, profile: &SiteProfile) -> Option<Url> {
    doc.select(&profile.next_page)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| url.join(h.trim()).ok())
        .map(|mut u| {
            u.set_fragment(None);
            u
        })
        .find(|u| same_origin(u, url) && u != url)
}

/// Listing links and the next-page link on a search page, absolute, in page
/// order, without duplicates.
pub fn search_links(doc: &Html, url: &Url, profile: &SiteProfile) -> (Vec<Url>, Option<Url>) {
    let listings = own_links(doc, url)
        .filter(|u| profile.is_listing(u))
        .collect();
    (listings, next_link(doc, url, profile))
}

/// Every same-origin `<a href>` of a page (absolute, fragment dropped, in
/// page order, without duplicates) and, apart, its next-page link (the
/// profile's `next_page` selector), for link following.
pub fn page_links(doc: &Html, url: &Url, profile: &SiteProfile) -> (Vec<Url>, Option<Url>) {
    let next = next_link(doc, url, profile);
    let links = own_links(doc, url)
        .filter(|u| u != url && Some(u) != next.as_ref())
        .collect();
    (links, next)
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
    let body = doc.select(&BODY).next();
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
