//! Alignment of a claim's words to an evidence window (one to three
//! consecutive sentences of one document). Pure.
//!
//! Words are matched by their canonical folded key (diacritics removed for
//! matching, kept for comparing: a match whose lowercase forms differ is a
//! diacritic-only difference such as tăng/tặng), or, for long words, within
//! one edit (typos). The claim is covered by **tiles**: maximal runs of at
//! least two consecutive claim words that occur consecutively in the window,
//! found longest first (greedy string tiling), each window word used once.
//! The claim words outside tiles form **segments**; each segment is located
//! against the window through the tiles around it: the window words between
//! the tile before and the tile after are its **counterpart** (empty: the
//! claim inserted the segment; not empty: the claim put something else in
//! that slot). Window words between two tiles that are adjacent in the
//! claim are words the claim **dropped** (a negation dropped there flips
//! the meaning).

use std::ops::Range;

use crate::text::{word_tokens, WordToken};

use super::lexicon::{
    canonical_key, is_function_word, may_be_number_word, number_word_value, spelling_key,
};

/// Tiles shorter than this are not context matches.
const MIN_TILE: usize = 2;
/// Words shorter than this (in bytes, folded) only match exactly.
const MIN_TYPO_LENGTH: usize = 5;
/// A counterpart may be this many words longer than its segment.
const COUNTERPART_SLACK: usize = 4;
/// Dropped window words are looked at only when there are at most this many.
const MAX_DROPPED: usize = 4;

/// A word of a claim or of a window sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignToken {
    /// Lowercase, diacritics kept.
    pub lower: String,
    /// Canonical folded form words are matched by.
    pub key: String,
    /// Byte span in the text the word was read from.
    pub start: usize,
    pub end: usize,
    /// Which sentence of the window the word is in (0 for a claim).
    pub sentence: usize,
    pub numeric: bool,
    pub capitalized: bool,
    pub stop: bool,
}

impl AlignToken {
    /// A word that carries content: not a function word, not a number.
    pub fn is_content(&self) -> bool {
        !self.stop && !self.numeric
    }
}

/// A word of a text as alignment reads it, before it is kept.
enum ReadWord<'t> {
    /// A new word, and the value it stands for when it is a number word.
    Word {
        token: WordToken<'t>,
        number_word: Option<u32>,
    },
    /// The digits after a "." or "," that join the number before them
    /// ("1,5", "1.654"): the previous word now ends at `end`.
    Joined { end: usize },
}

/// Reads the words of `text` (its `words`, from [`word_tokens`]) in
/// order, as [`align_tokens`] keeps them, for `visit`. A number word
/// stands for its digits, unless it is capitalised inside the text (part
/// of a name: "Ba Đình") or follows "thứ" (an ordinal or a weekday: "thứ
/// bảy"). A word's lowercase form is made here only when its folded form
/// can be a number word or "thứ", so that a reader of keys alone makes
/// none.
fn read_words<'t>(text: &'t str, words: Vec<WordToken<'t>>, mut visit: impl FnMut(ReadWord<'t>)) {
    let (mut first, mut previous_numeric, mut previous_ordinal) = (true, false, false);
    let mut previous_end = 0;
    for token in words {
        let numeric = token.is_numeric();
        if !first
            && previous_numeric
            && numeric
            && matches!(&text[previous_end..token.start], "." | ",")
        {
            previous_end = token.end;
            visit(ReadWord::Joined { end: token.end });
            continue;
        }
        let lower = || token.text.to_lowercase();
        let number_word = (may_be_number_word(&token.folded)
            && (!token.is_capitalized() || first)
            && !previous_ordinal)
            .then(|| number_word_value(&lower()))
            .flatten();
        previous_ordinal = token.folded == "thu" && lower() == "thứ";
        previous_numeric = numeric || number_word.is_some();
        previous_end = token.end;
        first = false;
        visit(ReadWord::Word { token, number_word });
    }
}

/// The words of a text, tagged with the sentence they belong to. A number
/// written with separators ("1,5", "1.654") is one word.
pub fn align_tokens(text: &str, sentence: usize) -> Vec<AlignToken> {
    let words = word_tokens(text);
    let mut tokens: Vec<AlignToken> = Vec::with_capacity(words.len());
    read_words(text, words, |word| match word {
        ReadWord::Joined { end } => {
            if let Some(previous) = tokens.last_mut() {
                previous.end = end;
                previous.lower = text[previous.start..end].to_string();
                previous.key = previous.lower.clone();
            }
        }
        ReadWord::Word { token, number_word } => {
            let lower = token.text.to_lowercase();
            let stop = is_function_word(&lower, &token.folded) && number_word.is_none();
            let (numeric, capitalized) = (
                token.is_numeric() || number_word.is_some(),
                token.is_capitalized(),
            );
            tokens.push(AlignToken {
                key: number_word.map_or_else(|| canonical_key(token.folded), |v| v.to_string()),
                lower,
                stop,
                numeric,
                capitalized,
                start: token.start,
                end: token.end,
                sentence,
            });
        }
    });
    tokens
}

/// The hash (by `hash`) of every word key [`align_tokens`] gives `text`,
/// in text order, without making the tokens: a document's sentences
/// outside a claim's evidence are read for their keys alone.
pub fn align_key_hashes(text: &str, hash: impl Fn(&str) -> u64) -> Vec<u64> {
    let mut hashes = Vec::new();
    // The last word's key waits until the next word shows whether digits
    // join it.
    let mut pending: Option<(usize, String)> = None;
    read_words(text, word_tokens(text), |word| match word {
        ReadWord::Joined { end } => {
            if let Some((start, key)) = &mut pending {
                *key = text[*start..end].to_string();
            }
        }
        ReadWord::Word { token, number_word } => {
            if let Some((_, key)) = pending.take() {
                hashes.push(hash(&key));
            }
            let key = number_word.map_or_else(|| canonical_key(token.folded), |v| v.to_string());
            pending = Some((token.start, key));
        }
    });
    if let Some((_, key)) = pending {
        hashes.push(hash(&key));
    }
    hashes
}

/// True when two words are the same word, diacritics aside, or a long word
/// written with one typo.
pub fn same_word(claim: &AlignToken, window: &AlignToken) -> bool {
    if claim.key == window.key {
        return true;
    }
    if claim.numeric || window.numeric {
        return false;
    }
    claim.key.len() >= MIN_TYPO_LENGTH
        && window.key.len() >= MIN_TYPO_LENGTH
        && strsim::damerau_levenshtein(&claim.key, &window.key) <= 1
}

/// [`same_word`] for a word outside any run: without neighbours to confirm
/// it, a word whose diacritics differ is another word ("cửa" is not
/// "của", "Nhật" is not "nhất"), unless the claim wrote it with no
/// diacritics at all.
pub fn same_word_alone(claim: &AlignToken, window: &AlignToken) -> bool {
    if claim.key == window.key {
        return claim.numeric
            || claim.lower.is_ascii()
            || spelling_key(&claim.lower) == spelling_key(&window.lower);
    }
    same_word(claim, window)
}

/// A run of claim words found consecutively in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub claim_start: usize,
    pub window_start: usize,
    pub len: usize,
}

impl Tile {
    pub fn claim_end(&self) -> usize {
        self.claim_start + self.len
    }

    pub fn window_end(&self) -> usize {
        self.window_start + self.len
    }
}

/// Where a segment's words stand against the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counterpart {
    /// The tiles around the segment are adjacent in the window: the claim
    /// inserted the segment.
    Inserted,
    /// The window holds these words (a range of window tokens) between the
    /// tiles around the segment: the claim put the segment in their place.
    Replaced(Range<usize>),
    /// Only one side of the segment is anchored (it starts or ends the
    /// claim, or the other tile is elsewhere): these window words follow or
    /// precede the anchoring tile, where the segment would be.
    Beside(Range<usize>),
    /// Nothing anchors the segment.
    Unanchored,
}

/// Claim words outside every tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub claim: Range<usize>,
    pub counterpart: Counterpart,
}

/// Window words between two tiles adjacent in the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The claim position the words were dropped before.
    pub claim_position: usize,
    pub window: Range<usize>,
}

/// The alignment of one claim to one window.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// In claim order.
    pub tiles: Vec<Tile>,
    pub segments: Vec<Segment>,
    pub dropped: Vec<Dropped>,
    /// Per claim word: inside a tile.
    pub tiled: Vec<bool>,
    /// Per claim word: outside tiles, but the word occurs in the window.
    pub loose: Vec<bool>,
}

/// A tile must hold a content word or be longer than two words: two
/// function words in a row ("của các") match almost anywhere.
fn tile_worth_keeping(claim: &[AlignToken], start: usize, len: usize) -> bool {
    len > MIN_TILE || claim[start..start + len].iter().any(|t| !t.stop)
}

/// Tiles laid at most: each costs one pass over claim × window, and a real
/// claim needs a handful; a crafted claim of hundreds of scattered matches
/// stops here, its other words untiled.
const MAX_TILES: usize = 64;

/// Greedy string tiling, longest run first; ties go to the earliest claim
/// position, then the earliest window position; at most [`MAX_TILES`].
fn tiles_of(claim: &[AlignToken], window: &[AlignToken]) -> Vec<Tile> {
    let (n, m) = (claim.len(), window.len());
    let mut claim_used = vec![false; n];
    let mut window_used = vec![false; m];
    let mut tiles = Vec::new();
    let mut runs = vec![0usize; (n + 1) * (m + 1)];
    while tiles.len() < MAX_TILES {
        let mut best: Option<Tile> = None;
        // runs[(i+1)*(m+1) + (j+1)]: common run ending at claim i, window j.
        for i in 0..n {
            for j in 0..m {
                let cell = (i + 1) * (m + 1) + (j + 1);
                if claim_used[i] || window_used[j] || !same_word(&claim[i], &window[j]) {
                    runs[cell] = 0;
                    continue;
                }
                let run = runs[i * (m + 1) + j] + 1;
                runs[cell] = run;
                let start = i + 1 - run;
                if run >= MIN_TILE
                    && best.is_none_or(|b| run > b.len)
                    && tile_worth_keeping(claim, start, run)
                {
                    best = Some(Tile {
                        claim_start: start,
                        window_start: j + 1 - run,
                        len: run,
                    });
                }
            }
        }
        let Some(tile) = best else { break };
        for offset in 0..tile.len {
            claim_used[tile.claim_start + offset] = true;
            window_used[tile.window_start + offset] = true;
        }
        tiles.push(tile);
    }
    tiles.sort_by_key(|tile| tile.claim_start);
    tiles
}

/// Range of window positions in the sentence of window word `position`.
fn sentence_range(window: &[AlignToken], position: usize) -> Range<usize> {
    let sentence = window[position].sentence;
    let start = window[..position]
        .iter()
        .rposition(|t| t.sentence != sentence)
        .map_or(0, |p| p + 1);
    let end = window[position..]
        .iter()
        .position(|t| t.sentence != sentence)
        .map_or(window.len(), |p| position + p);
    start..end
}

fn counterpart_of(
    window: &[AlignToken],
    before: Option<&Tile>,
    after: Option<&Tile>,
    length: usize,
) -> Counterpart {
    if let (Some(before), Some(after)) = (before, after) {
        let (from, to) = (before.window_end(), after.window_start);
        if to >= from && to - from <= length + COUNTERPART_SLACK {
            return if to == from {
                Counterpart::Inserted
            } else {
                Counterpart::Replaced(from..to)
            };
        }
    }
    if let Some(before) = before {
        let from = before.window_end();
        if from < window.len() && window[from].sentence == window[from - 1].sentence {
            let end = sentence_range(window, from).end.min(from + length);
            return Counterpart::Beside(from..end);
        }
    }
    if let Some(after) = after {
        let to = after.window_start;
        if to > 0 && window[to - 1].sentence == window[to].sentence {
            let start = sentence_range(window, to - 1)
                .start
                .max(to.saturating_sub(length));
            return Counterpart::Beside(start..to);
        }
    }
    Counterpart::Unanchored
}

/// Aligns a claim to a window.
pub fn align(claim: &[AlignToken], window: &[AlignToken]) -> Alignment {
    let tiles = tiles_of(claim, window);
    let mut tiled = vec![false; claim.len()];
    for tile in &tiles {
        tiled[tile.claim_start..tile.claim_end()].fill(true);
    }
    let loose: Vec<bool> = claim
        .iter()
        .zip(&tiled)
        .map(|(token, in_tile)| !in_tile && window.iter().any(|w| same_word_alone(token, w)))
        .collect();

    let mut segments = Vec::new();
    let mut position = 0;
    while position < claim.len() {
        if tiled[position] {
            position += 1;
            continue;
        }
        let start = position;
        while position < claim.len() && !tiled[position] {
            position += 1;
        }
        let before = tiles.iter().find(|tile| tile.claim_end() == start);
        let after = tiles.iter().find(|tile| tile.claim_start == position);
        segments.push(Segment {
            claim: start..position,
            counterpart: counterpart_of(window, before, after, position - start),
        });
    }

    let dropped = tiles
        .windows(2)
        .filter(|pair| pair[0].claim_end() == pair[1].claim_start)
        .filter(|pair| {
            pair[1].window_start > pair[0].window_end()
                && pair[1].window_start - pair[0].window_end() <= MAX_DROPPED
        })
        .map(|pair| Dropped {
            claim_position: pair[1].claim_start,
            window: pair[0].window_end()..pair[1].window_start,
        })
        .collect();

    Alignment {
        tiles,
        segments,
        dropped,
        tiled,
        loose,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_of(sentences: &[&str]) -> Vec<AlignToken> {
        sentences
            .iter()
            .enumerate()
            .flat_map(|(index, sentence)| align_tokens(sentence, index))
            .collect()
    }

    /// Reading a text for its keys alone gives the keys of its tokens:
    /// joined digits, number words, ordinals and spelling variants alike.
    #[test]
    fn key_hashes_are_the_keys_of_the_tokens() {
        let hash = |key: &str| crate::hashing::fixed_hash(&[key.as_bytes()]);
        let texts = [
            "Hải Hà giảm 1.654 biên chế, còn 1,5 nghìn người.",
            "Hai xã sáp nhập vào thứ bảy; Ba Đình có ba phường.",
            "Ba xã mới, hai.5 điểm và 3.4.5 ngàn kỹ sư",
            "Thứ Ba, thứ hai mươi, mười hai tháng",
            "Two of the ten districts, Seven Oaks, 2,500 people.",
            "",
            "12",
        ];
        for text in texts {
            let from_tokens: Vec<u64> =
                align_tokens(text, 0).iter().map(|t| hash(&t.key)).collect();
            assert_eq!(align_key_hashes(text, hash), from_tokens, "{text}");
        }
    }

    fn words(tokens: &[AlignToken], range: Range<usize>) -> String {
        tokens[range]
            .iter()
            .map(|t| t.lower.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// (claim, window, the segments as claim words, each with its
    /// counterpart: "+" inserted, "=words" replaced, "~words" beside, "?").
    type SegmentCase<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

    #[test]
    fn segments_and_their_counterparts() {
        let cases: &[SegmentCase] = &[
            (
                "Đội tuyển UAE mới thua 2 trận",
                "Đội tuyển UAE mới thắng 2 trận",
                &[("thua", "=thắng")],
            ),
            (
                "Thành phố giảm 3 trường học",
                "Thành phố giảm 3 trường học",
                &[],
            ),
            (
                "Thành phố giảm 3 trường học do thiếu giáo viên",
                "Thành phố giảm 3 trường học trong năm nay.",
                &[("do thiếu giáo viên", "~trong năm nay")],
            ),
            (
                "Công ty không cần tuyển thêm nhân viên",
                "Công ty cần tuyển thêm nhân viên",
                &[("không", "+")],
            ),
            (
                "Bệnh viện đã tiếp nhận 30 ca",
                "Bệnh viện tiếp nhận 30 ca",
                &[("đã", "+")],
            ),
            (
                "Lượng khách quốc tế rất lớn",
                "Hoàn toàn khác",
                &[("lượng khách quốc tế rất lớn", "?")],
            ),
        ];
        for (claim, window, expected) in cases {
            let claim_tokens = align_tokens(claim, 0);
            let window_tokens = window_of(&[window]);
            let alignment = align(&claim_tokens, &window_tokens);
            let found: Vec<(String, String)> = alignment
                .segments
                .iter()
                .map(|segment| {
                    let counterpart = match &segment.counterpart {
                        Counterpart::Inserted => "+".to_string(),
                        Counterpart::Replaced(range) => {
                            format!("={}", words(&window_tokens, range.clone()))
                        }
                        Counterpart::Beside(range) => {
                            format!("~{}", words(&window_tokens, range.clone()))
                        }
                        Counterpart::Unanchored => "?".to_string(),
                    };
                    (words(&claim_tokens, segment.claim.clone()), counterpart)
                })
                .collect();
            let expected: Vec<(String, String)> = expected
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            assert_eq!(found, expected, "{claim:?} against {window:?}");
        }
    }

    #[test]
    fn dropped_negation_is_seen_between_adjacent_tiles() {
        let claim = align_tokens("Công ty cần tuyển thêm nhân viên", 0);
        let window = window_of(&["Công ty không cần tuyển thêm nhân viên"]);
        let alignment = align(&claim, &window);
        assert!(alignment.segments.is_empty());
        assert_eq!(alignment.dropped.len(), 1);
        assert_eq!(words(&window, alignment.dropped[0].window.clone()), "không");
    }

    #[test]
    fn diacritics_and_typos_still_tile() {
        let claim = align_tokens("ý kiến của tri thức", 0);
        let window = window_of(&["ý kiến của trí thức"]);
        assert!(align(&claim, &window).tiled.iter().all(|t| *t));
        let claim = align_tokens("thủ đô Lodon nước Anh", 0);
        let window = window_of(&["thủ đô London nước Anh"]);
        assert!(align(&claim, &window).tiled.iter().all(|t| *t));
    }

    /// (claim word, window word, found alone): a word outside a run needs
    /// its diacritics, a spelling variant, or a claim typed without them.
    #[test]
    fn a_word_alone_is_found_only_with_its_diacritics() {
        let cases = [
            ("cửa", "của", false),
            ("Nhật", "nhất", false),
            ("tăng", "tặng", false),
            ("kỹ", "kĩ", true),
            ("nhat", "nhất", true),
            ("London", "london", true),
            ("Lodon", "London", true),
            ("nghiên", "nghiên", true),
        ];
        for (claim, window, expected) in cases {
            let claim_token = &align_tokens(claim, 0)[0];
            let window_token = &align_tokens(window, 0)[0];
            assert_eq!(
                same_word_alone(claim_token, window_token),
                expected,
                "{claim} against {window}"
            );
        }
    }

    #[test]
    fn tiles_do_not_cross_sentences_twice_and_words_are_used_once() {
        let claim = align_tokens("giảm 3 trường học giảm 3 trường học", 0);
        let window = window_of(&["giảm 3 trường học"]);
        let alignment = align(&claim, &window);
        assert_eq!(alignment.tiles.len(), 1);
        assert_eq!(alignment.segments.len(), 1);
        assert!(alignment.loose[4..].iter().all(|l| *l));
    }
}
