//! Retrieval: the candidate sentences for a claim, from the in-memory
//! index, never from a scan of stored sentences. Terms are scored with BM25
//! (k1 = 1.2, b = 0.75) over sentences. Rare terms (held by at most
//! `RARE_TERM_SENTENCES` sentences) are read in full and nominate
//! candidates; common terms only add to the scores of documents already
//! nominated, with one binary search per document, so the work per claim stays
//! bounded as the store grows: nomination reads at most
//! `NOMINATION_BUDGET` postings, rarest terms first, and at most
//! `MAX_COMMON_TERMS` common terms re-score at most `MAX_NOMINATED_DOCUMENTS`
//! documents. The best candidates are then loaded (through a bounded cache
//! of documents prepared for judging) and re-ranked with `strsim`'s
//! Sørensen–Dice similarity of the folded texts.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use crate::cache::BoundedCache;
use crate::hashing::{FastHasher, FastMap, FastSet};
use crate::index::InvertedIndex;
use crate::store::{Store, StoreError};
use crate::verify::PreparedDocument;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Terms held by more sentences than this only re-score nominated documents.
pub const RARE_TERM_SENTENCES: u64 = 4000;
/// Postings read to nominate candidates, per claim.
const NOMINATION_BUDGET: u64 = 12_000;
/// Common terms that re-score nominated documents, the most informative first.
const MAX_COMMON_TERMS: usize = 8;
/// Documents considered for common-term lookups.
const MAX_NOMINATED_DOCUMENTS: usize = 150;

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

/// Documents prepared for judging, by document number. Numbers are never
/// reused, so an entry never goes stale: a replaced document has a new
/// number and a deleted one is no longer nominated.
pub struct DocumentCache {
    documents: BoundedCache<u32, Arc<PreparedDocument>, BuildHasherDefault<FastHasher>>,
}

impl DocumentCache {
    /// A cache of at most `capacity` documents; 0 keeps none.
    pub fn new(capacity: usize) -> DocumentCache {
        DocumentCache {
            documents: BoundedCache::new(capacity),
        }
    }

    /// Document `number`, prepared, from the cache or the store.
    pub fn get(
        &self,
        store: &Store,
        number: u32,
    ) -> Result<Option<Arc<PreparedDocument>>, StoreError> {
        if let Some(document) = self.documents.get(&number) {
            return Ok(Some(document));
        }
        let Some((record, sentences)) = store.numbered_document(number)? else {
            return Ok(None);
        };
        let document = Arc::new(PreparedDocument::new(record, sentences));
        self.documents.insert(number, Arc::clone(&document));
        Ok(Some(document))
    }
}

fn bm25_term(idf: f64, term_count: f64, length: f64, average_length: f64) -> f64 {
    idf * term_count * (K1 + 1.0)
        / (term_count + K1 * (1.0 - B + B * length / average_length.max(1.0)))
}

/// BM25's inverse document frequency of a term held by `holding` of
/// `total` sentences.
fn idf_of(total: u64, holding: u64) -> f64 {
    (1.0 + (total as f64 - holding as f64 + 0.5) / (holding as f64 + 0.5)).ln()
}

/// The `limit` best sentences for `terms`, optionally only in `allowed`
/// documents. Sentences of documents that mention a `context_terms` term
/// anywhere (the claim's places and organisations) gain that term's weight
/// and rank before all others, so that a sentence bound to its subject by its
/// title or lead is not crowded out by look-alike sentences about other
/// places.
pub fn candidates(
    index: &InvertedIndex,
    terms: &[String],
    context_terms: &[String],
    allowed: Option<&HashSet<u32>>,
    limit: usize,
) -> Vec<Candidate> {
    let (sentence_total, token_total) = index.corpus_size();
    if sentence_total == 0 || terms.is_empty() || limit == 0 {
        return Vec::new();
    }
    let average_length = token_total as f64 / sentence_total as f64;
    let mut weighted: Vec<(&String, u64, f64)> = Vec::with_capacity(terms.len());
    for term in terms {
        let holding = index.holding(term);
        if holding == 0 {
            continue;
        }
        weighted.push((term, holding, idf_of(sentence_total, holding)));
    }
    weighted.sort_by_key(|(_, holding, _)| *holding);
    // Room for what nomination can read, so the map never grows midway.
    let readable: u64 = weighted.iter().map(|(_, holding, _)| holding).sum();
    let mut scores: FastMap<(u32, u32), f64> = FastMap::with_capacity_and_hasher(
        readable.min(2 * NOMINATION_BUDGET) as usize,
        Default::default(),
    );
    let mut document_weight: FastMap<u32, f64> =
        FastMap::with_capacity_and_hasher(scores.capacity() / 4, Default::default());
    let mut common = Vec::new();
    let mut budget = NOMINATION_BUDGET;
    // Documents holding each context term, kept from nomination so the
    // bonus below does not read the same postings again.
    let mut context_documents: FastMap<&str, FastSet<u32>> = FastMap::default();
    for (position, (term, holding, idf)) in weighted.iter().enumerate() {
        // The two rarest terms always nominate, so a claim of common words
        // still finds candidates; others while the budget lasts.
        let affordable = *holding <= RARE_TERM_SENTENCES && *holding <= budget;
        if !affordable && position >= 2 {
            if common.len() < MAX_COMMON_TERMS {
                common.push((*term, *idf));
            }
            continue;
        }
        budget = budget.saturating_sub(*holding);
        let is_context_term = context_terms.contains(*term);
        // Postings come by document: a document's weight is added once per
        // run of its postings.
        let mut run: Option<(u32, f64)> = None;
        for posting in index.postings(term) {
            let document = posting.document;
            if allowed.is_some_and(|set| !set.contains(&document)) {
                continue;
            }
            if run.is_none_or(|(current, _)| current != document) {
                if let Some((finished, weight)) = run.take() {
                    *document_weight.entry(finished).or_default() += weight;
                }
                if is_context_term {
                    context_documents
                        .entry(term.as_str())
                        .or_default()
                        .insert(document);
                }
                run = Some((document, 0.0));
            }
            let gain = bm25_term(
                *idf,
                posting.term_count as f64,
                posting.sentence_length as f64,
                average_length,
            );
            *scores.entry((document, posting.sentence)).or_default() += gain;
            if let Some((_, weight)) = run.as_mut() {
                *weight += gain;
            }
        }
        if let Some((finished, weight)) = run {
            *document_weight.entry(finished).or_default() += weight;
        }
    }
    if !common.is_empty() {
        let mut nominated: Vec<(u32, f64)> = document_weight.into_iter().collect();
        let heavier = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if nominated.len() > MAX_NOMINATED_DOCUMENTS {
            nominated.select_nth_unstable_by(MAX_NOMINATED_DOCUMENTS - 1, heavier);
            nominated.truncate(MAX_NOMINATED_DOCUMENTS);
        }
        let mut documents: Vec<u32> = nominated
            .into_iter()
            .map(|(document, _)| document)
            .collect();
        documents.sort_unstable();
        for (term, idf) in common {
            index.visit_postings_in(term, &documents, |posting| {
                let gain = bm25_term(
                    idf,
                    posting.term_count as f64,
                    posting.sentence_length as f64,
                    average_length,
                );
                *scores
                    .entry((posting.document, posting.sentence))
                    .or_default() += gain;
            });
        }
    }
    let mut document_bonus: FastMap<u32, f64> = FastMap::default();
    for term in context_terms {
        let known = weighted
            .iter()
            .find(|(weighted_term, _, _)| *weighted_term == term);
        let holding = match known {
            Some((_, holding, _)) => *holding,
            None => index.holding(term),
        };
        if holding == 0 || holding > RARE_TERM_SENTENCES {
            continue;
        }
        let idf = idf_of(sentence_total, holding);
        let documents: FastSet<u32> = match context_documents.remove(term.as_str()) {
            Some(documents) => documents,
            None => index
                .postings(term)
                .map(|posting| posting.document)
                .collect(),
        };
        for document in documents {
            *document_bonus.entry(document).or_default() += idf;
        }
    }
    let mut ranked: Vec<Candidate> = scores
        .into_iter()
        .map(|((document_number, sentence_index), bm25)| Candidate {
            document_number,
            sentence_index,
            bm25: bm25 + document_bonus.get(&document_number).copied().unwrap_or(0.0),
        })
        .collect();
    // Sentences of documents that mention the claim's names come first: only
    // they can be bound to the claim's subject, so look-alike sentences about
    // other places must not crowd them out.
    let bound = |candidate: &Candidate| document_bonus.contains_key(&candidate.document_number);
    let order = |a: &Candidate, b: &Candidate| {
        bound(b)
            .cmp(&bound(a))
            .then(b.bm25.total_cmp(&a.bm25))
            .then(a.document_number.cmp(&b.document_number))
            .then(a.sentence_index.cmp(&b.sentence_index))
    };
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, order);
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by(order);
    ranked
}

/// Loads candidates with their documents, and re-ranks them by BM25
/// (normalised) and string similarity to the claim's padded folded text.
pub fn load_and_rerank(
    store: &Store,
    cache: &DocumentCache,
    claim_folded: &str,
    ranked: &[Candidate],
) -> Result<Vec<RankedSource>, StoreError> {
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
