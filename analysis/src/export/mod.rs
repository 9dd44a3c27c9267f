//! `wildtrace export`: data sharing by audience. One call ([`export`])
//! turns an analysis output folder (and, for the per-listing audiences, the
//! lake) into a folder for one recipient:
//!
//! - **public** ([`Audience::Public`]): the aggregate tables of the public
//!   view ([`disclosure::public_view`]: primary and secondary suppression,
//!   rounding); no per-listing row, free text, URL, pseudonym or listing id.
//! - **research** ([`research`]): one row per confirmed or suspected
//!   listing with only the columns a study needs, seller pseudonyms and
//!   listing ids re-keyed for the recipient, no URLs unless asked for.
//! - **enforcement** ([`enforcement`]): per-listing detail with URLs, the
//!   lake's own pseudonyms and, per observation, the WARC evidence pointer
//!   and digests, for case files.
//!
//! Every export holds `manifest.json` (audience, recipient, time, code and
//! lexicon versions, the columns of each file, the suppression parameters,
//! the SHA-256 of every file) and `DATA-SHARING.md` (what is in it, what is
//! withheld and why). The folder is built next to the target and renamed
//! into place, so a reader sees the old export or the new one, never half.
//!
//! It owns the audiences' contents, the folder layout and its atomic
//! replacement. It must not write to the lake or to the analysis output
//! folder, must not read the lake for the public audience, and never writes
//! the export key (or anything it could be recovered from) into an export.

pub mod disclosure;
pub mod enforcement;
pub mod research;

use std::path::{Path, PathBuf};

use polars::prelude::{
    CsvWriter, DataFrame, DataType, IntoColumn, NamedFrom, ParquetCompression, ParquetWriter,
    SerWriter, Series,
};
use serde::Serialize;

use crate::atomic::write_atomic;
use crate::error::AnalysisError;
use crate::outputs::{self, Column, ColumnType, Published, Table};
pub use disclosure::{Disclosure, PublicView, public_view};

/// Who an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Public,
    Research,
    Enforcement,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Research => "research",
            Audience::Enforcement => "enforcement",
        }
    }

    /// Parses `public`, `research` or `enforcement`.
    pub fn parse(s: &str) -> Option<Audience> {
        [Audience::Public, Audience::Research, Audience::Enforcement]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// What to export, for whom, and where.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub audience: Audience,
    /// The recipient, as named on the command line (`public` when none is
    /// named for the public audience).
    pub recipient: String,
    /// The analysis output folder (`tables/` under it).
    pub out_dir: PathBuf,
    /// The lake (research: URLs when asked for; enforcement: URLs and WARC
    /// pointers).
    pub lake_dir: Option<PathBuf>,
    /// The export folder to create (or replace, with `force`).
    pub to: PathBuf,
    pub force: bool,
    /// The secret export key (research): created on first use, owner-only.
    pub key_path: Option<PathBuf>,
    /// Research: include each listing's URL.
    pub include_urls: bool,
    /// Public: the thresholds.
    pub disclosure: Disclosure,
}

/// One file of an export, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ExportFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    pub rows: usize,
    pub columns: Vec<ColumnInfo>,
}

/// One column, with its type and meaning.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnInfo {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub definition: Option<&'static str>,
}

/// What [`export`] wrote.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub dir: PathBuf,
    pub audience: Audience,
    pub files: Vec<ExportFile>,
    /// Public: cells and how many were suppressed.
    pub suppression: Option<disclosure::SuppressionCounts>,
}

impl std::fmt::Display for ExportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "  export:    {} ({})",
            self.dir.display(),
            self.audience.as_str()
        )?;
        if let Some(s) = &self.suppression {
            writeln!(
                f,
                "  disclosure: {} cells, {} suppressed below the thresholds, {} more to protect them ({} links between totals checked)",
                s.cells, s.primary, s.secondary, s.relations
            )?;
        }
        for file in &self.files {
            writeln!(f, "  file:      {} ({} rows)", file.path, file.rows)?;
        }
        writeln!(f, "  manifest:  {}", self.dir.join(MANIFEST).display())?;
        writeln!(f, "  note:      {}", self.dir.join(NOTE).display())
    }
}

/// The export's manifest file.
pub const MANIFEST: &str = "manifest.json";
/// The export's human-readable data-sharing note.
pub const NOTE: &str = "DATA-SHARING.md";
/// Layout version of an export's manifest.
pub const EXPORT_VERSION: u32 = 1;

/// The column every public table gains.
pub const SUPPRESSED: Column = Column::new("suppressed", ColumnType::Bool).defined(
    "true when disclosure control withholds this row's cell: its listings read \"<5\" in CSV (null in Parquet) and every other measure is empty.",
);

fn usage(message: String) -> AnalysisError {
    AnalysisError::ExportUsage { message }
}

/// Checks a recipient name: printable, at most 100 characters.
fn check_recipient(r: &str) -> Result<(), AnalysisError> {
    if r.trim().is_empty() {
        return Err(usage(
            "--recipient: name the recipient of the export".into(),
        ));
    }
    if r.chars().count() > 100 || r.chars().any(char::is_control) {
        return Err(usage(format!(
            "--recipient {r:?}: at most 100 printable characters"
        )));
    }
    Ok(())
}

/// Writes the export described by `opts`; see the module docs.
pub fn export(opts: &ExportOptions) -> Result<ExportSummary, AnalysisError> {
    if opts.audience != Audience::Public {
        check_recipient(&opts.recipient)?;
    }
    let to = &opts.to;
    let non_empty = std::fs::read_dir(to)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if to.exists() && !to.is_dir() {
        return Err(usage(format!("--to {}: not a folder", to.display())));
    }
    if non_empty && !opts.force {
        return Err(usage(format!(
            "--to {}: the folder is not empty; pass --force to replace it",
            to.display()
        )));
    }
    if let Some(k) = &opts.key_path
        && let (Ok(k), Ok(t)) = (std::path::absolute(k), std::path::absolute(to))
        && k.starts_with(&t)
    {
        // why: the key would travel with the export and undo the pseudonyms.
        return Err(usage(format!(
            "--key {}: the export key must live outside the export folder",
            k.display()
        )));
    }
    let facts = opts.out_dir.join(outputs::LISTING_FACTS.files.csv);
    if !facts.exists() {
        return Err(AnalysisError::MissingInput {
            path: facts,
            what: "analysis output (run `wildtrace analyse` first)".into(),
        });
    }
    if opts.audience == Audience::Enforcement
        || (opts.audience == Audience::Research && opts.include_urls)
    {
        match &opts.lake_dir {
            Some(l) if l.is_dir() => {}
            Some(l) => {
                return Err(AnalysisError::MissingInput {
                    path: l.clone(),
                    what: "lake folder".into(),
                });
            }
            None => {
                return Err(usage(
                    "this audience reads the lake: pass --lake DIR or --config JOB.toml".into(),
                ));
            }
        }
    }
    let tables = Published::load(&opts.out_dir, outputs::ALL)?;

    let parent = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| AnalysisError::io(parent, e))?;
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| usage(format!("--to {}: needs a folder name", to.display())))?;
    let tmp = parent.join(format!(".{name}.{}.export-tmp", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| AnalysisError::io(&tmp, e))?;
    let result = build(opts, &tables, &tmp);
    let (files, suppression) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    replace_dir(&tmp, to)?;
    Ok(ExportSummary {
        dir: to.clone(),
        audience: opts.audience,
        files,
        suppression,
    })
}

/// Moves the finished folder `tmp` to `to`, replacing what is there: the
/// old folder is renamed aside first and removed after. Each rename is
/// atomic; a crash between the two leaves the old export whole beside the
/// target as `.<name>.<pid>.export-old` (and the new one as `-tmp`), so
/// nothing is lost and no half-written folder is ever at `to`.
fn replace_dir(tmp: &Path, to: &Path) -> Result<(), AnalysisError> {
    if to.exists() {
        let old = to.with_file_name(format!(
            ".{}.{}.export-old",
            to.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(to, &old).map_err(|e| AnalysisError::io(to, e))?;
        if let Err(e) = std::fs::rename(tmp, to) {
            // Put the old export back: nothing is lost.
            let _ = std::fs::rename(&old, to);
            return Err(AnalysisError::io(to, e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(tmp, to).map_err(|e| AnalysisError::io(to, e))?;
    }
    if let Some(dir) = to.parent()
        && let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
    Ok(())
}

type Built = (Vec<ExportFile>, Option<disclosure::SuppressionCounts>);

/// Writes the audience's files, the note and the manifest into `dir`.
fn build(opts: &ExportOptions, tables: &Published, dir: &Path) -> Result<Built, AnalysisError> {
    let mut files = Vec::new();
    let mut manifest_extra = serde_json::Map::new();
    let mut suppression = None;
    match opts.audience {
        Audience::Public => {
            let view = public_view(tables, &opts.disclosure)?;
            write_public(&view, dir, &mut files)?;
            manifest_extra.insert(
                "disclosure".into(),
                serde_json::json!({
                    "min_listings": opts.disclosure.min_listings,
                    "min_sellers": opts.disclosure.min_sellers,
                    "marker": opts.disclosure.marker(),
                    "primary": "a cell with fewer than min_listings listings or fewer than min_sellers distinct sellers is suppressed",
                    "secondary": "within every exact link between published cells (a split and its total, two splits of one total, the same counts in two tables), the suppressed cells of a side are none, or at least two whose withheld sum exceeds their number; else the next smallest cell is suppressed too",
                    "measures": "every measure of a suppressed cell is withheld with it; listings_prev_year and listings_yoy_change are withheld where they restate a suppressed previous-year cell",
                    "rounding": "counts exact; US-dollar values to whole dollars; shares (removed_share, km_removed_by_*, survival, listings_yoy_change) to 3 decimals (0.1 percentage point)",
                    "km_curves": "only groups whose removal_rates row is published; at_risk, events and censored withheld",
                    "monthly_counts": "taxon and platform series only (term series withheld)",
                    "counts": view.counts,
                }),
            );
            suppression = Some(view.counts.clone());
        }
        Audience::Research => {
            let key_path = opts
                .key_path
                .as_deref()
                .ok_or_else(|| usage("research exports need --key FILE or --config".into()))?;
            let key = research::ExportKey::load_or_create(key_path)?;
            let rk = key.recipient(&opts.recipient);
            let urls = if opts.include_urls {
                Some(enforcement::latest_urls(
                    opts.lake_dir.as_deref().expect("checked"),
                )?)
            } else {
                None
            };
            let df = research::listings(tables, &rk, urls.as_ref())?;
            let cols = research::columns(opts.include_urls);
            files.push(write_table(dir, research::FILE, df, &cols, None)?);
            manifest_extra.insert(
                "pseudonyms".into(),
                serde_json::json!({
                    "method": "HMAC-SHA-256",
                    "recipient_key": "HMAC-SHA-256(export key, \"research:\" + the recipient name trimmed, lower-cased, inner spaces collapsed)",
                    "seller": "r_ + the first 16 bytes (hex) of HMAC-SHA-256(recipient key, \"seller\" 0x00 lake pseudonym)",
                    "listing": "rl_ + the first 16 bytes (hex) of HMAC-SHA-256(recipient key, \"listing\" 0x00 lake listing_id)",
                    "recipient_key_id": rk.id(),
                }),
            );
            manifest_extra.insert("include_urls".into(), opts.include_urls.into());
        }
        Audience::Enforcement => {
            let lake = opts.lake_dir.as_deref().expect("checked");
            let (listings, evidence) = enforcement::tables(tables, lake)?;
            files.push(write_table(
                dir,
                enforcement::LISTINGS_FILE,
                listings,
                enforcement::LISTING_COLUMNS,
                None,
            )?);
            files.push(write_table(
                dir,
                enforcement::EVIDENCE_FILE,
                evidence,
                enforcement::EVIDENCE_COLUMNS,
                None,
            )?);
        }
    }
    let note = note(opts, &files);
    write_atomic(&dir.join(NOTE), note.as_bytes())?;
    let mut listed = with_parquet(&files, dir)?;
    listed.push(ExportFile {
        path: NOTE.into(),
        bytes: note.len() as u64,
        sha256: crate::manifest::sha256_hex(note.as_bytes()),
        rows: 0,
        columns: Vec::new(),
    });
    let lexicon_version = tables
        .view(&outputs::CLASSIFICATION)
        .and_then(|t| {
            t.text(&outputs::listing_classification::LEXICON_VERSION)
                .ok()
                .and_then(|v| v.first().map(|s| s.to_string()))
        })
        .unwrap_or_default();
    let analysis_manifest = opts.out_dir.join(outputs::MANIFEST);
    let mut m = serde_json::json!({
        "export_version": EXPORT_VERSION,
        "audience": opts.audience,
        "recipient": opts.recipient,
        // why: the one clock read of the analysis crate: when the data was
        // handed over is part of a data-sharing record.
        "created_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "code": crate::manifest::code(),
        "lexicon_version": lexicon_version,
        "source": {
            "analysis_out_dir": opts.out_dir.display().to_string(),
            "analysis_manifest_sha256": std::fs::read(&analysis_manifest).ok().map(|b| crate::manifest::sha256_hex(&b)),
            "lake_dir": opts.lake_dir.as_ref().filter(|_| opts.audience != Audience::Public).map(|l| l.display().to_string()),
        },
        "files": listed,
    });
    if let Some(o) = m.as_object_mut() {
        o.extend(manifest_extra);
    }
    let mut json = serde_json::to_vec_pretty(&m).expect("JSON values serialise");
    json.push(b'\n');
    write_atomic(&dir.join(MANIFEST), &json)?;
    Ok((files, suppression))
}

fn column_info(c: &Column) -> ColumnInfo {
    let shared = outputs::SHARED_DEFINITIONS
        .iter()
        .find(|s| s.name == c.name)
        .and_then(|s| s.definition());
    ColumnInfo {
        name: c.name,
        ty: c.ty.duckdb_type(),
        definition: c
            .definition()
            .or(shared)
            .or_else(|| plain_definition(c.name)),
    }
}

/// Definitions of the per-listing columns the contract leaves
/// self-explanatory, so every column of an export is defined in its manifest.
fn plain_definition(name: &str) -> Option<&'static str> {
    Some(match name {
        "listing_id" => "The listing in the lake: <source>:<the site's own id>.",
        "source" => "The site (platform) the listing is on.",
        "month" => "YYYY-MM of the date year is of (see date_basis).",
        "posted_date" => "The posting date the listing states, if any.",
        "taxon_group" => "The lexicon's reporting group (Elephants, Pangolins, …).",
        "taxon" => "The taxon the text names, at the rank it names it (scientific name).",
        "cites_appendix" => "The CITES appendix of the taxon (I, II, III, or several as I/II).",
        "product_type" => "What is offered: raw, carving, skin, live animal, …",
        "confidence" => "confirmed or suspected (see the analysis definitions).",
        "specimens" => "Stated quantity, one when none is stated.",
        "seller_pseudonym" => {
            "The lake's keyed-hash seller pseudonym (s_ + HMAC-SHA-256 of site and handle); never a handle."
        }
        "seller_country" => {
            "ISO 3166-1 alpha-2 country of the seller's stated place, or the site's default country."
        }
        "seller_country_confidence" => {
            "stated (the listing names the place) or inferred_from_site."
        }
        "destinations" => "Countries or regions the listing ships to, separated by |.",
        "currency" => "The price's currency as stated (ISO 4217).",
        "first_seen" => "When wildtrace first saw the listing (UTC).",
        "last_seen_active" => "When it was last seen online (UTC).",
        "removed_at" => "When a revisit first found it removed (UTC).",
        "removed" => "Whether a revisit found the listing removed.",
        "listings" => "Distinct listings in the cell.",
        _ => return None,
    })
}

/// Writes `<name>.csv` and `<name>.parquet` for `df` (columns `cols` in
/// order). With `suppressed`, the CSV's `listings` cells of suppressed rows
/// read the marker.
fn write_table(
    dir: &Path,
    name: &str,
    df: DataFrame,
    cols: &[Column],
    suppressed: Option<(&[bool], &str)>,
) -> Result<ExportFile, AnalysisError> {
    let names: Vec<&str> = cols.iter().map(|c| c.name).collect();
    let mut df = df.select(names)?;
    let mut pq = Vec::new();
    ParquetWriter::new(&mut pq)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)?;
    let pq_name = format!("{name}.parquet");
    write_atomic(&dir.join(&pq_name), &pq)?;
    let mut csv_df = df.clone();
    if let Some((sup, marker)) = suppressed
        && let Ok(c) = df.column("listings")
    {
        let s = c.cast(&DataType::String)?;
        let text: Vec<Option<String>> = s
            .str()?
            .iter()
            .zip(sup)
            .map(|(v, &x)| {
                if x {
                    Some(marker.to_string())
                } else {
                    v.map(String::from)
                }
            })
            .collect();
        csv_df.with_column(Series::new("listings".into(), text).into_column())?;
    }
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv)
        .include_header(true)
        .with_float_scientific(Some(false))
        .finish(&mut csv_df)?;
    let csv_name = format!("{name}.csv");
    write_atomic(&dir.join(&csv_name), &csv)?;
    Ok(ExportFile {
        path: csv_name,
        bytes: csv.len() as u64,
        sha256: crate::manifest::sha256_hex(&csv),
        rows: df.height(),
        columns: cols.iter().map(column_info).collect(),
    })
}

/// Writes every table of the public view with its `suppressed` column.
fn write_public(
    view: &PublicView,
    dir: &Path,
    files: &mut Vec<ExportFile>,
) -> Result<(), AnalysisError> {
    let marker = view.params.marker();
    for &t in disclosure::PUBLIC_TABLES {
        let Some(df) = view.tables.get(t) else {
            continue;
        };
        let sup = view.suppressed.get(t.name).cloned().unwrap_or_default();
        let mut df = df.clone();
        df.with_column(Series::new(SUPPRESSED.name.into(), sup.clone()).into_column())?;
        let mut cols: Vec<Column> = t.columns.to_vec();
        cols.push(SUPPRESSED);
        files.push(write_table(dir, t.name, df, &cols, Some((&sup, &marker)))?);
    }
    Ok(())
}

/// Both files of each table (CSV and Parquet) as the manifest lists them.
fn with_parquet(files: &[ExportFile], dir: &Path) -> Result<Vec<ExportFile>, AnalysisError> {
    let mut out = Vec::new();
    for f in files {
        out.push(f.clone());
        if let Some(stem) = f.path.strip_suffix(".csv") {
            let p = format!("{stem}.parquet");
            let h = crate::manifest::hash_file(&dir.join(&p), p.clone())?;
            out.push(ExportFile {
                path: p,
                bytes: h.bytes,
                sha256: h.sha256,
                rows: f.rows,
                columns: f.columns.clone(),
            });
        }
    }
    Ok(out)
}

/// The human-readable note: what is included, what is withheld and why.
fn note(opts: &ExportOptions, files: &[ExportFile]) -> String {
    let mut s = format!(
        "# Data sharing note\n\nAudience: **{}**. Recipient: **{}**.\n\nMade by wildtrace {} from the analysis output folder `{}`. \
         `manifest.json` lists every file with its SHA-256, its columns and their meaning.\n\n## Files\n\n",
        opts.audience.as_str(),
        opts.recipient,
        env!("CARGO_PKG_VERSION"),
        opts.out_dir.display()
    );
    for f in files {
        s.push_str(&format!(
            "- `{}` (and `.parquet`): {} rows\n",
            f.path, f.rows
        ));
    }
    s.push('\n');
    match opts.audience {
        Audience::Public => {
            let d = &opts.disclosure;
            s.push_str(&format!(
                "## What is included\n\nAggregate tables only: annual statistics by taxon, taxon group, CITES appendix, product type, platform and seller country; \
trade routes; removal rates and Kaplan–Meier curves; monthly counts per taxon group and platform; prices not converted.\n\n\
## What is withheld and why\n\n\
- No per-listing row, no listing id, no seller pseudonym, no URL and no free text (titles, descriptions) is in this export: it is for anyone to read.\n\
- **Primary suppression**: a cell with fewer than {ml} listings or fewer than {ms} distinct sellers is suppressed: its `listings` reads `{mk}` in CSV \
(null in Parquet), `suppressed` is true, and every other measure of the cell (specimens, sellers, values, medians, removals, shares, rank) is empty.\n\
- **Secondary suppression**: where published cells add up to a published total (the keys of a split within a year and confidence add up to its `all` row; \
over all years, the platform and taxon-group rows of `annual_stats` add up to `removal_rates`; platforms and taxon groups each add up to `removal_rates`' \
`all` row; a year's prices not converted add up to its unpriced listings; monthly series add up to the year's rows and to each other), \
no suppressed cell can be worked out by subtraction: each such group has no suppressed cell, or at least two whose withheld total exceeds their number; \
otherwise the next smallest cell is suppressed too. Every suppressed cell reads `{mk}`, whichever rule suppressed it, so the two cannot be told apart.\n\
- `listings_prev_year` and `listings_yoy_change` are empty where they would restate a suppressed cell of the previous year.\n\
- Routes count a listing once per destination, so no row or column of `routes` adds up to a published total: routes have primary suppression only.\n\
- Kaplan–Meier curves are published only for groups whose `removal_rates` row is published, without their per-step counts.\n\
- Monthly counts per matched term, the emerging-trends table and every per-listing table are not in this export.\n\n\
## Rounding\n\nCounts are exact. US-dollar values (totals, medians) are rounded to whole dollars; shares (removed shares, Kaplan–Meier shares, survival, \
year-on-year change) to 3 decimals (0.1 percentage point).\n\n\
The policymaker report and the figures of the analysis are drawn from these same controlled tables.\n",
                ml = d.min_listings,
                ms = d.min_sellers,
                mk = d.marker()
            ));
        }
        Audience::Research => {
            s.push_str(&format!(
                "## What is included\n\nOne row per listing classified as confirmed or suspected wildlife: its month and year, platform, taxon, taxon group, species, \
CITES appendix, product type, confidence, specimens, US-dollar price and price flag, seller country, destinations, first and last sighting dates and removal.\n\n\
## What is withheld and why (data minimisation)\n\n\
- No titles, descriptions or other free text; no exact prices in their own currency; no times of day, only dates.\n\
- {}\n\
- **Pseudonyms for this recipient**: `seller` and `listing` are HMAC-SHA-256 pseudonyms under a key derived for this recipient from the exporter's secret key. \
The same recipient gets the same pseudonyms in every export; another recipient's pseudonyms differ, so two recipients cannot link their datasets, \
and neither can link them to the lake's own pseudonyms. The secret key is never part of an export.\n\
- Decoys and unrecognised listings are not included.\n\n\
Use the data for the research agreed with the exporter only; do not try to re-identify sellers; do not pass the data on.\n",
                if opts.include_urls {
                    "Listing URLs are included (`--include-urls`, recorded in the manifest)."
                } else {
                    "No URLs (a URL identifies the listing and often the seller); `--include-urls` would add them, and the manifest would say so."
                }
            ));
        }
        Audience::Enforcement => {
            s.push_str(
                "## What is included\n\nFor case files: one row per confirmed or suspected listing with its lake listing id, platform, latest URL, the lake's own seller \
pseudonym, classification, price as stated and in US dollars, seller country, destinations, sightings and removal (`listings`), and one row per observation with \
its URL, HTTP status, the SHA-256 of the page as received and, in evidence mode, the WARC file, offset, length and WARC-Block-Digest of the archived response \
(`evidence`). `wildtrace verify` checks those digests against the WARC files.\n\n\
## What is withheld and why\n\n\
- Titles and descriptions (in the WARC records if needed; the lake masks contact details in them).\n\
- Raw seller handles: the lake never holds them; the pseudonym links one seller's listings within a platform.\n\
- Decoys and unrecognised listings.\n\n\
Restricted: for the named law-enforcement recipient only.\n",
            );
        }
    }
    s
}

/// Turns the tables of a finished analysis into their public view (the
/// policymaker report and figures use it).
pub(crate) fn public_tables(tables: &Published) -> Result<Published, AnalysisError> {
    Ok(public_view(tables, &Disclosure::default())?.tables)
}

/// A row filter from flags.
pub(crate) fn mask_of(keep: &[bool]) -> polars::prelude::BooleanChunked {
    use polars::prelude::NewChunkedArray;
    polars::prelude::BooleanChunked::from_slice("keep".into(), keep)
}

/// A frame's column as text, empty for null.
pub(crate) fn text_col(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, AnalysisError> {
    let s = df.column(name)?.cast(&DataType::String)?;
    Ok(s.str()?.iter().map(|v| v.map(String::from)).collect())
}

/// Helper for `BTreeMap` lookups of frames by table.
pub(crate) fn frame<'a>(tables: &'a Published, t: &Table) -> Result<&'a DataFrame, AnalysisError> {
    tables.get(t).ok_or_else(|| AnalysisError::MissingInput {
        path: t.files.csv.into(),
        what: "table in the analysis output folder".into(),
    })
}
