//! The final pass: gives amounts the direction of their governing change
//! verb, and reads "từ A xuống còn B" as a change from A to B.

use super::*;

impl<'a> Extractor<'a> {
    /// Gives amounts the direction of their governing change verb, and reads
    /// "từ A xuống còn B" as a change from A to B, "từ A đến B" with no
    /// change verb over it as the range A-B.
    pub(super) fn finish(mut self) -> Vec<Quantity> {
        self.days_before_dates();
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

    pub(super) fn direction_states(&self) -> Vec<Direction> {
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

    pub(super) fn change_between(&self, first: usize, second: usize) -> Option<Quantity> {
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
