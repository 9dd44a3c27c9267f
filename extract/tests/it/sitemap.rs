//! Sitemap parsing: XML urlset and sitemapindex with lastmod, text
//! sitemaps, gzip by magic bytes, the 50 MB / 50,000-URL caps, entity bombs
//! and a gzip bomb. (The demo shop's sitemap over HTTP is tested in wildtrace-demo.)

use std::io::Write;
use std::path::PathBuf;

use url::Url;
use wildtrace_extract::sitemap::{SitemapError, SitemapLimits, parse_sitemap};

fn fixture(name: &str) -> Vec<u8> {
    let p: PathBuf = crate::support::manifest_dir()
        .join("tests/fixtures/sitemaps")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn base() -> Url {
    Url::parse("https://shop.example/sitemap.xml").unwrap()
}

fn locs(m: &wildtrace_extract::sitemap::Sitemap) -> Vec<String> {
    m.urls.iter().map(|u| u.loc.to_string()).collect()
}

#[test]
fn urlset_with_lastmod_entities_cdata_and_dropped_locs() {
    let m = parse_sitemap(&fixture("urlset.xml"), &base(), &SitemapLimits::default()).unwrap();
    assert_eq!(
        locs(&m),
        [
            "https://shop.example/products/carved-pendant-4411",
            "https://shop.example/catalog?q=netsuke&p=2",
            "https://shop.example/products/chess-set-118?ref=a&b",
            "https://shop.example/products/%E6%97%A5%E6%9C%AC-7781",
        ]
    );
    assert_eq!(
        m.urls[0].lastmod.as_deref(),
        Some("2025-01-09T17:00:00+00:00")
    );
    assert_eq!(m.urls[1].lastmod, None);
    assert_eq!(m.urls[2].lastmod.as_deref(), Some("2024-12-01"));
    assert!(m.children.is_empty());
    assert!(!m.truncated);
}

#[test]
fn gzip_is_detected_by_magic_bytes() {
    let plain = parse_sitemap(&fixture("urlset.xml"), &base(), &SitemapLimits::default()).unwrap();
    // Served as "sitemap.xml" (no .gz) but gzipped: the bytes decide.
    let gz = parse_sitemap(
        &fixture("urlset.xml.gz"),
        &base(),
        &SitemapLimits::default(),
    )
    .unwrap();
    assert_eq!(plain, gz);
}

#[test]
fn sitemapindex_lists_children() {
    let m = parse_sitemap(
        &fixture("sitemapindex.xml"),
        &base(),
        &SitemapLimits::default(),
    )
    .unwrap();
    let kids: Vec<String> = m.children.iter().map(Url::to_string).collect();
    assert_eq!(
        kids,
        [
            "https://shop.example/sitemap-products-1.xml.gz",
            "https://shop.example/sitemap-products-2.xml.gz",
        ]
    );
    assert!(m.urls.is_empty());
}

#[test]
fn text_sitemap_one_url_a_line() {
    let m = parse_sitemap(&fixture("sitemap.txt"), &base(), &SitemapLimits::default()).unwrap();
    assert_eq!(
        locs(&m),
        [
            "https://forum.example/threads/1",
            "https://forum.example/threads/2",
            "https://forum.example/threads/4",
        ]
    );
}

#[test]
fn billion_laughs_and_external_entities_are_never_expanded() {
    let m = parse_sitemap(
        &fixture("billion-laughs.xml"),
        &base(),
        &SitemapLimits::default(),
    )
    .unwrap();
    // The references stay literal text: nothing was expanded or read.
    assert_eq!(
        locs(&m),
        [
            "https://shop.example/a/&lol9;",
            "https://shop.example/b/&xxe;",
            "https://shop.example/c",
        ]
    );
    assert!(m.urls.iter().all(|u| !u.loc.as_str().contains("lollol")));
}

#[test]
fn gzip_bomb_is_cut_at_the_byte_cap() {
    let bomb = fixture("bomb.xml.gz");
    assert!(
        bomb.len() < 100_000,
        "64 MiB inflate from {} bytes",
        bomb.len()
    );
    // The protocol's 50 MB cap, as the crawler uses it.
    let m = parse_sitemap(&bomb, &base(), &SitemapLimits::default()).unwrap();
    assert!(m.truncated);
    assert_eq!(m.urls.len(), 3, "the URLs before the cap stand");
    assert!(!locs(&m).iter().any(|u| u.contains("after-the-cap")));
    // A small cap stops after a few KiB.
    let small = SitemapLimits {
        max_bytes: 4096,
        ..SitemapLimits::default()
    };
    let m = parse_sitemap(&bomb, &base(), &small).unwrap();
    assert!(m.truncated);
    assert_eq!(m.urls.len(), 3);
}

#[test]
fn url_cap_truncates_at_50000() {
    let mut xml = String::from("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">");
    for i in 0..50_005 {
        xml.push_str(&format!("<url><loc>https://shop.example/p/{i}</loc></url>"));
    }
    xml.push_str("</urlset>");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(xml.as_bytes()).unwrap();
    let m = parse_sitemap(&gz.finish().unwrap(), &base(), &SitemapLimits::default()).unwrap();
    assert_eq!(m.urls.len(), 50_000);
    assert!(m.truncated);
    assert_eq!(m.urls[49_999].loc.as_str(), "https://shop.example/p/49999");
}

#[test]
fn bad_input_is_a_clear_error() {
    let e = parse_sitemap(
        b"<html><body>Not found</body></html>",
        &base(),
        &SitemapLimits::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, SitemapError::NotASitemap { ref root, .. } if root == "html"),
        "{e}"
    );
    assert!(e.to_string().contains("https://shop.example/sitemap.xml"));
    let e = parse_sitemap(
        &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
        &base(),
        &SitemapLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SitemapError::Gzip { .. }), "{e}");
    let e = parse_sitemap(
        b"<urlset><url><loc>https://a.example/</loc></url><url></loc></url></urlset>",
        &base(),
        &SitemapLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SitemapError::Xml { .. }), "{e}");
}
