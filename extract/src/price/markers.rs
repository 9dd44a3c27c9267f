//! Currency markers in a price text: where a symbol, code or currency word
//! is written and which currency (or ambiguous family) it stands for; and
//! reading a page-level currency hint.
//!
//! It owns the matching rules of the marker kinds in `currencies.toml`
//! (longest match wins, three-letter codes, South African "R 350"). It must
//! not decide which number a marker belongs to (see `price`).

use super::tables::{CurDef, Family, TABLES, Tables};
use crate::text::{fold_digits_and_punct, is_space_sep, lower, match_at};

/// What a marker stands for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cur {
    Iso(&'static str),
    Amb(&'static Family),
}

impl Cur {
    fn of(t: &'static Tables, def: &'static CurDef) -> Cur {
        match def {
            CurDef::Iso(iso) => Cur::Iso(iso),
            CurDef::Family(i) => Cur::Amb(&t.families[*i]),
        }
    }
}

/// A marker found in the text, `start..end` in chars.
#[derive(Debug, Clone)]
pub(crate) struct Mark {
    pub start: usize,
    pub end: usize,
    pub cur: Cur,
    pub anywhere: bool,
    /// Counts: `anywhere`, or next to a number.
    pub active: bool,
}

/// A three-letter ISO code at `i`: `(code, anywhere)`.
fn iso_at(t: &'static Tables, chars: &[char], i: usize) -> Option<(&'static str, bool)> {
    if i > 0 && chars[i - 1].is_alphabetic() {
        return None;
    }
    let w = chars.get(i..i + 3)?;
    if !w.iter().all(char::is_ascii_alphabetic) {
        return None;
    }
    if chars.get(i + 3).is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    let code: String = w.iter().map(char::to_ascii_uppercase).collect();
    let iso = t.iso(&code)?;
    let upper = w.iter().all(char::is_ascii_uppercase);
    let wordlike = t.wordlike_codes.iter().any(|k| k == iso);
    match (upper, wordlike) {
        (true, false) => Some((iso, true)),
        (false, true) => None,
        _ => Some((iso, false)),
    }
}

/// South African "R 12 500" / "R350": a capital R right before a number.
fn rand_at(chars: &[char], i: usize) -> bool {
    if chars[i] != 'R' || (i > 0 && chars[i - 1].is_alphanumeric()) {
        return false;
    }
    match chars.get(i + 1) {
        Some(c) if c.is_ascii_digit() => true,
        Some(&c) if is_space_sep(c) => chars.get(i + 2).is_some_and(char::is_ascii_digit),
        _ => false,
    }
}

fn marker_at(t: &'static Tables, chars: &[char], i: usize) -> Option<Mark> {
    let c = chars[i];
    if c.is_ascii_digit() || c.is_whitespace() {
        return None;
    }
    let mut best: Option<(usize, Cur, bool)> = None;
    for def in &t.markers {
        if let Some(len) = match_at(chars, i, &def.text, def.ci, def.bounded)
            && best.is_none_or(|(l, _, _)| len > l)
        {
            best = Some((len, Cur::of(t, &def.cur), def.anywhere));
        }
    }
    if let Some((iso, anywhere)) = iso_at(t, chars, i)
        && best.is_none_or(|(l, _, _)| 3 > l)
    {
        best = Some((3, Cur::Iso(iso), anywhere));
    }
    if best.is_none() && rand_at(chars, i) {
        best = Some((1, Cur::Iso("ZAR"), false));
    }
    best.map(|(len, cur, anywhere)| Mark {
        start: i,
        end: i + len,
        cur,
        anywhere,
        active: true,
    })
}

/// Every marker in the text, left to right, not overlapping.
pub(crate) fn scan_markers(chars: &[char]) -> Vec<Mark> {
    let t: &'static Tables = &TABLES;
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match marker_at(t, chars, i) {
            Some(m) => {
                i = m.end;
                out.push(m);
            }
            None => i += 1,
        }
    }
    out
}

/// Signs written before the amount in most places that use them.
pub(crate) fn is_prefix_sign(last: char) -> bool {
    TABLES.prefix_signs.contains(&last)
}

/// Reads a page-level currency hint: an ISO code, a code inside free text
/// ("prices in NZD"), a country or currency name ("Australian dollars",
/// "Norway"), or a currency sign.
pub(crate) fn resolve_hint(hint: &str) -> Option<&'static str> {
    let t: &'static Tables = &TABLES;
    let trimmed = hint.trim();
    if trimmed.chars().count() == 3
        && let Some(iso) = t.iso(&trimmed.to_ascii_uppercase())
    {
        return Some(iso);
    }
    let chars: Vec<char> = trimmed
        .chars()
        .take(512)
        .map(fold_digits_and_punct)
        .collect();
    for i in 0..chars.len() {
        if let Some((iso, _)) = iso_at(t, &chars, i) {
            return Some(iso);
        }
    }
    let lowered: Vec<char> = lower(&chars).chars().collect();
    let mut best: Option<(usize, &'static str)> = None;
    for (name, iso) in &t.hints {
        if let Some(pos) =
            (0..lowered.len()).find(|&i| match_at(&lowered, i, name, false, true).is_some())
            && best.is_none_or(|(p, _)| pos < p)
        {
            best = Some((pos, iso));
        }
    }
    if let Some((_, iso)) = best {
        return Some(iso);
    }
    scan_markers(&chars).first().map(|m| match m.cur {
        Cur::Iso(iso) => iso,
        Cur::Amb(f) => f.default_iso(),
    })
}
