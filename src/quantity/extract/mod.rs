//! Extraction: reads every quantity of a sentence. The scanner walks the
//! tokens from `lexer` left to right; at each position it tries, in order,
//! document identifiers ("Nghị định 158"), codes ("19-NQ/TU"), dates and
//! fractions written with `/`, ranges written with `-`, digit strings and
//! number words, shares ("một nửa") and multipliers ("gấp đôi"), ranks
//! ("khóa XIII"). A number then takes its qualifier from the words before it,
//! its scale words, its kind from what follows (`%`, a currency, a measure
//! unit, "lần", "trong số N") and its counted noun. A last pass gives each
//! amount the direction of the change verb that governs it and turns
//! "từ A xuống còn B" into a change.
//!
//! This file holds the scanner and its token helpers; the readers are split
//! by what they read: `identifiers`, `dates` (written with separators),
//! `numbers`, `words`, and the final pass in `changes`.

use super::lexer::{Lex, LexKind, Lexed};
use super::lexicon::*;
use super::number::{parse_digits, parse_roman, words_value, NumberWord, Numeral};
use super::{Change, Direction, PartialDate, Qualifier, Quantity, QuantityKind};
use crate::text::{fold, Language};

mod changes;
mod dates;
mod identifiers;
mod numbers;
mod words;

/// Extracts the quantities of one sentence, in order of appearance.
pub fn extract_quantities(sentence: &str, language: Language) -> Vec<Quantity> {
    let lexed = Lexed::new(sentence);
    let lexes = lexed.lexes();
    let classes = lexes
        .iter()
        .map(|lex| {
            if lex.is_word() {
                WORD_CLASSES.get(lex).unwrap_or(0)
            } else {
                0
            }
        })
        .collect();
    let mut extractor = Extractor {
        text: sentence,
        lexes: &lexes,
        classes,
        language,
        found: Vec::new(),
    };
    extractor.scan();
    extractor.finish()
}

struct Found {
    quantity: Quantity,
    /// First token of the quantity's text (its qualifier, if any).
    start_lex: usize,
    /// First token of the figure itself (after any qualifier).
    first_lex: usize,
    /// Token after the figure and its counted noun.
    after_lex: usize,
    direction_override: Option<Direction>,
}

struct Extractor<'a> {
    text: &'a str,
    lexes: &'a [Lex<'a>],
    /// For each token, the lists it can take part in (see `lexicon::class`).
    classes: Vec<u32>,
    language: Language,
    found: Vec<Found>,
}

/// Where a number's tokens are and what it read as.
struct NumberSpan {
    first: usize,
    after: usize,
    numeral: Numeral,
    /// Digits only, no separators (a candidate year).
    plain_integer: bool,
    /// Spelled out in words.
    in_words: bool,
}

fn valid_day_month(day: u32, month: u32) -> bool {
    const DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&month) && day >= 1 && day <= DAYS[(month - 1) as usize]
}

fn expand_year(year: u32, digits: usize) -> Option<i32> {
    match digits {
        4 => Some(year as i32),
        2 => Some(if year < 50 {
            2000 + year as i32
        } else {
            1900 + year as i32
        }),
        _ => None,
    }
}

fn is_calendar_year(value: f64) -> bool {
    value.fract() == 0.0 && (1900.0..=2100.0).contains(&value)
}

/// Lowercase, folded, without spaces; leading zeros dropped from pure digits.
pub fn normalize_identifier(text: &str) -> String {
    let folded: String = fold(text).chars().filter(|c| !c.is_whitespace()).collect();
    if folded.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = folded.trim_start_matches('0');
        return if trimmed.is_empty() {
            "0".to_string()
        } else {
            trimmed.to_string()
        };
    }
    folded
}

fn rounding_of(decimals: u32, scale: f64) -> f64 {
    0.5 * 10f64.powi(-(decimals as i32)) * scale
}

impl<'a> Extractor<'a> {
    fn lex(&self, index: usize) -> Option<&'a Lex<'a>> {
        self.lexes.get(index)
    }

    /// True when token `index` is in a list marked by `flag`.
    fn is(&self, index: usize, flag: u32) -> bool {
        self.classes
            .get(index)
            .is_some_and(|classes| classes & flag != 0)
    }

    fn word(&self, index: usize) -> Option<&'a Lex<'a>> {
        self.lexes.get(index).filter(|lex| lex.is_word())
    }

    /// The run of word tokens that ends just before `index`, at most `max` long.
    fn words_before(&self, index: usize, max: usize) -> &'a [Lex<'a>] {
        let mut start = index;
        while start > 0 && index - start < max && self.lexes[start - 1].is_word() {
            start -= 1;
        }
        &self.lexes[start..index]
    }

    /// The run of word tokens that starts at `index`, at most `max` long.
    fn words_from(&self, index: usize, max: usize) -> &'a [Lex<'a>] {
        let mut end = index;
        while end < self.lexes.len() && end - index < max && self.lexes[end].is_word() {
            end += 1;
        }
        &self.lexes[index.min(end)..end]
    }

    fn slice(&self, start: usize, end: usize) -> String {
        self.text[start..end].to_string()
    }

    fn blank(&self, kind: QuantityKind, start: usize, end: usize) -> Quantity {
        Quantity {
            text: self.slice(start, end),
            kind,
            value: 0.0,
            total: 0.0,
            unit: String::new(),
            qualifier: Qualifier::Exact,
            date: None,
            start,
            end,
            direction: Direction::None,
            change: None,
            range_end: None,
            identifier: String::new(),
            rounding: 0.0,
        }
    }

    /// Token `index` as an identifier, compared exactly.
    fn identifier_token(&mut self, index: usize) -> usize {
        let lex = &self.lexes[index];
        let mut quantity = self.blank(QuantityKind::Identifier, lex.start, lex.end);
        quantity.identifier = normalize_identifier(&quantity.text);
        self.push(quantity, index, index + 1)
    }

    /// The text of token `index` split at `separator`, with each part read as
    /// a number; `None` when a part is not digits.
    fn digit_groups(
        &self,
        index: usize,
        separator: char,
    ) -> Option<(&'a str, Vec<&'a str>, Vec<u32>)> {
        let lex = &self.lexes[index];
        let text: &'a str = &self.text[lex.start..lex.end];
        let parts: Vec<&'a str> = text.split(separator).collect();
        let numbers: Vec<u32> = parts
            .iter()
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        Some((text, parts, numbers))
    }

    fn push(&mut self, quantity: Quantity, first_lex: usize, after_lex: usize) -> usize {
        let start_lex = self.lexes.partition_point(|lex| lex.start < quantity.start);
        self.found.push(Found {
            quantity,
            start_lex,
            first_lex,
            after_lex,
            direction_override: None,
        });
        after_lex
    }

    fn scan(&mut self) {
        let mut index = 0;
        while index < self.lexes.len() {
            index = match self.try_at(index) {
                Some(next) if next > index => next,
                _ => index + 1,
            };
        }
    }

    fn try_at(&mut self, index: usize) -> Option<usize> {
        let lex = self.lex(index)?;
        match lex.kind {
            LexKind::Word => self
                .document_identifier(index)
                .or_else(|| self.word_rules(index)),
            LexKind::Code => Some(self.code(index)),
            LexKind::Slashed => self.slashed(index),
            LexKind::Dashed => self.dashed(index),
            LexKind::Digits => match self.dotted_date(index).or_else(|| self.phone_number(index)) {
                Some(after) => Some(after),
                None => match self.number_span(index) {
                    Some(span) => Some(self.number(span)),
                    // "0203.3835.123": grouped like no number is.
                    None => Some(self.identifier_token(index)),
                },
            },
            LexKind::Currency(_) => self.currency_first(index),
            LexKind::Time => Some(index + 1),
            LexKind::Percent | LexKind::Punct(_) => None,
        }
    }
}
