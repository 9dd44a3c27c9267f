//! `unconverted_prices`: every listing whose price has no USD value, per
//! year × confidence × reason × currency, so that no unconverted listing is
//! silently missing from the value totals; and the same counts for the run
//! summary and the manifest.
//!
//! It owns this aggregate only. It must not decide why a price was not
//! converted (`fx` and `prices` do) or re-derive per-listing facts.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::listings::Listings;
use crate::error::AnalysisError;
use crate::fx::Unconverted;
use crate::outputs::unconverted_prices as u;

/// (year, confidence, reason, currency) → listings.
type Key = (i32, &'static str, Unconverted, Option<String>);

fn counts(l: &Listings) -> BTreeMap<Key, i64> {
    let mut m: BTreeMap<Key, i64> = BTreeMap::new();
    for i in 0..l.len() {
        if let Some(why) = l.unconverted[i] {
            *m.entry((
                l.year[i],
                l.confidence[i].as_str(),
                why,
                l.currency[i].clone(),
            ))
            .or_default() += 1;
        }
    }
    m
}

/// The table, sorted by year, confidence, reason (in [`Unconverted::ALL`]
/// order) and currency.
pub(super) fn table(l: &Listings) -> Result<DataFrame, AnalysisError> {
    let m = counts(l);
    let (mut year, mut conf, mut reason, mut cur, mut n) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((y, c, r, k), v) in m {
        year.push(y);
        conf.push(c);
        reason.push(r.as_str());
        cur.push(k);
        n.push(v);
    }
    Ok(DataFrame::new_infer_height(vec![
        u::YEAR.values(year),
        u::CONFIDENCE.values(conf),
        u::REASON.values(reason),
        u::CURRENCY.values(cur),
        u::LISTINGS.values(n),
    ])?)
}

/// Every listing not converted, by reason and currency (all years and
/// confidences), sorted: what the summary and the manifest show.
pub(super) fn by_reason(l: &Listings) -> Vec<(Unconverted, Option<String>, u64)> {
    let mut m: BTreeMap<(Unconverted, Option<String>), u64> = BTreeMap::new();
    for i in 0..l.len() {
        if let Some(why) = l.unconverted[i] {
            *m.entry((why, l.currency[i].clone())).or_default() += 1;
        }
    }
    m.into_iter().map(|((r, c), n)| (r, c, n)).collect()
}
