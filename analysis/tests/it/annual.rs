//! The annual statistics on a synthetic lake with prices in many currencies,
//! sellers, places and removals spread over weeks: exact expectations for
//! the per-listing facts, and every statistics table equal to an independent
//! recomputation in DuckDB SQL over the same Parquet lake. The SQL takes only
//! the per-listing classification, seller country and USD value from
//! `listing_facts`; it re-derives latest observations, years, specimens,
//! sellers, removals and all aggregation itself, and re-derives the USD
//! values from the rates file with an ASOF join.

use std::path::{Path, PathBuf};

use duckdb::Connection;
use duckdb::types::Value;
use wildtrace_analysis::{AnalysisOptions, AnalysisOutputs};

use crate::support::{self, Obs, Run, obs};

const A: Run = Run {
    id: "20260110T080000Z-job-1",
    crawl_date: "2026-01-10",
};
const B: Run = Run {
    id: "20260120T080000Z-job-2",
    crawl_date: "2026-01-20",
};
const C: Run = Run {
    id: "20260301T080000Z-job-3",
    crawl_date: "2026-03-01",
};

fn observations() -> Vec<Obs> {
    let ivory = |run, at| {
        obs("bazaar", run, at, "1", "Elephant ivory bangle")
            .posted("2025-03-01")
            .qty(2)
            .price(Some("1299.5"), "EUR")
            .seller("s_a")
            .places(Some("Paris, France"), Some("EU only"))
    };
    vec![
        ivory(A, "2026-01-10T08:01:00Z"),
        ivory(B, "2026-01-20T08:01:00Z"),
        ivory(C, "2026-03-01T08:01:00Z"),
        // Removed after 10 days.
        obs("bazaar", A, "2026-01-10T08:02:00Z", "2", "Rhino horn cup")
            .posted("2025-06-10")
            .price(Some("45000"), "THB")
            .seller("s_b")
            .places(Some("Bangkok, Thailand"), Some("Worldwide")),
        obs("bazaar", B, "2026-01-20T08:02:00Z", "2", "").removed("http_404", 404, None),
        // A placeholder price; removed after 50 days.
        obs("bazaar", A, "2026-01-10T08:03:00Z", "3", "Pangolin scales")
            .posted("2026-01-05")
            .qty(5)
            .price(Some("1"), "USD")
            .seller("s_a")
            .places(Some("Lagos, Nigeria"), Some("China, Vietnam")),
        obs("bazaar", C, "2026-03-01T08:03:00Z", "3", "").removed(
            "ended_marker",
            200,
            Some("This ad has ended"),
        ),
        // A decoy: in no statistics table.
        obs(
            "bazaar",
            A,
            "2026-01-10T08:04:00Z",
            "4",
            "Faux ivory bangle",
        )
        .posted("2026-01-02")
        .price(Some("20"), "USD")
        .seller("s_z")
        .places(Some("Miami, USA"), Some("USA only")),
        obs(
            "souk",
            A,
            "2026-01-10T09:01:00Z",
            "a",
            "African grey parrot",
        )
        .posted("2024-12-31")
        .qty(2)
        .price(Some("1500"), "USD")
        .seller("s_c")
        .places(Some("Lagos, Nigeria"), Some("Worldwide except USA")),
        // Posted on Christmas day: converts at the previous business day.
        obs(
            "souk",
            A,
            "2026-01-10T09:02:00Z",
            "b",
            "Black material, genuine, 200g",
        )
        .posted("2025-12-25")
        .price(Some("9000"), "CNY")
        .seller("s_d")
        .places(Some("Guangzhou, China"), Some("China, Hong Kong, Macau")),
        obs(
            "souk",
            B,
            "2026-01-20T09:02:00Z",
            "b",
            "Black material, genuine, 200g",
        )
        .posted("2025-12-25")
        .price(Some("8500"), "CNY")
        .seller("s_d")
        .places(Some("Guangzhou, China"), Some("China, Hong Kong, Macau"))
        .status("changed"),
        // No price, no seller, no place.
        obs(
            "souk",
            A,
            "2026-01-10T09:03:00Z",
            "c",
            "Yellow-crested cockatoo chicks",
        )
        .posted("2026-04-04")
        .qty(3)
        .price(None, "USD")
        .places(None, None),
        obs("souk", B, "2026-01-20T09:04:00Z", "d", "象牙手镯")
            .posted("2026-05-05")
            .price(Some("12500000"), "VND")
            .seller("s_d")
            .places(Some("上海"), Some("全球")),
        obs("souk", A, "2026-01-10T09:05:00Z", "e", "Leopard skin")
            .posted("2025-12-31")
            .price(Some("999999"), "KES")
            .seller("s_e")
            .places(Some("Nairobi"), Some("East Africa only")),
        obs("souk", A, "2026-01-10T09:06:00Z", "f", "Tiger skin rug")
            .posted("2025-02-02")
            .price(Some("3000"), "GBP")
            .seller("s_b")
            .places(Some("London, UK"), Some("UK and EU")),
        obs("souk", B, "2026-01-20T09:06:00Z", "f", "").removed("http_410", 410, None),
        obs(
            "curio",
            A,
            "2026-01-10T10:01:00Z",
            "1",
            "Elephant ivory netsuke",
        )
        .posted("2026-02-01")
        .price(Some("800"), "CHF")
        .seller("s_f")
        .places(Some("Zürich, Schweiz"), Some("Europe only")),
        // No posted date: year and rate date from the first sighting.
        obs(
            "curio",
            A,
            "2026-01-10T10:02:00Z",
            "2",
            "Hawksbill shell bracelet",
        )
        .price(Some("250"), "MYR")
        .seller("s_f")
        .places(Some("Kuala Lumpur, Malaysia"), Some("Malaysia, Singapore")),
        obs("curio", C, "2026-03-01T10:03:00Z", "3", "Rhino horn")
            .posted("2024-06-01")
            .price(Some("1250.75"), "USD")
            .seller("s_g")
            .places(Some("Somewhere"), None),
    ]
}

fn run(root: &Path) -> (PathBuf, AnalysisOptions, AnalysisOutputs) {
    let lake = root.join("lake");
    support::write_listings(&lake, &observations());
    let opts = AnalysisOptions::new(
        lake.clone(),
        root.join("out"),
        &support::repo(),
        "test".into(),
    );
    let out = wildtrace_analysis::run(&opts).expect("analysis runs");
    (lake, opts, out)
}

fn query(conn: &Connection, q: &str) -> Vec<Vec<String>> {
    let mut stmt = conn.prepare(q).unwrap_or_else(|e| panic!("{e}\n{q}"));
    let mut rows = stmt.query([]).unwrap();
    let n = rows.as_ref().unwrap().column_count();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push(
            (0..n)
                .map(|i| render(&r.get::<_, Value>(i).unwrap()))
                .collect(),
        );
    }
    out
}

fn render(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Boolean(b) => b.to_string(),
        Value::TinyInt(i) => i.to_string(),
        Value::SmallInt(i) => i.to_string(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(i) => i.to_string(),
        Value::HugeInt(i) => i.to_string(),
        Value::UBigInt(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Double(f) => format!("{f:?}"),
        Value::Decimal(d) => d.to_string(),
        Value::Text(t) => t.clone(),
        other => format!("{other:?}"),
    }
}

/// Equal cell by cell; cells that parse as numbers within 1e-6.
fn assert_same(got: &[Vec<String>], want: &[Vec<String>], what: &str) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: row counts\n{got:?}\n{want:?}"
    );
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len(), "{what}");
        for (a, b) in g.iter().zip(w) {
            let same = a == b
                || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if (x - y).abs() < 1e-6);
            assert!(same, "{what}: {g:?} vs {w:?}");
        }
    }
}

/// The recomputation shared with the end-to-end test.
const ANNUAL_SQL: &str = include_str!("../sql/annual_stats.sql");

fn fill(sql: &str, lake: &Path, out: &Path) -> String {
    sql.replace("{lake}", &lake.display().to_string())
        .replace("{out}", &out.display().to_string())
}

/// The lake, the facts and the rates, as DuckDB views.
fn sql_views(lake: &Path, out: &Path, rates: &Path) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    let (views, _) = ANNUAL_SQL.split_once("-- @query").unwrap();
    conn.execute_batch(&fill(views, lake, out)).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE rates AS
           SELECT CAST(Date AS DATE) AS day, currency, CAST(rate AS DECIMAL(18, 6)) AS rate
           FROM (UNPIVOT (SELECT * FROM read_csv('{rates}', header = true, all_varchar = true, comment = '#'))
                 ON COLUMNS(* EXCLUDE (Date)) INTO NAME currency VALUE rate)
           WHERE rate <> 'N/A' AND currency SIMILAR TO '[A-Z]{{3}}'
           UNION ALL
           SELECT CAST(Date AS DATE), 'EUR', 1 FROM read_csv('{rates}', header = true, all_varchar = true, comment = '#');",
        rates = rates.display(),
    ))
    .unwrap();
    conn
}

#[test]
fn listing_facts_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (_lake, opts, out) = run(dir.path());
    assert_eq!(out.listings, 13);
    assert_eq!(out.decoys, 1);
    assert_eq!(out.removed_listings, 3);
    assert_eq!(out.implausible_prices, 2);
    let conn = Connection::open_in_memory().unwrap();
    let rows = query(
        &conn,
        &format!(
            "SELECT listing_id, year, month, cites_appendix, seller_country, seller_country_confidence,
                    destinations, price_amount, currency, CAST(rate_date AS VARCHAR), price_flag,
                    CAST(value_usd_cents AS VARCHAR), CAST(removed AS VARCHAR),
                    CAST(round(days_to_removal_or_censoring, 6) AS VARCHAR)
             FROM read_parquet('{}/tables/listing_facts.parquet') ORDER BY listing_id",
            opts.out_dir.display()
        ),
    );
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    let b1 = row("bazaar:1");
    assert_eq!(
        b1[1..11],
        [
            "2025",
            "2025-03",
            "I/II",
            "FR",
            "stated",
            "EU",
            "1299.5",
            "EUR",
            "2025-02-28", // posted on a Saturday
            "ok"
        ]
        .map(String::from)
    );
    assert_eq!(b1[12..], ["false", "50.0"].map(String::from));
    assert_eq!(row("bazaar:2")[12..], ["true", "10.0"].map(String::from));
    assert_eq!(
        row("bazaar:3")[10..13],
        ["placeholder", "NULL", "true"].map(String::from)
    );
    assert_eq!(row("bazaar:3")[13], "50.0");
    assert_eq!(row("souk:a")[6], "WORLD");
    assert_eq!(
        row("souk:b")[6..11],
        ["CN|HK|MO", "8500", "CNY", "2025-12-24", "ok"].map(String::from)
    );
    assert_eq!(
        row("souk:c")[4..11],
        ["NULL", "NULL", "", "NULL", "NULL", "NULL", "no_price"].map(String::from)
    );
    assert_eq!(
        row("souk:d")[4..7],
        ["CN", "stated", "WORLD"].map(String::from)
    );
    assert_eq!(
        row("souk:e")[4..11],
        [
            "KE",
            "stated",
            "EAST_AFRICA",
            "999999",
            "KES",
            "2025-12-31",
            "placeholder"
        ]
        .map(String::from)
    );
    assert_eq!(
        row("souk:f")[4..7],
        ["GB", "stated", "EU|GB"].map(String::from)
    );
    assert_eq!(
        row("curio:1")[4..7],
        ["CH", "stated", "EUROPE"].map(String::from)
    );
    assert_eq!(row("curio:2")[1..3], ["2026", "2026-01"].map(String::from));
    assert_eq!(row("curio:2")[9], "2026-01-09"); // first seen Saturday 10 January
    assert_eq!(row("curio:3")[4], "NULL");
    assert_eq!(row("curio:3")[11], "125075");
}

#[test]
fn every_statistics_table_equals_an_independent_duckdb_recomputation() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, opts, _out) = run(dir.path());
    let conn = sql_views(&lake, &opts.out_dir, &opts.rates_paths[0]);
    let out = opts.out_dir.display().to_string();

    // Prices: USD values re-derived from the rates file (ASOF: the latest
    // rate day on or before the listing's day), half-to-even to cents.
    let mismatched = query(
        &conn,
        "WITH conv AS (
           SELECT p.listing_id, p.value_usd_cents,
                  round_even(p.price_amount * u.rate / r.rate * 100, 0) AS cents,
                  p.day - r.day AS stale
           FROM per p
           ASOF JOIN rates r ON r.currency = p.currency AND p.day >= r.day
           JOIN rates u ON u.currency = 'USD' AND u.day = r.day
           WHERE p.price_flag = 'ok')
         SELECT listing_id, CAST(value_usd_cents AS VARCHAR), CAST(cents AS VARCHAR) FROM conv
         WHERE CAST(cents AS BIGINT) <> value_usd_cents OR stale > 10",
    );
    assert!(mismatched.is_empty(), "{mismatched:?}");
    let ok = query(&conn, "SELECT count(*) FROM wild WHERE price_flag = 'ok'");
    assert_eq!(ok[0][0], "9");

    // annual_stats
    let mine = query(
        &conn,
        &format!(
            "SELECT year, dimension, key, confidence, listings, specimens, sellers, priced_listings,
                    implausible_prices, unpriced_listings, CAST(round(total_value_usd * 100) AS BIGINT),
                    median_value_usd, removed, removed_share, listings_prev_year, listings_yoy_change
             FROM read_parquet('{out}/tables/annual_stats.parquet')
             ORDER BY dimension, key, confidence, year"
        ),
    );
    let want = query(&conn, ANNUAL_SQL.split_once("-- @query").unwrap().1);
    assert_same(&mine, &want, "annual_stats");
    // Sanity: the split that matters most is there, with its values.
    let all_2025 = want
        .iter()
        .find(|r| r[1] == "all" && r[0] == "2025" && r[3] == "confirmed")
        .unwrap();
    assert_eq!(
        all_2025[4..7],
        ["4", "5", "3"].map(String::from),
        "{all_2025:?}"
    );
    assert!(mine.iter().any(|r| r[1] == "cites_appendix" && r[2] == "I"));
    // A change exactly where the previous year had 5 or more listings.
    assert!(
        mine.iter().all(|r| {
            let prev: i64 = r[14].parse().unwrap();
            (prev >= wildtrace_analysis::trends::MIN_YOY_BASE) == (r[15] != "NULL")
        }),
        "year-on-year change only on a base of 5 or more"
    );
    assert!(
        mine.iter().any(|r| r[14] != "0" && r[15] == "NULL"),
        "a small base withheld"
    );

    // routes
    let mine = query(
        &conn,
        &format!(
            "SELECT year, origin, destination, confidence, listings, specimens, rank
             FROM read_parquet('{out}/tables/routes.parquet') ORDER BY year, rank"
        ),
    );
    let want = query(
        &conn,
        "WITH r AS (
           SELECT year, seller_country AS origin, unnest(string_split(destinations, '|')) AS destination,
                  seller_country_confidence AS confidence, specimens
           FROM wild WHERE seller_country IS NOT NULL AND destinations <> '')
         SELECT year, origin, destination, confidence, count(*) AS listings, sum(specimens),
                row_number() OVER (PARTITION BY year ORDER BY count(*) DESC, origin, destination, confidence)
         FROM r GROUP BY 1, 2, 3, 4 ORDER BY 1, 7",
    );
    assert_same(&mine, &want, "routes");
    assert!(mine.len() >= 8, "{mine:?}");

    // removal_rates (counts; the Kaplan–Meier columns are tested on a textbook example)
    let mine = query(
        &conn,
        &format!(
            "SELECT group_kind, \"group\", listings, removed, removed_within_7d, removed_within_30d, removed_within_90d
             FROM read_parquet('{out}/tables/removal_rates.parquet') ORDER BY 1, 2"
        ),
    );
    let want = query(
        &conn,
        "WITH g AS (
           SELECT 'all' AS kind, 'all' AS grp, * FROM wild
           UNION ALL SELECT 'platform', source, * FROM wild
           UNION ALL SELECT 'taxon_group', coalesce(taxon_group, 'unknown'), * FROM wild)
         SELECT kind, grp, count(*), count(*) FILTER (WHERE removed),
                count(*) FILTER (WHERE removed AND days <= 7),
                count(*) FILTER (WHERE removed AND days <= 30),
                count(*) FILTER (WHERE removed AND days <= 90)
         FROM g GROUP BY ALL ORDER BY 1, 2",
    );
    assert_same(&mine, &want, "removal_rates");
    let all = &mine[0];
    assert_eq!(
        all[..7],
        ["all", "all", "12", "3", "0", "2", "3"].map(String::from)
    );

    // Kaplan–Meier shares exist up to the longest follow-up (50 days) only.
    let km_by = query(
        &conn,
        &format!(
            "SELECT km_removed_by_7d, km_removed_by_30d, km_removed_by_90d
             FROM read_parquet('{out}/tables/removal_rates.parquet') WHERE group_kind = 'all'"
        ),
    );
    assert_eq!(km_by[0][0], "0.0", "{km_by:?}");
    assert!(km_by[0][1].parse::<f64>().unwrap() > 0.0, "{km_by:?}");
    assert_eq!(km_by[0][2], "NULL", "{km_by:?}");
    // Kaplan–Meier for all: 12 at risk; removals at 10 days (2) and 50 days (1).
    let km = query(
        &conn,
        &format!(
            "SELECT CAST(round(time_days, 6) AS VARCHAR), at_risk, events, censored, CAST(round(survival, 6) AS VARCHAR)
             FROM read_parquet('{out}/tables/km_curves.parquet') WHERE group_kind = 'all' AND events > 0 ORDER BY time_days"
        ),
    );
    let s1 = 1.0 - 2.0 / f64::from(km[0][1].parse::<i32>().unwrap());
    assert_eq!(km[0][0], "10.0");
    assert!((km[0][4].parse::<f64>().unwrap() - (s1 * 1e6).round() / 1e6).abs() < 1e-9);
    assert_eq!(km[1][0], "50.0");

    // monthly_counts: platform series equal a recount.
    let mine = query(
        &conn,
        &format!(
            "SELECT key, month, listings FROM read_parquet('{out}/tables/monthly_counts.parquet')
             WHERE kind = 'platform' ORDER BY 1, 2"
        ),
    );
    let want = query(
        &conn,
        "SELECT source, strftime(day, '%Y-%m'), count(*) FROM wild GROUP BY ALL ORDER BY 1, 2",
    );
    assert_same(&mine, &want, "monthly_counts");

    // One rank per table: the taxon series count by taxon group, and
    // annual_stats' taxon rows are species (a listing named only to family,
    // such as "Elephant ivory netsuke" -> Elephantidae, is `unknown` there),
    // never a family beside its species.
    let taxon_series = query(
        &conn,
        &format!(
            "SELECT key, rank, month, listings FROM read_parquet('{out}/tables/monthly_counts.parquet')
             WHERE kind = 'taxon' ORDER BY 1, 3"
        ),
    );
    let want = query(
        &conn,
        "SELECT taxon_group, 'taxon_group', strftime(day, '%Y-%m'), count(*) FROM wild GROUP BY ALL ORDER BY 1, 3",
    );
    assert_same(&taxon_series, &want, "monthly_counts taxon series by group");
    let ranks = query(
        &conn,
        &format!(
            "SELECT dimension, coalesce(rank, 'NULL'), list(DISTINCT key ORDER BY key)::VARCHAR
             FROM read_parquet('{out}/tables/annual_stats.parquet') GROUP BY ALL ORDER BY 1"
        ),
    );
    let by_dim: std::collections::BTreeMap<&str, (&str, &str)> = ranks
        .iter()
        .map(|r| (r[0].as_str(), (r[1].as_str(), r[2].as_str())))
        .collect();
    assert_eq!(by_dim.len(), 7, "one rank per dimension: {ranks:?}");
    assert_eq!(by_dim["taxon"].0, "species", "{ranks:?}");
    assert_eq!(by_dim["taxon_group"].0, "taxon_group", "{ranks:?}");
    assert_eq!(by_dim["platform"].0, "NULL", "{ranks:?}");
    let species = by_dim["taxon"].1;
    assert!(
        species.contains("unknown") && species.contains("Panthera tigris"),
        "{species}"
    );
    assert!(
        !species.contains("idae") && !species.contains("Elephants"),
        "a family or group among the species: {species}"
    );
    let facts = query(
        &conn,
        &format!(
            "SELECT taxon, coalesce(species, 'NULL') FROM read_parquet('{out}/tables/listing_facts.parquet')
             WHERE taxon IN ('Elephantidae', 'Panthera tigris') GROUP BY ALL ORDER BY 1"
        ),
    );
    assert_eq!(
        facts,
        [
            ["Elephantidae", "NULL"],
            ["Panthera tigris", "Panthera tigris"]
        ]
        .map(|r| r.map(String::from).to_vec())
        .to_vec(),
        "listing_facts keeps the named taxon and its species"
    );
}

#[test]
fn xlsx_has_a_sheet_per_table_and_definitions_and_the_manifest_hashes_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, opts, out) = run(dir.path());

    let file = std::fs::File::open(&out.xlsx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook)
        .unwrap();
    for sheet in [
        "annual_stats",
        "routes",
        "removal_rates",
        "km_curves",
        "monthly_counts",
        "emerging_trends",
        "annual_by_taxon_group",
        "removals_by_source",
        "unconverted_prices",
        "removal_after_report",
        "definitions",
    ] {
        assert!(
            workbook.contains(&format!("name=\"{sheet}\"")),
            "no sheet {sheet}: {workbook}"
        );
    }
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(
        strings.contains("Distinct pseudonymous sellers"),
        "definitions text"
    );
    assert!(strings.contains("seller_country"));

    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out.manifest).unwrap()).unwrap();
    assert_eq!(m["manifest_version"], 1);
    assert_eq!(m["code"]["crate_version"], env!("CARGO_PKG_VERSION"));
    let lake_files = m["lake_files"].as_array().unwrap();
    assert_eq!(lake_files.len(), 7, "{lake_files:?}"); // 3 sources × runs
    for f in lake_files {
        let bytes = std::fs::read(lake.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(f["sha256"], support_sha256(&bytes));
    }
    let lexicon = wildtrace_analysis::Lexicon::load(&opts.lexicon_path).unwrap();
    assert_eq!(m["lexicon"]["version"], lexicon.version());
    assert_eq!(
        m["rates"]["sha256"],
        support_sha256(&std::fs::read(&opts.rates_paths[0]).unwrap())
    );
    assert_eq!(m["config_sha256"].as_str().unwrap().len(), 64);
    let outputs = m["outputs"].as_array().unwrap();
    let find = |p: &str| {
        outputs
            .iter()
            .find(|o| o["path"] == p)
            .unwrap_or_else(|| panic!("{p} not in manifest"))
    };
    let stats = find("tables/annual_stats.csv");
    assert_eq!(
        stats["sha256"],
        support_sha256(&std::fs::read(opts.out_dir.join("tables/annual_stats.csv")).unwrap())
    );
    find("tables/annual_statistics.xlsx");
    find("tables/listing_facts.parquet");
    // Every figure the run drew (the public view withholds some of this small lake's).
    assert!(!out.figures.is_empty());
    for f in &out.figures {
        let rel = f.strip_prefix(&opts.out_dir).unwrap().to_string_lossy();
        find(&rel);
    }

    // Every statistics table is in the warehouse, with its Parquet types.
    for name in wildtrace_analysis::STAT_TABLES {
        let csv = std::fs::read_to_string(opts.out_dir.join(format!("tables/{name}.csv"))).unwrap();
        let (_, rows) =
            wildtrace_analysis::sql(&out.warehouse, &format!("SELECT count(*) FROM {name}"))
                .unwrap();
        assert_eq!(rows[0][0], (csv.lines().count() - 1).to_string(), "{name}");
    }
    let (_, rows) = wildtrace_analysis::sql(
        &out.warehouse,
        "SELECT typeof(total_value_usd), typeof(listings), typeof(year) FROM annual_stats LIMIT 1",
    )
    .unwrap();
    assert_eq!(rows[0], ["DOUBLE", "BIGINT", "INTEGER"].map(String::from));

    // A different rates file is a different manifest.
    let other = dir.path().join("rates.csv");
    let mut text = std::fs::read_to_string(&opts.rates_paths[0]).unwrap();
    text.push('\n');
    std::fs::write(&other, text).unwrap();
    let mut opts2 = opts.clone();
    opts2.rates_paths = vec![other];
    let out2 = wildtrace_analysis::run(&opts2).unwrap();
    let m2: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out2.manifest).unwrap()).unwrap();
    assert_ne!(m["rates"]["sha256"], m2["rates"]["sha256"]);
    assert_eq!(m["outputs"], m2["outputs"], "same rates, same outputs");

    // A bad rates file is a config error naming it.
    std::fs::write(&opts2.rates_paths[0], "Date,USD,\nyesterday,1,\n").unwrap();
    let err = wildtrace_analysis::run(&opts2).unwrap_err();
    assert!(
        err.is_config() && err.to_string().contains("rates.csv:2"),
        "{err}"
    );
}

fn support_sha256(bytes: &[u8]) -> String {
    wildtrace_analysis::manifest::sha256_hex(bytes)
}
