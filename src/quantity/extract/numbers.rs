//! Numbers: where a number's tokens are, phone numbers, amounts with the
//! currency first, and each number with its qualifier, scale words, kind (per
//! cent, currency, measure, times, a share of a total) and counted noun, or
//! as the year, rank or day-month date it is.

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn number_span(&self, index: usize) -> Option<NumberSpan> {
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
    pub(super) fn phone_number(&mut self, index: usize) -> Option<usize> {
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

    pub(super) fn currency_first(&mut self, index: usize) -> Option<usize> {
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

    pub(super) fn qualifier_before(&self, index: usize) -> Option<(Qualifier, usize)> {
        if index == 0 || !self.is(index - 1, class::QUALIFIER_END) {
            return None;
        }
        let words = self.words_before(index, 4);
        let (qualifier, length) = QUALIFIERS_BEFORE.match_ending(words)?;
        Some((qualifier, index - length))
    }

    pub(super) fn ordinal_cue_before(&self, index: usize) -> Option<usize> {
        if index == 0 || !self.is(index - 1, class::ORDINAL_CUE_END) {
            return None;
        }
        let words = self.words_before(index, 3);
        ORDINAL_CUES
            .match_ending(words)
            .map(|(_, length)| index - length)
    }

    /// Handles a number found at `span`: year, rank, date, scale, kind, unit.
    pub(super) fn number(&mut self, span: NumberSpan) -> usize {
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
    pub(super) fn rank(&mut self, span: &NumberSpan, value: f64) -> Option<usize> {
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

    pub(super) fn year(&mut self, span: NumberSpan, value: f64) -> usize {
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
    pub(super) fn day_month_words(
        &mut self,
        first: usize,
        after: usize,
        day: f64,
    ) -> Option<usize> {
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
    pub(super) fn number_with_scale(&mut self, span: NumberSpan, scale: f64) -> usize {
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

    pub(super) fn is_multiplier_context(&self, first: usize, after: usize) -> bool {
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
    pub(super) fn out_of_total(&self, after: usize) -> Option<(f64, usize)> {
        let (_, length) = OUT_OF.match_starting(self.words_from(after, 3))?;
        let total_lex = self
            .lex(after + length)
            .filter(|l| l.kind == LexKind::Digits)?;
        let total = parse_digits(&self.text[total_lex.start..total_lex.end], self.language)?;
        Some((total.value, after + length + 1))
    }

    /// The counted noun after a figure: up to five words (three in English),
    /// ending at punctuation, a number, a function word or a change verb.
    pub(super) fn unit_after(&self, index: usize) -> (String, usize) {
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
}
