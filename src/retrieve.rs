//! Retrieval: the candidate sentences for a claim, from the in-memory
//! index, never from a scan of stored sentences. Terms are scored with BM25
//! (k1 = 1.2, b = 0.75) over sentences. The claim's subject documents (those
//! naming one of its places or organisations, when that name is rare) are
//! found first. Rare terms (held by at most `RARE_TERM_SENTENCES` sentences)
//! are read in full and nominate candidates; common terms only add to the
//! scores of subject and nominated documents, visited document by document
//! through cursors over their sorted postings, so the work per claim stays
//! bounded as the store grows:
//! nomination reads at most `NOMINATION_BUDGET` postings, rarest terms
//! first, and at most `MAX_COMMON_TERMS` common terms re-score at most
//! `MAX_SUBJECT_DOCUMENTS` plus `MAX_NOMINATED_DOCUMENTS` documents. Scores
//! are lists sorted by posting key, so adding a term is a merge. The
//! best candidates are then loaded (through a bounded cache of documents
//! prepared for judging) and re-ranked with `strsim`'s Sørensen–Dice
//! similarity of the folded texts.

use std::collections::HashSet;
use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::budget::{Budget, Stopped};
use crate::hashing::FastMap;
use crate::index::{key_document, posting_key, InvertedIndex, Posting, PostingCursor};
use crate::judge::PreparedDocument;
use crate::store::{Store, StoreError};

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Terms held by more sentences than this only re-score nominated documents.
pub const RARE_TERM_SENTENCES: u64 = 4000;
/// Postings read to nominate candidates, per claim.
const NOMINATION_BUDGET: u64 = 8_000;
/// Common terms that re-score nominated documents, the most informative first.
const MAX_COMMON_TERMS: usize = 8;
/// Nominated documents, other than subject documents, that common terms
/// re-score.
const MAX_NOMINATED_DOCUMENTS: usize = 60;
/// Subject documents (naming the claim's places or organisations) that
/// common terms re-score.
const MAX_SUBJECT_DOCUMENTS: usize = 1000;

/// A sentence nominated by the index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub document_number: u32,
    pub sentence_index: u32,
    pub bm25: f64,
}

/// A loaded candidate: its prepared document, its position there, and its
/// BM25 and string similarity combined, in 0..1.
#[derive(Debug, Clone)]
pub struct RankedSource {
    pub document: Arc<PreparedDocument>,
    pub position: usize,
    pub score: f64,
}

/// Weighs a prepared document by the memory it takes once prepared.
#[derive(Clone)]
struct PreparedWeight;

impl Weighter<u32, Arc<PreparedDocument>> for PreparedWeight {
    fn weight(&self, _number: &u32, document: &Arc<PreparedDocument>) -> u64 {
        document.approximate_bytes() as u64
    }
}

/// A typical prepared document's weight (a 4 KB article), for sizing the
/// cache's tables.
const TYPICAL_PREPARED_BYTES: u64 = 128 * 1024;

/// Why a document was not loaded.
enum Unloaded {
    Absent,
    Store(StoreError),
}

/// Documents prepared for judging, by document number, bounded by bytes.
/// Numbers are never reused, so an entry never goes stale: a replaced
/// document has a new number and a deleted one is no longer nominated.
/// Numbers come from the store, not from clients, so a fixed fast hasher
/// is safe.
pub struct DocumentCache {
    documents: Cache<u32, Arc<PreparedDocument>, PreparedWeight, foldhash::fast::FixedState>,
}

impl DocumentCache {
    /// A cache of at most `bytes` of prepared documents; 0 keeps none.
    pub fn new(bytes: u64) -> DocumentCache {
        DocumentCache {
            documents: Cache::with(
                (bytes / TYPICAL_PREPARED_BYTES).max(1) as usize,
                bytes,
                PreparedWeight,
                foldhash::fast::FixedState::default(),
                Default::default(),
            ),
        }
    }

    /// Document `number`, prepared, from the cache or the store; a
    /// document several claims ask for at once is loaded once.
    pub fn get(
        &self,
        store: &Store,
        number: u32,
    ) -> Result<Option<Arc<PreparedDocument>>, StoreError> {
        let loaded =
            self.documents
                .get_or_insert_with(&number, || match store.numbered_document(number) {
                    Ok(Some((record, sentences))) => {
                        Ok(Arc::new(PreparedDocument::new(record, sentences)))
                    }
                    Ok(None) => Err(Unloaded::Absent),
                    Err(error) => Err(Unloaded::Store(error)),
                });
        match loaded {
            Ok(document) => Ok(Some(document)),
            Err(Unloaded::Absent) => Ok(None),
            Err(Unloaded::Store(error)) => Err(error),
        }
    }
}

/// What one posting of a term with inverse document frequency `idf` adds
/// to its sentence's BM25 score: a term counts once per sentence, so its
/// frequency there is 1.
fn bm25_gain(idf: f64, posting: &Posting, average_length: f64) -> f64 {
    let length = posting.sentence_length as f64;
    idf * (K1 + 1.0) / (1.0 + K1 * (1.0 - B + B * length / average_length.max(1.0)))
}

/// BM25's inverse document frequency of a term held by `holding` of
/// `total` sentences.
fn idf_of(total: u64, holding: u64) -> f64 {
    (1.0 + (total as f64 - holding as f64 + 0.5) / (holding as f64 + 0.5)).ln()
}

/// Which stored documents a claim may be checked against: only some (when
/// the caller names them), and never some others (documents the caller
/// leaves out, such as the draft being checked).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentFilter {
    /// Ascending; `None` for every document. Retrieval scores these
    /// documents whole, so the list is kept short (named documents, or a
    /// record filter that allows few).
    only: Option<Vec<u32>>,
    except: HashSet<u32>,
    /// Documents a broad record filter allows, checked posting by posting
    /// as retrieval reads them; `None` for every document.
    within: Option<Arc<HashSet<u32>>>,
}

impl DocumentFilter {
    pub fn new(only: Option<HashSet<u32>>, except: HashSet<u32>) -> DocumentFilter {
        let only = only.map(|set| {
            let mut documents: Vec<u32> = set.difference(&except).copied().collect();
            documents.sort_unstable();
            documents
        });
        DocumentFilter {
            only,
            except,
            within: None,
        }
    }

    /// Also only documents of `within` (a record filter's documents, too
    /// many to score whole).
    pub fn within(mut self, within: Arc<HashSet<u32>>) -> DocumentFilter {
        self.within = Some(within);
        self
    }

    /// Every document but `except`.
    pub fn except(except: HashSet<u32>) -> DocumentFilter {
        DocumentFilter::new(None, except)
    }

    pub fn allows(&self, document: u32) -> bool {
        !self.except.contains(&document)
            && self
                .within
                .as_ref()
                .is_none_or(|within| within.contains(&document))
            && self
                .only
                .as_ref()
                .is_none_or(|only| only.binary_search(&document).is_ok())
    }
}

/// The `limit` best sentences for `terms`, in the documents `filter`
/// allows. Sentences of documents that mention a `context_terms` term
/// anywhere (the claim's places and organisations: its subject documents)
/// gain that term's weight and rank before all others, so that a sentence
/// bound to its subject by its title or lead is not crowded out by
/// look-alike sentences about other places.
pub fn candidates(
    index: &InvertedIndex,
    terms: &[String],
    context_terms: &[String],
    filter: &DocumentFilter,
    limit: usize,
) -> Vec<Candidate> {
    let (sentence_total, token_total) = index.corpus_size();
    if sentence_total == 0 || terms.is_empty() || limit == 0 {
        return Vec::new();
    }
    let average_length = token_total as f64 / sentence_total as f64;
    let is_allowed = |document: u32| filter.allows(document);
    let mut weighted: Vec<(&String, u64, f64)> = Vec::with_capacity(terms.len());
    for term in terms {
        let holding = index.holding(term);
        if holding == 0 {
            continue;
        }
        weighted.push((term, holding, idf_of(sentence_total, holding)));
    }
    weighted.sort_by_key(|(_, holding, _)| *holding);
    let document_bonus = subject_documents(index, context_terms, sentence_total, &is_allowed);
    SCRATCH.with_borrow_mut(|scratch| {
        scratch.clear();
        score_and_rank(
            index,
            &weighted,
            &document_bonus,
            filter,
            average_length,
            limit,
            scratch,
        )
    })
}

/// A sentence's (document, sentence) key, as postings are ordered, and its
/// score so far.
type Scored = (u64, f64);

/// Per-thread lists for scoring, kept between claims so that their memory
/// is reused. Scores are kept sorted by key: a term's postings come in that
/// order, so adding them is a linear merge, with no hashing.
#[derive(Default)]
struct Scratch {
    /// BM25 score of every scored sentence, sorted by key.
    scores: Vec<Scored>,
    /// One term's gains, sorted by key, until they are merged in.
    gains: Vec<Scored>,
    /// Where a merge writes; then swapped with `scores`.
    merged: Vec<Scored>,
    /// Common terms' gains in one document, by sentence.
    in_document: Vec<(u32, f64)>,
    /// Every scored sentence, and whether it is in a subject document,
    /// before the best are selected.
    ranked: Vec<(bool, Candidate)>,
}

impl Scratch {
    fn clear(&mut self) {
        self.scores.clear();
        self.gains.clear();
        self.ranked.clear();
    }

    /// Adds the pending `gains` into `scores`, summing where keys meet.
    fn merge_gains(&mut self) {
        let Scratch {
            scores,
            gains,
            merged,
            ..
        } = self;
        merged.clear();
        merged.reserve(scores.len() + gains.len());
        let (mut a, mut b) = (0, 0);
        while a < scores.len() && b < gains.len() {
            let ((key_a, score_a), (key_b, score_b)) = (scores[a], gains[b]);
            if key_a < key_b {
                merged.push((key_a, score_a));
                a += 1;
            } else if key_b < key_a {
                merged.push((key_b, score_b));
                b += 1;
            } else {
                merged.push((key_a, score_a + score_b));
                a += 1;
                b += 1;
            }
        }
        merged.extend_from_slice(&scores[a..]);
        merged.extend_from_slice(&gains[b..]);
        std::mem::swap(scores, merged);
        gains.clear();
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// The summed score of each scored document's sentences, by document.
fn document_weights(scores: &[Scored]) -> Vec<(u32, f64)> {
    let mut weights: Vec<(u32, f64)> = Vec::new();
    for &(key, score) in scores {
        match weights.last_mut() {
            Some((document, weight)) if *document == key_document(key) => *weight += score,
            _ => weights.push((key_document(key), score)),
        }
    }
    weights
}

/// Adds the BM25 gains of `terms` in `documents` (ascending) to the
/// scores, reading only those documents' postings.
fn score_in_documents(
    index: &InvertedIndex,
    terms: &[(&String, f64)],
    documents: &[u32],
    average_length: f64,
    scratch: &mut Scratch,
) {
    let mut cursors: Vec<(PostingCursor, f64)> = terms
        .iter()
        .filter_map(|(term, idf)| Some((index.cursor(term)?, *idf)))
        .collect();
    // Document by document, so that the gains come sorted by key and
    // are merged into the scores once.
    let Scratch {
        gains, in_document, ..
    } = &mut *scratch;
    for &document in documents {
        in_document.clear();
        for (cursor, idf) in &mut cursors {
            cursor.visit_document(document, |posting| {
                in_document.push((posting.sentence, bm25_gain(*idf, &posting, average_length)));
            });
        }
        in_document.sort_unstable_by_key(|(sentence, _)| *sentence);
        for &(sentence, gain) in in_document.iter() {
            let key = posting_key(document, sentence);
            match gains.last_mut() {
                Some((last, sum)) if *last == key => *sum += gain,
                _ => gains.push((key, gain)),
            }
        }
    }
    scratch.merge_gains();
}

/// Nominates, re-scores and ranks: the body of [`candidates`], with its
/// terms weighted (rarest first) and its subject documents found. When the
/// filter names the only documents allowed, every term is read in those
/// documents alone: cutting a term's postings to a budget before the
/// filter would miss the allowed documents stored late.
fn score_and_rank(
    index: &InvertedIndex,
    weighted: &[(&String, u64, f64)],
    document_bonus: &FastMap<u32, f64>,
    filter: &DocumentFilter,
    average_length: f64,
    limit: usize,
    scratch: &mut Scratch,
) -> Vec<Candidate> {
    let only = filter.only.as_deref();
    let mut common = Vec::new();
    let mut budget = NOMINATION_BUDGET;
    if let Some(documents) = only {
        let terms: Vec<(&String, f64)> = weighted.iter().map(|(t, _, idf)| (*t, *idf)).collect();
        score_in_documents(index, &terms, documents, average_length, scratch);
    }
    for (position, (term, holding, idf)) in weighted.iter().enumerate().filter(|_| only.is_none()) {
        let affordable = *holding <= RARE_TERM_SENTENCES && *holding <= budget;
        // A claim of common words only still needs candidates: without
        // subject documents to re-score, its two rarest terms nominate,
        // reading at most half the budget each, so that nomination never
        // reads more than the budget.
        let must_nominate = position < 2 && document_bonus.is_empty();
        if !affordable && !must_nominate {
            if common.len() < MAX_COMMON_TERMS {
                common.push((*term, *idf));
            }
            continue;
        }
        let readable = if affordable {
            *holding
        } else {
            (*holding).min(NOMINATION_BUDGET / 2)
        };
        budget = budget.saturating_sub(readable);
        scratch.gains.extend(
            index
                .postings(term)
                .filter(|posting| filter.allows(posting.document))
                .take(readable as usize)
                .map(|posting| {
                    (
                        posting_key(posting.document, posting.sentence),
                        bm25_gain(*idf, &posting, average_length),
                    )
                }),
        );
        scratch.merge_gains();
    }
    if !common.is_empty() {
        let weights = document_weights(&scratch.scores);
        let documents = documents_to_rescore(&weights, document_bonus);
        score_in_documents(index, &common, &documents, average_length, scratch);
    }
    // Each scored sentence, with whether its document is a subject
    // document, found once per document.
    let mut bonus_of = (u32::MAX, None);
    for &(key, bm25) in &scratch.scores {
        let document_number = key_document(key);
        if bonus_of.0 != document_number {
            bonus_of = (
                document_number,
                document_bonus.get(&document_number).copied(),
            );
        }
        let candidate = Candidate {
            document_number,
            sentence_index: key as u32,
            bm25: bm25 + bonus_of.1.unwrap_or(0.0),
        };
        scratch.ranked.push((bonus_of.1.is_some(), candidate));
    }
    let ranked = &mut scratch.ranked;
    // Sentences of documents that mention the claim's names come first: only
    // they can be bound to the claim's subject, so look-alike sentences about
    // other places must not crowd them out.
    let order = |(a_bound, a): &(bool, Candidate), (b_bound, b): &(bool, Candidate)| {
        b_bound
            .cmp(a_bound)
            .then(b.bm25.total_cmp(&a.bm25))
            .then(a.document_number.cmp(&b.document_number))
            .then(a.sentence_index.cmp(&b.sentence_index))
    };
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, order);
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by(order);
    ranked.iter().map(|(_, candidate)| *candidate).collect()
}

/// The claim's subject documents: those whose sentences hold a rare
/// `context_terms` term (a place or organisation named in the claim), each
/// with the summed inverse document frequency of the terms it holds.
fn subject_documents(
    index: &InvertedIndex,
    context_terms: &[String],
    sentence_total: u64,
    is_allowed: &impl Fn(u32) -> bool,
) -> FastMap<u32, f64> {
    let mut bonus: FastMap<u32, f64> = FastMap::default();
    for term in context_terms {
        let holding = index.holding(term);
        if holding == 0 || holding > RARE_TERM_SENTENCES {
            continue;
        }
        let idf = idf_of(sentence_total, holding);
        let mut previous = None;
        for posting in index.postings(term) {
            if previous == Some(posting.document) || !is_allowed(posting.document) {
                continue;
            }
            previous = Some(posting.document);
            *bonus.entry(posting.document).or_default() += idf;
        }
    }
    bonus
}

/// The documents common terms re-score, sorted: subject documents first
/// (at most `MAX_SUBJECT_DOCUMENTS`, those with the most nominated weight,
/// then the newest), then the heaviest other nominated documents (at most
/// `MAX_NOMINATED_DOCUMENTS`).
fn documents_to_rescore(weights: &[(u32, f64)], document_bonus: &FastMap<u32, f64>) -> Vec<u32> {
    let heavier = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0));
    let keep_heaviest = |mut documents: Vec<(u32, f64)>, most: usize| {
        if documents.len() > most {
            documents.select_nth_unstable_by(most - 1, heavier);
            documents.truncate(most);
        }
        documents
    };
    let mut subject: Vec<(u32, f64)> = document_bonus
        .iter()
        .map(|(document, bonus)| {
            let weight = weights
                .binary_search_by_key(document, |(weighed, _)| *weighed)
                .map_or(0.0, |found| weights[found].1);
            (*document, bonus + weight)
        })
        .collect();
    subject = keep_heaviest(subject, MAX_SUBJECT_DOCUMENTS);
    let others: Vec<(u32, f64)> = weights
        .iter()
        .filter(|(document, _)| !document_bonus.contains_key(document))
        .copied()
        .collect();
    let others = keep_heaviest(others, MAX_NOMINATED_DOCUMENTS);
    let mut documents: Vec<u32> = subject
        .into_iter()
        .chain(others)
        .map(|(document, _)| document)
        .collect();
    documents.sort_unstable();
    documents
}

/// Loads candidates with their documents, and re-ranks them by BM25
/// (normalised) and string similarity to the claim's padded folded text.
pub fn load_and_rerank<E: From<StoreError> + From<Stopped>>(
    store: &Store,
    cache: &DocumentCache,
    claim_folded: &str,
    ranked: &[Candidate],
    budget: &Budget,
) -> Result<Vec<RankedSource>, E> {
    let best = ranked
        .first()
        .map(|c| c.bm25)
        .unwrap_or(1.0)
        .max(f64::MIN_POSITIVE);
    let mut documents: FastMap<u32, Option<Arc<PreparedDocument>>> = FastMap::default();
    let mut loaded = Vec::with_capacity(ranked.len());
    for candidate in ranked {
        let number = candidate.document_number;
        let document = match documents.get(&number) {
            Some(document) => document.clone(),
            None => {
                budget.check()?;
                let document = cache.get(store, number)?;
                documents.insert(number, document.clone());
                document
            }
        };
        let Some(document) = document else {
            continue;
        };
        let position = candidate.sentence_index as usize;
        let Some(sentence) = document.sentences.get(position) else {
            continue;
        };
        let similarity = strsim::sorensen_dice(claim_folded, sentence.folded());
        let score = 0.7 * (candidate.bm25 / best) + 0.3 * similarity;
        loaded.push(RankedSource {
            document,
            position,
            score,
        });
    }
    loaded.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store holding one document of `sentences` sentences, and its
    /// number.
    fn store_with(sentences: usize) -> (tempfile::TempDir, Store, u32) {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        let text = format!("Tiêu đề\n{}", "Xã Gia Hưng có 7 thôn. ".repeat(sentences));
        let document =
            crate::analysis::analyse_document(crate::model::DocumentInput::new("a", text));
        let number = store.put_document(&document).unwrap().document_number;
        (directory, store, number)
    }

    #[test]
    fn the_document_cache_keeps_what_its_bytes_allow() {
        let (_directory, store, number) = store_with(10);
        let kept = DocumentCache::new(8 << 20);
        let first = kept.get(&store, number).unwrap().unwrap();
        let again = kept.get(&store, number).unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again), "a small document is kept");
        let weight = first.approximate_bytes() as u64;
        let too_small = DocumentCache::new(weight / 2);
        let first = too_small.get(&store, number).unwrap().unwrap();
        let again = too_small.get(&store, number).unwrap().unwrap();
        assert!(
            !Arc::ptr_eq(&first, &again),
            "a document above the bound is not kept"
        );
        assert!(kept.get(&store, number + 1).unwrap().is_none());
    }
    use crate::index::DocumentTerms;
    use crate::judge::ClaimAnalysis;

    /// An index over documents given as their sentences.
    fn index_of(documents: &[Vec<String>]) -> InvertedIndex {
        let mut index = InvertedIndex::new();
        for (number, sentences) in documents.iter().enumerate() {
            let document = DocumentTerms::of_texts(sentences);
            index.add(number as u32, &document);
        }
        index
    }

    fn candidates_for(
        index: &InvertedIndex,
        claim: &str,
        allowed: Option<&HashSet<u32>>,
    ) -> Vec<Candidate> {
        let claim = ClaimAnalysis::new(claim, None);
        candidates(
            index,
            &claim.search_terms(),
            &claim.context_terms(),
            &DocumentFilter::new(allowed.cloned(), HashSet::new()),
            10,
        )
    }

    /// Many documents of common words about other places, and one whose
    /// lead names Côn Đảo and whose second sentence holds the figure.
    fn crowded_archive() -> Vec<Vec<String>> {
        let filler = RARE_TERM_SENTENCES as usize + 500;
        let mut documents: Vec<Vec<String>> = (0..filler)
            .map(|i| vec![format!("Đảo số {i} đã giảm {} hộ dân trong năm.", i % 90)])
            .collect();
        documents.push(vec![
            "Huyện Côn Đảo sắp xếp lại bộ máy.".to_string(),
            "Năm qua đã giảm 66 hộ dân.".to_string(),
        ]);
        documents
    }

    /// When every term is rare enough to be read in full and no document
    /// is a subject, the candidates are exactly the best sentences by plain
    /// BM25, summed term by term over every posting.
    #[test]
    fn candidates_are_the_best_by_plain_bm25_when_every_term_is_read() {
        let words = [
            "xã",
            "huyện",
            "giảm",
            "tăng",
            "cán",
            "bộ",
            "hộ",
            "dân",
            "trường",
            "học",
            "năm",
            "sắp",
            "xếp",
            "biên",
            "chế",
        ];
        // A small deterministic generator (xorshift64), enough to vary
        // sentences.
        let mut state = 11u64;
        let mut next = move |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        let sentence = |next: &mut dyn FnMut(u64) -> u64| {
            let length = 3 + next(10) as usize;
            (0..length)
                .map(|_| words[next(words.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let archive: Vec<Vec<String>> = (0..40)
            .map(|_| {
                let sentences = 1 + next(6) as usize;
                (0..sentences).map(|_| sentence(&mut next)).collect()
            })
            .collect();
        let index = index_of(&archive);
        let (sentence_total, token_total) = index.corpus_size();
        let average_length = token_total as f64 / sentence_total as f64;
        for _ in 0..30 {
            let claim = ClaimAnalysis::new(&sentence(&mut next), None);
            let terms = claim.search_terms();
            let mut expected: FastMap<(u32, u32), f64> = FastMap::default();
            for term in &terms {
                let idf = idf_of(sentence_total, index.holding(term));
                for posting in index.postings(term) {
                    *expected
                        .entry((posting.document, posting.sentence))
                        .or_default() += bm25_gain(idf, &posting, average_length);
                }
            }
            let mut best: Vec<f64> = expected.values().copied().collect();
            best.sort_by(|a, b| b.total_cmp(a));
            best.truncate(10);
            let found = candidates(&index, &terms, &[], &DocumentFilter::default(), 10);
            let scores: Vec<f64> = found.iter().map(|c| c.bm25).collect();
            assert_eq!(scores.len(), best.len(), "{terms:?}");
            for ((candidate, score), wanted) in found.iter().zip(&scores).zip(&best) {
                let key = (candidate.document_number, candidate.sentence_index);
                assert!(
                    (score - wanted).abs() < 1e-9,
                    "{terms:?}: {scores:?} vs {best:?}"
                );
                assert!((expected[&key] - score).abs() < 1e-9, "{terms:?}: {key:?}");
            }
        }
    }

    #[test]
    fn retrieval_finds_what_each_claim_is_about() {
        let archive = crowded_archive();
        let subject = (archive.len() - 1) as u32;
        let index = index_of(&archive);
        let only_first: HashSet<u32> = [0, 1].into();
        // (claim, allowed documents, a (document, sentence) that must be
        // among the candidates, or None for no candidates at all)
        type Case<'a> = (&'a str, Option<&'a HashSet<u32>>, Option<(u32, u32)>);
        let cases: Vec<Case> = vec![
            // Every word of the figure sentence is common; the subject name
            // is rare, so the subject document is re-scored and its figure
            // sentence is found although it does not name the place.
            ("Côn Đảo đã giảm 66 hộ dân.", None, Some((subject, 1))),
            // No subject: the rarest common words still nominate.
            ("Đã giảm hộ dân.", None, Some((0, 0))),
            // Restricted to documents the caller names.
            (
                "Côn Đảo đã giảm 66 hộ dân.",
                Some(&only_first),
                Some((0, 0)),
            ),
            // Words no sentence holds.
            ("Tokyo Olympics medal table", None, None),
        ];
        // A filter naming only the last of many documents with the same
        // common sentence: its postings lie past any nomination budget.
        let last = (archive.len() - 2) as u32;
        let only_last: HashSet<u32> = [last].into();
        let found = candidates_for(&index, "Đảo đã giảm hộ dân trong năm.", Some(&only_last));
        assert!(
            !found.is_empty() && found.iter().all(|c| c.document_number == last),
            "{found:?}"
        );
        // A document left out is never a candidate, even when it is the
        // claim's subject document.
        let claim = ClaimAnalysis::new("Côn Đảo đã giảm 66 hộ dân.", None);
        let without_subject = candidates(
            &index,
            &claim.search_terms(),
            &claim.context_terms(),
            &DocumentFilter::except([subject].into()),
            10,
        );
        assert!(
            !without_subject.is_empty()
                && without_subject.iter().all(|c| c.document_number != subject),
            "{without_subject:?}"
        );
        for (claim, allowed, expected) in cases {
            let found = candidates_for(&index, claim, allowed);
            assert!(found.len() <= 10, "{claim}: {} candidates", found.len());
            if allowed.is_some() {
                assert!(
                    found.iter().all(|c| c.document_number < 2),
                    "{claim}: {found:?}"
                );
            }
            match expected {
                Some(wanted) => assert!(
                    found
                        .iter()
                        .any(|c| (c.document_number, c.sentence_index) == wanted),
                    "{claim}: {wanted:?} not in {found:?}"
                ),
                None => assert!(found.is_empty(), "{claim}: {found:?}"),
            }
        }
    }
}
