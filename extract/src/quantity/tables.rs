//! The quantity parser's word lists, read from
//! `extract/data/quantities.toml` and the shared `units.toml` (each file's
//! header documents its fields).
//!
//! It owns the data model, loading it once and its checks (lower case, no
//! repeats, Chinese and Japanese entries one character long, since the
//! scanner reads those scripts a character at a time). It must not scan text.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use toml::Spanned;

use crate::config_error::ConfigError;
use crate::data::{self, DataFile, RawWords};
use crate::text::is_cjk_char;

/// The tables, loaded from the embedded files on first use.
pub(crate) static TABLES: LazyLock<Tables> =
    LazyLock::new(|| data::embedded(load(&data::QUANTITIES, &data::UNITS)));

/// Everything the quantity parser knows about words.
#[derive(Debug)]
pub(crate) struct Tables {
    pub pair_words: Vec<String>,
    pub pair_alone: Vec<String>,
    pub trio_words: Vec<String>,
    pub dozen_words: Vec<String>,
    pub piece_words: Vec<String>,
    pub count_nouns: Vec<String>,
    /// Own words plus the shared measure words.
    pub not_filler: Vec<String>,
    pub group_words: Vec<String>,
    pub er_sets: Vec<String>,
    pub group_links: Vec<String>,
    pub labels: Vec<String>,
    pub currency_signs: Vec<char>,
    /// `(word, value)`.
    pub number_words: Vec<(String, u64)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuantities {
    pair_words: RawWords,
    pair_alone: RawWords,
    trio_words: RawWords,
    dozen_words: RawWords,
    piece_words: RawWords,
    count_nouns: RawWords,
    not_filler: RawWords,
    group_words: RawWords,
    er_sets: RawWords,
    group_links: RawWords,
    labels: RawWords,
    currency_signs: RawWords,
    number_words: BTreeMap<Spanned<String>, u64>,
}

/// Reads and validates the quantity tables.
pub(crate) fn load(file: &DataFile, units: &DataFile) -> Result<Tables, ConfigError> {
    let measures = data::measures(units)?;
    let raw: RawQuantities = file.parse()?;
    let words = |key: &str, list: &[Spanned<String>]| -> Result<Vec<String>, ConfigError> {
        let out = file.words(key, list, true)?;
        for (s, w) in list.iter().zip(&out) {
            if w.chars().any(is_cjk_char) && w.chars().count() > 1 {
                return Err(file.error(
                    s.span(),
                    key,
                    format!("{w:?}: Chinese and Japanese are read a character at a time, so an entry is one character"),
                ));
            }
        }
        Ok(out)
    };
    let pair_alone = words("pair_alone", &raw.pair_alone)?;
    let trio_words = words("trio_words", &raw.trio_words)?;
    for (s, w) in raw.trio_words.iter().zip(&trio_words) {
        if pair_alone.contains(w) {
            return Err(file.error(
                s.span(),
                "trio_words",
                format!("{w:?} is also in pair_alone"),
            ));
        }
    }
    let mut number_words = Vec::new();
    for (name, value) in &raw.number_words {
        let key = format!("number_words.{}", name.get_ref());
        let w = file.entry(&key, name)?;
        if w.to_lowercase() != w {
            return Err(file.error(
                name.span(),
                &key,
                format!("{w:?} must be written in lower case"),
            ));
        }
        number_words.push((w, *value));
    }
    Ok(Tables {
        pair_words: words("pair_words", &raw.pair_words)?,
        pair_alone,
        trio_words,
        dozen_words: words("dozen_words", &raw.dozen_words)?,
        piece_words: words("piece_words", &raw.piece_words)?,
        count_nouns: words("count_nouns", &raw.count_nouns)?,
        not_filler: data::with_measures(file, "not_filler", &raw.not_filler, &measures)?,
        group_words: words("group_words", &raw.group_words)?,
        er_sets: words("er_sets", &raw.er_sets)?,
        group_links: words("group_links", &raw.group_links)?,
        labels: words("labels", &raw.labels)?,
        currency_signs: file.chars("currency_signs", &raw.currency_signs)?,
        number_words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(from: &str, to: &str) -> Result<Tables, ConfigError> {
        let text = data::QUANTITIES.text.replacen(from, to, 1);
        assert_ne!(text, data::QUANTITIES.text, "{from:?} is in the file");
        let f = DataFile {
            path: data::QUANTITIES.path,
            text: Box::leak(text.into_boxed_str()),
        };
        load(&f, &data::UNITS)
    }

    #[test]
    fn shipped_tables_load() {
        let t = load(&data::QUANTITIES, &data::UNITS).expect("shipped quantity tables");
        assert_eq!(t.count_nouns.len(), 201);
        assert_eq!(t.piece_words.len(), 53);
        assert_eq!(t.not_filler.len(), 90);
        assert_eq!(t.number_words.len(), 14);
    }

    #[test]
    fn malformed_quantities_are_located() {
        let e = with("\"只\", \"隻\"", "\"只隻\"").unwrap_err();
        assert_eq!(e.key, "piece_words");
        assert!(e.message.contains("one character"), "{e}");
        let e = with("\"birds\",", "\"birds\", \"bird\",").unwrap_err();
        assert!(e.message.contains("listed twice"), "{e}");
        let e = with("\"tonne\", ", "\"tonne\", \"kg\", ").unwrap_err();
        assert_eq!(e.key, "not_filler");
        let e = with("twelve = 12", "Twelve = 12").unwrap_err();
        assert_eq!(e.key, "number_words.Twelve");
        let e = with("twelve = 12", "twelve = \"12\"").unwrap_err();
        assert!(
            e.to_string().starts_with("extract/data/quantities.toml:"),
            "{e}"
        );
        let e = with("trio_words = [\"trio\"", "trio_words = [\"pair\"").unwrap_err();
        assert!(e.message.contains("also in pair_alone"), "{e}");
    }
}
