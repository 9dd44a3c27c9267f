//! Kaplan–Meier against a textbook example, removal windows, the trend test
//! against hand-computed Poisson tails, and the benchmark's two engines
//! agreeing on a small synthetic table.

use std::collections::BTreeMap;

use wildtrace_analysis::takedown::{self, Spell};
use wildtrace_analysis::trends::{self, poisson_upper_tail};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Freireich et al. (1963), 6-MP arm: remission times in weeks, `+` =
/// censored. The product-limit estimates are the ones printed in
/// Kleinbaum & Klein, *Survival Analysis* (3rd ed.), table 2.2:
/// S(6)=0.857, S(7)=0.807, S(10)=0.753, S(13)=0.690, S(16)=0.627,
/// S(22)=0.538, S(23)=0.448.
#[test]
fn kaplan_meier_matches_the_textbook_6mp_example() {
    let data = [
        (6, true),
        (6, true),
        (6, true),
        (6, false),
        (7, true),
        (9, false),
        (10, true),
        (10, false),
        (11, false),
        (13, true),
        (16, true),
        (17, false),
        (19, false),
        (20, false),
        (22, true),
        (23, true),
        (25, false),
        (32, false),
        (32, false),
        (34, false),
        (35, false),
    ];
    let spells: Vec<Spell> = data
        .iter()
        .map(|(t, e)| Spell {
            days: f64::from(*t),
            removed: *e,
        })
        .collect();
    let curve = takedown::kaplan_meier(&spells);
    let at = |t: f64| takedown::survival_at(&curve, t);
    for (t, s) in [
        (6.0, 0.857),
        (7.0, 0.807),
        (10.0, 0.753),
        (13.0, 0.690),
        (16.0, 0.627),
        (22.0, 0.538),
        (23.0, 0.448),
    ] {
        assert!(close(at(t), s, 0.0005), "S({t}) = {} not {s}", at(t));
    }
    assert_eq!(at(5.9), 1.0);
    assert!(close(at(100.0), 0.448, 0.0005));
    // The step at 6: 21 at risk, 3 events, 1 censored.
    let p = curve[0];
    assert_eq!(
        (p.time_days, p.at_risk, p.events, p.censored),
        (6.0, 21, 3, 1)
    );
    // At 10: 15 at risk, 1 event, 1 censored.
    let p = curve.iter().find(|p| p.time_days == 10.0).unwrap();
    assert_eq!((p.at_risk, p.events, p.censored), (15, 1, 1));
    assert_eq!(curve.iter().map(|p| p.events).sum::<u64>(), 9);
    assert_eq!(curve.iter().map(|p| p.censored).sum::<u64>(), 12);
    // Removal windows count events only.
    assert_eq!(takedown::removed_within(&spells, 7.0), 4);
    assert_eq!(takedown::removed_within(&spells, 30.0), 9);
    assert!(takedown::kaplan_meier(&[]).is_empty());
}

#[test]
fn poisson_tails_match_hand_computation() {
    // P(X >= 3 | 1) = 1 - e^-1 (1 + 1 + 1/2)
    assert!(close(
        poisson_upper_tail(3, 1.0),
        1.0 - 2.5 * (-1.0f64).exp(),
        1e-12
    ));
    // P(X >= 1 | 2) = 1 - e^-2
    assert!(close(
        poisson_upper_tail(1, 2.0),
        1.0 - (-2.0f64).exp(),
        1e-12
    ));
    assert_eq!(poisson_upper_tail(0, 5.0), 1.0);
    // Normal approximation for a large mean: P(X >= 1000 | 900) ≈ P(Z >= 99.5/30).
    let p = poisson_upper_tail(1000, 900.0);
    assert!(p > 3e-4 && p < 6e-4, "{p}");
}

#[test]
fn a_rise_against_the_trailing_year_is_flagged_and_steady_series_are_not() {
    let m0 = 2024 * 12; // January 2024
    let mut series: BTreeMap<(String, String), BTreeMap<i32, u64>> = BTreeMap::new();
    // One listing a month for a year, then 8 in January 2025.
    let rising = series
        .entry(("term".into(), "white material".into()))
        .or_default();
    for m in m0..m0 + 12 {
        rising.insert(m, 1);
    }
    rising.insert(m0 + 12, 8);
    // Five a month, then 7: within Poisson noise.
    let steady = series
        .entry(("platform".into(), "bazaar".into()))
        .or_default();
    for m in m0..m0 + 12 {
        steady.insert(m, 5);
    }
    steady.insert(m0 + 12, 7);
    // A series that starts late: its first months have zero baseline.
    let newcomer = series.entry(("taxon".into(), "Manis".into())).or_default();
    newcomer.insert(m0 + 10, 5);
    // Below the minimum count: never tested, however far above its baseline.
    let small = series
        .entry(("term".into(), "three only".into()))
        .or_default();
    small.insert(m0 + 11, 4);
    // Too little history: month 3 of the lake is never tested.
    let early = series.entry(("taxon".into(), "Early".into())).or_default();
    early.insert(m0 + 2, 50);

    let found = trends::detect(&series, m0, m0 + 12);
    let keys: Vec<(&str, &str, String)> = found
        .iter()
        .map(|t| {
            (
                t.kind.as_str(),
                t.key.as_str(),
                trends::month_label(t.month),
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            ("taxon", "Manis", "2024-11".to_string()),
            ("term", "white material", "2025-01".to_string()),
        ]
    );
    let t = &found[1];
    assert_eq!((t.count, t.baseline_months), (8, 12));
    assert!(close(t.baseline_mean, 1.0, 1e-12));
    assert!(close(t.p_value, poisson_upper_tail(8, 1.0), 1e-15));
    assert!(close(t.z, 7.0, 1e-12));
    // Corrected together: every month with 5+ listings and 6+ months of history.
    assert!(t.tests >= 2 && found.iter().all(|f| f.tests == t.tests));
    assert!(t.q_value >= t.p_value && t.q_value <= trends::FDR_Q);
    // The newcomer: 10 months of zeros, baseline floored at 0.1.
    assert_eq!(found[0].baseline_months, 10);
    assert!(close(found[0].baseline_mean, 0.0, 1e-12));
    assert_eq!(trends::month_label(2025 * 12 + 11), "2025-12");
}

#[test]
fn the_benchmark_engines_agree_on_a_small_synthetic_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = wildtrace_analysis::bench::synthetic_dir(dir.path(), 30_000);
    let files = wildtrace_analysis::bench::generate(&data, 30_000, 7).unwrap();
    assert_eq!(files.len(), 1);
    let bytes = std::fs::read(&files[0]).unwrap();
    // Deterministic: a second generation in another place gives the same bytes.
    let again = wildtrace_analysis::bench::synthetic_dir(&dir.path().join("b"), 30_000);
    let files2 = wildtrace_analysis::bench::generate(&again, 30_000, 7).unwrap();
    assert_eq!(bytes, std::fs::read(&files2[0]).unwrap());

    let p = wildtrace_analysis::bench::run_engine("polars", &data).unwrap();
    let d = wildtrace_analysis::bench::run_engine("duckdb", &data).unwrap();
    assert!(p.rows > 100, "{p:?}");
    assert_eq!(
        (p.rows, p.listings_sum, p.value_cents_sum),
        (d.rows, d.listings_sum, d.value_cents_sum)
    );
    // 90 % of listings are confirmed or suspected; 7 dimensions each count them once.
    assert!(
        p.listings_sum > 7 * 25_000 && p.listings_sum < 7 * 29_000,
        "{p:?}"
    );
    assert!(wildtrace_analysis::bench::run_engine("spark", &data).is_err());
}

#[test]
fn benjamini_hochberg_adjusts_in_input_order_and_drops_chance_flags() {
    // Worked by hand: sorted 0.005, 0.01, 0.03, 0.04 → 0.02, 0.02, 0.04, 0.04.
    let q = trends::benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005]);
    for (got, want) in q.iter().zip([0.02, 0.04, 0.04, 0.02]) {
        assert!(close(*got, want, 1e-12), "{q:?}");
    }
    // Ten tests at p = 0.009 among a hundred: each passes p < 0.01 alone,
    // but with q = 0.09 none survives a 5% false-discovery rate.
    let mut p = vec![0.009; 10];
    p.extend(std::iter::repeat_n(1.0, 90));
    let q = trends::benjamini_hochberg(&p);
    assert!(q[..10].iter().all(|q| close(*q, 0.09, 1e-12)), "{q:?}");
    assert!(q.iter().all(|q| *q > trends::FDR_Q));
    assert!(trends::benjamini_hochberg(&[]).is_empty());
}
