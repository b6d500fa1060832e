//! The store: the only module that touches sled, and the source of truth.
//! Documents, their text and sentences (with their quantities, the facts)
//! live in one sled tree under key prefixes, so that storing or deleting a
//! document is one atomic batch of a few keys: after a crash it is wholly
//! there or wholly absent. Persistence only: the search index is derived
//! from the stored bodies (`crate::index`, kept in step by
//! `crate::engine`). Each write also appends to a change log, in the same
//! batch, so that an index that missed writes (the process stopped before
//! its commit) replays exactly the changes after the last one it holds.
//!
//! Keys:
//! - `D` id → document record (metadata, context), for lookups by id
//! - `I` id → num
//! - `B` num → the document's body: its record, text and sentences (each
//!   sentence as a span of the text with its quantities), so that
//!   verification loads a document with one read; compressed (below)
//! - `C` sequence → a change: the document number a write added and the
//!   one it removed (sequence numbers are big-endian, counted from 1);
//!   changes the index has committed are forgotten
//! - `H` text digest, num → nothing: which documents hold a given text
//!   (the SHA-256 of the trimmed NFC text), found with one prefix scan
//! - `T` num → the document's text digest, to remove its `H` key
//! - `M` name → counters and the schema version; in cluster mode also the
//!   last change of the cluster's log the store has applied
//!
//! A document's record is written twice, under `D` and inside `B`, on
//! purpose: listings and lookups by id read `D` without the text (a record
//! is a few hundred bytes, a body up to megabytes), and verification loads
//! a document with the one read of `B`. Both are written in the same batch,
//! so they never disagree.
//!
//! Values are bincode with variable-length integers. Bodies, nine tenths
//! of the data, are then compressed with LZ4 (`lz4_flex`, the size
//! prepended): at 10M sentences of the scale benchmark's corpus they took
//! 1,758 MiB of the store's 1,925 MiB of keys and values, and LZ4 keeps
//! 65% of their bytes (zstd at level 1 keeps 51%, but is a C library and
//! compresses at 157 MB/s against LZ4's 461; LZ4 decompresses at 2.3 GB/s,
//! a few microseconds per article read). `num` is a u32 given
//! to each stored document, never reused; keys use big-endian numbers so
//! that documents are scanned in the order they were stored. Writes take a
//! mutex (one writer at a time); reads never wait for it.

use std::path::Path;
use std::sync::Mutex;

use bincode::Options;
use serde::{Deserialize, Serialize};
use sled::{Batch, Tree};

use crate::disk::is_disk_full;
use crate::model::{AnalysedDocument, DocumentRecord, FullDocument, SentenceRecord};
use crate::quantity::Quantity;

const SCHEMA_VERSION: u64 = 7;
/// How often, and how far apart, a held lock is asked for again at open.
const LOCK_RETRIES: u32 = 20;
/// The page cache of the store opened only to record its snapshot.
const SNAPSHOT_CACHE_BYTES: u64 = 16 * 1024 * 1024;
const LOCK_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);
/// The oldest schema a store can be brought up to date from when opened:
/// version 4 lacks the text digests, which are computed from the stored
/// bodies; versions 4 and 5 kept index entries (`P` keys), which are
/// dropped, since the search index is now derived from the bodies.
const MIGRATABLE_SCHEMA_VERSION: u64 = 4;
/// The version that added the text digests.
const DIGESTS_SCHEMA_VERSION: u64 = 5;
/// The version that compressed the bodies.
const COMPRESSED_SCHEMA_VERSION: u64 = 7;
/// The largest ratio of a body's size to its compressed size LZ4 can
/// reach (a run of one byte): a stored size beyond it is damage, and is
/// not allocated.
const LZ4_MAX_RATIO: usize = 255;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled could not read or write its files (other than a full disk):
    /// often transient.
    #[error("storage error: {0}")]
    Io(std::io::Error),
    /// sled found its own files damaged.
    #[error(
        "the stored data is damaged: {0}; restore the data directory from a backup, or re-ingest the documents into a new one"
    )]
    Damaged(sled::Error),
    /// sled could not read its files at all (it stopped with `detail`).
    #[error(
        "the stored data is damaged: the store cannot be read ({0}); restore the data directory from a backup, or re-ingest the documents into a new one"
    )]
    Unreadable(String),
    /// Anything else sled reports: a bug or an unsupported operation.
    #[error("storage error: {0}")]
    Sled(sled::Error),
    /// A value could not be encoded for storing: a bug, not bad data.
    #[error("a value could not be encoded for storing: {0}")]
    Encode(bincode::Error),
    /// The disk (or the user's quota) is full: a write failed and was not
    /// applied; retrying will not help until space is freed.
    #[error("the disk holding the data directory is full: {0}")]
    DiskFull(std::io::Error),
    #[error("stored data could not be decoded: {0}")]
    Corrupt(String),
    #[error(
        "the data directory holds schema version {found}, this build reads version {expected}; re-ingest the documents into a new data directory"
    )]
    SchemaMismatch { found: u64, expected: u64 },
    #[error("the store is full: no document numbers left")]
    Exhausted,
    /// `directory` is kept for logs; the message leaves it to the caller,
    /// which names the directory it opened.
    #[error(
        "another claimcheck process is using the data directory (stop it, or choose another --data-dir)"
    )]
    Locked { directory: String },
    #[error("cannot create the data directory: {0}")]
    CreateDirectory(std::io::Error),
    #[error("cannot remove an unfinished snapshot from the data directory: {0}")]
    Unfinished(std::io::Error),
    /// A command that works on an existing store found none: `directory`
    /// holds no sled files (a mistyped path, most likely). The message
    /// leaves the directory to the caller, which names it.
    #[error("no store there (no sled files `conf` and `db`): check --data-dir")]
    Absent { directory: String },
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> StoreError {
        match error {
            sled::Error::Io(io) if is_disk_full(&io) => StoreError::DiskFull(io),
            sled::Error::Io(io) => StoreError::Io(io),
            corruption @ sled::Error::Corruption { .. } => StoreError::Damaged(corruption),
            other => StoreError::Sled(other),
        }
    }
}

/// The result of storing a document: its number, the number of the
/// document it replaced, if any, and the change that recorded both.
#[derive(Debug)]
pub struct PutOutcome {
    pub document_number: u32,
    pub replaced: Option<u32>,
    pub change: u64,
}

/// The result of deleting a document.
#[derive(Debug)]
pub struct Deleted {
    pub sentence_count: u32,
    pub number: u32,
    pub change: u64,
}

/// One write as the change log keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreChange {
    pub sequence: u64,
    pub removed: Option<u32>,
    pub added: Option<u32>,
}

/// The store's counters and size on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCounts {
    pub documents: u64,
    pub sentences: u64,
    pub quantities: u64,
    pub disk_bytes: u64,
}

/// Counters kept in `M` records, written in the same batch as each change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counters {
    documents: u64,
    sentences: u64,
    quantities: u64,
    next_document_number: u64,
    /// The sequence number of the last change logged.
    last_change: u64,
    /// In cluster mode, the last change of the cluster's log this store
    /// has applied (0 otherwise): written in the batch that applies it, so
    /// a node resumes after exactly the changes it holds.
    followed: u64,
}

impl Counters {
    const NAMES: [&'static str; 6] = [
        "documents",
        "sentences",
        "quantities",
        "next_document_number",
        "last_change",
        "followed",
    ];

    fn values(&self) -> [u64; 6] {
        [
            self.documents,
            self.sentences,
            self.quantities,
            self.next_document_number,
            self.last_change,
            self.followed,
        ]
    }

    fn read(tree: &Tree) -> Result<Counters, StoreError> {
        let mut values = [0u64; 6];
        for (slot, name) in values.iter_mut().zip(Self::NAMES) {
            *slot = read_u64(tree.get(meta_key(name))?);
        }
        let [documents, sentences, quantities, next_document_number, last_change, followed] =
            values;
        Ok(Counters {
            documents,
            sentences,
            quantities,
            next_document_number,
            last_change,
            followed,
        })
    }

    /// Logs a change in `batch` and returns its sequence number.
    fn log_change(
        &mut self,
        batch: &mut Batch,
        removed: Option<u32>,
        added: Option<u32>,
    ) -> Result<u64, StoreError> {
        self.last_change += 1;
        batch.insert(&change_key(self.last_change), encode(&(removed, added))?);
        Ok(self.last_change)
    }

    fn write(&self, batch: &mut Batch) {
        for (name, value) in Self::NAMES.iter().zip(self.values()) {
            batch.insert(meta_key(name), &value.to_be_bytes());
        }
    }

    /// Records that the batch applies cluster change `followed`.
    fn follow(&mut self, followed: Option<u64>) {
        if let Some(followed) = followed {
            self.followed = self.followed.max(followed);
        }
    }

    fn remove(&mut self, record: &DocumentRecord) {
        self.documents = self.documents.saturating_sub(1);
        self.sentences = self.sentences.saturating_sub(record.sentence_count as u64);
        self.quantities = self.quantities.saturating_sub(record.quantity_count as u64);
    }
}

/// The sled tree and its one writer.
pub struct Store {
    db: sled::Db,
    tree: Tree,
    /// The counters as last committed; holding the lock makes one writer.
    writer: Mutex<Counters>,
}

/// A key made of a one-byte prefix and a text.
fn prefixed(prefix: u8, text: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(text.len() + 1);
    key.push(prefix);
    key.extend_from_slice(text.as_bytes());
    key
}

fn meta_key(name: &str) -> Vec<u8> {
    prefixed(b'M', name)
}

fn document_key(id: &str) -> Vec<u8> {
    prefixed(b'D', id)
}

fn number_key(id: &str) -> Vec<u8> {
    prefixed(b'I', id)
}

/// The digest under which a document's text is found: SHA-256 of the
/// trimmed text (stored texts are NFC already; callers normalise theirs).
pub type TextDigest = [u8; 32];

pub fn text_digest(text: &str) -> TextDigest {
    use sha2::Digest;
    sha2::Sha256::digest(text.trim().as_bytes()).into()
}

fn text_key(digest: &TextDigest, number: u32) -> [u8; 37] {
    let mut key = [0u8; 37];
    key[0] = b'H';
    key[1..33].copy_from_slice(digest);
    key[33..].copy_from_slice(&number.to_be_bytes());
    key
}

/// The big-endian document number at `at..at + 4` of a key.
fn key_number(key: &[u8], at: usize, what: &str) -> Result<u32, StoreError> {
    key.get(at..at + 4)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| StoreError::Corrupt(format!("{what} key")))
}

/// Adds the `H` and `T` keys of document `number`, whose text is `text`.
fn insert_text_keys(batch: &mut Batch, text: &str, number: u32) {
    let digest = text_digest(text);
    batch.insert(&text_key(&digest, number)[..], &[][..]);
    batch.insert(&numbered_key(b'T', number), &digest);
}

fn change_key(sequence: u64) -> [u8; 9] {
    let mut key = [b'C', 0, 0, 0, 0, 0, 0, 0, 0];
    key[1..].copy_from_slice(&sequence.to_be_bytes());
    key
}

fn numbered_key(prefix: u8, number: u32) -> [u8; 5] {
    let mut key = [prefix, 0, 0, 0, 0];
    key[1..].copy_from_slice(&number.to_be_bytes());
    key
}

fn read_u64(bytes: Option<sled::IVec>) -> u64 {
    bytes
        .and_then(|value| value.as_ref().try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0)
}

/// bincode with variable-length integers: counts, offsets and lengths
/// mostly fit in a byte or two.
fn codec() -> impl Options {
    bincode::DefaultOptions::new()
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    codec()
        .deserialize(bytes)
        .map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    codec().serialize(value).map_err(StoreError::Encode)
}

/// A body as stored: encoded, then compressed.
fn encode_body(body: &BodyRef<'_>) -> Result<Vec<u8>, StoreError> {
    Ok(lz4_flex::compress_prepend_size(&encode(body)?))
}

/// A stored body, decompressed and decoded. The size it declares is
/// checked against what its compressed bytes can hold before anything is
/// allocated, so a damaged value cannot ask for gigabytes.
fn decode_body(bytes: &[u8]) -> Result<FullDocument, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt(format!("document body: {detail}"));
    let (size, compressed) = bytes
        .split_first_chunk::<4>()
        .map(|(size, rest)| (u32::from_le_bytes(*size) as usize, rest))
        .ok_or_else(|| corrupt("shorter than its size".into()))?;
    if size > compressed.len().saturating_mul(LZ4_MAX_RATIO) + 16 {
        return Err(corrupt(format!(
            "declares {size} bytes from {} compressed",
            compressed.len()
        )));
    }
    let plain = lz4_flex::block::decompress(compressed, size)
        .map_err(|error| corrupt(error.to_string()))?;
    let body: ReadBody<'_> = codec()
        .deserialize(&plain)
        .map_err(|error| corrupt(error.to_string()))?;
    body.into_parts()
}

/// A sentence as the body stores it: its text is the span `start..end` of
/// the document text, and its index is its position.
#[derive(Serialize, Deserialize)]
struct StoredSentence<Q> {
    start: u32,
    end: u32,
    quantities: Q,
    paragraph: u32,
    inherited_year: Option<i32>,
}

/// A document's body: what verification and `GetDocument` read, in one
/// value. Written from borrowed parts, read into owned ones.
#[derive(Serialize, Deserialize)]
struct Body<R, T, Q> {
    record: R,
    text: T,
    sentences: Vec<StoredSentence<Q>>,
}

type BodyRef<'a> = Body<&'a DocumentRecord, &'a str, &'a [Quantity]>;
type OwnedBody = Body<DocumentRecord, String, Vec<Quantity>>;
/// A body as read: its text borrowed as bytes from the decoded value (the
/// codec writes a text and bytes alike), checked as UTF-8 by `simdutf8`
/// rather than by the codec's string reading, a third of the cost of
/// reading a document before.
type ReadBody<'a> = Body<DocumentRecord, &'a [u8], Vec<Quantity>>;

impl<'a> BodyRef<'a> {
    fn of(document: &'a AnalysedDocument) -> BodyRef<'a> {
        Body {
            record: &document.record,
            text: &document.text,
            sentences: document
                .sentences
                .iter()
                .map(|sentence| StoredSentence {
                    start: sentence.record.start,
                    end: sentence.record.end,
                    quantities: sentence.record.quantities.as_slice(),
                    paragraph: sentence.record.paragraph,
                    inherited_year: sentence.record.inherited_year,
                })
                .collect(),
        }
    }
}

impl ReadBody<'_> {
    /// The record, the text and the sentence records, each sentence's text
    /// cut from the document text.
    fn into_parts(self) -> Result<FullDocument, StoreError> {
        let text = simdutf8::basic::from_utf8(self.text)
            .map_err(|_| StoreError::Corrupt("document body: text is not UTF-8".into()))?
            .to_owned();
        let sentences = self
            .sentences
            .into_iter()
            .enumerate()
            .map(|(index, sentence)| {
                let span = sentence.start as usize..sentence.end as usize;
                let sentence_text = text.get(span).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "sentence {index} spans {}..{} outside its text of {} bytes",
                        sentence.start,
                        sentence.end,
                        text.len()
                    ))
                })?;
                Ok(SentenceRecord {
                    index: index as u32,
                    text: sentence_text.to_string(),
                    start: sentence.start,
                    end: sentence.end,
                    quantities: sentence.quantities,
                    paragraph: sentence.paragraph,
                    inherited_year: sentence.inherited_year,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(FullDocument {
            record: self.record,
            text,
            sentences,
        })
    }
}

/// True when sled could not take the lock on its files: another process
/// has the store open. sled 0.34 reports it only as the text of an `Other`
/// error ("could not acquire lock on …"), so the text is what is matched.
fn is_lock_held(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::WouldBlock
        || (error.kind() == std::io::ErrorKind::Other
            && error.to_string().starts_with("could not acquire lock"))
}

/// Creates a missing data directory (and its missing parents) readable by
/// its owner only (mode 0700 on Unix): the stored articles may be
/// unpublished drafts. A directory that exists keeps its permissions.
fn create_private_directory(directory: &Path) -> Result<(), StoreError> {
    if directory.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(directory)
        .map_err(StoreError::CreateDirectory)
}

/// Removes the snapshot files sled began and never finished
/// (`snap.*.generating`) from `directory`; returns how many.
fn remove_unfinished_snapshots(directory: &Path) -> Result<usize, StoreError> {
    let mut removed = 0;
    for entry in std::fs::read_dir(directory).map_err(StoreError::Unfinished)? {
        let path = entry.map_err(StoreError::Unfinished)?.path();
        let unfinished = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("snap.") && name.ends_with(".generating"));
        if unfinished {
            tracing::warn!(
                "removing an unfinished snapshot {}: the store is read from its log",
                path.display()
            );
            std::fs::remove_file(&path).map_err(StoreError::Unfinished)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Brings the bodies of a store older than version 7 up to date:
/// compresses each one and, from version 4 (`with_digests`), writes its
/// `H` and `T` keys. Each batch is whole or absent after a crash and
/// records the last body it rewrote, so an interrupted migration goes on
/// where it stopped at the next open. The record is removed only with
/// the raise of the version, in one batch (`Store::open`): were it
/// removed first, a crash between the two would compress every body a
/// second time at the next open.
fn compress_bodies(tree: &Tree, with_digests: bool) -> Result<(), StoreError> {
    const BODIES_PER_BATCH: usize = 512;
    let progress_key = compression_progress_key();
    // The first body not yet rewritten; past the last number, none.
    let start = match tree.get(&progress_key)? {
        None => vec![b'B'],
        Some(done) => match u32::try_from(read_u64(Some(done)) + 1) {
            Ok(next) => numbered_key(b'B', next).to_vec(),
            Err(_) => vec![b'C'],
        },
    };
    let mut batch = Batch::default();
    let mut pending = 0;
    let mut migrated = 0u64;
    let mut last = None;
    for item in tree.range(start..vec![b'C']) {
        let (key, bytes) = item?;
        let number = key_number(&key, 1, "document body")?;
        if with_digests {
            let body: OwnedBody = decode(&bytes, "document body")?;
            insert_text_keys(&mut batch, &body.text, number);
        }
        batch.insert(&*key, lz4_flex::compress_prepend_size(&bytes));
        pending += 1;
        migrated += 1;
        if pending == BODIES_PER_BATCH {
            batch.insert(progress_key.as_slice(), &u64::from(number).to_be_bytes());
            tree.apply_batch(std::mem::take(&mut batch))?;
            pending = 0;
        }
        last = Some(number);
    }
    if let Some(number) = last.filter(|_| pending > 0) {
        batch.insert(progress_key.as_slice(), &u64::from(number).to_be_bytes());
        tree.apply_batch(batch)?;
    }
    tracing::info!("{migrated} document bodies compressed");
    Ok(())
}

/// Where [`compress_bodies`] records the last body it rewrote.
fn compression_progress_key() -> Vec<u8> {
    meta_key("bodies_compressed_through")
}

/// Removes the index entries (`P` keys) versions 4 and 5 kept, in batches;
/// an interrupted removal goes on at the next open.
fn drop_index_entries(tree: &Tree) -> Result<(), StoreError> {
    const KEYS_PER_BATCH: usize = 4096;
    loop {
        let mut batch = Batch::default();
        let mut pending = 0;
        for key in tree.scan_prefix([b'P']).keys().take(KEYS_PER_BATCH) {
            batch.remove(key?);
            pending += 1;
        }
        if pending == 0 {
            return Ok(());
        }
        tree.apply_batch(batch)?;
    }
}

impl Store {
    /// Opens and closes the store in `directory` once, for sled to record
    /// a snapshot of its page table. sled writes one only when it opens a
    /// store, after replaying the log written since the last one, so
    /// without this every start replays all the writes of the run before:
    /// 1.8 s at open for a store of 10M sentences ingested in one run,
    /// 0.1 s once the snapshot holds them. Called after a clean shutdown;
    /// after a crash, the next start replays as before.
    pub fn record_snapshot(directory: &Path) -> Result<(), StoreError> {
        drop(Store::open(directory, SNAPSHOT_CACHE_BYTES)?);
        Ok(())
    }

    /// Opens the store in `directory` as [`Store::open`] does, but only
    /// when there is one: a command that works on an existing store must
    /// not create an empty one at a mistyped path.
    pub fn open_existing(directory: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        if !directory.join("conf").is_file() || !directory.join("db").is_file() {
            return Err(StoreError::Absent {
                directory: directory.display().to_string(),
            });
        }
        Store::open(directory, cache_bytes)
    }

    /// Opens (or creates) the store in `directory`, with a page cache of
    /// `cache_bytes`, bringing an older schema up to date.
    pub fn open(directory: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        create_private_directory(directory)?;
        // sled panics on some damaged files instead of returning an error
        // (a snapshot it cannot serialise, for one): that panic is caught
        // here and reported as damage, so a damaged store is a clear error
        // with an exit code, not a crash.
        let panicked: std::cell::RefCell<Option<String>> = Default::default();
        let open = || {
            std::panic::catch_unwind(|| {
                sled::Config::new()
                    .path(directory)
                    .cache_capacity(cache_bytes)
                    .mode(sled::Mode::LowSpace)
                    .open()
            })
            .unwrap_or_else(|panic| {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|text| text.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "sled stopped while reading it".to_string());
                *panicked.borrow_mut() = Some(detail);
                Err(sled::Error::Corruption { at: None, bt: () })
            })
        };
        // A store closed a moment ago in this process may still be locked
        // while sled's flusher thread winds down; the lock is asked for
        // again for a short while before the directory is called in use.
        let open = || {
            let mut attempts = 0;
            loop {
                match open() {
                    Err(sled::Error::Io(io)) if is_lock_held(&io) && attempts < LOCK_RETRIES => {
                        attempts += 1;
                        std::thread::sleep(LOCK_RETRY_PAUSE);
                    }
                    other => return other,
                }
            }
        };
        let opened = match open() {
            // sled writes a snapshot at open as `snap.N.generating` and
            // renames it when complete, but reads the last `snap.` file
            // whatever its suffix: one left unfinished (the disk was full)
            // reads as corrupt at every later open. The log it was made
            // from holds every acknowledged write, so the unfinished file
            // is removed and the open tried once more. The lock cannot be
            // held elsewhere here: another process would have made the
            // first open fail with a lock error, not corruption.
            Err(sled::Error::Corruption { .. }) if remove_unfinished_snapshots(directory)? > 0 => {
                open()
            }
            other => other,
        };
        if let (Err(_), Some(detail)) = (&opened, panicked.borrow_mut().take()) {
            return Err(StoreError::Unreadable(detail));
        }
        let db = opened.map_err(|error| match error {
            sled::Error::Io(io) if is_lock_held(&io) => StoreError::Locked {
                directory: directory.display().to_string(),
            },
            other => StoreError::from(other),
        })?;
        let tree = db.open_tree("claimcheck")?;
        let version_key = meta_key("schema_version");
        match tree.get(&version_key)? {
            None if tree.is_empty() => {
                tree.insert(version_key, &SCHEMA_VERSION.to_be_bytes())?;
                db.flush()?;
            }
            found => {
                let found = read_u64(found);
                if (MIGRATABLE_SCHEMA_VERSION..SCHEMA_VERSION).contains(&found) {
                    if found < COMPRESSED_SCHEMA_VERSION {
                        compress_bodies(&tree, found < DIGESTS_SCHEMA_VERSION)?;
                    }
                    drop_index_entries(&tree)?;
                    let mut raise = Batch::default();
                    raise.insert(version_key.as_slice(), &SCHEMA_VERSION.to_be_bytes());
                    raise.remove(compression_progress_key());
                    tree.apply_batch(raise)?;
                    db.flush()?;
                    tracing::info!("store brought from schema version {found} to {SCHEMA_VERSION}");
                } else if found != SCHEMA_VERSION {
                    return Err(StoreError::SchemaMismatch {
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
            }
        }
        Ok(Store {
            writer: Mutex::new(Counters::read(&tree)?),
            db,
            tree,
        })
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every stored document's number and body, in storing order: what
    /// the search index is built from.
    pub fn numbered_bodies(
        &self,
    ) -> impl Iterator<Item = Result<(u32, FullDocument), StoreError>> + '_ {
        self.tree.scan_prefix([b'B']).map(|item| {
            let (key, bytes) = item?;
            let number = key_number(&key, 1, "document body")?;
            Ok((number, decode_body(&bytes)?))
        })
    }

    /// The changes logged after change `sequence`, in order.
    pub fn changes_after(
        &self,
        sequence: u64,
    ) -> impl Iterator<Item = Result<StoreChange, StoreError>> + '_ {
        self.tree
            .range(change_key(sequence.saturating_add(1))..change_key(u64::MAX))
            .map(|item| {
                let (key, bytes) = item?;
                let sequence = key
                    .get(1..9)
                    .and_then(|bytes| bytes.try_into().ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| StoreError::Corrupt("change key".into()))?;
                let (removed, added) = decode(&bytes, "change")?;
                Ok(StoreChange {
                    sequence,
                    removed,
                    added,
                })
            })
    }

    /// Forgets the changes up to `sequence` (the index holds them). Not
    /// flushed: a change remembered again is replayed harmlessly.
    pub fn forget_changes_through(&self, sequence: u64) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        for key in self
            .tree
            .range(change_key(1)..change_key(sequence.saturating_add(1)))
            .keys()
        {
            batch.remove(key?);
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// The sequence number of the last change logged.
    pub fn last_change(&self) -> u64 {
        self.lock_writer().last_change
    }

    /// The last change of the cluster's log this store has applied (0
    /// when it follows none).
    pub fn followed(&self) -> u64 {
        self.lock_writer().followed
    }

    /// Records that the cluster's changes up to `followed` are applied
    /// (those that asked nothing of this store: superseded by later ones).
    pub fn note_followed(&self, followed: u64) -> Result<(), StoreError> {
        let mut committed = self.lock_writer();
        if committed.followed >= followed {
            return Ok(());
        }
        let mut counters = *committed;
        counters.follow(Some(followed));
        let mut batch = Batch::default();
        counters.write(&mut batch);
        self.tree.apply_batch(batch)?;
        *committed = counters;
        Ok(())
    }

    /// Stores an analysed document, replacing any document with its id, in
    /// one atomic batch. Call `flush` before acknowledging.
    pub fn put_document(&self, document: &AnalysedDocument) -> Result<PutOutcome, StoreError> {
        self.put_document_following(document, None)
    }

    /// As [`Store::put_document`]; with `followed`, the write applies that
    /// change of the cluster's log, and the batch records it.
    pub fn put_document_following(
        &self,
        document: &AnalysedDocument,
        followed: Option<u64>,
    ) -> Result<PutOutcome, StoreError> {
        let mut committed = self.lock_writer();
        let mut counters = *committed;
        counters.follow(followed);
        let mut batch = Batch::default();
        let id = &document.record.document_id;
        let removed = self.remove_into(id, &mut batch, &mut counters)?;
        let number =
            u32::try_from(counters.next_document_number).map_err(|_| StoreError::Exhausted)?;
        batch.insert(document_key(id), encode(&document.record)?);
        batch.insert(number_key(id), &number.to_be_bytes());
        batch.insert(
            &numbered_key(b'B', number),
            encode_body(&BodyRef::of(document))?,
        );
        insert_text_keys(&mut batch, &document.text, number);
        counters.documents += 1;
        counters.sentences += document.sentences.len() as u64;
        counters.quantities += document.record.quantity_count as u64;
        counters.next_document_number = number as u64 + 1;
        let change = counters.log_change(&mut batch, removed, Some(number))?;
        counters.write(&mut batch);
        self.tree.apply_batch(batch)?;
        *committed = counters;
        Ok(PutOutcome {
            document_number: number,
            replaced: removed,
            change,
        })
    }

    /// Deletes a document; `None` if absent. Call `flush` before
    /// acknowledging.
    pub fn delete_document(&self, id: &str) -> Result<Option<Deleted>, StoreError> {
        self.delete_document_following(id, None)
    }

    /// As [`Store::delete_document`]; with `followed`, the deletion
    /// applies that change of the cluster's log, and the batch records it
    /// (even when the document is absent).
    pub fn delete_document_following(
        &self,
        id: &str,
        followed: Option<u64>,
    ) -> Result<Option<Deleted>, StoreError> {
        let mut committed = self.lock_writer();
        let mut counters = *committed;
        counters.follow(followed);
        let mut batch = Batch::default();
        let Some(number) = self.remove_into(id, &mut batch, &mut counters)? else {
            if followed.is_some() {
                counters.write(&mut batch);
                self.tree.apply_batch(batch)?;
                *committed = counters;
            }
            return Ok(None);
        };
        let change = counters.log_change(&mut batch, Some(number), None)?;
        counters.write(&mut batch);
        self.tree.apply_batch(batch)?;
        let sentence_count = (committed.sentences - counters.sentences) as u32;
        *committed = counters;
        Ok(Some(Deleted {
            sentence_count,
            number,
            change,
        }))
    }

    /// Adds the removal of document `id` (if stored) to `batch`.
    fn remove_into(
        &self,
        id: &str,
        batch: &mut Batch,
        counters: &mut Counters,
    ) -> Result<Option<u32>, StoreError> {
        let (Some(number), Some(record)) = (self.document_number(id)?, self.document(id)?) else {
            return Ok(None);
        };
        if let Some(digest) = self.tree.get(numbered_key(b'T', number))? {
            let digest: TextDigest = digest
                .as_ref()
                .try_into()
                .map_err(|_| StoreError::Corrupt("text digest".into()))?;
            batch.remove(&text_key(&digest, number)[..]);
        }
        for prefix in [b'B', b'T'] {
            batch.remove(&numbered_key(prefix, number));
        }
        batch.remove(document_key(id));
        batch.remove(number_key(id));
        counters.remove(&record);
        Ok(Some(number))
    }

    /// Makes every acknowledged write durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    fn document_number(&self, id: &str) -> Result<Option<u32>, StoreError> {
        match self.tree.get(number_key(id))? {
            Some(bytes) => Ok(bytes.as_ref().try_into().ok().map(u32::from_be_bytes)),
            None => Ok(None),
        }
    }

    pub fn document(&self, id: &str) -> Result<Option<DocumentRecord>, StoreError> {
        match self.tree.get(document_key(id))? {
            Some(bytes) => Ok(Some(decode(&bytes, "document")?)),
            None => Ok(None),
        }
    }

    /// Document `number` whole: record, text and sentences; `None` once
    /// it is deleted or replaced.
    pub fn numbered_full_document(&self, number: u32) -> Result<Option<FullDocument>, StoreError> {
        self.body(number)
    }

    /// Document `number`'s body: record, text and sentences.
    fn body(&self, number: u32) -> Result<Option<FullDocument>, StoreError> {
        match self.tree.get(numbered_key(b'B', number))? {
            Some(bytes) => Ok(Some(decode_body(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Reads up to `count` document bodies, newest first, from those
    /// numbered below `before` (from the newest with `None`), so that
    /// their pages enter the store's cache; returns the bytes read and the
    /// number of the oldest body read (`None` once none is left).
    pub fn warm_bodies(
        &self,
        before: Option<u32>,
        count: usize,
    ) -> Result<(u64, Option<u32>), StoreError> {
        let first = [b'B'];
        let end = match before {
            Some(number) => numbered_key(b'B', number),
            None => [b'B' + 1, 0, 0, 0, 0],
        };
        let mut bytes = 0u64;
        let mut oldest = None;
        for entry in self
            .tree
            .range(first.as_slice()..end.as_slice())
            .rev()
            .take(count)
        {
            let (key, value) = entry?;
            bytes += value.len() as u64;
            oldest = key
                .get(1..5)
                .and_then(|number| number.try_into().ok())
                .map(u32::from_be_bytes);
        }
        Ok((bytes, oldest))
    }

    /// The stored document with its text and sentences.
    pub fn full_document(&self, id: &str) -> Result<Option<FullDocument>, StoreError> {
        match self.document_number(id)? {
            Some(number) => self.body(number),
            None => Ok(None),
        }
    }

    /// Document `number`'s record and sentences, as verification reads
    /// them, with one read; `None` once it is deleted or replaced.
    pub fn numbered_document(
        &self,
        number: u32,
    ) -> Result<Option<(DocumentRecord, Vec<SentenceRecord>)>, StoreError> {
        Ok(self
            .body(number)?
            .map(|document| (document.record, document.sentences)))
    }

    /// The numbers of the stored documents whose trimmed text has
    /// `digest`.
    pub fn numbers_with_text(&self, digest: &TextDigest) -> Result<Vec<u32>, StoreError> {
        let mut prefix = [0u8; 33];
        prefix[0] = b'H';
        prefix[1..].copy_from_slice(digest);
        self.tree
            .scan_prefix(prefix)
            .keys()
            .map(|key| key_number(&key?, 33, "text digest"))
            .collect()
    }

    pub fn number_of(&self, id: &str) -> Result<Option<u32>, StoreError> {
        self.document_number(id)
    }

    /// Up to `limit` documents that `keep` accepts, in id order, starting
    /// after `after`, reading at most `scan_limit` records; with the id to
    /// go on after when more records remain (the last one returned, or the
    /// last one read when the scan limit ended the page first).
    pub fn list_documents(
        &self,
        after: Option<&str>,
        limit: usize,
        scan_limit: usize,
        keep: &dyn Fn(&DocumentRecord) -> bool,
    ) -> Result<(Vec<DocumentRecord>, Option<String>), StoreError> {
        let start = match after {
            Some(id) => {
                let mut key = document_key(id);
                key.push(0);
                key
            }
            None => vec![b'D'],
        };
        let mut records: Vec<DocumentRecord> = Vec::with_capacity(limit.min(1024));
        let mut last_read: Option<String> = None;
        for (scanned, item) in self.tree.range(start..vec![b'E']).enumerate() {
            let (_, bytes) = item?;
            if records.len() == limit {
                let next = records.last().map(|record| record.document_id.clone());
                return Ok((records, next));
            }
            if scanned == scan_limit {
                return Ok((records, last_read));
            }
            let record: DocumentRecord = decode(&bytes, "document")?;
            last_read = Some(record.document_id.clone());
            if keep(&record) {
                records.push(record);
            }
        }
        Ok((records, None))
    }

    pub fn counts(&self) -> Result<StoredCounts, StoreError> {
        let counters = *self.lock_writer();
        Ok(StoredCounts {
            documents: counters.documents,
            sentences: counters.sentences,
            quantities: counters.quantities,
            disk_bytes: self.db.size_on_disk()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_document;
    use crate::model::DocumentInput;

    fn analysed(id: &str, text: &str) -> AnalysedDocument {
        analyse_document(DocumentInput::new(id, text))
    }

    /// A warm-up reads bodies newest first, in steps that go on below the
    /// oldest one the step before read, and says when none is left.
    #[test]
    fn warming_reads_bodies_newest_first_in_steps() {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        let ids = ["a", "b", "c", "d", "e"];
        for id in ids {
            store
                .put_document(&analysed(id, "Hải Hà\nHải Hà giảm 51 cán bộ."))
                .unwrap();
        }
        let number = |id: &str| store.document_number(id).unwrap().unwrap();
        let body_bytes = |id: &str| {
            store
                .tree
                .get(numbered_key(b'B', number(id)))
                .unwrap()
                .unwrap()
                .len() as u64
        };
        // (before, count, the bodies read, the oldest read)
        type Case<'a> = (Option<&'a str>, usize, &'a [&'a str], Option<&'a str>);
        let cases: &[Case] = &[
            (None, 2, &["e", "d"], Some("d")),
            (Some("d"), 2, &["c", "b"], Some("b")),
            (Some("b"), 10, &["a"], Some("a")),
            (Some("a"), 10, &[], None),
            (None, 10, &["a", "b", "c", "d", "e"], Some("a")),
        ];
        for &(before, count, read, oldest) in cases {
            let warmed = store.warm_bodies(before.map(number), count).unwrap();
            let expected: u64 = read.iter().map(|id| body_bytes(id)).sum();
            assert_eq!(warmed, (expected, oldest.map(number)), "{before:?} {count}");
        }
    }

    #[test]
    fn a_filtered_listing_reads_at_most_its_scan_limit_and_says_where_to_go_on() {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        for id in ["a", "b", "c", "d", "e"] {
            store
                .put_document(&analysed(id, "Hải Hà\nHải Hà giảm 51 cán bộ."))
                .unwrap();
        }
        let only = |wanted: &'static [&'static str]| {
            move |record: &DocumentRecord| wanted.contains(&record.document_id.as_str())
        };
        let ids = |records: &[DocumentRecord]| -> Vec<String> {
            records.iter().map(|r| r.document_id.clone()).collect()
        };
        // (after, limit, scan limit, kept ids, page, where to go on)
        type Case<'a> = (
            Option<&'a str>,
            usize,
            usize,
            &'a [&'a str],
            &'a [&'a str],
            Option<&'a str>,
        );
        let cases: &[Case] = &[
            (
                None,
                10,
                100,
                &["a", "b", "c", "d", "e"],
                &["a", "b", "c", "d", "e"],
                None,
            ),
            (
                None,
                2,
                100,
                &["a", "b", "c", "d", "e"],
                &["a", "b"],
                Some("b"),
            ),
            (None, 10, 2, &["e"], &[], Some("b")),
            (Some("b"), 10, 2, &["e"], &[], Some("d")),
            (Some("d"), 10, 2, &["e"], &["e"], None),
            (None, 1, 100, &["e"], &["e"], None),
        ];
        for (after, limit, scan_limit, kept, page, next) in cases {
            let keep = only(kept);
            let (records, go_on) = store
                .list_documents(*after, *limit, *scan_limit, &keep)
                .unwrap();
            assert_eq!(
                ids(&records),
                page.to_vec(),
                "{after:?} {limit} {scan_limit}"
            );
            assert_eq!(go_on.as_deref(), *next, "{after:?} {limit} {scan_limit}");
        }
    }

    fn bodies(store: &Store) -> Vec<(u32, String)> {
        store
            .numbered_bodies()
            .map(|body| {
                let (number, document) = body.unwrap();
                (number, document.text)
            })
            .collect()
    }

    fn changes(store: &Store, after: u64) -> Vec<(u64, Option<u32>, Option<u32>)> {
        store
            .changes_after(after)
            .map(|change| {
                let change = change.unwrap();
                (change.sequence, change.removed, change.added)
            })
            .collect()
    }

    #[test]
    fn reopening_keeps_the_counters_bodies_and_change_log_and_writes_say_what_they_removed() {
        let directory = tempfile::tempdir().unwrap();
        let (before, counts) = {
            let store = Store::open(directory.path(), 8 << 20).unwrap();
            let first = store
                .put_document(&analysed(
                    "a",
                    "Hải Hà\nHải Hà giảm 51 cán bộ.\nTiên Yên có 3 xã.",
                ))
                .unwrap();
            assert!(first.replaced.is_none());
            store
                .put_document(&analysed("b", "Tiên Yên\nTiên Yên giảm 7 cán bộ."))
                .unwrap();
            let replacing = store
                .put_document(&analysed("a", "Hải Hà\nHải Hà giảm 15 cán bộ."))
                .unwrap();
            assert_eq!(replacing.replaced, Some(first.document_number));
            assert_ne!(replacing.document_number, first.document_number);
            let deleted = store.delete_document("b").unwrap().expect("b was stored");
            assert_eq!(deleted.sentence_count, 2);
            assert_eq!(deleted.change, 4);
            assert!(store.delete_document("b").unwrap().is_none());
            store.flush().unwrap();
            (bodies(&store), store.counts().unwrap())
        };
        assert_eq!(before.len(), 1, "only the replacing document is left");
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        assert_eq!(bodies(&store), before);
        // (sequence, removed, added): a, b, a replacing a, b deleted.
        let (a, b, a_again) = (0, 1, 2);
        assert_eq!(
            changes(&store, 0),
            vec![
                (1, None, Some(a)),
                (2, None, Some(b)),
                (3, Some(a), Some(a_again)),
                (4, Some(b), None)
            ]
        );
        assert_eq!(store.last_change(), 4);
        assert_eq!(changes(&store, 2).len(), 2);
        store.forget_changes_through(3).unwrap();
        assert_eq!(changes(&store, 0), vec![(4, Some(b), None)]);
        let reopened = store.counts().unwrap();
        assert_eq!(
            (reopened.documents, reopened.sentences, reopened.quantities),
            (counts.documents, counts.sentences, counts.quantities)
        );
        assert_eq!((reopened.documents, reopened.sentences), (1, 2));
        let (record, sentences) = store
            .numbered_document(store.number_of("a").unwrap().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(record.document_id, "a");
        assert!(sentences[1].text.contains("15"));
    }

    #[test]
    fn a_stored_document_reads_back_as_it_was_analysed() {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        let document = analysed(
            "a",
            "Tiêu đề\nNăm 2017, thị xã giảm 17 cán bộ. Tỷ lệ đạt 91,6%.\n\nĐoạn mới: 11/11 xã.",
        );
        store.put_document(&document).unwrap();
        let full = store.full_document("a").unwrap().unwrap();
        assert_eq!(full.record, document.record);
        assert_eq!(full.text, document.text);
        let expected: Vec<SentenceRecord> = document
            .sentences
            .iter()
            .map(|s| s.record.clone())
            .collect();
        assert_eq!(full.sentences, expected);
        assert!(expected.iter().any(|s| s.inherited_year == Some(2017)));
        assert!(expected.iter().any(|s| s.paragraph == 2));
    }

    #[test]
    fn a_body_whose_span_leaves_its_text_is_reported_corrupt() {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        let document = analysed("a", "Một câu có 5 xã. Câu hai.");
        let number = store.put_document(&document).unwrap().document_number;
        let mut body = BodyRef::of(&document);
        body.text = "Một";
        store
            .tree
            .insert(numbered_key(b'B', number), encode_body(&body).unwrap())
            .unwrap();
        let error = store.full_document("a").unwrap_err();
        assert!(
            matches!(&error, StoreError::Corrupt(message) if message.contains("outside its text")),
            "{error}"
        );
    }

    /// A snapshot sled began and never finished (the disk filled up while
    /// it wrote one at open) does not keep the store from opening: the log
    /// holds every acknowledged write.
    #[test]
    fn an_unfinished_snapshot_does_not_lock_the_store_out() {
        let directory = tempfile::tempdir().unwrap();
        {
            let store = Store::open(directory.path(), 8 << 20).unwrap();
            store
                .put_document(&analysed("a", "Hải Hà\nHải Hà giảm 51 cán bộ."))
                .unwrap();
            store.flush().unwrap();
        }
        let unfinished = directory.path().join("snap.FFFFFFFFFFFFFFFF.generating");
        std::fs::write(&unfinished, b"").unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        assert!(store.document("a").unwrap().is_some());
        assert_eq!(store.counts().unwrap().documents, 1);
        assert!(!unfinished.exists(), "the unfinished snapshot is removed");
    }

    /// The newest snapshot sled recorded in `directory`: the log position
    /// it holds (its name's hex number), if there is one.
    fn newest_snapshot(directory: &Path) -> Option<u64> {
        std::fs::read_dir(directory)
            .unwrap()
            .filter_map(|entry| {
                let name = entry.unwrap().file_name().into_string().ok()?;
                u64::from_str_radix(name.strip_prefix("snap.")?, 16).ok()
            })
            .max()
    }

    /// Recording a snapshot after a run moves sled's snapshot past that
    /// run's writes (the next open has nothing to replay), and the store
    /// reads the same afterwards.
    #[test]
    fn a_recorded_snapshot_holds_the_last_runs_writes() {
        let directory = tempfile::tempdir().unwrap();
        {
            let store = Store::open(directory.path(), 8 << 20).unwrap();
            for number in 0..50 {
                store
                    .put_document(&analysed(&format!("d{number}"), "Hải Hà giảm 51 cán bộ."))
                    .unwrap();
            }
            store.flush().unwrap();
        }
        let before = newest_snapshot(directory.path());
        Store::record_snapshot(directory.path()).unwrap();
        let after = newest_snapshot(directory.path());
        assert!(after > before, "{before:?} -> {after:?}");
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        assert_eq!(store.counts().unwrap().documents, 50);
        assert!(store.document("d49").unwrap().is_some());
        assert_eq!(
            newest_snapshot(directory.path()),
            after,
            "nothing left to replay"
        );
    }

    #[test]
    fn a_full_disk_is_its_own_error() {
        let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert!(matches!(
            StoreError::from(sled::Error::Io(full)),
            StoreError::DiskFull(_)
        ));
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(matches!(
            StoreError::from(sled::Error::Io(other)),
            StoreError::Io(_)
        ));
        assert!(matches!(
            StoreError::from(sled::Error::Corruption { at: None, bt: () }),
            StoreError::Damaged(_)
        ));
    }

    #[test]
    fn a_directory_in_use_is_refused_with_its_name() {
        let directory = tempfile::tempdir().unwrap();
        let _open = Store::open(directory.path(), 8 << 20).unwrap();
        let error = Store::open(directory.path(), 8 << 20).err().unwrap();
        assert!(
            matches!(&error, StoreError::Locked { directory: locked } if *locked == directory.path().display().to_string()),
            "{error}"
        );
    }

    /// A new data directory, and the parents it needs, are the owner's
    /// alone; one that exists keeps its permissions.
    #[cfg(unix)]
    #[test]
    fn a_new_data_directory_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let directory = parent.path().join("news").join("store");
        drop(Store::open(&directory, 8 << 20).unwrap());
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&directory), 0o700);
        assert_eq!(mode(&parent.path().join("news")), 0o700);
        let shared = parent.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o750)).unwrap();
        drop(Store::open(&shared, 8 << 20).unwrap());
        assert_eq!(mode(&shared), 0o750);
    }

    #[test]
    fn a_data_directory_that_cannot_be_created_is_a_clear_error() {
        let parent = tempfile::tempdir().unwrap();
        let file = parent.path().join("a-file");
        std::fs::write(&file, "not a directory").unwrap();
        let error = Store::open(&file.join("store"), 8 << 20).err().unwrap();
        assert!(matches!(error, StoreError::CreateDirectory(_)), "{error}");
        assert!(
            error
                .to_string()
                .starts_with("cannot create the data directory"),
            "{error}"
        );
    }

    fn numbers_with(store: &Store, text: &str) -> Vec<u32> {
        store.numbers_with_text(&text_digest(text)).unwrap()
    }

    #[test]
    fn documents_are_found_by_their_text_until_replaced_or_deleted() {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        let text = "Tiên Yên\nTiên Yên giảm 7 cán bộ.";
        let a = store.put_document(&analysed("a", text)).unwrap();
        let b = store.put_document(&analysed("b", text)).unwrap();
        store
            .put_document(&analysed("c", "Một văn bản khác."))
            .unwrap();
        assert_eq!(
            numbers_with(&store, &format!("\n  {text}  \n")),
            vec![a.document_number, b.document_number],
            "the text is found whatever surrounds it"
        );
        assert!(numbers_with(&store, "Tiên Yên giảm 7 cán bộ.").is_empty());
        store
            .put_document(&analysed("a", "Tiên Yên giảm 8 cán bộ."))
            .unwrap();
        store.delete_document("b").unwrap();
        assert!(numbers_with(&store, text).is_empty());
        assert_eq!(
            numbers_with(&store, "Tiên Yên giảm 8 cán bộ."),
            vec![store.number_of("a").unwrap().unwrap()]
        );
    }

    #[test]
    fn a_version_4_store_gains_its_text_digests_and_loses_its_index_entries_when_opened() {
        let directory = tempfile::tempdir().unwrap();
        let texts = ["Hải Hà giảm 51 cán bộ.", "Tiên Yên có 3 xã."];
        {
            let store = Store::open(directory.path(), 8 << 20).unwrap();
            for (id, text) in ["a", "b"].iter().zip(texts) {
                store.put_document(&analysed(id, text)).unwrap();
            }
            // What version 4 wrote: bodies not compressed, no `H` or `T`
            // keys, index entries.
            write_plain_bodies(&store);
            for prefix in [b'H', b'T'] {
                for key in store.tree.scan_prefix([prefix]).keys() {
                    store.tree.remove(key.unwrap()).unwrap();
                }
            }
            store
                .tree
                .insert(numbered_key(b'P', 0), &b"entries"[..])
                .unwrap();
            store
                .tree
                .insert(meta_key("schema_version"), &4u64.to_be_bytes())
                .unwrap();
            assert!(numbers_with(&store, texts[0]).is_empty());
            store.flush().unwrap();
        }
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        assert_eq!(
            read_u64(store.tree.get(meta_key("schema_version")).unwrap()),
            SCHEMA_VERSION
        );
        for (id, text) in ["a", "b"].iter().zip(texts) {
            assert_eq!(
                numbers_with(&store, text),
                vec![store.number_of(id).unwrap().unwrap()]
            );
        }
        assert_eq!(store.tree.scan_prefix([b'P']).count(), 0);
        assert_eq!(store.full_document("b").unwrap().unwrap().text, texts[1]);
        store.delete_document("a").unwrap();
        assert!(numbers_with(&store, texts[0]).is_empty());
    }

    /// Rewrites every body as versions before 7 stored it: not compressed.
    fn write_plain_bodies(store: &Store) {
        for item in store.tree.scan_prefix([b'B']) {
            let (key, bytes) = item.unwrap();
            let plain = lz4_flex::decompress_size_prepended(&bytes).unwrap();
            store.tree.insert(key, plain).unwrap();
        }
    }

    /// A version-6 store's bodies are compressed at open; a compression
    /// stopped midway (some bodies done, the last one's number recorded)
    /// goes on with the next body, and one stopped after its last batch,
    /// before the version was raised, compresses nothing twice: every
    /// document stays readable.
    #[test]
    fn an_interrupted_body_compression_goes_on_where_it_stopped() {
        let texts = [
            "Hải Hà giảm 51 cán bộ.",
            "Tiên Yên có 3 xã.",
            "Ba Chẽ có 8 thôn.",
        ];
        let ids = ["a", "b", "c"];
        for done in [1, ids.len()] {
            let directory = tempfile::tempdir().unwrap();
            {
                let store = Store::open(directory.path(), 8 << 20).unwrap();
                for (id, text) in ids.iter().zip(texts) {
                    store.put_document(&analysed(id, text)).unwrap();
                }
                write_plain_bodies(&store);
                for id in &ids[..done] {
                    let key = numbered_key(b'B', store.number_of(id).unwrap().unwrap());
                    let plain = store.tree.get(key).unwrap().unwrap();
                    store
                        .tree
                        .insert(key, lz4_flex::compress_prepend_size(&plain))
                        .unwrap();
                }
                let last = store.number_of(ids[done - 1]).unwrap().unwrap();
                store
                    .tree
                    .insert(compression_progress_key(), &u64::from(last).to_be_bytes())
                    .unwrap();
                store
                    .tree
                    .insert(meta_key("schema_version"), &6u64.to_be_bytes())
                    .unwrap();
                store.flush().unwrap();
            }
            let store = Store::open(directory.path(), 8 << 20).unwrap();
            assert_eq!(
                read_u64(store.tree.get(meta_key("schema_version")).unwrap()),
                SCHEMA_VERSION
            );
            assert!(store
                .tree
                .get(compression_progress_key())
                .unwrap()
                .is_none());
            for (id, text) in ids.iter().zip(texts) {
                assert_eq!(
                    store.full_document(id).unwrap().unwrap().text,
                    text,
                    "{done} bodies compressed before the open"
                );
            }
        }
    }

    #[test]
    fn a_damaged_body_is_reported_corrupt() {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path(), 8 << 20).unwrap();
        let document = analysed("a", "Một câu có 5 xã.");
        let number = store.put_document(&document).unwrap().document_number;
        // A well-formed body whose text is not UTF-8.
        let not_text: Body<&DocumentRecord, &[u8], &[Quantity]> = Body {
            record: &document.record,
            text: b"M\xFFt",
            sentences: Vec::new(),
        };
        let cases: [(&str, Vec<u8>); 4] = [
            (
                "not UTF-8",
                lz4_flex::compress_prepend_size(&encode(&not_text).unwrap()),
            ),
            ("shorter than its size", vec![1, 2]),
            (
                "declares",
                [u32::MAX.to_le_bytes().as_slice(), &[0x10, 0x41]].concat(),
            ),
            // A literal run longer than the bytes that follow.
            (
                "out of bounds",
                [9u32.to_le_bytes().as_slice(), &[0xF0, 0x41]].concat(),
            ),
        ];
        for (expected, value) in cases {
            store
                .tree
                .insert(numbered_key(b'B', number), value)
                .unwrap();
            let error = store.full_document("a").unwrap_err();
            assert!(
                matches!(&error, StoreError::Corrupt(message) if message.contains(expected)),
                "{expected}: {error}"
            );
        }
    }

    #[test]
    fn another_schema_version_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        {
            let db = sled::open(directory.path()).unwrap();
            let tree = db.open_tree("claimcheck").unwrap();
            tree.insert(meta_key("schema_version"), &1u64.to_be_bytes())
                .unwrap();
            db.flush().unwrap();
        }
        let error = Store::open(directory.path(), 8 << 20).err().unwrap();
        assert!(matches!(
            error,
            StoreError::SchemaMismatch {
                found: 1,
                expected: SCHEMA_VERSION
            }
        ));
        assert!(error.to_string().contains("re-ingest"), "{error}");
    }

    #[test]
    fn data_without_a_schema_version_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        {
            let db = sled::open(directory.path()).unwrap();
            let tree = db.open_tree("claimcheck").unwrap();
            tree.insert(b"Dsomething", b"x").unwrap();
            db.flush().unwrap();
        }
        assert!(matches!(
            Store::open(directory.path(), 8 << 20),
            Err(StoreError::SchemaMismatch { found: 0, .. })
        ));
    }
}
