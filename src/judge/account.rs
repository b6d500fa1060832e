//! Claim accounting: every part of the claim against one evidence window.
//! Pure.
//!
//! The claim's words are aligned to the window (`align`); each tile is a
//! part the window states, each segment between tiles a part that is
//! either stated in other words (all its content words are elsewhere in the
//! window, or it holds only function words), contradicted (its slot in the
//! window holds another figure, an opposite word, another name, another
//! scale word, or a negation the other side lacks), or not found. The
//! figure engine stays the authority on figures: a claim figure it finds
//! agreeing is stated, one it finds disagreeing in an aligned slot is
//! contradicted.
//!
//! The accounting also measures what the decision reads ([`Features`]):
//! coverage, the longest part not found (and whether it ends the claim or
//! opens with a conjunction), words and figures absent from the whole
//! document, and every position-aware change signal.

use super::align::{align, AlignToken, Alignment, Counterpart, Tile};
use super::figures::{holds_words, ClaimAnalysis, Judgement, SAME_THING_ALIGNMENT};
use super::lexicon::{
    ends_compound_with_pho, equivalent_phrases, initials_spell, is_deputy_marker, is_family_name,
    is_negator, is_place_word, is_scale_word, negates_at, opens_clause, opposite_pair,
    quantifiers_added,
};
use super::window::Window;
use crate::model::PartStatus;
use crate::quantity::Outcome;

/// Where a part lines up in the evidence: a sentence of the window and a
/// byte span of that sentence's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartSource {
    /// Position of the sentence in its document.
    pub sentence_position: usize,
    pub start: usize,
    pub end: usize,
}

/// One part of the claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub text: String,
    /// Byte span in the claim.
    pub start: usize,
    pub end: usize,
    pub status: PartStatus,
    pub source: Option<PartSource>,
    /// Why, when the part is not plainly stated: what the source says in
    /// its place, or that it says nothing of it.
    pub note: String,
}

/// One change the claim makes to what the window says, in an aligned slot.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Another number between the same words.
    Figure {
        claim: String,
        source: String,
    },
    Opposite {
        claim: String,
        source: String,
    },
    /// Another name in the same slot.
    Name {
        claim: String,
        source: String,
    },
    Scale {
        claim: String,
        source: String,
    },
    /// The claim negates what the source states.
    NegationAdded {
        claim: String,
    },
    /// The source negates what the claim states.
    NegationRemoved {
        source: String,
    },
    /// The claim's name stands where the source has another one, and the
    /// source names it elsewhere: two names swapped between their slots.
    SwappedName {
        claim: String,
        source: String,
    },
    /// The claim names a person the window never names, while the window
    /// names a person the claim never names: another person in the role,
    /// wherever the rewritten sentence puts it.
    Person {
        claim: String,
        source: String,
    },
}

/// Names of the decision's features, in the order of [`Features::values`].
pub const FEATURE_NAMES: [&str; FEATURE_COUNT] = [
    "tiled_content",
    "loose_content",
    "document_only_content",
    "absent_content",
    "absent_content_count",
    "longest_gap",
    "longest_gap_share",
    "tail_gap",
    "opener_gap",
    "gap_segments",
    "inserted_content",
    "replaced_segments",
    "figure_slot_changes",
    "opposites",
    "negation_added",
    "negation_removed",
    "name_swaps",
    "scale_changes",
    "diacritic_changes",
    "numbers_missing_window",
    "numbers_missing_document",
    "names_missing_window",
    "names_absent_document",
    "has_figures",
    "figures_agree",
    "figure_mismatch_aligned",
    "figures_not_found",
    "rules_support",
    "rules_refute",
    "extra_sentences",
    "retrieval_score",
    "document_margin",
    "claim_length",
    "bigram_share",
    "names_unbound",
    "beside_changes",
    "names_crossed",
    "persons_swapped",
    "quantifiers_added",
    "gap_negations",
    "gap_names",
    "acronyms_absent",
];
pub const FEATURE_COUNT: usize = 42;

/// The measurements the decision reads, each documented by its name in
/// [`FEATURE_NAMES`]; counts are `ln(1 + n)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features {
    pub values: [f64; FEATURE_COUNT],
}

impl Features {
    pub fn get(&self, name: &str) -> f64 {
        FEATURE_NAMES
            .iter()
            .position(|n| *n == name)
            .map_or(0.0, |index| self.values[index])
    }
}

/// The accounting of a claim against one window.
#[derive(Debug, Clone)]
pub struct Accounting<'a> {
    pub window: Window<'a>,
    pub parts: Vec<Part>,
    pub changes: Vec<Change>,
    pub features: Features,
    /// How much of the claim the window states: the window choice.
    pub score: f64,
    /// The claim's names (of two words or more) the window's document
    /// never mentions, as the claim writes them.
    pub absent_names: Vec<String>,
}

/// What the accounting needs besides the claim and the window.
pub struct Context<'j> {
    /// The figure engine's judgement of the window's anchor sentence.
    pub figures: &'j Judgement,
    /// The rule decision rests on this window's document: supported,
    /// refuted.
    pub rules: (bool, bool),
    pub retrieval_score: f64,
    /// Best cheap coverage of a window of another document.
    pub elsewhere: f64,
}

fn words_of(tokens: &[AlignToken], range: std::ops::Range<usize>) -> Vec<&str> {
    tokens[range].iter().map(|t| t.lower.as_str()).collect()
}

/// Words a negation may stand before the word it negates ("không được
/// đạt", "chưa từng có").
const NEGATION_REACH: usize = 2;

/// The negation standing within `NEGATION_REACH` words before `position`,
/// in the same sentence: its position, and the words from it up to
/// `position`.
fn negation_before(tokens: &[AlignToken], position: usize) -> Option<(usize, String)> {
    let sentence = tokens.get(position)?.sentence;
    let first = (position.saturating_sub(NEGATION_REACH)..position)
        .find(|i| tokens[*i].sentence == sentence)?;
    let words = words_of(
        tokens,
        first.saturating_sub(1)..(position + 1).min(tokens.len()),
    );
    let offset = first - first.saturating_sub(1);
    (0..position - first)
        .find(|i| negates_at(&words, offset + i))
        .map(|i| (first + i, joined(tokens, first + i..position)))
}

/// The position of a deputy marker ("Phó", "deputy", "vice") right
/// before `position` in the same sentence, outside any tile, when what
/// follows it is a title (capitalised on either word) and the marker is not
/// the end of another word ("đối phó", "giao phó").
fn deputy_before(tokens: &[AlignToken], position: usize, tiled: &[bool]) -> Option<usize> {
    let at = position.checked_sub(1)?;
    let marker = &tokens[at];
    let title = tokens.get(position)?;
    let compound = at.checked_sub(1).is_some_and(|before| {
        tokens[before].sentence == marker.sentence && ends_compound_with_pho(&tokens[before].lower)
    });
    (is_deputy_marker(&marker.lower)
        && marker.sentence == title.sentence
        && !tiled[at]
        && (marker.capitalized || title.capitalized)
        && !compound)
        .then_some(at)
}

/// Window positions inside a tile.
fn tiled_window_positions(tiles: &[Tile], len: usize) -> Vec<bool> {
    let mut tiled = vec![false; len];
    for tile in tiles {
        tiled[tile.window_start..tile.window_end()].fill(true);
    }
    tiled
}

/// Marks the part holding claim byte `at` contradicted, with `note`.
fn contradict_part_at(parts: &mut [Part], at: usize, note: String) {
    if let Some(part) = parts.iter_mut().find(|p| p.start <= at && at < p.end) {
        part.status = PartStatus::Contradicted;
        part.note = note;
    }
}

fn joined(tokens: &[AlignToken], range: std::ops::Range<usize>) -> String {
    words_of(tokens, range).join(" ")
}

/// Window score credit for a window whose figures agree with the claim's.
const FIGURE_AGREEMENT_CREDIT: f64 = 0.25;

/// Longest slot (in words, either side) a figure, name or scale word
/// substitution is read in.
const MAX_FIGURE_SLOT: usize = 4;
/// Longest slot an opposite word or a negation is read in.
const MAX_WORD_SLOT: usize = 3;
/// Longest window side of a slot a name substitution is read in when the
/// claim's side is a short slot: a name is often given with its title or
/// kind on one side only ("tại Bắc Kinh" where the source says "tại thủ
/// đô Moscow - Nga").
const MAX_NAME_COUNTERPART: usize = 6;

fn ln1p(count: usize) -> f64 {
    (count as f64).ln_1p()
}

/// The changes a claim segment makes against its counterpart in the
/// window.
fn changes_between(
    claim: &[AlignToken],
    segment: std::ops::Range<usize>,
    window: &[AlignToken],
    counterpart: std::ops::Range<usize>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let claim_words = words_of(claim, segment.clone());
    let source_words = words_of(window, counterpart.clone());
    let claim_text = claim_words.join(" ");
    let source_text = source_words.join(" ");
    let numbers = |tokens: &[AlignToken]| -> Vec<String> {
        tokens
            .iter()
            .filter(|t| t.numeric)
            .map(|t| t.key.clone())
            .collect()
    };
    let (claim_numbers, source_numbers) = (
        numbers(&claim[segment.clone()]),
        numbers(&window[counterpart.clone()]),
    );
    // A slot holds one figure, word or name: longer runs on either side are
    // rewritten passages, not substitutions.
    let short = |limit: usize| segment.len() <= limit && counterpart.len() <= limit;
    if short(MAX_FIGURE_SLOT)
        && !claim_numbers.is_empty()
        && !source_numbers.is_empty()
        && claim_numbers != source_numbers
    {
        changes.push(Change::Figure {
            claim: claim_text.clone(),
            source: source_text.clone(),
        });
    }
    let opposite = if short(MAX_WORD_SLOT) {
        opposite_pair(&claim_words, &source_words)
    } else {
        None
    };
    if let Some((claim_word, source_word)) = opposite {
        changes.push(Change::Opposite {
            claim: claim_word.to_string(),
            source: source_word.to_string(),
        });
    }
    let claim_negated = claim_words.iter().any(|w| is_negator(w));
    let source_negated = source_words.iter().any(|w| is_negator(w));
    if !short(MAX_WORD_SLOT) {
    } else if claim_negated && !source_negated {
        changes.push(Change::NegationAdded {
            claim: claim_text.clone(),
        });
    } else if source_negated && !claim_negated {
        changes.push(Change::NegationRemoved {
            source: source_text.clone(),
        });
    }
    let names = |tokens: &[AlignToken]| -> Vec<String> {
        tokens
            .iter()
            .filter(|t| is_name_word(t))
            .map(|t| t.key.clone())
            .collect()
    };
    let (claim_names, source_names) = (
        names(&claim[segment.clone()]),
        names(&window[counterpart.clone()]),
    );
    let name_slot = segment.len() <= MAX_FIGURE_SLOT && counterpart.len() <= MAX_NAME_COUNTERPART;
    if name_slot
        && !claim_names.is_empty()
        && !source_names.is_empty()
        && claim_names.iter().all(|n| !source_names.contains(n))
        && !abbreviates(&claim_names, &window[counterpart.clone()])
        && !abbreviates(&source_names, &claim[segment.clone()])
    {
        changes.push(Change::Name {
            claim: claim_text.clone(),
            source: source_text.clone(),
        });
    }
    if !short(MAX_FIGURE_SLOT) {
        let named = changes.iter().any(|c| matches!(c, Change::Name { .. }));
        changes.extend(
            boundary_changes(claim, segment.clone(), window, counterpart.clone())
                .into_iter()
                .filter(|c| !(named && matches!(c, Change::Name { .. }))),
        );
    }
    let scales = |words: &[&str]| -> Vec<String> {
        words
            .iter()
            .filter(|w| is_scale_word(w))
            .map(|w| super::lexicon::canonical_key(crate::text::fold(w).into()))
            .collect()
    };
    let (claim_scales, source_scales) = (scales(&claim_words), scales(&source_words));
    if short(MAX_FIGURE_SLOT)
        && !claim_scales.is_empty()
        && !source_scales.is_empty()
        && claim_scales != source_scales
    {
        changes.push(Change::Scale {
            claim: claim_text,
            source: source_text,
        });
    }
    changes
}

/// True when one of `names` (word keys) is written as the initials of
/// consecutive `words`: one side abbreviates what the other writes in
/// full ("TP.HCM" and "Thành phố Hồ Chí Minh" name one city).
fn abbreviates(names: &[String], words: &[AlignToken]) -> bool {
    let keys: Vec<&str> = words.iter().map(|t| t.key.as_str()).collect();
    names
        .iter()
        .any(|name| name.chars().count() >= 2 && initials_spell(name, &keys))
}

/// The run of tokens satisfying `keep` at the start (or, `from_end`, at
/// the end) of `range`.
fn run_at(
    tokens: &[AlignToken],
    range: std::ops::Range<usize>,
    from_end: bool,
    keep: fn(&AlignToken) -> bool,
) -> std::ops::Range<usize> {
    if from_end {
        let start = range
            .clone()
            .rev()
            .take_while(|p| keep(&tokens[*p]))
            .last()
            .unwrap_or(range.end);
        start..range.end
    } else {
        let end = range
            .clone()
            .take_while(|p| keep(&tokens[*p]))
            .last()
            .map_or(range.start, |p| p + 1);
        range.start..end
    }
}

fn is_name_word(token: &AlignToken) -> bool {
    token.capitalized && !token.numeric
}

fn is_number_word(token: &AlignToken) -> bool {
    token.numeric
}

/// Words at the anchored edge of a one-sided slot compared for opposites:
/// as many as the longest side of an opposite pair.
const ANCHORED_EDGE: usize = 2;

/// An opposite pair between the words right against the tile that anchors
/// a one-sided slot, on the claim's side and the window's ("Trước đại
/// dịch" at the claim's start where the window says "…, sau đại dịch").
fn anchored_opposite(
    tiles: &[Tile],
    claim: &[AlignToken],
    segment: std::ops::Range<usize>,
    window: &[AlignToken],
    counterpart: std::ops::Range<usize>,
) -> Option<Change> {
    let anchored_before = tiles
        .iter()
        .any(|t| t.claim_end() == segment.start && t.window_end() == counterpart.start);
    let anchored_after = tiles
        .iter()
        .any(|t| t.claim_start == segment.end && t.window_start == counterpart.end);
    [(anchored_before, false), (anchored_after, true)]
        .into_iter()
        .filter(|(anchored, _)| *anchored)
        .find_map(|(_, at_end)| {
            edge_opposite(
                claim,
                segment.clone(),
                window,
                counterpart.clone(),
                ANCHORED_EDGE,
                at_end,
            )
        })
}

/// An opposite pair between the first (or, `at_end`, the last) `width`
/// words of a claim segment and of its counterpart in the window.
fn edge_opposite(
    claim: &[AlignToken],
    segment: std::ops::Range<usize>,
    window: &[AlignToken],
    counterpart: std::ops::Range<usize>,
    width: usize,
    at_end: bool,
) -> Option<Change> {
    let edge = |range: std::ops::Range<usize>| {
        if at_end {
            range.end.saturating_sub(width).max(range.start)..range.end
        } else {
            range.start..(range.start + width).min(range.end)
        }
    };
    opposite_pair(
        &words_of(claim, edge(segment)),
        &words_of(window, edge(counterpart)),
    )
    .map(|(claim_word, source_word)| Change::Opposite {
        claim: claim_word.to_string(),
        source: source_word.to_string(),
    })
}

/// A count of a whole in the window: the same number on both sides of a
/// slash ("21/21 xã, phường"), which states "all of them" in figures.
fn counts_whole(window: &Window, tokens: &[AlignToken]) -> bool {
    tokens.windows(2).any(|pair| {
        let (first, second) = (&pair[0], &pair[1]);
        let text = &window.document.sentences[window.position(first.sentence)]
            .record
            .text;
        first.numeric
            && second.numeric
            && first.sentence == second.sentence
            && first.key == second.key
            && text.get(first.end..second.start) == Some("/")
    })
}

/// Least letters of an abbreviation read as the initials of words (two
/// letters start too many pairs of words by chance).
const MIN_ABBREVIATION: usize = 3;
/// Most letters of an abbreviation read as the initials of words.
const MAX_ABBREVIATION: usize = 6;

/// A claim word written in capitals whose letters are the initials of
/// consecutive window words: the window states it in full ("HĐND" for
/// "Hội đồng nhân dân", "BHXH" for "bảo hiểm xã hội"), as Vietnamese and
/// English abbreviations are formed.
fn spelled_out(claim: &ClaimAnalysis, token: &AlignToken, window: &[AlignToken]) -> bool {
    written_in_capitals(claim, token, MIN_ABBREVIATION)
        && (MIN_ABBREVIATION..=MAX_ABBREVIATION).contains(&token.key.chars().count())
        && abbreviates(std::slice::from_ref(&token.key), window)
}

/// A claim word of at least `letters` letters (at most
/// [`MAX_ABBREVIATION`]), written in capitals: an abbreviation.
fn written_in_capitals(claim: &ClaimAnalysis, token: &AlignToken, letters: usize) -> bool {
    let written = &claim.text[token.start..token.end];
    !token.numeric
        && (letters..=MAX_ABBREVIATION).contains(&written.chars().count())
        && written.chars().all(char::is_uppercase)
}

/// Substitutions at the edge of a long slot: the words right after (or
/// right before) a matched run are a name on both sides, or a number on
/// both sides, and differ, or hold the two sides of an opposite pair
/// ("Trước đại dịch" where the source says "…, sau đại dịch"). The matched
/// run anchors the slot however long the rest of the rewritten passage
/// is.
fn boundary_changes(
    claim: &[AlignToken],
    segment: std::ops::Range<usize>,
    window: &[AlignToken],
    counterpart: std::ops::Range<usize>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let keys = |tokens: &[AlignToken], range: std::ops::Range<usize>| -> Vec<String> {
        tokens[range].iter().map(|t| t.key.clone()).collect()
    };
    for from_end in [false, true] {
        let claim_name = run_at(claim, segment.clone(), from_end, is_name_word);
        let source_name = run_at(window, counterpart.clone(), from_end, is_name_word);
        if !claim_name.is_empty() && !source_name.is_empty() {
            let source_keys = keys(window, source_name.clone());
            let claim_keys = keys(claim, claim_name.clone());
            if claim_keys.iter().all(|k| !source_keys.contains(k))
                && !abbreviates(&claim_keys, &window[counterpart.clone()])
                && !abbreviates(&source_keys, &claim[segment.clone()])
            {
                changes.push(Change::Name {
                    claim: joined(claim, claim_name),
                    source: joined(window, source_name),
                });
            }
        }
        changes.extend(edge_opposite(
            claim,
            segment.clone(),
            window,
            counterpart.clone(),
            MAX_WORD_SLOT,
            from_end,
        ));
        let claim_number = run_at(claim, segment.clone(), from_end, is_number_word);
        let source_number = run_at(window, counterpart.clone(), from_end, is_number_word);
        if !claim_number.is_empty()
            && !source_number.is_empty()
            && keys(claim, claim_number.clone()) != keys(window, source_number.clone())
        {
            changes.push(Change::Figure {
                claim: joined(claim, claim_number),
                source: joined(window, source_number),
            });
        }
    }
    changes
}

/// Per claim word inside a claim figure the figure engine checked: whether
/// the figure agrees with the source (`Some(true)`), disagrees with the
/// source figure aligned to it (`Some(false)`), or neither.
fn figure_outcomes(claim: &ClaimAnalysis, figures: &Judgement) -> Vec<Option<bool>> {
    let mut outcome = vec![None; claim.align.len()];
    for (check, alignment) in figures.checks.iter().zip(&figures.alignment) {
        let agrees = match check.outcome {
            Some(result) if result.agrees() => Some(true),
            Some(Outcome::Mismatch) if *alignment >= SAME_THING_ALIGNMENT => Some(false),
            _ => None,
        };
        let quantity = &check.claim_quantity;
        for (position, token) in claim.align.iter().enumerate() {
            if token.start >= quantity.start && token.end <= quantity.end {
                outcome[position] = agrees.or(outcome[position]);
            }
        }
    }
    outcome
}

/// True when a claim name is what the document is about: its title, lead
/// or repeated names hold it.
fn names_subject(entity: &crate::context::Entity, document: &crate::model::DocumentRecord) -> bool {
    let name = entity.folded.as_str();
    holds_words(&document.context.title_folded, name)
        || document
            .context
            .entities
            .iter()
            .any(|known| holds_words(known, name) || holds_words(name, known))
}

/// Per claim word: part of a name the window's document is about (the
/// subject a sentence of it speaks of without naming it again).
fn subject_positions(claim: &ClaimAnalysis, window: &Window) -> Vec<bool> {
    let mut subject = vec![false; claim.align.len()];
    for entity in &claim.entities {
        if !names_subject(entity, &window.document.record) {
            continue;
        }
        let keys: Vec<String> = entity
            .folded
            .split(' ')
            .map(|word| super::lexicon::canonical_key(word.into()))
            .collect();
        for start in 0..claim.align.len().saturating_sub(keys.len() - 1) {
            let matches = keys
                .iter()
                .enumerate()
                .all(|(offset, key)| claim.align[start + offset].key == *key);
            if matches {
                subject[start..start + keys.len()].fill(true);
            }
        }
    }
    subject
}

/// The byte span in its sentence of window tokens `range` (clipped to the
/// sentence of the first one).
fn source_of(
    window: &Window,
    tokens: &[AlignToken],
    range: std::ops::Range<usize>,
) -> Option<PartSource> {
    let first = tokens.get(range.start)?;
    let last = tokens[range.clone()]
        .iter()
        .rev()
        .find(|t| t.sentence == first.sentence)?;
    Some(PartSource {
        sentence_position: window.position(first.sentence),
        start: first.start,
        end: last.end,
    })
}

/// Tiles (by index) that name someone or somewhere taken from elsewhere in
/// the window while the tiles on either side of them stand around another
/// name there, with that other name's window range: two names swapped
/// between their slots leave every word tiled.
fn crossed_names(
    tiles: &[Tile],
    claim: &[AlignToken],
    window: &[AlignToken],
) -> Vec<(usize, std::ops::Range<usize>)> {
    let is_name = |t: &AlignToken| t.capitalized && !t.numeric;
    (1..tiles.len().saturating_sub(1))
        .filter_map(|index| {
            let (before, tile, after) = (&tiles[index - 1], &tiles[index], &tiles[index + 1]);
            let slot = before.window_end()..after.window_start;
            let claim_name = &claim[tile.claim_start..tile.claim_end()];
            let crossed = tile.len <= MAX_FIGURE_SLOT
                && (1..=MAX_FIGURE_SLOT).contains(&slot.len())
                && !(slot.start <= tile.window_start && tile.window_end() <= slot.end)
                && claim_name.iter().all(is_name)
                && window[slot.clone()].iter().all(is_name)
                && !window[slot.clone()]
                    .iter()
                    .map(|t| &t.key)
                    .eq(claim_name.iter().map(|t| &t.key));
            crossed.then_some((index, slot))
        })
        .collect()
}

/// Longest person name read, in words: a family name and up to three
/// given names.
const MAX_PERSON_NAME: usize = 4;

/// Person names among `tokens`: a capitalised family name followed, one
/// space apart in the same sentence, by one to three more capitalised
/// words ("Nguyễn Quốc Hiệp"), unless a place word stands before it ("TP
/// Hồ Chí Minh").
fn person_names(tokens: &[AlignToken]) -> Vec<std::ops::Range<usize>> {
    let mut names = Vec::new();
    let mut start = 0;
    while start < tokens.len() {
        let opens = is_name_word(&tokens[start])
            && is_family_name(&tokens[start].lower)
            && (start == 0 || !is_place_word(&tokens[start - 1].lower));
        if !opens {
            start += 1;
            continue;
        }
        let mut end = start + 1;
        while end < tokens.len()
            && end - start < MAX_PERSON_NAME
            && is_name_word(&tokens[end])
            && tokens[end].sentence == tokens[end - 1].sentence
            && tokens[end].start == tokens[end - 1].end + 1
        {
            end += 1;
        }
        if end - start >= 2 {
            names.push(start..end);
        }
        start = end;
    }
    names
}

/// True when `tokens` hold the words of `run` in a row (by key).
fn holds_run(tokens: &[AlignToken], run: &[AlignToken]) -> bool {
    tokens
        .windows(run.len())
        .any(|window| window.iter().zip(run).all(|(a, b)| a.key == b.key))
}

/// The first claim person the window never names and the first window
/// person the claim never names, when there are both (claim range, window
/// range).
fn person_swap(
    claim: &[AlignToken],
    window: &[AlignToken],
) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let unnamed_in =
        |names: Vec<std::ops::Range<usize>>, from: &[AlignToken], other: &[AlignToken]| {
            names
                .into_iter()
                .find(|range| !holds_run(other, &from[range.clone()]))
        };
    let claim_person = unnamed_in(person_names(claim), claim, window)?;
    let window_person = unnamed_in(person_names(window), window, claim)?;
    Some((claim_person, window_person))
}

/// Accounts for a claim against a window.
pub fn account<'a>(claim: &ClaimAnalysis, window: Window<'a>, context: &Context) -> Accounting<'a> {
    let tokens = window.tokens();
    let claim_tokens = &claim.align;
    let alignment: Alignment = align(claim_tokens, &tokens);
    let figure_outcome = figure_outcomes(claim, context.figures);
    let subject = subject_positions(claim, &window);
    let whole = window.document.whole();

    let mut parts: Vec<Part> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    let claim_span = |range: std::ops::Range<usize>| -> (usize, usize, String) {
        let start = claim_tokens[range.start].start;
        let end = claim_tokens[range.end - 1].end;
        (start, end, claim.text[start..end].to_string())
    };

    // Tiles, and the words the source holds between two of them.
    let mut negation_dropped_before: Vec<(usize, String)> = Vec::new();
    for dropped in &alignment.dropped {
        let words = words_of(&tokens, dropped.window.clone());
        if words.iter().any(|w| is_negator(w)) {
            let source = words.join(" ");
            changes.push(Change::NegationRemoved {
                source: source.clone(),
            });
            negation_dropped_before.push((dropped.claim_position, source));
        }
    }
    // Window words a slot or a drop already reads a negation in.
    let read_in_slots: Vec<std::ops::Range<usize>> = alignment
        .segments
        .iter()
        .filter_map(|segment| match &segment.counterpart {
            Counterpart::Replaced(range) => Some(range.clone()),
            _ => None,
        })
        .chain(
            alignment
                .dropped
                .iter()
                .map(|dropped| dropped.window.clone()),
        )
        .collect();
    // A tile the source negates right before it, while the claim states
    // it plainly: "không đạt được thỏa thuận" restated as "đã đạt được
    // thỏa thuận", wherever the two sides put it.
    for tile in &alignment.tiles {
        if let Some((_, source)) = negation_before(&tokens, tile.window_start)
            .filter(|(at, _)| !read_in_slots.iter().any(|range| range.contains(at)))
            .filter(|_| negation_before(claim_tokens, tile.claim_start).is_none())
        {
            changes.push(Change::NegationRemoved {
                source: source.clone(),
            });
            negation_dropped_before.push((tile.claim_start, source));
        }
    }
    let crossed = crossed_names(&alignment.tiles, claim_tokens, &tokens);
    for (index, tile) in alignment.tiles.iter().enumerate() {
        let (start, end, text) = claim_span(tile.claim_start..tile.claim_end());
        if let Some((_, slot)) = crossed.iter().find(|(crossed, _)| *crossed == index) {
            let source = joined(&tokens, slot.clone());
            parts.push(Part {
                start,
                end,
                status: PartStatus::Contradicted,
                source: source_of(&window, &tokens, slot.clone()),
                note: format!("the source names \"{source}\" here, and \"{text}\" elsewhere"),
                text: text.clone(),
            });
            changes.push(Change::SwappedName {
                claim: text,
                source,
            });
            continue;
        }
        let negation = negation_dropped_before
            .iter()
            .find(|(position, _)| *position == tile.claim_start);
        parts.push(Part {
            text,
            start,
            end,
            status: if negation.is_some() {
                PartStatus::Contradicted
            } else {
                PartStatus::Supported
            },
            source: source_of(&window, &tokens, tile.window_start..tile.window_end()),
            note: negation
                .map(|(_, source)| format!("the source says \"{source}\" before it"))
                .unwrap_or_default(),
        });
    }

    // Segments.
    let mut longest_gap = 0usize;
    let mut tail_gap = 0usize;
    let mut opener_gap = 0usize;
    let mut gap_segments = 0usize;
    let mut inserted_content = 0usize;
    let mut replaced_segments = 0usize;
    let mut beside_changes = 0usize;
    let mut gap_negations = 0usize;
    let mut gap_names = 0usize;
    let mut negation_read_in: Vec<std::ops::Range<usize>> = Vec::new();
    for segment in &alignment.segments {
        let range = segment.claim.clone();
        let segment_tokens = &claim_tokens[range.clone()];
        let content: Vec<usize> = range
            .clone()
            .filter(|p| {
                claim_tokens[*p].is_content() && figure_outcome[*p] != Some(true) && !subject[*p]
            })
            .collect();
        let figures_agree = range
            .clone()
            .filter(|p| claim_tokens[*p].numeric)
            .all(|p| figure_outcome[p] == Some(true));
        let figure_disagrees = range.clone().any(|p| figure_outcome[p] == Some(false));
        let counterpart = match &segment.counterpart {
            Counterpart::Replaced(r) | Counterpart::Beside(r) => Some(r.clone()),
            _ => None,
        };
        let mut segment_changes = match (&segment.counterpart, &counterpart) {
            (Counterpart::Replaced(_), Some(r)) => {
                changes_between(claim_tokens, range.clone(), &tokens, r.clone())
            }
            (Counterpart::Beside(_), Some(r)) => {
                // One side only anchors the slot: a weaker sign, counted
                // apart and never a contradiction on its own, except an
                // opposite right against the anchoring words.
                let anchored_opposite = anchored_opposite(
                    &alignment.tiles,
                    claim_tokens,
                    range.clone(),
                    &tokens,
                    r.clone(),
                );
                beside_changes += changes_between(claim_tokens, range.clone(), &tokens, r.clone())
                    .iter()
                    .filter(|c| match c {
                        Change::Figure { .. } => !figures_agree,
                        Change::Opposite { .. } | Change::Scale { .. } => true,
                        _ => false,
                    })
                    .count();
                anchored_opposite.into_iter().collect()
            }
            (Counterpart::Inserted, _) => {
                let words = words_of(claim_tokens, range.clone());
                if words.iter().any(|w| is_negator(w)) {
                    vec![Change::NegationAdded {
                        claim: words.join(" "),
                    }]
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        // The figure engine is the authority on figures: an agreeing
        // figure is no slot change, a disagreeing one is.
        if figures_agree && range.clone().any(|p| claim_tokens[p].numeric) {
            segment_changes.retain(|c| !matches!(c, Change::Figure { .. }));
        }
        if figure_disagrees
            && !segment_changes
                .iter()
                .any(|c| matches!(c, Change::Figure { .. }))
        {
            if let Some(r) = &counterpart {
                segment_changes.push(Change::Figure {
                    claim: joined(claim_tokens, range.clone()),
                    source: joined(&tokens, r.clone()),
                });
            }
        }
        // A word of a class of equivalent phrases whose counterpart holds
        // another member ("vào" where the source says "hồi"), or an
        // abbreviation the counterpart spells out: within the slot, two
        // letters are initials by chance too rarely to matter ("TP" for
        // "Thành phố").
        let counterpart_tokens = counterpart.clone().map_or(&tokens[..0], |r| &tokens[r]);
        let said_otherwise = |p: usize| {
            let token = &claim_tokens[p];
            let word = [token.lower.as_str()];
            counterpart_tokens
                .iter()
                .any(|other| equivalent_phrases(&word, &[other.lower.as_str()]))
                || (written_in_capitals(claim, token, 2)
                    && abbreviates(std::slice::from_ref(&token.key), counterpart_tokens))
        };
        let all_loose = content.iter().all(|p| {
            alignment.loose[*p]
                || spelled_out(claim, &claim_tokens[*p], &tokens)
                || said_otherwise(*p)
        });
        let only_function_words = segment_tokens
            .iter()
            .all(|t| t.stop && !is_negator(&t.lower));
        // Read only when nothing contradicts the segment.
        let restated = || {
            counterpart.clone().is_some_and(|r| {
                equivalent_phrases(
                    &words_of(claim_tokens, range.clone()),
                    &words_of(&tokens, r),
                )
            })
        };
        let (status, note) = if !segment_changes.is_empty() {
            let source = counterpart
                .clone()
                .map(|r| joined(&tokens, r))
                .unwrap_or_default();
            (
                PartStatus::Contradicted,
                format!("the source says \"{source}\""),
            )
        } else if only_function_words
            || restated()
            || (content.is_empty() && figures_agree)
            || (!content.is_empty() && all_loose && figures_agree)
        {
            (PartStatus::Supported, "stated in other words".to_string())
        } else {
            (
                PartStatus::NotFound,
                "the source does not say this".to_string(),
            )
        };
        if status == PartStatus::NotFound {
            let size = content.len()
                + range
                    .clone()
                    .filter(|p| claim_tokens[*p].numeric)
                    .count()
                    .min(1);
            gap_segments += usize::from(size > 0);
            longest_gap = longest_gap.max(size);
            if range.end == claim_tokens.len() {
                tail_gap = size;
            }
            if opens_clause(&words_of(claim_tokens, range.clone())) {
                opener_gap = opener_gap.max(size);
            }
            let source_negated = counterpart
                .clone()
                .is_some_and(|r| tokens[r].iter().any(|t| is_negator(&t.lower)));
            gap_negations +=
                usize::from(!source_negated && segment_tokens.iter().any(|t| is_negator(&t.lower)));
            gap_names += range
                .clone()
                .filter(|p| *p > 0 && is_name_word(&claim_tokens[*p]))
                .count();
            match segment.counterpart {
                Counterpart::Inserted => inserted_content += content.len(),
                Counterpart::Replaced(_) => replaced_segments += usize::from(!content.is_empty()),
                _ => {}
            }
        }
        if segment_changes
            .iter()
            .any(|c| matches!(c, Change::NegationAdded { .. }))
        {
            negation_read_in.push(range.clone());
        }
        let (start, end, text) = claim_span(range.clone());
        parts.push(Part {
            text,
            start,
            end,
            status,
            source: counterpart.and_then(|r| source_of(&window, &tokens, r)),
            note,
        });
        changes.extend(segment_changes);
    }
    // The mirror of a negation dropped before a tile: the claim negates a
    // tile right before it ("sẽ không làm đầu mối") where the source
    // states it plainly ("sẽ làm đầu mối"), however long the rewritten
    // passage before it.
    for tile in &alignment.tiles {
        let Some((at, negation)) = negation_before(claim_tokens, tile.claim_start) else {
            continue;
        };
        if alignment.tiled[at]
            || negation_read_in.iter().any(|range| range.contains(&at))
            || negation_before(&tokens, tile.window_start).is_some()
        {
            continue;
        }
        let stated = joined(&tokens, tile.window_start..tile.window_end());
        contradict_part_at(
            &mut parts,
            claim_tokens[at].start,
            format!("the source says \"{stated}\" without \"{negation}\""),
        );
        changes.push(Change::NegationAdded { claim: negation });
    }
    // An office with "Phó" (deputy) on one side only, before a title both
    // state: another office ("Phó Chủ tịch" is not "Chủ tịch").
    let window_tiled = tiled_window_positions(&alignment.tiles, tokens.len());
    for tile in &alignment.tiles {
        let claim_rank = deputy_before(claim_tokens, tile.claim_start, &alignment.tiled);
        let source_rank = deputy_before(&tokens, tile.window_start, &window_tiled);
        if claim_rank == source_rank {
            continue;
        }
        let title = joined(
            claim_tokens,
            tile.claim_start..tile.claim_end().min(tile.claim_start + 3),
        );
        let with_rank = |rank: Option<usize>, tokens: &[AlignToken]| match rank {
            Some(at) => format!("{} {title}", tokens[at].lower),
            None => title.clone(),
        };
        let (claim_office, source_office) = (
            with_rank(claim_rank, claim_tokens),
            with_rank(source_rank, &tokens),
        );
        // The claim's marker, or the title the source marks and the claim
        // does not.
        contradict_part_at(
            &mut parts,
            claim_tokens[claim_rank.unwrap_or(tile.claim_start)].start,
            format!("the source says \"{source_office}\""),
        );
        changes.push(Change::Opposite {
            claim: claim_office,
            source: source_office,
        });
    }
    // Another person in the role: the claim's name, not found, is
    // contradicted by the person the window names.
    let persons_swapped = person_swap(claim_tokens, &tokens);
    if let Some((claim_person, window_person)) = &persons_swapped {
        let (start, end, text) = claim_span(claim_person.clone());
        let source = joined(&tokens, window_person.clone());
        for part in parts
            .iter_mut()
            .filter(|p| p.status == PartStatus::NotFound && p.start < end && start < p.end)
        {
            part.status = PartStatus::Contradicted;
            part.source = source_of(&window, &tokens, window_person.clone());
            part.note = format!("the source names \"{source}\", not \"{text}\"");
        }
        changes.push(Change::Person {
            claim: text,
            source,
        });
    }
    parts.sort_by_key(|part| part.start);

    // Coverage of content words, in the window and beyond it.
    let content_positions: Vec<usize> = (0..claim_tokens.len())
        .filter(|p| claim_tokens[*p].is_content())
        .collect();
    let content_total = content_positions.len().max(1) as f64;
    let share = |filter: &dyn Fn(usize) -> bool| {
        content_positions.iter().filter(|p| filter(**p)).count() as f64 / content_total
    };
    let tiled_content =
        share(&|p| alignment.tiled[p] || figure_outcome[p] == Some(true) || subject[p]);
    let loose_content = share(&|p| alignment.loose[p]);
    let in_window = |p: usize| alignment.tiled[p] || alignment.loose[p];
    let document_only_content = share(&|p| !in_window(p) && whole.holds_key(&claim_tokens[p].key));
    let absent_count = content_positions
        .iter()
        .filter(|p| !whole.holds_key(&claim_tokens[**p].key))
        .count();

    // Numbers and names beyond the window.
    // A number the figure engine finds stated (derived or converted)
    // counts as present wherever its source figures are.
    let numbers: Vec<&AlignToken> = claim_tokens
        .iter()
        .enumerate()
        .filter(|(p, t)| t.numeric && figure_outcome[*p] != Some(true))
        .map(|(_, t)| t)
        .collect();
    let window_keys: std::collections::HashSet<&str> =
        tokens.iter().map(|t| t.key.as_str()).collect();
    let number_total = claim_tokens.iter().filter(|t| t.numeric).count();
    let number_share = |present: &dyn Fn(&str) -> bool| {
        if number_total == 0 {
            0.0
        } else {
            numbers.iter().filter(|t| !present(&t.key)).count() as f64 / number_total as f64
        }
    };
    let numbers_missing_window = number_share(&|key| window_keys.contains(key));
    let numbers_missing_document = number_share(&|key| whole.holds_key(key));
    let window_folded: String = {
        let mut folded = String::from(" ");
        for offset in 0..window.len {
            folded.push_str(
                window.document.sentences[window.position(offset)]
                    .folded()
                    .trim(),
            );
            folded.push(' ');
        }
        folded
    };
    let names: Vec<&crate::context::Entity> = claim
        .entities
        .iter()
        .filter(|e| e.folded.contains(' ') && !names_subject(e, &window.document.record))
        .collect();
    let names_missing_window = names
        .iter()
        .filter(|e| {
            !holds_words(window_folded.trim(), &e.folded)
                && holds_words(whole.folded.trim(), &e.folded)
        })
        .count();
    let absent_names: Vec<String> = names
        .iter()
        .filter(|e| !holds_words(whole.folded.trim(), &e.folded))
        .map(|e| e.text.clone())
        .collect();
    let names_absent_document = absent_names.len();
    // Abbreviated names (SVB, WHO, HĐND) the document never writes, as
    // written or spelled out.
    let acronyms_absent = claim_tokens
        .iter()
        .filter(|t| {
            written_in_capitals(claim, t, 2)
                && !whole.holds_key(&t.key)
                && !abbreviates(std::slice::from_ref(&t.key), &tokens)
        })
        .count();

    // Claim word pairs found as pairs in the window.
    let window_pairs: std::collections::HashSet<(&str, &str)> = tokens
        .windows(2)
        .map(|p| (p[0].key.as_str(), p[1].key.as_str()))
        .collect();
    let claim_pairs: Vec<&[AlignToken]> = claim_tokens
        .windows(2)
        .filter(|p| p[0].is_content() || p[1].is_content())
        .collect();
    let pairs = claim_pairs.len();
    let pairs_found = claim_pairs
        .iter()
        .filter(|p| window_pairs.contains(&(p[0].key.as_str(), p[1].key.as_str())))
        .count();
    let bigram_share = pairs_found as f64 / pairs.max(1) as f64;

    let diacritic_changes = alignment
        .tiles
        .iter()
        .flat_map(|tile| (0..tile.len).map(move |o| (tile.claim_start + o, tile.window_start + o)))
        .filter(|(c, w)| {
            let (claim_token, window_token) = (&claim_tokens[*c], &tokens[*w]);
            !claim_token.numeric && claim_token.lower != window_token.lower
        })
        .count();

    let count = |kind: fn(&Change) -> bool| changes.iter().filter(|c| kind(c)).count();
    let figure_slot_changes = count(|c| matches!(c, Change::Figure { .. }));
    let opposites = count(|c| matches!(c, Change::Opposite { .. }));
    let negation_added = count(|c| matches!(c, Change::NegationAdded { .. }));
    let negation_removed = count(|c| matches!(c, Change::NegationRemoved { .. }));
    let name_swaps = count(|c| matches!(c, Change::Name { .. }));
    let names_crossed = count(|c| matches!(c, Change::SwappedName { .. }));
    let scale_changes = count(|c| matches!(c, Change::Scale { .. }));

    let figures = context.figures;
    let checks = figures.checks.len();
    let check_share = |filter: &dyn Fn(&crate::model::QuantityCheck) -> bool| {
        if checks == 0 {
            0.0
        } else {
            figures.checks.iter().filter(|c| filter(c)).count() as f64 / checks as f64
        }
    };
    let figures_agree = check_share(&|c| c.outcome.is_some_and(Outcome::agrees));
    let figures_not_found = check_share(&|c| c.outcome.is_none());
    let figure_mismatch_aligned = f64::from(u8::from(figures.disagreement().is_some()));
    let content_count = content_positions.len();

    let values = [
        tiled_content,
        loose_content,
        document_only_content,
        absent_count as f64 / content_total,
        ln1p(absent_count),
        ln1p(longest_gap),
        longest_gap as f64 / content_total,
        ln1p(tail_gap),
        ln1p(opener_gap),
        ln1p(gap_segments),
        ln1p(inserted_content),
        ln1p(replaced_segments),
        ln1p(figure_slot_changes),
        ln1p(opposites),
        ln1p(negation_added),
        ln1p(negation_removed),
        ln1p(name_swaps),
        ln1p(scale_changes),
        ln1p(diacritic_changes),
        numbers_missing_window,
        numbers_missing_document,
        ln1p(names_missing_window),
        ln1p(names_absent_document),
        f64::from(u8::from(!claim.quantities.is_empty())),
        figures_agree,
        figure_mismatch_aligned,
        figures_not_found,
        f64::from(u8::from(context.rules.0)),
        f64::from(u8::from(context.rules.1)),
        (window.len - 1) as f64,
        context.retrieval_score,
        (window.coverage - context.elsewhere).max(-1.0),
        ln1p(content_count),
        bigram_share,
        f64::from(u8::from(!figures.missing_entities.is_empty())),
        ln1p(beside_changes),
        ln1p(names_crossed),
        f64::from(u8::from(persons_swapped.is_some())),
        ln1p(quantifiers_added(
            &words_of(claim_tokens, 0..claim_tokens.len()),
            &words_of(&tokens, 0..tokens.len()),
            counts_whole(&window, &tokens),
        )),
        ln1p(gap_negations),
        ln1p(gap_names),
        ln1p(acronyms_absent),
    ];
    let score = tiled_content
        + 0.5 * loose_content
        + 0.3 * bigram_share
        + FIGURE_AGREEMENT_CREDIT * figures_agree
        - super::window::EXTRA_SENTENCE_COST * (window.len - 1) as f64
        + 0.05 * context.retrieval_score;
    Accounting {
        window,
        parts,
        changes,
        features: Features { values },
        score,
        absent_names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::align::align_tokens;

    #[test]
    fn person_names_are_read_from_family_names_and_not_after_place_words() {
        let cases: &[(&str, &[&str])] = &[
            ("Ông Nguyễn Quốc Hiệp cho biết", &["nguyễn quốc hiệp"]),
            ("theo ông Phạm Xuân Hòe, Tổng thư ký", &["phạm xuân hòe"]),
            ("tại TP Hồ Chí Minh", &[]),
            ("Hồ Chí Minh, Hà Nội", &["hồ chí minh"]),
            ("Lê, Trần và Phạm", &[]),
            (
                "Bộ trưởng Lê Thành Long Nguyễn Văn A",
                &["lê thành long nguyễn"],
            ),
        ];
        for (text, expected) in cases {
            let tokens = align_tokens(text, 0);
            let names: Vec<String> = person_names(&tokens)
                .into_iter()
                .map(|range| words_of(&tokens, range).join(" "))
                .collect();
            assert_eq!(names, *expected, "{text:?}");
        }
    }

    #[test]
    fn a_person_swap_needs_a_person_on_each_side_the_other_never_names() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "Ông Trần Văn Minh cho biết",
                "người phát ngôn Nguyễn Thanh Bình cho biết",
                true,
            ),
            (
                "Ông Nguyễn Thanh Bình cho biết",
                "người phát ngôn Nguyễn Thanh Bình cho biết",
                false,
            ),
            (
                "Ông Trần Văn Minh cho biết",
                "người phát ngôn cho biết",
                false,
            ),
            ("Bộ Y tế cho biết", "ông Nguyễn Thanh Bình cho biết", false),
        ];
        for (claim, window, expected) in cases {
            let found = person_swap(&align_tokens(claim, 0), &align_tokens(window, 0));
            assert_eq!(found.is_some(), *expected, "{claim:?} / {window:?}");
        }
    }
}
