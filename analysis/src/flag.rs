//! Reports to platforms (`wildtrace flag`), on the analysis side: choosing
//! a period's suspected-illegal listings per platform by explicit criteria
//! (minimum confidence, taxon group or taxon, CITES appendix, legality
//! claims, still active), giving each its reasons, price and evidence, and
//! writing the report a trust-and-safety team can act on:
//! `<dir>/<report_id>/<platform>.csv`, `<platform>.json` and a `README.md`
//! cover note with the criteria, every file written atomically.
//!
//! It owns the selection rules, the report id and the report's file format.
//! It must not write to the lake or the crawl state (the crawler records a
//! report) and must not send anything anywhere (the crawler submits it).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::*;
use serde::Serialize;

use crate::atomic;
use crate::error::AnalysisError;
use crate::fx::RateBook;
use crate::lake::{self, listings as col_};
use crate::lexicon::{Confidence, Lexicon};
use crate::manifest::sha256_hex;
use crate::places::Gazetteer;
use crate::tables::Reference;
use crate::tables::listings::{Listings, latest_per_listing};

/// What to do with the legality claims a listing makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Legality {
    /// Claims or none: both are reported (the claims are listed as reasons).
    Any,
    /// Only listings that make a legality claim ("antique", "certificate"…).
    Require,
    /// Only listings that make none.
    Exclude,
}

/// The criteria of one report. A listing is chosen when every criterion
/// holds; empty lists mean "any".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criteria {
    /// First day of the period (UTC): the listing was seen live (active or
    /// changed) on a day from `from` to `to`, both included.
    pub from: NaiveDate,
    /// Last day of the period (UTC), included.
    pub to: NaiveDate,
    /// `confirmed` (a name of the animal), or `suspected` (confirmed or
    /// suspected). Decoys and unrecognised listings are never reported.
    pub min_confidence: Confidence,
    /// Taxon groups (case-insensitive, e.g. `Elephants`).
    pub taxon_groups: Vec<String>,
    /// Taxa (scientific names, case-insensitive): the listing's taxon or its species.
    pub taxa: Vec<String>,
    /// CITES appendices (`I`, `II`, `III`); a split appendix (`I/II`)
    /// matches each of its parts.
    pub appendices: Vec<String>,
    /// Legality claims.
    pub legality: Legality,
    /// Only listings whose latest observation is not a removal.
    pub active_only: bool,
    /// Platforms (lake `source`) to report on; empty: every platform.
    pub platforms: Vec<String>,
}

impl Criteria {
    /// The criteria as JSON (recorded with the report).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("criteria serialise")
    }

    /// The criteria in words, for the cover note.
    pub fn describe(&self) -> Vec<String> {
        let any = |v: &[String]| {
            if v.is_empty() {
                "any".to_string()
            } else {
                v.join(", ")
            }
        };
        vec![
            format!(
                "Period: listings seen live (active or changed) between {} and {} (UTC, both days included).",
                self.from, self.to
            ),
            match self.min_confidence {
                Confidence::Confirmed => {
                    "Confidence: confirmed only (the text names the animal).".to_string()
                }
                _ => "Confidence: confirmed or suspected (a product or code word implies a protected group).".to_string(),
            },
            format!("Taxon groups: {}.", any(&self.taxon_groups)),
            format!("Taxa: {}.", any(&self.taxa)),
            format!("CITES appendices: {}.", any(&self.appendices)),
            match self.legality {
                Legality::Any => "Legality claims: with or without (claims are listed, never trusted).".to_string(),
                Legality::Require => "Legality claims: only listings that make one.".to_string(),
                Legality::Exclude => "Legality claims: only listings that make none.".to_string(),
            },
            if self.active_only {
                "Only listings still active at their latest observation.".to_string()
            } else {
                "Listings already seen removed are included.".to_string()
            },
            format!("Platforms: {}.", any(&self.platforms)),
        ]
    }
}

/// Where the lake and the reference files are.
#[derive(Debug, Clone)]
pub struct FlagOptions {
    /// The lake root.
    pub lake_dir: PathBuf,
    /// Species lexicon (a file or `embedded:lexicon.toml`).
    pub lexicon_path: PathBuf,
    /// Rate sources, in order of precedence.
    pub rates_paths: Vec<PathBuf>,
    /// Days a rate source's last rate still converts after its last day.
    pub rate_window_days: u32,
    /// Places gazetteer.
    pub places_path: PathBuf,
}

/// The evidence a reported listing rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// `sha256:<base32>` (the WARC record's block digest, evidence mode) or
    /// `sha256:<hex>` of the page body as received.
    pub digest: String,
    /// `warc` or `page_sha256`: which of the two `digest` is.
    pub kind: &'static str,
    /// WARC file (relative to the job's WARC folder), evidence mode only.
    pub warc_file: Option<String>,
    /// Byte offset of the record's gzip member in `warc_file`.
    pub warc_offset: Option<i64>,
    /// Compressed length of that member.
    pub warc_length: Option<i64>,
    /// SHA-256 (hex) of the page body as received.
    pub page_sha256: String,
}

/// Why a listing is reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reasons {
    /// The lexicon terms that matched, in order of first appearance.
    pub matched_terms: Vec<String>,
    /// `confirmed` or `suspected`.
    pub confidence: Confidence,
    /// Taxon group.
    pub taxon_group: Option<String>,
    /// Scientific name of the named taxon (confirmed listings).
    pub taxon: Option<String>,
    /// CITES appendix of the taxon.
    pub cites_appendix: Option<String>,
    /// Product type (`ivory`, `horn`, `live`…).
    pub product_type: Option<String>,
    /// Legality claims the listing makes (recorded, never trusted).
    pub legality_claims: Vec<String>,
}

/// The price of a reported listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Price {
    /// As the page states it.
    pub as_stated: Option<String>,
    /// Parsed amount (exact decimal) in `currency`.
    pub amount: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// In US dollars, when converted (at `rate_date`).
    pub usd: Option<String>,
    /// Date of the rate used.
    pub rate_date: Option<NaiveDate>,
}

/// One listing chosen for a report.
// why: no seller field: the lake keeps only keyed pseudonyms, which would
// tell a platform nothing and must not leave the research data; the URL
// identifies the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flagged {
    /// Platform (lake `source`).
    pub platform: String,
    /// Listing id (`<source>:<site's id>`).
    pub listing_id: String,
    /// The listing page's URL (of the observation reported).
    pub url: String,
    /// Title (contact details masked at ingest).
    pub title: Option<String>,
    /// Why.
    pub reasons: Reasons,
    /// Price.
    pub price: Price,
    /// First observation.
    pub first_seen: DateTime<Utc>,
    /// Latest observation (any status).
    pub last_seen: DateTime<Utc>,
    /// Status of the latest observation (`active`, `changed`, `removed`).
    pub last_status: String,
    /// Evidence.
    pub evidence: Evidence,
}

/// Who makes a report (the crawler's identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reporter {
    /// Crawl job.
    pub job: String,
    /// Product token.
    pub product_token: String,
    /// Contact (URL or e-mail address).
    pub contact: String,
}

/// A report: every platform's listings of one `wildtrace flag` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagReport {
    /// See [`report_id`].
    pub report_id: String,
    /// When the report is made.
    pub reported_at: DateTime<Utc>,
    /// Who.
    pub reporter: Reporter,
    /// Criteria.
    pub criteria: Criteria,
    /// Lexicon version used.
    pub lexicon_version: String,
    /// Per platform, the chosen listings by id (platforms with none are left out).
    pub platforms: BTreeMap<String, Vec<Flagged>>,
}

const OBSERVED_US: &str = "observed_us";
const LAST_STATUS: &str = "last_status";
const LAST_US: &str = "last_us";
const IN_PERIOD: &str = "in_period";

fn micros(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp_micros()
}

/// Per listing: the URL, title, price text and evidence of its latest
/// observation that is not a removal (the same observation whose text is
/// classified), the status and time of its latest observation, and whether
/// it was seen live in the period.
fn observation_facts(
    lf: LazyFrame,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<DataFrame, AnalysisError> {
    let obs = lf.select([
        col(col_::LISTING_ID.name),
        col(col_::RUN_ID.name),
        col(col_::STATUS.name),
        col(col_::URL.name),
        col(col_::TITLE.name),
        col(col_::PRICE_TEXT.name),
        col(col_::PAGE_SHA256.name),
        col(col_::WARC_FILE.name),
        col(col_::WARC_OFFSET.name),
        col(col_::WARC_LENGTH.name),
        col(col_::WARC_BLOCK_DIGEST.name),
        col(col_::OBSERVED_AT.name)
            .cast(DataType::Int64)
            .alias(OBSERVED_US),
    ]);
    let status = || col(col_::STATUS.name);
    let order = [
        status().neq(lit("removed")),
        col(OBSERVED_US),
        col(col_::RUN_ID.name),
    ];
    let latest = |name: &str| {
        col(name)
            .sort_by(order.clone(), SortMultipleOptions::default())
            .last()
            .alias(name)
    };
    let live_in_period = status()
        .neq(lit("removed"))
        .and(col(OBSERVED_US).gt_eq(lit(micros(from))))
        .and(col(OBSERVED_US).lt(lit(micros(to + chrono::Days::new(1)))));
    Ok(obs
        .group_by([col(col_::LISTING_ID.name)])
        .agg([
            latest(col_::URL.name),
            latest(col_::TITLE.name),
            latest(col_::PRICE_TEXT.name),
            latest(col_::PAGE_SHA256.name),
            latest(col_::WARC_FILE.name),
            latest(col_::WARC_OFFSET.name),
            latest(col_::WARC_LENGTH.name),
            latest(col_::WARC_BLOCK_DIGEST.name),
            status()
                .sort_by(
                    [col(OBSERVED_US), col(col_::RUN_ID.name)],
                    SortMultipleOptions::default(),
                )
                .last()
                .alias(LAST_STATUS),
            col(OBSERVED_US).max().alias(LAST_US),
            live_in_period.any(true).alias(IN_PERIOD),
        ])
        .collect()?)
}

fn ts(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// Whether a listing's appendix (`I`, `II`, `I/II`) is one of `wanted`.
fn appendix_matches(appendix: Option<&str>, wanted: &[String]) -> bool {
    let Some(a) = appendix else { return false };
    a.split('/').any(|part| {
        wanted
            .iter()
            .any(|w| w.trim().eq_ignore_ascii_case(part.trim()))
    })
}

fn contains_ci(list: &[String], v: Option<&str>) -> bool {
    v.is_some_and(|v| list.iter().any(|x| x.trim().eq_ignore_ascii_case(v)))
}

/// The listings of the lake that meet `criteria`, sorted by platform then
/// listing id. Every listing is classified from the text of its latest
/// observation that is not a removal, exactly as in the annual tables.
pub fn select(opts: &FlagOptions, criteria: &Criteria) -> Result<Vec<Flagged>, AnalysisError> {
    let lexicon = Lexicon::load(&opts.lexicon_path)?;
    select_with(opts, criteria, &lexicon)
}

/// [`select`] with a lexicon already loaded.
pub fn select_with(
    opts: &FlagOptions,
    criteria: &Criteria,
    lexicon: &Lexicon,
) -> Result<Vec<Flagged>, AnalysisError> {
    let rates = RateBook::load(&opts.rates_paths, opts.rate_window_days)?;
    let places = Gazetteer::load(&opts.places_path)?;
    let lf = lake::scan_listings(&opts.lake_dir)?;
    lake::check_schema_versions(&lf, &opts.lake_dir)?;
    let per_listing = latest_per_listing(lf.clone())?;
    let l = Listings::derive(
        &per_listing.frame,
        lexicon,
        &Reference {
            rates: &rates,
            places: &places,
        },
    )?;
    let facts = observation_facts(lf, criteria.from, criteria.to)?;
    let ids = facts.column(col_::LISTING_ID.name)?.str()?;
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some((id?, i)))
        .collect();
    let s = |name: &str| facts.column(name).and_then(|c| c.str().cloned());
    let urls = s(col_::URL.name)?;
    let titles = s(col_::TITLE.name)?;
    let price_texts = s(col_::PRICE_TEXT.name)?;
    let shas = s(col_::PAGE_SHA256.name)?;
    let warc_files = s(col_::WARC_FILE.name)?;
    let digests = s(col_::WARC_BLOCK_DIGEST.name)?;
    let last_status = s(LAST_STATUS)?;
    let offsets = facts.column(col_::WARC_OFFSET.name)?.i64()?;
    let lengths = facts.column(col_::WARC_LENGTH.name)?.i64()?;
    let last_us = facts.column(LAST_US)?.i64()?;
    let in_period = facts.column(IN_PERIOD)?.bool()?;

    let mut out = Vec::new();
    for i in 0..l.len() {
        let conf = l.confidence[i];
        let ok_conf = match criteria.min_confidence {
            Confidence::Confirmed => conf == Confidence::Confirmed,
            _ => matches!(conf, Confidence::Confirmed | Confidence::Suspected),
        };
        if !ok_conf {
            continue;
        }
        if !criteria.platforms.is_empty() && !criteria.platforms.contains(&l.source[i]) {
            continue;
        }
        let Some(&j) = index.get(l.listing_id[i].as_str()) else {
            continue;
        };
        if !in_period.get(j).unwrap_or(false) {
            continue;
        }
        if !criteria.taxon_groups.is_empty()
            && !contains_ci(&criteria.taxon_groups, l.taxon_group[i].as_deref())
        {
            continue;
        }
        if !criteria.taxa.is_empty()
            && !contains_ci(&criteria.taxa, l.taxon[i].as_deref())
            && !contains_ci(&criteria.taxa, l.species[i].as_deref())
        {
            continue;
        }
        if !criteria.appendices.is_empty()
            && !appendix_matches(l.cites[i].as_deref(), &criteria.appendices)
        {
            continue;
        }
        let claims = &l.legality_claims[i];
        match criteria.legality {
            Legality::Any => {}
            Legality::Require if claims.is_empty() => continue,
            Legality::Exclude if !claims.is_empty() => continue,
            _ => {}
        }
        let status = last_status.get(j).unwrap_or("").to_string();
        if criteria.active_only && status == "removed" {
            continue;
        }
        let sha = shas.get(j).unwrap_or("").to_string();
        let evidence = match digests.get(j) {
            Some(d) => Evidence {
                digest: d.to_string(),
                kind: "warc",
                warc_file: warc_files.get(j).map(str::to_string),
                warc_offset: offsets.get(j),
                warc_length: lengths.get(j),
                page_sha256: sha,
            },
            None => Evidence {
                digest: format!("sha256:{sha}"),
                kind: "page_sha256",
                warc_file: None,
                warc_offset: None,
                warc_length: None,
                page_sha256: sha,
            },
        };
        out.push(Flagged {
            platform: l.source[i].clone(),
            listing_id: l.listing_id[i].clone(),
            url: urls.get(j).unwrap_or("").to_string(),
            title: titles.get(j).map(str::to_string),
            reasons: Reasons {
                matched_terms: l.matched_terms[i].clone(),
                confidence: conf,
                taxon_group: l.taxon_group[i].clone(),
                taxon: l.taxon[i].clone(),
                cites_appendix: l.cites[i].clone(),
                product_type: l.product_type[i].clone(),
                legality_claims: claims.clone(),
            },
            price: Price {
                as_stated: price_texts.get(j).map(str::to_string),
                amount: l.price_amount[i].clone(),
                currency: l.currency[i].clone(),
                usd: l.price_usd[i].map(|d| d.round_dp(2).to_string()),
                rate_date: l.rate_date[i],
            },
            first_seen: ts(l.first_seen[i]),
            last_seen: ts(last_us.get(j).unwrap_or(l.first_seen[i])),
            last_status: status,
            evidence,
        });
    }
    out.sort_by(|a, b| (&a.platform, &a.listing_id).cmp(&(&b.platform, &b.listing_id)));
    Ok(out)
}

/// The report id: `<reported_at yyyymmddThhmmssZ>-<job>-<12 hex>`, the hex
/// being the start of SHA-256 over the job, `reported_at` (RFC 3339, µs),
/// the criteria JSON and, per platform in name order, the platform and its
/// sorted listing ids. The same job, time, criteria and listings give the
/// same id (re-running rewrites the same files); any difference gives
/// another.
pub fn report_id(
    job: &str,
    reported_at: DateTime<Utc>,
    criteria: &Criteria,
    platforms: &BTreeMap<String, Vec<Flagged>>,
) -> String {
    let mut text = format!(
        "{job}\n{}\n{}\n",
        reported_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        criteria.to_json()
    );
    for (p, rows) in platforms {
        let mut ids: Vec<&str> = rows.iter().map(|r| r.listing_id.as_str()).collect();
        ids.sort();
        text.push_str(p);
        text.push('\n');
        for id in ids {
            text.push_str(id);
            text.push('\n');
        }
    }
    let hash = sha256_hex(text.as_bytes());
    format!(
        "{}-{job}-{}",
        reported_at.format("%Y%m%dT%H%M%SZ"),
        &hash[..12]
    )
}

impl FlagReport {
    /// Groups `selected` by platform and gives the report its id.
    pub fn new(
        reporter: Reporter,
        reported_at: DateTime<Utc>,
        criteria: Criteria,
        lexicon_version: String,
        selected: Vec<Flagged>,
    ) -> FlagReport {
        let mut platforms: BTreeMap<String, Vec<Flagged>> = BTreeMap::new();
        for f in selected {
            platforms.entry(f.platform.clone()).or_default().push(f);
        }
        let report_id = report_id(&reporter.job, reported_at, &criteria, &platforms);
        FlagReport {
            report_id,
            reported_at,
            reporter,
            criteria,
            lexicon_version,
            platforms,
        }
    }

    /// The JSON of the report to one platform (what `--submit` sends).
    pub fn platform_json(&self, platform: &str) -> serde_json::Value {
        let rows = self
            .platforms
            .get(platform)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        serde_json::json!({
            "format": "wildtrace-platform-report/1",
            "report_id": self.report_id,
            "platform": platform,
            "reported_at": self.reported_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "reporter": self.reporter,
            "criteria": self.criteria,
            "lexicon_version": self.lexicon_version,
            "count": rows.len(),
            "listings": rows,
        })
    }

    /// Writes `<dir>/<report_id>/<platform>.csv` and `.json` for every
    /// platform with listings, then `README.md`; every file atomically.
    /// Returns the folder and the files, README last.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, Vec<PathBuf>), AnalysisError> {
        let folder = dir.join(&self.report_id);
        atomic::ensure_dir(&folder)?;
        let mut files = Vec::new();
        for (platform, rows) in &self.platforms {
            let csv_path = folder.join(format!("{platform}.csv"));
            atomic::write_atomic(&csv_path, &self.csv(rows)?)?;
            files.push(csv_path);
            let json_path = folder.join(format!("{platform}.json"));
            let mut json = serde_json::to_vec_pretty(&self.platform_json(platform))
                .expect("report serialises");
            json.push(b'\n');
            atomic::write_atomic(&json_path, &json)?;
            files.push(json_path);
        }
        let readme = folder.join("README.md");
        atomic::write_atomic(&readme, self.cover_note().as_bytes())?;
        files.push(readme);
        Ok((folder, files))
    }

    /// The CSV columns of a platform report.
    pub const CSV_COLUMNS: &'static [&'static str] = &[
        "report_id",
        "platform",
        "listing_id",
        "url",
        "title",
        "confidence",
        "taxon_group",
        "taxon",
        "cites_appendix",
        "product_type",
        "matched_terms",
        "legality_claims",
        "price_as_stated",
        "price_amount",
        "currency",
        "price_usd",
        "rate_date",
        "first_seen",
        "last_seen",
        "last_status",
        "evidence_digest",
        "evidence_kind",
        "warc_file",
        "warc_offset",
        "warc_length",
        "page_sha256",
    ];

    fn csv(&self, rows: &[Flagged]) -> Result<Vec<u8>, AnalysisError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let e = |e: csv::Error| AnalysisError::Table {
            path: PathBuf::from(&self.report_id),
            message: e.to_string(),
        };
        w.write_record(Self::CSV_COLUMNS).map_err(e)?;
        let t = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        for r in rows {
            w.write_record([
                self.report_id.clone(),
                r.platform.clone(),
                r.listing_id.clone(),
                r.url.clone(),
                o(&r.title),
                r.reasons.confidence.as_str().to_string(),
                o(&r.reasons.taxon_group),
                o(&r.reasons.taxon),
                o(&r.reasons.cites_appendix),
                o(&r.reasons.product_type),
                r.reasons.matched_terms.join(" | "),
                r.reasons.legality_claims.join(" | "),
                o(&r.price.as_stated),
                o(&r.price.amount),
                o(&r.price.currency),
                o(&r.price.usd),
                r.price.rate_date.map(|d| d.to_string()).unwrap_or_default(),
                t(r.first_seen),
                t(r.last_seen),
                r.last_status.clone(),
                r.evidence.digest.clone(),
                r.evidence.kind.to_string(),
                o(&r.evidence.warc_file),
                r.evidence
                    .warc_offset
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                r.evidence
                    .warc_length
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                r.evidence.page_sha256.clone(),
            ])
            .map_err(e)?;
        }
        w.into_inner().map_err(|x| AnalysisError::Table {
            path: PathBuf::from(&self.report_id),
            message: x.to_string(),
        })
    }

    /// The cover note (`README.md`): who, when, the criteria, what each
    /// platform's files hold and what every field means.
    pub fn cover_note(&self) -> String {
        let mut s = format!(
            "# Report {id}\n\nSuspected illegal wildlife listings, reported by the research crawl `{job}` \
             ({token}, contact {contact}) on {at}.\n\n## Criteria\n\n",
            id = self.report_id,
            job = self.reporter.job,
            token = self.reporter.product_token,
            contact = self.reporter.contact,
            at = self
                .reported_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        for line in self.criteria.describe() {
            s.push_str(&format!("- {line}\n"));
        }
        s.push_str(&format!(
            "- Classification: species lexicon version {}; a listing's text is its latest observation that is not a removal.\n\n## Files\n\n",
            self.lexicon_version
        ));
        if self.platforms.is_empty() {
            s.push_str("No listing met the criteria; there is nothing to report.\n");
        }
        for (p, rows) in &self.platforms {
            s.push_str(&format!(
                "- `{p}.csv`, `{p}.json`: {} listings on `{p}`.\n",
                rows.len()
            ));
        }
        s.push_str(
            "\n## Fields\n\n\
             One row (CSV) or one `listings` entry (JSON) per listing:\n\n\
             - `listing_id`, `url`, `title`: the listing as observed (contact details in titles were masked when collected).\n\
             - `confidence`: `confirmed` (the text names the animal) or `suspected` (a product or code word implies a protected group).\n\
             - `taxon_group`, `taxon`, `cites_appendix`, `product_type`: what the lexicon recognised; `matched_terms`: the words that matched.\n\
             - `legality_claims`: claims of legality the listing makes (\"antique\", \"certificate\"), listed, not assessed.\n\
             - `price_as_stated`, `price_amount`, `currency`: the price as the page shows it and as parsed; `price_usd` at the rate of `rate_date` when converted.\n\
             - `first_seen`, `last_seen`, `last_status`: the first and latest observation (UTC) and the latest one's status (`active`, `changed`, `removed`).\n\
             - `evidence_digest`: `sha256:<base32>` is the block digest of the WARC record kept of the page (`warc_file`, `warc_offset`, `warc_length`; `wildtrace verify` recomputes it); `sha256:<hex>` is the SHA-256 of the page as received (`page_sha256`).\n\n\
             Sellers are not named: the crawl keeps no seller identities, and the listing's URL identifies it on the platform.\n",
        );
        s
    }
}
