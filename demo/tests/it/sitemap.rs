//! The demo shop's sitemap, fetched over HTTP, against the ground truth.

use wildtrace_demo::market::{DemoMarket, DemoOptions};
use wildtrace_extract::sitemap::{SitemapLimits, parse_sitemap};

/// The demo shop's sitemap.xml, fetched over HTTP, lists exactly its public,
/// visible listings with their posting dates.
#[tokio::test]
async fn demo_shop_sitemap_matches_ground_truth() {
    let market = DemoMarket::start(DemoOptions {
        seed: 11,
        listings_per_site: 20,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let shop = market.site("curioshop").unwrap().clone();
    let url = shop.base_url.join("/sitemap.xml").unwrap();
    let body = reqwest::get(url.clone())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let m = parse_sitemap(&body, &url, &SitemapLimits::default()).unwrap();
    let truth = market.ground_truth();
    let want: Vec<(String, String)> = truth
        .site_listings("curioshop")
        .filter(|l| !l.disallowed && truth.visible_in_round(l, 1))
        .map(|l| {
            (
                shop.base_url.join(&l.path).unwrap().to_string(),
                l.posted_date.to_string(),
            )
        })
        .collect();
    let got: Vec<(String, String)> = m
        .urls
        .iter()
        .map(|u| (u.loc.to_string(), u.lastmod.clone().unwrap_or_default()))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    market.shutdown().await;
}
