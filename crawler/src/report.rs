//! Reports to platforms, on the crawler's side (`wildtrace flag`): recording
//! a report in the lake's `reports` table and in the job's state store (so
//! later runs revisit every reported listing), and handing the report to a
//! platform's intake (`[sites.report_intake]`) with the crawler's identity,
//! recording the answer.
//!
//! It owns the recording order (lake file first, then the store, like a
//! crawl run's publication) and the one POST per platform. It must not
//! choose listings or write the report's files (the analysis does that), and
//! it never retries a submission.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::CrawlConfig;
use crate::fetch::{FetchError, Fetcher};
use crate::lake::{self, ReportRow};
use crate::state::{Commit, StateError, Store, StoredReport, Submission};

/// Bytes of an intake's answer that are read (its receipt is short).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Report recording or submission failures that stop the command.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The report names a platform the job does not crawl.
    #[error("platform `{0}` is not a site of this job")]
    UnknownSite(String),
    /// `--submit` for a site without `[sites.report_intake]`.
    #[error(
        "site `{0}` has no report intake: add `[sites.report_intake] url = \"…\"` to the job, or report without --submit"
    )]
    NoIntake(String),
    /// The intake's address is one this job may not reach.
    #[error("site `{site}`: report intake {url} refused: {why}")]
    Refused {
        /// Site name.
        site: String,
        /// Intake URL.
        url: String,
        /// Which rule refused it.
        why: String,
    },
    /// Lake write failure.
    #[error(transparent)]
    Lake(#[from] lake::LakeError),
    /// State store failure.
    #[error(transparent)]
    State(#[from] StateError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// A report to one platform: the listings chosen and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformReport {
    /// Report id (shared by every platform of one `wildtrace flag` run).
    pub report_id: String,
    /// Platform (lake `source`, a site of the job).
    pub source: String,
    /// When the report is made (the clock of removal after reporting).
    pub reported_at: DateTime<Utc>,
    /// The selection criteria, as JSON.
    pub criteria: String,
    /// One row per listing.
    pub rows: Vec<ReportRow>,
}

/// Records `report`: its lake file (`reports/source=<site>/report_date=<date>/
/// part-<report_id>.parquet`, atomically), then the store's report and the
/// mark on each listing, in one transaction. Returns the lake file.
/// Recording the same report again rewrites the same file and row.
pub fn record(cfg: &CrawlConfig, report: &PlatformReport) -> Result<PathBuf, ReportError> {
    if !cfg.sites.iter().any(|s| s.name == report.source) {
        return Err(ReportError::UnknownSite(report.source.clone()));
    }
    let file = lake::write_reports(
        &cfg.lake_dir(),
        &report.source,
        &report.report_id,
        report.reported_at,
        &report.rows,
    )?;
    let mut ids: Vec<String> = report.rows.iter().map(|r| r.listing_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let mut store = Store::open(&cfg.state_dir())?;
    store.record_report(&StoredReport {
        report_id: report.report_id.clone(),
        source: report.source.clone(),
        reported_at: report.reported_at,
        criteria: report.criteria.clone(),
        listing_ids: ids,
        lake_file: file.display().to_string(),
    })?;
    Ok(file)
}

/// Sends the JSON `body` of report `report_id` to the intake of site
/// `source` (one POST, with the crawler's User-Agent and From), waiting
/// first for the host's politeness delay, and records the attempt and the
/// answer in the store. An answer other than 2xx, or none, is a
/// [`Submission`] with `error` set (the caller says so loudly); a receipt is
/// read from a JSON answer's `receipt_id` (or `receipt`, `id`).
pub async fn submit(
    cfg: &CrawlConfig,
    bases: &BTreeMap<String, Url>,
    report_id: &str,
    source: &str,
    body: Vec<u8>,
) -> Result<Submission, ReportError> {
    let site = cfg
        .sites
        .iter()
        .find(|s| s.name == source)
        .ok_or_else(|| ReportError::UnknownSite(source.to_string()))?;
    let base = bases
        .get(source)
        .ok_or_else(|| ReportError::UnknownSite(source.to_string()))?;
    let url = site
        .report_intake_url(base)
        .ok_or_else(|| ReportError::NoIntake(source.to_string()))?;
    if let Some(why) = cfg.scope.private_targets.refusal(&url) {
        // why: an intake address is as bound by the job's address rules as any page.
        return Err(ReportError::Refused {
            site: source.to_string(),
            url: url.to_string(),
            why: why.to_string(),
        });
    }
    let fetcher = Fetcher::new(&cfg.identity, &cfg.fetch, cfg.scope.private_targets)?;
    let origin = url.origin().ascii_serialization();
    let mut store = Store::open(&cfg.state_dir())?;
    if let Some(last) = store.last_request(&origin)? {
        // why: a report is one more request to the host, so it keeps the
        // job's delay after the last one (a crawl's, or another report's).
        let due = last
            + chrono::TimeDelta::from_std(cfg.politeness.min_delay)
                .unwrap_or(chrono::TimeDelta::zero());
        let wait = (due - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
    }
    let submitted_at = Utc::now();
    // why: a POST is not idempotent; sending it again could file the report
    // twice, so a failure is recorded and reported, never retried here.
    let answer = fetcher.post_json(&url, body, MAX_ANSWER_BYTES).await;
    store.commit(
        report_id,
        source,
        &Commit {
            last_request: Some((origin, Utc::now())),
            ..Commit::default()
        },
    )?;
    let mut sub = Submission {
        report_id: report_id.to_string(),
        source: source.to_string(),
        intake_url: url.to_string(),
        submitted_at,
        http_status: None,
        receipt_id: None,
        error: None,
    };
    match answer {
        Ok(f) => {
            sub.http_status = Some(f.status);
            let json: Option<serde_json::Value> = serde_json::from_slice(&f.body).ok();
            sub.receipt_id = json.as_ref().and_then(|v| {
                ["receipt_id", "receipt", "id"]
                    .iter()
                    .find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_string))
            });
            if !(200..300).contains(&f.status) {
                let text = String::from_utf8_lossy(&f.body);
                let text: String = text.chars().take(200).collect();
                sub.error = Some(format!("HTTP {}: {}", f.status, text.trim()));
            }
        }
        Err(e) => sub.error = Some(e.to_string()),
    }
    store.record_submission(&sub)?;
    Ok(sub)
}
