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

/// Counts what a run reports to its progress receiver.
#[derive(Default)]
struct Counted {
    events: Mutex<Vec<(String, &'static str, usize)>>,
}

impl wildtrace_crawler::crawl::Progress for Counted {
    fn site_started(&self, site: &str, queued: usize) {
        self.events
            .lock()
            .unwrap()
            .push((site.into(), "start", queued));
    }
    fn task_done(&self, site: &str, left: usize) {
        self.events
            .lock()
            .unwrap()
            .push((site.into(), "done", left));
    }
    fn site_finished(&self, site: &str) {
        self.events.lock().unwrap().push((site.into(), "end", 0));
    }
}

#[tokio::test]
async fn progress_is_reported_once_per_task_and_ends_with_nothing_left() {
    let srv = serve(|r| market(r.path, 3)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "")]);
    let counted = Arc::new(Counted::default());
    let opts = CrawlOptions {
        progress: Some(wildtrace_crawler::crawl::ProgressSink(counted.clone())),
        ..Default::default()
    };
    let out = crawl_with(&cfg, &bases(&cfg, &[("s", &srv.url)]), opts)
        .await
        .unwrap();
    let ev = counted.events.lock().unwrap().clone();
    let kinds: Vec<&str> = ev.iter().map(|e| e.1).collect();
    // One search page and three ads: four tasks after robots.txt.
    assert_eq!(
        kinds,
        ["start", "done", "done", "done", "done", "end"],
        "{ev:?}"
    );
    assert_eq!(ev[0].2, 1, "the search page is queued at the start");
    assert_eq!(ev[1].2, 3, "the search page queued three ads");
    assert_eq!(ev[4].2, 0);
    assert_eq!(out.sites[0].listings, 3);
}
