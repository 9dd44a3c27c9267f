//! The policymaker report: one self-contained HTML file per year
//! (`<out>/report-<year>.html`) with headline numbers and their change on the
//! year before, the key tables, every drawn figure inlined as an SVG data URI
//! (no network needed, and the page's Content-Security-Policy forbids any),
//! the method in plain words, limitations and a data-protection statement.
//!
//! It reads only the published outputs of an analysis run: the tables (in
//! memory from the run, [`crate::Analysis::write_report`], or read back
//! through the output contract's reader from an output folder, as
//! `wildtrace report` does), `figures/index.json` and the SVGs it lists,
//! and the rate sources of `manifest.json`; never the lake. It names the
//! rate sources it used and says "illustrative" when one is, counts the
//! prices not converted by reason and currency, and the listings dated by
//! first sighting. It computes nothing beyond sums of the published table
//! rows for the headline numbers. Everything that comes from data is
//! HTML-escaped by the template engine (minijinja's auto-escaping for
//! `.html` templates).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::atomic::write_atomic;
use crate::error::AnalysisError;
use crate::export::Disclosure;
use crate::figure::catalog::place_label;
pub use crate::figure::{FigureIndex, FigureInfo};
use crate::fx::Unconverted;
use crate::manifest::RateSettings;
use crate::outputs::{
    self, Published, TABLES_DIR, Table, View, annual_by_taxon_group as annual, annual_stats,
    listing_classification, removal_after_report, removal_rates, removals_by_source, routes,
    unconverted_prices,
};

/// The template, compiled into the binary so the report needs no files
/// besides the run's outputs.
const TEMPLATE: &str = include_str!("../templates/report.html");

/// The published tables the report reads.
const TABLES: &[&Table] = &[
    &outputs::ANNUAL,
    &outputs::REMOVALS,
    &outputs::ANNUAL_STATS,
    &outputs::ROUTES,
    &outputs::REMOVAL_RATES,
    &outputs::CLASSIFICATION,
    &outputs::UNCONVERTED,
    &outputs::REMOVAL_AFTER_REPORT,
];

/// Where the report for `year` goes.
pub fn report_path(out_dir: &Path, year: i32) -> PathBuf {
    out_dir.join(format!("report-{year}.html"))
}

/// Draws the figures again from the published tables of an output folder
/// (read through the output contract) and rewrites `figures/index.json`.
pub fn write_figures(out_dir: &Path, source_line: &str) -> Result<FigureIndex, AnalysisError> {
    write_figures_with(out_dir, source_line, &Disclosure::default())
}

/// [`write_figures`] under other disclosure thresholds
/// ([`Disclosure::NONE`] lets a test of the drawing see every cell; the
/// command line always uses the defaults).
pub fn write_figures_with(
    out_dir: &Path,
    source_line: &str,
    disclosure: &Disclosure,
) -> Result<FigureIndex, AnalysisError> {
    crate::figure::redraw(out_dir, source_line, disclosure)
}

/// The years with confirmed or suspected listings in the annual table of
/// `out_dir`, ascending (empty when the run found none).
pub fn years(out_dir: &Path) -> Result<Vec<i32>, AnalysisError> {
    Report::load(out_dir, &[&outputs::ANNUAL], &Disclosure::default())?
        .report()
        .years()
}

/// Writes the report for `year`, or for the latest year with listings when
/// `year` is `None`, from the outputs in `out_dir`. A missing output folder,
/// or a year without listings, is the user's error
/// ([`AnalysisError::is_config`]).
pub fn write_report_for(out_dir: &Path, year: Option<i32>) -> Result<PathBuf, AnalysisError> {
    let annual = out_dir.join(outputs::ANNUAL.files.csv);
    if !annual.exists() {
        return Err(AnalysisError::MissingInput {
            path: annual,
            what: "annual table (run `wildtrace analyse` first)".into(),
        });
    }
    Report::load(out_dir, TABLES, &Disclosure::default())?
        .report()
        .write_for(year)
}

/// Writes `report-<year>.html` under `out_dir` from the run's tables and
/// figures there; returns its path.
pub fn write_report(out_dir: &Path, year: i32) -> Result<PathBuf, AnalysisError> {
    write_report_with(out_dir, year, &Disclosure::default())
}

/// [`write_report`] under other disclosure thresholds (see
/// [`write_figures_with`]).
pub fn write_report_with(
    out_dir: &Path,
    year: i32,
    disclosure: &Disclosure,
) -> Result<PathBuf, AnalysisError> {
    Report::load(out_dir, TABLES, disclosure)?
        .report()
        .write(year)
}

fn missing(out_dir: &Path, rel: &str) -> AnalysisError {
    AnalysisError::Io {
        path: out_dir.join(rel),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "missing; run `wildtrace analyse` (or `wildtrace demo`) first",
        ),
    }
}

/// An output folder's published tables (those the report reads, through
/// the output contract) and figure index.
struct Loaded<'a> {
    out_dir: &'a Path,
    tables: Published,
    figures: Option<FigureIndex>,
    rates: Option<RateSettings>,
}

impl<'a> Loaded<'a> {
    fn report(&self) -> Report<'_> {
        Report {
            out_dir: self.out_dir,
            tables: &self.tables,
            figures: self.figures.as_ref(),
            rates: self.rates.as_ref(),
        }
    }
}

/// What a report is made of: the published tables (in memory) and the
/// figure index of one output folder, where the report is written.
pub(crate) struct Report<'a> {
    pub out_dir: &'a Path,
    pub tables: &'a Published,
    pub figures: Option<&'a FigureIndex>,
    /// The rate sources and window (from the run, or its `manifest.json`).
    pub rates: Option<&'a RateSettings>,
}

impl<'a> Report<'a> {
    /// Reads `tables` and the figure index of an output folder.
    /// The tables are read with every table the disclosure control needs
    /// and turned into the public view: the report shows nothing else.
    fn load(
        out_dir: &'a Path,
        tables: &[&'static Table],
        disclosure: &Disclosure,
    ) -> Result<Loaded<'a>, AnalysisError> {
        let mut wanted: Vec<&'static Table> = tables.to_vec();
        for t in outputs::ALL {
            if !wanted.contains(t) {
                wanted.push(t);
            }
        }
        Ok(Loaded {
            out_dir,
            tables: crate::export::public_view(&Published::load(out_dir, &wanted)?, disclosure)?
                .tables,
            figures: FigureIndex::load(out_dir).ok(),
            rates: crate::manifest::read_rate_settings(out_dir)?,
        })
    }

    fn annual(&self) -> Result<View<'_>, AnalysisError> {
        self.tables
            .view(&outputs::ANNUAL)
            .ok_or_else(|| missing(self.out_dir, outputs::ANNUAL.files.csv))
    }

    /// The years with confirmed or suspected listings, ascending.
    pub fn years(&self) -> Result<Vec<i32>, AnalysisError> {
        let t = self.annual()?;
        let (y, n) = (t.ints(&annual::YEAR)?, t.numbers(&annual::LISTINGS)?);
        // A suppressed cell (no count shown) still has listings.
        let years: BTreeSet<i32> = (0..t.height())
            .filter(|&i| n[i].is_none_or(|v| v > 0.0))
            .filter_map(|i| y[i])
            .collect();
        Ok(years.into_iter().collect())
    }

    /// Writes the report for `year`, or for the latest year with listings.
    pub fn write_for(&self, year: Option<i32>) -> Result<PathBuf, AnalysisError> {
        if self.tables.get(&outputs::ANNUAL).is_none() {
            return Err(AnalysisError::MissingInput {
                path: self.out_dir.join(outputs::ANNUAL.files.csv),
                what: "annual table (run `wildtrace analyse` first)".into(),
            });
        }
        let years = self.years()?;
        let out_dir = self.out_dir;
        let year = match year {
            Some(y) if years.contains(&y) => y,
            Some(y) => {
                return Err(AnalysisError::NoReportYear {
                    message: format!(
                        "--year {y}: no listings posted in {y} in {}; years with data: {}",
                        out_dir.display(),
                        years
                            .iter()
                            .map(i32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            None => *years.last().ok_or_else(|| AnalysisError::NoReportYear {
                message: format!(
                    "{}: the annual table has no listings to report on",
                    out_dir.display()
                ),
            })?,
        };
        self.write(year)
    }

    /// Writes `report-<year>.html` under the output folder; returns its path.
    pub fn write(&self, year: i32) -> Result<PathBuf, AnalysisError> {
        let out_dir = self.out_dir;
        let t = self.annual()?;
        let (years, groups, confidence, listings, specimens) = (
            t.ints(&annual::YEAR)?,
            t.text(&annual::TAXON_GROUP)?,
            t.text(&annual::CONFIDENCE)?,
            t.numbers(&annual::LISTINGS)?,
            t.numbers(&annual::SPECIMENS)?,
        );
        let mut by_year: BTreeMap<i32, BTreeMap<String, GroupYear>> = BTreeMap::new();
        for i in 0..t.height() {
            let Some(y) = years[i] else {
                continue;
            };
            let e = by_year
                .entry(y)
                .or_default()
                .entry(groups[i].to_string())
                .or_default();
            let n = listings[i].unwrap_or(0.0);
            match confidence[i] {
                "confirmed" => {
                    e.confirmed += n;
                    e.c_sup |= listings[i].is_none();
                }
                _ => {
                    e.suspected += n;
                    e.s_sup |= listings[i].is_none();
                }
            }
            e.specimens += specimens[i].unwrap_or(0.0);
        }
        let empty = BTreeMap::new();
        let cur = by_year.get(&year).unwrap_or(&empty);
        let prev = by_year.get(&(year - 1));
        let sum = |m: &BTreeMap<String, GroupYear>, f: fn(&GroupYear) -> f64| {
            m.values().map(f).sum::<f64>()
        };
        let any_sup = |m: &BTreeMap<String, GroupYear>| m.values().any(GroupYear::suppressed);
        let offered = |m: &BTreeMap<String, GroupYear>| {
            m.values()
                .filter(|g| g.listings() > 0.0 || g.suppressed())
                .count() as f64
        };
        // The year's totals: annual_stats' `all` rows when published (a
        // suppressed taxon-group cell does not hide the total), else the
        // sum of the published group cells, shown as "> N".
        let stats = self.tables.view(&outputs::ANNUAL_STATS);
        let totals = |y: i32, m: Option<&BTreeMap<String, GroupYear>>| -> Option<Totals> {
            let m = m?;
            stats.as_ref().and_then(|t| year_totals(t, y)).or_else(|| {
                Some(Totals {
                    listings: sum(m, GroupYear::listings),
                    specimens: sum(m, |g| g.specimens),
                    confirmed: sum(m, |g| g.confirmed),
                    suspected: sum(m, |g| g.suspected),
                    suppressed: any_sup(m),
                })
            })
        };
        let now = totals(year, Some(cur)).expect("some");
        let before = totals(year - 1, prev);
        let compare = |f: fn(&Totals) -> f64| -> String {
            match &before {
                Some(b) if b.suppressed || now.suppressed => format!(
                    "not compared with {}: cells withheld by disclosure control",
                    year - 1
                ),
                b => change(f(&now), b.as_ref().map(f), year - 1),
            }
        };

        let mut headlines = vec![
            Headline {
                value: shown(now.listings, now.suppressed),
                label: format!("wildlife listings posted in {year}"),
                change: compare(|t| t.listings),
            },
            Headline {
                value: shown_measure(now.specimens, now.suppressed),
                label: "specimens offered".into(),
                change: compare(|t| t.specimens),
            },
            Headline {
                value: shown(now.confirmed, now.suppressed),
                label: format!(
                    "confirmed by species name ({} more suspected)",
                    shown(now.suspected, now.suppressed)
                ),
                change: compare(|t| t.confirmed),
            },
            Headline {
                value: count(offered(cur)),
                label: "taxon groups offered".into(),
                change: change(offered(cur), prev.map(offered), year - 1),
            },
        ];

        let mut tables = vec![group_table(cur, prev, year)];
        if let Some(t) = self.tables.view(&outputs::REMOVALS) {
            removals_table(&t, &mut headlines, &mut tables)?;
        }
        let mut prices_note = String::new();
        let mut disclosures = Vec::new();
        let illustrative = self
            .rates
            .is_some_and(|r| r.sources.iter().any(|s| s.illustrative));
        if illustrative {
            let files: Vec<String> = self
                .rates
                .iter()
                .flat_map(|r| &r.sources)
                .filter(|s| s.illustrative)
                .map(|s| s.file_name.clone())
                .collect();
            disclosures.push(format!(
                "ILLUSTRATIVE exchange rates: {} is an invented rate table, not real exchange rates, so every US-dollar value in this report is illustrative, not a real asking price.",
                files.join(", ")
            ));
        }
        let (first_seen, first_seen_sup) = self
            .tables
            .view(&outputs::ANNUAL_STATS)
            .map(|t| dated_by_first_seen(&t, year))
            .unwrap_or((0.0, false));
        let counting_note = if first_seen > 0.0 || first_seen_sup {
            let s = if first_seen_sup {
                format!(
                    "Listings that state no posting date are dated by their first sighting (the day wildtrace first saw them) and counted in that year; how many of the {year} listings are is withheld by disclosure control{}.",
                    if first_seen > 0.0 {
                        format!(" (more than {})", count(first_seen))
                    } else {
                        String::new()
                    }
                )
            } else {
                format!(
                    "{} of the {year} listings state no posting date; they are dated by their first sighting (the day wildtrace first saw them) and counted in that year.",
                    count(first_seen)
                )
            };
            disclosures.push(s.clone());
            format!(
                "A listing is counted once, in the year its seller says it was posted, or, when it states no posting date, in the year wildtrace first saw it (listing_facts.csv marks these date_basis = first_seen): {s}"
            )
        } else {
            format!(
                "A listing is counted once, in the year its seller says it was posted (every {year} listing states its posting date; one that did not would be counted in the year wildtrace first saw it, and said so here)."
            )
        };
        let mut unconverted_n = None;
        if let Some(t) = self.tables.view(&outputs::UNCONVERTED) {
            let (table, n, sentence) = unconverted_table(&t, year)?;
            unconverted_n = n;
            if let Some(s) = sentence {
                disclosures.push(s);
            }
            tables.push(table);
        }
        if let Some(t) = self.tables.view(&outputs::ANNUAL_STATS) {
            stats_tables(
                &t,
                year,
                unconverted_n.as_deref(),
                &mut headlines,
                &mut tables,
            )?;
            let rates = match self.rates {
                Some(r) if illustrative => format!(
                    "at ILLUSTRATIVE exchange rates ({}), invented for the demonstration and not real,",
                    r.sources
                        .iter()
                        .map(|s| s.file_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some(r) => format!(
                    "at the euro reference rates of {} (see “Exchange-rate sources”)",
                    r.sources
                        .iter()
                        .map(|s| s.file_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", then ")
                ),
                None => "at the exchange rates named in manifest.json".into(),
            };
            prices_note = format!(
                "Prices are the sellers' asking prices, converted to US dollars {rates} of the day the listing was posted (or the business day before). Placeholder prices (such as 0, 1 or 999999) and extreme outliers for their kind of product are counted but left out of the value totals, and so are prices that could not be converted (see “Prices not converted”)."
            );
        }
        if let Some(r) = self.rates {
            tables.push(rate_sources_table(r));
        }
        if let Some(t) = self.tables.view(&outputs::ROUTES) {
            tables.push(routes_table(&t, year)?);
        }
        if let Some(t) = self.tables.view(&outputs::REMOVAL_RATES) {
            removal_tables(&t, &mut headlines, &mut tables)?;
        }
        if let Some(t) = self.tables.view(&outputs::REMOVAL_AFTER_REPORT) {
            after_report_table(&t, &mut tables)?;
        }

        let mut figures = Vec::new();
        let mut skipped = Vec::new();
        for f in self.figures.iter().flat_map(|i| &i.figures) {
            match (&f.svg, &f.skipped) {
                (Some(svg), _) => {
                    let path = out_dir.join(svg);
                    let bytes = std::fs::read(&path).map_err(|e| AnalysisError::io(&path, e))?;
                    figures.push(HtmlFigure {
                        id: f.id.clone(),
                        title: f.title.clone(),
                        caption: f.caption.clone(),
                        data: data_encoding::BASE64.encode(&bytes),
                    });
                }
                (None, reason) => skipped.push(Skipped {
                    title: f.title.clone(),
                    reason: reason.clone().unwrap_or_default(),
                }),
            }
        }

        let lexicon_version = self
            .tables
            .view(&outputs::CLASSIFICATION)
            .and_then(|t| {
                let versions = t.text(&listing_classification::LEXICON_VERSION).ok()?;
                versions.first().map(|v| v.to_string())
            })
            .unwrap_or_default();
        let page = Page {
            year,
            source_line: self
                .figures
                .map(|i| i.source_line.clone())
                .unwrap_or_else(|| "unknown".into()),
            has_data: sum(cur, GroupYear::listings) > 0.0 || any_sup(cur),
            headlines,
            tables,
            figures,
            skipped,
            prices_note,
            counting_note,
            disclosures,
            lexicon_version,
            version: env!("CARGO_PKG_VERSION"),
            tables_dir: format!("{TABLES_DIR}/"),
        };
        let html = render(&page)?;
        let path = report_path(out_dir, year);
        write_atomic(&path, html.as_bytes())?;
        Ok(path)
    }
}

/// Listings and specimens per taxon group in `year`, against the year before.
fn group_table(
    cur: &BTreeMap<String, GroupYear>,
    prev: Option<&BTreeMap<String, GroupYear>>,
    year: i32,
) -> HtmlTable {
    let mut groups: Vec<(&String, &GroupYear)> = cur.iter().collect();
    groups.sort_by(|a, b| b.1.listings().total_cmp(&a.1.listings()).then(a.0.cmp(b.0)));
    HtmlTable {
        title: format!("Listings and specimens by taxon group, {year}"),
        header: [
            "Taxon group",
            "Confirmed",
            "Suspected",
            "Listings",
            "Specimens",
            &format!("Listings {}", year - 1),
            "Change",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: groups
            .iter()
            .map(|(name, g)| {
                let pg = prev.and_then(|m| m.get(*name));
                let p = pg.map(GroupYear::listings).or(prev.map(|_| 0.0));
                let p_sup = pg.is_some_and(GroupYear::suppressed);
                vec![
                    name.to_string(),
                    shown(g.confirmed, g.c_sup),
                    shown(g.suspected, g.s_sup),
                    shown(g.listings(), g.suppressed()),
                    shown_measure(g.specimens, g.suppressed()),
                    p.map(|p| shown(p, p_sup)).unwrap_or_else(|| "–".into()),
                    match p {
                        _ if g.suppressed() || p_sup => "–".into(),
                        Some(p) => pct_change(g.listings(), p),
                        None => "–".into(),
                    },
                ]
            })
            .collect(),
        note: format!(
            "Decoys (imitations) and listings the lexicon did not recognise are not counted. {} Source: {}.",
            suppression_note(),
            outputs::ANNUAL.files.csv
        ),
    }
}

/// Removals per platform, and the overall removed share as a headline.
fn removals_table(
    t: &View,
    headlines: &mut Vec<Headline>,
    tables: &mut Vec<HtmlTable>,
) -> Result<(), AnalysisError> {
    use removals_by_source as r;
    let (sources, listings, removed_n, shares) = (
        t.text(&r::SOURCE)?,
        t.numbers(&r::LISTINGS)?,
        t.numbers(&r::REMOVED)?,
        t.numbers(&r::REMOVED_SHARE)?,
    );
    let (mut all, mut removed, mut withheld) = (0.0, 0.0, false);
    let rows = (0..t.height())
        .map(|i| {
            if listings[i].is_none() {
                withheld = true;
                return vec![sources[i].to_string(), marker(), "–".into(), "–".into()];
            }
            all += listings[i].unwrap_or(0.0);
            removed += removed_n[i].unwrap_or(0.0);
            vec![
                sources[i].to_string(),
                count(listings[i].unwrap_or(0.0)),
                count(removed_n[i].unwrap_or(0.0)),
                format!("{:.0}%", shares[i].unwrap_or(0.0) * 100.0),
            ]
        })
        .collect();
    // why: a share over the published platforms only would not be the whole.
    if all > 0.0 && !withheld {
        headlines.push(Headline {
            value: format!("{:.0}%", removed / all * 100.0),
            label: "of listings followed were later removed by the platform".into(),
            change: "all years, all listings revisited".into(),
        });
    }
    tables.push(HtmlTable {
        title: "Removals by platform (every listing followed, all years)".into(),
        header: ["Platform", "Listings followed", "Removed", "Removed share"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        note: format!(
            "A listing counts as removed when a revisit found it gone or marked as ended. Source: {}.",
            outputs::REMOVALS.files.csv
        ),
    });
    Ok(())
}

#[derive(Serialize)]
struct Headline {
    value: String,
    label: String,
    change: String,
}

#[derive(Serialize)]
struct HtmlTable {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    note: String,
}

#[derive(Serialize)]
struct HtmlFigure {
    id: String,
    title: String,
    caption: String,
    /// The SVG, base64.
    data: String,
}

#[derive(Serialize)]
struct Skipped {
    title: String,
    reason: String,
}

#[derive(Serialize)]
struct Page {
    year: i32,
    source_line: String,
    has_data: bool,
    headlines: Vec<Headline>,
    tables: Vec<HtmlTable>,
    figures: Vec<HtmlFigure>,
    skipped: Vec<Skipped>,
    prices_note: String,
    counting_note: String,
    /// What a reader must know before using the numbers (illustrative
    /// rates, unconverted prices, listings dated by first sighting).
    disclosures: Vec<String>,
    lexicon_version: String,
    version: &'static str,
    tables_dir: String,
}

/// `1234` → `1,234`.
fn count(v: f64) -> String {
    crate::figure::charts::number(v.round())
}

/// Change of `cur` on `prev`, in words.
fn change(cur: f64, prev: Option<f64>, prev_year: i32) -> String {
    match prev {
        None => format!("no data for {prev_year}"),
        Some(0.0) if cur == 0.0 => format!("none in {prev_year} either"),
        Some(0.0) => format!("none in {prev_year}"),
        // why: "+700 %" on a base of 1 reads as a trend and is noise.
        Some(p) if p < crate::trends::MIN_YOY_BASE as f64 => {
            format!("{} in {prev_year}: too few to compare", count(p))
        }
        Some(p) => {
            let pct = (cur - p) / p * 100.0;
            let sign = if pct > 0.0 {
                "+"
            } else if pct < 0.0 {
                "−"
            } else {
                "±"
            };
            format!("{sign}{:.0}% on {prev_year} ({})", pct.abs(), count(p))
        }
    }
}

/// Per taxon group of one year: confirmed, suspected listings (published
/// cells), specimens, and whether its confirmed or suspected cell is
/// suppressed by disclosure control.
#[derive(Default, Clone, Copy)]
struct GroupYear {
    confirmed: f64,
    suspected: f64,
    specimens: f64,
    c_sup: bool,
    s_sup: bool,
}

impl GroupYear {
    fn listings(&self) -> f64 {
        self.confirmed + self.suspected
    }
    fn suppressed(&self) -> bool {
        self.c_sup || self.s_sup
    }
}

/// A year's totals.
struct Totals {
    listings: f64,
    specimens: f64,
    confirmed: f64,
    suspected: f64,
    /// Part of the totals is withheld (only the published part is summed).
    suppressed: bool,
}

/// The year's totals from `annual_stats`' `all` rows, when every one of
/// them is published.
fn year_totals(t: &View, year: i32) -> Option<Totals> {
    use annual_stats as s;
    let (years, dims, conf) = (
        t.ints(&s::YEAR).ok()?,
        t.text(&s::DIMENSION).ok()?,
        t.text(&s::CONFIDENCE).ok()?,
    );
    let (n, sp) = (
        t.numbers(&s::LISTINGS).ok()?,
        t.numbers(&s::SPECIMENS).ok()?,
    );
    let mut out = Totals {
        listings: 0.0,
        specimens: 0.0,
        confirmed: 0.0,
        suspected: 0.0,
        suppressed: false,
    };
    let mut any = false;
    for i in (0..t.height()).filter(|&i| dims[i] == "all" && years[i] == Some(year)) {
        let (l, x) = (n[i]?, sp[i]?);
        any = true;
        out.listings += l;
        out.specimens += x;
        if conf[i] == "confirmed" {
            out.confirmed += l;
        } else {
            out.suspected += l;
        }
    }
    any.then_some(out)
}

/// The marker of a suppressed count ("<5").
fn marker() -> String {
    crate::export::Disclosure::default().marker()
}

/// A count: the marker when its cell is suppressed, "> N" when only part of
/// it (N, the published part) is shown.
fn shown(v: f64, suppressed: bool) -> String {
    match (suppressed, v > 0.0) {
        (false, _) => count(v),
        (true, false) => marker(),
        (true, true) => format!("> {}", count(v)),
    }
}

/// Another measure of a possibly suppressed cell: "–" when withheld.
fn shown_measure(v: f64, suppressed: bool) -> String {
    match (suppressed, v > 0.0) {
        (false, _) => count(v),
        (true, false) => "–".into(),
        (true, true) => format!("> {}", count(v)),
    }
}

/// What the marker means, for table notes.
fn suppression_note() -> String {
    let d = crate::export::Disclosure::default();
    format!(
        "“{}”: withheld by disclosure control (fewer than {} listings or {} sellers, or withheld so that such a cell cannot be worked out from the totals); “–”: its other figures, withheld with it.",
        d.marker(),
        d.min_listings,
        d.min_sellers
    )
}

/// Sums of confirmed + suspected rows of `annual_stats` per key of one
/// dimension in one year: (listings, specimens, value USD, removed, listings
/// the year before), whether a row of the key is suppressed, and whether
/// its previous-year count is withheld.
#[derive(Default, Clone, Copy)]
struct Dim {
    v: [f64; 5],
    sup: bool,
    prev_sup: bool,
}

fn dimension(t: &View, dim: &str, year: i32) -> Result<BTreeMap<String, Dim>, AnalysisError> {
    use annual_stats as s;
    let (years, dims, keys) = (t.ints(&s::YEAR)?, t.text(&s::DIMENSION)?, t.text(&s::KEY)?);
    let cols = [
        t.numbers(&s::LISTINGS)?,
        t.numbers(&s::SPECIMENS)?,
        t.numbers(&s::TOTAL_VALUE_USD)?,
        t.numbers(&s::REMOVED)?,
        t.numbers(&s::LISTINGS_PREV_YEAR)?,
    ];
    let mut m: BTreeMap<String, Dim> = BTreeMap::new();
    for i in 0..t.height() {
        if dims[i] != dim || years[i] != Some(year) {
            continue;
        }
        let e = m.entry(keys[i].to_string()).or_default();
        e.sup |= cols[0][i].is_none();
        e.prev_sup |= cols[0][i].is_some() && cols[4][i].is_none();
        for (j, col) in cols.iter().enumerate() {
            e.v[j] += col[i].unwrap_or(0.0);
        }
    }
    Ok(m)
}

fn pct_change(cur: f64, prev: f64) -> String {
    if prev > 0.0 && prev < crate::trends::MIN_YOY_BASE as f64 {
        // Withheld on a small base, as in `change`.
        "n/a (base < 5)".into()
    } else if prev > 0.0 {
        let pct = (cur - prev) / prev * 100.0;
        format!("{}{:.0}%", if pct >= 0.0 { "+" } else { "−" }, pct.abs())
    } else if cur > 0.0 {
        "new".into()
    } else {
        "–".into()
    }
}

fn usd(v: f64) -> String {
    format!("US$ {}", count(v))
}

/// Headline value and the splits by CITES appendix, platform and seller
/// country from `annual_stats`.
fn stats_tables(
    t: &View,
    year: i32,
    unconverted: Option<&str>,
    headlines: &mut Vec<Headline>,
    tables: &mut Vec<HtmlTable>,
) -> Result<(), AnalysisError> {
    let all = dimension(t, "all", year)?;
    let prev = dimension(t, "all", year - 1)?;
    let value = all.values().map(|d| d.v[2]).sum::<f64>();
    // A suppressed `all` row leaves the year's value unknown: no headline.
    if value > 0.0 && !all.values().any(|d| d.sup) {
        let p = prev.values().map(|d| d.v[2]).sum::<f64>();
        let prev_known = !prev.is_empty() && !prev.values().any(|d| d.sup);
        headlines.push(Headline {
            value: usd(value),
            label: match unconverted {
                Some(n) => format!(
                    "total asking price of the {year} listings (excluding {n} whose price was not converted)"
                ),
                None => format!("total asking price of the {year} listings"),
            },
            change: if prev_known || prev.is_empty() {
                change(value, prev_known.then_some(p), year - 1)
            } else {
                format!(
                    "not compared with {}: cells withheld by disclosure control",
                    year - 1
                )
            },
        });
    }
    let header = |first: &str, rest: &[&str]| {
        std::iter::once(first)
            .chain(rest.iter().copied())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let sorted = |m: BTreeMap<String, Dim>, limit: usize| {
        let mut v: Vec<(String, Dim)> = m
            .into_iter()
            .filter(|e| e.1.v[0] > 0.0 || e.1.sup)
            .collect();
        v.sort_by(|a, b| b.1.v[0].total_cmp(&a.1.v[0]).then(a.0.cmp(&b.0)));
        v.truncate(limit);
        v
    };
    let cites = sorted(dimension(t, "cites_appendix", year)?, 10);
    tables.push(HtmlTable {
        title: format!("Listings by CITES appendix, {year}"),
        header: header(
            "CITES appendix",
            &["Listings", "Specimens", &format!("Listings {}", year - 1), "Change"],
        ),
        rows: cites
            .iter()
            .map(|(k, d)| {
                let v = &d.v;
                vec![
                    match k.as_str() {
                        "unknown" | "" => "not listed / unknown".to_string(),
                        k => format!("Appendix {k}"),
                    },
                    shown(v[0], d.sup),
                    shown_measure(v[1], d.sup),
                    if d.sup {
                        "–".into()
                    } else if d.prev_sup {
                        marker()
                    } else {
                        count(v[4])
                    },
                    if d.sup || d.prev_sup {
                        "–".into()
                    } else {
                        pct_change(v[0], v[4])
                    },
                ]
            })
            .collect(),
        note: format!("Appendix I: trade for commercial purposes banned; Appendix II: trade needs export permits. {} Source: {} (dimension cites_appendix).", suppression_note(), outputs::ANNUAL_STATS.files.csv),
    });
    for (dim, title, first, limit) in [
        ("platform", "Listings by platform", "Platform", 20),
        (
            "seller_country",
            "Listings by seller country (top 10)",
            "Seller country",
            10,
        ),
    ] {
        let rows = sorted(dimension(t, dim, year)?, limit);
        tables.push(HtmlTable {
            title: format!("{title}, {year}"),
            header: header(
                first,
                &["Listings", "Specimens", "Asking price (USD)", "Removed"],
            ),
            rows: rows
                .iter()
                .map(|(k, d)| {
                    let v = &d.v;
                    vec![
                        k.clone(),
                        shown(v[0], d.sup),
                        shown_measure(v[1], d.sup),
                        if d.sup { "–".into() } else { usd(v[2]) },
                        if d.sup {
                            "–".into()
                        } else {
                            format!("{:.0}%", v[3] / v[0] * 100.0)
                        },
                    ]
                })
                .collect(),
            note: format!(
                "{} Source: {} (dimension {dim}); “unknown” means the listing did not say.",
                suppression_note(),
                outputs::ANNUAL_STATS.files.csv
            ),
        });
    }
    Ok(())
}

/// Confirmed and suspected listings of `year` dated by first sighting
/// (`annual_stats`, dimension all), and whether an `all` row is
/// suppressed (then the count is only the published part).
fn dated_by_first_seen(t: &View, year: i32) -> (f64, bool) {
    use annual_stats as s;
    let (Ok(years), Ok(dims), Ok(n), Ok(l)) = (
        t.ints(&s::YEAR),
        t.text(&s::DIMENSION),
        t.numbers(&s::DATED_BY_FIRST_SEEN),
        t.numbers(&s::LISTINGS),
    ) else {
        return (0.0, false);
    };
    let rows = (0..t.height()).filter(|&i| dims[i] == "all" && years[i] == Some(year));
    rows.fold((0.0, false), |(sum, sup), i| {
        (sum + n[i].unwrap_or(0.0), sup || l[i].is_none())
    })
}

/// The year's confirmed and suspected listings whose price was not
/// converted, by reason and currency: the table, how many of them state a
/// price (left out of the value headline; `None` when none), and the
/// sentence for the disclosures (`None` when there are none). A suppressed
/// cell shows the marker and makes its sums "> N".
fn unconverted_table(
    t: &View,
    year: i32,
) -> Result<(HtmlTable, Option<String>, Option<String>), AnalysisError> {
    use unconverted_prices as u;
    let (years, conf, reasons, currencies, listings) = (
        t.ints(&u::YEAR)?,
        t.text(&u::CONFIDENCE)?,
        t.text(&u::REASON)?,
        t.text(&u::CURRENCY)?,
        t.numbers(&u::LISTINGS)?,
    );
    let mut m: BTreeMap<(Unconverted, String), (f64, bool)> = BTreeMap::new();
    for i in 0..t.height() {
        if years[i] != Some(year) || !matches!(conf[i], "confirmed" | "suspected") {
            continue;
        }
        let Some(r) = Unconverted::parse(reasons[i]) else {
            continue;
        };
        let e = m.entry((r, currencies[i].to_string())).or_default();
        e.0 += listings[i].unwrap_or(0.0);
        e.1 |= listings[i].is_none();
    }
    let sum_of = |keep: &dyn Fn(Unconverted) -> bool| {
        m.iter()
            .filter(|((r, _), _)| keep(*r))
            .fold((0.0, false), |acc, (_, v)| (acc.0 + v.0, acc.1 || v.1))
    };
    let (total, total_sup) = sum_of(&|_| true);
    let (with_price, price_sup) = sum_of(&|r| r != Unconverted::NoPrice);
    let mut parts = Vec::new();
    for r in Unconverted::ALL {
        let of: Vec<(&String, (f64, bool))> = m
            .iter()
            .filter(|((x, _), _)| *x == r)
            .map(|((_, c), n)| (c, *n))
            .collect();
        if of.is_empty() {
            continue;
        }
        let n: f64 = of.iter().map(|x| x.1.0).sum();
        let n_sup = of.iter().any(|x| x.1.1);
        let named: Vec<String> = of
            .iter()
            .filter(|(c, _)| !c.is_empty())
            .map(|(c, n)| format!("{c} {}", shown(n.0, n.1)))
            .collect();
        parts.push(if named.is_empty() {
            format!("{} ({})", r.describe(), shown(n, n_sup))
        } else {
            format!(
                "{} ({}: {})",
                r.describe(),
                shown(n, n_sup),
                named.join(", ")
            )
        });
    }
    let sentence = (total > 0.0 || total_sup).then(|| {
        format!(
            "{} of the {year} listings have no US-dollar value and are left out of the value totals: {}.",
            shown(total, total_sup),
            parts.join("; ")
        )
    });
    let rows = m
        .iter()
        .map(|((r, c), n)| {
            vec![
                r.as_str().to_string(),
                r.describe().to_string(),
                if c.is_empty() {
                    "–".into()
                } else {
                    c.clone()
                },
                shown(n.0, n.1),
            ]
        })
        .collect();
    Ok((
        HtmlTable {
            title: format!("Prices not converted, {year}"),
            header: ["Reason", "Meaning", "Currency", "Listings"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
            note: format!(
                "These listings count in every listing total but not in the value totals ({} of them state a price). {} Source: {}.",
                shown(with_price, price_sup),
                suppression_note(),
                outputs::UNCONVERTED.files.csv
            ),
        },
        (with_price > 0.0 || price_sup).then(|| shown(with_price, price_sup)),
        sentence,
    ))
}

/// The rate sources of the run, in order of precedence.
fn rate_sources_table(r: &RateSettings) -> HtmlTable {
    HtmlTable {
        title: "Exchange-rate sources".into(),
        header: [
            "Order",
            "File",
            "First day",
            "Last day",
            "SHA-256 (start)",
            "Kind",
            "Listings converted",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: r
            .sources
            .iter()
            .map(|s| {
                vec![
                    s.precedence.to_string(),
                    s.file_name.clone(),
                    s.first_date.clone().unwrap_or_default(),
                    s.last_date.clone().unwrap_or_default(),
                    s.sha256.get(..12).unwrap_or(&s.sha256).to_string(),
                    if s.illustrative {
                        "ILLUSTRATIVE (invented rates)".into()
                    } else {
                        "reference rates".into()
                    },
                    count(s.listings_converted as f64),
                ]
            })
            .collect(),
        note: format!(
            "A price converts at the rate of the first source that has its currency on the listing's date, or the business day before (at most 10 days). A date after a source's last day converts at that source's last rate for up to {} days, and is marked after_table_end in listing_facts.csv. Full hashes: manifest.json.",
            r.window_days
        ),
    }
}

/// The year's ten largest routes (confirmed + suspected).
fn routes_table(t: &View, year: i32) -> Result<HtmlTable, AnalysisError> {
    use routes as r;
    let (years, origins, destinations, listings, specimens) = (
        t.ints(&r::YEAR)?,
        t.text(&r::ORIGIN)?,
        t.text(&r::DESTINATION)?,
        t.numbers(&r::LISTINGS)?,
        t.numbers(&r::SPECIMENS)?,
    );
    let mut m: BTreeMap<(String, String), (f64, f64, bool)> = BTreeMap::new();
    for i in (0..t.height()).filter(|&i| years[i] == Some(year)) {
        let e = m
            .entry((origins[i].to_string(), destinations[i].to_string()))
            .or_default();
        e.0 += listings[i].unwrap_or(0.0);
        e.1 += specimens[i].unwrap_or(0.0);
        e.2 |= listings[i].is_none();
    }
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.0.cmp(&b.0)));
    v.truncate(10);
    Ok(HtmlTable {
        title: format!("Largest trade routes, {year}"),
        header: ["Seller country", "Destination", "Listings", "Specimens"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: v
            .iter()
            .map(|((o, d), (l, s, sup))| {
                vec![
                    place_label(o),
                    place_label(d),
                    shown(*l, *sup),
                    shown_measure(*s, *sup),
                ]
            })
            .collect(),
        note: format!(
            "Countries as ISO 3166 codes, read from the seller's stated location (or the platform's home country when none is stated) and the stated shipping destinations. {} Source: {}.",
            suppression_note(),
            outputs::ROUTES.files.csv
        ),
    })
}

/// Removal speed per platform from `removal_rates`, and the overall
/// Kaplan–Meier share removed within 30 days as a headline.
fn removal_tables(
    t: &View,
    headlines: &mut Vec<Headline>,
    tables: &mut Vec<HtmlTable>,
) -> Result<(), AnalysisError> {
    use removal_rates as r;
    let (kinds, groups) = (t.text(&r::GROUP_KIND)?, t.text(&r::GROUP)?);
    let (listings, removed, w7, w30, w90, km30) = (
        t.numbers(&r::LISTINGS)?,
        t.numbers(&r::REMOVED)?,
        t.numbers(&r::REMOVED_WITHIN_7D)?,
        t.numbers(&r::REMOVED_WITHIN_30D)?,
        t.numbers(&r::REMOVED_WITHIN_90D)?,
        t.numbers(&r::KM_REMOVED_BY_30D)?,
    );
    if let Some(i) = (0..t.height()).find(|&i| kinds[i] == "all")
        && let Some(k) = km30[i]
    {
        headlines.push(Headline {
            value: format!("{:.0}%", k * 100.0),
            label: "of listings are removed within 30 days of being found".into(),
            change: "Kaplan–Meier estimate, all years and platforms".into(),
        });
    }
    let n = |v: &[Option<f64>], i: usize| count(v[i].unwrap_or(0.0));
    tables.push(HtmlTable {
        title: "How fast platforms remove listings (all years)".into(),
        header: [
            "Platform",
            "Listings followed",
            "Removed",
            "within 7 days",
            "within 30 days",
            "within 90 days",
            "Removed by day 30 (Kaplan–Meier)",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: (0..t.height())
            .filter(|&i| kinds[i] == "platform")
            .map(|i| {
                if listings[i].is_none() {
                    let mut row = vec![groups[i].to_string(), marker()];
                    row.extend(std::iter::repeat_n("–".to_string(), 5));
                    return row;
                }
                vec![
                    groups[i].to_string(),
                    n(&listings, i),
                    n(&removed, i),
                    n(&w7, i),
                    n(&w30, i),
                    n(&w90, i),
                    km30[i]
                        .map(|k| format!("{:.0}%", k * 100.0))
                        .unwrap_or_else(|| "–".into()),
                ]
            })
            .collect(),
        note: format!("Counted from when wildtrace first saw a listing to the first revisit that found it gone; listings still online are counted up to their last visit (Kaplan–Meier). Source: {}.", outputs::REMOVAL_RATES.files.csv),
    });
    Ok(())
}

/// Removal after reporting per platform (all taxon groups) from
/// `removal_after_report`; nothing when no report was made.
fn after_report_table(t: &View, tables: &mut Vec<HtmlTable>) -> Result<(), AnalysisError> {
    use removal_after_report as r;
    let (sources, groups, arms) = (
        t.text(&r::SOURCE)?,
        t.text(&r::TAXON_GROUP)?,
        t.text(&r::ARM)?,
    );
    let (listings, removed, share, lo, hi, km30) = (
        t.numbers(&r::LISTINGS)?,
        t.numbers(&r::REMOVED)?,
        t.numbers(&r::REMOVED_SHARE)?,
        t.numbers(&r::CI_LOW)?,
        t.numbers(&r::CI_HIGH)?,
        t.numbers(&r::KM_REMOVED_BY_30D)?,
    );
    let rows: Vec<Vec<String>> = (0..t.height())
        .filter(|&i| groups[i] == "all")
        .map(|i| {
            let pct = |v: Option<f64>| {
                v.map(|k| format!("{:.0}%", k * 100.0))
                    .unwrap_or_else(|| "–".into())
            };
            vec![
                sources[i].to_string(),
                if arms[i] == "reported" {
                    "reported".to_string()
                } else {
                    "not reported (comparable)".to_string()
                },
                count(listings[i].unwrap_or(0.0)),
                count(removed[i].unwrap_or(0.0)),
                format!("{} ({}–{})", pct(share[i]), pct(lo[i]), pct(hi[i])),
                pct(km30[i]),
            ]
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    tables.push(HtmlTable {
        title: "Removal after reporting to platforms (all years)".into(),
        header: [
            "Platform",
            "Arm",
            "Listings followed",
            "Removed after the report",
            "Share removed (95% interval)",
            "Removed by day 30 (Kaplan–Meier)",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
        note: format!(
            "Listings reported with `wildtrace flag`, counted from the report to the first revisit that found them gone, beside confirmed and suspected listings of the same platform and taxon group that were online at the platform's first report and not reported. Intervals are Wilson 95% intervals; per taxon group in {}.",
            outputs::REMOVAL_AFTER_REPORT.files.csv
        ),
    });
    Ok(())
}

fn render(page: &Page) -> Result<String, AnalysisError> {
    let fail = |e: minijinja::Error| AnalysisError::Figure {
        path: "analysis/templates/report.html".into(),
        message: format!("report template: {e:#}"),
    };
    let mut env = minijinja::Environment::new();
    // `.html` names get HTML auto-escaping: every value from data is escaped.
    env.add_template("report.html", TEMPLATE).map_err(fail)?;
    env.get_template("report.html")
        .map_err(fail)?
        .render(minijinja::value::Serde(page))
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_words() {
        assert_eq!(change(12.0, Some(10.0), 2024), "+20% on 2024 (10)");
        assert_eq!(change(5.0, Some(10.0), 2024), "−50% on 2024 (10)");
        assert_eq!(change(3.0, Some(0.0), 2024), "none in 2024");
        assert_eq!(change(3.0, None, 2024), "no data for 2024");
        // A base below MIN_YOY_BASE gives no rate of change.
        assert_eq!(
            change(8.0, Some(1.0), 2024),
            "1 in 2024: too few to compare"
        );
        assert_eq!(change(8.0, Some(5.0), 2024), "+60% on 2024 (5)");
        assert_eq!(pct_change(8.0, 1.0), "n/a (base < 5)");
        assert_eq!(pct_change(8.0, 0.0), "new");
        assert_eq!(pct_change(8.0, 5.0), "+60%");
    }
}
