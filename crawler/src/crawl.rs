//! One crawl run of a job: every configured site crawled concurrently, each
//! host by its own politeness-bound worker, into one lake file per site.
//!
//! It owns the per-host frontier (search pages first, then the listings
//! they reveal, then revisits of known listings), the per-host pacing
//! (max(configured floor, Crawl-delay) enforced with governor, a global cap
//! on requests in flight, back-off on 429/503 honouring Retry-After), scope
//! and robots checks on every hop, and turning pages into lake rows. It must
//! not sleep inside the HTTP client or retry anywhere but through its queue.

use std::collections::{BTreeMap, HashSet};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use scraper::Html;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tracing::{debug, info, warn};
use url::Url;

use crate::config::{CrawlConfig, SiteConfig};
use crate::extract::{extract_listing, has_removed_marker, search_links};
use crate::fetch::{FetchError, Fetched, Fetcher};
use crate::lake::{self, FetchRow, ListingRow};
use crate::price::parse_price;
use crate::privacy::{Pseudonymiser, mask_contacts};
use crate::quantity::parse_quantity;
use crate::robots::Robots;
use crate::state::{CachedRobots, KnownListing, Registry, RobotsCache};

/// RFC 9309 §2.4: a cached robots.txt is used for at most 24 hours.
const ROBOTS_MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How long the last good robots.txt stands in when the file is unreachable
/// (429, 5xx, network error); older than this, the host is disallowed.
const ROBOTS_LAST_GOOD: chrono::TimeDelta = chrono::TimeDelta::days(30);
use crate::urlnorm::{canonical, targets_private};

/// Crawl failures that stop a run (a bad page or host never does).
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// A site's base URL could not be resolved.
    #[error("site `{site}`: {message}")]
    Site {
        /// Site name.
        site: String,
        /// What is wrong.
        message: String,
    },
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Lake write failure.
    #[error(transparent)]
    Lake(#[from] lake::LakeError),
    /// State file failure.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// Key file failure.
    #[error(transparent)]
    Privacy(#[from] crate::privacy::PrivacyError),
}

/// What one site's crawl produced.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SiteOutcome {
    /// Site name.
    pub source: String,
    /// The robots.txt policy applied.
    pub robots: String,
    /// Delay between requests actually used, seconds.
    pub delay_s: f64,
    /// Lake file of listing observations (None when there were none).
    pub listings_file: Option<PathBuf>,
    /// Lake file of the fetch log.
    pub fetch_log_file: Option<PathBuf>,
    /// Requests sent.
    pub requests: usize,
    /// URLs refused by robots.txt (logged, never fetched).
    pub robots_disallowed: usize,
    /// Listing observations by status.
    pub active: usize,
    /// Listings whose price or text changed since the last run.
    pub changed: usize,
    /// Listings observed removed.
    pub removed: usize,
    /// URLs given up on (network errors, too large, retries exhausted).
    pub failed: usize,
}

/// What a crawl run produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CrawlOutcome {
    /// Run id.
    pub run_id: String,
    /// UTC date of the run's start (the lake partition).
    pub crawl_date: NaiveDate,
    /// Per site, in config order.
    pub sites: Vec<SiteOutcome>,
}

/// Resolves each site's base URL; `demo:<name>` entries come from `demo`.
pub fn resolve_bases(
    cfg: &CrawlConfig,
    demo: &BTreeMap<String, Url>,
) -> Result<BTreeMap<String, Url>, CrawlError> {
    let mut out = BTreeMap::new();
    for s in &cfg.sites {
        let url = if let Some(name) = s.base_url.strip_prefix("demo:") {
            demo.get(name).cloned().ok_or_else(|| CrawlError::Site {
                site: s.name.clone(),
                message: format!(
                    "`{}` names no demo marketplace site (use `wildtrace demo`)",
                    s.base_url
                ),
            })?
        } else {
            Url::parse(&s.base_url).map_err(|e| CrawlError::Site {
                site: s.name.clone(),
                message: e.to_string(),
            })?
        };
        out.insert(s.name.clone(), url);
    }
    Ok(out)
}

/// Runs one crawl of every site in `cfg` against `bases`, writes the lake
/// files and updates the registry.
pub async fn crawl(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
) -> Result<CrawlOutcome, CrawlError> {
    let state_dir = cfg.state_dir();
    let mut registry = Registry::load(&state_dir)?;
    let started: DateTime<Utc> = Utc::now();
    let run_id = format!(
        "{}-{}-{:04}",
        started.format("%Y%m%dT%H%M%SZ"),
        cfg.job,
        registry.next_run + 1
    );
    registry.next_run += 1;
    // Claim the run number before any request, so a crashed run's id is never reused.
    registry.save(&state_dir)?;
    let crawl_date = started.date_naive();
    info!(run_id, sites = cfg.sites.len(), "crawl run starting");

    let ctx = Arc::new(Ctx {
        fetcher: Fetcher::new(&cfg.identity, &cfg.fetch)?,
        pseudonyms: Pseudonymiser::load_or_create(&cfg.pseudonym_key)?,
        in_flight: Arc::new(Semaphore::new(cfg.politeness.max_in_flight)),
        robots_cache: std::sync::Mutex::new(RobotsCache::load(&state_dir)?),
        cfg: cfg.clone(),
        run_id: run_id.clone(),
    });

    let mut handles = Vec::new();
    for site in &cfg.sites {
        let base = bases
            .get(&site.name)
            .cloned()
            .ok_or_else(|| CrawlError::Site {
                site: site.name.clone(),
                message: "no base URL".into(),
            })?;
        let known = registry.revisits(&site.name);
        let worker = HostWorker::new(ctx.clone(), site.clone(), base, known);
        handles.push(tokio::spawn(worker.run()));
    }

    let mut sites = Vec::new();
    for h in handles {
        let result = h.await.expect("host worker panicked");
        let mut outcome = result.outcome;
        let lake_dir = cfg.lake_dir();
        if !result.rows.is_empty() {
            outcome.listings_file = Some(lake::write_listings(
                &lake_dir,
                &outcome.source,
                crawl_date,
                &run_id,
                &result.rows,
            )?);
        }
        outcome.fetch_log_file = Some(lake::write_fetch_log(
            &lake_dir,
            &outcome.source,
            crawl_date,
            &run_id,
            &result.log,
        )?);
        for (canon, known) in result.registry_updates {
            registry.listings.insert(canon, known);
        }
        info!(
            source = outcome.source,
            requests = outcome.requests,
            active = outcome.active,
            changed = outcome.changed,
            removed = outcome.removed,
            robots_disallowed = outcome.robots_disallowed,
            "site done"
        );
        sites.push(outcome);
    }
    let robots_cache = ctx.robots_cache.lock().expect("robots cache lock").clone();
    robots_cache.save(&state_dir)?;
    // The registry is saved only after the lake files exist: a crash in
    // between re-observes listings next run rather than losing them.
    registry.save(&state_dir)?;
    Ok(CrawlOutcome {
        run_id,
        crawl_date,
        sites,
    })
}

struct Ctx {
    cfg: CrawlConfig,
    fetcher: Fetcher,
    pseudonyms: Pseudonymiser,
    in_flight: Arc<Semaphore>,
    robots_cache: std::sync::Mutex<RobotsCache>,
    run_id: String,
}

/// What fetching `/robots.txt` came to.
enum RobotsAnswer {
    /// A final response (after redirects).
    Response {
        status: u16,
        body: Vec<u8>,
        cache_control: Option<String>,
    },
    /// Too many redirects: unavailable.
    TooManyRedirects,
    /// Unreachable: network error, or out of scope.
    Unreachable(String),
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

#[derive(Debug, Clone)]
enum Kind {
    Search { term: String, page: usize },
    Listing { term: String },
    Revisit,
}

impl Kind {
    fn phase(&self) -> u8 {
        match self {
            Kind::Search { .. } => 0,
            Kind::Listing { .. } => 1,
            Kind::Revisit => 2,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Kind::Search { .. } => "search",
            Kind::Listing { .. } => "listing",
            Kind::Revisit => "revisit",
        }
    }
}

#[derive(Debug, Clone)]
struct Task {
    url: Url,
    kind: Kind,
    attempt: u32,
    not_before: Instant,
}

struct SiteResult {
    outcome: SiteOutcome,
    rows: Vec<ListingRow>,
    log: Vec<FetchRow>,
    registry_updates: Vec<(String, KnownListing)>,
}

/// Why a hop was not fetched.
enum Refused {
    Robots,
    Scope(&'static str),
}

struct HostWorker {
    ctx: Arc<Ctx>,
    site: SiteConfig,
    base: Url,
    known: BTreeMap<String, KnownListing>,
    queue: Vec<(u64, Task)>,
    seq: u64,
    seen: HashSet<String>,
    robots: Robots,
    /// Where the robots policy came from when not a fresh fetch.
    robots_note: String,
    limiter: Option<DefaultDirectRateLimiter>,
    delay: Duration,
    paused_until: Instant,
    result: SiteResult,
}

impl HostWorker {
    fn new(
        ctx: Arc<Ctx>,
        site: SiteConfig,
        base: Url,
        known: Vec<(String, KnownListing)>,
    ) -> HostWorker {
        let source = site.name.clone();
        HostWorker {
            site,
            base,
            known: known.into_iter().collect(),
            queue: Vec::new(),
            seq: 0,
            seen: HashSet::new(),
            robots: Robots::DisallowAll {
                reason: "robots.txt not fetched yet".into(),
            },
            robots_note: String::new(),
            // The floor applies from the first request, robots.txt redirects included.
            limiter: Quota::with_period(ctx.cfg.politeness.min_delay)
                .map(|q| RateLimiter::direct(q.allow_burst(NonZeroU32::new(1).expect("one")))),
            delay: Duration::ZERO,
            paused_until: Instant::now(),
            ctx,
            result: SiteResult {
                outcome: SiteOutcome {
                    source,
                    ..SiteOutcome::default()
                },
                rows: Vec::new(),
                log: Vec::new(),
                registry_updates: Vec::new(),
            },
        }
    }

    fn push(&mut self, url: Url, kind: Kind) {
        let key = canonical(&url).to_string();
        if !self.seen.insert(key) {
            return;
        }
        self.seq += 1;
        self.queue.push((
            self.seq,
            Task {
                url,
                kind,
                attempt: 0,
                not_before: Instant::now(),
            },
        ));
    }

    fn requeue(&mut self, mut task: Task, after: Duration) {
        task.attempt += 1;
        task.not_before = Instant::now() + after;
        self.seq += 1;
        self.queue.push((self.seq, task));
    }

    /// The next task: among those due, lowest phase then oldest; otherwise
    /// wait for the earliest.
    async fn next_task(&mut self) -> Option<Task> {
        loop {
            if self.queue.is_empty() {
                return None;
            }
            let now = Instant::now();
            let due = self
                .queue
                .iter()
                .enumerate()
                .filter(|(_, (_, t))| t.not_before <= now)
                .min_by_key(|(_, (seq, t))| (t.kind.phase(), *seq))
                .map(|(i, _)| i);
            if let Some(i) = due {
                return Some(self.queue.swap_remove(i).1);
            }
            let earliest = self
                .queue
                .iter()
                .map(|(_, t)| t.not_before)
                .min()
                .expect("non-empty");
            tokio::time::sleep_until(earliest.into()).await;
        }
    }

    fn log(
        &mut self,
        url: &Url,
        kind: &str,
        outcome: &str,
        fetched: Option<&Fetched>,
        retry_after: Option<Duration>,
    ) {
        self.result.log.push(FetchRow {
            run_id: self.ctx.run_id.clone(),
            requested_at: Utc::now(),
            url: url.to_string(),
            kind: kind.to_string(),
            outcome: outcome.to_string(),
            http_status: fetched.map(|f| f.status as i32),
            bytes: fetched.map(|f| f.body.len() as i64),
            elapsed_ms: fetched.map(|f| f.elapsed.as_millis() as i64),
            retry_after_s: retry_after.map(|d| d.as_secs() as i64),
        });
    }

    /// Waits for this host's turn and a global in-flight slot, then sends one request.
    async fn polite_get(&mut self, url: &Url) -> Result<Fetched, FetchError> {
        let now = Instant::now();
        if self.paused_until > now {
            tokio::time::sleep_until(self.paused_until.into()).await;
        }
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        let _permit = self
            .ctx
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore open");
        self.ctx
            .robots_cache
            .lock()
            .expect("robots cache lock")
            .last_request
            .insert(self.base.origin().ascii_serialization(), Utc::now());
        self.result.outcome.requests += 1;
        self.ctx.fetcher.get(url).await
    }

    fn check_scope(&self, url: &Url) -> Result<(), Refused> {
        let scope = &self.ctx.cfg.scope;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scope("scheme"));
        }
        if url.host() != self.base.host()
            || url.port_or_known_default() != self.base.port_or_known_default()
        {
            // why: we crawl only the hosts a researcher configured and an ethics board approved.
            return Err(Refused::Scope("other host"));
        }
        if url.as_str().len() > scope.max_url_len {
            return Err(Refused::Scope("url too long"));
        }
        if !scope.allow_private_addresses && targets_private(url) {
            // why: a public site must not be able to point us at internal services.
            return Err(Refused::Scope("private address"));
        }
        Ok(())
    }

    fn check(&self, url: &Url) -> Result<(), Refused> {
        self.check_scope(url)?;
        if !self
            .robots
            .allowed(&self.ctx.cfg.identity.product_token, url)
        {
            return Err(Refused::Robots);
        }
        Ok(())
    }

    async fn run(mut self) -> SiteResult {
        self.wait_for_previous_run();
        self.fetch_robots().await;
        self.result.outcome.robots = match &self.robots {
            Robots::AllowAll => "allow all (robots.txt unavailable)".into(),
            Robots::DisallowAll { reason } => format!("disallow all ({reason})"),
            Robots::Parsed(f) => match f.crawl_delay {
                Some(d) => format!("parsed, Crawl-delay {d}s"),
                None => "parsed".into(),
            },
        };
        if !self.robots_note.is_empty() {
            self.result.outcome.robots =
                format!("{} [{}]", self.result.outcome.robots, self.robots_note);
        }
        if matches!(self.robots, Robots::DisallowAll { .. }) {
            warn!(
                source = self.site.name,
                policy = self.result.outcome.robots,
                "site skipped this run"
            );
            return self.result;
        }

        for term in self.site.terms.clone() {
            let rel = self.site.search.replace(
                "{term}",
                &url::form_urlencoded::byte_serialize(term.as_bytes()).collect::<String>(),
            );
            match self.base.join(&rel) {
                Ok(u) => self.push(u, Kind::Search { term, page: 1 }),
                Err(e) => warn!(source = self.site.name, term, error = %e, "bad search URL"),
            }
        }
        // Revisits are queued last and served after search finds: a listing
        // still in search results gets its search term recorded.
        let revisits: Vec<Url> = self
            .known
            .values()
            .filter_map(|k| Url::parse(&k.url).ok())
            .collect();
        for u in revisits {
            self.push(u, Kind::Revisit);
        }

        let max_pages = self.ctx.cfg.scope.max_pages_per_host;
        while let Some(task) = self.next_task().await {
            if self.result.outcome.requests >= max_pages {
                warn!(
                    source = self.site.name,
                    max_pages, "page budget reached; rest of the frontier dropped"
                );
                break;
            }
            self.handle(task).await;
        }
        self.result
    }

    /// Carries politeness over from an earlier run: the first request waits
    /// until the last one to this origin is at least the delay old that the
    /// cached robots.txt asked for. why: back-to-back runs (the demo's
    /// rounds, a short schedule) must not squeeze two requests together.
    fn wait_for_previous_run(&mut self) {
        let origin = self.base.origin().ascii_serialization();
        let cache = self.ctx.robots_cache.lock().expect("robots cache lock");
        let Some(last) = cache.last_request.get(&origin).copied() else {
            return;
        };
        let pol = &self.ctx.cfg.politeness;
        let token = &self.ctx.cfg.identity.product_token;
        let crawl_delay = cache
            .origins
            .get(&origin)
            .and_then(|c| Robots::from_status(c.status, c.body.as_bytes(), token).crawl_delay())
            .map(|d| Duration::from_secs_f64(d).min(pol.max_crawl_delay))
            .unwrap_or(Duration::ZERO);
        let delay = pol.min_delay.max(crawl_delay);
        let since = (Utc::now() - last).to_std().unwrap_or(Duration::ZERO);
        if since < delay {
            self.paused_until = self.paused_until.max(Instant::now() + (delay - since));
        }
    }

    /// GET /robots.txt, following up to `max_redirects` in-scope redirects.
    async fn request_robots(&mut self) -> RobotsAnswer {
        let mut url = self.base.join("/robots.txt").expect("static path");
        let mut hops = 0;
        loop {
            if let Err(Refused::Scope(why)) = self.check_scope(&url) {
                self.log(&url, "robots", "out_of_scope", None, None);
                return RobotsAnswer::Unreachable(format!("redirected out of scope ({why})"));
            }
            match self.polite_get(&url).await {
                Ok(f) => {
                    self.log(&url, "robots", "fetched", Some(&f), None);
                    if let Some(next) = f.redirect_target() {
                        hops += 1;
                        if hops > self.ctx.cfg.fetch.max_redirects {
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
                    return RobotsAnswer::Response {
                        status: f.status,
                        body: f.body,
                        cache_control,
                    };
                }
                Err(e) => {
                    let outcome = if matches!(e, FetchError::TooLarge(_)) {
                        "too_large"
                    } else {
                        "network_error"
                    };
                    self.log(&url, "robots", outcome, None, None);
                    return RobotsAnswer::Unreachable(e.to_string());
                }
            }
        }
    }

    async fn fetch_robots(&mut self) {
        let token = self.ctx.cfg.identity.product_token.clone();
        let origin = self.base.origin().ascii_serialization();
        let now = Utc::now();
        let cached = self
            .ctx
            .robots_cache
            .lock()
            .expect("robots cache lock")
            .origins
            .get(&origin)
            .cloned();
        let robots = match cached.as_ref().filter(|c| now < c.fresh_until) {
            Some(c) => {
                self.robots_note = format!(
                    "cached copy of {}",
                    c.fetched_at.format("%Y-%m-%d %H:%M UTC")
                );
                Robots::from_status(c.status, c.body.as_bytes(), &token)
            }
            None => match self.request_robots().await {
                RobotsAnswer::Response {
                    status,
                    body,
                    cache_control,
                } if status != 429 && status < 500 => {
                    let ttl = robots_ttl(cache_control.as_deref());
                    let keep = &body[..body.len().min(crate::robots::MAX_ROBOTS_BYTES)];
                    self.ctx
                        .robots_cache
                        .lock()
                        .expect("robots cache lock")
                        .origins
                        .insert(
                            origin,
                            CachedRobots {
                                status,
                                body: String::from_utf8_lossy(keep).into_owned(),
                                fetched_at: now,
                                fresh_until: now + ttl,
                            },
                        );
                    Robots::from_status(status, &body, &token)
                }
                RobotsAnswer::TooManyRedirects => Robots::AllowAll,
                unreachable => {
                    let reason = match unreachable {
                        RobotsAnswer::Response { status, .. } => {
                            format!("robots.txt answered {status}")
                        }
                        RobotsAnswer::Unreachable(r) => format!("robots.txt unreachable: {r}"),
                        RobotsAnswer::TooManyRedirects => unreachable!("handled above"),
                    };
                    match cached.filter(|c| now - c.fetched_at <= ROBOTS_LAST_GOOD) {
                        // why: RFC 9309 §2.3.1.4 lets a crawler keep using its cached copy
                        // while the file is unreachable; past 30 days we stop crawling the host.
                        Some(c) => {
                            warn!(
                                source = self.site.name,
                                reason, "using the last good robots.txt"
                            );
                            self.robots_note = format!(
                                "{reason}; last good copy of {}",
                                c.fetched_at.format("%Y-%m-%d")
                            );
                            Robots::from_status(c.status, c.body.as_bytes(), &token)
                        }
                        None => Robots::DisallowAll { reason },
                    }
                }
            },
        };
        let pol = &self.ctx.cfg.politeness;
        let mut delay = pol.min_delay;
        if let Some(cd) = robots.crawl_delay() {
            let cd = Duration::from_secs_f64(cd);
            if cd > pol.max_crawl_delay {
                // why: an absurd Crawl-delay would stall the job; we cap it but never go faster than the floor.
                warn!(source = self.site.name, crawl_delay = ?cd, cap = ?pol.max_crawl_delay, "Crawl-delay capped");
            }
            delay = delay.max(cd.min(pol.max_crawl_delay));
        }
        self.delay = delay;
        self.result.outcome.delay_s = delay.as_secs_f64();
        self.limiter = Quota::with_period(delay).map(|q| {
            let limiter = RateLimiter::direct(q.allow_burst(NonZeroU32::new(1).expect("one")));
            // The robots.txt request just made counts against the host's rate too.
            let _ = limiter.check();
            limiter
        });
        self.robots = robots;
    }

    /// Back-off for a 429/503 or network error: Retry-After when given (capped),
    /// else exponential with jitter. The whole host pauses, not just the URL.
    fn backoff(&mut self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let pol = &self.ctx.cfg.politeness;
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

    async fn handle(&mut self, task: Task) {
        let kind_name = task.kind.name();
        let mut url = task.url.clone();
        let mut hops = 0usize;
        let fetched = loop {
            match self.check(&url) {
                Err(Refused::Robots) => {
                    debug!(%url, "disallowed by robots.txt");
                    self.result.outcome.robots_disallowed += 1;
                    self.log(&url, kind_name, "robots_disallowed", None, None);
                    return;
                }
                Err(Refused::Scope(why)) => {
                    debug!(%url, why, "out of scope");
                    self.log(&url, kind_name, "out_of_scope", None, None);
                    return;
                }
                Ok(()) => {}
            }
            let f = match self.polite_get(&url).await {
                Ok(f) => f,
                Err(e) => {
                    let too_large = matches!(e, FetchError::TooLarge(_));
                    if !too_large && task.attempt < self.ctx.cfg.politeness.max_retries {
                        let wait = self.backoff(task.attempt, None);
                        self.log(&url, kind_name, "retry_later", None, None);
                        debug!(%url, error = %e, ?wait, "network error; will retry");
                        self.requeue(task.clone(), wait);
                    } else {
                        self.result.outcome.failed += 1;
                        self.log(
                            &url,
                            kind_name,
                            if too_large { "too_large" } else { "gave_up" },
                            None,
                            None,
                        );
                        warn!(%url, error = %e, "giving up on URL");
                    }
                    return;
                }
            };
            if matches!(f.status, 429 | 503) {
                let ra = f.retry_after();
                if task.attempt < self.ctx.cfg.politeness.max_retries {
                    let wait = self.backoff(task.attempt, ra);
                    self.log(&url, kind_name, "retry_later", Some(&f), ra);
                    self.requeue(task.clone(), wait);
                } else {
                    self.backoff(task.attempt, ra);
                    self.result.outcome.failed += 1;
                    self.log(&url, kind_name, "gave_up", Some(&f), ra);
                }
                return;
            }
            if let Some(next) = f.redirect_target() {
                self.log(&url, kind_name, "fetched", Some(&f), None);
                hops += 1;
                if hops > self.ctx.cfg.fetch.max_redirects {
                    self.result.outcome.failed += 1;
                    self.log(&next, kind_name, "gave_up", None, None);
                    return;
                }
                if !matches!(task.kind, Kind::Search { .. }) && self.site.profile.is_search(&next) {
                    // A listing that now redirects to search results has been taken down.
                    self.removed_row(&task, &f, "redirect_to_search");
                    return;
                }
                url = next;
                continue;
            }
            break f;
        };
        let ok = (200..300).contains(&fetched.status);
        if ok && !fetched.is_html() {
            // why: a listing or search page that is not HTML (an image, a PDF,
            // a binary blob) would only yield junk rows; it costs this URL only.
            self.result.outcome.failed += 1;
            self.log(&url, kind_name, "not_html", Some(&fetched), None);
            return;
        }
        self.log(
            &url,
            kind_name,
            if ok || fetched.status == 404 || fetched.status == 410 {
                "fetched"
            } else {
                "http_error"
            },
            Some(&fetched),
            None,
        );
        match &task.kind {
            Kind::Search { term, page } => {
                if !ok {
                    return;
                }
                let text = fetched.text();
                let (listings, next) = {
                    let doc = Html::parse_document(&text);
                    search_links(&doc, &url, &self.site.profile)
                };
                for l in listings {
                    let key = canonical(&l).to_string();
                    // A known listing still queued as a revisit is found again by
                    // search: fetch it as a search find, so its term is recorded.
                    let queued_revisit = self.queue.iter().position(|(_, t)| {
                        matches!(t.kind, Kind::Revisit) && canonical(&t.url).to_string() == key
                    });
                    if let Some(i) = queued_revisit {
                        self.queue.swap_remove(i);
                        self.seen.remove(&key);
                    }
                    self.push(l, Kind::Listing { term: term.clone() });
                }
                if let Some(n) = next.filter(|_| *page < self.ctx.cfg.scope.max_search_pages) {
                    self.push(
                        n,
                        Kind::Search {
                            term: term.clone(),
                            page: page + 1,
                        },
                    );
                }
            }
            Kind::Listing { .. } | Kind::Revisit => match fetched.status {
                404 => self.removed_row(&task, &fetched, "http_404"),
                410 => self.removed_row(&task, &fetched, "http_410"),
                s if (200..300).contains(&s) => self.listing_row(&task, &url, &fetched),
                _ => {}
            },
        }
    }

    fn id_for(&self, canon: &str, site_id: Option<&str>) -> String {
        if let Some(id) = site_id {
            return format!("{}:{}", self.site.name, id);
        }
        if let Some(k) = self.known.get(canon) {
            return k.listing_id.clone();
        }
        let h = Sha256::digest(canon.as_bytes());
        format!("{}:u{}", self.site.name, &hex::encode(h)[..16])
    }

    fn base_row(&self, task: &Task, f: &Fetched, listing_id: String, status: &str) -> ListingRow {
        ListingRow {
            run_id: self.ctx.run_id.clone(),
            observed_at: Utc::now(),
            listing_id,
            url: task.url.to_string(),
            canonical_url: canonical(&task.url).to_string(),
            status: status.into(),
            removal_reason: None,
            http_status: f.status as i32,
            title: None,
            description: None,
            price_text: None,
            price_amount: None,
            currency: None,
            quantity: None,
            seller_pseudonym: None,
            seller_location: None,
            ships_to: None,
            posted_date: None,
            language: None,
            image_urls: Vec::new(),
            search_term: match &task.kind {
                Kind::Listing { term } => Some(term.clone()),
                _ => None,
            },
            extractor: "none".into(),
            page_sha256: hex::encode(Sha256::digest(&f.body)),
        }
    }

    fn removed_row(&mut self, task: &Task, f: &Fetched, reason: &str) {
        let canon = canonical(&task.url).to_string();
        let id = self.id_for(&canon, None);
        let mut row = self.base_row(task, f, id.clone(), "removed");
        row.removal_reason = Some(reason.into());
        self.result.outcome.removed += 1;
        let known = self.known.get(&canon).cloned().unwrap_or(KnownListing {
            source: self.site.name.clone(),
            listing_id: id,
            url: task.url.to_string(),
            content_hash: String::new(),
            first_seen_run: self.ctx.run_id.clone(),
            last_active_run: String::new(),
            removed_run: None,
        });
        self.result.registry_updates.push((
            canon,
            KnownListing {
                removed_run: Some(self.ctx.run_id.clone()),
                ..known
            },
        ));
        self.result.rows.push(row);
    }

    fn listing_row(&mut self, task: &Task, url: &Url, f: &Fetched) {
        let text = f.text();
        let (raw, ended) = {
            let doc = Html::parse_document(&text);
            (
                extract_listing(&doc, url, Some(&self.site.profile)),
                has_removed_marker(&doc, &self.site.profile),
            )
        };
        if ended {
            self.removed_row(task, f, "ended_marker");
            return;
        }
        let canon = canonical(&task.url).to_string();
        let id = self.id_for(&canon, raw.site_listing_id.as_deref());
        let hash = {
            let mut h = Sha256::new();
            for part in [&raw.title, &raw.description, &raw.price_text] {
                h.update(part.as_deref().unwrap_or("").as_bytes());
                h.update([0u8]);
            }
            hex::encode(&h.finalize()[..16])
        };
        let previous = self.known.get(&canon);
        let status = match previous {
            Some(k) if !k.content_hash.is_empty() && k.content_hash != hash => "changed",
            _ => "active",
        };
        let mut row = self.base_row(task, f, id.clone(), status);
        let handle = raw.seller_handle.as_deref();
        let price = raw
            .price_text
            .as_deref()
            .map(|p| parse_price(p, raw.currency_hint.as_deref()));
        row.quantity = raw
            .title
            .as_deref()
            .and_then(parse_quantity)
            .or_else(|| raw.description.as_deref().and_then(parse_quantity))
            .map(|q| q as i32);
        row.title = raw.title.as_deref().map(|t| mask_contacts(t, handle));
        row.description = raw.description.as_deref().map(|d| mask_contacts(d, handle));
        row.price_text = raw.price_text.clone();
        if let Some(p) = price {
            row.price_amount = p.amount;
            row.currency = p.currency;
        }
        // why: the raw handle never leaves this function; only its keyed hash does.
        row.seller_pseudonym = handle.map(|h| self.ctx.pseudonyms.seller(&self.site.name, h));
        row.seller_location = raw
            .seller_location
            .as_deref()
            .map(|t| mask_contacts(t, handle));
        row.ships_to = raw.ships_to.as_deref().map(|t| mask_contacts(t, handle));
        row.posted_date = raw.posted_date;
        row.language = raw.language.clone();
        row.image_urls = raw.images.clone();
        row.extractor = raw.extractor.clone();
        match status {
            "changed" => self.result.outcome.changed += 1,
            _ => self.result.outcome.active += 1,
        }
        let first_seen = previous
            .map(|k| k.first_seen_run.clone())
            .unwrap_or_else(|| self.ctx.run_id.clone());
        self.result.registry_updates.push((
            canon,
            KnownListing {
                source: self.site.name.clone(),
                listing_id: id,
                url: task.url.to_string(),
                content_hash: hash,
                first_seen_run: first_seen,
                last_active_run: self.ctx.run_id.clone(),
                removed_run: None,
            },
        ));
        self.result.rows.push(row);
    }
}
