//! A host's pacing: when its next request may start, and the global cap on
//! requests in flight.
//!
//! The gap between two requests to one host is max(the job's floor, the
//! robots.txt Crawl-delay, capped), enforced twice over: by the host's
//! next-allowed time, counted from the *end* of the previous response when
//! one request at a time is allowed, and by a governor rate limiter. A
//! 429/503 or network error pauses the whole host (Retry-After, or an
//! exponential back-off with jitter). The time of the last request is kept
//! across runs by the caller (the state store), and carried over here.
//!
//! It owns these times. It must not fetch (see `host` for the one polite
//! GET), and it must never make a host faster than the floor.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use url::Url;

use super::Ctx;
use crate::config::Politeness;
use crate::fetch::{BodyCap, FetchError, Fetched};

/// Validators of a conditional GET: ETag and Last-Modified.
pub(super) type Validators = Option<(Option<String>, Option<String>)>;

/// One host's pacing state.
pub(super) struct Pacing {
    politeness: Politeness,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    /// The host's gap from robots.txt (zero until it is read).
    delay: Duration,
    /// Back-off: no request before this.
    paused_until: Instant,
    /// The host's next-allowed time: the delay counted from the end of the
    /// previous response. why: counted from the send, a request delayed in
    /// flight could reach the server less than the delay after the next one.
    next_allowed: Instant,
}

/// A limiter of one request per `period` (none for a zero period).
fn limiter(period: Duration) -> Option<Arc<DefaultDirectRateLimiter>> {
    Quota::with_period(period)
        .map(|q| Arc::new(RateLimiter::direct(q.allow_burst(NonZeroU32::MIN))))
}

impl Pacing {
    /// Pacing before robots.txt is known: the job's floor applies from the
    /// first request, robots.txt redirects included.
    pub fn new(politeness: &Politeness) -> Pacing {
        Pacing {
            limiter: limiter(politeness.min_delay),
            politeness: politeness.clone(),
            delay: Duration::ZERO,
            paused_until: Instant::now(),
            next_allowed: Instant::now(),
        }
    }

    /// The gap robots.txt asked for (zero until it is read).
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// The gap between requests to this host.
    fn gap(&self) -> Duration {
        self.delay.max(self.politeness.min_delay)
    }

    /// When the host may get its next request (back-off and pacing).
    pub fn turn(&self) -> Instant {
        self.paused_until.max(self.next_allowed)
    }

    /// The host's rate limiter, for the request that just claimed its turn.
    pub fn limiter(&self) -> Option<Arc<DefaultDirectRateLimiter>> {
        self.limiter.clone()
    }

    /// Claims the host's turn for one request.
    pub fn reserve(&mut self) {
        if self.politeness.per_host_concurrency > 1 {
            // With several requests in flight, starts are spaced by the gap.
            self.next_allowed = Instant::now() + self.gap();
        } else {
            // One at a time: nobody may start until this exchange ends.
            self.next_allowed = Instant::now() + Duration::from_secs(3600);
        }
    }

    /// The exchange that claimed the turn has ended.
    pub fn response_ended(&mut self) {
        if self.politeness.per_host_concurrency <= 1 {
            // why: counted from the end of the response, a request delayed in
            // flight can never reach the server less than the gap after the last.
            self.next_allowed = Instant::now() + self.gap();
        }
    }

    /// The gap robots.txt asks for: its Crawl-delay (capped, with a flag
    /// saying whether the cap applied), never below the job's floor.
    pub fn gap_for(&self, crawl_delay: Option<f64>) -> (Duration, bool) {
        let pol = &self.politeness;
        match crawl_delay.map(Duration::from_secs_f64) {
            Some(cd) => (
                pol.min_delay.max(cd.min(pol.max_crawl_delay)),
                cd > pol.max_crawl_delay,
            ),
            None => (pol.min_delay, false),
        }
    }

    /// Sets the host's gap once robots.txt is read; `made_request` says
    /// whether a request (robots.txt itself) was just sent this run.
    pub fn set_delay(&mut self, delay: Duration, made_request: bool) {
        self.delay = delay;
        self.limiter = limiter(delay);
        if made_request && let Some(l) = &self.limiter {
            // The robots.txt request just made counts against the host's rate too.
            let _ = l.check();
        }
    }

    /// Carries politeness over from an earlier run: the first request waits
    /// until the last one to this origin (`last`) is at least `delay` old.
    /// why: back-to-back runs (the demo's rounds, a short schedule, a
    /// resume) must not squeeze two requests together.
    pub fn carry_over(&mut self, last: DateTime<Utc>, crawl_delay: Option<f64>) {
        let pol = &self.politeness;
        let crawl_delay = crawl_delay
            .map(|d| Duration::from_secs_f64(d).min(pol.max_crawl_delay))
            .unwrap_or(Duration::ZERO);
        let delay = pol.min_delay.max(crawl_delay);
        let since = (Utc::now() - last).to_std().unwrap_or(Duration::ZERO);
        if since < delay {
            self.paused_until = self.paused_until.max(Instant::now() + (delay - since));
        }
    }

    /// Back-off for a 429/503 or network error: Retry-After when given (capped),
    /// else exponential with jitter. The whole host pauses, not just the URL.
    pub fn backoff(&mut self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let pol = &self.politeness;
        let wait = match retry_after {
            Some(ra) => ra.min(pol.max_retry_after),
            None => {
                let base =
                    self.delay.max(Duration::from_millis(500)) * 2u32.saturating_pow(attempt);
                let jitter = rand::rng().random_range(0.0..0.5);
                base.mul_f64(1.0 + jitter).min(pol.max_retry_after)
            }
        };
        // why: 429/503 speak for the whole server, so every URL of the host waits.
        self.paused_until = self.paused_until.max(Instant::now() + wait);
        wait
    }
}

/// Sleeps until `when`, waking early when the run is asked to stop (once
/// stopping, it sleeps plainly, so nothing spins).
pub(super) async fn sleep_until(ctx: &Ctx, when: Instant) {
    match ctx.stop.clone().filter(|s| !*s.borrow()) {
        Some(mut stop) => {
            tokio::select! {
                _ = tokio::time::sleep_until(when.into()) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
        None => tokio::time::sleep_until(when.into()).await,
    }
}

/// Sends one request once the host's rate limiter and the global in-flight
/// cap allow it. The caller has claimed the host's turn.
pub(super) async fn send(
    ctx: &Ctx,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    url: &Url,
    validators: Validators,
    cap: BodyCap,
) -> Result<Fetched, FetchError> {
    if let Some(l) = limiter {
        l.until_ready().await;
    }
    let _permit = ctx
        .in_flight
        .clone()
        .acquire_owned()
        .await
        .expect("the in-flight semaphore is never closed");
    let (etag, lm) = validators.unwrap_or_default();
    ctx.fetcher
        .get_with(url, etag.as_deref(), lm.as_deref(), cap)
        .await
}
