//! Dates, fractions and ranges written with separators: "24/3", "3/2023",
//! "1/5", "2015-2020", "24-3", "29.3", with the cues before them that tell
//! a date from a fraction, a range or a decimal. Vietnamese papers write a
//! day and month with any of `/`, `-` and `.` ("sáng 30-3", "hôm 29.3"): a
//! pair written with `-` or `.` is read as a date only after a word that
//! introduces one (`DATE_CUES`: ngày, hôm, sáng, chiều, tối …), since
//! without it "3-5" is a range, "2-1" a score and "27.3" a decimal; with a
//! four-digit year ("29.3.2023") it is a date wherever it stands.

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn previous_is_date_in_list(&self, index: usize) -> bool {
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

    pub(super) fn date_cue_before(&self, index: usize) -> bool {
        self.words_before(index, 2)
            .iter()
            .any(|word| DATE_CUES.contains(word))
    }

    pub(super) fn month_cue_before(&self, index: usize) -> bool {
        self.words_before(index, 1)
            .first()
            .is_some_and(|word| matches!(word.folded, "thang" | "month"))
    }

    pub(super) fn slashed(&mut self, index: usize) -> Option<usize> {
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

    /// A day and month (and four-digit year) written with `.`: "hôm 29.3",
    /// "29.3.2023"; `None` for any other digits, which are then read as a
    /// number.
    pub(super) fn dotted_date(&mut self, index: usize) -> Option<usize> {
        let (_, parts, numbers) = self.digit_groups(index, '.')?;
        let date = match numbers.as_slice() {
            [day, month] if self.day_month_cue(index) => PartialDate {
                year: None,
                month: Some(*month as u8),
                day: Some(*day as u8),
            },
            [day, month, year] if parts[2].len() == 4 && is_calendar_year(*year as f64) => {
                PartialDate {
                    year: Some(*year as i32),
                    month: Some(*month as u8),
                    day: Some(*day as u8),
                }
            }
            _ => return None,
        };
        let (day, month) = (numbers[0], numbers[1]);
        if parts[0].len() > 2 || parts[1].len() > 2 || !written_day_month(day, month) {
            return None;
        }
        let lex = &self.lexes[index];
        let mut quantity = self.blank(QuantityKind::Date, lex.start, lex.end);
        quantity.date = Some(date);
        Some(self.push(quantity, index, index + 1))
    }

    /// True when a day and month written with `-` or `.` at `index` follow
    /// a word that introduces a date, or another date of a list.
    fn day_month_cue(&self, index: usize) -> bool {
        self.date_cue_before(index) || self.previous_is_date_in_list(index)
    }

    pub(super) fn dashed(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        let (text, parts, numbers) = self.digit_groups(index, '-')?;
        let mut quantity = self.blank(QuantityKind::Identifier, lex.start, lex.end);
        match numbers.as_slice() {
            // "sáng 30-3": a day and month after a word that introduces a
            // date (without one, "3-5" is a range and "2-1" a score).
            [day, month]
                if parts.iter().all(|p| p.len() <= 2)
                    && written_day_month(*day, *month)
                    && self.day_month_cue(index) =>
            {
                quantity.kind = QuantityKind::Date;
                quantity.date = Some(PartialDate {
                    year: None,
                    month: Some(*month as u8),
                    day: Some(*day as u8),
                });
            }
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
}

/// A day and month as a writer may give them after a word that introduces
/// a date: any day of 1-31 and month of 1-12, so that an impossible date
/// ("ngày 31-4") is still compared as the date it claims to be.
fn written_day_month(day: u32, month: u32) -> bool {
    (1..=31).contains(&day) && (1..=12).contains(&month)
}
