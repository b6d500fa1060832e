//! Identifiers: document numbers ("Nghị định 158") and codes ("19-NQ/TU"),
//! read as identifiers compared by their normalised text.

use super::*;

impl<'a> Extractor<'a> {
    /// "Nghị quyết số 22", "Nghị định 158", "Resolution No. 22": the number
    /// after a document noun is an identifier.
    pub(super) fn document_identifier(&mut self, index: usize) -> Option<usize> {
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

    pub(super) fn code(&mut self, index: usize) -> usize {
        if let Some(after) = self.day_range(index) {
            return after;
        }
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
                // Vietnamese glues only "k" (nghìn: "50k") as a scale; its
                // glued "m" is a metre ("29.000m"). English glues "3m",
                // "2.5bn".
                let scale = glued_scale(suffix).filter(|_| {
                    self.language != Language::Vietnamese || matches!(suffix, "k" | "K")
                });
                if let Some(scale) = scale {
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
}
