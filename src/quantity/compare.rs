//! Comparison: does a claim's figure agree with a source's?
//!
//! Each amount is read as an interval of the values its words allow:
//! - exact: the value, widened by half the step of its last written digit
//!   but never by more than 5% of the value ("91,6%" is 91.55..91.65, "98%"
//!   is 97.5..98.5, "2 nghìn" is 1900..2100, "9%" is 8.55..9.45, an integer
//!   count is exact): news rounding keeps a figure within a twentieth of
//!   what it rounds, and "2 triệu" for 1,72 triệu is 14% off, not a
//!   rounding;
//! - approximate (khoảng, gần, about, nearly): ±8% of the value (or its
//!   rounding, if wider);
//! - more than / at least / less than / at most: the open or closed half-line.
//!
//! Two exact figures MATCH when equal and are COMPATIBLE when within rounding;
//! two approximate ones are COMPATIBLE when the claim's reach holds the
//! source's value, a MISMATCH otherwise.
//! Otherwise a claim is COMPATIBLE when its interval contains the source's
//! (the source entails it: "hơn 98%" against 98,12%), or when it repeats a
//! source bound without its qualifier ("90%" against "trên 90%"); a MISMATCH
//! when the intervals are disjoint; and not comparable when they merely
//! overlap (the source does not decide it), unless the claim lies beyond
//! what the source's bound usually stands for ("hơn 5 nghìn" against "hơn 2
//! nghìn" is a MISMATCH: a bound is read as reaching a quarter of its value,
//! or two steps of its last digit, past itself). Fractions compare with percents
//! through their ratio, "tất cả N" is N/N, a multiplier compares with a
//! change's ratio of levels, measures convert to one unit, identifiers
//! compare exactly after normalising spacing and case.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::lexicon::{PlainWord, CURRENCY_WORDS, DURATION_UNITS, MEASURE_UNITS};
use super::{Direction, PartialDate, Qualifier, Quantity, QuantityKind};
use crate::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Match,
    Compatible,
    Mismatch,
    /// The two figures do not speak of comparable things, or the source
    /// does not decide the claim.
    Incomparable,
}

impl Outcome {
    pub fn agrees(self) -> bool {
        matches!(self, Outcome::Match | Outcome::Compatible)
    }
}

/// The outcome of comparing two figures and the reason for it. The
/// readable explanation, which names both figures as written, is built
/// only for the comparisons that are shown: a claim figure is compared with
/// every figure around a candidate sentence, and most comparisons are
/// thrown away.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub outcome: Outcome,
    pub reason: Cow<'static, str>,
}

impl Comparison {
    /// "claim says X, source says Y: reason", for the two figures compared.
    pub fn explanation(&self, claim: &Quantity, source: &Quantity) -> String {
        let mut explanation = format!(
            "claim says {}, source says {}",
            claim.display(),
            source.display()
        );
        if !self.reason.is_empty() {
            explanation.push_str(": ");
            explanation.push_str(&self.reason);
        }
        explanation
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Interval {
    low: f64,
    high: f64,
    low_open: bool,
    high_open: bool,
}

impl Interval {
    fn of(value: f64, rounding: f64, qualifier: Qualifier, range_end: Option<f64>) -> Interval {
        let closed = |low, high| Interval {
            low,
            high,
            low_open: false,
            high_open: false,
        };
        match qualifier {
            Qualifier::Exact => match range_end {
                Some(end) => closed(value, end),
                None => closed(value - rounding, value + rounding),
            },
            Qualifier::Approximate => {
                let tolerance = rounding.max(value.abs() * APPROXIMATE_SHARE);
                closed(value - tolerance, value + tolerance)
            }
            Qualifier::MoreThan => Interval {
                low: value,
                high: f64::INFINITY,
                low_open: true,
                high_open: false,
            },
            Qualifier::AtLeast => Interval {
                low: value,
                high: f64::INFINITY,
                low_open: false,
                high_open: false,
            },
            Qualifier::LessThan => Interval {
                low: f64::NEG_INFINITY,
                high: value,
                low_open: false,
                high_open: true,
            },
            Qualifier::AtMost => Interval {
                low: f64::NEG_INFINITY,
                high: value,
                low_open: false,
                high_open: false,
            },
        }
    }

    fn contains(&self, other: &Interval) -> bool {
        let low_ok =
            other.low > self.low || (other.low == self.low && (!self.low_open || other.low_open));
        let high_ok = other.high < self.high
            || (other.high == self.high && (!self.high_open || other.high_open));
        low_ok && high_ok
    }

    fn intersects(&self, other: &Interval) -> bool {
        let below =
            self.high < other.low || (self.high == other.low && (self.high_open || other.low_open));
        let above =
            other.high < self.low || (other.high == self.low && (other.high_open || self.low_open));
        !below && !above
    }
}

/// Largest share of a figure its rounding may reach.
const MAX_ROUNDING_SHARE: f64 = 0.05;
/// Share of a figure an approximate qualifier allows either way.
const APPROXIMATE_SHARE: f64 = 0.08;

/// An amount reduced to a number on a common scale, with its interval.
#[derive(Debug, Clone, Copy)]
struct Magnitude {
    value: f64,
    rounding: f64,
    qualifier: Qualifier,
    /// The word that wrote the qualifier ("khoảng", "gần", "hơn"), hashed
    /// lowercase; `None` for an exact figure.
    qualifier_word: Option<u64>,
    range_end: Option<f64>,
}

impl Magnitude {
    fn of(quantity: &Quantity) -> Magnitude {
        let qualifier_word = (quantity.qualifier != Qualifier::Exact).then(|| {
            let first = quantity.text.split_whitespace().next().unwrap_or_default();
            crate::hashing::fixed_hash_lowercase(first)
        });
        Magnitude {
            value: quantity.value,
            rounding: quantity
                .rounding
                .min(MAX_ROUNDING_SHARE * quantity.value.abs()),
            qualifier: quantity.qualifier,
            qualifier_word,
            range_end: quantity.range_end,
        }
    }

    fn scaled(self, factor: f64) -> Magnitude {
        Magnitude {
            value: self.value * factor,
            rounding: self.rounding * factor,
            range_end: self.range_end.map(|end| end * factor),
            ..self
        }
    }

    fn interval(&self) -> Interval {
        Interval::of(self.value, self.rounding, self.qualifier, self.range_end)
    }

    fn is_point(&self) -> bool {
        self.qualifier == Qualifier::Exact && self.range_end.is_none()
    }

    /// The values a bound usually stands for in news writing: "hơn 2 nghìn"
    /// is more than 2000 but well under 3000. The far side of a bound is
    /// taken to be a quarter of the value or two steps of its last digit away,
    /// whichever is larger.
    fn typical_interval(&self) -> Interval {
        let reach = (2.0 * self.rounding)
            .max(0.25 * self.value.abs())
            .max(f64::MIN_POSITIVE);
        let interval = self.interval();
        match self.qualifier {
            Qualifier::MoreThan | Qualifier::AtLeast => Interval {
                high: self.value + reach,
                high_open: false,
                ..interval
            },
            Qualifier::LessThan | Qualifier::AtMost => Interval {
                low: self.value - reach,
                low_open: false,
                ..interval
            },
            Qualifier::Exact | Qualifier::Approximate => interval,
        }
    }
}

/// A fraction that is the whole of its total: "all 14 districts", "14/14".
fn is_whole(quantity: &Quantity) -> bool {
    quantity.kind == QuantityKind::Fraction
        && quantity.total > 0.0
        && nearly_equal(quantity.value, quantity.total)
}

fn nearly_equal(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Two stated figures (a value, or one end of a range) agree within the
/// rounding either side allows.
fn within_rounding(
    claim: &Magnitude,
    source: &Magnitude,
    claim_figure: f64,
    source_figure: f64,
) -> bool {
    let slack = claim.rounding.max(source.rounding) + 1e-9 * claim_figure.abs().max(1.0);
    (claim_figure - source_figure).abs() <= slack
}

/// Judges two magnitudes on one scale.
fn judge(claim: Magnitude, source: Magnitude) -> Outcome {
    if claim.is_point() && source.is_point() {
        if nearly_equal(claim.value, source.value) {
            return Outcome::Match;
        }
        return if within_rounding(&claim, &source, claim.value, source.value) {
            Outcome::Compatible
        } else {
            Outcome::Mismatch
        };
    }
    if claim.qualifier == source.qualifier
        && nearly_equal(claim.value, source.value)
        && claim.range_end == source.range_end
    {
        return Outcome::Match;
    }
    // Two stated ranges: each end is a stated figure, so "3-8 ngày" is
    // not "3-7 ngày" although one holds the other.
    if let (Some(claim_end), Some(source_end)) = (claim.range_end, source.range_end) {
        return if within_rounding(&claim, &source, claim.value, source.value)
            && within_rounding(&claim, &source, claim_end, source_end)
        {
            Outcome::Compatible
        } else {
            Outcome::Mismatch
        };
    }
    let (claim_interval, source_interval) = (claim.interval(), source.interval());
    // The source's qualifier word kept and its figure changed ("khoảng 60"
    // for "khoảng 56", "hơn 9" for "hơn 8,5"): the claim restates the
    // source's words with another number, a changed figure. Only a bound
    // the source's implies agrees ("hơn 100" where the source says "hơn
    // 150"). Another word is another way of putting it ("khoảng 600" for
    // "gần 560"), judged by the intervals below.
    if claim.qualifier_word.is_some()
        && claim.qualifier_word == source.qualifier_word
        && claim.qualifier == source.qualifier
        && claim.range_end.is_none()
        && source.range_end.is_none()
        && !within_rounding(&claim, &source, claim.value, source.value)
    {
        let implied =
            claim.qualifier != Qualifier::Approximate && claim_interval.contains(&source_interval);
        return if implied {
            Outcome::Compatible
        } else {
            Outcome::Mismatch
        };
    }
    // Two approximate figures: the claim's reach must hold the source's
    // value itself, or two wide intervals would join figures far apart.
    if claim.qualifier == Qualifier::Approximate
        && source.qualifier == Qualifier::Approximate
        && claim.range_end.is_none()
        && source.range_end.is_none()
    {
        let point = Interval::of(source.value, 0.0, Qualifier::Exact, None);
        return if claim_interval.contains(&point) {
            Outcome::Compatible
        } else {
            Outcome::Mismatch
        };
    }
    if claim_interval.contains(&source_interval) {
        return Outcome::Compatible;
    }
    if !claim_interval.intersects(&source_interval) {
        return Outcome::Mismatch;
    }
    if !claim_interval.intersects(&source.typical_interval()) {
        return Outcome::Mismatch;
    }
    let claim_repeats_bound = claim.is_point()
        && (nearly_equal(claim.value, source.value)
            || (claim.value - source.value).abs() <= claim.rounding);
    if claim_repeats_bound
        || claim.qualifier == Qualifier::Approximate
        || source.qualifier == Qualifier::Approximate
    {
        Outcome::Compatible
    } else {
        Outcome::Incomparable
    }
}

/// Figures of different kinds that agree are compatible, never the same.
fn across_kinds(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Match => Outcome::Compatible,
        other => other,
    }
}

fn percent_of(quantity: &Quantity) -> Option<Magnitude> {
    match quantity.kind {
        QuantityKind::Percent => Some(Magnitude::of(quantity)),
        QuantityKind::Fraction if quantity.total > 0.0 => {
            let mut magnitude = Magnitude::of(quantity).scaled(100.0 / quantity.total);
            magnitude.rounding = magnitude.rounding.max(0.0);
            Some(magnitude)
        }
        _ => None,
    }
}

fn currency_code(unit: &str) -> String {
    let words: Vec<PlainWord> = unit.split_whitespace().map(PlainWord::new).collect();
    CURRENCY_WORDS
        .match_starting(&words)
        .map(|(code, _)| code.to_string())
        .unwrap_or_else(|| unit.trim().to_uppercase())
}

fn measure_base(unit: &str) -> Option<(&'static str, f64)> {
    let words: Vec<PlainWord> = unit.split_whitespace().map(PlainWord::new).collect();
    MEASURE_UNITS
        .match_starting(&words)
        .map(|(measure, _)| (measure.dimension, measure.factor))
}

/// The length in days of one of `unit` when it is a unit of time.
fn duration_days(unit: &str) -> Option<f64> {
    let words: Vec<PlainWord> = unit.split_whitespace().map(PlainWord::new).collect();
    DURATION_UNITS.match_starting(&words).map(|(days, _)| days)
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Increase => "an increase",
        Direction::Decrease => "a decrease",
        Direction::None => "a level",
    }
}

fn result(outcome: Outcome, reason: impl Into<Cow<'static, str>>) -> Comparison {
    Comparison {
        outcome,
        reason: reason.into(),
    }
}

fn outcome_reason(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Match => "same figure",
        Outcome::Compatible => "agrees within qualifiers and rounding",
        Outcome::Mismatch => "different figures",
        Outcome::Incomparable => "the source does not decide it",
    }
}

/// Compares a claim's quantity with a source's.
pub fn compare(claim: &Quantity, source: &Quantity) -> Comparison {
    use QuantityKind::*;
    let judged = |outcome: Outcome| result(outcome, outcome_reason(outcome));
    let incomparable = |reason: &'static str| result(Outcome::Incomparable, reason);

    if claim.kind.is_amount() && source.kind.is_amount() {
        let opposite = matches!(
            (claim.direction, source.direction),
            (Direction::Increase, Direction::Decrease) | (Direction::Decrease, Direction::Increase)
        );
        if opposite {
            let reason = format!(
                "claim states {}, source states {}",
                direction_word(claim.direction),
                direction_word(source.direction)
            );
            return result(Outcome::Mismatch, reason);
        }
    }

    match (claim.kind, source.kind) {
        (Identifier, Identifier) => compare_identifiers(claim, source),
        (Date, Date) => compare_dates(claim, source),
        (Year, Year) => {
            let claim_end = claim.range_end.unwrap_or(claim.value);
            let source_end = source.range_end.unwrap_or(source.value);
            if nearly_equal(claim.value, source.value) && nearly_equal(claim_end, source_end) {
                judged(Outcome::Match)
            } else if claim.value >= source.value && claim_end <= source_end {
                result(Outcome::Compatible, "within the source's years")
            } else {
                judged(Outcome::Mismatch)
            }
        }
        (Year, Date) => match source.date.and_then(|d| d.year) {
            Some(year) if year as f64 == claim.value => result(Outcome::Compatible, "same year"),
            Some(_) => judged(Outcome::Mismatch),
            None => incomparable("the source date has no year"),
        },
        (Date, Year) => match claim.date.and_then(|d| d.year) {
            Some(year) if year as f64 != source.value => judged(Outcome::Mismatch),
            _ => incomparable("the source gives only a year"),
        },
        (Ordinal, Ordinal) => {
            let claim_cue = claim.unit.split_whitespace().next().map(fold);
            let source_cue = source.unit.split_whitespace().next().map(fold);
            let cues_differ = matches!((&claim_cue, &source_cue), (Some(a), Some(b)) if a != b);
            if cues_differ && !nearly_equal(claim.value, source.value) {
                incomparable("different kinds of rank")
            } else if nearly_equal(claim.value, source.value) {
                judged(Outcome::Match)
            } else {
                judged(Outcome::Mismatch)
            }
        }
        (Multiplier, Multiplier) => judged(judge(Magnitude::of(claim), Magnitude::of(source))),
        (Multiplier, _) if source.change.is_some_and(|c| c.from != 0.0) => {
            let change = source
                .change
                .unwrap_or(super::Change { from: 1.0, to: 1.0 });
            let ratio = change.to / change.from;
            let mut source_ratio = Magnitude::of(source);
            source_ratio.value = ratio;
            source_ratio.rounding = ratio.abs() * 0.02;
            source_ratio.qualifier = Qualifier::Exact;
            let outcome = across_kinds(judge(Magnitude::of(claim), source_ratio));
            result(
                outcome,
                format!("the source's levels change by a factor of {ratio:.2}"),
            )
        }
        (Percent, Fraction) | (Fraction, Percent) => {
            match (percent_of(claim), percent_of(source)) {
                (Some(claim_percent), Some(source_percent)) => {
                    let outcome = match judge(claim_percent, source_percent) {
                        Outcome::Match => Outcome::Compatible,
                        other => other,
                    };
                    let source_share = source_percent.value;
                    result(
                        outcome,
                        format!(
                            "{} is {:.2}%",
                            if source.kind == Fraction {
                                source.text.as_str()
                            } else {
                                claim.text.as_str()
                            },
                            if source.kind == Fraction {
                                source_share
                            } else {
                                claim_percent.value
                            }
                        ),
                    )
                }
                _ => incomparable("no share to compare"),
            }
        }
        (Fraction, Fraction) => {
            if nearly_equal(claim.total, source.total) {
                judged(judge(Magnitude::of(claim), Magnitude::of(source)))
            } else if is_whole(claim) && is_whole(source) {
                // "all 213 communes" and "all 312 communes" are both the
                // whole, but of different counts.
                result(Outcome::Mismatch, "different totals")
            } else {
                match (percent_of(claim), percent_of(source)) {
                    (Some(a), Some(b)) if nearly_equal(a.value, b.value) => {
                        result(Outcome::Compatible, "same share")
                    }
                    _ => result(Outcome::Mismatch, "different totals"),
                }
            }
        }
        (Count, Fraction) | (Fraction, Count) => {
            let outcome = across_kinds(judge(Magnitude::of(claim), Magnitude::of(source)));
            result(
                outcome,
                if outcome.agrees() {
                    "same number"
                } else {
                    "different numbers"
                },
            )
        }
        (Count, Count) => match (duration_days(&claim.unit), duration_days(&source.unit)) {
            // "1 tháng" is not "1 năm"; "24 tháng" is "2 năm".
            (Some(claim_days), Some(source_days)) => judged(judge(
                Magnitude::of(claim).scaled(claim_days),
                Magnitude::of(source).scaled(source_days),
            )),
            (Some(_), None) | (None, Some(_))
                if !claim.unit.trim().is_empty() && !source.unit.trim().is_empty() =>
            {
                incomparable("a length of time and a count of something else")
            }
            _ => judged(judge(Magnitude::of(claim), Magnitude::of(source))),
        },
        (Percent, Percent) => judged(judge(Magnitude::of(claim), Magnitude::of(source))),
        (Money, Money) => {
            if currency_code(&claim.unit) != currency_code(&source.unit) {
                return incomparable("different currencies");
            }
            judged(judge(Magnitude::of(claim), Magnitude::of(source)))
        }
        (Measure, Measure) => match (measure_base(&claim.unit), measure_base(&source.unit)) {
            (Some((claim_dimension, claim_factor)), Some((source_dimension, source_factor)))
                if claim_dimension == source_dimension =>
            {
                judged(judge(
                    Magnitude::of(claim).scaled(claim_factor),
                    Magnitude::of(source).scaled(source_factor),
                ))
            }
            _ if fold(&claim.unit) == fold(&source.unit) => {
                judged(judge(Magnitude::of(claim), Magnitude::of(source)))
            }
            _ => incomparable("different units"),
        },
        _ => result(
            Outcome::Incomparable,
            format!(
                "a {} and a {} do not compare",
                claim.kind.name(),
                source.kind.name()
            ),
        ),
    }
}

fn identifier_family(quantity: &Quantity) -> String {
    if !quantity.unit.is_empty() {
        return fold(&quantity.unit);
    }
    quantity
        .identifier
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}

fn compare_identifiers(claim: &Quantity, source: &Quantity) -> Comparison {
    if claim.identifier == source.identifier {
        return result(Outcome::Match, "same identifier");
    }
    let (claim_family, source_family) = (identifier_family(claim), identifier_family(source));
    if !claim_family.is_empty() && claim_family == source_family {
        result(Outcome::Mismatch, "different identifiers")
    } else {
        result(Outcome::Incomparable, "different kinds of identifier")
    }
}

fn compare_dates(claim: &Quantity, source: &Quantity) -> Comparison {
    let (Some(claim_date), Some(source_date)) = (claim.date, source.date) else {
        return result(Outcome::Incomparable, "no date");
    };
    let PartialDate {
        year: claim_year,
        month: claim_month,
        day: claim_day,
    } = claim_date;
    let PartialDate {
        year: source_year,
        month: source_month,
        day: source_day,
    } = source_date;
    let conflict = |a: Option<i64>, b: Option<i64>| matches!((a, b), (Some(x), Some(y)) if x != y);
    if conflict(claim_year.map(i64::from), source_year.map(i64::from))
        || conflict(claim_month.map(i64::from), source_month.map(i64::from))
        || conflict(claim_day.map(i64::from), source_day.map(i64::from))
    {
        return result(Outcome::Mismatch, "different dates");
    }
    let claim_more_precise = (claim_day.is_some() && source_day.is_none())
        || (claim_month.is_some() && source_month.is_none())
        || (claim_year.is_some() && source_year.is_none() && claim_day.is_none());
    if claim_more_precise {
        return result(Outcome::Incomparable, "the source date is less precise");
    }
    if claim_date == source_date {
        result(Outcome::Match, "same date")
    } else {
        result(
            Outcome::Compatible,
            "same date, given with less detail in the claim",
        )
    }
}
