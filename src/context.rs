//! Context binding: the names a text speaks of, and the year that frames a
//! sentence. Names are recognised by form, not from a list: runs of two or
//! more capitalised syllables ("Hải Hà", "Binh Xuyen"), or capitalised
//! syllables after an administrative prefix ("huyện Ba Chẽ", "xã Hải Tiến",
//! "TP Móng Cái"). All-capital abbreviations ("HĐND", "UBND") are kept apart:
//! every locality has them, so they are topic words, not the subject.

use crate::model::DocumentContext;
use crate::quantity::{Quantity, QuantityKind};
use crate::text::{fold, has_diacritics, is_function_word, word_tokens, WordToken};

/// A name found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub text: String,
    pub folded: String,
    /// All capitals: an abbreviation such as "UBND".
    pub is_abbreviation: bool,
    /// The run starts the sentence, so its first capital may be only the
    /// sentence's ("Ngành Giáo dục ...").
    pub sentence_initial: bool,
}

/// Administrative prefixes, in lower case as written and folded; the
/// capitalised words after them name a place. They are compared with their
/// tone marks: folded, "tỉnh" (province) is the "Tịnh" of "Tịnh Châu",
/// "quận" the "Quan" of "Quan Hóa", "huyện" the "Huyền" of "Huyền Trân",
/// "làng" the "Lạng" of "Lạng Sơn", and "bản" the "Ban" of "Ban Bí thư",
/// and each of those names would lose its first word. Only a text written without tone
/// marks at all ("huyen Ba Che") is compared folded.
const PLACE_PREFIXES: &[(&str, &str)] = &[
    ("huyện", "huyen"),
    ("xã", "xa"),
    ("tỉnh", "tinh"),
    ("tp", "tp"),
    ("tx", "tx"),
    ("phường", "phuong"),
    ("thôn", "thon"),
    ("quận", "quan"),
    ("bản", "ban"),
    ("khu", "khu"),
    ("làng", "lang"),
    ("ấp", "ap"),
    ("district", "district"),
    ("province", "province"),
    ("city", "city"),
    ("commune", "commune"),
    ("ward", "ward"),
    ("village", "village"),
    ("town", "town"),
];

/// Whether `token` is one of the [`PLACE_PREFIXES`]: as written, or folded
/// in a text without tone marks (`marked` false).
fn is_place_prefix(token: &WordToken<'_>, marked: bool) -> bool {
    PLACE_PREFIXES.iter().any(|(written, folded)| {
        if marked {
            token
                .text
                .chars()
                .flat_map(char::to_lowercase)
                .eq(written.chars())
        } else {
            token.folded == *folded
        }
    })
}

fn is_abbreviation(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// The names in one sentence, in order, without repeats.
pub fn entities(sentence: &str) -> Vec<Entity> {
    entities_in(sentence, &word_tokens(sentence))
}

/// [`entities`] of a sentence already split into `tokens`.
pub fn entities_in(sentence: &str, tokens: &[WordToken]) -> Vec<Entity> {
    let mut found: Vec<Entity> = Vec::new();
    let marked = has_diacritics(sentence);
    let push =
        |found: &mut Vec<Entity>, text: String, is_abbreviation: bool, sentence_initial: bool| {
            let folded = fold(&text);
            if !found.iter().any(|e| e.folded == folded) {
                found.push(Entity {
                    text,
                    folded,
                    is_abbreviation,
                    sentence_initial,
                });
            }
        };
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        if is_abbreviation(token.text) {
            push(&mut found, token.text.to_string(), true, false);
            index += 1;
            continue;
        }
        if !token.is_capitalized() || token.is_numeric() {
            index += 1;
            continue;
        }
        // A run of capitalised words joined only by spaces.
        let mut end = index + 1;
        while end < tokens.len()
            && tokens[end].is_capitalized()
            && !is_abbreviation(tokens[end].text)
            && sentence[tokens[end - 1].end..tokens[end].start]
                .chars()
                .all(|c| c == ' ')
        {
            end += 1;
        }
        let after_prefix = index > 0
            && is_place_prefix(&tokens[index - 1], marked)
            && sentence[tokens[index - 1].end..token.start]
                .chars()
                .all(|c| c == ' ');
        // "Huyện Ba Chẽ" at the start of a sentence: the prefix is not the name.
        let mut name_start = index;
        let mut after_prefix = after_prefix;
        if end - index >= 2 && is_place_prefix(&tokens[index], marked) {
            name_start += 1;
            after_prefix = true;
        }
        let sentence_initial = name_start == 0 && !after_prefix;
        // "Theo Bloomberg Intelligence", "Ông Phạm Gia Hữu": a function
        // word or a title opening the sentence is capitalised for the
        // sentence only ("Tân Phú Lạc" keeps its first word).
        if sentence_initial
            && end - name_start >= 3
            && is_function_word(
                &tokens[name_start].text.to_lowercase(),
                &tokens[name_start].folded,
            )
        {
            name_start += 1;
        }
        if end - name_start >= 2 || after_prefix {
            let text = sentence[tokens[name_start].start..tokens[end - 1].end].to_string();
            push(&mut found, text, false, sentence_initial);
        }
        index = end;
    }
    found
}

/// The context of a document: names in its title and lead (the first
/// sentences), and names it repeats. Sentences come with their tokens.
pub fn document_context(title: &str, sentences: &[(&str, Vec<WordToken>)]) -> DocumentContext {
    const LEAD_SENTENCES: usize = 4;
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: String| {
        if !names.contains(&name) {
            names.push(name);
        }
    };
    for entity in entities(title) {
        if !entity.is_abbreviation {
            add(entity.folded);
        }
    }
    // Names the document repeats: a name of one to four words that two
    // sentences hold (also inside longer capitalised runs).
    let mut all_names: Vec<String> = Vec::new();
    let mut sentence_words: Vec<String> = Vec::with_capacity(sentences.len());
    for (position, (sentence, tokens)) in sentences.iter().enumerate() {
        for entity in entities_in(sentence, tokens) {
            if entity.is_abbreviation {
                continue;
            }
            if position < LEAD_SENTENCES {
                add(entity.folded.clone());
            }
            if !all_names.contains(&entity.folded) {
                all_names.push(entity.folded);
            }
        }
        let mut words = String::from(" ");
        for token in tokens {
            words.push_str(&token.folded);
            words.push(' ');
        }
        sentence_words.push(words);
    }
    for name in all_names {
        if name.split(' ').count() > 4 {
            continue;
        }
        let needle = format!(" {name} ");
        let holding = sentence_words
            .iter()
            .filter(|words| words.contains(&needle))
            .take(2)
            .count();
        if holding >= 2 {
            add(name);
        }
    }
    DocumentContext {
        entities: names,
        title_folded: fold(title),
    }
}

/// The year a sentence opens with ("Năm 2017, ...", "Cụ thể, năm 2016, ...",
/// "In 2017, ..."): a year quantity among its first words.
pub fn opening_year(sentence: &str, quantities: &[Quantity]) -> Option<i32> {
    let first = quantities.first()?;
    if first.kind != QuantityKind::Year || first.range_end.is_some() {
        return None;
    }
    let words_before = word_tokens(&sentence[..first.start.min(sentence.len())]).len();
    (words_before <= 3).then_some(first.value as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantity::extract_quantities;
    use crate::text::Language;

    fn names(sentence: &str) -> Vec<String> {
        entities(sentence)
            .into_iter()
            .filter(|e| !e.is_abbreviation)
            .map(|e| e.text)
            .collect()
    }

    #[test]
    fn entity_table() {
        let cases: &[(&str, &[&str])] = &[
            ("Hải Hà giảm 51 cán bộ, công chức cấp xã.", &["Hải Hà"]),
            ("Binh Xuyen tinh gian 45 can bo.", &["Binh Xuyen"]),
            ("Huyện Ba Chẽ đã giảm 10 biên chế.", &["Ba Chẽ"]),
            ("Trung tâm Y tế Móng Cái giảm 6 biên chế.", &["Móng Cái"]),
            ("Lãnh đạo xã Huế tiếp dân.", &["Huế"]),
            ("Kỳ họp của HĐND tỉnh Quảng Ninh.", &["Quảng Ninh"]),
            ("Năm 2017, thị xã giảm 17 cán bộ.", &[]),
            ("The district of Long Bien cut 20 posts.", &["Long Bien"]),
            // A prefix is a prefix with its tone marks, not a name's word
            // that folds to it.
            ("Quận Ba Đình có 14 phường.", &["Ba Đình"]),
            ("Tịnh Châu giảm 5 biên chế.", &["Tịnh Châu"]),
            ("Tỉnh Lạng Sơn có 11 huyện.", &["Lạng Sơn"]),
            (
                "Ca sĩ Huyền Trân và Phương Dung hát.",
                &["Huyền Trân", "Phương Dung"],
            ),
            ("Quan Hóa giảm 3 xã.", &["Quan Hóa"]),
            ("Quan Tam giảm được 1.806 công chức.", &["Quan Tam"]),
            // Without any tone mark, a prefix is known by its folded form.
            ("Huyen Ba Che giam 10 bien che.", &["Ba Che"]),
            ("Thong tin tu huyen Ba Che.", &["Ba Che"]),
            // An opening run of three or more words loses a function word
            // or title that opens it.
            (
                "Theo Bloomberg Intelligence, giá tăng.",
                &["Bloomberg Intelligence"],
            ),
            ("Ông Phạm Gia Hữu phát biểu.", &["Phạm Gia Hữu"]),
            ("Hà Nội có 30 quận.", &["Hà Nội"]),
            ("Tân Phú Lạc có 5 xã.", &["Tân Phú Lạc"]),
        ];
        for (sentence, expected) in cases {
            assert_eq!(names(sentence), *expected, "{sentence:?}");
        }
        assert!(entities("Chủ tịch UBND xã")
            .iter()
            .any(|e| e.is_abbreviation && e.text == "UBND"));
    }

    #[test]
    fn place_prefixes_fold_to_their_folded_forms() {
        for (written, folded) in PLACE_PREFIXES {
            assert_eq!(fold(written), *folded, "{written:?}");
        }
    }

    #[test]
    fn opening_year_table() {
        let cases = [
            ("Năm 2017, đã thuyên chuyển 17 cán bộ.", Some(2017)),
            (
                "Cụ thể, năm 2016, thị xã đã thuyên chuyển 5 cán bộ.",
                Some(2016),
            ),
            ("In 2019, the city cut 5 posts.", Some(2019)),
            ("Thị xã đã thuyên chuyển 5 cán bộ trong năm 2016.", None),
            ("Nhiệm kỳ 2016-2021 có 5 đại biểu.", None),
        ];
        for (sentence, expected) in cases {
            let language = crate::text::detect_language(sentence);
            let quantities = extract_quantities(sentence, language);
            assert_eq!(
                opening_year(sentence, &quantities),
                expected,
                "{sentence:?}"
            );
        }
        let _ = Language::English;
    }

    #[test]
    fn document_context_keeps_title_lead_and_repeated_names() {
        let sentences: Vec<&str> = vec![
            "Mở đầu bài.",
            "Không tên.",
            "Không tên.",
            "Không tên.",
            "Thôn Thiện Kế sáp nhập.",
            "Trưởng thôn Thiện Kế nói.",
            "Xã Đạo Tú một lần.",
        ];
        let tokenised: Vec<(&str, Vec<WordToken>)> =
            sentences.iter().map(|s| (*s, word_tokens(s))).collect();
        let context = document_context("Hiệu quả ở huyện Bình Xuyên", &tokenised);
        assert!(context.entities.contains(&"binh xuyen".to_string()));
        assert!(context.entities.contains(&"thien ke".to_string()));
        assert!(!context.entities.contains(&"dao tu".to_string()));
    }
}
