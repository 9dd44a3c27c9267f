//! Link following (issue #11): a site without search crawled from its start
//! URLs — include and exclude patterns (excludes win), the depth limit (per
//! site, else `[scope].max_depth`), pagination through the profile's
//! `next_page` link (not a hop; bounded by `max_search_pages`), the per-site
//! page budget, a start URL disallowed by robots.txt, the trap guards in this
//! mode, and a stop/resume of a link-following run.

use super::*;

/// A browsed shop without search. `/` links the categories `/c/a` and
/// `/c/b`, and pages a job may keep out of: `/login`, `/cart?add=1`,
/// `/about`, an image and another host. `/c/a?page=N` (N = 1..=3) and `/c/b`
/// list three ads each (`/ad/1..=9`, `/ad/11..=13`) with an `a.next` link to
/// the next page; each ad links a "related" ad of its category and the
/// category.
fn shop(path: &str) -> Response {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let category = |id: u32| {
        if id <= 9 {
            (1, 9, "/c/a")
        } else {
            (11, 13, "/c/b")
        }
    };
    match p {
        "/" => html(
            "<a href=/c/a>Reptiles</a> <a href=/c/b>Birds</a> <a href=/login>Sign in</a> \
             <a href=\"/cart?add=1\">Cart</a> <a href=/about>About</a> <a href=/logo.png>logo</a> \
             <a href=\"http://other.invalid/partner\">partner</a>"
                .into(),
        ),
        "/c/a" | "/c/b" => {
            let page: u32 = q
                .strip_prefix("page=")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let (first, pages) = if p == "/c/a" { (1, 3) } else { (11, 1) };
            if page > pages {
                return not_found();
            }
            let mut body = String::new();
            for k in 0..3 {
                body.push_str(&format!(
                    "<a href=/ad/{}>ad</a> ",
                    first + (page - 1) * 3 + k
                ));
            }
            if page < pages {
                body.push_str(&format!(
                    "<a class=next href=\"{p}?page={}\">next</a>",
                    page + 1
                ));
            }
            html(body)
        }
        "/login" | "/about" | "/cart" => html("<p>not a listing</p>".into()),
        _ => match ad_id(p) {
            Some(i) if (1..=9).contains(&i) || (11..=13).contains(&i) => {
                let (lo, hi, cat) = category(i);
                let related = if i == hi { lo } else { i + 1 };
                html(format!(
                    "{}<a href=/ad/{related}>related</a> <a href={cat}>back</a>",
                    ad_html(i)
                ))
            }
            _ => not_found(),
        },
    }
}

fn shop_ids() -> BTreeSet<String> {
    (1..=9).chain(11..=13).map(|i| format!("s:{i}")).collect()
}

fn sorted(v: Vec<String>) -> Vec<String> {
    let mut v = v;
    v.sort();
    v.dedup();
    v
}

#[tokio::test]
async fn include_and_exclude_patterns_decide_which_links_are_followed_and_excludes_win() {
    let srv = serve(|r| shop(r.path)).await;
    // `/login` and `/cart` match an include and an exclude: the exclude wins.
    let site = "start = [\"/\"]\n[sites.follow]\n\
                include = ['^/c/', '^/ad/', '^/login', '^/cart']\n\
                exclude = ['^/login', 'cart']";
    let (_d, out) = run_one(&srv, &[], site).await;
    assert_eq!(ids(&out.sites[0]), shop_ids());
    let mut want: Vec<String> = [
        "/robots.txt",
        "/",
        "/c/a",
        "/c/a?page=2",
        "/c/a?page=3",
        "/c/b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    want.extend((1..=9).chain(11..=13).map(|i| format!("/ad/{i}")));
    assert_eq!(
        sorted(srv.paths()),
        sorted(want),
        "only included, not excluded links; each once"
    );
    let log = fetch_log(&out.sites[0]);
    assert!(log.iter().any(|l| l.kind == "page"), "{log:?}");
    assert!(
        log.iter()
            .filter(|l| l.url.contains("/ad/"))
            .all(|l| l.kind == "listing")
    );

    // Without `include`, every link in scope is followed, but not excludes,
    // images or other hosts.
    let srv = serve(|r| shop(r.path)).await;
    let site = "start = [\"/\"]\n[sites.follow]\nexclude = ['^/login', '^/cart']";
    let (_d, out) = run_one(&srv, &[], site).await;
    assert_eq!(ids(&out.sites[0]), shop_ids());
    let paths = srv.paths();
    assert_eq!(srv.count("/about"), 1, "{paths:?}");
    for never in ["/login", "/cart?add=1", "/logo.png"] {
        assert_eq!(srv.count(never), 0, "{never}: {paths:?}");
    }
}

#[tokio::test]
async fn link_hops_beyond_the_sites_max_depth_are_not_followed() {
    // Page k links the ad /ad/k and the page k+1 (plain links, one hop each).
    let chain = |r: &Req| {
        if let Some(k) = r
            .path
            .strip_prefix("/p/")
            .and_then(|k| k.parse::<u32>().ok())
        {
            return html(format!(
                "<a href=/ad/{k}>ad</a> <a href=/p/{}>more</a>",
                k + 1
            ));
        }
        market(r.path, 20)
    };
    let srv = serve(chain).await;
    let (_d, out) = run_one(&srv, &[], "start = [\"/p/1\"]\nmax_depth = 3").await;
    let pages: Vec<String> = srv
        .paths()
        .into_iter()
        .filter(|p| p.starts_with("/p/"))
        .collect();
    assert_eq!(
        pages,
        ["/p/1", "/p/2", "/p/3", "/p/4"],
        "the start and three hops"
    );
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:1", "s:2", "s:3"]),
        "/ad/4 is four hops from the start"
    );

    // Without a site value, [scope].max_depth applies.
    let srv = serve(chain).await;
    let (_d, out) = run_one(&srv, &[("scope", "max_depth = 2")], "start = [\"/p/1\"]").await;
    assert_eq!(
        srv.paths().iter().filter(|p| p.starts_with("/p/")).count(),
        3
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:2"]));
}

#[tokio::test]
async fn a_listing_index_is_paginated_through_next_page_links_without_spending_depth() {
    // Twelve index pages, one ad each, linked by the profile's `a.next`.
    let index = |r: &Req| {
        if let Some(rest) = r.path.strip_prefix("/c/a") {
            let page: u32 = rest
                .strip_prefix("?page=")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let next = if page < 12 {
                format!("<a class=next href=\"/c/a?page={}\">next</a>", page + 1)
            } else {
                String::new()
            };
            return html(format!("<a href=/ad/{page}>ad</a> {next}"));
        }
        market(r.path, 20)
    };
    let srv = serve(index).await;
    // Depth 1: the ads are one hop from their index page, pages are no hop.
    let (_d, out) = run_one(&srv, &[], "start = [\"/c/a\"]\nmax_depth = 1").await;
    let all: BTreeSet<String> = (1..=12).map(|i| format!("s:{i}")).collect();
    assert_eq!(ids(&out.sites[0]), all);
    assert_eq!(
        srv.paths().iter().filter(|p| p.starts_with("/c/a")).count(),
        12
    );

    // max_search_pages bounds an index (and endless "next" chains).
    let srv = serve(index).await;
    let (_d, out) = run_one(
        &srv,
        &[("scope", "max_search_pages = 5")],
        "start = [\"/c/a\"]\nmax_depth = 1",
    )
    .await;
    assert_eq!(
        srv.paths().iter().filter(|p| p.starts_with("/c/a")).count(),
        5
    );
    assert_eq!(ids(&out.sites[0]).len(), 5);
}

#[tokio::test]
async fn the_sites_page_budget_bounds_the_requests_of_a_run() {
    let srv = serve(|r| shop(r.path)).await;
    let (_d, out) = run_one(&srv, &[], "start = [\"/\"]\nmax_pages = 5").await;
    assert_eq!(srv.hits().len(), 5, "{:?}", srv.paths());
    assert_eq!(out.sites[0].requests, 5);
    // Listings come before further pages, so the budget still yields some.
    assert!(!ids(&out.sites[0]).is_empty());
}

#[tokio::test]
async fn a_start_url_disallowed_by_robots_txt_is_skipped_and_the_note_names_robots_txt() {
    let srv = serve(|r| match r.path {
        "/robots.txt" => robots("User-agent: *\nDisallow: /private/\n"),
        "/" => html("<a href=/ad/1>ad</a> <a href=/private/5>hidden</a>".into()),
        p => market_private(p, 6),
    })
    .await;
    let (_d, out) = run_one(&srv, &[], "start = [\"/private/index\", \"/\"]").await;
    let paths = srv.paths();
    assert_eq!(srv.count("/private/index"), 0, "{paths:?}");
    assert_eq!(srv.count("/private/5"), 0, "{paths:?}");
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/private/index"), ["robots_disallowed"]);
    assert_eq!(outcomes(&log, "/private/5"), ["robots_disallowed"]);
    let notes = &out.sites[0].notes;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("/private/index") && notes[0].contains("robots.txt"),
        "{notes:?}"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1"]));
}

#[tokio::test]
async fn trap_guards_bound_link_following() {
    let long = format!("/c/{}", "a".repeat(300));
    let long2 = long.clone();
    let srv = serve(move |r| {
        if let Some(m) = r.path.strip_prefix("/cal?m=").and_then(|m| m.parse::<u32>().ok()) {
            // An endless calendar: every month links the next.
            return html(format!("<a href=\"/cal?m={}\">next month</a>", m + 1));
        }
        match r.path {
            "/" => html(format!(
                "<a href=\"/cal?m=1\">calendar</a> <a href=/x/y/x/y/x/y>loop</a> \
                 <a href=/x/y/x/y>twice</a> <a href={long2}>long</a> \
                 <a href=\"/ad/1?sid=1\">a</a> <a href=\"/ad/1?sid=2\">b</a> <a href=\"/ad/1?sid=3\">c</a>"
            )),
            "/x/y/x/y" => html("<p>ok</p>".into()),
            p => market(p, 3),
        }
    })
    .await;
    let (_d, out) = run_one(
        &srv,
        &[(
            "scope",
            "max_path_repeats = 2\nmax_query_variants = 3\nmax_url_len = 200\ntracking_params = [\"sid\"]",
        )],
        "start = [\"/\"]",
    )
    .await;
    let paths = srv.paths();
    let months = paths.iter().filter(|p| p.starts_with("/cal?")).count();
    assert_eq!(months, 3, "max_query_variants of one path: {paths:?}");
    assert_eq!(srv.count("/x/y/x/y"), 1, "two repeats are fine: {paths:?}");
    assert_eq!(srv.count("/x/y/x/y/x/y"), 0, "three are a trap: {paths:?}");
    assert_eq!(srv.count(&long), 0, "longer than max_url_len");
    let ad1 = paths.iter().filter(|p| p.starts_with("/ad/1")).count();
    assert_eq!(ad1, 1, "session ids dedupe to one request: {paths:?}");
    assert_eq!(ids(&out.sites[0]), set(&["s:1"]));
}

#[tokio::test]
async fn a_stopped_link_following_run_resumes_to_one_row_per_listing() {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let ads = Arc::new(AtomicU32::new(0));
    let a2 = ads.clone();
    let srv = serve(move |r| {
        if ad_id(r.path).is_some() && a2.fetch_add(1, Ordering::SeqCst) + 1 == 4 {
            // Ask the crawler to stop while it waits for this response.
            let _ = tx.send(true);
        }
        shop(r.path)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "start = [\"/\"]")]);
    let b = bases(&cfg, &[("s", &srv.url)]);
    let stopped = run_until_stopped(&cfg, &b, rx).await;
    assert!(
        matches!(stopped, Err(CrawlError::Stopped { .. })),
        "{stopped:?}"
    );
    assert!(ads.load(Ordering::SeqCst) < 12, "it stopped early");
    let done = resume_run(&cfg, &b).await.unwrap();
    assert!(done.resumed);
    let rows = listing_rows(&done.sites[0]);
    let got: Vec<String> = sorted(rows.iter().map(|r| r.listing_id.clone()).collect());
    assert_eq!(got.len(), rows.len(), "each listing exactly once");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), shop_ids());
    for p in srv.paths() {
        if p != "/robots.txt" {
            assert_eq!(
                srv.count(&p),
                1,
                "{p} requested once across stop and resume"
            );
        }
    }
}

#[tokio::test]
async fn excludes_keep_search_results_off_a_path_too() {
    let srv = serve(|r| market(r.path, 4)).await;
    let (_d, out) = run_one(&srv, &[], "[sites.follow]\nexclude = ['^/ad/2$', '^/ad/4']").await;
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:3"]));
    assert_eq!(
        srv.count("/ad/2") + srv.count("/ad/4"),
        0,
        "{:?}",
        srv.paths()
    );
}
