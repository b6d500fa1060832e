//! The search index in memory: for each term, the sentences that hold it,
//! with the sentence's length (for BM25; a term counts once per sentence,
//! so its frequency in a sentence is always 1). Pure: the
//! store persists each document's entries as one record (`DocumentTerms`)
//! and rebuilds this index from them when it opens, so a write touches one
//! key for the whole index instead of one per term.
//!
//! Postings of a term are kept sorted by document number. Document numbers
//! only grow (a replaced document gets a new one), so adding a document
//! appends, and a document's postings are one contiguous run found by binary
//! search. Each posting takes 9 bytes: the (document, sentence) key in a
//! `u64` and the sentence length in a `u8`.

use serde::{Deserialize, Serialize};

use crate::hashing::SeededMap;
use crate::text::{visit_index_terms, word_tokens, WordToken};

/// One sentence's entry in a term's posting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub document: u32,
    pub sentence: u32,
    pub sentence_length: u8,
}

/// Where a term occurs in one sentence, as stored: its index, the term's
/// count there (always 1: a term counts once per sentence; the field stays
/// so that stores of this schema open unchanged) and the sentence's length
/// in words (capped at 255).
pub type SentenceOccurrence = (u32, u8, u8);

/// A document's index entries, as stored: for each term, the sentences that
/// hold it (index, count, length). Also what removal reads, so the index
/// never has to re-tokenise stored text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DocumentTerms {
    pub sentence_count: u32,
    pub token_count: u64,
    pub terms: Vec<(String, Vec<SentenceOccurrence>)>,
}

impl DocumentTerms {
    /// The entries of a document given as sentence texts (tokenised here).
    pub fn of_texts<S: AsRef<str>>(sentences: &[S]) -> DocumentTerms {
        let mut builder = DocumentTermsBuilder::default();
        for sentence in sentences {
            let text = sentence.as_ref();
            builder.add_sentence(text, &word_tokens(text));
        }
        builder.finish()
    }
}

/// Gathers a document's index entries sentence by sentence. A term is
/// looked up by its text and copied only the first time the document uses
/// it; a term repeated within a sentence counts once. A sentence's length
/// is the number of its distinct single-word terms, the same measure the
/// claim side uses.
#[derive(Debug, Default)]
pub struct DocumentTermsBuilder {
    slot_of: SeededMap<String, usize>,
    terms: Vec<(String, Vec<SentenceOccurrence>)>,
    sentence_count: u32,
    token_count: u64,
    /// Slots the current sentence added to, to stamp its length on.
    touched: Vec<usize>,
}

impl DocumentTermsBuilder {
    /// Adds the next sentence, already split into `tokens`.
    pub fn add_sentence(&mut self, text: &str, tokens: &[WordToken]) {
        let index = self.sentence_count;
        self.sentence_count += 1;
        self.touched.clear();
        let mut words = 0usize;
        let (slot_of, terms, touched) = (&mut self.slot_of, &mut self.terms, &mut self.touched);
        visit_index_terms(text, tokens, |term, single_word| {
            let slot = match slot_of.get(term) {
                Some(&slot) => slot,
                None => {
                    slot_of.insert(term.to_owned(), terms.len());
                    terms.push((term.to_owned(), Vec::new()));
                    terms.len() - 1
                }
            };
            let occurrences = &mut terms[slot].1;
            if occurrences.last().is_some_and(|last| last.0 == index) {
                return;
            }
            occurrences.push((index, 1, 0));
            touched.push(slot);
            words += usize::from(single_word);
        });
        let words = words.min(u16::MAX as usize);
        self.token_count += words as u64;
        let length = words.min(255) as u8;
        for &slot in &self.touched {
            if let Some(last) = self.terms[slot].1.last_mut() {
                last.2 = length;
            }
        }
    }

    pub fn finish(self) -> DocumentTerms {
        DocumentTerms {
            sentence_count: self.sentence_count,
            token_count: self.token_count,
            terms: self.terms,
        }
    }
}

/// Postings per block of the skip list.
const BLOCK: usize = 64;

/// The postings of one term, sorted by (document, sentence), with every
/// `BLOCK`th key copied into a skip list: a cursor finds a document among
/// the few skips (which stay in cache) and then scans one block, instead
/// of probing the whole key array.
#[derive(Debug, Default)]
struct PostingList {
    keys: Vec<u64>,
    lengths: Vec<u8>,
    /// `keys[i * BLOCK]` for each block `i`.
    skips: Vec<u64>,
}

/// The key postings are ordered by: document, then sentence.
pub fn posting_key(document: u32, sentence: u32) -> u64 {
    ((document as u64) << 32) | sentence as u64
}

/// The document of a posting key.
pub fn key_document(key: u64) -> u32 {
    (key >> 32) as u32
}

impl PostingList {
    fn posting(&self, position: usize) -> Posting {
        let key = self.keys[position];
        Posting {
            document: key_document(key),
            sentence: key as u32,
            sentence_length: self.lengths[position],
        }
    }

    /// The positions of `document`'s postings.
    fn range_of(&self, document: u32) -> std::ops::Range<usize> {
        let start = self
            .keys
            .partition_point(|key| *key < posting_key(document, 0));
        let end = self
            .keys
            .partition_point(|key| *key <= posting_key(document, u32::MAX));
        start..end
    }

    fn insert(&mut self, key: u64, length: u8) {
        if self.keys.last().is_none_or(|last| *last < key) {
            if self.keys.len().is_multiple_of(BLOCK) {
                self.skips.push(key);
            }
            self.keys.push(key);
            self.lengths.push(length);
        } else {
            let position = self.keys.partition_point(|existing| *existing < key);
            self.keys.insert(position, key);
            self.lengths.insert(position, length);
            self.rebuild_skips();
        }
    }

    fn remove_range(&mut self, range: std::ops::Range<usize>) {
        if range.is_empty() {
            return;
        }
        self.keys.drain(range.clone());
        self.lengths.drain(range);
        self.rebuild_skips();
    }

    fn rebuild_skips(&mut self) {
        self.skips.clear();
        self.skips.extend(self.keys.iter().step_by(BLOCK).copied());
    }
}

/// A position in one term's postings that only moves forward.
pub struct PostingCursor<'a> {
    list: &'a PostingList,
    position: usize,
}

impl PostingCursor<'_> {
    /// Calls `visit` with the term's postings in `document`, which must not
    /// come before a document visited earlier. The run is found by
    /// galloping through the skips from the previous block, then searching
    /// one block: a few probes near each other instead of a binary search
    /// over the whole list.
    pub fn visit_document(&mut self, document: u32, mut visit: impl FnMut(Posting)) {
        let (keys, skips) = (&self.list.keys, &self.list.skips);
        let first = posting_key(document, 0);
        // Gallop through the skips from the current block: every skip
        // before `low` is smaller than `first`; `high` is past the end or
        // at a skip at least `first`.
        let current = self.position / BLOCK;
        let (mut low, mut high, mut step) = (current, current, 1);
        while high < skips.len() && skips[high] < first {
            low = high + 1;
            high = low + step;
            step *= 2;
        }
        let high = high.min(skips.len());
        let below = low + skips[low..high].partition_point(|skip| *skip < first);
        // Blocks before `below` start below `first`, so the first key at
        // least `first` lies in block `below - 1` or starts block `below`.
        let start = (below.saturating_sub(1) * BLOCK).max(self.position);
        let end = (below * BLOCK).min(keys.len()).max(start);
        let mut position = start + keys[start..end].partition_point(|key| *key < first);
        while position < keys.len() && key_document(keys[position]) == document {
            visit(self.list.posting(position));
            position += 1;
        }
        self.position = position;
    }
}

/// Term → postings, and the corpus sizes BM25 needs.
#[derive(Debug, Default)]
pub struct InvertedIndex {
    terms: SeededMap<Box<str>, PostingList>,
    sentences: u64,
    tokens: u64,
    postings: u64,
}

impl InvertedIndex {
    pub fn new() -> InvertedIndex {
        InvertedIndex::default()
    }

    /// Adds document `number`'s entries.
    pub fn add(&mut self, number: u32, document: &DocumentTerms) {
        for (term, sentences) in &document.terms {
            let list = match self.terms.get_mut(term.as_str()) {
                Some(list) => list,
                None => self.terms.entry(term.as_str().into()).or_default(),
            };
            for (sentence, _, length) in sentences {
                list.insert(posting_key(number, *sentence), *length);
            }
            self.postings += sentences.len() as u64;
        }
        self.sentences += document.sentence_count as u64;
        self.tokens += document.token_count;
    }

    /// Removes document `number`'s entries (as given when it was added).
    pub fn remove(&mut self, number: u32, document: &DocumentTerms) {
        for (term, _) in &document.terms {
            let Some(list) = self.terms.get_mut(term.as_str()) else {
                continue;
            };
            let range = list.range_of(number);
            self.postings -= range.len() as u64;
            list.remove_range(range);
            if list.keys.is_empty() {
                self.terms.remove(term.as_str());
            }
        }
        self.sentences = self
            .sentences
            .saturating_sub(document.sentence_count as u64);
        self.tokens = self.tokens.saturating_sub(document.token_count);
    }

    /// How many sentences hold `term`.
    pub fn holding(&self, term: &str) -> u64 {
        self.terms
            .get(term)
            .map_or(0, |list| list.keys.len() as u64)
    }

    /// Every posting of `term`, by document then sentence.
    pub fn postings(&self, term: &str) -> impl Iterator<Item = Posting> + '_ {
        self.terms
            .get(term)
            .into_iter()
            .flat_map(|list| (0..list.keys.len()).map(move |position| list.posting(position)))
    }

    /// The postings of `term` in one document, by binary search: the
    /// reference that `visit_postings_in` is tested against.
    #[cfg(test)]
    pub fn postings_in(&self, term: &str, document: u32) -> impl Iterator<Item = Posting> + '_ {
        self.terms.get(term).into_iter().flat_map(move |list| {
            list.range_of(document)
                .map(move |position| list.posting(position))
        })
    }

    /// A cursor over `term`'s postings, to visit them document by document
    /// in ascending order; `None` if no sentence holds `term`.
    pub fn cursor(&self, term: &str) -> Option<PostingCursor<'_>> {
        self.terms
            .get(term)
            .map(|list| PostingCursor { list, position: 0 })
    }

    /// Calls `visit` with the postings of `term` in each of `documents`
    /// (sorted, ascending).
    #[cfg(test)]
    pub fn visit_postings_in(&self, term: &str, documents: &[u32], mut visit: impl FnMut(Posting)) {
        if let Some(mut cursor) = self.cursor(term) {
            for &document in documents {
                cursor.visit_document(document, &mut visit);
            }
        }
    }

    /// Sentences indexed, and their total length in words.
    pub fn corpus_size(&self) -> (u64, u64) {
        (self.sentences, self.tokens)
    }

    /// Distinct terms.
    pub fn term_count(&self) -> u64 {
        self.terms.len() as u64
    }

    /// Postings held, over all terms.
    pub fn posting_count(&self) -> u64 {
        self.postings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(sentences: &[&str]) -> DocumentTerms {
        DocumentTerms::of_texts(sentences)
    }

    #[test]
    fn a_sentence_holds_each_word_and_pair_once() {
        let terms = document(&["Xã Hải Hà, xã Hải Tiến", "Hải Hà giảm 22 biên chế"]);
        let occurrences_of = |term: &str| {
            terms
                .terms
                .iter()
                .find(|(t, _)| t == term)
                .map(|(_, occurrences)| occurrences.clone())
        };
        let words_in_first = ["xa", "hai", "ha", "tien"].len() as u8;
        let words_in_second = ["hai", "ha", "giam", "bien", "che"].len() as u8;
        assert_eq!(
            occurrences_of("hai"),
            Some(vec![(0, 1, words_in_first), (1, 1, words_in_second)])
        );
        assert_eq!(occurrences_of("hai ha"), occurrences_of("hai"));
        assert_eq!(
            occurrences_of("hai tien"),
            Some(vec![(0, 1, words_in_first)])
        );
        assert_eq!(
            occurrences_of("bien che"),
            Some(vec![(1, 1, words_in_second)])
        );
        assert_eq!(occurrences_of("ha hai"), None);
        assert_eq!(terms.sentence_count, 2);
        assert_eq!(
            terms.token_count,
            u64::from(words_in_first + words_in_second)
        );
    }

    #[test]
    fn postings_follow_adds_and_removes() {
        let mut index = InvertedIndex::new();
        let first = document(&["Xã Hải Hà có 1.654 hộ.", "Huyện Tiên Yên."]);
        let second = document(&["Xã Hải Hà sáp nhập."]);
        index.add(1, &first);
        index.add(2, &second);
        assert_eq!(index.holding("ha"), 2);
        assert_eq!(index.holding("tien"), 1);
        assert_eq!(index.corpus_size().0, 3);
        let documents: Vec<(u32, u32)> = index
            .postings("ha")
            .map(|p| (p.document, p.sentence))
            .collect();
        assert_eq!(documents, vec![(1, 0), (2, 0)]);
        assert_eq!(index.postings_in("ha", 2).count(), 1);
        assert_eq!(index.postings_in("ha", 3).count(), 0);
        let mut visited = Vec::new();
        index.visit_postings_in("ha", &[0, 2, 3], |p| visited.push(p.document));
        assert_eq!(visited, vec![2]);

        index.remove(1, &first);
        assert_eq!(index.holding("ha"), 1);
        assert_eq!(index.holding("tien"), 0);
        // The terms only the removed document held are gone.
        assert_eq!(index.term_count(), second.terms.len() as u64);
        assert_eq!(index.corpus_size().0, 1);
        index.remove(2, &second);
        assert_eq!(index.term_count(), 0);
        assert_eq!(index.posting_count(), 0);
        assert_eq!(index.corpus_size(), (0, 0));
    }

    #[test]
    fn cursors_find_the_same_postings_as_binary_search() {
        let mut index = InvertedIndex::new();
        let two = document(&["Hải Hà.", "Hải Hà có chợ."]);
        let one = document(&["Hải Hà."]);
        let shape = |number: u32| if number.is_multiple_of(3) { &two } else { &one };
        for number in 0..500u32 {
            index.add(number, shape(number));
        }
        check_cursors(&index);
        // Removals shift whole blocks; out-of-order adds insert mid-list.
        for number in (0..500).step_by(5) {
            index.remove(number, shape(number));
        }
        for number in [10, 100, 400] {
            index.add(number, &two);
        }
        check_cursors(&index);
    }

    fn check_cursors(index: &InvertedIndex) {
        for wanted in [
            vec![],
            vec![0],
            vec![499],
            vec![0, 1, 2, 3],
            vec![3, 64, 65, 300, 498, 499, 700],
            (0..500).step_by(7).collect::<Vec<u32>>(),
            (0..500).collect(),
            (40..50).chain(120..140).collect(),
        ] {
            let mut visited = Vec::new();
            index.visit_postings_in("hai", &wanted, |p| visited.push((p.document, p.sentence)));
            let expected: Vec<(u32, u32)> = wanted
                .iter()
                .flat_map(|d| {
                    index
                        .postings_in("hai", *d)
                        .map(|p| (p.document, p.sentence))
                })
                .collect();
            assert_eq!(visited, expected, "{wanted:?}");
        }
    }

    #[test]
    fn postings_stay_sorted_when_added_out_of_order() {
        let mut index = InvertedIndex::new();
        let text = document(&["Hải Hà."]);
        for number in [5, 2, 9, 1] {
            index.add(number, &text);
        }
        let order: Vec<u32> = index.postings("hai").map(|p| p.document).collect();
        assert_eq!(order, vec![1, 2, 5, 9]);
        index.remove(5, &text);
        let order: Vec<u32> = index.postings("hai").map(|p| p.document).collect();
        assert_eq!(order, vec![1, 2, 9]);
    }
}
