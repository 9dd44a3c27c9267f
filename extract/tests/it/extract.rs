//! Extraction from fixture pages written to look like real marketplace
//! pages (classifieds, shop, forum, auction, OpenGraph-only, broken markup,
//! Shift_JIS, windows-1251, windows-1252, UTF-16 with BOM): each page's
//! records are compared with a committed JSON snapshot next to the fixture
//! and with hand-checked values from `pages.toml`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use url::Url;
use wildtrace_extract::corpus::{load_manifest, profile_ref};
use wildtrace_extract::inspect::{extract_records, resolve_profile};
use wildtrace_extract::privacy::Pseudonymiser;
use wildtrace_extract::record::ListingRecord;

fn pages_dir() -> PathBuf {
    crate::support::manifest_dir().join("tests/fixtures/pages")
}

fn sites_dir() -> PathBuf {
    crate::support::manifest_dir().join("../config/sites")
}

fn records_of(dir: &Path, file: &str, url: &str, profile: Option<&str>) -> Vec<ListingRecord> {
    let body = std::fs::read(dir.join(file)).expect("fixture");
    let profile = profile.map(|p| {
        resolve_profile(&profile_ref(dir, p), Some(&sites_dir())).expect("fixture profile loads")
    });
    extract_records(
        &body,
        None,
        &Url::parse(url).expect("fixture url"),
        profile.as_ref(),
        &Pseudonymiser::from_key([7u8; 32]),
    )
}

#[test]
fn extract_fixture_snapshots() {
    let dir = pages_dir();
    let manifest = load_manifest(&dir).expect("pages.toml");
    let raw: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("pages.toml")).unwrap()).unwrap();
    let expects = raw["page"].as_array().unwrap();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    assert!(manifest.page.len() >= 12, "every markup kind has a fixture");
    for (page, table) in manifest.page.iter().zip(expects) {
        let records = records_of(&dir, &page.file, &page.url, page.profile.as_deref());
        let got = serde_json::to_string_pretty(&records).unwrap() + "\n";
        let snap = dir.join(format!(
            "{}.records.json",
            page.file.trim_end_matches(".html")
        ));
        if update {
            std::fs::write(&snap, &got).unwrap();
        }
        match std::fs::read_to_string(&snap) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{}: records differ from {}:\n--- want\n{want}\n--- got\n{got}",
                page.file,
                snap.display()
            )),
            Err(e) => failures.push(format!("{}: {e}", snap.display())),
        }
        let Some(first) = records.first() else {
            failures.push(format!("{}: no record", page.file));
            continue;
        };
        let rec = serde_json::to_value(first).unwrap();
        if let Some(expect) = table.get("expect").and_then(|e| e.as_table()) {
            for (k, want) in expect {
                let want: Value = serde_json::to_value(want).unwrap();
                let got = &rec[k];
                let same = got == &want
                    || (got.as_str().is_some() && got.as_str() == want.as_str())
                    || (got.as_u64().is_some() && got.as_u64() == want.as_i64().map(|v| v as u64));
                if !same {
                    failures.push(format!("{}: {k}: want {want}, got {got}", page.file));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Text that reaches a record never carries an e-mail address, a phone
/// number or an @handle, whatever the markup.
#[test]
fn extracted_records_are_masked() {
    let dir = pages_dir();
    let manifest = load_manifest(&dir).unwrap();
    let email = regex::Regex::new(r"[\w.+-]+@[\w-]+\.[\w.]+").unwrap();
    let phone = regex::Regex::new(r"\d{3}[ -]?\d{3}[ -]?\d{4}|\d{5} \d{5}").unwrap();
    let handle = regex::Regex::new(r"(^|\s)@\w{3,}").unwrap();
    let mut seen_mask = 0;
    for page in &manifest.page {
        for r in records_of(&dir, &page.file, &page.url, page.profile.as_deref()) {
            for text in [&r.title, &r.description, &r.seller_location, &r.ships_to]
                .into_iter()
                .flatten()
            {
                assert!(!email.is_match(text), "{}: e-mail in {text:?}", page.file);
                assert!(!phone.is_match(text), "{}: phone in {text:?}", page.file);
                assert!(!handle.is_match(text), "{}: @handle in {text:?}", page.file);
                seen_mask += text.matches("[email]").count()
                    + text.matches("[phone]").count()
                    + text.matches("[handle]").count();
            }
            if let Some(p) = &r.seller_pseudonym {
                assert!(p.starts_with("s_") && p.len() == 34, "{p}");
            }
        }
    }
    assert!(
        seen_mask >= 6,
        "the fixtures plant contacts: {seen_mask} masked"
    );
}

/// The undeclared windows-1251 page decodes (statistically) to the same
/// record as the declared one.
#[test]
fn undeclared_windows_1251_is_detected() {
    let dir = pages_dir();
    let url = "https://doska.example/item/990112";
    let a = records_of(
        &dir,
        "classifieds-windows-1251.html",
        url,
        Some("../profiles/doska.toml"),
    );
    let b = records_of(
        &dir,
        "classifieds-windows-1251-undeclared.html",
        url,
        Some("../profiles/doska.toml"),
    );
    assert_eq!(a.len(), 1);
    let strip = |mut r: ListingRecord| {
        r.page_sha256.clear();
        r
    };
    assert_eq!(
        strip(a[0].clone()),
        strip(b[0].clone()),
        "same text whichever way the charset was found"
    );
}

/// A profile rule overrides structured data unless it says `fill = true`.
#[test]
fn profile_rules_fill_or_override_structured_data() {
    let html = r#"<html><head><script type="application/ld+json">
        {"@type":"Product","name":"JSON-LD title","offers":{"price":"10.00","priceCurrency":"EUR"}}
        </script></head><body><h1>Visible title</h1><span class="p">99 €</span></body></html>"#;
    let tmp = tempfile::tempdir().unwrap();
    let url = Url::parse("https://shop.example/item/1").unwrap();
    let keys = Pseudonymiser::from_key([1; 32]);
    let run = |fill: bool| {
        let path = tmp.path().join(format!("p{fill}.toml"));
        std::fs::write(
            &path,
            format!(
                "[links]\nlisting_path = '^/item/'\n[fields.title]\nselector = \"h1\"\nfill = {fill}\n[fields.price]\nselector = \".p\"\nfill = {fill}\n"
            ),
        )
        .unwrap();
        let prof = resolve_profile(path.to_str().unwrap(), Some(tmp.path())).unwrap();
        extract_records(html.as_bytes(), None, &url, Some(&prof), &keys).remove(0)
    };
    let over = run(false);
    assert_eq!(over.title.as_deref(), Some("Visible title"));
    assert_eq!(over.price_amount.as_deref(), Some("99"));
    let filled = run(true);
    assert_eq!(filled.title.as_deref(), Some("JSON-LD title"));
    assert_eq!(filled.price_amount.as_deref(), Some("10.00"));
    assert!(
        filled.extractor.starts_with("jsonld"),
        "{}",
        filled.extractor
    );
}

/// A page with no listing markup yields no record, not an empty one.
#[test]
fn a_page_without_listing_data_yields_nothing() {
    let keys = Pseudonymiser::from_key([1; 32]);
    let url = Url::parse("https://shop.example/about").unwrap();
    let got = extract_records(
        b"<html><body><h1>About us</h1></body></html>",
        None,
        &url,
        None,
        &keys,
    );
    assert!(got.is_empty(), "{got:?}");
}

/// Structured data is always on: a profile that sets only `listing_path`
/// leaves every field structured data gives (posted date, location,
/// ships-to) as it is without a profile — microdata reading the same
/// properties as JSON-LD (the product's `datePosted`, the seller's address
/// as "locality, region, country").
#[test]
fn structured_data_stays_on_under_a_profile_that_sets_only_listing_path() {
    let dir = pages_dir();
    // The source (site) name differs, so listing ids and pseudonyms do.
    let fields = |rs: Vec<ListingRecord>| -> Vec<ListingRecord> {
        rs.into_iter()
            .map(|r| ListingRecord {
                listing_id: String::new(),
                seller_pseudonym: r.seller_pseudonym.as_ref().map(|_| String::new()),
                ..r
            })
            .collect()
    };
    let url = "https://forum.example.net/forum/topic/88412";
    let only = Some("../profiles/listing-path-only.toml");
    let bare = fields(records_of(&dir, "forum-microdata-address.html", url, None));
    let with = fields(records_of(&dir, "forum-microdata-address.html", url, only));
    assert_eq!(
        bare, with,
        "the profile adds nothing and takes nothing away"
    );
    assert_eq!(bare.len(), 1);
    let r = &bare[0];
    assert_eq!(
        r.posted_date.as_deref(),
        Some("2025-11-03"),
        "the product's datePosted, not the related item's"
    );
    assert_eq!(
        r.seller_location.as_deref(),
        Some("Antwerpen, Flanders, BE")
    );
    assert_eq!(r.ships_to.as_deref(), Some("European Union"));
    assert_eq!(r.extractor, "microdata");
    // The JSON-LD and microdata fixtures of the corpus give the same with it.
    for (file, url) in [
        ("shop-jsonld-graph.html", "https://shop.example/item/1"),
        ("forum-microdata-cp1252.html", "https://forum.example/t/1"),
    ] {
        let bare = fields(records_of(&dir, file, url, None));
        let with = fields(records_of(&dir, file, url, only));
        assert!(!bare.is_empty(), "{file}");
        assert_eq!(bare, with, "{file}");
    }
}
