//! `wildtrace flag`: the analysis chooses the period's listings and writes
//! the report files; the crawler records the report (lake and state) and,
//! with `--submit`, hands each platform its JSON. This module only converts
//! between their plain types and prints what happened; a failed submission
//! is named on stderr and makes the command exit 1.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use url::Url;
use wildtrace_analysis::flag::{Criteria, FlagOptions, FlagReport, Flagged, Legality, Reporter};
use wildtrace_analysis::{Confidence, Lexicon};
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::crawl::resolve_bases;
use wildtrace_crawler::lake::ReportRow;
use wildtrace_crawler::report::{PlatformReport, record, submit};

use super::{References, UsageError, references, require, runtime};
use crate::cli::{FlagArgs, LegalityArg, MinConfidence};

/// The period asked for: `--year`, else `--from`/`--to` (default: from
/// 1970-01-01 to today).
fn period(args: &FlagArgs) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    if let Some(y) = args.year {
        let from = NaiveDate::from_ymd_opt(y, 1, 1)
            .ok_or_else(|| UsageError(format!("--year {y}: not a year")))?;
        let to = NaiveDate::from_ymd_opt(y, 12, 31).expect("a year has 31 December");
        return Ok((from, to));
    }
    let from = args
        .from
        .unwrap_or(NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"));
    let to = args.to.unwrap_or_else(|| Utc::now().date_naive());
    if to < from {
        return Err(UsageError(format!("--to {to} is before --from {from}")).into());
    }
    Ok((from, to))
}

fn row(report: &FlagReport, f: &Flagged, criteria: &str) -> ReportRow {
    ReportRow {
        report_id: report.report_id.clone(),
        reported_at: report.reported_at,
        listing_id: f.listing_id.clone(),
        url: f.url.clone(),
        confidence: f.reasons.confidence.as_str().to_string(),
        taxon_group: f.reasons.taxon_group.clone(),
        taxon: f.reasons.taxon.clone(),
        cites_appendix: f.reasons.cites_appendix.clone(),
        matched_terms: f.reasons.matched_terms.clone(),
        legality_claims: f.reasons.legality_claims.clone(),
        evidence_digest: f.evidence.digest.clone(),
        criteria: criteria.to_string(),
    }
}

pub fn run(args: FlagArgs) -> anyhow::Result<()> {
    let cfg = CrawlConfig::load(&args.config)?;
    let r = references(&args.reference, Some(&cfg))?;
    require(&cfg.lake_dir(), "lake folder")?;
    for p in &args.platform {
        if !cfg.sites.iter().any(|s| &s.name == p) {
            return Err(UsageError(format!(
                "--platform {p}: not a site of {}",
                args.config.display()
            ))
            .into());
        }
    }
    let (from, to) = period(&args)?;
    let criteria = Criteria {
        from,
        to,
        min_confidence: match args.min_confidence {
            MinConfidence::Confirmed => Confidence::Confirmed,
            MinConfidence::Suspected => Confidence::Suspected,
        },
        taxon_groups: args.taxon_group.clone(),
        taxa: args.taxon.clone(),
        appendices: args.appendix.clone(),
        legality: match args.legality {
            LegalityArg::Any => Legality::Any,
            LegalityArg::Require => Legality::Require,
            LegalityArg::Exclude => Legality::Exclude,
        },
        active_only: args.active_only,
        platforms: args.platform.clone(),
    };
    let bases = resolve_bases(&cfg, &Default::default())
        .map_err(|e| UsageError(format!("{}: {e}", args.config.display())))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| cfg.data_dir.join("reports"));
    let done = flag(&Flag {
        cfg: &cfg,
        references: &r,
        criteria,
        reported_at: Utc::now(),
        bases: &bases,
        submit: args.submit,
        out,
    })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "report_id": done.report_id,
            "reported_at": done.reported_at,
            "period": { "from": from, "to": to, "year": args.year },
            "folder": done.folder,
            "readme": done.readme,
            "platforms": done.platforms,
        }))?
    );
    if !done.failures.is_empty() {
        anyhow::bail!(
            "report {}: submission failed for {} (recorded in the state store; the report files and lake records stand)",
            done.report_id,
            done.failures.join(", ")
        );
    }
    Ok(())
}

/// One flagging of a job: what to choose, when, and whether to submit.
pub struct Flag<'a> {
    pub cfg: &'a CrawlConfig,
    pub references: &'a References,
    pub criteria: Criteria,
    /// The time the report is made (now; the demo passes its calendar's).
    pub reported_at: DateTime<Utc>,
    /// The sites' base URLs (for relative intake URLs and `demo:` sites).
    pub bases: &'a BTreeMap<String, Url>,
    pub submit: bool,
    /// Where the report folder goes.
    pub out: PathBuf,
}

/// What a flagging did.
pub struct FlagDone {
    pub report_id: String,
    pub reported_at: DateTime<Utc>,
    pub folder: PathBuf,
    pub readme: PathBuf,
    /// One JSON object per platform: listings, files, lake file, submission.
    pub platforms: Vec<serde_json::Value>,
    /// Platforms whose submission failed.
    pub failures: Vec<String>,
}

/// Chooses the listings (analysis), writes the report files, records the
/// report per platform (crawler: lake and state) and, when asked, submits
/// each platform's JSON to its intake. Used by `flag` and by the demo's
/// report between rounds.
pub fn flag(job: &Flag<'_>) -> anyhow::Result<FlagDone> {
    let (cfg, r) = (job.cfg, job.references);
    let lexicon = Lexicon::load(&r.lexicon)?;
    let selected = wildtrace_analysis::flag::select_with(
        &FlagOptions {
            lake_dir: cfg.lake_dir(),
            lexicon_path: r.lexicon.clone(),
            rates_paths: r.rates.clone(),
            rate_window_days: r.rate_window_days,
            places_path: r.places.clone(),
        },
        &job.criteria,
        &lexicon,
    )?;
    let report = FlagReport::new(
        Reporter {
            job: cfg.job.clone(),
            product_token: cfg.identity.product_token.clone(),
            contact: cfg.identity.contact.clone(),
        },
        job.reported_at,
        job.criteria.clone(),
        lexicon.version().to_string(),
        selected,
    );
    if job.submit {
        // Refused before anything is written: a platform without an intake.
        for p in report.platforms.keys() {
            let site = cfg.sites.iter().find(|s| &s.name == p);
            if site.and_then(|s| s.report_intake.as_ref()).is_none() {
                return Err(UsageError(format!(
                    "--submit: site `{p}` has no `[sites.report_intake] url` in {}",
                    cfg.path.display()
                ))
                .into());
            }
        }
    }
    let (folder, files) = report.write(&job.out)?;
    let criteria_json = report.criteria.to_json();
    let rt = if job.submit { Some(runtime()?) } else { None };
    let mut platforms = Vec::new();
    let mut failures = Vec::new();
    for (p, rows) in &report.platforms {
        let lake_file = record(
            cfg,
            &PlatformReport {
                report_id: report.report_id.clone(),
                source: p.clone(),
                reported_at: report.reported_at,
                criteria: criteria_json.clone(),
                rows: rows
                    .iter()
                    .map(|f| row(&report, f, &criteria_json))
                    .collect(),
            },
        )?;
        let mut entry = serde_json::json!({
            "platform": p,
            "listings": rows.len(),
            "csv": folder.join(format!("{p}.csv")),
            "json": folder.join(format!("{p}.json")),
            "lake_file": lake_file,
        });
        if let Some(rt) = &rt {
            let body = serde_json::to_vec(&report.platform_json(p)).context("report JSON")?;
            let sub = rt.block_on(submit(cfg, job.bases, &report.report_id, p, body))?;
            if let Some(e) = &sub.error {
                eprintln!(
                    "ERROR: report {} to `{p}` at {} failed: {e}",
                    report.report_id, sub.intake_url
                );
                failures.push(p.clone());
            }
            entry["submission"] = serde_json::json!({
                "intake_url": sub.intake_url,
                "http_status": sub.http_status,
                "receipt_id": sub.receipt_id,
                "error": sub.error,
            });
        }
        platforms.push(entry);
    }
    Ok(FlagDone {
        report_id: report.report_id.clone(),
        reported_at: report.reported_at,
        folder,
        readme: files.last().cloned().unwrap_or_default(),
        platforms,
        failures,
    })
}
