//! The end-of-run summary warns what a person running the job must fix: a
//! listing pattern that matched no link (naming the profile key), a site
//! that yielded no listings, and listings missing a price, a posted date or
//! a seller location (counted).

use super::*;

#[tokio::test]
async fn a_listing_pattern_that_matches_no_link_is_named_in_the_summary() {
    // Search results link `/item/<n>`; the profile's pattern wants `/ad/<n>`.
    let srv = serve(|r| match r.path {
        p if p.starts_with("/search") => search_html(&["/item/1".into(), "/item/2".into()]),
        p => market(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let site = &out.sites[0];
    assert_eq!((site.listings, site.active), (0, 0));
    assert!(
        srv.count("/item/1") == 0,
        "a non-listing link is not fetched"
    );
    let w = site.warnings.join("\n");
    assert!(
        w.contains("matched the listing pattern `^/(ad|private)/\\d+` of profile `p`")
            && w.contains("`[links] listing_path`"),
        "{w}"
    );
    assert!(
        w.contains("yielded no listings: 2 request(s) were sent"),
        "{w}"
    );
}

#[tokio::test]
async fn listings_without_a_date_or_a_location_are_counted_and_a_good_site_gets_no_pattern_warning()
{
    let srv = serve(|r| match r.path {
        // The third ad shows no price.
        "/ad/3" => html("<h1>Pangolin scales</h1><span class=ad-id>3</span>".into()),
        p => market(p, 3),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let site = &out.sites[0];
    assert_eq!(site.listings, 3);
    assert_eq!(
        (
            site.missing.price,
            site.missing.posted_date,
            site.missing.seller_location
        ),
        (1, 3, 3)
    );
    let w = site.warnings.join("\n");
    assert!(
        !w.contains("listing_path") && !w.contains("yielded no"),
        "{w}"
    );
    assert!(w.contains("1 of 3 listing(s) have no price"), "{w}");
    assert!(
        w.contains("3 of 3 listing(s) have no posted date (dated by first sighting"),
        "{w}"
    );
    assert!(
        w.contains("3 of 3 listing(s) have no seller location"),
        "{w}"
    );
}
