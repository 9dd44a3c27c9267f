//! The reference data compiled into the crate — the species lexicon, the
//! places gazetteer and the illustrative demo rates table, as committed
//! under `data/reference/` — and the one reader every loader uses, so an
//! analysis works from any working directory.
//!
//! A reference is named by a path. A path spelled `embedded:<file name>`
//! ([`EMBEDDED_LEXICON`], [`EMBEDDED_PLACES`], [`EMBEDDED_RATES`]) is the
//! copy compiled into this build; any other path is a file. That name is what
//! the manifest records, with the SHA-256 of the exact bytes read, so a
//! result computed from an embedded default is as citable as one computed
//! from a file.
//!
//! It owns the embedded bytes and [`read`]. It must not decide which
//! reference a run uses (the caller does: flag, job config, else the
//! embedded default) nor parse anything.

use std::borrow::Cow;
use std::path::Path;

use crate::error::AnalysisError;

/// The prefix that names an embedded reference instead of a file.
pub const EMBEDDED_PREFIX: &str = "embedded:";

/// The embedded species lexicon (`data/reference/lexicon.toml`).
pub const EMBEDDED_LEXICON: &str = "embedded:lexicon.toml";
/// The embedded places gazetteer (`data/reference/places.toml`).
pub const EMBEDDED_PLACES: &str = "embedded:places.toml";
/// The embedded illustrative demo rates table
/// (`data/reference/eurofxref-demo-illustrative.csv`; not ECB data).
pub const EMBEDDED_RATES: &str = "embedded:eurofxref-demo-illustrative.csv";

/// Every embedded reference: its `embedded:` name and its bytes.
pub const EMBEDDED: &[(&str, &[u8])] = &[
    (
        EMBEDDED_LEXICON,
        include_bytes!("../../data/reference/lexicon.toml"),
    ),
    (
        EMBEDDED_PLACES,
        include_bytes!("../../data/reference/places.toml"),
    ),
    (
        EMBEDDED_RATES,
        include_bytes!("../../data/reference/eurofxref-demo-illustrative.csv"),
    ),
];

/// The embedded bytes a path names, if it is an `embedded:` name.
pub fn embedded(path: &Path) -> Option<&'static [u8]> {
    let name = path.to_str()?;
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// Whether a reference exists: an embedded name this build holds, or a
/// file. An `embedded:` name this build does not hold does not exist.
pub fn exists(path: &Path) -> bool {
    match path.to_str() {
        Some(s) if s.starts_with(EMBEDDED_PREFIX) => embedded(path).is_some(),
        _ => path.exists(),
    }
}

/// The bytes of a reference: the embedded copy for an `embedded:` name,
/// else the file.
pub fn read(path: &Path) -> Result<Cow<'static, [u8]>, AnalysisError> {
    if let Some(bytes) = embedded(path) {
        return Ok(Cow::Borrowed(bytes));
    }
    if path
        .to_str()
        .is_some_and(|s| s.starts_with(EMBEDDED_PREFIX))
    {
        let known: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
        return Err(AnalysisError::MissingInput {
            path: path.to_path_buf(),
            what: format!("embedded reference (this build holds {})", known.join(", ")),
        });
    }
    std::fs::read(path)
        .map(Cow::Owned)
        .map_err(|e| AnalysisError::io(path, e))
}

/// The text of a reference (UTF-8).
pub fn read_text(path: &Path) -> Result<String, AnalysisError> {
    let bytes = read(path)?;
    String::from_utf8(bytes.into_owned()).map_err(|_| AnalysisError::Reference {
        path: path.to_path_buf(),
        message: "not UTF-8 text".into(),
    })
}
