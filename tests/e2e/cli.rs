//! The command line as a user calls it: bad configs exit 2 naming file,
//! line and key; a crawl of a loopback site whose summary warns about a
//! listing pattern that matches nothing and about missing fields; `--help`
//! of every subcommand; `verify`, `bench extract`, `lexicon` and `report`
//! through the real binary.

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
        "flag",
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
    // The report shows the public view: these cells have no seller counts
    // (no listing_facts), so each is withheld and reads "<5"; no rate of
    // change is computed from withheld cells.
    assert!(
        html.contains("<td>Elephants</td><td>&lt;5</td>"),
        "withheld cell"
    );
    assert!(
        !html.contains("<td>6</td>") && !html.contains("3 in 2024: too few to compare"),
        "no count of a withheld cell"
    );
    assert!(html.contains("cells withheld by disclosure control"));
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

/// The demo marketplace on 127.0.0.1 with `listings` a site, the runtime it
/// runs on, and its `bazaar` base URL.
fn bazaar_on_loopback(
    listings: usize,
) -> (
    tokio::runtime::Runtime,
    wildtrace_demo::market::DemoMarket,
    String,
) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let market = rt
        .block_on(wildtrace_demo::market::DemoMarket::start(
            wildtrace_demo::market::DemoOptions {
                listings_per_site: listings,
                ..Default::default()
            },
        ))
        .unwrap();
    let base = market.site("bazaar").unwrap().base_url.to_string();
    (rt, market, base)
}

/// Runs `cmd` (a shell command line) on a pseudo-terminal (util-linux
/// `script`) and returns what the terminal showed.
fn on_a_terminal(cmd: &str, dir: &std::path::Path) -> String {
    let transcript = dir.join("typescript");
    let status = Command::new("script")
        .args(["-q", "-e", "-c", cmd])
        .arg(&transcript)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("util-linux `script`");
    assert!(status.success(), "{cmd}");
    String::from_utf8_lossy(&std::fs::read(&transcript).unwrap()).into_owned()
}

/// A crawl job for the demo's `bazaar` served at `base` on 127.0.0.1, with
/// only the loopback switch on, and the given profile file.
fn loopback_job(dir: &std::path::Path, base: &str, profile: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("bazaar.toml"), profile).unwrap();
    let job = format!(
        "[job]\nname = \"loop\"\n[identity]\nproduct_token = \"wildtrace\"\ncontact = \"mailto:research@example.org\"\n\
         [politeness]\nmin_delay_ms = 10\n[scope]\nallow_loopback = true\n\
         [storage]\ndata_dir = \"{}\"\n\
         [[sites]]\nname = \"bazaar\"\nbase_url = \"{base}\"\nprofile = \"bazaar.toml\"\n\
         search = \"/search?q={{term}}\"\nterms = [\"pangolin\", \"ivory\"]\n",
        dir.join("data").display()
    );
    let path = dir.join("job.toml");
    std::fs::write(&path, job).unwrap();
    path
}

#[test]
fn a_loopback_site_crawls_with_only_the_loopback_switch_and_the_summary_warns_what_is_missing() {
    let (rt, market, base) = bazaar_on_loopback(20);
    let real = std::fs::read_to_string(repo().join("config/sites/bazaar.toml")).unwrap();
    let crawl = |dir: &std::path::Path, profile: &str| {
        let job = loopback_job(dir, &base, profile);
        let out = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
            .args(["crawl", "--config"])
            .arg(&job)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{err}");
        let outcome = json(&String::from_utf8_lossy(&out.stdout));
        (outcome["sites"][0].clone(), err)
    };

    // The real profile: listings land through the loopback switch alone,
    // and the summary counts the fields the pages do not give.
    let ok = tempfile::tempdir().unwrap();
    let (site, err) = crawl(ok.path(), &real);
    let listings = site["listings"].as_u64().unwrap();
    assert!(listings > 0, "{site}");
    assert_eq!(site["active"].as_u64(), Some(listings));
    let warnings: Vec<&str> = site["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        !warnings.iter().any(|w| w.contains("listing_path")),
        "{warnings:?}"
    );
    for (key, what) in [
        ("price", "price"),
        ("posted_date", "posted date"),
        ("seller_location", "seller location"),
    ] {
        let n = site["missing"][key].as_u64().unwrap();
        assert!(n <= listings);
        let line = format!("{n} of {listings} listing(s) have no {what}");
        assert_eq!(
            warnings.iter().any(|w| w.starts_with(&line)),
            n > 0,
            "{key}: {warnings:?}"
        );
        if n > 0 {
            assert!(err.contains(&line), "the warning reaches stderr: {err}");
        }
    }

    // A listing pattern that matches no link: exit 0 still (the site may
    // be quiet), but the summary says it is the pattern, naming the key.
    let broken = real.replace(
        r"listing_path = '^/ad/(premium/)?\d+'",
        r"listing_path = '^/listing/\d+'",
    );
    assert_ne!(
        broken, real,
        "the fixture profile still has the pattern this test edits"
    );
    let bad = tempfile::tempdir().unwrap();
    let (site, err) = crawl(bad.path(), &broken);
    assert_eq!(site["listings"].as_u64(), Some(0));
    let warnings = site["warnings"].to_string();
    for w in [
        "matched the listing pattern `^/listing/\\\\d+`",
        "`[links] listing_path`",
        "yielded no listings",
    ] {
        assert!(warnings.contains(w), "{w} in {warnings}");
    }
    assert!(
        err.contains("`[links] listing_path`") && err.contains("bazaar"),
        "{err}"
    );
    rt.block_on(market.shutdown());
}

#[test]
fn a_crawl_draws_progress_bars_on_a_terminal_and_plain_lines_otherwise() {
    let (rt, market, base) = bazaar_on_loopback(6);
    let real = std::fs::read_to_string(repo().join("config/sites/bazaar.toml")).unwrap();
    let bin = env!("CARGO_BIN_EXE_wildtrace");

    // Not a terminal: log lines only, no bar, no cursor movement.
    let piped = tempfile::tempdir().unwrap();
    let job = loopback_job(piped.path(), &base, &real);
    let out = Command::new(bin)
        .args(["crawl", "--config"])
        .arg(&job)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("site done"), "{err}");
    assert!(!err.contains("pages") && !err.contains('\u{1b}'), "{err}");

    // A terminal (util-linux `script` gives the child a pseudo-terminal):
    // a bar for the site, ending with every page done.
    let tty = tempfile::tempdir().unwrap();
    let job = loopback_job(tty.path(), &base, &real);
    let cmd = format!("{bin} crawl --config {} >/dev/null", job.display());
    let seen = on_a_terminal(&cmd, tty.path());
    assert!(seen.contains("bazaar") && seen.contains("pages"), "{seen}");
    let last = seen.rsplit("bazaar").next().unwrap_or_default().to_string();
    let (done, total) = last
        .split_whitespace()
        .find_map(|w| {
            let (a, b) = w.split_once('/')?;
            Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?))
        })
        .unwrap_or_else(|| panic!("a done/total count in {last:?}"));
    assert!(done > 0 && done == total, "the bar ends full: {last:?}");
    rt.block_on(market.shutdown());
}

#[test]
fn analyse_names_its_stage_on_a_terminal_and_logs_stages_otherwise() {
    let demo = crate::support::demo();
    let lake = demo.data.join("lake");
    let bin = env!("CARGO_BIN_EXE_wildtrace");
    let dir = tempfile::tempdir().unwrap();

    // Not a terminal: one plain log line per stage.
    let out = Command::new(bin)
        .args(["analyse", "--lake"])
        .arg(&lake)
        .arg("--out")
        .arg(dir.path().join("piped"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    for stage in [
        "reading the lake",
        "drawing figures",
        "building the warehouse",
    ] {
        assert!(
            err.contains(&format!("stage=\"{stage}\"")),
            "{stage}: {err}"
        );
    }
    assert!(!err.contains("analysis: "), "no spinner into a pipe: {err}");

    // A terminal: the spinner names the stages and ends with `done`.
    let cmd = format!(
        "{bin} analyse --lake {} --out {} >/dev/null",
        lake.display(),
        dir.path().join("tty").display()
    );
    let seen = on_a_terminal(&cmd, dir.path());
    assert!(seen.contains("analysis: drawing figures"), "{seen}");
    assert!(seen.contains("analysis: done"), "{seen}");
}
