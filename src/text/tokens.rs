//! Word tokens with byte spans, stopwords, and the terms a sentence is
//! indexed under: folded syllables (Vietnamese) or words (English) and the
//! bigrams of adjacent ones. Numbers are not index terms: figures are
//! checked by the quantity engine, not matched as words.

use std::borrow::Cow;

use super::normalize::fold_borrowed;

/// One run of letters or digits, with its byte span and folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordToken<'text> {
    pub text: &'text str,
    /// Lowercase, without diacritics; borrowed when the text is so already.
    pub folded: Cow<'text, str>,
    pub start: usize,
    pub end: usize,
}

impl WordToken<'_> {
    pub fn is_numeric(&self) -> bool {
        self.text.chars().all(|c| c.is_ascii_digit())
    }

    /// True when the token starts with an uppercase letter.
    pub fn is_capitalized(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }
}

/// About how many bytes of text a word takes, its separator included.
const BYTES_PER_WORD: usize = 6;

/// Splits text into runs of alphanumeric characters.
pub fn word_tokens(text: &str) -> Vec<WordToken<'_>> {
    // Sized for about one word per six bytes (a Vietnamese syllable and
    // its space), so that a sentence's words are rarely moved as the list
    // grows.
    let mut tokens = Vec::with_capacity(text.len() / BYTES_PER_WORD + 1);
    let mut start = None;
    for (index, character) in text.char_indices() {
        let inside = is_word_character(character);
        match (inside, start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                tokens.push(make_token(text, begin, index));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        tokens.push(make_token(text, begin, text.len()));
    }
    tokens
}

/// True for a character that belongs inside a word: a letter, a digit or
/// a combining mark. Latin letters (Vietnamese ones included) are answered
/// from their code point ranges, without the Unicode tables.
pub fn is_word_character(character: char) -> bool {
    match character as u32 {
        0..=0x7F => character.is_ascii_alphanumeric(),
        // Latin-1 letters, Latin Extended-A and -B, less × and ÷.
        0xC0..=0x24F => !matches!(character, '×' | '÷'),
        // Latin Extended Additional: ạ, ả, ấ, ... ỹ.
        0x1E00..=0x1EFF => true,
        _ => {
            character.is_alphanumeric() || unicode_normalization::char::is_combining_mark(character)
        }
    }
}

fn make_token(text: &str, start: usize, end: usize) -> WordToken<'_> {
    let word = &text[start..end];
    WordToken {
        text: word,
        folded: fold_borrowed(word),
        start,
        end,
    }
}

/// Function words of Vietnamese (folded) and English that carry no topic.
const STOPWORDS: &[&str] = &[
    // Vietnamese, folded
    "cua", "va", "cac", "nhung", "la", "co", "duoc", "da", "dang", "se", "voi", "cho", "tai", "o",
    "trong", "nay", "do", "thi", "ma", "de", "tu", "den", "theo", "ve", "cung", "nhu", "mot",
    "nhieu", "khi", "sau", "truoc", "tren", "duoi", "hon", "gan", "khoang", "con", "rang", "neu",
    "vi", "bi", "boi", "hay", "hoac", "nen", "nao", "gi", "ai", "dieu", "viec", "cach", "ra",
    "vao", "len", "xuong", "qua", "lai", "nua", "roi", "ay", "kia", "day", "ban", "nhat", "deu",
    "chi", "moi", "toi", "chung", "ta", "minh", "ho", "ong", "ba", "anh", "chi", "em", "thuoc",
    "giua", "cua", "nham", "tung", "cu", "the", // English
    "the", "a", "an", "of", "and", "or", "to", "in", "on", "at", "by", "for", "with", "from", "is",
    "are", "was", "were", "be", "been", "has", "have", "had", "it", "its", "this", "that", "these",
    "those", "as", "than", "which", "who", "whom", "their", "there", "they", "he", "she", "his",
    "her", "we", "our", "you", "your", "into", "over", "about", "after", "before", "said", "says",
    "will", "would", "also", "some", "all", "more", "most",
];

/// The longest stopword is six letters: longer words skip the lookup.
static STOPWORD_SET: std::sync::LazyLock<crate::hashing::FastSet<&'static str>> =
    std::sync::LazyLock::new(|| STOPWORDS.iter().copied().collect());

/// True for a folded word that carries no topic.
pub fn is_stopword(folded: &str) -> bool {
    folded.len() <= 6 && STOPWORD_SET.contains(folded)
}

/// The Vietnamese function words of the search stopword list
/// (above), with their diacritics: folded, the list also takes in
/// content words ("của" is a function word, "cửa" door, "cua" crab;
/// "đang" one, "Đảng" the Party; "khi" one, "khí" gas; "đến" one, "đen"
/// black; "thi" exam, "nửa" half, "cũ" old ...), which alignment must
/// count as content.
const VIETNAMESE_FUNCTION_WORDS: &[&str] = &[
    "của", "và", "các", "những", "nhưng", "là", "có", "được", "đã", "đang", "sẽ", "với", "cho",
    "tại", "ở", "trong", "này", "nay", "do", "thì", "mà", "để", "từ", "đến", "theo", "về", "cũng",
    "cùng", "như", "một", "nhiều", "khi", "sau", "trước", "trên", "dưới", "hơn", "gần", "khoảng",
    "còn", "rằng", "nếu", "vì", "bị", "bởi", "hay", "hoặc", "nên", "nào", "gì", "ai", "điều",
    "việc", "cách", "ra", "vào", "lên", "xuống", "qua", "lại", "nữa", "rồi", "ấy", "kia", "đây",
    "bạn", "nhất", "đều", "chỉ", "mới", "tôi", "chúng", "ta", "mình", "họ", "ông", "bà", "anh",
    "chị", "em", "thuộc", "giữa", "nhằm", "từng", "cứ", "thế",
];

static VIETNAMESE_FUNCTION_WORD_SET: std::sync::LazyLock<crate::hashing::FastSet<&'static str>> =
    std::sync::LazyLock::new(|| VIETNAMESE_FUNCTION_WORDS.iter().copied().collect());

/// True for a function word, read with its diacritics (`lower`): a word
/// written without any (English, or Vietnamese typed plainly) is looked up
/// folded.
pub fn is_function_word(lower: &str, folded: &str) -> bool {
    if lower.is_ascii() {
        is_stopword(folded)
    } else {
        VIETNAMESE_FUNCTION_WORD_SET.contains(lower)
    }
}

/// The index terms of a text: each non-stopword folded word, and each
/// bigram of adjacent folded words ("bien che", joined by a space) when
/// neither is a stopword or both are capitalised (a name such as "Côn Đảo",
/// whose "côn" alone is a stopword), deduplicated in first-seen order.
/// Numbers break bigram chains.
pub fn index_terms(text: &str) -> Vec<String> {
    let tokens = word_tokens(text);
    let mut terms: Vec<String> = Vec::with_capacity(tokens.len() * 2);
    let mut seen: crate::hashing::SeededSet<String> = crate::hashing::SeededSet::default();
    visit_index_terms(text, &tokens, |term, _| {
        if !seen.contains(term) {
            seen.insert(term.to_owned());
            terms.push(term.to_owned());
        }
    });
    terms
}

/// Calls `visit` with each index term of a text already split into
/// `tokens`, in order and with repeats, and whether it is a single word
/// (not a bigram). A bigram is built in one buffer reused for every pair,
/// so no term is allocated here.
pub fn visit_index_terms(text: &str, tokens: &[WordToken], mut visit: impl FnMut(&str, bool)) {
    let mut pair = String::new();
    // The previous token, and whether it is a stopword.
    let mut previous: Option<(&WordToken, bool)> = None;
    for token in tokens {
        if token.is_numeric() || token.folded.bytes().any(|b| b.is_ascii_digit()) {
            previous = None;
            continue;
        }
        let stopword = is_stopword(&token.folded);
        if !stopword {
            visit(&token.folded, true);
        }
        if let Some((before, before_is_stopword)) = previous {
            let gap = &text[before.end..token.start];
            let topical = (!before_is_stopword && !stopword)
                || (before.is_capitalized() && token.is_capitalized());
            if topical && gap.chars().all(char::is_whitespace) {
                pair.clear();
                pair.push_str(&before.folded);
                pair.push(' ');
                pair.push_str(&token.folded);
                visit(&pair, false);
            }
        }
        previous = Some((token, stopword));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (lowercase, folded, a function word).
    #[test]
    fn function_words_are_read_with_their_diacritics() {
        let cases = [
            ("của", "cua", true),
            ("cửa", "cua", false),
            ("đang", "dang", true),
            ("đảng", "dang", false),
            ("khí", "khi", false),
            ("nửa", "nua", false),
            ("cua", "cua", true),
            ("the", "the", true),
            ("budget", "budget", false),
        ];
        for (lower, folded, expected) in cases {
            assert_eq!(is_function_word(lower, folded), expected, "{lower}");
        }
    }

    #[test]
    fn every_listed_stopword_is_found() {
        for word in STOPWORDS {
            assert!(is_stopword(word), "{word}");
        }
        assert!(!is_stopword("khoangx") && !is_stopword("ha"));
    }

    #[test]
    fn tokens_have_spans_and_folded_forms() {
        let text = "Hải Hà giảm 1.654 cán bộ";
        let tokens = word_tokens(text);
        let texts: Vec<&str> = tokens.iter().map(|t| t.text).collect();
        assert_eq!(texts, ["Hải", "Hà", "giảm", "1", "654", "cán", "bộ"]);
        for token in &tokens {
            assert_eq!(&text[token.start..token.end], token.text);
        }
        assert_eq!(tokens[2].folded, "giam");
        assert!(tokens[0].is_capitalized());
    }

    #[test]
    fn word_characters_agree_with_the_unicode_tables() {
        for code in 0..=0x2FFFu32 {
            let Some(character) = char::from_u32(code) else {
                continue;
            };
            let by_tables = character.is_alphanumeric()
                || unicode_normalization::char::is_combining_mark(character);
            assert_eq!(
                is_word_character(character),
                by_tables,
                "{character:?} U+{code:04X}"
            );
        }
    }

    #[test]
    fn index_terms_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Hải Hà giảm 22 biên chế",
                &[
                    "hai", "ha", "hai ha", "giam", "ha giam", "bien", "che", "bien che",
                ],
            ),
            (
                "Hai Ha giam 22 bien che",
                &[
                    "hai", "ha", "hai ha", "giam", "ha giam", "bien", "che", "bien che",
                ],
            ),
            (
                "the district cut posts",
                &["district", "cut", "district cut", "posts", "cut posts"],
            ),
            ("giảm, tăng", &["giam", "tang"]),
            // A capitalised pair is a name even when one word is a stopword.
            ("huyện Côn Đảo có", &["huyen", "dao", "con dao"]),
            ("con đảo", &["dao"]),
            (
                "giảm biên chế của huyện",
                &["giam", "bien", "giam bien", "che", "bien che", "huyen"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(index_terms(text), *expected, "{text:?}");
        }
    }
}
