//! robots.txt per RFC 9309: what a fetch result means, and what a parsed
//! file allows.
//!
//! It owns the status-to-policy mapping (2xx parse, 4xx allow all, 429/5xx/
//! network error disallow all), the size cap, the Crawl-delay and Sitemap
//! extraction, and matching (via the `robotstxt` crate, Google's matcher).
//! It must not fetch: the crawler fetches `/robots.txt` and hands the result
//! here.

use robotstxt::{DefaultMatcher, RobotsParseHandler, parse_robotstxt};
use url::Url;

/// RFC 9309 §2.5: crawlers must parse at least 500 KiB; we parse exactly that.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// What we learnt from fetching one authority's `/robots.txt`.
#[derive(Debug, Clone)]
pub enum Robots {
    /// 4xx other than 429 (or too many redirects): RFC 9309 §2.3.1.3 says
    /// "unavailable", so everything is allowed.
    AllowAll,
    /// 429, 5xx or a network error: RFC 9309 §2.3.1.4 says "unreachable",
    /// so nothing is allowed until a later fetch succeeds.
    DisallowAll {
        /// Why, for the log.
        reason: String,
    },
    /// A successfully fetched file.
    Parsed(RobotsFile),
}

/// A parsed robots.txt.
#[derive(Debug, Clone)]
pub struct RobotsFile {
    /// The file's user-agent, allow and disallow records only, one per
    /// line, as the matcher reads them.
    /// why: the `robotstxt` crate (a 2020 port of Google's matcher) ends a
    /// run of user-agent lines at a Sitemap or unknown line (Crawl-delay,
    /// typos); Google's matcher and RFC 9309 §2.2 do not. Matching the
    /// rule records alone gives Google's grouping with the crate's matcher.
    body: String,
    /// Crawl-delay of the group that applies to our product token, seconds.
    pub crawl_delay: Option<f64>,
    /// `Sitemap:` URLs, as written.
    pub sitemaps: Vec<String>,
}

impl Robots {
    /// Maps a final HTTP status and body (after redirects) to a policy.
    pub fn from_status(status: u16, body: &[u8], product_token: &str) -> Robots {
        match status {
            200..=299 => Robots::Parsed(RobotsFile::parse(body, product_token)),
            429 => Robots::DisallowAll {
                reason: "robots.txt answered 429".into(),
            },
            400..=499 => Robots::AllowAll,
            _ => Robots::DisallowAll {
                reason: format!("robots.txt answered {status}"),
            },
        }
    }

    /// Whether `product_token` may fetch `url`. `/robots.txt` itself is
    /// always allowed (RFC 9309 §2.2.2).
    pub fn allowed(&self, product_token: &str, url: &Url) -> bool {
        if url.path() == "/robots.txt" {
            return true;
        }
        match self {
            Robots::AllowAll => true,
            Robots::DisallowAll { .. } => false,
            Robots::Parsed(f) => {
                let mut matcher = DefaultMatcher::default();
                let url = upper_percent_escapes(url.as_str());
                matcher.one_agent_allowed_by_robots(&f.body, product_token, &url)
            }
        }
    }

    /// Crawl-delay in seconds, when the file sets one for us.
    pub fn crawl_delay(&self) -> Option<f64> {
        match self {
            Robots::Parsed(f) => f.crawl_delay,
            _ => None,
        }
    }
}

/// Bytes of a robots.txt line that are read: below the `robotstxt`
/// crate's own cap (2083 * 8 bytes, Google's), so its cap never applies.
const MAX_LINE_BYTES: usize = 16_000;

/// Cuts every line (ended by LF or CR) to at most `max` bytes, at a
/// character boundary.
fn clip_lines(body: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if body.split(['\n', '\r']).all(|l| l.len() <= max) {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let mut cut = end.min(max);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        let next = (end + 1).min(rest.len());
        out.push_str(&rest[end..next]);
        rest = &rest[next..];
    }
    std::borrow::Cow::Owned(out)
}

impl RobotsFile {
    /// Parses a body: the first 500 KiB, a UTF-8 BOM ignored, invalid UTF-8
    /// replaced.
    pub fn parse(body: &[u8], product_token: &str) -> RobotsFile {
        let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let body = String::from_utf8_lossy(body).into_owned();
        // why: the robotstxt crate miscounts the rest of a line longer than
        // its cap when it holds multi-byte characters, and panics (found by
        // fuzzing); it ignores a line's bytes past the cap anyway.
        let body = clip_lines(&body, MAX_LINE_BYTES);
        let mut groups = GroupCollector::default();
        parse_robotstxt(&body, &mut groups);
        groups.finish();
        let token = product_token.to_ascii_lowercase();
        // RFC 9309 §2.2.1: groups naming the same agent are one group, and
        // `*` applies only when no group names us; the first Crawl-delay
        // in that merged group wins.
        let names = |g: &Group, want: &str| g.agents.iter().any(|a| a == want);
        let want = if groups.groups.iter().any(|g| names(g, &token)) {
            token.as_str()
        } else {
            "*"
        };
        let crawl_delay = groups
            .groups
            .iter()
            .filter(|g| names(g, want))
            .find_map(|g| g.crawl_delay);
        RobotsFile {
            crawl_delay,
            sitemaps: groups.sitemaps,
            body: groups.rules,
        }
    }
}

#[derive(Debug, Default)]
struct Group {
    agents: Vec<String>,
    crawl_delay: Option<f64>,
}

/// Collects user-agent groups (for Crawl-delay) and Sitemap lines; the
/// allow/disallow matching itself is left to `robotstxt`.
#[derive(Debug, Default)]
struct GroupCollector {
    groups: Vec<Group>,
    current: Option<Group>,
    last_was_agent: bool,
    sitemaps: Vec<String>,
    /// The rule records, re-written one per line (see [`RobotsFile`]).
    rules: String,
}

impl GroupCollector {
    fn finish(&mut self) {
        if let Some(g) = self.current.take() {
            self.groups.push(g);
        }
    }
}

impl RobotsParseHandler for GroupCollector {
    fn handle_robots_start(&mut self) {}
    fn handle_robots_end(&mut self) {}

    fn handle_user_agent(&mut self, _line: u32, user_agent: &str) {
        self.rules.push_str(&format!("user-agent: {user_agent}\n"));
        if !self.last_was_agent {
            self.finish();
            self.current = Some(Group::default());
        }
        // RFC 9309 §2.2.1: match the product token case-insensitively,
        // ignoring any version or comment after it.
        let token: String = user_agent
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '-' || *c == '*')
            .collect();
        if let Some(g) = self.current.as_mut() {
            g.agents.push(token.to_ascii_lowercase());
        }
        self.last_was_agent = true;
    }

    fn handle_allow(&mut self, _line: u32, value: &str) {
        self.rules.push_str(&format!("allow: {value}\n"));
        self.last_was_agent = false;
    }

    fn handle_disallow(&mut self, _line: u32, value: &str) {
        self.rules.push_str(&format!("disallow: {value}\n"));
        self.last_was_agent = false;
    }

    fn handle_sitemap(&mut self, _line: u32, value: &str) {
        // Sitemap lines are not part of any group (RFC 9309 §2.2.4).
        self.sitemaps.push(value.trim().to_string());
    }

    fn handle_unknown_action(&mut self, _line: u32, action: &str, value: &str) {
        if action.eq_ignore_ascii_case("crawl-delay") {
            let parsed = value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|d| d.is_finite() && *d >= 0.0);
            if let (Some(g), Some(d)) = (self.current.as_mut(), parsed) {
                // The first Crawl-delay of a group wins.
                g.crawl_delay.get_or_insert(d);
            }
        }
        // Like Google's matcher, only allow and disallow lines end a run of
        // user-agent lines: `User-agent: a`, `Crawl-delay: 5`, `User-agent: b`
        // is one group for both agents, for its rules and its delay alike.
    }
}

/// The URL with every percent-escape's hex digits in upper case.
/// why: RFC 3986 §6.2.2.1 makes `%e3` and `%E3` the same octet, and the
/// matcher upper-cases the escapes of patterns but compares the URL as
/// given, so a link written with lower-case escapes would slip past a
/// `Disallow` written with either.
fn upper_percent_escapes(url: &str) -> std::borrow::Cow<'_, str> {
    let b = url.as_bytes();
    let lower_escape = |i: usize| {
        b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
            && (b[i + 1].is_ascii_lowercase() || b[i + 2].is_ascii_lowercase())
    };
    if !(0..b.len()).any(lower_escape) {
        return std::borrow::Cow::Borrowed(url);
    }
    let mut out = b.to_vec();
    let mut i = 0;
    while i + 2 < out.len() {
        if out[i] == b'%' && out[i + 1].is_ascii_hexdigit() && out[i + 2].is_ascii_hexdigit() {
            out[i + 1] = out[i + 1].to_ascii_uppercase();
            out[i + 2] = out[i + 2].to_ascii_uppercase();
            i += 3;
        } else {
            i += 1;
        }
    }
    // Only ASCII hex digits changed case, so the bytes are still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(out).expect("ASCII case change keeps UTF-8"))
}
