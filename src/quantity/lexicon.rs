//! The word lists of the quantity engine. Each list is general vocabulary of
//! Vietnamese or English news writing (qualifiers, scale words, change verbs,
//! units, currencies, document types); none is tuned to a particular text.
//! Words are written in lowercase with their diacritics; a word typed without
//! diacritics matches through its folded form ("giam" matches "giảm"), but a
//! word that has diacritics must match exactly, so "giám" (as in "giám đốc")
//! is not "giảm".

use std::collections::HashMap as StdHashMap;
use std::sync::LazyLock;

use super::number::NumberWord;
use super::{Direction, Qualifier};
use crate::text::fold;

/// A word of a sentence as the lexicon sees it.
pub trait LexWord {
    fn lower(&self) -> &str;
    fn folded(&self) -> &str;
    fn is_ascii(&self) -> bool;
}

pub type HashMap<K, V> = crate::hashing::FastMap<K, V>;

/// A word made from a piece of text, for looking up pieces that are not
/// whole tokens (the "km" of "5km").
pub struct PlainWord {
    lower: String,
    folded: String,
    ascii: bool,
}

impl PlainWord {
    pub fn new(text: &str) -> Self {
        PlainWord {
            lower: text.to_lowercase(),
            folded: fold(text),
            ascii: text.is_ascii(),
        }
    }
}

impl LexWord for PlainWord {
    fn lower(&self) -> &str {
        &self.lower
    }
    fn folded(&self) -> &str {
        &self.folded
    }
    fn is_ascii(&self) -> bool {
        self.ascii
    }
}

/// A table from words to a value, looked up by exact lowercase form, or by
/// folded form for words typed without diacritics.
pub struct WordTable<T: Copy> {
    exact: HashMap<&'static str, T>,
    folded: HashMap<String, T>,
}

impl<T: Copy> WordTable<T> {
    pub fn new(entries: &[(&'static str, T)]) -> Self {
        let mut exact = HashMap::default();
        let mut folded = HashMap::default();
        for (word, value) in entries {
            exact.insert(*word, *value);
            folded.entry(fold(word)).or_insert(*value);
        }
        WordTable { exact, folded }
    }

    pub fn get(&self, word: &impl LexWord) -> Option<T> {
        if let Some(value) = self.exact.get(word.lower()) {
            return Some(*value);
        }
        if word.is_ascii() {
            return self.folded.get(word.folded()).copied();
        }
        None
    }

    pub fn contains(&self, word: &impl LexWord) -> bool {
        self.get(word).is_some()
    }

    /// False when no word whose folded form is `folded` is in the table,
    /// written any way: every entry is also kept by its folded form.
    pub fn may_contain_folded(&self, folded: &str) -> bool {
        self.folded.contains_key(folded)
    }

    fn words(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.exact.keys().copied()
    }
}

/// A table of multi-word phrases ("cắt giảm", "more than"), indexed by
/// their first and last words so that a lookup costs one hash probe.
pub struct PhraseTable<T: Copy> {
    phrases: Vec<(Vec<&'static str>, Vec<String>, T)>,
    by_first_exact: HashMap<&'static str, Vec<usize>>,
    by_first_folded: HashMap<String, Vec<usize>>,
    by_last_exact: HashMap<&'static str, Vec<usize>>,
    by_last_folded: HashMap<String, Vec<usize>>,
}

impl<T: Copy> PhraseTable<T> {
    pub fn new(entries: &[(&'static str, T)]) -> Self {
        let mut phrases: Vec<(Vec<&'static str>, Vec<String>, T)> = entries
            .iter()
            .map(|(phrase, value)| {
                let words: Vec<&'static str> = phrase.split(' ').collect();
                let folded = words.iter().map(|w| fold(w)).collect();
                (words, folded, *value)
            })
            .collect();
        // Longest first, so "không quá" wins over a shorter phrase.
        phrases.sort_by_key(|(words, _, _)| std::cmp::Reverse(words.len()));
        let mut table = PhraseTable {
            phrases: Vec::new(),
            by_first_exact: HashMap::default(),
            by_first_folded: HashMap::default(),
            by_last_exact: HashMap::default(),
            by_last_folded: HashMap::default(),
        };
        for (index, (words, folded, _)) in phrases.iter().enumerate() {
            let (first, last) = (words[0], words[words.len() - 1]);
            table.by_first_exact.entry(first).or_default().push(index);
            table
                .by_first_folded
                .entry(folded[0].clone())
                .or_default()
                .push(index);
            table.by_last_exact.entry(last).or_default().push(index);
            table
                .by_last_folded
                .entry(folded[folded.len() - 1].clone())
                .or_default()
                .push(index);
        }
        table.phrases = phrases;
        table
    }

    fn word_matches(word: &impl LexWord, exact: &str, folded: &str) -> bool {
        word.lower() == exact || (word.is_ascii() && word.folded() == folded)
    }

    /// Phrase indices whose first (or last) word is `word`, longest first.
    fn candidates<'t>(
        exact: &'t HashMap<&'static str, Vec<usize>>,
        folded: &'t HashMap<String, Vec<usize>>,
        word: &impl LexWord,
    ) -> (&'t [usize], &'t [usize]) {
        let by_exact = exact.get(word.lower()).map(Vec::as_slice).unwrap_or(&[]);
        let by_folded = if word.is_ascii() {
            folded.get(word.folded()).map(Vec::as_slice).unwrap_or(&[])
        } else {
            &[]
        };
        (by_exact, by_folded)
    }

    /// The first (longest) phrase among `candidates` that `check` accepts.
    fn longest(
        &self,
        (by_exact, by_folded): (&[usize], &[usize]),
        check: impl Fn(usize) -> Option<(T, usize)>,
    ) -> Option<(T, usize)> {
        let first = by_exact.iter().find_map(|index| check(*index));
        let second = by_folded.iter().find_map(|index| check(*index));
        match (first, second) {
            (Some(a), Some(b)) => Some(if b.1 > a.1 { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    fn first_words(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_first_exact.keys().copied()
    }

    fn last_words(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_last_exact.keys().copied()
    }

    /// The longest phrase that ends exactly at the end of `words`: returns its
    /// value and its length in words.
    pub fn match_ending<W: LexWord>(&self, words: &[W]) -> Option<(T, usize)> {
        let last = words.last()?;
        self.longest(
            Self::candidates(&self.by_last_exact, &self.by_last_folded, last),
            |index| {
                let (phrase, folded, value) = &self.phrases[index];
                let length = phrase.len();
                if length > words.len() {
                    return None;
                }
                let tail = &words[words.len() - length..];
                tail.iter()
                    .zip(phrase.iter().zip(folded))
                    .all(|(word, (exact, folded))| Self::word_matches(word, exact, folded))
                    .then_some((*value, length))
            },
        )
    }

    /// The longest phrase that starts at the start of `words`.
    pub fn match_starting<W: LexWord>(&self, words: &[W]) -> Option<(T, usize)> {
        let first = words.first()?;
        self.longest(
            Self::candidates(&self.by_first_exact, &self.by_first_folded, first),
            |index| {
                let (phrase, folded, value) = &self.phrases[index];
                let length = phrase.len();
                if length > words.len() {
                    return None;
                }
                words[..length]
                    .iter()
                    .zip(phrase.iter().zip(folded))
                    .all(|(word, (exact, folded))| Self::word_matches(word, exact, folded))
                    .then_some((*value, length))
            },
        )
    }
}

pub static QUALIFIERS_BEFORE: LazyLock<PhraseTable<Qualifier>> = LazyLock::new(|| {
    use Qualifier::*;
    PhraseTable::new(&[
        ("khoảng", Approximate),
        ("khoảng chừng", Approximate),
        ("chừng", Approximate),
        ("xấp xỉ", Approximate),
        ("gần", Approximate),
        ("gần như", Approximate),
        ("ước", Approximate),
        ("ước tính", Approximate),
        ("ước khoảng", Approximate),
        ("ngót", Approximate),
        ("ngót nghét", Approximate),
        ("about", Approximate),
        ("around", Approximate),
        ("approximately", Approximate),
        ("roughly", Approximate),
        ("nearly", Approximate),
        ("almost", Approximate),
        ("close to", Approximate),
        ("some", Approximate),
        ("an estimated", Approximate),
        ("estimated", Approximate),
        ("hơn", MoreThan),
        ("trên", MoreThan),
        ("nhiều hơn", MoreThan),
        ("over", MoreThan),
        ("more than", MoreThan),
        ("above", MoreThan),
        ("upwards of", MoreThan),
        ("in excess of", MoreThan),
        ("just over", MoreThan),
        ("ít nhất", AtLeast),
        ("tối thiểu", AtLeast),
        ("không dưới", AtLeast),
        ("không ít hơn", AtLeast),
        ("at least", AtLeast),
        ("no less than", AtLeast),
        ("no fewer than", AtLeast),
        ("a minimum of", AtLeast),
        ("dưới", LessThan),
        ("chưa đến", LessThan),
        ("chưa tới", LessThan),
        ("ít hơn", LessThan),
        ("less than", LessThan),
        ("fewer than", LessThan),
        ("under", LessThan),
        ("below", LessThan),
        ("just under", LessThan),
        ("tối đa", AtMost),
        ("không quá", AtMost),
        ("không vượt quá", AtMost),
        ("nhiều nhất", AtMost),
        ("up to", AtMost),
        ("at most", AtMost),
        ("no more than", AtMost),
        ("a maximum of", AtMost),
    ])
});

pub static QUALIFIERS_AFTER: LazyLock<PhraseTable<Qualifier>> = LazyLock::new(|| {
    use Qualifier::*;
    PhraseTable::new(&[
        ("trở lên", AtLeast),
        ("trở xuống", AtMost),
        ("or more", AtLeast),
        ("or above", AtLeast),
        ("or less", AtMost),
        ("or fewer", AtMost),
        ("or below", AtMost),
    ])
});

/// Verbs and nouns that make the figures after them a change.
pub static DIRECTION_WORDS: LazyLock<PhraseTable<Direction>> = LazyLock::new(|| {
    use Direction::*;
    PhraseTable::new(&[
        ("tăng", Increase),
        ("tăng thêm", Increase),
        ("tăng lên", Increase),
        ("thêm", Increase),
        ("nâng lên", Increase),
        ("increase", Increase),
        ("increased", Increase),
        ("increases", Increase),
        ("increasing", Increase),
        ("rise", Increase),
        ("rises", Increase),
        ("rose", Increase),
        ("risen", Increase),
        ("grew", Increase),
        ("grow", Increase),
        ("grows", Increase),
        ("gain", Increase),
        ("gained", Increase),
        ("added", Increase),
        ("climbed", Increase),
        ("jumped", Increase),
        ("surged", Increase),
        ("up", Increase),
        ("giảm", Decrease),
        ("cắt giảm", Decrease),
        ("tinh giản", Decrease),
        ("bớt", Decrease),
        ("sụt", Decrease),
        ("sụt giảm", Decrease),
        ("thu hẹp", Decrease),
        ("decrease", Decrease),
        ("decreased", Decrease),
        ("decreases", Decrease),
        ("cut", Decrease),
        ("cuts", Decrease),
        ("reduce", Decrease),
        ("reduced", Decrease),
        ("reduces", Decrease),
        ("fell", Decrease),
        ("fall", Decrease),
        ("falls", Decrease),
        ("fallen", Decrease),
        ("drop", Decrease),
        ("dropped", Decrease),
        ("declined", Decrease),
        ("decline", Decrease),
        ("down", Decrease),
        ("lost", Decrease),
        ("shed", Decrease),
        ("slashed", Decrease),
        ("eliminated", Decrease),
    ])
});

/// English nouns after a figure that make it a change: "a 5% rise".
pub static DIRECTION_NOUNS_AFTER: LazyLock<WordTable<Direction>> = LazyLock::new(|| {
    use Direction::*;
    WordTable::new(&[
        ("increase", Increase),
        ("rise", Increase),
        ("jump", Increase),
        ("gain", Increase),
        ("growth", Increase),
        ("decrease", Decrease),
        ("decline", Decrease),
        ("drop", Decrease),
        ("fall", Decrease),
        ("cut", Decrease),
        ("reduction", Decrease),
    ])
});

/// Words that state a level, ending the reach of a change verb before them.
pub static LEVEL_WORDS: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("đạt", ()),
        ("còn", ()),
        ("là", ()),
        ("có", ()),
        ("chiếm", ()),
        ("thành", ()),
        ("gồm", ()),
        ("bằng", ()),
        ("reached", ()),
        ("reach", ()),
        ("reaches", ()),
        ("is", ()),
        ("was", ()),
        ("are", ()),
        ("were", ()),
        ("stood", ()),
        ("totaled", ()),
        ("totalled", ()),
        ("has", ()),
        ("have", ()),
        ("to", ()),
    ])
});

pub static SCALE_WORDS: LazyLock<WordTable<f64>> = LazyLock::new(|| {
    WordTable::new(&[
        ("nghìn", 1e3),
        ("ngàn", 1e3),
        ("vạn", 1e4),
        ("triệu", 1e6),
        ("tỷ", 1e9),
        ("tỉ", 1e9),
        ("thousand", 1e3),
        ("thousands", 1e3),
        ("million", 1e6),
        ("millions", 1e6),
        ("billion", 1e9),
        ("billions", 1e9),
        ("trillion", 1e12),
        ("bn", 1e9),
        ("mn", 1e6),
    ])
});

/// Scale suffixes glued to digits: "2.5bn", "$3m", "10k".
pub fn glued_scale(suffix: &str) -> Option<f64> {
    match suffix {
        "k" | "K" => Some(1e3),
        "m" | "M" | "mn" | "mln" => Some(1e6),
        "bn" | "b" | "B" | "tn" => Some(if suffix == "tn" { 1e12 } else { 1e9 }),
        _ => None,
    }
}

pub static PERCENT_WORDS: LazyLock<PhraseTable<()>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("phần trăm", ()),
        ("percent", ()),
        ("per cent", ()),
        ("pct", ()),
        ("percentage points", ()),
        ("điểm phần trăm", ()),
    ])
});

pub static CURRENCY_WORDS: LazyLock<PhraseTable<&'static str>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("đồng", "VND"),
        ("vnđ", "VND"),
        ("vnd", "VND"),
        ("usd", "USD"),
        ("đô la", "USD"),
        ("đô la mỹ", "USD"),
        ("đôla", "USD"),
        ("đô", "USD"),
        ("dollar", "USD"),
        ("dollars", "USD"),
        ("us dollars", "USD"),
        ("euro", "EUR"),
        ("euros", "EUR"),
        ("eur", "EUR"),
        ("bảng anh", "GBP"),
        ("pounds", "GBP"),
        ("pound", "GBP"),
        ("gbp", "GBP"),
        ("yên", "JPY"),
        ("yen", "JPY"),
        ("jpy", "JPY"),
        ("nhân dân tệ", "CNY"),
        ("yuan", "CNY"),
        ("cny", "CNY"),
        ("won", "KRW"),
    ])
});

/// Words that, after "đồng", show it is not the currency ("đồng chí").
pub static NOT_CURRENCY_AFTER_DONG: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("chí", ()),
        ("bào", ()),
        ("hương", ()),
        ("thời", ()),
        ("bằng", ()),
        ("ruộng", ()),
        ("đội", ()),
    ])
});

pub fn currency_symbol(symbol: char) -> Option<&'static str> {
    match symbol {
        '$' => Some("USD"),
        '€' => Some("EUR"),
        '£' => Some("GBP"),
        '¥' => Some("JPY"),
        '₫' => Some("VND"),
        _ => None,
    }
}

/// A measure unit: its dimension and the factor to the dimension's base unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureUnit {
    pub dimension: &'static str,
    pub factor: f64,
}

/// Units of time a count can be counted in ("1 tháng", "2 năm", "three
/// weeks"), in days: a month is a twelfth of a year of 365.25 days, so
/// that "24 tháng" is "2 năm". Calendar knowledge, not a word list of any
/// text; a semester ("học kỳ") is left out, its length varies.
pub static DURATION_UNITS: LazyLock<PhraseTable<f64>> = LazyLock::new(|| {
    const YEAR: f64 = 365.25;
    const MONTH: f64 = YEAR / 12.0;
    PhraseTable::new(&[
        ("giây", 1.0 / 86_400.0),
        ("phút", 1.0 / 1_440.0),
        ("giờ", 1.0 / 24.0),
        ("ngày", 1.0),
        ("tuần", 7.0),
        ("tháng", MONTH),
        ("quý", 3.0 * MONTH),
        ("năm", YEAR),
        ("thập kỷ", 10.0 * YEAR),
        ("thập niên", 10.0 * YEAR),
        ("thế kỷ", 100.0 * YEAR),
        ("second", 1.0 / 86_400.0),
        ("seconds", 1.0 / 86_400.0),
        ("minute", 1.0 / 1_440.0),
        ("minutes", 1.0 / 1_440.0),
        ("hour", 1.0 / 24.0),
        ("hours", 1.0 / 24.0),
        ("day", 1.0),
        ("days", 1.0),
        ("week", 7.0),
        ("weeks", 7.0),
        ("month", MONTH),
        ("months", MONTH),
        ("year", YEAR),
        ("years", YEAR),
        ("decade", 10.0 * YEAR),
        ("decades", 10.0 * YEAR),
        ("century", 100.0 * YEAR),
        ("centuries", 100.0 * YEAR),
    ])
});

pub static MEASURE_UNITS: LazyLock<PhraseTable<MeasureUnit>> = LazyLock::new(|| {
    let unit = |dimension, factor| MeasureUnit { dimension, factor };
    PhraseTable::new(&[
        ("km", unit("length", 1000.0)),
        ("kilômét", unit("length", 1000.0)),
        ("ki-lô-mét", unit("length", 1000.0)),
        ("kilometers", unit("length", 1000.0)),
        ("kilometres", unit("length", 1000.0)),
        ("m", unit("length", 1.0)),
        ("mét", unit("length", 1.0)),
        ("meters", unit("length", 1.0)),
        ("metres", unit("length", 1.0)),
        ("cm", unit("length", 0.01)),
        ("mm", unit("length", 0.001)),
        ("miles", unit("length", 1609.344)),
        ("mile", unit("length", 1609.344)),
        ("ha", unit("area", 1e4)),
        ("héc-ta", unit("area", 1e4)),
        ("hécta", unit("area", 1e4)),
        ("hecta", unit("area", 1e4)),
        ("hectares", unit("area", 1e4)),
        ("hectare", unit("area", 1e4)),
        ("km2", unit("area", 1e6)),
        ("m2", unit("area", 1.0)),
        ("acres", unit("area", 4046.856)),
        ("square kilometres", unit("area", 1e6)),
        ("square kilometers", unit("area", 1e6)),
        ("square meters", unit("area", 1.0)),
        ("square metres", unit("area", 1.0)),
        ("m3", unit("volume", 1000.0)),
        ("khối", unit("volume", 1000.0)),
        ("lít", unit("volume", 1.0)),
        ("liters", unit("volume", 1.0)),
        ("litres", unit("volume", 1.0)),
        ("tấn", unit("mass", 1000.0)),
        ("tons", unit("mass", 1000.0)),
        ("tonnes", unit("mass", 1000.0)),
        ("tạ", unit("mass", 100.0)),
        ("kg", unit("mass", 1.0)),
        ("kilogram", unit("mass", 1.0)),
        ("kilograms", unit("mass", 1.0)),
        ("mw", unit("power", 1e6)),
        ("kw", unit("power", 1e3)),
        ("gw", unit("power", 1e9)),
        ("kwh", unit("energy", 1.0)),
        ("mwh", unit("energy", 1e3)),
        ("gwh", unit("energy", 1e6)),
    ])
});

/// Nouns of legal and administrative documents: the number after them is an
/// identifier, not a count ("Nghị định 158", "Resolution 22").
pub static DOCUMENT_TYPES: LazyLock<PhraseTable<()>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("nghị quyết", ()),
        ("nghị định", ()),
        ("quyết định", ()),
        ("thông tư", ()),
        ("thông tư liên tịch", ()),
        ("chỉ thị", ()),
        ("đề án", ()),
        ("công văn", ()),
        ("kết luận", ()),
        ("quy định", ()),
        ("luật", ()),
        ("tờ trình", ()),
        ("thông báo", ()),
        ("kế hoạch", ()),
        ("hướng dẫn", ()),
        ("quy chế", ()),
        ("pháp lệnh", ()),
        ("giấy phép", ()),
        ("chương trình", ()),
        ("điều", ()),
        ("khoản", ()),
        ("decree", ()),
        ("resolution", ()),
        ("circular", ()),
        ("directive", ()),
        ("decision", ()),
        ("article", ()),
        ("clause", ()),
        ("section", ()),
        ("law", ()),
    ])
});

/// Words after which a Roman numeral or number is a rank.
pub static ORDINAL_CUES: LazyLock<PhraseTable<()>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("thứ", ()),
        ("lần thứ", ()),
        ("khóa", ()),
        ("khoá", ()),
        ("kỳ", ()),
        ("kì", ()),
        ("đại hội", ()),
        ("hội nghị", ()),
        ("quốc hội", ()),
        ("congress", ()),
        ("plenum", ()),
        ("session", ()),
    ])
});

pub static DATE_CUES: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("ngày", ()),
        ("hôm", ()),
        ("sáng", ()),
        ("trưa", ()),
        ("chiều", ()),
        ("tối", ()),
        ("đêm", ()),
        ("rạng", ()),
        ("on", ()),
        ("since", ()),
    ])
});

pub static MONTH_NAMES: LazyLock<WordTable<u8>> = LazyLock::new(|| {
    WordTable::new(&[
        ("january", 1),
        ("jan", 1),
        ("february", 2),
        ("feb", 2),
        ("march", 3),
        ("mar", 3),
        ("april", 4),
        ("apr", 4),
        ("may", 5),
        ("june", 6),
        ("jun", 6),
        ("july", 7),
        ("jul", 7),
        ("august", 8),
        ("aug", 8),
        ("september", 9),
        ("sep", 9),
        ("sept", 9),
        ("october", 10),
        ("oct", 10),
        ("november", 11),
        ("nov", 11),
        ("december", 12),
        ("dec", 12),
    ])
});

pub static VIETNAMESE_NUMBER_WORDS: LazyLock<WordTable<NumberWord>> = LazyLock::new(|| {
    use NumberWord::*;
    WordTable::new(&[
        ("không", Unit(0)),
        ("một", Unit(1)),
        ("mốt", Unit(1)),
        ("hai", Unit(2)),
        ("ba", Unit(3)),
        ("bốn", Unit(4)),
        ("tư", Unit(4)),
        ("năm", Unit(5)),
        ("lăm", Unit(5)),
        ("nhăm", Unit(5)),
        ("sáu", Unit(6)),
        ("bảy", Unit(7)),
        ("bẩy", Unit(7)),
        ("tám", Unit(8)),
        ("chín", Unit(9)),
        ("mười", Ten),
        ("mươi", TensMarker),
        ("trăm", Hundred),
        ("linh", Joiner),
        ("lẻ", Joiner),
        ("nghìn", Scale(1e3)),
        ("ngàn", Scale(1e3)),
        ("vạn", Scale(1e4)),
        ("triệu", Scale(1e6)),
        ("tỷ", Scale(1e9)),
        ("tỉ", Scale(1e9)),
    ])
});

pub static ENGLISH_NUMBER_WORDS: LazyLock<WordTable<NumberWord>> = LazyLock::new(|| {
    use NumberWord::*;
    WordTable::new(&[
        ("zero", Unit(0)),
        ("one", Unit(1)),
        ("two", Unit(2)),
        ("three", Unit(3)),
        ("four", Unit(4)),
        ("five", Unit(5)),
        ("six", Unit(6)),
        ("seven", Unit(7)),
        ("eight", Unit(8)),
        ("nine", Unit(9)),
        ("ten", Unit(10)),
        ("eleven", Unit(11)),
        ("twelve", Unit(12)),
        ("thirteen", Unit(13)),
        ("fourteen", Unit(14)),
        ("fifteen", Unit(15)),
        ("sixteen", Unit(16)),
        ("seventeen", Unit(17)),
        ("eighteen", Unit(18)),
        ("nineteen", Unit(19)),
        ("twenty", Tens(20)),
        ("thirty", Tens(30)),
        ("forty", Tens(40)),
        ("fifty", Tens(50)),
        ("sixty", Tens(60)),
        ("seventy", Tens(70)),
        ("eighty", Tens(80)),
        ("ninety", Tens(90)),
        ("hundred", Hundred),
        ("thousand", Scale(1e3)),
        ("million", Scale(1e6)),
        ("billion", Scale(1e9)),
        ("trillion", Scale(1e12)),
        ("and", Joiner),
    ])
});

pub static ENGLISH_ORDINAL_WORDS: LazyLock<WordTable<u32>> = LazyLock::new(|| {
    WordTable::new(&[
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
        ("fifth", 5),
        ("sixth", 6),
        ("seventh", 7),
        ("eighth", 8),
        ("ninth", 9),
        ("tenth", 10),
        ("eleventh", 11),
        ("twelfth", 12),
        ("thirteenth", 13),
        ("fourteenth", 14),
        ("fifteenth", 15),
        ("sixteenth", 16),
        ("seventeenth", 17),
        ("eighteenth", 18),
        ("nineteenth", 19),
        ("twentieth", 20),
    ])
});

/// Words after Vietnamese "năm" that show it means "year", not "five".
pub static YEAR_CONTEXT_AFTER_NAM: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("nay", ()),
        ("qua", ()),
        ("ngoái", ()),
        ("học", ()),
        ("đó", ()),
        ("sau", ()),
        ("trước", ()),
        ("tới", ()),
        ("sau", ()),
        ("này", ()),
        ("ấy", ()),
        ("tài", ()),
        ("kế", ()),
        ("đầu", ()),
        ("cuối", ()),
        ("mới", ()),
        ("thứ", ()),
        ("trở", ()),
        ("liền", ()),
        ("liên", ()),
        ("nào", ()),
        ("gần", ()),
        ("rồi", ()),
        ("được", ()),
        ("đã", ()),
        ("của", ()),
        ("và", ()),
        ("là", ()),
        ("có", ()),
        ("với", ()),
        ("trong", ()),
        ("để", ()),
        ("thì", ()),
        ("mà", ()),
        ("không", ()),
        ("hoạt", ()),
    ])
});

/// Words before "năm" that show it means "year".
pub static YEAR_CONTEXT_BEFORE_NAM: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("mỗi", ()),
        ("hằng", ()),
        ("hàng", ()),
        ("các", ()),
        ("những", ()),
        ("trong", ()),
        ("cuối", ()),
        ("đầu", ()),
        ("giữa", ()),
        ("cả", ()),
        ("nhiều", ()),
        ("vài", ()),
        ("mấy", ()),
        ("từ", ()),
        ("đến", ()),
        ("của", ()),
        ("vào", ()),
        ("sau", ()),
        ("trước", ()),
        ("qua", ()),
        ("suốt", ()),
        ("tháng", ()),
        ("ngày", ()),
        // "một năm": after the article "a" it is "year".
        ("một", ()),
    ])
});

/// Words after Vietnamese "một" that make it "a/some", not the number one.
pub static NOT_NUMBER_AFTER_MOT: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("số", ()),
        ("cách", ()),
        ("trong", ()),
        ("khi", ()),
        ("lúc", ()),
        ("vài", ()),
        ("chút", ()),
        ("ít", ()),
        ("mình", ()),
        ("loạt", ()),
        ("phần", ()),
        ("thời", ()),
        ("lòng", ()),
        ("mực", ()),
        ("mặt", ()),
        ("bộ", ()),
        ("khác", ()),
        ("nào", ()),
    ])
});

/// Words after "một <time unit>" that place the span in time ("một năm
/// trước", "một tuần qua", "một tháng nữa"): "một" is then the number one
/// whatever stands before it.
pub static TIME_PLACING_AFTER_DURATION: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("trước", ()),
        ("qua", ()),
        ("sau", ()),
        ("nữa", ()),
        ("tới", ()),
        ("rưỡi", ()),
        ("liền", ()),
    ])
});

/// Words before Vietnamese "một" that make it the article "a" ("là một").
pub static NOT_NUMBER_BEFORE_MOT: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("là", ()),
        ("có", ()),
        ("như", ()),
        ("từ", ()),
        ("với", ()),
        ("cho", ()),
        ("thành", ()),
        ("của", ()),
        ("trong", ()),
        ("vào", ()),
        ("và", ()),
        ("hoặc", ()),
        ("theo", ()),
        ("tại", ()),
        ("ở", ()),
        ("bằng", ()),
        ("mỗi", ()),
        ("một", ()),
        ("thêm", ()),
        ("chỉ", ()),
        ("cùng", ()),
    ])
});

/// Time units: a number before one of them is a duration ("5 năm qua").
pub static TIME_UNITS: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("năm", ()),
        ("tháng", ()),
        ("ngày", ()),
        ("tuần", ()),
        ("giờ", ()),
        ("phút", ()),
        ("giây", ()),
        ("quý", ()),
        ("years", ()),
        ("year", ()),
        ("months", ()),
        ("month", ()),
        ("weeks", ()),
        ("week", ()),
        ("days", ()),
        ("day", ()),
        ("hours", ()),
        ("hour", ()),
        ("decades", ()),
        ("decade", ()),
        ("minutes", ()),
    ])
});

/// Words before a number that make it the numerator of "all N": "tất cả 17".
pub static ALL_BEFORE: LazyLock<PhraseTable<()>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("tất cả", ()),
        ("tất cả các", ()),
        ("toàn bộ", ()),
        ("toàn bộ các", ()),
        ("cả", ()),
        ("all", ()),
        ("all the", ()),
        ("all of the", ()),
        ("each of the", ()),
    ])
});

/// Words between two numbers that make "X trong số Y" a fraction.
pub static OUT_OF: LazyLock<PhraseTable<()>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("trong số", ()),
        ("trong tổng số", ()),
        ("trên tổng số", ()),
        ("trên", ()),
        ("out of", ()),
        ("of the", ()),
        ("of", ()),
    ])
});

/// Shares written as words: "một nửa", "half", "two thirds".
pub static SHARE_WORDS: LazyLock<PhraseTable<(f64, f64)>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("một nửa", (1.0, 2.0)),
        ("nửa", (1.0, 2.0)),
        ("half", (1.0, 2.0)),
        ("a half", (1.0, 2.0)),
        ("one half", (1.0, 2.0)),
        ("a third", (1.0, 3.0)),
        ("one third", (1.0, 3.0)),
        ("one-third", (1.0, 3.0)),
        ("two thirds", (2.0, 3.0)),
        ("two-thirds", (2.0, 3.0)),
        ("a quarter", (1.0, 4.0)),
        ("one quarter", (1.0, 4.0)),
        ("three quarters", (3.0, 4.0)),
        ("một phần ba", (1.0, 3.0)),
        ("hai phần ba", (2.0, 3.0)),
        ("một phần tư", (1.0, 4.0)),
        ("ba phần tư", (3.0, 4.0)),
    ])
});

/// Multipliers written as words: "gấp đôi", "doubled", "halved".
pub static MULTIPLIER_WORDS: LazyLock<PhraseTable<(f64, Direction)>> = LazyLock::new(|| {
    use Direction::*;
    PhraseTable::new(&[
        ("gấp đôi", (2.0, Increase)),
        ("gấp rưỡi", (1.5, Increase)),
        ("tăng gấp đôi", (2.0, Increase)),
        ("doubled", (2.0, Increase)),
        ("double", (2.0, Increase)),
        ("tripled", (3.0, Increase)),
        ("triple", (3.0, Increase)),
        ("quadrupled", (4.0, Increase)),
        ("halved", (0.5, Decrease)),
        ("twice", (2.0, None)),
        ("thrice", (3.0, None)),
        ("giảm một nửa", (0.5, Decrease)),
        ("giảm còn một nửa", (0.5, Decrease)),
        ("giảm đi một nửa", (0.5, Decrease)),
        ("cut in half", (0.5, Decrease)),
        ("cut by half", (0.5, Decrease)),
        ("fell by half", (0.5, Decrease)),
    ])
});

/// Words between "từ A" and "B" that make the pair a change of level.
pub static CHANGE_TO: LazyLock<PhraseTable<()>> = LazyLock::new(|| {
    PhraseTable::new(&[
        ("xuống", ()),
        ("xuống còn", ()),
        ("còn", ()),
        ("lên", ()),
        ("lên đến", ()),
        ("lên tới", ()),
        ("lên thành", ()),
        ("tới", ()),
        ("đến", ()),
        ("to", ()),
    ])
});

/// Words that end a counted noun phrase after a figure (function words,
/// and the verbs có and bị, which never name what is counted; negators are
/// not among them: "cán bộ không chuyên trách" is one noun phrase).
pub static UNIT_STOPS: LazyLock<WordTable<()>> = LazyLock::new(|| {
    let words = [
        "và", "của", "ở", "tại", "trong", "cho", "với", "so", "được", "đã", "là", "thì", "mà",
        "để", "từ", "đến", "theo", "trên", "dưới", "hơn", "gồm", "này", "đó", "khi", "nhưng",
        "hoặc", "cùng", "sau", "trước", "vào", "ra", "lên", "xuống", "còn", "đạt", "giảm", "tăng",
        "nên", "bằng", "do", "vì", "bởi", "về", "như", "cũng", "sẽ", "đang", "năm", "tháng",
        "ngày", "trở", "mỗi", "các", "những", "thuộc", "nhằm", "qua", "có", "bị", "and", "of",
        "in", "at", "on", "to", "from", "for", "by", "with", "the", "a", "an", "was", "were", "is",
        "are", "than", "as", "that", "which", "who", "last", "this", "or", "in", "per", "each",
        "since", "after", "before", "over", "under", "into", "while",
    ];
    let entries: Vec<(&'static str, ())> = words.iter().map(|w| (*w, ())).collect();
    WordTable::new(&entries)
});

/// Negation words: "không", "chưa", "not".
pub static NEGATIONS: LazyLock<WordTable<()>> = LazyLock::new(|| {
    WordTable::new(&[
        ("không", ()),
        ("chưa", ()),
        ("chẳng", ()),
        ("chả", ()),
        ("not", ()),
        ("never", ()),
        ("no", ()),
        ("none", ()),
        ("nor", ()),
        ("neither", ()),
        ("without", ()),
        ("didn", ()),
        ("doesn", ()),
        ("isn", ()),
        ("wasn", ()),
        ("weren", ()),
        ("hasn", ()),
        ("haven", ()),
    ])
});

/// Bit flags saying which lists a word can start (or end) an entry of, so the
/// extractor probes one table per token and skips the lists that cannot
/// match.
pub mod class {
    pub const DOCUMENT_TYPE_START: u32 = 1 << 0;
    pub const MULTIPLIER_START: u32 = 1 << 1;
    pub const SHARE_START: u32 = 1 << 2;
    pub const MONTH: u32 = 1 << 3;
    pub const VIETNAMESE_NUMBER: u32 = 1 << 4;
    pub const ENGLISH_NUMBER: u32 = 1 << 5;
    pub const DIRECTION_START: u32 = 1 << 6;
    pub const LEVEL: u32 = 1 << 7;
    pub const QUALIFIER_END: u32 = 1 << 8;
    pub const QUALIFIER_START: u32 = 1 << 9;
    pub const UNIT_STOP: u32 = 1 << 10;
    pub const PERCENT_START: u32 = 1 << 11;
    pub const ORDINAL_CUE_END: u32 = 1 << 12;
    pub const ALL_END: u32 = 1 << 13;
    pub const SCALE: u32 = 1 << 14;
    pub const TIME_UNIT: u32 = 1 << 15;
    pub const ENGLISH_ORDINAL: u32 = 1 << 16;
}

pub static WORD_CLASSES: LazyLock<WordTable<u32>> = LazyLock::new(|| {
    let mut flags: StdHashMap<&'static str, u32> = StdHashMap::new();
    let mut mark = |words: &mut dyn Iterator<Item = &'static str>, flag: u32| {
        for word in words {
            *flags.entry(word).or_default() |= flag;
        }
    };
    mark(
        &mut DOCUMENT_TYPES.first_words(),
        class::DOCUMENT_TYPE_START,
    );
    mark(&mut MULTIPLIER_WORDS.first_words(), class::MULTIPLIER_START);
    mark(&mut SHARE_WORDS.first_words(), class::SHARE_START);
    mark(&mut MONTH_NAMES.words(), class::MONTH);
    mark(
        &mut VIETNAMESE_NUMBER_WORDS.words(),
        class::VIETNAMESE_NUMBER,
    );
    mark(&mut ENGLISH_NUMBER_WORDS.words(), class::ENGLISH_NUMBER);
    mark(&mut DIRECTION_WORDS.first_words(), class::DIRECTION_START);
    mark(&mut LEVEL_WORDS.words(), class::LEVEL);
    mark(&mut QUALIFIERS_BEFORE.last_words(), class::QUALIFIER_END);
    mark(&mut QUALIFIERS_BEFORE.first_words(), class::QUALIFIER_START);
    mark(&mut UNIT_STOPS.words(), class::UNIT_STOP);
    mark(&mut PERCENT_WORDS.first_words(), class::PERCENT_START);
    mark(&mut ORDINAL_CUES.last_words(), class::ORDINAL_CUE_END);
    mark(&mut ALL_BEFORE.last_words(), class::ALL_END);
    mark(&mut SCALE_WORDS.words(), class::SCALE);
    mark(&mut TIME_UNITS.words(), class::TIME_UNIT);
    mark(&mut ENGLISH_ORDINAL_WORDS.words(), class::ENGLISH_ORDINAL);
    let entries: Vec<(&'static str, u32)> = flags.into_iter().collect();
    // Folded forms of different words share a key: merge their flags.
    let mut table = WordTable::new(&entries);
    let mut merged: HashMap<String, u32> = HashMap::default();
    for (word, flag) in &entries {
        *merged.entry(fold(word)).or_default() |= *flag;
    }
    table.folded = merged;
    table
});
