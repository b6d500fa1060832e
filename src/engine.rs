//! The engine: the one owner of the read path's state. It holds the store
//! handle, the search index derived from the store (and the generation
//! that counts the changes made visible), the cache of documents prepared
//! for judging and the cache of verdicts, and verifies a claim in one
//! pass: read the claim, find candidate sentences in the index, load and
//! prepare their documents, judge. No stage calls back into an earlier
//! one.
//!
//! Writes go through the engine too, one at a time: the store commits the
//! batch (with its change log entry), then the index writer takes the
//! document's sentences and deletions. [`Engine::flush_durable`], what an
//! acknowledgement waits for, makes the store durable and commits the
//! index at most once per [`INDEX_COMMIT_INTERVAL`] (a group commit); a
//! read of the index first commits it when a write made durable for an
//! acknowledgement is not committed yet, so a search always sees every
//! acknowledged write. [`Engine::flush`] commits the index at once.
//! Concurrent writers share one commit. At open the index replays the
//! store changes after the last one its commit holds (or is built from
//! the store when it is missing), so writes the index had not committed
//! before a crash are found again.
//!
//! A record filter (`published_after`, `published_before`, `metadata`)
//! and `document_ids` become clauses of the index query, so they apply
//! before the top-k cut. A verdict is kept with the generation it was
//! computed at and served only while no write has been applied since;
//! prepared documents are kept by document number, which is never reused,
//! so they never go stale. Both caches are `quick_cache` caches bounded by
//! bytes (each entry weighed by the memory it takes), and both load once
//! for concurrent callers asking for the same entry.
//!
//! Caches and locks are here rather than in the service so that the
//! service keeps request validation, limits and the blocking pool, and the
//! store stays persistence only.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::budget::{Budget, Stopped};
use crate::filter::publication_day;
use crate::index::{
    sorted_numbers, term_lines, IndexError, IndexView, IndexedDocument, Opened, Restriction,
    SentenceIndex,
};
use crate::judge::{assess, judge, ClaimAnalysis, Features, SourceSentence};
use crate::model::{AnalysedDocument, ClaimInput, FullDocument, StoreStats, VerificationResult};
use crate::retrieve::{
    candidates, exhaustive_candidates, load_and_rerank, Candidate, DocumentCache, RankedSource,
};
use crate::store::{text_digest, Deleted, PutOutcome, Store, StoreError};
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
    Index(#[from] IndexError),
    #[error(transparent)]
    Stopped(#[from] Stopped),
}

/// Why opening, a write or a flush failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
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

/// Documents between two progress lines while the index is built.
const BUILD_PROGRESS_EVERY: usize = 10_000;

/// What the index takes of a stored document.
fn indexed<'a>(
    number: u32,
    term_lines: &'a [String],
    published_at: &str,
    metadata: &'a std::collections::BTreeMap<String, String>,
) -> IndexedDocument<'a> {
    IndexedDocument {
        number,
        term_lines,
        published: publication_day(published_at).ok().flatten(),
        metadata,
    }
}

/// Adds a stored document, read back from the store, to the index.
fn index_stored(
    index: &SentenceIndex,
    number: u32,
    document: &FullDocument,
) -> Result<(), IndexError> {
    let texts: Vec<&str> = document.sentences.iter().map(|s| s.text.as_str()).collect();
    let lines = term_lines(&texts);
    let record = &document.record;
    index.add(&indexed(
        number,
        &lines,
        &record.published_at,
        &record.metadata,
    ))
}

/// The index is committed at most this often by acknowledgements
/// ([`Engine::flush_durable`]). An index commit waits for the index
/// writer to take every document handed to it and writes a segment, and
/// writes wait meanwhile: committing at every acknowledgement of a
/// 200-document IngestDocuments stream took about a quarter of ingest
/// over gRPC (4.4 against 6.1 MB/s with no commit until the end, 20,000
/// Zipf articles, 2 streams). A read commits first when an acknowledged
/// write is not in the index yet, so the interval bounds only how much a
/// start after a crash replays.
pub const INDEX_COMMIT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Document bodies read per step of [`Engine::warm_up`].
const WARM_UP_BODIES_PER_STEP: usize = 256;
/// Bytes of an index file read per step of [`Engine::warm_up`] (a step
/// reading from disk, after a reboot, ends within a fraction of a second,
/// so a stopping service is not kept waiting).
const WARM_UP_INDEX_STEP: u64 = 16 << 20;

/// Bytes of document bodies a warm-up reads with a store cache of
/// `cache_bytes`: a quarter of it, leaving room for what checks read
/// besides the newest documents (a body takes about twice its stored size
/// in the cache).
pub fn warm_up_store_bytes(cache_bytes: u64) -> u64 {
    cache_bytes / 4
}

/// What [`Engine::warm_up`] read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WarmedUp {
    /// Bytes of index files whose pages were read.
    pub index_bytes: u64,
    /// Bytes of document bodies read.
    pub store_bytes: u64,
    /// False when the engine was dropped before the warm-up ended.
    pub finished: bool,
}

pub struct Engine {
    store: Store,
    /// Held across a store write and the index writes that follow it, so
    /// the index takes changes in the order the store committed them.
    writer: Mutex<()>,
    index: SentenceIndex,
    /// Counts the writes and index commits since open.
    generation: AtomicU64,
    /// When the index was last committed.
    last_index_commit: Mutex<std::time::Instant>,
    /// The last store change made durable by [`Engine::flush_durable`]:
    /// reads commit the index when it holds less.
    acknowledged_through: AtomicU64,
    /// Set when a read's commit failed (a full disk): reads no longer try,
    /// and go on with the index as last committed.
    read_commits_failed: std::sync::atomic::AtomicBool,
    documents: DocumentCache,
    /// Verdicts by generation and claim, bounded by bytes; the default
    /// hasher is seeded per process, since claims are client text.
    verdicts: Cache<VerdictKey, Arc<VerificationResult>, VerdictWeight>,
    /// Sentences taken from the index for each claim (more when the claim
    /// asks for more evidence).
    candidate_sentences: usize,
}

impl Engine {
    /// Opens the store in `directory` and its index, bringing the index
    /// up to the store: the changes after the last one it holds are
    /// replayed, or the whole index is built when there is none.
    pub fn open(
        directory: &Path,
        caches: CacheSizes,
        candidate_sentences: usize,
    ) -> Result<Engine, EngineError> {
        let started = std::time::Instant::now();
        let store = Store::open(directory, caches.sled_bytes)?;
        let store_opened = started.elapsed();
        let index = open_index_up_to_date(directory, &store)?;
        tracing::info!(
            store_ms = store_opened.as_secs_f64() * 1e3,
            index_ms = (started.elapsed() - store_opened).as_secs_f64() * 1e3,
            "store and search index open"
        );
        Ok(Engine {
            store,
            writer: Mutex::new(()),
            index,
            generation: AtomicU64::new(0),
            last_index_commit: Mutex::new(std::time::Instant::now()),
            acknowledged_through: AtomicU64::new(0),
            read_commits_failed: std::sync::atomic::AtomicBool::new(false),
            documents: DocumentCache::new(caches.prepared_document_bytes),
            verdicts: Cache::with_weighter(
                (caches.verdict_bytes / TYPICAL_VERDICT_BYTES).max(1) as usize,
                caches.verdict_bytes,
                VerdictWeight,
            ),
            candidate_sentences,
        })
    }

    /// Builds the index of the store in `directory` anew, replacing the
    /// one there; returns how many documents it holds. The store must
    /// exist and not be open elsewhere (its lock is taken).
    pub fn reindex(directory: &Path, caches: CacheSizes) -> Result<u64, EngineError> {
        let store = Store::open_existing(directory, caches.sled_bytes)?;
        let index = SentenceIndex::recreate(directory)?;
        build_index(&store, &index)?;
        commit_index(&store, &index)?;
        store.flush()?;
        index.close_merged()?;
        Ok(store.counts()?.documents)
    }

    /// Merges the search index of the store in `directory` into one
    /// segment, after bringing it up to date with the store as a start
    /// does; returns how many segments it had. The store must exist and
    /// not be open elsewhere (its lock is taken).
    pub fn compact(directory: &Path, caches: CacheSizes) -> Result<usize, EngineError> {
        let store = Store::open_existing(directory, caches.sled_bytes)?;
        let index = open_index_up_to_date(directory, &store)?;
        store.flush()?;
        Ok(index.close_merged()?)
    }

    /// Brings the search index's pages and the newest stored documents
    /// (up to `store_bytes` of them) into memory, so that the first checks
    /// after a start run about as fast as later ones: on a reopened store
    /// of 1M sentences, the first checks took 10-70 ms each without it.
    /// Works in short steps, each holding the engine only while it runs:
    /// once the engine is dropped (the service stopped), the warm-up ends
    /// at its next step and keeps nothing open.
    pub fn warm_up(engine: &Weak<Engine>, store_bytes: u64) -> Result<WarmedUp, EngineError> {
        let mut warmed = WarmedUp::default();
        let files = match engine.upgrade() {
            Some(engine) => engine.index.searched_files()?,
            None => return Ok(warmed),
        };
        for path in files {
            let mut offset = 0;
            loop {
                let Some(engine) = engine.upgrade() else {
                    return Ok(warmed);
                };
                let length = engine.index.warm_file(&path, offset, WARM_UP_INDEX_STEP)?;
                warmed.index_bytes += length.saturating_sub(offset).min(WARM_UP_INDEX_STEP);
                offset += WARM_UP_INDEX_STEP;
                if offset >= length {
                    break;
                }
            }
        }
        let mut before = None;
        while warmed.store_bytes < store_bytes {
            let Some(engine) = engine.upgrade() else {
                return Ok(warmed);
            };
            let (bytes, oldest) = engine.store.warm_bodies(before, WARM_UP_BODIES_PER_STEP)?;
            warmed.store_bytes += bytes;
            match oldest {
                Some(number) => before = Some(number),
                None => break,
            }
        }
        warmed.finished = true;
        Ok(warmed)
    }

    /// The store, for reads by id and listing.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A number that changes with every write applied (from 0 at open).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stores an analysed document, replacing any with its id, and hands
    /// it to the index. Call `flush_durable` (or `flush`) before
    /// acknowledging: it makes the write durable; reads see it either way.
    pub fn put_document(&self, document: &AnalysedDocument) -> Result<PutOutcome, EngineError> {
        self.put_document_following(document, None)
    }

    /// As [`Engine::put_document`]; with `followed`, the write applies
    /// that change of the cluster's log (recorded with it in the store).
    pub fn put_document_following(
        &self,
        document: &AnalysedDocument,
        followed: Option<u64>,
    ) -> Result<PutOutcome, EngineError> {
        let _writer = self.lock_writer();
        let outcome = self.store.put_document_following(document, followed)?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(replaced) = outcome.replaced {
            self.index.remove(replaced);
        }
        let record = &document.record;
        self.index.add(&indexed(
            outcome.document_number,
            &document.term_lines,
            &record.published_at,
            &record.metadata,
        ))?;
        self.index.note(outcome.change);
        Ok(outcome)
    }

    /// Deletes a document and hands the deletion to the index; `None` if
    /// absent. Call `flush_durable` (or `flush`) before acknowledging.
    pub fn delete_document(&self, id: &str) -> Result<Option<Deleted>, EngineError> {
        self.delete_document_following(id, None)
    }

    /// As [`Engine::delete_document`]; with `followed`, the deletion
    /// applies that change of the cluster's log.
    pub fn delete_document_following(
        &self,
        id: &str,
        followed: Option<u64>,
    ) -> Result<Option<Deleted>, EngineError> {
        let _writer = self.lock_writer();
        let deleted = self.store.delete_document_following(id, followed)?;
        if let Some(deleted) = &deleted {
            self.generation.fetch_add(1, Ordering::SeqCst);
            self.index.remove(deleted.number);
            self.index.note(deleted.change);
        }
        Ok(deleted)
    }

    /// Records that the cluster's changes up to `followed` are applied.
    pub fn note_followed(&self, followed: u64) -> Result<(), EngineError> {
        let _writer = self.lock_writer();
        self.store.note_followed(followed)?;
        Ok(())
    }

    /// Makes every write so far durable in the store, then searchable:
    /// the index commits what it was handed (one commit for all the
    /// writers waiting) and the store forgets the changes it holds.
    pub fn flush(&self) -> Result<(), EngineError> {
        self.store.flush()?;
        self.commit_index()
    }

    /// Makes every write so far durable in the store, and commits the
    /// index when the last commit is [`INDEX_COMMIT_INTERVAL`] old: what
    /// an acknowledgement waits for. A read commits the index first when
    /// it does not hold an acknowledged write yet.
    pub fn flush_durable(&self) -> Result<(), EngineError> {
        // Every change handed to the index before the store's flush is
        // durable after it.
        let durable = self.index.noted_through();
        self.store.flush()?;
        self.acknowledged_through
            .fetch_max(durable, Ordering::SeqCst);
        let due = self
            .last_index_commit
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .elapsed()
            >= INDEX_COMMIT_INTERVAL;
        if due {
            self.commit_index()?;
        }
        Ok(())
    }

    /// Commits the index when a write made durable for an acknowledgement
    /// is not committed yet: what every read does first. Writes not
    /// acknowledged yet do not make a read commit, so a long stream of
    /// writes is not committed by every read meanwhile. The store is not
    /// flushed here: after a full disk sled cannot flush again, and reads
    /// go on. A commit that fails is logged once, and reads then see the
    /// index as last committed.
    fn commit_pending(&self) {
        if self.index.committed_through() < self.acknowledged_through.load(Ordering::SeqCst)
            && !self.read_commits_failed.load(Ordering::SeqCst)
        {
            if let Err(error) = self.commit_index() {
                self.read_commits_failed.store(true, Ordering::SeqCst);
                tracing::error!(
                    %error,
                    "the search index could not commit acknowledged writes for a read; reads see it as last committed"
                );
            }
        }
    }

    /// The index as a read sees it: every acknowledged write committed.
    fn searchable(&self) -> IndexView {
        self.commit_pending();
        self.index.view()
    }

    fn commit_index(&self) -> Result<(), EngineError> {
        if commit_index(&self.store, &self.index)? {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        *self
            .last_index_commit
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = std::time::Instant::now();
        Ok(())
    }

    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let counts = self.store.counts()?;
        let view = self.searchable();
        Ok(StoreStats {
            documents: counts.documents,
            sentences: counts.sentences,
            quantities: counts.quantities,
            index_terms: view.segment_term_count(),
            indexed_sentences: view.sentence_count(),
            disk_bytes: counts.disk_bytes + self.index.disk_bytes(),
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
        self.commit_pending();
        // Read before the index: a write landing meanwhile keeps the
        // verdict under a generation that is no longer current.
        let key = (self.generation(), input.clone());
        self.verdicts.get_or_insert_with(&key, || {
            let claim = ClaimAnalysis::new(&input.claim, input.language);
            let loaded = self.candidates(&self.index.view(), &claim, input, budget)?;
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
        let loaded = self.candidates(&self.searchable(), &claim, input, &budget)?;
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

    /// Retrieval alone, for measurement: the `limit` candidates retrieval
    /// finds for `claim`, before their documents are loaded.
    pub fn retrieve(&self, claim: &str, limit: usize) -> Result<Vec<Candidate>, IndexError> {
        let claim = ClaimAnalysis::new(claim, None);
        candidates(
            &self.searchable(),
            &claim.search_terms(),
            &claim.context_terms(),
            &Restriction::default(),
            limit,
        )
    }

    /// Retrieval alone, for measurement: the `limit` candidates retrieval
    /// finds for `claim`, and the first `limit` of the complete ranking an
    /// exhaustive scan gives.
    pub fn retrieval_and_exhaustive(
        &self,
        claim: &str,
        limit: usize,
    ) -> Result<(Vec<Candidate>, Vec<Candidate>), IndexError> {
        let claim = ClaimAnalysis::new(claim, None);
        let view = self.searchable();
        let (terms, context) = (claim.search_terms(), claim.context_terms());
        let all = Restriction::default();
        Ok((
            candidates(&view, &terms, &context, &all, limit)?,
            exhaustive_candidates(&view, &terms, &context, &all, limit)?,
        ))
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
        index: &IndexView,
        claim: &ClaimAnalysis,
        input: &ClaimInput,
        budget: &Budget,
    ) -> Result<Vec<RankedSource>, VerifyError> {
        let only = if input.document_ids.is_empty() {
            None
        } else {
            Some(sorted_numbers(&self.numbers_of(&input.document_ids)?))
        };
        let except = sorted_numbers(&self.numbers_of(&input.exclude_document_ids)?);
        let restriction = Restriction {
            only: only.as_deref(),
            except: &except,
            record: (!input.filter.is_empty()).then_some(&input.filter),
        };
        let ranked = candidates(
            index,
            &claim.search_terms(),
            &claim.context_terms(),
            &restriction,
            self.candidate_sentences.max(input.max_evidence),
        )?;
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

/// Opens the search index of `directory` and brings it up to date with
/// `store`: built from it when there is none, the store's changes after
/// the index's last commit replayed otherwise; then committed.
fn open_index_up_to_date(directory: &Path, store: &Store) -> Result<SentenceIndex, EngineError> {
    let (index, opened) = SentenceIndex::open(directory)?;
    match opened {
        Opened::New => build_index(store, &index)?,
        Opened::Holding(through) => replay_changes(store, &index, through)?,
    }
    commit_index(store, &index)?;
    Ok(index)
}

/// Commits what the index was handed and, when it committed, lets the
/// store forget the changes the index now holds; `false` when there was
/// nothing to commit.
fn commit_index(store: &Store, index: &SentenceIndex) -> Result<bool, EngineError> {
    let committed = index.commit()?;
    if committed {
        store.forget_changes_through(index.committed_through())?;
    }
    Ok(committed)
}

/// Adds every stored document to a new index, noting the store's last
/// change as held.
fn build_index(store: &Store, index: &SentenceIndex) -> Result<(), EngineError> {
    let through = store.last_change();
    let started = std::time::Instant::now();
    let mut built = 0usize;
    for body in store.numbered_bodies() {
        let (number, document) = body?;
        index_stored(index, number, &document)?;
        built += 1;
        if built.is_multiple_of(BUILD_PROGRESS_EVERY) {
            tracing::info!("search index: {built} documents added");
        }
    }
    index.note(through);
    if built > 0 {
        tracing::info!(
            "search index built from the store: {built} documents in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Replays the store changes after `through` into the index. A change
/// that adds a document first deletes it, so a change the index already
/// holds is not indexed twice; a document deleted later is not added.
fn replay_changes(store: &Store, index: &SentenceIndex, through: u64) -> Result<(), EngineError> {
    let mut replayed = 0u64;
    for change in store.changes_after(through) {
        let change = change?;
        if let Some(removed) = change.removed {
            index.remove(removed);
        }
        if let Some(added) = change.added {
            index.remove(added);
            if let Some(document) = store.numbered_full_document(added)? {
                index_stored(index, added, &document)?;
            }
        }
        index.note(change.sequence);
        replayed += 1;
    }
    if replayed > 0 {
        tracing::info!("search index: {replayed} store changes replayed");
    }
    Ok(())
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

    /// Stores a document and makes it searchable, as an acknowledged
    /// ingest does.
    fn put(engine: &Engine, document: &AnalysedDocument) {
        engine.put_document(document).unwrap();
        engine.flush().unwrap();
    }

    /// A warm-up reads every searched index file and the newest bodies up
    /// to its budget; once the engine is dropped it reads nothing and
    /// holds nothing, so the store opens again at once.
    #[test]
    fn warm_up_reads_the_index_and_the_newest_documents_and_ends_with_the_engine() {
        let directory = tempfile::tempdir().unwrap();
        let engine = Arc::new(open(directory.path()));
        for number in 0..600 {
            engine
                .put_document(&analysed(
                    &format!("d{number:03}"),
                    &format!("Hải Hà\nNăm 2023, Hải Hà giảm {number} cán bộ."),
                ))
                .unwrap();
        }
        engine.flush().unwrap();
        let weak = Arc::downgrade(&engine);
        let all = Engine::warm_up(&weak, u64::MAX).unwrap();
        assert!(all.finished);
        assert!(all.index_bytes > 0 && all.index_bytes <= engine.index.disk_bytes());
        // The first step (256 bodies) already passes a budget of one byte.
        let some = Engine::warm_up(&weak, 1).unwrap();
        assert!(some.finished);
        assert_eq!(some.index_bytes, all.index_bytes);
        assert!(some.store_bytes > 0 && some.store_bytes < all.store_bytes);
        drop(engine);
        assert_eq!(
            Engine::warm_up(&weak, u64::MAX).unwrap(),
            WarmedUp::default()
        );
        drop(open(directory.path()));
    }

    /// A metadata filter (intersected in the index query, before the
    /// top-k cut) cites only the documents it allows, however many others
    /// say the same.
    #[test]
    fn a_record_filter_cites_only_what_it_allows() {
        let directory = tempfile::tempdir().unwrap();
        let engine = open_with(directory.path(), 0);
        let outlets = [("alpha", 40, 30), ("beta", 300, 22)];
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
        engine.flush().unwrap();
        let claim = "Năm 2023, huyện Hải Hà đã giảm 30 biên chế.";
        let mut input = ClaimInput::new(claim, 5);
        input.filter.metadata.insert("outlet".into(), "beta".into());
        let result = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(result.verdict, Verdict::Refuted, "{}", result.explanation);
        assert!(result
            .evidence
            .iter()
            .all(|evidence| evidence.document_id.starts_with("beta-")));
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

    /// Claims about each of a few documents, and the writes that leave
    /// one replaced and one deleted.
    const CLAIMS: [&str; 3] = [
        "Hải Hà giảm 15 cán bộ.",
        "Tiên Yên giảm 7 cán bộ.",
        "Đầm Hà có 9 xã.",
    ];

    fn write_documents(engine: &Engine) {
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
        engine
            .put_document(&analysed("c", "Đầm Hà\nĐầm Hà có 9 xã."))
            .unwrap();
        engine.delete_document("b").unwrap();
    }

    /// What the engine answers to `CLAIMS`: each verdict and its evidence
    /// (document, sentence), and how many sentences the index holds.
    type Answers = (Vec<(Verdict, Vec<(String, u32)>)>, u64);

    fn answers(engine: &Engine) -> Answers {
        let verdicts = CLAIMS
            .iter()
            .map(|text| {
                let result = engine.verify(&claim(text), &Budget::unlimited()).unwrap();
                let evidence = result
                    .evidence
                    .iter()
                    .map(|e| (e.document_id.clone(), e.sentence_index))
                    .collect();
                (result.verdict, evidence)
            })
            .collect();
        (verdicts, engine.index.view().sentence_count())
    }

    /// The answers after the writes, as the engine gives them when every
    /// write was made searchable.
    fn expected_answers() -> Answers {
        let directory = tempfile::tempdir().unwrap();
        let engine = open(directory.path());
        write_documents(&engine);
        engine.flush().unwrap();
        let expected = answers(&engine);
        assert_eq!(expected.0[0].0, Verdict::Supported);
        assert_eq!(expected.0[1].0, Verdict::NotEnoughInfo, "b was deleted");
        assert_eq!(expected.0[2].0, Verdict::Supported);
        assert_eq!(expected.1, 4, "a's and c's two sentences each");
        expected
    }

    #[test]
    fn reopening_finds_what_writes_left() {
        let expected = expected_answers();
        let directory = tempfile::tempdir().unwrap();
        {
            let engine = open(directory.path());
            write_documents(&engine);
            engine.flush().unwrap();
        }
        let engine = open(directory.path());
        assert_eq!(answers(&engine), expected);
        assert_eq!(engine.stats().unwrap().sentences, 4);
    }

    /// The process stops after the store wrote (and flushed) but before
    /// the index committed: reopening replays the store's changes, so
    /// every stored document is found, and none twice. Replaying again
    /// (the changes are remembered until the index holds them) changes
    /// nothing.
    #[test]
    fn writes_the_index_missed_are_replayed_once() {
        let expected = expected_answers();
        let directory = tempfile::tempdir().unwrap();
        {
            let engine = open(directory.path());
            engine
                .put_document(&analysed("z", "Một\nMột câu khác."))
                .unwrap();
            engine.flush().unwrap();
            write_documents(&engine);
            engine.delete_document("z").unwrap();
            engine.store.flush().unwrap();
            assert_eq!(engine.index.view().sentence_count(), 2, "only z committed");
        }
        let engine = open(directory.path());
        assert_eq!(answers(&engine), expected);
        // The index holds every change now: nothing is left to replay.
        assert_eq!(engine.store.changes_after(0).count(), 0);
        drop(engine);
        let engine = open(directory.path());
        assert_eq!(answers(&engine), expected);
    }

    /// An index that is gone or unreadable is built again from the store,
    /// and `reindex` builds one that answers exactly as before.
    #[test]
    fn a_lost_or_rebuilt_index_answers_as_before() {
        let expected = expected_answers();
        let directory = tempfile::tempdir().unwrap();
        {
            let engine = open(directory.path());
            write_documents(&engine);
            engine.flush().unwrap();
        }
        let folder = directory.path().join(crate::index::INDEX_FOLDER);
        std::fs::remove_dir_all(&folder).unwrap();
        assert_eq!(answers(&open(directory.path())), expected);
        std::fs::write(folder.join("meta.json"), b"{ not json").unwrap();
        assert_eq!(answers(&open(directory.path())), expected);
        let documents = Engine::reindex(directory.path(), CacheSizes::default()).unwrap();
        assert_eq!(documents, 2);
        assert_eq!(answers(&open(directory.path())), expected);
    }

    fn claim(text: &str) -> ClaimInput {
        ClaimInput::new(text, 3)
    }

    /// An engine holding one article, and a claim it states word for word.
    fn one_article(directory: &Path) -> (Engine, ClaimInput) {
        let engine = open(directory);
        put(
            &engine,
            &analysed("a", "Hải Hà\nHải Hà giảm 51 cán bộ, công chức cấp xã."),
        );
        (engine, claim("Hải Hà giảm 51 cán bộ, công chức cấp xã."))
    }

    /// An acknowledged write between two index commits: the index has
    /// not committed it, yet a read finds it (reads commit first), and so
    /// does a read after a crash (the store's changes are replayed); a
    /// write not acknowledged yet is left for the group commit.
    #[test]
    fn a_write_acknowledged_between_index_commits_is_found() {
        let directory = tempfile::tempdir().unwrap();
        let input = claim("Hải Hà giảm 51 cán bộ, công chức cấp xã.");
        {
            // Opening commits the index: the next commit is not due yet.
            let engine = open(directory.path());
            engine
                .put_document(&analysed(
                    "a",
                    "Hải Hà\nHải Hà giảm 51 cán bộ, công chức cấp xã.",
                ))
                .unwrap();
            engine.flush_durable().unwrap();
            assert!(engine.index.has_uncommitted(), "the commit waits");
            // A crash now: the engine is dropped without a commit (the
            // index writer's pending documents are lost with it).
        }
        let engine = open(directory.path());
        let found = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(found.verdict, Verdict::Supported, "{}", found.explanation);
        engine
            .put_document(&analysed(
                "b",
                "Hải Hà\nHải Hà giảm 15 cán bộ, công chức cấp xã.",
            ))
            .unwrap();
        engine.delete_document("a").unwrap();
        engine.flush_durable().unwrap();
        assert!(engine.index.has_uncommitted());
        let after = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(after.verdict, Verdict::Refuted, "{}", after.explanation);
        assert!(!engine.index.has_uncommitted(), "the read committed");
        assert_eq!(engine.stats().unwrap().indexed_sentences, 2);
        // A write not acknowledged yet does not make a read commit.
        engine
            .put_document(&analysed("c", "Móng Cái\nMóng Cái tăng 2 thôn."))
            .unwrap();
        engine.verify(&input, &Budget::unlimited()).unwrap();
        assert!(engine.index.has_uncommitted(), "the read left it");
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
        engine.flush().unwrap();
        let after = engine.verify(&input, &Budget::unlimited()).unwrap();
        assert_eq!(after.verdict, Verdict::Refuted, "{}", after.explanation);
        engine.delete_document("a").unwrap();
        engine.flush().unwrap();
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
        put(
            &engine,
            &analysed("crafted", &format!("Tiêu đề\n{}", sentences.join(" "))),
        );
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
            put(&engine, &document);
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
