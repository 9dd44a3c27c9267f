//! The parsing pool: the HTML parsing, extraction and sitemap parsing of a
//! host's final responses run on tokio's blocking threads, at most
//! `fetch.parse_workers` at a time (a semaphore), never on the async
//! worker threads that carry every host's requests, timers and back-offs.
//! A page that is slow to parse (deeply nested, huge) therefore costs one
//! parsing thread for at most its budget (`fetch.max_parse_ms` and the
//! depth and element caps), while other hosts go on.
//!
//! It owns that pool and the [`Plan`] of what a response needs parsed. It
//! must not touch the host's worker (which is not held while a page is
//! parsed) nor decide what a result means for the crawl (`host`,
//! `discover` and `rows` do).

use std::sync::Arc;

use tokio::sync::Semaphore;
use url::Url;
use wildtrace_extract::budget::{Cut, PageLimits};
use wildtrace_extract::page::{ListingPage, PageLinks, followed_page, listing_page, search_page};
use wildtrace_extract::profile::SiteProfile;
use wildtrace_extract::sitemap::{Sitemap, SitemapError, SitemapLimits, parse_sitemap};

use crate::fetch::Fetched;

/// What a final response needs parsed.
pub(super) enum Plan {
    /// A search results page: listing links and next page.
    Search(SiteProfile),
    /// A sitemap or sitemap index.
    Sitemap(SitemapLimits),
    /// A followed page: its links.
    Page(SiteProfile),
    /// A listing page: fields, "ended" marker, and its links when the site
    /// follows links.
    Listing {
        profile: SiteProfile,
        want_links: bool,
    },
}

/// What parsing yielded.
pub(super) enum Parsed {
    /// Nothing was parsed (the response needs no parsing).
    Nothing,
    /// Links of a search or followed page.
    Links(PageLinks),
    /// A sitemap (or why it is not one).
    Sitemap(Result<Sitemap, SitemapError>),
    /// A listing page.
    Listing(Box<ListingPage>),
}

impl Parsed {
    /// What the page budgets cut (HTML pages only).
    pub(super) fn cut(&self) -> Cut {
        match self {
            Parsed::Links(l) => l.cut,
            Parsed::Listing(l) => l.cut,
            Parsed::Nothing | Parsed::Sitemap(_) => Cut::default(),
        }
    }
}

/// The bounded pool of parsing threads.
pub(super) struct ParsePool {
    permits: Arc<Semaphore>,
    limits: PageLimits,
}

impl ParsePool {
    /// A pool of `workers` threads at a time, parsing within `limits`.
    pub(super) fn new(workers: usize, limits: PageLimits) -> ParsePool {
        ParsePool {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            limits,
        }
    }

    /// Parses `fetched` (fetched from `url`) as `plan` says, on a blocking
    /// thread once a permit is free; gives the response back with the result.
    pub(super) async fn parse(&self, plan: Plan, url: &Url, fetched: Fetched) -> (Fetched, Parsed) {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the parsing pool is never closed");
        let limits = self.limits;
        let url = url.clone();
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let parsed = run(&plan, &url, &fetched, &limits);
            (fetched, parsed)
        });
        // A parser that panicked takes the run down with its panic, as a lane would.
        job.await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }
}

fn run(plan: &Plan, url: &Url, f: &Fetched, limits: &PageLimits) -> Parsed {
    let ct = f.content_type();
    match plan {
        Plan::Search(profile) => Parsed::Links(search_page(&f.body, ct, url, profile, limits)),
        Plan::Page(profile) => Parsed::Links(followed_page(&f.body, ct, url, profile, limits)),
        Plan::Sitemap(sitemap_limits) => {
            Parsed::Sitemap(parse_sitemap(&f.body, url, sitemap_limits))
        }
        Plan::Listing {
            profile,
            want_links,
        } => Parsed::Listing(Box::new(listing_page(
            &f.body,
            ct,
            url,
            profile,
            limits,
            *want_links,
        ))),
    }
}
