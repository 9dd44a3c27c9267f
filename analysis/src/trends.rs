//! Emerging trends: series (terms, taxa, platforms) whose monthly count of
//! listings rises significantly above their own trailing baseline; and the
//! smallest base on which a year-on-year change is shown ([`MIN_YOY_BASE`]).
//!
//! It owns the tests below. It must not read the lake or classify text; it
//! gets monthly counts per series from `tables`.
//!
//! Rule: a series' count in month m is compared with the mean λ of its
//! counts in the [`BASELINE_MONTHS`] months before m (months without
//! listings count as zero; only months since the lake's first month count,
//! and at least [`MIN_HISTORY_MONTHS`] of them are needed). Every month with
//! count ≥ [`MIN_COUNT`] and enough history is tested: the one-sided Poisson
//! tail p = P(X ≥ count | λ) (λ floored at [`LAMBDA_FLOOR`] so a series'
//! first listings can stand out; for λ > 100 the normal approximation with
//! continuity correction). Because hundreds of series × months are tested
//! at once, the p-values of all tests of a run are corrected together with
//! Benjamini–Hochberg: a month is flagged when its adjusted q-value ≤
//! [`FDR_Q`], so at most that share of the flagged months is expected to be
//! chance. `z` = (count − λ)/√λ is reported for reading.

use std::collections::BTreeMap;

/// Trailing baseline length (months).
pub const BASELINE_MONTHS: i32 = 12;
/// Months of history needed before a month can be tested.
pub const MIN_HISTORY_MONTHS: i32 = 6;
/// Smallest monthly count that is tested (and so can be flagged).
/// why: a rise from 0 to 3 listings is one seller's afternoon, not a trend.
pub const MIN_COUNT: u64 = 5;
/// False-discovery rate of the Benjamini–Hochberg correction across every
/// (series, month) tested in a run.
pub const FDR_Q: f64 = 0.05;
/// Smallest previous-year figure on which a year-on-year change is shown
/// (tables and report); below it the change is withheld.
/// why: "+700 %" on a base of 1 says nothing a reader should act on.
pub const MIN_YOY_BASE: i64 = 5;
/// Floor of the baseline mean.
pub const LAMBDA_FLOOR: f64 = 0.1;

/// A month as `year * 12 + (month - 1)`.
pub type MonthIndex = i32;

/// `YYYY-MM` of a month index.
pub fn month_label(m: MonthIndex) -> String {
    format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// One flagged month of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub kind: String,
    pub key: String,
    pub month: MonthIndex,
    pub count: u64,
    pub baseline_mean: f64,
    pub baseline_months: i32,
    pub z: f64,
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value over every test of the run.
    pub q_value: f64,
    /// How many (series, month) tests the correction covered.
    pub tests: usize,
}

/// P(X ≥ k) for X ~ Poisson(λ).
pub fn poisson_upper_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda > 100.0 {
        let z = (k as f64 - 0.5 - lambda) / lambda.sqrt();
        return 0.5 * erfc(z / std::f64::consts::SQRT_2);
    }
    let mut term = (-lambda).exp();
    let mut cdf = term;
    for i in 1..k {
        term *= lambda / i as f64;
        cdf += term;
    }
    (1.0 - cdf).clamp(0.0, 1.0)
}

/// Complementary error function (Numerical Recipes `erfcc`, |error| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Flags rising months in every series. `series` maps (kind, key) to counts
/// per month; `first_month..=last_month` is the span the lake covers.
pub fn detect(
    series: &BTreeMap<(String, String), BTreeMap<MonthIndex, u64>>,
    first_month: MonthIndex,
    last_month: MonthIndex,
) -> Vec<Trend> {
    let mut tested = Vec::new();
    for ((kind, key), counts) in series {
        for (&m, &count) in counts.range(first_month..=last_month) {
            if count < MIN_COUNT {
                continue;
            }
            let from = (m - BASELINE_MONTHS).max(first_month);
            let months = m - from;
            if months < MIN_HISTORY_MONTHS {
                continue;
            }
            let total: u64 = counts.range(from..m).map(|(_, c)| *c).sum();
            let mean = total as f64 / f64::from(months);
            let lambda = mean.max(LAMBDA_FLOOR);
            tested.push(Trend {
                kind: kind.clone(),
                key: key.clone(),
                month: m,
                count,
                baseline_mean: mean,
                baseline_months: months,
                z: (count as f64 - lambda) / lambda.sqrt(),
                p_value: poisson_upper_tail(count, lambda),
                q_value: 1.0,
                tests: 0,
            });
        }
    }
    let q = benjamini_hochberg(&tested.iter().map(|t| t.p_value).collect::<Vec<_>>());
    let n = tested.len();
    tested
        .into_iter()
        .zip(q)
        .filter(|(_, q)| *q <= FDR_Q)
        .map(|(t, q)| Trend {
            q_value: q,
            tests: n,
            ..t
        })
        .collect()
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given:
/// q_(i) = min over j ≥ i of p_(j)·n/j, capped at 1.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let n = p.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; n];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * n as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}
