//! `routes`: origin → destination pairs per year.
//!
//! It owns the route counting and ranking. It must not read places itself
//! (the per-listing facts carry seller country and destinations).

use std::collections::BTreeMap;

use polars::prelude::*;

use super::listings::Listings;
use crate::error::AnalysisError;
use crate::outputs::routes as c;

/// Origin → destination pairs per year (confirmed and suspected listings
/// with a seller country and at least one destination), ranked within the
/// year by listings (ties: origin, destination, confidence).
pub(super) fn routes(f: &Listings) -> Result<DataFrame, AnalysisError> {
    let mut acc: BTreeMap<(i32, String, String, String), (i64, i64)> = BTreeMap::new();
    for i in 0..f.len() {
        let (Some(origin), Some(conf)) = (&f.seller_country[i], &f.seller_country_confidence[i])
        else {
            continue;
        };
        if !f.wildlife(i) {
            continue;
        }
        for d in &f.destinations[i] {
            let e = acc
                .entry((f.year[i], origin.clone(), d.clone(), conf.clone()))
                .or_default();
            e.0 += 1;
            e.1 += f.specimens[i];
        }
    }
    let mut rows: Vec<_> = acc.into_iter().collect();
    rows.sort_by(|a, b| {
        a.0.0
            .cmp(&b.0.0)
            .then(b.1.0.cmp(&a.1.0))
            .then(a.0.cmp(&b.0))
    });
    let mut rank = Vec::with_capacity(rows.len());
    let mut last_year = None;
    let mut r = 0i64;
    for ((y, ..), _) in &rows {
        if last_year != Some(*y) {
            r = 0;
            last_year = Some(*y);
        }
        r += 1;
        rank.push(r);
    }
    Ok(DataFrame::new_infer_height(vec![
        c::YEAR.values(rows.iter().map(|r| r.0.0).collect::<Vec<_>>()),
        c::ORIGIN.values(rows.iter().map(|r| r.0.1.clone()).collect::<Vec<_>>()),
        c::DESTINATION.values(rows.iter().map(|r| r.0.2.clone()).collect::<Vec<_>>()),
        c::CONFIDENCE.values(rows.iter().map(|r| r.0.3.clone()).collect::<Vec<_>>()),
        c::LISTINGS.values(rows.iter().map(|r| r.1.0).collect::<Vec<_>>()),
        c::SPECIMENS.values(rows.iter().map(|r| r.1.1).collect::<Vec<_>>()),
        c::RANK.values(rank),
    ])?)
}
