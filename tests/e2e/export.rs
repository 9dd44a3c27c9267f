//! `wildtrace export` on the demo's outputs, checked from outside with
//! DuckDB SQL over the exported files and the analyst's own tables:
//! public cells under the thresholds are suppressed and cannot be worked
//! out from any published total; the public files hold no pseudonym, URL,
//! listing id or free text; research pseudonyms differ between recipients
//! and agree for one; enforcement rows point at WARC records whose digests
//! `verify` accepts; the report shows "<5" where the public export does;
//! bad arguments exit 2.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::{Demo, demo, lake_rows, run_demo_with, scratch_dir, wildtrace};

const MIN_LISTINGS: i64 = 5;
const MIN_SELLERS: i64 = 3;

fn export(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    wildtrace(&all, None)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The demo's public export, made once per process.
fn public() -> &'static PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = demo();
        let to = scratch_dir().join("export-public");
        let (code, out, err) =
            export(&["--audience", "public", "--out", s(&d.out), "--to", s(&to)]);
        assert_eq!(code, 0, "{out}\n{err}");
        assert!(out.contains("suppressed"), "{out}");
        to
    })
}

fn db() -> duckdb::Connection {
    duckdb::Connection::open_in_memory().unwrap()
}

fn count(db: &duckdb::Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |r| r.get::<_, i64>(0))
        .unwrap_or_else(|e| panic!("{e}\n{sql}"))
}

/// Every string value of every CSV and Parquet file of `dir`, and the text
/// of its other files.
fn all_strings(dir: &Path) -> Vec<(String, String)> {
    let db = db();
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let sql = if name.ends_with(".csv") {
            format!(
                "SELECT COLUMNS(*)::VARCHAR FROM read_csv('{}', all_varchar = true, header = true)",
                p.display()
            )
        } else if name.ends_with(".parquet") {
            format!("SELECT COLUMNS(*)::VARCHAR FROM '{}'", p.display())
        } else {
            out.push((name, std::fs::read_to_string(&p).unwrap()));
            continue;
        };
        let mut stmt = db.prepare(&sql).unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let n = r.as_ref().column_count();
            for i in 0..n {
                if let Some(v) = r.get::<_, Option<String>>(i).unwrap() {
                    out.push((name.clone(), v));
                }
            }
        }
    }
    out
}

/// Whether `v` holds a lake seller pseudonym (`s_` + 32 hex digits).
fn has_lake_pseudonym(v: &str) -> bool {
    v.match_indices("s_").any(|(i, _)| {
        let rest = &v[i + 2..];
        rest.len() >= 32 && rest[..32].chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[test]
fn public_cells_meet_the_thresholds_by_an_independent_count() {
    let d = demo();
    let p = public();
    let db = db();
    let facts = d.out.join("tables/listing_facts.parquet");
    let f = facts.display();
    let wild = "confidence IN ('confirmed', 'suspected')";
    // (table, key columns, the cells recounted from the analyst's facts)
    let recount: &[(&str, &str, String)] = &[
        (
            "annual_stats",
            "year, dimension, key, confidence",
            format!(
                "SELECT year, dimension, key, confidence, count(*) n, count(DISTINCT seller_pseudonym) sellers FROM (
                   SELECT year, confidence, seller_pseudonym, 'all' AS dimension, 'all' AS \"key\" FROM '{f}' WHERE {wild}
                   UNION ALL SELECT year, confidence, seller_pseudonym, 'taxon', coalesce(species, 'unknown') FROM '{f}' WHERE {wild}
                   UNION ALL SELECT year, confidence, seller_pseudonym, 'taxon_group', coalesce(taxon_group, 'unknown') FROM '{f}' WHERE {wild}
                   UNION ALL SELECT year, confidence, seller_pseudonym, 'cites_appendix', coalesce(cites_appendix, 'unknown') FROM '{f}' WHERE {wild}
                   UNION ALL SELECT year, confidence, seller_pseudonym, 'product_type', coalesce(product_type, 'unknown') FROM '{f}' WHERE {wild}
                   UNION ALL SELECT year, confidence, seller_pseudonym, 'platform', source FROM '{f}' WHERE {wild}
                   UNION ALL SELECT year, confidence, seller_pseudonym, 'seller_country', coalesce(seller_country, 'unknown') FROM '{f}' WHERE {wild}
                 ) GROUP BY ALL"
            ),
        ),
        (
            "routes",
            "year, origin, destination, confidence",
            format!(
                "SELECT year, origin, destination, confidence, count(*) n, count(DISTINCT seller_pseudonym) sellers FROM (
                   SELECT year, seller_country origin, unnest(string_split(destinations, '|')) destination,
                          seller_country_confidence confidence, seller_pseudonym
                   FROM '{f}' WHERE {wild} AND seller_country IS NOT NULL AND seller_country_confidence IS NOT NULL
                 ) WHERE destination <> '' GROUP BY ALL"
            ),
        ),
        (
            "removal_rates",
            "group_kind, \"group\"",
            format!(
                "SELECT group_kind, \"group\", count(*) n, count(DISTINCT seller_pseudonym) sellers FROM (
                   SELECT 'all' group_kind, 'all' \"group\", seller_pseudonym FROM '{f}' WHERE {wild}
                   UNION ALL SELECT 'platform', source, seller_pseudonym FROM '{f}' WHERE {wild}
                   UNION ALL SELECT 'taxon_group', coalesce(taxon_group, 'unknown'), seller_pseudonym FROM '{f}' WHERE {wild}
                 ) GROUP BY ALL"
            ),
        ),
        (
            "removals_by_source",
            "source",
            format!(
                "SELECT source, count(*) n, count(DISTINCT seller_pseudonym) sellers FROM '{f}' GROUP BY ALL"
            ),
        ),
        (
            "monthly_counts",
            "kind, key, month",
            format!(
                "SELECT kind, key, month, count(*) n, count(DISTINCT seller_pseudonym) sellers FROM (
                   SELECT 'taxon' AS kind, taxon_group AS \"key\", month, seller_pseudonym FROM '{f}' WHERE {wild} AND taxon_group IS NOT NULL
                   UNION ALL SELECT 'platform', source, month, seller_pseudonym FROM '{f}' WHERE {wild}
                 ) GROUP BY ALL"
            ),
        ),
        (
            "unconverted_prices",
            "year, confidence, reason, currency",
            format!(
                "SELECT year, confidence, unconverted_reason reason, coalesce(currency, '') currency,
                        count(*) n, count(DISTINCT seller_pseudonym) sellers
                 FROM '{f}' WHERE unconverted_reason IS NOT NULL GROUP BY ALL"
            ),
        ),
    ];
    let mut suppressed_total = 0;
    for (table, keys, sql) in recount {
        let pq = p.join(format!("{table}.parquet"));
        let published = if *table == "unconverted_prices" {
            format!(
                "(SELECT * REPLACE (coalesce(currency, '') AS currency) FROM '{}')",
                pq.display()
            )
        } else {
            format!("'{}'", pq.display())
        };
        let join = format!("FROM {published} p LEFT JOIN ({sql}) r USING ({keys})");
        let rows = count(&db, &format!("SELECT count(*) FROM {published}"));
        assert!(rows > 0, "{table}: empty");
        // The recount is the table's own count (so the check below is of the right cells).
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT count(*) {join} WHERE NOT p.suppressed AND p.listings IS DISTINCT FROM r.n"
                )
            ),
            0,
            "{table}: published listings differ from the recount"
        );
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT count(*) {join} WHERE NOT p.suppressed AND (r.n < {MIN_LISTINGS} OR r.sellers < {MIN_SELLERS})"
                )
            ),
            0,
            "{table}: a published cell below the thresholds"
        );
        // Every cell below a threshold is suppressed.
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT count(*) {join} WHERE (r.n < {MIN_LISTINGS} OR r.sellers < {MIN_SELLERS}) AND NOT p.suppressed"
                )
            ),
            0
        );
        suppressed_total += count(
            &db,
            &format!("SELECT count(*) FROM {published} WHERE suppressed"),
        );
        // A suppressed row keeps no measure, and its CSV count reads "<5".
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT count(*) FROM {published} WHERE suppressed AND listings IS NOT NULL"
                )
            ),
            0
        );
        let csv = p.join(format!("{table}.csv"));
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT count(*) FROM read_csv('{}', all_varchar = true) WHERE (suppressed = 'true') <> (listings = '<5')",
                    csv.display()
                )
            ),
            0,
            "{table}.csv: the marker marks exactly the suppressed rows"
        );
    }
    assert!(suppressed_total > 0, "the demo has small cells");
    let st = p.join("annual_stats.parquet");
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM '{}' WHERE suppressed AND (specimens IS NOT NULL OR sellers IS NOT NULL OR total_value_usd IS NOT NULL
                   OR median_value_usd IS NOT NULL OR removed IS NOT NULL OR removed_share IS NOT NULL OR listings_prev_year IS NOT NULL)",
                st.display()
            )
        ),
        0,
        "every measure of a suppressed cell is withheld"
    );
    // A published previous-year count never restates a suppressed cell.
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM '{0}' a JOIN '{0}' b ON b.year = a.year - 1 AND b.dimension = a.dimension
                   AND b.key = a.key AND b.confidence = a.confidence
                 WHERE b.suppressed AND (a.listings_prev_year IS NOT NULL OR a.listings_yoy_change IS NOT NULL)",
                st.display()
            )
        ),
        0
    );
    // Routes are ranked among the published routes of their year only.
    let routes = p.join("routes.parquet");
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM (SELECT year, coalesce(max(rank), 0) m, count(*) FILTER (WHERE NOT suppressed) k,
                   count(*) FILTER (WHERE suppressed AND rank IS NOT NULL) r FROM '{}' GROUP BY year)
                 WHERE m <> k OR r > 0",
                routes.display()
            )
        ),
        0
    );
    // Rounding: whole dollars, shares to 3 decimals.
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM '{}' WHERE total_value_usd <> round(total_value_usd) OR removed_share <> round(removed_share, 3)",
                st.display()
            )
        ),
        0
    );
}

/// `(k, published, total)` per group with a published total: the check
/// that no suppressed cell can be worked out by subtraction.
fn recoverable(db: &duckdb::Connection, what: &str, groups_sql: &str) -> i64 {
    let sql = format!(
        "WITH g AS ({groups_sql}) SELECT
           count(*) FILTER (WHERE k = 1 OR (k >= 2 AND total - coalesce(pub, 0) <= k)),
           count(*) FILTER (WHERE k = 0 AND total <> coalesce(pub, 0)),
           count(*) FILTER (WHERE k >= 2)
         FROM g"
    );
    let (bad, wrong, protected): (i64, i64, i64) = db
        .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    assert_eq!(
        bad, 0,
        "{what}: a suppressed cell is recoverable by subtraction"
    );
    assert_eq!(wrong, 0, "{what}: the group does not add up to its total");
    protected
}

#[test]
fn no_suppressed_cell_can_be_recovered_from_a_published_total() {
    let p = public();
    let db = db();
    let t = |name: &str| format!("'{}'", p.join(format!("{name}.parquet")).display());
    let (st, rr, uc, mc) = (
        t("annual_stats"),
        t("removal_rates"),
        t("unconverted_prices"),
        t("monthly_counts"),
    );
    let agg =
        "count(*) FILTER (WHERE suppressed) k, sum(listings) FILTER (WHERE NOT suppressed) pub";
    let mut protected = 0;
    // 1. Each split of a year × confidence against its `all` row.
    protected += recoverable(
        &db,
        "annual_stats splits",
        &format!(
            "SELECT g.*, a.listings total FROM (SELECT year, confidence, dimension, {agg} FROM {st} WHERE dimension <> 'all' GROUP BY ALL) g
             JOIN {st} a ON a.dimension = 'all' AND a.year = g.year AND a.confidence = g.confidence AND NOT a.suppressed"
        ),
    );
    // 2. Platforms and taxon groups against removal_rates' `all` row.
    protected += recoverable(
        &db,
        "removal_rates",
        &format!(
            "SELECT g.*, a.listings total FROM (SELECT group_kind, {agg} FROM {rr} WHERE group_kind <> 'all' GROUP BY ALL) g
             JOIN {rr} a ON a.group_kind = 'all' AND NOT a.suppressed"
        ),
    );
    // 3. annual_stats over all years and confidences against removal_rates.
    protected += recoverable(
        &db,
        "annual_stats over years = removal_rates",
        &format!(
            "SELECT g.*, r.listings total FROM (SELECT dimension, key, {agg} FROM {st}
               WHERE dimension IN ('all', 'platform', 'taxon_group') GROUP BY ALL) g
             JOIN {rr} r ON r.group_kind = g.dimension AND r.\"group\" = g.key AND NOT r.suppressed"
        ),
    );
    // 4. A year's prices not converted against its unpriced listings.
    protected += recoverable(
        &db,
        "unconverted_prices = unpriced_listings",
        &format!(
            "SELECT g.*, a.unpriced_listings total FROM (SELECT year, confidence, {agg} FROM {uc}
               WHERE confidence IN ('confirmed', 'suspected') GROUP BY ALL) g
             JOIN {st} a ON a.dimension = 'all' AND a.year = g.year AND a.confidence = g.confidence AND NOT a.suppressed"
        ),
    );
    // 5. A month's taxon series against its platform series (both ways),
    //    where every listing has a taxon group (the analyst's table says).
    let analyst = format!(
        "'{}'",
        demo().out.join("tables/monthly_counts.parquet").display()
    );
    let equal = count(
        &db,
        &format!(
            "SELECT count(*) FROM (SELECT month, sum(listings) FILTER (WHERE kind = 'taxon') a,
               sum(listings) FILTER (WHERE kind = 'platform') b FROM {analyst} GROUP BY month) WHERE a <> b"
        ),
    ) == 0;
    if equal {
        for (side, other) in [("taxon", "platform"), ("platform", "taxon")] {
            protected += recoverable(
                &db,
                &format!("monthly {side} = {other}"),
                &format!(
                    "SELECT g.*, o.total FROM (SELECT month, {agg} FROM {mc} WHERE kind = '{side}' GROUP BY ALL) g
                     JOIN (SELECT month, sum(listings) total FROM {mc} WHERE kind = '{other}' GROUP BY month
                           HAVING count(*) FILTER (WHERE suppressed) = 0) o USING (month)"
                ),
            );
        }
    }
    // 6. A series over a year's months against annual_stats (confirmed + suspected).
    for (kind, dim) in [("taxon", "taxon_group"), ("platform", "platform")] {
        protected += recoverable(
            &db,
            &format!("monthly {kind} over a year"),
            &format!(
                "SELECT g.*, a.total FROM (SELECT left(month, 4)::INT AS year, key, {agg} FROM {mc} WHERE kind = '{kind}' GROUP BY ALL) g
                 JOIN (SELECT year, key, sum(listings) total FROM {st} WHERE dimension = '{dim}' GROUP BY ALL
                       HAVING count(*) FILTER (WHERE suppressed) = 0) a USING (year, key)"
            ),
        );
    }
    println!("groups protected by two or more suppressed cells: {protected}");
}

#[test]
fn the_public_export_holds_no_pseudonym_url_listing_id_or_free_text() {
    let d = demo();
    let p = public();
    let lake = lake_rows(&d.data);
    let ids: BTreeSet<&str> = lake.iter().map(|o| o.listing_id.as_str()).collect();
    let texts: BTreeSet<&str> = lake
        .iter()
        .flat_map(|o| [o.title.as_deref(), o.description.as_deref()])
        .flatten()
        .filter(|t| t.len() > 12)
        .collect();
    let values = all_strings(p);
    assert!(values.len() > 100, "scanned {} values", values.len());
    for (file, v) in &values {
        assert!(!has_lake_pseudonym(v), "{file}: pseudonym in {v:?}");
        for bad in ["http", "://", "www."] {
            assert!(!v.contains(bad), "{file}: URL in {v:?}");
        }
        assert!(!ids.contains(v.as_str()), "{file}: listing id {v}");
        if !file.ends_with(".md") && !file.ends_with(".json") {
            assert!(!texts.contains(v.as_str()), "{file}: free text {v:?}");
        }
    }
    for (file, v) in values
        .iter()
        .filter(|(f, _)| f.ends_with(".md") || f.ends_with(".json"))
    {
        for id in &ids {
            assert!(!v.contains(&format!("\"{id}\"")), "{file}: listing id {id}");
        }
    }
    // No per-listing table in it.
    for banned in ["listing_facts", "listing_classification", "emerging_trends"] {
        assert!(!p.join(format!("{banned}.csv")).exists());
    }
    // The manifest: audience, thresholds, the columns and hash of every file.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["audience"], "public");
    assert_eq!(m["disclosure"]["min_listings"], 5);
    assert_eq!(m["disclosure"]["min_sellers"], 3);
    assert!(m["code"]["crate_version"].is_string() && m["lexicon_version"].is_string());
    let files = m["files"].as_array().unwrap();
    let on_disk: BTreeSet<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    let listed: BTreeSet<String> = files
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, on_disk, "every file listed");
    for f in files {
        let bytes = std::fs::read(p.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(
            f["sha256"].as_str().unwrap(),
            sha256_hex(&bytes),
            "{}",
            f["path"]
        );
    }
    let stats = files
        .iter()
        .find(|f| f["path"] == "annual_stats.csv")
        .unwrap();
    let cols: Vec<&str> = stats["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(cols.contains(&"listings") && cols.contains(&"suppressed"));
    let note = std::fs::read_to_string(p.join("DATA-SHARING.md")).unwrap();
    for needle in [
        "fewer than 5 listings",
        "3 distinct sellers",
        "Secondary suppression",
        "Rounding",
    ] {
        assert!(note.contains(needle), "note lacks {needle}");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    // DuckDB's sha256 of the bytes as a blob, independent of the exporter.
    let db = db();
    let hex: String = bytes.iter().map(|b| format!("\\x{b:02X}")).collect();
    db.query_row(&format!("SELECT sha256('{hex}'::BLOB)"), [], |r| r.get(0))
        .unwrap()
}

/// One research export.
fn research(d: &Demo, recipient: &str, to: &Path, extra: &[&str]) -> PathBuf {
    let lake = d.data.join("lake");
    let mut args = vec![
        "--audience",
        "research",
        "--recipient",
        recipient,
        "--out",
        s(&d.out),
        "--lake",
        s(&lake),
        "--to",
        s(to),
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = export(&args);
    assert_eq!(code, 0, "{out}\n{err}");
    to.to_path_buf()
}

#[test]
fn research_pseudonyms_are_per_recipient_and_stable() {
    let d = demo();
    let dir = scratch_dir().join("export-research");
    let a1 = research(d, "University A", &dir.join("a1"), &[]);
    let a2 = research(d, "University A", &dir.join("a2"), &[]);
    let b = research(d, "Lab B", &dir.join("b"), &[]);
    let db = db();
    let t = |p: &Path| format!("'{}'", p.join("listings.parquet").display());
    // One recipient's two exports agree exactly, file for file.
    assert_eq!(
        std::fs::read(a1.join("listings.csv")).unwrap(),
        std::fs::read(a2.join("listings.csv")).unwrap()
    );
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM (SELECT * FROM {} EXCEPT SELECT * FROM {})",
                t(&a1),
                t(&a2)
            )
        ),
        0
    );
    // Two recipients share no pseudonym and no listing id.
    for c in ["seller", "listing"] {
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT count(*) FROM {} x JOIN {} y ON x.{c} = y.{c}",
                    t(&a1),
                    t(&b)
                )
            ),
            0,
            "{c} links two recipients"
        );
    }
    // The same listings, the same number of sellers as the lake's pseudonyms.
    let facts = format!("'{}'", d.out.join("tables/listing_facts.parquet").display());
    let wild = "confidence IN ('confirmed', 'suspected')";
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM {}", t(&b))),
        count(&db, &format!("SELECT count(*) FROM {facts} WHERE {wild}"))
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(DISTINCT seller) FROM {}", t(&a1))
        ),
        count(
            &db,
            &format!("SELECT count(DISTINCT seller_pseudonym) FROM {facts} WHERE {wild}")
        )
    );
    // Minimised: no lake pseudonym, listing id, URL or free text.
    let lake = lake_rows(&d.data);
    let ids: BTreeSet<&str> = lake.iter().map(|o| o.listing_id.as_str()).collect();
    for (file, v) in all_strings(&a1) {
        assert!(!has_lake_pseudonym(&v), "{file}: {v}");
        assert!(!v.contains("http"), "{file}: URL {v}");
        assert!(!ids.contains(v.as_str()), "{file}: listing id {v}");
    }
    let cols: Vec<String> = {
        let mut stmt = db
            .prepare(&format!(
                "SELECT column_name FROM (DESCRIBE SELECT * FROM {})",
                t(&a1)
            ))
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for banned in [
        "title",
        "description",
        "url",
        "seller_pseudonym",
        "listing_id",
        "price_amount",
    ] {
        assert!(!cols.iter().any(|c| c == banned), "research has {banned}");
    }
    // The key: created once, owner-only, beside the lake, never in an export.
    let key_path = d.data.join("keys/export.key");
    let key = std::fs::read(&key_path).unwrap();
    assert_eq!(key.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    for (file, v) in all_strings(&a1) {
        assert!(!v.contains(&key_hex), "{file} holds the key");
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a1.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["recipient"], "University A");
    assert_eq!(m["include_urls"], false);
    assert_eq!(
        m["pseudonyms"]["recipient_key_id"],
        serde_json::from_slice::<serde_json::Value>(
            &std::fs::read(a2.join("manifest.json")).unwrap()
        )
        .unwrap()["pseudonyms"]["recipient_key_id"]
    );
    // URLs only when asked for, and then the lake's latest.
    let u = research(d, "University A", &dir.join("urls"), &["--include-urls"]);
    let lake_glob = d.data.join("lake/listings/**/*.parquet");
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM {} WHERE url IS NULL OR url NOT LIKE 'http%'",
                t(&u)
            )
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM {} r WHERE url NOT IN (SELECT url FROM read_parquet('{}', hive_partitioning = true))",
                t(&u),
                lake_glob.display()
            )
        ),
        0
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(u.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["include_urls"], true);
}

#[test]
fn enforcement_rows_point_at_verifiable_warc_evidence() {
    let dir = scratch_dir().join("export-evidence");
    let d = run_demo_with(&dir, |_| {}, |t| t + "\n[evidence]\nwarc = true\n");
    let to = dir.join("case");
    let lake = d.data.join("lake");
    let (code, out, err) = export(&[
        "--audience",
        "enforcement",
        "--recipient",
        "Wildlife crime unit",
        "--out",
        s(&d.out),
        "--lake",
        s(&lake),
        "--to",
        s(&to),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let db = db();
    let ev = format!("'{}'", to.join("evidence.parquet").display());
    let li = format!("'{}'", to.join("listings.parquet").display());
    let glob = format!(
        "read_parquet('{}', hive_partitioning = true)",
        lake.join("listings/**/*.parquet").display()
    );
    // Every observation of every exported listing, with the lake's pointers.
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM (SELECT listing_id, run_id, url, page_sha256, warc_file, warc_offset, warc_length, warc_block_digest
                   FROM {glob} WHERE listing_id IN (SELECT listing_id FROM {li})
                 EXCEPT SELECT listing_id, run_id, url, page_sha256, warc_file, warc_offset, warc_length, warc_block_digest FROM {ev})"
            )
        ),
        0
    );
    let with_pointer = count(
        &db,
        &format!("SELECT count(*) FROM {ev} WHERE warc_file IS NOT NULL"),
    );
    assert!(with_pointer > 0, "evidence mode gives WARC pointers");
    // URLs and the lake's own pseudonyms.
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM {li} WHERE url IS NULL OR url NOT LIKE 'http%'")
        ),
        0
    );
    assert!(
        count(
            &db,
            &format!("SELECT count(*) FROM {li} WHERE seller_pseudonym LIKE 's\\_%' ESCAPE '\\'")
        ) > 0
    );
    // The digests match the WARC records: `verify`'s own check, fed the export's pointers.
    let mut stmt = db
        .prepare(&format!(
            "SELECT warc_file, warc_offset, warc_length, warc_block_digest FROM {ev} WHERE warc_file IS NOT NULL"
        ))
        .unwrap();
    let pointers: Vec<wildtrace_crawler::warc::WarcPointer> = stmt
        .query_map([], |r| {
            Ok(wildtrace_crawler::warc::WarcPointer {
                file: r.get(0)?,
                offset: r.get::<_, i64>(1)? as u64,
                length: r.get::<_, i64>(2)? as u64,
                block_digest: r.get(3)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pointers.len() as i64, with_pointer);
    let warc_dir = find_warc_dir(&d.data).expect("a WARC folder");
    let report = wildtrace_crawler::warc::verify(&[warc_dir], &pointers);
    assert!(report.ok, "{report:?}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(to.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["audience"], "enforcement");
    assert_eq!(m["recipient"], "Wildlife crime unit");
}

/// The folder holding the demo's `.warc.gz` files.
fn find_warc_dir(data: &Path) -> Option<PathBuf> {
    let mut stack = vec![data.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "warc") {
                    return Some(p);
                }
                stack.push(p);
            }
        }
    }
    None
}

/// The rows of the report table titled `title`: cells as the HTML has them.
fn report_rows(html: &str, title: &str) -> Vec<Vec<String>> {
    let Some(at) = html.find(&format!("<h3>{title}</h3>")) else {
        return Vec::new();
    };
    let rest = &html[at..];
    let end = rest.find("</table>").unwrap_or(rest.len());
    rest[..end]
        .split("<tr>")
        .skip(2)
        .map(|r| {
            r.split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn the_report_shows_the_marker_where_the_public_export_suppresses() {
    let d = demo();
    let p = public();
    let report = std::fs::read_dir(&d.out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("report-")
        })
        .unwrap();
    let name = report.file_name().unwrap().to_string_lossy().into_owned();
    let year: i32 = name["report-".len()..name.len() - 5].parse().unwrap();
    let html = std::fs::read_to_string(&report).unwrap();
    let db = db();
    // The public annual table of the report's year, per group and confidence.
    let mut cells: BTreeMap<(String, String), Option<i64>> = BTreeMap::new();
    let mut stmt = db
        .prepare(&format!(
            "SELECT taxon_group, confidence, listings FROM '{}' WHERE year = {year}",
            p.join("annual_by_taxon_group.parquet").display()
        ))
        .unwrap();
    for r in stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })
        .unwrap()
    {
        let (g, c, n) = r.unwrap();
        cells.insert((g, c), n);
    }
    let rows = report_rows(
        &html,
        &format!("Listings and specimens by taxon group, {year}"),
    );
    assert!(!rows.is_empty(), "the group table");
    let mut markers = 0;
    for row in &rows {
        for (col, conf) in [(1, "confirmed"), (2, "suspected")] {
            let shown = &row[col];
            match cells.get(&(row[0].clone(), conf.to_string())) {
                Some(None) => {
                    markers += 1;
                    assert_eq!(
                        shown, "&lt;5",
                        "{row:?}: suppressed {conf} shows the marker"
                    );
                }
                Some(Some(n)) => assert_eq!(shown, &n.to_string(), "{row:?} {conf}"),
                None => assert_eq!(shown, "0", "{row:?} {conf}"),
            }
        }
    }
    // The seller-country table: a key with a suppressed cell never shows a count of its own.
    let mut sup: BTreeMap<String, (bool, i64)> = BTreeMap::new();
    let mut stmt = db
        .prepare(&format!(
            "SELECT key, bool_or(suppressed), coalesce(sum(listings), 0) FROM '{}'
             WHERE year = {year} AND dimension = 'seller_country' GROUP BY key",
            p.join("annual_stats.parquet").display()
        ))
        .unwrap();
    for r in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
    {
        let (k, s, n) = r.unwrap();
        sup.insert(k, (s, n));
    }
    for row in report_rows(
        &html,
        &format!("Listings by seller country (top 10), {year}"),
    ) {
        let (s, n) = sup[&row[0]];
        if s {
            markers += 1;
            assert!(
                row[1] == "&lt;5" || row[1] == format!("&gt; {n}"),
                "{row:?}: a suppressed cell's count is not shown"
            );
        } else {
            assert_eq!(row[1], n.to_string(), "{row:?}");
        }
    }
    assert!(
        markers > 0,
        "the demo's report has suppressed cells to show"
    );
}

#[test]
fn bad_export_arguments_exit_2_and_force_replaces_atomically() {
    let d = demo();
    let dir = scratch_dir().join("export-cli");
    let to = dir.join("target");
    let (code, _, err) = export(&["--audience", "everyone", "--out", s(&d.out), "--to", s(&to)]);
    assert_eq!(code, 2, "unknown audience: {err}");
    let (code, _, err) = export(&["--audience", "research", "--out", s(&d.out), "--to", s(&to)]);
    assert_eq!(code, 2, "research needs a recipient: {err}");
    assert!(err.contains("--recipient"), "{err}");
    let (code, _, err) = export(&[
        "--audience",
        "public",
        "--out",
        s(&d.out),
        "--to",
        s(&to),
        "--min-listings",
        "0",
    ]);
    assert_eq!(code, 2, "a threshold of 0: {err}");
    // Enforcement reads the lake: without one it is refused.
    let (code, _, err) = export(&[
        "--audience",
        "enforcement",
        "--recipient",
        "Unit",
        "--out",
        s(&d.out),
        "--to",
        s(&to),
    ]);
    assert_eq!(code, 2, "enforcement without a lake: {err}");
    // The export key may not travel inside the export.
    let inside = to.join("export.key");
    let (code, _, err) = export(&[
        "--audience",
        "research",
        "--recipient",
        "Uni",
        "--out",
        s(&d.out),
        "--key",
        s(&inside),
        "--to",
        s(&to),
    ]);
    assert_eq!(code, 2, "key inside the export: {err}");
    assert!(!inside.exists() && !to.exists(), "nothing written");
    std::fs::create_dir_all(&to).unwrap();
    std::fs::write(to.join("keep.txt"), "mine").unwrap();
    let (code, _, err) = export(&["--audience", "public", "--out", s(&d.out), "--to", s(&to)]);
    assert_eq!(code, 2, "non-empty target: {err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(to.join("keep.txt")).unwrap(),
        "mine"
    );
    let (code, out, err) = export(&[
        "--audience",
        "public",
        "--out",
        s(&d.out),
        "--to",
        s(&to),
        "--force",
        "--min-listings",
        "10",
        "--min-sellers",
        "4",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!to.join("keep.txt").exists(), "replaced");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(to.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["disclosure"]["min_listings"], 10);
    assert_eq!(m["disclosure"]["min_sellers"], 4);
    let db = db();
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM '{}' WHERE NOT suppressed AND (listings < 10 OR sellers < 4)",
                to.join("annual_stats.parquet").display()
            )
        ),
        0
    );
    assert!(
        std::fs::read_to_string(to.join("annual_stats.csv"))
            .unwrap()
            .contains("<10"),
        "the marker follows the threshold"
    );
    // Nothing is left beside the target.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A missing analysis output is the user's error too.
    let (code, _, _) = export(&[
        "--audience",
        "public",
        "--out",
        s(&dir.join("nothing")),
        "--to",
        s(&dir.join("t2")),
    ]);
    assert_eq!(code, 2);
}
