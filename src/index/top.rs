//! The top-k collector of the index's scored searches: tantivy's `TopDocs`
//! ordered by score, except that the k-th best score found so far is
//! shared by the segments searched after it. `TopDocs` starts every
//! segment from nothing, so each of an archive's segments (nine at 10M
//! sentences) scores its own k sentences before Block-WAND can skip
//! anything, and a segment whose best sentences cannot enter the final k
//! still pays for finding them. Starting a segment at the shared score
//! is exact: a sentence that does not beat it is beaten by k sentences
//! already found, and among equal scores the earlier segment's sentence
//! ranks first in the final order (tantivy's order: score, then address),
//! so a later one left out at that score would not have been kept.
//! Segments are searched one after the other (the searcher has no
//! executor of its own), so the score a segment starts from holds.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The `limit` best sentences by score, best first, ties by address.
pub(super) struct TopSentences {
    limit: usize,
    /// The k-th best score found so far, as `f32` bits: scores are never
    /// negative, so their bits order as the scores do. Empty until some
    /// segment has found k sentences.
    kth_best: AtomicU32,
}

/// No score yet: below every score a search gives.
const NO_SCORE: u32 = u32::MAX;

impl TopSentences {
    pub(super) fn with_limit(limit: usize) -> TopSentences {
        TopSentences {
            limit,
            kth_best: AtomicU32::new(NO_SCORE),
        }
    }

    /// The score a sentence must beat to be collected.
    fn threshold(&self) -> Score {
        match self.kth_best.load(AtomicOrdering::Relaxed) {
            NO_SCORE => Score::MIN,
            bits => f32::from_bits(bits),
        }
    }

    /// Records a segment's k-th best score when it beats the shared one.
    /// Only a positive score is kept: its bits order as scores do (those
    /// of -0.0 would not), and no sentence a search finds scores 0.
    fn raise(&self, score: Score) {
        if score > 0.0 {
            let bits = score.to_bits();
            let _ = self.kth_best.fetch_update(
                AtomicOrdering::Relaxed,
                AtomicOrdering::Relaxed,
                |held| (held == NO_SCORE || bits > held).then_some(bits),
            );
        }
    }
}

/// A collected sentence, ordered so that the heap's top is the one to
/// drop first: the lowest score, and of equal scores the latest.
#[derive(Clone, Copy)]
struct Entry {
    score: Score,
    doc: DocId,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.doc.cmp(&other.doc))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// One segment's best sentences.
pub(super) struct SegmentTop {
    limit: usize,
    segment: SegmentOrdinal,
    /// Max-heap by [`Entry`]'s order: the worst kept sentence on top.
    kept: BinaryHeap<Entry>,
}

impl SegmentTop {
    /// Keeps the sentence when it beats the worst kept one; the k-th best
    /// score once k are kept.
    fn push(&mut self, doc: DocId, score: Score) -> Option<Score> {
        let entry = Entry { score, doc };
        if self.kept.len() < self.limit {
            self.kept.push(entry);
        } else if let Some(mut worst) = self.kept.peek_mut() {
            if score > worst.score {
                *worst = entry;
            }
        }
        (self.kept.len() == self.limit)
            .then(|| self.kept.peek().map(|worst| worst.score))
            .flatten()
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.push(doc, score);
    }

    fn harvest(self) -> Self::Fruit {
        let segment = self.segment;
        self.kept
            .into_iter()
            .map(|entry| (entry.score, DocAddress::new(segment, entry.doc)))
            .collect()
    }
}

impl Collector for TopSentences {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        Ok(SegmentTop {
            limit: self.limit,
            segment,
            kept: BinaryHeap::with_capacity(self.limit),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        all.truncate(self.limit);
        Ok(all)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let mut top = self.for_segment(segment, reader)?;
        if self.limit == 0 {
            return Ok(Vec::new());
        }
        let alive = reader.alive_bitset();
        let mut threshold = self.threshold();
        weight.for_each_pruning(threshold, reader, &mut |doc, score| {
            if alive.is_some_and(|alive| alive.is_deleted(doc)) {
                return threshold;
            }
            if let Some(kth) = top.push(doc, score) {
                self.raise(kth);
                threshold = threshold.max(kth);
            }
            threshold
        })?;
        Ok(top.harvest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_keeps_its_best_and_of_equal_scores_the_earliest() {
        let mut top = SegmentTop {
            limit: 3,
            segment: 0,
            kept: BinaryHeap::new(),
        };
        let scores = [(0, 1.0), (1, 3.0), (2, 2.0), (3, 2.0), (4, 0.5), (5, 4.0)];
        let mut kth = Vec::new();
        for (doc, score) in scores {
            kth.push(top.push(doc, score));
        }
        assert_eq!(
            kth,
            [None, None, Some(1.0), Some(2.0), Some(2.0), Some(2.0)]
        );
        let mut kept: Vec<(Score, DocId)> = top
            .harvest()
            .into_iter()
            .map(|(score, address)| (score, address.doc_id))
            .collect();
        kept.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(kept, [(4.0, 5), (3.0, 1), (2.0, 2)]);
    }

    #[test]
    fn the_shared_score_only_rises() {
        let top = TopSentences::with_limit(2);
        assert_eq!(top.threshold(), Score::MIN);
        top.raise(2.5);
        top.raise(1.0);
        assert_eq!(top.threshold(), 2.5);
        top.raise(3.0);
        assert_eq!(top.threshold(), 3.0);
    }
}
