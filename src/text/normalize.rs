//! Unicode normalisation (NFC) and diacritic folding. Folding lowercases and
//! strips every combining mark, and maps đ/Đ to d, so that "Hải Hà" and
//! "hai ha" compare equal. It works per character, so byte offsets into the
//! original text can be recovered by walking both strings together.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Text in Unicode NFC form: composed characters, one code point per letter
/// where Unicode has one. Stored documents and claims are kept in this form.
pub fn normalize_nfc(text: &str) -> String {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return text.to_string();
    }
    let mut normalized = String::with_capacity(text.len());
    normalized.extend(text.nfc());
    normalized
}

/// The folded form of one character: lowercase, no diacritics, đ → d. A
/// character that is itself a combining mark folds to `None`.
pub fn fold_char(character: char) -> Option<char> {
    if character.is_ascii() {
        return Some(character.to_ascii_lowercase());
    }
    if let Some(folded) = latin_fold_table(character) {
        return Some(folded);
    }
    fold_char_slow(character)
}

/// The lowercase form of a character when it is one character: a table for
/// ASCII and the Latin blocks Vietnamese uses, `None` elsewhere.
pub fn lower_char(character: char) -> Option<char> {
    use std::sync::LazyLock;
    static TABLE: LazyLock<Vec<char>> = LazyLock::new(|| {
        (0xC0u32..=0x24F)
            .chain(0x1E00..=0x1EFF)
            .map(|code| {
                let character = char::from_u32(code).unwrap_or('\0');
                let mut lower = character.to_lowercase();
                match (lower.next(), lower.next()) {
                    (Some(single), None) => single,
                    _ => '\0',
                }
            })
            .collect()
    });
    if character.is_ascii() {
        return Some(character.to_ascii_lowercase());
    }
    TABLE
        .get(latin_index(character)?)
        .copied()
        .filter(|c| *c != '\0')
}

/// The position of a character in the tables of the Latin blocks.
fn latin_index(character: char) -> Option<usize> {
    let code = character as u32;
    let index = match code {
        0xC0..=0x24F => code - 0xC0,
        0x1E00..=0x1EFF => code - 0x1E00 + (0x24F - 0xC0 + 1),
        _ => return None,
    };
    Some(index as usize)
}

/// Folded forms of the Latin blocks Vietnamese uses (U+00C0..U+024F and
/// U+1E00..U+1EFF), computed once.
fn latin_fold_table(character: char) -> Option<char> {
    use std::sync::LazyLock;
    static TABLE: LazyLock<Vec<char>> = LazyLock::new(|| {
        (0xC0u32..=0x24F)
            .chain(0x1E00..=0x1EFF)
            .map(|code| {
                char::from_u32(code)
                    .and_then(fold_char_slow)
                    .unwrap_or('\0')
            })
            .collect()
    });
    TABLE
        .get(latin_index(character)?)
        .copied()
        .filter(|c| *c != '\0')
}

fn fold_char_slow(character: char) -> Option<char> {
    if is_combining_mark(character) {
        return None;
    }
    match character {
        'đ' | 'Đ' | 'ð' | 'Ð' => return Some('d'),
        _ => {}
    }
    let mut base = None;
    decompose_canonical(character, |part| {
        if base.is_none() && !is_combining_mark(part) {
            base = Some(part);
        }
    });
    let base = base.unwrap_or(character);
    base.to_lowercase().next().or(Some(base))
}

/// Lowercase text without diacritics: "Giảm 1.654 Cán Bộ" → "giam 1.654 can bo".
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(text.len());
    folded.extend(text.chars().filter_map(fold_char));
    folded
}

/// [`fold`], borrowing a text that is already folded (ASCII without
/// capitals), as most English words and many Vietnamese syllables are.
pub fn fold_borrowed(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(fold(text))
    }
}

/// True when the text has a letter whose folded form differs from its
/// lowercase form (a Vietnamese tone or vowel mark, or đ).
pub fn has_diacritics(text: &str) -> bool {
    !text.is_ascii()
        && text.chars().any(|character| {
            character.is_alphabetic()
                && !character.is_ascii()
                && fold_char(character) != character.to_lowercase().next()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_table() {
        let cases = [
            ("Hải Hà giảm 22 biên chế", "hai ha giam 22 bien che"),
            ("ĐÔNG TRIỀU", "dong trieu"),
            ("Quảng Ninh", "quang ninh"),
            ("khoá XIII", "khoa xiii"),
            ("Nghị định 108/2014/NĐ-CP", "nghi dinh 108/2014/nd-cp"),
            ("plain ASCII", "plain ascii"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold(input), expected, "fold({input:?})");
        }
    }

    #[test]
    fn decomposed_input_folds_like_composed_input() {
        let decomposed: String = "Hải Hà".nfd().collect();
        assert_ne!(decomposed, "Hải Hà");
        assert_eq!(fold(&decomposed), "hai ha");
        assert_eq!(normalize_nfc(&decomposed), "Hải Hà");
    }

    #[test]
    fn table_lowercase_agrees_with_unicode() {
        for code in (0xC0u32..=0x24F).chain(0x1E00..=0x1EFF) {
            let Some(character) = char::from_u32(code) else {
                continue;
            };
            if let Some(lower) = lower_char(character) {
                assert_eq!(Some(lower), character.to_lowercase().next(), "U+{code:04X}");
            }
            assert_eq!(
                fold_char(character),
                fold_char_slow(character),
                "U+{code:04X}"
            );
        }
    }

    #[test]
    fn diacritics_are_detected() {
        assert!(has_diacritics("giảm"));
        assert!(has_diacritics("đi"));
        assert!(!has_diacritics("giam"));
        assert!(has_diacritics("café ⚠ 12"));
        assert!(!has_diacritics("cafe ⚠ 12"));
    }
}
