//! Back-off and fairness: 503 without Retry-After retried with growing
//! gaps, Retry-After as an HTTP date and capped, and a host that backs off
//! never starving the others (with one request in flight or several).

use super::*;

// ------------------------------------------------------------ 2. back-off

#[tokio::test]
async fn a_503_without_retry_after_is_retried_with_growing_gaps() {
    let srv = serve(|r| match r.path {
        "/ad/1" if r.seen < 3 => (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response(),
        p => market(p, 1),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("politeness", "max_retries = 3")], "").await;
    let t = srv.times(|p| p == "/ad/1");
    assert_eq!(t.len(), 4, "three 503s, then the page");
    let g = gaps(&t);
    assert!(g[0] >= Duration::from_millis(450), "first back-off {g:?}");
    assert!(g[1] > g[0] && g[2] > g[1], "gaps grow: {g:?}");
    assert_eq!(ids(&out.sites[0]), set(&["s:1"]));
    let log = fetch_log(&out.sites[0]);
    assert_eq!(
        outcomes(&log, "/ad/1"),
        ["retry_later", "retry_later", "retry_later", "fetched"]
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let srv = serve(|r| match r.path {
        "/ad/1" if r.seen == 0 => {
            let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, when)],
                "maintenance",
            )
                .into_response()
        }
        p => market(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let first = srv.times(|p| p == "/ad/1")[0];
    // The date has whole seconds: 3 s ahead, truncated, is at least 2 s ahead.
    let later: Vec<Hit> = srv.hits().into_iter().filter(|h| h.at > first).collect();
    assert!(!later.is_empty());
    for h in &later {
        assert!(
            h.at - first >= Duration::from_millis(1900),
            "{} came {:?} after the 503 (the whole host waits)",
            h.path,
            h.at - first
        );
    }
    assert_eq!(srv.count("/ad/1"), 2);
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
    let log = fetch_log(&out.sites[0]);
    let ra = log.iter().find(|l| l.outcome == "retry_later").unwrap();
    assert!(
        matches!(ra.retry_after_s, Some(1..=3)),
        "Retry-After recorded: {ra:?}"
    );
}

#[tokio::test]
async fn a_huge_retry_after_is_capped_by_max_retry_after_s() {
    let srv = serve(|r| match r.path {
        "/ad/1" if r.seen == 0 => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "3600")],
            "slow down",
        )
            .into_response(),
        p => market(p, 1),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("politeness", "max_retry_after_s = 1")], "").await;
    let g = gaps(&srv.times(|p| p == "/ad/1"));
    assert_eq!(g.len(), 1, "retried once");
    assert!(
        g[0] >= Duration::from_millis(950) && g[0] < Duration::from_secs(3),
        "an hour capped to 1 s: {g:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1"]));
}

// ------------------------------------------------------------ 3. fairness

async fn fairness(max_in_flight: usize) {
    // Host a throttles every listing; host b is healthy.
    let a = serve(|r| {
        if ad_id(r.path).is_some() {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "2")],
                "slow down",
            )
                .into_response();
        }
        market(r.path, 2)
    })
    .await;
    let b = serve(|r| match r.path {
        "/robots.txt" => robots("User-agent: *\nDisallow: /private/\n"),
        p => market(p, 4),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[(
            "politeness",
            &format!("max_retries = 1\nmax_in_flight = {max_in_flight}"),
        )],
        &[("a", "robots_sitemaps = false"), ("b", "")],
    );
    let out = crawl(&cfg, &bases(&cfg, &[("a", &a.url), ("b", &b.url)]))
        .await
        .unwrap();
    let a_ads = a.times(|p| ad_id(p).is_some());
    let b_ads = b.times(|p| ad_id(p).is_some());
    assert_eq!(a_ads.len(), 4, "2 listings x (1 try + 1 retry) on a");
    assert_eq!(b_ads.len(), 4, "every listing of b");
    let a_first = a_ads[0];
    let a_last = *a_ads.last().unwrap();
    let b_last = *b_ads.last().unwrap();
    assert!(
        b_last < a_first + Duration::from_millis(1500),
        "b finished {:?} after a's first 429: it did not wait for a's back-off",
        b_last.saturating_duration_since(a_first)
    );
    assert!(
        a_last > b_last + Duration::from_secs(3),
        "a was still backing off long after b was done"
    );
    for w in a_ads.windows(2) {
        assert!(
            w[1] - w[0] >= Duration::from_millis(1950),
            "a honours Retry-After"
        );
    }
    let sb = out.sites.iter().find(|s| s.source == "b").unwrap();
    assert_eq!(ids(sb).len(), 4);
    let sa = out.sites.iter().find(|s| s.source == "a").unwrap();
    assert_eq!(
        sa.failed, 2,
        "both of a's listings given up after the retry"
    );
}

#[tokio::test]
async fn a_backing_off_host_never_starves_the_others() {
    fairness(8).await;
}

#[tokio::test]
async fn one_request_in_flight_still_lets_both_hosts_progress() {
    fairness(1).await;
}
