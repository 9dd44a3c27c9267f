//! The whole analysis on a small synthetic lake: exact expected tables, an
//! independent recomputation in DuckDB SQL over the same Parquet files (with
//! the Rust classification joined in), the figures, and the warehouse.

use std::path::{Path, PathBuf};

use duckdb::{Connection, params};
use wildtrace_analysis::{AnalysisOptions, AnalysisOutputs, Lexicon, sql};

use crate::support::{self, Obs, R1, R2, obs};

const SOURCE_LINE: &str = "wildtrace test lake · runs r1,r2 · 2026-11-30";

/// 14 listings on two sites over two runs (see the comments for what each
/// one exercises).
fn observations() -> Vec<Obs> {
    vec![
        // Seen twice, unchanged: counted once, quantity 2.
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:10:00Z",
            "1",
            "Elephant ivory bangle",
        )
        .posted("2025-03-01")
        .qty(2),
        obs(
            "bazaar",
            R2,
            "2026-11-30T08:10:00Z",
            "1",
            "Elephant ivory bangle",
        )
        .posted("2025-03-01")
        .qty(2),
        // Removed in r2 (404, no text): text from r1; quantity null -> 1.
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:11:00Z",
            "2",
            "Antique carved ivory figure",
        )
        .posted("2025-06-10"),
        obs("bazaar", R2, "2026-11-30T08:11:00Z", "2", "").removed("http_404", 404, None),
        obs("bazaar", R1, "2026-11-29T08:12:00Z", "3", "Rhino horn cup")
            .posted("2026-01-05")
            .qty(1),
        // Decoys.
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:13:00Z",
            "4",
            "Faux ivory bangle",
        )
        .posted("2026-02-01"),
        obs(
            "bazaar",
            R2,
            "2026-11-30T08:14:00Z",
            "7",
            "Tiger balm ointment 30g",
        )
        .posted("2026-02-02"),
        // Changed between runs: the latest text (a decoy) counts.
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:15:00Z",
            "5",
            "Old ivory chopsticks",
        )
        .posted("2025-11-11"),
        obs(
            "bazaar",
            R2,
            "2026-11-30T08:15:00Z",
            "5",
            "Resin elephant figurine",
        )
        .posted("2025-11-11")
        .status("changed"),
        // Nothing recognised; no posted date -> year of first observation.
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:16:00Z",
            "6",
            "Vintage wooden bowl",
        ),
        // Posted on the last day of 2025, seen in 2026.
        obs("bazaar", R2, "2026-11-30T08:17:00Z", "8", "Leopard skin").posted("2025-12-31"),
        // No posted date, quantity 5: year from observed_at (2026).
        obs("souk", R1, "2026-11-29T09:00:00Z", "a", "Pangolin scales").qty(5),
        obs(
            "souk",
            R2,
            "2026-11-30T09:00:00Z",
            "b",
            "African grey parrot",
        )
        .posted("2024-12-31")
        .qty(2)
        .describe("Pair, hand-reared, with papers"),
        // Removed with an "ended" page whose text must NOT be used.
        obs(
            "souk",
            R1,
            "2026-11-29T09:02:00Z",
            "c",
            "Black material, genuine, 200g",
        )
        .posted("2026-03-03"),
        obs("souk", R2, "2026-11-30T09:02:00Z", "c", "").removed(
            "ended_marker",
            200,
            Some("This listing has ended"),
        ),
        obs(
            "souk",
            R1,
            "2026-11-29T09:03:00Z",
            "d",
            "Yellow-crested cockatoo chicks",
        )
        .posted("2026-04-04")
        .qty(3),
        obs("souk", R1, "2026-11-29T09:04:00Z", "e", "象牙手镯").posted("2026-05-05"),
        // Only ever seen removed (a redirect): counts as a listing and a removal.
        obs("souk", R2, "2026-11-30T09:05:00Z", "f", "").removed("redirect_to_search", 200, None),
    ]
}

fn build_lake(root: &Path) -> PathBuf {
    let lake = root.join("lake");
    support::write_listings(&lake, &observations());
    support::write_part(
        &lake,
        "fetch_log",
        "bazaar",
        R1,
        &mut support::fetch_log_frame(R1, 4),
    );
    support::write_part(
        &lake,
        "fetch_log",
        "souk",
        R2,
        &mut support::fetch_log_frame(R2, 3),
    );
    lake
}

fn run(root: &Path) -> (PathBuf, AnalysisOptions, AnalysisOutputs) {
    let lake = build_lake(root);
    let opts = AnalysisOptions::new(
        lake.clone(),
        root.join("out"),
        &support::repo(),
        SOURCE_LINE.into(),
    );
    let outputs = wildtrace_analysis::run(&opts).expect("analysis runs");
    (lake, opts, outputs)
}

fn csv_rows(path: &Path) -> (String, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn counts_tables_and_outputs_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (_lake, opts, out) = run(dir.path());
    let out_dir = &opts.out_dir;

    assert_eq!(out.observations, 18);
    assert_eq!(out.listings, 14);
    assert_eq!(out.removed_listings, 3);
    assert_eq!(out.decoys, 3);
    let mut tables = vec![
        out_dir.join("tables/annual_by_taxon_group.csv"),
        out_dir.join("tables/removals_by_source.csv"),
        out_dir.join("tables/listing_classification.csv"),
    ];
    for name in wildtrace_analysis::STAT_TABLES {
        tables.push(out_dir.join(format!("tables/{name}.csv")));
    }
    tables.push(out_dir.join("tables/definitions.csv"));
    assert_eq!(out.tables, tables);
    assert_eq!(
        out.parquet,
        wildtrace_analysis::STAT_TABLES
            .iter()
            .map(|n| out_dir.join(format!("tables/{n}.parquet")))
            .collect::<Vec<_>>()
    );
    for f in out.tables.iter().chain(&out.parquet) {
        assert!(f.is_file(), "{} missing", f.display());
    }
    assert_eq!(out.xlsx, out_dir.join("tables/annual_statistics.xlsx"));
    assert_eq!(out.manifest, out_dir.join("manifest.json"));
    // The figures drawn from the public view; this small lake's annual
    // chart is withheld by disclosure control, and the index says so.
    let index = wildtrace_analysis::report::FigureIndex::load(out_dir).unwrap();
    assert_eq!(out.figures, index.files(out_dir));
    let annual = &index.figures[0];
    assert_eq!(annual.id, "annual_listings_by_taxon_group");
    assert!(
        annual.png.is_some()
            || annual
                .skipped
                .as_deref()
                .is_some_and(|s| s.contains("disclosure control")),
        "{annual:?}"
    );
    assert_eq!(out.warehouse, out_dir.join("wildtrace.duckdb"));

    let annual = std::fs::read_to_string(&out.tables[0]).unwrap();
    assert_eq!(
        annual,
        "year,taxon_group,confidence,listings,specimens\n\
         2024,Parrots,confirmed,1,2\n\
         2025,Big cats,confirmed,1,1\n\
         2025,Elephants,confirmed,1,2\n\
         2025,Elephants,suspected,1,1\n\
         2026,Elephants,suspected,1,1\n\
         2026,Pangolins,confirmed,1,5\n\
         2026,Parrots,confirmed,1,3\n\
         2026,Rhinoceroses,confirmed,1,1\n\
         2026,Rhinoceroses,suspected,1,1\n"
    );
    let removals = std::fs::read_to_string(&out.tables[1]).unwrap();
    assert_eq!(
        removals,
        "source,listings,removed,removed_share\n\
         bazaar,8,1,0.125\n\
         souk,6,2,0.3333\n"
    );

    let (header, rows) = csv_rows(&out.tables[2]);
    assert_eq!(
        header,
        "listing_id,source,year,taxon_group,taxon,product_type,live,confidence,specimens,removed,matched_terms,lexicon_version"
    );
    assert_eq!(rows.len(), 14);
    let row = |id: &str| {
        rows.iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    assert_eq!(
        row("bazaar:5")[2..10],
        strings(&[&["2025", "", "", "", "false", "decoy", "1", "false"]])[0][..]
    );
    assert_eq!(
        row("souk:b")[2..10],
        strings(&[&[
            "2024",
            "Parrots",
            "Psittacus erithacus",
            "live",
            "true",
            "confirmed",
            "2",
            "false"
        ]])[0][..]
    );
    assert_eq!(row("souk:c")[7], "suspected");
    assert_eq!(row("souk:c")[9], "true");
    assert_eq!(
        row("souk:f")[2..10],
        strings(&[&["2026", "", "", "", "false", "none", "1", "true"]])[0][..]
    );
    let version = Lexicon::load(&support::lexicon_path())
        .unwrap()
        .version()
        .to_string();
    assert!(rows.iter().all(|r| r[11] == version));

    // No temporary files left behind.
    for sub in ["", "tables", "figures"] {
        for e in std::fs::read_dir(out_dir.join(sub)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                !name.contains(".tmp") && !name.ends_with(".wal"),
                "left behind: {name}"
            );
        }
    }
}

/// The same numbers, recomputed from the lake with DuckDB SQL; only the
/// per-listing classification comes from Rust (the lexicon), joined in.
#[test]
fn tables_equal_an_independent_duckdb_recomputation() {
    let dir = tempfile::tempdir().unwrap();
    let (lake, _opts, out) = run(dir.path());
    let lexicon = Lexicon::load(&support::lexicon_path()).unwrap();

    let conn = Connection::open_in_memory().unwrap();
    let glob = format!("{}/listings/**/*.parquet", lake.display());
    conn.execute_batch(&format!(
        "CREATE VIEW obs AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true);
         CREATE VIEW latest AS
           SELECT * EXCLUDE (rn) FROM (
             SELECT *, row_number() OVER (
               PARTITION BY listing_id
               ORDER BY (status <> 'removed') DESC, observed_at DESC, run_id DESC) AS rn
             FROM obs) WHERE rn = 1;
         CREATE TABLE cls (listing_id VARCHAR, taxon_group VARCHAR, confidence VARCHAR);"
    ))
    .unwrap();
    let texts: Vec<(String, String)> = conn
        .prepare("SELECT listing_id, coalesce(title, '') || chr(10) || coalesce(description, '') FROM latest")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(texts.len() as u64, out.listings);
    for (id, text) in &texts {
        let c = lexicon.classify(text);
        conn.execute(
            "INSERT INTO cls VALUES (?, ?, ?)",
            params![id, c.taxon_group, c.confidence.as_str()],
        )
        .unwrap();
    }

    let query = |q: &str| -> Vec<Vec<String>> {
        let mut stmt = conn.prepare(q).unwrap();
        let mut rows = stmt.query([]).unwrap();
        let n = rows.as_ref().unwrap().column_count();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            out.push((0..n).map(|i| r.get::<_, String>(i).unwrap()).collect());
        }
        out
    };

    let expected_annual = query(
        "WITH firsts AS (SELECT listing_id, min(epoch_us(observed_at)) AS first_us FROM obs GROUP BY listing_id)
         SELECT CAST(coalesce(year(l.posted_date), year(make_timestamp(f.first_us))) AS VARCHAR),
                c.taxon_group, c.confidence,
                CAST(count(*) AS VARCHAR), CAST(sum(coalesce(l.quantity, 1)) AS VARCHAR)
         FROM latest l JOIN firsts f USING (listing_id) JOIN cls c USING (listing_id)
         WHERE c.confidence IN ('confirmed', 'suspected')
         GROUP BY ALL ORDER BY 1, 2, 3",
    );
    let (header, annual) = csv_rows(&out.tables[0]);
    assert_eq!(header, "year,taxon_group,confidence,listings,specimens");
    assert_eq!(annual, expected_annual);
    assert_eq!(annual.len(), 9);

    let expected_removals = query(
        "SELECT source, CAST(count(*) AS VARCHAR), CAST(count(*) FILTER (WHERE removed) AS VARCHAR),
                CAST(round(count(*) FILTER (WHERE removed) / count(*), 4) AS VARCHAR)
         FROM (SELECT listing_id, any_value(source) AS source, bool_or(status = 'removed') AS removed
               FROM obs GROUP BY listing_id)
         GROUP BY source ORDER BY source",
    );
    let (_, removals) = csv_rows(&out.tables[1]);
    assert_eq!(removals.len(), expected_removals.len());
    for (got, want) in removals.iter().zip(&expected_removals) {
        assert_eq!(got[..3], want[..3]);
        let (g, w): (f64, f64) = (got[3].parse().unwrap(), want[3].parse().unwrap());
        assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
    }

    let decoys = query("SELECT CAST(count(*) AS VARCHAR) FROM cls WHERE confidence = 'decoy'");
    assert_eq!(decoys[0][0], out.decoys.to_string());
    let observations = query("SELECT CAST(count(*) AS VARCHAR) FROM obs");
    assert_eq!(observations[0][0], out.observations.to_string());
}

#[test]
fn figures_are_print_png_and_labelled_svg() {
    let dir = tempfile::tempdir().unwrap();
    let (_lake, opts, _out) = run(dir.path());
    // The drawing is under test: every cell shown (the run's own figures
    // show the disclosure-controlled view; see report.rs and tests/e2e/export.rs).
    let index = wildtrace_analysis::report::write_figures_with(
        &opts.out_dir,
        SOURCE_LINE,
        &wildtrace_analysis::export::Disclosure::NONE,
    )
    .unwrap();
    let figures = index.files(&opts.out_dir);
    let png = std::fs::read(&figures[0]).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (2400, 1500));
    assert!(
        png.len() > 20_000,
        "PNG suspiciously small: {} bytes",
        png.len()
    );

    let svg = std::fs::read_to_string(&figures[1]).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    for text in [
        "Online wildlife listings per year, by taxon group",
        "Year of posting",
        "Listings (count)",
        SOURCE_LINE,
        "Taxon group",
        "Elephants",
        "Rhinoceroses",
        "Parrots",
        "Pangolins",
        "Big cats",
        "\n2024\n",
        "\n2025\n",
        "\n2026\n",
    ] {
        assert!(svg.contains(text), "SVG lacks {text:?}");
    }
    assert!(
        !svg.contains("\n2023\n") && !svg.contains("\n2027\n"),
        "axis beyond the data"
    );
    // Okabe–Ito orange is the first (largest) group's colour.
    assert!(svg.to_uppercase().contains("#E69F00"), "palette not used");
}

#[test]
fn the_warehouse_has_lake_views_and_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (_lake, _opts, out) = run(dir.path());
    let w = &out.warehouse;

    let (cols, rows) = sql(
        w,
        "SELECT count(*) AS n, count(DISTINCT listing_id) AS listings FROM listings",
    )
    .unwrap();
    assert_eq!(cols, vec!["n", "listings"]);
    assert_eq!(rows, vec![vec!["18".to_string(), "14".to_string()]]);

    let (_, rows) = sql(
        w,
        "SELECT source, count(*) FROM fetch_log GROUP BY source ORDER BY source",
    )
    .unwrap();
    assert_eq!(rows, strings(&[&["bazaar", "4"], &["souk", "3"]]));

    let (_, rows) = sql(
        w,
        "SELECT * FROM annual_by_taxon_group ORDER BY year, taxon_group, confidence",
    )
    .unwrap();
    let (_, csv) = csv_rows(&out.tables[0]);
    assert_eq!(rows, csv);

    let (cols, rows) = sql(w, "SELECT * FROM removals_by_source ORDER BY source").unwrap();
    assert_eq!(cols, vec!["source", "listings", "removed", "removed_share"]);
    assert_eq!(
        rows,
        strings(&[
            &["bazaar", "8", "1", "0.125"],
            &["souk", "6", "2", "0.3333"]
        ])
    );

    let (_, rows) = sql(
        w,
        "SELECT confidence, count(*) FROM listing_classification GROUP BY 1 ORDER BY 1",
    )
    .unwrap();
    assert_eq!(
        rows,
        strings(&[
            &["confirmed", "6"],
            &["decoy", "3"],
            &["none", "2"],
            &["suspected", "3"]
        ])
    );

    let (_, rows) = sql(
        w,
        "SELECT value FROM provenance WHERE key = 'lexicon_version'",
    )
    .unwrap();
    let version = Lexicon::load(&support::lexicon_path())
        .unwrap()
        .version()
        .to_string();
    assert_eq!(rows, vec![vec![version]]);

    // Typed values render as text; NULL as NULL.
    let (_, rows) = sql(
        w,
        "SELECT posted_date, price_amount, observed_at, quantity, image_urls FROM listings \
         WHERE listing_id = 'bazaar:1' AND run_id LIKE '20261129%'",
    )
    .unwrap();
    assert_eq!(
        rows,
        strings(&[&[
            "2025-03-01",
            "125.0000",
            "2026-11-29 08:10:00",
            "2",
            "[https://bazaar.example/img/1.jpg]"
        ]])
    );
    let (_, rows) = sql(
        w,
        "SELECT quantity FROM listings WHERE listing_id = 'souk:e'",
    )
    .unwrap();
    assert_eq!(rows, strings(&[&["NULL"]]));

    // Read-only: the CLI cannot change the warehouse.
    assert!(sql(w, "CREATE TABLE x (a INT)").is_err());
    assert!(sql(&dir.path().join("nope.duckdb"), "SELECT 1").is_err());
}

#[test]
fn a_second_run_rebuilds_everything_identically() {
    let dir = tempfile::tempdir().unwrap();
    let (_lake, opts, first) = run(dir.path());
    let before: Vec<Vec<u8>> = first
        .tables
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let svg_before: Vec<Vec<u8>> = first
        .figures
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let second = wildtrace_analysis::run(&opts).unwrap();
    assert_eq!(first, second);
    let after: Vec<Vec<u8>> = second
        .tables
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(before, after);
    let svg_after: Vec<Vec<u8>> = second
        .figures
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(svg_before, svg_after);
    // Parquet, XLSX and the manifest are byte-identical too (no clock in them).
    let files: Vec<_> = first
        .parquet
        .iter()
        .chain([&first.xlsx, &first.manifest])
        .collect();
    let bytes: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    wildtrace_analysis::run(&opts).unwrap();
    for (p, b) in files.iter().zip(&bytes) {
        assert_eq!(b, &std::fs::read(p).unwrap(), "{} changed", p.display());
    }
    let (_, rows) = sql(
        &second.warehouse,
        "SELECT count(*) FROM annual_by_taxon_group",
    )
    .unwrap();
    assert_eq!(rows, strings(&[&["9"]]));
}

#[test]
fn the_figure_merges_groups_beyond_eight_and_handles_a_single_year() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let titles = [
        ("1", "Elephant ivory bangle"),
        ("2", "Rhino horn cup"),
        ("3", "Pangolin scales"),
        ("4", "Tiger skin rug"),
        ("5", "African grey parrot"),
        ("6", "Indian star tortoise"),
        ("7", "Ball python"),
        ("8", "Helmeted hornbill casque"),
        ("9", "Hawksbill shell bracelet"),
        ("10", "Elephant ivory netsuke"),
    ];
    let rows: Vec<Obs> = titles
        .iter()
        .map(|(id, t)| obs("bazaar", R1, "2026-11-29T08:00:00Z", id, t).posted("2026-06-01"))
        .collect();
    support::write_listings(&lake, &rows);
    let opts = AnalysisOptions::new(
        lake,
        dir.path().join("out"),
        &support::repo(),
        SOURCE_LINE.into(),
    );
    let out = wildtrace_analysis::run(&opts).unwrap();
    assert_eq!(out.listings, 10);
    let (_, annual) = csv_rows(&out.tables[0]);
    assert_eq!(annual.len(), 9);
    // The drawing is under test: every cell shown.
    let index = wildtrace_analysis::report::write_figures_with(
        &opts.out_dir,
        SOURCE_LINE,
        &wildtrace_analysis::export::Disclosure::NONE,
    )
    .unwrap();
    let svg = std::fs::read_to_string(&index.files(&opts.out_dir)[1]).unwrap();
    // Eight legend entries: the seven largest groups and "Other groups".
    assert!(svg.contains("\nOther groups\n"), "no Other groups entry");
    assert!(svg.contains("\nElephants\n"));
    let legend_names = [
        "Elephants",
        "Rhinoceroses",
        "Pangolins",
        "Big cats",
        "Parrots",
        "Tortoises and freshwater turtles",
        "Snakes",
        "Hornbills",
        "Sea turtles",
    ];
    let shown = legend_names
        .iter()
        .filter(|n| svg.contains(&format!("\n{n}\n")))
        .count();
    assert_eq!(shown, 7);
    assert!(svg.contains("\n2026\n"));
    assert!(!svg.contains("\n2025\n") && !svg.contains("\n2027\n"));
    assert!(svg.contains("\n10\n"), "bar total");
}
