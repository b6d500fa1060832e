//! Reading numbers: digit strings with locale separators, Roman numerals, and
//! number words in Vietnamese and English.
//!
//! Separator rule for digit strings, written down once:
//! 1. With both `.` and `,`, the last one is the decimal mark and the other
//!    groups thousands ("1.234,5" and "1,234.5" are both 1234.5).
//! 2. With one kind repeated ("1.234.567"), it groups thousands; every group
//!    after the first must have three digits, or the string is not a number
//!    (a phone number or code such as "0203.3835.123").
//! 3. With a single separator followed by other than three digits, it is the
//!    decimal mark in either language ("91,6", "3.5").
//! 4. With a single separator followed by exactly three digits ("1.654",
//!    "1,654"), the language decides: in Vietnamese `.` groups and `,` is
//!    decimal; in English the reverse. A leading "0" ("0,654") or more than
//!    three leading digits ("1234.567") always means decimal.

use crate::text::Language;

/// A number read from digits or words, with the decimal places written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Numeral {
    pub value: f64,
    pub decimals: u32,
}

fn valid_groups(groups: &[&str]) -> bool {
    let Some((first, rest)) = groups.split_first() else {
        return false;
    };
    (1..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_digit())
        && rest
            .iter()
            .all(|group| group.len() == 3 && group.chars().all(|c| c.is_ascii_digit()))
}

fn joined_value(integer_groups: &[&str], fraction: &str) -> Option<Numeral> {
    let mut digits: String = integer_groups.concat();
    if !fraction.is_empty() {
        digits.push('.');
        digits.push_str(fraction);
    }
    let value: f64 = digits.parse().ok()?;
    value.is_finite().then_some(Numeral {
        value,
        decimals: fraction.len() as u32,
    })
}

/// Parses a digit string with `.`/`,` separators under the rule above.
pub fn parse_digits(text: &str, language: Language) -> Option<Numeral> {
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        || !text.starts_with(|c: char| c.is_ascii_digit())
        || !text.ends_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let dots = text.matches('.').count();
    let commas = text.matches(',').count();
    match (dots, commas) {
        (0, 0) => joined_value(&[text], ""),
        (_, _) if dots > 0 && commas > 0 => {
            let last_dot = text.rfind('.')?;
            let last_comma = text.rfind(',')?;
            let (decimal_at, group_mark) = if last_dot > last_comma {
                (last_dot, ',')
            } else {
                (last_comma, '.')
            };
            let (integer_part, fraction) = (&text[..decimal_at], &text[decimal_at + 1..]);
            let decimal_mark = if group_mark == ',' { '.' } else { ',' };
            if integer_part.contains(decimal_mark) {
                return None;
            }
            let groups: Vec<&str> = integer_part.split(group_mark).collect();
            valid_groups(&groups)
                .then(|| joined_value(&groups, fraction))
                .flatten()
        }
        _ => {
            let mark = if dots > 0 { '.' } else { ',' };
            let parts: Vec<&str> = text.split(mark).collect();
            if parts.len() > 2 {
                return valid_groups(&parts)
                    .then(|| joined_value(&parts, ""))
                    .flatten();
            }
            let (integer_part, tail) = (parts[0], parts[1]);
            let grouping_by_language = match language {
                Language::Vietnamese => mark == '.',
                Language::English => mark == ',',
            };
            let grouping = tail.len() == 3
                && integer_part.len() <= 3
                && !integer_part.starts_with('0')
                && grouping_by_language;
            if grouping {
                joined_value(&[integer_part, tail], "")
            } else {
                joined_value(&[integer_part], tail)
            }
        }
    }
}

/// Parses an uppercase Roman numeral (I..MMMCMXCIX) in canonical form.
pub fn parse_roman(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 15 {
        return None;
    }
    let digit = |c: char| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        'C' => Some(100),
        'D' => Some(500),
        'M' => Some(1000),
        _ => None,
    };
    let values: Vec<u32> = text.chars().map(digit).collect::<Option<_>>()?;
    let mut total = 0i64;
    for (index, value) in values.iter().enumerate() {
        match values.get(index + 1) {
            Some(next) if next > value => total -= i64::from(*value),
            _ => total += i64::from(*value),
        }
    }
    // Only canonical spellings: "IIII" or "VX" are not numerals.
    let total = u32::try_from(total).ok().filter(|t| *t > 0)?;
    (to_roman(total) == text).then_some(total)
}

fn to_roman(mut number: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, letters) in TABLE {
        while number >= value {
            out.push_str(letters);
            number -= value;
        }
    }
    out
}

/// One word of a spelled-out number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberWord {
    /// 0..=19 (English teens included).
    Unit(u32),
    /// 20, 30 … 90 in English.
    Tens(u32),
    /// Vietnamese "mười": ten, or ten plus the unit that follows.
    Ten,
    /// Vietnamese "mươi": multiplies the unit before it by ten.
    TensMarker,
    /// hundred / trăm.
    Hundred,
    /// thousand, million, billion / nghìn, triệu, tỷ.
    Scale(f64),
    /// Vietnamese "linh"/"lẻ", English "and" inside a number: no value.
    Joiner,
}

/// Reads a sequence of number words ("hai mươi lăm", "ba trăm linh năm",
/// "one hundred and twenty"). Returns `None` for an ill-formed sequence.
pub fn words_value(words: &[NumberWord]) -> Option<f64> {
    let mut total = 0f64;
    let mut group = 0f64;
    let mut last_unit: Option<u32> = None;
    let mut largest_scale = 0f64;
    let mut any = false;
    for word in words {
        match *word {
            NumberWord::Unit(unit) => {
                group += unit as f64;
                last_unit = Some(unit);
                any = true;
            }
            NumberWord::Tens(tens) => {
                group += tens as f64;
                last_unit = None;
                any = true;
            }
            NumberWord::Ten => {
                group += 10.0;
                last_unit = None;
                any = true;
            }
            NumberWord::TensMarker => {
                let unit = last_unit.take()? as f64;
                group += unit * 9.0;
            }
            NumberWord::Hundred => {
                let hundreds = if group == 0.0 { 1.0 } else { group };
                group = hundreds * 100.0;
                last_unit = None;
                any = true;
            }
            NumberWord::Scale(scale) => {
                if group == 0.0 && total > 0.0 {
                    // "nghìn tỷ": a scale word scaling the whole number so far.
                    total *= scale;
                } else if scale > largest_scale {
                    total = (total + group.max(if total == 0.0 { 1.0 } else { 0.0 })) * scale;
                } else {
                    total += group.max(1.0) * scale;
                }
                largest_scale = scale;
                group = 0.0;
                last_unit = None;
                any = true;
            }
            NumberWord::Joiner => {}
        }
    }
    any.then_some(total + group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{English as En, Vietnamese as Vi};

    #[test]
    fn digit_strings_table() {
        type Case<'a> = (&'a str, Language, Option<(f64, u32)>);
        let cases: &[Case] = &[
            ("1654", Vi, Some((1654.0, 0))),
            ("1.654", Vi, Some((1654.0, 0))),
            ("1.654", En, Some((1.654, 3))),
            ("1,654", En, Some((1654.0, 0))),
            ("1,654", Vi, Some((1.654, 3))),
            ("91,6", Vi, Some((91.6, 1))),
            ("91,6", En, Some((91.6, 1))),
            ("3.5", Vi, Some((3.5, 1))),
            ("3.5", En, Some((3.5, 1))),
            ("98,12", Vi, Some((98.12, 2))),
            ("2.010", Vi, Some((2010.0, 0))),
            ("1.863", Vi, Some((1863.0, 0))),
            ("5.000", Vi, Some((5000.0, 0))),
            ("370.000", Vi, Some((370000.0, 0))),
            ("1.234.567", Vi, Some((1234567.0, 0))),
            ("1,234,567", En, Some((1234567.0, 0))),
            ("1.234,5", Vi, Some((1234.5, 1))),
            ("1,234.5", En, Some((1234.5, 1))),
            ("0,654", Vi, Some((0.654, 3))),
            ("1234.567", Vi, Some((1234.567, 3))),
            ("0203.3835.123", Vi, None),
            ("1.23.456", Vi, None),
            ("1,234,56", En, None),
            ("1.234.5,6", Vi, None),
            ("", Vi, None),
            (".5", En, None),
            ("5.", En, None),
            ("12a", En, None),
        ];
        for (text, language, expected) in cases {
            let got = parse_digits(text, *language).map(|n| (n.value, n.decimals));
            assert_eq!(got, *expected, "parse_digits({text:?}, {language:?})");
        }
    }

    #[test]
    fn roman_numerals_table() {
        let cases = [
            ("XIII", Some(13)),
            ("XII", Some(12)),
            ("XXIV", Some(24)),
            ("XXIII", Some(23)),
            ("IV", Some(4)),
            ("MCMXC", Some(1990)),
            ("IIII", None),
            ("VX", None),
            ("ABC", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_roman(text), expected, "{text}");
        }
    }

    #[test]
    fn number_words_table() {
        use NumberWord::*;
        let cases: &[(&[NumberWord], Option<f64>)] = &[
            (&[Unit(2), TensMarker, Unit(5)], Some(25.0)),
            (&[Unit(3), Hundred], Some(300.0)),
            (&[Unit(3), Hundred, Joiner, Unit(5)], Some(305.0)),
            (&[Ten, Unit(5)], Some(15.0)),
            (&[Unit(2), Scale(1000.0)], Some(2000.0)),
            (
                &[Unit(1), Hundred, Unit(2), TensMarker, Scale(1e6)],
                Some(120e6),
            ),
            (&[Unit(1), Scale(1e3), Scale(1e9)], Some(1e12)),
            (&[Tens(20), Unit(1)], Some(21.0)),
            (&[Unit(1), Hundred, Joiner, Tens(20)], Some(120.0)),
            (
                &[Unit(2), Scale(1e6), Unit(5), Hundred, Scale(1e3)],
                Some(2_500_000.0),
            ),
            (&[TensMarker], None),
            (&[Joiner], None),
        ];
        for (words, expected) in cases {
            assert_eq!(words_value(words), *expected, "{words:?}");
        }
    }
}
