//! One HTTP exchange, done carefully: identified, bounded in time and size,
//! never following redirects by itself, and decoding bodies as browsers do.
//!
//! It owns the HTTP client (User-Agent, From, timeouts, decompression), the
//! body cap (enforced on an announced `Content-Length` before reading, and
//! on decoded bytes while streaming), Retry-After parsing, character
//! decoding, and the one distinction the retry policy needs: a *network*
//! failure (connect error, timeout), which asking again may fix, versus a
//! *malformed* exchange (bad status line, garbage, a connection reset or
//! closed mid-response), which it will not. It must not sleep, retry or
//! decide politeness: the scheduler owns time; this module only reports
//! what happened.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::config::{FetchLimits, Identity, PrivateTargets};

/// A response, fully read.
#[derive(Debug)]
pub struct Fetched {
    /// The URL requested.
    pub url: Url,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body after content decoding (gzip, brotli, zstd).
    pub body: Vec<u8>,
    /// Time from send to end of body.
    pub elapsed: Duration,
    /// The server's address, when known.
    pub remote_addr: Option<SocketAddr>,
}

impl Fetched {
    /// The `Location` of a redirect, resolved against the request URL.
    pub fn redirect_target(&self) -> Option<Url> {
        if !(300..400).contains(&self.status) {
            return None;
        }
        let loc = self.headers.get(header::LOCATION)?.to_str().ok()?;
        self.url.join(loc.trim()).ok()
    }

    /// Retry-After as a duration from now (seconds or an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self.headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let when = httpdate::parse_http_date(v).ok()?;
        Some(
            when.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(header::CONTENT_TYPE)?.to_str().ok()
    }

    /// Whether the response is an HTML page: `text/html` or XHTML, or no
    /// Content-Type at all and a body that starts like markup.
    pub fn is_html(&self) -> bool {
        match self.content_type() {
            Some(ct) => {
                let mime = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "text/html" || mime == "application/xhtml+xml"
            }
            None => {
                let head = &self.body[..self.body.len().min(512)];
                let start = head
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(head.len());
                head.get(start) == Some(&b'<')
            }
        }
    }
}

/// How much of a body to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyCap {
    /// The job's `fetch.max_body_bytes`; more is an error (the URL is dropped).
    Page,
    /// Read this many bytes and ignore the rest (robots.txt).
    Truncate(u64),
    /// This many bytes at most; more is an error (sitemaps: 50 MB).
    Bytes(u64),
}

/// Why an exchange produced no response.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connect, DNS, TLS or timeout: the server may answer later.
    #[error("network error: {0}")]
    Network(String),
    /// The server answered something that is not an HTTP response, or cut it
    /// off: a bad status line, garbage, a reset or close mid-message.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The body (announced or decoded) exceeded the cap.
    #[error("body larger than {0} bytes")]
    TooLarge(u64),
}

impl FetchError {
    /// Whether asking again later could give a different answer.
    pub fn is_retryable(&self) -> bool {
        // why: a timeout or refused connection is often a busy or restarting
        // server; a malformed answer or an oversized body will be the same
        // next time, and asking again only costs the site another request.
        matches!(self, FetchError::Network(_))
    }

    fn from_reqwest(e: &reqwest::Error) -> FetchError {
        if e.is_timeout() || e.is_connect() {
            FetchError::Network(error_chain(e))
        } else {
            FetchError::Malformed(error_chain(e))
        }
    }
}

/// The HTTP client of one crawl.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchLimits,
}

impl Fetcher {
    /// Builds the client. There is no way to change the identity per request.
    /// Host names that resolve only to addresses `targets` does not allow
    /// (private, loopback, link-local) are refused at connect time.
    pub fn new(
        identity: &Identity,
        limits: &FetchLimits,
        targets: PrivateTargets,
    ) -> Result<Fetcher, FetchError> {
        let mut headers = HeaderMap::new();
        if let Some(from) = identity.from_header() {
            // why: RFC 9110 §10.1.2 — the From header tells an operator whom to contact.
            if let Ok(v) = HeaderValue::from_str(&from) {
                headers.insert(header::FROM, v);
            }
        }
        let mut builder = reqwest::Client::builder();
        if targets != PrivateTargets::All {
            // why: a public site's DNS must not point us at internal services
            // (literal addresses are refused earlier, by the scope check).
            builder = builder.dns_resolver(Arc::new(PublicOnly(targets)));
        }
        let client = builder
            .user_agent(identity.user_agent())
            .default_headers(headers)
            // why: every hop must be scope- and robots-checked by the crawler.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            // why: a server that trickles or stalls costs one URL, not a worker.
            .read_timeout(limits.read_timeout)
            .timeout(limits.timeout)
            .no_proxy()
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        Ok(Fetcher {
            client,
            limits: limits.clone(),
        })
    }

    /// One GET with an explicit body cap (see [`BodyCap`]).
    pub async fn get_with(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
        cap: BodyCap,
    ) -> Result<Fetched, FetchError> {
        let (limit, truncate) = match cap {
            BodyCap::Page => (self.limits.max_body_bytes, false),
            BodyCap::Truncate(n) => (n, true),
            BodyCap::Bytes(n) => (n, false),
        };
        let started = Instant::now();
        let mut req = self.client.get(url.clone());
        if let Some(v) = etag.and_then(|v| HeaderValue::from_str(v).ok()) {
            req = req.header(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
            req = req.header(header::IF_MODIFIED_SINCE, v);
        }
        let mut resp = req.send().await.map_err(|e| FetchError::from_reqwest(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let remote_addr = resp.remote_addr();
        if !truncate && announced_length(&headers).is_some_and(|n| n > limit) {
            // why: a body announced as too big is refused from its header, so a
            // 2 GiB download costs the site one response head, not the transfer.
            return Err(FetchError::TooLarge(limit));
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    // why: a decompression bomb must cost one URL, not the run.
                    if (body.len() + chunk.len()) as u64 > limit {
                        if truncate {
                            // why: RFC 9309 §2.5 — parse at least the first 500 KiB and ignore the rest.
                            let keep = (limit as usize).saturating_sub(body.len());
                            body.extend_from_slice(&chunk[..keep.min(chunk.len())]);
                            break;
                        }
                        return Err(FetchError::TooLarge(limit));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(FetchError::from_reqwest(&e)),
            }
        }
        Ok(Fetched {
            url: url.clone(),
            status,
            headers,
            body,
            elapsed: started.elapsed(),
            remote_addr,
        })
    }
}

impl Fetcher {
    /// One POST of a JSON body (a report to a platform's intake), with the
    /// same identity, timeouts, redirect rule and address checks as every
    /// GET; the answer's body is read up to `max_body` bytes, the rest
    /// ignored.
    pub async fn post_json(
        &self,
        url: &Url,
        body: Vec<u8>,
        max_body: u64,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let mut resp = self
            .client
            .post(url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let remote_addr = resp.remote_addr();
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| FetchError::from_reqwest(&e))?
        {
            let keep = (max_body as usize).saturating_sub(out.len());
            out.extend_from_slice(&chunk[..keep.min(chunk.len())]);
            if out.len() as u64 >= max_body {
                break;
            }
        }
        Ok(Fetched {
            url: url.clone(),
            status,
            headers,
            body: out,
            elapsed: started.elapsed(),
            remote_addr,
        })
    }
}

/// The `Content-Length` of a response whose body arrives as sent (no
/// content coding the client undoes: a gzip body's length says nothing
/// about its decoded size, which the streaming cap bounds).
fn announced_length(headers: &HeaderMap) -> Option<u64> {
    let coded = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("identity"));
    if coded {
        return None;
    }
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A DNS resolver that drops the addresses a job may not reach.
struct PublicOnly(PrivateTargets);

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let targets = self.0;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| targets.allows_ip(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!(
                    "{host} resolves only to addresses this job may not reach (scope.allow_loopback allows this machine, scope.allow_private_addresses every private range)"
                )
                .into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
