//! Sitemap parsing (sitemaps.org protocol): XML `<urlset>` and
//! `<sitemapindex>` (with `<lastmod>`), plain-text sitemaps (one URL a line)
//! and either of them gzip-compressed (detected by the magic bytes, not by the
//! file name or Content-Type).
//!
//! It owns the per-file limits: at most [`SitemapLimits::max_bytes`] of
//! decompressed input (streamed through a limit, so a gzip bomb costs at most
//! that much) and [`SitemapLimits::max_urls`] entries; XML entities are never
//! expanded (quick-xml does not read DTDs, and unknown `&name;` references are
//! kept verbatim), so a billion-laughs file costs nothing. It must not fetch
//! anything, follow child sitemaps or decide scope: the caller fetches, checks
//! scope and enforces [`SitemapLimits::max_depth`] when it follows `children`.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde::Serialize;
use url::Url;

/// Limits for one sitemap file (defaults are the protocol's own caps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SitemapLimits {
    /// Most bytes read after decompression (protocol: 50 MB = 52,428,800).
    pub max_bytes: u64,
    /// Most `<url>`/`<sitemap>` entries taken from one file (protocol: 50,000).
    pub max_urls: usize,
    /// How deep the caller may follow `<sitemapindex>` children (1 = only
    /// sitemaps named by robots.txt; the protocol allows no nesting of
    /// indexes, 2 tolerates one level of it).
    pub max_depth: u32,
}

impl Default for SitemapLimits {
    fn default() -> Self {
        SitemapLimits {
            max_bytes: 52_428_800,
            max_urls: 50_000,
            max_depth: 2,
        }
    }
}

/// One page listed by a sitemap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SitemapUrl {
    /// Absolute http(s) URL from `<loc>`.
    pub loc: Url,
    /// `<lastmod>` exactly as written (W3C datetime), when present.
    pub lastmod: Option<String>,
}

/// What one sitemap file lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sitemap {
    /// Pages (from a `<urlset>` or a text sitemap).
    pub urls: Vec<SitemapUrl>,
    /// Child sitemaps (from a `<sitemapindex>`).
    pub children: Vec<Url>,
    /// Whether a limit cut the file short (bytes or entries).
    pub truncated: bool,
}

/// Why a body is not a usable sitemap.
#[derive(Debug, thiserror::Error)]
pub enum SitemapError {
    /// The gzip stream is corrupt.
    #[error("sitemap {url}: bad gzip data: {message}")]
    Gzip {
        /// The sitemap's URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// Malformed XML (before any limit was reached).
    #[error("sitemap {url}: malformed XML at byte {position}: {message}")]
    Xml {
        /// The sitemap's URL.
        url: String,
        /// Byte offset in the decompressed body.
        position: u64,
        /// Cause.
        message: String,
    },
    /// Well-formed XML whose root is neither `urlset` nor `sitemapindex`.
    #[error("sitemap {url}: root element <{root}> is neither <urlset> nor <sitemapindex>")]
    NotASitemap {
        /// The sitemap's URL.
        url: String,
        /// The root element found.
        root: String,
    },
}

/// Parses one sitemap body (XML or text, optionally gzipped). Entries whose
/// `<loc>` is not an absolute http(s) URL are dropped; scope is the caller's.
pub fn parse_sitemap(
    body: &[u8],
    sitemap_url: &Url,
    limits: &SitemapLimits,
) -> Result<Sitemap, SitemapError> {
    let (data, mut truncated) = decompress(body, sitemap_url, limits.max_bytes)?;
    let data = data.as_slice();
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    let mut map = if first == Some(&b'<') {
        parse_xml(data, sitemap_url, limits, truncated)?
    } else {
        parse_text(data, limits)
    };
    truncated |= map.truncated;
    map.truncated = truncated;
    Ok(map)
}

/// The body, gunzipped when it starts with the gzip magic, cut at `max` bytes.
fn decompress(body: &[u8], url: &Url, max: u64) -> Result<(Vec<u8>, bool), SitemapError> {
    if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // why: read at most max+1 bytes, so a gzip bomb is cut off at the cap
        // instead of being inflated into memory.
        flate2::read::MultiGzDecoder::new(body)
            .take(max.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| SitemapError::Gzip {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        let cut = out.len() as u64 > max;
        out.truncate(usize::try_from(max).unwrap_or(usize::MAX));
        Ok((out, cut))
    } else {
        let n = usize::try_from(max).unwrap_or(usize::MAX).min(body.len());
        Ok((body[..n].to_vec(), n < body.len()))
    }
}

fn absolute(loc: &str) -> Option<Url> {
    let u = Url::parse(loc.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then_some(u)
}

fn parse_text(data: &[u8], limits: &SitemapLimits) -> Sitemap {
    let text = String::from_utf8_lossy(data);
    let mut map = Sitemap::default();
    for line in text.lines() {
        if map.urls.len() >= limits.max_urls {
            map.truncated = true;
            break;
        }
        if let Some(loc) = absolute(line) {
            map.urls.push(SitemapUrl { loc, lastmod: None });
        }
    }
    map
}

#[derive(PartialEq)]
enum Field {
    None,
    Loc,
    Lastmod,
}

fn parse_xml(
    data: &[u8],
    url: &Url,
    limits: &SitemapLimits,
    cut_short: bool,
) -> Result<Sitemap, SitemapError> {
    let mut reader = Reader::from_reader(data);
    let mut buf = Vec::new();
    let mut map = Sitemap::default();
    let mut root: Option<String> = None;
    let mut in_entry = false;
    // Depth of the current element, and of the open <url>/<sitemap>: only
    // its direct children count (an <image:loc> inside <url> is no page).
    let mut depth = 0usize;
    let mut entry_depth = 0usize;
    let mut field = Field::None;
    let mut loc = String::new();
    let mut lastmod = String::new();
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            // A cut-short body ends mid-element; what was read before stands.
            Err(_) if cut_short => break,
            Err(e) => {
                return Err(SitemapError::Xml {
                    url: url.to_string(),
                    position: reader.error_position(),
                    message: e.to_string(),
                });
            }
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let child = in_entry && depth == entry_depth + 1;
                match &root {
                    None => {
                        if name != "urlset" && name != "sitemapindex" {
                            return Err(SitemapError::NotASitemap {
                                url: url.to_string(),
                                root: name,
                            });
                        }
                        root = Some(name);
                    }
                    Some(_) if !in_entry && (name == "url" || name == "sitemap") => {
                        in_entry = true;
                        entry_depth = depth;
                        loc.clear();
                        lastmod.clear();
                    }
                    Some(_) if child && name == "loc" => field = Field::Loc,
                    Some(_) if child && name == "lastmod" => field = Field::Lastmod,
                    Some(_) => field = Field::None,
                }
            }
            Event::Empty(e) if root.is_none() => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name != "urlset" && name != "sitemapindex" {
                    return Err(SitemapError::NotASitemap {
                        url: url.to_string(),
                        root: name,
                    });
                }
                break;
            }
            Event::Text(t) => {
                push_text(
                    &field,
                    &mut loc,
                    &mut lastmod,
                    &t.decode().unwrap_or_default(),
                );
            }
            Event::CData(t) => {
                push_text(
                    &field,
                    &mut loc,
                    &mut lastmod,
                    &t.decode().unwrap_or_default(),
                );
            }
            Event::GeneralRef(r) => {
                // why: only the five predefined entities and character
                // references are resolved; anything a DTD declares stays
                // verbatim, so entity bombs expand to nothing.
                let name = String::from_utf8_lossy(&r).into_owned();
                let resolved = match name.as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                let s = match resolved {
                    Some(c) => c.to_string(),
                    None => format!("&{name};"),
                };
                push_text(&field, &mut loc, &mut lastmod, &s);
            }
            Event::End(e) => {
                let closes_entry = in_entry && depth == entry_depth;
                depth = depth.saturating_sub(1);
                let name = e.local_name();
                let name = name.as_ref();
                if name == b"loc" || name == b"lastmod" {
                    field = Field::None;
                } else if closes_entry && (name == b"url" || name == b"sitemap") {
                    in_entry = false;
                    if map.urls.len() + map.children.len() >= limits.max_urls {
                        map.truncated = true;
                        break;
                    }
                    if let Some(u) = absolute(&loc) {
                        if root.as_deref() == Some("sitemapindex") {
                            map.children.push(u);
                        } else {
                            let lm = lastmod.trim();
                            map.urls.push(SitemapUrl {
                                loc: u,
                                lastmod: (!lm.is_empty()).then(|| lm.to_string()),
                            });
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if root.is_none() && !cut_short {
        return Err(SitemapError::NotASitemap {
            url: url.to_string(),
            root: String::new(),
        });
    }
    Ok(map)
}

fn push_text(field: &Field, loc: &mut String, lastmod: &mut String, text: &str) {
    // why: a hostile <loc> cannot grow without bound; no real URL is this long.
    match field {
        Field::Loc if loc.len() < 4096 => loc.push_str(text),
        Field::Lastmod if lastmod.len() < 64 => lastmod.push_str(text),
        _ => {}
    }
}
