//! Rendering of the demo sites: given the ground truth, the current
//! round, the reports the site's intake accepted and a request path +
//! query, produce the exact response (status, headers, bytes).
//!
//! Owns the markup of `bazaar` (classifieds, CSS-selector only, with a little
//! broken HTML), `curioshop` (schema.org JSON-LD, sitemap) and `reptileforum`
//! (schema.org microdata, windows-1252); `exotica` (no search, browsed by
//! category) is in `catalogue`. Everything a page shows comes from
//! the listing's [`TruthListing`] fields; cosmetic variation (JSON-LD shape,
//! forum replies, times of day) is derived from a stable hash of the listing
//! id, never from a clock or a random source.
//!
//! It must not do I/O or know about sockets (that is `server`) and must not
//! invent facts that contradict the ground truth.

mod catalogue;

use std::collections::HashMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::generate::{BAZAAR_ENDED, FORUM_REMOVED, SEARCH_TERMS};
use super::intake::{self, IntakeReport};
use super::{
    GroundTruth, ReportedTruth, SiteKind, SiteTruth, TruthListing, removal_style_as, visible_as,
};

/// One rendered HTTP response.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

const HTML_UTF8: &str = "text/html; charset=utf-8";
const HTML_1252: &str = "text/html; charset=windows-1252";
const TEXT: &str = "text/plain; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";
const GIF: &str = "image/gif";

/// A 1x1 transparent GIF, served for every listing image.
const PIXEL_GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff, 0xff,
    0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// Results per search page.
pub(crate) const BAZAAR_PAGE: usize = 10;
pub(crate) const SHOP_PAGE: usize = 12;
pub(crate) const FORUM_PAGE: usize = 20;

/// Everything one site needs to answer requests, indexed once at start-up.
#[derive(Debug)]
pub(crate) struct SiteView {
    truth: SiteTruth,
    /// The site's listings in id order.
    listings: Vec<TruthListing>,
    by_path: HashMap<String, usize>,
    images: HashMap<String, usize>,
    /// `http://127.0.0.1:PORT/`
    base: String,
    /// Index of the first listing not under a disallowed prefix (always
    /// rendered as a JSON-LD `@graph` on the shop).
    first_public: Option<usize>,
    /// The generator's seed (the intake's choice of listings to remove).
    seed: u64,
    /// What the report intake accepted, by listing index: the only state
    /// of a view; rendering reads it, [`SiteView::accept_report`] adds to it.
    reported: std::sync::RwLock<HashMap<usize, ReportedTruth>>,
}

/// FNV-1a, for stable cosmetic choices.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// HTML-escapes text and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    let q = query?;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn price_plain(amount: Decimal) -> String {
    let mut a = amount;
    a.rescale(2);
    a.to_string()
}

impl SiteView {
    /// Indexes site `site` of `truth`, served at `base` (`http://127.0.0.1:PORT/`).
    pub(crate) fn new(truth: &GroundTruth, site: &SiteTruth, base: &str) -> SiteView {
        let listings: Vec<TruthListing> = truth.site_listings(&site.name).cloned().collect();
        let by_path = listings
            .iter()
            .enumerate()
            .map(|(i, l)| (l.path.clone(), i))
            .collect();
        let images = listings
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.image_paths.iter().map(move |p| (p.clone(), i)))
            .collect();
        let first_public = listings.iter().position(|l| !l.disallowed);
        SiteView {
            truth: site.clone(),
            listings,
            by_path,
            images,
            base: base.to_string(),
            first_public,
            seed: truth.seed,
            reported: Default::default(),
        }
    }

    /// Whether listing `l` (one of this site's) is live in `round`, its
    /// report (if any) included.
    pub(crate) fn live(&self, l: &TruthListing, round: u32) -> bool {
        let reported = self.reported.read().unwrap_or_else(|e| e.into_inner());
        let rep = self.by_path.get(&l.path).and_then(|i| reported.get(i));
        visible_as(l, rep, round)
    }

    /// Records a report that arrived in `round` under `receipt_id`: each
    /// URL whose path is a listing of this site that has appeared by then
    /// is matched and, unless already reported, recorded with what the site
    /// does about it ([`intake`]). Returns how many URLs matched.
    pub(crate) fn accept_report(
        &self,
        round: u32,
        report: &IntakeReport,
        receipt_id: &str,
    ) -> usize {
        let mut reported = self.reported.write().unwrap_or_else(|e| e.into_inner());
        let mut matched = 0;
        for item in &report.listings {
            let path = match url::Url::parse(&item.url) {
                Ok(u) => u.path().to_string(),
                Err(_) => item.url.split(['?', '#']).next().unwrap_or("").to_string(),
            };
            let Some(&i) = self.by_path.get(&path) else {
                continue;
            };
            let l = &self.listings[i];
            if l.appears_round > round {
                continue;
            }
            matched += 1;
            reported.entry(i).or_insert_with(|| {
                let at = intake::removal_round(round);
                let chosen =
                    intake::removes(self.seed, self.truth.kind, &l.site, &l.site_listing_id);
                // The report removes it only if its own schedule has not by then.
                let by_report = chosen && l.removed_from_round.is_none_or(|r| r > at);
                ReportedTruth {
                    report_id: report.report_id.clone(),
                    receipt_id: receipt_id.to_string(),
                    reported_round: round,
                    removed_by_report: by_report,
                    removed_from_round: by_report.then_some(at),
                    removal: by_report.then(|| intake::removal_style(self.truth.kind).to_string()),
                }
            });
        }
        matched
    }

    /// The generator's seed.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The reports recorded so far, by listing path.
    pub(crate) fn reported(&self) -> HashMap<String, ReportedTruth> {
        let reported = self.reported.read().unwrap_or_else(|e| e.into_inner());
        reported
            .iter()
            .map(|(i, r)| (self.listings[*i].path.clone(), r.clone()))
            .collect()
    }

    fn abs(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }

    /// Answers `GET path?query` in `round`.
    pub(crate) fn respond(&self, round: u32, path: &str, query: Option<&str>) -> Page {
        if path == "/robots.txt" {
            return Page {
                status: 200,
                content_type: TEXT,
                body: self.truth.robots_txt.clone().into_bytes(),
            };
        }
        if let Some(&i) = self.by_path.get(path) {
            return self.listing_page(&self.listings[i], round);
        }
        if let Some(&i) = self.images.get(path) {
            if self.listings[i].appears_round <= round {
                return Page {
                    status: 200,
                    content_type: GIF,
                    body: PIXEL_GIF.to_vec(),
                };
            }
            return self.not_found();
        }
        if self.truth.kind == SiteKind::Catalogue {
            return self.catalogue(round, path, query);
        }
        match (self.truth.kind, path) {
            (_, "/") => self.home(),
            (SiteKind::Classifieds, "/search") => self.search(
                round,
                query_param(query, "q"),
                query_param(query, "page").and_then(|p| p.trim().parse::<usize>().ok()),
            ),
            (SiteKind::Shop, "/catalog") => self.search(
                round,
                query_param(query, "q"),
                query_param(query, "p").and_then(|p| p.trim().parse::<usize>().ok()),
            ),
            (SiteKind::Forum, "/find") => self.search(
                round,
                query_param(query, "term"),
                query_param(query, "start").and_then(|p| p.trim().parse::<usize>().ok()),
            ),
            (SiteKind::Shop, "/sitemap.xml") => self.sitemap(round),
            (SiteKind::Classifieds, "/account/login") | (SiteKind::Forum, "/login") => self.login(),
            (SiteKind::Shop, "/cart") => self.html(
                200,
                "Your cart",
                "en",
                "<h1>Your cart</h1>\n<p>Your cart is empty.</p>\n".to_string(),
            ),
            _ => self.not_found(),
        }
    }

    fn listing_page(&self, l: &TruthListing, round: u32) -> Page {
        if l.appears_round > round {
            return self.not_found();
        }
        if self.live(l, round) {
            return match self.truth.kind {
                SiteKind::Classifieds => self.bazaar_ad(l),
                SiteKind::Shop => self.shop_product(l),
                SiteKind::Forum => self.forum_thread(l),
                SiteKind::Catalogue => self.catalogue_item(l, round),
            };
        }
        let reported = self
            .reported
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&self.by_path[&l.path])
            .cloned();
        match removal_style_as(l, reported.as_ref()) {
            Some("http_410") => self.gone(),
            Some("ended_marker") => self.ended(l),
            _ => self.not_found(),
        }
    }

    // -- chrome ------------------------------------------------------------

    /// Wraps `main` in the site's layout and encodes it.
    fn html(&self, status: u16, title: &str, lang: &str, main: String) -> Page {
        let html = match self.truth.kind {
            SiteKind::Classifieds => bazaar_layout(title, lang, &main),
            SiteKind::Shop => shop_layout(title, lang, &main, ""),
            SiteKind::Forum => forum_layout(title, lang, &main),
            SiteKind::Catalogue => catalogue::catalogue_layout(title, lang, &main),
        };
        self.finish(status, html)
    }

    fn finish(&self, status: u16, html: String) -> Page {
        match self.truth.kind {
            SiteKind::Forum => {
                let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&html);
                Page {
                    status,
                    content_type: HTML_1252,
                    body: bytes.into_owned(),
                }
            }
            _ => Page {
                status,
                content_type: HTML_UTF8,
                body: html.into_bytes(),
            },
        }
    }

    fn not_found(&self) -> Page {
        let main = match self.truth.kind {
            SiteKind::Classifieds => {
                "<div class=\"error-page\"><h1>Page not found</h1>\n<p>Sorry, we couldn't find the page you were looking for. It may have been moved or deleted.</p>\n<p><a href=\"/\">Back to the homepage</a></p></div>\n"
            }
            SiteKind::Shop => {
                "<section class=\"error\"><h1>404 - Page not found</h1>\n<p>The page you requested does not exist.</p>\n<p><a href=\"/catalog\">Continue shopping</a></p></section>\n"
            }
            SiteKind::Forum => {
                "<div class=\"errorbox\"><b>Error</b><br>\nInvalid thread specified. If you followed a valid link, please notify the administrator.</div>\n"
            }
            SiteKind::Catalogue => {
                "<h1>Not found</h1>\n<p>This page does not exist. <a href=\"/\">Browse the categories</a>.</p>\n"
            }
        };
        self.html(404, "Not found", "en", main.to_string())
    }

    fn gone(&self) -> Page {
        self.html(
            410,
            "No longer available",
            "en",
            "<section class=\"error gone\"><h1>This product is no longer available</h1>\n<p>It has been sold or withdrawn by the seller.</p>\n<p><a href=\"/catalog\">Continue shopping</a></p></section>\n".to_string(),
        )
    }

    fn ended(&self, l: &TruthListing) -> Page {
        if self.truth.kind == SiteKind::Catalogue {
            return self.catalogue_ended(l);
        }
        let tag = l.tags.first().map(String::as_str).unwrap_or("");
        let main = match self.truth.kind {
            SiteKind::Forum => format!(
                "<div class=\"crumbs\"><a href=\"/\">Forum index</a> &raquo; <a href=\"/find?term={}\">Classifieds</a></div>\n<div class=\"errorbox moderated\"><b>Notice</b><br>\n{FORUM_REMOVED}.</div>\n",
                enc(tag)
            ),
            _ => format!(
                "<main class=\"ad-main ended\">\n<div class=\"notice notice-ended\">{BAZAAR_ENDED}</div>\n<h1 class=\"ad-title\">{}</h1>\n<p>Looking for something similar? <a href=\"/search?q={}\">See similar ads</a></p>\n</main>\n",
                esc(&l.title),
                enc(tag)
            ),
        };
        let title = match self.truth.kind {
            SiteKind::Forum => "Thread removed".to_string(),
            _ => l.title.clone(),
        };
        self.html(200, &title, &l.language, main)
    }

    fn login(&self) -> Page {
        self.html(
            200,
            "Sign in",
            "en",
            "<h1>Sign in</h1>\n<form method=\"post\" action=\"\"><label>E-mail <input type=\"email\" name=\"email\"></label>\n<label>Password <input type=\"password\" name=\"password\"></label>\n<button type=\"submit\">Sign in</button></form>\n".to_string(),
        )
    }

    fn home(&self) -> Page {
        let (intro, search_path, key) = match self.truth.kind {
            SiteKind::Classifieds => (
                "Buy and sell anything, near you and worldwide.",
                "/search",
                "q",
            ),
            SiteKind::Shop => (
                "Antiques, curios and collectables from around the world.",
                "/catalog",
                "q",
            ),
            SiteKind::Forum => (
                "The friendly community for keepers and breeders.",
                "/find",
                "term",
            ),
            // exotica's home page is `catalogue`'s: it has no search form.
            SiteKind::Catalogue => return self.not_found(),
        };
        let mut main = format!(
            "<h1>Welcome</h1>\n<p>{intro}</p>\n<form action=\"{search_path}\" method=\"get\"><input type=\"search\" name=\"{key}\"> <button type=\"submit\">Search</button></form>\n<h2>Popular searches</h2>\n<ul class=\"popular\">\n"
        );
        for term in SEARCH_TERMS {
            let _ = writeln!(
                main,
                "<li><a href=\"{search_path}?{key}={term}\">{term}</a></li>"
            );
        }
        main.push_str("</ul>\n");
        self.html(200, "Home", "en", main)
    }

    // -- search ------------------------------------------------------------

    /// `page` is the 1-based page number (bazaar, shop) or the 0-based start
    /// offset (forum).
    fn search(&self, round: u32, term: Option<String>, page: Option<usize>) -> Page {
        let term = term.unwrap_or_default();
        let key = term.trim().to_lowercase();
        let hits: Vec<&TruthListing> = self
            .listings
            .iter()
            .filter(|l| self.live(l, round) && l.tags.contains(&key))
            .collect();
        let per = match self.truth.kind {
            SiteKind::Classifieds => BAZAAR_PAGE,
            SiteKind::Shop => SHOP_PAGE,
            SiteKind::Forum => FORUM_PAGE,
            SiteKind::Catalogue => catalogue::INDEX_PAGE,
        };
        let start = match self.truth.kind {
            SiteKind::Forum => page.unwrap_or(0),
            _ => (page.unwrap_or(1).max(1) - 1) * per,
        };
        let slice: &[&TruthListing] = if start < hits.len() {
            &hits[start..(start + per).min(hits.len())]
        } else {
            &[]
        };
        match self.truth.kind {
            SiteKind::Classifieds => self.bazaar_search(&term, &hits, slice, start, per),
            SiteKind::Shop => self.shop_search(&term, &hits, slice, start, per),
            SiteKind::Forum => self.forum_search(&term, &hits, slice, start, per),
            // exotica has no search.
            SiteKind::Catalogue => self.not_found(),
        }
    }

    fn sitemap(&self, round: u32) -> Page {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for l in self
            .listings
            .iter()
            .filter(|l| !l.disallowed && self.live(l, round))
        {
            let _ = writeln!(
                xml,
                "  <url>\n    <loc>{}</loc>\n    <lastmod>{}</lastmod>\n  </url>",
                esc(&self.abs(&l.path)),
                l.posted_date.format("%Y-%m-%d")
            );
        }
        xml.push_str("</urlset>\n");
        Page {
            status: 200,
            content_type: XML,
            body: xml.into_bytes(),
        }
    }

    // -- bazaar ------------------------------------------------------------

    fn bazaar_search(
        &self,
        term: &str,
        hits: &[&TruthListing],
        slice: &[&TruthListing],
        start: usize,
        per: usize,
    ) -> Page {
        let mut main = String::new();
        if slice.is_empty() {
            let _ = write!(
                main,
                "<div class=\"search-empty\"><h1>No results for &quot;{}&quot;</h1>\n<p>Try a different keyword or browse all categories.</p></div>\n",
                esc(term)
            );
            return self.html(200, &format!("No results for {term}"), "en", main);
        }
        let page = start / per + 1;
        let pages = hits.len().div_ceil(per);
        let _ = write!(
            main,
            "<div class=\"results-head\"><h1>{} ads for &quot;{}&quot;</h1><span class=\"sort\">Sorted by ad number</span></div>\n<ul class=\"results\">\n",
            hits.len(),
            esc(term)
        );
        for l in slice {
            let premium = if l.disallowed { " premium" } else { "" };
            let badge = if l.disallowed {
                "<span class=\"badge\">Premium</span> "
            } else {
                ""
            };
            let thumb = l
                .image_paths
                .first()
                .map(|p| {
                    format!(
                        "<img class=\"thumb\" src=\"{}\" alt=\"\" loading=\"lazy\">",
                        esc(p)
                    )
                })
                .unwrap_or_else(|| "<span class=\"thumb no-photo\"></span>".to_string());
            let _ = write!(
                main,
                "<li class=\"ad-card{premium}\">{badge}<a class=\"ad-link\" href=\"{}\">{thumb}<span class=\"card-title\">{}</span></a>\n<div class=\"card-meta\"><span class=\"card-price\">{}</span> &middot; <span class=\"card-loc\">{}</span></div></li>\n",
                esc(&l.path),
                esc(&l.title),
                esc(&l.price_text),
                esc(&l.seller_location)
            );
        }
        main.push_str("</ul>\n<div class=\"pager\">");
        let link = |p: usize| format!("/search?q={}&amp;page={p}", enc(term));
        if page > 1 {
            let _ = write!(
                main,
                "<a class=\"prev\" href=\"{}\">&lsaquo; Previous</a> ",
                link(page - 1)
            );
        }
        for p in 1..=pages {
            if p == page {
                let _ = write!(main, "<span class=\"current\">{p}</span> ");
            } else {
                let _ = write!(main, "<a class=\"page\" href=\"{}\">{p}</a> ", link(p));
            }
        }
        if page < pages {
            let _ = write!(
                main,
                "<a class=\"next\" href=\"{}\">Next &rsaquo;</a>",
                link(page + 1)
            );
        }
        main.push_str("</div>\n");
        self.html(200, &format!("{term} - page {page}"), "en", main)
    }

    fn bazaar_ad(&self, l: &TruthListing) -> Page {
        let tag = l.tags.first().map(String::as_str).unwrap_or("");
        let mut m = String::new();
        let _ = write!(
            m,
            "<div class=\"breadcrumbs\"><a href=\"/\">Home</a> &rsaquo; <a href=\"/search?q={}\">{}</a> &rsaquo; Ad {}</div>\n<main class=\"ad-main\">\n<h1 class=\"ad-title\">{}</h1>\n<div class=\"price-box\"><span class=\"ad-price\">{}</span></div>\n<div class=\"gallery\">",
            enc(tag),
            esc(tag),
            esc(&l.site_listing_id),
            esc(&l.title),
            esc(&l.price_text)
        );
        for (k, p) in l.image_paths.iter().enumerate() {
            let _ = write!(m, "<img src=\"{}\" alt=\"Photo {}\">", esc(p), k + 1);
        }
        if l.image_paths.is_empty() {
            m.push_str("<p class=\"no-photo\">No photos</p>");
        }
        let ships = if l.ships_to.starts_with("Ships to") {
            esc(&l.ships_to)
        } else {
            format!("Ships to: {}", esc(&l.ships_to))
        };
        let _ = write!(
            m,
            "</div>\n<div id=\"ad-body\">\n<p>{}</p>\n</div>\n<ul class=\"ad-details\">\n<li class=\"loc\">{}</li>\n<li class=\"ships\">{ships}</li>\n<li class=\"date\">Posted <time class=\"posted\" datetime=\"{}\">{}</time></li>\n<li class=\"ad-id\">Ad ID: {}</li>\n</ul>\n",
            esc(&l.description),
            esc(&l.seller_location),
            l.posted_date.format("%Y-%m-%d"),
            l.posted_date.format("%-d %b %Y"),
            esc(&l.site_listing_id)
        );
        // The seller box has a stray </p>; the safety tips <div> is never closed.
        // Always before the earliest posting date (2019).
        let since = 2012 + (fnv(&[&l.seller_handle, "since"]) % 7);
        let _ = write!(
            m,
            "<aside class=\"seller-box\">\n<h2>Seller</h2>\n<p><span class=\"seller-name\">{}</span></p><p class=\"member-since\">Member since {since}</p></p>\n<a class=\"btn\" href=\"/account/messages?ad={}\" rel=\"nofollow\">Send message</a>\n</aside>\n<div class=\"safety-tips\">\n<h3>Stay safe</h3>\n<p>Never pay in advance by wire transfer. Meet in a public place.\n</main>\n",
            esc(&l.seller_handle),
            esc(&l.site_listing_id)
        );
        self.finish(200, bazaar_layout(&l.title, &l.language, &m))
    }

    // -- curioshop ---------------------------------------------------------

    fn shop_search(
        &self,
        term: &str,
        hits: &[&TruthListing],
        slice: &[&TruthListing],
        start: usize,
        per: usize,
    ) -> Page {
        let mut main = String::new();
        if slice.is_empty() {
            let _ = write!(
                main,
                "<section class=\"catalog empty\"><h1>Search: {}</h1>\n<p class=\"notice\">No results. Please try another search term.</p></section>\n",
                esc(term)
            );
            return self.html(200, &format!("Search: {term}"), "en", main);
        }
        let page = start / per + 1;
        let pages = hits.len().div_ceil(per);
        let _ = write!(
            main,
            "<section class=\"catalog\"><h1>Search: {}</h1>\n<p class=\"count\">Showing {}&ndash;{} of {} products</p>\n<div class=\"product-grid\">\n",
            esc(term),
            start + 1,
            start + slice.len(),
            hits.len()
        );
        for l in slice {
            let members = if l.disallowed {
                "<span class=\"members-only\">Members only</span>"
            } else {
                ""
            };
            let img = l
                .image_paths
                .first()
                .map(|p| format!("<img src=\"{}\" alt=\"{}\">", esc(p), esc(&l.title)))
                .unwrap_or_default();
            let _ = writeln!(
                main,
                "<div class=\"product-tile\" data-sku=\"{}\"><a class=\"product-link\" href=\"{}\">{img}<h3 class=\"tile-name\">{}</h3></a>{members}<p class=\"tile-price\">{}</p></div>",
                esc(&l.site_listing_id),
                esc(&l.path),
                esc(&l.title),
                esc(&l.price_text)
            );
        }
        main.push_str("</div>\n<nav class=\"pagination\">");
        let link = |p: usize| format!("/catalog?q={}&amp;p={p}", enc(term));
        if page > 1 {
            let _ = write!(
                main,
                "<a rel=\"prev\" href=\"{}\">&larr; Previous</a> ",
                link(page - 1)
            );
        }
        let _ = write!(main, "<span>Page {page} of {pages}</span>");
        if page < pages {
            let _ = write!(
                main,
                " <a rel=\"next\" href=\"{}\">Next &rarr;</a>",
                link(page + 1)
            );
        }
        main.push_str("</nav></section>\n");
        self.html(200, &format!("Search: {term}"), "en", main)
    }

    fn shop_jsonld(&self, l: &TruthListing, idx: usize) -> String {
        let id = l.site_listing_id.as_str();
        // Some pages are produced by a template that HTML-escapes strings
        // inside the JSON-LD (a common CMS bug the crawler must survive).
        let entities = fnv(&[id, "entities"]).is_multiple_of(3);
        let s = |v: &str| if entities { esc(v) } else { v.to_string() };
        let url = self.abs(&l.path);
        let mut offer = json!({
            "@type": "Offer",
            "url": url,
            "availability": "https://schema.org/InStock",
            "itemCondition": "https://schema.org/UsedCondition",
            "seller": { "@type": "Person", "name": s(&l.seller_handle) },
        });
        if let (Some(a), Some(c)) = (l.price_amount, &l.currency) {
            offer["price"] = Value::String(price_plain(a));
            offer["priceCurrency"] = Value::String(c.clone());
        }
        let images: Vec<Value> = l
            .image_paths
            .iter()
            .map(|p| Value::String(self.abs(p)))
            .collect();
        let mut product = json!({
            "@type": "Product",
            "name": s(&l.title),
            "description": s(&l.description),
            "sku": id,
            "image": images,
            "offers": offer,
        });
        let graph = fnv(&[id, "graph"]).is_multiple_of(8) || Some(idx) == self.first_public;
        let doc = if graph {
            product["@id"] = Value::String(format!("{url}#product"));
            json!({
                "@context": "https://schema.org",
                "@graph": [
                    {
                        "@type": "WebPage",
                        "@id": url,
                        "url": url,
                        "name": s(&l.title),
                        "inLanguage": l.language,
                    },
                    {
                        "@type": "BreadcrumbList",
                        "itemListElement": [
                            { "@type": "ListItem", "position": 1, "name": "Home", "item": self.base },
                            { "@type": "ListItem", "position": 2, "name": "Catalog", "item": self.abs("/catalog") },
                        ],
                    },
                    product,
                ],
            })
        } else {
            product["@context"] = Value::String("https://schema.org".to_string());
            product
        };
        serde_json::to_string_pretty(&doc)
            .expect("json-ld serialises")
            .replace("</", "<\\/")
    }

    fn shop_product(&self, l: &TruthListing) -> Page {
        let idx = self.by_path.get(&l.path).copied().unwrap_or(usize::MAX);
        let head = format!(
            "<link rel=\"canonical\" href=\"{}\">\n<script type=\"application/ld+json\">\n{}\n</script>\n",
            esc(&self.abs(&l.path)),
            self.shop_jsonld(l, idx)
        );
        let mut m = String::new();
        m.push_str("<main class=\"product\">\n<div class=\"product-gallery\">");
        for p in &l.image_paths {
            let _ = write!(m, "<img src=\"{}\" alt=\"{}\">", esc(p), esc(&l.title));
        }
        let members = if l.disallowed {
            "<p class=\"members-only\">Members-only listing</p>\n"
        } else {
            ""
        };
        let _ = write!(
            m,
            "</div>\n<div class=\"product-info\">\n{members}<h1 class=\"product-title\">{}</h1>\n<p class=\"product-price\"><span class=\"price\">{}</span></p>\n<p class=\"availability\">In stock</p>\n<div class=\"product-description\">{}</div>\n<table class=\"product-attributes\">\n<tr><th>SKU</th><td class=\"sku\">{}</td></tr>\n<tr><th>Sold by</th><td class=\"seller\">{}</td></tr>\n<tr><th>Ships from</th><td class=\"ships-from\">{}</td></tr>\n<tr><th>Shipping</th><td class=\"ships-to\">{}</td></tr>\n<tr><th>Listed</th><td><time datetime=\"{}\">{}</time></td></tr>\n</table>\n<form class=\"add-to-cart\" action=\"/cart\" method=\"post\"><input type=\"hidden\" name=\"sku\" value=\"{}\"><button type=\"submit\">Add to cart</button></form>\n</div>\n</main>\n",
            esc(&l.title),
            esc(&l.price_text),
            esc(&l.description),
            esc(&l.site_listing_id),
            esc(&l.seller_handle),
            esc(&l.seller_location),
            esc(&l.ships_to),
            l.posted_date.format("%Y-%m-%d"),
            l.posted_date.format("%B %-d, %Y"),
            esc(&l.site_listing_id)
        );
        self.finish(200, shop_layout(&l.title, &l.language, &m, &head))
    }

    // -- reptileforum ------------------------------------------------------

    fn forum_search(
        &self,
        term: &str,
        hits: &[&TruthListing],
        slice: &[&TruthListing],
        start: usize,
        per: usize,
    ) -> Page {
        let mut main = String::new();
        let _ = write!(
            main,
            "<div class=\"crumbs\"><a href=\"/\">Forum index</a> &raquo; Search</div>\n<h2>Search results: {}</h2>\n",
            esc(term)
        );
        if slice.is_empty() {
            main.push_str("<div class=\"errorbox\">No results. Sorry - no matches. Please try some different terms.</div>\n");
            return self.html(200, &format!("Search: {term}"), "en", main);
        }
        let _ = write!(
            main,
            "<div class=\"pagenav\">Results {}–{} of {}</div>\n<table class=\"threads\" cellpadding=\"4\" cellspacing=\"1\" border=\"0\" width=\"100%\">\n<tr><th>Thread</th><th>Started by</th><th>Replies</th><th>Date</th></tr>\n",
            start + 1,
            start + slice.len(),
            hits.len()
        );
        for l in slice {
            let vip = if l.disallowed {
                " <span class=\"vip\">[VIP]</span>"
            } else {
                ""
            };
            let _ = writeln!(
                main,
                "<tr class=\"thread-row\"><td class=\"subject\"><a class=\"thread-link\" href=\"{}\">{}</a>{vip}</td><td class=\"author\">{}</td><td class=\"replies\" align=\"center\">{}</td><td class=\"date\">{}</td></tr>",
                esc(&l.path),
                esc(&l.title),
                esc(&l.seller_handle),
                forum_replies(l).len(),
                l.posted_date.format("%d-%m-%Y")
            );
        }
        main.push_str("</table>\n<div class=\"pagenav\">");
        let link = |s: usize| format!("/find?term={}&amp;start={s}", enc(term));
        if start > 0 {
            let _ = write!(
                main,
                "<a rel=\"prev\" href=\"{}\">« Prev</a> ",
                link(start.saturating_sub(per))
            );
        }
        if start + per < hits.len() {
            let _ = write!(
                main,
                "<a class=\"pager-next\" rel=\"next\" href=\"{}\">Next »</a>",
                link(start + per)
            );
        }
        main.push_str("</div>\n");
        self.html(200, &format!("Search: {term}"), "en", main)
    }

    fn forum_thread(&self, l: &TruthListing) -> Page {
        let h = fnv(&[&l.site_listing_id, "time"]);
        let (hh, mm) = (8 + h % 14, (h / 14) % 60);
        let tag = l.tags.first().map(String::as_str).unwrap_or("");
        let mut m = String::new();
        let _ = write!(
            m,
            "<div class=\"crumbs\"><a href=\"/\">Forum index</a> &raquo; <a href=\"/find?term={}\">Classifieds</a> &raquo; Thread #{}</div>\n<div class=\"thread\">\n<div class=\"post first-post\" id=\"post-{}\" itemscope itemtype=\"https://schema.org/Product\">\n<div class=\"post-head\"><span class=\"username\">{}</span> <span class=\"user-loc\">Location: {}</span> <span class=\"post-date\"><time datetime=\"{}T{hh:02}:{mm:02}\">{}, {hh:02}:{mm:02}</time></span></div>\n<h1 class=\"thread-title\" itemprop=\"name\">{}</h1>\n<meta itemprop=\"productID\" content=\"{}\">\n<div class=\"post-body\" itemprop=\"description\">{}</div>\n",
            enc(tag),
            esc(&l.site_listing_id),
            h % 900_000 + 100_000,
            esc(&l.seller_handle),
            esc(&l.seller_location),
            l.posted_date.format("%Y-%m-%d"),
            l.posted_date.format("%d-%m-%Y"),
            esc(&l.title),
            esc(&l.site_listing_id),
            esc(&l.description)
        );
        let price = match (l.price_amount, &l.currency) {
            (Some(a), Some(c)) => format!(
                "<span itemprop=\"price\" content=\"{}\">{}</span><meta itemprop=\"priceCurrency\" content=\"{}\">",
                price_plain(a),
                esc(&l.price_text),
                esc(c)
            ),
            _ => format!("<span class=\"price\">{}</span>", esc(&l.price_text)),
        };
        let _ = write!(
            m,
            "<div class=\"trade-info\" itemprop=\"offers\" itemscope itemtype=\"https://schema.org/Offer\">\n<b>Price:</b> {price}<br>\n<b>Ships to:</b> <span class=\"ships-to\">{}</span>\n<div itemprop=\"seller\" itemscope itemtype=\"https://schema.org/Person\"><meta itemprop=\"name\" content=\"{}\"></div>\n</div>\n",
            esc(&l.ships_to),
            esc(&l.seller_handle)
        );
        if !l.image_paths.is_empty() {
            m.push_str("<div class=\"attachments\"><b>Attached images</b><br>");
            for p in &l.image_paths {
                let _ = write!(m, "<img itemprop=\"image\" src=\"{}\" alt=\"\">", esc(p));
            }
            m.push_str("</div>\n");
        }
        m.push_str("</div>\n");
        for (k, (user, text)) in forum_replies(l).into_iter().enumerate() {
            let d = l.posted_date
                + chrono::Duration::days((k as i64 + 1) * (1 + ((h >> (k * 3)) % 5) as i64));
            let _ = write!(
                m,
                "<div class=\"post reply\"><div class=\"post-head\"><span class=\"username\">{}</span> <span class=\"post-date\">{}</span></div>\n<div class=\"post-body\">{}</div></div>\n",
                esc(user),
                d.format("%d-%m-%Y"),
                esc(text)
            );
        }
        m.push_str("</div>\n");
        self.finish(200, forum_layout(&l.title, &l.language, &m))
    }
}

const FORUM_MEMBERS: &[&str] = &[
    "kevin_k",
    "mossy_rock",
    "sandra77",
    "nightowl_uk",
    "greenhouse_guy",
    "tomasz",
    "lea_b",
    "old_timer",
    "mike_in_tx",
    "jo.ann",
];
const FORUM_REPLIES: &[&str] = &[
    "PM sent.",
    "Still available?",
    "Bump.",
    "Interested, sent you a message.",
    "What's your lowest?",
    "Do you ship to Europe?",
    "Nice one, good luck with the sale.",
];

/// The replies under a thread: (member, text), stable per thread.
fn forum_replies(l: &TruthListing) -> Vec<(&'static str, &'static str)> {
    let h = fnv(&[&l.site_listing_id, "replies"]);
    let n = (h % 4) as usize;
    (0..n)
        .map(|k| {
            let x = (h >> (8 + 8 * k)) as usize;
            (
                FORUM_MEMBERS[x % FORUM_MEMBERS.len()],
                FORUM_REPLIES[(x / 7) % FORUM_REPLIES.len()],
            )
        })
        .collect()
}

fn bazaar_layout(title: &str, lang: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} | Bazaar Classifieds</title>\n<link rel=\"stylesheet\" href=\"/static/bazaar.css\">\n</head>\n<body>\n<div id=\"cookie-banner\" class=\"cookie-banner\"><p>We use cookies to personalise ads and to analyse our traffic. <a href=\"/privacy\">Learn more</a></p><button type=\"button\">Accept all</button></div>\n<header class=\"top\"><a class=\"logo\" href=\"/\">Bazaar</a>\n<form class=\"searchbar\" action=\"/search\" method=\"get\"><input type=\"search\" name=\"q\" placeholder=\"What are you looking for?\"><button type=\"submit\">Search</button></form>\n<nav><a href=\"/account/login\" rel=\"nofollow\">Sign in</a> | <a href=\"/account/post\" rel=\"nofollow\">Post an ad</a></nav></header>\n{main}<footer><p>&copy; 2026 Bazaar Classifieds &middot; <a href=\"/terms\">Terms</a> &middot; <a href=\"/privacy\">Privacy</a> &middot; <a href=\"/help\">Help</a></p></footer>\n</body>\n</html>\n",
        esc(title)
    )
}

fn shop_layout(title: &str, lang: &str, main: &str, head: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} &ndash; Curio Shop</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n{head}</head>\n<body class=\"shop\">\n<div class=\"cookie-notice\">This site uses cookies. By continuing to browse the site you agree to our use of cookies. <a href=\"/cookies\">OK</a></div>\n<header><a class=\"brand\" href=\"/\">Curio Shop</a>\n<nav class=\"main-nav\"><a href=\"/catalog?q=new\">New arrivals</a> <a href=\"/catalog?q=jewellery\">Jewellery</a> <a href=\"/catalog?q=decor\">Home decor</a> <a href=\"/members/login\" rel=\"nofollow\">Members</a> <a href=\"/cart\" rel=\"nofollow\">Cart (0)</a></nav>\n<form action=\"/catalog\" method=\"get\"><input name=\"q\" placeholder=\"Search the catalog\"><button>Go</button></form></header>\n{main}<footer class=\"site-footer\"><p>Curio Shop &middot; Antiques &amp; collectables since 1998 &middot; <a href=\"/sitemap.xml\">Sitemap</a></p></footer>\n</body>\n</html>\n",
        esc(title)
    )
}

fn forum_layout(title: &str, lang: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">\n<title>{} - ReptileForum</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"/clientscript/vbulletin.css\">\n</head>\n<body>\n<div id=\"cookie-consent\">This forum uses cookies to keep you logged in. <a href=\"/help/cookies\">More info</a> <a href=\"#\" class=\"accept\">OK</a></div>\n<table class=\"header\" width=\"100%\"><tr><td><a href=\"/\"><b>ReptileForum</b></a> <i>keepers &amp; breeders since 2004</i></td><td align=\"right\"><a href=\"/login\" rel=\"nofollow\">Log in</a> | <a href=\"/register\">Register</a></td></tr></table>\n<form action=\"/find\" method=\"get\"><input type=\"text\" name=\"term\" size=\"20\"> <input type=\"submit\" value=\"Search\"></form>\n{main}<div class=\"footer\"><font size=\"1\">Powered by vBoard&reg; Version 3.8.7 &copy; 2000 - 2026. All times are GMT.</font></div>\n</body>\n</html>\n",
        esc(title)
    )
}
