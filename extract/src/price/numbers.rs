//! Numbers in a price text: where each is written, its multiplier ("2.5k",
//! "2 lakh", "1tr5"), the words around it that make it a count, size or year,
//! and its exact value under locale grouping rules (Western and Indian
//! grouping, decimal comma or point, three-decimal currencies).
//!
//! It owns reading digits and separators into a [`Decimal`]. It must not
//! choose which number is the price (see `price`) and never rounds.

use rust_decimal::Decimal;

use super::tables::TABLES;
use crate::text::{has, is_space_sep, is_unspaced_letter, lower, match_at};

/// Most digits (integer plus fraction) accepted in one amount.
const MAX_DIGITS: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MultKind {
    /// `k` / `K` touching the number.
    K,
    /// `m` / `M` touching the number: only a multiplier next to a currency.
    M,
    /// A word multiplier ("lakh", "万", "Mio.").
    Word,
}

#[derive(Debug, Clone)]
pub(crate) struct Num {
    pub start: usize,
    pub digits_end: usize,
    /// End including any multiplier or ",-" suffix.
    pub end: usize,
    pub mult: Option<(u64, MultKind)>,
    /// Digits written after a multiplier, as a fraction of it: the "5" of
    /// "1tr5" (1.5 million đồng) or "1k5" (1500).
    pub tail: Option<Decimal>,
    pub glued_before: bool,
    pub glued_after: bool,
    pub qty_before: bool,
    pub unit_after: bool,
    pub leading_zero: bool,
    pub year_like: bool,
    /// The marker right before the number (index into the marks).
    pub left: Option<usize>,
    /// The marker right after the number.
    pub right: Option<usize>,
    pub negative: bool,
    /// Value without multiplier, read with two-decimal rules; `None` when the
    /// digits are no valid number in any locale (dates, phone numbers...).
    pub probe: Option<Decimal>,
}

impl Num {
    pub fn adjacent(&self) -> bool {
        self.left.is_some() || self.right.is_some()
    }

    /// Looks like a price on its own, without a currency next to it.
    pub fn plausible_bare(&self) -> bool {
        self.probe.is_some()
            && !self.negative
            && !self.glued_before
            && !self.glued_after
            && !self.qty_before
            && !self.unit_after
            && !self.leading_zero
            && !matches!(self.mult, Some((_, MultKind::M)))
    }
}

fn is_group_sep(c: char) -> bool {
    matches!(c, '.' | ',' | '\'' | '’') || is_space_sep(c)
}

/// The word just before `start` (skipping spaces, ':' and '#') says the
/// number is a count, an identifier or a year.
fn qty_word_before(chars: &[char], start: usize) -> bool {
    let mut p = start;
    while p > 0 && (chars[p - 1].is_whitespace() || matches!(chars[p - 1], ':' | '#')) {
        p -= 1;
    }
    if p > 0 && matches!(chars[p - 1], '×' | '*') {
        return true;
    }
    let (word, before) = word_ending_at(chars, p);
    if word.is_empty() {
        return false;
    }
    if has(&TABLES.count_before, &word) {
        return true;
    }
    if has(&TABLES.group_links, &word) {
        let mut q = before;
        while q > 0 && chars[q - 1].is_whitespace() {
            q -= 1;
        }
        let (prev, _) = word_ending_at(chars, q);
        return has(&TABLES.group_nouns, &prev);
    }
    false
}

/// The lower-cased word (letters and dots) ending at `end`, without trailing
/// dots, and where it starts.
fn word_ending_at(chars: &[char], end: usize) -> (String, usize) {
    let mut p = end;
    while p > 0 && (chars[p - 1].is_alphabetic() || chars[p - 1] == '.') {
        p -= 1;
    }
    let w = lower(&chars[p..end]);
    (w.trim_matches('.').to_string(), p)
}

/// The word after `end` (after spaces) names a unit, or a unit sign follows.
fn unit_word_after(chars: &[char], end: usize, marks_owner: &[Option<usize>]) -> bool {
    let mut p = end;
    while p < chars.len() && chars[p].is_whitespace() && p - end < 3 {
        p += 1;
    }
    let Some(&c) = chars.get(p) else {
        return false;
    };
    if matches!(c, '%' | '"' | '″' | '′' | '°' | '²' | '³' | '×' | '\'') {
        return true;
    }
    if marks_owner[p].is_some() || !c.is_alphabetic() {
        return false;
    }
    let mut q = p;
    while q < chars.len() && chars[q].is_alphabetic() && !is_unspaced_letter(chars[q]) {
        q += 1;
    }
    has(&TABLES.units_after, &lower(&chars[p..q]))
}

fn read_multiplier(chars: &[char], j: usize) -> Option<(u64, MultKind, usize)> {
    let c = *chars.get(j)?;
    let next_alpha = chars.get(j + 1).is_some_and(|c| c.is_alphabetic());
    if matches!(c, 'k' | 'K') && !next_alpha {
        return Some((1_000, MultKind::K, j + 1));
    }
    if matches!(c, 'm' | 'M') && !next_alpha {
        return Some((1_000_000, MultKind::M, j + 1));
    }
    let mut p = j;
    while p < chars.len() && is_space_sep(chars[p]) && p - j < 2 {
        p += 1;
    }
    let mut best: Option<(usize, u64)> = None;
    for (pat, factor) in &TABLES.multipliers {
        if let Some(len) = match_at(chars, p, pat, true, true)
            && best.is_none_or(|(l, _)| len > l)
        {
            best = Some((len, *factor));
        }
    }
    best.map(|(len, factor)| (factor, MultKind::Word, p + len))
}

/// Consumes "no cents" suffixes: "1.299,-", "15.–", "5000/-", "1,500/=".
fn read_dash_cents(chars: &[char], j: usize) -> usize {
    let (Some(&a), Some(&b)) = (chars.get(j), chars.get(j + 1)) else {
        return j;
    };
    if matches!(a, '.' | ',') && matches!(b, '-' | '–' | '—') {
        if chars.get(j + 2).is_some_and(char::is_ascii_digit) {
            return j;
        }
        let mut e = j + 2;
        while chars.get(e).is_some_and(|&c| matches!(c, '-' | '–' | '—')) {
            e += 1;
        }
        return e;
    }
    if a == '/' && matches!(b, '-' | '=') {
        return j + 2;
    }
    j
}

/// Every number in the text, left to right. `owner[i]` is the marker that
/// covers char `i`, if any.
pub(crate) fn scan_numbers(chars: &[char], owner: &[Option<usize>]) -> Vec<Num> {
    let n = chars.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let glued_before = i > 0 && chars[i - 1].is_alphabetic() && owner[i - 1].is_none();
        let qty_before = qty_word_before(chars, start);
        let allow_space = !glued_before && !qty_before;
        let mut j = i;
        while j < n && chars[j].is_ascii_digit() {
            j += 1;
        }
        let mut group = j - start;
        let mut seen_point = false;
        while j + 1 < n && is_group_sep(chars[j]) && chars[j + 1].is_ascii_digit() {
            let s = chars[j];
            let mut k = j + 1;
            while k < n && chars[k].is_ascii_digit() {
                k += 1;
            }
            if is_space_sep(s) {
                if !allow_space || seen_point || group > 3 || k - (j + 1) != 3 {
                    break;
                }
            } else if matches!(s, '.' | ',') {
                seen_point = true;
            }
            group = k - (j + 1);
            j = k;
        }
        let digits_end = j;
        let (mult, mut end) = match read_multiplier(chars, digits_end) {
            Some((factor, kind, e)) => (Some((factor, kind)), e),
            None => (None, read_dash_cents(chars, digits_end)),
        };
        let mut tail = None;
        if let Some((factor, kind)) = mult
            && kind != MultKind::M
        {
            let mut k = end;
            while k < n && chars[k].is_ascii_digit() {
                k += 1;
            }
            let len = k - end;
            if (1..=3).contains(&len) && raw_is_integer(&chars[start..digits_end]) {
                let digits: String = chars[end..k].iter().collect();
                tail = digits.parse::<i64>().ok().and_then(|t| {
                    let frac = Decimal::new(t, u32::try_from(len).ok()?);
                    frac.checked_mul(Decimal::from(factor))
                });
                if tail.is_some() {
                    end = k;
                }
            }
        }
        let glued_after = chars.get(end).is_some_and(|c| c.is_alphabetic()) && owner[end].is_none();
        let raw = &chars[start..digits_end];
        let leading_zero = raw.len() > 1 && raw[0] == '0' && raw[1].is_ascii_digit();
        let probe = parse_amount(raw, false);
        let year_like = mult.is_none()
            && raw.len() == 4
            && raw.iter().all(char::is_ascii_digit)
            && probe.is_some_and(|v| v >= Decimal::from(1800) && v <= Decimal::from(2099));
        out.push(Num {
            start,
            digits_end,
            end,
            mult,
            tail,
            glued_before,
            glued_after,
            qty_before,
            unit_after: !glued_after && unit_word_after(chars, end, owner),
            leading_zero,
            year_like,
            left: None,
            right: None,
            negative: false,
            probe,
        });
        i = end.max(i + 1);
    }
    out
}

fn raw_is_integer(raw: &[char]) -> bool {
    raw.iter().all(char::is_ascii_digit)
}

/// Reads the digits and separators of one number. `three_decimals` makes a
/// lone separator before exactly three digits a decimal point.
pub(crate) fn parse_amount(raw: &[char], three_decimals: bool) -> Option<Decimal> {
    let dots = raw.iter().filter(|&&c| c == '.').count();
    let commas = raw.iter().filter(|&&c| c == ',').count();
    let last_dot = raw.iter().rposition(|&c| c == '.');
    let last_comma = raw.iter().rposition(|&c| c == ',');
    let dec_pos = match (last_dot, last_comma) {
        (Some(d), Some(c)) => {
            let (pos, count) = if d > c { (d, dots) } else { (c, commas) };
            if count != 1 {
                return None;
            }
            Some(pos)
        }
        (Some(pos), None) | (None, Some(pos)) if dots + commas == 1 => {
            let after = raw.len() - pos - 1;
            let int_digits = raw[..pos].iter().filter(|c| c.is_ascii_digit()).count();
            let other_grouping = raw[..pos].iter().any(|c| !c.is_ascii_digit());
            let is_decimal = after != 3
                || three_decimals
                || other_grouping
                || raw.first() == Some(&'0')
                || int_digits > 3;
            is_decimal.then_some(pos)
        }
        _ => None,
    };
    let (int_part, frac_part) = match dec_pos {
        Some(p) => (&raw[..p], &raw[p + 1..]),
        None => (raw, &raw[raw.len()..]),
    };
    if !frac_part.iter().all(char::is_ascii_digit) {
        return None;
    }
    let mut groups = Vec::new();
    let mut current = 0usize;
    let mut class: Option<u8> = None;
    for &c in int_part {
        if c.is_ascii_digit() {
            current += 1;
            continue;
        }
        let this = match c {
            '.' => 0,
            ',' => 1,
            '\'' | '’' => 2,
            _ => 3,
        };
        if class.is_some_and(|k| k != this) || current == 0 {
            return None;
        }
        class = Some(this);
        groups.push(current);
        current = 0;
    }
    if current == 0 {
        return None;
    }
    groups.push(current);
    if !valid_groups(&groups) {
        return None;
    }
    let digits: String = int_part
        .iter()
        .chain(frac_part)
        .filter(|c| c.is_ascii_digit())
        .collect();
    if digits.len() > MAX_DIGITS {
        return None;
    }
    let mantissa: i128 = digits.parse().ok()?;
    let scale = u32::try_from(frac_part.len()).ok()?;
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

/// Western grouping (1–3 digits, then threes) or Indian grouping (1–2
/// digits, then twos, then a final three).
fn valid_groups(groups: &[usize]) -> bool {
    let [first, rest @ ..] = groups else {
        return false;
    };
    let Some((&last, middle)) = rest.split_last() else {
        return true;
    };
    let western = (1..=3).contains(first) && rest.iter().all(|&g| g == 3);
    let indian = (1..=2).contains(first) && last == 3 && middle.iter().all(|&g| g == 2);
    western || indian
}

/// The full value of a number: digits times multiplier plus any tail.
pub(crate) fn full_value(value: Decimal, num: &Num) -> Option<Decimal> {
    let v = apply_mult(value, num.mult)?;
    match num.tail {
        Some(t) => v.checked_add(t).map(|x| x.normalize()),
        None => Some(v),
    }
}

pub(crate) fn apply_mult(value: Decimal, mult: Option<(u64, MultKind)>) -> Option<Decimal> {
    match mult {
        None => Some(value),
        Some((factor, _)) => value
            .checked_mul(Decimal::from(factor))
            .map(|v| v.normalize()),
    }
}
