//! A host's worker: its frontier served by `per_host_concurrency` request
//! lanes, each task fetched through the one polite GET (robots.txt too),
//! in-scope redirects followed hop by hop, and what each answer means —
//! retry later (429, 5xx but 501/505, timeouts and connect errors; the
//! whole host backs off), give up (malformed answers, oversized bodies,
//! retries spent), a removal, or a final page for `discover` and `rows`;
//! and the site's page budget (`max_pages`).
//!
//! It owns the task loop and the order of one exchange: wait for the host's
//! turn, claim it, send, record (pacing, WARC, fetch log), commit the task's
//! changes in one store transaction. It must not hold the worker across an
//! await, nor retry anywhere but through the frontier.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use tracing::{debug, warn};
use url::Url;
use wildtrace_extract::robots::Robots;
use wildtrace_extract::urlnorm::canonical_with;

use super::discover::SITEMAP_MAX_BYTES;
use super::evidence::Evidence;
use super::frontier::{Frontier, Next, Task, kind_name};
use super::pacing::{Pacing, Validators, send, sleep_until};
use super::parse::{Parsed, Plan};
use super::scope::{self, Refused};
use super::{CrawlError, Ctx, NOT_SENT, SitePolicy};
use crate::config::SiteConfig;
use crate::fetch::{BodyCap, FetchError, Fetched};
use crate::lake::FetchRow;
use crate::state::{Commit, KnownListing, TaskKind, TaskOutcome};
use crate::warc::WarcPointer;

/// The state of one task in hand: what it will commit and its WARC context.
#[derive(Default)]
pub(super) struct LaneState {
    /// Changes of the task, committed when it is done.
    pub pending: Commit,
    /// The WARC response record of the latest exchange.
    pub last_warc: Option<WarcPointer>,
    /// What the metadata record of the next exchange says (kind, term).
    pub warc_context: Vec<(String, String)>,
}

/// What one hop's answer means.
enum Step {
    End(TaskOutcome),
    Follow(Url),
    Final(Fetched),
}

/// One of a host's request lanes. It holds the shared worker only between
/// awaits, with its own task state swapped in, so each task commits exactly
/// its own rows.
pub(super) struct Lane {
    shared: Arc<Mutex<HostWorker>>,
    state: LaneState,
}

impl Lane {
    fn new(shared: &Arc<Mutex<HostWorker>>) -> Lane {
        Lane {
            shared: shared.clone(),
            state: LaneState::default(),
        }
    }

    /// Runs `f` on the worker with this lane's task state in place.
    pub(super) fn with<R>(&mut self, f: impl FnOnce(&mut HostWorker) -> R) -> R {
        // why: a lane that panicked while holding the worker takes the run
        // down (its panic is resumed by `HostWorker::run`), so the state it
        // left is never committed; the other lanes may finish their exchange.
        let mut w = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut w.lane, &mut self.state);
        let r = f(&mut w);
        std::mem::swap(&mut w.lane, &mut self.state);
        r
    }

    /// Serves the frontier until it is empty, the budget is spent, the run
    /// stops, or evidence cannot be written.
    async fn run(mut self) -> Result<(), CrawlError> {
        let ctx = self.with(|w| w.ctx.clone());
        loop {
            match self.with(|w| w.take_due()) {
                Next::Stop => return Ok(()),
                Next::Wait(t) => sleep_until(&ctx, t).await,
                Next::Task(task) => {
                    let outcome = self.handle(&task).await;
                    let go_on = self.with(|w| {
                        w.frontier.done();
                        let left = w.frontier.left();
                        w.ctx.progress(|p| p.task_done(&w.site.name, left));
                        if w.evidence.failed() {
                            // Nothing is committed without its evidence; the run resumes later.
                            return Ok(false);
                        }
                        w.flush(Some((&task, outcome))).map(|_| true)
                    })?;
                    if !go_on {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Fetches one task, following in-scope redirects, and records what it yields.
    async fn handle(&mut self, task: &Task) -> TaskOutcome {
        let (known, mut validators) = self.with(|w| w.begin(task));
        let cap = match task.kind {
            TaskKind::Sitemap { .. } => BodyCap::Bytes(SITEMAP_MAX_BYTES),
            _ => BodyCap::Page,
        };
        let mut url = task.url.clone();
        let mut hops = 0usize;
        loop {
            if self.with(|w| w.refuse(&url, kind_name(&task.kind))) {
                return TaskOutcome::Done;
            }
            // A task in hand is sent even when stopping: it was taken before.
            let Some(result) = self.polite_get(&url, validators.take(), cap, false).await else {
                unreachable!("a wait that may not be abandoned always sends");
            };
            match self.with(|w| w.on_response(task, &url, result, &mut hops)) {
                Step::End(outcome) => return outcome,
                Step::Follow(next) => url = next,
                Step::Final(f) => {
                    // why: parsing runs off the async threads (and without the
                    // worker held), so a slow page never delays another host.
                    let (plan, ctx) = self.with(|w| (w.plan(task, &f), w.ctx.clone()));
                    let (f, parsed) = match plan {
                        Some(plan) => ctx.parse.parse(plan, &url, f).await,
                        None => (f, Parsed::Nothing),
                    };
                    return self.with(|w| w.finish(task, &url, f, known, parsed));
                }
            }
        }
    }

    /// The one polite GET: waits for the host's turn (back-off and pacing),
    /// claims it, sends once the host's rate limiter and the global
    /// in-flight cap allow, and records the exchange. With `may_abandon`, a
    /// stop during the wait returns `None` without sending.
    pub(super) async fn polite_get(
        &mut self,
        url: &Url,
        validators: Validators,
        cap: BodyCap,
        may_abandon: bool,
    ) -> Option<Result<Fetched, FetchError>> {
        let (ctx, limiter) = loop {
            let turn = self.with(|w| {
                let t = w.pacing.turn();
                if t <= Instant::now() {
                    w.pacing.reserve();
                    w.requests += 1;
                    Ok((w.ctx.clone(), w.pacing.limiter()))
                } else {
                    Err((t, w.ctx.clone()))
                }
            });
            match turn {
                Ok(go) => break go,
                Err((t, ctx)) if may_abandon => {
                    if ctx.stopping() {
                        return None;
                    }
                    sleep_until(&ctx, t).await;
                }
                // A plain sleep: never earlier than the host's turn.
                Err((t, _)) => tokio::time::sleep_until(t.into()).await,
            }
        };
        let result = send(&ctx, limiter, url, validators, cap).await;
        self.with(|w| w.after_fetch(url, &result));
        Some(result)
    }

    /// Everything before the frontier is served: the previous run's pacing,
    /// robots.txt, the sitemaps it names. Returns the policy and whether the
    /// host may be crawled.
    async fn prepare(&mut self) -> Result<(SitePolicy, bool), CrawlError> {
        self.with(|w| {
            w.lane.warc_context = vec![
                ("kind".into(), "robots".into()),
                ("robots".into(), "robots.txt is always allowed".into()),
            ];
            w.wait_for_previous_run()
        })?;
        self.fetch_robots().await?;
        self.with(|w| {
            w.flush(None)?;
            w.after_robots()
        })
    }
}

/// One host's crawl state, shared by its lanes.
pub(super) struct HostWorker {
    pub ctx: Arc<Ctx>,
    pub site: SiteConfig,
    pub base: Url,
    pub origin: String,
    /// The site's registry: what earlier runs observed, by canonical URL.
    pub known: BTreeMap<String, KnownListing>,
    pub frontier: Frontier,
    pub pacing: Pacing,
    pub robots: Robots,
    /// Where the robots policy came from when not a fresh fetch.
    pub robots_note: String,
    /// Requests sent this run (across resumes), for the page budget.
    pub requests: usize,
    /// The state of the task in hand (swapped in by the lane working on it).
    pub lane: LaneState,
    pub evidence: Evidence,
}

impl HostWorker {
    /// The worker of `site` at `base`, with the run's frontier and request
    /// count as the store holds them (a resumed run goes on where it stopped).
    pub(super) fn new(
        ctx: Arc<Ctx>,
        site: SiteConfig,
        base: Url,
    ) -> Result<HostWorker, CrawlError> {
        let (known, queued, seen, log) = ctx.store.with(|s| {
            Ok((
                s.listings(&site.name)?,
                s.queued(&ctx.run_id, &site.name)?,
                s.seen(&ctx.run_id, &site.name)?,
                s.pending(&ctx.run_id, &site.name)?.1,
            ))
        })?;
        let requests = log
            .iter()
            .filter(|l| !NOT_SENT.contains(&l.outcome.as_str()))
            .count();
        Ok(HostWorker {
            origin: base.origin().ascii_serialization(),
            known: known.into_iter().collect(),
            frontier: Frontier::restore(queued, seen),
            pacing: Pacing::new(&ctx.cfg.politeness),
            robots: Robots::DisallowAll {
                reason: "robots.txt not fetched yet".into(),
            },
            robots_note: String::new(),
            requests,
            lane: LaneState::default(),
            evidence: Evidence::default(),
            site,
            base,
            ctx,
        })
    }

    /// Crawls the host: evidence file, robots.txt, then the frontier served
    /// by its lanes; returns the policy applied.
    pub(super) async fn run(mut self) -> Result<SitePolicy, CrawlError> {
        if let Some(dir) = self.ctx.cfg.warc_dir.clone() {
            let cfg = &self.ctx.cfg;
            self.evidence = Evidence::open(
                &dir,
                &self.ctx.run_id,
                &cfg.job,
                &self.site.name,
                &cfg.identity,
            )?;
        }
        let lanes = self.ctx.cfg.politeness.per_host_concurrency.max(1);
        let shared = Arc::new(Mutex::new(self));
        let prepared = Lane::new(&shared).prepare().await;
        let mut lane_error = None;
        if let Ok((policy, true)) = &prepared {
            {
                let w = shared.lock().unwrap_or_else(PoisonError::into_inner);
                let left = w.frontier.left();
                w.ctx.progress(|p| p.site_started(&w.site.name, left));
            }
            // The frontier is served by `per_host_concurrency` lanes sharing
            // this worker (one by default: one request at a time).
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..lanes {
                set.spawn(Lane::new(&shared).run());
            }
            while let Some(r) = set.join_next().await {
                // A lane that panicked takes the run down with its panic.
                let r = r.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                if let Err(e) = r {
                    lane_error.get_or_insert(e);
                }
            }
            debug!(source = policy.source, lanes, "frontier served");
        }
        let worker = Arc::into_inner(shared)
            .expect("every lane has ended")
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let stopped = worker.ctx.stopping();
        worker.ctx.progress(|p| p.site_finished(&worker.site.name));
        worker.evidence.finish()?;
        if let Some(e) = lane_error {
            return Err(e);
        }
        let (mut policy, _) = prepared?;
        policy.stopped = stopped;
        Ok(policy)
    }

    /// The policy robots.txt gave; queues the sitemaps when the host may be
    /// crawled.
    fn after_robots(&mut self) -> Result<(SitePolicy, bool), CrawlError> {
        let mut robots = match &self.robots {
            Robots::AllowAll => "allow all (robots.txt unavailable)".into(),
            Robots::DisallowAll { reason } => format!("disallow all ({reason})"),
            Robots::Parsed(f) => match f.crawl_delay {
                Some(d) => format!("parsed, Crawl-delay {d}s"),
                None => "parsed".into(),
            },
        };
        if !self.robots_note.is_empty() {
            robots = format!("{robots} [{}]", self.robots_note);
        }
        let policy = SitePolicy {
            source: self.site.name.clone(),
            robots,
            delay_s: self.pacing.delay().as_secs_f64(),
            stopped: false,
        };
        if matches!(self.robots, Robots::DisallowAll { .. }) {
            warn!(
                source = self.site.name,
                policy = policy.robots,
                "site skipped this run"
            );
            return Ok((policy, false));
        }
        self.push_sitemaps();
        self.flush(None)?;
        Ok((policy, true))
    }

    pub(super) fn canon(&self, url: &Url) -> String {
        canonical_with(url, &self.ctx.cfg.scope.tracking_params).to_string()
    }

    /// Adds a URL to the frontier unless it is already there this run.
    pub(super) fn push(&mut self, url: Url, kind: TaskKind, depth: u32) {
        let canonical = self.canon(&url);
        if let Some(t) = self.frontier.push(url, canonical, kind, depth) {
            self.lane.pending.new_tasks.push(t);
        }
    }

    /// Writes the pending changes in one transaction, finishing `task` with
    /// `outcome`.
    fn flush(&mut self, task: Option<(&Task, TaskOutcome)>) -> Result<(), CrawlError> {
        let mut c = std::mem::take(&mut self.lane.pending);
        c.task = task.map(|(t, o)| (t.canonical.clone(), o));
        let (run_id, source) = (&self.ctx.run_id, &self.site.name);
        self.ctx.store.with(|s| s.commit(run_id, source, &c))?;
        Ok(())
    }

    /// The next task for a lane, unless the run stops or the host's page
    /// budget is spent.
    fn take_due(&mut self) -> Next {
        if self.ctx.stopping() {
            return Next::Stop;
        }
        // why: a per-site page budget bounds what one run can cost a site, whatever its links.
        if self.requests >= self.site.max_pages {
            if self.frontier.clear() {
                warn!(
                    source = self.site.name,
                    max_pages = self.site.max_pages,
                    "page budget reached; rest of the frontier dropped"
                );
            }
            return Next::Stop;
        }
        self.frontier.take_due()
    }

    /// One fetch-log row.
    pub(super) fn log(
        &mut self,
        url: &Url,
        kind: &str,
        outcome: &str,
        fetched: Option<&Fetched>,
        retry_after: Option<Duration>,
    ) {
        self.lane.pending.log.push(FetchRow {
            run_id: self.ctx.run_id.clone(),
            requested_at: self.ctx.clock.now(),
            url: url.to_string(),
            kind: kind.to_string(),
            outcome: outcome.to_string(),
            http_status: fetched.map(|f| f.status as i32),
            bytes: fetched.map(|f| f.body.len() as i64),
            elapsed_ms: fetched.map(|f| f.elapsed.as_millis() as i64),
            retry_after_s: retry_after.map(|d| d.as_secs() as i64),
        });
    }

    /// Records an exchange: the host's next-allowed time, in evidence mode
    /// its WARC records, and the time of the last request (persisted).
    fn after_fetch(&mut self, url: &Url, result: &Result<Fetched, FetchError>) {
        self.pacing.response_ended();
        self.lane.last_warc = match result {
            Ok(f) => {
                let metadata = self.lane.warc_context.clone();
                self.evidence
                    .record(url, f, &self.ctx.cfg.identity, metadata)
            }
            Err(_) => None,
        };
        // The end of the exchange, persisted: the next run (or a resume) waits from here.
        self.lane.pending.last_request = Some((self.origin.clone(), Utc::now()));
    }

    pub(super) fn check_scope(&self, url: &Url) -> Result<(), Refused> {
        scope::check_scope(url, &self.base, &self.ctx.cfg.scope)
    }

    /// Starts a task: what its WARC metadata says, and the validators of a
    /// conditional revisit.
    fn begin(&mut self, task: &Task) -> (Option<KnownListing>, Validators) {
        let kind_name = kind_name(&task.kind);
        let known = self.known.get(&task.canonical).cloned();
        self.lane.warc_context = vec![
            ("kind".into(), kind_name.into()),
            ("robots".into(), "allowed".into()),
        ];
        if let TaskKind::Search { term, .. } | TaskKind::Listing { term } = &task.kind {
            self.lane
                .warc_context
                .push(("search-term".into(), term.clone()));
        }
        // why: a conditional refetch of a known listing (revisited, found
        // again by search, in a sitemap or by a link) costs the site a 304,
        // not a page. Pages whose links we follow are fetched whole — search
        // pages, sitemaps, and on a site that follows links its listing
        // pages too — because their links are not stored, so a 304 would
        // leave nothing to follow.
        let conditional = match task.kind {
            TaskKind::Revisit => true,
            TaskKind::Listing { .. } | TaskKind::SitemapListing | TaskKind::LinkedListing => {
                !self.site.follow.links
            }
            _ => false,
        };
        let validators = match &known {
            Some(k) if conditional && (k.etag.is_some() || k.last_modified.is_some()) => {
                Some((k.etag.clone(), k.last_modified.clone()))
            }
            _ => None,
        };
        (known, validators)
    }

    /// Scope and robots check of one hop; a refusal is logged and ends the task.
    fn refuse(&mut self, url: &Url, kind_name: &str) -> bool {
        let verdict = scope::check(
            url,
            &self.base,
            &self.ctx.cfg.scope,
            &self.robots,
            &self.ctx.cfg.identity.product_token,
        );
        match verdict {
            Err(Refused::Robots) => {
                debug!(%url, "disallowed by robots.txt");
                self.log(url, kind_name, "robots_disallowed", None, None);
                true
            }
            Err(Refused::Scope(why)) => {
                debug!(%url, why, "out of scope");
                self.log(url, kind_name, "out_of_scope", None, None);
                true
            }
            Ok(()) => false,
        }
    }

    /// What one hop's answer means: retry later, give up, follow a redirect,
    /// or a final response to process.
    fn on_response(
        &mut self,
        task: &Task,
        url: &Url,
        result: Result<Fetched, FetchError>,
        hops: &mut usize,
    ) -> Step {
        let kind_name = kind_name(&task.kind);
        let max_retries = self.ctx.cfg.politeness.max_retries;
        let f = match result {
            Ok(f) => f,
            Err(e) => {
                if e.is_retryable() && task.attempt < max_retries {
                    let wait = self.pacing.backoff(task.attempt, None);
                    self.log(url, kind_name, "retry_later", None, None);
                    debug!(%url, error = %e, ?wait, "network error; will retry");
                    return Step::End(self.frontier.requeue(task.clone(), wait));
                }
                let outcome = match e {
                    FetchError::TooLarge(_) => "too_large",
                    FetchError::Malformed(_) => "malformed",
                    FetchError::Network(_) => "gave_up",
                };
                self.log(url, kind_name, outcome, None, None);
                warn!(%url, error = %e, "giving up on URL");
                return Step::End(TaskOutcome::Done);
            }
        };
        if is_transient_status(f.status) {
            let ra = f.retry_after();
            // why: 429 and 5xx speak for the whole server; the host waits either way.
            let wait = self.pacing.backoff(task.attempt, ra);
            if task.attempt < max_retries {
                self.log(url, kind_name, "retry_later", Some(&f), ra);
                return Step::End(self.frontier.requeue(task.clone(), wait));
            }
            self.log(url, kind_name, "gave_up", Some(&f), ra);
            return Step::End(TaskOutcome::Done);
        }
        if let Some(next) = f.redirect_target() {
            self.log(url, kind_name, "fetched", Some(&f), None);
            *hops += 1;
            if *hops > self.ctx.cfg.fetch.max_redirects {
                // why: a redirect loop costs this URL only.
                self.log(&next, kind_name, "redirect_limit", None, None);
                return Step::End(TaskOutcome::Done);
            }
            if matches!(
                task.kind,
                TaskKind::Listing { .. }
                    | TaskKind::SitemapListing
                    | TaskKind::LinkedListing
                    | TaskKind::Revisit
            ) && self.site.profile.is_search(&next)
            {
                // A listing that now redirects to search results has been taken down.
                self.removed_row(task, &f, "redirect_to_search");
                return Step::End(TaskOutcome::Done);
            }
            return Step::Follow(next);
        }
        Step::Final(f)
    }

    /// What a task's final response needs parsed, if anything: a 2xx
    /// search, followed or listing page (HTML) or sitemap.
    fn plan(&self, task: &Task, fetched: &Fetched) -> Option<Plan> {
        let ok = (200..300).contains(&fetched.status);
        let is_sitemap = matches!(task.kind, TaskKind::Sitemap { .. });
        if !ok || (!is_sitemap && !fetched.is_html()) {
            return None;
        }
        let profile = || self.site.profile.clone();
        Some(match &task.kind {
            TaskKind::Search { .. } => Plan::Search(profile()),
            TaskKind::Page { .. } => Plan::Page(profile()),
            TaskKind::Sitemap { .. } => Plan::Sitemap(self.sitemap_limits()),
            TaskKind::Listing { .. }
            | TaskKind::SitemapListing
            | TaskKind::LinkedListing
            | TaskKind::Revisit => Plan::Listing {
                profile: profile(),
                want_links: self.site.follow.links,
            },
        })
    }

    /// Turns a task's final response (and what parsing it yielded) into log
    /// and lake rows and new URLs.
    fn finish(
        &mut self,
        task: &Task,
        url: &Url,
        fetched: Fetched,
        known: Option<KnownListing>,
        parsed: Parsed,
    ) -> TaskOutcome {
        let kind_name = kind_name(&task.kind);
        if fetched.status == 304 {
            self.log(url, kind_name, "fetched", Some(&fetched), None);
            match known.and_then(|k| k.last_row.clone().map(|row| (k, row))) {
                Some((k, last)) => self.unchanged_row(task, &fetched, k, last),
                None => warn!(%url, "304 without a stored record; ignored"),
            }
            return TaskOutcome::Done;
        }
        let ok = (200..300).contains(&fetched.status);
        let is_sitemap = matches!(task.kind, TaskKind::Sitemap { .. });
        if ok && !is_sitemap && !fetched.is_html() {
            // why: a listing or search page that is not HTML (an image, a PDF,
            // a binary blob) would only yield junk rows; it costs this URL only.
            self.log(url, kind_name, "not_html", Some(&fetched), None);
            return TaskOutcome::Done;
        }
        let cut = parsed.cut();
        let outcome = match cut.outcome() {
            Some(budget) => {
                // why: a page over its budget costs this URL a partial
                // extraction, never the run; the log says which budget.
                warn!(%url, outcome = budget, dropped_tags = cut.dropped_tags,
                      parsed_bytes = cut.parsed_bytes, "page cut by its parsing budgets");
                budget
            }
            None if ok || fetched.status == 404 || fetched.status == 410 => "fetched",
            None => "http_error",
        };
        self.log(url, kind_name, outcome, Some(&fetched), None);
        match (&task.kind, parsed) {
            (TaskKind::Search { term, page }, Parsed::Links(links)) => {
                self.search_page(task, links, term.clone(), *page);
            }
            (TaskKind::Sitemap { level }, Parsed::Sitemap(map)) => {
                self.sitemap(task, url, map, *level);
            }
            (TaskKind::Page { page }, Parsed::Links(links)) => {
                self.follow_page(task, url, links, *page);
            }
            (
                TaskKind::Listing { .. }
                | TaskKind::SitemapListing
                | TaskKind::LinkedListing
                | TaskKind::Revisit,
                parsed,
            ) => match (fetched.status, parsed) {
                (404, _) => self.removed_row(task, &fetched, "http_404"),
                (410, _) => self.removed_row(task, &fetched, "http_410"),
                (_, Parsed::Listing(page)) => {
                    let mut page = *page;
                    let links = page.links.take();
                    self.listing_row(task, &fetched, page);
                    if let Some(links) = links {
                        // Related listings, categories: a listing page's links are followed too.
                        self.follow_listing_links(task, links);
                    }
                }
                _ => {}
            },
            _ => {}
        }
        TaskOutcome::Done
    }
}

/// Statuses that asking again later may change: 429 and the 5xx a busy or
/// failing server sends. Not 501 or 505 (the server will never support the
/// request) — retrying those only costs the site requests.
fn is_transient_status(status: u16) -> bool {
    status == 429 || ((500..600).contains(&status) && !matches!(status, 501 | 505))
}
