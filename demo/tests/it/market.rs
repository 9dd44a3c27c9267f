//! The embedded demo marketplace (`wildtrace_demo::market`): real servers on
//! 127.0.0.1, hit with a real HTTP client, checked against the ground truth.

use std::collections::BTreeSet;
use std::str::FromStr;

use regex::Regex;
use rust_decimal::Decimal;
use wildtrace_demo::market::{
    DemoMarket, DemoOptions, GroundTruth, LAST_ROUND, RequestRecord, SiteKind, SiteTruth,
    TruthListing, generate,
};

const UA: &str = "wildtrace-test/0.1 (+https://example.invalid/wildtrace)";
const FROM: &str = "research@example.org";

fn small(seed: u64) -> DemoOptions {
    DemoOptions {
        seed,
        listings_per_site: 30,
        crawl_delay: 0.1,
        browse_site: false,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

struct Resp {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Resp {
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }

    /// Body decoded as windows-1252 (the forum's charset).
    fn text_1252(&self) -> String {
        encoding_rs::WINDOWS_1252.decode(&self.body).0.into_owned()
    }
}

async fn fetch(c: &reqwest::Client, url: &str) -> Resp {
    let r = c
        .get(url)
        .header("From", FROM)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = r.bytes().await.expect("body").to_vec();
    Resp {
        status,
        content_type,
        body,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn site_url(market: &DemoMarket, site: &str, path: &str) -> String {
    market
        .site(site)
        .expect("site")
        .base_url
        .join(path)
        .expect("join")
        .to_string()
}

/// What a search for `term` must list in `round`, computed from the raw fields.
fn expected_hits<'a>(
    gt: &'a GroundTruth,
    site: &str,
    term: &str,
    round: u32,
) -> Vec<&'a TruthListing> {
    let mut v: Vec<&TruthListing> = gt
        .listings
        .iter()
        .filter(|l| {
            l.site == site
                && l.tags.iter().any(|t| t == term)
                && l.appears_round <= round
                && l.removed_from_round.is_none_or(|r| round < r)
        })
        .collect();
    v.sort_by_key(|l| {
        l.site_listing_id
            .trim_start_matches("CS-")
            .parse::<u64>()
            .unwrap()
    });
    v
}

/// Follows a site's search pagination to the end; returns the detail paths
/// in the order listed and the number of pages seen.
async fn crawl_search(
    c: &reqwest::Client,
    market: &DemoMarket,
    site: &SiteTruth,
    term: &str,
) -> (Vec<String>, usize) {
    let (first, link_re, next_re, per) = match site.kind {
        SiteKind::Classifieds => (
            format!("/search?q={term}&page=1"),
            r#"<a class="ad-link" href="([^"]+)""#,
            r#"<a class="next" href="([^"]+)""#,
            10,
        ),
        SiteKind::Shop => (
            format!("/catalog?q={term}"),
            r#"<a class="product-link" href="([^"]+)""#,
            r#"<a rel="next" href="([^"]+)""#,
            12,
        ),
        SiteKind::Forum => (
            format!("/find?term={term}"),
            r#"<a class="thread-link" href="([^"]+)""#,
            r#"rel="next" href="([^"]+)""#,
            20,
        ),
        SiteKind::Catalogue => unreachable!("exotica has no search (see browse.rs)"),
    };
    let link_re = Regex::new(link_re).unwrap();
    let next_re = Regex::new(next_re).unwrap();
    let mut url = site_url(market, &site.name, &first);
    let mut paths = Vec::new();
    let mut pages = 0;
    loop {
        let r = fetch(c, &url).await;
        assert_eq!(r.status, 200, "{url}");
        let html = match site.kind {
            SiteKind::Forum => r.text_1252(),
            _ => r.text(),
        };
        pages += 1;
        let found: Vec<String> = link_re
            .captures_iter(&html)
            .map(|m| unescape(&m[1]))
            .collect();
        assert!(
            found.len() <= per,
            "{url}: {} results on a page",
            found.len()
        );
        if found.is_empty() {
            assert!(
                html.contains("No results"),
                "{url} is empty but does not say so"
            );
        }
        paths.extend(found);
        match next_re.captures(&html) {
            Some(m) => {
                url = market
                    .site(&site.name)
                    .unwrap()
                    .base_url
                    .join(&unescape(&m[1]))
                    .unwrap()
                    .to_string()
            }
            None => break,
        }
        assert!(pages < 100, "pagination does not end");
    }
    (paths, pages)
}

fn years(gt: &GroundTruth, site: &str) -> BTreeSet<i32> {
    use chrono::Datelike;
    gt.site_listings(site)
        .map(|l| l.posted_date.year())
        .collect()
}

#[test]
fn generate_is_deterministic_and_sized() {
    let opts = DemoOptions::default();
    assert_eq!(opts.seed, 2026);
    assert_eq!(opts.listings_per_site, 150);
    assert_eq!(opts.crawl_delay, 0.1);
    let a = generate(&opts);
    let b = generate(&opts);
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(GroundTruth::from_json(&a.to_json()).unwrap(), a);
    let c = generate(&DemoOptions {
        seed: 2027,
        ..opts.clone()
    });
    assert_ne!(a.to_json(), c.to_json());

    let names: Vec<&str> = a.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["bazaar", "curioshop", "reptileforum"]);
    assert_eq!(a.site_listings("bazaar").count(), 150);
    assert_eq!(a.site_listings("curioshop").count(), 150);
    assert_eq!(a.site_listings("reptileforum").count(), 100);
    let s = generate(&small(5));
    assert_eq!(s.site_listings("reptileforum").count(), 20);
    assert_eq!(
        generate(&DemoOptions {
            listings_per_site: 0,
            ..opts
        })
        .listings
        .len(),
        0
    );
}

fn check_invariants(gt: &GroundTruth) {
    let first = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    // The latest posting: a new listing of round 3, posted before that round.
    let last = wildtrace_demo::market::round_date(3);
    let terms: BTreeSet<&str> = gt.search_terms.iter().map(String::as_str).collect();
    assert_eq!(terms.len(), 14);
    for site in &gt.sites {
        let ls: Vec<&TruthListing> = gt.site_listings(&site.name).collect();
        let n = ls.len();
        assert_eq!(
            years(gt, &site.name),
            (2019..=2026).collect(),
            "{}: every year",
            site.name
        );
        let ids: BTreeSet<&str> = ls.iter().map(|l| l.site_listing_id.as_str()).collect();
        let paths: BTreeSet<&str> = ls.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(ids.len(), n, "unique ids");
        assert_eq!(paths.len(), n, "unique paths");
        let mut styles = BTreeSet::new();
        for l in &ls {
            assert!(
                l.posted_date >= first && l.posted_date <= last,
                "{:?}",
                l.posted_date
            );
            assert!(!l.tags.is_empty());
            assert!(
                l.tags.iter().all(|t| terms.contains(t.as_str())),
                "{:?}",
                l.tags
            );
            assert_eq!(l.specimens, l.quantity.unwrap_or(1));
            let under = site
                .disallowed_prefixes
                .iter()
                .any(|p| l.path.starts_with(p));
            assert_eq!(l.disallowed, under, "{}", l.path);
            assert!((1..=3).contains(&l.appears_round));
            if l.appears_round > 1 && l.posted_date > wildtrace_demo::market::round_date(1) {
                // Posted between the round before and the round it appears in.
                assert!(l.posted_date > wildtrace_demo::market::round_date(l.appears_round - 1));
                assert!(l.posted_date <= wildtrace_demo::market::round_date(l.appears_round));
            }
            match (l.removed_from_round, &l.removal) {
                (None, None) => {}
                (Some(r), Some(style)) if (2..=LAST_ROUND).contains(&r) => {
                    assert_eq!(l.appears_round, 1);
                    styles.insert(style.clone());
                    match style.as_str() {
                        "ended_marker" => assert!(site.ended_marker.is_some()),
                        "http_404" | "http_410" => {}
                        other => panic!("unknown removal style {other}"),
                    }
                }
                other => panic!("inconsistent removal {other:?}"),
            }
            assert_eq!(l.price_amount.is_some(), l.currency.is_some());
            if l.price_amount.is_none() {
                assert!(
                    ["POA", "Make an offer", "Price on request"].contains(&l.price_text.as_str())
                );
            }
            assert!(["confirmed", "suspected", "decoy"].contains(&l.confidence.as_str()));
            if l.confidence == "decoy" {
                assert!(l.taxon_group.is_none() && l.taxon.is_none() && l.product_type.is_none());
            } else {
                assert!(l.taxon_group.is_some() && l.product_type.is_some());
            }
            assert_eq!(l.seller_country.len(), 2);
            assert!(
                !l.seller_handle.is_empty()
                    && !l.seller_location.is_empty()
                    && !l.ships_to.is_empty()
            );
            if site.kind == SiteKind::Forum {
                assert!(
                    ["en", "fr", "de", "es", "pt"].contains(&l.language.as_str()),
                    "{}",
                    l.language
                );
                for s in [
                    &l.title,
                    &l.description,
                    &l.price_text,
                    &l.seller_handle,
                    &l.seller_location,
                    &l.ships_to,
                ] {
                    assert!(
                        !encoding_rs::WINDOWS_1252.encode(s).2,
                        "not windows-1252: {s}"
                    );
                }
            }
        }
        if n >= 20 {
            assert_eq!(styles.len(), 2, "{}: both removal styles", site.name);
            assert!(ls.iter().any(|l| l.disallowed));
            assert!(ls.iter().any(|l| l.appears_round == 2));
        }
    }
}

#[test]
fn ground_truth_invariants() {
    for opts in [DemoOptions::default(), small(1), small(2026), small(99)] {
        check_invariants(&generate(&opts));
    }
    // Shares at the default size.
    let gt = generate(&DemoOptions::default());
    let contact = Regex::new(r"@|\+\d").unwrap();
    for site in ["bazaar", "curioshop", "reptileforum"] {
        let ls: Vec<&TruthListing> = gt.site_listings(site).collect();
        let n = ls.len() as f64;
        let share =
            |f: &dyn Fn(&TruthListing) -> bool| ls.iter().filter(|l| f(l)).count() as f64 / n;
        assert!(
            (0.08..=0.12).contains(&share(&|l| l.disallowed)),
            "{site} disallowed"
        );
        assert!(
            (0.13..=0.17).contains(&share(&|l| l.appears_round > 1)),
            "{site} new in round 2 or 3"
        );
        let new_in = |r: u32| ls.iter().filter(|l| l.appears_round == r).count();
        assert!(
            new_in(2).abs_diff(new_in(3)) <= 1,
            "{site}: new in turn, {} vs {}",
            new_in(2),
            new_in(3)
        );
        assert!(
            (0.18..=0.23).contains(&share(&|l| l.removal.is_some())),
            "{site} removed"
        );
        assert!(
            (0.38..=0.42).contains(&share(&|l| l.quantity.is_some())),
            "{site} quantity"
        );
        assert!(
            (0.03..=0.07).contains(&share(&|l| l.price_amount.is_none())),
            "{site} POA"
        );
        assert!(
            (0.18..=0.22).contains(&share(&|l| contact.is_match(&l.description))),
            "{site} contacts"
        );
        let sellers: BTreeSet<&str> = ls.iter().map(|l| l.seller_handle.as_str()).collect();
        assert!(sellers.len() >= 20, "{site}: {} sellers", sellers.len());
    }
    // Every search term finds something, every language and confidence class occurs.
    for term in &gt.search_terms {
        assert!(gt.listings.iter().any(|l| l.tags.contains(term)), "{term}");
    }
    let langs: BTreeSet<&str> = gt.listings.iter().map(|l| l.language.as_str()).collect();
    assert_eq!(
        langs,
        ["de", "en", "es", "fr", "pt", "vi", "zh"]
            .into_iter()
            .collect()
    );
    for class in ["confirmed", "suspected", "decoy"] {
        for site in ["bazaar", "curioshop", "reptileforum"] {
            assert!(
                gt.site_listings(site).any(|l| l.confidence == class),
                "{site} {class}"
            );
        }
    }
    // The canaries are there: e-mails, phone numbers and @handles.
    let all: String = gt
        .listings
        .iter()
        .map(|l| l.description.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        Regex::new(r"[a-z0-9.]+@[a-z.]+example")
            .unwrap()
            .is_match(&all)
    );
    assert!(Regex::new(r"\+\d{1,3} \d").unwrap().is_match(&all));
    assert!(Regex::new(r"(^|\s)@[A-Za-z0-9_.]+").unwrap().is_match(&all));
}

#[test]
fn price_texts_mean_their_amounts() {
    // An independent reading of a few formats: (pattern, currency, thousands separators).
    let formats: &[(&str, &str)] = &[
        (r"^(?<u>[\d.]+),(?<c>\d\d) €$", "EUR"),
        (r"^(?<u>[\d ]+),(?<c>\d\d) €$", "EUR"),
        (r"^€(?<u>[\d,]+)$", "EUR"),
        (r"^\$(?<u>[\d,]+)\.(?<c>\d\d)$", "USD"),
        (r"^US\$ (?<u>[\d,]+)$", "USD"),
        (r"^£(?<u>[\d,]+)(\.(?<c>\d\d))?$", "GBP"),
        (r"^฿(?<u>[\d,]+)$", "THB"),
        (r"^(?<u>[\d.]+) ₫$", "VND"),
        (r"^¥(?<u>[\d,]+)$", "JPY"),
        (r"^(?<u>[\d ]+) 元$", "CNY"),
        (r"^R (?<u>[\d ]+)$", "ZAR"),
        (r"^₹(?<u>[\d,]+)$", "INR"),
        (r"^₦(?<u>[\d,]+)$", "NGN"),
        (r"^CHF (?<u>[\d']+)\.(?<c>\d\d)$", "CHF"),
        (r"^(?<u>[\d ]+) руб\.$", "RUB"),
        (r"^R\$ (?<u>[\d.]+),(?<c>\d\d)$", "BRL"),
        (r"^Rp (?<u>[\d.]+)$", "IDR"),
    ];
    let formats: Vec<(Regex, &str)> = formats
        .iter()
        .map(|(p, c)| (Regex::new(p).unwrap(), *c))
        .collect();
    let gt = generate(&DemoOptions::default());
    let mut seen = BTreeSet::new();
    for l in &gt.listings {
        for (re, cur) in &formats {
            if let Some(m) = re.captures(&l.price_text) {
                let units: String = m["u"].chars().filter(char::is_ascii_digit).collect();
                let cents = m.name("c").map(|c| c.as_str()).unwrap_or("00");
                let want = Decimal::from_str(&format!("{units}.{cents}")).unwrap();
                assert_eq!(l.price_amount, Some(want), "{}", l.price_text);
                assert_eq!(l.currency.as_deref(), Some(*cur), "{}", l.price_text);
                seen.insert(*cur);
            }
        }
    }
    assert!(seen.len() >= 12, "only {seen:?} seen");
    // Indian grouping really is Indian.
    assert!(
        gt.listings
            .iter()
            .filter(|l| l.currency.as_deref() == Some("INR")
                && l.price_amount.unwrap() >= Decimal::from(100_000))
            .all(|l| Regex::new(r"\d,\d\d,\d\d\d")
                .unwrap()
                .is_match(&l.price_text))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_served_exactly() {
    let market = DemoMarket::start(small(3)).await.unwrap();
    let c = client();
    let gt = market.ground_truth();
    for site in &gt.sites {
        let r = fetch(&c, &site_url(&market, &site.name, "/robots.txt")).await;
        assert_eq!(r.status, 200);
        assert!(
            r.content_type.starts_with("text/plain"),
            "{}",
            r.content_type
        );
        assert_eq!(r.text(), site.robots_txt, "{}", site.name);
        assert_eq!(
            site.base_url.as_deref(),
            Some(market.site(&site.name).unwrap().base_url.as_str())
        );
        for p in &site.disallowed_prefixes {
            assert!(site.robots_txt.contains(&format!("Disallow: {p}\n")), "{p}");
        }
    }
    let bazaar = gt.site("bazaar").unwrap();
    assert!(
        bazaar
            .robots_txt
            .contains("User-agent: BadBot\nDisallow: /\n")
    );
    let shop = gt.site("curioshop").unwrap();
    let sitemap = format!(
        "Sitemap: {}sitemap.xml\n",
        market.site("curioshop").unwrap().base_url
    );
    assert!(shop.robots_txt.contains(&sitemap), "{}", shop.robots_txt);
    let forum = gt.site("reptileforum").unwrap();
    assert!(forum.robots_txt.contains("Crawl-delay: 0.1\n"));
    assert_eq!(forum.crawl_delay, Some(0.1));
    // generate() is port-free; the market only fills in the sitemap URL and base URLs.
    let pure = generate(&small(3));
    assert!(
        pure.site("curioshop")
            .unwrap()
            .robots_txt
            .contains("Sitemap: /sitemap.xml\n")
    );
    assert_eq!(pure.site("bazaar").unwrap().robots_txt, bazaar.robots_txt);
    assert_eq!(pure.listings, gt.listings);
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn search_pagination_reaches_exactly_the_visible_listings() {
    let market = DemoMarket::start(DemoOptions::default()).await.unwrap();
    let c = client();
    let gt = market.ground_truth();
    for round in [1, 2] {
        market.set_round(round);
        for site in &gt.sites {
            let mut linked = BTreeSet::new();
            for term in &gt.search_terms {
                let (paths, pages) = crawl_search(&c, &market, site, term).await;
                let want: Vec<String> = expected_hits(&gt, &site.name, term, round)
                    .iter()
                    .map(|l| l.path.clone())
                    .collect();
                assert_eq!(paths, want, "{} {term} round {round}", site.name);
                let per = match site.kind {
                    SiteKind::Classifieds => 10,
                    SiteKind::Shop => 12,
                    SiteKind::Forum => 20,
                    SiteKind::Catalogue => unreachable!("exotica has no search"),
                };
                assert_eq!(
                    pages,
                    want.len().div_ceil(per).max(1),
                    "{} {term}",
                    site.name
                );
                let helper: Vec<String> = gt
                    .search_results(&site.name, &term.to_uppercase(), round)
                    .iter()
                    .map(|l| l.path.clone())
                    .collect();
                assert_eq!(helper, want);
                linked.extend(paths);
            }
            // Disallowed listings are linked from search like any other.
            let disallowed: Vec<&TruthListing> = gt
                .site_listings(&site.name)
                .filter(|l| l.disallowed && gt.visible_in_round(l, round))
                .collect();
            assert!(!disallowed.is_empty());
            for l in disallowed {
                assert!(linked.contains(&l.path), "{} not linked", l.path);
            }
        }
    }
    // Unknown and empty terms: a 200 page saying "No results"; upper case matches.
    for (site, path) in [
        ("bazaar", "/search?q=unicorn"),
        ("bazaar", "/search?q="),
        ("bazaar", "/search?q=ivory&page=999"),
        ("curioshop", "/catalog?q=unicorn&p=1"),
        ("reptileforum", "/find?term=unicorn&start=0"),
    ] {
        let r = fetch(&c, &site_url(&market, site, path)).await;
        assert_eq!(r.status, 200);
        assert!(
            String::from_utf8_lossy(&r.body).contains("No results"),
            "{site} {path}"
        );
    }
    let r = fetch(&c, &site_url(&market, "bazaar", "/search?q=IVORY")).await;
    assert!(r.text().contains("class=\"ad-link\""));
    market.shutdown().await;
}

fn find_product(v: &serde_json::Value) -> Option<&serde_json::Value> {
    if v["@type"] == "Product" {
        return Some(v);
    }
    v["@graph"]
        .as_array()?
        .iter()
        .find(|x| x["@type"] == "Product")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn detail_pages_state_the_ground_truth() {
    let market = DemoMarket::start(DemoOptions {
        browse_site: true,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let c = client();
    let gt = market.ground_truth();
    let jsonld_re =
        Regex::new(r#"(?s)<script type="application/ld\+json">(.*?)</script>"#).unwrap();
    let (mut graphs, mut entities, mut flat) = (0, 0, 0);
    let plain_price = Regex::new(r"^\d+\.\d\d$").unwrap();
    let microdata_price = Regex::new(r#"itemprop="price" content="([^"]+)">([^<]*)<"#).unwrap();
    for l in gt.listings.iter().filter(|l| gt.visible_in_round(l, 1)) {
        let r = fetch(&c, &site_url(&market, &l.site, &l.path)).await;
        assert_eq!(r.status, 200, "{}", l.path);
        let kind = gt.site(&l.site).unwrap().kind;
        let html = if kind == SiteKind::Forum {
            assert_eq!(r.content_type, "text/html; charset=windows-1252");
            r.text_1252()
        } else {
            assert_eq!(r.content_type, "text/html; charset=utf-8");
            r.text()
        };
        assert!(
            html.contains(&format!("<html lang=\"{}\">", l.language)),
            "{}",
            l.path
        );
        assert!(html.contains(&esc(&l.description)), "{}", l.path);
        assert!(
            html.contains(&format!("datetime=\"{}", l.posted_date)),
            "{}",
            l.path
        );
        for img in &l.image_paths {
            assert!(html.contains(&format!("src=\"{img}\"")), "{img}");
        }
        match kind {
            SiteKind::Classifieds => {
                assert!(html.contains(&format!("<h1 class=\"ad-title\">{}</h1>", esc(&l.title))));
                assert!(html.contains(&format!(
                    "<span class=\"ad-price\">{}</span>",
                    esc(&l.price_text)
                )));
                assert!(html.contains(&format!(
                    "<span class=\"seller-name\">{}</span>",
                    esc(&l.seller_handle)
                )));
                assert!(html.contains(&format!(
                    "<li class=\"loc\">{}</li>",
                    esc(&l.seller_location)
                )));
                assert!(html.contains(&format!("Ad ID: {}", l.site_listing_id)));
                assert!(html.contains(&esc(&l.ships_to)));
            }
            SiteKind::Shop => {
                let raw = &jsonld_re.captures(&html).expect("json-ld")[1];
                let v: serde_json::Value = serde_json::from_str(raw).expect("valid JSON-LD");
                if v.get("@graph").is_some() {
                    graphs += 1;
                } else {
                    flat += 1;
                }
                let p = find_product(&v).expect("a Product");
                let name = p["name"].as_str().unwrap();
                if name != l.title || p["description"].as_str().unwrap() != l.description {
                    entities += 1;
                }
                assert_eq!(unescape(name), l.title);
                assert_eq!(unescape(p["description"].as_str().unwrap()), l.description);
                assert_eq!(p["sku"], l.site_listing_id.as_str());
                assert_eq!(
                    unescape(p["offers"]["seller"]["name"].as_str().unwrap()),
                    l.seller_handle
                );
                assert_eq!(p["image"].as_array().unwrap().len(), l.image_paths.len());
                match (l.price_amount, &l.currency) {
                    (Some(a), Some(cur)) => {
                        let price = p["offers"]["price"].as_str().expect("price as a string");
                        assert_eq!(Decimal::from_str(price).unwrap(), a);
                        assert!(plain_price.is_match(price), "{price}");
                        assert_eq!(p["offers"]["priceCurrency"], cur.as_str());
                    }
                    _ => assert!(p["offers"].get("price").is_none()),
                }
                assert!(html.contains(&format!(
                    "<span class=\"price\">{}</span>",
                    esc(&l.price_text)
                )));
            }
            SiteKind::Forum => {
                assert!(html.contains(&format!(
                    "<h1 class=\"thread-title\" itemprop=\"name\">{}</h1>",
                    esc(&l.title)
                )));
                assert!(html.contains(&format!(
                    "<meta itemprop=\"productID\" content=\"{}\">",
                    l.site_listing_id
                )));
                assert!(html.contains("itemtype=\"https://schema.org/Product\""));
                if let (Some(a), Some(cur)) = (l.price_amount, &l.currency) {
                    let m = microdata_price.captures(&html).expect("price microdata");
                    assert_eq!(Decimal::from_str(&m[1]).unwrap(), a);
                    assert_eq!(unescape(&m[2]), l.price_text);
                    assert!(html.contains(&format!(
                        "<meta itemprop=\"priceCurrency\" content=\"{cur}\">"
                    )));
                } else {
                    assert!(!html.contains("itemprop=\"price\""));
                }
            }
            SiteKind::Catalogue => {
                for (class, value) in [
                    ("h1 class=\"item-title\"", &l.title),
                    ("span class=\"item-price\"", &l.price_text),
                    ("dd class=\"seller-name\"", &l.seller_handle),
                    ("dd class=\"seller-location\"", &l.seller_location),
                    ("dd class=\"ships-to\"", &l.ships_to),
                ] {
                    assert!(
                        html.contains(&format!("<{class}>{}<", esc(value))),
                        "{} {class}",
                        l.path
                    );
                }
                assert!(html.contains(&format!("Item no. {}<", l.site_listing_id)));
            }
        }
    }
    assert!(graphs >= 1 && flat >= 1, "graphs {graphs}, flat {flat}");
    assert!(entities >= 1, "no JSON-LD with HTML entities");
    // Images are served; other unknown paths are 404 on every site.
    let img = gt
        .listings
        .iter()
        .find(|l| l.appears_round == 1 && !l.image_paths.is_empty())
        .unwrap();
    let r = fetch(&c, &site_url(&market, &img.site, &img.image_paths[0])).await;
    assert_eq!((r.status, r.content_type.as_str()), (200, "image/gif"));
    for site in &gt.sites {
        for path in ["/nope", "/ad/1-x", "/products/x-1", "/threads/1", "/admin"] {
            let r = fetch(&c, &site_url(&market, &site.name, path)).await;
            assert_eq!(r.status, 404, "{} {path}", site.name);
        }
        let r = c
            .post(site_url(&market, &site.name, "/robots.txt"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 405);
    }
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removals_follow_the_rounds() {
    let market = DemoMarket::start(small(11)).await.unwrap();
    let c = client();
    let gt = market.ground_truth();
    assert_eq!(market.round(), 1);
    for l in &gt.listings {
        let r = fetch(&c, &site_url(&market, &l.site, &l.path)).await;
        let want = if l.appears_round == 1 { 200 } else { 404 };
        assert_eq!(r.status, want, "round 1 {}", l.path);
    }
    // Each round of the calendar, and one beyond the last (which looks like it).
    let mut styles = BTreeSet::new();
    for round in 2..=LAST_ROUND + 1 {
        market.set_round(round);
        assert_eq!(market.round(), round);
        for l in &gt.listings {
            let site = gt.site(&l.site).unwrap();
            let r = fetch(&c, &site_url(&market, &l.site, &l.path)).await;
            let body = if site.kind == SiteKind::Forum {
                r.text_1252()
            } else {
                r.text()
            };
            if l.appears_round > round {
                assert_eq!(r.status, 404, "round {round}: {} is not up yet", l.path);
                continue;
            }
            let removed = l.removed_from_round.is_some_and(|from| round >= from);
            assert_eq!(removed, gt.removed_in_round(l, round), "{}", l.path);
            match l.removal.as_deref().filter(|_| removed) {
                None => {
                    assert_eq!(r.status, 200, "round {round} {}", l.path);
                    if let Some(marker) = &site.ended_marker {
                        assert!(!body.contains(marker.as_str()));
                    }
                }
                Some("http_404") => assert_eq!(r.status, 404, "{}", l.path),
                Some("http_410") => assert_eq!(r.status, 410, "{}", l.path),
                Some("ended_marker") => {
                    assert_eq!(r.status, 200, "{}", l.path);
                    let marker = site.ended_marker.as_deref().unwrap();
                    assert!(body.contains(marker), "{} lacks {marker}", l.path);
                    assert!(
                        !body.contains("itemprop=\"price\"")
                            && !body.contains("class=\"ad-price\"")
                    );
                }
                Some(other) => panic!("{other}"),
            }
            if removed {
                styles.insert((l.site.clone(), l.removal.clone().unwrap()));
            }
        }
    }
    let styles: BTreeSet<(&str, &str)> = styles
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let want: BTreeSet<(&str, &str)> = [
        ("bazaar", "ended_marker"),
        ("bazaar", "http_404"),
        ("curioshop", "http_404"),
        ("curioshop", "http_410"),
        ("reptileforum", "ended_marker"),
        ("reptileforum", "http_404"),
    ]
    .into_iter()
    .collect();
    assert_eq!(styles, want);
    // Back to round 1 restores everything.
    let removed = gt
        .listings
        .iter()
        .find(|l| l.removal.as_deref() == Some("http_404"))
        .unwrap();
    assert_eq!(
        fetch(&c, &site_url(&market, &removed.site, &removed.path))
            .await
            .status,
        404
    );
    market.set_round(1);
    assert_eq!(
        fetch(&c, &site_url(&market, &removed.site, &removed.path))
            .await
            .status,
        200
    );
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_lists_visible_public_products() {
    let market = DemoMarket::start(small(4)).await.unwrap();
    let c = client();
    let gt = market.ground_truth();
    let loc = Regex::new(r"<loc>([^<]+)</loc>").unwrap();
    for round in [1, 2] {
        market.set_round(round);
        let r = fetch(&c, &site_url(&market, "curioshop", "/sitemap.xml")).await;
        assert_eq!(r.status, 200);
        assert!(r.content_type.starts_with("application/xml"));
        let xml = r.text();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
        let got: Vec<String> = loc.captures_iter(&xml).map(|m| m[1].to_string()).collect();
        let want: Vec<String> = gt
            .site_listings("curioshop")
            .filter(|l| !l.disallowed && gt.visible_in_round(l, round))
            .map(|l| site_url(&market, "curioshop", &l.path))
            .collect();
        assert_eq!(got, want, "round {round}");
    }
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_is_served_as_windows_1252() {
    // 160 forum threads: enough for a search with two pages.
    let market = DemoMarket::start(DemoOptions {
        listings_per_site: 240,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let c = client();
    let gt = market.ground_truth();
    let l = gt
        .site_listings("reptileforum")
        .find(|l| l.title.contains('é') && gt.visible_in_round(l, 1))
        .expect("a forum title with é visible in round 1");
    let r = fetch(&c, &site_url(&market, "reptileforum", &l.path)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "text/html; charset=windows-1252");
    assert!(r.body.contains(&0xE9), "é must arrive as byte 0xE9");
    assert!(!r.body.windows(2).any(|w| w == [0xC3, 0xA9]), "no UTF-8 é");
    assert!(
        String::from_utf8(r.body.clone()).is_err(),
        "the page is not UTF-8"
    );
    let title_html = esc(&l.title);
    let (title_bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(&title_html);
    assert!(!bad);
    assert!(
        r.body
            .windows(title_bytes.len())
            .any(|w| w == &*title_bytes)
    );
    assert!(
        r.text_1252()
            .contains(&format!("itemprop=\"name\">{}<", esc(&l.title)))
    );
    assert!(r.text_1252().contains(
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"
    ));
    // Search pages too ("Next »" is 0xBB).
    let term = gt
        .search_terms
        .iter()
        .find(|t| gt.search_results("reptileforum", t, 1).len() > 20)
        .expect("a term with two pages");
    let r = fetch(
        &c,
        &site_url(&market, "reptileforum", &format!("/find?term={term}")),
    )
    .await;
    assert_eq!(r.content_type, "text/html; charset=windows-1252");
    assert!(r.body.windows(6).any(|w| w == b"Next \xBB"));
    // Every visible forum page decodes without replacement characters and
    // needed no numeric character references for unmappable characters.
    let ncr = Regex::new(r"&#[0-9]{3,};").unwrap();
    for l in gt
        .site_listings("reptileforum")
        .filter(|l| gt.visible_in_round(l, 1))
        .take(30)
    {
        let r = fetch(&c, &site_url(&market, "reptileforum", &l.path)).await;
        let text = r.text_1252();
        assert!(
            !text.contains('\u{FFFD}') && !ncr.is_match(&text),
            "{}",
            l.path
        );
    }
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_log_records_every_request() {
    let market = DemoMarket::start(small(5)).await.unwrap();
    let c = client();
    assert!(market.requests().is_empty());
    fetch(&c, &site_url(&market, "bazaar", "/robots.txt")).await;
    fetch(&c, &site_url(&market, "bazaar", "/search?q=ivory&page=1")).await;
    fetch(&c, &site_url(&market, "curioshop", "/catalog?q=horn&p=2")).await;
    fetch(&c, &site_url(&market, "reptileforum", "/nothing-here")).await;
    c.get(site_url(&market, "reptileforum", "/robots.txt"))
        .header("User-Agent", "OtherBot/2.0")
        .send()
        .await
        .unwrap();
    // The admin listener is not a site: not logged.
    fetch(
        &c,
        market.admin_url().join("requests.json").unwrap().as_str(),
    )
    .await;
    let log = market.requests();
    let got: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|r| (r.site.as_str(), r.method.as_str(), r.target.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("bazaar", "GET", "/robots.txt"),
            ("bazaar", "GET", "/search?q=ivory&page=1"),
            ("curioshop", "GET", "/catalog?q=horn&p=2"),
            ("reptileforum", "GET", "/nothing-here"),
            ("reptileforum", "GET", "/robots.txt"),
        ]
    );
    for r in &log[..4] {
        assert_eq!(r.user_agent.as_deref(), Some(UA));
        assert_eq!(r.from.as_deref(), Some(FROM));
    }
    assert_eq!(log[4].user_agent.as_deref(), Some("OtherBot/2.0"));
    assert_eq!(log[4].from, None);
    assert!(log.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    assert!(log[0].at_ms >= 0.0);
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_endpoint_works() {
    let market = DemoMarket::start(small(6)).await.unwrap();
    let c = client();
    let admin = market.admin_url();
    assert_ne!(admin.port(), market.site("bazaar").unwrap().base_url.port());
    let r = fetch(&c, admin.join("ground-truth.json").unwrap().as_str()).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(r.text(), market.ground_truth().to_json());
    assert_eq!(
        GroundTruth::from_json(&r.text()).unwrap(),
        market.ground_truth()
    );

    fetch(&c, &site_url(&market, "bazaar", "/")).await;
    let r = c.post(admin.join("round/2").unwrap()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(v["round"], 2);
    assert_eq!(market.round(), 2);
    let r = fetch(&c, admin.join("round").unwrap().as_str()).await;
    assert_eq!(r.text(), "{\"round\":2}");
    let r = c.post(admin.join("round/0").unwrap()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c
        .post(admin.join("round/abc").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(market.round(), 2);

    let r = fetch(&c, admin.join("requests.json").unwrap().as_str()).await;
    let log: Vec<RequestRecord> = serde_json::from_slice(&r.body).unwrap();
    // serde_json parses floats to within one ULP, so compare times loosely.
    let direct = market.requests();
    assert_eq!(log.len(), direct.len());
    for (a, b) in log.iter().zip(&direct) {
        assert!((a.at_ms - b.at_ms).abs() < 1e-6, "{a:?} vs {b:?}");
        assert_eq!(
            RequestRecord {
                at_ms: 0.0,
                ..a.clone()
            },
            RequestRecord {
                at_ms: 0.0,
                ..b.clone()
            }
        );
    }
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].target, "/");
    assert_eq!(
        fetch(&c, admin.join("nope").unwrap().as_str()).await.status,
        404
    );
    market.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_deterministic() {
    let a = DemoMarket::start(small(8)).await.unwrap();
    let b = DemoMarket::start(small(8)).await.unwrap();
    let c = client();
    assert_eq!(a.ground_truth().listings, b.ground_truth().listings);
    let mut paths: Vec<(String, String)> = vec![
        ("bazaar".into(), "/search?q=ivory".into()),
        ("curioshop".into(), "/catalog?q=ivory&p=1".into()),
        ("curioshop".into(), "/sitemap.xml".into()),
        ("reptileforum".into(), "/find?term=python".into()),
        ("reptileforum".into(), "/".into()),
    ];
    for l in a.ground_truth().listings.iter().step_by(3) {
        paths.push((l.site.clone(), l.path.clone()));
    }
    for (site, path) in &paths {
        let ra = fetch(&c, &site_url(&a, site, path)).await;
        let rb = fetch(&c, &site_url(&b, site, path)).await;
        assert_eq!(ra.status, rb.status);
        let norm = |m: &DemoMarket, body: &[u8]| {
            let base = m.site(site).unwrap().base_url.to_string();
            let text = encoding_rs::WINDOWS_1252.decode(body).0.into_owned();
            text.replace(&base, "BASE/")
        };
        assert_eq!(norm(&a, &ra.body), norm(&b, &rb.body), "{site} {path}");
    }
    a.shutdown().await;
    b.shutdown().await;
}
