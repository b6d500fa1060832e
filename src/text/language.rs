//! Language detection for documents and claims: Vietnamese or English.
//! Vietnamese letters with tone marks decide at once; text typed without
//! diacritics is judged by its function words, so "Binh Xuyen tinh gian 45 can
//! bo" is still Vietnamese.

use std::sync::LazyLock;

use super::normalize::{fold_char, has_diacritics};
use super::tokens::is_word_character;
use crate::hashing::FastSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Language {
    Vietnamese,
    English,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Vietnamese => "vi",
            Language::English => "en",
        }
    }

    /// Parses a client's language code; `None` for an unknown one.
    pub fn from_code(code: &str) -> Option<Language> {
        match code.trim().to_ascii_lowercase().as_str() {
            "vi" | "vie" | "vi-vn" | "vietnamese" => Some(Language::Vietnamese),
            "en" | "eng" | "en-us" | "en-gb" | "english" => Some(Language::English),
            _ => None,
        }
    }
}

/// Frequent Vietnamese syllables, folded; none of them is an English word
/// that would appear often in English news.
const VIETNAMESE_MARKERS: &[&str] = &[
    "cua", "va", "cac", "nhung", "duoc", "trong", "nguoi", "mot", "khong", "cho", "voi", "tai",
    "nay", "da", "dang", "se", "theo", "ve", "cung", "nhu", "tu", "den", "tren", "giam", "tang",
    "xa", "huyen", "tinh", "nam", "thi", "thanh", "pho", "can", "bo", "cong", "chuc", "hon",
    "nhieu", "viec", "dong", "thuc", "hien", "nhan", "dan", "ban", "so", "co", "la", "gia",
];

const ENGLISH_MARKERS: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "was", "for", "that", "with", "on", "by", "as", "are",
    "were", "from", "at", "it", "its", "has", "have", "had", "this", "which", "be", "been",
    "percent", "million", "people", "than", "more", "said", "will", "after", "over", "about",
];

static VIETNAMESE_MARKER_SET: LazyLock<FastSet<&'static str>> =
    LazyLock::new(|| VIETNAMESE_MARKERS.iter().copied().collect());
static ENGLISH_MARKER_SET: LazyLock<FastSet<&'static str>> =
    LazyLock::new(|| ENGLISH_MARKERS.iter().copied().collect());

/// True for a word (any case) that cannot be one Vietnamese syllable written
/// without diacritics: letters Vietnamese does not use (f, j, w, z), or an
/// ending other than a vowel or c, ch, m, n, ng, nh, p, t ("posts",
/// "district").
fn impossible_as_vietnamese(word: &str) -> bool {
    let bytes = word.as_bytes();
    if bytes.len() < 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    if bytes
        .iter()
        .any(|b| matches!(b.to_ascii_lowercase(), b'f' | b'j' | b'w' | b'z'))
    {
        return true;
    }
    let last = bytes[bytes.len() - 1].to_ascii_lowercase();
    let before_last = bytes[bytes.len() - 2].to_ascii_lowercase();
    let vowel_end = matches!(last, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let consonant_end = matches!(last, b'c' | b'm' | b'n' | b'p' | b't')
        || matches!((before_last, last), (b'c' | b'n', b'h') | (b'n', b'g'));
    !(vowel_end || consonant_end)
}

/// Bytes of a text that language detection reads: a few hundred words.
const SAMPLE_BYTES: usize = 2048;

/// A lead in votes that decides the language before the sample ends: a
/// dozen Vietnamese words with tone marks, or a few dozen English ones.
const DECISIVE_LEAD: usize = 24;

/// Guesses the language of a text from at most its first `SAMPLE_BYTES`,
/// in one pass over its words, stopping once one language leads by
/// `DECISIVE_LEAD` votes.
pub fn detect_language(text: &str) -> Language {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    let mut vietnamese_votes = 0usize;
    let mut english_votes = sample.matches(['$', '€', '£']).count();
    let mut folded = String::with_capacity(32);
    for word in sample
        .split(|c: char| !is_word_character(c))
        .filter(|word| !word.is_empty())
    {
        if has_diacritics(word) {
            vietnamese_votes += 2;
        }
        // Function words are short: longer words are not looked up.
        if word.len() <= 3 * 7 {
            folded.clear();
            folded.extend(word.chars().filter_map(fold_char));
            if folded.len() <= 7 {
                vietnamese_votes += usize::from(VIETNAMESE_MARKER_SET.contains(folded.as_str()));
                english_votes += usize::from(ENGLISH_MARKER_SET.contains(folded.as_str()));
            }
        }
        // Words as written: abbreviations in capitals ("USD", "UBND") say nothing.
        if impossible_as_vietnamese(word) && !word.bytes().all(|b| b.is_ascii_uppercase()) {
            english_votes += 1;
        }
        if vietnamese_votes.abs_diff(english_votes) >= DECISIVE_LEAD {
            break;
        }
    }
    if vietnamese_votes >= english_votes && vietnamese_votes > 0 {
        Language::Vietnamese
    } else if english_votes > 0 {
        Language::English
    } else {
        Language::Vietnamese
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_table() {
        let cases = [
            (
                "Hải Hà giảm 51 cán bộ, công chức cấp xã.",
                Language::Vietnamese,
            ),
            (
                "Binh Xuyen tinh gian 45 can bo, cong chuc cap xa.",
                Language::Vietnamese,
            ),
            ("Hai Ha giam 22 bien che", Language::Vietnamese),
            (
                "The district cut 1,654 part-time posts in 2019.",
                Language::English,
            ),
            (
                "Trust in the party reached 91.6 percent.",
                Language::English,
            ),
            ("Móng Cái", Language::Vietnamese),
            ("cut 1,654 posts", Language::English),
            ("December 2019", Language::English),
            ("$370,000", Language::English),
            ("Hai Ha giam 5 truong hoc", Language::Vietnamese),
            ("", Language::Vietnamese),
        ];
        for (text, expected) in cases {
            assert_eq!(detect_language(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_decisive_opening_decides_a_long_text() {
        let vietnamese = "Huyện Hải Hà đã giảm 51 cán bộ, công chức cấp xã trong năm. ";
        let english = "The district cut part-time posts after the merger of its communes. ";
        let mixed = format!("{}{}", vietnamese.repeat(3), english.repeat(20));
        assert_eq!(detect_language(&mixed), Language::Vietnamese);
        let mixed = format!("{}{}", english.repeat(3), vietnamese.repeat(20));
        assert_eq!(detect_language(&mixed), Language::English);
    }

    #[test]
    fn language_codes_round_trip() {
        for language in [Language::Vietnamese, Language::English] {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(Language::from_code("fr"), None);
    }
}
