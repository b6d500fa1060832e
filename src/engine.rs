//! The engine: the one owner of the read path's state. It holds the store
//! handle, the search index built from the store (and the generation that
//! counts the writes applied to it), what record filters read of each
//! document (its publication day and metadata), the cache of documents
//! prepared for judging and the cache of verdicts, and verifies a claim in
//! one pass: read the claim, find candidate sentences in the index, load
//! and prepare their documents, judge. No stage calls back into an earlier
//! one.
//!
//! Writes go through the engine too, one at a time: the store commits the
//! batch, then the index (and the filters' attributes) forget the entries
//! the write removed and learn the new ones, and the generation moves on.
//! A record filter (`published_after`, `published_before`, `metadata`)
//! becomes the set of document numbers it allows, intersected with any
//! `document_ids`: retrieval scores a few allowed documents whole and
//! checks a broad set posting by posting, before any reading budget. A
//! verdict is kept with
//! the generation it was computed at and served only while no write has been
//! applied since; prepared documents are kept by document number, which is
//! never reused, so they never go stale. Both caches are `quick_cache`
//! caches bounded by bytes (each entry weighed by the memory it takes),
//! and both load once for concurrent callers asking for the same entry.
//!
//! Caches and locks are here rather than in the service so that the
//! service keeps request validation, limits and the blocking pool, and the
//! store stays persistence only.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::budget::{Budget, Stopped};
use crate::filter::{DocumentAttributes, RecordFilter};
use crate::hashing::FastMap;
use crate::index::InvertedIndex;
use crate::judge::{assess, judge, ClaimAnalysis, Features, SourceSentence};
use crate::model::{AnalysedDocument, ClaimInput, DocumentRecord, StoreStats, VerificationResult};
use crate::retrieve::{candidates, load_and_rerank, DocumentCache, DocumentFilter, RankedSource};
use crate::store::{text_digest, Deleted, PutOutcome, RemovedEntries, Store, StoreError};
use crate::text::normalize_nfc;

/// sled's page cache by default, in MiB: enough to hold the bodies and
/// index entries of about a million stored sentences.
pub const DEFAULT_CACHE_MB: u64 = 512;
/// Memory for prepared documents by default, in MiB: about 4,000 news
/// articles of 4 KB, weighed fully prepared (see
/// `PreparedDocument::approximate_bytes`), as many as the cache held when
/// it counted documents; at 256 MiB the 1M-sentence bench was about 6%
/// slower at p50.
pub const DEFAULT_DOCUMENT_CACHE_MB: u64 = 512;
/// Why a verification gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Stopped(#[from] Stopped),
}

/// Memory for kept verdicts by default, in MiB: several thousand verdicts
/// of typical size.
pub const DEFAULT_VERDICT_CACHE_MB: u64 = 64;

/// Memory given to caches, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSizes {
    /// sled's page cache.
    pub sled_bytes: u64,
    /// Documents kept decoded and prepared for judging.
    pub prepared_document_bytes: u64,
    /// Verdicts kept for claims asked again while the store is unchanged.
    pub verdict_bytes: u64,
}

impl Default for CacheSizes {
    fn default() -> Self {
        CacheSizes {
            sled_bytes: DEFAULT_CACHE_MB * 1024 * 1024,
            prepared_document_bytes: DEFAULT_DOCUMENT_CACHE_MB * 1024 * 1024,
            verdict_bytes: DEFAULT_VERDICT_CACHE_MB * 1024 * 1024,
        }
    }
}

/// A verdict as kept: the claim and the write generation it was computed
/// at, so a verdict from before a write is never found again (it waits
/// for eviction).
type VerdictKey = (u64, ClaimInput);

/// Weighs a kept verdict by the memory its claim and result take.
#[derive(Clone)]
struct VerdictWeight;

impl Weighter<VerdictKey, Arc<VerificationResult>> for VerdictWeight {
    fn weight(&self, key: &VerdictKey, result: &Arc<VerificationResult>) -> u64 {
        (key.1.approximate_bytes() + result.approximate_bytes()) as u64
    }
}

/// A typical verdict's weight, for sizing the cache's tables.
const TYPICAL_VERDICT_BYTES: u64 = 8 * 1024;

/// Most documents a record filter may allow for retrieval to score them
/// whole, as it scores documents named by `document_ids` (as many as that
/// list may hold); a broader filter is checked posting by posting.
const WHOLE_SCORED_DOCUMENTS: usize = 1_000;

/// The documents a record filter allowed at a generation.
struct AllowedDocuments {
    generation: u64,
    filter: RecordFilter,
    numbers: Arc<HashSet<u32>>,
}

/// A stored document's number and what was stored.
struct AnalysedAt<'a> {
    number: u32,
    document: &'a AnalysedDocument,
}

fn attributes_of(record: &DocumentRecord) -> DocumentAttributes {
    DocumentAttributes::of(&record.published_at, &record.metadata)
}

pub struct Engine {
    store: Store,
    /// Held across a store write and the index update that follows it, so
    /// the index changes in the order the store committed.
    writer: Mutex<()>,
    index: RwLock<InvertedIndex>,
    /// What record filters read of each stored document, by number;
    /// updated with the index.
    attributes: RwLock<FastMap<u32, DocumentAttributes>>,
    /// The documents the last record filter asked for allows, with the
    /// generation and filter they were computed for: a draft's claims and
    /// a batch stream's share one filter, which is then read once.
    last_allowed: Mutex<Option<AllowedDocuments>>,
    /// Counts the writes applied to the index since open.
    generation: AtomicU64,
    documents: DocumentCache,
    /// Verdicts by generation and claim, bounded by bytes; the default
    /// hasher is seeded per process, since claims are client text.
    verdicts: Cache<VerdictKey, Arc<VerificationResult>, VerdictWeight>,
    /// Sentences taken from the index for each claim (more when the claim
    /// asks for more evidence).
    candidate_sentences: usize,
}

impl Engine {
    /// Opens the store in `directory` and builds the index from its
    /// entries.
    pub fn open(
        directory: &Path,
        caches: CacheSizes,
        candidate_sentences: usize,
    ) -> Result<Engine, StoreError> {
        let store = Store::open(directory, caches.sled_bytes)?;
        let mut index = InvertedIndex::new();
        for entry in store.index_entries() {
            let (number, terms) = entry?;
            index.add(number, &terms);
        }
        let mut attributes = FastMap::default();
        for entry in store.numbered_records() {
            let (number, record) = entry?;
            attributes.insert(number, attributes_of(&record));
        }
        Ok(Engine {
            store,
            writer: Mutex::new(()),
            index: RwLock::new(index),
            attributes: RwLock::new(attributes),
            last_allowed: Mutex::new(None),
            generation: AtomicU64::new(0),
            documents: DocumentCache::new(caches.prepared_document_bytes),
            verdicts: Cache::with_weighter(
                (caches.verdict_bytes / TYPICAL_VERDICT_BYTES).max(1) as usize,
                caches.verdict_bytes,
                VerdictWeight,
            ),
            candidate_sentences,
        })
    }

    /// The store, for reads by id and listing.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The search index, for reading. Writes wait while this is held, so
    /// hold it only for the lookups.
    pub fn index(&self) -> RwLockReadGuard<'_, InvertedIndex> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies a committed write to the index and the record attributes
    /// (call with the writer lock held) and moves the generation on.
    fn update_index(&self, removed: Option<&RemovedEntries>, added: Option<&AnalysedAt<'_>>) {
        let mut index = self
            .index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut attributes = self
            .attributes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(removed) = removed {
            index.remove(removed.number, &removed.terms);
            attributes.remove(&removed.number);
        }
        if let Some(AnalysedAt { number, document }) = added {
            index.add(*number, &document.terms);
            attributes.insert(*number, attributes_of(&document.record));
        }
        drop((index, attributes));
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The documents a record filter allows, by number.
    fn numbers_allowed(&self, filter: &RecordFilter) -> Arc<HashSet<u32>> {
        let generation = self.generation();
        let mut last = self
            .last_allowed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(kept) = last
            .as_ref()
            .filter(|kept| kept.generation == generation && kept.filter == *filter)
        {
            return Arc::clone(&kept.numbers);
        }
        let numbers: Arc<HashSet<u32>> = Arc::new(
            self.attributes
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .iter()
                .filter(|(_, attributes)| filter.allows(attributes))
                .map(|(number, _)| *number)
                .collect(),
        );
        *last = Some(AllowedDocuments {
            generation,
            filter: filter.clone(),
            numbers: Arc::clone(&numbers),
        });
        numbers
    }

    /// A number that changes with every write applied (from 0 at open).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stores an analysed document, replacing any with its id, and updates
    /// the index. Call `flush` before acknowledging.
    pub fn put_document(&self, document: &AnalysedDocument) -> Result<PutOutcome, StoreError> {
        let _writer = self.lock_writer();
        let outcome = self.store.put_document(document)?;
        self.update_index(
            outcome.replaced.as_ref(),
            Some(&AnalysedAt {
                number: outcome.document_number,
                document,
            }),
        );
        Ok(outcome)
    }

    /// Deletes a document and its index entries; `None` if absent. Call
    /// `flush` before acknowledging.
    pub fn delete_document(&self, id: &str) -> Result<Option<Deleted>, StoreError> {
        let _writer = self.lock_writer();
        let deleted = self.store.delete_document(id)?;
        if let Some(deleted) = &deleted {
            self.update_index(Some(&deleted.removed), None);
        }
        Ok(deleted)
    }

    /// Makes every acknowledged write durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.store.flush()
    }

    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let counts = self.store.counts()?;
        Ok(StoreStats {
            documents: counts.documents,
            sentences: counts.sentences,
            quantities: counts.quantities,
            index_terms: self.index().term_count(),
            disk_bytes: counts.disk_bytes,
        })
    }

    /// The verdict computed for this claim while the store was as it is
    /// now, if one is kept.
    pub fn cached_verdict(&self, input: &ClaimInput) -> Option<Arc<VerificationResult>> {
        self.verdicts.get(&(self.generation(), input.clone()))
    }

    /// Verifies a claim on the calling thread: read it, find candidates,
    /// load and prepare their documents, judge. The verdict is kept for
    /// the same claim asked again before the next write; the same claim
    /// asked while it is being checked waits for that check instead of
    /// repeating it. The work stops early, and nothing is kept, when
    /// `budget` says so.
    pub fn verify(
        &self,
        input: &ClaimInput,
        budget: &Budget,
    ) -> Result<Arc<VerificationResult>, VerifyError> {
        // Read before the index: a write landing meanwhile keeps the
        // verdict under a generation that is no longer current.
        let key = (self.generation(), input.clone());
        self.verdicts.get_or_insert_with(&key, || {
            let claim = ClaimAnalysis::new(&input.claim, input.language);
            let loaded = self.candidates(&claim, input, budget)?;
            Ok(Arc::new(judge(
                &claim,
                &sources_of(&loaded),
                input.max_evidence,
                budget,
            )?))
        })
    }

    /// The features the verdict model reads for a claim (what training
    /// fits), or `None` when no stored sentence shares words with it.
    pub fn features(&self, input: &ClaimInput) -> Result<Option<Features>, VerifyError> {
        let claim = ClaimAnalysis::new(&input.claim, input.language);
        let budget = Budget::unlimited();
        let loaded = self.candidates(&claim, input, &budget)?;
        Ok(assess(&claim, &sources_of(&loaded), &budget)?.features())
    }

    /// The ids of stored documents whose text is `text` (after NFC and
    /// trimming): a draft already stored must not confirm itself. Found by
    /// the store's text digests, so the cost does not grow with the store;
    /// each match is read and compared, so a digest collision cannot
    /// exclude a document.
    pub fn documents_with_text(&self, text: &str) -> Result<Vec<String>, StoreError> {
        let text = normalize_nfc(text);
        let wanted = text.trim();
        let mut copies = Vec::new();
        for number in self.store.numbers_with_text(&text_digest(wanted))? {
            if let Some(document) = self.store.numbered_full_document(number)? {
                if document.text.trim() == wanted {
                    copies.push(document.record.document_id);
                }
            }
        }
        Ok(copies)
    }

    /// The document numbers of the stored documents among `ids`.
    fn numbers_of(&self, ids: &[String]) -> Result<HashSet<u32>, StoreError> {
        let mut numbers = HashSet::new();
        for id in ids {
            if let Some(number) = self.store.number_of(id)? {
                numbers.insert(number);
            }
        }
        Ok(numbers)
    }

    /// The candidate sentences for a claim, loaded and re-ranked.
    fn candidates(
        &self,
        claim: &ClaimAnalysis,
        input: &ClaimInput,
        budget: &Budget,
    ) -> Result<Vec<RankedSource>, VerifyError> {
        let mut only = if input.document_ids.is_empty() {
            None
        } else {
            Some(self.numbers_of(&input.document_ids)?)
        };
        let mut within = None;
        if !input.filter.is_empty() {
            let allowed = self.numbers_allowed(&input.filter);
            match only.as_mut() {
                Some(listed) => listed.retain(|number| allowed.contains(number)),
                None if allowed.len() <= WHOLE_SCORED_DOCUMENTS => {
                    only = Some(allowed.iter().copied().collect())
                }
                None => within = Some(allowed),
            }
        }
        let mut filter = DocumentFilter::new(only, self.numbers_of(&input.exclude_document_ids)?);
        if let Some(allowed) = within {
            filter = filter.within(allowed);
        }
        let ranked = candidates(
            &self.index(),
            &claim.search_terms(),
            &claim.context_terms(),
            &filter,
            self.candidate_sentences.max(input.max_evidence),
        );
        budget.check()?;
        load_and_rerank(
            &self.store,
            &self.documents,
            claim.folded(),
            &ranked,
            budget,
        )
    }
}

fn sources_of(loaded: &[RankedSource]) -> Vec<SourceSentence<'_>> {
    loaded
        .iter()
        .map(|candidate| SourceSentence {
            document: &candidate.document,
            position: candidate.position,
            retrieval_score: candidate.score,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_document;
    use crate::model::{DocumentInput, Verdict};

    fn analysed(id: &str, text: &str) -> AnalysedDocument {
        analyse_document(DocumentInput::new(id, text))
    }

    fn open(directory: &Path) -> Engine {
        open_with(directory, CacheSizes::default().verdict_bytes)
    }

    /// A record filter that allows more documents than retrieval scores
    /// whole is checked posting by posting: the check cites only the
    /// documents it allows, and the filter is read once for claims that
    /// share it.
    #[test]
    fn a_broad_record_filter_cites_only_what_it_allows() {
        let directory = tempfile::tempdir().unwrap();
        let engine = open_with(directory.path(), 0);
        let outlets = [("alpha", 40, 30), ("beta", WHOLE_SCORED_DOCUMENTS + 10, 22)];
        for (outlet, count, figure) in outlets {
            for number in 0..count {
                let mut input = DocumentInput::new(
                    format!("{outlet}-{number:04}"),
                    format!("Tinh giản\nNăm 2023, huyện Hải Hà đã giảm {figure} biên chế."),
                );
                input.metadata.insert("outlet".into(), outlet.into());
                engine.put_document(&analyse_document(input)).unwrap();
            }
        }
        let claim = "Năm 2023, huyện Hải Hà đã giảm 30 biên chế.";
        let mut input = ClaimInput::new(claim, 5);
        input.filter.metadata.insert("outlet".into(), "beta".into());
        let result = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(result.verdict, Verdict::Refuted, "{}", result.explanation);
        assert!(result
            .evidence
            .iter()
            .all(|evidence| evidence.document_id.starts_with("beta-")));
        let first = engine.numbers_allowed(&input.filter);
        assert_eq!(first.len(), WHOLE_SCORED_DOCUMENTS + 10);
        assert!(Arc::ptr_eq(&first, &engine.numbers_allowed(&input.filter)));
        input
            .filter
            .metadata
            .insert("outlet".into(), "alpha".into());
        let result = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(result.verdict, Verdict::Supported, "{}", result.explanation);
        assert!(result
            .evidence
            .iter()
            .all(|evidence| evidence.document_id.starts_with("alpha-")));
    }

    fn open_with(directory: &Path, verdict_bytes: u64) -> Engine {
        let caches = CacheSizes {
            sled_bytes: 8 << 20,
            verdict_bytes,
            ..CacheSizes::default()
        };
        Engine::open(directory, caches, 20).unwrap()
    }

    /// What the index says of a few terms, and the corpus size.
    fn index_view(engine: &Engine) -> (Vec<u64>, (u64, u64), u64, u64) {
        let index = engine.index();
        let holding = ["hai", "hai ha", "tien", "yen", "can"]
            .iter()
            .map(|term| index.holding(term))
            .collect();
        (
            holding,
            index.corpus_size(),
            index.term_count(),
            index.posting_count(),
        )
    }

    #[test]
    fn reopening_rebuilds_the_index_that_writes_left() {
        let directory = tempfile::tempdir().unwrap();
        let (before, stats) = {
            let engine = open(directory.path());
            engine
                .put_document(&analysed(
                    "a",
                    "Hải Hà\nHải Hà giảm 51 cán bộ.\nTiên Yên có 3 xã.",
                ))
                .unwrap();
            engine
                .put_document(&analysed("b", "Tiên Yên\nTiên Yên giảm 7 cán bộ."))
                .unwrap();
            engine
                .put_document(&analysed("a", "Hải Hà\nHải Hà giảm 15 cán bộ."))
                .unwrap();
            engine.delete_document("b").unwrap();
            engine.flush().unwrap();
            (index_view(&engine), engine.stats().unwrap())
        };
        assert_eq!(before.0[2], 0, "the deleted document's terms are gone");
        let engine = open(directory.path());
        assert_eq!(index_view(&engine), before);
        assert_eq!(engine.stats().unwrap().index_terms, stats.index_terms);
    }

    fn claim(text: &str) -> ClaimInput {
        ClaimInput::new(text, 3)
    }

    /// An engine holding one article, and a claim it states word for word.
    fn one_article(directory: &Path) -> (Engine, ClaimInput) {
        let engine = open(directory);
        engine
            .put_document(&analysed(
                "a",
                "Hải Hà\nHải Hà giảm 51 cán bộ, công chức cấp xã.",
            ))
            .unwrap();
        (engine, claim("Hải Hà giảm 51 cán bộ, công chức cấp xã."))
    }

    #[test]
    fn a_kept_verdict_is_served_until_a_write_lands() {
        let directory = tempfile::tempdir().unwrap();
        let (engine, input) = one_article(directory.path());
        assert!(engine.cached_verdict(&input).is_none());
        let first = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(first.verdict, Verdict::Supported, "{}", first.explanation);
        let again = engine.cached_verdict(&input).expect("kept");
        assert!(Arc::ptr_eq(&first, &again));
        engine
            .put_document(&analysed(
                "a",
                "Hải Hà\nHải Hà giảm 15 cán bộ, công chức cấp xã.",
            ))
            .unwrap();
        assert!(
            engine.cached_verdict(&input).is_none(),
            "a write makes it stale"
        );
        let after = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(after.verdict, Verdict::Refuted, "{}", after.explanation);
        engine.delete_document("a").unwrap();
        let gone = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(gone.verdict, Verdict::NotEnoughInfo, "{}", gone.explanation);
    }

    /// A claim of many figures over sentences of thousands: the slowest
    /// verification the bounds allow. A cancel arriving during it stops it
    /// within one unit of work, and no verdict is kept.
    #[test]
    fn a_cancelled_verification_stops_soon_and_keeps_nothing() {
        let directory = tempfile::tempdir().unwrap();
        let engine = open(directory.path());
        let sentences: Vec<String> = (0..20)
            .map(|s| {
                let figures: String = (0..2_000)
                    .map(|i| format!("{} xã, ", (i + s) % 97))
                    .collect();
                format!("Huyện Hải Hà có {figures}trong năm.")
            })
            .collect();
        engine
            .put_document(&analysed(
                "crafted",
                &format!("Tiêu đề\n{}", sentences.join(" ")),
            ))
            .unwrap();
        let figures: String = (0..300).map(|i| format!("{} xã, ", i % 89)).collect();
        // The document is prepared once, by a first claim.
        engine
            .verify(
                &claim(&format!("Huyện Hải Hà có {figures}")),
                &Budget::unlimited(),
            )
            .unwrap();
        let input = claim(&format!("Huyện Hải Hà có thêm {figures}"));
        let started = std::time::Instant::now();
        let budget = Budget::unlimited();
        engine.verify(&input, &budget).unwrap();
        let whole = started.elapsed();
        let other_input = claim(&format!("Huyện Hải Hà từng có {figures}"));
        let budget = Budget::unlimited();
        let canceller = budget.clone();
        // A whole check takes about 30 ms on two cores; a cancel after 1 ms
        // lands during it.
        let cancel_after = std::time::Duration::from_millis(1);
        let started = std::time::Instant::now();
        let stopped = std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(cancel_after);
                canceller.cancel();
            });
            engine.verify(&other_input, &budget)
        });
        let taken = started.elapsed();
        assert!(
            matches!(stopped, Err(VerifyError::Stopped(Stopped::Cancelled))),
            "a whole check takes {whole:?}; the cancelled one answered {:?}",
            stopped.map(|result| result.verdict)
        );
        assert!(
            taken < cancel_after + std::time::Duration::from_millis(100),
            "cancelled after {cancel_after:?}, stopped after {taken:?} (a whole check: {whole:?})"
        );
        assert!(engine.cached_verdict(&other_input).is_none());
    }

    #[test]
    fn the_verdict_cache_is_bounded_by_bytes() {
        let directory = tempfile::tempdir().unwrap();
        let input = claim("Hải Hà giảm 51 cán bộ, công chức cấp xã.");
        let document = analysed("a", "Hải Hà\nHải Hà giảm 51 cán bộ, công chức cấp xã.");
        let result_bytes = {
            let engine = open_with(directory.path(), 1 << 20);
            engine.put_document(&document).unwrap();
            let result = engine.verify(&input, &Budget::unlimited()).unwrap();
            assert!(
                engine.cached_verdict(&input).is_some(),
                "1 MiB holds one verdict"
            );
            result.approximate_bytes() as u64
        };
        // A budget smaller than one verdict keeps none.
        let engine = open_with(directory.path(), result_bytes / 2);
        engine.verify(&input, &Budget::unlimited()).unwrap();
        assert!(engine.cached_verdict(&input).is_none());
    }

    #[test]
    fn the_same_claim_asked_at_once_is_checked_once() {
        let directory = tempfile::tempdir().unwrap();
        let (engine, input) = one_article(directory.path());
        let results: Vec<Arc<VerificationResult>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| engine.verify(&input, &Budget::unlimited()).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(
            results.iter().all(|r| Arc::ptr_eq(r, &results[0])),
            "every caller gets the one verdict computed"
        );
    }
}
