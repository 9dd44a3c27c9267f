//! The price parser's tables, read from `extract/data/currencies.toml`,
//! `price_words.toml` and the shared `units.toml` (each file's header
//! documents its fields).
//!
//! It owns the data model (currencies, ambiguous families, markers and how
//! they match, hint names, multipliers, unit/count/group/range words,
//! no-price phrases), loading it once, and every check that keeps the
//! matching independent of the order of entries (no repeated marker, no two
//! hint names of different currencies matching at the same place). It must
//! not scan text.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde::Deserialize;
use toml::Spanned;

use crate::config_error::ConfigError;
use crate::data::{self, DataFile, RawWords};
use crate::text::needs_boundary;

/// The tables, loaded from the embedded files on first use.
pub(crate) static TABLES: LazyLock<Tables> =
    LazyLock::new(|| data::embedded(load(&data::CURRENCIES, &data::PRICE_WORDS, &data::UNITS)));

/// A sign shared by several currencies, resolved by the text or the hint.
#[derive(Debug)]
pub(crate) struct Family {
    /// The currencies the sign can stand for; the first is the default.
    pub members: Vec<String>,
    /// The member a bare sign means in Chinese (not Japanese) text.
    pub in_chinese_text: Option<String>,
}

impl Family {
    pub fn default_iso(&self) -> &str {
        &self.members[0]
    }

    pub fn has(&self, iso: &str) -> bool {
        self.members.iter().any(|m| m == iso)
    }
}

/// What a marker stands for.
#[derive(Debug)]
pub(crate) enum CurDef {
    Iso(String),
    /// Index into [`Tables::families`].
    Family(usize),
}

/// One way of writing a currency.
#[derive(Debug)]
pub(crate) struct MarkerDef {
    pub text: String,
    pub cur: CurDef,
    /// Compare case-insensitively.
    pub ci: bool,
    /// Alphabetic ends must not touch other letters.
    pub bounded: bool,
    /// Counts even when not next to a number (otherwise only next to one).
    pub anywhere: bool,
}

/// Everything the price parser knows about words and currencies.
#[derive(Debug)]
pub(crate) struct Tables {
    pub iso_codes: Vec<String>,
    pub wordlike_codes: Vec<String>,
    pub three_decimals: Vec<String>,
    pub prefix_signs: Vec<char>,
    pub chinese_only: Vec<char>,
    pub families: Vec<Family>,
    pub markers: Vec<MarkerDef>,
    /// `(name, ISO code)`.
    pub hints: Vec<(String, String)>,
    /// `(word, factor)`.
    pub multipliers: Vec<(String, u64)>,
    pub units_after: Vec<String>,
    pub count_before: Vec<String>,
    pub group_nouns: Vec<String>,
    pub group_links: Vec<String>,
    pub range_words: Vec<String>,
    pub no_price_hard: Vec<String>,
    /// In the order they are removed.
    pub no_price_soft: Vec<String>,
}

impl Tables {
    /// The ISO code `code` (upper case) as stored, if known.
    pub fn iso(&self, code: &str) -> Option<&str> {
        self.iso_codes
            .iter()
            .find(|k| *k == code)
            .map(String::as_str)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCurrencies {
    iso_codes: RawWords,
    wordlike_codes: RawWords,
    three_decimals: RawWords,
    prefix_signs: RawWords,
    chinese_only: RawWords,
    families: BTreeMap<Spanned<String>, RawFamily>,
    markers: RawMarkers,
    hints: BTreeMap<Spanned<String>, RawWords>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    members: RawWords,
    #[serde(default)]
    in_chinese_text: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarkers {
    sign: Vec<RawMarker>,
    sign_next_to_number: Vec<RawMarker>,
    word_anywhere: Vec<RawMarker>,
    word: Vec<RawMarker>,
    cased_word: Vec<RawMarker>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarker {
    text: Spanned<String>,
    #[serde(default)]
    iso: Option<Spanned<String>>,
    #[serde(default)]
    family: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriceWords {
    units_after: RawWords,
    count_before: RawWords,
    group_nouns: RawWords,
    group_links: RawWords,
    range_words: RawWords,
    multiplier: Vec<RawMultiplier>,
    no_price: RawNoPrice,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMultiplier {
    factor: Spanned<u64>,
    words: RawWords,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNoPrice {
    hard: RawWords,
    soft: RawWords,
}

/// Reads and validates the price tables.
pub(crate) fn load(
    currencies: &DataFile,
    words: &DataFile,
    units: &DataFile,
) -> Result<Tables, ConfigError> {
    let measures = data::measures(units)?;
    let CurrencyTables {
        iso_codes,
        wordlike_codes,
        three_decimals,
        prefix_signs,
        chinese_only,
        families,
        markers,
        hints,
    } = load_currencies(currencies)?;
    let w: RawPriceWords = words.parse()?;
    let mut multipliers = Vec::new();
    let mut seen = HashMap::new();
    for (i, m) in w.multiplier.iter().enumerate() {
        let key = format!("multiplier[{i}]");
        if *m.factor.get_ref() < 2 {
            return Err(words.error(
                m.factor.span(),
                &format!("{key}.factor"),
                "a multiplier is at least 2",
            ));
        }
        let list = words.words(&format!("{key}.words"), &m.words, true)?;
        if list.is_empty() {
            return Err(words.error(m.factor.span(), &format!("{key}.words"), "no words"));
        }
        for (s, word) in m.words.iter().zip(list) {
            if seen.insert(word.clone(), i).is_some() {
                return Err(words.error(
                    s.span(),
                    &format!("{key}.words"),
                    format!("{word:?} is listed twice"),
                ));
            }
            multipliers.push((word, *m.factor.get_ref()));
        }
    }
    Ok(Tables {
        iso_codes,
        wordlike_codes,
        three_decimals,
        prefix_signs,
        chinese_only,
        families,
        markers,
        hints,
        multipliers,
        units_after: data::with_measures(words, "units_after", &w.units_after, &measures)?,
        count_before: words.words("count_before", &w.count_before, true)?,
        group_nouns: words.words("group_nouns", &w.group_nouns, true)?,
        group_links: words.words("group_links", &w.group_links, true)?,
        range_words: words.words("range_words", &w.range_words, true)?,
        no_price_hard: words.words("no_price.hard", &w.no_price.hard, true)?,
        no_price_soft: words.words("no_price.soft", &w.no_price.soft, true)?,
    })
}

/// The part of [`Tables`] read from `currencies.toml`.
struct CurrencyTables {
    iso_codes: Vec<String>,
    wordlike_codes: Vec<String>,
    three_decimals: Vec<String>,
    prefix_signs: Vec<char>,
    chinese_only: Vec<char>,
    families: Vec<Family>,
    markers: Vec<MarkerDef>,
    hints: Vec<(String, String)>,
}

fn load_currencies(f: &DataFile) -> Result<CurrencyTables, ConfigError> {
    let raw: RawCurrencies = f.parse()?;
    let iso_codes = f.words("iso_codes", &raw.iso_codes, false)?;
    for (s, code) in raw.iso_codes.iter().zip(&iso_codes) {
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(f.error(
                s.span(),
                "iso_codes",
                format!("{code:?} is not three capital letters"),
            ));
        }
    }
    let known = |key: &str, s: &Spanned<String>| -> Result<String, ConfigError> {
        let code = s.get_ref();
        if iso_codes.contains(code) {
            Ok(code.clone())
        } else {
            Err(f.error(s.span(), key, format!("{code:?} is not in iso_codes")))
        }
    };
    let codes = |key: &str, list: &[Spanned<String>]| -> Result<Vec<String>, ConfigError> {
        f.words(key, list, false)?;
        list.iter().map(|s| known(key, s)).collect()
    };
    let wordlike_codes = codes("wordlike_codes", &raw.wordlike_codes)?;
    let three_decimals = codes("three_decimals", &raw.three_decimals)?;
    let prefix_signs = f.chars("prefix_signs", &raw.prefix_signs)?;
    let chinese_only = f.chars("chinese_only", &raw.chinese_only)?;

    let mut families = Vec::new();
    let mut family_ids = HashMap::new();
    for (name, fam) in &raw.families {
        let key = format!("families.{}", name.get_ref());
        let members = codes(&format!("{key}.members"), &fam.members)?;
        if members.is_empty() {
            return Err(f.error(
                name.span(),
                &format!("{key}.members"),
                "a family needs at least one member",
            ));
        }
        let in_chinese_text = match &fam.in_chinese_text {
            Some(s) if !members.contains(s.get_ref()) => {
                return Err(f.error(
                    s.span(),
                    &format!("{key}.in_chinese_text"),
                    format!("{:?} is not a member", s.get_ref()),
                ));
            }
            s => s.as_ref().map(|s| s.get_ref().clone()),
        };
        family_ids.insert(name.get_ref().clone(), families.len());
        families.push(Family {
            members,
            in_chinese_text,
        });
    }

    // (list, ci, bounded, anywhere), as the header of currencies.toml says.
    let m = &raw.markers;
    let lists: [(&str, &[RawMarker], bool, bool, bool); 5] = [
        ("sign", &m.sign, false, false, true),
        (
            "sign_next_to_number",
            &m.sign_next_to_number,
            false,
            false,
            false,
        ),
        ("word_anywhere", &m.word_anywhere, true, true, true),
        ("word", &m.word, true, true, false),
        ("cased_word", &m.cased_word, false, true, false),
    ];
    let mut markers = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (list, entries, ci, bounded, anywhere) in lists {
        for (i, e) in entries.iter().enumerate() {
            let key = format!("markers.{list}[{i}]");
            let text = f.entry(&format!("{key}.text"), &e.text)?;
            if ci && text.to_lowercase() != text {
                return Err(f.error(
                    e.text.span(),
                    &format!("{key}.text"),
                    format!("{text:?} matches any case: write it in lower case"),
                ));
            }
            // why: with no two markers alike (ignoring case), the longest match
            // is unique and the order of entries cannot matter.
            if let Some(other) = seen.insert(text.to_lowercase(), key.clone()) {
                return Err(f.error(
                    e.text.span(),
                    &format!("{key}.text"),
                    format!("{text:?} is already {other}"),
                ));
            }
            let cur = match (&e.iso, &e.family) {
                (Some(iso), None) => CurDef::Iso(known(&format!("{key}.iso"), iso)?),
                (None, Some(fam)) => match family_ids.get(fam.get_ref()) {
                    Some(&id) => CurDef::Family(id),
                    None => {
                        return Err(f.error(
                            fam.span(),
                            &format!("{key}.family"),
                            format!("no family {:?}", fam.get_ref()),
                        ));
                    }
                },
                _ => {
                    return Err(f.error(
                        e.text.span(),
                        &key,
                        "give exactly one of `iso` and `family`",
                    ));
                }
            };
            markers.push(MarkerDef {
                text,
                cur,
                ci,
                bounded,
                anywhere,
            });
        }
    }

    let mut hints: Vec<(String, String)> = Vec::new();
    let mut spans = Vec::new();
    for (iso, names) in &raw.hints {
        let key = format!("hints.{}", iso.get_ref());
        let iso = known(&key, iso)?;
        for (s, name) in names.iter().zip(f.words(&key, names, true)?) {
            if let Some((_, other)) = hints.iter().find(|(n, _)| *n == name) {
                return Err(f.error(
                    s.span(),
                    &key,
                    format!("{name:?} is already a name of {other}"),
                ));
            }
            hints.push((name, iso.clone()));
            spans.push((s.span(), key.clone()));
        }
    }
    // why: the earliest name in a hint wins; two names of different currencies
    // that could match at the same place would make the order of this file matter.
    for (a, (name_a, iso_a)) in hints.iter().enumerate() {
        for (name_b, iso_b) in &hints {
            let Some(rest) = name_b.strip_prefix(name_a.as_str()) else {
                continue;
            };
            let last = name_a.chars().next_back().unwrap_or(' ');
            let next = rest.chars().next();
            let both_match = next.is_some_and(|c| !needs_boundary(last) || !c.is_alphabetic());
            if iso_a != iso_b && both_match {
                let (span, key) = spans[a].clone();
                return Err(f.error(
                    span,
                    &key,
                    format!(
                        "{name_a:?} ({iso_a}) and {name_b:?} ({iso_b}) can match at the same place"
                    ),
                ));
            }
        }
    }
    Ok(CurrencyTables {
        iso_codes,
        wordlike_codes,
        three_decimals,
        prefix_signs,
        chinese_only,
        families,
        markers,
        hints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: DataFile = data::PRICE_WORDS;
    const UNITS: DataFile = data::UNITS;

    /// The shipped currencies file with one replacement.
    fn currencies_with(from: &str, to: &str) -> Result<Tables, ConfigError> {
        let text = data::CURRENCIES.text.replacen(from, to, 1);
        assert_ne!(text, data::CURRENCIES.text, "{from:?} is in the file");
        let f = DataFile {
            path: data::CURRENCIES.path,
            text: Box::leak(text.into_boxed_str()),
        };
        load(&f, &WORDS, &UNITS)
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text[..text.find(needle).expect("needle")]
            .matches('\n')
            .count()
            + 1
    }

    #[test]
    fn shipped_tables_load() {
        let t = load(&data::CURRENCIES, &WORDS, &UNITS).expect("shipped price tables");
        assert_eq!(t.iso_codes.len(), 146);
        assert_eq!(t.markers.len(), 191);
        assert_eq!(t.hints.len(), 207);
        assert_eq!(t.multipliers.len(), 33);
        assert_eq!(t.units_after.len(), 94);
        assert!(
            t.units_after.iter().any(|w| w == "kg") && t.units_after.iter().any(|w| w == "pcs")
        );
        assert_eq!(
            t.families
                .iter()
                .filter(|f| f.in_chinese_text.is_some())
                .count(),
            1
        );
    }

    #[test]
    fn malformed_currencies_are_located() {
        let text = data::CURRENCIES.text;
        let e = currencies_with(
            "{ text = \"£\", iso = \"GBP\" }",
            "{ text = \"€\", iso = \"GBP\" }",
        )
        .unwrap_err();
        assert_eq!(e.key, "markers.sign[1].text");
        assert_eq!(e.line, line_of(text, "{ text = \"£\", iso = \"GBP\" }"));
        assert!(e.message.contains("already markers.sign[0]"), "{e}");

        let e = currencies_with(
            "{ text = \"euro\", iso = \"EUR\" }",
            "{ text = \"euro\", iso = \"EUX\" }",
        )
        .unwrap_err();
        assert_eq!(e.key, "markers.word[0].iso");
        assert!(
            e.to_string().starts_with("extract/data/currencies.toml:"),
            "{e}"
        );

        let e = currencies_with(
            "{ text = \"euro\", iso = \"EUR\" }",
            "{ text = \"Euro\", iso = \"EUR\" }",
        )
        .unwrap_err();
        assert!(e.message.contains("lower case"), "{e}");

        let e = currencies_with(
            "{ text = \"$\", family = \"dollar\" }",
            "{ text = \"$\", family = \"dolar\" }",
        )
        .unwrap_err();
        assert!(e.message.contains("no family"), "{e}");

        let e = currencies_with("{ text = \"$\", family = \"dollar\" }", "{ text = \"$\" }")
            .unwrap_err();
        assert!(e.message.contains("exactly one"), "{e}");

        let e =
            currencies_with("in_chinese_text = \"CNY\"", "in_chinese_text = \"KRW\"").unwrap_err();
        assert_eq!(e.key, "families.yen.in_chinese_text");

        let e = currencies_with("PEN = [\"peru\"]", "PEN = [\"peru\", \"usa\"]").unwrap_err();
        assert!(e.message.contains("\"usa\" is already a name of"), "{e}");

        let e =
            currencies_with("PEN = [\"peru\"]", "PEN = [\"peru\", \"new zealand's\"]").unwrap_err();
        assert!(e.message.contains("can match at the same place"), "{e}");

        let e = currencies_with("three_decimals = [", "three_decimal = [").unwrap_err();
        assert_eq!(e.key, "three_decimal");

        let e = currencies_with("\"ZWL\",\n]", "\"ZWL\", \"zwl\",\n]").unwrap_err();
        assert_eq!(e.key, "iso_codes");
    }

    #[test]
    fn malformed_price_words_are_located() {
        let words = |from: &str, to: &str| {
            let text = WORDS.text.replacen(from, to, 1);
            assert_ne!(text, WORDS.text);
            let f = DataFile {
                path: WORDS.path,
                text: Box::leak(text.into_boxed_str()),
            };
            load(&data::CURRENCIES, &f, &UNITS).unwrap_err()
        };
        let e = words("\"lakh\",", "\"lakh\", \"jt\",");
        assert_eq!(e.key, "multiplier[3].words");
        assert!(e.message.contains("listed twice"), "{e}");
        let e = words("units_after = [", "units_after = [\"kg\", ");
        assert!(e.message.contains("already a measure word"), "{e}");
        let e = words("factor = 1_000\n", "factor = 1\n");
        assert_eq!(e.key, "multiplier[0].factor");
        let e = words("\"poa\", ", "\"POA\", ");
        assert_eq!(e.key, "no_price.hard");
    }
}
