//! Statistical disclosure control for the public audience: from the
//! analyst's published tables to the *public view*, the same contract
//! tables with every cell that could identify a seller or a listing
//! withheld. The public export, the policymaker report and the figures are
//! all made from this view ([`public_view`]), so they cannot disagree.
//!
//! The rules, in order:
//! 1. **Primary suppression.** A cell (one row of an aggregate table) with
//!    fewer than [`Disclosure::min_listings`] listings or fewer than
//!    [`Disclosure::min_sellers`] distinct sellers is suppressed. Sellers are
//!    counted from `listing_facts` with the table's own membership rule
//!    (`annual_stats` carries its own `sellers` column); a cell whose sellers
//!    cannot be counted is suppressed.
//! 2. **Secondary suppression.** Every exact linear link between published
//!    cells is a [`Relation`] `sum(a) = sum(b)` (a split and its total, two
//!    splits of one total, a table and the same counts in another table).
//!    A relation is only used if it holds in the data. When one side is
//!    fully published, the other side must have no suppressed cell, or at
//!    least two whose withheld sum exceeds their number (so they cannot all
//!    be worked out as 1); otherwise the smallest published cell of that
//!    side (or, if none is left, of the other side) is suppressed too,
//!    until no relation changes.
//! 3. **Every measure of a suppressed cell goes with it** (specimens,
//!    sellers, values, medians, removals, shares, ranks); a year-on-year
//!    column that restates a suppressed previous-year cell is withheld too.
//! 4. **Rounding**: US-dollar values to whole dollars, shares (removed
//!    shares, Kaplan–Meier shares, survival, year-on-year change) to 3
//!    decimals (0.1 percentage point); counts are exact.
//!
//! It owns these rules and the relations between the contract tables (see
//! [`relations`]). It must not write files (the export module does) or know
//! how a cell is rendered (the CSV writer shows "<5", the report "<5").

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::{DataFrame, DataType, IntoColumn, NamedFrom, Series};
use serde::Serialize;

use crate::error::AnalysisError;
use crate::outputs::{
    self, Published, Table, annual_by_taxon_group as abt, annual_stats as st, km_curves as km,
    listing_facts as lf, monthly_counts as mc, removal_after_report as rar, removal_rates as rr,
    removals_by_source as rs, routes as ro, unconverted_prices as uc,
};

/// The thresholds of the public audience (recorded in every manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// A cell with fewer listings than this is suppressed (default 5).
    pub min_listings: u32,
    /// A cell with fewer distinct sellers than this is suppressed (default 3).
    pub min_sellers: u32,
}

impl Default for Disclosure {
    fn default() -> Self {
        // why: 5 listings and 3 sellers are the thresholds (the
        // usual frequency and "no single dominant contributor" rules).
        Disclosure {
            min_listings: 5,
            min_sellers: 3,
        }
    }
}

impl Disclosure {
    /// No control at all (0 turns a threshold off): only for tests of how
    /// figures and the report draw; never offered on the command line.
    pub const NONE: Disclosure = Disclosure {
        min_listings: 0,
        min_sellers: 0,
    };

    /// The marker a suppressed count shows in CSV files and the report.
    pub fn marker(&self) -> String {
        format!("<{}", self.min_listings)
    }
}

/// The tables of the public view that are published in the public export,
/// in order. (`listing_classification`, `listing_facts` and
/// `emerging_trends` are never exported to the public.)
pub const PUBLIC_TABLES: &[&Table] = &[
    &outputs::ANNUAL_STATS,
    &outputs::ANNUAL,
    &outputs::ROUTES,
    &outputs::REMOVAL_RATES,
    &outputs::REMOVALS,
    &outputs::KM_CURVES,
    &outputs::MONTHLY_COUNTS,
    &outputs::UNCONVERTED,
    &outputs::REMOVAL_AFTER_REPORT,
];

/// The public view: the controlled tables and which of their rows are
/// suppressed.
#[derive(Debug, Clone)]
pub struct PublicView {
    pub tables: Published,
    /// Per table name, one flag per row of its controlled frame.
    pub suppressed: BTreeMap<&'static str, Vec<bool>>,
    /// Cells suppressed by rule 1 and by rule 2, and the relations checked.
    pub counts: SuppressionCounts,
    pub params: Disclosure,
}

/// How much was suppressed (recorded in the manifest).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SuppressionCounts {
    pub cells: usize,
    pub primary: usize,
    pub secondary: usize,
    pub relations: usize,
}

/// Key columns of each aggregate table (the rest are measures, withheld
/// with the cell).
fn key_columns(t: &Table) -> &'static [&'static str] {
    match t.name {
        "annual_stats" => &["year", "dimension", "key", "rank", "confidence"],
        "annual_by_taxon_group" => &["year", "taxon_group", "confidence"],
        "routes" => &["year", "origin", "destination", "confidence"],
        "removal_rates" => &["group_kind", "group"],
        "removals_by_source" => &["source"],
        "km_curves" => &["group_kind", "group", "time_days", "survival"],
        "monthly_counts" => &["kind", "key", "rank", "month"],
        "unconverted_prices" => &["year", "confidence", "reason", "currency"],
        "removal_after_report" => &["source", "taxon_group", "arm"],
        _ => &[],
    }
}

/// How a float measure is rounded in the public view.
fn round_public(column: &str, v: f64) -> f64 {
    if column.ends_with("_usd") {
        // why: a value to the cent can single out one listing's price.
        v.round()
    } else {
        (v * 1000.0).round() / 1000.0
    }
}

/// A cell: one row of one aggregate table.
#[derive(Debug, Clone)]
struct Cell {
    listings: f64,
    /// Distinct sellers, `None` when unknown (then the seller rule suppresses).
    sellers: Option<usize>,
    /// Whether the seller threshold applies to the cell at all.
    seller_rule: bool,
    primary: bool,
    suppressed: bool,
}

/// One side of a relation: (cell, value) pairs.
type Side = Vec<(usize, f64)>;

/// `sum(a) = sum(b)` over (cell, value) pairs.
#[derive(Debug, Clone)]
struct Relation {
    a: Vec<(usize, f64)>,
    b: Vec<(usize, f64)>,
}

/// The cells and relations being controlled.
#[derive(Default)]
struct Grid {
    cells: Vec<Cell>,
    /// (table, row) → cell.
    ids: HashMap<(&'static str, usize), usize>,
    relations: Vec<Relation>,
}

impl Grid {
    fn add(&mut self, table: &'static str, row: usize, listings: f64, sellers: Option<usize>) {
        self.push(table, row, listings, sellers, true);
    }

    /// A cell under the listing threshold only (a table with no sellers to count).
    fn add_listings_only(&mut self, table: &'static str, row: usize, listings: f64) {
        self.push(table, row, listings, None, false);
    }

    fn push(
        &mut self,
        table: &'static str,
        row: usize,
        listings: f64,
        sellers: Option<usize>,
        seller_rule: bool,
    ) {
        let id = self.cells.len();
        self.cells.push(Cell {
            listings,
            sellers,
            seller_rule,
            primary: false,
            suppressed: false,
        });
        self.ids.insert((table, row), id);
    }

    fn id(&self, table: &'static str, row: usize) -> Option<usize> {
        self.ids.get(&(table, row)).copied()
    }

    /// Adds `sum(a) = sum(b)` when it holds in the data and both sides
    /// have cells.
    fn relate(&mut self, a: Vec<(usize, f64)>, b: Vec<(usize, f64)>) {
        let (sa, sb): (f64, f64) = (a.iter().map(|x| x.1).sum(), b.iter().map(|x| x.1).sum());
        if !a.is_empty() && !b.is_empty() && (sa - sb).abs() < 1e-9 {
            self.relations.push(Relation { a, b });
        }
    }

    fn primary(&mut self, p: &Disclosure) {
        for c in &mut self.cells {
            let few = c.listings < f64::from(p.min_listings)
                || (c.seller_rule
                    && p.min_sellers > 0
                    && c.sellers.is_none_or(|s| s < p.min_sellers as usize));
            c.primary = few;
            c.suppressed = few;
        }
    }

    /// Rule 2 until nothing changes.
    fn secondary(&mut self) {
        loop {
            let mut changed = false;
            for r in 0..self.relations.len() {
                for flip in [false, true] {
                    let rel = &self.relations[r];
                    let (side, other) = if flip {
                        (&rel.b, &rel.a)
                    } else {
                        (&rel.a, &rel.b)
                    };
                    if other.iter().any(|(c, _)| self.cells[*c].suppressed) {
                        continue;
                    }
                    if protected(&self.cells, side) {
                        continue;
                    }
                    let pick = smallest_published(&self.cells, side)
                        .or_else(|| smallest_published(&self.cells, other));
                    if let Some(c) = pick {
                        self.cells[c].suppressed = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }
}

/// Whether the suppressed cells of `side` cannot be worked out from the
/// rest of it and a known total: none, or at least two whose withheld sum
/// exceeds their number (each is at least 1).
fn protected(cells: &[Cell], side: &[(usize, f64)]) -> bool {
    let withheld: Vec<f64> = side
        .iter()
        .filter(|(c, _)| cells[*c].suppressed)
        .map(|x| x.1)
        .collect();
    withheld.is_empty()
        || (withheld.len() >= 2 && withheld.iter().sum::<f64>() > withheld.len() as f64)
}

fn smallest_published(cells: &[Cell], side: &[(usize, f64)]) -> Option<usize> {
    side.iter()
        .filter(|(c, _)| !cells[*c].suppressed)
        .min_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)))
        .map(|x| x.0)
}

/// Distinct sellers per cell key, counted from `listing_facts`.
#[derive(Default)]
struct Sellers<K: Ord>(BTreeMap<K, BTreeSet<String>>);

impl<K: Ord> Sellers<K> {
    fn add(&mut self, k: K, seller: &str) {
        let e = self.0.entry(k).or_default();
        if !seller.is_empty() {
            e.insert(seller.to_string());
        }
    }
    fn get(&self, k: &K) -> Option<usize> {
        self.0.get(k).map(BTreeSet::len)
    }
}

fn wildlife(confidence: &str) -> bool {
    matches!(confidence, "confirmed" | "suspected")
}

fn or_unknown(s: &str) -> String {
    if s.is_empty() {
        crate::tables::UNKNOWN.to_string()
    } else {
        s.to_string()
    }
}

/// The per-listing columns the seller counts need.
struct Facts<'a> {
    n: usize,
    year: Vec<Option<i32>>,
    month: Vec<&'a str>,
    confidence: Vec<&'a str>,
    group: Vec<&'a str>,
    source: Vec<&'a str>,
    seller: Vec<&'a str>,
    country: Vec<&'a str>,
    country_conf: Vec<&'a str>,
    destinations: Vec<&'a str>,
    reason: Vec<&'a str>,
    currency: Vec<&'a str>,
}

impl<'a> Facts<'a> {
    fn read(t: &outputs::View<'a>) -> Result<Facts<'a>, AnalysisError> {
        Ok(Facts {
            n: t.height(),
            year: ints(t, &lf::YEAR),
            month: texts(t, &lf::MONTH),
            confidence: texts(t, &lf::CONFIDENCE),
            group: texts(t, &lf::TAXON_GROUP),
            source: texts(t, &lf::SOURCE),
            seller: texts(t, &lf::SELLER_PSEUDONYM),
            country: texts(t, &lf::SELLER_COUNTRY),
            country_conf: texts(t, &lf::SELLER_COUNTRY_CONFIDENCE),
            destinations: texts(t, &lf::DESTINATIONS),
            reason: texts(t, &lf::UNCONVERTED_REASON),
            currency: texts(t, &lf::CURRENCY),
        })
    }
}

// Lenient readers: a table read back from a folder may lack a column (an
// older run, a hand-made table); a missing column reads as empty cells.
fn nums(t: &outputs::View<'_>, c: &outputs::Column) -> Vec<Option<f64>> {
    t.numbers(c).unwrap_or_else(|_| vec![None; t.height()])
}
fn texts<'a>(t: &outputs::View<'a>, c: &outputs::Column) -> Vec<&'a str> {
    t.text(c).unwrap_or_else(|_| vec![""; t.height()])
}
fn ints(t: &outputs::View<'_>, c: &outputs::Column) -> Vec<Option<i32>> {
    t.ints(c).unwrap_or_else(|_| vec![None; t.height()])
}

/// Builds the public view of `tables` (which must hold `listing_facts` for
/// seller counts; without it every cell but `annual_stats`'s is
/// suppressed).
pub fn public_view(tables: &Published, p: &Disclosure) -> Result<PublicView, AnalysisError> {
    let facts_view = tables.view(&outputs::LISTING_FACTS);
    // A facts table without the columns needed counts no sellers (every
    // cell that needs them is then suppressed).
    let facts = facts_view.as_ref().and_then(|t| Facts::read(t).ok());
    let mut g = Grid::default();

    // annual_stats: its own seller counts.
    let mut stats_key: HashMap<(i32, String, String, String), usize> = HashMap::new();
    if let Some(t) = tables.view(&outputs::ANNUAL_STATS) {
        let (y, d, k, c, n, s) = (
            ints(&t, &st::YEAR),
            texts(&t, &st::DIMENSION),
            texts(&t, &st::KEY),
            texts(&t, &st::CONFIDENCE),
            nums(&t, &st::LISTINGS),
            nums(&t, &st::SELLERS),
        );
        for i in 0..t.height() {
            g.add(
                "annual_stats",
                i,
                n[i].unwrap_or(0.0),
                s[i].map(|v| v as usize),
            );
            if let Some(y) = y[i] {
                stats_key.insert((y, d[i].into(), k[i].into(), c[i].into()), i);
            }
        }
    }
    // annual_by_taxon_group: the same cells as annual_stats' taxon_group rows.
    if let Some(t) = tables.view(&outputs::ANNUAL) {
        let (y, grp, c, n) = (
            ints(&t, &abt::YEAR),
            texts(&t, &abt::TAXON_GROUP),
            texts(&t, &abt::CONFIDENCE),
            nums(&t, &abt::LISTINGS),
        );
        for i in 0..t.height() {
            let same = y[i].and_then(|y| {
                stats_key.get(&(y, "taxon_group".into(), or_unknown(grp[i]), c[i].into()))
            });
            match same.and_then(|&r| g.id("annual_stats", r)) {
                Some(id) if (g.cells[id].listings - n[i].unwrap_or(0.0)).abs() < 1e-9 => {
                    g.ids.insert(("annual_by_taxon_group", i), id);
                }
                _ => g.add("annual_by_taxon_group", i, n[i].unwrap_or(0.0), None),
            }
        }
    }
    // Seller counts of the other tables, from the per-listing facts.
    let mut by_route: Sellers<(i32, String, String, String)> = Sellers::default();
    let mut by_group: Sellers<(String, String)> = Sellers::default();
    let mut by_source: Sellers<String> = Sellers::default();
    let mut by_month: Sellers<(String, String, String)> = Sellers::default();
    let mut by_reason: Sellers<(i32, String, String, String)> = Sellers::default();
    if let Some(f) = &facts {
        for i in 0..f.n {
            by_source.add(f.source[i].into(), f.seller[i]);
            if let (Some(y), r) = (f.year[i], f.reason[i])
                && !r.is_empty()
            {
                by_reason.add(
                    (y, f.confidence[i].into(), r.into(), f.currency[i].into()),
                    f.seller[i],
                );
            }
            if !wildlife(f.confidence[i]) {
                continue;
            }
            by_group.add(("all".into(), "all".into()), f.seller[i]);
            by_group.add(("platform".into(), f.source[i].into()), f.seller[i]);
            by_group.add(("taxon_group".into(), or_unknown(f.group[i])), f.seller[i]);
            if !f.group[i].is_empty() {
                by_month.add(
                    ("taxon".into(), f.group[i].into(), f.month[i].into()),
                    f.seller[i],
                );
            }
            by_month.add(
                ("platform".into(), f.source[i].into(), f.month[i].into()),
                f.seller[i],
            );
            if let Some(y) = f.year[i]
                && !f.country[i].is_empty()
                && !f.country_conf[i].is_empty()
            {
                for d in f.destinations[i].split('|').filter(|d| !d.is_empty()) {
                    by_route.add(
                        (y, f.country[i].into(), d.into(), f.country_conf[i].into()),
                        f.seller[i],
                    );
                }
            }
        }
    }
    if let Some(t) = tables.view(&outputs::ROUTES) {
        let (y, o, d, c, n) = (
            ints(&t, &ro::YEAR),
            texts(&t, &ro::ORIGIN),
            texts(&t, &ro::DESTINATION),
            texts(&t, &ro::CONFIDENCE),
            nums(&t, &ro::LISTINGS),
        );
        for i in 0..t.height() {
            let s = y[i].and_then(|y| by_route.get(&(y, o[i].into(), d[i].into(), c[i].into())));
            g.add("routes", i, n[i].unwrap_or(0.0), s);
        }
    }
    let mut rr_key: HashMap<(String, String), usize> = HashMap::new();
    if let Some(t) = tables.view(&outputs::REMOVAL_RATES) {
        let (k, grp, n) = (
            texts(&t, &rr::GROUP_KIND),
            texts(&t, &rr::GROUP),
            nums(&t, &rr::LISTINGS),
        );
        for i in 0..t.height() {
            let key = (k[i].to_string(), grp[i].to_string());
            g.add("removal_rates", i, n[i].unwrap_or(0.0), by_group.get(&key));
            rr_key.insert(key, i);
        }
    }
    if let Some(t) = tables.view(&outputs::REMOVALS) {
        let (s, n) = (texts(&t, &rs::SOURCE), nums(&t, &rs::LISTINGS));
        for i in 0..t.height() {
            g.add(
                "removals_by_source",
                i,
                n[i].unwrap_or(0.0),
                by_source.get(&s[i].to_string()),
            );
        }
    }
    // monthly_counts: term series are not published to the public.
    let mut monthly_keep = Vec::new();
    if let Some(t) = tables.view(&outputs::MONTHLY_COUNTS) {
        let (k, key, m, n) = (
            texts(&t, &mc::KIND),
            texts(&t, &mc::KEY),
            texts(&t, &mc::MONTH),
            nums(&t, &mc::LISTINGS),
        );
        for i in 0..t.height() {
            let keep = k[i] != "term";
            monthly_keep.push(keep);
            if keep {
                let s = by_month.get(&(k[i].into(), key[i].into(), m[i].into()));
                g.add("monthly_counts", i, n[i].unwrap_or(0.0), s);
            }
        }
    }
    if let Some(t) = tables.view(&outputs::UNCONVERTED) {
        let (y, c, r, cur, n) = (
            ints(&t, &uc::YEAR),
            texts(&t, &uc::CONFIDENCE),
            texts(&t, &uc::REASON),
            texts(&t, &uc::CURRENCY),
            nums(&t, &uc::LISTINGS),
        );
        for i in 0..t.height() {
            let s = y[i].and_then(|y| by_reason.get(&(y, c[i].into(), r[i].into(), cur[i].into())));
            g.add("unconverted_prices", i, n[i].unwrap_or(0.0), s);
        }
    }

    relations(tables, &mut g, &stats_key, &rr_key, &monthly_keep)?;
    // removal_after_report: the listing threshold (its arms have no seller
    // counts: it describes what platforms did, not sellers); within a
    // platform and arm the taxon groups add up to its `all` row.
    if let Some(t) = tables.view(&outputs::REMOVAL_AFTER_REPORT) {
        let (src, grp, arm, n) = (
            texts(&t, &rar::SOURCE),
            texts(&t, &rar::TAXON_GROUP),
            texts(&t, &rar::ARM),
            nums(&t, &rar::LISTINGS),
        );
        let name = "removal_after_report";
        // (platform, arm) → (its `all` row, its group rows).
        type Rows = (Option<usize>, Vec<usize>);
        let mut by: BTreeMap<(&str, &str), Rows> = BTreeMap::new();
        for i in 0..t.height() {
            g.add_listings_only(name, i, n[i].unwrap_or(0.0));
            let e = by.entry((src[i], arm[i])).or_default();
            if grp[i] == "all" {
                e.0 = Some(i);
            } else {
                e.1.push(i);
            }
        }
        for (all, parts) in by.into_values() {
            let (Some(all), Some(total)) = (all, all.and_then(|a| g.id(name, a))) else {
                continue;
            };
            let members: Vec<(usize, f64)> = parts
                .iter()
                .filter_map(|&i| Some((g.id(name, i)?, n[i].unwrap_or(0.0))))
                .collect();
            g.relate(members, vec![(total, n[all].unwrap_or(0.0))]);
        }
    }
    g.primary(p);
    let primary = g.cells.iter().filter(|c| c.primary).count();
    g.secondary();
    let suppressed_n = g.cells.iter().filter(|c| c.suppressed).count();

    // The controlled frames.
    let mut out = Published::default();
    let mut flags: BTreeMap<&'static str, Vec<bool>> = BTreeMap::new();
    for &t in PUBLIC_TABLES {
        let Some(df) = tables.get(t) else {
            continue;
        };
        let (df, sup) = match t.name {
            "km_curves" => km_public(df, tables, &g, &rr_key)?,
            "monthly_counts" => {
                let keep: Vec<bool> = monthly_keep.clone();
                let mask = mask_of(&keep);
                let sup: Vec<bool> = (0..df.height())
                    .filter(|&i| keep[i])
                    .map(|i| is_suppressed(&g, t.name, i))
                    .collect();
                (mask_frame(&df.filter(&mask)?, t, &sup)?, sup)
            }
            _ => {
                let sup: Vec<bool> = (0..df.height())
                    .map(|i| is_suppressed(&g, t.name, i))
                    .collect();
                let mut masked = mask_frame(df, t, &sup)?;
                if t.name == "annual_stats" {
                    masked = withhold_prev_year(masked, tables, &g, &stats_key)?;
                }
                if t.name == "routes" {
                    masked = rerank_routes(masked)?;
                }
                (masked, sup)
            }
        };
        out.put(t, df);
        flags.insert(t.name, sup);
    }
    // For the figures and the report only (never exported): the listing
    // facts of product types that pass the thresholds (the price figure),
    // the first classification row (the report's lexicon version), and the
    // emerging trends (5+ listings each by construction).
    if let (Some(df), Some(t)) = (
        tables.get(&outputs::LISTING_FACTS),
        tables.view(&outputs::LISTING_FACTS),
    ) {
        let n = t.height();
        let text = |c: &outputs::Column| t.text(c).unwrap_or_else(|_| vec![""; n]);
        let (conf, product, flag, seller) = (
            text(&lf::CONFIDENCE),
            text(&lf::PRODUCT_TYPE),
            text(&lf::PRICE_FLAG),
            text(&lf::SELLER_PSEUDONYM),
        );
        let mut per: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
        for i in 0..n {
            if wildlife(conf[i]) && flag[i] == "ok" {
                let e = per.entry(product[i]).or_default();
                e.0 += 1;
                if !seller[i].is_empty() {
                    e.1.insert(seller[i]);
                }
            }
        }
        let keep: Vec<bool> = (0..n)
            .map(|i| {
                per.get(product[i]).is_some_and(|(k, s)| {
                    *k >= p.min_listings as usize && s.len() >= p.min_sellers as usize
                })
            })
            .collect();
        let mask = mask_of(&keep);
        out.put(&outputs::LISTING_FACTS, df.filter(&mask)?);
    }
    if let Some(df) = tables.get(&outputs::CLASSIFICATION) {
        out.put(&outputs::CLASSIFICATION, df.head(Some(1)));
    }
    if let Some(df) = tables.get(&outputs::EMERGING_TRENDS) {
        out.put(&outputs::EMERGING_TRENDS, df.clone());
    }
    Ok(PublicView {
        tables: out,
        suppressed: flags,
        counts: SuppressionCounts {
            cells: g.cells.len(),
            primary,
            secondary: suppressed_n - primary,
            relations: g.relations.len(),
        },
        params: *p,
    })
}

use super::mask_of;

fn is_suppressed(g: &Grid, table: &'static str, row: usize) -> bool {
    // why: a row the control does not know is withheld, never published by default.
    g.id(table, row).is_none_or(|c| g.cells[c].suppressed)
}

/// Every exact link between published cells (see the module docs). Each
/// is added only if it holds in the data ([`Grid::relate`]).
fn relations(
    tables: &Published,
    g: &mut Grid,
    stats_key: &HashMap<(i32, String, String, String), usize>,
    rr_key: &HashMap<(String, String), usize>,
    monthly_keep: &[bool],
) -> Result<(), AnalysisError> {
    let cell = |g: &Grid, t: &'static str, r: usize| g.id(t, r);
    // annual_stats: each dimension's keys within a year × confidence add up
    // to the `all` row; over all years and confidences, the platform and
    // taxon_group keys (and `all`) add up to removal_rates' rows.
    if let Some(t) = tables.view(&outputs::ANNUAL_STATS) {
        let (y, d, k, c, n, unpriced) = (
            ints(&t, &st::YEAR),
            texts(&t, &st::DIMENSION),
            texts(&t, &st::KEY),
            texts(&t, &st::CONFIDENCE),
            nums(&t, &st::LISTINGS),
            nums(&t, &st::UNPRICED_LISTINGS),
        );
        let mut split: BTreeMap<(i32, String, String), Vec<(usize, f64)>> = BTreeMap::new();
        let mut over_years: BTreeMap<(String, String), Vec<(usize, f64)>> = BTreeMap::new();
        for i in 0..t.height() {
            let (Some(yr), Some(id)) = (y[i], cell(g, "annual_stats", i)) else {
                continue;
            };
            let v = n[i].unwrap_or(0.0);
            if d[i] != "all" {
                split
                    .entry((yr, c[i].into(), d[i].into()))
                    .or_default()
                    .push((id, v));
            }
            over_years
                .entry((d[i].into(), k[i].into()))
                .or_default()
                .push((id, v));
        }
        for ((yr, conf, _), members) in split {
            if let Some(&r) = stats_key.get(&(yr, "all".into(), "all".into(), conf)) {
                let total = cell(g, "annual_stats", r).expect("cell");
                let v = n[r].unwrap_or(0.0);
                g.relate(members, vec![(total, v)]);
            }
        }
        if let Some(rt) = tables.view(&outputs::REMOVAL_RATES) {
            let rn = nums(&rt, &rr::LISTINGS);
            for ((dim, key), members) in over_years {
                let kind = match dim.as_str() {
                    "all" | "platform" | "taxon_group" => dim.clone(),
                    _ => continue,
                };
                if let Some(&r) = rr_key.get(&(kind, key)) {
                    let total = cell(g, "removal_rates", r).expect("cell");
                    g.relate(members, vec![(total, rn[r].unwrap_or(0.0))]);
                }
            }
            // removal_rates: platforms and taxon groups each add up to `all`.
            let kinds = texts(&rt, &rr::GROUP_KIND);
            if let Some(&all) = rr_key.get(&("all".into(), "all".into())) {
                let total = (
                    cell(g, "removal_rates", all).expect("cell"),
                    rn[all].unwrap_or(0.0),
                );
                for kind in ["platform", "taxon_group"] {
                    let members: Vec<(usize, f64)> = (0..rt.height())
                        .filter(|&i| kinds[i] == kind)
                        .filter_map(|i| Some((cell(g, "removal_rates", i)?, rn[i].unwrap_or(0.0))))
                        .collect();
                    g.relate(members, vec![total]);
                }
            }
        }
        // unconverted_prices: a year × confidence's reasons and currencies
        // add up to the unpriced listings of its `all` row.
        if let Some(ut) = tables.view(&outputs::UNCONVERTED) {
            let (uy, ucf, un) = (
                ints(&ut, &uc::YEAR),
                texts(&ut, &uc::CONFIDENCE),
                nums(&ut, &uc::LISTINGS),
            );
            let mut per: BTreeMap<(i32, String), Vec<(usize, f64)>> = BTreeMap::new();
            for i in 0..ut.height() {
                if let (Some(yr), Some(id)) = (uy[i], cell(g, "unconverted_prices", i))
                    && wildlife(ucf[i])
                {
                    per.entry((yr, ucf[i].into()))
                        .or_default()
                        .push((id, un[i].unwrap_or(0.0)));
                }
            }
            for ((yr, conf), members) in per {
                if let Some(&r) = stats_key.get(&(yr, "all".into(), "all".into(), conf)) {
                    let total = cell(g, "annual_stats", r).expect("cell");
                    g.relate(members, vec![(total, unpriced[r].unwrap_or(0.0))]);
                }
            }
        }
    }
    // monthly_counts: per month, taxon-group series and platform series
    // count the same listings (when every listing has a group); over a
    // year's months, a series adds up to annual_stats' confirmed +
    // suspected rows of its key, and all platforms to the `all` rows.
    if let Some(t) = tables.view(&outputs::MONTHLY_COUNTS) {
        let (k, key, m, n) = (
            texts(&t, &mc::KIND),
            texts(&t, &mc::KEY),
            texts(&t, &mc::MONTH),
            nums(&t, &mc::LISTINGS),
        );
        let mut per_month: BTreeMap<(String, &str), Vec<(usize, f64)>> = BTreeMap::new();
        let mut per_year: BTreeMap<(i32, &str, String), Side> = BTreeMap::new();
        let mut per_year_kind: BTreeMap<(i32, &str), Vec<(usize, f64)>> = BTreeMap::new();
        for i in 0..t.height() {
            if !monthly_keep[i] {
                continue;
            }
            let Some(id) = cell(g, "monthly_counts", i) else {
                continue;
            };
            let v = n[i].unwrap_or(0.0);
            per_month
                .entry((m[i].to_string(), k[i]))
                .or_default()
                .push((id, v));
            if let Some(yr) = m[i].get(..4).and_then(|s| s.parse::<i32>().ok()) {
                per_year
                    .entry((yr, k[i], key[i].to_string()))
                    .or_default()
                    .push((id, v));
                per_year_kind.entry((yr, k[i])).or_default().push((id, v));
            }
        }
        let months: BTreeSet<String> = per_month.keys().map(|x| x.0.clone()).collect();
        for month in months {
            if let (Some(a), Some(b)) = (
                per_month.get(&(month.clone(), "taxon")),
                per_month.get(&(month.clone(), "platform")),
            ) {
                g.relate(a.clone(), b.clone());
            }
        }
        if let Some(st_t) = tables.view(&outputs::ANNUAL_STATS) {
            let sn = nums(&st_t, &st::LISTINGS);
            let both = |g: &Grid, yr: i32, dim: &str, key: &str| -> Vec<(usize, f64)> {
                ["confirmed", "suspected"]
                    .iter()
                    .filter_map(|c| stats_key.get(&(yr, dim.into(), key.into(), (*c).into())))
                    .filter_map(|&r| Some((cell(g, "annual_stats", r)?, sn[r].unwrap_or(0.0))))
                    .collect()
            };
            for ((yr, kind, key), members) in per_year {
                let dim = if kind == "taxon" {
                    "taxon_group"
                } else {
                    "platform"
                };
                let total = both(g, yr, dim, &key);
                g.relate(members, total);
            }
            for ((yr, _), members) in per_year_kind {
                let total = both(g, yr, "all", "all");
                g.relate(members, total);
            }
        }
    }
    Ok(())
}

/// `df` with every measure of a suppressed row set to null and the float
/// measures rounded ([`round_public`]).
fn mask_frame(df: &DataFrame, t: &'static Table, sup: &[bool]) -> Result<DataFrame, AnalysisError> {
    let keys = key_columns(t);
    let mut cols = Vec::with_capacity(df.width());
    // The frame's own columns (one read back from a folder may hold fewer).
    for column in df.columns() {
        let s = column.as_materialized_series().clone();
        let cname = s.name().to_string();
        if keys.contains(&cname.as_str()) {
            cols.push(s.into_column());
            continue;
        }
        let name = cname.as_str().into();
        let masked = match s.dtype() {
            DataType::Int64 => Series::new(
                name,
                s.i64()?
                    .iter()
                    .zip(sup)
                    .map(|(v, &x)| if x { None } else { v })
                    .collect::<Vec<_>>(),
            ),
            DataType::Int32 => Series::new(
                name,
                s.i32()?
                    .iter()
                    .zip(sup)
                    .map(|(v, &x)| if x { None } else { v })
                    .collect::<Vec<_>>(),
            ),
            DataType::Float64 => Series::new(
                name,
                s.f64()?
                    .iter()
                    .zip(sup)
                    .map(|(v, &x)| {
                        if x {
                            None
                        } else {
                            v.map(|v| round_public(&cname, v))
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
            DataType::String => Series::new(
                name,
                s.str()?
                    .iter()
                    .zip(sup)
                    .map(|(v, &x)| if x { None } else { v })
                    .collect::<Vec<_>>(),
            ),
            _ => s,
        };
        cols.push(masked.into_column());
    }
    Ok(DataFrame::new_infer_height(cols)?)
}

/// Withholds `listings_prev_year` and `listings_yoy_change` where they
/// restate a suppressed previous-year cell (together they give it back).
fn withhold_prev_year(
    df: DataFrame,
    tables: &Published,
    g: &Grid,
    stats_key: &HashMap<(i32, String, String, String), usize>,
) -> Result<DataFrame, AnalysisError> {
    let Some(t) = tables.view(&outputs::ANNUAL_STATS) else {
        return Ok(df);
    };
    let (y, d, k, c) = (
        ints(&t, &st::YEAR),
        texts(&t, &st::DIMENSION),
        texts(&t, &st::KEY),
        texts(&t, &st::CONFIDENCE),
    );
    let hide: Vec<bool> = (0..t.height())
        .map(|i| {
            y[i].and_then(|y| stats_key.get(&(y - 1, d[i].into(), k[i].into(), c[i].into())))
                .is_some_and(|&r| is_suppressed(g, "annual_stats", r))
        })
        .collect();
    let mut df = df;
    let (Ok(prev), Ok(yoy)) = (
        df.column(st::LISTINGS_PREV_YEAR.name),
        df.column(st::LISTINGS_YOY_CHANGE.name),
    ) else {
        return Ok(df);
    };
    let (prev, yoy) = (prev.i64()?.clone(), yoy.f64()?.clone());
    let prev: Vec<Option<i64>> = prev
        .iter()
        .zip(&hide)
        .map(|(v, &h)| if h { None } else { v })
        .collect();
    let yoy: Vec<Option<f64>> = yoy
        .iter()
        .zip(&hide)
        .map(|(v, &h)| if h { None } else { v })
        .collect();
    df.with_column(Series::new(st::LISTINGS_PREV_YEAR.name.into(), prev).into_column())?;
    df.with_column(Series::new(st::LISTINGS_YOY_CHANGE.name.into(), yoy).into_column())?;
    Ok(df)
}

/// Ranks the published routes of each year among themselves (by listings,
/// ties by origin, destination, confidence, as the analyst's table does).
/// why: a rank counted over withheld routes too would bound their counts.
fn rerank_routes(mut df: DataFrame) -> Result<DataFrame, AnalysisError> {
    let (Ok(y), Ok(o), Ok(d), Ok(c), Ok(n)) = (
        df.column(ro::YEAR.name)
            .and_then(|c| c.cast(&DataType::Int32)),
        df.column(ro::ORIGIN.name).cloned(),
        df.column(ro::DESTINATION.name).cloned(),
        df.column(ro::CONFIDENCE.name).cloned(),
        df.column(ro::LISTINGS.name)
            .and_then(|c| c.cast(&DataType::Int64)),
    ) else {
        return Ok(df);
    };
    let (y, o, d, c, n) = (y.i32()?, o.str()?, d.str()?, c.str()?, n.i64()?);
    let mut order: Vec<usize> = (0..df.height()).filter(|&i| n.get(i).is_some()).collect();
    order.sort_by(|&a, &b| {
        y.get(a)
            .cmp(&y.get(b))
            .then(n.get(b).cmp(&n.get(a)))
            .then(o.get(a).cmp(&o.get(b)))
            .then(d.get(a).cmp(&d.get(b)))
            .then(c.get(a).cmp(&c.get(b)))
    });
    let mut rank: Vec<Option<i64>> = vec![None; df.height()];
    let (mut last, mut r) = (None, 0i64);
    for i in order {
        if last != Some(y.get(i)) {
            last = Some(y.get(i));
            r = 0;
        }
        r += 1;
        rank[i] = Some(r);
    }
    df.with_column(Series::new(ro::RANK.name.into(), rank).into_column())?;
    Ok(df)
}

/// The Kaplan–Meier steps of the groups whose `removal_rates` row is
/// published, with the per-step counts withheld (survival rounded).
fn km_public(
    df: &DataFrame,
    tables: &Published,
    g: &Grid,
    rr_key: &HashMap<(String, String), usize>,
) -> Result<(DataFrame, Vec<bool>), AnalysisError> {
    let t = tables.view(&outputs::KM_CURVES).expect("present");
    let (k, grp) = (texts(&t, &km::GROUP_KIND), texts(&t, &km::GROUP));
    let keep: Vec<bool> = (0..t.height())
        .map(|i| {
            rr_key
                .get(&(k[i].to_string(), grp[i].to_string()))
                .is_some_and(|&r| !is_suppressed(g, "removal_rates", r))
        })
        .collect();
    let mask = mask_of(&keep);
    let kept = df.filter(&mask)?;
    // why: the per-step at-risk, event and censored counts are single
    // listings; the curve (survival by time) is what the figure needs.
    let withheld = vec![true; kept.height()];
    let masked = mask_frame(&kept, &outputs::KM_CURVES, &withheld)?;
    let mut masked = masked;
    if let Ok(surv) = kept.column(km::SURVIVAL.name) {
        let surv: Vec<Option<f64>> = surv
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .map(|v| v.map(|v| round_public(km::SURVIVAL.name, v)))
            .collect();
        masked.with_column(Series::new(km::SURVIVAL.name.into(), surv).into_column())?;
    }
    Ok((masked, vec![false; kept.height()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(values: &[f64], sellers: &[usize]) -> Grid {
        let mut g = Grid::default();
        for (i, (v, s)) in values.iter().zip(sellers).enumerate() {
            g.add("t", i, *v, Some(*s));
        }
        g
    }

    #[test]
    fn one_suppressed_cell_takes_the_next_smallest_with_it() {
        // Cells 0..3 add up to cell 4.
        let mut g = grid(&[2.0, 9.0, 7.0, 20.0, 38.0], &[2, 5, 5, 9, 12]);
        g.relate(
            (0..4).map(|i| (i, g.cells[i].listings)).collect(),
            vec![(4, 38.0)],
        );
        g.primary(&Disclosure::default());
        assert_eq!(g.cells.iter().filter(|c| c.suppressed).count(), 1);
        g.secondary();
        let sup: Vec<bool> = g.cells.iter().map(|c| c.suppressed).collect();
        assert_eq!(sup, [true, false, true, false, false], "7 goes with 2");
    }

    #[test]
    fn two_cells_of_one_each_are_not_enough() {
        let mut g = grid(&[1.0, 1.0, 8.0, 10.0], &[1, 1, 4, 5]);
        g.relate(
            (0..3).map(|i| (i, g.cells[i].listings)).collect(),
            vec![(3, 10.0)],
        );
        g.primary(&Disclosure::default());
        g.secondary();
        let sup: Vec<bool> = g.cells.iter().map(|c| c.suppressed).collect();
        assert_eq!(sup, [true, true, true, false]);
    }

    #[test]
    fn a_relation_that_does_not_hold_is_not_used() {
        let mut g = grid(&[2.0, 9.0, 30.0], &[2, 5, 9]);
        g.relate(vec![(0, 2.0), (1, 9.0)], vec![(2, 30.0)]);
        assert!(g.relations.is_empty());
    }
}
