//! The embedded demo marketplace: three simulated wildlife-trade sites on
//! 127.0.0.1 (a fourth, `exotica`, without search, when asked for) plus
//! their exact ground truth.
//!
//! This module owns the public API of the demo (options, ground-truth types,
//! [`DemoMarket`]) and re-exports the pieces implemented in the submodules:
//!
//! * [`generate`](generate()) — a pure, deterministic generator: seed in,
//!   [`GroundTruth`] out (no clock, no network, no hash-map ordering);
//! * `sites` — HTML/XML/robots rendering of the sites from the ground
//!   truth and the current round (pure functions, no I/O);
//! * `server` — the axum servers, the request log and the admin endpoint;
//! * `intake` — the report intake's rules (which reported listings a site
//!   removes, and from which round), pure functions of the seed.
//!
//! It must not contain crawler logic: nothing here may know how the crawler
//! parses pages, and nothing outside the demo may rely on anything but the
//! served bytes and the ground truth (which is honest: it describes exactly
//! what the servers serve).
//!
//! # Sites
//!
//! | name | kind | search | detail pages | disallowed (robots) | removal styles |
//! |---|---|---|---|---|---|
//! | `bazaar` | classifieds, no structured data | `/search?q=T&page=N` (10 a page) | `/ad/<id>-<slug>`, premium `/ad/premium/<id>-<slug>` | `/ad/premium/`, `/account/` | 200 "This ad has ended", 404 |
//! | `curioshop` | shop, schema.org JSON-LD | `/catalog?q=T&p=N` (12 a page) | `/products/<slug>-<id>`, members `/members/products/<slug>-<id>` | `/members/`, `/cart`, `/checkout` | 410, 404 |
//! | `reptileforum` | forum, microdata, windows-1252 | `/find?term=T&start=K` (20 a page) | `/threads/<id>`, VIP `/vip/threads/<id>` | `/vip/`, `/login` | 200 "This thread was removed by a moderator", 404 |
//! | `exotica` (only with [`DemoOptions::browse_site`]) | browsed by category, no search, no structured data | none: `/` → `/c/<category>` → `/c/<category>/list?page=N` (6 a page, `rel=next`) | `/item/<id>-<slug>`, members `/members/item/<id>-<slug>` | `/members/`, `/account/` | 200 "This item has been sold or withdrawn", 404 |
//!
//! The forum gets two thirds of `listings_per_site` (rounded down), the other
//! sites get `listings_per_site` each.
//!
//! Where the facts are on a detail page:
//!
//! * `bazaar`: `h1.ad-title`, `span.ad-price`, `#ad-body` (description),
//!   `span.seller-name`, `li.loc`, `li.ships` ("Ships to: X", or the stated
//!   text itself when it already starts with "Ships to"), `time.posted
//!   [datetime]`, "Ad ID: N", `.gallery img`. Each page has a stray `</p>` and
//!   an unclosed `<div class="safety-tips">`.
//! * `curioshop`: one `<script type="application/ld+json">`: a `Product`
//!   (`name`, `description`, `sku` = "CS-N", absolute `image` URLs, `offers`
//!   {`price` "1299.00", `priceCurrency`, `availability`, `seller` {`name`}}),
//!   on some pages inside a `@graph` with a `WebPage` and a `BreadcrumbList`,
//!   on about a third with HTML entities (`&amp;`, `&#39;`) inside the JSON
//!   strings. Visible: `h1.product-title`, `span.price`,
//!   `.product-description`, `td.seller`, `td.ships-from`, `td.ships-to`,
//!   `time[datetime]`. POA products have offers without `price`.
//! * `reptileforum`: microdata `Product` (`name`, `description`, `productID`,
//!   `image`) with a nested `Offer` (`price` in `content`, `priceCurrency`,
//!   `seller` Person `name`); visible `span.username`, `span.user-loc`
//!   ("Location: X"), `span.ships-to`, `time[datetime]` (date and time).
//! * `exotica`: `h1.item-title`, `span.item-price`, `.item-description`,
//!   `dd.seller-name`, `dd.seller-location`, `dd.ships-to`, `time.listed
//!   [datetime]`, "Item no. N", `.photos img`; "Related listings" link the
//!   next three visible items of the category.
//!
//! Every site (not the admin listener) also takes reports, like a
//! platform's reporting form or API: `POST /report/intake` with the JSON of
//! a `wildtrace flag` report (`{"report_id", "listings": [{"url", ...}]}`)
//! answers `202 {"receipt_id", "received", "matched"}` (400 for a body that
//! is not such JSON). See [Reports](#reports).
//!
//! Every detail page has `<html lang>` = the listing's language. Listing
//! images are served as a 1x1 GIF; every other unknown path is a 404.
//!
//! # Rounds
//!
//! The market starts in round 1. [`DemoMarket::set_round`] (or `POST
//! /round/{n}` on the admin listener) switches every site to another round at
//! once. A listing is visible in round `r` when `appears_round <= r` and it
//! is not removed by then ([`GroundTruth::visible_in_round`]). For listings
//! nobody reported, rounds 1 to [`LAST_ROUND`] differ; rounds above it look
//! like the last. A reported listing can differ in any later round (below).
//!
//! # Calendar
//!
//! The market lives in its own calendar: round `r` is on the day
//! [`ROUND_DAYS`]`[r - 1]` after [`CALENDAR_START`] (days 0, 5, 21, 60 and
//! 100); [`round_start`] gives the instant. The demo crawls each round with
//! the crawler's record clock set to that instant, so the lake's
//! `observed_at` and removal times are in days, as a real monitoring
//! schedule's would be. The days sit off the 7-, 30- and 90-day takedown
//! windows, so a removal first seen in a round falls in the same windows
//! whatever the seconds a crawl round takes, and the last round follows
//! every listing past 90 days.
//!
//! # Reports
//!
//! A report names listings by URL; the intake matches each URL's path to a
//! listing of its own site that has appeared by the current round (others
//! are counted as unmatched and ignored) and records it once (a listing
//! reported again keeps its first report). Of the reported listings a site
//! removes a fixed share, chosen by a seeded hash of the site and the
//! listing id, so the choice is deterministic and does not depend on the
//! order reports arrive in ([`intake::removes`]):
//!
//! | site | share removed | removed how |
//! |---|---|---|
//! | `bazaar` | 70 % | 200 "This ad has ended" |
//! | `curioshop` | 50 % | 410 |
//! | `reptileforum` | 30 % | 200 "This thread was removed by a moderator" |
//! | `exotica` | 50 % | 200 "This item has been sold or withdrawn" |
//!
//! A chosen listing reported while the market is in round `r` is gone from
//! round [`intake::removal_round`]`(r)` = `r + 1` on (the one place the
//! delay is defined). If its own schedule removes it no later than that,
//! the report changes nothing (`removed_by_report = false`). The ground
//! truth of a running market ([`DemoMarket::ground_truth`]) carries, for
//! every reported listing, [`TruthListing::reported`]: the receipt, the
//! report's round, whether the report removes it and from which round;
//! [`generate`](generate()) never sets it. Unreported listings keep their
//! schedule exactly.

mod generate;
pub mod intake;
mod server;
mod sites;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use generate::generate;
pub use server::{DemoMarket, DemoSite, IntakeRecord, RequestRecord};

/// The name of the site browsed by category, without search (`exotica`),
/// served when [`DemoOptions::browse_site`] is set.
pub const BROWSE_SITE: &str = "exotica";

/// The day the demo's calendar starts (round 1): the Monday after the
/// latest posted date the generator draws (2026-10-31).
pub const CALENDAR_START: (i32, u32, u32) = (2026, 11, 2);

/// Days after [`CALENDAR_START`] of rounds 1 to 5. Listings are removed
/// from round 2, 3, 4 or 5 on; rounds above [`LAST_ROUND`] look like it.
pub const ROUND_DAYS: [i64; 5] = [0, 5, 21, 60, 100];

/// The last round that differs from the one before.
pub const LAST_ROUND: u32 = ROUND_DAYS.len() as u32;

/// The calendar day of `round` (rounds above [`LAST_ROUND`] are 30 days apart
/// after it; values below 1 count as 1).
pub fn round_date(round: u32) -> NaiveDate {
    let (y, m, d) = CALENDAR_START;
    let start = NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar start");
    let r = round.max(1) as usize;
    let days = match ROUND_DAYS.get(r - 1) {
        Some(d) => *d,
        None => ROUND_DAYS[ROUND_DAYS.len() - 1] + 30 * (r - ROUND_DAYS.len()) as i64,
    };
    start + chrono::Days::new(days as u64)
}

/// The instant a crawl of `round` starts in the demo's calendar: 09:00 UTC
/// on [`round_date`].
pub fn round_start(round: u32) -> chrono::DateTime<chrono::Utc> {
    round_date(round)
        .and_hms_opt(9, 0, 0)
        .expect("valid time")
        .and_utc()
}

/// Knobs of the demo marketplace. Everything the market serves is a pure
/// function of these options (and of the ports it is bound to).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct DemoOptions {
    /// Seed of the generator; the same seed gives byte-identical ground truth.
    pub seed: u64,
    /// Listings on `bazaar` and on `curioshop`; `reptileforum` gets 2/3 of it.
    pub listings_per_site: usize,
    /// `Crawl-delay` (seconds) the forum's robots.txt asks for.
    pub crawl_delay: f64,
    /// Also serve `exotica`, the category-browsed site without search
    /// (`listings_per_site` listings). Off by default, so the other three
    /// sites and their ground truth are the same with or without it; the
    /// demo run turns it on when its job names `demo:exotica` (the main job
    /// does).
    #[serde(default)]
    pub browse_site: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 2026,
            listings_per_site: 150,
            crawl_delay: 0.1,
            browse_site: false,
        }
    }
}

/// What kind of marketplace a demo site imitates.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum SiteKind {
    /// Classified ads without structured data (`bazaar`).
    Classifieds,
    /// A shop with schema.org JSON-LD (`curioshop`).
    Shop,
    /// A forum with schema.org microdata, served as windows-1252 (`reptileforum`).
    Forum,
    /// A marketplace browsed by category, with no search (`exotica`).
    Catalogue,
}

/// Everything the demo serves, as data: the ground truth the end-to-end tests
/// and the evaluation compare the crawler's lake against.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GroundTruth {
    /// Seed it was generated from.
    pub seed: u64,
    /// The search terms the demo is meant to be crawled with (the demo
    /// vocabulary's list; every listing carries at least one of them as a tag).
    pub search_terms: Vec<String>,
    /// The three sites, in the order bazaar, curioshop, reptileforum.
    pub sites: Vec<SiteTruth>,
    /// Every listing of every site, sorted by site (in `sites` order) then by
    /// the site's numeric id, which is also the order of search results.
    pub listings: Vec<TruthListing>,
}

/// Ground truth about one site.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SiteTruth {
    /// Site name (`bazaar`, `curioshop`, `reptileforum`); also the lake's `source`.
    pub name: String,
    /// What kind of site it is.
    pub kind: SiteKind,
    /// Exact body served at `/robots.txt`. For `curioshop` the `Sitemap:` line
    /// holds an absolute URL, so it is only final in a running market's
    /// ground truth ([`DemoMarket::ground_truth`]); [`generate`](generate())
    /// leaves it root-relative (`Sitemap: /sitemap.xml`).
    pub robots_txt: String,
    /// Path prefixes disallowed for `User-agent: *`.
    pub disallowed_prefixes: Vec<String>,
    /// `Crawl-delay` for `User-agent: *`, when the site asks for one.
    pub crawl_delay: Option<f64>,
    /// Exact text a 200 page shows when its listing was removed, for sites
    /// that remove listings that way.
    pub ended_marker: Option<String>,
    /// `http://127.0.0.1:PORT/` of the running site; `None` from
    /// [`generate`](generate()), filled in by [`DemoMarket::start`].
    #[serde(default)]
    pub base_url: Option<String>,
}

/// Ground truth about one listing: what its page says and how it behaves
/// across rounds.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TruthListing {
    /// Name of the site it is on.
    pub site: String,
    /// The site's own id as the page states it: bazaar `"123456"` ("Ad ID:
    /// 123456"), curioshop `"CS-10234"` (JSON-LD `sku`), reptileforum
    /// `"48213"` (microdata `productID`).
    pub site_listing_id: String,
    /// URL path of the detail page (root-relative, no query).
    pub path: String,
    /// The path lives under a robots-disallowed prefix (premium/members/VIP).
    pub disallowed: bool,
    /// Item kind from the demo vocabulary (`elephant_ivory`, `decoy_resin`, ...).
    pub kind: String,
    /// Title as rendered (a vocabulary phrase, possibly with a neutral prefix
    /// or suffix such as "Antique", " x3", " (pair)", " - genuine").
    pub title: String,
    /// Description as rendered, raw, including any contact details.
    pub description: String,
    /// BCP 47 language of title and description (`<html lang>` of the page).
    pub language: String,
    /// Price exactly as the page shows it ("1.299,00 €", "POA", ...).
    pub price_text: String,
    /// Exact amount the price text means, in `currency`; `None` for POA.
    pub price_amount: Option<Decimal>,
    /// ISO 4217 code of `price_amount`.
    pub currency: Option<String>,
    /// Number of specimens stated in the title or description, if stated.
    pub quantity: Option<u32>,
    /// `quantity`, or 1 when none is stated.
    pub specimens: u32,
    /// Seller handle as shown on the page. Never allowed into the lake.
    pub seller_handle: String,
    /// Seller location as the page states it ("Lagos, Nigeria").
    pub seller_location: String,
    /// ISO 3166-1 alpha-2 country of the seller.
    pub seller_country: String,
    /// Shipping destinations as stated ("Worldwide", "Ships to USA and Canada").
    pub ships_to: String,
    /// Date the page says the listing was posted.
    pub posted_date: NaiveDate,
    /// Taxon group from the vocabulary; `None` for decoys.
    pub taxon_group: Option<String>,
    /// Scientific name from the vocabulary; `None` when the text names none.
    pub taxon: Option<String>,
    /// `confirmed`, `suspected` or `decoy`.
    pub confidence: String,
    /// Product type from the vocabulary (`ivory`, `horn`, `live`, `skin`, ...).
    pub product_type: Option<String>,
    /// Search tags: the listing is a result of exactly these search terms.
    pub tags: Vec<String>,
    /// Root-relative paths of the listing's images, in page order.
    pub image_paths: Vec<String>,
    /// First round the listing is visible in (1, 2 or 3); a listing new in
    /// round 2 or 3 was posted after the round before.
    pub appears_round: u32,
    /// First round the listing is gone in (2 to [`LAST_ROUND`]), if it is removed:
    /// it was taken down between the [`round_date`] before and that one.
    pub removed_from_round: Option<u32>,
    /// How a removed listing's page answers: `http_404`, `http_410` or
    /// `ended_marker` (a 200 page showing the site's `ended_marker`).
    pub removal: Option<String>,
    /// The category it is listed under (`exotica` only: `reptiles`, `birds`,
    /// `carvings`, `remedies`, `skins`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// What the site's report intake did with the listing, when it was
    /// reported (set only by a running market, never by
    /// [`generate`](generate())).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<ReportedTruth>,
}

/// Ground truth about a reported listing: the first report that named it
/// and what the site does about it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ReportedTruth {
    /// The report's own id (`report_id` of the JSON it came in).
    pub report_id: String,
    /// The receipt the intake answered with.
    pub receipt_id: String,
    /// The market's round when the report arrived.
    pub reported_round: u32,
    /// Whether the listing is removed because of the report (chosen by the
    /// site's share, and not removed by its own schedule by then).
    pub removed_by_report: bool,
    /// First round it is gone in because of the report (`Some` exactly when
    /// `removed_by_report`).
    pub removed_from_round: Option<u32>,
    /// How its page answers once removed by the report (`http_410`,
    /// `ended_marker`); `None` unless `removed_by_report`.
    pub removal: Option<String>,
}

impl TruthListing {
    /// First round the listing is gone in, by its own schedule or because
    /// of a report, whichever comes first.
    pub fn gone_from_round(&self) -> Option<u32> {
        gone_from(self, self.reported.as_ref())
    }

    /// How the page answers once gone: the report's style when the report
    /// removed it, else the schedule's.
    pub fn removal_style(&self) -> Option<&str> {
        removal_style_as(self, self.reported.as_ref())
    }
}

/// [`TruthListing::gone_from_round`] with the report given apart (the
/// running sites keep reports beside their listings).
pub(crate) fn gone_from(l: &TruthListing, reported: Option<&ReportedTruth>) -> Option<u32> {
    let by_report = reported.and_then(|r| r.removed_from_round);
    match (l.removed_from_round, by_report) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// [`TruthListing::removal_style`] with the report given apart.
pub(crate) fn removal_style_as<'a>(
    l: &'a TruthListing,
    reported: Option<&'a ReportedTruth>,
) -> Option<&'a str> {
    match reported {
        Some(r) if r.removed_by_report => r.removal.as_deref(),
        _ => l.removal.as_deref(),
    }
}

impl GroundTruth {
    /// True when `l` is live (listed in search, detail page served) in `round`.
    pub fn visible_in_round(&self, l: &TruthListing, round: u32) -> bool {
        listing_visible(l, round)
    }

    /// True when `l`'s page answers as removed in `round` (it appeared before
    /// and is removed by then).
    pub fn removed_in_round(&self, l: &TruthListing, round: u32) -> bool {
        l.appears_round <= round && l.gone_from_round().is_some_and(|r| round >= r)
    }

    /// Pretty-printed JSON; byte-identical for identical ground truth.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("ground truth serialises")
    }

    /// Parse what [`to_json`](Self::to_json) (or the admin endpoint) produced.
    pub fn from_json(s: &str) -> serde_json::Result<GroundTruth> {
        serde_json::from_str(s)
    }

    /// The site called `name`.
    pub fn site(&self, name: &str) -> Option<&SiteTruth> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// All listings of site `name`, in id order.
    pub fn site_listings<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a TruthListing> {
        self.listings.iter().filter(move |l| l.site == name)
    }

    /// What a search for `term` on site `name` lists in `round`, in the
    /// order the site lists it (by id): the visible listings one of whose
    /// tags equals the lower-cased, trimmed term.
    pub fn search_results<'a>(
        &'a self,
        name: &'a str,
        term: &str,
        round: u32,
    ) -> Vec<&'a TruthListing> {
        let term = term.trim().to_lowercase();
        self.site_listings(name)
            .filter(|l| listing_visible(l, round) && l.tags.contains(&term))
            .collect()
    }
}

/// The one visibility rule: appeared by `round` and not gone by then (by
/// its schedule or, for a reported listing, by the report).
pub(crate) fn listing_visible(l: &TruthListing, round: u32) -> bool {
    visible_as(l, l.reported.as_ref(), round)
}

/// [`listing_visible`] with the report given apart.
pub(crate) fn visible_as(l: &TruthListing, reported: Option<&ReportedTruth>, round: u32) -> bool {
    l.appears_round <= round && gone_from(l, reported).is_none_or(|r| round < r)
}
