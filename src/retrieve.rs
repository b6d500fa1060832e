//! Retrieval: the candidate sentences for a claim, from the sled-backed
//! index, never from a scan of stored sentences. Terms are scored with BM25
//! (k1 = 1.2, b = 0.75) over sentences. Rare terms (held by at most
//! `RARE_TERM_SENTENCES` sentences) are read in full and nominate
//! candidates; common terms only add to the scores of documents already
//! nominated, with one point lookup per document, so the work per claim stays
//! bounded as the store grows: nomination reads at most
//! `NOMINATION_BUDGET` postings, rarest terms first, and at most
//! `MAX_COMMON_TERMS` common terms re-score at most `MAX_NOMINATED_DOCUMENTS`
//! documents. The best candidates are then re-ranked with
//! `strsim`'s Sørensen–Dice similarity of the folded texts.

use std::collections::HashSet;

use crate::hashing::{FastMap, FastSet};

use crate::model::{DocumentRecord, SentenceRecord};
use crate::store::{Store, StoreError};
use crate::text::fold;

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

/// A candidate with everything verification reads.
#[derive(Debug, Clone)]
pub struct LoadedCandidate {
    pub document: DocumentRecord,
    pub sentence: SentenceRecord,
    pub previous: Option<SentenceRecord>,
    pub next: Option<SentenceRecord>,
    /// BM25 and string similarity combined, in 0..1.
    pub score: f64,
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
    store: &Store,
    terms: &[String],
    context_terms: &[String],
    allowed: Option<&HashSet<u32>>,
    limit: usize,
) -> Result<Vec<Candidate>, StoreError> {
    let (sentence_total, token_total) = store.corpus_size()?;
    if sentence_total == 0 || terms.is_empty() {
        return Ok(Vec::new());
    }
    let average_length = token_total as f64 / sentence_total as f64;
    let mut weighted: Vec<(&String, u64, f64)> = Vec::with_capacity(terms.len());
    for term in terms {
        let holding = store.term_sentence_count(term)?;
        if holding == 0 {
            continue;
        }
        weighted.push((term, holding, idf_of(sentence_total, holding)));
    }
    weighted.sort_by_key(|(_, holding, _)| *holding);
    let mut scores: FastMap<(u32, u32), f64> = FastMap::default();
    let mut document_weight: FastMap<u32, f64> = FastMap::default();
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
        for (document, postings) in store.postings(term)? {
            if allowed.is_some_and(|set| !set.contains(&document)) {
                continue;
            }
            if is_context_term {
                context_documents
                    .entry(term.as_str())
                    .or_default()
                    .insert(document);
            }
            for posting in postings {
                let gain = bm25_term(
                    *idf,
                    posting.term_count as f64,
                    posting.sentence_length as f64,
                    average_length,
                );
                *scores
                    .entry((document, posting.sentence_index))
                    .or_default() += gain;
                *document_weight.entry(document).or_default() += gain;
            }
        }
    }
    if !common.is_empty() {
        let mut nominated: Vec<(u32, f64)> = document_weight.into_iter().collect();
        nominated.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        nominated.truncate(MAX_NOMINATED_DOCUMENTS);
        for (term, idf) in common {
            for (document, _) in &nominated {
                for posting in store.postings_in(term, *document)? {
                    let gain = bm25_term(
                        idf,
                        posting.term_count as f64,
                        posting.sentence_length as f64,
                        average_length,
                    );
                    *scores
                        .entry((*document, posting.sentence_index))
                        .or_default() += gain;
                }
            }
        }
    }
    let mut document_bonus: FastMap<u32, f64> = FastMap::default();
    for term in context_terms {
        let known = weighted
            .iter()
            .find(|(weighted_term, _, _)| *weighted_term == term);
        let holding = match known {
            Some((_, holding, _)) => *holding,
            None => store.term_sentence_count(term)?,
        };
        if holding == 0 || holding > RARE_TERM_SENTENCES {
            continue;
        }
        let idf = idf_of(sentence_total, holding);
        let documents: FastSet<u32> = match context_documents.remove(term.as_str()) {
            Some(documents) => documents,
            None => store
                .postings(term)?
                .into_iter()
                .map(|(document, _)| document)
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
    ranked.sort_by(|a, b| {
        bound(b)
            .cmp(&bound(a))
            .then(b.bm25.total_cmp(&a.bm25))
            .then(a.document_number.cmp(&b.document_number))
            .then(a.sentence_index.cmp(&b.sentence_index))
    });
    ranked.truncate(limit);
    Ok(ranked)
}

/// Loads candidates with their documents and neighbours, and re-ranks them
/// by BM25 (normalised) and string similarity to the claim.
pub fn load_and_rerank(
    store: &Store,
    claim: &str,
    ranked: &[Candidate],
) -> Result<Vec<LoadedCandidate>, StoreError> {
    let best = ranked
        .first()
        .map(|c| c.bm25)
        .unwrap_or(1.0)
        .max(f64::MIN_POSITIVE);
    let claim_folded = fold(claim);
    let mut documents: FastMap<u32, Option<DocumentRecord>> = FastMap::default();
    let mut loaded = Vec::with_capacity(ranked.len());
    for candidate in ranked {
        let number = candidate.document_number;
        if let std::collections::hash_map::Entry::Vacant(slot) = documents.entry(number) {
            let record = match store.document_id(number)? {
                Some(id) => store.document(&id)?,
                None => None,
            };
            slot.insert(record);
        }
        let Some(document) = documents.get(&number).cloned().flatten() else {
            continue;
        };
        let Some(sentence) = store.sentence(number, candidate.sentence_index)? else {
            continue;
        };
        let previous = match candidate.sentence_index {
            0 => None,
            index => store.sentence(number, index - 1)?,
        };
        let next = store.sentence(number, candidate.sentence_index + 1)?;
        let similarity = strsim::sorensen_dice(&claim_folded, &fold(&sentence.text));
        let score = 0.7 * (candidate.bm25 / best) + 0.3 * similarity;
        loaded.push(LoadedCandidate {
            document,
            sentence,
            previous,
            next,
            score,
        });
    }
    loaded.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(loaded)
}
