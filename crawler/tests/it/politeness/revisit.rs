//! Conditional revisits (a 304 keeps the listing active) and an in-process
//! stop: a stopped run refuses a new one and resumes to one row per listing;
//! a stop during the wait before robots.txt sends nothing, and the resume
//! still keeps the Crawl-delay from the previous run's last request.

use super::*;

// ------------------------------------------------------------ 9. conditional GET

#[tokio::test]
async fn a_revisit_is_conditional_and_a_304_keeps_the_listing_active() {
    const ETAG: &str = "\"v1-ad-1\"";
    const LM: &str = "Wed, 21 Oct 2026 07:28:00 GMT";
    let round = Arc::new(AtomicU32::new(1));
    let r2 = round.clone();
    let srv = serve(move |r| {
        let second = r2.load(Ordering::SeqCst) >= 2;
        match r.path {
            // Round 2: search no longer lists it, so only the revisit asks.
            p if p.starts_with("/search") && second => search_html(&[]),
            "/ad/1" => ad_with_validators(r, 1, ETAG, Some(LM)),
            p => market(p, 1),
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "")]);
    let b = bases(&cfg, &[("s", &srv.url)]);
    let first = crawl(&cfg, &b).await.unwrap();
    round.store(2, Ordering::SeqCst);
    let second = crawl(&cfg, &b).await.unwrap();

    let ad1 = srv.hits_at("/ad/1");
    assert_eq!(ad1.len(), 2);
    let hv = |h: &Hit, n| h.headers.get(n).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(hv(&ad1[0], header::IF_NONE_MATCH), None);
    assert_eq!(hv(&ad1[1], header::IF_NONE_MATCH).as_deref(), Some(ETAG));
    assert_eq!(hv(&ad1[1], header::IF_MODIFIED_SINCE).as_deref(), Some(LM));

    let before = listing_rows(&first.sites[0]);
    let after = listing_rows(&second.sites[0]);
    assert_eq!((before.len(), after.len()), (1, 1));
    let (b1, a1) = (&before[0], &after[0]);
    assert_eq!(a1.run_id, second.run_id);
    assert_eq!(a1.status, "active");
    assert_eq!(a1.http_status, 304);
    assert_eq!(
        (&a1.listing_id, &a1.title, &a1.price_text),
        (&b1.listing_id, &b1.title, &b1.price_text)
    );
    assert!(a1.title.as_deref().is_some_and(|t| t.contains("Pangolin")));
}

// ------------------------------------------------------------ 10. stop and resume

#[tokio::test]
async fn a_stopped_run_refuses_a_new_one_and_resumes_to_one_row_per_listing() {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let tx = Arc::new(tx);
    let ads = Arc::new(AtomicU32::new(0));
    let (t2, a2) = (tx.clone(), ads.clone());
    let srv = serve(move |r| {
        if ad_id(r.path).is_some() && a2.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
            // Ask the crawler to stop while it waits for this response.
            let _ = t2.send(true);
        }
        market(r.path, 6)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[("politeness", "min_delay_ms = 30")],
        &[("s", "")],
    );
    let b = bases(&cfg, &[("s", &srv.url)]);
    let stopped = run_until_stopped(&cfg, &b, rx).await;
    let run_id = match stopped {
        Err(CrawlError::Stopped { run_id }) => run_id,
        other => panic!("expected Stopped, got {other:?}"),
    };
    assert!(ads.load(Ordering::SeqCst) < 6, "it stopped early");
    match crawl(&cfg, &b).await {
        Err(CrawlError::Interrupted { run_id: r }) => assert_eq!(r, run_id),
        other => panic!("expected Interrupted, got {other:?}"),
    }
    let done = resume_run(&cfg, &b).await.unwrap();
    assert_eq!(done.run_id, run_id);
    assert!(done.resumed);
    let rows = listing_rows(&done.sites[0]);
    let mut got: Vec<String> = rows.iter().map(|r| r.listing_id.clone()).collect();
    got.sort();
    assert_eq!(
        got,
        ["s:1", "s:2", "s:3", "s:4", "s:5", "s:6"],
        "each listing exactly once"
    );
    assert!(rows.iter().all(|r| r.run_id == run_id));
    for i in 1..=6 {
        assert_eq!(
            srv.count(&format!("/ad/{i}")),
            1,
            "/ad/{i} requested once across stop and resume"
        );
    }
}

#[tokio::test]
async fn a_stop_while_waiting_to_ask_for_robots_txt_sends_nothing_and_the_resume_keeps_the_delay() {
    let srv = serve(|r| {
        if r.path == "/robots.txt" {
            // Refetched every run, so each run opens by waiting for its turn to ask.
            return (
                [
                    (header::CONTENT_TYPE, "text/plain"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                "User-agent: *\nCrawl-delay: 2\n",
            )
                .into_response();
        }
        market(r.path, 1)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "")]);
    let b = bases(&cfg, &[("s", &srv.url)]);
    crawl(&cfg, &b).await.unwrap();
    let first_run = srv.hits().len();
    assert_eq!(srv.count("/robots.txt"), 1);

    // The next run must wait ~2 s (Crawl-delay carried over) before robots.txt;
    // it is asked to stop during that wait.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = tx.send(true);
        tx
    });
    let stopped = run_until_stopped(&cfg, &b, rx).await;
    assert!(
        matches!(stopped, Err(CrawlError::Stopped { .. })),
        "expected Stopped, got {stopped:?}"
    );
    let _tx = stopper.await.unwrap();
    assert_eq!(
        srv.hits().len(),
        first_run,
        "nothing is sent while a stopped run waits for its turn"
    );

    let done = resume_run(&cfg, &b).await.unwrap();
    assert!(done.resumed);
    let hits = srv.hits();
    assert_eq!(
        srv.count("/robots.txt"),
        2,
        "the resume asks for robots.txt"
    );
    let gap = hits[first_run].at - hits[first_run - 1].at;
    assert!(
        gap >= Duration::from_millis(1990),
        "the resumed run's first request came {gap:?} after the last one"
    );
}

// ------------------------------------------------------------ 11. the record clock

/// The `observed_at` (or `requested_at`) column of a lake file, in µs.
fn stamps(file: &std::path::Path, col: &str) -> Vec<i64> {
    use arrow_array::TimestampMicrosecondArray;
    batches(file)
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(col)
                .unwrap()
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
                .unwrap();
            (0..a.len()).map(|i| a.value(i)).collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn a_simulated_calendar_stamps_the_lake_and_spaces_revisits_but_never_paces() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use wildtrace_crawler::crawl::RecordClock;
    let round = Arc::new(AtomicU32::new(1));
    let r2 = round.clone();
    let srv = serve(move |r| match r.path {
        // From round 2 on search lists nothing: only revisits ask for the ads.
        p if p.starts_with("/search") && r2.load(Ordering::SeqCst) >= 2 => search_html(&[]),
        p => market(p, 2),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[
            ("politeness", "min_delay_ms = 150"),
            ("revisit", "min_interval_h = 24.0"),
        ],
        &[("s", "")],
    );
    let b = bases(&cfg, &[("s", &srv.url)]);
    let day0 = Utc.with_ymd_and_hms(2031, 3, 1, 9, 0, 0).unwrap();
    let run = |start| {
        let opts = CrawlOptions {
            clock: RecordClock::Simulated { start },
            ..Default::default()
        };
        crawl_with(&cfg, &b, opts)
    };

    let first = run(day0).await.unwrap();
    assert_eq!(first.crawl_date, day0.date_naive());
    assert!(
        first.run_id.starts_with("20310301T0900"),
        "{}",
        first.run_id
    );
    let site = &first.sites[0];
    let file = site.listings_file.as_deref().unwrap();
    assert!(file.to_string_lossy().contains("crawl_date=2031-03-01"));
    let within_a_minute = |us: &[i64]| {
        us.iter().all(|&t| {
            let d = t - day0.timestamp_micros();
            (0..60_000_000).contains(&d)
        })
    };
    assert!(within_a_minute(&stamps(file, "observed_at")));
    assert!(within_a_minute(&stamps(
        site.fetch_log_file.as_deref().unwrap(),
        "requested_at"
    )));

    // An hour later in the calendar: within the revisit interval, no revisit.
    round.store(2, Ordering::SeqCst);
    run(day0 + TimeDelta::hours(1)).await.unwrap();
    assert_eq!(srv.count("/ad/1"), 1, "no revisit within min_interval_h");
    // Two days later: both ads are revisited (seconds later on the wall clock).
    let third = run(day0 + TimeDelta::days(2)).await.unwrap();
    assert_eq!((srv.count("/ad/1"), srv.count("/ad/2")), (2, 2));
    assert_eq!(ids(&third.sites[0]), set(&["s:1", "s:2"]));

    // Pacing and the robots.txt cache kept to the real clock: robots.txt
    // asked once (its copy is minutes old, not days), and no two requests
    // closer than the floor, across the three runs.
    assert_eq!(srv.count("/robots.txt"), 1);
    let times = srv.times(|_| true);
    for g in gaps(&times) {
        assert!(g >= Duration::from_millis(145), "gap {g:?}");
    }
}
