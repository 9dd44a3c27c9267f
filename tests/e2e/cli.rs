//! The command line as a user calls it: bad configs exit 2 naming file,
//! line and key; `--help` of every subcommand; `verify`, `bench extract`,
//! `lexicon` and `report` through the real binary.

use std::process::Command;

use crate::support::{json, repo, wildtrace};

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
fn a_job_without_sites_or_with_a_dangling_profile_exits_2_naming_the_job_file() {
    let dir = tempfile::tempdir().unwrap();
    let head = "[job]\nname = \"x\"\n\n[identity]\nproduct_token = \"wildtrace\"\ncontact = \"mailto:a@b.org\"\n";
    let run = |name: &str, text: &str| {
        let cfg = dir.path().join(name);
        std::fs::write(&cfg, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
            .args(["crawl", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        (cfg, err)
    };
    let (cfg, err) = run("empty.toml", head);
    assert!(
        err.contains(&format!("{}:6: `sites`", cfg.display())),
        "{err}"
    );

    let site = "\n[[sites]]\nname = \"shop\"\nbase_url = \"https://shop.example/\"\nprofile = \"nope.toml\"\nsearch = \"/s?q={term}\"\nterms = [\"ivory\"]\n";
    let (cfg, err) = run("dangling.toml", &format!("{head}{site}"));
    assert!(
        err.contains(&format!("{}:11: `sites[0].profile`", cfg.display())),
        "{err}"
    );
    assert!(
        err.contains("site `shop`") && err.contains("nope.toml"),
        "{err}"
    );
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
