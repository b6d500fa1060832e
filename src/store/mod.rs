//! The store: the only module that touches sled. Documents, their text,
//! sentences (with their quantities, the facts) and the search index live in
//! one sled tree under key prefixes, so that storing or deleting a document is
//! one atomic batch: after a crash it is wholly there or wholly absent.
//!
//! Keys:
//! - `D` id → document record (metadata, context; bincode)
//! - `X` num → document text
//! - `N` num → id, and `I` id → num
//! - `S` num idx → sentence record (bincode)
//! - `P` term 0x00 num → postings of the term in that document: for each
//!   sentence, its index (u32), the term's count and the sentence length
//! - `T` term → number of sentences holding the term
//! - `M` name → counters and the schema version
//!
//! `num` is a u32 given to each stored document; keys use big-endian numbers
//! so that a document's keys are contiguous. Writes take a mutex (one writer
//! at a time: counters are read-modify-write); reads never block.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use sled::{Batch, Tree};

use crate::model::{AnalysedDocument, DocumentRecord, FullDocument, SentenceRecord, StoreStats};
use crate::text::index_terms;

const SCHEMA_VERSION: u64 = 1;
/// The counters kept in `M` records, in the order of `counts`.
const COUNTERS: [&str; 4] = ["documents", "sentences", "quantities", "tokens"];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored data could not be decoded: {0}")]
    Corrupt(String),
    #[error(
        "the data directory holds schema version {found}, this build reads version {expected}"
    )]
    SchemaMismatch { found: u64, expected: u64 },
    #[error("the store is full: no document numbers left")]
    Exhausted,
}

/// One sentence's entry in a term's posting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub sentence_index: u32,
    pub term_count: u8,
    pub sentence_length: u8,
}

/// The result of storing a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutOutcome {
    pub replaced: bool,
    pub document_number: u32,
}

pub struct Store {
    db: sled::Db,
    tree: Tree,
    write_lock: Mutex<()>,
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

fn numbered_key(prefix: u8, number: u32) -> [u8; 5] {
    let mut key = [prefix, 0, 0, 0, 0];
    key[1..].copy_from_slice(&number.to_be_bytes());
    key
}

fn sentence_key(number: u32, index: u32) -> [u8; 9] {
    let mut key = [b'S', 0, 0, 0, 0, 0, 0, 0, 0];
    key[1..5].copy_from_slice(&number.to_be_bytes());
    key[5..].copy_from_slice(&index.to_be_bytes());
    key
}

fn term_key(term: &str) -> Vec<u8> {
    prefixed(b'T', term)
}

fn posting_prefix(term: &str) -> Vec<u8> {
    let mut key = prefixed(b'P', term);
    key.push(0);
    key
}

fn posting_key(term: &str, number: u32) -> Vec<u8> {
    let mut key = posting_prefix(term);
    key.extend_from_slice(&number.to_be_bytes());
    key
}

fn encode_postings(postings: &[Posting]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(postings.len() * 6);
    for posting in postings {
        bytes.extend_from_slice(&posting.sentence_index.to_le_bytes());
        bytes.push(posting.term_count);
        bytes.push(posting.sentence_length);
    }
    bytes
}

fn decode_postings(bytes: &[u8]) -> Vec<Posting> {
    bytes
        .chunks_exact(6)
        .map(|chunk| Posting {
            sentence_index: u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]),
            term_count: chunk[4],
            sentence_length: chunk[5],
        })
        .collect()
}

fn read_u64(bytes: Option<sled::IVec>) -> u64 {
    bytes
        .and_then(|value| value.as_ref().try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0)
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    bincode::deserialize(bytes).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    bincode::serialize(value).map_err(|error| StoreError::Corrupt(format!("encode: {error}")))
}

/// Per-term changes of sentence counts, gathered while building a batch.
type TermDeltas = HashMap<String, i64>;

/// One atomic write being built: the sled batch, the per-term changes and
/// the counters (documents, sentences, quantities, tokens) after it.
struct PendingWrite {
    batch: Batch,
    deltas: TermDeltas,
    counts: [u64; 4],
}

impl Store {
    /// Opens (or creates) the store in `directory`, with a page cache of
    /// `cache_bytes`.
    pub fn open(directory: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(directory)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::LowSpace)
            .open()?;
        let tree = db.open_tree("claimcheck")?;
        let store = Store {
            db,
            tree,
            write_lock: Mutex::new(()),
        };
        let version_key = meta_key("schema_version");
        match store.tree.get(&version_key)? {
            None => {
                store
                    .tree
                    .insert(version_key, &SCHEMA_VERSION.to_be_bytes())?;
                store.db.flush()?;
            }
            Some(bytes) => {
                let found = read_u64(Some(bytes));
                if found != SCHEMA_VERSION {
                    return Err(StoreError::SchemaMismatch {
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
            }
        }
        Ok(store)
    }

    fn counter(&self, name: &str) -> Result<u64, StoreError> {
        Ok(read_u64(self.tree.get(meta_key(name))?))
    }

    fn set_counter(batch: &mut Batch, name: &str, value: u64) {
        batch.insert(meta_key(name), &value.to_be_bytes());
    }

    /// Documents, sentences, quantities and tokens stored.
    fn counts(&self) -> Result<[u64; 4], StoreError> {
        let mut counts = [0; 4];
        for (slot, name) in counts.iter_mut().zip(COUNTERS) {
            *slot = self.counter(name)?;
        }
        Ok(counts)
    }

    fn set_counts(batch: &mut Batch, counts: [u64; 4]) {
        for (name, value) in COUNTERS.iter().zip(counts) {
            Self::set_counter(batch, name, value);
        }
    }

    /// Stores an analysed document, replacing any document with its id, in
    /// one atomic batch. Call `flush` before acknowledging.
    pub fn put_document(&self, document: &AnalysedDocument) -> Result<PutOutcome, StoreError> {
        let _writer = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut pending = self.begin_write()?;
        let id = &document.record.document_id;
        let previous = self.remove_into(id, &mut pending)?;
        let PendingWrite {
            batch,
            deltas,
            counts,
        } = &mut pending;
        let number = self.counter("next_document_number")?;
        let number = u32::try_from(number).map_err(|_| StoreError::Exhausted)?;
        Self::set_counter(batch, "next_document_number", number as u64 + 1);

        batch.insert(document_key(id), encode(&document.record)?);
        batch.insert(&numbered_key(b'X', number), document.text.as_bytes());
        batch.insert(&numbered_key(b'N', number), id.as_bytes());
        batch.insert(number_key(id), &number.to_be_bytes());
        let mut postings: HashMap<&str, Vec<Posting>> = HashMap::new();
        for sentence in &document.sentences {
            batch.insert(
                &sentence_key(number, sentence.record.index),
                encode(&sentence.record)?,
            );
            let length = sentence.token_count.min(255) as u8;
            for (term, count) in &sentence.terms {
                postings.entry(term.as_str()).or_default().push(Posting {
                    sentence_index: sentence.record.index,
                    term_count: *count,
                    sentence_length: length,
                });
                *deltas.entry(term.clone()).or_default() += 1;
            }
            counts[3] += sentence.token_count as u64;
        }
        for (term, list) in &postings {
            batch.insert(posting_key(term, number), encode_postings(list));
        }
        counts[0] += 1;
        counts[1] += document.sentences.len() as u64;
        counts[2] += document.record.quantity_count as u64;
        self.commit(pending)?;
        Ok(PutOutcome {
            replaced: previous.is_some(),
            document_number: number,
        })
    }

    /// Deletes a document; returns its sentence count, or `None` if absent.
    /// Call `flush` before acknowledging.
    pub fn delete_document(&self, id: &str) -> Result<Option<u32>, StoreError> {
        let _writer = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut pending = self.begin_write()?;
        let Some(removed) = self.remove_into(id, &mut pending)? else {
            return Ok(None);
        };
        self.commit(pending)?;
        Ok(Some(removed.sentence_count))
    }

    /// Starts an atomic write; the caller holds the write lock.
    fn begin_write(&self) -> Result<PendingWrite, StoreError> {
        Ok(PendingWrite {
            batch: Batch::default(),
            deltas: TermDeltas::new(),
            counts: self.counts()?,
        })
    }

    /// Adds the term and counter changes to the batch and applies it at once.
    fn commit(&self, mut pending: PendingWrite) -> Result<(), StoreError> {
        self.apply_term_deltas(&mut pending.batch, &pending.deltas)?;
        Self::set_counts(&mut pending.batch, pending.counts);
        self.tree.apply_batch(pending.batch)?;
        Ok(())
    }

    /// Adds the removal of document `id` (if stored) to `batch`.
    fn remove_into(
        &self,
        id: &str,
        pending: &mut PendingWrite,
    ) -> Result<Option<DocumentRecord>, StoreError> {
        let PendingWrite {
            batch,
            deltas,
            counts,
        } = pending;
        let Some(number) = self.document_number(id)? else {
            return Ok(None);
        };
        let Some(bytes) = self.tree.get(document_key(id))? else {
            return Ok(None);
        };
        let record: DocumentRecord = decode(&bytes, "document")?;
        let mut terms_of_document: HashMap<String, ()> = HashMap::new();
        let mut tokens = 0u64;
        for index in 0..record.sentence_count {
            let key = sentence_key(number, index);
            if let Some(bytes) = self.tree.get(key)? {
                let sentence: SentenceRecord = decode(&bytes, "sentence")?;
                let (terms, token_count) = sentence_terms(&sentence.text);
                tokens += token_count as u64;
                for (term, _) in terms {
                    *deltas.entry(term.clone()).or_default() -= 1;
                    terms_of_document.insert(term, ());
                }
            }
            batch.remove(&key);
        }
        for term in terms_of_document.keys() {
            batch.remove(posting_key(term, number));
        }
        batch.remove(document_key(id));
        batch.remove(number_key(id));
        batch.remove(&numbered_key(b'X', number));
        batch.remove(&numbered_key(b'N', number));
        counts[0] = counts[0].saturating_sub(1);
        counts[1] = counts[1].saturating_sub(record.sentence_count as u64);
        counts[2] = counts[2].saturating_sub(record.quantity_count as u64);
        counts[3] = counts[3].saturating_sub(tokens);
        Ok(Some(record))
    }

    fn apply_term_deltas(&self, batch: &mut Batch, deltas: &TermDeltas) -> Result<(), StoreError> {
        let mut terms = self.counter("terms")? as i64;
        for (term, delta) in deltas {
            if *delta == 0 {
                continue;
            }
            let key = term_key(term);
            let before = read_u64(self.tree.get(&key)?) as i64;
            let after = (before + delta).max(0);
            if after == 0 {
                batch.remove(key);
            } else {
                batch.insert(key, &(after as u64).to_be_bytes());
            }
            terms += i64::from(after > 0) - i64::from(before > 0);
        }
        Self::set_counter(batch, "terms", terms.max(0) as u64);
        Ok(())
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

    /// The stored document with its text and sentences.
    pub fn full_document(&self, id: &str) -> Result<Option<FullDocument>, StoreError> {
        let (Some(record), Some(number)) = (self.document(id)?, self.document_number(id)?) else {
            return Ok(None);
        };
        let text = match self.tree.get(numbered_key(b'X', number))? {
            Some(bytes) => {
                String::from_utf8(bytes.to_vec()).map_err(|e| StoreError::Corrupt(e.to_string()))?
            }
            None => String::new(),
        };
        let mut sentences = Vec::with_capacity(record.sentence_count as usize);
        for item in self.tree.scan_prefix(numbered_key(b'S', number)) {
            let (_, bytes) = item?;
            sentences.push(decode(&bytes, "sentence")?);
        }
        Ok(Some(FullDocument {
            record,
            text,
            sentences,
        }))
    }

    pub fn sentence(&self, number: u32, index: u32) -> Result<Option<SentenceRecord>, StoreError> {
        match self.tree.get(sentence_key(number, index))? {
            Some(bytes) => Ok(Some(decode(&bytes, "sentence")?)),
            None => Ok(None),
        }
    }

    pub fn document_id(&self, number: u32) -> Result<Option<String>, StoreError> {
        match self.tree.get(numbered_key(b'N', number))? {
            Some(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            None => Ok(None),
        }
    }

    pub fn number_of(&self, id: &str) -> Result<Option<u32>, StoreError> {
        self.document_number(id)
    }

    /// Documents in id order, starting after `after`.
    pub fn list_documents(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<DocumentRecord>, bool), StoreError> {
        let start = match after {
            Some(id) => {
                let mut key = document_key(id);
                key.push(0);
                key
            }
            None => vec![b'D'],
        };
        let mut records = Vec::with_capacity(limit);
        let mut more = false;
        for item in self.tree.range(start..vec![b'E']) {
            let (_, bytes) = item?;
            if records.len() == limit {
                more = true;
                break;
            }
            records.push(decode(&bytes, "document")?);
        }
        Ok((records, more))
    }

    /// How many sentences hold `term`.
    pub fn term_sentence_count(&self, term: &str) -> Result<u64, StoreError> {
        Ok(read_u64(self.tree.get(term_key(term))?))
    }

    /// Every document's postings for `term`.
    pub fn postings(&self, term: &str) -> Result<Vec<(u32, Vec<Posting>)>, StoreError> {
        let prefix = posting_prefix(term);
        let mut lists = Vec::new();
        for item in self.tree.scan_prefix(&prefix) {
            let (key, bytes) = item?;
            let number_bytes: [u8; 4] = key[prefix.len()..]
                .try_into()
                .map_err(|_| StoreError::Corrupt("posting key".into()))?;
            lists.push((u32::from_be_bytes(number_bytes), decode_postings(&bytes)));
        }
        Ok(lists)
    }

    /// One document's postings for `term`.
    pub fn postings_in(&self, term: &str, number: u32) -> Result<Vec<Posting>, StoreError> {
        Ok(self
            .tree
            .get(posting_key(term, number))?
            .map(|bytes| decode_postings(&bytes))
            .unwrap_or_default())
    }

    /// Sentence count and total tokens, for BM25 length normalisation.
    pub fn corpus_size(&self) -> Result<(u64, u64), StoreError> {
        Ok((self.counter("sentences")?, self.counter("tokens")?))
    }

    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        Ok(StoreStats {
            documents: self.counter("documents")?,
            sentences: self.counter("sentences")?,
            quantities: self.counter("quantities")?,
            index_terms: self.counter("terms")?,
            disk_bytes: self.db.size_on_disk()?,
        })
    }
}

/// The index terms of a sentence with their counts, and its token count.
/// Ingest and delete both use this, so the index stays consistent.
pub fn sentence_terms(text: &str) -> (Vec<(String, u8)>, u16) {
    let terms = index_terms(text);
    let mut counts: Vec<(String, u8)> = Vec::with_capacity(terms.len());
    let mut positions: HashMap<String, usize> = HashMap::with_capacity(terms.len());
    let token_count = terms.iter().filter(|term| !term.contains(' ')).count();
    for term in terms {
        match positions.get(&term) {
            Some(&position) => counts[position].1 = counts[position].1.saturating_add(1),
            None => {
                positions.insert(term.clone(), counts.len());
                counts.push((term, 1));
            }
        }
    }
    (counts, token_count.min(u16::MAX as usize) as u16)
}
