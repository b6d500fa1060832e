//! Unicode normalisation (NFC) and diacritic folding. Folding lowercases and
//! strips every combining mark, and maps đ/Đ to d, so that "Hải Hà" and
//! "hai ha" compare equal. It works per character, so byte offsets into the
//! original text can be recovered by walking both strings together.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// Text in Unicode NFC form: composed characters, one code point per letter
/// where Unicode has one. Stored documents and claims are kept in this form.
pub fn normalize_nfc(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    text.nfc().collect()
}

/// The folded form of one character: lowercase, no diacritics, đ → d. A
/// character that is itself a combining mark folds to `None`.
pub fn fold_char(character: char) -> Option<char> {
    if character.is_ascii() {
        return Some(character.to_ascii_lowercase());
    }
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
    text.chars().filter_map(fold_char).collect()
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
    fn diacritics_are_detected() {
        assert!(has_diacritics("giảm"));
        assert!(has_diacritics("đi"));
        assert!(!has_diacritics("giam"));
        assert!(!has_diacritics("café ⚠ 12") || has_diacritics("café"));
    }
}
