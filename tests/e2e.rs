//! End to end: the real `wildtrace demo` binary on a small seed of the demo
//! marketplace, checked against the marketplace's own ground truth with a
//! real DuckDB reading the real Parquet lake.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use wildtrace_crawler::demo::{GroundTruth, RequestRecord, SiteKind, TruthListing};
use wildtrace_crawler::privacy::Pseudonymiser;

#[path = "e2e/crawl_resume.rs"]
mod crawl_resume;
#[path = "e2e/schedule.rs"]
mod schedule;

/// The repository, read at run time: a test binary built from another clone
/// sharing the target dir must still use this clone's files.
fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

#[derive(serde::Deserialize)]
struct Dump {
    ground_truth: GroundTruth,
    requests: Vec<RequestRecord>,
    rounds: Vec<serde_json::Value>,
}

/// One row of the lake, as DuckDB reads it.
#[derive(Debug, Clone)]
struct Obs {
    run_id: String,
    source: String,
    listing_id: String,
    status: String,
    removal_reason: Option<String>,
    title: Option<String>,
    description: Option<String>,
    price_amount: Option<String>,
    currency: Option<String>,
    quantity: Option<i32>,
    seller_pseudonym: Option<String>,
    seller_location: Option<String>,
    ships_to: Option<String>,
    posted_date: Option<String>,
}

struct Demo {
    _dir: tempfile::TempDir,
    data: PathBuf,
    out: PathBuf,
    stdout: String,
    dump: Dump,
    terms: Vec<String>,
}

/// Runs `wildtrace demo` once (seed 7, 30 listings a site) in a temp folder.
fn run_demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let cfg_dir = dir.path().join("config");
    std::fs::create_dir_all(cfg_dir.join("sites")).unwrap();
    for e in std::fs::read_dir(repo().join("config/sites")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), cfg_dir.join("sites").join(e.file_name())).unwrap();
    }
    let data = dir.path().join("demo-data");
    let text = std::fs::read_to_string(repo().join("config/demo.toml"))
        .unwrap()
        .replace(
            "data_dir = \"data/demo\"",
            &format!("data_dir = {:?}", data.display().to_string()),
        );
    let cfg = cfg_dir.join("demo.toml");
    std::fs::write(&cfg, &text).unwrap();
    let out = dir.path().join("out");
    let dump_path = dir.path().join("truth.json");
    let output = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
        .current_dir(repo())
        .args([
            "demo",
            "--seed",
            "7",
            "--listings-per-site",
            "30",
            "--log",
            "warn",
        ])
        .arg("--config")
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .arg("--ground-truth")
        .arg(&dump_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "demo failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let dump: Dump = serde_json::from_slice(&std::fs::read(&dump_path).unwrap()).unwrap();
    let terms = toml::from_str::<toml::Value>(&text).unwrap()["sites"][0]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    Demo {
        _dir: dir,
        data,
        out,
        stdout,
        dump,
        terms,
    }
}

fn lake_rows(data: &Path) -> Vec<Obs> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let glob = data.join("lake/listings/**/*.parquet");
    let sql = format!(
        "SELECT run_id, source, listing_id, status, removal_reason, title, description,
                CAST(price_amount AS VARCHAR), currency, quantity, seller_pseudonym,
                seller_location, ships_to, CAST(posted_date AS VARCHAR)
         FROM read_parquet('{}', hive_partitioning = true) ORDER BY run_id, listing_id",
        glob.display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    stmt.query_map([], |r| {
        Ok(Obs {
            run_id: r.get(0)?,
            source: r.get(1)?,
            listing_id: r.get(2)?,
            status: r.get(3)?,
            removal_reason: r.get(4)?,
            title: r.get(5)?,
            description: r.get(6)?,
            price_amount: r.get(7)?,
            currency: r.get(8)?,
            quantity: r.get(9)?,
            seller_pseudonym: r.get(10)?,
            seller_location: r.get(11)?,
            ships_to: r.get(12)?,
            posted_date: r.get(13)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn lake_id(l: &TruthListing) -> String {
    format!("{}:{}", l.site, l.site_listing_id)
}

/// Listings a crawl with these search terms can reach in a round: found by
/// a search, or (on the shop, whose robots.txt names a sitemap of every
/// visible product) listed in its sitemap.
fn reachable<'a>(gt: &'a GroundTruth, terms: &[String], round: u32) -> Vec<&'a TruthListing> {
    gt.listings
        .iter()
        .filter(|l| {
            !l.disallowed
                && gt.visible_in_round(l, round)
                && (l.tags.iter().any(|t| terms.contains(t))
                    || gt.site(&l.site).is_some_and(|s| s.kind == SiteKind::Shop))
        })
        .collect()
}

#[test]
fn demo_pipeline_matches_the_marketplace_ground_truth() {
    let demo = run_demo();
    let gt = &demo.dump.ground_truth;
    assert_eq!(demo.dump.rounds.len(), 2, "two crawl rounds");

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
    assert_eq!(runs.len(), 2);
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
        if round == 2 {
            assert!(!removed.is_empty(), "removals show in the lake");
        }

        for o in &obs {
            let t = by_id[&o.listing_id];
            assert_eq!(o.source, t.site);
            if o.status == "removed" {
                assert_eq!(
                    o.removal_reason.as_deref(),
                    t.removal.as_deref(),
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

    // 5. The figure exists as PNG and SVG with readable text, and the summary names the outputs.
    let png = std::fs::read(demo.out.join("figures/annual_listings_by_taxon_group.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let svg = std::fs::read_to_string(demo.out.join("figures/annual_listings_by_taxon_group.svg"))
        .unwrap();
    assert!(
        svg.contains("<text") && svg.contains("Year"),
        "SVG has text"
    );
    for needle in [
        "annual_by_taxon_group.csv",
        "annual_listings_by_taxon_group.png",
        "wildtrace.duckdb",
    ] {
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

#[test]
fn bad_config_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("job.toml");
    std::fs::write(
        &cfg,
        "[job]\nname = \"x\"\n\n[identity]\nproduct_token = \"\"\ncontact = \"a@b.org\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
        .args(["crawl", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(&format!("{}:5: `identity.product_token`", cfg.display())),
        "{err}"
    );

    let missing = dir.path().join("nope.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
        .args(["crawl", "--config"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.toml"));
}

#[test]
fn help_explains_every_subcommand() {
    let bin = env!("CARGO_BIN_EXE_wildtrace");
    let top = Command::new(bin).arg("--help").output().unwrap();
    assert!(top.status.success());
    let text = String::from_utf8_lossy(&top.stdout).into_owned();
    assert!(text.contains("wildlife"), "{text}");
    for sub in [
        "demo",
        "crawl",
        "schedule",
        "analyse",
        "report",
        "demo-market",
        "inspect",
        "verify",
        "lexicon",
        "bench",
        "sql",
    ] {
        assert!(text.contains(sub), "top-level help lists {sub}");
        let out = Command::new(bin).args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub} --help");
        let h = String::from_utf8_lossy(&out.stdout);
        assert!(
            h.lines().count() > 5 && h.contains("Usage: wildtrace"),
            "{sub} --help explains itself:\n{h}"
        );
    }
    let bad = Command::new(bin).arg("frobnicate").output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "bad usage exits 2");
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
    let demo = run_demo();
    let gt = &demo.dump.ground_truth;
    let db = duckdb::Connection::open_in_memory().unwrap();
    let fill = |sql: &str| {
        sql.replace("{lake}", &demo.data.join("lake").display().to_string())
            .replace("{out}", &demo.out.display().to_string())
    };
    let sql = include_str!("../analysis/tests/sql/annual_stats.sql");
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
            assert_eq!(f[7] == "true", l.removed_from_round.is_some(), "{}", f[0]);
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

// ---- Figures, the policymaker report and the notebooks (issue #6) ----

/// The notebooks' Python (`./wt setup` creates it from notebooks/requirements.txt).
fn venv_python() -> PathBuf {
    let py = repo().join(".deps/venv/bin/python");
    assert!(
        py.exists(),
        "{} missing: run `./wt setup` (it installs notebooks/requirements.txt)",
        py.display()
    );
    py
}

fn notebooks() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("notebooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    v.sort();
    v
}

/// Executes one notebook with nbclient (a real Jupyter kernel) against a
/// lake and an output folder; returns whether every cell ran, and stderr.
fn execute_notebook(nb: &Path, lake: &Path, out: &Path) -> (bool, String) {
    const RUNNER: &str = "import sys, nbformat, nbclient\n\
        nb = nbformat.read(sys.argv[1], as_version=4)\n\
        nbclient.NotebookClient(nb, timeout=300, kernel_name='python3').execute()\n";
    let o = Command::new(venv_python())
        .current_dir(repo().join("notebooks"))
        .env("WILDTRACE_LAKE", lake)
        .env("WILDTRACE_OUT", out)
        .args(["-c", RUNNER])
        .arg(nb)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// What the report page shows in Chromium, plus what its console said.
#[derive(Debug, serde::Deserialize)]
struct PageCheck {
    images: Vec<(String, f64, f64)>,
    svgs: Vec<(f64, f64)>,
    sections: Vec<String>,
    title: String,
}

/// Opens `html` in Debian's headless Chromium through the DevTools protocol;
/// returns what the page rendered, the console errors, and a full-page
/// screenshot (PNG).
fn render_in_chromium(html: &Path) -> (PageCheck, Vec<String>, Vec<u8>) {
    use headless_chrome::protocol::cdp::Page;
    use headless_chrome::protocol::cdp::types::Event;
    use headless_chrome::{Browser, LaunchOptions};
    use std::ffi::OsStr;
    use std::sync::{Arc, Mutex};

    let chromium = PathBuf::from("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "Debian chromium missing: apt-get install -y chromium (.ci/run does)"
    );
    // A new empty profile, and no background traffic: the closed network
    // refuses it, and the report must not need any.
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::new(LaunchOptions {
        path: Some(chromium),
        headless: true,
        sandbox: false,
        user_data_dir: Some(profile.path().to_path_buf()),
        window_size: Some((1280, 1000)),
        idle_browser_timeout: std::time::Duration::from_secs(120),
        args: [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .iter()
        .map(OsStr::new)
        .collect(),
        ..LaunchOptions::default()
    })
    .expect("launch chromium");
    let tab = browser.new_tab().unwrap();
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = errors.clone();
    tab.add_event_listener(Arc::new(move |e: &Event| {
        let msg = match e {
            Event::LogEntryAdded(l) => {
                let level = format!("{:?}", l.params.entry.level);
                (level == "Error").then(|| format!("log: {}", l.params.entry.text))
            }
            Event::RuntimeConsoleAPICalled(c) => {
                let kind = format!("{:?}", c.params.Type);
                matches!(kind.as_str(), "Error" | "Assert")
                    .then(|| format!("console.{kind}: {:?}", c.params.args))
            }
            Event::RuntimeExceptionThrown(x) => {
                Some(format!("exception: {}", x.params.exception_details.text))
            }
            _ => None,
        };
        if let Some(m) = msg {
            sink.lock().unwrap().push(m);
        }
    }))
    .unwrap();
    tab.enable_log().unwrap();
    tab.enable_runtime().unwrap();
    tab.navigate_to(&format!("file://{}", html.display()))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    // Wait until every image has decoded (or failed), then measure.
    let js = "(async () => {
        await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
        return JSON.stringify({
          images: [...document.images].map(i => [i.alt, i.naturalWidth, i.naturalHeight]),
          svgs: [...document.querySelectorAll('svg')].map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
          sections: [...document.querySelectorAll('section')].map(s => s.id),
          title: document.title,
        });
    })()";
    let value = tab.evaluate(js, true).unwrap().value.expect("a result");
    let check: PageCheck = serde_json::from_str(value.as_str().unwrap()).unwrap();
    let height = tab
        .evaluate("document.documentElement.scrollHeight", false)
        .unwrap()
        .value
        .and_then(|v| v.as_f64())
        .unwrap();
    let shot = tab
        .call_method(Page::CaptureScreenshot {
            format: Some(Page::CaptureScreenshotFormatOption::Png),
            quality: None,
            clip: Some(Page::Viewport {
                x: 0.0,
                y: 0.0,
                width: 1280.0,
                height,
                scale: 1.0,
            }),
            from_surface: Some(true),
            capture_beyond_viewport: Some(true),
            optimize_for_speed: None,
        })
        .unwrap();
    use data_encoding::BASE64;
    let png = BASE64.decode(shot.data.as_bytes()).unwrap();
    let errors = errors.lock().unwrap().clone();
    (check, errors, png)
}

/// The main job's figures, report and notebooks, on one demo run: every
/// figure a decodable PNG and a parseable SVG with its title and axis labels;
/// the report renders in headless Chromium with no console errors and every
/// image drawn (screenshot kept under data/out/test-artefacts/); every
/// notebook executes against the demo lake, and the table-reproducing one
/// fails when a published number is wrong.

#[test]
fn demo_figures_report_in_chromium_and_notebooks() {
    let demo = run_demo();

    // 1. Figures: each one in the index is a valid PNG and SVG.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo.out.join("figures/index.json")).unwrap())
            .unwrap();
    let mut drawn = Vec::new();
    for f in index["figures"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let Some(png) = f["png"].as_str() else {
            println!("figure {id} skipped: {}", f["skipped"]);
            continue;
        };
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(demo.out.join(png)).unwrap(),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2400, 1500), "{id}");
        let svg = std::fs::read_to_string(demo.out.join(f["svg"].as_str().unwrap())).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{id}"
        );
        for key in ["title", "x_label", "y_label"] {
            let want = f[key].as_str().unwrap();
            let escaped = want.replace('&', "&amp;").replace('<', "&lt;");
            assert!(
                want.is_empty() || svg.contains(&format!(">\n{escaped}\n<")),
                "{id}: SVG lacks {key} {want:?}"
            );
        }
        drawn.push(id.to_string());
    }
    for id in [
        "annual_listings_by_taxon_group",
        "annual_specimens_by_taxon_group",
    ] {
        assert!(drawn.contains(&id.to_string()), "{id} drawn: {drawn:?}");
    }
    assert!(demo.stdout.contains("figures/index.json") || demo.stdout.contains("figure:"));

    // 2. The report of the latest year, named in the summary, in Chromium.
    let report = std::fs::read_dir(&demo.out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("report-")
        })
        .expect("the demo writes a report");
    assert!(
        demo.stdout.contains(&report.display().to_string()),
        "{}",
        demo.stdout
    );
    let (page, errors, shot) = render_in_chromium(&report);
    let artefacts = repo().join("data/out/test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let kept = artefacts.join("report-screenshot.png");
    std::fs::write(&kept, &shot).unwrap();
    println!("report screenshot: {}", kept.display());
    assert!(errors.is_empty(), "console errors: {errors:?}");
    assert!(
        page.title.contains("wildtrace annual report"),
        "{}",
        page.title
    );
    assert_eq!(page.images.len(), drawn.len(), "one image per drawn figure");
    for (alt, w, h) in &page.images {
        assert!(*w > 0.0 && *h > 0.0, "image {alt:?} did not render");
    }
    for (w, h) in &page.svgs {
        assert!(*w > 0.0 && *h > 0.0, "inline SVG with no size");
    }
    for s in [
        "headlines",
        "tables",
        "figures",
        "method",
        "limitations",
        "data-protection",
    ] {
        assert!(
            page.sections.contains(&s.to_string()),
            "section {s}: {:?}",
            page.sections
        );
    }
    let decoded = png::Decoder::new(std::io::Cursor::new(&shot))
        .read_info()
        .unwrap();
    assert!(
        decoded.info().height > 3000,
        "full page: {}",
        decoded.info().height
    );

    // 3. Notebooks, against the demo lake and outputs.
    let lake = demo.data.join("lake");
    let nbs = notebooks();
    assert!(nbs.len() >= 2, "{nbs:?}");
    for nb in &nbs {
        let (ok, stderr) = execute_notebook(nb, &lake, &demo.out);
        assert!(ok, "{} failed:\n{stderr}", nb.display());
    }
    assert!(
        demo.out
            .join("figures/notebook_listings_by_platform.png")
            .is_file()
    );
    // A wrong published number makes the reproduction notebook fail.
    let tampered = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tampered.path().join("tables")).unwrap();
    for t in [
        "removals_by_source.csv",
        "listing_classification.csv",
        "annual_by_taxon_group.csv",
    ] {
        let mut text = std::fs::read_to_string(demo.out.join("tables").join(t)).unwrap();
        if t == "annual_by_taxon_group.csv" {
            let last = text.trim_end().rsplit_once(',').unwrap();
            let n: u64 = last.1.parse().unwrap();
            text = format!("{},{}\n", last.0, n + 1);
        }
        std::fs::write(tampered.path().join("tables").join(t), text).unwrap();
    }
    let polars_nb = nbs
        .iter()
        .find(|p| p.to_string_lossy().contains("polars"))
        .unwrap();
    let (ok, stderr) = execute_notebook(polars_nb, &lake, tampered.path());
    assert!(
        !ok && stderr.contains("AssertionError"),
        "tampered table passed:\n{stderr}"
    );
}

/// Notebooks are stored without outputs (they are rebuilt from the lake).
#[test]
fn notebooks_are_stored_without_outputs() {
    let nbs = notebooks();
    assert!(nbs.len() >= 2, "{nbs:?}");
    for nb in nbs {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&nb).unwrap()).unwrap();
        for cell in v["cells"].as_array().unwrap() {
            if cell["cell_type"] == "code" {
                assert_eq!(cell["outputs"], serde_json::json!([]), "{}", nb.display());
                assert!(cell["execution_count"].is_null(), "{}", nb.display());
            }
        }
    }
}

// ---------------------------------------------------------------- issue #4
// `wildtrace inspect`, `verify` and `bench extract`, run as a user would.

fn wildtrace(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
        .args(["--log", "warn"])
        .args(args)
        .current_dir(repo())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

#[test]
fn inspect_price_one_text_and_jsonl() {
    let (code, out, err) = wildtrace(&["inspect", "price", "1.299,00 €"], None);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["amount"], "1299.00");
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["currency_raw"], "€");
    let (_, out, _) = wildtrace(
        &[
            "inspect",
            "price",
            "kr 1.200,-",
            "--currency-hint",
            "Norway",
        ],
        None,
    );
    assert_eq!(json(&out)["currency"], "NOK");
    let (_, out, _) = wildtrace(&["inspect", "price", "POA"], None);
    let v = json(&out);
    assert!(
        v["amount"].is_null() && v["currency"].is_null() && v["currency_raw"].is_null(),
        "{v}"
    );

    let input = concat!(
        r#"{"text": "₹1,25,000"}"#,
        "\n",
        "this line is not JSON\n",
        r#"{"text": "$950", "currency_hint": "AUD"}"#,
        "\n",
        r#"{"text": "100-150 €", "currency_hint": null}"#,
        "\n",
        r#"{"currency_hint": "EUR"}"#,
        "\n",
        r#"{"text": "make an offer"}"#,
        "\n",
    );
    let (code, out, err) = wildtrace(&["inspect", "price", "--jsonl"], Some(input));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(lines.len(), 6, "one output line per input line:\n{out}");
    assert_eq!(
        (lines[0]["amount"].as_str(), lines[0]["currency"].as_str()),
        (Some("125000"), Some("INR"))
    );
    assert!(
        lines[1]["error"].as_str().unwrap().contains("line 2"),
        "{}",
        lines[1]
    );
    assert_eq!(
        (lines[2]["amount"].as_str(), lines[2]["currency"].as_str()),
        (Some("950"), Some("AUD"))
    );
    assert_eq!(
        (lines[3]["amount"].as_str(), lines[3]["amount_max"].as_str()),
        (Some("100"), Some("150"))
    );
    assert!(
        lines[4]["error"].as_str().unwrap().contains("text"),
        "{}",
        lines[4]
    );
    assert!(lines[5]["amount"].is_null());
    let (code, _, err) = wildtrace(&["inspect", "price"], None);
    assert_eq!(code, 2, "a missing argument is bad usage: {err}");
}

#[test]
fn inspect_robots_one_url_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let robots = dir.path().join("robots.txt");
    std::fs::write(
        &robots,
        "User-agent: *\nDisallow: /account/\n\nUser-agent: wildtrace\nDisallow: /ad/premium/\nAllow: /ad/premium/free-\n",
    )
    .unwrap();
    let r = robots.to_str().unwrap();
    let ask = |url: &str| {
        let (code, out, err) = wildtrace(
            &[
                "inspect",
                "robots",
                "--robots",
                r,
                "--agent",
                "wildtrace",
                url,
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        json(&out)["allowed"].as_bool().unwrap()
    };
    assert!(!ask("https://bazaar.example/ad/premium/123"));
    assert!(ask("https://bazaar.example/ad/premium/free-9"));
    assert!(
        ask("https://bazaar.example/account/"),
        "our group replaces the * group"
    );
    let lines = [
        serde_json::json!({"robots": "User-agent: *\nDisallow: /", "agent": "wildtrace", "url": "https://a.example/x"}),
        serde_json::json!({"robots": "User-agent: other\nDisallow: /", "agent": "wildtrace", "url": "https://a.example/x"}),
        serde_json::json!({"robots": "", "agent": "wildtrace", "url": "not a url"}),
        serde_json::json!({"robots": "User-agent: *\nDisallow: /private", "agent": "wildtrace", "url": "https://a.example/private/1"}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let (code, out, err) = wildtrace(&["inspect", "robots", "--jsonl"], Some(&input));
    assert_eq!(code, 0, "{err}");
    let got: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(got.len(), 4, "{out}");
    assert_eq!(got[0], serde_json::json!({"allowed": false}));
    assert_eq!(got[1], serde_json::json!({"allowed": true}));
    assert!(
        got[2]["error"].as_str().unwrap().contains("not a url"),
        "{}",
        got[2]
    );
    assert_eq!(got[3], serde_json::json!({"allowed": false}));
}

#[test]
fn inspect_extract_and_sitemap_from_files() {
    let pages = repo().join("crawler/tests/fixtures/pages");
    let (code, out, err) = wildtrace(
        &[
            "inspect",
            "extract",
            pages.join("classifieds-kleinmarkt.html").to_str().unwrap(),
            "--url",
            "https://www.kleinmarkt.example/anzeige/2291834",
            "--profile",
            repo()
                .join("crawler/tests/fixtures/profiles/kleinmarkt.toml")
                .to_str()
                .unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let rec = &v.as_array().unwrap()[0];
    assert_eq!(rec["price_amount"], "1299.00");
    assert_eq!(rec["currency"], "EUR");
    assert_eq!(rec["listing_id"], "kleinmarkt:2291834");
    assert!(rec["seller_pseudonym"].as_str().unwrap().starts_with("s_"));
    assert!(
        !out.contains("Sammler_Hans") && !out.contains("hans.sammler@"),
        "raw identity in output:\n{out}"
    );
    // A profile by name resolves in config/sites.
    let (code, out, err) = wildtrace(
        &[
            "inspect",
            "extract",
            pages.join("shop-price-on-request.html").to_str().unwrap(),
            "--url",
            "https://curioshop.example/products/ivory-chess-set-118",
            "--profile",
            "curioshop",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)[0]["listing_id"], "curioshop:AN-118");
    // A profile that does not exist is bad usage naming the file.
    let (code, _, err) = wildtrace(
        &[
            "inspect",
            "extract",
            pages.join("opengraph-only.html").to_str().unwrap(),
            "--url",
            "https://x.example/",
            "--profile",
            "no-such-site",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no-such-site.toml"), "{err}");

    let maps = repo().join("crawler/tests/fixtures/sitemaps");
    let (code, out, err) = wildtrace(
        &[
            "inspect",
            "sitemap",
            maps.join("urlset.xml.gz").to_str().unwrap(),
            "--url",
            "https://shop.example/sitemap.xml",
            "--max-urls",
            "2",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["urls"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["urls"][0]["loc"],
        "https://shop.example/products/carved-pendant-4411"
    );
    assert_eq!(v["urls"][0]["lastmod"], "2025-01-09T17:00:00+00:00");
    assert_eq!(v["truncated"], true);
    let (code, _, err) = wildtrace(
        &[
            "inspect",
            "sitemap",
            pages.join("opengraph-only.html").to_str().unwrap(),
            "--url",
            "https://shop.example/sitemap.xml",
        ],
        None,
    );
    assert_eq!(code, 2, "an HTML page is not a sitemap: {err}");
    assert!(err.contains("neither <urlset>"), "{err}");
}

#[test]
fn verify_passes_clean_warcs_and_fails_a_flipped_byte() {
    use wildtrace_crawler::warc::{Exchange, WarcInfo, WarcWriter};
    let data = tempfile::tempdir().unwrap();
    let lake = data.path().join("lake");
    std::fs::create_dir_all(lake.join("listings")).unwrap();
    let warc = data.path().join("warc");
    let mut w = WarcWriter::create(
        &warc.join("bazaar"),
        "r1",
        "bazaar",
        &WarcInfo {
            software: "wildtrace/test".into(),
            ..WarcInfo::default()
        },
    )
    .unwrap();
    let url = "https://bazaar.example/ad/1".parse().unwrap();
    let ptr = w
        .write_exchange(&Exchange {
            url: &url,
            method: "GET",
            request_headers: vec![],
            response_status: 200,
            response_headers: vec![("Content-Type".into(), "text/html".into())],
            body: b"<html><h1>Ivory bangle</h1><span>450 EUR</span></html>",
            remote_ip: None,
            metadata: vec![("robots".into(), "allowed".into())],
        })
        .unwrap();
    let file = w.finish().unwrap();
    let (code, out, err) = wildtrace(&["verify", "--lake", lake.to_str().unwrap()], None);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(json(&out)["ok"], true);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[(ptr.offset + ptr.length / 2) as usize] ^= 0x04;
    std::fs::write(&file, bytes).unwrap();
    let (code, out, _) = wildtrace(
        &[
            "verify",
            "--lake",
            lake.to_str().unwrap(),
            "--warc",
            warc.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert!(v["files"][0]["file"].as_str().unwrap().ends_with(&ptr.file));
    assert!(!v["files"][0]["problems"].as_array().unwrap().is_empty());
    let (code, _, err) = wildtrace(
        &[
            "verify",
            "--lake",
            data.path().join("nope").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn bench_extract_prints_one_json_line() {
    let (code, out, err) = wildtrace(
        &[
            "bench",
            "extract",
            "--demo-listings",
            "6",
            "--seconds",
            "0.2",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let v = json(&out);
    assert_eq!(v["bench"], "extract");
    assert!(v["fixture_pages"].as_u64().unwrap() >= 12);
    assert!(v["demo_pages"].as_u64().unwrap() >= 10, "{v}");
    assert!(
        v["records"].as_u64().unwrap()
            >= v["pages_timed"].as_u64().unwrap() - v["pages_timed"].as_u64().unwrap() / 10
    );
    assert!(v["pages_per_second_per_core"].as_f64().unwrap() > 0.0);
}

/// `wildtrace lexicon stats`, `lexicon import` (Species+ and GBIF fixture
/// files) and `bench lexicon` through the real binary; bad input exits 2.
#[test]
fn lexicon_stats_import_and_bench_through_the_binary() {
    let bin = env!("CARGO_BIN_EXE_wildtrace");
    let repo = repo();
    let lexicon = repo.join("data/reference/lexicon.toml");
    let fixtures = repo.join("analysis/tests/fixtures/lexicon");

    let out = Command::new(bin)
        .args(["lexicon", "stats", "--json", "--lexicon"])
        .arg(&lexicon)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(stats["taxa"].as_u64().unwrap() >= 150, "{stats}");
    assert!(stats["languages"]["th"]["common_name"].as_u64().unwrap() > 0);
    let out = Command::new(bin)
        .args(["lexicon", "stats", "--lexicon"])
        .arg(&lexicon)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Pangolins") && text.contains("taxon_group"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("lexicon.toml");
    let out = Command::new(bin)
        .args(["lexicon", "import", "--lexicon"])
        .arg(&lexicon)
        .arg("--species-plus")
        .arg(fixtures.join("species_plus_listings.csv"))
        .arg("--gbif-taxon")
        .arg(fixtures.join("Taxon.tsv"))
        .arg("--gbif-vernacular")
        .arg(fixtures.join("VernacularName.tsv"))
        .arg("--out")
        .arg(&new)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["taxa_added"], 7, "{report}");
    assert_eq!(report["names_added"], 6, "{report}");
    assert!(
        std::fs::read_to_string(&new)
            .unwrap()
            .contains("Königstiger")
    );

    // A CSV without the Listing column, and an import with no source: exit 2.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "Id,Kingdom,Phylum,Class,Order,Family,Genus,Scientific Name,Rank\n\
         1,Animalia,Chordata,Aves,Psittaciformes,Psittacidae,Ara,Ara ararauna,SPECIES\n",
    )
    .unwrap();
    let out = Command::new(bin)
        .args(["lexicon", "import", "--lexicon"])
        .arg(&lexicon)
        .arg("--species-plus")
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("never.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:1:") && err.contains("Listing"),
        "{err}"
    );
    assert!(!dir.path().join("never.toml").exists());
    let out = Command::new(bin)
        .args(["lexicon", "import"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let out = Command::new(bin)
        .args(["bench", "lexicon", "--mb", "1", "--lexicon"])
        .arg(&lexicon)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["bench"], "lexicon");
    assert!(v["mb_per_s_per_core"].as_f64().unwrap() > 0.0, "{v}");
}

/// `wildtrace report` writes the chosen year from an output folder alone, and
/// a year without listings or a folder without tables is a usage error.
#[test]
fn report_command_writes_a_year_and_refuses_years_without_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("tables")).unwrap();
    std::fs::write(
        out.join("tables/annual_by_taxon_group.csv"),
        "year,taxon_group,confidence,listings,specimens\n\
         2024,Elephants,confirmed,3,4\n2025,Elephants,confirmed,6,6\n2025,Pangolins,suspected,2,9\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_wildtrace");
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(["report", "--out"])
            .arg(&out)
            .args(args)
            .output()
            .unwrap()
    };
    let ok = run(&[]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let html = std::fs::read_to_string(out.join("report-2025.html")).unwrap();
    assert!(html.contains("+167% on 2024 (3)"), "8 listings against 3");
    assert!(html.contains("Online wildlife trade in 2025"));
    assert!(run(&["--year", "2024"]).status.success());
    assert!(out.join("report-2024.html").is_file());

    let bad = run(&["--year", "2019"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("2019") && err.contains("2024, 2025"), "{err}");
    let missing = Command::new(bin)
        .args(["report", "--out"])
        .arg(dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}
