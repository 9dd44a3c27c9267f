//! Crawl job configuration: the TOML a researcher writes, parsed with serde
//! (`deny_unknown_fields`) and validated into an immutable [`CrawlConfig`].
//!
//! It owns the rules a job must satisfy before any request is made: an
//! identifying product token and contact, sane politeness bounds, readable
//! site profiles, a discovery source for every site (search with terms,
//! start URLs, or sitemaps) and follow patterns that compile. Every error
//! names the file, the line and the key. It must
//! not open sockets or touch the lake.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::RegexSet;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use wildtrace_extract::budget::{self, PageLimits};
pub use wildtrace_extract::config_error::ConfigError;
use wildtrace_extract::config_error::read_text;
use wildtrace_extract::profile::{SiteProfile, is_bare_name, path_and_query};
pub use wildtrace_extract::urlnorm::PrivateTargets;

// ---------------------------------------------------------------- raw TOML

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    job: RawJob,
    identity: RawIdentity,
    #[serde(default)]
    politeness: RawPoliteness,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    scope: RawScope,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    revisit: RawRevisit,
    #[serde(default)]
    evidence: RawEvidence,
    schedule: Option<RawSchedule>,
    #[serde(default)]
    reference: RawReference,
    #[serde(default)]
    sites: Vec<RawSite>,
}

/// `[reference]`: the reference files `analyse --config` (and `demo`) use
/// for this job's lake, relative to the job file's folder.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawReference {
    lexicon: Option<Spanned<String>>,
    places: Option<Spanned<String>>,
    rates: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawRevisit {
    enabled: bool,
    min_interval_h: Spanned<f64>,
}

impl Default for RawRevisit {
    fn default() -> Self {
        RawRevisit {
            enabled: true,
            min_interval_h: Spanned::new(0..0, 0.0),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawEvidence {
    warc: bool,
    dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    cron: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    name: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    product_token: Spanned<String>,
    contact: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawPoliteness {
    min_delay_ms: Spanned<u64>,
    max_crawl_delay_s: Spanned<f64>,
    max_in_flight: Spanned<usize>,
    per_host_concurrency: Spanned<usize>,
    max_retries: u32,
    max_retry_after_s: Spanned<u64>,
}

impl Default for RawPoliteness {
    fn default() -> Self {
        RawPoliteness {
            min_delay_ms: Spanned::new(0..0, 1000),
            max_crawl_delay_s: Spanned::new(0..0, 60.0),
            max_in_flight: Spanned::new(0..0, 8),
            per_host_concurrency: Spanned::new(0..0, 1),
            max_retries: 3,
            max_retry_after_s: Spanned::new(0..0, 600),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawFetch {
    connect_timeout_ms: u64,
    read_timeout_ms: u64,
    timeout_ms: u64,
    max_body_bytes: Spanned<u64>,
    max_redirects: Spanned<usize>,
    parse_workers: Option<Spanned<usize>>,
    max_html_depth: Spanned<usize>,
    max_html_elements: Spanned<usize>,
    max_parse_ms: Spanned<u64>,
}

impl Default for RawFetch {
    fn default() -> Self {
        RawFetch {
            connect_timeout_ms: 10_000,
            read_timeout_ms: 15_000,
            timeout_ms: 30_000,
            max_body_bytes: Spanned::new(0..0, 5 * 1024 * 1024),
            max_redirects: Spanned::new(0..0, 5),
            parse_workers: None,
            max_html_depth: Spanned::new(0..0, budget::DEFAULT_MAX_DEPTH),
            max_html_elements: Spanned::new(0..0, budget::DEFAULT_MAX_ELEMENTS),
            max_parse_ms: Spanned::new(0..0, budget::DEFAULT_MAX_TIME.as_millis() as u64),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawScope {
    allow_private_addresses: bool,
    allow_loopback: bool,
    max_pages_per_host: usize,
    max_search_pages: usize,
    max_url_len: usize,
    max_depth: u32,
    max_path_repeats: usize,
    max_query_variants: usize,
    tracking_params: Vec<String>,
    max_sitemap_depth: usize,
    max_sitemap_urls: usize,
}

impl Default for RawScope {
    fn default() -> Self {
        RawScope {
            allow_private_addresses: false,
            allow_loopback: false,
            max_pages_per_host: 10_000,
            max_search_pages: 50,
            max_url_len: 2048,
            max_depth: 8,
            max_path_repeats: 3,
            max_query_variants: 1000,
            tracking_params: Vec::new(),
            max_sitemap_depth: 2,
            max_sitemap_urls: 50_000,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawStorage {
    data_dir: String,
    pseudonym_key: Option<String>,
}

impl Default for RawStorage {
    fn default() -> Self {
        RawStorage {
            data_dir: "data".into(),
            pseudonym_key: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: Spanned<String>,
    base_url: Spanned<String>,
    profile: Spanned<String>,
    search: Option<Spanned<String>>,
    terms: Option<Spanned<Vec<String>>>,
    robots_sitemaps: Option<Spanned<bool>>,
    sitemaps: Option<Spanned<Vec<String>>>,
    start: Option<Vec<Spanned<String>>>,
    follow: Option<RawFollow>,
    max_depth: Option<u32>,
    max_pages: Option<Spanned<usize>>,
    report_intake: Option<RawIntake>,
}

/// `[sites.report_intake]`: where the platform takes reports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntake {
    url: Spanned<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawFollow {
    include: Vec<Spanned<String>>,
    exclude: Vec<Spanned<String>>,
}

// ------------------------------------------------------------ validated

/// How the crawler identifies itself. There is deliberately no way to set a
/// free-form User-Agent: why: the site owner must always be able to tell who
/// crawled them and how to reach us.
#[derive(Debug, Clone)]
pub struct Identity {
    /// RFC 9309 product token, matched against robots.txt `User-agent` lines.
    pub product_token: String,
    /// `https://…` page about the crawl, or an e-mail address.
    pub contact: String,
}

impl Identity {
    /// `<token>/<version> (+<contact>)`.
    pub fn user_agent(&self) -> String {
        format!(
            "{}/{} (+{})",
            self.product_token,
            env!("CARGO_PKG_VERSION"),
            self.contact
        )
    }

    /// The `From` header value, when the contact is an e-mail address.
    pub fn from_header(&self) -> Option<String> {
        let c = self
            .contact
            .strip_prefix("mailto:")
            .unwrap_or(&self.contact);
        c.contains('@').then(|| c.to_string())
    }
}

/// Politeness bounds shared by all hosts of a job.
#[derive(Debug, Clone)]
pub struct Politeness {
    /// Floor between two requests to one host, whatever robots.txt says.
    pub min_delay: Duration,
    /// A robots Crawl-delay above this is capped (with a warning).
    pub max_crawl_delay: Duration,
    /// Requests in flight across all hosts.
    pub max_in_flight: usize,
    /// Requests in flight to one host (1: the next starts a full delay after
    /// the previous response ended; more: starts are a delay apart).
    pub per_host_concurrency: usize,
    /// Attempts after the first for 429/503/network errors.
    pub max_retries: u32,
    /// Upper bound on any Retry-After we honour.
    pub max_retry_after: Duration,
}

/// Fetch limits.
#[derive(Debug, Clone)]
pub struct FetchLimits {
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for the first byte or the next chunk.
    pub read_timeout: Duration,
    /// Whole-request timeout (headers and body).
    pub timeout: Duration,
    /// Body cap after content decoding.
    pub max_body_bytes: u64,
    /// Redirect hops followed (each hop scoped and robots-checked).
    pub max_redirects: usize,
    /// Pages and sitemaps parsed at a time, on blocking threads.
    pub parse_workers: usize,
    /// What parsing one page may cost (depth, elements, time).
    pub page: PageLimits,
}

/// Crawl scope and trap limits.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Which non-public targets may be reached: `allow_private_addresses`
    /// opens every private range (the demo and tests), `allow_loopback`
    /// only this machine (a site served on 127.0.0.1).
    pub private_targets: PrivateTargets,
    /// Page budget per host per run.
    pub max_pages_per_host: usize,
    /// Pages followed per search term, and along one paginated listing
    /// index (its `next_page` links).
    pub max_search_pages: usize,
    /// Longer URLs are refused (crawler traps grow URLs).
    pub max_url_len: usize,
    /// Links further than this from a seed (start URL, search page, sitemap,
    /// revisit) are refused; a site may set a lower or higher `max_depth`.
    pub max_depth: u32,
    /// A path segment repeated more often than this marks a trap (`/a/b/a/b/a/b`).
    pub max_path_repeats: usize,
    /// Distinct query strings accepted per path (calendar and facet traps).
    pub max_query_variants: usize,
    /// Query parameters dropped from canonical URLs, beyond the built-in list.
    pub tracking_params: Vec<String>,
    /// Sitemap index nesting followed below a root sitemap.
    pub max_sitemap_depth: usize,
    /// URLs read from one sitemap file (the protocol's own limit is 50,000).
    pub max_sitemap_urls: usize,
}

/// Which known listings a run revisits.
#[derive(Debug, Clone)]
pub struct Revisit {
    /// Revisit at all.
    pub enabled: bool,
    /// Skip listings observed more recently than this.
    pub min_interval: Duration,
}

/// Where a site lives, as `base_url` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// An http(s) URL with a host.
    Url(Url),
    /// `demo:<name>`: a site of the demo marketplace, whose address the
    /// caller that serves it supplies (see `crawl::resolve_bases`).
    Named(String),
}

impl std::fmt::Display for Base {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Base::Url(u) => write!(f, "{u}"),
            Base::Named(n) => write!(f, "demo:{n}"),
        }
    }
}

/// Which found links of a site may be requested: `include` and `exclude`
/// regexes (the `regex` crate's syntax, like a profile's `listing_path`)
/// searched in the link's `/path?query`; excludes win.
#[derive(Debug, Clone, Default)]
pub struct Follow {
    /// Links are followed from pages the site serves (start URLs, followed
    /// pages and listing pages): the site has `start` URLs.
    pub links: bool,
    /// A link must match one of these (`None`: every link in scope).
    include: Option<RegexSet>,
    /// A link matching one of these is never requested.
    exclude: Option<RegexSet>,
}

impl Follow {
    /// Whether a found (or remembered) URL may be requested.
    pub fn allows(&self, url: &Url) -> bool {
        let pq = path_and_query(url);
        // why: excludes win, so a researcher can always keep the crawler off a path.
        if self.exclude.as_ref().is_some_and(|x| x.is_match(&pq)) {
            return false;
        }
        self.include.as_ref().is_none_or(|i| i.is_match(&pq))
    }
}

/// One site to crawl.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// Short name, the lake's `source` partition.
    pub name: String,
    /// Where the site lives.
    pub base: Base,
    /// Parsed site profile.
    pub profile: SiteProfile,
    /// Search URL template relative to `base_url`, with `{term}`, if the
    /// site is searched.
    pub search: Option<String>,
    /// Keyword search terms (empty without `search`).
    pub terms: Vec<String>,
    /// Read the `Sitemap:` lines of robots.txt for listing pages.
    pub robots_sitemaps: bool,
    /// More sitemap URLs (relative to `base_url`) to read for listing pages.
    pub sitemaps: Vec<String>,
    /// Start URLs (relative to `base_url`): home, category or listing-index
    /// pages whose links are followed.
    pub start: Vec<String>,
    /// Which found links may be requested, and whether links are followed.
    pub follow: Follow,
    /// Link hops from a seed (start URL, search page, sitemap, revisit);
    /// `[scope].max_depth` unless the site sets its own.
    pub max_depth: u32,
    /// Requests to this site per run; `[scope].max_pages_per_host` unless
    /// the site sets its own (never more).
    pub max_pages: usize,
    /// The platform's report intake (`[sites.report_intake] url`), if it
    /// takes reports by HTTP: an http(s) URL, or a path relative to the
    /// site's base (resolved with the base, so `demo:` sites work).
    pub report_intake: Option<String>,
}

impl SiteConfig {
    /// The report intake's URL for the site served at `base`.
    pub fn report_intake_url(&self, base: &Url) -> Option<Url> {
        let u = self.report_intake.as_ref()?;
        base.join(u).ok()
    }
}

/// The reference files a job names for its analysis (`[reference]`), each
/// resolved against the job file's folder and checked to exist; `None` (or
/// an empty list) leaves the choice to the caller (a flag, else the
/// embedded default). The crawler itself reads none of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferenceFiles {
    /// The species lexicon TOML.
    pub lexicon: Option<PathBuf>,
    /// The places gazetteer TOML.
    pub places: Option<PathBuf>,
    /// ECB reference-rate files (`eurofxref-hist.csv` or its `.zip`).
    pub rates: Vec<PathBuf>,
}

/// A validated, immutable crawl job.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// Where it was read from.
    pub path: PathBuf,
    /// Job name (letters, digits, `-`, `_`).
    pub job: String,
    /// Who we are.
    pub identity: Identity,
    /// Politeness bounds.
    pub politeness: Politeness,
    /// Fetch limits.
    pub fetch: FetchLimits,
    /// Scope limits.
    pub scope: Scope,
    /// Root of lake/, state/, out/ and keys/.
    pub data_dir: PathBuf,
    /// The HMAC key file for seller pseudonyms.
    pub pseudonym_key: PathBuf,
    /// Revisit policy.
    pub revisit: Revisit,
    /// Evidence mode: WARC folder when every exchange is to be kept as WARC 1.1.
    pub warc_dir: Option<PathBuf>,
    /// When `wildtrace schedule` runs the job (cron, seconds field first;
    /// `source()` is the expression as written), if it is scheduled.
    pub schedule: Option<cron::Schedule>,
    /// Sites, in file order.
    pub sites: Vec<SiteConfig>,
    /// The job's `[reference]` files for its analysis.
    pub reference: ReferenceFiles,
}

impl CrawlConfig {
    /// Reads and validates a job file. Relative paths inside it (profiles,
    /// `[reference]` files) resolve against the file's folder; `data_dir`
    /// against the current directory. A site's `profile` that is a bare
    /// name (`bazaar`) with no file of that name beside the job is the
    /// embedded profile of that name.
    pub fn load(path: &Path) -> Result<CrawlConfig, ConfigError> {
        let text = read_text(path)?;
        Self::parse(path, &text)
    }

    /// Validates job text that claims to come from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<CrawlConfig, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e))?;
        let err = |span: Range<usize>, key: &str, msg: String| {
            ConfigError::at(path, text, span, key, msg)
        };

        let job = raw.job.name.get_ref().clone();
        if job.is_empty()
            || !job
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(
                raw.job.name.span(),
                "job.name",
                "must be letters, digits, '-' or '_'".into(),
            ));
        }

        let token = raw.identity.product_token.get_ref().clone();
        // RFC 9309 §2.2.1: a product token is [a-zA-Z_-]+.
        if token.is_empty()
            || !token
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
        {
            return Err(err(
                raw.identity.product_token.span(),
                "identity.product_token",
                "must be a non-empty RFC 9309 product token (letters, '_' and '-' only); the crawler refuses to run anonymously".into(),
            ));
        }
        let contact = raw.identity.contact.get_ref().trim().to_string();
        if !valid_contact(&contact) {
            return Err(err(
                raw.identity.contact.span(),
                "identity.contact",
                "must be an http(s) URL or an e-mail address a site owner can reach; the crawler refuses to run without one".into(),
            ));
        }

        let p = &raw.politeness;
        if *p.min_delay_ms.get_ref() < 10 {
            // why: even on loopback, a floor keeps the scheduler honest in tests.
            return Err(err(
                p.min_delay_ms.span(),
                "politeness.min_delay_ms",
                "must be at least 10 ms".into(),
            ));
        }
        let max_cd = *p.max_crawl_delay_s.get_ref();
        if !(max_cd.is_finite() && max_cd > 0.0) {
            return Err(err(
                p.max_crawl_delay_s.span(),
                "politeness.max_crawl_delay_s",
                "must be a positive number of seconds".into(),
            ));
        }
        if *p.max_in_flight.get_ref() == 0 {
            return Err(err(
                p.max_in_flight.span(),
                "politeness.max_in_flight",
                "must be at least 1".into(),
            ));
        }
        if !(1..=8).contains(p.per_host_concurrency.get_ref()) {
            // why: parallel requests to one host only make sense for slow sites; eight is plenty.
            return Err(err(
                p.per_host_concurrency.span(),
                "politeness.per_host_concurrency",
                "must be between 1 and 8".into(),
            ));
        }
        if *p.max_retry_after_s.get_ref() == 0 {
            return Err(err(
                p.max_retry_after_s.span(),
                "politeness.max_retry_after_s",
                "must be at least 1".into(),
            ));
        }
        if *raw.fetch.max_body_bytes.get_ref() < 1024 {
            return Err(err(
                raw.fetch.max_body_bytes.span(),
                "fetch.max_body_bytes",
                "must be at least 1024".into(),
            ));
        }
        let f = &raw.fetch;
        if let Some(w) = &f.parse_workers
            && !(1..=256).contains(w.get_ref())
        {
            return Err(err(
                w.span(),
                "fetch.parse_workers",
                "must be between 1 and 256".into(),
            ));
        }
        if !(32..=100_000).contains(f.max_html_depth.get_ref()) {
            // why: below 32 real pages lose structure; far above Chromium's
            // 512 the tree builder's cost (the square of the depth) returns.
            return Err(err(
                f.max_html_depth.span(),
                "fetch.max_html_depth",
                "must be between 32 and 100000 (browsers use 512)".into(),
            ));
        }
        if *f.max_html_elements.get_ref() < 1000 {
            return Err(err(
                f.max_html_elements.span(),
                "fetch.max_html_elements",
                "must be at least 1000".into(),
            ));
        }
        if !(10..=600_000).contains(f.max_parse_ms.get_ref()) {
            return Err(err(
                f.max_parse_ms.span(),
                "fetch.max_parse_ms",
                "must be between 10 and 600000".into(),
            ));
        }
        if *raw.fetch.max_redirects.get_ref() > 5 {
            // why: RFC 9309 §2.3.1.2 asks for at least five; more only feeds loops.
            return Err(err(
                raw.fetch.max_redirects.span(),
                "fetch.max_redirects",
                "must be at most 5".into(),
            ));
        }

        if raw.sites.is_empty() {
            // why: a job that crawls nothing must not exit 0 as if it had run.
            return Err(err(
                text.trim_end().len()..text.trim_end().len(),
                "sites",
                "the job lists no sites: add a [[sites]] table (name, base_url, profile, and search + terms or start URLs)"
                    .into(),
            ));
        }
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let mut sites = Vec::new();
        let mut seen = BTreeMap::new();
        for (i, s) in raw.sites.iter().enumerate() {
            let key = |k: &str| format!("sites[{i}].{k}");
            let name = s.name.get_ref().clone();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(err(
                    s.name.span(),
                    &key("name"),
                    "must be letters, digits, '-' or '_'".into(),
                ));
            }
            if seen.insert(name.clone(), i).is_some() {
                return Err(err(
                    s.name.span(),
                    &key("name"),
                    format!("site `{name}` is listed twice"),
                ));
            }
            let raw_base = s.base_url.get_ref();
            let base = match raw_base.strip_prefix("demo:") {
                Some(n) => Base::Named(n.to_string()),
                None => match Url::parse(raw_base) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                        Base::Url(u)
                    }
                    _ => {
                        return Err(err(
                            s.base_url.span(),
                            &key("base_url"),
                            "must be an http(s) URL or demo:<site>".into(),
                        ));
                    }
                },
            };
            if let Base::Url(u) = &base {
                // why: a base URL that names a private or loopback address
                // would only be refused at run time, after the run began;
                // say so now, naming the key that would allow it.
                if let Some(why) = private_targets(&raw.scope).refusal(u) {
                    return Err(err(
                        s.base_url.span(),
                        &key("base_url"),
                        format!("`{u}` is a {why}"),
                    ));
                }
            }
            let (search, terms) = site_search(s, &key, &err)?;
            let sitemaps = s
                .sitemaps
                .as_ref()
                .map(|v| v.get_ref().clone())
                .unwrap_or_default();
            for u in &sitemaps {
                if Url::parse("http://example.invalid/")
                    .expect("static")
                    .join(u)
                    .is_err()
                {
                    return Err(err(
                        s.sitemaps.as_ref().map(|v| v.span()).unwrap_or(0..0),
                        &key("sitemaps"),
                        format!("`{u}` is not a URL or path"),
                    ));
                }
            }
            let mut start = Vec::new();
            for (j, u) in s.start.iter().flatten().enumerate() {
                let joined = match &base {
                    Base::Url(b) => b.join(u.get_ref()).ok(),
                    Base::Named(_) => Url::parse("http://example.invalid/")
                        .expect("static")
                        .join(u.get_ref())
                        .ok(),
                };
                let on_site = match (&base, &joined) {
                    (_, None) => false,
                    (Base::Url(b), Some(j)) => {
                        j.host() == b.host()
                            && j.port_or_known_default() == b.port_or_known_default()
                    }
                    (Base::Named(_), Some(j)) => j.host_str() == Some("example.invalid"),
                };
                if !on_site {
                    // why: a start URL is still bound by scope: only the configured host is crawled.
                    return Err(err(
                        u.span(),
                        &key(&format!("start[{j}]")),
                        format!(
                            "`{}` is not a path on the site (or a URL of its own host)",
                            u.get_ref()
                        ),
                    ));
                }
                start.push(u.get_ref().clone());
            }
            let follow = site_follow(s, &key, &err)?;
            let explicit_robots_sitemaps = s.robots_sitemaps.as_ref().is_some_and(|b| *b.get_ref());
            if search.is_none()
                && start.is_empty()
                && sitemaps.is_empty()
                && !explicit_robots_sitemaps
            {
                // why: a site that can discover nothing would crawl nothing and look like it ran.
                return Err(err(
                    s.name.span(),
                    &key("name"),
                    format!(
                        "site `{name}` has no discovery source: give `search` and `terms`, \
                         `start` URLs, or `sitemaps` (or `robots_sitemaps = true` to rely on \
                         robots.txt's Sitemap lines)"
                    ),
                ));
            }
            let max_pages = match &s.max_pages {
                Some(m) if *m.get_ref() == 0 || *m.get_ref() > raw.scope.max_pages_per_host => {
                    return Err(err(
                        m.span(),
                        &key("max_pages"),
                        format!(
                            "must be between 1 and scope.max_pages_per_host ({})",
                            raw.scope.max_pages_per_host
                        ),
                    ));
                }
                Some(m) => *m.get_ref(),
                None => raw.scope.max_pages_per_host,
            };
            let report_intake = match &s.report_intake {
                None => None,
                Some(r) => {
                    let u = r.url.get_ref().trim();
                    let ok = match Url::parse(u) {
                        Ok(abs) => matches!(abs.scheme(), "http" | "https") && abs.host().is_some(),
                        Err(_) => u.starts_with('/') && !u.starts_with("//"),
                    };
                    if !ok {
                        return Err(err(
                            r.url.span(),
                            &key("report_intake.url"),
                            format!(
                                "`{u}` must be an http(s) URL or a path on the site starting with /"
                            ),
                        ));
                    }
                    Some(u.to_string())
                }
            };
            let profile_path = base_dir.join(s.profile.get_ref());
            let embedded = if profile_path.exists() || !is_bare_name(s.profile.get_ref()) {
                None
            } else {
                SiteProfile::embedded(s.profile.get_ref())
            };
            let profile = match embedded {
                Some(profile) => profile?,
                None => {
                    if let Err(e) = std::fs::metadata(&profile_path) {
                        // why: a dangling reference is the job file's mistake, so the
                        // error names the job file, the site and the key to fix.
                        return Err(err(
                            s.profile.span(),
                            &key("profile"),
                            format!(
                                "site `{name}`: profile {} cannot be read ({e}); paths are relative to the job file",
                                profile_path.display()
                            ),
                        ));
                    }
                    SiteProfile::load(&profile_path)?
                }
            };
            sites.push(SiteConfig {
                name,
                base,
                profile,
                search,
                terms,
                robots_sitemaps: s.robots_sitemaps.as_ref().is_none_or(|b| *b.get_ref()),
                sitemaps,
                start,
                follow,
                max_depth: s.max_depth.unwrap_or(raw.scope.max_depth),
                max_pages,
                report_intake,
            });
        }

        // why: a reference that cannot be read is the job file's mistake, so
        // it is refused here, naming the key, before any analysis starts.
        let existing = |v: &Spanned<String>, key: &str| -> Result<PathBuf, ConfigError> {
            let p = base_dir.join(v.get_ref());
            match std::fs::metadata(&p) {
                Ok(m) if m.is_file() => Ok(p),
                Ok(_) => Err(err(v.span(), key, format!("{} is not a file", p.display()))),
                Err(e) => Err(err(
                    v.span(),
                    key,
                    format!(
                        "{} cannot be read ({e}); paths are relative to the job file",
                        p.display()
                    ),
                )),
            }
        };
        let r = &raw.reference;
        let reference = ReferenceFiles {
            lexicon: r
                .lexicon
                .as_ref()
                .map(|v| existing(v, "reference.lexicon"))
                .transpose()?,
            places: r
                .places
                .as_ref()
                .map(|v| existing(v, "reference.places"))
                .transpose()?,
            rates: match &r.rates {
                None => Vec::new(),
                Some(list) => list
                    .get_ref()
                    .iter()
                    .map(|f| existing(&Spanned::new(list.span(), f.clone()), "reference.rates"))
                    .collect::<Result<_, _>>()?,
            },
        };

        let interval = *raw.revisit.min_interval_h.get_ref();
        if !(interval.is_finite() && interval >= 0.0) {
            return Err(err(
                raw.revisit.min_interval_h.span(),
                "revisit.min_interval_h",
                "must be zero or a positive number of hours".into(),
            ));
        }
        let schedule = match &raw.schedule {
            Some(s) => {
                let expr = s.cron.get_ref().trim();
                match expr.parse::<cron::Schedule>() {
                    Ok(c) => Some(c),
                    Err(e) => {
                        return Err(err(
                            s.cron.span(),
                            "schedule.cron",
                            format!(
                                "not a cron expression (sec min hour day month weekday [year]): {e}"
                            ),
                        ));
                    }
                }
            }
            None => None,
        };
        let data_dir = PathBuf::from(&raw.storage.data_dir);
        let pseudonym_key = raw
            .storage
            .pseudonym_key
            .as_ref()
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("keys").join("pseudonym.key"));

        let warc_dir = raw.evidence.warc.then(|| {
            raw.evidence
                .dir
                .as_ref()
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("warc").join(&job))
        });
        Ok(CrawlConfig {
            path: path.to_path_buf(),
            job,
            identity: Identity {
                product_token: token,
                contact,
            },
            politeness: Politeness {
                min_delay: Duration::from_millis(*p.min_delay_ms.get_ref()),
                max_crawl_delay: Duration::from_secs_f64(max_cd),
                max_in_flight: *p.max_in_flight.get_ref(),
                per_host_concurrency: *p.per_host_concurrency.get_ref(),
                max_retries: p.max_retries,
                max_retry_after: Duration::from_secs(*p.max_retry_after_s.get_ref()),
            },
            fetch: FetchLimits {
                connect_timeout: Duration::from_millis(raw.fetch.connect_timeout_ms),
                read_timeout: Duration::from_millis(raw.fetch.read_timeout_ms),
                timeout: Duration::from_millis(raw.fetch.timeout_ms),
                max_body_bytes: *raw.fetch.max_body_bytes.get_ref(),
                max_redirects: *raw.fetch.max_redirects.get_ref(),
                // why: parsing is CPU work; more threads than cores only
                // queue in the kernel instead of in our semaphore.
                parse_workers: raw.fetch.parse_workers.as_ref().map_or_else(
                    || std::thread::available_parallelism().map_or(2, |n| n.get()),
                    |w| *w.get_ref(),
                ),
                page: PageLimits {
                    max_depth: *raw.fetch.max_html_depth.get_ref(),
                    max_elements: *raw.fetch.max_html_elements.get_ref(),
                    max_time: Duration::from_millis(*raw.fetch.max_parse_ms.get_ref()),
                },
            },
            scope: Scope {
                private_targets: private_targets(&raw.scope),
                max_pages_per_host: raw.scope.max_pages_per_host,
                max_search_pages: raw.scope.max_search_pages,
                max_url_len: raw.scope.max_url_len,
                max_depth: raw.scope.max_depth,
                max_path_repeats: raw.scope.max_path_repeats.max(1),
                max_query_variants: raw.scope.max_query_variants.max(1),
                tracking_params: raw.scope.tracking_params.clone(),
                max_sitemap_depth: raw.scope.max_sitemap_depth,
                max_sitemap_urls: raw.scope.max_sitemap_urls.min(50_000),
            },
            warc_dir,
            revisit: Revisit {
                enabled: raw.revisit.enabled,
                min_interval: Duration::from_secs_f64(interval * 3600.0),
            },
            schedule,
            data_dir,
            pseudonym_key,
            sites,
            reference,
        })
    }

    /// Folder of the Parquet lake.
    pub fn lake_dir(&self) -> PathBuf {
        self.data_dir.join("lake")
    }

    /// Folder of this job's crawl state (registry, run counter).
    pub fn state_dir(&self) -> PathBuf {
        self.data_dir.join("state").join(&self.job)
    }
}

/// How a config error is made: span, key, message.
type ErrAt<'a> = dyn Fn(Range<usize>, &str, String) -> ConfigError + 'a;

/// A site's search template and terms: both or neither.
fn site_search(
    s: &RawSite,
    key: &dyn Fn(&str) -> String,
    err: &ErrAt<'_>,
) -> Result<(Option<String>, Vec<String>), ConfigError> {
    let terms = s
        .terms
        .as_ref()
        .map(|t| t.get_ref().clone())
        .unwrap_or_default();
    if let Some(t) = &s.terms
        && t.get_ref().iter().any(|t| t.trim().is_empty())
    {
        return Err(err(
            t.span(),
            &key("terms"),
            "search terms must not be empty".into(),
        ));
    }
    match (&s.search, &s.terms) {
        (Some(search), _) if !search.get_ref().contains("{term}") => Err(err(
            search.span(),
            &key("search"),
            "must contain {term}".into(),
        )),
        (Some(search), _) if terms.is_empty() => Err(err(
            search.span(),
            &key("terms"),
            "a search template needs `terms` to search for".into(),
        )),
        (Some(search), _) => Ok((Some(search.get_ref().clone()), terms)),
        (None, Some(t)) => Err(err(
            t.span(),
            &key("terms"),
            "terms need a `search` template with {term}".into(),
        )),
        (None, None) => Ok((None, Vec::new())),
    }
}

/// A site's follow patterns, compiled; a pattern that does not compile
/// names its own line and index.
fn site_follow(
    s: &RawSite,
    key: &dyn Fn(&str) -> String,
    err: &ErrAt<'_>,
) -> Result<Follow, ConfigError> {
    // Links are followed from start URLs on; the patterns alone only filter.
    let links = s.start.as_ref().is_some_and(|v| !v.is_empty());
    let Some(f) = &s.follow else {
        return Ok(Follow {
            links,
            include: None,
            exclude: None,
        });
    };
    let compile = |list: &[Spanned<String>], what: &str| -> Result<Option<RegexSet>, ConfigError> {
        for (j, p) in list.iter().enumerate() {
            if let Err(e) = regex::Regex::new(p.get_ref()) {
                // The regex crate draws its error over several lines; a config error is one.
                let why = e.to_string();
                let why: Vec<&str> = why
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                return Err(err(
                    p.span(),
                    &key(&format!("follow.{what}[{j}]")),
                    format!("invalid regex: {}", why.join(" ")),
                ));
            }
        }
        if list.is_empty() {
            return Ok(None);
        }
        let set = RegexSet::new(list.iter().map(|p| p.get_ref().as_str()))
            .expect("every pattern compiled alone");
        Ok(Some(set))
    };
    Ok(Follow {
        links,
        include: compile(&f.include, "include")?,
        exclude: compile(&f.exclude, "exclude")?,
    })
}

fn valid_contact(contact: &str) -> bool {
    if let Ok(u) = Url::parse(contact) {
        if matches!(u.scheme(), "http" | "https") && u.host().is_some() {
            return true;
        }
        if u.scheme() == "mailto" {
            return valid_email(u.path());
        }
    }
    valid_email(contact)
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == '(' || c == ')')
}

/// Which non-public targets the job's `[scope]` opens.
fn private_targets(scope: &RawScope) -> PrivateTargets {
    if scope.allow_private_addresses {
        PrivateTargets::All
    } else if scope.allow_loopback {
        PrivateTargets::Loopback
    } else {
        PrivateTargets::None
    }
}
