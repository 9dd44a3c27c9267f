//! Bad configs: every error names the file, the line and the key.

use std::path::Path;

use wildtrace_crawler::config::CrawlConfig;

const GOOD: &str = r#"
[job]
name = "t"

[identity]
product_token = "wildtrace"
contact = "mailto:research@example.org"

[politeness]
min_delay_ms = 20

[[sites]]
name = "bazaar"
base_url = "demo:bazaar"
profile = "sites/bazaar.toml"
search = "/search?q={term}"
terms = ["ivory"]
"#;

/// Writes a job (and copies the real bazaar profile) into a temp folder.
fn job(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sites")).unwrap();
    let profile = crate::manifest_dir().join("../config/sites/bazaar.toml");
    std::fs::copy(profile, dir.path().join("sites/bazaar.toml")).unwrap();
    let path = dir.path().join("job.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn error(text: &str) -> wildtrace_crawler::config::ConfigError {
    let (_dir, path) = job(text);
    CrawlConfig::load(&path).expect_err("config must be refused")
}

#[test]
fn good_config_loads_and_identifies_us() {
    let (_dir, path) = job(GOOD);
    let cfg = CrawlConfig::load(&path).unwrap();
    assert_eq!(
        cfg.identity.user_agent(),
        format!(
            "wildtrace/{} (+mailto:research@example.org)",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(
        cfg.identity.from_header().as_deref(),
        Some("research@example.org")
    );
    assert_eq!(cfg.sites[0].profile.name, "bazaar");
}

#[test]
fn the_shipped_demo_config_is_valid() {
    let path = crate::manifest_dir().join("../config/demo.toml");
    let cfg = CrawlConfig::load(&path).unwrap();
    let names: Vec<&str> = cfg.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["bazaar", "curioshop", "reptileforum", "exotica"]);
    // The site without search is discovered from its start URL.
    assert!(cfg.sites[3].search.is_none() && !cfg.sites[3].start.is_empty());
}

#[test]
fn missing_product_token_is_refused_with_line_and_key() {
    let e = error(&GOOD.replace("product_token = \"wildtrace\"\n", ""));
    assert_eq!(e.key, "identity.product_token");
    assert_eq!(e.line, 5, "the [identity] table: {e}");
    assert!(e.to_string().contains("job.toml:5:"), "{e}");
}

#[test]
fn empty_or_spoofing_product_token_is_refused() {
    for bad in ["", "Mozilla/5.0 (Windows NT 10.0)", "googlebot 2"] {
        let e = error(&GOOD.replace("\"wildtrace\"", &format!("{bad:?}")));
        assert_eq!(e.key, "identity.product_token", "{bad}: {e}");
        assert_eq!(e.line, 6, "{bad}: {e}");
    }
}

#[test]
fn contact_must_be_reachable() {
    for bad in ["", "nobody", "ftp://example.org", "mailto:"] {
        let e = error(&GOOD.replace("mailto:research@example.org", bad));
        assert_eq!(e.key, "identity.contact", "{bad}: {e}");
        assert_eq!(e.line, 7);
    }
    let (_dir, path) =
        job(&GOOD.replace("mailto:research@example.org", "https://example.org/crawler"));
    let cfg = CrawlConfig::load(&path).unwrap();
    assert_eq!(cfg.identity.from_header(), None);
}

#[test]
fn unknown_keys_are_refused() {
    let e = error(&GOOD.replace(
        "min_delay_ms = 20",
        "min_delay_ms = 20\nuser_agent = \"Mozilla\"",
    ));
    assert_eq!(e.key, "politeness.user_agent");
    assert_eq!(e.line, 11, "{e}");
}

#[test]
fn malformed_toml_names_the_line() {
    let e = error(&GOOD.replace("name = \"t\"", "name = t\""));
    assert_eq!(e.line, 3, "{e}");
    assert_eq!(e.key, "job.name", "{e}");
}

#[test]
fn politeness_floor_is_enforced() {
    let e = error(&GOOD.replace("min_delay_ms = 20", "min_delay_ms = 0"));
    assert_eq!((e.key.as_str(), e.line), ("politeness.min_delay_ms", 10));
}

#[test]
fn missing_file_is_named() {
    let e = CrawlConfig::load(Path::new("/nonexistent/job.toml")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/job.toml:0:"), "{e}");
}

#[test]
fn bad_selector_in_a_profile_names_the_profile_file_and_key() {
    let (dir, path) = job(GOOD);
    let profile = dir.path().join("sites/bazaar.toml");
    let text = std::fs::read_to_string(&profile)
        .unwrap()
        .replace("selector = \"h1.ad-title\"", "selector = \"h1..ad-title[\"");
    std::fs::write(&profile, text).unwrap();
    let e = CrawlConfig::load(&path).unwrap_err();
    assert_eq!(e.path, profile);
    assert_eq!(e.key, "fields.title.selector");
    assert!(e.line > 10, "{e}");
}

#[test]
fn a_job_with_no_sites_is_refused_at_its_last_line() {
    let text = GOOD.split("[[sites]]").next().unwrap().to_string();
    let e = error(&text);
    assert_eq!(e.key, "sites");
    assert_eq!(e.line, text.trim_end().lines().count(), "{e}");
    assert!(e.message.contains("[[sites]]"), "{e}");
}

#[test]
fn a_dangling_profile_names_the_job_file_the_site_and_the_key() {
    let (_dir, path) = job(&GOOD.replace("sites/bazaar.toml", "sites/nope.toml"));
    let e = CrawlConfig::load(&path).unwrap_err();
    assert_eq!(e.path, path, "the job file, not the missing profile: {e}");
    assert_eq!((e.key.as_str(), e.line), ("sites[0].profile", 15), "{e}");
    assert!(e.message.contains("site `bazaar`"), "{e}");
    assert!(e.message.contains("nope.toml"), "{e}");
}

#[test]
fn a_bare_profile_name_is_the_embedded_profile_unless_a_file_is_there() {
    let text = GOOD.replace("profile = \"sites/bazaar.toml\"", "profile = \"curioshop\"");
    let (dir, path) = job(&text);
    let cfg = CrawlConfig::load(&path).unwrap();
    assert_eq!(cfg.sites[0].profile.name, "curioshop");
    assert!(
        cfg.sites[0]
            .profile
            .is_listing(&url::Url::parse("https://curioshop.example/products/x-1").unwrap()),
        "the embedded curioshop profile's listing rule"
    );
    // A file of that name beside the job wins over the embedded profile.
    std::fs::write(
        dir.path().join("curioshop"),
        "[links]\nlisting_path = '^/only-mine/'\n",
    )
    .unwrap();
    let cfg = CrawlConfig::load(&path).unwrap();
    assert!(
        !cfg.sites[0]
            .profile
            .is_listing(&url::Url::parse("https://curioshop.example/products/x-1").unwrap())
    );
    // A bare name that is neither is refused naming the site's key.
    let e = error(&GOOD.replace("profile = \"sites/bazaar.toml\"", "profile = \"nosuch\""));
    assert_eq!(e.key, "sites[0].profile", "{e}");
}

#[test]
fn reference_files_resolve_against_the_job_file_and_must_exist() {
    let text = format!(
        "{GOOD}\n[reference]\nlexicon = \"sites/bazaar.toml\"\nrates = [\"sites/bazaar.toml\"]\n"
    );
    let (dir, path) = job(&text);
    let cfg = CrawlConfig::load(&path).unwrap();
    assert_eq!(
        cfg.reference.lexicon.as_deref(),
        Some(dir.path().join("sites/bazaar.toml").as_path())
    );
    assert_eq!(
        cfg.reference.rates,
        vec![dir.path().join("sites/bazaar.toml")]
    );
    assert_eq!(cfg.reference.places, None);
    assert_eq!(
        CrawlConfig::load(&job(GOOD).1).unwrap().reference,
        Default::default()
    );

    let e = error(&format!("{GOOD}\n[reference]\nplaces = \"nope.toml\"\n"));
    assert_eq!((e.key.as_str(), e.line), ("reference.places", 20), "{e}");
    assert!(e.message.contains("relative to the job file"), "{e}");
    let e = error(&format!(
        "{GOOD}\n[reference]\nrates = [\"sites/bazaar.toml\", \"gone.zip\"]\n"
    ));
    assert_eq!(e.key, "reference.rates", "{e}");
    let e = error(&format!("{GOOD}\n[reference]\nlexicon = \"sites\"\n"));
    assert!(e.message.contains("not a file"), "{e}");
    let e = error(&format!("{GOOD}\n[reference]\nwordlist = \"x\"\n"));
    assert_eq!(e.key, "reference.wordlist", "{e}");
}

/// [`GOOD`] with the bazaar site browsed from start URLs instead of searched.
fn browsed(site_lines: &str) -> String {
    GOOD.replace(
        "search = \"/search?q={term}\"\nterms = [\"ivory\"]\n",
        site_lines,
    )
}

#[test]
fn a_site_without_search_is_browsed_from_its_start_urls() {
    let (_dir, path) = job(&browsed(
        "start = [\"/\", \"/category/reptiles\"]\nmax_depth = 4\nmax_pages = 300\n\
         [sites.follow]\ninclude = ['^/category/', '^/ad/']\nexclude = ['^/ad/premium/', 'sort=']\n",
    ));
    let cfg = CrawlConfig::load(&path).unwrap();
    let s = &cfg.sites[0];
    assert_eq!(s.search, None);
    assert!(s.terms.is_empty());
    assert_eq!(s.start, ["/", "/category/reptiles"]);
    assert!(s.follow.links);
    assert_eq!((s.max_depth, s.max_pages), (4, 300));
    let url = |p: &str| url::Url::parse(&format!("http://x.example{p}")).unwrap();
    assert!(s.follow.allows(&url("/category/reptiles?page=2")));
    assert!(s.follow.allows(&url("/ad/123-python")));
    assert!(!s.follow.allows(&url("/ad/premium/9")), "excludes win");
    assert!(
        !s.follow.allows(&url("/category/birds?sort=price")),
        "on the query too"
    );
    assert!(!s.follow.allows(&url("/login")), "not included");

    // Defaults: depth and budget from [scope]; a search-only site follows no links.
    let (_dir, path) = job(&browsed("start = [\"/\"]\n"));
    let s = &CrawlConfig::load(&path).unwrap().sites[0];
    assert_eq!((s.max_depth, s.max_pages), (8, 10_000));
    assert!(s.follow.links && s.follow.allows(&url("/anything")));
    let (_dir, path) = job(GOOD);
    assert!(!CrawlConfig::load(&path).unwrap().sites[0].follow.links);
    // Patterns on a searched site filter its finds but follow no links.
    let (_dir, path) = job(&GOOD.replace(
        "terms = [\"ivory\"]\n",
        "terms = [\"ivory\"]\n[sites.follow]\nexclude = ['^/ad/premium/']\n",
    ));
    let s = &CrawlConfig::load(&path).unwrap().sites[0];
    assert!(!s.follow.links);
    assert!(!s.follow.allows(&url("/ad/premium/1")) && s.follow.allows(&url("/ad/1")));
}

#[test]
fn a_follow_pattern_that_does_not_compile_names_file_line_and_key() {
    let text = browsed(
        "start = [\"/\"]\n[sites.follow]\ninclude = ['^/ad/']\nexclude = [\n  '^/login',\n  '^/cart(',\n]\n",
    );
    let e = error(&text);
    assert_eq!(e.key, "sites[0].follow.exclude[1]", "{e}");
    let line = text.lines().position(|l| l.contains("cart(")).unwrap() + 1;
    assert_eq!(e.line, line, "{e}");
    assert!(e.to_string().contains(&format!("job.toml:{line}:")), "{e}");
    assert!(e.message.contains("regex"), "{e}");
}

#[test]
fn a_site_needs_a_discovery_source_and_search_needs_terms() {
    let e = error(&browsed(""));
    assert_eq!(e.key, "sites[0].name", "{e}");
    assert!(
        e.message.contains("`bazaar`") && e.message.contains("start"),
        "{e}"
    );
    assert_eq!(e.line, 13, "the site's name line: {e}");

    let e = error(&GOOD.replace("terms = [\"ivory\"]\n", ""));
    assert_eq!(e.key, "sites[0].terms", "{e}");
    let e = error(&GOOD.replace("search = \"/search?q={term}\"\n", ""));
    assert_eq!(e.key, "sites[0].terms", "{e}");
    let e = error(&GOOD.replace("q={term}", "q=ivory"));
    assert_eq!(e.key, "sites[0].search", "{e}");

    // Sitemaps alone are a discovery source.
    let (_dir, path) = job(&browsed("sitemaps = [\"/sitemap.xml\"]\n"));
    assert!(CrawlConfig::load(&path).is_ok());
}

#[test]
fn start_urls_stay_on_the_site_and_the_budget_under_the_job_cap() {
    let text = browsed("start = [\"/\", \"https://elsewhere.example/\"]\n")
        .replace("demo:bazaar", "https://bazaar.example/");
    let e = error(&text);
    assert_eq!(e.key, "sites[0].start[1]", "{e}");
    let e = error(&browsed("start = [\"/\"]\nmax_pages = 0\n"));
    assert_eq!(e.key, "sites[0].max_pages", "{e}");
    let e = error(
        &browsed("start = [\"/\"]\nmax_pages = 50\n")
            .replace("[[sites]]", "[scope]\nmax_pages_per_host = 20\n\n[[sites]]"),
    );
    assert_eq!(e.key, "sites[0].max_pages", "{e}");
    assert!(e.message.contains("max_pages_per_host"), "{e}");
}

#[test]
fn page_budgets_and_the_parsing_pool_are_validated_and_default_sanely() {
    let (_dir, path) = job(GOOD);
    let cfg = CrawlConfig::load(&path).unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(cfg.fetch.parse_workers, cores, "default: one per core");
    assert_eq!(cfg.fetch.page.max_depth, 512);
    assert_eq!(cfg.fetch.page.max_elements, 200_000);
    assert_eq!(cfg.fetch.page.max_time.as_millis(), 3000);
    let with = |lines: &str| {
        GOOD.replace(
            "[[sites]]",
            &format!("[fetch]\nmax_body_bytes = 5242880\n{lines}\n[[sites]]"),
        )
    };
    let (_d, p) = job(&with("parse_workers = 3\nmax_html_depth = 64"));
    let cfg = CrawlConfig::load(&p).unwrap();
    assert_eq!((cfg.fetch.parse_workers, cfg.fetch.page.max_depth), (3, 64));
    for (lines, key) in [
        ("parse_workers = 0", "fetch.parse_workers"),
        ("max_html_depth = 8", "fetch.max_html_depth"),
        ("max_html_depth = 1000000", "fetch.max_html_depth"),
        ("max_html_elements = 10", "fetch.max_html_elements"),
        ("max_parse_ms = 0", "fetch.max_parse_ms"),
    ] {
        let e = error(&with(lines));
        assert_eq!((e.key.as_str(), e.line), (key, 14), "{lines}: {e}");
    }
}
