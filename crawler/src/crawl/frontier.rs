//! A host's frontier in memory: the tasks of this run not yet done, in the
//! order they are served (search pages first, then the listings they
//! reveal, then listings found by following links, then followed pages,
//! then sitemaps, then listings found only in sitemaps, then revisits, so a
//! listing found by search keeps its search term), with
//! their not-before times; which URLs were already seen this run; and the
//! admission rules for newly found links (depth, query permutations).
//!
//! It owns ordering and dedup only. It must not fetch, sleep or write the
//! store: new tasks are handed back for the caller to commit.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tracing::debug;
use url::Url;
use wildtrace_extract::urlnorm::canonical_with;

use crate::config::Scope;
use crate::state::{FrontierTask, TaskKind, TaskOutcome};

/// Order in which due tasks are served: search finds first, so that a
/// listing also listed in a sitemap or due for a revisit records its term.
fn phase(kind: &TaskKind) -> u8 {
    match kind {
        TaskKind::Search { .. } => 0,
        TaskKind::Listing { .. } => 1,
        // Listings before more pages: a spent page budget still yields the
        // listings already found.
        TaskKind::LinkedListing => 2,
        TaskKind::Page { .. } => 3,
        TaskKind::Sitemap { .. } => 4,
        TaskKind::SitemapListing => 5,
        TaskKind::Revisit => 6,
    }
}

/// The task kind as the fetch log names it.
pub(super) fn kind_name(kind: &TaskKind) -> &'static str {
    match kind {
        TaskKind::Search { .. } => "search",
        TaskKind::Listing { .. } | TaskKind::SitemapListing | TaskKind::LinkedListing => "listing",
        TaskKind::Page { .. } => "page",
        TaskKind::Sitemap { .. } => "sitemap",
        TaskKind::Revisit => "revisit",
    }
}

/// One URL to fetch, as the worker holds it.
#[derive(Debug, Clone)]
pub(super) struct Task {
    pub url: Url,
    pub canonical: String,
    pub kind: TaskKind,
    pub depth: u32,
    pub attempt: u32,
    pub not_before: Instant,
}

/// A stored (wall-clock) time as a monotonic instant.
pub(super) fn wall_to_instant(t: DateTime<Utc>) -> Instant {
    let ahead = (t - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    Instant::now() + ahead
}

/// A monotonic instant as a wall-clock time to store.
pub(super) fn instant_to_wall(t: Instant) -> DateTime<Utc> {
    let ahead = t.saturating_duration_since(Instant::now());
    Utc::now() + chrono::TimeDelta::from_std(ahead).unwrap_or(chrono::TimeDelta::zero())
}

/// What a lane should do next.
pub(super) enum Next {
    Task(Task),
    Wait(Instant),
    Stop,
}

/// The tasks of one host.
pub(super) struct Frontier {
    queue: Vec<(u64, Task)>,
    seq: u64,
    /// Canonical URLs already in the frontier this run (done or not).
    seen: HashSet<String>,
    /// Distinct query strings seen per path (query-permutation trap guard).
    queries: HashMap<String, HashSet<String>>,
    /// Tasks being worked on by lanes.
    in_progress: usize,
}

impl Frontier {
    /// The frontier of a run as the store holds it: queued tasks and every
    /// canonical URL seen so far (a resumed run goes on where it stopped).
    pub fn restore(queued: Vec<FrontierTask>, seen: HashSet<String>) -> Frontier {
        let mut queries: HashMap<String, HashSet<String>> = HashMap::new();
        for c in &seen {
            if let Ok(u) = Url::parse(c)
                && let Some(q) = u.query()
            {
                queries
                    .entry(u.path().to_string())
                    .or_default()
                    .insert(q.to_string());
            }
        }
        let mut queue = Vec::new();
        for (i, t) in queued.into_iter().enumerate() {
            let Ok(url) = Url::parse(&t.url) else {
                continue;
            };
            queue.push((
                i as u64,
                Task {
                    url,
                    canonical: t.canonical,
                    kind: t.kind,
                    depth: t.depth,
                    attempt: t.attempt,
                    not_before: wall_to_instant(t.not_before),
                },
            ));
        }
        Frontier {
            seq: queue.len() as u64,
            queue,
            seen,
            queries,
            in_progress: 0,
        }
    }

    /// Tasks queued or being worked on.
    pub fn left(&self) -> usize {
        self.queue.len() + self.in_progress
    }

    /// Adds a URL unless it is already in the frontier this run; returns the
    /// task to commit to the store.
    pub fn push(
        &mut self,
        url: Url,
        canonical: String,
        kind: TaskKind,
        depth: u32,
    ) -> Option<FrontierTask> {
        if !self.seen.insert(canonical.clone()) {
            return None;
        }
        let stored = FrontierTask {
            url: url.to_string(),
            canonical: canonical.clone(),
            kind: kind.clone(),
            depth,
            attempt: 0,
            not_before: Utc::now(),
        };
        self.seq += 1;
        self.queue.push((
            self.seq,
            Task {
                url,
                canonical,
                kind,
                depth,
                attempt: 0,
                not_before: Instant::now(),
            },
        ));
        Some(stored)
    }

    /// Puts a task back with a not-before time; it keeps its place in the store.
    pub fn requeue(&mut self, mut task: Task, after: Duration) -> TaskOutcome {
        task.attempt += 1;
        task.not_before = Instant::now() + after;
        let outcome = TaskOutcome::Retry {
            attempt: task.attempt,
            not_before: instant_to_wall(task.not_before),
        };
        self.seq += 1;
        self.queue.push((self.seq, task));
        outcome
    }

    /// A queued listing not found by search yet (a revisit, a sitemap or a
    /// link-following find) with this canonical URL: found again by a search, it is retyped
    /// so its term is recorded. Returns the new kind to commit.
    pub fn retype_as_search_find(&mut self, canonical: &str, term: &str) -> Option<TaskKind> {
        let (_, t) = self.queue.iter_mut().find(|(_, t)| {
            matches!(
                t.kind,
                TaskKind::Revisit | TaskKind::SitemapListing | TaskKind::LinkedListing
            ) && t.canonical == canonical
        })?;
        t.kind = TaskKind::Listing {
            term: term.to_string(),
        };
        Some(t.kind.clone())
    }

    /// Drops every queued task (the host's page budget is spent); returns
    /// whether there were any.
    pub fn clear(&mut self) -> bool {
        let had = !self.queue.is_empty();
        self.queue.clear();
        had
    }

    /// The next task for a lane: among those due, lowest phase then oldest.
    pub fn take_due(&mut self) -> Next {
        let now = Instant::now();
        let due = self
            .queue
            .iter()
            .enumerate()
            .filter(|(_, (_, t))| t.not_before <= now)
            .min_by_key(|(_, (seq, t))| (phase(&t.kind), *seq))
            .map(|(i, _)| i);
        if let Some(i) = due {
            self.in_progress += 1;
            return Next::Task(self.queue.swap_remove(i).1);
        }
        let earliest = self.queue.iter().map(|(_, t)| t.not_before).min();
        match earliest {
            // Another lane may still reveal URLs.
            None if self.in_progress > 0 => Next::Wait(now + Duration::from_millis(10)),
            None => Next::Stop,
            Some(t) if self.in_progress > 0 => Next::Wait(t.min(now + Duration::from_millis(10))),
            Some(t) => Next::Wait(t),
        }
    }

    /// A lane finished the task it took.
    pub fn done(&mut self) {
        self.in_progress -= 1;
    }

    /// Admission of a newly found link: the site's depth limit and the
    /// query-permutation trap. (Scope and robots are checked when it is
    /// fetched, and logged.)
    pub fn admit(&mut self, url: &Url, depth: u32, max_depth: u32, scope: &Scope) -> bool {
        if depth > max_depth {
            // why: listings sit a few links from a search page; deeper chains are traps.
            debug!(%url, depth, "deeper than max_depth");
            return false;
        }
        let canon = canonical_with(url, &scope.tracking_params);
        if let Some(q) = canon.query() {
            let seen = self.queries.entry(canon.path().to_string()).or_default();
            if !seen.contains(q) {
                if seen.len() >= scope.max_query_variants {
                    // why: calendars and facet filters make endless query permutations.
                    debug!(%url, "too many query variants of this path");
                    return false;
                }
                seen.insert(q.to_string());
            }
        }
        true
    }
}
