//! `wildtrace inspect price|robots|extract|sitemap`, one input and JSON
//! lines, through the real binary.

use crate::support::{json, repo, wildtrace, wildtrace_in};

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
    let pages = repo().join("extract/tests/fixtures/pages");
    let (code, out, err) = wildtrace(
        &[
            "inspect",
            "extract",
            pages.join("classifieds-kleinmarkt.html").to_str().unwrap(),
            "--url",
            "https://www.kleinmarkt.example/anzeige/2291834",
            "--profile",
            repo()
                .join("extract/tests/fixtures/profiles/kleinmarkt.toml")
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

    let maps = repo().join("extract/tests/fixtures/sitemaps");
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

// ------------------------------------------------- from any working directory

/// `inspect extract --profile NAME` resolves NAME to the profile compiled
/// into the binary, so it works from a folder with no config/sites in it;
/// `--sites-dir` still points NAME at a folder of one's own.
#[test]
fn inspect_extract_profile_by_name_from_outside_the_repo() {
    let elsewhere = tempfile::tempdir().unwrap();
    let page = repo().join("extract/tests/fixtures/pages/shop-price-on-request.html");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "inspect",
            "extract",
            page.to_str().unwrap(),
            "--url",
            "https://curioshop.example/products/ivory-chess-set-118",
        ];
        args.extend_from_slice(extra);
        wildtrace_in(elsewhere.path(), &args, None)
    };
    let (code, out, err) = run(&["--profile", "curioshop"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)[0]["listing_id"], "curioshop:AN-118");

    // A folder of profiles given with --sites-dir takes over.
    let sites = elsewhere.path().join("my-sites");
    std::fs::create_dir_all(&sites).unwrap();
    let (code, _, err) = run(&[
        "--profile",
        "curioshop",
        "--sites-dir",
        sites.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "curioshop.toml is not in --sites-dir: {err}");
    assert!(err.contains("curioshop.toml"), "{err}");
    std::fs::copy(
        repo().join("config/sites/curioshop.toml"),
        sites.join("curioshop.toml"),
    )
    .unwrap();
    let (code, out, err) = run(&[
        "--profile",
        "curioshop",
        "--sites-dir",
        sites.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)[0]["listing_id"], "curioshop:AN-118");

    // A name that is neither a file nor embedded says which names exist.
    let (code, _, err) = run(&["--profile", "no-such-site"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no-such-site.toml") && err.contains("bazaar"),
        "{err}"
    );
}

/// `analyse` from a folder outside the repository: the lexicon, gazetteer
/// and rates are the copies compiled in, recorded in the manifest as
/// `embedded:<name>` with the SHA-256 of the committed files; with
/// `--config`, the job's `[reference]` files (relative to the job file)
/// are used instead, flags override them, and a bad `[reference]` exits 2
/// naming the job file, line and key.
#[test]
fn analyse_runs_from_a_folder_outside_the_repo() {
    use wildtrace_analysis::manifest::sha256_hex;
    let demo = crate::support::demo();
    let lake = demo.data.join("lake");
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("out");
    let (code, stdout, err) = wildtrace_in(
        elsewhere.path(),
        &[
            "analyse",
            "--lake",
            lake.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}\n{stdout}");
    let manifest = json(&std::fs::read_to_string(out.join("manifest.json")).unwrap());
    let committed = |p: &str| sha256_hex(&std::fs::read(repo().join(p)).unwrap());
    for (key, name, file) in [
        (
            "lexicon",
            "embedded:lexicon.toml",
            "data/reference/lexicon.toml",
        ),
        (
            "places",
            "embedded:places.toml",
            "data/reference/places.toml",
        ),
        (
            "rates",
            "embedded:eurofxref-demo-illustrative.csv",
            "data/reference/eurofxref-demo-illustrative.csv",
        ),
    ] {
        assert_eq!(manifest[key]["path"], name, "{manifest}");
        assert_eq!(manifest[key]["sha256"], committed(file), "{key}");
    }
    // Same tables as the demo's own analysis (which read the repository's files).
    for t in [
        "annual_by_taxon_group.csv",
        "annual_stats.csv",
        "monthly_counts.csv",
    ] {
        assert_eq!(
            std::fs::read(out.join("tables").join(t)).unwrap(),
            std::fs::read(demo.out.join("tables").join(t)).unwrap(),
            "{t}"
        );
    }

    // A job with [reference]: a lexicon of its own beside the job file.
    let job_dir = elsewhere.path().join("job");
    std::fs::create_dir_all(job_dir.join("ref")).unwrap();
    let lexicon = std::fs::read_to_string(repo().join("data/reference/lexicon.toml"))
        .unwrap()
        .replacen("version = \"", "version = \"9", 1);
    std::fs::write(job_dir.join("ref/lexicon.toml"), &lexicon).unwrap();
    let head = format!(
        "[job]\nname = \"mine\"\n\n[identity]\nproduct_token = \"wildtrace\"\ncontact = \"mailto:a@b.org\"\n\n[storage]\ndata_dir = {:?}\n\n[[sites]]\nname = \"bazaar\"\nbase_url = \"https://bazaar.example/\"\nprofile = \"bazaar\"\nsearch = \"/s?q={{term}}\"\nterms = [\"ivory\"]\n",
        demo.data.display().to_string()
    );
    let job = job_dir.join("job.toml");
    std::fs::write(
        &job,
        format!("{head}\n[reference]\nlexicon = \"ref/lexicon.toml\"\n"),
    )
    .unwrap();
    let out2 = elsewhere.path().join("out2");
    let (code, _, err) = wildtrace_in(
        elsewhere.path(),
        &[
            "analyse",
            "--config",
            job.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "the lake comes from the job's data_dir: {err}");
    let manifest = json(&std::fs::read_to_string(out2.join("manifest.json")).unwrap());
    assert_eq!(
        manifest["lexicon"]["path"],
        job_dir.join("ref/lexicon.toml").display().to_string()
    );
    assert_eq!(
        manifest["lexicon"]["sha256"],
        sha256_hex(lexicon.as_bytes())
    );
    assert!(
        manifest["lexicon"]["version"]
            .as_str()
            .unwrap()
            .starts_with('9')
    );
    assert_eq!(manifest["places"]["path"], "embedded:places.toml");
    assert!(
        manifest["extra_inputs"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("job.toml"),
        "{manifest}"
    );

    // A flag overrides the job's file.
    let (code, _, err) = wildtrace_in(
        elsewhere.path(),
        &[
            "analyse",
            "--config",
            job.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
            "--lexicon",
            repo().join("data/reference/lexicon.toml").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let manifest = json(&std::fs::read_to_string(out2.join("manifest.json")).unwrap());
    assert_eq!(
        manifest["lexicon"]["sha256"],
        committed("data/reference/lexicon.toml")
    );

    // A [reference] file that is not there, or a key that does not exist.
    for (section, line, key) in [
        (
            "[reference]\nplaces = \"nope.toml\"\n",
            19,
            "reference.places",
        ),
        (
            "[reference]\nlexicon = \"ref/lexicon.toml\"\ngazetteer = \"x\"\n",
            20,
            "reference.gazetteer",
        ),
    ] {
        std::fs::write(&job, format!("{head}\n{section}")).unwrap();
        let (code, _, err) = wildtrace_in(
            elsewhere.path(),
            &[
                "analyse",
                "--config",
                job.to_str().unwrap(),
                "--out",
                out2.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.contains(&format!("{}:{line}: `{key}`", job.display())),
            "{err}"
        );
    }
}

// ---------------------------------------------------------- species, places

#[derive(serde::Deserialize)]
struct SpeciesCase {
    kind: String,
    lang: String,
    text: String,
    confidence: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    product_type: Option<String>,
    taxa: Vec<String>,
    #[serde(default)]
    legality: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Cases<T> {
    cases: Vec<T>,
}

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> Vec<T> {
    let path = repo().join("tests/fixtures/inspect").join(name);
    toml::from_str::<Cases<T>>(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .cases
}

/// `inspect species --jsonl` as a reviewer calls it: the multilingual
/// fixture in, one answer per line in order, a bad line answered with an
/// error naming its line number (and exit 2 after the last line).
#[test]
fn inspect_species_jsonl_on_multilingual_fixtures() {
    let cases: Vec<SpeciesCase> = fixture("species.toml");
    let mut input = String::new();
    for (i, c) in cases.iter().enumerate() {
        if i == 3 {
            input.push_str("{\"txt\": \"a typo in the key\"}\n");
        }
        input.push_str(&format!("{}\n", serde_json::json!({ "text": c.text })));
    }
    // From outside the repository: the embedded lexicon.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out, err) = wildtrace_in(
        elsewhere.path(),
        &["inspect", "species", "--jsonl"],
        Some(&input),
    );
    assert_eq!(code, 2, "a bad line makes the batch exit 2: {err}");
    assert!(err.contains("1 of"), "{err}");
    let mut lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(
        lines.len(),
        cases.len() + 1,
        "one line per input line:\n{out}"
    );
    let bad = lines.remove(3);
    assert!(
        bad["error"].as_str().unwrap().starts_with("line 4:"),
        "{bad}"
    );

    let mut failures = Vec::new();
    for (c, v) in cases.iter().zip(&lines) {
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["confidence", "legality_claims", "product_type", "taxa"],
            "{v}"
        );
        let taxa = v["taxa"].as_array().unwrap();
        let confirmed: Vec<&str> = taxa
            .iter()
            .filter(|t| t["confidence"] == "confirmed")
            .map(|t| t["scientific_name"].as_str().unwrap())
            .collect();
        let groups: Vec<&str> = taxa.iter().map(|t| t["group"].as_str().unwrap()).collect();
        let ok = v["confidence"] == c.confidence.as_str()
            && confirmed == c.taxa
            && v["product_type"].as_str() == c.product_type.as_deref()
            && c.group
                .as_deref()
                .is_none_or(|g| groups.first() == Some(&g))
            && c.legality.iter().all(|l| {
                v["legality_claims"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == l.as_str())
            });
        if !ok {
            failures.push(format!("[{} {}] {:?}: got {v}", c.kind, c.lang, c.text));
        }
        for t in taxa {
            let fields: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                fields,
                [
                    "appendix",
                    "confidence",
                    "group",
                    "rank",
                    "scientific_name",
                    "terms"
                ],
                "{t}"
            );
            assert!(
                !t["terms"].as_array().unwrap().is_empty(),
                "every entry says why: {t}"
            );
        }
        if c.confidence == "suspected" {
            assert_eq!(taxa.len(), 1, "{v}");
            assert_eq!(taxa[0]["rank"], "taxon_group");
            assert!(taxa[0]["scientific_name"].is_null() && taxa[0]["appendix"].is_null());
        }
        if c.confidence == "confirmed" {
            assert!(
                taxa.iter()
                    .all(|t| t["appendix"].is_string() && t["rank"] != "taxon_group")
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // One rule in every language: the bare word for ivory is suspected in
    // each of them, and naming the animal confirms it in each of them.
    for (kind, want) in [("bare_product", "suspected"), ("named", "confirmed")] {
        let langs: std::collections::BTreeSet<&str> = cases
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.lang.as_str())
            .collect();
        assert_eq!(
            langs,
            ["de", "en", "es", "fr", "th", "vi", "zh"]
                .into_iter()
                .collect(),
            "{kind} cases cover every language"
        );
        for (c, v) in cases.iter().zip(&lines).filter(|(c, _)| c.kind == kind) {
            assert_eq!(v["confidence"], want, "{:?}: {v}", c.text);
            assert_eq!(v["taxa"][0]["group"], "Elephants", "{:?}: {v}", c.text);
        }
    }
    // The artwork materials make a decoy in every language they are listed in.
    let artwork: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter(|c| c.kind == "artwork")
        .map(|c| c.lang.as_str())
        .collect();
    assert!(artwork.len() >= 7, "{artwork:?}");

    // One text, as an argument.
    let (code, out, err) = wildtrace_in(
        elsewhere.path(),
        &[
            "inspect",
            "species",
            "Carved elephant ivory netsuke, pre-1947",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["confidence"], "confirmed");
    assert_eq!(v["product_type"], "ivory");
    assert_eq!(v["taxa"][0]["scientific_name"], "Elephantidae");
    assert_eq!(v["taxa"][0]["rank"], "family");
    assert_eq!(v["taxa"][0]["appendix"], "I/II");
    assert_eq!(v["legality_claims"], serde_json::json!(["pre-1947"]));
    let (code, _, _) = wildtrace_in(elsewhere.path(), &["inspect", "species"], None);
    assert_eq!(code, 2, "no text and no --jsonl is bad usage");
}

#[derive(serde::Deserialize)]
struct LocationCase {
    text: String,
    country: String,
    #[serde(default)]
    confidence: Option<String>,
}

/// `inspect location` on one text and as JSON lines, from outside the
/// repository; a site's default country (from a gazetteer given with
/// --places) answers `inferred_from_site` for a text that names no place.
#[test]
fn inspect_location_one_text_and_jsonl() {
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out, err) = wildtrace_in(
        elsewhere.path(),
        &["inspect", "location", "Lagos, Nigeria"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json(&out),
        serde_json::json!({"country": "NG", "name": "Nigeria", "confidence": "stated"})
    );

    let cases: Vec<LocationCase> = fixture("locations.toml");
    let mut input: String = cases
        .iter()
        .map(|c| format!("{}\n", serde_json::json!({ "text": c.text })))
        .collect();
    input.push_str("not json\n");
    let (code, out, err) = wildtrace_in(
        elsewhere.path(),
        &["inspect", "location", "--jsonl"],
        Some(&input),
    );
    assert_eq!(code, 2, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(lines.len(), cases.len() + 1, "{out}");
    for (c, v) in cases.iter().zip(&lines) {
        if c.country.is_empty() {
            assert_eq!(
                v,
                &serde_json::json!({"country": null, "name": null, "confidence": null}),
                "{:?}",
                c.text
            );
        } else {
            assert_eq!(v["country"], c.country.as_str(), "{:?}: {v}", c.text);
            assert_eq!(
                v["confidence"].as_str(),
                c.confidence.as_deref(),
                "{:?}: {v}",
                c.text
            );
            assert!(v["name"].as_str().is_some_and(|n| !n.is_empty()), "{v}");
        }
    }
    assert!(
        lines[cases.len()]["error"]
            .as_str()
            .unwrap()
            .starts_with(&format!("line {}:", cases.len() + 1)),
        "{}",
        lines[cases.len()]
    );

    // A gazetteer of one's own with a site default.
    let places = elsewhere.path().join("places.toml");
    std::fs::write(
        &places,
        std::fs::read_to_string(repo().join("data/reference/places.toml"))
            .unwrap()
            .replacen(
                "[site_country]\n",
                "[site_country]\nkleinmarkt = \"DE\"\n",
                1,
            ),
    )
    .unwrap();
    let p = places.to_str().unwrap();
    let (code, out, err) = wildtrace_in(
        elsewhere.path(),
        &[
            "inspect",
            "location",
            "Abholung möglich",
            "--source",
            "kleinmarkt",
            "--places",
            p,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json(&out),
        serde_json::json!({"country": "DE", "name": "Germany", "confidence": "inferred_from_site"})
    );
    let input = "{\"text\": \"Lagos\", \"source\": \"kleinmarkt\"}\n{\"text\": \"\", \"source\": \"kleinmarkt\"}\n{\"text\": \"\"}\n";
    let (code, out, err) = wildtrace_in(
        elsewhere.path(),
        &["inspect", "location", "--jsonl", "--places", p],
        Some(input),
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(lines[0]["confidence"], "stated", "{out}");
    assert_eq!(lines[1]["confidence"], "inferred_from_site", "{out}");
    assert!(lines[2]["country"].is_null(), "{out}");
}
