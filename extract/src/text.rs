//! Character-level rules the price and quantity scanners share (crate
//! internal): digit and punctuation folding, separators, which letters need a
//! word boundary, and matching a word at a position.
//!
//! It owns these small rules so that both parsers read a character the same
//! way where they agree; where they deliberately differ (the price parser
//! folds more digit systems than the quantity parser), both variants live
//! here side by side. It must not know any words or currencies (those are
//! data files) and must not allocate beyond the one lower-cased word it is
//! asked for.

/// Full-width digits and colon to ASCII, one char for one char.
pub(crate) fn fold_fullwidth(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' => shift_digit(c, 0xFF10),
        '\u{FF1A}' => ':',
        _ => c,
    }
}

/// Other digit systems (Arabic-Indic, Persian, Devanagari, Bengali, Thai) and
/// full-width or Arabic punctuation to ASCII, one char for one char, so that
/// positions in the folded text match the original.
pub(crate) fn fold_digits_and_punct(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => shift_digit(c, 0x0660),
        '\u{06F0}'..='\u{06F9}' => shift_digit(c, 0x06F0),
        '\u{0966}'..='\u{096F}' => shift_digit(c, 0x0966),
        '\u{09E6}'..='\u{09EF}' => shift_digit(c, 0x09E6),
        '\u{0E50}'..='\u{0E59}' => shift_digit(c, 0x0E50),
        '\u{066B}' | '\u{FF0E}' => '.',
        '\u{066C}' | '\u{FF0C}' => ',',
        '\u{FF0D}' | '\u{2212}' => '-',
        _ => fold_fullwidth(c),
    }
}

fn shift_digit(c: char, zero: u32) -> char {
    char::from_u32('0' as u32 + (c as u32 - zero)).unwrap_or(c)
}

/// Spaces that may group thousands ("1 299", no-break, narrow, thin, figure).
pub(crate) fn is_space_sep(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{2007}')
}

/// A straight or curly apostrophe.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’')
}

/// Hiragana or katakana.
pub(crate) fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF)
}

/// Kana and CJK ideographs (whole blocks): the characters the quantity
/// parser reads one at a time.
pub(crate) fn is_cjk_char(c: char) -> bool {
    is_kana(c) || matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// A letter that ends a word without a space, for the price parser: the
/// shared rule of scripts written without spaces, plus Hangul.
pub(crate) fn is_unspaced_letter(c: char) -> bool {
    // why: Korean attaches particles to currency and unit words ("5000원입니다"), so Hangul ends a price word too.
    wildtrace_text::is_unspaced_script(c) || wildtrace_text::is_hangul(c)
}

/// A letter whose neighbours must not be letters for a word to match.
pub(crate) fn needs_boundary(c: char) -> bool {
    c.is_alphabetic() && !is_unspaced_letter(c)
}

fn eq_ci(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Length (in chars) of `pat` matched at `chars[i..]`, or `None`. With `ci`
/// the comparison ignores case; with `bounded`, an alphabetic end of the
/// pattern must not touch another letter (except in unspaced scripts).
pub(crate) fn match_at(
    chars: &[char],
    i: usize,
    pat: &str,
    ci: bool,
    bounded: bool,
) -> Option<usize> {
    let mut k = i;
    for pc in pat.chars() {
        let tc = *chars.get(k)?;
        if !(tc == pc || (ci && eq_ci(tc, pc))) {
            return None;
        }
        k += 1;
    }
    if k == i {
        return None;
    }
    if bounded {
        if needs_boundary(chars[i]) && i > 0 && chars[i - 1].is_alphabetic() {
            return None;
        }
        if needs_boundary(chars[k - 1]) && chars.get(k).is_some_and(|c| c.is_alphabetic()) {
            return None;
        }
    }
    Some(k - i)
}

/// Whether `pat` occurs in `chars` as a whole word (exact case).
pub(crate) fn contains_word(chars: &[char], pat: &str) -> bool {
    (0..chars.len()).any(|i| match_at(chars, i, pat, false, true).is_some())
}

/// The characters, lower-cased.
pub(crate) fn lower(chars: &[char]) -> String {
    chars.iter().collect::<String>().to_lowercase()
}

/// Whether `list` holds `word`.
pub(crate) fn has(list: &[String], word: &str) -> bool {
    list.iter().any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The price parser's old private rule, kept here to show that the shared
    /// one answers the same wherever the parser asks (it asks only about
    /// letters) in the scripts it was written for.
    fn old_price_unspaced(c: char) -> bool {
        matches!(
            c as u32,
            0x0E00..=0x0E7F
                | 0x3040..=0x30FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xAC00..=0xD7AF
                | 0xF900..=0xFAFF
        )
    }

    #[test]
    fn unspaced_letters_match_the_old_price_rule_on_its_scripts() {
        let blocks = [
            0x0E00..=0x0E7F,
            0x3040..=0x30FF,
            0x3400..=0x4DBF,
            0x4E00..=0x9FFF,
            0xAC00..=0xD7AF,
            0xF900..=0xFAFF,
            0x0000..=0x0DFF,
            0x1E00..=0x1FFF,
        ];
        for c in blocks.into_iter().flatten().filter_map(char::from_u32) {
            if c.is_alphabetic() {
                assert_eq!(is_unspaced_letter(c), old_price_unspaced(c), "{c:?}");
            }
        }
        assert!(is_unspaced_letter('입') && is_unspaced_letter('บ') && is_unspaced_letter('元'));
        assert!(needs_boundary('k') && !needs_boundary('원') && !needs_boundary('1'));
    }

    #[test]
    fn folding_keeps_positions() {
        assert_eq!(fold_fullwidth('３'), '3');
        assert_eq!(fold_fullwidth('٣'), '٣');
        assert_eq!(fold_digits_and_punct('٣'), '3');
        assert_eq!(fold_digits_and_punct('３'), '3');
        assert_eq!(fold_digits_and_punct('٫'), '.');
        assert_eq!(fold_digits_and_punct('：'), ':');
    }
}
