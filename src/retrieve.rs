//! Retrieval: the candidate sentences for a claim, from the search index
//! (`crate::index`), never from a scan of stored sentences. Sentences are
//! scored with BM25 over the claim's terms: the index collects the top k
//! with Block-WAND. In an archive of `EXACT_BELOW` sentences or more, the
//! common words of a claim do not lead the search: its selective words
//! (the rare ones and the rarest few of the others) find a pool of
//! sentences, which every term then scores again (when the claim names
//! something no sentence names: a smaller pool, not led by that name's
//! words, found with sentence lengths left out). The claim's subject
//! documents (those naming one of its places or organisations, when that
//! name is rare: held by at most `RARE_TERM_SENTENCES` sentences; at most
//! `SUBJECT_DOCUMENTS` of them, those that name it most) are searched first
//! and their sentences rank before all others, each with the weight of the
//! names its document holds. The best candidates are then loaded (through a
//! bounded cache of documents prepared for judging) and re-ranked with
//! the Sørensen–Dice similarity of the folded texts
//! ([`crate::text::BigramProfile`]).

use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::budget::{Budget, Stopped};
use crate::hashing::FastMap;
use crate::index::{DocumentPlace, IndexError, IndexView, Restriction};
use crate::judge::PreparedDocument;
use crate::store::{Store, StoreError};
use crate::text::BigramProfile;

/// A claim's place or organisation names a subject document only when
/// held by at most this many sentences: a common name says little about
/// what a document is about, and reading its postings would cost more.
pub const RARE_TERM_SENTENCES: u64 = 4000;

/// A term held by more than this share of the sentences is common: it
/// adds to the scores of the sentences the other terms find, but does not
/// lead the search (a top-k union led by terms that most sentences hold
/// must score most sentences).
const COMMON_SHARE: f64 = 0.02;
/// An archive of fewer sentences than this is searched with every term
/// leading: the exact search costs little there (about 0.1 ms at 15,000
/// sentences), and the pool only pays for itself in a large archive.
const EXACT_BELOW: u64 = 100_000;
/// At most this many subject documents are searched for a claim. A rare
/// name's word pair can still be held by a thousand documents of a large
/// archive (at 10M sentences of the scale benchmark's corpus, a median of
/// 1,012 subject documents per claim, most of them naming another place
/// that shares a word pair), and scoring all their sentences was half of
/// a verification there: keeping 256 halved the median verification (8.3
/// to 4.0 ms) with the same verdicts. On the real articles of the
/// evaluation (360 in one store) a claim has a median of 1 subject
/// document and at most 320; keeping 256 changes no verdict.
pub const SUBJECT_DOCUMENTS: usize = 256;
/// Sentences per candidate wanted in the pool instead, when the claim
/// names a place or organisation that no sentence of the archive names.
/// Such a claim has no right sentence to find (or one that holds only its
/// other words, which lead the search); its nearest sentences are shown as
/// what the archive says instead. Tied sentences of common words are what
/// a larger pool adds, and reading it was the slowest retrieval: at 1M
/// sentences of the scale benchmark, retrieval p99 2.25 -> 1.40 ms (fastest
/// of three passes) and recall@20 against the exhaustive scan 0.997 ->
/// 0.991 (of the right article's sentences, 1.000 both), verdicts
/// unchanged.
///
/// Two more things set such a claim's search apart. The words of the
/// unknown name, and the word pairs holding one, do not lead it: no
/// sentence holds the name, so the sentences holding its words hold them
/// as other words ("Côn Đảo" is unknown, and its folded "dao" is every
/// "đảo", "đạo" and "dao"), and led by them the pool is about other
/// things. And its pool is found with sentence lengths left out
/// ([`IndexView::sentences_holding_most`]): the claim's other words are
/// mostly common, the sentences holding them all tie but for their
/// lengths, and a top-k union by BM25 reads every one of them to keep the
/// shortest, where leaving lengths out keeps the first found (every term
/// then scores the pool with BM25, lengths and all). These claims were
/// the whole tail of the scale benchmark: at 10M sentences verify p99
/// 6.8-7.0 -> 2.5-2.6 ms (fastest of three passes, runs alternated with
/// the build before), at 1M 1.8 -> 1.6 ms; verdicts 94.3 -> 94.6% and
/// 94.7 -> 95.4%. What they find differs from an exhaustive scan, whose
/// ranking their name's words lead: recall@20 over every sentence of
/// those claims 0.16 at 10M and 0.50 at 1M, while the claims written from
/// a stored article keep 1.000.
const UNKNOWN_NAME_POOL_PER_CANDIDATE: usize = 10;
/// Common terms that lead when no selective term can: the rarest ones.
const COMMON_LEADERS: usize = 2;
/// Of the selective terms held by more than `RARE_TERM_SENTENCES`
/// sentences, at most this many lead, the rarest; the others only score
/// the pool again (rarer ones always lead: their postings are short). A
/// claim's selective terms can include a phrase that tens of thousands of
/// sentences share word for word (a sentence shape of the scale
/// benchmark's corpus, or a fixed formula of news writing), whose
/// sentences all score within a few per cent of each other: Block-WAND
/// cannot skip them, and each leading term adds a cursor to move at every
/// one. At 10M sentences of the scale benchmark this took retrieval p99
/// from 7.5-7.6 to 6.1-6.7 ms and verify p99 from 7.8-7.9 to 6.5-7.4 ms
/// (fastest of three passes, two runs each), with recall@20 against the
/// exhaustive scan (0.949 / 1.000) and verdicts unchanged; at 1M nothing
/// changed beyond noise. Capping all selective terms at six instead lost
/// recall in a unit test whose claims hold many rare word pairs (0.87
/// against 0.95).
const FREQUENT_SELECTIVE_LEADERS: usize = 4;
/// Sentences the selective terms find, per candidate wanted, before every
/// term scores them again.
const POOL_PER_CANDIDATE: usize = 40;

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

/// BM25's inverse document frequency of a term held by `holding` of
/// `total` sentences, as the index weighs terms.
fn idf_of(total: u64, holding: u64) -> f64 {
    (1.0 + (total as f64 - holding as f64 + 0.5) / (holding as f64 + 0.5)).ln()
}

/// The `limit` best sentences for `terms` among those `restriction`
/// allows. Sentences of documents that mention a `context_terms` term
/// anywhere (the claim's places and organisations: its subject documents)
/// gain that term's weight and rank before all others, so that a sentence
/// bound to its subject by its title or lead is not crowded out by
/// look-alike sentences about other places.
pub fn candidates(
    index: &IndexView,
    terms: &[String],
    context_terms: &[String],
    restriction: &Restriction<'_>,
    limit: usize,
) -> Result<Vec<Candidate>, IndexError> {
    let Some(subjects) = subjects_to_search(index, terms, context_terms, limit)? else {
        return Ok(Vec::new());
    };
    let as_candidate = |hit: crate::index::Hit| Candidate {
        document_number: hit.document,
        sentence_index: hit.sentence,
        bm25: hit.score,
    };
    let unknown = unknown_names(index, context_terms)?;
    let unknown_words: Vec<&str> = unknown.iter().flat_map(|name| name.split(' ')).collect();
    let pool = if unknown.is_empty() {
        POOL_PER_CANDIDATE
    } else {
        UNKNOWN_NAME_POOL_PER_CANDIDATE
    };
    let best_of_all = || {
        best_by_every_term(
            index,
            terms,
            &unknown_words,
            restriction,
            limit,
            EXACT_BELOW,
            pool,
        )
    };
    let mut found: Vec<Candidate> = Vec::with_capacity(limit);
    if !subjects.is_empty() {
        found.extend(
            subject_sentences(index, terms, restriction, &subjects, limit)?
                .into_iter()
                .map(as_candidate),
        );
        if found.len() < limit {
            // Every sentence of a subject document that holds a term is
            // in `found`, so the best others are among the best `limit`.
            let others = best_of_all()?;
            let wanted = limit - found.len();
            found.extend(
                others
                    .into_iter()
                    .filter(|hit| !subjects.contains_key(&hit.document))
                    .take(wanted)
                    .map(as_candidate),
            );
        }
    } else {
        found.extend(best_of_all()?.into_iter().map(as_candidate));
    }
    Ok(found)
}

/// The claim's names that no sentence holds.
fn unknown_names<'a>(
    index: &IndexView,
    context_terms: &'a [String],
) -> Result<Vec<&'a str>, IndexError> {
    let mut unknown = Vec::new();
    for term in context_terms {
        if index.holding(term)? == 0 {
            unknown.push(term.as_str());
        }
    }
    Ok(unknown)
}

/// The `limit` best sentences for every term of `terms`. In an archive of
/// `exact_below` sentences or more, when some terms are common, the
/// selective ones lead (the rare ones and at most
/// [`FREQUENT_SELECTIVE_LEADERS`] of the others, the rarest): their best
/// sentences (`pool_per_candidate` per candidate wanted) are scored again
/// with every term, and the best of those are kept. When fewer sentences
/// than `limit` hold a leading term, the pool holds them all, and
/// sentences of the other terms complete it, found the same way with the
/// two rarest of those leading (as the two rarest common terms lead a
/// claim of common words only). A sentence of many common or frequent
/// terms and no or a weak leading one may be left out; the scale
/// benchmark measures what this keeps of an exhaustive scan's top 20
/// (recall@20).
fn best_by_every_term(
    index: &IndexView,
    terms: &[String],
    unknown_words: &[&str],
    restriction: &Restriction<'_>,
    limit: usize,
    exact_below: u64,
    pool_per_candidate: usize,
) -> Result<Vec<crate::index::Hit>, IndexError> {
    if index.sentence_count() < exact_below {
        return index.best_sentences(terms, restriction, None, limit);
    }
    let common_above = (index.sentence_count() as f64 * COMMON_SHARE) as u64;
    let mut held: Vec<(u64, &String)> = Vec::with_capacity(terms.len());
    for term in terms {
        if term.split(' ').any(|word| unknown_words.contains(&word)) {
            continue;
        }
        let holding = index.holding(term)?;
        if holding > 0 {
            held.push((holding, term));
        }
    }
    held.sort_unstable();
    let selective = held
        .iter()
        .take_while(|(holding, _)| *holding <= common_above)
        .count();
    // Every term leads when none is common.
    if selective == held.len() {
        return index.best_sentences(terms, restriction, None, limit);
    }
    let terms_of = |held: &[(u64, &String)]| -> Vec<String> {
        held.iter().map(|(_, term)| (*term).clone()).collect()
    };
    // The rare selective words and the rarest few others lead; a claim of
    // common words only is led by its rarest common words.
    let rare = held[..selective]
        .iter()
        .take_while(|(holding, _)| *holding <= RARE_TERM_SENTENCES)
        .count();
    let selective_leaders = selective.min(rare + FREQUENT_SELECTIVE_LEADERS);
    let leading = terms_of(&held[..selective_leaders.max(COMMON_LEADERS.min(held.len()))]);
    let wanted = limit * pool_per_candidate;
    // A claim naming what no sentence names has its pool found with
    // sentence lengths left out (see `UNKNOWN_NAME_POOL_PER_CANDIDATE`).
    let pool_led_by = |leading: &[String]| {
        if !unknown_words.is_empty() {
            return index.sentences_holding_most(leading, restriction, wanted);
        }
        match common_words_lead(index, leading, selective, restriction, wanted)? {
            Some(pool) => Ok(pool),
            None => index.best_sentences(leading, restriction, None, wanted),
        }
    };
    let mut pool = pool_led_by(&leading)?;
    index.rescore(terms, &mut pool)?;
    if pool.len() < limit && selective > 0 {
        // Every sentence holding a leading selective term is in the pool;
        // the others hold only terms that did not lead, and the rarest of
        // those lead the search for them, as the rarest led the first.
        let rest = &held[selective_leaders..];
        let leading = terms_of(&rest[..COMMON_LEADERS.min(rest.len())]);
        let mut completion = pool_led_by(&leading)?;
        index.rescore(terms, &mut completion)?;
        for hit in completion {
            if !pool.iter().any(|kept| kept.same_sentence(&hit)) {
                pool.push(hit);
            }
        }
    }
    let order = |a: &crate::index::Hit, b: &crate::index::Hit| b.score.total_cmp(&a.score);
    pool.sort_unstable_by(order);
    pool.truncate(limit);
    Ok(pool)
}

/// The pool of a claim of common words only (no `selective` term): the
/// best sentences holding both of its rarest common words, `leading`,
/// when at least `wanted` do (`None` otherwise, for the union of the two
/// to find). A union of two words each held by hundreds of thousands of
/// sentences must score nearly all of them, since most hold one word only
/// and any short one scores as much as the threshold; the sentences that
/// hold both are the head of that union wherever there are enough of
/// them. At 10M sentences of the scale benchmark, the slowest such claim
/// went from 14.6 to 6.9 ms (fastest of three passes), recall@20 against
/// the exhaustive scan and verdicts unchanged.
fn common_words_lead(
    index: &IndexView,
    leading: &[String],
    selective: usize,
    restriction: &Restriction<'_>,
    wanted: usize,
) -> Result<Option<Vec<crate::index::Hit>>, IndexError> {
    if selective > 0 || leading.len() < COMMON_LEADERS {
        return Ok(None);
    }
    let both = index.best_sentences_holding_all(leading, restriction, wanted)?;
    Ok((both.len() >= wanted).then_some(both))
}

/// The `limit` best sentences of the `subjects` documents, each with its
/// document's bonus added. Without a record filter the documents are
/// scored directly (a few thousand sentences at most); with one, the index
/// query applies it.
fn subject_sentences(
    index: &IndexView,
    terms: &[String],
    restriction: &Restriction<'_>,
    subjects: &FastMap<u32, Subject>,
    limit: usize,
) -> Result<Vec<crate::index::Hit>, IndexError> {
    if restriction.record.is_some() {
        let bonus = subjects
            .iter()
            .map(|(document, subject)| (*document, subject.bonus))
            .collect();
        return index.best_sentences(terms, restriction, Some(Arc::new(bonus)), limit);
    }
    let mut documents: Vec<(u32, DocumentPlace)> = subjects
        .iter()
        .filter(|(document, _)| {
            restriction
                .only
                .is_none_or(|only| only.binary_search(document).is_ok())
                && restriction.except.binary_search(document).is_err()
        })
        .map(|(document, subject)| (*document, subject.place))
        .collect();
    documents.sort_unstable_by_key(|(document, _)| *document);
    let mut hits = index.score_in_documents(terms, &documents)?;
    for hit in &mut hits {
        hit.score += subjects.get(&hit.document).map_or(0.0, |s| s.bonus);
    }
    let order = |a: &crate::index::Hit, b: &crate::index::Hit| {
        b.score
            .total_cmp(&a.score)
            .then(a.document.cmp(&b.document))
            .then(a.sentence.cmp(&b.sentence))
    };
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit - 1, order);
        hits.truncate(limit);
    }
    hits.sort_unstable_by(order);
    Ok(hits)
}

/// What [`candidates`] would return if every sentence holding a term were
/// scored (no top-k pruning): subject documents' sentences first, then by
/// score. The reference the scale benchmark measures retrieval against.
pub fn exhaustive_candidates(
    index: &IndexView,
    terms: &[String],
    context_terms: &[String],
    restriction: &Restriction<'_>,
    limit: usize,
) -> Result<Vec<Candidate>, IndexError> {
    let Some(subjects) = subjects_to_search(index, terms, context_terms, limit)? else {
        return Ok(Vec::new());
    };
    let mut ranked: Vec<(bool, Candidate)> = index
        .score_every_sentence(terms, restriction)?
        .into_iter()
        .map(|hit| {
            let gained = subjects.get(&hit.document).map(|s| s.bonus);
            let candidate = Candidate {
                document_number: hit.document,
                sentence_index: hit.sentence,
                bm25: hit.score + gained.unwrap_or(0.0),
            };
            (gained.is_some(), candidate)
        })
        .collect();
    ranked
        .sort_by(|(a_bound, a), (b_bound, b)| b_bound.cmp(a_bound).then(b.bm25.total_cmp(&a.bm25)));
    ranked.truncate(limit);
    Ok(ranked.into_iter().map(|(_, candidate)| candidate).collect())
}

/// The claim's subject documents, or `None` when there is nothing to
/// search (an empty index, no terms, no candidates wanted).
fn subjects_to_search(
    index: &IndexView,
    terms: &[String],
    context_terms: &[String],
    limit: usize,
) -> Result<Option<FastMap<u32, Subject>>, IndexError> {
    let total = index.sentence_count();
    if total == 0 || terms.is_empty() || limit == 0 {
        return Ok(None);
    }
    subject_documents(index, context_terms, total, SUBJECT_DOCUMENTS).map(Some)
}

/// The claim's subject documents: those whose sentences hold a rare
/// `context_terms` term (a place or organisation named in the claim), each
/// with the summed inverse document frequency of the terms it holds (its
/// bonus) and where its sentences lie. When
/// more than `most` documents do, the `most` that hold the most of those
/// terms are kept, then those that name them in the most sentences (a
/// document about a place names it again and again; one that mentions it
/// in passing, once), then the newest.
fn subject_documents(
    index: &IndexView,
    context_terms: &[String],
    sentence_total: u64,
    most: usize,
) -> Result<FastMap<u32, Subject>, IndexError> {
    let mut held: FastMap<u32, Subject> = FastMap::default();
    for term in context_terms {
        let holding = index.holding(term)?;
        if holding == 0 || holding > RARE_TERM_SENTENCES {
            continue;
        }
        let idf = idf_of(sentence_total, holding);
        for document in index.documents_holding(term)? {
            let subject = held.entry(document.number).or_insert(Subject {
                bonus: 0.0,
                sentences: 0,
                place: document.place,
            });
            subject.bonus += idf;
            subject.sentences += document.sentences;
        }
    }
    if held.len() <= most {
        return Ok(held);
    }
    let mut ranked: Vec<(u32, Subject)> = held.into_iter().collect();
    let order = |(a_number, a): &(u32, Subject), (b_number, b): &(u32, Subject)| {
        b.bonus
            .total_cmp(&a.bonus)
            .then(b.sentences.cmp(&a.sentences))
            .then(b_number.cmp(a_number))
    };
    ranked.select_nth_unstable_by(most - 1, order);
    ranked.truncate(most);
    Ok(ranked.into_iter().collect())
}

/// A claim's subject document: the summed weight of the claim's name terms
/// it holds (its bonus, which its sentences gain), how many of its
/// sentences hold one (a document about a place names it again and
/// again), and where its sentences lie in the index.
#[derive(Debug, Clone, Copy)]
struct Subject {
    bonus: f64,
    sentences: u32,
    place: DocumentPlace,
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
    let claim_bigrams = BigramProfile::new(claim_folded);
    let mut scratch = Vec::new();
    for candidate in ranked {
        // Checked per candidate, not only per document loaded: scoring a
        // sentence of a hundred kilobytes against the claim is work too.
        budget.check()?;
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
        let similarity = claim_bigrams.similarity(sentence.folded(), &mut scratch);
        let score = 0.7 * (candidate.bm25 / best) + 0.3 * similarity;
        loaded.push((
            number,
            RankedSource {
                document,
                position,
                score,
            },
        ));
    }
    // Ties by document number and position, not by where the index's
    // segments put the sentences: the same store answers the same however
    // its writes were grouped into index commits (a cluster node commits
    // per page of its log, a lone server once a second).
    loaded.sort_by(|(a_number, a), (b_number, b)| {
        b.score
            .total_cmp(&a.score)
            .then(a_number.cmp(b_number))
            .then(a.position.cmp(&b.position))
    });
    Ok(loaded.into_iter().map(|(_, source)| source).collect())
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
    use crate::index::{term_lines, IndexedDocument, SentenceIndex};
    use crate::judge::ClaimAnalysis;

    /// An index, in a temporary directory, over documents given as their
    /// sentences (numbered from 0).
    fn index_of(documents: &[Vec<String>]) -> (tempfile::TempDir, SentenceIndex) {
        let directory = tempfile::tempdir().unwrap();
        let (index, _) = SentenceIndex::open(directory.path()).unwrap();
        let metadata = Default::default();
        for (number, sentences) in documents.iter().enumerate() {
            let lines = term_lines(sentences);
            index
                .add(&IndexedDocument {
                    number: number as u32,
                    term_lines: &lines,
                    published: None,
                    metadata: &metadata,
                })
                .unwrap();
        }
        index.note(1);
        index.commit().unwrap();
        (directory, index)
    }

    fn candidates_for(index: &SentenceIndex, claim: &str, only: Option<&[u32]>) -> Vec<Candidate> {
        let claim = ClaimAnalysis::new(claim, None);
        let restriction = Restriction {
            only,
            ..Restriction::default()
        };
        candidates(
            &index.view(),
            &claim.search_terms(),
            &claim.context_terms(),
            &restriction,
            10,
        )
        .unwrap()
    }

    /// Of more subject documents than are kept, those that hold more of
    /// the claim's name, then name it in more sentences, then are newer,
    /// are kept.
    #[test]
    fn subject_documents_beyond_the_most_kept_are_those_naming_the_claims_names_least() {
        let once = |place: &str| vec![format!("Nói qua về {place} một lần.")];
        let archive = vec![
            // 0: the whole name, once.
            once("Tân Phú Lạc"),
            // 1: part of the name, in three sentences.
            vec![
                "Tân Phú có chợ.".to_string(),
                "Tân Phú có trường.".to_string(),
                "Tân Phú có cầu.".to_string(),
            ],
            // 2 and 3: part of the name, once each; 3 is newer.
            once("Tân Phú"),
            once("Tân Phú"),
            // 4: nothing of the name.
            once("Hải Hà"),
        ];
        let (_directory, index) = index_of(&archive);
        let claim = ClaimAnalysis::new("Tân Phú Lạc có 5 xã.", None);
        let view = index.view();
        let kept = |most: usize| -> Vec<u32> {
            let mut documents: Vec<u32> =
                subject_documents(&view, &claim.context_terms(), view.sentence_count(), most)
                    .unwrap()
                    .into_keys()
                    .collect();
            documents.sort_unstable();
            documents
        };
        let cases: [(usize, &[u32]); 5] = [
            (10, &[0, 1, 2, 3]),
            (4, &[0, 1, 2, 3]),
            (3, &[0, 1, 3]),
            (2, &[0, 1]),
            (1, &[0]),
        ];
        for (most, expected) in cases {
            assert_eq!(kept(most), expected, "keeping at most {most}");
        }
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

    /// A random archive over `vocabulary` (400 documents of 1-6
    /// sentences of 3-12 words), indexed, and a sentence maker for claims.
    fn random_archive(
        vocabulary: &[String],
        seed: u64,
    ) -> (
        tempfile::TempDir,
        SentenceIndex,
        impl FnMut() -> String + '_,
    ) {
        // A small deterministic generator (xorshift64), enough to vary
        // sentences.
        let mut state = seed;
        let mut next = move |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        let mut sentence = move || {
            let length = 3 + next(10) as usize;
            (0..length)
                .map(|_| vocabulary[next(vocabulary.len() as u64) as usize].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let archive: Vec<Vec<String>> = (0..400)
            .map(|number| (0..1 + number % 6).map(|_| sentence()).collect())
            .collect();
        let (directory, index) = index_of(&archive);
        (directory, index, sentence)
    }

    /// How many of the complete ranking's first `limit` scores (every
    /// matching sentence scored) the candidates match, each at most once.
    fn matched_of_complete(
        view: &IndexView,
        claim: &str,
        limit: usize,
        exact_below: u64,
    ) -> (usize, usize) {
        let claim = ClaimAnalysis::new(claim, None);
        let terms = claim.search_terms();
        let all = Restriction::default();
        let mut complete = view.score_every_sentence(&terms, &all).unwrap();
        complete.sort_by(|a, b| b.score.total_cmp(&a.score));
        complete.truncate(limit);
        let mut found: Vec<f64> = best_by_every_term(
            view,
            &terms,
            &[],
            &all,
            limit,
            exact_below,
            POOL_PER_CANDIDATE,
        )
        .unwrap()
        .iter()
        .map(|hit| hit.score)
        .collect();
        let mut matched = 0;
        for expected in &complete {
            // Scores are f32 sums, added in another order by Block-WAND.
            let close =
                |score: &f64| (score - expected.score).abs() <= 1e-5 * expected.score.max(1.0);
            if let Some(at) = found.iter().position(close) {
                found.swap_remove(at);
                matched += 1;
            }
        }
        (matched, complete.len())
    }

    /// 3,000 made-up words, each held by few sentences of a random archive.
    fn rare_words() -> impl Iterator<Item = String> {
        let syllables = ["ba", "ca", "da", "ga", "ha", "ka", "la", "ma", "na", "pa"];
        (0..3000).map(move |i| {
            format!(
                "{}{}{}",
                syllables[i % 10],
                syllables[(i / 10) % 10],
                syllables[(i / 100) % 10]
            ) + &"x".repeat(i / 1000)
        })
    }

    /// When no term is common (every word is held by under 1% of the
    /// sentences), the candidates are exactly the first sentences of the
    /// complete ranking: the top-k cut loses nothing.
    #[test]
    fn with_selective_terms_candidates_are_the_head_of_the_complete_ranking() {
        let vocabulary: Vec<String> = rare_words().collect();
        let (_directory, index, mut sentence) = random_archive(&vocabulary, 11);
        let view = index.view();
        for _ in 0..30 {
            let claim = sentence();
            let (matched, wanted) = matched_of_complete(&view, &claim, 10, 0);
            assert_eq!(matched, wanted, "{claim}");
        }
    }

    /// When some terms are common (15 words make up half the vocabulary's
    /// draws, 3,000 rare words the other half), the selective ones lead
    /// and the pool is scored again (here at any archive size): the
    /// candidates hold nearly all of the complete ranking's head (what the
    /// scale benchmark measures at 1M sentences as recall@20).
    #[test]
    fn with_common_terms_candidates_hold_nearly_all_the_head() {
        let common = [
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
        // Each common word as often as 200 rare words together.
        let vocabulary: Vec<String> = common
            .iter()
            .flat_map(|word| std::iter::repeat_n(word.to_string(), 200))
            .chain(rare_words())
            .collect();
        let (_directory, index, mut sentence) = random_archive(&vocabulary, 11);
        let view = index.view();
        let (mut matched, mut wanted) = (0, 0);
        for _ in 0..30 {
            let (hits, of) = matched_of_complete(&view, &sentence(), 10, 0);
            matched += hits;
            wanted += of;
        }
        let recall = matched as f64 / wanted as f64;
        assert!(
            recall >= 0.95,
            "recall@10 {recall:.3} ({matched} of {wanted})"
        );
    }

    /// Claims of common words only (every word held by more than 2% of
    /// the sentences) find most of what an exhaustive scan ranks first:
    /// led by the sentences holding both of their rarest words when
    /// enough do, by the union of the two otherwise. On this archive of
    /// eight words the pool led by the union alone finds as much (0.845):
    /// two leading words out of eight miss some sentences that hold many
    /// of the others.
    #[test]
    fn with_common_words_only_candidates_hold_most_of_the_head() {
        let common: Vec<String> = ["xã", "huyện", "giảm", "tăng", "cán", "bộ", "hộ", "dân"]
            .iter()
            .map(|word| word.to_string())
            .collect();
        let (_directory, index, mut sentence) = random_archive(&common, 5);
        let view = index.view();
        let (mut matched, mut wanted) = (0, 0);
        for _ in 0..30 {
            for limit in [1, 10] {
                let (hits, of) = matched_of_complete(&view, &sentence(), limit, 0);
                matched += hits;
                wanted += of;
            }
        }
        let recall = matched as f64 / wanted as f64;
        assert!(recall >= 0.80, "recall {recall:.3} ({matched} of {wanted})");
    }

    /// A claim naming a place no sentence names: the word its name shares
    /// with other sentences ("đảo" folds to "dao", as "đạo" does) does not
    /// lead the search, so the pool holds the sentences of its other
    /// words, which rank first once every term scores them. With the
    /// name's words leading (as for a known name), the pool is filled by
    /// the sentences holding that word alone.
    #[test]
    fn the_words_of_a_name_no_sentence_holds_do_not_lead_the_search() {
        let mut archive: Vec<Vec<String>> = Vec::new();
        for _ in 0..80 {
            archive.push(vec!["Đạo đức lối sống.".to_string()]);
        }
        for i in 0..400 {
            archive.push(vec![format!("Huyện số {i} tinh giản {} cán bộ.", i % 50)]);
        }
        for i in 0..4000 {
            archive.push(vec![format!("Xã số {i} có nhiều hộ dân.")]);
        }
        let (_directory, index) = index_of(&archive);
        let view = index.view();
        let claim = ClaimAnalysis::new("Côn Đảo tinh giản 66 cán bộ.", None);
        let (terms, context) = (claim.search_terms(), claim.context_terms());
        let unknown = unknown_names(&view, &context).unwrap();
        assert_eq!(unknown, ["con dao"], "{context:?}");
        let unknown_words: Vec<&str> = unknown.iter().flat_map(|name| name.split(' ')).collect();
        let all = Restriction::default();
        let documents_of = |unknown_words: &[&str]| -> Vec<u32> {
            best_by_every_term(&view, &terms, unknown_words, &all, 5, 0, 2)
                .unwrap()
                .iter()
                .map(|hit| hit.document)
                .collect()
        };
        let about_cuts = |document: &u32| (80..480).contains(document);
        let found = documents_of(&unknown_words);
        assert!(
            found.len() == 5 && found.iter().all(about_cuts),
            "{found:?}"
        );
        let led_by_the_name = documents_of(&[]);
        assert!(
            !led_by_the_name.iter().any(about_cuts),
            "{led_by_the_name:?}"
        );
    }

    /// A claim's name no sentence holds is unknown; a name of the archive,
    /// or a claim without names, is not.
    #[test]
    fn a_name_no_sentence_holds_is_unknown() {
        let (_directory, index) = index_of(&crowded_archive());
        let view = index.view();
        let cases = [
            ("Côn Đảo đã giảm 66 hộ dân.", false),
            ("Sìn Hồ đã giảm 66 hộ dân.", true),
            ("Côn Đảo và Sìn Hồ đã giảm 66 hộ dân.", true),
            ("Đã giảm hộ dân.", false),
        ];
        for (claim, unknown) in cases {
            let terms = ClaimAnalysis::new(claim, None).context_terms();
            assert_eq!(
                !unknown_names(&view, &terms).unwrap().is_empty(),
                unknown,
                "{claim}: {terms:?}"
            );
        }
    }

    #[test]
    fn retrieval_finds_what_each_claim_is_about() {
        let archive = crowded_archive();
        let subject = (archive.len() - 1) as u32;
        let (_directory, index) = index_of(&archive);
        let only_first: &[u32] = &[0, 1];
        // (claim, allowed documents, a (document, sentence) that must be
        // among the candidates, or None for no candidates at all)
        type Case<'a> = (&'a str, Option<&'a [u32]>, Option<(u32, u32)>);
        let cases: Vec<Case> = vec![
            // Every word of the figure sentence is common; the subject name
            // is rare, so the subject document comes first and its figure
            // sentence is found although it does not name the place.
            ("Côn Đảo đã giảm 66 hộ dân.", None, Some((subject, 1))),
            // No subject: the common words still find sentences.
            ("Đã giảm hộ dân.", None, Some((0, 0))),
            // Restricted to documents the caller names.
            ("Côn Đảo đã giảm 66 hộ dân.", Some(only_first), Some((0, 0))),
            // Words no sentence holds.
            ("Tokyo Olympics medal table", None, None),
        ];
        // A filter naming only the last of many documents with the same
        // common sentence.
        let last = (archive.len() - 2) as u32;
        let found = candidates_for(&index, "Đảo đã giảm hộ dân trong năm.", Some(&[last]));
        assert!(
            !found.is_empty() && found.iter().all(|c| c.document_number == last),
            "{found:?}"
        );
        // A document left out is never a candidate, even when it is the
        // claim's subject document.
        let claim = ClaimAnalysis::new("Côn Đảo đã giảm 66 hộ dân.", None);
        let without_subject = candidates(
            &index.view(),
            &claim.search_terms(),
            &claim.context_terms(),
            &Restriction {
                except: &[subject],
                ..Restriction::default()
            },
            10,
        )
        .unwrap();
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
