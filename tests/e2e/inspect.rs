//! `wildtrace inspect price|robots|extract|sitemap`, one input and JSON
//! lines, through the real binary.

use crate::support::{json, repo, wildtrace};

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
