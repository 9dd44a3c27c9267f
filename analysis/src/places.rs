//! Places and trade routes: the seller's country from the free-text
//! `seller_location`, and destinations from `ships_to`, with a confidence.
//!
//! English country names and ISO 3166-1 alpha-2/alpha-3 codes come from the
//! `rust_iso3166` crate; names in other languages (fr, de, es, pt, ru, zh, vi,
//! th), common English variants, major cities, regions ("EU", "Asia"),
//! "worldwide", exclusion words ("except") and per-site default countries
//! come from the reviewable gazetteer `data/reference/places.toml`.
//!
//! It owns text matching of places and the confidence rules. It must not read
//! the lake or guess: a text that names no known place yields no country
//! (the site's default, when the gazetteer gives one, is used and labelled
//! `inferred_from_site`).
//!
//! Matching: text and names are lower-cased and Latin diacritics are folded
//! (São → sao); names match whole words, except names in scripts written
//! without spaces (Han, Thai), which match anywhere. Codes match only as
//! upper-case tokens of the original text ("USA", "GB"), so "in"/"to" never
//! read as India/Tonga. A country name outranks a city; the last one named
//! wins ("Lagos, Nigeria" → NG). In `ships_to`, everything after an exclusion
//! word ("Worldwide except USA") is ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::AnalysisError;

/// How a country was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceConfidence {
    /// The listing names it.
    Stated,
    /// The listing names none; the site's default country (gazetteer `[site_country]`).
    InferredFromSite,
}

impl PlaceConfidence {
    /// `stated` or `inferred_from_site`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceConfidence::Stated => "stated",
            PlaceConfidence::InferredFromSite => "inferred_from_site",
        }
    }
}

/// A seller's country with its confidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerCountry {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub confidence: PlaceConfidence,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Country {
        code: String,
        city: bool,
    },
    Region(String),
    /// Ships only within the seller's own country ("local pickup only").
    Domestic,
    /// Starts the list of excluded destinations ("except").
    Except,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGazetteer {
    version: String,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    site_country: BTreeMap<String, String>,
    #[serde(default)]
    regions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    domestic: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    #[serde(default)]
    countries: BTreeMap<String, RawCountry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    cities: Vec<String>,
}

/// The loaded gazetteer with its compiled matcher.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    version: String,
    sha256: String,
    site_country: BTreeMap<String, String>,
    matcher: AhoCorasick,
    /// Per pattern: the place and whether it needs word boundaries.
    places: Vec<(Place, bool)>,
}

/// Lower-cases and folds Latin diacritics (é → e, ß → ss); other scripts as is.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars().flat_map(char::to_lowercase) {
        let mapped = match ch {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            'ś' | 'š' => "s",
            'ź' | 'ż' | 'ž' => "z",
            'ł' => "l",
            '’' | '\'' => "'",
            _ => {
                out.push(ch);
                continue;
            }
        };
        out.push_str(mapped);
    }
    out
}

/// Scripts written without spaces between words: match anywhere.
fn unspaced(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32,
            0x0E00..=0x0E7F // Thai
            | 0x3040..=0x30FF // kana
            | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF // Han
        )
    })
}

impl Gazetteer {
    /// Loads and validates `places.toml`.
    pub fn load(path: &Path) -> Result<Gazetteer, AnalysisError> {
        let src = crate::reference::read_text(path)?;
        Gazetteer::from_toml(&src, path)
    }

    /// Parses a gazetteer from TOML text (`path` names it in errors).
    pub fn from_toml(src: &str, path: &Path) -> Result<Gazetteer, AnalysisError> {
        let bad = |message: String| AnalysisError::Reference {
            path: PathBuf::from(path),
            message,
        };
        let raw: RawGazetteer = toml::from_str(src).map_err(|e| {
            let line = e
                .span()
                .map(|s| src[..s.start.min(src.len())].lines().count().max(1))
                .unwrap_or(0);
            bad(format!("line {line}: {}", e.message()))
        })?;
        let known = |code: &str| rust_iso3166::from_alpha2(code).is_some();
        let mut patterns: Vec<String> = Vec::new();
        let mut places: Vec<(Place, bool)> = Vec::new();
        let mut add = |name: &str, place: Place| {
            let f = fold(name.trim());
            if f.is_empty() {
                return;
            }
            let boundary = !unspaced(&f);
            patterns.push(f);
            places.push((place, boundary));
        };
        for c in rust_iso3166::ALL {
            add(
                c.name,
                Place::Country {
                    code: c.alpha2.to_string(),
                    city: false,
                },
            );
        }
        for (code, c) in &raw.countries {
            if !known(code) {
                return Err(bad(format!(
                    "countries.{code}: not an ISO 3166-1 alpha-2 code"
                )));
            }
            for n in &c.names {
                add(
                    n,
                    Place::Country {
                        code: code.clone(),
                        city: false,
                    },
                );
            }
            for n in &c.cities {
                add(
                    n,
                    Place::Country {
                        code: code.clone(),
                        city: true,
                    },
                );
            }
        }
        for (region, names) in &raw.regions {
            // Upper-case labels keep regions apart from ISO codes and catch a
            // top-level key written after the [regions] header by mistake.
            if region.is_empty() || !region.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                return Err(bad(format!(
                    "regions.{region}: region labels are upper-case letters and _ (WORLD, EAST_AFRICA)"
                )));
            }
            for n in names {
                add(n, Place::Region(region.clone()));
            }
        }
        for n in &raw.domestic {
            add(n, Place::Domestic);
        }
        for n in &raw.except {
            add(n, Place::Except);
        }
        for (site, code) in &raw.site_country {
            if !known(code) {
                return Err(bad(format!(
                    "site_country.{site} = {code:?}: not an ISO 3166-1 alpha-2 code"
                )));
            }
        }
        // Later (gazetteer) entries override the crate's for the same
        // spelling; the automaton takes the first, so dedupe keeping the last.
        let mut seen = std::collections::HashMap::new();
        for (i, p) in patterns.iter().enumerate() {
            seen.insert(p.clone(), i);
        }
        let keep: Vec<usize> = {
            let mut k: Vec<usize> = seen.into_values().collect();
            k.sort_unstable();
            k
        };
        let patterns: Vec<String> = keep.iter().map(|&i| patterns[i].clone()).collect();
        let places: Vec<(Place, bool)> = keep.iter().map(|&i| places[i].clone()).collect();
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| bad(format!("cannot compile the names: {e}")))?;
        Ok(Gazetteer {
            version: raw.version,
            sha256: hex::encode(Sha256::digest(src.as_bytes())),
            site_country: raw.site_country,
            matcher,
            places,
        })
    }

    /// The gazetteer's `version`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Hex SHA-256 of the gazetteer file.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Places named in `text`, in order of appearance.
    fn find(&self, text: &str) -> Vec<Place> {
        let folded = fold(text);
        let mut hits: Vec<(usize, Place)> = Vec::new();
        for m in self.matcher.find_iter(&folded) {
            let (place, boundary) = &self.places[m.pattern().as_usize()];
            if *boundary {
                let before = folded[..m.start()].chars().next_back();
                let after = folded[m.end()..].chars().next();
                if before.is_some_and(char::is_alphanumeric)
                    || after.is_some_and(char::is_alphanumeric)
                {
                    continue;
                }
            }
            hits.push((m.start(), place.clone()));
        }
        // Codes: upper-case ASCII tokens of 2-3 letters in the original text.
        // Their byte offsets in `folded` differ, so they are placed by their
        // rank among tokens: good enough to order them among few names.
        let mut offset = 0usize;
        for token in text.split(|c: char| !c.is_alphanumeric()) {
            let start = offset;
            offset += token.len() + 1;
            if !(2..=3).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_uppercase()) {
                continue;
            }
            // Names (UK, EU, CIS) already matched as words take precedence.
            let code = match token.len() {
                2 => rust_iso3166::from_alpha2(token),
                _ => rust_iso3166::from_alpha3(token),
            };
            if let Some(c) = code {
                let folded_tok = fold(token);
                let already = self
                    .matcher
                    .find(folded_tok.as_str())
                    .is_some_and(|m| m.start() == 0 && m.end() == folded_tok.len());
                if !already {
                    hits.push((
                        start.min(folded.len()),
                        Place::Country {
                            code: c.alpha2.to_string(),
                            city: false,
                        },
                    ));
                }
            }
        }
        hits.sort_by_key(|(pos, _)| *pos);
        hits.into_iter().map(|(_, p)| p).collect()
    }

    /// The country a location text names: the last country name or code,
    /// else the last city; `None` when it names neither.
    pub fn location_country(&self, text: &str) -> Option<String> {
        let places = self.find(text);
        let last = |want_city: bool| {
            places.iter().rev().find_map(|p| match p {
                Place::Country { code, city } if *city == want_city => Some(code.clone()),
                _ => None,
            })
        };
        last(false).or_else(|| last(true))
    }

    /// The seller's country: stated in `location`, else the site's default.
    pub fn seller_country(&self, location: Option<&str>, source: &str) -> Option<SellerCountry> {
        if let Some(code) = location.and_then(|l| self.location_country(l)) {
            return Some(SellerCountry {
                country: code,
                confidence: PlaceConfidence::Stated,
            });
        }
        self.site_country.get(source).map(|c| SellerCountry {
            country: c.clone(),
            confidence: PlaceConfidence::InferredFromSite,
        })
    }

    /// Destinations named in `ships_to`: ISO alpha-2 codes, region labels
    /// (`WORLD`, `EU`, `EUROPE`, `ASIA`, ...) and, for "local pickup"/"domestic",
    /// the seller's country. Sorted, without repeats; exclusions dropped.
    pub fn destinations(&self, ships_to: &str, seller_country: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.find(ships_to) {
            match p {
                Place::Except => break,
                Place::Country { code, .. } => out.push(code),
                Place::Region(r) => out.push(r),
                Place::Domestic => {
                    if let Some(c) = seller_country {
                        out.push(c.to_string());
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
