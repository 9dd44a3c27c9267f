//! Hostile servers cost one URL: a gzip decompression bomb, redirect loops
//! and redirects to other hosts or disallowed paths, stalled and trickling
//! responses.

use super::*;

// ------------------------------------------------------------ 4. bombs

fn gzip_zeros(n: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        enc.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    enc.finish().unwrap()
}

#[tokio::test]
async fn a_gzip_decompression_bomb_costs_one_url() {
    let bomb = Arc::new(
        tokio::task::spawn_blocking(|| gzip_zeros(50 << 20))
            .await
            .unwrap(),
    );
    assert!(
        bomb.len() < 200_000,
        "50 MB of zeros in {} bytes",
        bomb.len()
    );
    let served = bomb.clone();
    let srv = serve(move |r| match r.path {
        "/ad/2" => (
            [
                (header::CONTENT_TYPE, "text/html"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            served.as_ref().clone(),
        )
            .into_response(),
        p => market(p, 3),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("fetch", "max_body_bytes = 1048576")], "").await;
    assert_eq!(srv.count("/ad/2"), 1, "not retried");
    let log = fetch_log(&out.sites[0]);
    assert_eq!(outcomes(&log, "/ad/2"), ["too_large"]);
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:1", "s:3"]),
        "the other listings land"
    );
}

// ------------------------------------------------------------ 6. redirects

#[tokio::test]
async fn redirect_loops_other_hosts_and_disallowed_targets_cost_one_url() {
    let other = serve(|r| market(r.path, 9)).await;
    let away = other.url.join("/ad/2").unwrap().to_string();
    let target = away.clone();
    let srv = serve(move |r| match r.path {
        "/robots.txt" => robots("User-agent: *\nDisallow: /private/\n"),
        "/ad/1" => redirect(StatusCode::FOUND, "/ad/1a"),
        "/ad/1a" => redirect(StatusCode::FOUND, "/ad/1"),
        "/ad/2" => redirect(StatusCode::MOVED_PERMANENTLY, &target),
        "/ad/3" => redirect(StatusCode::FOUND, "/private/3"),
        p => market(p, 4),
    })
    .await;
    let (_d, out) = run_one(&srv, &[("fetch", "max_redirects = 3")], "").await;
    let loop_hits = srv.count("/ad/1") + srv.count("/ad/1a");
    assert!(
        (2..=4).contains(&loop_hits),
        "the loop costs at most max_redirects + 1 requests, got {loop_hits}"
    );
    assert!(
        other.hits().is_empty(),
        "a redirect to another host is not followed"
    );
    assert_eq!(srv.count("/private/3"), 0, "nor one to a disallowed path");
    let log = fetch_log(&out.sites[0]);
    assert!(
        log.iter().any(|l| l.outcome == "redirect_limit"),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.outcome == "out_of_scope" && l.url == away),
        "{log:#?}"
    );
    assert_eq!(outcomes(&log, "/private/3"), ["robots_disallowed"]);
    assert_eq!(
        ids(&out.sites[0]),
        set(&["s:4"]),
        "the healthy listing lands"
    );
}

// ------------------------------------------------------------ 7. slow servers

/// A hand-written HTTP/1.1 server (one request per connection), because
/// stalling after the headers needs control over every byte: `/ad/2`
/// sends headers and a little body, then goes silent for 3 s; `/ad/3`
/// trickles one byte every 100 ms and never finishes (how long the client
/// stayed is recorded); the rest is a normal small market.
async fn slow_server() -> (Srv, Arc<Mutex<Vec<Duration>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::new(Mutex::new(Vec::new()));
    let trickles = Arc::new(Mutex::new(Vec::new()));
    let (h, t) = (hits.clone(), trickles.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (hits, trickles) = (h.clone(), t.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                hits.lock().unwrap().push(Hit {
                    path: path.clone(),
                    at: Instant::now(),
                    headers: HeaderMap::new(),
                });
                let reply = |status: &str, body: &str| {
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let headers_only = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n<!doctype html><html><body>";
                match path.as_str() {
                    "/ad/2" => {
                        let _ = sock.write_all(headers_only.as_bytes()).await;
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    "/ad/3" => {
                        let start = Instant::now();
                        if sock.write_all(headers_only.as_bytes()).await.is_err() {
                            return;
                        }
                        while start.elapsed() < Duration::from_secs(10) {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            if sock.write_all(b" ").await.is_err() {
                                break;
                            }
                        }
                        trickles.lock().unwrap().push(start.elapsed());
                    }
                    p if p.starts_with("/search") => {
                        let links: String = (1..=4)
                            .map(|i| format!("<a href=\"/ad/{i}\">ad {i}</a>"))
                            .collect();
                        let _ = sock
                            .write_all(
                                reply("200 OK", &format!("<html><body>{links}</body></html>"))
                                    .as_bytes(),
                            )
                            .await;
                    }
                    p => {
                        let out = match ad_id(p) {
                            Some(i @ 1..=4) => reply(
                                "200 OK",
                                &format!("<html><body>{}</body></html>", ad_html(i)),
                            ),
                            _ => reply("404 Not Found", "no such page"),
                        };
                        let _ = sock.write_all(out.as_bytes()).await;
                    }
                }
            });
        }
    });
    (
        Srv {
            url: Url::parse(&format!("http://{addr}/")).unwrap(),
            hits,
        },
        trickles,
    )
}

#[tokio::test]
async fn stalled_and_trickling_responses_cost_their_url_only() {
    let (srv, trickles) = slow_server().await;
    let (_d, out) = run_one(
        &srv,
        &[
            ("fetch", "read_timeout_ms = 300\ntimeout_ms = 1500"),
            ("politeness", "max_retries = 1"),
        ],
        "",
    )
    .await;
    let log = fetch_log(&out.sites[0]);
    for p in ["/ad/2", "/ad/3"] {
        assert_eq!(outcomes(&log, p), ["retry_later", "gave_up"], "{p}");
        assert_eq!(srv.count(p), 2, "{p} tried, retried");
    }
    assert_eq!(ids(&out.sites[0]), set(&["s:1", "s:4"]));
    // Measured at the server: the trickle was cut by the total timeout
    // (1.5 s), not by the read timeout (it was never silent for 300 ms).
    let t = trickles.lock().unwrap().clone();
    assert!(!t.is_empty());
    for d in t {
        assert!(
            d >= Duration::from_millis(1300) && d <= Duration::from_millis(3500),
            "the client stayed {d:?}"
        );
    }
}
