//! From lake observations to the published tables, in memory: [`build`]
//! reduces the observations to one row per listing with every derived fact
//! ([`listings`], with [`prices`]), then aggregates them ([`annual`],
//! [`routes`], [`takedowns`], [`monthly`], [`unconverted`], and
//! [`after_report`] with the lake's reports) and hands each table to
//! [`Published`], which checks it against the output contract.
//!
//! It owns the counting rules (what a listing, a year, a specimen, a seller,
//! a value and a removal are; see the README "Analysis methods"). It must not
//! open the lake itself (it gets a lazy frame from `lake`), write files, draw
//! figures or touch DuckDB, and it names published columns only through
//! [`crate::outputs`].

mod after_report;
mod annual;
pub(crate) mod listings;
mod monthly;
mod prices;
mod routes;
mod takedowns;
mod unconverted;

use polars::prelude::{DataFrame, IntoLazy, LazyFrame};

use crate::error::AnalysisError;
use crate::fx::{RateBook, Unconverted};
use crate::lexicon::Lexicon;
use crate::outputs::{self, Published};
use crate::places::Gazetteer;

pub(crate) use annual::annual_stats;

/// Placeholder for a missing split key in `annual_stats` and the takedown
/// groups.
pub const UNKNOWN: &str = "unknown";

/// Reference data besides the lexicon.
pub(crate) struct Reference<'a> {
    pub rates: &'a RateBook,
    pub places: &'a Gazetteer,
}

/// What the run counted on the way (printed and kept in the provenance).
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    pub observations: u64,
    pub listings: u64,
    pub removed: u64,
    pub decoys: u64,
    pub implausible_prices: u64,
    /// Listings without a posted date, dated by their first sighting.
    pub dated_by_first_seen: u64,
    /// Listings whose price has no USD value, by reason and currency.
    pub unconverted: Vec<(Unconverted, Option<String>, u64)>,
    /// Listings converted by each rate source, in precedence order.
    pub converted_by_source: Vec<u64>,
}

/// The analysis tables, in memory, and the counts.
pub(crate) struct Tables {
    pub published: Published,
    pub counts: Counts,
}

/// Builds every table from the lake's listings observations and each
/// reported listing's first report time (µs, by listing id).
pub(crate) fn build(
    observations: LazyFrame,
    reports: &std::collections::BTreeMap<String, i64>,
    lexicon: &Lexicon,
    reference: &Reference<'_>,
) -> Result<Tables, AnalysisError> {
    let per_listing = listings::latest_per_listing(observations)?;
    let l = listings::Listings::derive(&per_listing.frame, lexicon, reference)?;

    let mut p = Published::default();
    let classification = l.classification_frame(lexicon.version())?;
    p.insert(&outputs::ANNUAL, annual::by_taxon_group(&classification)?)?;
    p.insert(
        &outputs::REMOVALS,
        annual::removals_by_source(&classification)?,
    )?;
    p.insert(&outputs::CLASSIFICATION, classification)?;
    let facts = l.facts_frame()?;
    p.insert(&outputs::ANNUAL_STATS, annual_stats(facts.clone().lazy())?)?;
    p.insert(&outputs::ROUTES, routes::routes(&l)?)?;
    let (removal_rates, km_curves) = takedowns::takedowns(&l)?;
    p.insert(&outputs::REMOVAL_RATES, removal_rates)?;
    p.insert(&outputs::KM_CURVES, km_curves)?;
    let (monthly, trends) = monthly::monthly_and_trends(&l)?;
    p.insert(&outputs::MONTHLY_COUNTS, monthly)?;
    p.insert(&outputs::EMERGING_TRENDS, trends)?;
    p.insert(&outputs::LISTING_FACTS, facts)?;
    p.insert(&outputs::UNCONVERTED, unconverted::table(&l)?)?;
    p.insert(
        &outputs::REMOVAL_AFTER_REPORT,
        after_report::removal_after_report(&l, reports)?,
    )?;

    let mut converted_by_source = vec![0; reference.rates.sources().len()];
    for s in l.rate_source.iter().flatten() {
        if let Some(n) = usize::try_from(*s - 1)
            .ok()
            .and_then(|i| converted_by_source.get_mut(i))
        {
            *n += 1;
        }
    }

    Ok(Tables {
        published: p,
        counts: Counts {
            observations: per_listing.observations,
            listings: l.len() as u64,
            removed: l.removed.iter().filter(|r| **r).count() as u64,
            decoys: l.decoys(),
            implausible_prices: l.flag.iter().filter(|f| f.implausible()).count() as u64,
            dated_by_first_seen: l
                .date_basis
                .iter()
                .filter(|b| **b == listings::DateBasis::FirstSeen)
                .count() as u64,
            unconverted: unconverted::by_reason(&l),
            converted_by_source,
        },
    })
}

/// Rounds half away from zero to 4 decimals (the published precision).
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// `num / den` per row of `df`, rounded to 4 places (0 when den is 0).
fn shares(df: &DataFrame, num: &str, den: &str) -> Result<Vec<f64>, AnalysisError> {
    let l = df.column(den)?.i64()?;
    let r = df.column(num)?.i64()?;
    Ok(l.iter()
        .zip(r.iter())
        .map(|(l, r)| match (l, r) {
            (Some(l), Some(r)) if l > 0 => round4(r as f64 / l as f64),
            _ => 0.0,
        })
        .collect())
}
