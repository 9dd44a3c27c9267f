//! wildtrace-text: the few facts about writing systems that both sides of
//! the lake need: the extractor (price and quantity words) and the analysis
//! (species lexicon matching) must agree on which scripts are written
//! without spaces between words, so a word boundary means the same to both.
//!
//! It owns only such character-level rules. It must not depend on anything
//! (no tables loaded at run time, no allocation) so that every crate may use
//! it without pulling in another.

/// Whether `c` is a letter of a script written without spaces between
/// words (Thai, Lao, Myanmar, Khmer, Han, kana, Bopomofo), where every
/// character is a token and a match may start or end anywhere. Hangul is
/// not among them: Korean separates words with spaces.
pub fn is_unspaced_script(c: char) -> bool {
    match c {
        // Thai, Lao, Myanmar, Khmer: letters, vowel signs and tone marks alike
        // (currency signs and sentence punctuation excepted).
        '\u{0E00}'..='\u{0EFF}' | '\u{1000}'..='\u{109F}' | '\u{1780}'..='\u{17FF}' => !matches!(
            c,
            '\u{0E3F}' | '\u{0E4F}' | '\u{0E5A}' | '\u{0E5B}' | '\u{104A}' | '\u{104B}' | '\u{17D4}'..='\u{17DB}'
        ),
        '\u{2E80}'..='\u{2FDF}'     // CJK radicals
        | '\u{3005}'..='\u{3007}'   // 々 〆 〇
        | '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3100}'..='\u{312F}'   // Bopomofo
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'   // CJK Ext A
        | '\u{4E00}'..='\u{9FFF}'   // CJK Unified
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' => c.is_alphanumeric(),
        _ => false,
    }
}

/// Whether `c` is a Hangul syllable or jamo.
pub fn is_hangul(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_without_spaces() {
        for c in ['象', 'ช', 'の', 'カ', '豈', 'ລ', 'ក'] {
            assert!(is_unspaced_script(c), "{c}");
        }
        for c in ['a', 'é', 'ж', 'ư', '1', ' ', '한', '฿', '。'] {
            assert!(!is_unspaced_script(c), "{c}");
        }
        assert!(is_hangul('한') && !is_hangul('象'));
    }
}
