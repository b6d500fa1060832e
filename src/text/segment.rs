//! Sentence segmentation with byte spans into the original text.
//!
//! Rules, in order: a line break always ends a sentence (news text puts
//! headlines, datelines and captions on lines of their own); inside a line, a
//! sentence ends after `.`, `!`, `?` or `…` (and any closing quotes or
//! brackets) when whitespace and then an uppercase letter, a digit or an
//! opening quote follow, unless the word before the stop is an abbreviation
//! ("TP.", "Mr.", "St.", a single capital); and a period glued to the next
//! sentence ("địa phương.Cán bộ") ends one when a lowercase letter precedes it
//! and a capitalised word follows.

/// A sentence as byte offsets into the text it came from, trimmed of
/// surrounding whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceSpan {
    pub start: usize,
    pub end: usize,
}

const ABBREVIATIONS: &[&str] = &[
    "tp", "mr", "mrs", "ms", "dr", "st", "no", "vs", "etc", "ts", "ths", "pgs", "gs", "bs", "ks",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc",
    "ltd", "co", "corp", "jr", "sr", "prof", "gen", "gov", "sen", "rep", "fig", "p", "tx", "q",
    "u.s", "e.g", "i.e", "a.m", "p.m",
];

fn is_terminal(character: char) -> bool {
    matches!(character, '.' | '!' | '?' | '…')
}

fn is_closing(character: char) -> bool {
    matches!(character, '"' | '\'' | '”' | '’' | ')' | ']' | '»')
}

fn starts_sentence(character: char) -> bool {
    character.is_uppercase()
        || character.is_ascii_digit()
        || matches!(character, '"' | '“' | '‘' | '(' | '[' | '«' | '-' | '–')
}

/// The word that ends at byte `end` of `line` (letters, digits and inner dots).
fn word_before(line: &str, end: usize) -> &str {
    let head = &line[..end];
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '.'))
        .map(|(index, c)| index + c.len_utf8())
        .unwrap_or(0);
    &head[start..]
}

fn is_abbreviation(word: &str) -> bool {
    let lower = word.to_lowercase();
    let mut chars = word.chars();
    let single_capital =
        matches!((chars.next(), chars.next()), (Some(c), None) if c.is_uppercase());
    single_capital || ABBREVIATIONS.contains(&lower.as_str())
}

/// Splits `text` into sentences; empty lines and whitespace are skipped.
pub fn split_sentences(text: &str) -> Vec<SentenceSpan> {
    let mut sentences = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        split_line(line, line_start, &mut sentences);
        line_start += line.len();
    }
    sentences
}

fn push_trimmed(line: &str, offset: usize, start: usize, end: usize, out: &mut Vec<SentenceSpan>) {
    let piece = &line[start..end];
    let trimmed_start = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if trimmed.chars().any(|c| c.is_alphanumeric()) {
        let absolute = offset + start + trimmed_start;
        out.push(SentenceSpan {
            start: absolute,
            end: absolute + trimmed.len(),
        });
    }
}

fn split_line(line: &str, offset: usize, out: &mut Vec<SentenceSpan>) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut sentence_start = 0;
    let mut position = 0;
    while position < chars.len() {
        let (byte, character) = chars[position];
        if !is_terminal(character) {
            position += 1;
            continue;
        }
        // Extend over a run of stops and closing marks: "...", "./.", ".”".
        let mut after = position + 1;
        while after < chars.len()
            && (is_terminal(chars[after].1) || is_closing(chars[after].1) || chars[after].1 == '/')
        {
            after += 1;
        }
        let end_byte = chars.get(after).map(|(b, _)| *b).unwrap_or(line.len());
        let next_char = chars.get(after).map(|(_, c)| *c);
        let glued = character == '.'
            && next_char.is_some_and(|c| c.is_uppercase())
            && chars.get(after + 1).is_some_and(|(_, c)| c.is_lowercase())
            && position > 0
            && chars[position - 1].1.is_lowercase();
        let spaced = next_char.is_some_and(char::is_whitespace) && {
            let mut look = after;
            while look < chars.len() && chars[look].1.is_whitespace() {
                look += 1;
            }
            look < chars.len() && starts_sentence(chars[look].1)
        };
        let is_break = if glued {
            true
        } else if spaced {
            character != '.' || !is_abbreviation(word_before(line, byte))
        } else {
            false
        };
        if is_break {
            push_trimmed(line, offset, sentence_start, end_byte, out);
            sentence_start = end_byte;
        }
        position = after;
    }
    push_trimmed(line, offset, sentence_start, line.len(), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split_sentences(text)
            .into_iter()
            .map(|span| &text[span.start..span.end])
            .collect()
    }

    #[test]
    fn segmentation_table() {
        let cases: &[(&str, &[&str])] = &[
            ("Một câu. Hai câu.", &["Một câu.", "Hai câu."]),
            (
                "Tiêu đề\n\nThân bài đầu. Câu sau!",
                &["Tiêu đề", "Thân bài đầu.", "Câu sau!"],
            ),
            (
                "giảm 1.654 cán bộ. Đạt 91,6%.",
                &["giảm 1.654 cán bộ.", "Đạt 91,6%."],
            ),
            (
                "TP. Móng Cái giảm 3 trường.",
                &["TP. Móng Cái giảm 3 trường."],
            ),
            (
                "địa phương.Cán bộ xã làm việc.",
                &["địa phương.", "Cán bộ xã làm việc."],
            ),
            (
                "Ông nói: “Xong rồi.” Sau đó về.",
                &["Ông nói: “Xong rồi.”", "Sau đó về."],
            ),
            ("TP.HCM có 22 quận.", &["TP.HCM có 22 quận."]),
            (
                "The U.S. economy grew 3.5 percent. Mr. Smith said so.",
                &["The U.S. economy grew 3.5 percent.", "Mr. Smith said so."],
            ),
            (
                "hiệu quả./. Tin liên quan",
                &["hiệu quả./.", "Tin liên quan"],
            ),
            ("   \n . \n", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "Dòng một.\r\nDòng hai? Ba";
        for span in split_sentences(text) {
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            assert_eq!(
                text[span.start..span.end].trim(),
                &text[span.start..span.end]
            );
        }
    }
}
