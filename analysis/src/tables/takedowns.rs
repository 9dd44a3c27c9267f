//! `removal_rates` and `km_curves`: how many confirmed and suspected
//! listings were removed, how fast (within 7, 30, 90 days) and the
//! Kaplan–Meier time-to-removal curve, for all listings, per platform and
//! per taxon group.
//!
//! It owns the grouping and the layout. It must not implement the estimator
//! (that is [`crate::takedown`]).

use std::collections::BTreeMap;

use polars::prelude::*;

use super::listings::Listings;
use super::{UNKNOWN, round4};
use crate::error::AnalysisError;
use crate::outputs::{km_curves as km, removal_rates as rr};
use crate::takedown::{self, Spell};

/// The `group_kind` values.
const ALL: &str = "all";
const PLATFORM: &str = "platform";
const TAXON_GROUP: &str = "taxon_group";

/// Removal rates and Kaplan–Meier curves for all confirmed and suspected
/// listings, per platform and per taxon group.
pub(super) fn takedowns(f: &Listings) -> Result<(DataFrame, DataFrame), AnalysisError> {
    let mut groups: BTreeMap<(String, String), Vec<Spell>> = BTreeMap::new();
    for i in 0..f.len() {
        if !f.wildlife(i) {
            continue;
        }
        let spell = Spell {
            days: f.days[i],
            removed: f.removed[i],
        };
        let group = f.taxon_group[i].clone().unwrap_or_else(|| UNKNOWN.into());
        for key in [
            (ALL.to_string(), ALL.to_string()),
            (PLATFORM.to_string(), f.source[i].clone()),
            (TAXON_GROUP.to_string(), group),
        ] {
            groups.entry(key).or_default().push(spell);
        }
    }
    let mut r = RatesCols::default();
    let mut k = KmCols::default();
    for ((kind, group), spells) in &groups {
        let curve = takedown::kaplan_meier(spells);
        r.kind.push(kind.clone());
        r.group.push(group.clone());
        r.listings.push(spells.len() as i64);
        r.removed
            .push(spells.iter().filter(|s| s.removed).count() as i64);
        r.w7.push(takedown::removed_within(spells, 7.0) as i64);
        r.w30.push(takedown::removed_within(spells, 30.0) as i64);
        r.w90.push(takedown::removed_within(spells, 90.0) as i64);
        // Beyond the longest follow-up the estimate is undefined: left empty.
        let followed = curve.last().map_or(0.0, |p| p.time_days);
        let by = |t: f64| (followed >= t).then(|| round4(1.0 - takedown::survival_at(&curve, t)));
        r.km7.push(by(7.0));
        r.km30.push(by(30.0));
        r.km90.push(by(90.0));
        for p in curve {
            k.kind.push(kind.clone());
            k.group.push(group.clone());
            k.time.push(p.time_days);
            k.at_risk.push(p.at_risk as i64);
            k.events.push(p.events as i64);
            k.censored.push(p.censored as i64);
            k.survival.push(p.survival);
        }
    }
    let rates = DataFrame::new_infer_height(vec![
        rr::GROUP_KIND.values(r.kind),
        rr::GROUP.values(r.group),
        rr::LISTINGS.values(r.listings),
        rr::REMOVED.values(r.removed),
        rr::REMOVED_WITHIN_7D.values(r.w7),
        rr::REMOVED_WITHIN_30D.values(r.w30),
        rr::REMOVED_WITHIN_90D.values(r.w90),
        rr::KM_REMOVED_BY_7D.values(r.km7),
        rr::KM_REMOVED_BY_30D.values(r.km30),
        rr::KM_REMOVED_BY_90D.values(r.km90),
    ])?;
    let km = DataFrame::new_infer_height(vec![
        km::GROUP_KIND.values(k.kind),
        km::GROUP.values(k.group),
        km::TIME_DAYS.values(k.time),
        km::AT_RISK.values(k.at_risk),
        km::EVENTS.values(k.events),
        km::CENSORED.values(k.censored),
        km::SURVIVAL.values(k.survival),
    ])?;
    Ok((rates, km))
}

#[derive(Default)]
struct RatesCols {
    kind: Vec<String>,
    group: Vec<String>,
    listings: Vec<i64>,
    removed: Vec<i64>,
    w7: Vec<i64>,
    w30: Vec<i64>,
    w90: Vec<i64>,
    km7: Vec<Option<f64>>,
    km30: Vec<Option<f64>>,
    km90: Vec<Option<f64>>,
}

#[derive(Default)]
struct KmCols {
    kind: Vec<String>,
    group: Vec<String>,
    time: Vec<f64>,
    at_risk: Vec<i64>,
    events: Vec<i64>,
    censored: Vec<i64>,
    survival: Vec<f64>,
}
