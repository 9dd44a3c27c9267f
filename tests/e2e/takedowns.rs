//! Takedowns in calendar time: the demo's crawl rounds are recorded on the
//! days of the market's calendar, and the published removal rates (removed
//! within 7/30/90 days, Kaplan–Meier removed-by shares) equal what the
//! market's ground truth says, computed here independently from it.

use std::collections::BTreeMap;

use wildtrace_demo::market::{LAST_ROUND, ROUND_DAYS, TruthListing, round_date};

use crate::support::{demo, lake_id, reachable};

/// One listing's follow-up as the ground truth gives it: (days followed,
/// removed), in whole calendar days between rounds.
fn spells<'a>(
    gt: &'a wildtrace_demo::market::GroundTruth,
    terms: &[String],
) -> BTreeMap<String, (&'a TruthListing, f64, bool)> {
    let mut out = BTreeMap::new();
    for round in 1..=LAST_ROUND {
        for l in reachable(gt, terms, round) {
            out.entry(lake_id(l)).or_insert((l, round, false));
        }
    }
    out.into_iter()
        .map(|(id, (l, first, _))| {
            let day = |r: u32| ROUND_DAYS[r as usize - 1] as f64;
            // A listing seen up to its removal round (by its schedule or by
            // a report) is seen removed then; otherwise it is followed to
            // the last round.
            let (end, removed) = match l.gone_from_round() {
                Some(r) if r > first && r <= LAST_ROUND => (r, true),
                _ => (LAST_ROUND, false),
            };
            (id, (l, day(end) - day(first), removed))
        })
        .collect()
}

/// 1 - S(t) of the product-limit estimate over `spells` (ties: events
/// before censorings); None when nothing was followed to `t`.
fn km_removed_by(spells: &[(f64, bool)], t: f64) -> Option<f64> {
    let followed = spells.iter().map(|s| s.0).fold(0.0, f64::max);
    if followed < t {
        return None;
    }
    let mut times: Vec<f64> = spells.iter().map(|s| s.0).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut s = 1.0;
    for &u in times.iter().take_while(|&&u| u <= t) {
        let at_risk = spells.iter().filter(|x| x.0 >= u).count() as f64;
        let events = spells.iter().filter(|x| x.0 == u && x.1).count() as f64;
        s *= 1.0 - events / at_risk;
    }
    Some(1.0 - s)
}

#[test]
fn the_demo_records_each_round_on_its_calendar_day() {
    let demo = demo();
    let db = duckdb::Connection::open_in_memory().unwrap();
    let glob = demo.data.join("lake/listings/**/*.parquet");
    let mut stmt = db
        .prepare(&format!(
            "SELECT run_id, CAST(min(observed_at) AS DATE)::VARCHAR, CAST(max(observed_at) AS DATE)::VARCHAR,
                    min(crawl_date)::VARCHAR
             FROM read_parquet('{}', hive_partitioning = true) GROUP BY run_id ORDER BY run_id",
            glob.display()
        ))
        .unwrap();
    let runs: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(runs.len(), LAST_ROUND as usize);
    for (i, (run, first, last, partition)) in runs.iter().enumerate() {
        let want = round_date(i as u32 + 1).to_string();
        assert_eq!(
            (first, last, partition),
            (&want, &want, &want),
            "run {run} (round {}) is recorded on its calendar day",
            i + 1
        );
    }
}

#[test]
fn removal_rates_in_days_equal_the_ground_truth() {
    let demo = demo();
    let gt = &demo.dump.ground_truth;
    let spells = spells(gt, &demo.terms);
    // The groups of removal_rates: confirmed and suspected listings only.
    let mut groups: BTreeMap<(String, String), Vec<(f64, bool)>> = BTreeMap::new();
    for (l, days, removed) in spells.values() {
        if !matches!(l.confidence.as_str(), "confirmed" | "suspected") {
            continue;
        }
        let s = (*days, *removed);
        groups
            .entry(("all".into(), "all".into()))
            .or_default()
            .push(s);
        groups
            .entry(("platform".into(), l.site.clone()))
            .or_default()
            .push(s);
        if let Some(g) = &l.taxon_group {
            groups
                .entry(("taxon_group".into(), g.clone()))
                .or_default()
                .push(s);
        }
    }

    let db = duckdb::Connection::open_in_memory().unwrap();
    let mut stmt = db
        .prepare(&format!(
            "SELECT group_kind, \"group\", listings, removed, removed_within_7d, removed_within_30d,
                    removed_within_90d, km_removed_by_7d, km_removed_by_30d, km_removed_by_90d
             FROM read_parquet('{}/tables/removal_rates.parquet')",
            demo.out.display()
        ))
        .unwrap();
    type Row = (String, String, i64, i64, [i64; 3], [Option<f64>; 3]);
    let got: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                [r.get(4)?, r.get(5)?, r.get(6)?],
                [r.get(7)?, r.get(8)?, r.get(9)?],
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut checked = 0;
    let mut nonzero_windows = [0usize; 3];
    for (kind, group, listings, removed, within, km) in &got {
        let Some(s) = groups.get(&(kind.clone(), group.clone())) else {
            panic!("removal_rates has {kind}/{group}, the ground truth has no such group");
        };
        let what = format!("{kind}/{group}");
        assert_eq!(*listings as usize, s.len(), "{what}: listings");
        assert_eq!(
            *removed as usize,
            s.iter().filter(|x| x.1).count(),
            "{what}: removed"
        );
        for (i, t) in [7.0, 30.0, 90.0].into_iter().enumerate() {
            let want = s.iter().filter(|x| x.1 && x.0 <= t).count();
            assert_eq!(within[i] as usize, want, "{what}: removed within {t} days");
            if want > 0 {
                nonzero_windows[i] += 1;
            }
            match (km[i], km_removed_by(s, t)) {
                (Some(a), Some(b)) => {
                    assert!((a - b).abs() < 1e-3, "{what}: KM by {t} d {a} vs {b}")
                }
                (a, b) => assert_eq!(a, b, "{what}: KM by {t} d"),
            }
        }
        checked += 1;
    }
    assert_eq!(
        checked,
        groups.len(),
        "every ground-truth group is published"
    );
    // The calendar makes every window count: removals within 7, 30 and 90 days.
    assert!(
        nonzero_windows.iter().all(|&n| n > 0),
        "{nonzero_windows:?}"
    );
    let all = got.iter().find(|r| r.0 == "all").unwrap();
    assert!(
        all.5.iter().all(Option::is_some),
        "the last round follows listings past 90 days: {:?}",
        all.5
    );
    // The survival figure's axis is in days.
    let svg =
        std::fs::read_to_string(demo.out.join("figures/removal_survival_by_platform.svg")).unwrap();
    assert!(svg.contains("Days since first seen"), "axis in days");
}

/// The main job's report between rounds 2 and 3: `removal_after_report`
/// equals the market's ground truth (which listings it took reports for,
/// which it removed), and the comparable arm is every listing of the
/// platform still online at the report that was not reported.
#[test]
fn the_main_jobs_report_loop_matches_the_ground_truth() {
    use wildtrace_demo::run::REPORT_AFTER_ROUND;
    let demo = demo();
    let gt = &demo.dump.ground_truth;
    assert!(
        demo.stdout.contains("reported:  report "),
        "the summary names the report:\n{}",
        demo.stdout
    );
    let online_at_report: std::collections::BTreeSet<String> =
        reachable(gt, &demo.terms, REPORT_AFTER_ROUND)
            .into_iter()
            .map(lake_id)
            .collect();
    // (platform, group, arm) -> (listings, removed)
    let mut want: BTreeMap<(String, String, String), (i64, i64)> = BTreeMap::new();
    for l in &gt.listings {
        if !matches!(l.confidence.as_str(), "confirmed" | "suspected") {
            continue;
        }
        let arm = match &l.reported {
            Some(r) => {
                assert_eq!(r.reported_round, REPORT_AFTER_ROUND, "{}", l.path);
                "reported"
            }
            None if online_at_report.contains(&lake_id(l)) => "comparable",
            None => continue,
        };
        let removed = l.gone_from_round().is_some_and(|r| r <= LAST_ROUND);
        for g in [l.taxon_group.clone().unwrap(), "all".into()] {
            let e = want
                .entry((l.site.clone(), g, arm.to_string()))
                .or_default();
            e.0 += 1;
            e.1 += i64::from(removed);
        }
    }
    assert!(want.keys().any(|k| k.2 == "reported") && want.keys().any(|k| k.2 == "comparable"));
    let db = duckdb::Connection::open_in_memory().unwrap();
    let mut stmt = db
        .prepare(&format!(
            "SELECT source, taxon_group, arm, listings, removed
             FROM read_csv('{}/tables/removal_after_report.csv', header = true)",
            demo.out.display()
        ))
        .unwrap();
    let got: BTreeMap<(String, String, String), (i64, i64)> = stmt
        .query_map([], |r| {
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?), (r.get(3)?, r.get(4)?)))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, want, "removal_after_report vs the ground truth");
    // The report has its section.
    let report = std::fs::read_dir(&demo.out)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("report-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .expect("a report");
    assert!(
        report.to_lowercase().contains("after report"),
        "report section"
    );
}
