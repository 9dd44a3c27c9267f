//! Crash safety of the frontier: a `wildtrace crawl` process killed with
//! SIGKILL at several points (three or four chosen ones, and twenty seeded
//! random moments), then finished with `--resume`, leaves the same lake as
//! an uninterrupted run of the same job against the same market, with the
//! politeness delay kept across every restart (timed at the market).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wildtrace_demo::market::{DemoMarket, DemoOptions};

use crate::support::repo;

/// A job file for `dir`, crawling the market's three sites, with a shared key.
fn job(dir: &Path, market: &DemoMarket, key: &Path) -> PathBuf {
    job_with_delay(dir, market, key, 10)
}

/// [`job`] with a politeness floor of `min_delay_ms`.
fn job_with_delay(dir: &Path, market: &DemoMarket, key: &Path, min_delay_ms: u64) -> PathBuf {
    std::fs::create_dir_all(dir.join("sites")).unwrap();
    for e in std::fs::read_dir(repo().join("config/sites")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join("sites").join(e.file_name())).unwrap();
    }
    let mut text = format!(
        r#"[job]
name = "resume"
[identity]
product_token = "wildtrace"
contact = "mailto:resume-test@example.org"
[politeness]
min_delay_ms = {min_delay_ms}
[scope]
allow_private_addresses = true
[storage]
data_dir = {data:?}
pseudonym_key = {key:?}
"#,
        data = dir.join("data").display().to_string(),
        key = key.display().to_string()
    );
    let searches = [
        ("bazaar", "/search?q={term}"),
        ("curioshop", "/catalog?q={term}"),
        ("reptileforum", "/find?term={term}"),
    ];
    for (name, search) in searches {
        let base = market.site(name).unwrap().base_url.clone();
        text.push_str(&format!(
            "[[sites]]\nname = \"{name}\"\nbase_url = \"{base}\"\nprofile = \"sites/{name}.toml\"\nsearch = \"{search}\"\nterms = [\"ivory\", \"horn\", \"pangolin\", \"tortoise\", \"python\", \"parrot\"]\n"
        ));
    }
    let path = dir.join("job.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn crawl_cmd(cfg: &Path, resume: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wildtrace"));
    c.arg("crawl").arg("--config").arg(cfg);
    if resume {
        c.arg("--resume");
    }
    c.env("WILDTRACE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run_to_end(cfg: &Path, resume: bool) {
    let out = crawl_cmd(cfg, resume).output().unwrap();
    assert!(
        out.status.success(),
        "crawl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts a crawl and SIGKILLs it once the market has seen `after` more requests.
/// Returns false when the crawl finished before that.
async fn kill_after(cfg: &Path, market: &DemoMarket, after: usize, resume: bool) -> bool {
    kill_after_wait(cfg, market, after, Duration::ZERO, resume).await
}

/// [`kill_after`], waiting `wait` more once the requests were seen (so
/// the kill may land inside an exchange or its commit).
async fn kill_after_wait(
    cfg: &Path,
    market: &DemoMarket,
    after: usize,
    wait: Duration,
    resume: bool,
) -> bool {
    let start = market.requests().len();
    let mut child: Child = crawl_cmd(cfg, resume).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "crawl exited with {status}");
            return false;
        }
        if market.requests().len() >= start + after {
            tokio::time::sleep(wait).await;
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            child.kill().unwrap(); // SIGKILL: no chance to clean up.
            child.wait().unwrap();
            return true;
        }
        assert!(Instant::now() < deadline, "crawl hung");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The listing observations of a lake, without the columns that name the
/// run or the moment (run id, observation time), as sorted JSON lines.
fn observations(data: &Path) -> Vec<String> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let glob = data.join("lake/listings/**/*.parquet");
    let sql = format!(
        "SELECT source, listing_id, canonical_url, status, coalesce(removal_reason, ''),
                http_status, coalesce(title, ''), coalesce(description, ''),
                coalesce(CAST(price_amount AS VARCHAR), ''), coalesce(currency, ''),
                coalesce(CAST(quantity AS VARCHAR), ''), coalesce(seller_pseudonym, ''),
                coalesce(seller_location, ''), coalesce(ships_to, ''),
                coalesce(CAST(posted_date AS VARCHAR), ''), page_sha256, crawl_date
         FROM read_parquet('{}', hive_partitioning = true)",
        glob.display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    let mut rows: Vec<String> = stmt
        .query_map([], |r| {
            let mut cols = Vec::new();
            for i in 0..17 {
                let v: duckdb::types::Value = r.get(i)?;
                cols.push(format!("{v:?}"));
            }
            Ok(cols.join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

fn run_ids(data: &Path) -> BTreeMap<String, usize> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT run_id, count(*) FROM read_parquet('{}') GROUP BY run_id",
        data.join("lake/listings/**/*.parquet").display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_at_several_points_resumes_to_the_uninterrupted_lake() {
    let market = DemoMarket::start(DemoOptions {
        seed: 11,
        listings_per_site: 40,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("shared.key");
    let reference = job(&tmp.path().join("reference"), &market, &key);
    let crashed = job(&tmp.path().join("crashed"), &market, &key);

    // Round 1: both jobs crawl to the end; round 2 (with removals) is the
    // run under test, so revisits and the registry are exercised too.
    market.set_round(1);
    run_to_end(&reference, false);
    run_to_end(&crashed, false);
    market.set_round(2);
    run_to_end(&reference, false);

    // Killed right after robots.txt, mid-search, and among the listings.
    let mut kills = 0;
    for after in [2usize, 25, 40, 30] {
        if kill_after(&crashed, &market, after, kills > 0).await {
            kills += 1;
            if kills == 1 {
                // A plain `crawl` now refuses (exit 2) and names --resume.
                let out = crawl_cmd(&crashed, false).output().unwrap();
                assert_eq!(out.status.code(), Some(2));
                assert!(String::from_utf8_lossy(&out.stderr).contains("--resume"));
            }
        } else {
            break;
        }
    }
    assert!(
        kills >= 3,
        "the crawl finished before it could be killed 3 times"
    );
    run_to_end(&crashed, true);

    let data_ref = reference.parent().unwrap().join("data");
    let data_crash = crashed.parent().unwrap().join("data");
    let want = observations(&data_ref);
    let got = observations(&data_crash);
    assert!(want.len() > 50, "too few observations to mean anything");
    assert_eq!(got.len(), want.len(), "listings lost or duplicated");
    assert_eq!(got, want);
    // Two runs each, and the resumed run is one run, not several.
    assert_eq!(run_ids(&data_ref).len(), 2);
    assert_eq!(run_ids(&data_crash).len(), 2);
    // Removals were observed in the run that was killed.
    assert!(want.iter().any(|r| r.contains("\"removed\"")));
    // No temp file is left where a reader would see it.
    for e in walk(&data_crash.join("lake")) {
        let name = e.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.ends_with(".parquet") || name.starts_with('.'),
            "stray file {name}"
        );
    }
    market.shutdown().await;
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A small deterministic generator (xorshift64*), so the kill moments are
/// the same on every run.
struct Moments(u64);

impl Moments {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_at_20_random_moments_resumes_to_the_uninterrupted_lake() {
    const DELAY_MS: f64 = 40.0;
    let market = DemoMarket::start(DemoOptions {
        seed: 14,
        listings_per_site: 40,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("shared.key");
    let reference = job_with_delay(&tmp.path().join("reference"), &market, &key, 40);
    let crashed = job_with_delay(&tmp.path().join("crashed"), &market, &key, 40);
    market.set_round(1);
    run_to_end(&reference, false);
    run_to_end(&crashed, false);
    market.set_round(2);
    run_to_end(&reference, false);

    // Twenty kills, each after 1-6 more requests and 0-19 ms more (seeded).
    let from = market.requests().len();
    let mut moments = Moments(0x1400_0000_0000_0014);
    let mut kills = 0;
    // The request count at each restart (a process's first request is at
    // or after it).
    let mut restarts = Vec::new();
    while kills < 20 {
        let after = 1 + moments.next(6) as usize;
        let wait = Duration::from_millis(moments.next(20));
        if !kill_after_wait(&crashed, &market, after, wait, kills > 0).await {
            break;
        }
        kills += 1;
        restarts.push(market.requests().len());
    }
    assert_eq!(kills, 20, "the crawl finished before its 20th kill");
    run_to_end(&crashed, true);

    let data_ref = reference.parent().unwrap().join("data");
    let data_crash = crashed.parent().unwrap().join("data");
    let (want, got) = (observations(&data_ref), observations(&data_crash));
    assert!(want.len() > 50, "too few observations to mean anything");
    // 0 listings lost, 0 observations duplicated: the same rows, one each.
    assert_eq!(got.len(), want.len(), "listings lost or duplicated");
    assert_eq!(got, want);
    assert_eq!(run_ids(&data_crash).len(), 2, "the resumed run is one run");
    // Every lake file is readable on its own, and no temp file is left.
    let db = duckdb::Connection::open_in_memory().unwrap();
    for f in walk(&data_crash.join("lake")) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.ends_with(".parquet"), "stray file {}", f.display());
        let n: i64 = db
            .query_row(
                &format!("SELECT count(*) FROM read_parquet('{}')", f.display()),
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{} unreadable: {e}", f.display()));
        assert!(n > 0, "{} is empty", f.display());
    }
    // Politeness across the 21 processes, timed at the market: per site,
    // no two requests of the crashed job closer than its delay (the floor;
    // the forum's robots.txt asks for a Crawl-delay of 0.1 s).
    let delay = |site: &str| {
        if site == "reptileforum" {
            100.0
        } else {
            DELAY_MS
        }
    };
    let log = market.requests();
    let mut last: BTreeMap<String, f64> = BTreeMap::new();
    let mut closest = f64::MAX;
    let mut last_index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in log.iter().enumerate().skip(from) {
        let prev_i = last_index.insert(r.site.clone(), i);
        if let Some(prev) = last.insert(r.site.clone(), r.at_ms) {
            let gap = r.at_ms - prev;
            closest = closest.min(gap);
            let restarted = prev_i.is_some_and(|p| restarts.iter().any(|k| p < *k && *k <= i));
            let repeated = log[from..i]
                .iter()
                .any(|o| o.site == r.site && o.target == r.target);
            assert!(
                gap >= delay(&r.site) * 0.95,
                "{}: {} came {gap:.1} ms after the previous request (restart between: {restarted}, a repeat: {repeated})",
                r.site,
                r.target
            );
        }
    }
    eprintln!(
        "20 kills, {} requests after round 2 began, closest gap at one site {closest:.1} ms",
        log.len() - from
    );
    market.shutdown().await;
}
