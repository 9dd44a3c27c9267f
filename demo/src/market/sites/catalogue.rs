//! Rendering of `exotica`, the demo site without search: a home page with
//! a category menu, category pages, paginated listing indexes (`rel=next`),
//! item pages with "related listings", and the links a crawler must stay
//! out of or be bounded on: `/login` and `/cart` (a job excludes them),
//! `/account/` and `/members/` (robots.txt), another host, a session-id
//! variant of each index, and an endless month-by-month fair calendar.
//!
//! It owns this site's markup only; like the other sites it must not do
//! I/O, and every fact it shows comes from the listing's [`TruthListing`].

use std::fmt::Write as _;

use super::super::TruthListing;
use super::super::generate::{CATEGORIES, EXOTICA_ENDED};
use super::{Page, SiteView, enc, esc, fnv, query_param};

/// Items per listing-index page.
pub(crate) const INDEX_PAGE: usize = 6;

/// The calendar's first month, linked from every page's footer.
const CALENDAR_START: &str = "2026-01";

impl SiteView {
    /// Answers every path of `exotica` that is not a listing or an image.
    pub(super) fn catalogue(&self, round: u32, path: &str, query: Option<&str>) -> Page {
        match path {
            "/" => self.catalogue_home(round),
            "/about" => self.catalogue_html(
                200,
                "About us",
                "<h1>About Exotica</h1>\n<p>A marketplace for collectors and keepers, browsed by category.</p>\n"
                    .into(),
            ),
            "/login" => self.catalogue_html(
                200,
                "Sign in",
                "<h1>Sign in</h1>\n<form method=\"post\" action=\"/login\"><input type=\"email\" name=\"email\"> <input type=\"password\" name=\"password\"> <button>Sign in</button></form>\n".into(),
            ),
            "/cart" => self.catalogue_html(
                200,
                "Your basket",
                "<h1>Your basket</h1>\n<p>Your basket is empty.</p>\n".into(),
            ),
            "/events" => match query_param(query, "month").and_then(|m| month(&m)) {
                Some(m) => self.calendar(m),
                None => self.not_found(),
            },
            _ => {
                let Some(rest) = path.strip_prefix("/c/") else {
                    return self.not_found();
                };
                let (slug, list) = match rest.strip_suffix("/list") {
                    Some(s) => (s, true),
                    None => (rest, false),
                };
                let Some(&(slug, name)) = CATEGORIES.iter().find(|(s, _)| *s == slug) else {
                    return self.not_found();
                };
                if list {
                    let page = query_param(query, "page")
                        .and_then(|p| p.trim().parse::<usize>().ok())
                        .unwrap_or(1);
                    self.index(round, slug, name, page)
                } else {
                    self.category(round, slug, name)
                }
            }
        }
    }

    /// The visible items of a category in `round`, in id order.
    fn in_category(&self, round: u32, slug: &str) -> Vec<&TruthListing> {
        self.listings
            .iter()
            .filter(|l| self.live(l, round) && l.category.as_deref() == Some(slug))
            .collect()
    }

    pub(super) fn catalogue_html(&self, status: u16, title: &str, main: String) -> Page {
        self.html(status, title, "en", main)
    }

    fn catalogue_home(&self, round: u32) -> Page {
        let mut m = String::from(
            "<h1>Welcome to Exotica</h1>\n<p>Browse our categories: no search, just good old shelves.</p>\n<ul class=\"categories\">\n",
        );
        for (slug, name) in CATEGORIES {
            let n = self.in_category(round, slug).len();
            let _ = writeln!(
                m,
                "<li><a href=\"/c/{slug}\">{}</a> <span class=\"count\">({n})</span></li>",
                esc(name)
            );
        }
        m.push_str("</ul>\n<p class=\"partners\">Meet us at the <a href=\"https://fairs.example.org/exotica\">collectors' fairs</a>.</p>\n");
        self.catalogue_html(200, "Home", m)
    }

    fn category(&self, round: u32, slug: &str, name: &str) -> Page {
        let n = self.in_category(round, slug).len();
        let sid = format!("{:08x}", fnv(&[slug, "sid"]) as u32);
        let m = format!(
            "<div class=\"crumbs\"><a href=\"/\">Home</a> &rsaquo; {}</div>\n<h1>{}</h1>\n<p class=\"count\">{n} items</p>\n<p><a class=\"browse\" href=\"/c/{slug}/list?page=1\">Browse all items</a></p>\n<p><a class=\"resume\" href=\"/c/{slug}/list?page=1&amp;sid={sid}\">Continue where you left off</a></p>\n",
            esc(name),
            esc(name)
        );
        self.catalogue_html(200, name, m)
    }

    fn index(&self, round: u32, slug: &str, name: &str, page: usize) -> Page {
        let items = self.in_category(round, slug);
        let pages = items.len().div_ceil(INDEX_PAGE).max(1);
        if page == 0 || page > pages {
            return self.not_found();
        }
        let start = (page - 1) * INDEX_PAGE;
        let slice = &items[start.min(items.len())..(start + INDEX_PAGE).min(items.len())];
        let mut m = format!(
            "<div class=\"crumbs\"><a href=\"/\">Home</a> &rsaquo; <a href=\"/c/{slug}\">{}</a> &rsaquo; Page {page}</div>\n<h1>{} &ndash; page {page} of {pages}</h1>\n<ul class=\"items\">\n",
            esc(name),
            esc(name)
        );
        if slice.is_empty() {
            m.push_str("<li class=\"empty\">No items in this category yet.</li>\n");
        }
        for l in slice {
            let members = if l.disallowed {
                " <span class=\"members\">Members only</span>"
            } else {
                ""
            };
            let _ = writeln!(
                m,
                "<li class=\"item-card\"><a class=\"item-link\" href=\"{}\">{}</a>{members} <span class=\"card-price\">{}</span></li>",
                esc(&l.path),
                esc(&l.title),
                esc(&l.price_text)
            );
        }
        m.push_str("</ul>\n<nav class=\"pager\">");
        let link = |p: usize| format!("/c/{slug}/list?page={p}");
        if page > 1 {
            let _ = write!(
                m,
                "<a rel=\"prev\" href=\"{}\">&laquo; Previous</a> ",
                link(page - 1)
            );
        }
        for p in 1..=pages {
            if p == page {
                let _ = write!(m, "<span class=\"current\">{p}</span> ");
            } else {
                let _ = write!(m, "<a class=\"page\" href=\"{}\">{p}</a> ", link(p));
            }
        }
        if page < pages {
            let _ = write!(
                m,
                "<a rel=\"next\" href=\"{}\">Next &raquo;</a>",
                link(page + 1)
            );
        }
        m.push_str("</nav>\n");
        self.catalogue_html(200, &format!("{name} - page {page}"), m)
    }

    /// An endless calendar: every month links the one before and after.
    fn calendar(&self, (y, mo): (i32, u32)) -> Page {
        let shift = |d: i32| {
            let k = y * 12 + mo as i32 - 1 + d;
            format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1)
        };
        let m = format!(
            "<h1>Collectors' fairs, {y:04}-{mo:02}</h1>\n<p>No fairs announced this month.</p>\n<p><a class=\"month-nav\" href=\"/events?month={}\">&laquo; previous month</a> <a class=\"month-nav\" href=\"/events?month={}\">next month &raquo;</a></p>\n",
            shift(-1),
            shift(1)
        );
        self.catalogue_html(200, "Fair calendar", m)
    }

    pub(super) fn catalogue_item(&self, l: &TruthListing, round: u32) -> Page {
        let slug = l.category.as_deref().unwrap_or("carvings");
        let name = CATEGORIES
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, n)| *n)
            .unwrap_or("Carvings & antiques");
        let mut m = format!(
            "<div class=\"crumbs\"><a href=\"/\">Home</a> &rsaquo; <a href=\"/c/{slug}\">{}</a></div>\n<article class=\"item\">\n<h1 class=\"item-title\">{}</h1>\n<p class=\"price\"><span class=\"item-price\">{}</span></p>\n<div class=\"photos\">",
            esc(name),
            esc(&l.title),
            esc(&l.price_text)
        );
        for (k, p) in l.image_paths.iter().enumerate() {
            let _ = write!(m, "<img src=\"{}\" alt=\"Photo {}\">", esc(p), k + 1);
        }
        let _ = write!(
            m,
            "</div>\n<div class=\"item-description\">{}</div>\n<dl class=\"facts\">\n<dt>Seller</dt><dd class=\"seller-name\">{}</dd>\n<dt>Location</dt><dd class=\"seller-location\">{}</dd>\n<dt>Delivery</dt><dd class=\"ships-to\">{}</dd>\n<dt>Listed</dt><dd><time class=\"listed\" datetime=\"{}\">{}</time></dd>\n</dl>\n<p class=\"item-no\">Item no. {}</p>\n<p class=\"actions\"><a href=\"/cart?add={}\" class=\"btn\">Add to basket</a> <a href=\"/login?next={}\">Sign in to contact the seller</a> <a href=\"/account/messages?item={}\">Message</a></p>\n</article>\n",
            esc(&l.description),
            esc(&l.seller_handle),
            esc(&l.seller_location),
            esc(&l.ships_to),
            l.posted_date.format("%Y-%m-%d"),
            l.posted_date.format("%-d %B %Y"),
            esc(&l.site_listing_id),
            esc(&l.site_listing_id),
            enc(&l.path),
            esc(&l.site_listing_id)
        );
        // Related listings: the next three visible items of the category.
        let peers = self.in_category(round, slug);
        let at = peers.iter().position(|p| p.path == l.path).unwrap_or(0);
        let related: Vec<&&TruthListing> = peers
            .iter()
            .cycle()
            .skip(at + 1)
            .take(peers.len().min(4))
            .filter(|p| p.path != l.path)
            .take(3)
            .collect();
        if !related.is_empty() {
            m.push_str("<section class=\"related\"><h2>Related listings</h2>\n<ul>\n");
            for r in related {
                let _ = writeln!(
                    m,
                    "<li><a href=\"{}\">{}</a></li>",
                    esc(&r.path),
                    esc(&r.title)
                );
            }
            m.push_str("</ul></section>\n");
        }
        self.html(200, &l.title, &l.language, m)
    }

    pub(super) fn catalogue_ended(&self, l: &TruthListing) -> Page {
        let slug = l.category.as_deref().unwrap_or("carvings");
        let m = format!(
            "<article class=\"item ended\">\n<div class=\"notice\">{EXOTICA_ENDED}.</div>\n<h1 class=\"item-title\">{}</h1>\n<p><a href=\"/c/{slug}\">More in this category</a></p>\n</article>\n",
            esc(&l.title)
        );
        self.html(200, &l.title, &l.language, m)
    }
}

/// `YYYY-MM` as (year, month).
fn month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.trim().split_once('-')?;
    let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
    ((1..=12).contains(&m) && (1900..=9999).contains(&y)).then_some((y, m))
}

pub(super) fn catalogue_layout(title: &str, lang: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} | Exotica</title>\n</head>\n<body>\n<header><a class=\"logo\" href=\"/\">Exotica</a> <nav><a href=\"/login\">Sign in</a> | <a href=\"/cart\">Basket</a></nav></header>\n<main>\n{main}</main>\n<footer><a href=\"/about\">About</a> &middot; <a href=\"/events?month={CALENDAR_START}\">Fair calendar</a></footer>\n</body>\n</html>\n",
        esc(title)
    )
}
