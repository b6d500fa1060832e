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
                    let date = day_month(*day, *month, year);
                    return Some(self.push_date(index, lex.start, lex.end, date));
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
                let date_context = self.day_month_cue(index);
                let as_fraction = first <= second && second > 0;
                // "6/12" after "ngày" is a date; "11/11 xã" is a fraction; a
                // pair that cannot be a fraction ("27/4") is a date.
                if (date_context && written_day_month(first, second))
                    || (valid_day_month(first, second) && !as_fraction)
                {
                    let date = day_month(first, second, None);
                    return Some(self.push_date(index, lex.start, lex.end, date));
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
        let year = match numbers.as_slice() {
            [_, _] if self.day_month_cue(index) => None,
            [_, _, year] if parts[2].len() == 4 && is_calendar_year(*year as f64) => {
                Some(*year as i32)
            }
            _ => return None,
        };
        let (day, month) = (numbers[0], numbers[1]);
        if parts[0].len() > 2 || parts[1].len() > 2 || !written_day_month(day, month) {
            return None;
        }
        let lex = &self.lexes[index];
        Some(self.push_date(index, lex.start, lex.end, day_month(day, month, year)))
    }

    /// Two days of one month in one token: "11-14/4" (and "4-5.5" after a
    /// word that introduces a date), read as the two dates.
    pub(super) fn day_range(&mut self, index: usize) -> Option<usize> {
        let lex = &self.lexes[index];
        let text = &self.text[lex.start..lex.end];
        let (first, rest) = text.split_once('-')?;
        let separator = rest.chars().find(|c| matches!(c, '/' | '.'))?;
        let (second, month) = rest.split_once(separator)?;
        let digits =
            |part: &str| (1..=2).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
        if !(digits(first) && digits(second) && digits(month)) {
            return None;
        }
        let (first_day, second_day, month): (u32, u32, u32) = (
            first.parse().ok()?,
            second.parse().ok()?,
            month.parse().ok()?,
        );
        if first_day >= second_day
            || !written_day_month(second_day, month)
            || (separator == '.' && !self.day_month_cue(index))
        {
            return None;
        }
        let second_start = lex.start + first.len() + 1;
        let first_end = lex.start + first.len();
        let (start, end) = (lex.start, lex.end);
        self.push_date(index, start, first_end, day_month(first_day, month, None));
        Some(self.push_date(index, second_start, end, day_month(second_day, month, None)))
    }

    /// A bare day before a date of a range or list takes the date's month
    /// (and year): "từ 3 đến 11/6", "24 - 31/3", "18 và 19/3", "from 3 to
    /// 11 June". The day must come before the date's.
    pub(super) fn days_before_dates(&mut self) {
        for next in 1..self.found.len() {
            let (head, tail) = self.found.split_at_mut(next);
            let (day, date) = (&mut head[next - 1].quantity, &tail[0]);
            let Some(PartialDate {
                year,
                month: Some(month),
                day: Some(date_day),
            }) = date.quantity.date
            else {
                continue;
            };
            let bare_day = day.kind == QuantityKind::Count
                && day.unit.is_empty()
                && day.range_end.is_none()
                && day.qualifier == Qualifier::Exact
                && day.text.bytes().all(|b| b.is_ascii_digit())
                && day.value.fract() == 0.0
                && day.value >= 1.0
                && day.value < f64::from(date_day);
            let between = &self.lexes[head[next - 1].after_lex.min(date.start_lex)..date.start_lex];
            let joined = !between.is_empty()
                && between.len() <= 2
                && between.iter().all(|lex| {
                    lex.is_punct('-')
                        || lex.is_punct('–')
                        || lex.is_punct(',')
                        || matches!(
                            lex.folded,
                            "den" | "toi" | "va" | "hoac" | "ngay" | "to" | "and" | "until"
                        )
                });
            if bare_day && joined {
                day.kind = QuantityKind::Date;
                day.date = Some(day_month(day.value as u32, u32::from(month), year));
                day.value = 0.0;
                day.rounding = 0.0;
            }
        }
    }

    /// Pushes a date read in token `index`, at `start..end` of the text.
    fn push_date(&mut self, index: usize, start: usize, end: usize, date: PartialDate) -> usize {
        let mut quantity = self.blank(QuantityKind::Date, start, end);
        quantity.date = Some(date);
        self.push(quantity, index, index + 1)
    }

    /// True when a day and month at `index` follow a word that introduces
    /// a date, or another date of a list.
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
                quantity.date = Some(day_month(*day, *month, None));
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
                quantity.date = Some(day_month(*day, *month, Some(*year as i32)));
            }
            [day, month, year] if parts[2].len() == 4 && valid_day_month(*day, *month) => {
                quantity.kind = QuantityKind::Date;
                quantity.date = Some(day_month(*day, *month, Some(*year as i32)));
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

/// The date of `day` and `month`, in `year` when given.
fn day_month(day: u32, month: u32, year: Option<i32>) -> PartialDate {
    PartialDate {
        year,
        month: Some(month as u8),
        day: Some(day as u8),
    }
}
