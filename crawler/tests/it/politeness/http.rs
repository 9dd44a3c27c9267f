//! HTTP hygiene: a body announced (by `Content-Length`) as over the cap is
//! refused from its header, without reading it; malformed answers (a bad
//! status line, garbage, a reset, a body cut off) cost one request, not a
//! round of retries; 5xx a server may recover from are retried with
//! back-off, 501 is not; a listing found again by search is fetched
//! conditionally, like a revisit.

use super::*;

/// A hand-written HTTP/1.1 server, one request per connection, for answers
/// no real server library will send: `respond` gets the request path and
/// the socket and writes (or does not write) whatever it likes. Paths it
/// does not handle get the small [`market`] of `n` ads. How long each
/// connection lived, by path, is recorded.
async fn raw_server<F, Fut>(n: u32, respond: F) -> (Srv, Arc<Mutex<Vec<(String, Duration)>>>)
where
    F: Fn(String, tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<tokio::net::TcpStream>> + Send,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::new(Mutex::new(Vec::new()));
    let lived = Arc::new(Mutex::new(Vec::new()));
    let respond = Arc::new(respond);
    let (h, l) = (hits.clone(), lived.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (hits, lived, respond) = (h.clone(), l.clone(), respond.clone());
            tokio::spawn(async move {
                let start = Instant::now();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let mut headers = HeaderMap::new();
                for line in head.lines().skip(1) {
                    if let Some((k, v)) = line.split_once(':')
                        && let (Ok(k), Ok(v)) = (
                            axum::http::HeaderName::from_bytes(k.trim().as_bytes()),
                            axum::http::HeaderValue::from_str(v.trim()),
                        )
                    {
                        headers.insert(k, v);
                    }
                }
                hits.lock().unwrap().push(Hit {
                    path: path.clone(),
                    at: Instant::now(),
                    headers,
                });
                if let Some(mut sock) = respond(path.clone(), sock).await {
                    let (status, body) = match path.as_str() {
                        p if p.starts_with("/search") => (
                            "200 OK",
                            format!(
                                "<html><body>{}</body></html>",
                                (1..=n)
                                    .map(|i| format!("<a href=\"/ad/{i}\">ad {i}</a>"))
                                    .collect::<String>()
                            ),
                        ),
                        p => match ad_id(p).filter(|i| *i <= n) {
                            Some(i) => (
                                "200 OK",
                                format!("<html><body>{}</body></html>", ad_html(i)),
                            ),
                            None => ("404 Not Found", "no such page".to_string()),
                        },
                    };
                    let out = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(out.as_bytes()).await;
                }
                lived.lock().unwrap().push((path, start.elapsed()));
            });
        }
    });
    (
        Srv {
            url: Url::parse(&format!("http://{addr}/")).unwrap(),
            hits,
        },
        lived,
    )
}

#[tokio::test]
async fn a_body_announced_over_the_cap_is_refused_from_its_header() {
    // `/ad/2` announces 2 GiB and then trickles a byte every 100 ms, so a
    // client that reads before deciding stays until its timeout (8 s here).
    let (srv, lived) = raw_server(3, |path, mut sock| async move {
        if path != "/ad/2" {
            return Some(sock);
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2147483648\r\nConnection: close\r\n\r\n<html><body>";
        if sock.write_all(head.as_bytes()).await.is_err() {
            return None;
        }
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if sock.write_all(b"x").await.is_err() {
                break;
            }
        }
        None
    })
    .await;
    let (_d, out) = run_one(
        &srv,
        &[
            (
                "fetch",
                "max_body_bytes = 1048576\ntimeout_ms = 8000\nread_timeout_ms = 4000",
            ),
            ("politeness", "max_retries = 2"),
        ],
        "",
    )
    .await;
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/ad/2"), ["too_large"]);
    assert_eq!(
        srv.count("/ad/2"),
        1,
        "an oversized body is not asked for again"
    );
    // The server notices the hang-up at its next write (100 ms at most).
    let stayed = |lived: &Mutex<Vec<(String, Duration)>>| -> Vec<Duration> {
        lived
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == "/ad/2")
            .map(|(_, d)| *d)
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(25);
    while stayed(&lived).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stayed = stayed(&lived);
    assert_eq!(stayed.len(), 1);
    // Measured at the server: the client hung up at once, not after 8 s.
    assert!(
        stayed[0] < Duration::from_secs(3),
        "the client stayed {:?} on a body it had refused",
        stayed[0]
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:3"]), "the others land");
}

#[tokio::test]
async fn malformed_answers_cost_one_request_timeouts_are_asked_again() {
    let (srv, _lived) = raw_server(6, |path, mut sock| async move {
        match path.as_str() {
            // Not HTTP at all.
            "/ad/2" => {
                let _ = sock.write_all(b"HELLO THERE\r\n\r\nnot http").await;
                None
            }
            // A status line no parser accepts.
            "/ad/3" => {
                let _ = sock
                    .write_all(b"HTTP/1.1 2x0 Maybe\r\nContent-Length: 2\r\n\r\nok")
                    .await;
                None
            }
            // Reset before answering.
            "/ad/4" => {
                // SO_LINGER 0 makes the close a reset, not a FIN (deprecated
                // because a non-zero linger blocks on drop; zero does not).
                #[allow(deprecated)]
                sock.set_linger(Some(Duration::ZERO)).unwrap();
                drop(sock);
                None
            }
            // A body cut off: 1000 bytes announced, 20 sent, then closed.
            "/ad/5" => {
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<html><body>cut off",
                    )
                    .await;
                None
            }
            // Silent past the read timeout: the network may be to blame.
            "/ad/6" => {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                None
            }
            _ => Some(sock),
        }
    })
    .await;
    let (_d, out) = run_one(
        &srv,
        &[
            ("fetch", "read_timeout_ms = 400\ntimeout_ms = 1000"),
            ("politeness", "max_retries = 2"),
        ],
        "",
    )
    .await;
    let log = fetch_log(&out.sites[0]);
    for p in ["/ad/2", "/ad/3", "/ad/4", "/ad/5"] {
        assert_eq!(outcomes(&log, p), ["malformed"], "{p}");
        assert_eq!(srv.count(p), 1, "{p} is not asked for again");
    }
    assert_eq!(
        outcomes(&log, "/ad/6"),
        ["retry_later", "retry_later", "gave_up"]
    );
    assert_eq!(
        srv.count("/ad/6"),
        3,
        "a timeout is tried, then retried twice"
    );
    assert_eq!(ids(&out.sites[0]), set(&["s:1"]));
}

#[tokio::test]
async fn a_server_error_is_retried_with_back_off_but_not_implemented_is_not() {
    let srv = serve(|r| match r.path {
        // 500 then 502 then the page: a failing server that recovers.
        "/ad/1" if r.seen == 0 => (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response(),
        "/ad/1" if r.seen == 1 => (StatusCode::BAD_GATEWAY, "upstream").into_response(),
        "/ad/2" => (StatusCode::NOT_IMPLEMENTED, "no").into_response(),
        p => market(p, 3),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("politeness", "max_retries = 3")], "").await;
    let log = fetch_log(&out.sites[0]);
    assert_eq!(
        outcomes(&log, "/ad/1"),
        ["retry_later", "retry_later", "fetched"]
    );
    assert_eq!(outcomes(&log, "/ad/2"), ["http_error"]);
    assert_eq!(srv.count("/ad/2"), 1);
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:3"]));
}

#[tokio::test]
async fn a_listing_found_again_by_search_is_fetched_conditionally() {
    const ETAG: &str = "\"v1-ad-1\"";
    let srv = serve(move |r| match r.path {
        // Search lists the ad in both rounds: the refetch comes from search.
        "/ad/1" => ad_with_validators(r, 1, ETAG, None),
        p => market(p, 1),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &[], &[("s", "")]);
    let b = bases(&cfg, &[("s", &srv.url)]);
    crawl(&cfg, &b).await.unwrap();
    let second = crawl(&cfg, &b).await.unwrap();
    let ad1 = srv.hits_at("/ad/1");
    assert_eq!(ad1.len(), 2, "fetched once per round");
    assert_eq!(
        ad1[1]
            .headers
            .get(header::IF_NONE_MATCH)
            .map(|v| v.to_str().unwrap()),
        Some(ETAG)
    );
    let site = &second.sites[0];
    let rows = listing_rows(site);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].status.as_str(), rows[0].http_status),
        ("active", 304)
    );
    assert!(
        rows[0]
            .title
            .as_deref()
            .is_some_and(|t| t.contains("Pangolin"))
    );
    let terms: Vec<Option<String>> = batches(site.listings_file.as_deref().unwrap())
        .iter()
        .flat_map(|b| strs(b, "search_term"))
        .collect();
    assert_eq!(
        terms,
        [Some("pangolin".to_string())],
        "the term that found it again"
    );
}
