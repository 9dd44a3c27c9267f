//! Site profiles (`config/sites/<name>.toml`): how to recognise listing
//! pages, follow pagination (of search results and listing indexes), read
//! fields a site does not publish as structured data, and how it says a
//! listing has ended.
//!
//! It owns parsing and validating profiles (a bad selector or regex is a
//! config error naming file, line and key), and the profiles of
//! `config/sites/` compiled into the crate ([`EMBEDDED_PROFILES`]), which a
//! bare name (`bazaar`) resolves to when no file of that name exists, so
//! jobs and `inspect extract --profile NAME` work from any folder. It must
//! not fetch anything.

use std::ops::Range;
use std::path::Path;

use regex::Regex;
use scraper::Selector;
use serde::Deserialize;
use toml::Spanned;

use crate::config_error::{ConfigError, read_text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    #[serde(default)]
    description: Option<String>,
    links: RawLinks,
    #[serde(default)]
    fields: RawFields,
    #[serde(default)]
    removed: RawRemoved,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLinks {
    listing_path: Spanned<String>,
    #[serde(default)]
    search_path: Option<Spanned<String>>,
    #[serde(default)]
    next_page: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFields {
    listing_id: Option<RawField>,
    title: Option<RawField>,
    description: Option<RawField>,
    price: Option<RawField>,
    currency: Option<RawField>,
    seller: Option<RawField>,
    seller_location: Option<RawField>,
    ships_to: Option<RawField>,
    posted_date: Option<RawField>,
    images: Option<RawField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    selector: Spanned<String>,
    #[serde(default)]
    attr: Option<String>,
    #[serde(default)]
    regex: Option<Spanned<String>>,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    fill: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemoved {
    #[serde(default)]
    markers: Vec<String>,
}

/// How to read one field from a page.
#[derive(Debug, Clone)]
pub struct FieldRule {
    /// CSS selector.
    pub selector: Selector,
    /// Read this attribute instead of the text.
    pub attr: Option<String>,
    /// Keep the first capture group (or the whole match) of this regex.
    pub regex: Option<Regex>,
    /// Collect every match (images) rather than the first.
    pub all: bool,
    /// Only fill the field when structured data left it empty (default: override).
    pub fill: bool,
}

/// Field rules; `None` leaves the field to structured data.
#[derive(Debug, Clone, Default)]
pub struct FieldRules {
    /// The site's own listing id.
    pub listing_id: Option<FieldRule>,
    /// Title.
    pub title: Option<FieldRule>,
    /// Description.
    pub description: Option<FieldRule>,
    /// Price text.
    pub price: Option<FieldRule>,
    /// Separate currency element (a hint for the price parser).
    pub currency: Option<FieldRule>,
    /// Seller handle (pseudonymised before it leaves the extractor).
    pub seller: Option<FieldRule>,
    /// Seller location text.
    pub seller_location: Option<FieldRule>,
    /// Ships-to text.
    pub ships_to: Option<FieldRule>,
    /// Posted date (ISO date or datetime).
    pub posted_date: Option<FieldRule>,
    /// Image URLs.
    pub images: Option<FieldRule>,
}

/// A validated site profile.
#[derive(Debug, Clone)]
pub struct SiteProfile {
    /// Profile name (the file stem).
    pub name: String,
    /// URL paths (with query) of listing pages.
    pub listing_path: Regex,
    /// URL paths of search pages; a redirect of a listing here means removed.
    pub search_path: Option<Regex>,
    /// Pagination link on search pages and on followed pages (listing
    /// indexes), default `a[rel~=next]`.
    pub next_page: Selector,
    /// Field rules.
    pub fields: FieldRules,
    /// Texts that mark an ended or removed listing on a 200 page.
    pub removed_markers: Vec<String>,
}

/// The site profiles of `config/sites/`, compiled in: (name, text).
pub const EMBEDDED_PROFILES: &[(&str, &str)] = &[
    ("bazaar", include_str!("../../config/sites/bazaar.toml")),
    (
        "curioshop",
        include_str!("../../config/sites/curioshop.toml"),
    ),
    (
        "reptileforum",
        include_str!("../../config/sites/reptileforum.toml"),
    ),
];

/// Whether a profile reference is a bare name (`bazaar`) rather than a
/// path: no folder separator and no `.toml` ending.
pub fn is_bare_name(reference: &str) -> bool {
    !reference.is_empty()
        && !reference.ends_with(".toml")
        && !reference.contains('/')
        && !reference.contains('\\')
}

impl SiteProfile {
    /// Loads and validates a profile file.
    pub fn load(path: &Path) -> Result<SiteProfile, ConfigError> {
        let text = read_text(path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::parse(&text, path, name)
    }

    /// The embedded profile of this name (errors name it
    /// `embedded:config/sites/<name>.toml`), if this build has one.
    pub fn embedded(name: &str) -> Option<Result<SiteProfile, ConfigError>> {
        let (name, text) = EMBEDDED_PROFILES.iter().find(|(n, _)| *n == name)?;
        let path = format!("embedded:config/sites/{name}.toml");
        Some(Self::parse(text, Path::new(&path), name.to_string()))
    }

    /// Validates profile text that claims to come from `path`, naming the
    /// profile `name` (the lake's source when no job names the site).
    pub fn parse(text: &str, path: &Path, name: String) -> Result<SiteProfile, ConfigError> {
        let raw: RawProfile =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e))?;
        let _ = raw.description;
        let err = |span: Range<usize>, key: &str, msg: String| {
            ConfigError::at(path, text, span, key, msg)
        };
        let regex = |s: &Spanned<String>, key: &str| {
            Regex::new(s.get_ref()).map_err(|e| err(s.span(), key, format!("invalid regex: {e}")))
        };
        let selector = |s: &Spanned<String>, key: &str| {
            Selector::parse(s.get_ref())
                .map_err(|e| err(s.span(), key, format!("invalid CSS selector: {e}")))
        };
        let field = |f: &Option<RawField>, name: &str| -> Result<Option<FieldRule>, ConfigError> {
            let Some(f) = f else { return Ok(None) };
            Ok(Some(FieldRule {
                selector: selector(&f.selector, &format!("fields.{name}.selector"))?,
                attr: f.attr.clone(),
                regex: f
                    .regex
                    .as_ref()
                    .map(|r| regex(r, &format!("fields.{name}.regex")))
                    .transpose()?,
                all: f.all,
                fill: f.fill,
            }))
        };
        let f = &raw.fields;
        Ok(SiteProfile {
            name,
            listing_path: regex(&raw.links.listing_path, "links.listing_path")?,
            search_path: raw
                .links
                .search_path
                .as_ref()
                .map(|s| regex(s, "links.search_path"))
                .transpose()?,
            next_page: match &raw.links.next_page {
                Some(s) => selector(s, "links.next_page")?,
                None => Selector::parse("a[rel~=next]").expect("static selector"),
            },
            fields: FieldRules {
                listing_id: field(&f.listing_id, "listing_id")?,
                title: field(&f.title, "title")?,
                description: field(&f.description, "description")?,
                price: field(&f.price, "price")?,
                currency: field(&f.currency, "currency")?,
                seller: field(&f.seller, "seller")?,
                seller_location: field(&f.seller_location, "seller_location")?,
                ships_to: field(&f.ships_to, "ships_to")?,
                posted_date: field(&f.posted_date, "posted_date")?,
                images: field(&f.images, "images")?,
            },
            removed_markers: raw.removed.markers,
        })
    }

    /// Whether a URL (path plus query) is a listing page of this site.
    pub fn is_listing(&self, url: &url::Url) -> bool {
        self.listing_path.is_match(&path_and_query(url))
    }

    /// Whether a URL is a search page of this site.
    pub fn is_search(&self, url: &url::Url) -> bool {
        self.search_path
            .as_ref()
            .is_some_and(|r| r.is_match(&path_and_query(url)))
    }
}

/// `/path?query` of a URL.
pub fn path_and_query(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_string(),
    }
}
