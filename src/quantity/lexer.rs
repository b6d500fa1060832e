//! Splits a sentence into the tokens the extractor reads: words, digit
//! strings, digit groups joined by `/` or `-` (dates, fractions, ranges),
//! codes that mix letters and digits ("19-NQ/TU", "RON95", "13th"), `%`,
//! currency symbols and punctuation. Each token keeps its byte span.

use super::lexicon::LexWord;
use crate::text::{fold_char, lower_char};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexKind {
    /// Letters, possibly joined by inner `-`, `/`, `'` ("part-time").
    Word,
    /// Digits with `.`/`,` separators only: "1.654", "91,6".
    Digits,
    /// Digit groups joined by `/`: "11/11", "3/3/2015".
    Slashed,
    /// Digit groups joined by `-`: "2020-2022", "2015-03-03".
    Dashed,
    /// A clock time: "09:01".
    Time,
    /// Letters and digits mixed: "19-NQ/TU", "COVID-19", "13th", "2.5bn".
    Code,
    Percent,
    Currency(char),
    Punct(char),
}

/// One token, with its lowercase and folded forms borrowed from the
/// arena of its sentence (one allocation per sentence, not per token).
#[derive(Debug, Clone, Copy)]
pub struct Lex<'a> {
    pub kind: LexKind,
    pub start: usize,
    pub end: usize,
    pub lower: &'a str,
    pub folded: &'a str,
    pub ascii: bool,
    pub capitalized: bool,
}

impl LexWord for Lex<'_> {
    fn lower(&self) -> &str {
        self.lower
    }
    fn folded(&self) -> &str {
        self.folded
    }
    fn is_ascii(&self) -> bool {
        self.ascii
    }
}

impl Lex<'_> {
    pub fn is_word(&self) -> bool {
        self.kind == LexKind::Word
    }

    pub fn is_punct(&self, character: char) -> bool {
        self.kind == LexKind::Punct(character)
    }

    /// True for punctuation that ends a clause: `;`, `:`, `(`, `)`, and
    /// sentence stops.
    pub fn is_clause_break(&self) -> bool {
        matches!(
            self.kind,
            LexKind::Punct(';' | ':' | '(' | ')' | '.' | '!' | '?' | '…' | '[' | ']')
        )
    }
}

/// The tokens of a sentence and the text their lowercase and folded forms
/// live in.
pub struct Lexed {
    lower: String,
    folded: String,
    tokens: Vec<RawLex>,
}

struct RawLex {
    kind: LexKind,
    start: usize,
    end: usize,
    lower: (usize, usize),
    folded: (usize, usize),
    ascii: bool,
    capitalized: bool,
}

/// A fast letter test: Latin letters with Vietnamese diacritics sit in a few
/// blocks; everything else goes to the full Unicode tables.
fn is_letter_or_digit(character: char) -> bool {
    match character as u32 {
        0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A => true,
        0x00..=0x7F => false,
        0xC0..=0x24F => character != '×' && character != '÷',
        0x1E00..=0x1EFF => true,
        _ => character.is_alphanumeric(),
    }
}

fn joins(previous: char, joiner: char, next: Option<char>) -> bool {
    let Some(next) = next else { return false };
    match joiner {
        '.' | ',' => {
            (previous.is_ascii_digit() && next.is_ascii_digit())
                || (joiner == '.' && previous.is_uppercase() && next.is_uppercase())
        }
        '/' | '-' => is_letter_or_digit(previous) && is_letter_or_digit(next),
        ':' => previous.is_ascii_digit() && next.is_ascii_digit(),
        '\'' | '’' => previous.is_alphabetic() && next.is_alphabetic(),
        _ => false,
    }
}

fn classify(text: &str) -> LexKind {
    let has_letter = text
        .chars()
        .any(|c| is_letter_or_digit(c) && !c.is_ascii_digit());
    let has_digit = text.bytes().any(|b| b.is_ascii_digit());
    if has_letter && has_digit {
        return LexKind::Code;
    }
    if has_letter || !has_digit {
        return LexKind::Word;
    }
    let has = |c: char| text.contains(c);
    match (has('/'), has('-'), has(':'), has('.') || has(',')) {
        (false, false, false, _) => LexKind::Digits,
        (true, false, false, false) => LexKind::Slashed,
        (false, true, false, false) => LexKind::Dashed,
        (false, false, true, false) => LexKind::Time,
        _ => LexKind::Code,
    }
}

impl Lexed {
    /// Tokenises a sentence.
    pub fn new(text: &str) -> Lexed {
        let mut lexed = Lexed {
            lower: String::with_capacity(text.len()),
            folded: String::with_capacity(text.len()),
            tokens: Vec::with_capacity(text.len() / 4),
        };
        let char_at = |byte: usize| text.get(byte..).and_then(|rest| rest.chars().next());
        let mut position = 0;
        while let Some(character) = char_at(position) {
            let start = position;
            if character.is_whitespace() {
                position += character.len_utf8();
                continue;
            }
            if is_letter_or_digit(character) {
                let mut end = start + character.len_utf8();
                let mut previous = character;
                while let Some(current) = char_at(end) {
                    if is_letter_or_digit(current)
                        || (!current.is_ascii()
                            && unicode_normalization::char::is_combining_mark(current))
                    {
                        end += current.len_utf8();
                        previous = current;
                        continue;
                    }
                    let next = char_at(end + current.len_utf8());
                    match next {
                        Some(next) if joins(previous, current, Some(next)) => {
                            end += current.len_utf8() + next.len_utf8();
                            previous = next;
                        }
                        _ => break,
                    }
                }
                lexed.push(text, start, end, classify(&text[start..end]));
                position = end;
                continue;
            }
            let kind = match character {
                '%' | '％' => LexKind::Percent,
                '$' | '€' | '£' | '¥' | '₫' => LexKind::Currency(character),
                '–' | '—' => LexKind::Punct('-'),
                other => LexKind::Punct(other),
            };
            position += character.len_utf8();
            lexed.push(text, start, position, kind);
        }
        lexed
    }

    fn push(&mut self, text: &str, start: usize, end: usize, kind: LexKind) {
        let piece = &text[start..end];
        let ascii = piece.is_ascii();
        let lower_start = self.lower.len();
        let folded_start = self.folded.len();
        if ascii {
            self.lower
                .extend(piece.chars().map(|c| c.to_ascii_lowercase()));
            self.folded.push_str(&self.lower[lower_start..]);
        } else {
            for character in piece.chars() {
                match lower_char(character) {
                    Some(lower) => self.lower.push(lower),
                    None => self.lower.extend(character.to_lowercase()),
                }
                if let Some(folded) = fold_char(character) {
                    self.folded.push(folded);
                }
            }
        }
        self.tokens.push(RawLex {
            kind,
            start,
            end,
            lower: (lower_start, self.lower.len()),
            folded: (folded_start, self.folded.len()),
            ascii,
            capitalized: piece.chars().next().is_some_and(char::is_uppercase),
        });
    }

    pub fn lexes(&self) -> Vec<Lex<'_>> {
        self.tokens
            .iter()
            .map(|raw| Lex {
                kind: raw.kind,
                start: raw.start,
                end: raw.end,
                lower: &self.lower[raw.lower.0..raw.lower.1],
                folded: &self.folded[raw.folded.0..raw.folded.1],
                ascii: raw.ascii,
                capitalized: raw.capitalized,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexing_table() {
        use LexKind::*;
        let cases: &[(&str, &[(&str, LexKind)])] = &[
            (
                "giảm 1.654 cán bộ",
                &[
                    ("giảm", Word),
                    ("1.654", Digits),
                    ("cán", Word),
                    ("bộ", Word),
                ],
            ),
            (
                "đạt 91,6%.",
                &[
                    ("đạt", Word),
                    ("91,6", Digits),
                    ("%", Percent),
                    (".", Punct('.')),
                ],
            ),
            (
                "ở 11/11 xã",
                &[("ở", Word), ("11/11", Slashed), ("xã", Word)],
            ),
            (
                "Nghị quyết 19-NQ/TU",
                &[("Nghị", Word), ("quyết", Word), ("19-NQ/TU", Code)],
            ),
            (
                "108/2014/NĐ-CP,",
                &[("108/2014/NĐ-CP", Code), (",", Punct(','))],
            ),
            (
                "nhiệm kỳ 2020-2022",
                &[("nhiệm", Word), ("kỳ", Word), ("2020-2022", Dashed)],
            ),
            (
                "2016 -2021",
                &[("2016", Digits), ("-", Punct('-')), ("2021", Digits)],
            ),
            ("09:01", &[("09:01", Time)]),
            ("$2.5bn", &[("$", Currency('$')), ("2.5bn", Code)]),
            ("the 13th", &[("the", Word), ("13th", Code)]),
            ("TP.HCM", &[("TP.HCM", Word)]),
            (
                "phương.Cán",
                &[("phương", Word), (".", Punct('.')), ("Cán", Word)],
            ),
            ("part-time", &[("part-time", Word)]),
            (
                "2017 – 2020",
                &[("2017", Digits), ("–", Punct('-')), ("2020", Digits)],
            ),
        ];
        for (text, expected) in cases {
            let lexed = Lexed::new(text);
            let got: Vec<(&str, LexKind)> = lexed
                .lexes()
                .iter()
                .map(|l| (&text[l.start..l.end], l.kind))
                .collect();
            assert_eq!(got, *expected, "{text:?}");
        }
    }
}
