//! robots.txt edge cases: a BOM, redirects (to another host, six in a row),
//! the 500 KiB cap, robots.txt itself under `Disallow: /`, and our product
//! token's group winning over `*`.

use super::*;

// ------------------------------------------------------------ 1. robots.txt

#[tokio::test]
async fn robots_bom_is_ignored() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => robots("\u{FEFF}User-agent: *\nDisallow: /private/\n"),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "the first line after the BOM still applies: {paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
    assert_eq!(out.sites[0].robots_disallowed, 2);
}

#[tokio::test]
async fn robots_redirect_is_followed_and_applied_to_the_original_host() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => redirect(StatusCode::MOVED_PERMANENTLY, "/real-robots.txt"),
        "/real-robots.txt" => robots("User-agent: *\nDisallow: /private/\n"),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert_eq!(
        &paths[..2],
        ["/robots.txt", "/real-robots.txt"],
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
    assert!(
        out.sites[0].robots.starts_with("parsed"),
        "{}",
        out.sites[0].robots
    );
}

#[tokio::test]
async fn robots_with_six_chained_redirects_is_unavailable_so_allow_all() {
    // /robots.txt -> /r1 -> ... -> /r6, and /r6 would forbid everything.
    let srv = serve(|r| {
        if r.path == "/robots.txt" {
            return redirect(StatusCode::FOUND, "/r1");
        }
        if let Some(n) = r
            .path
            .strip_prefix("/r")
            .and_then(|n| n.parse::<u32>().ok())
        {
            return if n < 6 {
                redirect(StatusCode::FOUND, &format!("/r{}", n + 1))
            } else {
                robots("User-agent: *\nDisallow: /\n")
            };
        }
        market_private(r.path, 2)
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert_eq!(
        &paths[..6],
        ["/robots.txt", "/r1", "/r2", "/r3", "/r4", "/r5"],
        "five redirects followed: {paths:?}"
    );
    assert!(
        !paths.contains(&"/r6".to_string()),
        "the sixth is not: {paths:?}"
    );
    // RFC 9309 §2.3.1.2: too many redirects = unavailable = allow all.
    assert!(
        out.sites[0].robots.starts_with("allow all"),
        "{}",
        out.sites[0].robots
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:101", "s:102", "s:2"]));
    assert!(paths.contains(&"/private/1".to_string()), "{paths:?}");
}

#[tokio::test]
async fn robots_over_500_kib_is_parsed_up_to_the_cap() {
    // A rule early, a rule just inside the 500 KiB cap, a rule past it.
    let mut body = String::from("User-agent: *\nDisallow: /private/\n");
    let pad = "# padding padding padding padding padding padding padding padding\n";
    while body.len() < 500 * 1024 - 2048 {
        body.push_str(pad);
    }
    body.push_str("Disallow: /ad/2\n");
    while body.len() < 520 * 1024 {
        body.push_str(pad);
    }
    body.push_str("Disallow: /ad/3\n");
    let body = Arc::new(body);
    let srv = serve(move |r| match r.path {
        "/robots.txt" => robots(&body),
        p => market_private(p, 3),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&"/ad/2".to_string()),
        "a rule inside the cap applies: {paths:?}"
    );
    assert!(
        paths.contains(&"/ad/3".to_string()),
        "a rule past the cap does not: {paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:3"]));
}

#[tokio::test]
async fn robots_larger_than_the_body_cap_is_still_parsed_up_to_500_kib() {
    // 6 MiB, over the default fetch.max_body_bytes (5 MiB): RFC 9309 §2.5
    // asks for the first 500 KiB to be parsed, not for the file to count as
    // unreachable (which would block the whole host).
    let mut body = String::from("User-agent: *\nDisallow: /private/\n");
    let pad = "# padding padding padding padding padding padding padding padding\n";
    while body.len() < 6 << 20 {
        body.push_str(pad);
    }
    let body = Arc::new(body);
    let srv = serve(move |r| match r.path {
        "/robots.txt" => robots(&body),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        out.sites[0].robots.starts_with("parsed"),
        "{}",
        out.sites[0].robots
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
}

#[tokio::test]
async fn robots_txt_itself_is_fetched_even_under_disallow_all() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => (
            [(header::CACHE_CONTROL, "no-cache")],
            "User-agent: *\nDisallow: /\n",
        )
            .into_response(),
        p => market_private(p, 2),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "")]);
    let b = bases(&cfg, &[("s", &srv.url)]);
    let first = crawl(&cfg, &b).await.unwrap();
    let second = crawl(&cfg, &b).await.unwrap();
    assert_eq!(
        srv.paths(),
        ["/robots.txt", "/robots.txt"],
        "each run asks robots.txt again (no-cache) although it says Disallow: /, and nothing else"
    );
    for out in [&first, &second] {
        let log = fetch_log(&out.sites[0]);
        assert_eq!(outcomes(&log, "/robots.txt"), ["fetched"]);
        assert_eq!(outcomes(&log, "/search?q=pangolin"), ["robots_disallowed"]);
    }
}

#[tokio::test]
async fn robots_group_for_our_product_token_wins_over_star() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => robots(
            "User-agent: *\nDisallow: /ad/\n\n\
             User-agent: wildtracebot\nDisallow: /ad/\n\n\
             User-agent: WildTrace\nDisallow: /private/\n",
        ),
        p => market_private(p, 2),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "").await;
    let paths = srv.paths();
    assert!(
        paths.contains(&"/ad/1".to_string()) && paths.contains(&"/ad/2".to_string()),
        "our group (matched case-insensitively, not by prefix) replaces `*`: {paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "{paths:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
}
