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

use super::lexer::{Lex, LexKind, Lexed};
use super::lexicon::*;
use super::number::{parse_digits, parse_roman, words_value, NumberWord, Numeral};
use super::{Change, Direction, PartialDate, Qualifier, Quantity, QuantityKind};
use crate::text::{fold, Language};

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
            LexKind::Digits => match self.phone_number(index) {
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

    // ----- identifiers -------------------------------------------------

    /// "Nghị quyết số 22", "Nghị định 158", "Resolution No. 22": the number
    /// after a document noun is an identifier.
    fn document_identifier(&mut self, index: usize) -> Option<usize> {
        if !self.is(index, class::DOCUMENT_TYPE_START) {
            return None;
        }
        let words = self.words_from(index, 4);
        let (_, length) = DOCUMENT_TYPES.match_starting(words)?;
        let unit = self.slice(self.lexes[index].start, self.lexes[index + length - 1].end);
        let mut position = index + length;
        if let Some(word) = self.word(position) {
            if matches!(word.folded, "so" | "no" | "number") {
                position += 1;
                if self.lex(position).is_some_and(|l| l.is_punct('.')) {
                    position += 1;
                }
            }
        }
        let target = self.lex(position)?;
        if !matches!(
            target.kind,
            LexKind::Digits | LexKind::Code | LexKind::Slashed | LexKind::Dashed
        ) {
            return None;
        }
        let mut quantity = self.blank(QuantityKind::Identifier, target.start, target.end);
        quantity.identifier = normalize_identifier(&quantity.text);
        quantity.value = parse_digits(&quantity.text, self.language)
            .map(|n| n.value)
            .unwrap_or(0.0);
        quantity.unit = unit;
        Some(self.push(quantity, position, position + 1))
    }

    fn code(&mut self, index: usize) -> usize {
        let lex = &self.lexes[index];
        let text = &self.text[lex.start..lex.end];
        let digits_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(text.len());
        let (number_part, suffix) = text.split_at(digits_end);
        if !number_part.is_empty() {
            let suffix_lower = suffix.to_lowercase();
            if matches!(suffix_lower.as_str(), "st" | "nd" | "rd" | "th")
                && !number_part.contains(['.', ','])
            {
                let mut quantity = self.blank(QuantityKind::Ordinal, lex.start, lex.end);
                quantity.value = number_part.parse().unwrap_or(0.0);
                quantity.unit = self.unit_after(index + 1).0;
                return self.push(quantity, index, index + 1);
            }
            if let Some(numeral) =
                parse_digits(number_part.trim_end_matches(['.', ',']), self.language)
            {
                if let Some(scale) = glued_scale(suffix) {
                    let span = NumberSpan {
                        first: index,
                        after: index + 1,
                        numeral: Numeral {
                            value: numeral.value * scale,
                            decimals: numeral.decimals,
                        },
                        plain_integer: false,
                        in_words: false,
                    };
                    return self.number_with_scale(span, scale);
                }
                let unit_probe = PlainWord::new(suffix);
                if MEASURE_UNITS
                    .match_starting(std::slice::from_ref(&unit_probe))
                    .is_some()
                {
                    let mut quantity = self.blank(QuantityKind::Measure, lex.start, lex.end);
                    quantity.value = numeral.value;
                    quantity.unit = suffix.to_string();
                    quantity.rounding = if numeral.decimals > 0 {
                        rounding_of(numeral.decimals, 1.0)
                    } else {
                        0.0
                    };
                    quantity.qualifier = self
                        .qualifier_before(index)
                        .map(|(q, _)| q)
                        .unwrap_or(Qualifier::Exact);
                    return self.push(quantity, index, index + 1);
                }
                if suffix_lower == "-fold" || suffix_lower == "fold" {
                    let mut quantity = self.blank(QuantityKind::Multiplier, lex.start, lex.end);
                    quantity.value = numeral.value;
                    return self.push(quantity, index, index + 1);
                }
            }
        }
        self.identifier_token(index)
    }

    // ----- dates, fractions and ranges written with separators ----------

    fn previous_is_date_in_list(&self, index: usize) -> bool {
        let Some(last) = self.found.last() else {
            return false;
        };
        if last.quantity.kind != QuantityKind::Date {
            return false;
        }
        let between = &self.lexes[last.after_lex.min(index)..index];
        !between.is_empty()
            && between.len() <= 2
            && between.iter().all(|lex| {
                lex.is_punct(',')
                    || lex.is_punct('-')
                    || matches!(
                        lex.folded,
                        "va" | "den" | "hoac" | "and" | "to" | "or" | "toi"
                    )
            })
    }

    fn date_cue_before(&self, index: usize) -> bool {
        self.words_before(index, 2)
            .iter()
            .any(|word| DATE_CUES.contains(word))
    }

    fn month_cue_before(&self, index: usize) -> bool {
        self.words_before(index, 1)
            .first()
            .is_some_and(|word| matches!(word.folded, "thang" | "month"))
    }

    fn slashed(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        let (_, parts, numbers) = self.digit_groups(index, '/')?;
        match numbers.as_slice() {
            [day, month, year] => {
                let year = expand_year(*year, parts[2].len());
                if valid_day_month(*day, *month) && year.is_some() {
                    let mut quantity = self.blank(QuantityKind::Date, lex.start, lex.end);
                    quantity.date = Some(PartialDate {
                        year,
                        month: Some(*month as u8),
                        day: Some(*day as u8),
                    });
                    return Some(self.push(quantity, index, index + 1));
                }
                Some(self.identifier_token(index))
            }
            [first, second] => {
                let (first, second) = (*first, *second);
                let year_like = parts[1].len() == 4 && is_calendar_year(second as f64);
                // "tháng 12/2019", "12/2019": a month of a year.
                if year_like && (1..=12).contains(&first) {
                    let mut quantity = self.blank(QuantityKind::Date, lex.start, lex.end);
                    quantity.date = Some(PartialDate {
                        year: Some(second as i32),
                        month: Some(first as u8),
                        day: None,
                    });
                    if self.month_cue_before(index) {
                        quantity.start = self.lexes[index - 1].start;
                        quantity.text = self.slice(quantity.start, quantity.end);
                    }
                    return Some(self.push(quantity, index, index + 1));
                }
                let date_context =
                    self.date_cue_before(index) || self.previous_is_date_in_list(index);
                let as_fraction = first <= second && second > 0;
                // "6/12" after "ngày" is a date; "11/11 xã" is a fraction; a
                // pair that cannot be a fraction ("27/4") is a date.
                if valid_day_month(first, second) && (date_context || !as_fraction) {
                    let mut quantity = self.blank(QuantityKind::Date, lex.start, lex.end);
                    quantity.date = Some(PartialDate {
                        year: None,
                        month: Some(second as u8),
                        day: Some(first as u8),
                    });
                    return Some(self.push(quantity, index, index + 1));
                }
                if as_fraction {
                    let mut quantity = self.blank(QuantityKind::Fraction, lex.start, lex.end);
                    quantity.value = first as f64;
                    quantity.total = second as f64;
                    if let Some((qualifier, qualifier_start)) = self.qualifier_before(index) {
                        quantity.qualifier = qualifier;
                        quantity.start = self.lexes[qualifier_start].start;
                        quantity.text = self.slice(quantity.start, quantity.end);
                    }
                    let (unit, after) = self.unit_after(index + 1);
                    quantity.unit = unit;
                    return Some(self.push(quantity, index, after));
                }
                Some(self.identifier_token(index))
            }
            _ => Some(self.identifier_token(index)),
        }
    }

    fn dashed(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        let (text, parts, numbers) = self.digit_groups(index, '-')?;
        let mut quantity = self.blank(QuantityKind::Identifier, lex.start, lex.end);
        match numbers.as_slice() {
            [first, second]
                if is_calendar_year(*first as f64)
                    && is_calendar_year(*second as f64)
                    && second > first =>
            {
                quantity.kind = QuantityKind::Year;
                quantity.value = *first as f64;
                quantity.range_end = Some(*second as f64);
            }
            [year, month, day] if parts[0].len() == 4 && valid_day_month(*day, *month) => {
                quantity.kind = QuantityKind::Date;
                quantity.date = Some(PartialDate {
                    year: Some(*year as i32),
                    month: Some(*month as u8),
                    day: Some(*day as u8),
                });
            }
            [day, month, year] if parts[2].len() == 4 && valid_day_month(*day, *month) => {
                quantity.kind = QuantityKind::Date;
                quantity.date = Some(PartialDate {
                    year: Some(*year as i32),
                    month: Some(*month as u8),
                    day: Some(*day as u8),
                });
            }
            [low, high] if low < high && parts.iter().all(|p| p.len() <= 3) => {
                // A range of amounts: "3-5 người".
                quantity.kind = QuantityKind::Count;
                quantity.value = *low as f64;
                quantity.range_end = Some(*high as f64);
                let (unit, after) = self.unit_after(index + 1);
                quantity.unit = unit;
                return Some(self.push(quantity, index, after));
            }
            _ => quantity.identifier = normalize_identifier(text),
        }
        Some(self.push(quantity, index, index + 1))
    }

    // ----- numbers ----------------------------------------------------

    fn number_span(&self, index: usize) -> Option<NumberSpan> {
        let lex = &self.lexes[index];
        let text = &self.text[lex.start..lex.end];
        let numeral = parse_digits(text, self.language)?;
        Some(NumberSpan {
            first: index,
            after: index + 1,
            numeral,
            plain_integer: text.chars().all(|c| c.is_ascii_digit()),
            in_words: false,
        })
    }

    /// A telephone number: digit groups starting with 0 (or after "+"),
    /// separated by single spaces, dots or dashes, 9 to 12 digits in all
    /// ("0912 345 678", "(024) 3825 3333", "+84 912 345 678").
    fn phone_number(&mut self, index: usize) -> Option<usize> {
        let first = &self.lexes[index];
        let plus = index > 0
            && self.lexes[index - 1].is_punct('+')
            && self.lexes[index - 1].end == first.start;
        let bracketed = index > 0 && self.lexes[index - 1].is_punct('(');
        let first_text = &self.text[first.start..first.end];
        if !(plus || first_text.starts_with('0')) {
            return None;
        }
        let digit_count = |lex: &Lex| {
            self.text[lex.start..lex.end]
                .bytes()
                .filter(u8::is_ascii_digit)
                .count()
        };
        let mut digits = digit_count(first);
        let mut last = index;
        let mut position = index + 1;
        if bracketed && self.lex(position).is_some_and(|l| l.is_punct(')')) {
            position += 1;
        }
        while let Some(next) = self.lex(position).filter(|l| l.kind == LexKind::Digits) {
            let gap = &self.text[self.lexes[position - 1].end..next.start];
            if gap.len() > 1 || digits + digit_count(next) > 12 {
                break;
            }
            digits += digit_count(next);
            last = position;
            position += 1;
        }
        let grouped_wrongly = parse_digits(first_text, self.language).is_none();
        let single_long = last == index && first_text.len() >= 9;
        if !(9..=12).contains(&digits) || (last == index && !single_long && !grouped_wrongly) {
            return None;
        }
        // "+84 …" and "(024) …" start at their sign or bracket.
        let start = if plus || bracketed {
            self.lexes[index - 1].start
        } else {
            first.start
        };
        let mut quantity = self.blank(QuantityKind::Identifier, start, self.lexes[last].end);
        quantity.identifier = quantity
            .text
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        Some(self.push(quantity, index, last + 1))
    }

    fn currency_first(&mut self, index: usize) -> Option<usize> {
        let symbol = match self.lexes[index].kind {
            LexKind::Currency(symbol) => symbol,
            _ => return None,
        };
        let next = self.lex(index + 1)?;
        let (numeral, glued_scale_factor) = match next.kind {
            LexKind::Digits => (
                parse_digits(&self.text[next.start..next.end], self.language)?,
                1.0,
            ),
            LexKind::Code => {
                let text = &self.text[next.start..next.end];
                let split = text.find(|c: char| c.is_alphabetic())?;
                let scale = glued_scale(&text[split..])?;
                (parse_digits(&text[..split], self.language)?, scale)
            }
            _ => return None,
        };
        let mut after = index + 2;
        let mut scale = glued_scale_factor;
        while let Some(word) = self.word(after) {
            match SCALE_WORDS.get(word) {
                Some(factor) => {
                    scale *= factor;
                    after += 1;
                }
                None => break,
            }
        }
        let start = self
            .qualifier_before(index)
            .map(|(_, s)| self.lexes[s].start)
            .unwrap_or(self.lexes[index].start);
        let end = self.lexes[after - 1].end;
        let mut quantity = self.blank(QuantityKind::Money, start, end);
        quantity.value = numeral.value * scale;
        quantity.rounding = rounding_of(numeral.decimals, scale);
        if scale == 1.0 && numeral.decimals == 0 {
            quantity.rounding = 0.0;
        }
        quantity.unit = currency_symbol(symbol).unwrap_or("USD").to_string();
        quantity.qualifier = self
            .qualifier_before(index)
            .map(|(q, _)| q)
            .unwrap_or(Qualifier::Exact);
        Some(self.push(quantity, index + 1, after))
    }

    fn qualifier_before(&self, index: usize) -> Option<(Qualifier, usize)> {
        if index == 0 || !self.is(index - 1, class::QUALIFIER_END) {
            return None;
        }
        let words = self.words_before(index, 4);
        let (qualifier, length) = QUALIFIERS_BEFORE.match_ending(words)?;
        Some((qualifier, index - length))
    }

    fn ordinal_cue_before(&self, index: usize) -> Option<usize> {
        if index == 0 || !self.is(index - 1, class::ORDINAL_CUE_END) {
            return None;
        }
        let words = self.words_before(index, 3);
        ORDINAL_CUES
            .match_ending(words)
            .map(|(_, length)| index - length)
    }

    /// Handles a number found at `span`: year, rank, date, scale, kind, unit.
    fn number(&mut self, span: NumberSpan) -> usize {
        let value = span.numeral.value;
        let first = &self.lexes[span.first];
        let raw = &self.text[first.start..first.end];
        // Years: bare four-digit numbers, "năm 2015", ranges "2016 - 2021".
        let year_cue = self
            .words_before(span.first, 1)
            .first()
            .is_some_and(|w| matches!(w.folded, "nam" | "year" | "in" | "since" | "by" | "until"));
        let next_is_amount_word = self.lex(span.after).is_some_and(|l| {
            l.kind == LexKind::Percent
                || (l.is_word()
                    && (SCALE_WORDS.contains(l)
                        || PERCENT_WORDS
                            .match_starting(std::slice::from_ref(l))
                            .is_some()))
        });
        // A bare four-digit number followed by a counted noun ("2000 người")
        // is a count; elsewhere it is a year.
        let counted_noun_follows = self.word(span.after).is_some_and(|w| {
            !w.capitalized
                && !UNIT_STOPS.contains(w)
                && !crate::text::is_stopword(w.folded)
                && !TIME_UNITS.contains(w)
        });
        if span.plain_integer
            && !span.in_words
            && !next_is_amount_word
            && (year_cue || !counted_noun_follows)
        {
            let text_len = raw.len();
            let plausible = if year_cue {
                text_len == 4 && (1000.0..=2200.0).contains(&value)
            } else {
                text_len == 4 && is_calendar_year(value)
            };
            if plausible {
                return self.year(span, value);
            }
        }
        if let Some(after) = self.rank(&span, value) {
            return after;
        }
        // Dates written with words: "3 tháng 3 năm 2015", "3 March 2015".
        if let Some(after) = self.day_month_words(span.first, span.after, value) {
            return after;
        }
        // Scale words: "2 nghìn", "1,5 triệu", "5.000 tỷ".
        let mut scale = 1.0;
        let mut after = span.after;
        while let Some(word) = self.word(after) {
            let Some(factor) = SCALE_WORDS.get(word) else {
                break;
            };
            scale *= factor;
            after += 1;
        }
        let scaled = NumberSpan {
            first: span.first,
            after,
            numeral: Numeral {
                value: value * scale,
                decimals: span.numeral.decimals,
            },
            plain_integer: span.plain_integer && scale == 1.0,
            in_words: span.in_words,
        };
        self.number_with_scale(scaled, scale)
    }

    /// Ranks: "lần thứ 6", "khóa 13", "thứ sáu"; weekdays ("Thứ Sáu,") are skipped.
    fn rank(&mut self, span: &NumberSpan, value: f64) -> Option<usize> {
        let cue_start = self.ordinal_cue_before(span.first)?;
        let cue = &self.lexes[cue_start];
        let first = &self.lexes[span.first];
        let is_weekday = cue.folded == "thu"
            && (2.0..=7.0).contains(&value)
            && !self
                .words_before(cue_start, 1)
                .first()
                .is_some_and(|w| matches!(w.folded, "lan" | "hang" | "vi" | "la"))
            && (cue.capitalized
                || self
                    .lex(span.after)
                    .is_some_and(|l| l.is_punct(',') || l.kind == LexKind::Slashed));
        if is_weekday {
            return Some(span.after);
        }
        let mut quantity = self.blank(
            QuantityKind::Ordinal,
            first.start,
            self.lexes[span.after - 1].end,
        );
        quantity.value = value;
        quantity.unit = self.slice(cue.start, self.lexes[span.first - 1].end);
        Some(self.push(quantity, span.first, span.after))
    }

    fn year(&mut self, span: NumberSpan, value: f64) -> usize {
        let first = &self.lexes[span.first];
        let mut quantity = self.blank(QuantityKind::Year, first.start, first.end);
        quantity.value = value;
        let mut after = span.after;
        if self.lex(after).is_some_and(|l| l.is_punct('-')) {
            if let Some(next) = self.lex(after + 1).filter(|l| l.kind == LexKind::Digits) {
                let end_value: f64 = self.text[next.start..next.end].parse().unwrap_or(0.0);
                if is_calendar_year(end_value) && end_value > value && next.end - next.start == 4 {
                    quantity.range_end = Some(end_value);
                    quantity.end = next.end;
                    quantity.text = self.slice(quantity.start, quantity.end);
                    after += 2;
                }
            }
        }
        self.push(quantity, span.first, after)
    }

    /// "3 tháng 3 năm 2015" / "3 March 2015" / "3 March": a date led by its day.
    fn day_month_words(&mut self, first: usize, after: usize, day: f64) -> Option<usize> {
        if day.fract() != 0.0 || !(1.0..=31.0).contains(&day) {
            return None;
        }
        let next = self.word(after)?;
        let (month, mut position) = if next.folded == "thang" {
            let month_lex = self.lex(after + 1).filter(|l| l.kind == LexKind::Digits)?;
            let month: u32 = self.text[month_lex.start..month_lex.end].parse().ok()?;
            (month, after + 2)
        } else if let Some(month) = MONTH_NAMES.get(next).filter(|_| next.capitalized) {
            (month as u32, after + 1)
        } else {
            return None;
        };
        if !valid_day_month(day as u32, month) {
            return None;
        }
        let mut year = None;
        if self.word(position).is_some_and(|w| w.folded == "nam")
            || self.lex(position).is_some_and(|l| l.is_punct(','))
        {
            if let Some(year_lex) = self
                .lex(position + 1)
                .filter(|l| l.kind == LexKind::Digits && l.end - l.start == 4)
            {
                year = self.text[year_lex.start..year_lex.end].parse().ok();
                position += 2;
            }
        } else if let Some(year_lex) = self
            .lex(position)
            .filter(|l| l.kind == LexKind::Digits && l.end - l.start == 4)
        {
            year = self.text[year_lex.start..year_lex.end].parse().ok();
            position += 1;
        }
        let start = self.lexes[first].start;
        let end = self.lexes[position - 1].end;
        let mut quantity = self.blank(QuantityKind::Date, start, end);
        quantity.date = Some(PartialDate {
            year,
            month: Some(month as u8),
            day: Some(day as u8),
        });
        Some(self.push(quantity, first, position))
    }

    /// Decides the kind of a number (after its scale words) from what follows.
    fn number_with_scale(&mut self, span: NumberSpan, scale: f64) -> usize {
        let qualifier = self.qualifier_before(span.first);
        let start = qualifier
            .map(|(_, s)| self.lexes[s].start)
            .unwrap_or(self.lexes[span.first].start);
        let numeral = span.numeral;
        let mut after = span.after;
        let mut quantity = self.blank(QuantityKind::Count, start, self.lexes[after - 1].end);
        quantity.value = numeral.value;
        quantity.qualifier = qualifier.map(|(q, _)| q).unwrap_or(Qualifier::Exact);
        quantity.rounding = if numeral.decimals == 0 && scale == 1.0 {
            0.0
        } else {
            rounding_of(numeral.decimals, scale)
        };

        let following = &self.lexes[after.min(self.lexes.len())..];
        let following_words = self.words_from(after, 4);
        if following
            .first()
            .is_some_and(|l| l.kind == LexKind::Percent)
        {
            quantity.kind = QuantityKind::Percent;
            quantity.unit = "%".to_string();
            quantity.rounding = rounding_of(numeral.decimals, 1.0);
            after += 1;
        } else if let Some((_, length)) = PERCENT_WORDS.match_starting(following_words) {
            quantity.kind = QuantityKind::Percent;
            quantity.unit = "%".to_string();
            quantity.rounding = rounding_of(numeral.decimals, 1.0);
            after += length;
        } else if let Some((code, length)) =
            CURRENCY_WORDS
                .match_starting(following_words)
                .filter(|(code, length)| {
                    !(*code == "VND"
                        && *length == 1
                        && self
                            .word(after + 1)
                            .is_some_and(|w| NOT_CURRENCY_AFTER_DONG.contains(w)))
                })
        {
            let _ = code;
            quantity.kind = QuantityKind::Money;
            quantity.unit = self.slice(self.lexes[after].start, self.lexes[after + length - 1].end);
            after += length;
        } else if let Some((_, length)) = MEASURE_UNITS.match_starting(following_words) {
            quantity.kind = QuantityKind::Measure;
            quantity.unit = self.slice(self.lexes[after].start, self.lexes[after + length - 1].end);
            after += length;
        } else if let Some(code) = following.first().filter(|l| {
            l.kind == LexKind::Code
                && MEASURE_UNITS
                    .match_starting(&[PlainWord::new(&self.text[l.start..l.end])])
                    .is_some()
        }) {
            // "km2", "m3": units that mix letters and digits.
            quantity.kind = QuantityKind::Measure;
            quantity.unit = self.slice(code.start, code.end);
            after += 1;
        } else if self.is_multiplier_context(span.first, after) {
            quantity.kind = QuantityKind::Multiplier;
            quantity.unit = self.slice(self.lexes[after].start, self.lexes[after].end);
            if self
                .words_before(span.first, 1)
                .first()
                .is_some_and(|w| w.folded == "gap")
            {
                quantity.start = self.lexes[span.first - 1].start;
            }
            after += 1;
        } else if let Some((total, total_after)) = self.out_of_total(after) {
            quantity.kind = QuantityKind::Fraction;
            quantity.total = total;
            quantity.end = self.lexes[total_after - 1].end;
            quantity.text = self.slice(quantity.start, quantity.end);
            let (unit, unit_after) = self.unit_after(total_after);
            quantity.unit = unit;
            return self.push(quantity, span.first, unit_after);
        }
        quantity.end = self.lexes[after - 1].end;
        quantity.text = self.slice(quantity.start, quantity.end);
        if quantity.kind == QuantityKind::Count {
            if let Some((_, all_start)) = ALL_BEFORE
                .match_ending(self.words_before(span.first, 4))
                .map(|(v, l)| (v, span.first - l))
            {
                quantity.kind = QuantityKind::Fraction;
                quantity.total = quantity.value;
                quantity.start = self.lexes[all_start].start;
                quantity.text = self.slice(quantity.start, quantity.end);
            }
        }
        let (unit, mut unit_after) =
            if matches!(quantity.kind, QuantityKind::Count | QuantityKind::Fraction) {
                self.unit_after(after)
            } else {
                (String::new(), after)
            };
        if !unit.is_empty() {
            quantity.unit = unit;
        }
        // "90% trở lên" right after the figure; "100 people or more" after its noun.
        for position in [after, unit_after] {
            if let Some((qualifier_after, length)) =
                QUALIFIERS_AFTER.match_starting(self.words_from(position, 2))
            {
                if quantity.qualifier == Qualifier::Exact {
                    quantity.qualifier = qualifier_after;
                }
                if position == after {
                    quantity.end = self.lexes[after + length - 1].end;
                    quantity.text = self.slice(quantity.start, quantity.end);
                }
                unit_after = unit_after.max(position + length);
                break;
            }
        }
        let direction_noun = self
            .word(unit_after.max(after))
            .and_then(|w| DIRECTION_NOUNS_AFTER.get(w))
            .filter(|_| self.language == Language::English);
        let result = self.push(quantity, span.first, unit_after);
        if let Some(direction) = direction_noun {
            if let Some(last) = self.found.last_mut() {
                last.direction_override = Some(direction);
            }
        }
        result
    }

    fn is_multiplier_context(&self, first: usize, after: usize) -> bool {
        let Some(next) = self.word(after) else {
            return false;
        };
        if !matches!(next.folded, "lan" | "times") {
            return false;
        }
        let before = self.words_before(first, 3);
        before.iter().any(|w| {
            w.folded == "gap"
                || DIRECTION_WORDS
                    .match_starting(std::slice::from_ref(w))
                    .is_some()
        }) || self.word(after + 1).is_some_and(|w| {
            matches!(
                w.folded,
                "more" | "higher" | "larger" | "as" | "bigger" | "so"
            )
        })
    }

    /// "X trong số Y", "X out of Y", "X of the Y": the total Y.
    fn out_of_total(&self, after: usize) -> Option<(f64, usize)> {
        let (_, length) = OUT_OF.match_starting(self.words_from(after, 3))?;
        let total_lex = self
            .lex(after + length)
            .filter(|l| l.kind == LexKind::Digits)?;
        let total = parse_digits(&self.text[total_lex.start..total_lex.end], self.language)?;
        Some((total.value, after + length + 1))
    }

    /// The counted noun after a figure: up to five words (three in English),
    /// ending at punctuation, a number, a function word or a change verb.
    fn unit_after(&self, index: usize) -> (String, usize) {
        if let Some(time_unit) = self
            .word(index)
            .filter(|_| self.is(index, class::TIME_UNIT))
        {
            return (self.slice(time_unit.start, time_unit.end), index + 1);
        }
        let max_words = match self.language {
            Language::Vietnamese => 5,
            Language::English => 3,
        };
        let mut position = index;
        while position < self.lexes.len() && position - index < max_words {
            let lex = &self.lexes[position];
            let stops = !lex.is_word()
                || UNIT_STOPS.contains(lex)
                || DIRECTION_WORDS
                    .match_starting(&self.lexes[position..position + 1])
                    .is_some()
                || QUALIFIERS_BEFORE
                    .match_starting(&self.lexes[position..position + 1])
                    .is_some()
                || PERCENT_WORDS
                    .match_starting(&self.lexes[position..(position + 2).min(self.lexes.len())])
                    .is_some();
            if stops {
                break;
            }
            position += 1;
        }
        if position == index {
            return (String::new(), index);
        }
        (
            self.slice(self.lexes[index].start, self.lexes[position - 1].end),
            position,
        )
    }

    // ----- words ------------------------------------------------------

    fn word_rules(&mut self, index: usize) -> Option<usize> {
        self.multiplier_words(index)
            .or_else(|| self.share_words(index))
            .or_else(|| self.month_words(index))
            .or_else(|| self.ordinal_words(index))
            .or_else(|| self.vague_scale(index))
            .or_else(|| self.disease_code(index))
            .or_else(|| {
                let span = self.number_words(index)?;
                Some(self.number(span))
            })
    }

    fn multiplier_words(&mut self, index: usize) -> Option<usize> {
        let words = self.words_from(index, 4);
        let candidate = if self.is(index, class::MULTIPLIER_START) {
            MULTIPLIER_WORDS.match_starting(words)
        } else {
            None
        };
        if let Some(((factor, direction), length)) = candidate {
            let lex = &self.lexes[index];
            let mut quantity = self.blank(
                QuantityKind::Multiplier,
                lex.start,
                self.lexes[index + length - 1].end,
            );
            quantity.value = factor;
            quantity.unit = "lần".to_string();
            let after = self.push(quantity, index, index + length);
            if direction != Direction::None {
                if let Some(last) = self.found.last_mut() {
                    last.direction_override = Some(direction);
                }
            }
            return Some(after);
        }
        // "gấp 4 lần", "gấp ba lần", "gấp 4" → handled as a number with a
        // multiplier context when "lần" follows; "gấp N" alone here.
        if self.lexes[index].folded == "gap" {
            let next = index + 1;
            let span = match self.lex(next)?.kind {
                LexKind::Digits => self.number_span(next)?,
                LexKind::Word => self.number_words(next)?,
                _ => return None,
            };
            let has_lan = self
                .word(span.after)
                .is_some_and(|w| matches!(w.folded, "lan" | "times"));
            let end_lex = if has_lan { span.after } else { span.after - 1 };
            let mut quantity = self.blank(
                QuantityKind::Multiplier,
                self.lexes[index].start,
                self.lexes[end_lex].end,
            );
            quantity.value = span.numeral.value;
            quantity.unit = "lần".to_string();
            return Some(self.push(quantity, next, end_lex + 1));
        }
        None
    }

    fn share_words(&mut self, index: usize) -> Option<usize> {
        if !self.is(index, class::SHARE_START) {
            return None;
        }
        let words = self.words_from(index, 3);
        let ((numerator, denominator), length) = SHARE_WORDS.match_starting(words)?;
        let start = self.lexes[index].start;
        let end = self.lexes[index + length - 1].end;
        let mut quantity = self.blank(QuantityKind::Fraction, start, end);
        quantity.value = numerator;
        quantity.total = denominator;
        let (unit, after) = self.unit_after(index + length);
        quantity.unit = unit;
        Some(self.push(quantity, index, after))
    }

    /// "tháng 12", "tháng 12 năm 2019", "ngày 3 tháng 3", "March 3, 2015",
    /// "March 2015".
    fn month_words(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        if lex.folded == "thang" {
            let month_lex = self.lex(index + 1).filter(|l| l.kind == LexKind::Digits)?;
            let month: u32 = self.text[month_lex.start..month_lex.end].parse().ok()?;
            if !(1..=12).contains(&month) {
                return None;
            }
            let mut position = index + 2;
            let mut year = None;
            if self.word(position).is_some_and(|w| w.folded == "nam") {
                if let Some(year_lex) = self
                    .lex(position + 1)
                    .filter(|l| l.kind == LexKind::Digits && l.end - l.start == 4)
                {
                    year = self.text[year_lex.start..year_lex.end].parse().ok();
                    position += 2;
                }
            }
            let mut quantity =
                self.blank(QuantityKind::Date, lex.start, self.lexes[position - 1].end);
            quantity.date = Some(PartialDate {
                year,
                month: Some(month as u8),
                day: None,
            });
            return Some(self.push(quantity, index, position));
        }
        if !self.is(index, class::MONTH) {
            return None;
        }
        let month = MONTH_NAMES.get(lex).filter(|_| {
            lex.capitalized && (self.language == Language::English || lex.lower.len() > 3)
        })?;
        let next = self.lex(index + 1).filter(|l| l.kind == LexKind::Digits)?;
        let number: u32 = self.text[next.start..next.end].parse().ok()?;
        let mut position = index + 2;
        let (day, year) = if next.end - next.start == 4 {
            (None, Some(number as i32))
        } else if valid_day_month(number, month as u32) {
            let mut year = None;
            let comma = usize::from(self.lex(position).is_some_and(|l| l.is_punct(',')));
            if let Some(year_lex) = self
                .lex(position + comma)
                .filter(|l| l.kind == LexKind::Digits && l.end - l.start == 4)
            {
                year = self.text[year_lex.start..year_lex.end].parse().ok();
                position += comma + 1;
            }
            (Some(number as u8), year)
        } else {
            return None;
        };
        let mut quantity = self.blank(QuantityKind::Date, lex.start, self.lexes[position - 1].end);
        quantity.date = Some(PartialDate {
            year,
            month: Some(month),
            day,
        });
        Some(self.push(quantity, index, position))
    }

    /// "khóa XIII", "lần thứ sáu", "Đại hội lần thứ XXIV", "the thirteenth".
    fn ordinal_words(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        let text = &self.text[lex.start..lex.end];
        if let Some(value) = parse_roman(text)
            .filter(|_| text.len() >= 2 || text == "I" || text == "V" || text == "X")
        {
            let cue_start = self.ordinal_cue_before(index)?;
            let mut quantity = self.blank(QuantityKind::Ordinal, lex.start, lex.end);
            quantity.value = value as f64;
            quantity.unit = self.slice(self.lexes[cue_start].start, self.lexes[index - 1].end);
            return Some(self.push(quantity, index, index + 1));
        }
        if self.language == Language::English && self.is(index, class::ENGLISH_ORDINAL) {
            let value = ENGLISH_ORDINAL_WORDS.get(lex)?;
            let after_the = self
                .words_before(index, 1)
                .first()
                .is_some_and(|w| w.folded == "the");
            if !after_the {
                return None;
            }
            let mut quantity = self.blank(QuantityKind::Ordinal, lex.start, lex.end);
            quantity.value = value as f64;
            quantity.unit = self.unit_after(index + 1).0;
            return Some(self.push(quantity, index, index + 1));
        }
        None
    }

    /// "hàng nghìn người", "thousands of people": at least the scale.
    /// Also "a million people": one of the scale.
    fn vague_scale(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        if matches!(lex.folded, "a" | "an") && self.language == Language::English {
            let next = self.word(index + 1)?;
            if !matches!(
                next.folded,
                "million" | "billion" | "thousand" | "trillion" | "hundred"
            ) {
                return None;
            }
            let span = NumberSpan {
                first: index,
                after: index + 1,
                numeral: Numeral {
                    value: 1.0,
                    decimals: 0,
                },
                plain_integer: false,
                in_words: true,
            };
            return Some(self.number(span));
        }
        let (scale, length) = if lex.folded == "hang" {
            let next = self.word(index + 1)?;
            let scale = match next.folded {
                "tram" => 100.0,
                _ => SCALE_WORDS.get(next)?,
            };
            (scale, 2)
        } else if matches!(
            lex.folded,
            "hundreds" | "thousands" | "millions" | "billions" | "dozens"
        ) && self.word(index + 1).is_some_and(|w| w.folded == "of")
        {
            let scale = match lex.folded {
                "hundreds" => 100.0,
                "dozens" => 12.0,
                _ => SCALE_WORDS.get(lex)?,
            };
            (scale, 2)
        } else {
            return None;
        };
        let mut quantity = self.blank(
            QuantityKind::Count,
            lex.start,
            self.lexes[index + length - 1].end,
        );
        quantity.value = scale;
        quantity.qualifier = Qualifier::AtLeast;
        quantity.rounding = scale / 2.0;
        let (unit, after) = self.unit_after(index + length);
        quantity.unit = unit;
        Some(self.push(quantity, index, after))
    }

    /// "Covid - 19": a name, a dash and a small number form one code.
    fn disease_code(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        let name_like = lex.capitalized
            && lex.ascii
            && lex.end - lex.start >= 3
            && !crate::text::is_stopword(lex.folded);
        if !name_like || !self.lex(index + 1)?.is_punct('-') {
            return None;
        }
        let number = self
            .lex(index + 2)
            .filter(|l| l.kind == LexKind::Digits && l.end - l.start <= 2)?;
        let mut quantity = self.blank(QuantityKind::Identifier, lex.start, number.end);
        quantity.identifier = normalize_identifier(&format!(
            "{}-{}",
            lex.folded,
            &self.text[number.start..number.end]
        ));
        Some(self.push(quantity, index, index + 3))
    }

    /// A spelled-out number starting at `index`, with the ambiguity of
    /// Vietnamese "năm" (five / year) and "một" (one / a) resolved by context.
    fn number_words(&self, index: usize) -> Option<NumberSpan> {
        let table = match self.language {
            Language::Vietnamese => &*VIETNAMESE_NUMBER_WORDS,
            Language::English => &*ENGLISH_NUMBER_WORDS,
        };
        let flag = match self.language {
            Language::Vietnamese => class::VIETNAMESE_NUMBER,
            Language::English => class::ENGLISH_NUMBER,
        };
        if !self.is(index, flag) {
            return None;
        }
        let first_lex = self.word(index)?;
        let first_word = table.get(first_lex)?;
        if !self.acceptable_first_number_word(index, first_lex, first_word) {
            // "a million", "an estimated"? only "a"/"an" before a scale word.
            return None;
        }
        let mut words = vec![first_word];
        let mut position = index + 1;
        while let Some(lex) = self.word(position) {
            let Some(word) = table.get(lex) else { break };
            // "năm" after a number is "years" unless a tens/hundreds word follows.
            if lex.folded == "nam"
                && !self
                    .word(position + 1)
                    .and_then(|w| table.get(w))
                    .is_some_and(|w| {
                        matches!(
                            w,
                            NumberWord::TensMarker | NumberWord::Hundred | NumberWord::Scale(_)
                        )
                    })
                && !matches!(
                    words.last(),
                    Some(
                        NumberWord::TensMarker
                            | NumberWord::Ten
                            | NumberWord::Hundred
                            | NumberWord::Joiner
                    )
                )
            {
                break;
            }
            words.push(word);
            position += 1;
        }
        // Trailing scale words are read by the caller, like after digits.
        while matches!(words.last(), Some(NumberWord::Scale(_))) && words.len() > 1 {
            words.pop();
            position -= 1;
        }
        let value = words_value(&words)?;
        Some(NumberSpan {
            first: index,
            after: position,
            numeral: Numeral { value, decimals: 0 },
            plain_integer: false,
            in_words: true,
        })
    }

    fn acceptable_first_number_word(&self, index: usize, lex: &Lex<'_>, word: NumberWord) -> bool {
        if matches!(
            word,
            NumberWord::TensMarker
                | NumberWord::Joiner
                | NumberWord::Scale(_)
                | NumberWord::Hundred
        ) {
            return false;
        }
        let next = self.lex(index + 1);
        let next_word = next.filter(|l| l.is_word());
        // A capitalised number word inside a name ("Hai Ha", "Ba Chẽ") is
        // part of the name.
        if lex.capitalized && next_word.is_some_and(|w| w.capitalized) {
            return false;
        }
        // After "gấp" or a rank cue ("lần thứ sáu") a number stands alone.
        let previous_word = self.words_before(index, 1).first();
        if previous_word.is_some_and(|w| w.folded == "gap")
            || self.ordinal_cue_before(index).is_some()
        {
            return !matches!(word, NumberWord::Unit(0));
        }
        match self.language {
            Language::Vietnamese => {
                if matches!(word, NumberWord::Unit(0))
                    || matches!(lex.lower, "tư" | "lăm" | "mốt" | "nhăm")
                {
                    return false;
                }
                // Words typed without diacritics are read only where they
                // cannot be another common syllable.
                if lex.ascii
                    && !matches!(
                        lex.folded,
                        "hai" | "bon" | "chin" | "muoi" | "mot" | "nam" | "ba"
                    )
                {
                    return false;
                }
                if lex.folded == "mot" {
                    let previous = self.lexes[..index].last();
                    let placed_duration = next_word.is_some_and(|w| TIME_UNITS.contains(w))
                        && self
                            .word(index + 2)
                            .is_some_and(|w| TIME_PLACING_AFTER_DURATION.contains(w));
                    if placed_duration {
                        return true;
                    }
                    let article = next_word.is_some_and(|w| NOT_NUMBER_AFTER_MOT.contains(w))
                        || previous
                            .is_none_or(|p| !p.is_word() || NOT_NUMBER_BEFORE_MOT.contains(p));
                    if article {
                        return false;
                    }
                }
                if lex.folded == "nam" {
                    let followed_by_number_word = next_word
                        .and_then(|w| VIETNAMESE_NUMBER_WORDS.get(w))
                        .is_some_and(|w| {
                            matches!(
                                w,
                                NumberWord::TensMarker | NumberWord::Hundred | NumberWord::Scale(_)
                            )
                        });
                    if followed_by_number_word {
                        return true;
                    }
                    let previous = self.lexes[..index].last();
                    let year_context = next.is_none_or(|l| !l.is_word())
                        || next_word
                            .is_some_and(|w| YEAR_CONTEXT_AFTER_NAM.contains(w) || w.capitalized)
                        || previous.is_some_and(|p| {
                            !p.is_word() && !p.is_punct(',')
                                || YEAR_CONTEXT_BEFORE_NAM.contains(p)
                                || matches!(p.kind, LexKind::Digits)
                        })
                        || lex.capitalized;
                    return !year_context;
                }
                // A spelled number must count something that follows.
                next_word.is_some()
            }
            Language::English => {
                if lex.folded == "one"
                    && next_word
                        .is_some_and(|w| matches!(w.folded, "of" | "another" | "day" | "time"))
                {
                    return false;
                }
                true
            }
        }
    }

    // ----- final pass ---------------------------------------------------

    /// Gives amounts the direction of their governing change verb, and reads
    /// "từ A xuống còn B" as a change from A to B, "từ A đến B" with no
    /// change verb over it as the range A-B.
    fn finish(mut self) -> Vec<Quantity> {
        let directions = self.direction_states();
        for found in &mut self.found {
            if found.quantity.kind.is_amount() {
                found.quantity.direction = found.direction_override.unwrap_or_else(|| {
                    directions
                        .get(found.first_lex)
                        .copied()
                        .unwrap_or(Direction::None)
                });
            }
        }
        // The change read between quantities `index - 1` and `index`, if
        // any, goes right after the second; one pass, linear in the
        // quantities however many changes there are.
        let count = self.found.len();
        let changes: Vec<Option<Quantity>> = (0..count)
            .map(|index| {
                index
                    .checked_sub(1)
                    .and_then(|previous| self.change_between(previous, index))
            })
            .collect();
        let mut quantities: Vec<Quantity> = self.found.into_iter().map(|f| f.quantity).collect();
        for (index, change) in changes.iter().enumerate() {
            if change.is_some() {
                quantities[index - 1].direction = Direction::None;
                quantities[index].direction = Direction::None;
            }
        }
        let mut merged = Vec::with_capacity(count + changes.iter().flatten().count());
        for (quantity, change) in quantities.into_iter().zip(changes) {
            merged.push(quantity);
            merged.extend(change);
        }
        merged
    }

    fn direction_states(&self) -> Vec<Direction> {
        let mut states = Vec::with_capacity(self.lexes.len());
        let mut state = Direction::None;
        let mut index = 0;
        while index < self.lexes.len() {
            let lex = &self.lexes[index];
            states.push(state);
            if lex.is_clause_break() {
                state = Direction::None;
            } else if lex.is_word() {
                if self.is(index, class::LEVEL) {
                    state = Direction::None;
                } else if let Some((direction, length)) = self
                    .is(index, class::DIRECTION_START)
                    .then(|| DIRECTION_WORDS.match_starting(self.words_from(index, 3)))
                    .flatten()
                {
                    let next = self.lex(index + length);
                    let single_english = matches!(lex.folded, "up" | "down");
                    let compound_noun = lex.folded == "tang"
                        && next.is_some_and(|n| matches!(n.folded, "cuong" | "truong"));
                    let numeric_next = next
                        .is_some_and(|n| matches!(n.kind, LexKind::Digits | LexKind::Currency(_)));
                    if !compound_noun && (!single_english || numeric_next) {
                        state = direction;
                        for _ in 1..length {
                            states.push(state);
                        }
                        index += length;
                        continue;
                    }
                }
            }
            index += 1;
        }
        states
    }

    fn change_between(&self, first: usize, second: usize) -> Option<Quantity> {
        let (a, b) = (&self.found[first], &self.found[second]);
        let kinds_ok = a.quantity.kind == b.quantity.kind
            && matches!(
                a.quantity.kind,
                QuantityKind::Count
                    | QuantityKind::Percent
                    | QuantityKind::Money
                    | QuantityKind::Measure
            );
        if !kinds_ok {
            return None;
        }
        let from_word = self.word(a.start_lex.checked_sub(1)?)?;
        if !matches!(from_word.folded, "tu" | "from") {
            return None;
        }
        let gap = &self.lexes[a.after_lex..b.first_lex];
        let (_, length) = CHANGE_TO.match_starting(gap)?;
        if length != gap.len() {
            return None;
        }
        let (from, to) = (a.quantity.value, b.quantity.value);
        if from == to {
            return None;
        }
        let start = from_word.start;
        let end = b.quantity.end;
        let mut joined = b.quantity.clone();
        joined.text = self.slice(start, end);
        joined.start = start;
        joined.end = end;
        joined.qualifier = Qualifier::Exact;
        joined.rounding = a.quantity.rounding.max(b.quantity.rounding);
        if joined.unit.is_empty() {
            joined.unit = a.quantity.unit.clone();
        }
        // "từ 3 đến 7 ngày" with no change verb over it, and "đến", "tới"
        // or "to" between, is a range; "tăng từ 3 lên 7", "giảm từ 56
        // xuống còn 28" are changes.
        let neutral = matches!(gap, [word] if matches!(word.folded, "den" | "toi" | "to"));
        if neutral
            && a.quantity.direction == Direction::None
            && b.quantity.direction == Direction::None
            && from < to
        {
            joined.value = from;
            joined.range_end = Some(to);
            return Some(joined);
        }
        joined.value = (from - to).abs();
        joined.direction = if to < from {
            Direction::Decrease
        } else {
            Direction::Increase
        };
        joined.change = Some(Change { from, to });
        Some(joined)
    }
}
