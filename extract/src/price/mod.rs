//! Multi-locale price parsing for marketplace listing text.
//!
//! This module owns one job: turning the free text a listing shows as its
//! price ("1.299,00 €", "US$ 950", "₹1,25,000", "100-150 €", "POA") into an
//! exact [`ParsedPrice`]: the amount as a [`Decimal`], the ISO 4217 currency,
//! the currency marker exactly as written, and the upper bound of a range.
//! It knows locale number formats (thousands and decimal separators, Indian
//! grouping, `k`/`m`/`lakh`/`万` multipliers), currency symbols, codes and
//! local names, and how a page-level hint ("AUD", "Norway") settles an
//! ambiguous sign such as `$`, `¥` or `kr`.
//!
//! It must not guess or apply exchange rates, convert between currencies,
//! round amounts, or do any I/O (no network, files, clock, environment or
//! logging). It never panics (its embedded tables are checked by the tests,
//! see [`crate::data::check`]): any input yields a `ParsedPrice`, with
//! `amount: None` when no plausible price is found. Only the first
//! [`MAX_CHARS`] characters of a text are looked at. What it knows about
//! currencies and words is data (`extract/data/currencies.toml`,
//! `price_words.toml`, `units.toml`), not code.
//!
//! Inside: `tables` (the data model and its loader), `markers` and
//! `numbers` (the scanners), and here the entry point, which pairs numbers
//! with markers, finds ranges and picks the price.

mod markers;
mod numbers;
pub(crate) mod tables;

use rust_decimal::Decimal;
use serde::Serialize;

use self::markers::{Cur, Mark, is_prefix_sign, resolve_hint, scan_markers};
use self::numbers::{MultKind, Num, apply_mult, full_value, parse_amount, scan_numbers};
use self::tables::TABLES;
use crate::text::{contains_word, fold_digits_and_punct, has, is_kana, lower};

/// Longest input considered, in characters; the rest is ignored.
pub const MAX_CHARS: usize = 4096;

/// A price read from listing text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedPrice {
    /// The amount, exact; `None` for POA / make an offer / free / unparseable.
    pub amount: Option<Decimal>,
    /// ISO 4217 code, e.g. `"EUR"`.
    pub currency: Option<String>,
    /// The symbol, code or word as written in the text, e.g. `"€"`, `"руб."`, `"US$"`.
    pub currency_raw: Option<String>,
    /// Upper bound when the text is a range ("100-150 €"); `amount` is then the lower bound.
    pub amount_max: Option<Decimal>,
}

/// Links each number to the marker written right before or after it, then
/// gives a marker between two numbers to only one of them.
fn attach_markers(chars: &[char], owner: &[Option<usize>], marks: &[Mark], nums: &mut [Num]) {
    for num in nums.iter_mut() {
        let mut p = num.start;
        while p > 0 && (chars[p - 1].is_whitespace() || chars[p - 1] == ':') {
            p -= 1;
        }
        if p > 0
            && let Some(m) = owner[p - 1]
            && marks[m].end == p
        {
            num.left = Some(m);
        }
        let mut q = num.end;
        while q < chars.len() && chars[q].is_whitespace() {
            q += 1;
        }
        let m_needs_touch = matches!(num.mult, Some((_, MultKind::M))) && q != num.end;
        if let Some(Some(m)) = owner.get(q)
            && marks[*m].start == q
            && !m_needs_touch
        {
            num.right = Some(*m);
        }
    }
    // A marker between two numbers ("07700 900123 £250", "10 € 20") belongs
    // to one of them: the one it touches without a space, else the side the
    // sign is usually written on.
    for i in 1..nums.len() {
        let (before, after) = nums.split_at_mut(i);
        let x = &mut before[i - 1];
        let y = &mut after[0];
        let (Some(mx), Some(my)) = (x.right, y.left) else {
            continue;
        };
        if mx != my {
            continue;
        }
        let m = &marks[mx];
        let gap_x = m.start - x.end;
        let gap_y = y.start - m.end;
        let keep_after = match (gap_x == 0, gap_y == 0) {
            (false, true) => true,
            (true, false) => false,
            _ => m.end > m.start && is_prefix_sign(chars[m.end - 1]),
        };
        if keep_after {
            x.right = None;
        } else {
            y.left = None;
        }
    }
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '‒' | '―' | '~' | '～' | '〜')
}

fn skip_ws(chars: &[char], mut p: usize, limit: usize) -> usize {
    while p < limit && chars[p].is_whitespace() {
        p += 1;
    }
    p
}

fn skip_mark(owner: &[Option<usize>], marks: &[Mark], p: usize, limit: usize) -> usize {
    match owner.get(p) {
        Some(Some(m)) if marks[*m].start == p && marks[*m].active && marks[*m].end <= limit => {
            marks[*m].end
        }
        _ => p,
    }
}

/// `a` and `b` are the two ends of a range ("100-150", "€100 – €150",
/// "100 to 150 EUR").
fn is_range(chars: &[char], owner: &[Option<usize>], marks: &[Mark], a: &Num, b: &Num) -> bool {
    let limit = b.start;
    let clean = |x: &Num| !x.glued_before && !x.glued_after && !x.qty_before;
    if a.end > limit || !clean(a) || !clean(b) {
        return false;
    }
    let mut p = skip_ws(chars, a.end, limit);
    p = skip_mark(owner, marks, p, limit);
    p = skip_ws(chars, p, limit);
    if p >= limit {
        return false;
    }
    if is_dash(chars[p]) {
        p += 1;
    } else {
        let mut q = p;
        while q < limit && chars[q].is_alphabetic() {
            q += 1;
        }
        let w = lower(&chars[p..q]);
        let spaced =
            p > a.end && chars[p - 1].is_whitespace() && q < limit && chars[q].is_whitespace();
        if q == p || !spaced || !has(&TABLES.range_words, &w) {
            return false;
        }
        p = q;
    }
    p = skip_ws(chars, p, limit);
    p = skip_mark(owner, marks, p, limit);
    p = skip_ws(chars, p, limit);
    if p != limit {
        return false;
    }
    match (a.probe, b.probe) {
        (Some(x), Some(y)) => range_values(x, a.mult, y, b.mult).is_some(),
        _ => false,
    }
}

/// Both ends of a range with multipliers applied; a bare lower end borrows
/// the upper end's multiplier ("1.5-2k"). `None` unless low < high.
fn range_values(
    low: Decimal,
    low_mult: Option<(u64, MultKind)>,
    high: Decimal,
    high_mult: Option<(u64, MultKind)>,
) -> Option<(Decimal, Decimal)> {
    let low_mult = if low_mult.is_none() && high_mult.is_some() && low < high {
        high_mult
    } else {
        low_mult
    };
    let lo = apply_mult(low, low_mult)?;
    let hi = apply_mult(high, high_mult)?;
    (lo < hi).then_some((lo, hi))
}

/// A minus sign right before the number (or before its currency sign) that
/// is not the dash of a range: negative amounts are not prices.
fn is_negative(chars: &[char], marks: &[Mark], num: &Num) -> bool {
    let dash_at = if num.start > 0 && chars[num.start - 1] == '-' {
        Some(num.start - 1)
    } else if let Some(m) = num.left {
        let s = marks[m].start;
        (s > 0 && chars[s - 1] == '-').then(|| s - 1)
    } else {
        None
    };
    let Some(d) = dash_at else {
        return false;
    };
    let mut p = d;
    while p > 0 && chars[p - 1].is_whitespace() {
        p -= 1;
    }
    !(p > 0 && chars[p - 1].is_ascii_digit())
}

/// Chinese rather than Japanese text (a Chinese-only character and no kana),
/// so a bare `¥` means CNY.
fn is_chinese_text(chars: &[char]) -> bool {
    let kana = chars.iter().any(|&c| is_kana(c));
    !kana && chars.iter().any(|c| TABLES.chinese_only.contains(c))
}

/// A phrase says there is no price (after removing those that only look so).
fn says_no_price(chars: &[char]) -> bool {
    let mut text = lower(chars);
    for soft in &TABLES.no_price_soft {
        if text.contains(soft.as_str()) {
            text = text.replace(soft.as_str(), " ");
        }
    }
    let text: Vec<char> = text.chars().collect();
    TABLES.no_price_hard.iter().any(|p| contains_word(&text, p))
}

/// Parses a price from listing text. `currency_hint` (an ISO code, or page
/// text naming the currency or country) only settles an ambiguous sign (`$`,
/// `¥`, `kr`, `Rs`...) or supplies the currency when the text has none.
pub fn parse_price(text: &str, currency_hint: Option<&str>) -> ParsedPrice {
    let orig: Vec<char> = text.chars().take(MAX_CHARS).collect();
    let chars: Vec<char> = orig.iter().copied().map(fold_digits_and_punct).collect();
    let n = chars.len();

    let mut marks = scan_markers(&chars);
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for (idx, m) in marks.iter().enumerate() {
        for slot in &mut owner[m.start..m.end] {
            *slot = Some(idx);
        }
    }
    let mut nums = scan_numbers(&chars, &owner);
    attach_markers(&chars, &owner, &marks, &mut nums);
    for (idx, m) in marks.iter_mut().enumerate() {
        if !m.anywhere {
            m.active = nums
                .iter()
                .any(|x| x.left == Some(idx) || x.right == Some(idx));
        }
    }

    let links: Vec<bool> = nums
        .windows(2)
        .map(|w| is_range(&chars, &owner, &marks, &w[0], &w[1]))
        .collect();
    let is_b = |i: usize| i > 0 && links[i - 1];
    let is_a = |i: usize| links.get(i).copied().unwrap_or(false);
    let negatives: Vec<bool> = nums
        .iter()
        .enumerate()
        .map(|(i, x)| !is_b(i) && is_negative(&chars, &marks, x))
        .collect();
    for (x, neg) in nums.iter_mut().zip(negatives) {
        x.negative = neg;
    }

    // Tier 1: next to a currency and clean; 2: next to a currency; 3: a bare
    // plausible number; 4: a bare number that looks like a year.
    let partner_ok = |i: usize| {
        (!is_a(i) || nums[i + 1].plausible_bare()) && (!is_b(i) || nums[i - 1].plausible_bare())
    };
    let tier = |i: usize, x: &Num| -> Option<u8> {
        if x.probe.is_none() || x.negative {
            return None;
        }
        if x.adjacent() {
            let clean = !x.glued_before && !x.glued_after && !x.qty_before;
            return Some(if clean { 1 } else { 2 });
        }
        if x.plausible_bare() && partner_ok(i) {
            return Some(if x.year_like { 4 } else { 3 });
        }
        None
    };
    let mut chosen: Option<(u8, usize)> = None;
    for (i, x) in nums.iter().enumerate() {
        if let Some(t) = tier(i, x)
            && chosen.is_none_or(|(bt, _)| t < bt)
        {
            chosen = Some((t, i));
        }
    }
    if chosen.is_some_and(|(t, _)| t >= 3) && says_no_price(&chars) {
        chosen = None;
    }
    let pair: Option<(usize, Option<usize>)> = chosen.map(|(_, i)| {
        if is_b(i) {
            (i - 1, Some(i))
        } else if is_a(i) {
            (i, Some(i + 1))
        } else {
            (i, None)
        }
    });

    // Currency: a marker next to the chosen number, else the first marker in
    // the text, else the hint.
    let members: Vec<usize> = match pair {
        Some((a, Some(b))) => vec![a, b],
        Some((a, None)) => vec![a],
        None => Vec::new(),
    };
    let adjacent_marks: Vec<usize> = members
        .iter()
        .flat_map(|&i| [nums[i].left, nums[i].right])
        .flatten()
        .collect();
    let picked = adjacent_marks
        .iter()
        .copied()
        .find(|&m| matches!(marks[m].cur, Cur::Iso(_)))
        .or_else(|| adjacent_marks.first().copied())
        .or_else(|| marks.iter().position(|m| m.active));
    let hint_iso = currency_hint.and_then(resolve_hint);
    let (currency, currency_raw) = match picked {
        Some(m) => {
            let iso = match marks[m].cur {
                Cur::Iso(iso) => iso,
                Cur::Amb(family) => {
                    let adjacent_elsewhere = |k: usize| {
                        nums.iter().enumerate().any(|(i, x)| {
                            !members.contains(&i) && (x.left == Some(k) || x.right == Some(k))
                        })
                    };
                    let in_text = marks.iter().enumerate().find_map(|(k, mk)| match mk.cur {
                        Cur::Iso(iso) if mk.active && family.has(iso) && !adjacent_elsewhere(k) => {
                            Some(iso)
                        }
                        _ => None,
                    });
                    let chinese_text = || {
                        family
                            .in_chinese_text
                            .as_deref()
                            .filter(|_| is_chinese_text(&chars))
                    };
                    in_text
                        .or(hint_iso.filter(|h| family.has(h)))
                        .or_else(chinese_text)
                        .unwrap_or_else(|| family.default_iso())
                }
            };
            let raw: String = orig[marks[m].start..marks[m].end].iter().collect();
            (Some(iso), Some(raw.trim().to_string()))
        }
        None if pair.is_some() => (hint_iso, None),
        None => (None, None),
    };

    let three = currency.is_some_and(|c| has(&TABLES.three_decimals, c));
    let value_of = |i: usize| parse_amount(&chars[nums[i].start..nums[i].digits_end], three);
    let (amount, amount_max) = match pair {
        None => (None, None),
        Some((a, None)) => (value_of(a).and_then(|v| full_value(v, &nums[a])), None),
        Some((a, Some(b))) => {
            match (value_of(a), value_of(b)) {
                (Some(x), Some(y)) => match range_values(x, nums[a].mult, y, nums[b].mult) {
                    Some((lo, hi)) => (Some(lo), Some(hi)),
                    // Not ordered after all: keep the number that was chosen.
                    None => {
                        let i = chosen.map_or(a, |(_, i)| i);
                        (value_of(i).and_then(|v| full_value(v, &nums[i])), None)
                    }
                },
                _ => (None, None),
            }
        }
    };

    ParsedPrice {
        amount,
        currency: currency.map(str::to_string),
        currency_raw,
        amount_max,
    }
}
