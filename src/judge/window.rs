//! Evidence windows: one to three consecutive sentences of one document
//! around a candidate sentence, the unit a claim is accounted against
//! (annotators join facts from neighbouring sentences). Windows are first
//! ranked cheaply, by which of the claim's content words they hold (a bit
//! per word), with a small cost per extra sentence; only the best few are
//! aligned word by word.

use super::align::AlignToken;
use super::figures::{ClaimAnalysis, PreparedDocument, SourceSentence};

/// Candidate sentences windows are built around, best retrieved first.
const MAX_ANCHORS: usize = 10;
/// Windows aligned word by word.
const MAX_ALIGNED_WINDOWS: usize = 4;
/// Windows aligned around one candidate: the cheap ranking favours the
/// sentence that repeats the claim's subject, and the sentence that states
/// its figure under a pronoun ("huyện" for the district of the title) must
/// still be aligned.
const MAX_ALIGNED_PER_ANCHOR: usize = 2;
/// Coverage given up for each sentence beyond the first.
pub const EXTRA_SENTENCE_COST: f64 = 0.03;
/// Claim content words the cheap ranking looks at (one bit each).
const MAX_RANKED_WORDS: usize = 64;
/// Words of one sentence aligned with a claim: alignment costs claim words
/// × window words per tile, and a crafted sentence of tens of thousands of
/// words would otherwise buy minutes of it. Real sentences are far shorter.
const MAX_ALIGNED_WORDS_PER_SENTENCE: usize = 400;

/// Consecutive sentences of one document.
#[derive(Debug, Clone)]
pub struct Window<'a> {
    pub document: &'a PreparedDocument,
    /// Position of the first sentence in the document.
    pub first: usize,
    pub len: usize,
    /// The candidate (index into the sources) the window was built around.
    pub anchor: usize,
    /// Share of the claim's content words the window holds, less the cost
    /// of its extra sentences.
    pub coverage: f64,
}

impl<'a> Window<'a> {
    /// The window's words, each tagged with its sentence's place in the
    /// window (0, 1, 2).
    pub fn tokens(&self) -> Vec<AlignToken> {
        let mut tokens = Vec::new();
        for offset in 0..self.len {
            let sentence = &self.document.sentences[self.first + offset];
            let words = sentence.align_tokens();
            let words = &words[..words.len().min(MAX_ALIGNED_WORDS_PER_SENTENCE)];
            tokens.extend(words.iter().map(|token| AlignToken {
                sentence: offset,
                ..token.clone()
            }));
        }
        tokens
    }

    /// Document sentence position of window sentence `offset`.
    pub fn position(&self, offset: usize) -> usize {
        self.first + offset
    }

    pub fn same_place(&self, other: &Window) -> bool {
        std::ptr::eq(self.document, other.document)
            && self.first == other.first
            && self.len == other.len
    }
}

/// The claim's distinct content words and numbers (as keys), in order, at
/// most `MAX_RANKED_WORDS`.
pub fn content_keys(claim: &ClaimAnalysis) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for token in claim.align.iter().filter(|t| t.is_content() || t.numeric) {
        if !keys.contains(&token.key.as_str()) && keys.len() < MAX_RANKED_WORDS {
            keys.push(&token.key);
        }
    }
    keys
}

/// Which of `keys` a sentence holds, one bit each.
fn mask_of(keys: &[&str], tokens: &[AlignToken]) -> u64 {
    let mut mask = 0u64;
    for token in tokens {
        if let Some(bit) = keys.iter().position(|key| *key == token.key) {
            mask |= 1 << bit;
        }
    }
    mask
}

/// The windows around the best candidates, best first. Windows are `[p]`, `[p-1, p]`, `[p, p+1]` and `[p-1, p+1]`
/// around each candidate position `p`.
pub fn rank_windows<'a>(claim: &ClaimAnalysis, sources: &[SourceSentence<'a>]) -> Vec<Window<'a>> {
    let keys = content_keys(claim);
    let total = keys.len().max(1) as f64;
    let mut windows: Vec<Window<'a>> = Vec::new();
    // Masks of sentences already seen, by document address and position.
    let mut masks: Vec<(*const PreparedDocument, usize, u64)> = Vec::new();
    let mut mask_at = |document: &PreparedDocument, position: usize| -> u64 {
        let address = document as *const PreparedDocument;
        if let Some((_, _, mask)) = masks
            .iter()
            .find(|(a, p, _)| *a == address && *p == position)
        {
            return *mask;
        }
        let mask = mask_of(&keys, document.sentences[position].align_tokens());
        masks.push((address, position, mask));
        mask
    };
    for (anchor, source) in sources.iter().enumerate().take(MAX_ANCHORS) {
        let document = source.document;
        let position = source.position;
        let last = document.sentences.len().saturating_sub(1);
        let spans = [
            (position, position),
            (position.saturating_sub(1), position),
            (position, (position + 1).min(last)),
            (position.saturating_sub(1), (position + 1).min(last)),
        ];
        for (first, end) in spans {
            let len = end - first + 1;
            let mut mask = 0;
            for sentence in first..=end {
                mask |= mask_at(document, sentence);
            }
            let coverage =
                mask.count_ones() as f64 / total - EXTRA_SENTENCE_COST * (len - 1) as f64;
            let window = Window {
                document,
                first,
                len,
                anchor,
                coverage,
            };
            if !windows.iter().any(|w| w.same_place(&window)) {
                windows.push(window);
            }
        }
    }
    windows.sort_by(|a, b| {
        b.coverage
            .total_cmp(&a.coverage)
            .then(a.anchor.cmp(&b.anchor))
            .then(a.len.cmp(&b.len))
    });
    windows
}

/// The windows to align word by word, best ranked first: at most
/// `MAX_ALIGNED_PER_ANCHOR` around one candidate, `MAX_ALIGNED_WINDOWS` in
/// all.
pub fn windows_to_align<'w, 'a>(windows: &'w [Window<'a>]) -> Vec<&'w Window<'a>> {
    let mut chosen: Vec<&Window> = Vec::with_capacity(MAX_ALIGNED_WINDOWS);
    for window in windows {
        if chosen.len() == MAX_ALIGNED_WINDOWS {
            break;
        }
        let around_anchor = chosen.iter().filter(|w| w.anchor == window.anchor).count();
        if around_anchor < MAX_ALIGNED_PER_ANCHOR {
            chosen.push(window);
        }
    }
    chosen
}

/// The best cheap coverage of a window from a document other than
/// `document`, among `windows`.
pub fn best_elsewhere(windows: &[Window], document: &PreparedDocument) -> f64 {
    windows
        .iter()
        .filter(|w| !std::ptr::eq(w.document, document))
        .map(|w| w.coverage)
        .fold(0.0, f64::max)
}
