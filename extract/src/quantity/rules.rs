//! The quantity parser's rules: at one token, whether a count starts there
//! and what it is ("2 pairs" = 4, "lot of 12", "x3", "trio", "half a
//! dozen"), refusing dimensions ("10 x 15"), years and prices.
//!
//! It owns these rules; the words they use are `quantities.toml` and
//! `units.toml`. It must not scan text (see `scan`) or pick among counts
//! (see `parse_quantity`).

use super::scan::{Kind, Tok, is_x, sym, word};
use super::tables::TABLES;
use crate::text::{has, is_apostrophe, is_cjk_char};

/// A count at token `i`: a numeral or a small number word, not a price.
pub(crate) fn count_at(toks: &[Tok], i: usize) -> Option<u64> {
    let t = toks.get(i)?;
    match &t.kind {
        Kind::Num(v) => {
            let v = (*v)?;
            let prev = i.checked_sub(1).and_then(|p| toks.get(p));
            if sym(prev).is_some_and(|c| TABLES.currency_signs.contains(&c)) {
                return None;
            }
            Some(v)
        }
        Kind::Word(w) => TABLES
            .number_words
            .iter()
            .find(|(name, _)| name == w)
            .map(|&(_, v)| v),
        Kind::Sym(_) => None,
    }
}

pub(crate) fn is_year(t: &Tok, v: u64) -> bool {
    t.digits == 4 && (1800..=2099).contains(&v)
}

/// A plain numeral at `i` that is the first side of a dimension ("10 x 15").
pub(crate) fn is_dimension_side(toks: &[Tok], i: usize) -> bool {
    matches!(toks.get(i).map(|t| &t.kind), Some(Kind::Num(_))) && count_at(toks, i).is_some()
}

/// Rules that start at a count: "2 pairs", "2 dozen", "5 pcs", "3x",
/// "3er Set", "3 baby tortoises".
pub(crate) fn count_led(toks: &[Tok], i: usize) -> Option<u64> {
    let n = count_at(toks, i)?;
    let next = toks.get(i + 1);
    let next_word = word(next);
    if next_word.is_some_and(|w| has(&TABLES.pair_words, w)) {
        return n.checked_mul(2);
    }
    if next_word.is_some_and(|w| has(&TABLES.dozen_words, w)) {
        return n.checked_mul(12);
    }
    if next_word.is_some_and(|w| has(&TABLES.piece_words, w)) {
        return Some(n);
    }
    // German "3 St." (but not "1st").
    if next_word == Some("st")
        && next.is_some_and(|t| t.start > toks[i].end)
        && sym(toks.get(i + 2)) == Some('.')
    {
        return Some(n);
    }
    // "3x" / "3 x" / "3×", unless it is a dimension "10 x 15".
    if is_x(next) && matches!(toks[i].kind, Kind::Num(_)) {
        let dimension = is_dimension_side(toks, i + 2)
            || (i >= 2 && is_x(toks.get(i - 1)) && is_dimension_side(toks, i - 2));
        if !dimension && !is_year(&toks[i], n) {
            return Some(n);
        }
        return None;
    }
    // German "3er Set" / "3er-Pack".
    if next_word == Some("er") && next.is_some_and(|t| t.start == toks[i].end) {
        let mut k = i + 2;
        if sym(toks.get(k)) == Some('-') {
            k += 1;
        }
        if word(toks.get(k)).is_some_and(|w| has(&TABLES.er_sets, w)) {
            return Some(n);
        }
    }
    // "3 birds", "3 baby tortoises", "100 pangolin scales"; not "1947 ivory tusks".
    if is_year(&toks[i], n) {
        return None;
    }
    let mut k = i + 1;
    let mut fillers = 0;
    while let Some(t) = toks.get(k) {
        match &t.kind {
            Kind::Word(w) if has(&TABLES.count_nouns, w) => return Some(n),
            // The "s" of "Hermann's".
            Kind::Word(w) if w == "s" && sym(toks.get(k - 1)).is_some_and(is_apostrophe) => {}
            Kind::Word(w)
                if fillers < 2
                    && w.chars().count() > 1
                    && !has(&TABLES.not_filler, w)
                    && !has(&TABLES.piece_words, w)
                    && !w.chars().any(is_cjk_char) =>
            {
                fillers += 1;
            }
            Kind::Sym(c) if fillers > 0 && (*c == '-' || is_apostrophe(*c)) => {}
            _ => return None,
        }
        k += 1;
    }
    None
}

/// Rules that start at a word: "pair of", "trio", "dozen", "x3", "lot of
/// 12", "qty: 4", "par de", "一对" (handled as a count), "số lượng: 4".
pub(crate) fn word_led(toks: &[Tok], i: usize) -> Option<u64> {
    let t = toks.get(i)?;
    let prev_word = i.checked_sub(1).and_then(|p| word(toks.get(p)));
    if is_x(Some(t)) {
        // "x3", "x 3", "× 3", unless "10 x 15" or "x 3 cm" after a size.
        let n = count_at(toks, i + 1)?;
        let num_tok = &toks[i + 1];
        if !matches!(num_tok.kind, Kind::Num(_)) || is_year(num_tok, n) {
            return None;
        }
        let after_dimension = i > 0 && is_dimension_side(toks, i - 1);
        let before_dimension = is_x(toks.get(i + 2)) && is_dimension_side(toks, i + 3);
        return (!after_dimension && !before_dimension).then_some(n);
    }
    let Kind::Word(w) = &t.kind else {
        return None;
    };
    let w = w.as_str();
    if has(&TABLES.trio_words, w) {
        return Some(3);
    }
    if has(&TABLES.pair_alone, w) {
        return Some(2);
    }
    match w {
        "par" => {
            let next = word(toks.get(i + 1));
            let before_ok =
                prev_word.is_some_and(|p| matches!(p, "un" | "um" | "uma" | "el" | "o"));
            let after_ok = next.is_some_and(|x| matches!(x, "de" | "do" | "da" | "dos" | "das"));
            return (before_ok || after_ok).then_some(2);
        }
        "成" if word(toks.get(i + 1)).is_some_and(|x| x == "对" || x == "對") => return Some(2),
        _ => {}
    }
    if has(&TABLES.dozen_words, w) {
        let half = prev_word == Some("half")
            || (prev_word == Some("a") && i >= 2 && word(toks.get(i - 2)) == Some("half"));
        return Some(if half { 6 } else { 12 });
    }
    if has(&TABLES.group_words, w)
        && word(toks.get(i + 1)).is_some_and(|l| has(&TABLES.group_links, l))
    {
        let n = count_at(toks, i + 2)?;
        return (!is_year(&toks[i + 2], n)).then_some(n);
    }
    let label_end = if has(&TABLES.labels, w) {
        Some(i + 1)
    } else if (w == "số" && word(toks.get(i + 1)) == Some("lượng"))
        || (w == "数" && word(toks.get(i + 1)) == Some("量"))
    {
        Some(i + 2)
    } else {
        None
    };
    if let Some(mut k) = label_end {
        while sym(toks.get(k)).is_some_and(|c| matches!(c, ':' | '=' | '.' | '-' | '#')) {
            k += 1;
        }
        return count_at(toks, k);
    }
    None
}
