//! Quantities said in words: multipliers ("gấp đôi"), shares ("một nửa"),
//! months, ordinals, vague scales ("hàng nghìn"), disease codes, and the
//! number words ("hai mươi lăm") a number is read from.

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn word_rules(&mut self, index: usize) -> Option<usize> {
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

    pub(super) fn multiplier_words(&mut self, index: usize) -> Option<usize> {
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

    pub(super) fn share_words(&mut self, index: usize) -> Option<usize> {
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
    pub(super) fn month_words(&mut self, index: usize) -> Option<usize> {
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
    pub(super) fn ordinal_words(&mut self, index: usize) -> Option<usize> {
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
    pub(super) fn vague_scale(&mut self, index: usize) -> Option<usize> {
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
    pub(super) fn disease_code(&mut self, index: usize) -> Option<usize> {
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
    pub(super) fn number_words(&self, index: usize) -> Option<NumberSpan> {
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

    pub(super) fn acceptable_first_number_word(
        &self,
        index: usize,
        lex: &Lex<'_>,
        word: NumberWord,
    ) -> bool {
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
}
