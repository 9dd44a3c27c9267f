//! End to end: the real `wildtrace demo` binary on a small seed of the demo
//! marketplace, checked against the marketplace's own ground truth with a
//! real DuckDB reading the real Parquet lake.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use wildtrace_crawler::demo::{GroundTruth, RequestRecord, TruthListing};
use wildtrace_crawler::privacy::Pseudonymiser;

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

/// Listings a crawl with these search terms can reach in a round.
fn reachable<'a>(gt: &'a GroundTruth, terms: &[String], round: u32) -> Vec<&'a TruthListing> {
    gt.listings
        .iter()
        .filter(|l| {
            !l.disallowed
                && gt.visible_in_round(l, round)
                && l.tags.iter().any(|t| terms.contains(t))
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
    for sub in ["demo", "crawl", "analyse", "demo-market", "sql"] {
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
