//! The catalogue of published figures: for each one, the table under
//! `<out>/tables/` it draws, how its rows become a chart, its title, axis
//! labels and caption. [`write_all`] draws every figure whose table exists
//! and lists the others as skipped in `figures/index.json`, which the report
//! reads, so a new figure needs only its table and an entry here.
//!
//! It owns the mapping from tables to charts (selecting rows and columns,
//! ordering, keeping the top series). It must not compute statistics: every
//! number drawn is a number of a published table.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::charts::{Boxes, Group, HBars, Heat, Lines, Stacked, XAxis};
use super::{BarData, Frame};
use crate::atomic::{ensure_dir, write_atomic};
use crate::error::AnalysisError;
use crate::outputs::{
    self, Column, FIGURES_DIR, Published, Table, View, annual_by_taxon_group, annual_stats,
    emerging_trends, km_curves, listing_facts, monthly_counts, removal_after_report,
};

/// The index of the figures, `figures/index.json` (named by the output contract).
pub const INDEX_JSON: &str = outputs::FIGURE_INDEX;

/// One figure of the catalogue, drawn or skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureInfo {
    /// File stem under `figures/` (`<id>.png`, `<id>.svg`).
    pub id: String,
    pub title: String,
    /// Axis labels (with units), as drawn.
    pub x_label: String,
    pub y_label: String,
    /// One or two plain sentences saying how to read it.
    pub caption: String,
    /// The table it draws, relative to the output folder.
    pub table: String,
    /// PNG and SVG paths relative to the output folder, when drawn.
    pub png: Option<String>,
    pub svg: Option<String>,
    /// Why it was not drawn (its table does not exist yet, or is empty).
    pub skipped: Option<String>,
}

/// Every figure of a run, drawn or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FigureIndex {
    /// The source line printed under every figure.
    pub source_line: String,
    pub figures: Vec<FigureInfo>,
}

impl FigureIndex {
    /// Reads `figures/index.json` of an output folder.
    pub fn load(out_dir: &Path) -> Result<FigureIndex, AnalysisError> {
        let path = out_dir.join(INDEX_JSON);
        let text = std::fs::read_to_string(&path).map_err(|e| AnalysisError::io(&path, e))?;
        serde_json::from_str(&text).map_err(|e| AnalysisError::Figure {
            path,
            message: format!("not a figure index: {e}"),
        })
    }

    /// The drawn figures' files (absolute, under `out_dir`).
    pub fn files(&self, out_dir: &Path) -> Vec<PathBuf> {
        self.figures
            .iter()
            .flat_map(|f| [&f.png, &f.svg])
            .flatten()
            .map(|p| out_dir.join(p))
            .collect()
    }
}

/// What one catalogue entry produced.
enum Built {
    /// Drawn, with the axis labels actually used.
    Drawn {
        x_label: String,
        y_label: String,
    },
    Skipped(String),
}

struct Ctx<'a> {
    out: &'a Path,
    source: String,
}

impl Ctx<'_> {
    fn files(&self, id: &str) -> (PathBuf, PathBuf) {
        let dir = self.out.join(FIGURES_DIR);
        (dir.join(format!("{id}.png")), dir.join(format!("{id}.svg")))
    }
}

/// One entry: id, table, title, subtitle, axis labels, legend title, caption, builder.
struct Entry {
    id: &'static str,
    table: &'static Table,
    title: &'static str,
    subtitle: &'static str,
    x_label: &'static str,
    y_label: &'static str,
    legend: &'static str,
    caption: &'static str,
    build: fn(&Ctx, &View, &Frame, &str) -> Result<Built, AnalysisError>,
}

/// The catalogue, in the order the report shows it.
const ENTRIES: &[Entry] = &[
    Entry {
        id: "annual_listings_by_taxon_group",
        table: &outputs::ANNUAL,
        title: super::TITLE,
        subtitle: "Listings classified as confirmed or suspected wildlife (decoys and unrecognised listings excluded)",
        x_label: super::X_LABEL,
        y_label: super::Y_LABEL,
        legend: "Taxon group",
        caption: "Each bar is one year of posting; its segments are taxon groups, the number above it the year's total. Confirmed and suspected listings are added together.",
        build: |c, t, f, id| annual(c, t, f, id, &annual_by_taxon_group::LISTINGS),
    },
    Entry {
        id: "annual_specimens_by_taxon_group",
        table: &outputs::ANNUAL,
        title: "Specimens offered per year, by taxon group",
        subtitle: "Stated quantities of confirmed or suspected wildlife listings (a listing stating none counts as one)",
        x_label: "Year of posting",
        y_label: "Specimens (count)",
        legend: "Taxon group",
        caption: "Like the listings chart, but each listing counts with the number of animals, parts or products it offers.",
        build: |c, t, f, id| annual(c, t, f, id, &annual_by_taxon_group::SPECIMENS),
    },
    Entry {
        id: "monthly_listings_top_taxa",
        table: &outputs::MONTHLY_COUNTS,
        title: "Monthly listings of the most offered taxon groups",
        subtitle: "The six taxon groups with the most listings overall (one rank: taxon group); confirmed and suspected listings",
        x_label: "Month of posting",
        y_label: "Listings (count per month)",
        legend: "Taxon",
        caption: "One line per taxon; months without listings are drawn as zero.",
        build: monthly,
    },
    Entry {
        id: "price_usd_by_product_type",
        table: &outputs::LISTING_FACTS,
        title: "Asking prices by product type",
        subtitle: "Stated prices of confirmed or suspected wildlife listings in US dollars at the ECB rate of the posting date; implausible prices left out",
        x_label: "Product type",
        y_label: "Asking price (USD, log scale)",
        legend: "Product type",
        caption: "Boxes span the middle half of the prices with a line at the median; whiskers reach the lowest and highest price; every dot is one listing. The axis is logarithmic: each grid line is ten times the one below.",
        build: prices,
    },
    Entry {
        id: "route_matrix",
        table: &outputs::ROUTES,
        title: "Trade routes: seller country to destination",
        subtitle: "Listings per seller country and stated destination country, all years (the 12 busiest of each)",
        x_label: "Destination (ISO 3166 code or region)",
        y_label: "Origin (ISO 3166 code)",
        legend: "Listings",
        caption: "Each cell counts listings offered from the row's country to the column's country; darker means more.",
        build: routes,
    },
    Entry {
        id: "removal_survival_by_platform",
        table: &outputs::KM_CURVES,
        title: "How long listings stay online, by platform",
        subtitle: "Kaplan–Meier estimate of the share of listings still online; listings not seen removed are censored at their last observation",
        x_label: "Time since first seen",
        y_label: "Still online (% of listings)",
        legend: "Platform",
        caption: "A curve that falls fast means the platform removes listings quickly. Steps happen when a removal is observed, so the timing is only as fine as the revisit schedule.",
        build: survival,
    },
    Entry {
        id: "removal_after_report",
        table: &outputs::REMOVAL_AFTER_REPORT,
        title: "Removed after reporting, by platform",
        subtitle: "Share of each platform's reported listings seen removed after the report, beside comparable unreported ones (all taxon groups)",
        x_label: "Removed after the report (% of listings)",
        y_label: "",
        legend: "",
        caption: "Each bar is one platform's reported or comparable listings, with their number in brackets; the 95 % intervals and each taxon group are in removal_after_report.csv. A platform that acts on reports removes more of the reported listings than of the comparable ones.",
        build: after_report,
    },
    Entry {
        id: "cites_appendix_share",
        table: &outputs::ANNUAL_STATS,
        title: "Share of listings by CITES appendix, per year",
        subtitle: "Confirmed and suspected listings by the CITES appendix of the taxon",
        x_label: "Year of posting",
        y_label: "Share of listings (%)",
        legend: "CITES appendix",
        caption: "Appendix I species are threatened with extinction and their commercial trade is banned; Appendix II trade needs permits.",
        build: cites,
    },
    Entry {
        id: "emerging_terms",
        table: &outputs::EMERGING_TRENDS,
        title: "Emerging terms",
        subtitle: "Terms whose monthly count rose significantly above their own trailing 12-month mean (5 or more listings; false-discovery rate 5% across all series; highest month shown)",
        x_label: "Rise above the trailing mean (standard scores)",
        y_label: "",
        legend: "",
        caption: "A long bar means that in some month a term was used far more often than in the year before: a lead worth checking, not a finding.",
        build: emerging,
    },
];

/// Draws every figure whose table is among `tables` into `out_dir/figures/`
/// and writes `figures/index.json`. `source_line` is printed under every
/// figure, with the years the data covers appended.
pub fn write_all(
    tables: &Published,
    out_dir: &Path,
    source_line: &str,
) -> Result<FigureIndex, AnalysisError> {
    ensure_dir(&out_dir.join(FIGURES_DIR))?;
    let started = std::time::Instant::now();
    let years = data_years(tables)?;
    let source = match years {
        Some((a, b)) if a == b => format!("{source_line} · listings posted in {a}"),
        Some((a, b)) => format!("{source_line} · listings posted {a}–{b}"),
        None => source_line.to_string(),
    };
    let ctx = Ctx {
        out: out_dir,
        source: source.clone(),
    };
    let mut index = FigureIndex {
        source_line: source,
        figures: Vec::new(),
    };
    for e in ENTRIES {
        let frame = Frame {
            title: e.title.into(),
            subtitle: e.subtitle.into(),
            x_label: e.x_label.into(),
            y_label: e.y_label.into(),
            source: ctx.source.clone(),
            legend_title: e.legend.into(),
        };
        let file = e.table.files.csv;
        let partly_withheld = tables.view(e.table).is_some_and(|t| any_withheld(&t));
        let built = match tables.view(e.table) {
            None => Built::Skipped(format!("{file} does not exist (not produced by this run)")),
            Some(t) if t.height() == 0 => Built::Skipped(format!("{file} is empty")),
            // The public view empties every measure of a suppressed cell.
            Some(t) if all_withheld(&t) => Built::Skipped(format!(
                "every cell of {file} is withheld by disclosure control (too few listings or sellers)"
            )),
            Some(t) => (e.build)(&ctx, &t, &frame, e.id)?,
        };
        let mut info = FigureInfo {
            id: e.id.into(),
            title: e.title.into(),
            x_label: e.x_label.into(),
            y_label: e.y_label.into(),
            caption: if partly_withheld {
                format!(
                    "{} Cells withheld by disclosure control (fewer than 5 listings or 3 sellers, or needed to protect such a cell) are left out.",
                    e.caption
                )
            } else {
                e.caption.into()
            },
            table: file.into(),
            png: None,
            svg: None,
            skipped: None,
        };
        match built {
            Built::Drawn { x_label, y_label } => {
                info.x_label = x_label;
                info.y_label = y_label;
                info.png = Some(format!("{FIGURES_DIR}/{}.png", e.id));
                info.svg = Some(format!("{FIGURES_DIR}/{}.svg", e.id));
            }
            Built::Skipped(why) => {
                tracing::info!(figure = e.id, reason = %why, "figure skipped");
                info.skipped = Some(why);
            }
        }
        index.figures.push(info);
    }
    let json = serde_json::to_vec_pretty(&index).map_err(|e| AnalysisError::Figure {
        path: out_dir.join(INDEX_JSON),
        message: e.to_string(),
    })?;
    write_atomic(&out_dir.join(INDEX_JSON), &json)?;
    tracing::info!(
        drawn = index.figures.iter().filter(|f| f.png.is_some()).count(),
        skipped = index.figures.iter().filter(|f| f.skipped.is_some()).count(),
        ms = started.elapsed().as_millis() as u64,
        "figures written"
    );
    Ok(index)
}

/// Whether every `listings` cell of a table that has them is empty (the
/// public view's mark of a suppressed cell).
fn all_withheld(t: &View) -> bool {
    t.table()
        .column("listings")
        .and_then(|c| t.numbers(c).ok())
        .is_some_and(|v| v.iter().all(Option::is_none))
}

/// Whether some `listings` cell of a table that has them is empty.
fn any_withheld(t: &View) -> bool {
    t.table()
        .column("listings")
        .and_then(|c| t.numbers(c).ok())
        .is_some_and(|v| v.iter().any(Option::is_none))
}

/// First and last year of the annual table, if any.
fn data_years(tables: &Published) -> Result<Option<(i32, i32)>, AnalysisError> {
    let Some(t) = tables.view(&outputs::ANNUAL) else {
        return Ok(None);
    };
    let years: BTreeSet<i32> = t
        .ints(&annual_by_taxon_group::YEAR)?
        .into_iter()
        .flatten()
        .collect();
    Ok(years.first().zip(years.last()).map(|(a, b)| (*a, *b)))
}

fn draw<C: super::Draw>(c: &Ctx, chart: &C, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    let (png, svg) = c.files(id);
    super::write(chart, f, &png, &svg)?;
    Ok(Built::Drawn {
        x_label: f.x_label.clone(),
        y_label: f.y_label.clone(),
    })
}

/// Stacked bars of `measure` per year and taxon group (confirmed + suspected).
fn annual(
    c: &Ctx,
    t: &View,
    f: &Frame,
    id: &str,
    measure: &Column,
) -> Result<Built, AnalysisError> {
    use annual_by_taxon_group as a;
    let (years, groups, values) = (
        t.ints(&a::YEAR)?,
        t.text(&a::TAXON_GROUP)?,
        t.numbers(measure)?,
    );
    let mut data = BarData::default();
    for i in 0..t.height() {
        if let (Some(year), Some(n)) = (years[i], values[i]) {
            *data
                .counts
                .entry(year)
                .or_default()
                .entry(groups[i].to_string())
                .or_default() += n.max(0.0) as u64;
        }
    }
    if let (Some(a), Some(b)) = (
        data.counts.keys().next().copied(),
        data.counts.keys().next_back().copied(),
    ) {
        data.years = (a..=b).collect();
    }
    draw(c, &data.stacked(), f, id)
}

/// `YYYY-MM` → months since year 0.
fn month_index(s: &str) -> Option<f64> {
    let (y, m) = s.get(..7)?.split_once('-')?;
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some((y * 12 + m - 1) as f64)
}

/// Lines of the six taxon groups with most listings (the `taxon` series,
/// all at rank `taxon_group`); missing months are zero.
/// Months with a published count the monthly chart needs to be drawn.
const MIN_MONTHS: usize = 3;

fn monthly(c: &Ctx, t: &View, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    use monthly_counts as m;
    let (kinds, months, keys, counts) = (
        t.text(&m::KIND)?,
        t.text(&m::MONTH)?,
        t.text(&m::KEY)?,
        t.numbers(&m::LISTINGS)?,
    );
    let mut by: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
    let mut all_months = BTreeSet::new();
    for i in (0..t.height()).filter(|&i| kinds[i] == "taxon") {
        if let (Some(m), Some(v)) = (month_index(months[i]), counts[i])
            && !keys[i].is_empty()
        {
            all_months.insert(m as i64);
            *by.entry(keys[i].to_string())
                .or_default()
                .entry(m as i64)
                .or_default() += v;
        }
    }
    let mut totals: Vec<(String, f64)> = by
        .iter()
        .map(|(k, v)| (k.clone(), v.values().sum()))
        .collect();
    totals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let (Some(&first), Some(&last)) = (all_months.first(), all_months.last()) else {
        return Ok(Built::Skipped("no months with listings".into()));
    };
    // A trend needs months to compare: a line through one or two published
    // months (the rest withheld by disclosure control) would read as one.
    if all_months.len() < MIN_MONTHS {
        return Ok(Built::Skipped(format!(
            "only {} month(s) with a published count (fewer than {MIN_MONTHS}; months with fewer than the disclosure thresholds are withheld)",
            all_months.len()
        )));
    }
    let series = totals
        .iter()
        .take(6)
        .map(|(name, _)| {
            let m = &by[name];
            let pts = (first..=last)
                .map(|k| (k as f64, m.get(&k).copied().unwrap_or(0.0)))
                .collect();
            (name.clone(), pts)
        })
        .collect();
    let chart = Lines {
        series,
        step: false,
        x_axis: XAxis::Months,
        percent: false,
        empty_message: "No monthly counts".into(),
    };
    draw(c, &chart, f, id)
}

/// Boxes of USD prices per product type (plausible prices only).
fn prices(c: &Ctx, t: &View, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    use listing_facts as l;
    let (products, usd, flags, confidence) = (
        t.text(&l::PRODUCT_TYPE)?,
        t.numbers(&l::PRICE_USD)?,
        t.text(&l::PRICE_FLAG)?,
        t.text(&l::CONFIDENCE)?,
    );
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for i in 0..t.height() {
        let wildlife = matches!(confidence[i], "confirmed" | "suspected");
        if let Some(v) = usd[i]
            && wildlife
            && flags[i] == "ok"
            && !products[i].is_empty()
        {
            groups.entry(products[i].to_string()).or_default().push(v);
        }
    }
    let mut groups: Vec<Group> = groups
        .into_iter()
        .map(|(name, values)| Group { name, values })
        .collect();
    groups.sort_by(|a, b| {
        b.values
            .len()
            .cmp(&a.values.len())
            .then(a.name.cmp(&b.name))
    });
    groups.truncate(8);
    if groups.is_empty() {
        return Ok(Built::Skipped("no plausible prices".into()));
    }
    let chart = Boxes {
        groups,
        empty_message: "No prices".into(),
    };
    draw(c, &chart, f, id)
}

/// Origin × destination counts, the 12 largest of each side.
fn routes(c: &Ctx, t: &View, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    use outputs::routes as r;
    let (origins, destinations, counts) = (
        t.text(&r::ORIGIN)?,
        t.text(&r::DESTINATION)?,
        t.numbers(&r::LISTINGS)?,
    );
    let mut cells: HashMap<(String, String), f64> = HashMap::new();
    let (mut out_tot, mut in_tot): (BTreeMap<String, f64>, BTreeMap<String, f64>) =
        Default::default();
    for i in 0..t.height() {
        let (o, d) = (origins[i], destinations[i]);
        if let Some(v) = counts[i]
            && !o.is_empty()
            && !d.is_empty()
        {
            *cells.entry((o.to_string(), d.to_string())).or_default() += v;
            *out_tot.entry(o.to_string()).or_default() += v;
            *in_tot.entry(d.to_string()).or_default() += v;
        }
    }
    let top = |m: BTreeMap<String, f64>| {
        let mut v: Vec<(String, f64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(12);
        v.into_iter().map(|x| x.0).collect::<Vec<_>>()
    };
    let (rows, cols) = (top(out_tot), top(in_tot));
    let values = rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|d| cells.get(&(r.clone(), d.clone())).copied().unwrap_or(0.0))
                .collect()
        })
        .collect();
    let (rows, cols) = (
        rows.iter().map(|p| place_label(p)).collect(),
        cols.iter().map(|p| place_label(p)).collect(),
    );
    let chart = Heat {
        rows,
        cols,
        values,
        empty_message: "No routes".into(),
    };
    draw(c, &chart, f, id)
}

/// ISO codes stay as they are; region words (`WORLD`, `MIDDLE_EAST`) are
/// shortened to fit a heat-map column.
pub(crate) fn place_label(p: &str) -> String {
    match p {
        "WORLD" | "WORLDWIDE" => "World".into(),
        "MIDDLE_EAST" => "Mid. East".into(),
        "SOUTH_AMERICA" => "S. America".into(),
        "NORTH_AMERICA" => "N. America".into(),
        p if p.len() <= 3 => p.into(),
        p => {
            let mut out = String::new();
            for (i, w) in p.split('_').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let mut ch = w.chars();
                if let Some(c) = ch.next() {
                    out.push(c);
                    out.extend(ch.flat_map(char::to_lowercase));
                }
            }
            out
        }
    }
}

/// Kaplan–Meier step curves, one per platform.
fn survival(c: &Ctx, t: &View, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    use km_curves as k;
    let (kinds, groups, days, survival) = (
        t.text(&k::GROUP_KIND)?,
        t.text(&k::GROUP)?,
        t.numbers(&k::TIME_DAYS)?,
        t.numbers(&k::SURVIVAL)?,
    );
    let mut by: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for i in (0..t.height()).filter(|&i| kinds[i] == "platform") {
        if let (Some(x), Some(y)) = (days[i], survival[i]) {
            by.entry(groups[i].to_string())
                .or_default()
                .push((x, y * 100.0));
        }
    }
    if by.is_empty() {
        return Ok(Built::Skipped("no curves per platform".into()));
    }
    // Days, or hours/minutes/seconds when every revisit came within a day
    // (a job revisiting hourly, or a test crawling rounds seconds apart).
    let max = by.values().flatten().map(|p| p.0).fold(0.0, f64::max);
    let (scale, unit) = if max >= 2.0 {
        (1.0, "Days")
    } else if max >= 2.0 / 24.0 {
        (24.0, "Hours")
    } else if max >= 2.0 / 1440.0 {
        (1440.0, "Minutes")
    } else {
        (86_400.0, "Seconds")
    };
    for v in by.values_mut() {
        for p in v.iter_mut() {
            p.0 *= scale;
        }
    }
    let mut f = f.clone();
    f.x_label = format!("{unit} since first seen");
    let series = by
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            if v.first().is_none_or(|p| p.0 > 0.0) {
                v.insert(0, (0.0, 100.0));
            }
            (k, v)
        })
        .collect();
    let chart = Lines {
        series,
        step: true,
        x_axis: XAxis::Number,
        percent: true,
        empty_message: "No listings followed over time".into(),
    };
    draw(c, &chart, &f, id)
}

/// 100 % stacked bars of listings per year by CITES appendix.
fn cites(c: &Ctx, t: &View, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    use annual_stats as s;
    let (years, dims, keys, counts) = (
        t.ints(&s::YEAR)?,
        t.text(&s::DIMENSION)?,
        t.text(&s::KEY)?,
        t.numbers(&s::LISTINGS)?,
    );
    let mut by_year: BTreeMap<i32, BTreeMap<String, f64>> = BTreeMap::new();
    let mut names = BTreeSet::new();
    for i in (0..t.height()).filter(|&i| dims[i] == "cites_appendix") {
        if let (Some(year), Some(v)) = (years[i], counts[i]) {
            let name = match keys[i] {
                "" | "none" | "not listed" | "unknown" => "Not listed".to_string(),
                x if x.starts_with("Appendix") => x.to_string(),
                x => format!("Appendix {x}"),
            };
            names.insert(name.clone());
            *by_year.entry(year).or_default().entry(name).or_default() += v;
        }
    }
    let names: Vec<String> = names.into_iter().collect();
    let mut rows = BTreeMap::new();
    if let (Some(&a), Some(&b)) = (by_year.keys().next(), by_year.keys().next_back()) {
        for year in a..=b {
            let m = by_year.get(&year);
            let total: f64 = m.map(|m| m.values().sum()).unwrap_or(0.0);
            let row = names
                .iter()
                .map(|k| match m.and_then(|m| m.get(k)) {
                    Some(v) if total > 0.0 => v / total * 100.0,
                    _ => 0.0,
                })
                .collect();
            rows.insert(year, row);
        }
    }
    if rows.is_empty() {
        return Ok(Built::Skipped("no cites_appendix rows".into()));
    }
    let chart = Stacked {
        names,
        rows,
        percent: true,
        empty_message: "No listings with a CITES appendix".into(),
    };
    draw(c, &chart, f, id)
}

/// The 15 terms with the highest score, highest first.
/// Horizontal bars: each platform's `all`-groups rows of
/// `removal_after_report`, reported then comparable.
fn after_report(c: &Ctx, t: &View, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    use removal_after_report as r;
    let (sources, groups, arms, listings, shares) = (
        t.text(&r::SOURCE)?,
        t.text(&r::TAXON_GROUP)?,
        t.text(&r::ARM)?,
        t.numbers(&r::LISTINGS)?,
        t.numbers(&r::REMOVED_SHARE)?,
    );
    let mut rows: Vec<(String, usize, String, f64)> = (0..t.height())
        .filter(|&i| groups[i] == "all")
        .filter_map(|i| {
            let order = usize::from(arms[i] != "reported");
            let label = format!(
                "{} · {} ({})",
                sources[i],
                arms[i],
                listings[i].unwrap_or(0.0) as i64
            );
            Some((sources[i].to_string(), order, label, shares[i]? * 100.0))
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    if rows.is_empty() {
        return Ok(Built::Skipped("no reports to platforms in the lake".into()));
    }
    let chart = HBars {
        labels: rows.iter().map(|x| x.2.clone()).collect(),
        values: rows.iter().map(|x| x.3).collect(),
        empty_message: "No reports to platforms".into(),
    };
    draw(c, &chart, f, id)
}

fn emerging(c: &Ctx, t: &View, f: &Frame, id: &str) -> Result<Built, AnalysisError> {
    use emerging_trends as e;
    let (kinds, keys, months, scores) = (
        t.text(&e::KIND)?,
        t.text(&e::KEY)?,
        t.text(&e::MONTH)?,
        t.numbers(&e::Z)?,
    );
    // Each term once, at its highest standard score (labelled with that month).
    let mut best: BTreeMap<String, (f64, String)> = BTreeMap::new();
    for i in (0..t.height()).filter(|&i| kinds[i] == "term") {
        if let Some(x) = scores[i].filter(|x| x.is_finite() && *x > 0.0) {
            let e = best
                .entry(keys[i].to_string())
                .or_insert((x, months[i].to_string()));
            if x > e.0 {
                *e = (x, months[i].to_string());
            }
        }
    }
    let mut v: Vec<(String, f64)> = best
        .into_iter()
        .map(|(term, (z, month))| (format!("{term} ({month})"), z))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(15);
    if v.is_empty() {
        return Ok(Built::Skipped("no term rose above its baseline".into()));
    }
    let chart = HBars {
        labels: v.iter().map(|x| x.0.clone()).collect(),
        values: v.iter().map(|x| x.1).collect(),
        empty_message: "No emerging terms".into(),
    };
    draw(c, &chart, f, id)
}
