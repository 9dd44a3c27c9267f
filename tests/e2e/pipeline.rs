//! The whole pipeline on the demo marketplace (seed 7, 30 listings a site),
//! checked against the marketplace's own ground truth with a real DuckDB
//! reading the real Parquet lake: robots.txt, politeness, every listing,
//! pseudonyms, removals, and the annual statistics recomputed in SQL.

use std::collections::{BTreeMap, BTreeSet};

use wildtrace_demo::market::{LAST_ROUND, RequestRecord, TruthListing};
use wildtrace_extract::privacy::Pseudonymiser;

use crate::support::{Obs, demo, lake_id, lake_rows, reachable, repo};

#[test]
fn demo_pipeline_matches_the_marketplace_ground_truth() {
    let demo = demo();
    let gt = &demo.dump.ground_truth;
    assert_eq!(
        demo.dump.rounds.len(),
        LAST_ROUND as usize,
        "one crawl per round of the market's calendar"
    );

    // 1. No robots-disallowed URL was ever requested, and robots.txt came first.
    for site in &gt.sites {
        let reqs: Vec<&RequestRecord> = demo
            .dump
            .requests
            .iter()
            .filter(|r| r.site == site.name)
            .collect();
        assert!(!reqs.is_empty(), "{} was crawled", site.name);
        assert_eq!(
            reqs[0].target, "/robots.txt",
            "{}: robots.txt is fetched first",
            site.name
        );
        for r in &reqs {
            for prefix in &site.disallowed_prefixes {
                assert!(
                    !r.target.starts_with(prefix.as_str()),
                    "{} requested disallowed {}",
                    site.name,
                    r.target
                );
            }
            let ua = r.user_agent.as_deref().unwrap_or("");
            assert!(
                ua.starts_with("wildtrace/") && ua.contains("(+mailto:"),
                "identified: {ua}"
            );
        }
        // Crawl-delay is kept between consecutive requests to the site.
        if let Some(cd) = site.crawl_delay {
            for w in reqs.windows(2) {
                let gap_ms = w[1].at_ms - w[0].at_ms;
                assert!(
                    gap_ms >= cd * 1000.0 - 5.0,
                    "{}: gap {gap_ms} ms < Crawl-delay {cd} s",
                    site.name
                );
            }
        }
    }
    let disallowed = gt.listings.iter().filter(|l| l.disallowed).count();
    assert!(
        disallowed > 0,
        "the demo has disallowed listings to tempt the crawler"
    );

    // 2. Every reachable listing is in the lake once per round, with the right fields;
    //    listings removed between rounds are observed as removed.
    let rows = lake_rows(&demo.data);
    let runs: Vec<String> = rows
        .iter()
        .map(|r| r.run_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(runs.len(), LAST_ROUND as usize);
    let by_id: BTreeMap<String, &TruthListing> =
        gt.listings.iter().map(|l| (lake_id(l), l)).collect();
    let key = Pseudonymiser::load_or_create(&demo.data.join("keys/pseudonym.key")).unwrap();
    for (i, run) in runs.iter().enumerate() {
        let round = i as u32 + 1;
        let obs: Vec<&Obs> = rows.iter().filter(|r| &r.run_id == run).collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for o in &obs {
            *counts.entry(o.listing_id.as_str()).or_default() += 1;
        }
        assert!(
            counts.values().all(|&c| c == 1),
            "round {round}: a listing observed twice"
        );

        let mut expected_active: BTreeSet<String> = reachable(gt, &demo.terms, round)
            .into_iter()
            .map(lake_id)
            .collect();
        let mut expected_removed = BTreeSet::new();
        if round > 1 {
            for l in reachable(gt, &demo.terms, round - 1) {
                if !gt.visible_in_round(l, round) {
                    expected_removed.insert(lake_id(l));
                    expected_active.remove(&lake_id(l));
                }
            }
        }
        let active: BTreeSet<String> = obs
            .iter()
            .filter(|o| o.status != "removed")
            .map(|o| o.listing_id.clone())
            .collect();
        let removed: BTreeSet<String> = obs
            .iter()
            .filter(|o| o.status == "removed")
            .map(|o| o.listing_id.clone())
            .collect();
        assert_eq!(active, expected_active, "round {round}: active listings");
        assert_eq!(removed, expected_removed, "round {round}: removed listings");
        if round > 1 {
            assert!(
                !removed.is_empty(),
                "round {round}: removals show in the lake"
            );
        }

        for o in &obs {
            let t = by_id[&o.listing_id];
            assert_eq!(o.source, t.site);
            if o.status == "removed" {
                assert_eq!(
                    o.removal_reason.as_deref(),
                    t.removal_style(),
                    "{}",
                    o.listing_id
                );
                continue;
            }
            assert_eq!(
                o.status, "active",
                "{}: unchanged listings stay active",
                o.listing_id
            );
            assert_eq!(
                o.title.as_deref(),
                Some(t.title.as_str()),
                "{}",
                o.listing_id
            );
            let want_amount = t.price_amount.map(|d| format!("{:.4}", d));
            assert_eq!(
                o.price_amount, want_amount,
                "{} price {:?}",
                o.listing_id, t.price_text
            );
            if t.price_amount.is_some() {
                assert_eq!(
                    o.currency, t.currency,
                    "{} currency of {:?}",
                    o.listing_id, t.price_text
                );
            }
            assert_eq!(
                o.quantity.map(|q| q as u32),
                t.quantity,
                "{} quantity",
                o.listing_id
            );
            assert_eq!(
                o.posted_date.as_deref(),
                Some(t.posted_date.to_string().as_str()),
                "{}",
                o.listing_id
            );
            assert_eq!(
                o.seller_location.as_deref(),
                Some(t.seller_location.as_str()),
                "{}",
                o.listing_id
            );
            assert_eq!(
                o.ships_to.as_deref(),
                Some(t.ships_to.as_str()),
                "{}",
                o.listing_id
            );
            assert_eq!(
                o.seller_pseudonym.as_deref(),
                Some(key.seller(&t.site, &t.seller_handle).as_str()),
                "{}",
                o.listing_id
            );
        }
    }

    // 3. No raw seller identity or contact detail reached the lake.
    for o in &rows {
        let t = by_id[&o.listing_id];
        for text in [&o.title, &o.description, &o.seller_location, &o.ships_to]
            .into_iter()
            .flatten()
        {
            assert!(
                !text
                    .to_lowercase()
                    .contains(&t.seller_handle.to_lowercase()),
                "{}: raw handle in {text:?}",
                o.listing_id
            );
            assert!(
                !text.contains('@') || text.contains("[email]") || text.contains("[handle]"),
                "{text:?}"
            );
        }
        if let Some(d) = &o.description {
            assert!(
                !regex_like_phone(d),
                "{}: phone number in {d:?}",
                o.listing_id
            );
        }
    }

    // 4. The annual table equals a recomputation from the ground truth.
    let mut expected: BTreeMap<(i32, String, String), (u64, u64)> = BTreeMap::new();
    let observed: BTreeSet<&str> = rows.iter().map(|r| r.listing_id.as_str()).collect();
    for l in &gt.listings {
        if !observed.contains(lake_id(l).as_str())
            || !matches!(l.confidence.as_str(), "confirmed" | "suspected")
        {
            continue;
        }
        use chrono::Datelike;
        let e = expected
            .entry((
                l.posted_date.year(),
                l.taxon_group.clone().unwrap(),
                l.confidence.clone(),
            ))
            .or_default();
        e.0 += 1;
        e.1 += l.specimens as u64;
    }
    let csv = std::fs::read_to_string(demo.out.join("tables/annual_by_taxon_group.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("year,taxon_group,confidence,listings,specimens")
    );
    let mut got: BTreeMap<(i32, String, String), (u64, u64)> = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let group = f[1].trim_matches('"').to_string();
        got.insert(
            (f[0].parse().unwrap(), group, f[2].to_string()),
            (f[3].parse().unwrap(), f[4].parse().unwrap()),
        );
    }
    assert_eq!(got, expected, "annual table vs ground truth");
    let years: BTreeSet<i32> = got.keys().map(|k| k.0).collect();
    assert!(
        years.contains(&2019) && years.contains(&2026),
        "years span the demo: {years:?}"
    );

    // 5. The figure is drawn from the public (disclosure-controlled) view: as
    //    PNG and SVG with readable text, or, when every cell of this small
    //    demo is below the thresholds, withheld with the reason in the index.
    //    The summary names the outputs.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo.out.join("figures/index.json")).unwrap())
            .unwrap();
    let annual = index["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "annual_listings_by_taxon_group")
        .unwrap();
    let mut needles = vec!["annual_by_taxon_group.csv", "wildtrace.duckdb"];
    if annual["png"].is_string() {
        let png =
            std::fs::read(demo.out.join("figures/annual_listings_by_taxon_group.png")).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg =
            std::fs::read_to_string(demo.out.join("figures/annual_listings_by_taxon_group.svg"))
                .unwrap();
        assert!(
            svg.contains("<text") && svg.contains("Year"),
            "SVG has text"
        );
        needles.push("annual_listings_by_taxon_group.png");
    } else {
        let why = annual["skipped"].as_str().unwrap();
        assert!(why.contains("disclosure control"), "{why}");
    }
    for needle in needles {
        assert!(
            demo.stdout.contains(needle),
            "summary names {needle}:\n{}",
            demo.stdout
        );
    }
}

/// A run of 8+ digits separated only by spaces or dashes after a '+'.
fn regex_like_phone(s: &str) -> bool {
    let bytes: Vec<char> = s.chars().collect();
    for (i, c) in bytes.iter().enumerate() {
        if *c == '+' {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == ' ' || **c == '-')
                .filter(|c| c.is_ascii_digit())
                .count();
            if digits >= 8 {
                return true;
            }
        }
    }
    false
}

/// The annual statistics of the demo: `annual_stats` equals the independent
/// DuckDB SQL recomputation over the demo lake (the same SQL as the analysis
/// crate's test), and the per-listing facts and several splits equal the
/// marketplace's ground truth: prices exactly as offered, USD values at the
/// documented rates, seller countries, removals.
#[test]
fn demo_annual_statistics_match_sql_and_the_ground_truth() {
    use chrono::Datelike;
    use duckdb::types::Value;
    let demo = demo();
    let gt = &demo.dump.ground_truth;
    let db = duckdb::Connection::open_in_memory().unwrap();
    let fill = |sql: &str| {
        sql.replace("{lake}", &demo.data.join("lake").display().to_string())
            .replace("{out}", &demo.out.display().to_string())
    };
    let sql = include_str!("../../analysis/tests/sql/annual_stats.sql");
    let (views, query) = sql.split_once("-- @query").unwrap();
    db.execute_batch(&fill(views)).unwrap();
    let rows = |q: &str| -> Vec<Vec<String>> {
        let mut stmt = db.prepare(q).unwrap();
        let mut rows = stmt.query([]).unwrap();
        let n = rows.as_ref().unwrap().column_count();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            out.push(
                (0..n)
                    .map(|i| match r.get::<_, Value>(i).unwrap() {
                        Value::Null => "NULL".to_string(),
                        Value::Double(f) => format!("{:.4}", f),
                        Value::Decimal(d) => d.to_string(),
                        Value::Text(t) => t,
                        Value::Boolean(b) => b.to_string(),
                        Value::Int(i) => i.to_string(),
                        Value::BigInt(i) => i.to_string(),
                        Value::HugeInt(i) => i.to_string(),
                        other => format!("{other:?}"),
                    })
                    .collect(),
            );
        }
        out
    };

    // 1. annual_stats = the SQL recomputation, row for row.
    let want = rows(query);
    let got = rows(&format!(
        "SELECT year, dimension, key, confidence, listings, specimens, sellers, priced_listings,
                implausible_prices, unpriced_listings, CAST(round(total_value_usd * 100) AS BIGINT),
                median_value_usd, removed, removed_share, listings_prev_year, listings_yoy_change
         FROM read_parquet('{}/tables/annual_stats.parquet')
         ORDER BY dimension, key, confidence, year",
        demo.out.display()
    ));
    assert!(want.len() > 50, "{} rows", want.len());
    assert_eq!(got, want, "annual_stats vs DuckDB SQL on the demo lake");

    // 2. Per listing: facts vs the ground truth.
    let facts = rows(&format!(
        "SELECT listing_id, seller_country, seller_country_confidence, price_amount, currency,
                price_flag, CAST(value_usd_cents AS BIGINT), removed
         FROM read_parquet('{}/tables/listing_facts.parquet')",
        demo.out.display()
    ));
    let rates =
        wildtrace_analysis::fx::Rates::load(&repo().join(wildtrace_analysis::DEFAULT_RATES))
            .unwrap();
    let by_id: BTreeMap<String, &TruthListing> =
        gt.listings.iter().map(|l| (lake_id(l), l)).collect();
    let r1: BTreeSet<String> = reachable(gt, &demo.terms, 1)
        .iter()
        .map(|l| lake_id(l))
        .collect();
    let mut priced = 0;
    for f in &facts {
        let l = by_id[&f[0]];
        assert_eq!(
            (f[1].as_str(), f[2].as_str()),
            (l.seller_country.as_str(), "stated"),
            "{}: {:?}",
            f[0],
            l.seller_location
        );
        match (&l.price_amount, &l.currency) {
            (Some(a), Some(c)) => {
                assert_eq!(
                    (f[3].as_str(), f[4].as_str()),
                    (a.normalize().to_string().as_str(), c.as_str()),
                    "{}",
                    f[0]
                );
                let conv = rates.convert(*a, c, l.posted_date).unwrap();
                if f[5] == "ok" {
                    assert_eq!(f[6], conv.usd_cents.to_string(), "{}", f[0]);
                    priced += 1;
                } else {
                    assert!(matches!(f[5].as_str(), "placeholder" | "outlier"), "{f:?}");
                }
            }
            _ => assert_eq!(f[5], "no_price", "{f:?}"),
        }
        if r1.contains(&f[0]) {
            assert_eq!(f[7] == "true", l.gone_from_round().is_some(), "{}", f[0]);
        }
    }
    assert!(priced > facts.len() / 2, "{priced} of {}", facts.len());

    // 3. Splits with a ground truth: listings per year × seller country and
    // per year × platform, confirmed and suspected.
    let observed: BTreeSet<&String> = by_id
        .keys()
        .filter(|k| facts.iter().any(|f| &f[0] == *k))
        .collect();
    for (dim, key_of) in [
        (
            "seller_country",
            (|l: &TruthListing| l.seller_country.clone()) as fn(&TruthListing) -> String,
        ),
        ("platform", |l: &TruthListing| l.site.clone()),
        ("taxon_group", |l: &TruthListing| {
            l.taxon_group.clone().unwrap_or_default()
        }),
    ] {
        let mut expected: BTreeMap<(String, String, String), (u64, u64)> = BTreeMap::new();
        for id in &observed {
            let l = by_id[*id];
            if !matches!(l.confidence.as_str(), "confirmed" | "suspected") {
                continue;
            }
            let e = expected
                .entry((
                    l.posted_date.year().to_string(),
                    key_of(l),
                    l.confidence.clone(),
                ))
                .or_default();
            e.0 += 1;
            e.1 += u64::from(l.specimens);
        }
        let got: BTreeMap<(String, String, String), (u64, u64)> = rows(&format!(
            "SELECT CAST(year AS VARCHAR), key, confidence, listings, specimens
             FROM read_parquet('{}/tables/annual_stats.parquet') WHERE dimension = '{dim}'",
            demo.out.display()
        ))
        .into_iter()
        .map(|r| {
            (
                (r[0].clone(), r[1].clone(), r[2].clone()),
                (r[3].parse().unwrap(), r[4].parse().unwrap()),
            )
        })
        .collect();
        assert_eq!(got, expected, "annual_stats {dim} vs ground truth");
    }

    // 4. The spreadsheet, the manifest and the summary lines.
    assert!(demo.out.join("tables/annual_statistics.xlsx").is_file());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo.out.join("manifest.json")).unwrap()).unwrap();
    assert!(!m["lake_files"].as_array().unwrap().is_empty());
    assert!(
        m["extra_inputs"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("demo.toml")
    );
    for needle in [
        "annual_stats.csv",
        "annual_statistics.xlsx",
        "manifest.json",
    ] {
        assert!(
            demo.stdout.contains(needle),
            "summary names {needle}:\n{}",
            demo.stdout
        );
    }
}
