//! Filters on what a document's record says: the day it was published and
//! its metadata, so that a claim can be checked against "what the sources
//! said before the election" or against one outlet. Pure.
//!
//! `published_at` is an ISO 8601 date ("2024-03-05") or date-time
//! ("2024-03-05T08:30:00+07:00", with or without an offset or seconds);
//! a document's publication day is the date as written, in the outlet's
//! own time, which is how a newsroom reads a dateline. Filters take ISO
//! dates and are inclusive at both ends. Dates are read by the `time`
//! crate.

use std::collections::BTreeMap;

use time::format_description::well_known::Iso8601;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// A publication day, comparable and hashable.
pub type Day = Date;

/// A text that is not the ISO 8601 date (or date-time) asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 8601 date")]
pub struct NotADate;

/// The day a `published_at` value names: `Ok(None)` when it is empty,
/// `Err` when it is neither an ISO date nor an ISO date-time.
pub fn publication_day(text: &str) -> Result<Option<Day>, NotADate> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(day) = Date::parse(text, &Iso8601::DEFAULT) {
        return Ok(Some(day));
    }
    if let Ok(moment) = OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Ok(Some(moment.date()));
    }
    PrimitiveDateTime::parse(text, &Iso8601::DEFAULT)
        .map(|moment| Some(moment.date()))
        .map_err(|_| NotADate)
}

/// Length of an ISO date in its extended form, "2024-03-05".
const ISO_DATE_LENGTH: usize = 10;

/// A filter bound: `Ok(None)` when empty, `Err` unless an ISO date
/// ("2024-03-05").
pub fn filter_day(text: &str) -> Result<Option<Day>, NotADate> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() != ISO_DATE_LENGTH {
        return Err(NotADate);
    }
    Date::parse(text, &Iso8601::DEFAULT)
        .map(Some)
        .map_err(|_| NotADate)
}

/// What a filter reads of a stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAttributes {
    pub published: Option<Day>,
    pub metadata: BTreeMap<String, String>,
}

impl DocumentAttributes {
    /// A stored record's attributes; a `published_at` stored before dates
    /// were checked and not readable as one counts as no date.
    pub fn of(published_at: &str, metadata: &BTreeMap<String, String>) -> DocumentAttributes {
        DocumentAttributes {
            published: publication_day(published_at).ok().flatten(),
            metadata: metadata.clone(),
        }
    }
}

/// Documents published within `[published_after, published_before]` (each
/// bound optional) whose metadata holds every pair of `metadata`. The
/// empty filter allows every document; a document without a readable
/// date fails any date bound.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RecordFilter {
    pub published_after: Option<Day>,
    pub published_before: Option<Day>,
    pub metadata: BTreeMap<String, String>,
}

impl RecordFilter {
    pub fn is_empty(&self) -> bool {
        self.published_after.is_none()
            && self.published_before.is_none()
            && self.metadata.is_empty()
    }

    pub fn allows(&self, document: &DocumentAttributes) -> bool {
        let dated = |bound: Option<Day>, holds: fn(Day, Day) -> bool| {
            bound.is_none_or(|bound| document.published.is_some_and(|day| holds(day, bound)))
        };
        dated(self.published_after, |day, bound| day >= bound)
            && dated(self.published_before, |day, bound| day <= bound)
            && self
                .metadata
                .iter()
                .all(|(key, value)| document.metadata.get(key) == Some(value))
    }

    /// About the memory the filter takes as part of a cache key.
    pub fn approximate_bytes(&self) -> usize {
        self.metadata
            .iter()
            .map(|(key, value)| 2 * std::mem::size_of::<String>() + key.len() + value.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        filter_day(text).unwrap().unwrap()
    }

    #[test]
    fn publication_days_are_read_from_iso_dates_and_date_times() {
        let cases: &[(&str, Result<Option<&str>, NotADate>)] = &[
            ("", Ok(None)),
            ("  ", Ok(None)),
            ("2024-03-05", Ok(Some("2024-03-05"))),
            ("2024-03-05T08:30:00+07:00", Ok(Some("2024-03-05"))),
            ("2024-03-05T23:30:00Z", Ok(Some("2024-03-05"))),
            ("2024-03-05T08:30", Ok(Some("2024-03-05"))),
            ("2024-03-05T08:30:15.250", Ok(Some("2024-03-05"))),
            ("05/03/2024", Err(NotADate)),
            ("2024-02-30", Err(NotADate)),
            ("hôm qua", Err(NotADate)),
            ("2024-03-05 08:30", Err(NotADate)),
        ];
        for (text, expected) in cases {
            let expected = expected.map(|found| found.map(day));
            assert_eq!(publication_day(text), expected, "{text:?}");
        }
    }

    #[test]
    fn filter_bounds_are_dates_only() {
        assert_eq!(filter_day("2024-03-05"), Ok(Some(day("2024-03-05"))));
        assert_eq!(filter_day(""), Ok(None));
        assert_eq!(filter_day("2024-03-05T08:30:00Z"), Err(NotADate));
        assert_eq!(filter_day("March 5"), Err(NotADate));
    }

    /// (after, before, outlet wanted, the document's date, allowed)
    type FilterCase<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        bool,
    );

    #[test]
    fn filters_allow_by_inclusive_dates_and_metadata_equality() {
        let outlet = |name: &str| BTreeMap::from([("outlet".to_string(), name.to_string())]);
        let cases: &[FilterCase] = &[
            (None, None, None, None, true),
            (Some("2024-03-05"), None, None, Some("2024-03-05"), true),
            (Some("2024-03-05"), None, None, Some("2024-03-04"), false),
            (None, Some("2024-03-05"), None, Some("2024-03-05"), true),
            (None, Some("2024-03-05"), None, Some("2024-03-06"), false),
            (Some("2024-01-01"), Some("2024-12-31"), None, None, false),
            (None, None, Some("vnexpress"), Some("2024-03-05"), true),
            (None, None, Some("tuoitre"), Some("2024-03-05"), false),
        ];
        for (after, before, wanted_outlet, published, allowed) in cases {
            let filter = RecordFilter {
                published_after: after.map(day),
                published_before: before.map(day),
                metadata: wanted_outlet.map(outlet).unwrap_or_default(),
            };
            let document = DocumentAttributes::of(published.unwrap_or(""), &outlet("vnexpress"));
            assert_eq!(
                filter.allows(&document),
                *allowed,
                "{filter:?} {document:?}"
            );
        }
        assert!(RecordFilter::default().is_empty());
    }
}
