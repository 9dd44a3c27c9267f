//! A host's robots.txt lifecycle (RFC 9309): the cached copy while fresh
//! (24 h at most, less when Cache-Control says so), else a fetch that
//! follows redirects (to other hosts too, §2.3.1.2) and, while the file is
//! unavailable (429, 5xx, network error), asks again after a back-off; when
//! it stays unavailable, the last good copy stands in for up to 30 days,
//! and after that the host is not crawled. The answer sets the host's gap
//! (Crawl-delay, capped, never below the floor).
//!
//! It owns those decisions. It must not send anything but through the
//! lane's one polite GET, and it must never read an unavailable file as
//! "allow all" (only too many redirects means that, §2.3.1.2).

use std::time::Duration;

use chrono::Utc;
use tracing::{debug, warn};
use wildtrace_extract::robots::{MAX_ROBOTS_BYTES, Robots};

use super::CrawlError;
use super::host::{HostWorker, Lane};
use crate::fetch::{BodyCap, FetchError};
use crate::state::CachedRobots;

/// RFC 9309 §2.4: a cached robots.txt is used for at most 24 hours.
const ROBOTS_MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How long the last good robots.txt stands in while the file is unreachable.
/// why: RFC 9309 §2.3.1.4 allows a cached copy; 30 days bounds how stale it gets.
const ROBOTS_LAST_GOOD: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// What fetching `/robots.txt` came to.
enum RobotsAnswer {
    /// A final response (after redirects).
    Response {
        status: u16,
        body: Vec<u8>,
        cache_control: Option<String>,
        retry_after: Option<Duration>,
    },
    /// Too many redirects: unavailable.
    TooManyRedirects,
    /// Unreachable: network error (worth asking again later).
    Unreachable(String),
    /// Redirected out of scope (asking again would change nothing).
    Refused(String),
    /// Not an HTTP response (bad status line, garbage, cut off): unreachable
    /// for RFC 9309, so disallow, but not asked again this run.
    Malformed(String),
    /// The run was asked to stop while waiting for the host's turn; nothing
    /// was sent.
    Stopped,
}

/// Freshness from Cache-Control, within the 24 h bound.
fn robots_ttl(cache_control: Option<&str>) -> chrono::TimeDelta {
    let mut ttl = ROBOTS_MAX_AGE;
    for directive in cache_control.unwrap_or("").split(',') {
        let d = directive.trim().to_ascii_lowercase();
        if d == "no-store" || d == "no-cache" {
            return chrono::TimeDelta::zero();
        }
        if let Some(secs) = d
            .strip_prefix("max-age=")
            .and_then(|v| v.trim_matches('"').parse::<i64>().ok())
        {
            ttl = ttl.min(chrono::TimeDelta::seconds(secs.max(0)));
        }
    }
    ttl
}

impl Lane {
    /// Reads the host's robots.txt policy (cache, fetch or last good copy)
    /// and sets the host's gap from it.
    pub(super) async fn fetch_robots(&mut self) -> Result<(), CrawlError> {
        let (ctx, origin, source) =
            self.with(|w| (w.ctx.clone(), w.origin.clone(), w.site.name.clone()));
        let token = &ctx.cfg.identity.product_token;
        let now = Utc::now();
        let cached = ctx.store.with(|s| s.robots(&origin))?;
        let robots = match cached.as_ref().filter(|c| now < c.fresh_until) {
            Some(c) => {
                let note = format!(
                    "cached copy of {}",
                    c.fetched_at.format("%Y-%m-%d %H:%M UTC")
                );
                self.with(|w| w.robots_note = note);
                Robots::from_status(c.status, c.body.as_bytes(), token)
            }
            None => match self.request_robots_retrying(cached.is_some()).await {
                RobotsAnswer::Response {
                    status,
                    body,
                    cache_control,
                    ..
                } if status != 429 && status < 500 => {
                    let ttl = robots_ttl(cache_control.as_deref());
                    let keep = &body[..body.len().min(MAX_ROBOTS_BYTES)];
                    let copy = CachedRobots {
                        status,
                        body: String::from_utf8_lossy(keep).into_owned(),
                        fetched_at: now,
                        fresh_until: now + ttl,
                    };
                    ctx.store.with(|s| s.put_robots(&origin, &copy))?;
                    Robots::from_status(status, &body, token)
                }
                RobotsAnswer::TooManyRedirects => Robots::AllowAll,
                unavailable => {
                    let reason = match unavailable {
                        RobotsAnswer::Response { status, .. } => {
                            format!("robots.txt answered {status}")
                        }
                        RobotsAnswer::Unreachable(r)
                        | RobotsAnswer::Refused(r)
                        | RobotsAnswer::Malformed(r) => {
                            format!("robots.txt unreachable: {r}")
                        }
                        RobotsAnswer::Stopped => "robots.txt not read: the run was stopped".into(),
                        RobotsAnswer::TooManyRedirects => unreachable!("handled above"),
                    };
                    match cached.filter(|c| now - c.fetched_at <= ROBOTS_LAST_GOOD) {
                        // why: RFC 9309 §2.3.1.4 lets a crawler keep using its cached copy
                        // while the file is unreachable; past 30 days we stop crawling the host.
                        Some(c) => {
                            warn!(source, reason, "using the last good robots.txt");
                            let note = format!(
                                "{reason}; last good copy of {}",
                                c.fetched_at.format("%Y-%m-%d")
                            );
                            self.with(|w| w.robots_note = note);
                            Robots::from_status(c.status, c.body.as_bytes(), token)
                        }
                        None => Robots::DisallowAll { reason },
                    }
                }
            },
        };
        self.with(|w| w.apply_robots(robots))
    }

    /// Asks for robots.txt; while it is unavailable (429, 5xx, network
    /// error) and no last good copy can stand in, asks again after a back-off
    /// (Retry-After honoured), up to `max_retries` times. Nothing else is
    /// requested from the host meanwhile.
    async fn request_robots_retrying(&mut self, have_copy: bool) -> RobotsAnswer {
        let mut attempt = 0;
        loop {
            let answer = self.request_robots().await;
            let retry_after = match &answer {
                RobotsAnswer::Response {
                    status,
                    retry_after,
                    ..
                } if *status == 429 || *status >= 500 => *retry_after,
                RobotsAnswer::Unreachable(_) => None,
                _ => return answer,
            };
            // why: RFC 9309 §2.3.1.3-4 — an unreachable robots.txt means
            // disallow, for now; asking again later lets a briefly
            // overloaded site be crawled this run without guessing its rules.
            let give_up = self.with(|w| {
                have_copy || attempt >= w.ctx.cfg.politeness.max_retries || w.ctx.stopping()
            });
            if give_up {
                return answer;
            }
            let (wait, source) =
                self.with(|w| (w.pacing.backoff(attempt, retry_after), w.site.name.clone()));
            debug!(source, ?wait, "robots.txt unavailable; asking again later");
            attempt += 1;
        }
    }

    /// GET /robots.txt, following up to `max_redirects` redirects.
    async fn request_robots(&mut self) -> RobotsAnswer {
        let (mut url, targets, max_redirects) = self.with(|w| {
            (
                w.base
                    .join("/robots.txt")
                    .expect("an absolute path joins any base"),
                w.ctx.cfg.scope.private_targets,
                w.ctx.cfg.fetch.max_redirects,
            )
        });
        let mut hops = 0;
        loop {
            // why: RFC 9309 §2.3.1.2 follows robots.txt redirects even to another
            // host (www → apex is common); the answer applies to the original
            // authority. Private targets stay refused.
            let refusal = if matches!(url.scheme(), "http" | "https") {
                targets.refusal(&url)
            } else {
                Some("not http(s)")
            };
            if let Some(why) = refusal {
                self.with(|w| w.log(&url, "robots", "out_of_scope", None, None));
                return RobotsAnswer::Refused(format!("refused: out of scope: {why}"));
            }
            let cap = BodyCap::Truncate(MAX_ROBOTS_BYTES as u64);
            // why: a robots.txt wait may be long (a Retry-After); a stop cuts it
            // short without sending, and the host is simply not crawled this run.
            let Some(result) = self.polite_get(&url, None, cap, true).await else {
                return RobotsAnswer::Stopped;
            };
            match result {
                Ok(f) => {
                    self.with(|w| w.log(&url, "robots", "fetched", Some(&f), None));
                    if let Some(next) = f.redirect_target() {
                        hops += 1;
                        if hops > max_redirects {
                            // RFC 9309 §2.3.1.2: too many redirects → unavailable.
                            return RobotsAnswer::TooManyRedirects;
                        }
                        url = next;
                        continue;
                    }
                    let cache_control = f
                        .headers
                        .get(reqwest::header::CACHE_CONTROL)
                        .and_then(|v| v.to_str().ok())
                        .map(String::from);
                    let retry_after = f.retry_after();
                    return RobotsAnswer::Response {
                        status: f.status,
                        body: f.body,
                        cache_control,
                        retry_after,
                    };
                }
                Err(e) => {
                    let outcome = match e {
                        FetchError::TooLarge(_) => "too_large",
                        FetchError::Malformed(_) => "malformed",
                        FetchError::Network(_) => "network_error",
                    };
                    self.with(|w| w.log(&url, "robots", outcome, None, None));
                    // why: RFC 9309 §2.3.1.4 — any failure to get an answer is
                    // "unreachable" (disallow); only a network error is asked again.
                    return if e.is_retryable() {
                        RobotsAnswer::Unreachable(e.to_string())
                    } else {
                        RobotsAnswer::Malformed(e.to_string())
                    };
                }
            }
        }
    }
}

impl HostWorker {
    /// Adopts a robots.txt policy: the host's gap becomes max(floor,
    /// Crawl-delay capped at `max_crawl_delay`).
    pub(super) fn apply_robots(&mut self, robots: Robots) -> Result<(), CrawlError> {
        let (delay, capped) = self.pacing.gap_for(robots.crawl_delay());
        if capped {
            // why: an absurd Crawl-delay would stall the job; we cap it but never go faster than the floor.
            warn!(
                source = self.site.name,
                crawl_delay_s = robots.crawl_delay().unwrap_or_default(),
                cap = ?self.ctx.cfg.politeness.max_crawl_delay,
                "Crawl-delay capped"
            );
        }
        let made_request = self.lane.pending.last_request.is_some();
        self.pacing.set_delay(delay, made_request);
        if !made_request {
            // A cached robots.txt: the previous run's last request still counts.
            self.wait_for_previous_run()?;
        }
        self.robots = robots;
        Ok(())
    }

    /// Carries politeness over from an earlier run: the first request waits
    /// until the last one to this origin is at least the delay old that the
    /// cached robots.txt asked for. why: back-to-back runs (the demo's
    /// rounds, a short schedule, a resume) must not squeeze two requests together.
    pub(super) fn wait_for_previous_run(&mut self) -> Result<(), CrawlError> {
        let origin = &self.origin;
        let (last, cached) = self
            .ctx
            .store
            .with(|s| Ok((s.last_request(origin)?, s.robots(origin)?)))?;
        // why: the process before a resume may have died mid-exchange, after
        // the last request time it committed; a full delay from now is after
        // anything it sent (found by the 20-kill test, timed at the server).
        let last = if self.ctx.resumed {
            Some(Utc::now())
        } else {
            last
        };
        let Some(last) = last else {
            return Ok(());
        };
        let token = &self.ctx.cfg.identity.product_token;
        let crawl_delay = cached
            .and_then(|c| Robots::from_status(c.status, c.body.as_bytes(), token).crawl_delay());
        self.pacing.carry_over(last, crawl_delay);
        Ok(())
    }
}
