//! Takedowns: time from a listing's first sighting to its removal, removal
//! within 7/30/90 days, and Kaplan–Meier time-to-removal curves.
//!
//! It owns the survival estimator and the lifecycle rules below. It must not
//! read the lake or decide which listings form a group (`tables` does).
//!
//! Rules: a listing's clock starts with the crawl run that first saw it.
//! A listing observed `removed` has an event at the run that first saw it
//! removed (the removal happened between the last active sighting and then,
//! so this is an upper bound set by the revisit schedule). Any other listing
//! is right-censored at the run that last saw it. A run's time is its start
//! (its earliest observation), so listings seen by one revisit share one
//! time and a removal and a censoring seen together are a tie (`tables`
//! computes these). Durations are in days (microseconds / 86 400 000 000).

/// One listing's follow-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spell {
    /// Days from the first sighting's run to the run that saw the removal (event) or last saw the listing (censored).
    pub days: f64,
    /// Whether the listing was seen removed.
    pub removed: bool,
}

/// One step of a Kaplan–Meier curve: at `time_days`, `events` removals and
/// `censored` censorings among `at_risk` listings; `survival` is S(t) just
/// after t (the share not yet removed). The curve starts at S = 1 before
/// the first time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmPoint {
    pub time_days: f64,
    pub at_risk: u64,
    pub events: u64,
    pub censored: u64,
    pub survival: f64,
}

/// The Kaplan–Meier product-limit estimate over `spells`: one point per
/// distinct time (events and censorings at the same time: the censored are
/// still at risk then, the usual convention).
pub fn kaplan_meier(spells: &[Spell]) -> Vec<KmPoint> {
    let mut sorted: Vec<Spell> = spells
        .iter()
        .copied()
        .filter(|s| s.days.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.days.total_cmp(&b.days));
    let mut at_risk = sorted.len() as u64;
    let mut survival = 1.0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].days;
        let (mut events, mut censored) = (0u64, 0u64);
        while i < sorted.len() && sorted[i].days == t {
            if sorted[i].removed {
                events += 1;
            } else {
                censored += 1;
            }
            i += 1;
        }
        if at_risk > 0 {
            survival *= 1.0 - events as f64 / at_risk as f64;
        }
        out.push(KmPoint {
            time_days: t,
            at_risk,
            events,
            censored,
            survival,
        });
        at_risk -= events + censored;
    }
    out
}

/// S(t) from a curve: the survival of the last point at or before `t` (1
/// before the first point).
pub fn survival_at(curve: &[KmPoint], t: f64) -> f64 {
    curve
        .iter()
        .take_while(|p| p.time_days <= t)
        .last()
        .map_or(1.0, |p| p.survival)
}

/// Listings removed within `days` of their first sighting.
pub fn removed_within(spells: &[Spell], days: f64) -> u64 {
    spells
        .iter()
        .filter(|s| s.removed && s.days <= days)
        .count() as u64
}

/// Days between two instants given in microseconds.
pub fn days_between(from_us: i64, to_us: i64) -> f64 {
    (to_us - from_us) as f64 / 86_400_000_000.0
}

/// The 95 % Wilson score interval of a share of `k` in `n` (z = 1.96),
/// `(0, 0)` when `n` is 0. Unlike the normal approximation it stays within
/// 0..1 and is usable at the small counts of one platform and group.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}
