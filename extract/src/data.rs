//! The reviewed data files in `extract/data/` (currencies, price words,
//! quantity words, measure words), embedded in the binary with
//! `include_str!` so the crawler works from any folder.
//!
//! It owns embedding them, parsing them with errors pinned to file, line and
//! key ([`ConfigError`]), the checks every word list shares (not empty, lower
//! case, no repeats), the measure words both parsers read, and [`check`],
//! which loads and validates every file. Each parser's tables (what its words
//! mean) live with the parser (`price::tables`, `quantity::tables`). It must
//! not hold any matching logic.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::config_error::ConfigError;

/// A list of words as written in a data file, each with its place.
pub(crate) type RawWords = Vec<Spanned<String>>;

/// One embedded data file: its path in the repository (for messages) and
/// its text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataFile {
    pub path: &'static str,
    pub text: &'static str,
}

/// Currency codes, signs, words, ambiguous families and hint names.
pub(crate) const CURRENCIES: DataFile = DataFile {
    path: "extract/data/currencies.toml",
    text: include_str!("../data/currencies.toml"),
};

/// Multipliers, unit, count, group and range words, no-price phrases.
pub(crate) const PRICE_WORDS: DataFile = DataFile {
    path: "extract/data/price_words.toml",
    text: include_str!("../data/price_words.toml"),
};

/// The quantity parser's word lists.
pub(crate) const QUANTITIES: DataFile = DataFile {
    path: "extract/data/quantities.toml",
    text: include_str!("../data/quantities.toml"),
};

/// Measure words both parsers read.
pub(crate) const UNITS: DataFile = DataFile {
    path: "extract/data/units.toml",
    text: include_str!("../data/units.toml"),
};

/// Loads and validates every embedded data file; the first problem found is
/// returned, naming the file, line and key. The parsers load them on first
/// use and panic with this same message if one is malformed, which the
/// crate's tests rule out for the files shipped.
pub fn check() -> Result<(), ConfigError> {
    crate::price::tables::load(&CURRENCIES, &PRICE_WORDS, &UNITS)?;
    crate::quantity::tables::load(&QUANTITIES, &UNITS)?;
    Ok(())
}

/// Unwraps a table built from the embedded files. why: the files are part
/// of the build and checked by the tests, and the parsers promise an answer
/// for every input, so a malformed file is a build defect, not a runtime case.
pub(crate) fn embedded<T>(loaded: Result<T, ConfigError>) -> T {
    loaded.unwrap_or_else(|e| panic!("embedded data file is malformed: {e}"))
}

impl DataFile {
    /// Parses the file (unknown keys are errors where the struct says so).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        toml::from_str(self.text)
            .map_err(|e| ConfigError::from_toml(Path::new(self.path), self.text, &e))
    }

    /// An error at `span` of this file.
    pub fn error(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::at(Path::new(self.path), self.text, span, key, message)
    }

    /// A text entry: not empty, no surrounding spaces.
    pub fn entry(&self, key: &str, s: &Spanned<String>) -> Result<String, ConfigError> {
        let v = s.get_ref();
        if v.trim().is_empty() {
            return Err(self.error(s.span(), key, "empty entry"));
        }
        if v.trim() != v {
            return Err(self.error(s.span(), key, format!("{v:?} has spaces around it")));
        }
        Ok(v.clone())
    }

    /// A list of words: each a valid entry, none repeated; with `lower`,
    /// each written in lower case (they are compared with lower-cased text).
    pub fn words(
        &self,
        key: &str,
        list: &[Spanned<String>],
        lower: bool,
    ) -> Result<Vec<String>, ConfigError> {
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            let v = self.entry(key, s)?;
            if lower && v.to_lowercase() != v {
                return Err(self.error(
                    s.span(),
                    key,
                    format!("{v:?} must be written in lower case"),
                ));
            }
            if !seen.insert(v.clone()) {
                return Err(self.error(s.span(), key, format!("{v:?} is listed twice")));
            }
            out.push(v);
        }
        Ok(out)
    }

    /// A list of single characters.
    pub fn chars(&self, key: &str, list: &[Spanned<String>]) -> Result<Vec<char>, ConfigError> {
        let mut out = Vec::with_capacity(list.len());
        for (s, v) in list.iter().zip(self.words(key, list, false)?) {
            let mut it = v.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => out.push(c),
                _ => return Err(self.error(s.span(), key, format!("{v:?} must be one character"))),
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnits {
    measures: RawWords,
}

/// The measure words of `units.toml`.
pub(crate) fn measures(units: &DataFile) -> Result<Vec<String>, ConfigError> {
    let raw: RawUnits = units.parse()?;
    units.words("measures", &raw.measures, true)
}

/// A parser's own words joined with the shared measure words; a word in
/// both is an error at the parser's entry.
pub(crate) fn with_measures(
    file: &DataFile,
    key: &str,
    list: &[Spanned<String>],
    measures: &[String],
) -> Result<Vec<String>, ConfigError> {
    let own = file.words(key, list, true)?;
    for (s, w) in list.iter().zip(&own) {
        if measures.contains(w) {
            return Err(file.error(
                s.span(),
                key,
                format!("{w:?} is already a measure word in {}", UNITS.path),
            ));
        }
    }
    Ok(own.into_iter().chain(measures.iter().cloned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &'static str) -> DataFile {
        DataFile {
            path: "extract/data/test.toml",
            text,
        }
    }

    #[test]
    fn word_lists_are_checked_with_file_line_and_key() {
        let f = file("# c\nmeasures = [\n  \"kg\",\n  \"KG\",\n]\n");
        let e = measures(&f).unwrap_err();
        assert_eq!(
            e.to_string(),
            "extract/data/test.toml:4: `measures`: \"KG\" must be written in lower case"
        );
        let f = file("measures = [\"kg\", \"g\",\n \"kg\"]\n");
        assert_eq!(
            measures(&f).unwrap_err().to_string(),
            "extract/data/test.toml:2: `measures`: \"kg\" is listed twice"
        );
        let f = file("measures = [\" kg\"]\n");
        assert!(measures(&f).unwrap_err().message.contains("spaces around"));
        let f = file("\nmeasure = [\"kg\"]\n");
        let e = measures(&f).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (2, "measure"));
        let f = file("measures = [\"kg\"\n");
        assert_eq!(
            measures(&f).unwrap_err().path,
            Path::new("extract/data/test.toml")
        );
    }
}
