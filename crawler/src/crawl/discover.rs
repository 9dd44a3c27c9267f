//! Discovery: the links that fill a host's frontier — listing links and
//! the next results page of a search page, the child sitemaps and listing
//! URLs of a sitemap, the sitemaps a site names (its robots.txt `Sitemap:`
//! lines, if allowed, and the job's own), and, for a site that follows
//! links, every in-scope link of a followed page (start URL, category,
//! listing index) or listing page: listing-pattern links as listings, the
//! profile's `next_page` link as the next page of the same index, the rest
//! as pages one hop further.
//!
//! Pages and sitemaps arrive parsed (by the parsing pool, `parse`).
//!
//! It owns which found links are worth a request: the site's
//! `follow.include`/`follow.exclude` patterns (excludes win) for every
//! found listing or page, and for followed links also scope (host, traps)
//! before they are queued. It must not fetch; every link found goes through
//! frontier admission (depth, query variants), and is checked against scope
//! and robots.txt again when it is fetched.

use tracing::debug;
use tracing::warn;
use url::Url;
use wildtrace_extract::page::PageLinks;
use wildtrace_extract::robots::Robots;
use wildtrace_extract::sitemap::{Sitemap, SitemapError, SitemapLimits};

use super::frontier::Task;
use super::host::HostWorker;
use crate::state::TaskKind;

/// The largest sitemap file read. why: the sitemap protocol allows 50 MB
/// per file, more than a page.
pub(super) const SITEMAP_MAX_BYTES: u64 = 50 * 1024 * 1024;

impl HostWorker {
    /// Queues the site's sitemaps: its robots.txt `Sitemap:` lines (if the
    /// site allows that) and the ones in the job config.
    pub(super) fn push_sitemaps(&mut self) {
        let mut roots: Vec<Url> = Vec::new();
        if self.site.robots_sitemaps
            && let Robots::Parsed(f) = &self.robots
        {
            roots.extend(f.sitemaps.iter().filter_map(|s| Url::parse(s).ok()));
        }
        for s in &self.site.sitemaps {
            if let Ok(u) = self.base.join(s) {
                roots.push(u);
            }
        }
        for u in roots {
            self.push(u, TaskKind::Sitemap { level: 0 }, 0);
        }
    }

    /// A search results page: its listing links (retyping a queued revisit
    /// or sitemap find of the same listing, so its term is recorded) and its
    /// next page, up to `max_search_pages`.
    pub(super) fn search_page(&mut self, task: &Task, found: PageLinks, term: String, page: usize) {
        let PageLinks {
            links: listings,
            next,
            ..
        } = found;
        for l in listings {
            if !self.site.follow.allows(&l)
                || !self.frontier.admit(
                    &l,
                    task.depth + 1,
                    self.site.max_depth,
                    &self.ctx.cfg.scope,
                )
            {
                continue;
            }
            let key = self.canon(&l);
            if let Some(kind) = self.frontier.retype_as_search_find(&key, &term) {
                self.lane.pending.retyped.push((key, kind));
                continue;
            }
            self.push(l, TaskKind::Listing { term: term.clone() }, task.depth + 1);
        }
        if let Some(n) = next.filter(|_| page < self.ctx.cfg.scope.max_search_pages)
            && self
                .frontier
                .admit(&n, task.depth + 1, self.site.max_depth, &self.ctx.cfg.scope)
        {
            self.push(
                n,
                TaskKind::Search {
                    term,
                    page: page + 1,
                },
                task.depth + 1,
            );
        }
    }

    /// The limits a sitemap of this host is parsed within.
    pub(super) fn sitemap_limits(&self) -> SitemapLimits {
        let scope = &self.ctx.cfg.scope;
        SitemapLimits {
            max_bytes: SITEMAP_MAX_BYTES,
            max_urls: scope.max_sitemap_urls,
            max_depth: scope.max_sitemap_depth as u32,
        }
    }

    /// A sitemap (or sitemap index), as parsed: its in-scope children, down
    /// to `max_sitemap_depth`, and its in-scope listing URLs.
    pub(super) fn sitemap(
        &mut self,
        task: &Task,
        url: &Url,
        parsed: Result<Sitemap, SitemapError>,
        level: usize,
    ) {
        let limits = self.sitemap_limits();
        let map = match parsed {
            Ok(m) => m,
            Err(e) => {
                // why: a broken or hostile sitemap costs this sitemap only.
                warn!(%url, error = %e, "sitemap not readable");
                return;
            }
        };
        if map.truncated {
            warn!(%url, "sitemap truncated at the URL or size cap");
        }
        if (level as u32) < limits.max_depth {
            for child in map.children {
                if self.check_scope(&child).is_ok() {
                    self.push(
                        child,
                        TaskKind::Sitemap { level: level + 1 },
                        task.depth + 1,
                    );
                }
            }
        } else if !map.children.is_empty() {
            warn!(%url, "sitemap index nesting limit reached");
        }
        for entry in map.urls {
            let u = entry.loc;
            // Only listing pages are worth a request; the rest of a site is out of our scope.
            if self.check_scope(&u).is_ok()
                && self.site.profile.is_listing(&u)
                && self.site.follow.allows(&u)
                && self
                    .frontier
                    .admit(&u, task.depth + 1, self.site.max_depth, &self.ctx.cfg.scope)
            {
                self.push(u, TaskKind::SitemapListing, task.depth + 1);
            }
        }
    }
}

/// Path endings of files that are never HTML pages.
const NOT_PAGES: &[&str] = &[
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".pdf", ".zip", ".gz", ".css", ".js",
    ".mp4", ".mp3", ".woff", ".woff2",
];

impl HostWorker {
    /// A followed page (start URL, category, listing index): its next page
    /// (the profile's `next_page` link, the same index one page on) and
    /// every other in-scope link one hop further.
    pub(super) fn follow_page(&mut self, task: &Task, url: &Url, found: PageLinks, page: usize) {
        let PageLinks { links, next, .. } = found;
        if let Some(n) = next {
            if self.site.profile.is_listing(&n) {
                self.follow_one(n, TaskKind::LinkedListing, task.depth + 1);
            } else if page < self.ctx.cfg.scope.max_search_pages {
                // why: pagination is not a hop, so a long listing index is not
                // cut by max_depth; max_search_pages bounds it (and endless
                // "next" chains) instead.
                self.follow_one(n, TaskKind::Page { page: page + 1 }, task.depth);
            } else {
                debug!(%url, page, "pagination limit (scope.max_search_pages) reached");
            }
        }
        self.follow_all(links, task.depth + 1);
    }

    /// A listing page of a site that follows links: its links (related
    /// listings, categories), its next-page link among them, one hop further.
    pub(super) fn follow_listing_links(&mut self, task: &Task, found: PageLinks) {
        let PageLinks {
            mut links, next, ..
        } = found;
        links.extend(next);
        self.follow_all(links, task.depth + 1);
    }

    /// Queues found links at `depth`: listing-pattern links as listings,
    /// the rest as pages.
    fn follow_all(&mut self, links: Vec<Url>, depth: u32) {
        for l in links {
            let kind = if self.site.profile.is_listing(&l) {
                TaskKind::LinkedListing
            } else {
                TaskKind::Page { page: 1 }
            };
            self.follow_one(l, kind, depth);
        }
    }

    /// One found link: scope and traps, the site's patterns, admission.
    fn follow_one(&mut self, u: Url, kind: TaskKind, depth: u32) {
        if self.check_scope(&u).is_err() {
            // why: other hosts and trap-shaped URLs (repeated segments, overlong)
            // found on every page would only fill the frontier and the log.
            debug!(%u, "link out of scope; not followed");
            return;
        }
        let path = u.path().to_ascii_lowercase();
        if matches!(kind, TaskKind::Page { .. }) && NOT_PAGES.iter().any(|e| path.ends_with(e)) {
            // why: the page budget is for pages; images and downloads would only be dropped as not HTML.
            return;
        }
        if !self.site.follow.allows(&u) {
            debug!(%u, "link excluded by the site's follow patterns");
            return;
        }
        if !self
            .frontier
            .admit(&u, depth, self.site.max_depth, &self.ctx.cfg.scope)
        {
            return;
        }
        self.push(u, kind, depth);
    }
}
