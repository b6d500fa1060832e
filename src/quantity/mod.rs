//! The quantity engine: reads the figures of a sentence the way a careful
//! fact-checker does, and decides whether two figures agree. Pure code: no
//! I/O, no storage, no RPC types.
//!
//! - `number`: digit strings in Vietnamese and English conventions, number
//!   words, Roman numerals.
//! - `lexicon`: the word lists (qualifiers, scale words, change verbs, units,
//!   currencies, document types), each general to the language, none tuned to
//!   a document.
//! - `lexer`: splits a sentence into number, word and symbol tokens.
//! - `extract`: turns tokens into `Quantity` values.
//! - `compare`: `compare(claim, source)` → MATCH / COMPATIBLE / MISMATCH /
//!   not comparable, with a one-line explanation.

mod compare;
mod extract;
mod lexer;
pub(crate) mod lexicon;
mod number;

#[cfg(test)]
mod tests;

pub use compare::{compare, Comparison, Outcome};
pub use extract::extract_quantities;
pub use number::{parse_digits, parse_roman, Numeral};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuantityKind {
    Count,
    Percent,
    Fraction,
    Money,
    Measure,
    Date,
    Year,
    Ordinal,
    Multiplier,
    Identifier,
}

impl QuantityKind {
    /// Kinds whose value is an amount that can rise or fall.
    pub fn is_amount(self) -> bool {
        matches!(
            self,
            QuantityKind::Count
                | QuantityKind::Percent
                | QuantityKind::Fraction
                | QuantityKind::Money
                | QuantityKind::Measure
                | QuantityKind::Multiplier
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            QuantityKind::Count => "count",
            QuantityKind::Percent => "percent",
            QuantityKind::Fraction => "fraction",
            QuantityKind::Money => "money",
            QuantityKind::Measure => "measure",
            QuantityKind::Date => "date",
            QuantityKind::Year => "year",
            QuantityKind::Ordinal => "ordinal",
            QuantityKind::Multiplier => "multiplier",
            QuantityKind::Identifier => "identifier",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Qualifier {
    Exact,
    Approximate,
    MoreThan,
    AtLeast,
    LessThan,
    AtMost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    None,
    Increase,
    Decrease,
}

/// A calendar date with the parts the text gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: Option<i32>,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// ISO 8601: "2015-03-03", "2019-12", "--12-06" (no year), "--12", "2015".
    pub fn iso(&self) -> String {
        match (self.year, self.month, self.day) {
            (Some(year), Some(month), Some(day)) => format!("{year:04}-{month:02}-{day:02}"),
            (Some(year), Some(month), None) => format!("{year:04}-{month:02}"),
            (Some(year), None, _) => format!("{year:04}"),
            (None, Some(month), Some(day)) => format!("--{month:02}-{day:02}"),
            (None, Some(month), None) => format!("--{month:02}"),
            (None, None, _) => String::new(),
        }
    }
}

/// A change stated as two levels: "từ 56 xuống còn 28".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub from: f64,
    pub to: f64,
}

/// One figure found in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The figure as written (with its qualifier, scale word, `%`, currency
    /// or measure unit; without the counted noun).
    pub text: String,
    pub kind: QuantityKind,
    pub value: f64,
    /// Denominator of a fraction, 0 otherwise.
    pub total: f64,
    /// The counted noun or unit as written.
    pub unit: String,
    pub qualifier: Qualifier,
    pub date: Option<PartialDate>,
    /// Byte span in the text the quantity was read from.
    pub start: usize,
    pub end: usize,
    pub direction: Direction,
    /// For a change given by two levels: the levels; `value` is the size.
    pub change: Option<Change>,
    /// Last year of a range ("2020-2022"), for YEAR.
    pub range_end: Option<f64>,
    /// Normalised identifier (lowercase, folded, no spaces); empty otherwise.
    pub identifier: String,
    /// Half the step of the last written digit: 0.05 for "91,6", 0.5 for
    /// "98%", 500 for "2 nghìn", 0 for an exact integer count.
    pub rounding: f64,
}

impl Quantity {
    /// The figure with its counted noun, as a reader would quote it.
    /// About the memory the quantity takes: its size and its texts.
    pub fn approximate_bytes(&self) -> usize {
        std::mem::size_of::<Quantity>() + self.text.len() + self.unit.len() + self.identifier.len()
    }

    pub fn display(&self) -> String {
        if self.unit.is_empty() || self.text.contains(&self.unit) {
            self.text.clone()
        } else {
            format!("{} {}", self.text, self.unit)
        }
    }

    /// The date in ISO 8601, for DATE and YEAR quantities.
    pub fn iso_date(&self) -> String {
        match (self.kind, self.date, self.range_end) {
            (QuantityKind::Year, _, Some(end)) => {
                format!("{:04}/{:04}", self.value as i64, end as i64)
            }
            (QuantityKind::Year, _, None) => format!("{:04}", self.value as i64),
            (_, Some(date), _) => date.iso(),
            _ => String::new(),
        }
    }
}
