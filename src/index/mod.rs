//! The search index: **the only module that touches tantivy**. One tantivy
//! document per stored sentence, kept on disk in the data directory's
//! `index` folder and opened without a rebuild (segments are memory
//! mapped). sled stays the source of truth: the index is derived from the
//! store's bodies and can be rebuilt from them at any time.
//!
//! Each sentence document holds its document number (indexed, to delete a
//! whole document with one term, and a fast field, to read hits), its
//! position in the document (fast), its terms (see [`terms`]) in two
//! fields, single words and word pairs, so that each kind is weighed by
//! BM25 against sentence lengths counted in its own kind (term frequencies
//! and field norms recorded), and what record filters
//! read: the publication day (indexed and fast, for range queries) and one
//! term per metadata pair.
//!
//! Writes are buffered by tantivy's writer and become searchable at
//! [`SentenceIndex::commit`]. Each commit records, as its payload, the last
//! store change it holds (`StoreChange::sequence`): at open the engine
//! replays only the store changes after it, so a crash between the store's
//! write and the index's commit loses nothing, and since a replayed change
//! first deletes the document it adds, nothing is indexed twice.
//!
//! Queries: a claim's terms are a union of term queries scored by tantivy's
//! BM25 (k1 = 1.2, b = 0.75), collected top-k with Block-WAND when nothing
//! restricts them, so the best sentences are found exactly, whatever the
//! size of the archive (the collector, `top.rs`, starts each segment from
//! the k-th best score the segments before it found); restrictions (named
//! documents, record filters, excluded documents) are intersected as
//! clauses that add nothing to the score. A pool to be scored again can
//! instead be found with sentence lengths left out
//! ([`IndexView::sentences_holding_most`]): the first sentences holding
//! all of the terms, then fewer of them.

mod snapshot;
pub mod terms;
mod top;

use snapshot::Snapshot;
use top::TopSentences;

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::{NoMergePolicy, UserOperation};
use tantivy::query::{
    Bm25StatisticsProvider, Bm25Weight, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STRING,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument,
    Term, TERMINATED,
};

pub use terms::{term_line, term_lines};

use crate::disk::{free_bytes, is_disk_full};
use crate::filter::{Day, RecordFilter};
use crate::hashing::FastMap;

/// The folder of the data directory that holds the index.
pub const INDEX_FOLDER: &str = "index";
/// The tokenizer that splits term lines, as registered with the index.
const TERM_TOKENIZER: &str = "claimcheck_term_line";
/// Memory the writer buffers before it writes a segment: at about 1 KB of
/// buffer per sentence, a few tens of thousands of sentences.
const WRITER_MEMORY_BYTES: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy could not read or write the index.
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index's folder could not be made or cleared.
    #[error("cannot prepare the search index folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    /// The last commit's payload is not a store change number.
    #[error("the search index does not say which store change it holds ({0:?}); run `claimcheck reindex`")]
    Payload(Option<String>),
    /// A write failed while the disk holding the index had less room left
    /// than a segment takes: the error itself may not say so (a writer
    /// thread killed by an I/O error reports only that it was killed).
    #[error("search index error: {0} (the disk holding the index is full)")]
    NoSpace(tantivy::TantivyError),
}

impl IndexError {
    /// Whether the error is a full disk (or quota), which retrying will not
    /// fix until space is freed.
    pub fn is_disk_full(&self) -> bool {
        let io = match self {
            IndexError::NoSpace(_) => return true,
            IndexError::Tantivy(tantivy::TantivyError::IoError(io)) => Some(io.as_ref()),
            IndexError::Folder { source, .. } => Some(source),
            _ => None,
        };
        io.is_some_and(is_disk_full) || self.to_string().contains("No space left on device")
    }
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    number: Field,
    sentence: Field,
    /// Single-word terms.
    words: Field,
    /// Word-pair terms.
    pairs: Field,
    day: Field,
    metadata: Field,
}

impl Fields {
    /// The field that holds `term`: pairs hold a space.
    fn of_term(&self, term: &str) -> Field {
        if term.contains(' ') {
            self.pairs
        } else {
            self.words
        }
    }
}

/// How term postings are read for scoring. A term counts once per
/// sentence (see [`terms`]), so every stored term frequency is 1: reading
/// the documents alone (tantivy then reports a frequency of 1) scores
/// exactly as reading the frequencies would, without decoding their
/// blocks, about half of the work of reading a posting list (of
/// sentences tied at a top-k list's last places, tantivy may keep other
/// ones than it would reading them). The
/// frequencies stay stored (`WithFreqs`): Block-WAND's per-block score
/// bounds live beside them in the skip data.
const SCORING_READ: IndexRecordOption = IndexRecordOption::Basic;

const NUMBER: &str = "document";
const SENTENCE: &str = "sentence";

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let number = builder.add_u64_field(NUMBER, NumericOptions::default().set_indexed().set_fast());
    let sentence = builder.add_u64_field(SENTENCE, NumericOptions::default().set_fast());
    let term_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TERM_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs)
            .set_fieldnorms(true),
    );
    let words = builder.add_text_field("words", term_options.clone());
    let pairs = builder.add_text_field("pairs", term_options);
    let day = builder.add_i64_field("day", NumericOptions::default().set_indexed().set_fast());
    let metadata = builder.add_text_field("metadata", STRING);
    let fields = Fields {
        number,
        sentence,
        words,
        pairs,
        day,
        metadata,
    };
    (builder.build(), fields)
}

/// A day as the index keeps it: its Julian day number.
fn day_value(day: Day) -> i64 {
    i64::from(day.to_julian_day())
}

/// A metadata pair as one term: the key's length in bytes first, so that
/// no key and value can be read as another pair whatever they hold.
fn metadata_term(key: &str, value: &str) -> String {
    format!("{}:{key}={value}", key.len())
}

/// A stored document as the index takes it.
pub struct IndexedDocument<'a> {
    pub number: u32,
    /// One term line per sentence, in order.
    pub term_lines: &'a [String],
    pub published: Option<Day>,
    pub metadata: &'a BTreeMap<String, String>,
}

/// What opening found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// An index that holds the store's changes up to this one.
    Holding(u64),
    /// A new, empty index: the store's documents must be added.
    New,
}

/// Where a document's sentences lie in the index: a segment, and the
/// first of them there. One writer thread adds a document's sentences one
/// after another, and merges keep a segment's sentences in order, so they
/// stay neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentPlace {
    segment: u32,
    first: DocId,
}

/// A document holding a term: its number, how many of its sentences hold
/// the term, and where its sentences lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub number: u32,
    pub sentences: u32,
    pub place: DocumentPlace,
}

/// A sentence the index found, with its BM25 score (plus any document
/// bonus asked for).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub document: u32,
    pub sentence: u32,
    pub score: f64,
    /// Where the index holds it (valid for the view that found it).
    address: DocAddress,
}

impl Hit {
    /// Whether both are the same sentence of the same view.
    pub fn same_sentence(&self, other: &Hit) -> bool {
        self.address == other.address
    }
}

/// Which sentences a search may return.
#[derive(Debug, Clone, Copy, Default)]
pub struct Restriction<'a> {
    /// Only these documents, when given.
    pub only: Option<&'a [u32]>,
    /// Never these documents.
    pub except: &'a [u32],
    /// Only documents whose record passes this filter, when given.
    pub record: Option<&'a RecordFilter>,
}

/// The index: the tantivy index, its reader (reloaded at each commit) and
/// its one writer.
pub struct SentenceIndex {
    index: Index,
    reader: IndexReader,
    /// Adds and deletes share it; a commit takes it alone.
    writer: RwLock<IndexWriter>,
    /// The last commit's searcher and what its searches share.
    snapshot: RwLock<Arc<Snapshot>>,
    fields: Fields,
    folder: PathBuf,
    /// The last store change handed to the writer.
    noted_through: AtomicU64,
    /// The last store change the searchable index holds.
    committed_through: AtomicU64,
}

impl SentenceIndex {
    /// Opens the index in `data_directory`, or creates an empty one when
    /// there is none or it cannot be read (it is derived data: the caller
    /// then adds the store's documents).
    pub fn open(data_directory: &Path) -> Result<(SentenceIndex, Opened), IndexError> {
        let folder = data_directory.join(INDEX_FOLDER);
        match Self::open_existing(&folder) {
            Ok(Some(opened)) => return Ok(opened),
            Ok(None) => {}
            Err(error) => tracing::warn!(
                "the search index in {} cannot be read ({error}); it is rebuilt from the store",
                folder.display()
            ),
        }
        Ok((Self::create(&folder)?, Opened::New))
    }

    /// An empty index in `data_directory`, replacing any there.
    pub fn recreate(data_directory: &Path) -> Result<SentenceIndex, IndexError> {
        Self::create(&data_directory.join(INDEX_FOLDER))
    }

    fn open_existing(folder: &Path) -> Result<Option<(SentenceIndex, Opened)>, IndexError> {
        if !folder.join("meta.json").is_file() {
            return Ok(None);
        }
        let directory = MmapDirectory::open(folder).map_err(tantivy::TantivyError::from)?;
        let index = Index::open(directory)?;
        let payload = index.load_metas()?.payload;
        let through = match payload.as_deref() {
            None => 0,
            Some(text) => text
                .parse::<u64>()
                .map_err(|_| IndexError::Payload(payload.clone()))?,
        };
        let opened = Self::with_index(index, folder)?;
        opened.noted_through.store(through, Ordering::SeqCst);
        opened.committed_through.store(through, Ordering::SeqCst);
        Ok(Some((opened, Opened::Holding(through))))
    }

    fn create(folder: &Path) -> Result<SentenceIndex, IndexError> {
        let folder_error = |source| IndexError::Folder {
            path: folder.display().to_string(),
            source,
        };
        if folder.exists() {
            std::fs::remove_dir_all(folder).map_err(folder_error)?;
        }
        std::fs::create_dir_all(folder).map_err(folder_error)?;
        let (schema, _) = schema();
        let index = Index::create_in_dir(folder, schema)?;
        Self::with_index(index, folder)
    }

    fn with_index(index: Index, folder: &Path) -> Result<SentenceIndex, IndexError> {
        index
            .tokenizers()
            .register(TERM_TOKENIZER, terms::TermLineTokenizer::default());
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(IndexError::Tantivy(tantivy::TantivyError::SchemaError(
                "the search index was built by another version; run `claimcheck reindex`".into(),
            )));
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        // A process killed inside a commit leaves the files it wrote
        // (listed as managed, referenced by no commit). A deletion file's
        // name is its segment and operation number, and replaying the same
        // store changes reaches the same number: left in place, it makes
        // the next commit fail with "file already exists".
        writer.garbage_collect_files().wait()?;
        let snapshot = Snapshot::new(reader.searcher(), NUMBER, SENTENCE)?;
        Ok(SentenceIndex {
            index,
            reader,
            writer: RwLock::new(writer),
            snapshot: RwLock::new(Arc::new(snapshot)),
            fields,
            folder: folder.to_path_buf(),
            noted_through: AtomicU64::new(0),
            committed_through: AtomicU64::new(0),
        })
    }

    /// Adds a document's sentences (searchable after the next commit), as
    /// one group of operations: the writer's thread gets them in one
    /// message (not one per sentence, each waking it), and a group is
    /// never split between two segments, so a document's sentences stay
    /// neighbours in one segment as [`IndexView::score_in_documents`]
    /// reads them.
    pub fn add(&self, document: &IndexedDocument<'_>) -> Result<(), IndexError> {
        let writer = self.writer.read().unwrap_or_else(|p| p.into_inner());
        let fields = self.fields;
        let (mut words, mut pairs) = (String::new(), String::new());
        let mut sentences = Vec::with_capacity(document.term_lines.len());
        for (position, line) in document.term_lines.iter().enumerate() {
            let mut sentence = TantivyDocument::default();
            sentence.add_u64(fields.number, u64::from(document.number));
            sentence.add_u64(fields.sentence, position as u64);
            words.clear();
            pairs.clear();
            for term in line.split(terms::TERM_SEPARATOR) {
                let kind = if term.contains(' ') {
                    &mut pairs
                } else {
                    &mut words
                };
                kind.push_str(term);
                kind.push(terms::TERM_SEPARATOR);
            }
            sentence.add_text(fields.words, &words);
            sentence.add_text(fields.pairs, &pairs);
            if let Some(day) = document.published {
                sentence.add_i64(fields.day, day_value(day));
            }
            for (key, value) in document.metadata {
                sentence.add_text(fields.metadata, metadata_term(key, value));
            }
            sentences.push(UserOperation::Add(sentence));
        }
        writer
            .run(sentences)
            .map_err(|error| self.write_error(error))?;
        Ok(())
    }

    /// Removes document `number`'s sentences (at the next commit).
    pub fn remove(&self, number: u32) {
        let writer = self.writer.read().unwrap_or_else(|p| p.into_inner());
        writer.delete_term(Term::from_field_u64(self.fields.number, u64::from(number)));
    }

    /// Notes that the writes handed over so far hold the store's changes
    /// up to `change`, for the next commit to record.
    pub fn note(&self, change: u64) {
        self.noted_through.fetch_max(change, Ordering::SeqCst);
    }

    /// Whether writes were handed over since the last commit: a search
    /// would not see them yet.
    pub fn has_uncommitted(&self) -> bool {
        self.noted_through() != self.committed_through()
    }

    /// The last store change handed over.
    pub fn noted_through(&self) -> u64 {
        self.noted_through.load(Ordering::SeqCst)
    }

    /// Makes the writes handed over searchable and durable, recording the
    /// last store change they hold; `false` when there was nothing to
    /// commit (another commit took them).
    pub fn commit(&self) -> Result<bool, IndexError> {
        if !self.has_uncommitted() {
            return Ok(false);
        }
        let mut writer = self.writer.write().unwrap_or_else(|p| p.into_inner());
        // Writers note under the shared lock, so nothing moves now.
        let through = self.noted_through.load(Ordering::SeqCst);
        if through == self.committed_through() {
            return Ok(false);
        }
        let mut prepared = writer
            .prepare_commit()
            .map_err(|error| self.write_error(error))?;
        prepared.set_payload(&through.to_string());
        prepared.commit().map_err(|error| self.write_error(error))?;
        self.reader.reload()?;
        let snapshot = Snapshot::new(self.reader.searcher(), NUMBER, SENTENCE)?;
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
        self.committed_through.store(through, Ordering::SeqCst);
        Ok(true)
    }

    /// Closes the index with every segment merged into one, keeping the
    /// commit's record of the last store change it holds; returns how many
    /// segments there were. For an index nothing else writes (`claimcheck
    /// compact`, the end of `claimcheck reindex`): the writer merges a few
    /// similar segments at a time as it goes, so an archive loaded in bulk
    /// is left in several, each read once per term by every search; in
    /// one, a check at 1M sentences took a tenth less time
    /// (docs/PERFORMANCE.md). The merges the writer started on its own end
    /// first, since a segment they are merging cannot be merged again.
    pub fn close_merged(self) -> Result<usize, IndexError> {
        let writer = self.writer.into_inner().unwrap_or_else(|p| p.into_inner());
        writer.wait_merging_threads()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            let mut writer: IndexWriter =
                self.index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
            writer.set_merge_policy(Box::new(NoMergePolicy));
            writer
                .merge(&segments)
                .wait()
                .map_err(|error| write_error_in(&self.folder, error))?;
            writer.wait_merging_threads()?;
        }
        Ok(segments.len())
    }

    /// A failed write, read as a full disk when the index's file system
    /// has less room than one segment of the writer's buffer.
    fn write_error(&self, error: tantivy::TantivyError) -> IndexError {
        write_error_in(&self.folder, error)
    }

    /// The last store change the searchable index holds.
    pub fn committed_through(&self) -> u64 {
        self.committed_through.load(Ordering::SeqCst)
    }

    /// The index as of the last commit, for searching.
    pub fn view(&self) -> IndexView {
        IndexView {
            snapshot: Arc::clone(&self.snapshot.read().unwrap_or_else(|p| p.into_inner())),
            fields: self.fields,
        }
    }

    /// The files of the committed segments that searches read, the term
    /// dictionaries, norms and columns first, then the postings (not the
    /// document stores: no field is stored), for
    /// [`SentenceIndex::warm_file`].
    pub fn searched_files(&self) -> Result<Vec<PathBuf>, IndexError> {
        let rank = |path: &PathBuf| match path.extension().and_then(|e| e.to_str()) {
            Some("term") => 0,
            Some("fieldnorm") | Some("fast") => 1,
            _ => 2,
        };
        let mut files: Vec<PathBuf> = self
            .index
            .load_metas()?
            .list_segment_files()
            .into_iter()
            .filter(|path| path.extension().is_none_or(|e| e != "store"))
            .collect();
        files.sort_by_key(|path| (rank(path), path.clone()));
        Ok(files)
    }

    /// Reads one byte of every memory page of `length` bytes of the index
    /// file `path` from `offset` on, through the memory map searches read,
    /// so that later searches find those pages mapped instead of each
    /// faulting in the ones it touches; returns the file's length (0 for a
    /// file a merge has removed since it was listed).
    pub fn warm_file(&self, path: &Path, offset: u64, length: u64) -> Result<u64, IndexError> {
        use tantivy::directory::Directory;
        const PAGE: usize = 4096;
        let Ok(file) = self.index.directory().open_read(path) else {
            return Ok(0);
        };
        let total = tantivy::HasLen::len(&file) as u64;
        let start = offset.min(total) as usize;
        let end = offset.saturating_add(length).min(total) as usize;
        let bytes = file
            .slice(start..end)
            .read_bytes()
            .map_err(tantivy::TantivyError::from)?;
        let sum = bytes
            .as_slice()
            .iter()
            .step_by(PAGE)
            .fold(0u8, |sum, byte| sum ^ byte);
        std::hint::black_box(sum);
        Ok(total)
    }

    /// Bytes the index's files take on disk.
    pub fn disk_bytes(&self) -> u64 {
        std::fs::read_dir(&self.folder)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|entry| entry.metadata().ok())
                    .filter(|metadata| metadata.is_file())
                    .map(|metadata| metadata.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Waits for the merges under way, so that a process about to stop
    /// leaves no half-merged segment files behind (they would be removed
    /// at the next open anyway).
    pub fn close(self) -> Result<(), IndexError> {
        let writer = self.writer.into_inner().unwrap_or_else(|p| p.into_inner());
        writer.wait_merging_threads()?;
        drop(self.index);
        Ok(())
    }
}

/// A failed write to the index in `folder`, read as a full disk when its
/// file system has less room than one segment of the writer's buffer.
fn write_error_in(folder: &Path, error: tantivy::TantivyError) -> IndexError {
    let error = IndexError::Tantivy(error);
    if error.is_disk_full() {
        return error;
    }
    match (error, free_bytes(folder)) {
        (IndexError::Tantivy(error), Some(free)) if free < WRITER_MEMORY_BYTES as u64 => {
            IndexError::NoSpace(error)
        }
        (error, _) => error,
    }
}

/// A term with its BM25 weight and its dictionary entries.
struct Weighed {
    term: Term,
    infos: Arc<snapshot::TermInfos>,
    weight: Bm25Weight,
}

/// The index as of one commit: what one search reads, unchanged by later
/// commits.
pub struct IndexView {
    snapshot: Arc<Snapshot>,
    fields: Fields,
}

impl IndexView {
    fn searcher(&self) -> &Searcher {
        &self.snapshot.searcher
    }

    /// Sentences indexed (deleted ones leave the count when their segment
    /// is next merged).
    pub fn sentence_count(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Terms in the index, counted in each segment: a term held by several
    /// segments counts once per segment until they are merged.
    pub fn segment_term_count(&self) -> u64 {
        self.searcher()
            .segment_readers()
            .iter()
            .flat_map(|segment| {
                [self.fields.words, self.fields.pairs]
                    .map(|field| segment.inverted_index(field).ok())
            })
            .flatten()
            .map(|inverted| inverted.terms().num_terms() as u64)
            .sum()
    }

    fn term(&self, text: &str) -> Term {
        Term::from_field_text(self.fields.of_term(text), text)
    }

    /// How many sentences hold `term`.
    pub fn holding(&self, term: &str) -> Result<u64, IndexError> {
        Ok(Bm25StatisticsProvider::doc_freq(
            &self.snapshot.statistics,
            &self.term(term),
        )?)
    }

    /// The documents with a sentence holding `term`, ascending, each with
    /// how many of its sentences hold it and where its sentences lie.
    pub fn documents_holding(&self, term: &str) -> Result<Vec<Holding>, IndexError> {
        let term = self.term(term);
        let infos = self.snapshot.statistics.term_infos(&term)?;
        let mut found: Vec<(u32, DocumentPlace)> = Vec::new();
        for (ordinal, ((segment, columns), info)) in self
            .searcher()
            .segment_readers()
            .iter()
            .zip(&self.snapshot.columns)
            .zip(&infos.per_segment)
            .enumerate()
        {
            let Some(info) = info else {
                continue;
            };
            let mut postings = segment
                .inverted_index(term.field())?
                .read_postings_from_terminfo(info, IndexRecordOption::Basic)
                .map_err(tantivy::TantivyError::from)?;
            let alive = segment.alive_bitset();
            let mut doc = tantivy::DocSet::doc(&postings);
            while doc != TERMINATED {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    let position = columns.sentences.get_val(doc) as DocId;
                    found.push((
                        columns.numbers.get_val(doc) as u32,
                        DocumentPlace {
                            segment: ordinal as u32,
                            first: doc.saturating_sub(position),
                        },
                    ));
                }
                doc = tantivy::DocSet::advance(&mut postings);
            }
        }
        found.sort_unstable_by_key(|(number, _)| *number);
        let mut documents: Vec<Holding> = Vec::new();
        for (number, place) in found {
            match documents.last_mut() {
                Some(last) if last.number == number => last.sentences += 1,
                _ => documents.push(Holding {
                    number,
                    sentences: 1,
                    place,
                }),
            }
        }
        Ok(documents)
    }

    /// The `limit` best sentences holding any of `terms`, by BM25, among
    /// those `restriction` allows. With `bonus`, only sentences of its
    /// documents are searched, and each gains its document's bonus.
    pub fn best_sentences(
        &self,
        terms: &[String],
        restriction: &Restriction<'_>,
        bonus: Option<Arc<FastMap<u32, f64>>>,
        limit: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        self.best_matching(self.union_of(terms), restriction, bonus, limit)
    }

    /// At most `limit` sentences holding the most of `terms` (given
    /// rarest first) among those `restriction` allows, sentence lengths
    /// left out: those holding every term, then every term but the
    /// commonest, and so on down to the rarest alone; then the same from
    /// the second rarest on, and so on. Each step takes the first
    /// sentences in the index holding its terms (all of them tie but for
    /// their lengths), and reads the postings of its rarest term at most,
    /// so that terms which tens of thousands of sentences hold together
    /// cost what finding `limit` of them costs, where a top-k union by
    /// BM25 reads every one of them to keep the shortest. Each hit's score
    /// is its step's terms' BM25 weight with lengths left out: a pool to
    /// score again.
    pub fn sentences_holding_most(
        &self,
        terms: &[String],
        restriction: &Restriction<'_>,
        limit: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        let mut found: Vec<Hit> = Vec::with_capacity(limit);
        let mut seen: HashSet<DocAddress> = HashSet::with_capacity(limit);
        for start in 0..terms.len() {
            for end in (start + 1..=terms.len()).rev() {
                if found.len() == limit {
                    return Ok(found);
                }
                // Of these, the ones holding more terms are found already.
                for hit in self.first_holding_all(&terms[start..end], restriction, limit)? {
                    if found.len() < limit && seen.insert(hit.address) {
                        found.push(hit);
                    }
                }
            }
        }
        Ok(found)
    }

    /// The first `limit` sentences in index order holding every one of
    /// `terms` among those `restriction` allows, each with the terms' BM25
    /// weight, lengths left out.
    fn first_holding_all(
        &self,
        terms: &[String],
        restriction: &Restriction<'_>,
        limit: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        let weights = self.weights(terms)?;
        if weights.len() < terms.len() {
            return Ok(Vec::new());
        }
        let total = self.sentence_count();
        let weight_sum: f32 = weights
            .iter()
            .map(|weighed| {
                // Against an infinite average, every length weighs alike.
                Bm25Weight::for_one_term_without_explain(
                    weighed.infos.doc_freq,
                    total,
                    f32::INFINITY,
                )
                .score(0, 1)
            })
            .sum();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .term_queries(terms)
            .into_iter()
            .map(|query| (Occur::Must, query))
            .collect();
        self.restrict(restriction, &mut clauses);
        let weight = BooleanQuery::new(clauses).weight(
            tantivy::query::EnableScoring::disabled_from_searcher(self.searcher()),
        )?;
        let mut found = Vec::with_capacity(limit);
        for (ordinal, segment) in self.searcher().segment_readers().iter().enumerate() {
            if found.len() == limit {
                break;
            }
            let alive = segment.alive_bitset();
            let mut scorer = weight.scorer(segment, 1.0)?;
            let mut doc = tantivy::DocSet::doc(&scorer);
            while doc != TERMINATED && found.len() < limit {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    found.push((f64::from(weight_sum), DocAddress::new(ordinal as u32, doc)));
                }
                doc = tantivy::DocSet::advance(&mut scorer);
            }
        }
        self.hits(found)
    }

    /// The `limit` best sentences holding every one of `terms`, by BM25,
    /// among those `restriction` allows.
    pub fn best_sentences_holding_all(
        &self,
        terms: &[String],
        restriction: &Restriction<'_>,
        limit: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let matching = BooleanQuery::intersection(self.term_queries(terms));
        self.best_matching(matching, restriction, None, limit)
    }

    /// The `limit` best sentences `matching` finds among those
    /// `restriction` allows (with `bonus`, of its documents only, each
    /// with its document's bonus added).
    fn best_matching(
        &self,
        matching: BooleanQuery,
        restriction: &Restriction<'_>,
        bonus: Option<Arc<FastMap<u32, f64>>>,
        limit: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(bonus) = &bonus {
            let mut documents: Vec<u32> = bonus.keys().copied().collect();
            documents.sort_unstable();
            clauses.push((Occur::Must, self.documents_query(&documents)));
        }
        self.restrict(restriction, &mut clauses);
        let query: Box<dyn Query> = if clauses.is_empty() {
            // The terms alone: collected top-k with Block-WAND.
            Box::new(matching)
        } else {
            clauses.push((Occur::Must, Box::new(matching)));
            Box::new(BooleanQuery::new(clauses))
        };
        let statistics = &self.snapshot.statistics;
        let found: Vec<(f64, DocAddress)> = match bonus {
            None => self
                .searcher()
                .search_with_statistics_provider(
                    &query,
                    &TopSentences::with_limit(limit),
                    statistics,
                )?
                .into_iter()
                .map(|(score, address)| (f64::from(score), address))
                .collect(),
            Some(bonus) => self.searcher().search_with_statistics_provider(
                &query,
                &TopDocs::with_limit(limit).tweak_score(move |segment: &tantivy::SegmentReader| {
                    let numbers = segment
                        .fast_fields()
                        .u64(NUMBER)
                        .map(|column| column.first_or_default_col(0))
                        .ok();
                    let bonus = Arc::clone(&bonus);
                    move |doc: DocId, score: tantivy::Score| {
                        let gained = numbers
                            .as_ref()
                            .and_then(|numbers| bonus.get(&(numbers.get_val(doc) as u32)))
                            .copied()
                            .unwrap_or(0.0);
                        f64::from(score) + gained
                    }
                }),
                statistics,
            )?,
        };
        self.hits(found)
    }

    /// BM25 weights of `terms`, as the index's queries weigh them.
    /// Terms no sentence holds are left out: they score nothing.
    fn weights(&self, terms: &[String]) -> Result<Vec<Weighed>, IndexError> {
        let statistics = &self.snapshot.statistics;
        let mut weighed = Vec::with_capacity(terms.len());
        for text in terms {
            let term = self.term(text);
            let infos = statistics.term_infos(&term)?;
            if infos.doc_freq == 0 {
                continue;
            }
            let weight = Bm25Weight::for_terms(statistics, std::slice::from_ref(&term))?;
            weighed.push(Weighed {
                term,
                infos,
                weight,
            });
        }
        Ok(weighed)
    }

    /// The BM25 score of each of a segment's `sentences` (ascending, no
    /// repeats) for the weighed terms, reading each term's postings only
    /// at those sentences. The sentences are read as runs of consecutive
    /// addresses (a document's sentences are neighbours): a term's
    /// postings are moved to each run's start once, and then only over the
    /// sentences of the run that hold it.
    fn score_sentences(
        segment: &tantivy::SegmentReader,
        ordinal: usize,
        weights: &[Weighed],
        sentences: &[DocId],
    ) -> Result<Vec<f32>, IndexError> {
        use tantivy::postings::Postings;
        // (index in `sentences` of the run's first sentence, first, end).
        let mut runs: Vec<(usize, DocId, DocId)> = Vec::new();
        for (index, &sentence) in sentences.iter().enumerate() {
            match runs.last_mut() {
                Some((_, _, end)) if *end == sentence => *end += 1,
                _ => runs.push((index, sentence, sentence + 1)),
            }
        }
        let mut scores = vec![0.0f32; sentences.len()];
        for Weighed {
            term,
            infos,
            weight,
        } in weights
        {
            let Some(info) = &infos.per_segment[ordinal] else {
                continue;
            };
            let inverted = segment.inverted_index(term.field())?;
            let mut postings = inverted
                .read_postings_from_terminfo(info, SCORING_READ)
                .map_err(tantivy::TantivyError::from)?;
            let norms = segment.get_fieldnorms_reader(term.field())?;
            for &(offset, first, end) in &runs {
                let mut at = tantivy::DocSet::doc(&postings);
                if at < first {
                    at = tantivy::DocSet::seek(&mut postings, first);
                }
                if at == TERMINATED {
                    break;
                }
                while at < end {
                    scores[offset + (at - first) as usize] +=
                        weight.score(norms.fieldnorm_id(at), postings.term_freq());
                    at = tantivy::DocSet::advance(&mut postings);
                }
            }
        }
        Ok(scores)
    }

    /// Every sentence of `documents` holding any of `terms`, with its BM25
    /// score, computed as the index's query scores it. Reads each term's
    /// postings only at those sentences (a document's sentences are
    /// neighbours in a segment), so the cost follows the documents' size,
    /// not the archive's: a restricted top-k query, which seeks every term
    /// to every sentence through a union, cost several times more.
    pub fn score_in_documents(
        &self,
        terms: &[String],
        documents: &[(u32, DocumentPlace)],
    ) -> Result<Vec<Hit>, IndexError> {
        let weights = self.weights(terms)?;
        let segments = self.searcher().segment_readers();
        let mut by_segment: Vec<Vec<DocId>> = vec![Vec::new(); segments.len()];
        let mut unplaced: Vec<u32> = Vec::new();
        for (number, place) in documents {
            if !self.sentences_at(*number, *place, &mut by_segment) {
                unplaced.push(*number);
            }
        }
        if !unplaced.is_empty() {
            unplaced.sort_unstable();
            let wanted = DocumentsQuery::of(self.fields.number, &unplaced);
            for (sentences, segment) in by_segment.iter_mut().zip(segments) {
                sentences.extend(wanted.sentences_in(segment)?);
            }
        }
        let mut found = Vec::new();
        for (ordinal, (segment, mut sentences)) in segments.iter().zip(by_segment).enumerate() {
            if sentences.is_empty() {
                continue;
            }
            sentences.sort_unstable();
            sentences.dedup();
            let scores = Self::score_sentences(segment, ordinal, &weights, &sentences)?;
            let alive = segment.alive_bitset();
            for (sentence, score) in sentences.iter().zip(scores) {
                if score > 0.0 && alive.is_none_or(|alive| alive.is_alive(*sentence)) {
                    found.push((f64::from(score), DocAddress::new(ordinal as u32, *sentence)));
                }
            }
        }
        self.hits(found)
    }

    /// Adds document `number`'s sentences to their segment's list, read
    /// from the columns at `place` (its sentences follow one another, each
    /// one's position one more than the last); `false`, adding nothing,
    /// when the columns do not show the document starting there.
    fn sentences_at(
        &self,
        number: u32,
        place: DocumentPlace,
        by_segment: &mut [Vec<DocId>],
    ) -> bool {
        let segment = place.segment as usize;
        let (Some(columns), Some(sentences)) = (
            self.snapshot.columns.get(segment),
            by_segment.get_mut(segment),
        ) else {
            return false;
        };
        let end = self.searcher().segment_reader(place.segment).max_doc();
        let of_document = |doc: DocId| {
            doc < end
                && columns.numbers.get_val(doc) == u64::from(number)
                && columns.sentences.get_val(doc) == u64::from(doc - place.first)
        };
        if !of_document(place.first) {
            return false;
        }
        let mut doc = place.first;
        while of_document(doc) {
            sentences.push(doc);
            doc += 1;
        }
        true
    }

    /// Scores `hits` again with `terms` (their BM25 score for those terms
    /// replaces the one they had).
    pub fn rescore(&self, terms: &[String], hits: &mut [Hit]) -> Result<(), IndexError> {
        let weights = self.weights(terms)?;
        // (segment, sentence, position in `hits`), in index order.
        let mut order: Vec<(u32, DocId, usize)> = hits
            .iter()
            .enumerate()
            .map(|(at, hit)| (hit.address.segment_ord, hit.address.doc_id, at))
            .collect();
        order.sort_unstable();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            let segment = self.searcher().segment_reader(group[0].0);
            let mut sentences: Vec<DocId> =
                group.iter().map(|(_, sentence, _)| *sentence).collect();
            // A sentence twice among the hits is scored once.
            sentences.dedup();
            let scores = Self::score_sentences(segment, group[0].0 as usize, &weights, &sentences)?;
            for (_, sentence, at) in group {
                if let Ok(index) = sentences.binary_search(sentence) {
                    hits[*at].score = f64::from(scores[index]);
                }
            }
        }
        Ok(())
    }

    /// Every sentence holding any of `terms` that `restriction` allows,
    /// with its BM25 score, read without any top-k pruning: the reference
    /// the scale benchmark checks the top-k search against.
    pub fn score_every_sentence(
        &self,
        terms: &[String],
        restriction: &Restriction<'_>,
    ) -> Result<Vec<Hit>, IndexError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        self.restrict(restriction, &mut clauses);
        clauses.push((Occur::Must, Box::new(self.union_of(terms))));
        let query = BooleanQuery::new(clauses);
        let weight = query.weight(
            tantivy::query::EnableScoring::enabled_from_statistics_provider(
                &self.snapshot.statistics,
                self.searcher(),
            ),
        )?;
        let mut found = Vec::new();
        for (ordinal, segment) in self.searcher().segment_readers().iter().enumerate() {
            let alive = segment.alive_bitset();
            weight.for_each(segment, &mut |doc, score| {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    found.push((f64::from(score), DocAddress::new(ordinal as u32, doc)));
                }
            })?;
        }
        self.hits(found)
    }

    /// A union of term queries, scored by BM25.
    fn union_of(&self, terms: &[String]) -> BooleanQuery {
        BooleanQuery::union(self.term_queries(terms))
    }

    /// One BM25-scored query per term.
    fn term_queries(&self, terms: &[String]) -> Vec<Box<dyn Query>> {
        terms
            .iter()
            .map(|term| Box::new(TermQuery::new(self.term(term), SCORING_READ)) as Box<dyn Query>)
            .collect()
    }

    /// Turns collected addresses into hits.
    fn hits(&self, found: Vec<(f64, DocAddress)>) -> Result<Vec<Hit>, IndexError> {
        Ok(found
            .into_iter()
            .map(|(score, address)| {
                let columns = &self.snapshot.columns[address.segment_ord as usize];
                Hit {
                    document: columns.numbers.get_val(address.doc_id) as u32,
                    sentence: columns.sentences.get_val(address.doc_id) as u32,
                    score,
                    address,
                }
            })
            .collect())
    }

    /// Sentences of `documents`, scoring nothing.
    fn documents_query(&self, documents: &[u32]) -> Box<dyn Query> {
        Box::new(DocumentsQuery::of(self.fields.number, documents))
    }

    /// Adds the clauses of `restriction`, none of which adds to a score.
    fn restrict(&self, restriction: &Restriction<'_>, clauses: &mut Vec<(Occur, Box<dyn Query>)>) {
        if let Some(only) = restriction.only {
            clauses.push((Occur::Must, self.documents_query(only)));
        }
        if !restriction.except.is_empty() {
            clauses.push((Occur::MustNot, self.documents_query(restriction.except)));
        }
        let Some(record) = restriction.record else {
            return;
        };
        let bound = |day: Option<Day>| match day {
            Some(day) => Bound::Included(Term::from_field_i64(self.fields.day, day_value(day))),
            None => Bound::Unbounded,
        };
        if record.published_after.is_some() || record.published_before.is_some() {
            let range = RangeQuery::new(
                bound(record.published_after),
                bound(record.published_before),
            );
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(range), 0.0)),
            ));
        }
        for (key, value) in &record.metadata {
            let term = Term::from_field_text(self.fields.metadata, &metadata_term(key, value));
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(query), 0.0)),
            ));
        }
    }
}

/// The sentences of a few documents, found by reading each document
/// number's postings: a query restricted to them reads a few short lists
/// per segment. (tantivy's `TermSetQuery` walks the number field's term
/// dictionary with an automaton and sets a bit per sentence of each
/// segment: under load it took more time than the search it restricted.)
#[derive(Debug, Clone)]
struct DocumentsQuery {
    field: Field,
    numbers: Arc<Vec<u64>>,
}

impl Query for DocumentsQuery {
    fn weight(
        &self,
        _scoring: tantivy::query::EnableScoring<'_>,
    ) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl DocumentsQuery {
    /// The sentences of `documents`, numbers held in `field`.
    fn of(field: Field, documents: &[u32]) -> DocumentsQuery {
        DocumentsQuery {
            field,
            numbers: Arc::new(documents.iter().map(|n| u64::from(*n)).collect()),
        }
    }

    /// The segment's sentences of these documents, ascending.
    fn sentences_in(&self, segment: &tantivy::SegmentReader) -> tantivy::Result<Vec<DocId>> {
        let inverted = segment.inverted_index(self.field)?;
        let mut sentences = Vec::new();
        for number in self.numbers.iter() {
            let term = Term::from_field_u64(self.field, *number);
            if let Some(mut postings) = inverted.read_postings(&term, IndexRecordOption::Basic)? {
                let mut doc = tantivy::DocSet::doc(&postings);
                while doc != TERMINATED {
                    sentences.push(doc);
                    doc = tantivy::DocSet::advance(&mut postings);
                }
            }
        }
        sentences.sort_unstable();
        sentences.dedup();
        Ok(sentences)
    }
}

impl tantivy::query::Weight for DocumentsQuery {
    fn scorer(
        &self,
        segment: &tantivy::SegmentReader,
        _boost: tantivy::Score,
    ) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
        let sentences = SentenceList {
            sentences: self.sentences_in(segment)?,
            at: 0,
        };
        Ok(Box::new(tantivy::query::ConstScorer::new(sentences, 0.0)))
    }

    fn explain(
        &self,
        segment: &tantivy::SegmentReader,
        doc: DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        if self.sentences_in(segment)?.binary_search(&doc).is_ok() {
            Ok(tantivy::query::Explanation::new(
                "a sentence of the documents",
                0.0,
            ))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "sentence {doc} is not in the documents"
            )))
        }
    }
}

/// A sorted list of a segment's sentences, as a tantivy doc set.
struct SentenceList {
    sentences: Vec<DocId>,
    at: usize,
}

impl tantivy::DocSet for SentenceList {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.sentences.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = &self.sentences[self.at..];
        self.at += rest.partition_point(|sentence| *sentence < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.sentences.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        self.sentences.len() as u32
    }
}

/// Distinct numbers, for restrictions built from sets.
pub fn sorted_numbers(numbers: &HashSet<u32>) -> Vec<u32> {
    let mut sorted: Vec<u32> = numbers.iter().copied().collect();
    sorted.sort_unstable();
    sorted
}

#[cfg(test)]
mod tests;
