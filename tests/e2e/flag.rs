//! Reports to platforms (issue #12): the real `wildtrace crawl` and
//! `wildtrace flag` on the demo marketplace, checked against its ground
//! truth. The selection is exactly the listings the criteria describe
//! (recomputed from the ground truth's confidence, group and taxon); a
//! report is recorded in the lake (read with DuckDB) and the state store;
//! `--submit` reaches every site's intake with the crawler's identity; the
//! next round's crawl, with revisits switched off, still revisits every
//! reported listing and sees it removed exactly when the market's ground
//! truth says; a failing or unreachable intake exits 1 and names the
//! platform.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use wildtrace_demo::market::{DemoMarket, DemoOptions, GroundTruth, TruthListing};

use crate::support::{json, lake_id, lake_rows, reachable, repo, wildtrace};

/// A job for the running market's three sites, with report intakes;
/// `intakes` replaces a site's intake URL.
fn job(
    dir: &Path,
    market: &DemoMarket,
    terms: &[String],
    revisit: bool,
    intakes: &BTreeMap<&str, String>,
) -> PathBuf {
    let mut text = format!(
        "[job]\nname = \"flagtest\"\n\n[identity]\nproduct_token = \"wildtrace\"\n\
         contact = \"mailto:wildtrace-test@example.org\"\n\n[politeness]\nmin_delay_ms = 20\n\n\
         [scope]\nallow_loopback = true\n\n[revisit]\nenabled = {revisit}\n\n\
         [storage]\ndata_dir = {:?}\n",
        dir.join("data").display().to_string()
    );
    let terms: Vec<String> = terms.iter().map(|t| format!("{t:?}")).collect();
    for (name, search) in [
        ("bazaar", "/search?q={term}"),
        ("curioshop", "/catalog?q={term}"),
        ("reptileforum", "/find?term={term}"),
    ] {
        let base = market.site(name).unwrap().base_url.to_string();
        let intake = intakes
            .get(name)
            .cloned()
            .unwrap_or_else(|| "/report/intake".to_string());
        text.push_str(&format!(
            "\n[[sites]]\nname = \"{name}\"\nbase_url = {base:?}\nprofile = \"{name}\"\n\
             search = {search:?}\nterms = [{}]\n",
            terms.join(", ")
        ));
        // An empty intake leaves the site without one.
        if !intake.is_empty() {
            text.push_str(&format!("\n[sites.report_intake]\nurl = {intake:?}\n"));
        }
    }
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("job.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn crawl(cfg: &Path) {
    let (code, _, stderr) = wildtrace(&["crawl", "--config", cfg.to_str().unwrap()], None);
    assert_eq!(code, 0, "crawl failed: {stderr}");
}

/// Runs `wildtrace flag` with `args`; returns its JSON summary.
fn flag(cfg: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["flag", "--config", cfg.to_str().unwrap()];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = wildtrace(&all, None);
    assert_eq!(code, 0, "flag {args:?} failed: {stderr}");
    json(&stdout)
}

/// The listing ids of every platform file of a flag summary, read back
/// from the JSON files it names, by platform.
fn flagged(summary: &serde_json::Value) -> BTreeMap<String, Vec<serde_json::Value>> {
    let mut out = BTreeMap::new();
    for p in summary["platforms"].as_array().unwrap() {
        let path = p["json"].as_str().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(v["platform"], p["platform"]);
        assert_eq!(v["report_id"], summary["report_id"]);
        assert_eq!(v["count"], p["listings"]);
        out.insert(
            p["platform"].as_str().unwrap().to_string(),
            v["listings"].as_array().unwrap().clone(),
        );
    }
    out
}

fn ids(by_platform: &BTreeMap<String, Vec<serde_json::Value>>) -> BTreeSet<String> {
    by_platform
        .values()
        .flatten()
        .map(|l| l["listing_id"].as_str().unwrap().to_string())
        .collect()
}

/// A loopback server that answers every request with 500 (and counts them).
fn failing_intake() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/intake", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 65536];
            let mut got = Vec::new();
            // Read the head and the announced body, then answer.
            loop {
                let n = s.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let body = "intake is down";
            let _ = write!(
                s,
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, hits)
}

/// The CITES appendix of a ground-truth taxon, from the lexicon's table:
/// the taxon's own, or for the market's `<Genus> spp.` the appendix every
/// species of the genus shares.
fn appendix(lexicon: &wildtrace_analysis::Lexicon, l: &TruthListing) -> Option<String> {
    let t = l.taxon.as_deref()?;
    if let Some(a) = lexicon.cites_appendix(t) {
        return Some(a.to_string());
    }
    let genus = t.strip_suffix(" spp.")?;
    let all: BTreeSet<String> = lexicon
        .taxa()
        .into_iter()
        .filter(|x| x.scientific_name.starts_with(&format!("{genus} ")))
        .map(|x| x.cites_appendix)
        .collect();
    (all.len() == 1).then(|| all.into_iter().next().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_report_submit_revisit_and_removal_match_the_ground_truth() {
    let market = DemoMarket::start(DemoOptions {
        seed: 7,
        listings_per_site: 30,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let gt0: GroundTruth = market.ground_truth();
    let terms = gt0.search_terms.clone();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("job");
    let cfg = job(&dir, &market, &terms, true, &BTreeMap::new());
    let data = dir.join("data");
    let lexicon =
        wildtrace_analysis::Lexicon::load(&repo().join("data/reference/lexicon.toml")).unwrap();

    // Round 1.
    crawl(&cfg);
    let seen: Vec<&TruthListing> = reachable(&gt0, &terms, 1);
    assert!(seen.len() > 40, "too few listings to mean anything");

    // Selection 1: confirmed, CITES Appendix I, exactly as the ground truth says.
    let s = flag(
        &cfg,
        &["--appendix", "I", "--out", dir.join("r1").to_str().unwrap()],
    );
    let got = flagged(&s);
    let want: BTreeSet<String> = seen
        .iter()
        .filter(|l| l.confidence == "confirmed")
        .filter(|l| appendix(&lexicon, l).is_some_and(|a| a.split('/').any(|p| p == "I")))
        .map(|l| lake_id(l))
        .collect();
    assert!(want.len() >= 5, "too few Appendix I listings: {want:?}");
    let by_id: BTreeMap<String, &TruthListing> = seen.iter().map(|l| (lake_id(l), *l)).collect();
    let diff: Vec<String> = ids(&got)
        .symmetric_difference(&want)
        .map(|id| {
            let l = by_id.get(id);
            let rep = got
                .values()
                .flatten()
                .find(|r| r["listing_id"] == id.as_str());
            format!(
                "{id}: truth {:?} / {:?} / {:?} / {:?}; report {}",
                l.map(|l| &l.title),
                l.map(|l| &l.confidence),
                l.and_then(|l| l.taxon.clone()),
                l.and_then(|l| appendix(&lexicon, l)),
                rep.map(|r| r["reasons"].to_string()).unwrap_or_default()
            )
        })
        .collect();
    assert!(diff.is_empty(), "{diff:#?}");
    for rows in got.values() {
        for r in rows {
            let l = by_id[r["listing_id"].as_str().unwrap()];
            assert_eq!(r["reasons"]["confidence"], "confirmed");
            assert_eq!(
                r["reasons"]["taxon_group"].as_str(),
                l.taxon_group.as_deref()
            );
            assert!(r["url"].as_str().unwrap().ends_with(&l.path), "{r}");
            let amount = r["price"]["amount"]
                .as_str()
                .map(|a| a.parse::<rust_decimal::Decimal>().unwrap().normalize());
            assert_eq!(amount, l.price_amount.map(|a| a.normalize()), "{r}");
            assert_eq!(r["price"]["currency"].as_str(), l.currency.as_deref());
            assert_eq!(r["last_status"], "active");
            let digest = r["evidence"]["digest"].as_str().unwrap();
            assert_eq!(r["evidence"]["kind"], "page_sha256");
            assert_eq!(
                digest,
                format!("sha256:{}", r["evidence"]["page_sha256"].as_str().unwrap())
            );
            assert!(!r["reasons"]["matched_terms"].as_array().unwrap().is_empty());
        }
    }
    let folder = PathBuf::from(s["folder"].as_str().unwrap());
    let note = std::fs::read_to_string(folder.join("README.md")).unwrap();
    assert!(note.contains("CITES appendices: I."), "{note}");
    let (platform, rows) = got.iter().next().unwrap();
    let csv = std::fs::read_to_string(folder.join(format!("{platform}.csv"))).unwrap();
    assert!(csv.starts_with("report_id,platform,listing_id,url,title,confidence"));
    assert_eq!(csv.lines().count(), rows.len() + 1);

    // Selection 2: suspected and above, the most frequent taxon group.
    let group = seen
        .iter()
        .filter_map(|l| l.taxon_group.clone())
        .max_by_key(|g| {
            seen.iter()
                .filter(|l| l.taxon_group.as_ref() == Some(g))
                .count()
        })
        .unwrap();
    let s2 = flag(
        &cfg,
        &[
            "--min-confidence",
            "suspected",
            "--taxon-group",
            &group,
            "--out",
            dir.join("r2").to_str().unwrap(),
        ],
    );
    let want2: BTreeSet<String> = seen
        .iter()
        .filter(|l| matches!(l.confidence.as_str(), "confirmed" | "suspected"))
        .filter(|l| l.taxon_group.as_deref() == Some(group.as_str()))
        .map(|l| lake_id(l))
        .collect();
    assert!(want2.len() >= 3);
    assert_eq!(ids(&flagged(&s2)), want2);

    // The report to submit: every confirmed listing (the suspected ones
    // outside the group of selection 2 stay unreported, for comparison).
    let s3 = flag(
        &cfg,
        &["--submit", "--out", dir.join("r3").to_str().unwrap()],
    );
    let report_id = s3["report_id"].as_str().unwrap().to_string();
    let reported = flagged(&s3);
    let reported_ids = ids(&reported);
    let want3: BTreeSet<String> = seen
        .iter()
        .filter(|l| l.confidence == "confirmed")
        .map(|l| lake_id(l))
        .collect();
    assert_eq!(reported_ids, want3);
    // Every selection was recorded as a report (files only, or submitted).
    let mut lake_reported: BTreeSet<String> = ids(&got);
    lake_reported.extend(want2.iter().cloned());
    lake_reported.extend(reported_ids.iter().cloned());
    assert!(lake_reported.len() > reported_ids.len());

    // Submitted: one request per platform, with the crawler's identity, answered 202.
    let intake = market.reports();
    assert_eq!(intake.len(), reported.len());
    for rec in &intake {
        assert_eq!(rec.report_id, report_id);
        assert_eq!(rec.received, reported[&rec.site].len());
        assert_eq!(rec.matched, rec.received, "{rec:?}");
        let ua = rec.user_agent.as_deref().unwrap();
        assert!(
            ua.starts_with("wildtrace/") && ua.contains("wildtrace-test@example.org"),
            "{ua}"
        );
        assert_eq!(rec.from.as_deref(), Some("wildtrace-test@example.org"));
    }
    for p in s3["platforms"].as_array().unwrap() {
        let sub = &p["submission"];
        assert_eq!(sub["http_status"], 202, "{p}");
        let site = p["platform"].as_str().unwrap();
        let rec = intake.iter().find(|r| r.site == site).unwrap();
        assert_eq!(sub["receipt_id"].as_str(), Some(rec.receipt_id.as_str()));
        assert!(sub["error"].is_null());
    }

    // Recorded in the lake (DuckDB over the Parquet files, with the contract's columns)…
    let db = duckdb::Connection::open_in_memory().unwrap();
    let glob = data.join("lake/reports/**/*.parquet");
    let sql = format!(
        "SELECT source, listing_id, report_id, CAST(report_date AS VARCHAR), evidence_digest
         FROM read_parquet('{}', hive_partitioning = true) WHERE report_id = ?",
        glob.display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    let lake_reports: Vec<(String, String, String, String, String)> = stmt
        .query_map([&report_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let lake_ids: BTreeSet<String> = lake_reports.iter().map(|r| r.1.clone()).collect();
    assert_eq!(lake_ids, reported_ids);
    assert_eq!(lake_reports.len(), reported_ids.len());
    let mut stmt = db
        .prepare(&format!(
            "SELECT DISTINCT listing_id FROM read_parquet('{}', hive_partitioning = true)",
            glob.display()
        ))
        .unwrap();
    let all_reported: BTreeSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all_reported, lake_reported);
    for (source, id, _, date, digest) in &lake_reports {
        assert!(id.starts_with(&format!("{source}:")));
        // The partition is the UTC date of reported_at, which the id starts with.
        let want = format!(
            "{}-{}-{}",
            &report_id[..4],
            &report_id[4..6],
            &report_id[6..8]
        );
        assert_eq!(date, &want);
        assert!(digest.starts_with("sha256:"));
    }
    let contract: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo().join("data/schema/lake.toml")).unwrap())
            .unwrap();
    let want_cols: Vec<String> = contract["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some("reports"))
        .unwrap()["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    let mut stmt = db
        .prepare(&format!(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('{}', hive_partitioning = false))",
            glob.display()
        ))
        .unwrap();
    let cols: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(cols, want_cols);

    // …and in the state store.
    let store = wildtrace_crawler::state::Store::open(&data.join("state/flagtest")).unwrap();
    let stored: BTreeSet<String> = store
        .reports()
        .unwrap()
        .into_iter()
        .filter(|r| r.report_id == report_id)
        .flat_map(|r| r.listing_ids)
        .collect();
    assert_eq!(stored, reported_ids);
    let subs = store.submissions().unwrap();
    assert_eq!(subs.len(), reported.len());
    assert!(
        subs.iter()
            .all(|s| s.http_status == Some(202) && s.error.is_none())
    );
    drop(store);

    // Round 2, revisits switched off: every reported listing is still
    // revisited, and seen removed exactly when the market says.
    market.set_round(2);
    let cfg2 = job(&dir, &market, &terms, false, &BTreeMap::new());
    crawl(&cfg2);
    let gt = market.ground_truth();
    let rows = lake_rows(&data);
    let runs: BTreeSet<&str> = rows.iter().map(|r| r.run_id.as_str()).collect();
    let run2 = *runs.iter().last().unwrap();
    assert_eq!(runs.len(), 2);
    let in_run2: BTreeMap<&str, &crate::support::Obs> = rows
        .iter()
        .filter(|r| r.run_id == run2)
        .map(|r| (r.listing_id.as_str(), r))
        .collect();
    let mut by_report = 0;
    for l in gt
        .listings
        .iter()
        .filter(|l| reported_ids.contains(&lake_id(l)))
    {
        let rep = l
            .reported
            .as_ref()
            .expect("the market recorded every reported listing");
        assert_eq!(rep.report_id, report_id);
        assert_eq!(rep.reported_round, 1);
        let id = lake_id(l);
        let o = in_run2
            .get(id.as_str())
            .unwrap_or_else(|| panic!("{id} was reported but not revisited"));
        let gone = gt.removed_in_round(l, 2);
        assert_eq!(o.status == "removed", gone, "{id}: {o:?} vs {l:?}");
        if gone {
            assert_eq!(o.removal_reason.as_deref(), l.removal_style(), "{id}");
        }
        if rep.removed_by_report && l.removed_from_round.is_none() {
            by_report += 1;
        }
    }
    assert!(
        by_report >= 3,
        "the reports removed too few listings to mean anything"
    );
    // Every listing the lake records as reported (also those only written
    // to files) is revisited; unreported listings removed in round 2 are
    // not (revisits are off).
    for l in &gt.listings {
        let id = lake_id(l);
        if lake_reported.contains(&id) {
            let o = in_run2
                .get(id.as_str())
                .expect("reported listings are revisited");
            assert_eq!(o.status == "removed", gt.removed_in_round(l, 2), "{id}");
        } else if gt.removed_in_round(l, 2) {
            assert!(!in_run2.contains_key(id.as_str()), "{id}");
        }
    }

    // --submit to a site without an intake: exit 2 before anything is written.
    let no_intake = BTreeMap::from([("curioshop", String::new())]);
    let cfg_none = job(&dir, &market, &terms, true, &no_intake);
    let r5 = dir.join("r5");
    let (code, _, stderr) = wildtrace(
        &[
            "flag",
            "--config",
            cfg_none.to_str().unwrap(),
            "--platform",
            "curioshop",
            "--submit",
            "--out",
            r5.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("curioshop") && stderr.contains("report_intake"),
        "{stderr}"
    );
    assert!(!r5.exists(), "nothing is written");

    // A failing intake (500) and an unreachable one: exit 1, both named.
    let (down, hits) = failing_intake();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/intake", l.local_addr().unwrap())
    };
    let intakes = BTreeMap::from([("bazaar", down.clone()), ("curioshop", closed.clone())]);
    let cfg3 = job(&dir, &market, &terms, true, &intakes);
    let (code, stdout, stderr) = wildtrace(
        &[
            "flag",
            "--config",
            cfg3.to_str().unwrap(),
            "--platform",
            "bazaar",
            "--platform",
            "curioshop",
            "--submit",
            "--out",
            dir.join("r4").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("to `bazaar`") && stderr.contains("HTTP 500"),
        "{stderr}"
    );
    assert!(stderr.contains("to `curioshop`"), "{stderr}");
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "never retried"
    );
    let store = wildtrace_crawler::state::Store::open(&data.join("state/flagtest")).unwrap();
    let failed: Vec<_> = store
        .submissions()
        .unwrap()
        .into_iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed
            .iter()
            .any(|s| s.intake_url == down && s.http_status == Some(500))
    );
    assert!(
        failed
            .iter()
            .any(|s| s.intake_url == closed && s.http_status.is_none())
    );
    drop(store);
    lake_reported.extend(ids(&flagged(&json(&stdout))));

    // Round 3, revisits on; the analysis publishes removal after reporting,
    // equal to the market's ground truth.
    market.set_round(3);
    let cfg4 = job(&dir, &market, &terms, true, &BTreeMap::new());
    crawl(&cfg4);
    let gt = market.ground_truth();
    let out = dir.join("out");
    let (code, _, stderr) = wildtrace(
        &[
            "analyse",
            "--config",
            cfg4.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    // (source, group, arm) -> (listings, removed), from the ground truth.
    let mut want: BTreeMap<(String, String, String), (u64, u64)> = BTreeMap::new();
    let seen_ids: BTreeSet<String> = seen.iter().map(|l| lake_id(l)).collect();
    for l in &gt.listings {
        if !matches!(l.confidence.as_str(), "confirmed" | "suspected") {
            continue;
        }
        let id = lake_id(l);
        let arm = if lake_reported.contains(&id) {
            "reported"
        } else if seen_ids.contains(&id) {
            // Comparable: seen before the first report, not reported.
            "comparable"
        } else {
            continue;
        };
        for group in [l.taxon_group.clone().unwrap(), "all".to_string()] {
            let e = want
                .entry((l.site.clone(), group, arm.to_string()))
                .or_default();
            e.0 += 1;
            e.1 += u64::from(gt.removed_in_round(l, 3));
        }
    }
    assert!(want.keys().any(|k| k.2 == "comparable"));
    let sql = format!(
        "SELECT source, taxon_group, arm, listings, removed, removed_share,
                removed_share_ci_low, removed_share_ci_high, km_removed_by_7d
         FROM read_csv('{}', header = true)",
        out.join("tables/removal_after_report.csv").display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    type Row = (String, String, String, i64, i64, f64, f64, f64, Option<f64>);
    let got: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let got_keys: BTreeMap<(String, String, String), (u64, u64)> = got
        .iter()
        .map(|r| {
            (
                (r.0.clone(), r.1.clone(), r.2.clone()),
                (r.3 as u64, r.4 as u64),
            )
        })
        .collect();
    assert_eq!(got_keys, want);
    let r4 = |x: f64| (x * 10_000.0).round() / 10_000.0;
    for (_, _, _, n, k, share, lo, hi, km7) in &got {
        let (n, k) = (*n as f64, *k as f64);
        assert_eq!(*share, r4(k / n));
        // The 95 % Wilson interval, worked out here.
        let z = 1.959_963_984_540_054_f64;
        let p = k / n;
        let c = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
        assert!(
            (lo - r4((c - h).max(0.0))).abs() < 1e-9,
            "{lo} vs {}",
            c - h
        );
        assert!(
            (hi - r4((c + h).min(1.0))).abs() < 1e-9,
            "{hi} vs {}",
            c + h
        );
        assert!(*lo <= *share && *share <= *hi);
        // The demo's rounds are seconds apart: nobody was followed 7 days.
        assert_eq!(*km7, None);
    }
    // The figure and the report's table.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("figures/index.json")).unwrap()).unwrap();
    let fig = index["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "removal_after_report")
        .unwrap();
    assert!(fig["svg"].is_string(), "{fig}");
    let (code, stdout, stderr) = wildtrace(&["report", "--out", out.to_str().unwrap()], None);
    assert_eq!(code, 0, "{stderr}");
    let html_path = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "html"))
        .unwrap_or_else(|| panic!("no report: {stdout}"));
    let html = std::fs::read_to_string(html_path).unwrap();
    assert!(html.contains("Removal after reporting to platforms"));
    market.shutdown().await;
}
