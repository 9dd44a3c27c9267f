//! Scope and traps: private addresses refused without a request (and the
//! loopback switch opening this machine only, refusals naming the key), link
//! chains deeper than `max_depth`, repeated path segments, query variants
//! and tracking parameters.

use super::*;

// ------------------------------------------------------------ 8. scope

#[tokio::test]
async fn private_addresses_are_refused_without_a_request() {
    let srv = serve(|r| market(r.path, 2)).await;
    let port = srv.url.port().unwrap();
    let mut targets = vec![
        srv.url.clone(),
        Url::parse(&format!("http://localhost:{port}/")).unwrap(),
    ];
    // A name other than "localhost" that resolves to a private address (here
    // via /etc/hosts) exercises the DNS filter of the fetcher itself.
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let dns_name = hosts.lines().find_map(|l| {
        let mut f = l.split('#').next()?.split_whitespace();
        let ip: std::net::IpAddr = f.next()?.parse().ok()?;
        let private = wildtrace_extract::urlnorm::is_private_ip(ip) && ip.is_ipv4();
        f.find(|n| private && !n.contains("localhost") && n.parse::<std::net::IpAddr>().is_err())
            .map(String::from)
    });
    match &dns_name {
        Some(n) => targets.push(Url::parse(&format!("http://{n}:{port}/")).unwrap()),
        None => eprintln!("no private host name in /etc/hosts; DNS filter case skipped"),
    }
    for target in targets {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(
            dir.path(),
            &[("scope", "allow_private_addresses = false")],
            &[("s", "")],
        );
        let out = crawl(&cfg, &bases(&cfg, &[("s", &target)])).await.unwrap();
        assert!(srv.hits().is_empty(), "{target}: {:?}", srv.paths());
        // A literal private host is refused by the scope check before any
        // attempt; a name is refused by the fetcher's resolver (a failed attempt).
        let literal = dns_name
            .as_deref()
            .is_none_or(|n| target.host_str() != Some(n));
        let log = fetch_log(&out.sites[0]);
        let seen = outcomes(&log, "/robots.txt");
        if literal {
            assert_eq!(seen, vec!["out_of_scope"], "{target}");
        } else {
            // A failed attempt counts as unreachable, so robots.txt is asked
            // again after back-offs; each attempt is refused by the resolver.
            assert!(
                !seen.is_empty() && seen.iter().all(|o| *o == "network_error"),
                "{target}: {seen:?}"
            );
        }
        assert!(
            out.sites[0].robots.starts_with("disallow all"),
            "{target}: {}",
            out.sites[0].robots
        );
        assert!(ids(&out.sites[0]).is_empty());
    }
}

#[tokio::test]
async fn the_loopback_switch_opens_this_machine_only_and_refusals_name_the_key() {
    let srv = serve(|r| market(r.path, 2)).await;
    let port = srv.url.port().unwrap();

    // Neither switch: the loopback site is refused, and the policy says which key allows it.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &[("scope", "allow_private_addresses = false")],
        &[("s", "")],
    );
    let out = crawl(&cfg, &bases(&cfg, &[("s", &srv.url)])).await.unwrap();
    assert!(srv.hits().is_empty(), "{:?}", srv.paths());
    assert!(
        out.sites[0].robots.contains("scope.allow_loopback"),
        "{}",
        out.sites[0].robots
    );

    let loopback_only = |dir: &std::path::Path| {
        let scope = "allow_private_addresses = false\nallow_loopback = true";
        config(dir, &[("scope", scope)], &[("s", "")])
    };
    // Only the loopback switch: 127.0.0.1 and localhost are crawled ...
    for target in [
        srv.url.clone(),
        Url::parse(&format!("http://localhost:{port}/")).unwrap(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = loopback_only(dir.path());
        let out = crawl(&cfg, &bases(&cfg, &[("s", &target)])).await.unwrap();
        assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]), "{target}");
    }

    // ... but not the private ranges: a site linking to 10.0.0.1 gets no request there.
    let dir = tempfile::tempdir().unwrap();
    let cfg = loopback_only(dir.path());
    let private = Url::parse("http://10.0.0.1/").unwrap();
    let out = crawl(&cfg, &bases(&cfg, &[("s", &private)])).await.unwrap();
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/robots.txt"), vec!["out_of_scope"]);
    assert!(
        out.sites[0]
            .robots
            .contains("scope.allow_private_addresses"),
        "{}",
        out.sites[0].robots
    );
}

#[tokio::test]
async fn a_link_chain_deeper_than_max_depth_is_not_followed() {
    // Search page k links /ad/k and the next page k+1 (page 1 is the seed).
    let srv = serve(|r| {
        if r.path.starts_with("/search") {
            let page: u32 = r
                .path
                .split("page=")
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            return html(format!(
                "<a href=\"/ad/{page}\">ad</a> <a class=next href=\"/search?q=pangolin&amp;page={}\">next</a>",
                page + 1
            ));
        }
        market(r.path, 20)
    })
    .await;
    let (_d, out) = run_one(&srv, &[("scope", "max_depth = 3")], "").await;
    let pages = srv
        .paths()
        .iter()
        .filter(|p| p.starts_with("/search"))
        .count();
    assert_eq!(pages, 4, "the seed and three links away: {:?}", srv.paths());
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:1", "s:2", "s:3"]),
        "/ad/4 is four links from the seed"
    );
}

#[tokio::test]
async fn path_repeats_query_variants_and_tracking_params_are_bounded() {
    let srv = serve(|r| {
        if r.path.starts_with("/search") {
            let mut links = vec![
                "/ad/5/ad/5".to_string(),
                "/ad/6/ad/6/ad/6".to_string(),
                "/ad/3".to_string(),
                "/ad/3?utm_source=newsletter".to_string(),
                "/ad/3?sid=77&utm_source=x".to_string(),
                "/ad/3?sid=78#photos".to_string(),
            ];
            links.extend((1..=10).map(|v| format!("/ad/9?sort=price&v={v}")));
            return search_html(&links);
        }
        match ad_id(r.path) {
            Some(i) => html(ad_html(i)),
            None if r.path.starts_with("/ad/") => html(ad_html(50)),
            None => not_found(),
        }
    })
    .await;
    let (_d, out) = run_one(
        &srv,
        &[(
            "scope",
            "max_path_repeats = 2\nmax_query_variants = 3\ntracking_params = [\"sid\"]",
        )],
        "",
    )
    .await;
    let paths = srv.paths();
    assert_eq!(
        srv.count("/ad/5/ad/5"),
        1,
        "two repeats are fine: {paths:?}"
    );
    assert_eq!(
        srv.count("/ad/6/ad/6/ad/6"),
        0,
        "three are a trap: {paths:?}"
    );
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/ad/6/ad/6/ad/6"), ["out_of_scope"]);
    let ad3 = paths
        .iter()
        .filter(|p| p.split('?').next() == Some("/ad/3"))
        .count();
    assert_eq!(
        ad3, 1,
        "utm_source and the configured sid dedupe to one request: {paths:?}"
    );
    let variants = paths.iter().filter(|p| p.starts_with("/ad/9?")).count();
    assert_eq!(variants, 3, "max_query_variants of one path: {paths:?}");
}
