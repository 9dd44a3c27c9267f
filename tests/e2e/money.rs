//! Honest money and dates, through the real binary: the real ECB history
//! (`../shared/reference/eurofxref-hist.zip`, read in place, never copied)
//! alone leaves listings unconverted, and the summary, the manifest, the
//! `unconverted_prices` table, the per-listing facts and the report count
//! and name every one; a user-supplied table (the NGN/VND test fixture)
//! converts what the ECB does not publish; dates after a table's last day
//! follow `--rate-window-days`; the demo's report says its rates are
//! illustrative; and listings without a posted date are dated by their
//! first sighting, flagged, counted and disclosed.
//!
//! The expected reasons and values are worked out here from the documented
//! rule (module `fx`, README "Analysis methods") and the rate files' exact
//! rates, not taken from the analysis.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use wildtrace_analysis::fx::Rates;

use crate::support::{self, demo, repo, wildtrace};

/// The real ECB history, beside the repository (present here and in CI).
fn ecb_zip() -> PathBuf {
    let p = repo().join("../shared/reference/eurofxref-hist.zip");
    assert!(
        p.is_file(),
        "{} is missing: the money tests need the real ECB file",
        p.display()
    );
    p
}

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/rates-ngn-vnd-test-fixture.csv")
}

/// One row of `listing_facts`, as the tests read it.
#[derive(Debug, Clone)]
struct Fact {
    id: String,
    year: i32,
    confidence: String,
    posted: Option<NaiveDate>,
    date_basis: String,
    amount: Option<Decimal>,
    currency: Option<String>,
    flag: String,
    reason: Option<String>,
    rate_basis: Option<String>,
    rate_source: Option<i32>,
    cents: Option<i64>,
    first_seen: NaiveDate,
}

fn read_facts(out: &Path) -> Vec<Fact> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT listing_id, year, confidence, CAST(posted_date AS VARCHAR), date_basis,
                price_amount, currency, price_flag, unconverted_reason, rate_basis,
                rate_source, CAST(value_usd_cents AS BIGINT),
                epoch_us(first_seen)
         FROM read_parquet('{}/tables/listing_facts.parquet') ORDER BY listing_id",
        out.display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    stmt.query_map([], |r| {
        let day = |s: Option<String>| s.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap());
        Ok(Fact {
            id: r.get(0)?,
            year: r.get(1)?,
            confidence: r.get(2)?,
            posted: day(r.get(3)?),
            date_basis: r.get(4)?,
            amount: r.get::<_, Option<String>>(5)?.map(|a| a.parse().unwrap()),
            currency: r.get(6)?,
            flag: r.get(7)?,
            reason: r.get(8)?,
            rate_basis: r.get(9)?,
            rate_source: r.get(10)?,
            cents: r.get(11)?,
            first_seen: chrono::DateTime::from_timestamp_micros(r.get(12)?)
                .unwrap()
                .date_naive(),
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The documented rule, written again: the latest rate on or before the
/// date within 10 days inside a table's span, its last rate within
/// `window` days after its last day; first table with the currency wins;
/// USD on the currency's rate date by the same rule.
struct Expect<'a> {
    tables: Vec<&'a Rates>,
    window: i64,
}

/// What a listing should get: Ok((source 1-based, basis, USD cents)) or the reason.
type Outcome = Result<(i32, &'static str, i64), &'static str>;

impl Expect<'_> {
    fn day(&self, t: &Rates, cur: &str, date: NaiveDate) -> Option<(NaiveDate, &'static str)> {
        let last = t.span().1.unwrap();
        let (at, after) = if date > last {
            if (date - last).num_days() > self.window {
                return None;
            }
            (last, true)
        } else {
            (date, false)
        };
        let d = (0..=10)
            .map(|k| at - Duration::days(k))
            .find(|d| t.rate_on(cur, *d).is_some())?;
        let basis = if after {
            "after_table_end"
        } else if d == date {
            "exact"
        } else {
            "previous_business_day"
        };
        Some((d, basis))
    }

    fn lookup(
        &self,
        cur: &str,
        date: NaiveDate,
    ) -> Result<(usize, NaiveDate, &'static str), &'static str> {
        let mut known = false;
        for (i, t) in self.tables.iter().enumerate() {
            if !t.currencies().iter().any(|c| c == cur) {
                continue;
            }
            known = true;
            if let Some((d, b)) = self.day(t, cur, date) {
                return Ok((i, d, b));
            }
        }
        Err(if known {
            "no_rate_date"
        } else {
            "no_rate_currency"
        })
    }

    fn outcome(&self, amount: Option<Decimal>, currency: Option<&str>, date: NaiveDate) -> Outcome {
        let Some(amount) = amount else {
            return Err("no_price");
        };
        let Some(cur) = currency else {
            return Err("unknown_currency");
        };
        let (src, d, basis) = if cur == "EUR" {
            self.lookup("USD", date)?
        } else {
            self.lookup(cur, date)?
        };
        let (usd_src, _, usd_basis) = self.lookup("USD", d).map_err(|_| "no_rate_date")?;
        let rank = |b: &str| {
            ["exact", "previous_business_day", "after_table_end"]
                .iter()
                .position(|x| *x == b)
                .unwrap()
        };
        let basis = if rank(usd_basis) > rank(basis) {
            usd_basis
        } else {
            basis
        };
        let usd_day = self.day(self.tables[usd_src], "USD", d).unwrap().0;
        let usd = self.tables[usd_src].rate_on("USD", usd_day).unwrap();
        let rate = if cur == "EUR" {
            Decimal::ONE
        } else {
            self.tables[src].rate_on(cur, d).unwrap()
        };
        // Exact decimals, half-to-even to cents.
        let cents = (amount * usd / rate).round_dp(2) * Decimal::ONE_HUNDRED;
        Ok((
            src as i32 + 1,
            basis,
            cents.to_string().parse::<f64>().unwrap() as i64,
        ))
    }
}

/// Runs `wildtrace analyse` on the shared demo lake with these rate flags.
fn analyse(name: &str, flags: &[&str]) -> (PathBuf, String) {
    let demo = demo();
    let out = support::scratch_dir().join(name);
    let _ = std::fs::remove_dir_all(&out);
    let lake = demo.data.join("lake");
    let mut args = vec![
        "analyse",
        "--lake",
        lake.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    let (code, stdout, stderr) = wildtrace(&args, None);
    assert_eq!(code, 0, "analyse {flags:?}: {stdout}\n{stderr}");
    (out, stdout)
}

/// Checks every listing's reason, source, basis and value against the rule;
/// returns the expected (reason, currency) → listings over all listings.
fn check_facts(facts: &[Fact], expect: &Expect) -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    for f in facts {
        let date = f.posted.unwrap_or(f.first_seen);
        match expect.outcome(f.amount, f.currency.as_deref(), date) {
            Ok((src, basis, cents)) => {
                assert_eq!(f.reason, None, "{}: converted, {f:?}", f.id);
                assert_eq!(f.rate_source, Some(src), "{}", f.id);
                assert_eq!(f.rate_basis.as_deref(), Some(basis), "{}", f.id);
                if f.flag == "ok" {
                    assert_eq!(f.cents, Some(cents), "{}: USD cents", f.id);
                }
            }
            Err(reason) => {
                assert_eq!(f.reason.as_deref(), Some(reason), "{}: {f:?}", f.id);
                assert_eq!((f.rate_source, f.cents), (None, None), "{}", f.id);
                *counts
                    .entry((reason.to_string(), f.currency.clone().unwrap_or_default()))
                    .or_insert(0) += 1;
            }
        }
    }
    counts
}

fn manifest(out: &Path) -> serde_json::Value {
    support::json(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
}

/// (reason, currency) → listings from `unconverted_prices.csv` (all years and confidences).
fn published_counts(out: &Path) -> BTreeMap<(String, String), u64> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let mut stmt = db
        .prepare(&format!(
            "SELECT reason, coalesce(currency, ''), CAST(sum(listings) AS BIGINT)
             FROM read_csv('{}/tables/unconverted_prices.csv', header = true) GROUP BY ALL",
            out.display()
        ))
        .unwrap();
    stmt.query_map([], |r| {
        Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u64))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn manifest_counts(m: &serde_json::Value) -> BTreeMap<(String, String), u64> {
    m["counts"]["unconverted_by_currency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    c["reason"].as_str().unwrap().to_string(),
                    c["currency"].as_str().unwrap_or("").to_string(),
                ),
                c["listings"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Writes the report for the latest year from the output folder (reading
/// the manifest's rate sources back) and returns (year, html).
fn report(out: &Path) -> (i32, String) {
    let (code, stdout, stderr) = wildtrace(&["report", "--out", out.to_str().unwrap()], None);
    assert_eq!(code, 0, "report: {stdout}\n{stderr}");
    let path = stdout
        .split_whitespace()
        .find(|w| w.ends_with(".html"))
        .unwrap_or_else(|| panic!("no report path in {stdout}"));
    let year: i32 = path.rsplit_once("report-").unwrap().1[..4].parse().unwrap();
    (year, std::fs::read_to_string(path).unwrap())
}

/// The year's confirmed and suspected unconverted listings by (reason, currency).
fn wildlife_in(facts: &[Fact], year: i32) -> BTreeMap<(String, String), u64> {
    let mut m = BTreeMap::new();
    for f in facts {
        if f.year == year
            && matches!(f.confidence.as_str(), "confirmed" | "suspected")
            && let Some(r) = &f.reason
        {
            *m.entry((r.clone(), f.currency.clone().unwrap_or_default()))
                .or_insert(0) += 1;
        }
    }
    m
}

#[test]
fn the_real_ecb_file_alone_counts_and_names_every_unconverted_listing() {
    let zip = ecb_zip();
    let (out, stdout) = analyse("ecb-only", &["--rates", zip.to_str().unwrap()]);
    let ecb = Rates::load(&zip).unwrap();
    let facts = read_facts(&out);
    let expected = check_facts(
        &facts,
        &Expect {
            tables: vec![&ecb],
            window: 10,
        },
    );
    // The demo sells in currencies the ECB does not publish, and after its last day.
    for cur in ["NGN", "VND"] {
        assert!(
            expected.contains_key(&("no_rate_currency".to_string(), cur.to_string())),
            "{cur}: {expected:?}"
        );
    }
    assert!(
        expected.keys().any(|k| k.0 == "no_rate_date"),
        "dates after 2026-04-13: {expected:?}"
    );
    let total: u64 = expected.values().sum();

    // The summary counts and names them.
    assert!(
        stdout.contains(&format!(
            "{total} of {} listings not converted",
            facts.len()
        )),
        "{stdout}"
    );
    let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
    for ((r, _), n) in &expected {
        *by_reason.entry(r).or_default() += n;
    }
    let line = stdout
        .lines()
        .find(|l| l.contains("listings not converted"))
        .unwrap();
    for (r, n) in &by_reason {
        assert!(line.contains(&format!("{r} {n}")), "{r} {n}: {line}");
    }
    for ((_, cur), n) in &expected {
        if !cur.is_empty() {
            assert!(line.contains(&format!("{cur} {n}")), "{cur} {n}: {line}");
        }
    }
    assert!(
        stdout.contains("[1] eurofxref-hist.zip (1999-01-04 to "),
        "{stdout}"
    );
    assert!(!stdout.contains("ILLUSTRATIVE"), "{stdout}");

    // The manifest and the published table say the same.
    let m = manifest(&out);
    assert_eq!(manifest_counts(&m), expected);
    assert_eq!(m["counts"]["unconverted"], total);
    assert_eq!(published_counts(&out), expected);
    let sha = wildtrace_analysis::manifest::sha256_hex(&std::fs::read(&zip).unwrap());
    assert_eq!(m["rate_sources"][0]["sha256"], sha);
    assert_eq!(m["rate_sources"][0]["illustrative"], false);

    // The report names the source and every unconverted currency of its year.
    let (year, html) = report(&out);
    let (first, last) = ecb.span();
    for needle in [
        "eurofxref-hist.zip".to_string(),
        first.unwrap().to_string(),
        last.unwrap().to_string(),
        sha[..12].to_string(),
        format!("Prices not converted, {year}"),
        "reference rates".to_string(),
    ] {
        assert!(html.contains(&needle), "report lacks {needle}");
    }
    assert!(!html.contains("ILLUSTRATIVE"));
    assert!(!html.contains("European Central Bank reference rate"));
    let in_year = wildlife_in(&facts, year);
    let n: u64 = in_year.values().sum();
    assert!(n > 0, "{year}: {in_year:?}");
    // The report shows the public view: a published cell is the true count,
    // a suppressed one reads "<5", and a sum including one "> N".
    let public = support::public_export(&out, &out.with_extension("public"));
    let mut cells: BTreeMap<(String, String), (i64, bool)> = BTreeMap::new();
    for (k, l, sup) in support::public_cells(
        &public,
        "unconverted_prices",
        "reason, currency",
        &format!("year = {year} AND confidence IN ('confirmed', 'suspected')"),
    ) {
        let e = cells.entry((k[0].clone(), k[1].clone())).or_default();
        e.0 += l.unwrap_or(0);
        e.1 |= sup;
    }
    let any_sup = cells.values().any(|c| c.1);
    let published: i64 = cells.values().filter(|c| !c.1).map(|c| c.0).sum();
    let shown_total = match (any_sup, published) {
        (false, _) => n.to_string(),
        (true, 0) => "&lt;5".to_string(),
        (true, p) => format!("&gt; {p}"),
    };
    assert!(
        html.contains(&format!(
            "{shown_total} of the {year} listings have no US-dollar value and are left out of the value totals"
        )),
        "report sentence for {n} ({shown_total})"
    );
    for ((reason, cur), k) in &in_year {
        let cell = if cur.is_empty() { "–" } else { cur.as_str() };
        let (public_n, sup) = cells[&(reason.clone(), cur.clone())];
        let shown = if sup {
            "&lt;5".to_string()
        } else {
            assert_eq!(public_n, *k as i64, "{reason} {cur}: the true count");
            k.to_string()
        };
        assert!(
            html.contains(&format!("<td>{reason}</td>"))
                && html.contains(&format!("<td>{cell}</td>"))
                && (cur.is_empty() || html.contains(&format!("{cur} {shown}"))),
            "report row {reason} {cur} {shown}"
        );
    }
    let with_price: u64 = in_year
        .iter()
        .filter(|((r, _), _)| r != "no_price")
        .map(|(_, k)| k)
        .sum();
    if with_price > 0 && !any_sup && html.contains("total asking price") {
        assert!(html.contains(&format!(
            "(excluding {with_price} whose price was not converted)"
        )));
    }
}

#[test]
fn a_user_table_converts_what_the_ecb_does_not_publish_and_the_window_covers_later_dates() {
    let zip = ecb_zip();
    let fix = fixture();
    let (out, stdout) = analyse(
        "ecb-and-fixture",
        &[
            "--rates",
            zip.to_str().unwrap(),
            "--rates",
            fix.to_str().unwrap(),
            "--rate-window-days",
            "400",
        ],
    );
    let ecb = Rates::load(&zip).unwrap();
    let user = Rates::load(&fix).unwrap();
    let facts = read_facts(&out);
    let expected = check_facts(
        &facts,
        &Expect {
            tables: vec![&ecb, &user],
            window: 400,
        },
    );
    // NGN and VND now convert (from source 2), and nothing fails for its date
    // after the ECB's last day: only a currency stopped inside the table (RUB)
    // or in no table (KES) stays unconverted.
    let ngn_vnd: Vec<&Fact> = facts
        .iter()
        .filter(|f| matches!(f.currency.as_deref(), Some("NGN" | "VND")) && f.amount.is_some())
        .collect();
    assert!(!ngn_vnd.is_empty());
    for f in &ngn_vnd {
        assert_eq!(f.rate_source, Some(2), "{f:?}");
    }
    let last = ecb.span().1.unwrap();
    let after: Vec<&Fact> = facts
        .iter()
        .filter(|f| f.posted.is_some_and(|p| p > last) && f.rate_source.is_some())
        .collect();
    assert!(!after.is_empty(), "listings after {last}");
    for f in &after {
        assert_eq!(f.rate_basis.as_deref(), Some("after_table_end"), "{f:?}");
    }
    for (reason, cur) in expected.keys() {
        assert!(
            !matches!(cur.as_str(), "NGN" | "VND"),
            "{reason} {cur}: {expected:?}"
        );
    }
    assert_eq!(manifest_counts(&manifest(&out)), expected);
    assert_eq!(published_counts(&out), expected);
    assert!(
        stdout.contains("[2] rates-ngn-vnd-test-fixture.csv (") && stdout.contains("ILLUSTRATIVE"),
        "{stdout}"
    );
    assert!(
        stdout.contains("for 400 days (--rate-window-days)"),
        "{stdout}"
    );
    // The fixture is marked illustrative, so the report says so, and names both sources.
    let (_, html) = report(&out);
    for needle in [
        "eurofxref-hist.zip",
        "rates-ngn-vnd-test-fixture.csv",
        "ILLUSTRATIVE",
        "up to 400 days",
    ] {
        assert!(html.contains(needle), "report lacks {needle}");
    }

    // The same files with the default window: the later dates are not converted.
    let (out10, _) = analyse(
        "ecb-and-fixture-window-10",
        &[
            "--rates",
            zip.to_str().unwrap(),
            "--rates",
            fix.to_str().unwrap(),
        ],
    );
    let facts10 = read_facts(&out10);
    check_facts(
        &facts10,
        &Expect {
            tables: vec![&ecb, &user],
            window: 10,
        },
    );
    assert!(
        facts10
            .iter()
            .any(|f| f.posted.is_some_and(|p| (p - last).num_days() > 10)
                && f.reason.as_deref() == Some("no_rate_date"))
    );
}

#[test]
fn the_demo_says_its_rates_are_illustrative() {
    let demo = demo();
    assert!(
        demo.stdout
            .contains("[1] embedded:eurofxref-demo-illustrative.csv (")
            && demo.stdout.contains("ILLUSTRATIVE"),
        "{}",
        demo.stdout
    );
    assert!(
        demo.stdout.contains("every listing states its posted date"),
        "{}",
        demo.stdout
    );
    let report = std::fs::read_dir(&demo.out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "html"))
        .unwrap();
    let html = std::fs::read_to_string(report).unwrap();
    assert!(html.contains("ILLUSTRATIVE exchange rates"));
    assert!(html.contains("eurofxref-demo-illustrative.csv"));
    assert!(!html.contains("European Central Bank reference rate"));
    let m = manifest(&demo.out);
    assert_eq!(m["rate_sources"][0]["illustrative"], true);
    assert_eq!(m["counts"]["dated_by_first_seen"], 0);
}

#[test]
fn listings_without_a_posted_date_are_dated_by_first_sighting_and_disclosed() {
    // A forum profile that finds no post date, like the user's forum job.
    let dir = support::scratch_dir().join("no-posted-date");
    let demo = support::run_demo_in(&dir, |sites| {
        let p = sites.join("reptileforum.toml");
        let text = std::fs::read_to_string(&p).unwrap();
        let edited = text.replace(
            "selector = \".first-post .post-date time\"",
            "selector = \".first-post .no-such-date\"",
        );
        assert_ne!(text, edited, "the forum profile's post-date selector");
        std::fs::write(&p, edited).unwrap();
    });
    let rows = support::lake_rows(&demo.data);
    let undated: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.status != "removed" && r.posted_date.is_none())
        .map(|r| r.listing_id.as_str())
        .collect();
    assert!(!undated.is_empty());
    assert!(undated.iter().all(|id| id.starts_with("reptileforum:")));

    let facts = read_facts(&demo.out);
    for f in &facts {
        let want = if undated.contains(f.id.as_str()) {
            "first_seen"
        } else {
            "posted"
        };
        assert_eq!(f.date_basis, want, "{}", f.id);
        if want == "first_seen" {
            use chrono::Datelike;
            assert_eq!(f.posted, None);
            assert_eq!(f.year, f.first_seen.year(), "{}", f.id);
        }
    }
    let n = undated.len();
    assert!(
        demo.stdout.contains(&format!(
            "{n} of {} listings state no posted date and are dated by first sighting",
            facts.len()
        )),
        "{}",
        demo.stdout
    );
    assert_eq!(manifest(&demo.out)["counts"]["dated_by_first_seen"], n);

    // The report of the crawl year says how many of its listings are dated so.
    let mut by_year: BTreeMap<i32, usize> = BTreeMap::new();
    for f in &facts {
        if f.date_basis == "first_seen"
            && matches!(f.confidence.as_str(), "confirmed" | "suspected")
        {
            *by_year.entry(f.year).or_default() += 1;
        }
    }
    let (year, k) = by_year.iter().next_back().map(|(y, k)| (*y, *k)).unwrap();
    let (code, stdout, stderr) = wildtrace(
        &[
            "report",
            "--out",
            demo.out.to_str().unwrap(),
            "--year",
            &year.to_string(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let html = std::fs::read_to_string(demo.out.join(format!("report-{year}.html"))).unwrap();
    // The count comes from the year's `all` rows of the public view: shown
    // when they are published, withheld (and said so) when not.
    // (the public export of this run, not of the shared demo: the two lakes differ).
    let public = demo.out.with_file_name("public-export");
    let _ = std::fs::remove_dir_all(&public);
    let (code, out, err) = wildtrace(
        &[
            "export",
            "--audience",
            "public",
            "--out",
            demo.out.to_str().unwrap(),
            "--to",
            public.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let all = support::public_cells(
        &public,
        "annual_stats",
        "dimension",
        &format!("year = {year} AND dimension = 'all'"),
    );
    if all.iter().all(|c| !c.2) {
        assert!(
            html.contains(&format!(
                "{k} of the {year} listings state no posting date; they are dated by their first sighting"
            )),
            "report discloses {k} listings dated by first sighting"
        );
    } else {
        assert!(
            html.contains(&format!(
                "how many of the {year} listings are is withheld by disclosure control"
            )) && !html.contains(&format!("{k} of the {year} listings state no posting date")),
            "report says the count of {k} is withheld"
        );
    }
}

#[test]
fn a_misspelt_status_line_is_a_config_error_naming_file_and_line() {
    let demo = demo();
    let dir = support::scratch_dir().join("bad-status");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("my-rates.csv");
    std::fs::write(
        &bad,
        "# my own table\n# status: ilustrative\nDate,USD,NGN,\n2024-01-02,1.1,1500,\n",
    )
    .unwrap();
    let lake = demo.data.join("lake");
    let out = dir.join("out");
    let (code, stdout, stderr) = wildtrace(
        &[
            "analyse",
            "--lake",
            lake.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--rates",
            ecb_zip().to_str().unwrap(),
            "--rates",
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("my-rates.csv:2") && stderr.contains("illustrative"),
        "{stderr}"
    );
}
