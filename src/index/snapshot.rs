//! What every search of one index commit shares, built once when the
//! commit becomes searchable: its searcher, the statistics BM25 weighs
//! terms with, and each segment's document-number and sentence columns.
//!
//! A claim's terms are weighed up to three times per verification (their
//! rarity, the top-k search, the rescoring) and again by the next claim
//! that shares them; tantivy's own statistics look each one up in every
//! segment's term dictionary each time, and scoring a document's sentences
//! looks each up again to open its postings. Measured at 1M sentences,
//! those lookups and opening the columns per search took about a third of
//! a verification (`perf` over the scale benchmark). Here each term's
//! dictionary entries are read once per commit and kept in a bounded cache
//! (quick_cache, as the engine's other caches).

use std::sync::Arc;

use tantivy::columnar::ColumnValues;
use tantivy::postings::TermInfo;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// Terms one commit keeps the dictionary entries of (about 100 bytes and
/// 40 per segment each).
const CACHED_TERMS: usize = 100_000;

/// One segment's columns: the document number and the sentence position of
/// each of its sentences.
#[derive(Clone)]
pub struct Columns {
    pub numbers: Arc<dyn ColumnValues<u64>>,
    pub sentences: Arc<dyn ColumnValues<u64>>,
}

/// The searcher of one commit, with what its searches share.
pub struct Snapshot {
    pub searcher: Searcher,
    pub statistics: Statistics,
    /// By segment ordinal.
    pub columns: Vec<Columns>,
}

impl Snapshot {
    pub fn new(searcher: Searcher, number: &str, sentence: &str) -> tantivy::Result<Snapshot> {
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let fast = segment.fast_fields();
                Ok(Columns {
                    numbers: fast.u64(number)?.first_or_default_col(0),
                    sentences: fast.u64(sentence)?.first_or_default_col(0),
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Snapshot {
            statistics: Statistics {
                total_docs: Bm25StatisticsProvider::total_num_docs(&searcher)?,
                terms: quick_cache::sync::Cache::new(CACHED_TERMS),
                total_tokens: quick_cache::sync::Cache::new(8),
                searcher: searcher.clone(),
            },
            searcher,
            columns,
        })
    }
}

/// Where a term stands in each segment of one commit.
pub struct TermInfos {
    /// By segment ordinal; `None` where the segment lacks the term.
    pub per_segment: Vec<Option<TermInfo>>,
    /// Sentences holding the term, over all segments.
    pub doc_freq: u64,
}

/// BM25 statistics of one commit, each looked up once: the term
/// dictionaries are read once per term, and searches open the postings
/// from what was read.
pub struct Statistics {
    searcher: Searcher,
    total_docs: u64,
    total_tokens: quick_cache::sync::Cache<Field, u64>,
    terms: quick_cache::sync::Cache<Term, Arc<TermInfos>>,
}

impl Statistics {
    /// Where `term` stands in each segment.
    pub fn term_infos(&self, term: &Term) -> tantivy::Result<Arc<TermInfos>> {
        self.terms.get_or_insert_with(term, || {
            let mut doc_freq = 0u64;
            let per_segment = self
                .searcher
                .segment_readers()
                .iter()
                .map(|segment| {
                    let info = segment.inverted_index(term.field())?.get_term_info(term)?;
                    doc_freq += info.as_ref().map_or(0, |info| u64::from(info.doc_freq));
                    Ok(info)
                })
                .collect::<tantivy::Result<Vec<_>>>()?;
            Ok(Arc::new(TermInfos {
                per_segment,
                doc_freq,
            }))
        })
    }
}

impl Bm25StatisticsProvider for Statistics {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.total_tokens.get_or_insert_with(&field, || {
            Bm25StatisticsProvider::total_num_tokens(&self.searcher, field)
        })
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.total_docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Ok(self.term_infos(term)?.doc_freq)
    }
}
