//! `removal_after_report`: what platforms did with the listings reported to
//! them (`wildtrace flag`, the lake's `reports` table), per platform and
//! taxon group, beside comparable listings that were not reported: the
//! share removed after the report with its 95 % Wilson interval, and the
//! Kaplan–Meier time to removal counted from the report.
//!
//! Rows per platform, taxon group (and `all` groups) and arm (confirmed
//! and suspected listings only):
//! - `reported`: listings with a report; each one's clock starts at its
//!   first report; a listing already seen removed before it is left out
//!   (it was not online to be taken down);
//! - `comparable`: listings of the same platform and taxon group without a
//!   report, first seen before the platform's first report, not seen
//!   removed before it and observed again after it; their clock starts at
//!   that first report.
//!
//! A listing is removed after the report when its first `removed`
//! observation is at or after the clock's start (an upper bound, as in
//! [`crate::takedown`]); otherwise it is censored at its last observation.
//! Removal and censoring are timed at the start of the run that saw them.
//! It owns these rules; the estimators are [`crate::takedown`]'s.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::listings::Listings;
use super::{UNKNOWN, round4};
use crate::error::AnalysisError;
use crate::outputs::removal_after_report as rar;
use crate::takedown::{self, Spell};

/// The `taxon_group` of a platform's rows over every group.
pub(crate) const ALL_GROUPS: &str = "all";

/// The `arm` values.
pub(crate) const REPORTED: &str = "reported";
pub(crate) const COMPARABLE: &str = "comparable";

/// The table, from the listings and each reported listing's first report
/// time (µs) by listing id. Platforms without a report have no rows.
pub(super) fn removal_after_report(
    f: &Listings,
    reports: &BTreeMap<String, i64>,
) -> Result<DataFrame, AnalysisError> {
    // The platform's first report: the clock of its comparable listings.
    let mut first_by_source: BTreeMap<&str, i64> = BTreeMap::new();
    for i in 0..f.len() {
        if let Some(&t) = reports.get(&f.listing_id[i]) {
            let e = first_by_source.entry(f.source[i].as_str()).or_insert(t);
            *e = (*e).min(t);
        }
    }
    let mut groups: BTreeMap<(String, String, &'static str), Vec<Spell>> = BTreeMap::new();
    for i in 0..f.len() {
        if !f.wildlife(i) {
            continue;
        }
        let Some(&platform_first) = first_by_source.get(f.source[i].as_str()) else {
            continue;
        };
        let (arm, start) = match reports.get(&f.listing_id[i]) {
            Some(&t) => (REPORTED, t),
            None => {
                let followed = f.first_seen[i] <= platform_first && f.last_seen[i] > platform_first;
                if !followed {
                    continue;
                }
                (COMPARABLE, platform_first)
            }
        };
        if f.removed_at[i].is_some_and(|r| r < start) {
            continue;
        }
        // why: as in removal_rates, a listing's times are the starts of the
        // runs that saw it, so a removal and a censoring seen by one revisit
        // tie instead of being minutes apart by fetch order.
        let spell = match f.removed_run[i] {
            Some(r) => Spell {
                days: takedown::days_between(start, r.max(start)),
                removed: true,
            },
            None => Spell {
                days: takedown::days_between(start, f.last_run[i].max(start)),
                removed: false,
            },
        };
        let group = f.taxon_group[i].clone().unwrap_or_else(|| UNKNOWN.into());
        for g in [group, ALL_GROUPS.to_string()] {
            groups
                .entry((f.source[i].clone(), g, arm))
                .or_default()
                .push(spell);
        }
    }
    let mut source = Vec::new();
    let mut group = Vec::new();
    let mut arm = Vec::new();
    let mut listings = Vec::new();
    let mut removed = Vec::new();
    let mut share = Vec::new();
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    let (mut km7, mut km30, mut km90) = (Vec::new(), Vec::new(), Vec::new());
    for ((s, g, a), spells) in &groups {
        let n = spells.len() as u64;
        let k = spells.iter().filter(|s| s.removed).count() as u64;
        let (l, h) = takedown::wilson(k, n);
        let curve = takedown::kaplan_meier(spells);
        // Beyond the longest follow-up the estimate is undefined: left empty.
        let followed = curve.last().map_or(0.0, |p| p.time_days);
        let by = |t: f64| (followed >= t).then(|| round4(1.0 - takedown::survival_at(&curve, t)));
        source.push(s.clone());
        group.push(g.clone());
        arm.push(*a);
        listings.push(n as i64);
        removed.push(k as i64);
        share.push(if n == 0 {
            0.0
        } else {
            round4(k as f64 / n as f64)
        });
        lo.push(round4(l));
        hi.push(round4(h));
        km7.push(by(7.0));
        km30.push(by(30.0));
        km90.push(by(90.0));
    }
    Ok(DataFrame::new_infer_height(vec![
        rar::SOURCE.values(source),
        rar::TAXON_GROUP.values(group),
        rar::ARM.values(arm),
        rar::LISTINGS.values(listings),
        rar::REMOVED.values(removed),
        rar::REMOVED_SHARE.values(share),
        rar::CI_LOW.values(lo),
        rar::CI_HIGH.values(hi),
        rar::KM_REMOVED_BY_7D.values(km7),
        rar::KM_REMOVED_BY_30D.values(km30),
        rar::KM_REMOVED_BY_90D.values(km90),
    ])?)
}
