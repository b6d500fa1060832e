//! Splits a sentence into the tokens the extractor reads: words, digit
//! strings, digit groups joined by `/` or `-` (dates, fractions, ranges),
//! codes that mix letters and digits ("19-NQ/TU", "RON95", "13th"), `%`,
//! currency symbols and punctuation. Each token keeps its byte span.

use super::lexicon::LexWord;
use crate::text::fold;

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

#[derive(Debug, Clone)]
pub struct Lex {
    pub kind: LexKind,
    pub start: usize,
    pub end: usize,
    pub lower: String,
    pub folded: String,
    pub ascii: bool,
    pub capitalized: bool,
}

impl LexWord for Lex {
    fn lower(&self) -> &str {
        &self.lower
    }
    fn folded(&self) -> &str {
        &self.folded
    }
    fn is_ascii(&self) -> bool {
        self.ascii
    }
}

impl Lex {
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

fn joins(previous: char, joiner: char, next: Option<char>) -> bool {
    let Some(next) = next else { return false };
    match joiner {
        '.' | ',' => {
            (previous.is_ascii_digit() && next.is_ascii_digit())
                || (joiner == '.' && previous.is_uppercase() && next.is_uppercase())
        }
        '/' | '-' => previous.is_alphanumeric() && next.is_alphanumeric(),
        ':' => previous.is_ascii_digit() && next.is_ascii_digit(),
        '\'' | '’' => previous.is_alphabetic() && next.is_alphabetic(),
        _ => false,
    }
}

fn classify(text: &str) -> LexKind {
    let has_letter = text.chars().any(char::is_alphabetic);
    let has_digit = text.chars().any(|c| c.is_ascii_digit());
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

/// Tokenises a sentence.
pub fn lex(text: &str) -> Vec<Lex> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::with_capacity(chars.len() / 4);
    let mut position = 0;
    while position < chars.len() {
        let (start, character) = chars[position];
        if character.is_whitespace() {
            position += 1;
            continue;
        }
        if character.is_alphanumeric() {
            let mut end_position = position + 1;
            while end_position < chars.len() {
                let current = chars[end_position].1;
                if current.is_alphanumeric()
                    || unicode_normalization::char::is_combining_mark(current)
                {
                    end_position += 1;
                } else if joins(
                    chars[end_position - 1].1,
                    current,
                    chars.get(end_position + 1).map(|(_, c)| *c),
                ) {
                    end_position += 2;
                } else {
                    break;
                }
            }
            let end = chars
                .get(end_position)
                .map(|(index, _)| *index)
                .unwrap_or(text.len());
            out.push(make_lex(text, start, end, classify(&text[start..end])));
            position = end_position;
            continue;
        }
        let kind = match character {
            '%' | '％' => LexKind::Percent,
            '$' | '€' | '£' | '¥' | '₫' => LexKind::Currency(character),
            '–' | '—' => LexKind::Punct('-'),
            other => LexKind::Punct(other),
        };
        out.push(make_lex(text, start, start + character.len_utf8(), kind));
        position += 1;
    }
    out
}

fn make_lex(text: &str, start: usize, end: usize, kind: LexKind) -> Lex {
    let piece = &text[start..end];
    Lex {
        kind,
        start,
        end,
        lower: piece.to_lowercase(),
        folded: fold(piece),
        ascii: piece.is_ascii(),
        capitalized: piece.chars().next().is_some_and(char::is_uppercase),
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
            let got: Vec<(&str, LexKind)> = lex(text)
                .iter()
                .map(|l| (&text[l.start..l.end], l.kind))
                .collect();
            assert_eq!(got, *expected, "{text:?}");
        }
    }
}
