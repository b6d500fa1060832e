//! The figure engine's side of judging: the claim as read once, source
//! sentences and documents prepared for judging, and, per candidate
//! sentence, the topic, the binding of the claim's names and the alignment
//! of every claim figure to a source figure. Pure: the candidates are
//! loaded by the caller. The accounting (`account`) and the decision
//! (`decide`) build on these judgements; [`judge_by_rules`] is the
//! hand-set rule decision they replaced, kept as a feature.
//!
//! For each candidate sentence:
//! 1. **Topic**: how much of the claim's content words (and adjacent word
//!    pairs) the sentence holds; its neighbours and the document title count
//!    half.
//! 2. **Context binding**: every name the claim is about (see `context`) must
//!    be in the sentence, its neighbours, the title, or the document's lead
//!    and repeated names; otherwise the sentence speaks of something else.
//! 3. **Alignment**: each claim quantity is paired with the source quantity
//!    that speaks of the same thing: compatible kind, counted noun, the words
//!    before it, direction, then agreement as a tie-break. The sentence's
//!    neighbours and the year framing it are searched when the sentence lacks
//!    a figure.
//! 4. **Negation**: "không"/"chưa"/"not" before a word on one side only.
//!
//! SUPPORTED needs an on-topic, correctly bound sentence whose aligned
//! quantities all agree, with no negation conflict. REFUTED needs an
//! on-topic, bound sentence where an aligned quantity disagrees (or the
//! negation differs). Otherwise NOT_ENOUGH_INFO. Support is preferred over
//! refutation only when it is at least as on-topic.

use crate::budget::{Budget, Stopped};
use std::sync::OnceLock;

use crate::hashing::{fixed_hash, FastSet as HashSet};

use super::align::{align_key_hashes, align_tokens, AlignToken};
use super::lexicon::initials_run;
use crate::context::{entities, Entity};
use crate::model::{
    DocumentRecord, Evidence, QuantityCheck, SentenceRecord, Verdict, VerificationResult,
};
use crate::quantity::lexicon::{PlainWord, NEGATIONS};
use crate::quantity::{
    compare, extract_quantities, Direction, Outcome, Qualifier, Quantity, QuantityKind,
};
use crate::text::{detect_language, fold_char, is_stopword, normalize_nfc, word_tokens, Language};

/// Least topic score for a sentence to support a claim with figures.
const SUPPORT_TOPIC: f64 = 0.5;
/// Least topic score to support a claim without figures.
const SUPPORT_TOPIC_WITHOUT_FIGURES: f64 = 0.75;
/// Least topic score for a sentence to refute a claim.
const REFUTE_TOPIC: f64 = 0.5;
/// Least alignment score for a disagreeing pair to count as the same thing.
pub(crate) const SAME_THING_ALIGNMENT: f64 = 0.75;

/// A claim, read once.
#[derive(Debug, Clone)]
pub struct ClaimAnalysis {
    pub text: String,
    /// The claim's folded words, word pairs and padded folded text.
    words: WordSets,
    pub language: Language,
    pub quantities: Vec<Quantity>,
    /// Names the claim is about (not abbreviations).
    pub entities: Vec<Entity>,
    /// Folded content words, in order, deduplicated.
    pub content_words: Vec<String>,
    /// Adjacent folded word pairs with at least one content word.
    pub bigrams: Vec<(String, String)>,
    /// The word-set hashes of `content_words` and of `bigrams`, in the same
    /// order: computed once, probed in every candidate.
    content_word_hashes: Vec<u64>,
    bigram_hashes: Vec<u64>,
    /// Words that follow a negation in the claim.
    pub negated_words: Vec<String>,
    /// Context words before each quantity.
    quantity_contexts: Vec<Vec<String>>,
    /// The folded words of each quantity's unit.
    quantity_units: Vec<Vec<String>>,
    /// The claim's words for alignment.
    pub align: Vec<AlignToken>,
}

/// A stored sentence prepared for judging: its record, and (computed the
/// first time a claim needs them, then kept with the cached document) its
/// folded word sets, the words before each of its quantities and its
/// negated words.
#[derive(Debug)]
pub struct PreparedSentence {
    pub record: SentenceRecord,
    /// The sentence's words for alignment (sentence number 0). Kept apart
    /// from the rest: a claim that looks beyond its evidence reads them for
    /// every sentence of a candidate's document, and judges only a few.
    align: OnceLock<Vec<AlignToken>>,
    features: OnceLock<SentenceFeatures>,
}

/// What judging reads of a source sentence besides its record and its
/// words for alignment.
#[derive(Debug)]
struct SentenceFeatures {
    words: WordSets,
    /// For each quantity of the record, the content words before it.
    quantity_contexts: Vec<Vec<String>>,
    negated: Vec<String>,
}

impl PreparedSentence {
    pub fn new(record: SentenceRecord) -> PreparedSentence {
        PreparedSentence {
            record,
            align: OnceLock::new(),
            features: OnceLock::new(),
        }
    }

    fn features(&self) -> &SentenceFeatures {
        self.features.get_or_init(|| {
            let tokens = word_tokens(&self.record.text);
            let positions: Vec<usize> = self.record.quantities.iter().map(|q| q.start).collect();
            SentenceFeatures {
                words: WordSets::from_tokens(&self.record.text, &tokens),
                quantity_contexts: contexts_before(&self.record.text, &tokens, &positions),
                negated: negated_in(&tokens),
            }
        })
    }

    fn words(&self) -> &WordSets {
        &self.features().words
    }

    /// The sentence's words for alignment.
    pub fn align_tokens(&self) -> &[AlignToken] {
        self.align
            .get_or_init(|| align_tokens(&self.record.text, 0))
    }

    /// The folded text with every non-alphanumeric run turned into one
    /// space, padded with spaces.
    pub fn folded(&self) -> &str {
        &self.words().folded
    }
}

/// A stored document prepared for judging: its record, its title's word
/// sets and its prepared sentences.
#[derive(Debug)]
pub struct PreparedDocument {
    pub record: DocumentRecord,
    title: WordSets,
    pub sentences: Vec<PreparedSentence>,
    /// Every word key of the document and its padded folded text, made the
    /// first time a claim looks beyond its evidence window.
    whole: OnceLock<WholeDocument>,
}

/// What the accounting reads of a whole document.
#[derive(Debug)]
pub struct WholeDocument {
    /// The hashes of the canonical word keys of every sentence, sorted
    /// and distinct (as [`WordSets`] keeps a sentence's words): no key is
    /// copied, and a crafted text cannot make lookups slow.
    keys: Vec<u64>,
    /// The padded folded text of every sentence, one space apart.
    pub folded: String,
}

impl WholeDocument {
    /// Whether a sentence of the document holds a word of canonical key
    /// `key`.
    pub fn holds_key(&self, key: &str) -> bool {
        self.keys.binary_search(&word_hash(key)).is_ok()
    }
}

/// Memory a document takes once fully prepared (every sentence's words,
/// alignment tokens and the whole-document word set built), per byte of
/// its text, as the document cache charges it. Measured on the 360 real
/// articles of `../shared/eval/vifactcheck` by
/// `cargo run --release --example prepared-memory -- DIR` (counting
/// allocations): 33 when it was set, 21.8 on 2026-12-07. The charge
/// stays at 33, an overestimate, until a smaller one
/// is measured against the serving RSS at 10M sentences: it would let the
/// cache hold half as many documents again. Charged up front, so the
/// cache's bound holds however much of a document later checks prepare.
const PREPARED_BYTES_PER_TEXT_BYTE: usize = 33;

impl PreparedDocument {
    /// About the memory the document takes once fully prepared.
    pub fn approximate_bytes(&self) -> usize {
        let text: usize = self.sentences.iter().map(|s| s.record.text.len()).sum();
        std::mem::size_of::<PreparedDocument>()
            + self.record.title.len()
            + text.max(1) * PREPARED_BYTES_PER_TEXT_BYTE
    }

    pub fn new(record: DocumentRecord, sentences: Vec<SentenceRecord>) -> PreparedDocument {
        PreparedDocument {
            title: WordSets::of(&record.title),
            sentences: sentences.into_iter().map(PreparedSentence::new).collect(),
            record,
            whole: OnceLock::new(),
        }
    }

    /// Every word key of the document and its folded text.
    pub fn whole(&self) -> &WholeDocument {
        self.whole.get_or_init(|| {
            let mut keys = Vec::new();
            let mut folded = String::from(" ");
            for sentence in &self.sentences {
                match sentence.align.get() {
                    Some(tokens) => keys.extend(tokens.iter().map(|t| word_hash(&t.key))),
                    None => keys.extend(align_key_hashes(&sentence.record.text, word_hash)),
                }
                // As `folded()` holds it, without building the sentence's
                // word sets, which judging alone reads.
                push_padded_fold(&sentence.record.text, &mut folded);
                folded.push(' ');
            }
            keys.sort_unstable();
            keys.dedup();
            WholeDocument { keys, folded }
        })
    }

    /// A freshly analysed document, prepared without a round trip through
    /// the store.
    pub fn of_analysed(document: &crate::model::AnalysedDocument) -> PreparedDocument {
        PreparedDocument::new(
            document.record.clone(),
            document
                .sentences
                .iter()
                .map(|s| s.record.clone())
                .collect(),
        )
    }

    /// Every sentence as a candidate: for judging a claim without a store.
    pub fn all_sources(&self, retrieval_score: f64) -> Vec<SourceSentence<'_>> {
        (0..self.sentences.len())
            .map(|position| SourceSentence {
                document: self,
                position,
                retrieval_score,
            })
            .collect()
    }
}

/// A candidate source sentence: a sentence of a prepared document, whose
/// neighbours are read from the same document.
#[derive(Debug, Clone, Copy)]
pub struct SourceSentence<'a> {
    pub document: &'a PreparedDocument,
    /// The sentence's position in `document.sentences`.
    pub position: usize,
    pub retrieval_score: f64,
}

impl<'a> SourceSentence<'a> {
    fn prepared(&self) -> &'a PreparedSentence {
        &self.document.sentences[self.position]
    }

    pub fn sentence(&self) -> &'a SentenceRecord {
        &self.prepared().record
    }

    fn previous(&self) -> Option<&'a PreparedSentence> {
        self.position
            .checked_sub(1)
            .and_then(|position| self.document.sentences.get(position))
    }

    fn next(&self) -> Option<&'a PreparedSentence> {
        self.document.sentences.get(self.position + 1)
    }
}

/// Words looked back over for a figure's context: its context is the
/// words near it, and the bound keeps a sentence of thousands of figures
/// from costing figures × words.
const MAX_CONTEXT_LOOKBACK: usize = 32;

/// For each byte position, up to four folded content words of `tokens`
/// (in text order) that end before it, nearest first, among the
/// [`MAX_CONTEXT_LOOKBACK`] words before it and within its clause: a
/// punctuation mark followed by a word that opens a clause (", nhưng",
/// "; và") ends the words that describe a figure, so the words of the
/// previous clause's figure ("1.380 hộ bị ảnh hưởng bởi dự án, nhưng chỉ
/// 416 ...") are not read as this one's.
fn contexts_before(
    text: &str,
    tokens: &[crate::text::WordToken],
    positions: &[usize],
) -> Vec<Vec<String>> {
    positions
        .iter()
        .map(|position| {
            let before = tokens.partition_point(|t| t.end <= *position);
            let lookback = before.saturating_sub(MAX_CONTEXT_LOOKBACK);
            let clause_start = (lookback + 1..before)
                .rev()
                .find(|&at| clause_breaks_before(text, tokens, at))
                .unwrap_or(lookback);
            tokens[clause_start..before]
                .iter()
                .rev()
                .filter(|t| !t.is_numeric() && !is_stopword(&t.folded))
                .take(4)
                .map(|t| t.folded.to_string())
                .collect()
        })
        .collect()
}

/// True when a clause starts at token `at`: punctuation separates it from
/// the word before, and it (with the next word) opens a clause.
fn clause_breaks_before(text: &str, tokens: &[crate::text::WordToken], at: usize) -> bool {
    let gap = &text[tokens[at - 1].end..tokens[at].start];
    if !gap
        .chars()
        .any(|c| matches!(c, ',' | ';' | ':' | '(' | ')'))
    {
        return false;
    }
    let words: Vec<String> = tokens[at..(at + 2).min(tokens.len())]
        .iter()
        .map(|t| t.text.to_lowercase())
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    super::lexicon::opens_clause(&words)
}

fn negated_in(tokens: &[crate::text::WordToken]) -> Vec<String> {
    let mut negated = Vec::new();
    for pair in tokens.windows(2) {
        // Most words cannot be negations by their folded form alone, which
        // is at hand; only the others are looked up as written.
        if !NEGATIONS.may_contain_folded(&pair[0].folded) {
            continue;
        }
        let word = PlainWord::new(pair[0].text);
        if NEGATIONS.contains(&word) && !pair[1].is_numeric() {
            negated.push(pair[1].folded.to_string());
        }
    }
    negated
}

/// Figures of a claim that are read and checked: a claim is a sentence or
/// two (real claims hold a handful), and every claim figure is compared
/// with every figure a candidate offers, so the bound keeps a crafted claim
/// of thousands of figures from buying unbounded work.
pub const MAX_CLAIM_FIGURES: usize = 64;
/// Figures a candidate offers a claim (its own first, then its
/// neighbours'): a crafted sentence of thousands of figures is read no
/// further.
const MAX_POOLED_FIGURES: usize = 128;

impl ClaimAnalysis {
    pub fn new(claim: &str, language: Option<Language>) -> ClaimAnalysis {
        let text = normalize_nfc(claim.trim());
        let language = language.unwrap_or_else(|| detect_language(&text));
        let mut quantities = extract_quantities(&text, language);
        quantities.truncate(MAX_CLAIM_FIGURES);
        let claim_entities: Vec<Entity> = entities(&text)
            .into_iter()
            .filter(|e| !e.is_abbreviation)
            .collect();
        let entity_words: HashSet<String> = claim_entities
            .iter()
            .flat_map(|e| e.folded.split(' ').map(str::to_string).collect::<Vec<_>>())
            .collect();
        let tokens = word_tokens(&text);
        let inside_quantity =
            |start: usize, end: usize| quantities.iter().any(|q| start >= q.start && end <= q.end);
        let is_content = |token: &crate::text::WordToken| {
            !token.is_numeric()
                && !is_stopword(&token.folded)
                && !inside_quantity(token.start, token.end)
                && !token.folded.chars().all(|c| c.is_ascii_digit())
        };
        let mut content_words = Vec::new();
        for token in &tokens {
            let negation = NEGATIONS.contains(&PlainWord::new(token.text));
            if is_content(token)
                && !negation
                && !entity_words.contains(&*token.folded)
                && !content_words.iter().any(|word| *word == token.folded)
            {
                content_words.push(token.folded.to_string());
            }
        }
        let mut bigrams = Vec::new();
        for pair in tokens.windows(2) {
            let joined = text[pair[0].end..pair[1].start]
                .chars()
                .all(char::is_whitespace);
            let any_content = is_content(&pair[0]) || is_content(&pair[1]);
            let both_words = !pair[0].is_numeric() && !pair[1].is_numeric();
            let inside_entity =
                entity_words.contains(&*pair[0].folded) && entity_words.contains(&*pair[1].folded);
            if joined && any_content && both_words && !inside_entity {
                let bigram = (pair[0].folded.to_string(), pair[1].folded.to_string());
                if !bigrams.contains(&bigram) {
                    bigrams.push(bigram);
                }
            }
        }
        let positions: Vec<usize> = quantities.iter().map(|q| q.start).collect();
        let quantity_contexts = contexts_before(&text, &tokens, &positions);
        let quantity_units = quantities.iter().map(|q| unit_words(&q.unit)).collect();
        ClaimAnalysis {
            content_word_hashes: content_words.iter().map(|word| word_hash(word)).collect(),
            bigram_hashes: bigrams
                .iter()
                .map(|(first, second)| pair_hash(first, second))
                .collect(),
            align: align_tokens(&text, 0),
            negated_words: negated_in(&tokens),
            words: WordSets::from_tokens(&text, &tokens),
            text,
            language,
            quantities,
            entities: claim_entities,
            content_words,
            bigrams,
            quantity_contexts,
            quantity_units,
        }
    }

    /// The folded text with every non-alphanumeric run turned into one
    /// space, padded with spaces: what retrieval compares sentences with.
    pub fn folded(&self) -> &str {
        &self.words.folded
    }

    /// The index terms to retrieve candidates with.
    pub fn search_terms(&self) -> Vec<String> {
        crate::text::index_terms(&self.text)
    }

    /// Index terms of the names the claim is about: a one-word name, or the
    /// word pairs of a longer one.
    pub fn context_terms(&self) -> Vec<String> {
        let mut terms = Vec::new();
        for entity in &self.entities {
            let words: Vec<&str> = entity.folded.split(' ').collect();
            if words.len() == 1 {
                terms.push(words[0].to_string());
            }
            for pair in words.windows(2) {
                terms.push(format!("{} {}", pair[0], pair[1]));
            }
        }
        terms.sort();
        terms.dedup();
        terms
    }
}

/// The hash a word set stores for a folded word.
fn word_hash(word: &str) -> u64 {
    fixed_hash(&[word.as_bytes()])
}

/// The hash a word set stores for a pair of adjacent folded words.
fn pair_hash(first: &str, second: &str) -> u64 {
    fixed_hash(&[first.as_bytes(), second.as_bytes()])
}

/// Folded words and word pairs of a text, as sorted hashes (compact, and
/// probed by binary search), its padded folded text, and the first letter
/// of each of its folded words (what an abbreviation spells).
#[derive(Debug, Clone, Default)]
struct WordSets {
    words: Vec<u64>,
    bigrams: Vec<u64>,
    folded: String,
    initials: Vec<char>,
}

impl WordSets {
    fn of(text: &str) -> WordSets {
        WordSets::from_tokens(text, &word_tokens(text))
    }

    fn from_tokens(text: &str, tokens: &[crate::text::WordToken]) -> WordSets {
        let mut words: Vec<u64> = tokens.iter().map(|t| word_hash(&t.folded)).collect();
        words.sort_unstable();
        words.dedup();
        let mut bigrams: Vec<u64> = tokens
            .windows(2)
            .filter(|pair| {
                text[pair[0].end..pair[1].start]
                    .chars()
                    .all(char::is_whitespace)
            })
            .map(|pair| pair_hash(&pair[0].folded, &pair[1].folded))
            .collect();
        bigrams.sort_unstable();
        bigrams.dedup();
        let mut folded = String::with_capacity(text.len() + 2);
        folded.push(' ');
        push_padded_fold(text, &mut folded);
        folded.push(' ');
        let initials = folded
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .collect();
        WordSets {
            words,
            bigrams,
            folded,
            initials,
        }
    }

    fn has_word(&self, word: &str) -> bool {
        self.has_word_hash(word_hash(word))
    }

    /// [`Self::has_word`] for a word's [`word_hash`].
    fn has_word_hash(&self, hash: u64) -> bool {
        self.words.binary_search(&hash).is_ok()
    }

    /// True for a word pair's [`pair_hash`].
    fn has_bigram_hash(&self, hash: u64) -> bool {
        self.bigrams.binary_search(&hash).is_ok()
    }

    /// True when an abbreviation's letters start consecutive words here
    /// ("hdnd" ~ "hội đồng nhân dân").
    fn spells(&self, abbreviation: &str) -> bool {
        abbreviation.chars().nth(1).is_some() && initials_run(abbreviation, &self.initials)
    }
}

/// Folded text with every non-alphanumeric run turned into one space.
fn padded_fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_padded_fold(text, &mut out);
    out
}

/// [`padded_fold`] of `text` appended to `out`, in one pass and without
/// a buffer of its own: it runs over every sentence of a candidate's
/// document.
fn push_padded_fold(text: &str, out: &mut String) {
    let start = out.len();
    // A space is owed before the next word once a word has been written
    // and something else followed it.
    let mut space_owed = false;
    for character in text.chars().filter_map(fold_char) {
        if character.is_alphanumeric() {
            if space_owed {
                out.push(' ');
                space_owed = false;
            }
            out.push(character);
        } else if out.len() > start {
            space_owed = true;
        }
    }
}

/// Shared distinct words over all distinct words; the lists are short
/// (a few context words), so this compares in place.
fn jaccard(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let distinct = |list: &[String]| {
        (0..list.len())
            .filter(|index| !list[..*index].contains(&list[*index]))
            .count()
    };
    let shared = (0..a.len())
        .filter(|index| !a[..*index].contains(&a[*index]) && b.contains(&a[*index]))
        .count();
    shared as f64 / (distinct(a) + distinct(b) - shared) as f64
}

fn unit_words(unit: &str) -> Vec<String> {
    padded_fold(unit)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// How alike two counted nouns (their folded words) are, in 0..1; 0.3 when
/// one is unknown.
fn unit_similarity(claim_words: &[String], source_words: &[String]) -> f64 {
    if claim_words.is_empty() || source_words.is_empty() {
        return 0.3;
    }
    let overlap = jaccard(claim_words, source_words);
    if claim_words[0] == source_words[0] {
        0.6 + 0.4 * overlap
    } else {
        0.8 * overlap
    }
}

fn can_align(claim: &Quantity, source: &Quantity) -> bool {
    use QuantityKind::*;
    match (claim.kind, source.kind) {
        (a, b) if a == b => true,
        (Count, Fraction) | (Fraction, Count) | (Percent, Fraction) | (Fraction, Percent) => true,
        (Multiplier, _) => source.change.is_some(),
        (Year, Date) | (Date, Year) => true,
        _ => false,
    }
}

/// A source quantity with where it came from.
struct Pooled<'a> {
    quantity: std::borrow::Cow<'a, Quantity>,
    context: &'a [String],
    /// 0 for the sentence itself, a penalty for neighbours and framing.
    penalty: f64,
    /// Where the quantity was read, when not in the sentence itself.
    origin: &'static str,
    /// The folded words of its unit, read when first compared.
    unit_words: std::cell::OnceCell<Vec<String>>,
}

impl Pooled<'_> {
    fn unit_words(&self) -> &[String] {
        self.unit_words
            .get_or_init(|| unit_words(&self.quantity.unit))
    }
}

fn pool_of<'a>(source: &SourceSentence<'a>) -> Vec<Pooled<'a>> {
    let mut pool = Vec::new();
    let add_sentence = |sentence: &'a PreparedSentence,
                        penalty: f64,
                        origin: &'static str,
                        pool: &mut Vec<Pooled<'a>>| {
        let room = MAX_POOLED_FIGURES.saturating_sub(pool.len());
        for (quantity, context) in sentence
            .record
            .quantities
            .iter()
            .zip(&sentence.features().quantity_contexts)
            .take(room)
        {
            pool.push(Pooled {
                quantity: std::borrow::Cow::Borrowed(quantity),
                context,
                penalty,
                origin,
                unit_words: Default::default(),
            });
        }
    };
    add_sentence(source.prepared(), 0.0, "", &mut pool);
    if let Some(previous) = source.previous() {
        add_sentence(previous, 0.3, " (in the previous sentence)", &mut pool);
    }
    if let Some(next) = source.next() {
        add_sentence(next, 0.3, " (in the next sentence)", &mut pool);
    }
    if let Some(year) = source.sentence().inherited_year {
        let text = year.to_string();
        pool.push(Pooled {
            quantity: std::borrow::Cow::Owned(Quantity {
                text: text.clone(),
                kind: QuantityKind::Year,
                value: year as f64,
                total: 0.0,
                unit: String::new(),
                qualifier: Qualifier::Exact,
                date: None,
                start: 0,
                end: 0,
                direction: Direction::None,
                change: None,
                range_end: None,
                identifier: String::new(),
                rounding: 0.0,
            }),
            context: &[],
            penalty: 0.1,
            origin: " (the year that opens the paragraph)",
            unit_words: Default::default(),
        });
    }
    pool
}

/// The outcome of one candidate.
#[derive(Debug, Clone)]
pub(crate) struct Judgement {
    pub(crate) topic: f64,
    pub(crate) missing_entities: Vec<String>,
    pub(crate) checks: Vec<QuantityCheck>,
    /// For each check, the alignment score of its pair.
    pub(crate) alignment: Vec<f64>,
    pub(crate) negation_conflict: Option<String>,
    pub(crate) retrieval_score: f64,
}

impl Judgement {
    pub(crate) fn bound(&self) -> bool {
        self.missing_entities.is_empty()
    }

    pub(crate) fn all_agree(&self) -> bool {
        self.checks
            .iter()
            .all(|check| check.outcome.is_some_and(Outcome::agrees))
    }

    pub(crate) fn supports(&self, claim: &ClaimAnalysis) -> bool {
        let threshold = if claim.quantities.is_empty() {
            SUPPORT_TOPIC_WITHOUT_FIGURES
        } else {
            SUPPORT_TOPIC
        };
        self.bound()
            && self.topic >= threshold
            && self.all_agree()
            && self.negation_conflict.is_none()
    }

    /// The first strongly aligned disagreement.
    pub(crate) fn disagreement(&self) -> Option<usize> {
        self.checks
            .iter()
            .zip(&self.alignment)
            .position(|(check, alignment)| {
                check.outcome == Some(Outcome::Mismatch) && *alignment >= SAME_THING_ALIGNMENT
            })
    }

    pub(crate) fn refutes(&self) -> bool {
        self.bound()
            && self.topic >= REFUTE_TOPIC
            && (self.disagreement().is_some() || self.negation_conflict.is_some())
    }

    /// The candidate's own relevance in 0..1: its topic and its retrieval
    /// score.
    pub(crate) fn relevance(&self) -> f64 {
        (0.6 * self.topic + 0.4 * self.retrieval_score).clamp(0.0, 1.0)
    }

    pub(crate) fn agreement_share(&self) -> f64 {
        if self.checks.is_empty() {
            return 1.0;
        }
        let exact = self
            .checks
            .iter()
            .filter(|c| c.outcome == Some(Outcome::Match))
            .count();
        exact as f64 / self.checks.len() as f64
    }
}

/// The title and neighbours of a candidate sentence, which count half for
/// its topic and bind the claim's names.
struct Surroundings<'a> {
    sets: Vec<&'a WordSets>,
}

impl Surroundings<'_> {
    fn has_word_hash(&self, hash: u64) -> bool {
        self.sets.iter().any(|set| set.has_word_hash(hash))
    }

    fn has_bigram_hash(&self, hash: u64) -> bool {
        self.sets.iter().any(|set| set.has_bigram_hash(hash))
    }
}

fn topic_score(claim: &ClaimAnalysis, sentence: &WordSets, surroundings: &Surroundings) -> f64 {
    if claim.content_words.is_empty() {
        return if claim.entities.is_empty() { 0.0 } else { 0.6 };
    }
    let credit = |(word, &hash): (&String, &u64)| {
        if sentence.has_word_hash(hash) {
            1.0
        } else if surroundings.has_word_hash(hash) {
            0.5
        } else if word.len() >= 2 && word.len() <= 6 && sentence.spells(word) {
            0.8
        } else {
            0.0
        }
    };
    let word_coverage = claim
        .content_words
        .iter()
        .zip(&claim.content_word_hashes)
        .map(credit)
        .sum::<f64>()
        / claim.content_words.len() as f64;
    if claim.bigrams.is_empty() {
        return word_coverage;
    }
    let bigram_coverage = claim
        .bigram_hashes
        .iter()
        .map(|&hash| {
            if sentence.has_bigram_hash(hash) {
                1.0
            } else if surroundings.has_bigram_hash(hash) {
                0.5
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / claim.bigrams.len() as f64;
    0.65 * word_coverage + 0.35 * bigram_coverage
}

/// True when `words` (folded words, one space apart) occur in `text` as
/// whole words: at the start or after a space, and at the end or before a
/// space. Overlapping occurrences are all tried.
pub(crate) fn holds_words(text: &str, words: &str) -> bool {
    if words.is_empty() {
        return false;
    }
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find(words) {
        let start = from + found;
        let end = start + words.len();
        let starts_word = start == 0 || bytes[start - 1] == b' ';
        let ends_word = end == text.len() || bytes[end] == b' ';
        if starts_word && ends_word {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn entity_present(
    entity: &Entity,
    sentence: &WordSets,
    surroundings: &Surroundings,
    document: &DocumentRecord,
) -> bool {
    let name = entity.folded.as_str();
    holds_words(&sentence.folded, name)
        || surroundings
            .sets
            .iter()
            .any(|set| holds_words(&set.folded, name))
        || document
            .context
            .entities
            .iter()
            .any(|known| holds_words(known, name) || holds_words(name, known))
}

fn negation_conflict(
    claim: &ClaimAnalysis,
    claim_words: &WordSets,
    source: &PreparedSentence,
) -> Option<String> {
    for word in &claim.negated_words {
        if source.words().has_word(word) && !source.features().negated.contains(word) {
            return Some(format!("the claim negates \"{word}\", the source does not"));
        }
    }
    for word in &source.features().negated {
        if claim.content_words.contains(word)
            && claim_words.has_word(word)
            && !claim.negated_words.contains(word)
        {
            return Some(format!("the source negates \"{word}\", the claim does not"));
        }
    }
    None
}

fn judge_candidate(
    claim: &ClaimAnalysis,
    claim_words: &WordSets,
    source: &SourceSentence,
) -> Judgement {
    let prepared = source.prepared();
    let sentence_words = prepared.words();
    let mut surroundings = Surroundings {
        sets: vec![&source.document.title],
    };
    for neighbour in [source.previous(), source.next()].into_iter().flatten() {
        surroundings.sets.push(neighbour.words());
    }
    let topic = topic_score(claim, sentence_words, &surroundings);
    let has_inner_name = claim.entities.iter().any(|entity| !entity.sentence_initial);
    let missing_entities = claim
        .entities
        .iter()
        .filter(|entity| !(entity.sentence_initial && has_inner_name))
        .filter(|entity| {
            !entity_present(
                entity,
                sentence_words,
                &surroundings,
                &source.document.record,
            )
        })
        .map(|entity| entity.text.clone())
        .collect();

    let pool = pool_of(source);
    let mut used = vec![false; pool.len()];
    let mut checks = Vec::with_capacity(claim.quantities.len());
    let mut alignment = Vec::with_capacity(claim.quantities.len());
    for ((claim_quantity, claim_context), claim_unit_words) in claim
        .quantities
        .iter()
        .zip(&claim.quantity_contexts)
        .zip(&claim.quantity_units)
    {
        let mut best: Option<(usize, f64, crate::quantity::Comparison)> = None;
        for (position, pooled) in pool.iter().enumerate() {
            let reusable = pooled.quantity.kind == QuantityKind::Year;
            if (used[position] && !reusable) || !can_align(claim_quantity, &pooled.quantity) {
                continue;
            }
            let comparison = compare(claim_quantity, &pooled.quantity);
            let context = jaccard(claim_context, pooled.context);
            let base = match claim_quantity.kind {
                QuantityKind::Count
                | QuantityKind::Fraction
                | QuantityKind::Money
                | QuantityKind::Measure => unit_similarity(claim_unit_words, pooled.unit_words()),
                _ => 0.6,
            };
            if claim_quantity.kind.is_amount()
                && claim_quantity.kind != QuantityKind::Percent
                && base < 0.3
                && context < 0.25
            {
                continue;
            }
            // Two changes are more alike than a change and a level, even
            // when their directions differ (that is then the disagreement).
            let direction = match (claim_quantity.direction, pooled.quantity.direction) {
                (Direction::None, Direction::None) => 0.0,
                (a, b) if a == b => 0.2,
                (Direction::None, _) | (_, Direction::None) => -0.1,
                _ => 0.1,
            };
            let same_kind = if claim_quantity.kind == pooled.quantity.kind {
                0.15
            } else {
                0.0
            };
            let agrees = if comparison.outcome.agrees() {
                0.25
            } else {
                0.0
            };
            let score = base + 0.5 * context + direction + same_kind + agrees - pooled.penalty;
            if best
                .as_ref()
                .is_none_or(|(_, best_score, _)| score > *best_score)
            {
                best = Some((position, score, comparison));
            }
        }
        match best {
            Some((position, score, comparison)) if comparison.outcome != Outcome::Incomparable => {
                used[position] = true;
                alignment.push(score);
                checks.push(QuantityCheck {
                    claim_quantity: claim_quantity.clone(),
                    source_quantity: Some(pool[position].quantity.clone().into_owned()),
                    outcome: Some(comparison.outcome),
                    explanation: format!(
                        "{}{}",
                        comparison.explanation(claim_quantity, &pool[position].quantity),
                        pool[position].origin
                    ),
                });
            }
            Some((position, score, comparison)) => {
                alignment.push(score);
                checks.push(QuantityCheck {
                    claim_quantity: claim_quantity.clone(),
                    source_quantity: Some(pool[position].quantity.clone().into_owned()),
                    outcome: None,
                    explanation: comparison.explanation(claim_quantity, &pool[position].quantity),
                });
            }
            None => {
                alignment.push(0.0);
                checks.push(QuantityCheck {
                    claim_quantity: claim_quantity.clone(),
                    source_quantity: None,
                    outcome: None,
                    explanation: format!(
                        "no figure in the source speaks of {}",
                        claim_quantity.display()
                    ),
                });
            }
        }
    }
    Judgement {
        topic,
        missing_entities,
        checks,
        alignment,
        negation_conflict: negation_conflict(claim, claim_words, prepared),
        retrieval_score: source.retrieval_score,
    }
}

fn evidence_of(source: &SourceSentence, judgement: &Judgement) -> Evidence {
    let document = &source.document.record;
    Evidence {
        document_id: document.document_id.clone(),
        document_title: document.title.clone(),
        sentence_index: source.sentence().index,
        sentence: source.sentence().text.clone(),
        score: judgement.relevance(),
        checks: judgement.checks.clone(),
    }
}

pub(crate) fn quote(source: &SourceSentence) -> String {
    format!(
        "{} (\"{}\"), sentence {}: \"{}\"",
        source.document.record.document_id,
        source.document.record.title,
        source.sentence().index,
        source.sentence().text
    )
}

/// The figure engine's judgement of every candidate, in candidate order.
pub(crate) fn judge_candidates(
    claim: &ClaimAnalysis,
    sources: &[SourceSentence],
    budget: &Budget,
) -> Result<Vec<Judgement>, Stopped> {
    sources
        .iter()
        .map(|source| {
            budget.check()?;
            Ok(judge_candidate(claim, &claim.words, source))
        })
        .collect()
}

/// How a candidate ranks for the rule decision.
fn rule_rank(judgement: &Judgement) -> f64 {
    judgement.topic + 0.3 * judgement.retrieval_score + 0.2 * judgement.agreement_share()
}

/// The hand-set rule decision over the figure engine's judgements: the
/// verdict and the candidate it rests on, or `None` (not enough info).
pub(crate) fn rule_decision(
    claim: &ClaimAnalysis,
    judgements: &[Judgement],
) -> Option<(Verdict, usize)> {
    let rank = |index: &usize| rule_rank(&judgements[*index]);
    let best_of = |filter: &dyn Fn(&Judgement) -> bool| {
        (0..judgements.len())
            .filter(|index| filter(&judgements[*index]))
            .max_by(|a, b| rank(a).total_cmp(&rank(b)).then(b.cmp(a)))
    };
    let supporting = best_of(&|j: &Judgement| j.supports(claim));
    let refute_rank = |index: &usize| {
        let judgement = &judgements[*index];
        let aligned = judgement
            .disagreement()
            .map(|position| judgement.alignment[position])
            .unwrap_or(SAME_THING_ALIGNMENT);
        judgement.topic + 0.3 * judgement.retrieval_score + 0.3 * aligned.min(1.5)
    };
    let refuting = (0..judgements.len())
        .filter(|index| judgements[*index].refutes())
        .max_by(|a, b| refute_rank(a).total_cmp(&refute_rank(b)).then(b.cmp(a)));
    match (supporting, refuting) {
        (Some(support), Some(refute))
            if judgements[refute].topic > judgements[support].topic + 0.25 =>
        {
            Some((Verdict::Refuted, refute))
        }
        (Some(support), _) => Some((Verdict::Supported, support)),
        (None, Some(refute)) => Some((Verdict::Refuted, refute)),
        (None, None) => None,
    }
}

/// Decides the verdict for a claim over its candidate sentences by the
/// hand-set rules alone.
pub fn judge_by_rules(
    claim: &ClaimAnalysis,
    sources: &[SourceSentence],
    max_evidence: usize,
) -> VerificationResult {
    let judgements: Vec<Judgement> = sources
        .iter()
        .map(|source| judge_candidate(claim, &claim.words, source))
        .collect();
    let decided = rule_decision(claim, &judgements);
    let rank = |index: &usize| rule_rank(&judgements[*index]);

    let mut order: Vec<usize> = (0..judgements.len()).collect();
    order.sort_by(|a, b| {
        let bound = |i: &usize| judgements[*i].bound() as u8;
        bound(b).cmp(&bound(a)).then(rank(b).total_cmp(&rank(a)))
    });
    if let Some((_, chosen)) = decided {
        order.retain(|index| *index != chosen);
        order.insert(0, chosen);
    }
    let evidence: Vec<Evidence> = order
        .iter()
        .take(max_evidence)
        .map(|index| evidence_of(&sources[*index], &judgements[*index]))
        .collect();

    let (verdict, confidence, explanation) = match decided {
        Some((Verdict::Supported, index)) => {
            let judgement = &judgements[index];
            let confidence =
                0.55 + 0.25 * judgement.topic.min(1.0) + 0.15 * judgement.agreement_share();
            let details: Vec<&str> = judgement
                .checks
                .iter()
                .map(|c| c.explanation.as_str())
                .collect();
            let explanation = if details.is_empty() {
                format!(
                    "Supported by {}. The source says the same, with no figures to compare.",
                    quote(&sources[index])
                )
            } else {
                format!(
                    "Supported by {}. {}.",
                    quote(&sources[index]),
                    details.join("; ")
                )
            };
            (Verdict::Supported, confidence, explanation)
        }
        Some((Verdict::Refuted, index)) => {
            let judgement = &judgements[index];
            let reason = match judgement.disagreement() {
                Some(position) => {
                    let check = &judgement.checks[position];
                    let source_figure = check
                        .source_quantity
                        .as_ref()
                        .map(Quantity::display)
                        .unwrap_or_default();
                    format!(
                        "The claim's {} disagrees with the source ({}); the source gives {}",
                        check.claim_quantity.display(),
                        check.explanation,
                        source_figure
                    )
                }
                None => judgement.negation_conflict.clone().unwrap_or_default(),
            };
            let confidence = 0.5
                + 0.3 * judgement.topic.min(1.0)
                + 0.15
                    * judgement
                        .alignment
                        .iter()
                        .cloned()
                        .fold(0.0, f64::max)
                        .min(1.0);
            (
                Verdict::Refuted,
                confidence,
                format!("Refuted by {}. {}.", quote(&sources[index]), reason),
            )
        }
        _ => {
            let best_topic = judgements.iter().map(|j| j.topic).fold(0.0, f64::max);
            let explanation = not_enough_info_reason(sources, &judgements);
            (
                Verdict::NotEnoughInfo,
                0.5 + 0.45 * (1.0 - best_topic.min(1.0)),
                explanation,
            )
        }
    };
    VerificationResult {
        verdict,
        confidence: confidence.clamp(0.0, 0.99),
        explanation,
        evidence,
        claim_quantities: claim.quantities.clone(),
        language: claim.language,
        parts: Vec::new(),
    }
}

pub(crate) fn not_enough_info_reason(
    sources: &[SourceSentence],
    judgements: &[Judgement],
) -> String {
    if sources.is_empty() {
        return "No stored sentence shares words with the claim.".to_string();
    }
    let best = (0..judgements.len())
        .max_by(|a, b| judgements[*a].topic.total_cmp(&judgements[*b].topic))
        .unwrap_or(0);
    let judgement = &judgements[best];
    let source = &sources[best];
    if !judgement.missing_entities.is_empty() {
        return format!(
            "No source speaks of {}: the closest sentence, {}, is about something else.",
            judgement.missing_entities.join(", "),
            quote(source)
        );
    }
    if judgement.topic < SUPPORT_TOPIC {
        return format!(
            "No source covers this topic: the closest sentence, {}, shares only part of the claim's words.",
            quote(source)
        );
    }
    let unchecked: Vec<String> = judgement
        .checks
        .iter()
        .filter(|c| !c.outcome.is_some_and(Outcome::agrees))
        .map(|c| c.claim_quantity.display())
        .collect();
    format!(
        "The closest sentence, {}, does not state {}.",
        quote(source),
        if unchecked.is_empty() {
            "what the claim says".to_string()
        } else {
            unchecked.join(", ")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_document;
    use crate::model::{AnalysedDocument, DocumentInput};

    #[test]
    fn a_figure_s_context_is_the_content_words_just_before_it() {
        let long_run = format!("cán bộ {} 7", "9 ".repeat(MAX_CONTEXT_LOOKBACK));
        let cases: &[(&str, &str, &[&str])] = &[
            ("huyện giảm 51 cán bộ", "51", &["giam", "huyen"]),
            ("xã có 5 thôn và 7 tổ", "7", &["thon", "xa"]),
            ("5 thôn", "5", &[]),
            // A clause opened after a comma is the figure's own: the words
            // of the clause before it describe another figure.
            (
                "1.380 hộ bị ảnh hưởng bởi dự án, nhưng chỉ duyệt 416 hộ",
                "416",
                &["duyet"],
            ),
            // A comma alone does not open a clause.
            ("tại Hà Nội, có 5 ca", "5", &["noi", "ha"]),
            // Beyond the look-back, no word is context.
            (&long_run, "7", &[]),
        ];
        for (text, figure, expected) in cases {
            let tokens = crate::text::word_tokens(text);
            let position = text.rfind(figure).unwrap();
            let context = contexts_before(text, &tokens, &[position]);
            assert_eq!(context[0], *expected, "{text:?}");
        }
    }

    #[test]
    fn context_terms_are_the_names_word_pairs_without_an_opening_function_word() {
        let cases: &[(&str, &[&str])] = &[
            ("Hà Nội có 30 quận.", &["ha noi"]),
            ("Huyện Ba Chẽ giảm 10 biên chế.", &["ba che"]),
            ("Tân Phú Lạc có 5 xã.", &["phu lac", "tan phu"]),
            // An opening function word or title is capitalised for the
            // sentence only.
            (
                "Theo Bloomberg Intelligence, doanh thu tăng.",
                &["bloomberg intelligence"],
            ),
            ("Ông Phạm Gia Hữu phát biểu.", &["gia huu", "pham gia"]),
            // A run inside the sentence keeps all its pairs.
            (
                "Lãnh đạo Ngân Hàng Nhà Nước họp.",
                &["hang nha", "ngan hang", "nha nuoc"],
            ),
        ];
        for (claim, expected) in cases {
            assert_eq!(
                ClaimAnalysis::new(claim, None).context_terms(),
                *expected,
                "{claim:?}"
            );
        }
    }

    #[test]
    fn whole_words_are_found_and_parts_of_words_are_not() {
        let cases = [
            (" hai ha giam 51 ", "hai ha", true),
            ("hai ha", "hai ha", true),
            ("huyen hai ha", "hai ha", true),
            ("hai hau", "hai ha", false),
            ("thai ha", "hai ha", false),
            // The first occurrence is inside a word, a later one overlaps it.
            ("xx x x", "x x", true),
            ("tp ho chi minh", "ho chi minh", true),
            ("ho chi", "ho chi minh", false),
            ("đà nẵng hải châu", "hải châu", true),
            (" hai ha ", "", false),
        ];
        for (text, words, expected) in cases {
            assert_eq!(holds_words(text, words), expected, "{words:?} in {text:?}");
        }
    }

    fn document(id: &str, text: &str) -> AnalysedDocument {
        analyse_document(DocumentInput::new(id, text))
    }

    /// Judges a claim against every sentence of the given documents.
    fn verdict_over(claim: &str, documents: &[AnalysedDocument]) -> VerificationResult {
        let claim = ClaimAnalysis::new(claim, None);
        let prepared: Vec<PreparedDocument> = documents
            .iter()
            .map(PreparedDocument::of_analysed)
            .collect();
        let sources: Vec<SourceSentence> = prepared
            .iter()
            .flat_map(|document| document.all_sources(0.5))
            .collect();
        judge_by_rules(&claim, &sources, 5)
    }

    fn hai_ha() -> AnalysedDocument {
        document(
            "hai-ha",
            "Huyện Hải Hà tinh gọn bộ máy\n\
             Huyện Hải Hà đã đạt nhiều kết quả trong sắp xếp bộ máy.\n\
             Đến nay huyện giảm 5 trường học và 15 điểm trường; giảm 51 cán bộ, công chức cấp xã so với năm 2015.\n\
             Năm 2017, huyện đã điều động 17 cán bộ. Huyện cũng luân chuyển 55 công chức xã.\n\
             Tỷ lệ đảng viên hoàn thành nhiệm vụ đạt trên 92%.\n\
             Các cơ quan đầu mối đã giảm từ 56 đầu mối xuống còn 28 đầu mối.\n\
             Huyện không tăng biên chế hành chính.",
        )
    }

    fn mong_cai() -> AnalysedDocument {
        document(
            "mong-cai",
            "Thành phố Móng Cái sắp xếp trường lớp\n\
             TP Móng Cái đã rà soát mạng lưới trường lớp.\n\
             Thành phố giảm 3 trường học và 26 điểm trường.",
        )
    }

    fn assert_verdict(claim: &str, expected: Verdict, expected_document: Option<&str>) {
        let result = verdict_over(claim, &[hai_ha(), mong_cai()]);
        assert_eq!(
            result.verdict, expected,
            "{claim:?}: {}",
            result.explanation
        );
        if let Some(document) = expected_document {
            assert_eq!(
                result.evidence[0].document_id, document,
                "{claim:?}: {}",
                result.explanation
            );
        }
        assert!((0.0..=1.0).contains(&result.confidence));
        assert!(!result.explanation.is_empty());
    }

    #[test]
    fn verdict_rules_table() {
        use Verdict::*;
        let cases: &[(&str, Verdict, Option<&str>)] = &[
            // SUPPORTED: every figure agrees, subject bound by the title.
            (
                "Hải Hà giảm 51 cán bộ, công chức cấp xã so với năm 2015.",
                Supported,
                Some("hai-ha"),
            ),
            (
                "Hai Ha giam 51 can bo, cong chuc cap xa so voi nam 2015.",
                Supported,
                Some("hai-ha"),
            ),
            (
                "Hải Hà giảm 5 trường học và 15 điểm trường.",
                Supported,
                Some("hai-ha"),
            ),
            (
                "Tỷ lệ đảng viên hoàn thành nhiệm vụ ở Hải Hà đạt hơn 92%.",
                Supported,
                Some("hai-ha"),
            ),
            (
                "Các cơ quan đầu mối ở Hải Hà giảm 28 đầu mối.",
                Supported,
                Some("hai-ha"),
            ),
            (
                "Các cơ quan đầu mối ở Hải Hà giảm một nửa.",
                Supported,
                Some("hai-ha"),
            ),
            // The year framing a later sentence is inherited.
            (
                "Năm 2017, Hải Hà luân chuyển 55 công chức xã.",
                Supported,
                Some("hai-ha"),
            ),
            // REFUTED: a figure, a direction, a year or a negation disagrees.
            (
                "Hải Hà giảm 15 cán bộ, công chức cấp xã so với năm 2015.",
                Refuted,
                Some("hai-ha"),
            ),
            (
                "Hải Hà tăng 51 cán bộ, công chức cấp xã so với năm 2015.",
                Refuted,
                Some("hai-ha"),
            ),
            (
                "Hải Hà giảm 51 cán bộ, công chức cấp xã so với năm 2016.",
                Refuted,
                Some("hai-ha"),
            ),
            (
                "Năm 2016, Hải Hà điều động 17 cán bộ.",
                Refuted,
                Some("hai-ha"),
            ),
            (
                "Tỷ lệ đảng viên hoàn thành nhiệm vụ ở Hải Hà đạt dưới 80%.",
                Refuted,
                Some("hai-ha"),
            ),
            (
                "Các cơ quan đầu mối ở Hải Hà giảm từ 56 xuống còn 38 đầu mối.",
                Refuted,
                Some("hai-ha"),
            ),
            ("Hải Hà tăng biên chế hành chính.", Refuted, Some("hai-ha")),
            // Context binding: another place's figures are checked against
            // that place, not against look-alike sentences elsewhere.
            (
                "Móng Cái giảm 5 trường học và 15 điểm trường.",
                Refuted,
                Some("mong-cai"),
            ),
            (
                "Móng Cái giảm 3 trường học và 26 điểm trường.",
                Supported,
                Some("mong-cai"),
            ),
            // NOT_ENOUGH_INFO: a subject no document speaks of, or a topic
            // no sentence covers, even with the same words and numbers.
            (
                "Huyện Ba Chẽ giảm 51 cán bộ, công chức cấp xã so với năm 2015.",
                NotEnoughInfo,
                None,
            ),
            (
                "Hải Hà đón 2 triệu lượt khách du lịch năm 2019.",
                NotEnoughInfo,
                None,
            ),
            ("Hải Hà có 5 khu công nghiệp.", NotEnoughInfo, None),
        ];
        for (claim, verdict, document) in cases {
            assert_verdict(claim, *verdict, *document);
        }
    }

    #[test]
    fn a_refutation_names_the_disagreeing_figure_and_the_source_figure() {
        let result = verdict_over(
            "Hải Hà giảm 15 cán bộ, công chức cấp xã so với năm 2015.",
            &[hai_ha()],
        );
        assert_eq!(result.verdict, Verdict::Refuted);
        assert!(
            result.explanation.contains("15 cán bộ") && result.explanation.contains("51 cán bộ"),
            "{}",
            result.explanation
        );
        let check = &result.evidence[0].checks[0];
        assert_eq!(check.outcome, Some(Outcome::Mismatch));
        assert_eq!(check.source_quantity.as_ref().map(|q| q.value), Some(51.0));
    }

    #[test]
    fn alignment_pairs_figures_by_counted_noun_and_direction() {
        let source = document(
            "x",
            "Xã Tân Lạc\nXã Tân Lạc sáp nhập 7 thôn, bản (sau sáp nhập còn 114 thôn, giảm 4 thôn).",
        );
        let claim = ClaimAnalysis::new("Tân Lạc sáp nhập 7 thôn, giảm 4 thôn.", None);
        let claim_words = WordSets::of(&claim.text);
        let alone = PreparedDocument::new(
            source.record.clone(),
            vec![source.sentences[1].record.clone()],
        );
        let judgement = judge_candidate(&claim, &claim_words, &alone.all_sources(1.0)[0]);
        let paired: Vec<(f64, Option<f64>)> = judgement
            .checks
            .iter()
            .map(|c| {
                (
                    c.claim_quantity.value,
                    c.source_quantity.as_ref().map(|q| q.value),
                )
            })
            .collect();
        assert_eq!(paired, [(7.0, Some(7.0)), (4.0, Some(4.0))]);
        assert!(judgement.all_agree());

        let wrong = ClaimAnalysis::new("Tân Lạc sáp nhập 7 thôn, giảm 6 thôn.", None);
        let judgement = judge_candidate(
            &wrong,
            &WordSets::of(&wrong.text),
            &alone.all_sources(1.0)[0],
        );
        // The decrease is paired with the decrease (4), not with the level (114).
        assert_eq!(
            judgement.checks[1]
                .source_quantity
                .as_ref()
                .map(|q| q.value),
            Some(4.0)
        );
        assert_eq!(judgement.checks[1].outcome, Some(Outcome::Mismatch));
    }

    #[test]
    fn context_binding_reads_title_lead_and_neighbours() {
        let source = document(
            "x",
            "Huyện Tân Lạc tinh gọn bộ máy\nMở đầu.\nCấp huyện thực hiện nhất thể hóa 6 chức danh.",
        );
        let bound = verdict_over(
            "Cấp huyện ở Tân Lạc thực hiện nhất thể hóa 6 chức danh.",
            std::slice::from_ref(&source),
        );
        assert_eq!(bound.verdict, Verdict::Supported, "{}", bound.explanation);
        let unbound = verdict_over(
            "Cấp huyện ở Phú Bình thực hiện nhất thể hóa 6 chức danh.",
            &[source],
        );
        assert_eq!(
            unbound.verdict,
            Verdict::NotEnoughInfo,
            "{}",
            unbound.explanation
        );
        assert!(
            unbound.explanation.contains("Phú Bình"),
            "{}",
            unbound.explanation
        );
    }

    #[test]
    fn claims_without_figures_are_judged_on_coverage_and_negation() {
        let source = document(
            "x",
            "Thị xã Tân Lạc\nThị xã Tân Lạc đã hợp nhất cơ quan kiểm tra với thanh tra.",
        );
        let supported = verdict_over(
            "Tân Lạc đã hợp nhất cơ quan kiểm tra với thanh tra.",
            std::slice::from_ref(&source),
        );
        assert_eq!(
            supported.verdict,
            Verdict::Supported,
            "{}",
            supported.explanation
        );
        let negated = verdict_over(
            "Tân Lạc chưa hợp nhất cơ quan kiểm tra với thanh tra.",
            std::slice::from_ref(&source),
        );
        assert_eq!(negated.verdict, Verdict::Refuted, "{}", negated.explanation);
        let unrelated = verdict_over("Tân Lạc đã xây dựng sân bay quốc tế.", &[source]);
        assert_eq!(
            unrelated.verdict,
            Verdict::NotEnoughInfo,
            "{}",
            unrelated.explanation
        );
    }

    #[test]
    fn no_candidates_means_not_enough_info() {
        let result = judge_by_rules(&ClaimAnalysis::new("Xã A có 5 thôn.", None), &[], 5);
        assert_eq!(result.verdict, Verdict::NotEnoughInfo);
        assert!(result.evidence.is_empty());
        assert_eq!(result.claim_quantities.len(), 1);
    }
}

#[cfg(test)]
mod english_tests {
    use super::*;
    use crate::analysis::analyse_document;
    use crate::model::DocumentInput;

    #[test]
    fn english_claims_are_checked_against_english_articles() {
        let analysed = analyse_document(DocumentInput::new(
            "en",
            "Long Bien district trims its payroll\n\
                   Long Bien district cut 1,654 part-time posts in 2019, officials said.\n\
                   Trust in the local government reached 91.6 percent.\n\
                   Eleven of the 11 communes merged their offices.",
        ));
        let prepared = PreparedDocument::of_analysed(&analysed);
        let sources = prepared.all_sources(0.5);
        let cases = [
            (
                "Long Bien district cut 1,654 part-time posts in 2019.",
                Verdict::Supported,
            ),
            (
                "Long Bien district cut 1654 part-time posts in 2019.",
                Verdict::Supported,
            ),
            (
                "Long Bien district cut 1,456 part-time posts in 2019.",
                Verdict::Refuted,
            ),
            (
                "Long Bien district added 1,654 part-time posts in 2019.",
                Verdict::Refuted,
            ),
            (
                "Long Bien district cut 1,654 part-time posts in 2018.",
                Verdict::Refuted,
            ),
            (
                "Trust in the local government of Long Bien reached more than 90 percent.",
                Verdict::Supported,
            ),
            (
                "Trust in the local government of Long Bien was under 80 percent.",
                Verdict::Refuted,
            ),
            (
                "Cau Giay district cut 1,654 part-time posts in 2019.",
                Verdict::NotEnoughInfo,
            ),
        ];
        for (claim, expected) in cases {
            let result = judge_by_rules(&ClaimAnalysis::new(claim, None), &sources, 3);
            assert_eq!(
                result.verdict, expected,
                "{claim:?}: {}",
                result.explanation
            );
        }
    }
}
