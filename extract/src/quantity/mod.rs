//! Specimen counts stated in listing titles and descriptions.
//!
//! This module owns `parse_quantity`: reading how many specimens or items a
//! listing says it offers ("pair of", "x3", "5 pcs", "lot of 12", "qty: 4",
//! "3 birds", "trio", "dozen", "一对", "3只", "3 con", ...), in English and a
//! few other languages.
//!
//! It must not read prices, weights, sizes, ages or years as counts ("€1,200",
//! "10 kg", "10x15 cm", "3 years old", "pre-1947" all give nothing), must not
//! guess a count the text does not state, and does no I/O. It never panics;
//! only the first [`MAX_CHARS`] characters of a text are looked at. Its words
//! are data (`extract/data/quantities.toml`, `units.toml`), not code.
//!
//! Inside: `tables` (the word lists and their loader), `scan` (tokens),
//! `rules` (what a count looks like), and here the entry point.

mod rules;
mod scan;
pub(crate) mod tables;

use self::rules::{count_at, count_led, word_led};
use self::scan::{sym, tokenize, word};

/// Longest input considered, in characters; the rest is ignored.
pub const MAX_CHARS: usize = 8192;
/// Largest count accepted; anything larger is taken as not a count.
pub const MAX_QUANTITY: u32 = 10_000;

/// The number of specimens a listing title or description states, or `None`
/// when it states none. The first explicit count wins; counts above
/// [`MAX_QUANTITY`] (and zero) are not counts.
pub fn parse_quantity(text: &str) -> Option<u32> {
    let toks = tokenize(text);
    for i in 0..toks.len() {
        let found = count_led(&toks, i).or_else(|| word_led(&toks, i));
        let Some(mut q) = found else {
            continue;
        };
        // "3-4 birds", "3 to 4 birds": the stated minimum.
        if i >= 2
            && (sym(toks.get(i - 1)).is_some_and(|c| matches!(c, '-' | '–'))
                || word(toks.get(i - 1)) == Some("to"))
            && let (Some(lo), Some(hi)) = (count_at(&toks, i - 2), count_at(&toks, i))
            && lo < hi
            && hi > 0
            && q % hi == 0
        {
            q = q / hi * lo;
        }
        match u32::try_from(q) {
            Ok(v) if (1..=MAX_QUANTITY).contains(&v) => return Some(v),
            _ => continue,
        }
    }
    None
}
