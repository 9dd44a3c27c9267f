//! Sitemaps: robots.txt `Sitemap:` index → child → listing into the lake,
//! billion-laughs and gzip-bomb sitemaps costing only themselves, a large
//! plain sitemap within the 50 MB cap.

use super::*;

// ------------------------------------------------------------ 5. sitemaps

fn urlset(locs: &[String]) -> Response {
    let body: String = locs
        .iter()
        .map(|l| format!("<url><loc>{l}</loc><lastmod>2026-11-02</lastmod></url>"))
        .collect();
    (
        [(header::CONTENT_TYPE, "application/xml")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{body}</urlset>"
        ),
    )
        .into_response()
}

fn sitemap_index(locs: &[String]) -> Response {
    let body: String = locs
        .iter()
        .map(|l| format!("<sitemap><loc>{l}</loc></sitemap>"))
        .collect();
    (
        [(header::CONTENT_TYPE, "application/xml")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{body}</sitemapindex>"
        ),
    )
        .into_response()
}

#[tokio::test]
async fn robots_sitemap_index_child_sitemap_listings_reach_the_lake() {
    let other = serve(|r| market(r.path, 9)).await;
    let elsewhere = other.url.join("/ad/9").unwrap().to_string();
    let srv = serve(move |r| {
        let o = &r.origin;
        match r.path {
            "/robots.txt" => robots(&format!(
                "User-agent: *\nAllow: /\n\nSitemap: {o}/sitemap_index.xml\n"
            )),
            "/sitemap_index.xml" => sitemap_index(&[
                format!("{o}/sitemap-ads.xml"),
                format!("{o}/sitemap-nested.xml"),
            ]),
            "/sitemap-ads.xml" => urlset(&[
                format!("{o}/ad/1"),
                format!("{o}/ad/2"),
                format!("{o}/ad/3"),
                format!("{o}/about-us"),
                elsewhere.clone(),
            ]),
            // One level too deep for max_sitemap_depth = 1.
            "/sitemap-nested.xml" => sitemap_index(&[format!("{o}/sitemap-deep.xml")]),
            "/sitemap-deep.xml" => urlset(&[format!("{o}/ad/5")]),
            // Search finds nothing: every listing comes from the sitemaps.
            p if p.starts_with("/search") => search_html(&[]),
            p => market(p, 5),
        }
    })
    .await;
    let (_d, out) = run_one(&srv, &[("scope", "max_sitemap_depth = 1")], "").await;
    let paths = srv.paths();
    for p in [
        "/sitemap_index.xml",
        "/sitemap-ads.xml",
        "/sitemap-nested.xml",
    ] {
        assert_eq!(srv.count(p), 1, "{p}: {paths:?}");
    }
    assert!(
        !paths
            .iter()
            .any(|p| p == "/sitemap-deep.xml" || p == "/ad/5"),
        "nesting beyond max_sitemap_depth is not followed: {paths:?}"
    );
    assert!(
        !paths.contains(&"/about-us".to_string()),
        "only listing pages: {paths:?}"
    );
    assert!(
        other.hits().is_empty(),
        "another host's URL is never requested"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2", "s:3"]));
    let log = fetch_log(&out.sites[0]);
    let kinds: BTreeSet<(String, String)> = log
        .iter()
        .filter(|l| l.outcome == "fetched")
        .map(|l| {
            (
                Url::parse(&l.url).unwrap().path().to_string(),
                l.kind.clone(),
            )
        })
        .collect();
    for want in [
        ("/sitemap_index.xml", "sitemap"),
        ("/sitemap-ads.xml", "sitemap"),
        ("/ad/1", "listing"),
        ("/ad/3", "listing"),
    ] {
        assert!(
            kinds.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {kinds:?}"
        );
    }
}

fn sitemap_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        crate::manifest_dir()
            .join("../extract/tests/fixtures/sitemaps")
            .join(name),
    )
    .unwrap()
}

#[tokio::test]
async fn billion_laughs_and_gzip_bomb_sitemaps_cost_only_themselves() {
    let laughs = Arc::new(sitemap_fixture("billion-laughs.xml"));
    let bomb = Arc::new(sitemap_fixture("bomb.xml.gz"));
    // A sitemap sent with `Content-Encoding: gzip` that inflates to 64 MiB,
    // past the 50 MB a sitemap may have.
    let http_bomb = Arc::new(
        tokio::task::spawn_blocking(|| {
            let mut enc =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(b"<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n")
                .unwrap();
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..64 {
                enc.write_all(&spaces).unwrap();
            }
            enc.finish().unwrap()
        })
        .await
        .unwrap(),
    );
    assert!(http_bomb.len() < 200_000, "{} bytes", http_bomb.len());
    let srv = serve(move |r| {
        let o = &r.origin;
        match r.path {
            "/laughs.xml" => (
                [(header::CONTENT_TYPE, "application/xml")],
                laughs.as_ref().clone(),
            )
                .into_response(),
            // 64 MiB of XML inflating from 64 KiB, served as a .gz file.
            "/bomb.xml.gz" => (
                [(header::CONTENT_TYPE, "application/x-gzip")],
                bomb.as_ref().clone(),
            )
                .into_response(),
            "/http-bomb.xml" => (
                [
                    (header::CONTENT_TYPE, "application/xml"),
                    (header::CONTENT_ENCODING, "gzip"),
                ],
                http_bomb.as_ref().clone(),
            )
                .into_response(),
            "/good.xml" => urlset(&[format!("{o}/ad/1"), format!("{o}/ad/2")]),
            p if p.starts_with("/search") => search_html(&[]),
            p => market(p, 2),
        }
    })
    .await;
    let (_d, out) = run_one(
        &srv,
        &[],
        r#"sitemaps = ["/laughs.xml", "/bomb.xml.gz", "/http-bomb.xml", "/good.xml"]"#,
    )
    .await;
    let paths = srv.paths();
    for p in ["/laughs.xml", "/bomb.xml.gz", "/http-bomb.xml", "/good.xml"] {
        assert_eq!(
            srv.count(p),
            1,
            "{p} requested once, never retried: {paths:?}"
        );
    }
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("lol") || p.contains("passwd")),
        "{paths:?}"
    );
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:1", "s:2"]),
        "the good sitemap still counts"
    );
}

#[tokio::test]
async fn a_large_plain_sitemap_within_the_50_mb_cap_is_read() {
    // 50,000 entries (the protocol's maximum), about 6 MB of plain XML: over
    // the default fetch.max_body_bytes (5 MiB) but well inside the 50 MB a
    // sitemap may have (issue #3: "50 MB decompressed and 50,000 URL caps").
    let srv = serve(move |r| {
        let o = &r.origin;
        match r.path {
            "/sitemap-big.xml" => {
                let mut locs: Vec<String> = (0..49_997)
                    .map(|i| format!("{o}/help/article-{i:06}-how-to-ship-safely"))
                    .collect();
                locs.extend((1..=3).map(|i| format!("{o}/ad/{i}")));
                urlset(&locs)
            }
            p if p.starts_with("/search") => search_html(&[]),
            p => market(p, 3),
        }
    })
    .await;
    let (_d, out) = run_one(&srv, &[], r#"sitemaps = ["/sitemap-big.xml"]"#).await;
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/sitemap-big.xml"), ["fetched"], "{log:#?}");
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2", "s:3"]));
}
