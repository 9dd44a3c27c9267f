//! The crawl state store: one SQLite database per job
//! (`<data_dir>/state/<job>/crawl.sqlite`, WAL mode) holding the run
//! counter and runs, the frontier of the current run (URL, kind, depth,
//! attempt, not-before time, state), the observations a run has made but
//! not yet published to the lake, the listing registry (lifecycle,
//! conditional-GET validators, last record), the robots.txt cache, each
//! origin's politeness state (time of the last request), and the reports
//! made to platforms (`wildtrace flag`: which listings, when, the criteria,
//! and each submission's answer), which mark those listings for revisits.
//!
//! Crash safety: every fetched URL is committed in one transaction together
//! with the rows it produced and the URLs it revealed, so after `kill -9`
//! the store holds either all of that or none of it. A run's rows reach the
//! lake only when the run finishes (deterministic file names, temp file and
//! rename), and the registry changes only after that; re-finishing a run
//! rewrites the same files. It must not fetch anything or decide politeness:
//! the crawler does that and records its decisions here.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::lake::{FetchRow, ListingRow};

/// State store failures.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// File system trouble.
    #[error("state folder {}: {source}", path.display())]
    Io {
        /// Folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// SQLite failure (a locked, corrupt or unwritable database).
    #[error("state store {}: {source}", path.display())]
    Sqlite {
        /// Database file.
        path: PathBuf,
        /// Cause.
        source: rusqlite::Error,
    },
    /// A stored value is not what we wrote.
    #[error("state store {}: {message}", path.display())]
    Corrupt {
        /// Database file.
        path: PathBuf,
        /// Cause.
        message: String,
    },
    /// A task panicked while it held the store; nothing more is committed.
    #[error("state store: a crawl task panicked while writing it")]
    Poisoned,
}

/// Version of the store's tables; a store of another version is refused.
/// Tables added later without changing existing ones (the report tables)
/// are created by `CREATE TABLE IF NOT EXISTS` when any store is opened, so
/// they do not change the version.
const STORE_VERSION: i64 = 1;

/// What we know of one listing across runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KnownListing {
    /// Source (site) name.
    pub source: String,
    /// Stable listing id.
    pub listing_id: String,
    /// URL to revisit, as first found.
    pub url: String,
    /// Hash of title, description and price text at the last active sighting.
    pub content_hash: String,
    /// Run of the first sighting.
    pub first_seen_run: String,
    /// Run of the last sighting as active or changed.
    pub last_active_run: String,
    /// Run in which it was observed removed, if any.
    pub removed_run: Option<String>,
    /// When it was last observed (any status).
    #[serde(default)]
    pub last_observed_at: Option<DateTime<Utc>>,
    /// `ETag` of the last 200 response, for a conditional revisit.
    #[serde(default)]
    pub etag: Option<String>,
    /// `Last-Modified` of the last 200 response, for a conditional revisit.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// The last active record, repeated when a revisit answers 304.
    #[serde(default)]
    pub last_row: Option<ListingRow>,
}

/// One authority's last robots.txt answer worth keeping (2xx or 4xx).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CachedRobots {
    /// HTTP status of the answer.
    pub status: u16,
    /// Body (at most the parsed 500 KiB, as UTF-8 text).
    pub body: String,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// Until when it may be used without fetching again (at most 24 h).
    pub fresh_until: DateTime<Utc>,
}

/// A run as recorded in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// Run id, `<UTC start>-<job>-<number>`.
    pub run_id: String,
    /// Lake partition date (the run's start date, kept on resume).
    pub crawl_date: NaiveDate,
    /// Whether this run was interrupted and is being resumed.
    pub resumed: bool,
}

/// A report to one platform as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    /// Report id (shared by every platform of one `wildtrace flag` run).
    pub report_id: String,
    /// Platform (lake `source`).
    pub source: String,
    /// When the report was made.
    pub reported_at: DateTime<Utc>,
    /// The selection criteria, as JSON.
    pub criteria: String,
    /// The reported listings' ids, sorted.
    pub listing_ids: Vec<String>,
    /// The lake file that holds the report's rows.
    pub lake_file: String,
}

/// One attempt to hand a report to a platform's intake, and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Report id.
    pub report_id: String,
    /// Platform.
    pub source: String,
    /// Where it was sent.
    pub intake_url: String,
    /// When it was sent.
    pub submitted_at: DateTime<Utc>,
    /// HTTP status of the answer, if one arrived.
    pub http_status: Option<u16>,
    /// The intake's receipt id, if it gave one.
    pub receipt_id: Option<String>,
    /// What went wrong (no answer, or an answer other than 2xx).
    pub error: Option<String>,
}

/// How a URL entered the frontier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskKind {
    /// A keyword search results page.
    Search {
        /// Search term.
        term: String,
        /// Results page number, from 1.
        page: usize,
    },
    /// A listing found by a search.
    Listing {
        /// The search term that found it.
        term: String,
    },
    /// A listing found in a sitemap.
    SitemapListing,
    /// A start URL, or a page reached by following links from one (home,
    /// category, listing index): fetched for its links.
    Page {
        /// Position along a paginated index (1, or n after n-1 `next_page` links).
        page: usize,
    },
    /// A listing page found by following links.
    LinkedListing,
    /// A sitemap (from robots.txt `Sitemap:` or the config).
    Sitemap {
        /// Nesting level (0 for a root sitemap).
        level: usize,
    },
    /// A known listing, revisited to observe its lifecycle.
    Revisit,
}

/// One frontier entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierTask {
    /// The URL to request, as found.
    pub url: String,
    /// Canonical form (the dedup key).
    pub canonical: String,
    /// Why it is queued.
    pub kind: TaskKind,
    /// Link depth from a seed.
    pub depth: u32,
    /// Retries so far.
    pub attempt: u32,
    /// Not to be requested before this time.
    pub not_before: DateTime<Utc>,
}

/// What became of the task a [`Commit`] reports on.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    /// Finished (fetched, refused or given up): never requested again this run.
    Done,
    /// To be retried no earlier than the given time.
    Retry {
        /// Attempts so far.
        attempt: u32,
        /// Earliest retry.
        not_before: DateTime<Utc>,
    },
}

/// Everything one handled URL changes, committed atomically.
#[derive(Debug, Default)]
pub struct Commit {
    /// The task (canonical URL) and its outcome, if this commit finishes one.
    pub task: Option<(String, TaskOutcome)>,
    /// URLs revealed, inserted unless already in the frontier.
    pub new_tasks: Vec<FrontierTask>,
    /// Queued tasks whose kind changes (a revisit found again by search).
    pub retyped: Vec<(String, TaskKind)>,
    /// Listing observations for the lake.
    pub rows: Vec<ListingRow>,
    /// Fetch log rows for the lake.
    pub log: Vec<FetchRow>,
    /// Registry entries to apply when the run finishes (canonical URL → entry).
    pub registry: Vec<(String, KnownListing)>,
    /// Origin and time of the latest request sent.
    pub last_request: Option<(String, DateTime<Utc>)>,
}

impl Commit {
    /// Whether the commit would change nothing.
    pub fn is_empty(&self) -> bool {
        self.task.is_none()
            && self.new_tasks.is_empty()
            && self.retyped.is_empty()
            && self.rows.is_empty()
            && self.log.is_empty()
            && self.registry.is_empty()
            && self.last_request.is_none()
    }
}

/// The state store of one job.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The store shared by the host workers of one run: each call locks it for
/// one short, synchronous operation (never across an await).
#[derive(Debug, Clone)]
pub struct SharedStore(std::sync::Arc<std::sync::Mutex<Store>>);

impl SharedStore {
    /// Shares `store`.
    pub fn new(store: Store) -> SharedStore {
        SharedStore(std::sync::Arc::new(std::sync::Mutex::new(store)))
    }

    /// Runs `f` on the store. why: a panic while the store was held may have
    /// left a transaction half-applied in memory, so a poisoned lock stops
    /// the run instead of committing more.
    pub fn with<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, StateError>,
    ) -> Result<R, StateError> {
        let mut store = self.0.lock().map_err(|_| StateError::Poisoned)?;
        f(&mut store)
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, job TEXT NOT NULL, number INTEGER NOT NULL,
    started_at TEXT NOT NULL, crawl_date TEXT NOT NULL, finished_at TEXT);
CREATE TABLE IF NOT EXISTS frontier (
    run_id TEXT NOT NULL, source TEXT NOT NULL, canonical TEXT NOT NULL,
    url TEXT NOT NULL, kind TEXT NOT NULL, depth INTEGER NOT NULL,
    attempt INTEGER NOT NULL, not_before TEXT NOT NULL, state TEXT NOT NULL,
    seq INTEGER NOT NULL, PRIMARY KEY (run_id, source, canonical));
CREATE TABLE IF NOT EXISTS pending_rows (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
    source TEXT NOT NULL, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
    source TEXT NOT NULL, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending_registry (
    run_id TEXT NOT NULL, canonical TEXT NOT NULL, entry TEXT NOT NULL,
    PRIMARY KEY (run_id, canonical));
CREATE TABLE IF NOT EXISTS listings (
    canonical TEXT PRIMARY KEY, source TEXT NOT NULL, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS robots (
    origin TEXT PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hosts (
    origin TEXT PRIMARY KEY, last_request TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    report_id TEXT NOT NULL, source TEXT NOT NULL, reported_at TEXT NOT NULL,
    criteria TEXT NOT NULL, listing_ids TEXT NOT NULL, lake_file TEXT NOT NULL,
    PRIMARY KEY (report_id, source));
CREATE TABLE IF NOT EXISTS reported_listings (
    source TEXT NOT NULL, listing_id TEXT NOT NULL, report_id TEXT NOT NULL,
    reported_at TEXT NOT NULL, PRIMARY KEY (source, listing_id, report_id));
CREATE TABLE IF NOT EXISTS report_submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, report_id TEXT NOT NULL,
    source TEXT NOT NULL, intake_url TEXT NOT NULL, submitted_at TEXT NOT NULL,
    http_status INTEGER, receipt_id TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS frontier_queued ON frontier (run_id, source, state);
CREATE INDEX IF NOT EXISTS frontier_seq ON frontier (run_id, seq);
CREATE INDEX IF NOT EXISTS pending_rows_run ON pending_rows (run_id, source);
CREATE INDEX IF NOT EXISTS pending_log_run ON pending_log (run_id, source);
";

impl Store {
    /// The database file of a state folder.
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("crawl.sqlite")
    }

    /// Opens (creating if needed) the store of a state folder.
    pub fn open(state_dir: &Path) -> Result<Store, StateError> {
        std::fs::create_dir_all(state_dir).map_err(|source| StateError::Io {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = Self::path(state_dir);
        let conn = Connection::open(&path).map_err(|source| StateError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let store = Store { conn, path };
        // why: WAL keeps the last committed state intact across kill -9; NORMAL
        // sync is durable against process crashes (an OS crash may lose the
        // last commits, which the resumed run simply fetches again).
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| store.err(e))?;
        store
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| store.err(e))?;
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| store.err(e))?;
        store.conn.execute_batch(SCHEMA).map_err(|e| store.err(e))?;
        let version: Option<String> = store
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| store.err(e))?;
        match version {
            None => {
                store
                    .conn
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('version', ?1)",
                        params![STORE_VERSION.to_string()],
                    )
                    .map_err(|e| store.err(e))?;
            }
            Some(v) if v == STORE_VERSION.to_string() => {}
            Some(v) => {
                return Err(StateError::Corrupt {
                    path: store.path.clone(),
                    message: format!(
                        "store version {v}, this wildtrace reads version {STORE_VERSION}"
                    ),
                });
            }
        }
        Ok(store)
    }

    fn err(&self, source: rusqlite::Error) -> StateError {
        sqlite_err(&self.path)(source)
    }

    fn corrupt(&self, what: &str, e: impl std::fmt::Display) -> StateError {
        StateError::Corrupt {
            path: self.path.clone(),
            message: format!("{what}: {e}"),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, what: &str, s: &str) -> Result<T, StateError> {
        serde_json::from_str(s).map_err(|e| self.corrupt(what, e))
    }

    /// The job's interrupted run, if one never finished.
    pub fn unfinished_run(&self, job: &str) -> Result<Option<RunInfo>, StateError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT run_id, crawl_date FROM runs WHERE job = ?1 AND finished_at IS NULL
                 ORDER BY number DESC LIMIT 1",
                params![job],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        row.map(|(run_id, date)| {
            let crawl_date = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .map_err(|e| self.corrupt("crawl_date", e))?;
            Ok(RunInfo {
                run_id,
                crawl_date,
                resumed: true,
            })
        })
        .transpose()
    }

    /// Starts a run: claims the next run number and seeds the frontier of
    /// each source, all in one transaction (a crash leaves no half-seeded run).
    pub fn begin_run(
        &mut self,
        job: &str,
        started: DateTime<Utc>,
        seeds: &[(String, Vec<FrontierTask>)],
    ) -> Result<RunInfo, StateError> {
        let err = sqlite_err(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        let number: i64 = tx
            .query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM runs", [], |r| {
                r.get(0)
            })
            .map_err(err)?;
        let run_id = format!("{}-{job}-{number:04}", started.format("%Y%m%dT%H%M%SZ"));
        let crawl_date = started.date_naive();
        tx.execute(
            "INSERT INTO runs (run_id, job, number, started_at, crawl_date) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                run_id,
                job,
                number,
                started.to_rfc3339(),
                crawl_date.format("%Y-%m-%d").to_string()
            ],
        )
        .map_err(err)?;
        for (source, tasks) in seeds {
            for t in tasks {
                insert_task(&tx, &run_id, source, t).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(RunInfo {
            run_id,
            crawl_date,
            resumed: false,
        })
    }

    /// Queued (not yet done) tasks of a source in a run, oldest first.
    pub fn queued(&self, run_id: &str, source: &str) -> Result<Vec<FrontierTask>, StateError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT url, canonical, kind, depth, attempt, not_before FROM frontier
                 WHERE run_id = ?1 AND source = ?2 AND state = 'queued' ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run_id, source], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (url, canonical, kind, depth, attempt, nb) = row.map_err(|e| self.err(e))?;
            out.push(FrontierTask {
                url,
                canonical,
                kind: self.decode("frontier kind", &kind)?,
                depth,
                attempt,
                not_before: self.time("not_before", &nb)?,
            });
        }
        Ok(out)
    }

    /// Canonical URLs already in a source's frontier this run (any state).
    pub fn seen(&self, run_id: &str, source: &str) -> Result<HashSet<String>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT canonical FROM frontier WHERE run_id = ?1 AND source = ?2")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run_id, source], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Applies one handled URL's changes atomically.
    pub fn commit(&mut self, run_id: &str, source: &str, c: &Commit) -> Result<(), StateError> {
        if c.is_empty() {
            return Ok(());
        }
        let err = sqlite_err(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        for t in &c.new_tasks {
            insert_task(&tx, run_id, source, t).map_err(err)?;
        }
        for (canon, kind) in &c.retyped {
            tx.execute(
                "UPDATE frontier SET kind = ?1 WHERE run_id = ?2 AND source = ?3 AND canonical = ?4 AND state = 'queued'",
                params![json(kind), run_id, source, canon],
            )
            .map_err(err)?;
        }
        if let Some((canon, outcome)) = &c.task {
            match outcome {
                TaskOutcome::Done => tx.execute(
                    "UPDATE frontier SET state = 'done' WHERE run_id = ?1 AND source = ?2 AND canonical = ?3",
                    params![run_id, source, canon],
                ),
                TaskOutcome::Retry {
                    attempt,
                    not_before,
                } => tx.execute(
                    "UPDATE frontier SET attempt = ?1, not_before = ?2,
                     seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM frontier WHERE run_id = ?3)
                     WHERE run_id = ?3 AND source = ?4 AND canonical = ?5",
                    params![attempt, not_before.to_rfc3339(), run_id, source, canon],
                ),
            }
            .map_err(err)?;
        }
        for r in &c.rows {
            tx.execute(
                "INSERT INTO pending_rows (run_id, source, row) VALUES (?1, ?2, ?3)",
                params![run_id, source, json(r)],
            )
            .map_err(err)?;
        }
        for r in &c.log {
            tx.execute(
                "INSERT INTO pending_log (run_id, source, row) VALUES (?1, ?2, ?3)",
                params![run_id, source, json(r)],
            )
            .map_err(err)?;
        }
        for (canon, entry) in &c.registry {
            tx.execute(
                "INSERT OR REPLACE INTO pending_registry (run_id, canonical, entry) VALUES (?1, ?2, ?3)",
                params![run_id, canon, json(entry)],
            )
            .map_err(err)?;
        }
        if let Some((origin, at)) = &c.last_request {
            tx.execute(
                "INSERT INTO hosts (origin, last_request) VALUES (?1, ?2)
                 ON CONFLICT (origin) DO UPDATE SET last_request = MAX(last_request, excluded.last_request)",
                params![origin, at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// A run's observations of one source, in the order they were made.
    pub fn pending(
        &self,
        run_id: &str,
        source: &str,
    ) -> Result<(Vec<ListingRow>, Vec<FetchRow>), StateError> {
        Ok((
            self.pending_table("pending_rows", run_id, source)?,
            self.pending_table("pending_log", run_id, source)?,
        ))
    }

    fn pending_table<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        run_id: &str,
        source: &str,
    ) -> Result<Vec<T>, StateError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT row FROM {table} WHERE run_id = ?1 AND source = ?2 ORDER BY seq"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run_id, source], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.decode(table, &r.map_err(|e| self.err(e))?)?);
        }
        Ok(out)
    }

    /// Finishes a run once its lake files exist: applies its registry
    /// changes, marks it finished and drops its frontier and pending rows.
    pub fn finish_run(&mut self, run_id: &str, finished: DateTime<Utc>) -> Result<(), StateError> {
        let err = sqlite_err(&self.path);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT OR REPLACE INTO listings (canonical, source, entry)
             SELECT p.canonical, json_extract(p.entry, '$.source'), p.entry
             FROM pending_registry p WHERE p.run_id = ?1",
            params![run_id],
        )
        .map_err(err)?;
        for table in [
            "pending_registry",
            "pending_rows",
            "pending_log",
            "frontier",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE run_id = ?1"),
                params![run_id],
            )
            .map_err(err)?;
        }
        tx.execute(
            "UPDATE runs SET finished_at = ?1 WHERE run_id = ?2",
            params![finished.to_rfc3339(), run_id],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Known listings of a source that are still believed to be online.
    pub fn revisits(&self, source: &str) -> Result<Vec<(String, KnownListing)>, StateError> {
        Ok(self
            .listings(source)?
            .into_iter()
            .filter(|(_, k)| k.removed_run.is_none())
            .collect())
    }

    /// Every known listing of a source, by canonical URL.
    pub fn listings(&self, source: &str) -> Result<Vec<(String, KnownListing)>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT canonical, entry FROM listings WHERE source = ?1 ORDER BY canonical")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![source], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            let (canon, entry) = r.map_err(|e| self.err(e))?;
            out.push((canon, self.decode("listing", &entry)?));
        }
        Ok(out)
    }

    /// The cached robots.txt answer of an origin.
    pub fn robots(&self, origin: &str) -> Result<Option<CachedRobots>, StateError> {
        let entry: Option<String> = self
            .conn
            .query_row(
                "SELECT entry FROM robots WHERE origin = ?1",
                params![origin],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        entry.map(|e| self.decode("robots", &e)).transpose()
    }

    /// Stores an origin's robots.txt answer.
    pub fn put_robots(&mut self, origin: &str, robots: &CachedRobots) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO robots (origin, entry) VALUES (?1, ?2)",
                params![origin, json(robots)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// When we last sent a request to an origin (any run of this job).
    pub fn last_request(&self, origin: &str) -> Result<Option<DateTime<Utc>>, StateError> {
        let at: Option<String> = self
            .conn
            .query_row(
                "SELECT last_request FROM hosts WHERE origin = ?1",
                params![origin],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        at.map(|s| self.time("last_request", &s)).transpose()
    }

    /// A value of the store's key-value table (e.g. a schedule's next run).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value of the store's key-value table.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records a report to one platform and marks its listings as reported,
    /// in one transaction. Recording the same report again replaces it.
    pub fn record_report(&mut self, r: &StoredReport) -> Result<(), StateError> {
        let err = sqlite_err(&self.path);
        let at = r
            .reported_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT OR REPLACE INTO reports (report_id, source, reported_at, criteria, listing_ids, lake_file)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.report_id, r.source, at, r.criteria, json(&r.listing_ids), r.lake_file],
        )
        .map_err(err)?;
        tx.execute(
            "DELETE FROM reported_listings WHERE report_id = ?1 AND source = ?2",
            params![r.report_id, r.source],
        )
        .map_err(err)?;
        for id in &r.listing_ids {
            tx.execute(
                "INSERT INTO reported_listings (source, listing_id, report_id, reported_at) VALUES (?1, ?2, ?3, ?4)",
                params![r.source, id, r.report_id, at],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Every report recorded, by report id then platform.
    pub fn reports(&self) -> Result<Vec<StoredReport>, StateError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT report_id, source, reported_at, criteria, listing_ids, lake_file
                 FROM reports ORDER BY report_id, source",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (report_id, source, at, criteria, ids, lake_file) = row.map_err(|e| self.err(e))?;
            out.push(StoredReport {
                report_id,
                source,
                reported_at: self.time("reported_at", &at)?,
                criteria,
                listing_ids: self.decode("listing_ids", &ids)?,
                lake_file,
            });
        }
        Ok(out)
    }

    /// The listings of a source that were reported, each with the time of
    /// its first report: the registry's mark (kept apart from the registry
    /// entries, so a run rewriting an entry never loses it).
    pub fn reported_listings(
        &self,
        source: &str,
    ) -> Result<std::collections::BTreeMap<String, DateTime<Utc>>, StateError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT listing_id, MIN(reported_at) FROM reported_listings WHERE source = ?1
                 GROUP BY listing_id ORDER BY listing_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![source], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = std::collections::BTreeMap::new();
        for row in rows {
            let (id, at) = row.map_err(|e| self.err(e))?;
            out.insert(id, self.time("reported_at", &at)?);
        }
        Ok(out)
    }

    /// Records one submission attempt and the intake's answer.
    pub fn record_submission(&mut self, s: &Submission) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO report_submissions (report_id, source, intake_url, submitted_at, http_status, receipt_id, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    s.report_id,
                    s.source,
                    s.intake_url,
                    s.submitted_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    s.http_status,
                    s.receipt_id,
                    s.error
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every submission attempt, oldest first.
    pub fn submissions(&self) -> Result<Vec<Submission>, StateError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT report_id, source, intake_url, submitted_at, http_status, receipt_id, error
                 FROM report_submissions ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<u16>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (report_id, source, intake_url, at, http_status, receipt_id, error) =
                row.map_err(|e| self.err(e))?;
            out.push(Submission {
                report_id,
                source,
                intake_url,
                submitted_at: self.time("submitted_at", &at)?,
                http_status,
                receipt_id,
                error,
            });
        }
        Ok(out)
    }

    fn time(&self, what: &str, s: &str) -> Result<DateTime<Utc>, StateError> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| self.corrupt(what, e))
    }

    /// Run ids of the job's finished runs, oldest first.
    pub fn finished_runs(&self, job: &str) -> Result<Vec<String>, StateError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT run_id FROM runs WHERE job = ?1 AND finished_at IS NOT NULL ORDER BY number",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![job], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

fn insert_task(
    tx: &rusqlite::Transaction<'_>,
    run_id: &str,
    source: &str,
    t: &FrontierTask,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT OR IGNORE INTO frontier
         (run_id, source, canonical, url, kind, depth, attempt, not_before, state, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued',
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM frontier WHERE run_id = ?1))",
        params![
            run_id,
            source,
            t.canonical,
            t.url,
            json(&t.kind),
            t.depth,
            t.attempt,
            t.not_before.to_rfc3339()
        ],
    )
}

/// JSON text of a stored value (the store keeps records as JSON).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

/// Maps a SQLite failure to a [`StateError`] naming the database file.
fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> StateError + Copy + '_ {
    move |source| StateError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}
