//! The page budgets (`wildtrace_extract::budget`): a page within them
//! parses exactly as `scraper` parses it; a deeply nested page is flattened
//! beyond the depth cap in bounded time with its fields still extracted; a
//! page over the element cap or the deadline is cut short and says so; no
//! markup trick makes the tree deeper than the cap allows.

use std::time::{Duration, Instant};

use scraper::{ElementRef, Html};
use url::Url;
use wildtrace_extract::budget::{PageLimits, Stopped, parse_document, parse_fragment};
use wildtrace_extract::corpus::{load_manifest, profile_ref};
use wildtrace_extract::html::extract_listing;
use wildtrace_extract::inspect::resolve_profile;
use wildtrace_extract::page::listing_page;
use wildtrace_extract::profile::SiteProfile;

const PROFILE: &str = r#"
[links]
listing_path = '^/ad/\d+'
[fields.title]
selector = "h1"
[fields.price]
selector = ".price"
[fields.seller]
selector = ".seller"
"#;

fn profile() -> SiteProfile {
    SiteProfile::parse(PROFILE, std::path::Path::new("t.toml"), "t".into()).unwrap()
}

/// The depth of the deepest element below the document.
pub fn tree_depth(doc: &Html) -> usize {
    fn depth(e: ElementRef<'_>) -> usize {
        // Iterative, so a deep tree cannot overflow the test's stack.
        let mut best = 0;
        let mut stack = vec![(e, 1usize)];
        while let Some((e, d)) = stack.pop() {
            best = best.max(d);
            stack.extend(
                e.children()
                    .filter_map(ElementRef::wrap)
                    .map(|c| (c, d + 1)),
            );
        }
        best
    }
    depth(doc.root_element())
}

/// A listing page whose title and JSON-LD come before `depth` nested
/// `<tag>`s and whose price and seller come after them.
pub fn deep_page(depth: usize, tag: &str) -> String {
    format!(
        "<!doctype html><html><head><script type=application/ld+json>\
         {{\"@type\":\"Product\",\"name\":\"JSON title\",\"offers\":{{\"price\":\"10\",\"priceCurrency\":\"EUR\"}}}}\
         </script></head><body><h1>Pangolin scales, lot of 3</h1>{}deep text{}\
         <span class=price>€ 1.250,50</span><span class=seller>trader7</span></body></html>",
        format!("<{tag}>").repeat(depth),
        format!("</{tag}>").repeat(depth)
    )
}

#[test]
fn pages_within_the_budgets_parse_exactly_as_scraper_parses_them() {
    let dir = crate::support::manifest_dir().join("tests/fixtures/pages");
    let sites = crate::support::manifest_dir().join("../config/sites");
    let manifest = load_manifest(&dir).unwrap();
    let mut checked = 0;
    for page in &manifest.page {
        let body = std::fs::read(dir.join(&page.file)).unwrap();
        let text = wildtrace_extract::decode::decode_html(&body, None);
        let url = Url::parse(&page.url).unwrap();
        let profile = page
            .profile
            .as_deref()
            .map(|p| resolve_profile(&profile_ref(&dir, p), Some(&sites)).unwrap());
        let bounded = parse_document(&text, &PageLimits::default());
        assert_eq!(bounded.cut.outcome(), None, "{}", page.file);
        let plain = Html::parse_document(&text);
        assert_eq!(bounded.doc.html(), plain.html(), "{}: same tree", page.file);
        assert_eq!(
            extract_listing(&bounded.doc, &url, profile.as_ref()),
            extract_listing(&plain, &url, profile.as_ref()),
            "{}: same fields",
            page.file
        );
        checked += 1;
    }
    assert!(checked >= 12);
    // A fragment too (JSON-LD strings are parsed as fragments).
    let frag = "a &amp; b <b>bold</b> <i>x";
    assert_eq!(
        parse_fragment(frag, &PageLimits::default()).doc.html(),
        Html::parse_fragment(frag).html()
    );
}

#[test]
fn a_page_nested_100000_deep_is_flattened_in_bounded_time_with_its_fields() {
    let page = deep_page(100_000, "div");
    let url = Url::parse("http://example.org/ad/7").unwrap();
    let t = Instant::now();
    let got = listing_page(
        page.as_bytes(),
        Some("text/html; charset=utf-8"),
        &url,
        &profile(),
        &PageLimits::default(),
        true,
    );
    let took = t.elapsed();
    // Unbounded, this page takes 30 s (README, "Page budgets").
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(got.cut.outcome(), Some("too_deep"));
    assert!(got.cut.dropped_tags > 99_000, "{:?}", got.cut);
    assert_eq!(got.cut.stopped, None, "parsed to the end");
    assert_eq!(got.raw.title.as_deref(), Some("Pangolin scales, lot of 3"));
    assert_eq!(got.raw.price_text.as_deref(), Some("€ 1.250,50"));
    assert_eq!(got.raw.seller_handle.as_deref(), Some("trader7"));
    let doc = parse_document(&page, &PageLimits::default()).doc;
    let d = tree_depth(&doc);
    assert!((500..=520).contains(&d), "depth {d}");
    assert!(doc.root_element().text().any(|t| t.contains("deep text")));
}

#[test]
fn a_page_5_mib_deep_is_extracted_in_bounded_time() {
    // 5 MiB of nested elements: the default body cap's worth.
    let depth = (5 << 20) / "<div></div>".len();
    let page = deep_page(depth, "div");
    assert!(page.len() >= 5 << 20);
    let url = Url::parse("http://example.org/ad/7").unwrap();
    let t = Instant::now();
    let got = listing_page(
        page.as_bytes(),
        None,
        &url,
        &profile(),
        &PageLimits::default(),
        false,
    );
    let took = t.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(got.cut.outcome(), Some("too_deep"), "{:?}", got.cut);
    assert_eq!(got.raw.price_text.as_deref(), Some("€ 1.250,50"));
    eprintln!("5 MiB deep page ({depth} levels): {took:?}");
}

#[test]
fn the_element_cap_and_the_deadline_cut_a_page_short_and_say_why() {
    let many = format!(
        "<html><body><h1>t</h1>{}</body></html>",
        "<p>x</p>".repeat(50_000)
    );
    let limits = PageLimits {
        max_elements: 1000,
        ..PageLimits::default()
    };
    let got = parse_document(&many, &limits);
    assert_eq!(got.cut.stopped, Some(Stopped::Elements));
    assert_eq!(got.cut.outcome(), Some("over_budget"));
    assert!(got.cut.parsed_bytes < many.len() / 4, "{:?}", got.cut);
    let elements = got
        .doc
        .tree
        .nodes()
        .filter(|n| n.value().is_element())
        .count();
    assert!((1000..1100).contains(&elements), "{elements} elements");
    assert_eq!(
        got.doc
            .select(&scraper::Selector::parse("h1").unwrap())
            .count(),
        1,
        "what came before the cut is there"
    );

    // One tag with 200,000 distinct attributes: html5ever compares each
    // with all before it (quadratic); the deadline stops it.
    let attrs: String = (0..200_000).map(|i| format!(" a{i}")).collect();
    let wide = format!("<html><body><h1>t</h1><div{attrs}>x</div></body></html>");
    let limits = PageLimits {
        max_time: Duration::from_millis(300),
        ..PageLimits::default()
    };
    let t = Instant::now();
    let got = parse_document(&wide, &limits);
    let took = t.elapsed();
    assert_eq!(got.cut.stopped, Some(Stopped::Time));
    assert_eq!(got.cut.outcome(), Some("over_budget"));
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

/// Markup that grows the tree builder's stack without plain nesting:
/// unclosed formatting elements (distinct, so the "Noah's ark" rule does
/// not prune them), self-closing non-void tags, end tags the builder
/// ignores, tables, foreign content and templates.
pub fn tricky_pages(n: usize) -> Vec<(&'static str, String)> {
    vec![
        ("nested b", "<b>".repeat(n)),
        (
            "distinct fonts",
            (0..n).map(|i| format!("<font a={i}>")).collect(),
        ),
        ("self-closing divs", "<div/>".repeat(n)),
        ("div then </body>", "<div></body>".repeat(n)),
        (
            "div table td </div>",
            "<div><table><td></div>".repeat(n / 4),
        ),
        ("svg breakout", "<svg><div/><path/>".repeat(n / 2)),
        ("templates", "<template>".repeat(n)),
        ("lists", "<ul><li><span>".repeat(n / 3)),
        ("paragraphs in buttons", "<button><p>".repeat(n / 2)),
        ("fonts then p", {
            let mut s: String = (0..600).map(|i| format!("<font a={i}>")).collect();
            s.push_str(&"<p>x</p>".repeat(n / 4));
            s
        }),
    ]
}

#[test]
fn no_markup_makes_the_tree_deeper_than_the_cap() {
    let limits = PageLimits::default();
    for (name, body) in tricky_pages(20_000) {
        let page = format!("<html><body>{body}<span class=price>9 EUR</span></body></html>");
        let t = Instant::now();
        let got = parse_document(&page, &limits);
        let took = t.elapsed();
        let d = tree_depth(&got.doc);
        assert!(
            d <= 2 * limits.max_depth + 8,
            "{name}: depth {d} ({:?})",
            got.cut
        );
        assert!(took < Duration::from_secs(5), "{name}: took {took:?}");
    }
}
