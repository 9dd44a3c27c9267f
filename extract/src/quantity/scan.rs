//! The quantity parser's scanner: a text as tokens (integers, lower-cased
//! words, single Chinese or Japanese characters, other symbols), with
//! Chinese numerals read as numbers ("十二" = 12).
//!
//! It owns tokenising only. It must not decide what a count is (see
//! `rules`) and knows no words.

use super::MAX_CHARS;
use crate::text::{fold_fullwidth, is_cjk_char};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An integer (`None` when it has decimals or is too long).
    Num(Option<u64>),
    /// A lower-cased word, or a single CJK character.
    Word(String),
    /// Any other single character.
    Sym(char),
}

#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// Digits written, for numbers (to spot four-digit years).
    pub digits: usize,
}

fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' | '兩' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn cn_unit(c: char) -> Option<u64> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

/// Value of a run of Chinese numerals ("三" = 3, "十二" = 12, "二十五" = 25).
fn cn_value(run: &[char]) -> u64 {
    let mut total = 0u64;
    let mut digit = 0u64;
    for &c in run {
        if let Some(d) = cn_digit(c) {
            digit = d;
        } else if let Some(u) = cn_unit(c) {
            total += digit.max(1) * u;
            digit = 0;
        }
    }
    total + digit
}

pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().take(MAX_CHARS).map(fold_fullwidth).collect();
    let n = chars.len();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            while i < n && chars[i].is_ascii_digit() {
                i += 1;
            }
            // Thousands grouping "1,200" / "1.200": exactly three digits per group.
            if i - start <= 3 {
                while matches!(chars.get(i), Some(',' | '.'))
                    && chars
                        .get(i + 1..i + 4)
                        .is_some_and(|g| g.iter().all(char::is_ascii_digit))
                    && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
                {
                    i += 4;
                }
            }
            let mut decimal = false;
            if i + 1 < n && matches!(chars[i], ',' | '.') && chars[i + 1].is_ascii_digit() {
                decimal = true;
                i += 1;
                while i < n && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let digits: String = chars[start..i]
                .iter()
                .filter(|c| c.is_ascii_digit())
                .collect();
            let value = if decimal || digits.len() > 12 {
                None
            } else {
                digits.parse::<u64>().ok()
            };
            toks.push(Tok {
                kind: Kind::Num(value),
                start,
                end: i,
                digits: digits.len(),
            });
            continue;
        }
        if cn_digit(c).is_some() || cn_unit(c).is_some() {
            while i < n && (cn_digit(chars[i]).is_some() || cn_unit(chars[i]).is_some()) {
                i += 1;
            }
            toks.push(Tok {
                kind: Kind::Num(Some(cn_value(&chars[start..i]))),
                start,
                end: i,
                digits: 0,
            });
            continue;
        }
        if is_cjk_char(c) {
            i += 1;
            toks.push(Tok {
                kind: Kind::Word(c.to_string()),
                start,
                end: i,
                digits: 0,
            });
            continue;
        }
        if c.is_alphabetic() {
            while i < n
                && !is_cjk_char(chars[i])
                && (chars[i].is_alphabetic() || matches!(chars[i] as u32, 0x0300..=0x036F))
            {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect::<String>().to_lowercase();
            toks.push(Tok {
                kind: Kind::Word(w),
                start,
                end: i,
                digits: 0,
            });
            continue;
        }
        i += 1;
        toks.push(Tok {
            kind: Kind::Sym(c),
            start,
            end: i,
            digits: 0,
        });
    }
    toks
}

pub(crate) fn word(t: Option<&Tok>) -> Option<&str> {
    match t.map(|t| &t.kind) {
        Some(Kind::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

pub(crate) fn sym(t: Option<&Tok>) -> Option<char> {
    match t.map(|t| &t.kind) {
        Some(Kind::Sym(c)) => Some(*c),
        _ => None,
    }
}

pub(crate) fn is_x(t: Option<&Tok>) -> bool {
    word(t) == Some("x") || sym(t) == Some('×')
}
