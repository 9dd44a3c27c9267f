//! Fuzz targets on stable Rust (issue #14): the price parser, the quantity
//! parser, robots.txt parsing and matching, sitemap parsing (XML, text,
//! gzip) and HTML extraction. Each runs a fixed number of seeded cases in
//! `./wt test` and for as long as asked with `./wt fuzz NAME --minutes N`;
//! a panic, a broken property, a case over its time budget or memory cap,
//! or a hang fails it, and the input is kept in
//! `extract/tests/fuzz-regressions/NAME/` (checked first on every run).
//! The harness is `harness`, the generators `inputs`.

pub mod harness;
pub mod inputs;

use std::time::Duration;

use rust_decimal::Decimal;
use url::Url;
use wildtrace_extract::budget::{PageLimits, parse_document};
use wildtrace_extract::page::listing_page;
use wildtrace_extract::price::parse_price;
use wildtrace_extract::privacy::Pseudonymiser;
use wildtrace_extract::profile::SiteProfile;
use wildtrace_extract::quantity::{MAX_QUANTITY, parse_quantity};
use wildtrace_extract::record::ingest_fields;
use wildtrace_extract::robots::Robots;
use wildtrace_extract::sitemap::{SitemapLimits, parse_sitemap};

use harness::{Target, run};
use inputs::oracle;

const MIB: usize = 1 << 20;

#[test]
fn price() {
    run(Target {
        name: "price",
        cases: 3_000,
        time_budget: Duration::from_secs(2),
        mem_cap: 16 * MIB,
        generate: inputs::price,
        check: |input| {
            let (want, text) = oracle(input);
            // An oracle is `=<amount> <currency>` (random text may start with `=`).
            let want = want.and_then(|w| {
                let (a, c) = w.split_once(' ')?;
                Some((a.parse::<Decimal>().ok()?, c.to_string()))
            });
            if let Some((amount, currency)) = want {
                let p = parse_price(&text, None);
                assert_eq!(p.amount, Some(amount), "{text:?}: {p:?}");
                assert_eq!(p.currency, Some(currency), "{text:?}: {p:?}");
                return;
            }
            let (hint, text) = text.split_once('\t').unwrap_or(("", &text));
            let hint = (!hint.is_empty()).then_some(hint);
            let p = parse_price(text, hint);
            if let (Some(lo), Some(hi)) = (p.amount, p.amount_max) {
                assert!(lo < hi, "{text:?}: range not ordered: {p:?}");
            }
            if let Some(a) = p.amount {
                assert!(!a.is_sign_negative(), "{text:?}: negative amount");
            }
            if let Some(c) = &p.currency {
                assert!(
                    c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()),
                    "{text:?}: currency {c:?} is not an ISO 4217 code"
                );
            }
            assert_eq!(p, parse_price(text, hint), "{text:?}: deterministic");
        },
    });
}

#[test]
fn quantity() {
    run(Target {
        name: "quantity",
        cases: 20_000,
        time_budget: Duration::from_secs(2),
        mem_cap: 16 * MIB,
        generate: inputs::quantity,
        check: |input| {
            let (want, text) = oracle(input);
            let q = parse_quantity(&text);
            // An oracle is `=<count>` (random text may start with `=`).
            if let Some(want) = want.and_then(|w| w.parse::<u32>().ok()) {
                assert_eq!(q, Some(want), "{text:?}");
            }
            if let Some(q) = q {
                assert!((1..=MAX_QUANTITY).contains(&q), "{text:?} gave {q}");
            }
            assert_eq!(q, parse_quantity(&text), "{text:?}: deterministic");
        },
    });
}

#[test]
fn robots() {
    run(Target {
        name: "robots",
        cases: 10_000,
        time_budget: Duration::from_secs(2),
        mem_cap: 32 * MIB,
        generate: inputs::robots,
        check: |input| {
            let split = input.iter().position(|b| *b == 0).unwrap_or(input.len());
            let (body, path) = (&input[..split], &input[(split + 1).min(input.len())..]);
            let path = String::from_utf8_lossy(path);
            let Ok(url) = Url::parse(&format!(
                "https://example.org/{}",
                path.trim_start_matches('/')
            )) else {
                return;
            };
            let robots_url = Url::parse("https://example.org/robots.txt").unwrap();
            for agent in ["wildtrace", "other-bot"] {
                let r = Robots::from_status(200, body, agent);
                let allowed = r.allowed(agent, &url);
                assert_eq!(
                    allowed,
                    Robots::from_status(200, body, agent).allowed(agent, &url),
                    "deterministic"
                );
                assert!(
                    r.allowed(agent, &robots_url),
                    "/robots.txt is always allowed"
                );
                if let Some(d) = r.crawl_delay() {
                    assert!(d.is_finite() && d >= 0.0, "Crawl-delay {d}");
                }
            }
            // RFC 9309: a 4xx means no rules, a 5xx means nothing may be fetched.
            assert!(Robots::from_status(404, body, "wildtrace").allowed("wildtrace", &url));
            assert!(!Robots::from_status(503, body, "wildtrace").allowed("wildtrace", &url));
        },
    });
}

#[test]
fn sitemap() {
    run(Target {
        name: "sitemap",
        cases: 3_000,
        time_budget: Duration::from_secs(5),
        mem_cap: 64 * MIB,
        generate: inputs::sitemap,
        check: |input| {
            let limits = SitemapLimits {
                max_bytes: MIB as u64,
                max_urls: 1_000,
                max_depth: 2,
            };
            let base = Url::parse("https://example.org/sitemap.xml").unwrap();
            // An oracle line is `=urls N` or `=children N` (random bytes may
            // start with `=` too).
            let (want, body) = match input.strip_prefix(b"=") {
                Some(rest) => {
                    let nl = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
                    let line = String::from_utf8_lossy(&rest[..nl]).into_owned();
                    let ok = line.split_once(' ').is_some_and(|(w, n)| {
                        matches!(w, "urls" | "children") && n.parse::<usize>().is_ok()
                    });
                    if ok {
                        (Some(line), &rest[(nl + 1).min(rest.len())..])
                    } else {
                        (None, input)
                    }
                }
                None => (None, input),
            };
            let got = parse_sitemap(body, &base, &limits);
            if let Some(want) = want {
                let m = got.unwrap_or_else(|e| panic!("well-formed sitemap refused: {e}"));
                let (what, n) = want.split_once(' ').unwrap();
                let n: usize = n.parse().unwrap();
                match what {
                    "urls" => assert_eq!((m.urls.len(), m.children.len()), (n, 0)),
                    _ => assert_eq!((m.urls.len(), m.children.len()), (0, n)),
                }
                return;
            }
            if let Ok(m) = got {
                assert!(m.urls.len() + m.children.len() <= limits.max_urls);
                for u in m.urls.iter().map(|u| &u.loc).chain(&m.children) {
                    assert!(matches!(u.scheme(), "http" | "https"), "{u}");
                }
            }
        },
    });
}

const PROFILE: &str = r#"
[links]
listing_path = '^/ad/\d+'
[fields.title]
selector = "h1, .title, title"
[fields.price]
selector = ".price, [itemprop=price]"
[fields.seller]
selector = ".seller"
[fields.images]
selector = "img"
attr = "src"
all = true
[removed]
markers = ["ended"]
"#;

#[test]
fn html() {
    run(Target {
        name: "html",
        cases: 150,
        time_budget: Duration::from_secs(15),
        mem_cap: 512 * MIB,
        generate: inputs::html,
        check: |input| {
            let profile =
                SiteProfile::parse(PROFILE, std::path::Path::new("fuzz.toml"), "fuzz".into())
                    .unwrap();
            let url = Url::parse("https://example.org/ad/1").unwrap();
            let limits = PageLimits::default();
            let page = listing_page(input, None, &url, &profile, &limits, true);
            for l in page
                .links
                .iter()
                .flat_map(|l| l.links.iter().chain(&l.next))
            {
                assert_eq!(l.host_str(), Some("example.org"), "{l}: same origin only");
            }
            // The seller's handle never reaches the record's text.
            let keys = Pseudonymiser::from_key([3u8; 32]);
            let ing = ingest_fields(&page.raw, "fuzz", &keys);
            if let Some(h) = page.raw.seller_handle.as_deref().map(str::trim)
                && h.len() >= 3
                && h.bytes().all(|b| b.is_ascii_alphanumeric())
                && !["[email]", "[phone]", "[handle]", "[seller]"]
                    .iter()
                    .any(|m| m.contains(&h.to_ascii_lowercase()))
            {
                for t in [&ing.title, &ing.description].into_iter().flatten() {
                    assert!(
                        !t.to_ascii_lowercase().contains(&h.to_ascii_lowercase()),
                        "handle {h:?} in {t:?}"
                    );
                }
            }
            // No markup makes the tree deeper than the cap allows.
            let text = wildtrace_extract::decode::decode_html(input, None);
            let doc = parse_document(&text, &limits).doc;
            let d = crate::budget::tree_depth(&doc);
            assert!(d <= 2 * limits.max_depth + 8, "tree depth {d}");
        },
    });
}
