//! Sørensen–Dice similarity of character bigrams, by which retrieval
//! re-ranks its candidates against the claim. The definition is
//! `strsim::sorensen_dice`'s, to the bit (a test checks the two agree):
//! whitespace is dropped, equal texts score 1, a text under two bytes
//! scores 0, bigrams are counted as a multiset, and the score is
//! 2·shared / (bytes(a) + bytes(b) − 2). It is written here because strsim
//! builds a SipHash map of the claim's bigrams again for every candidate:
//! in fresh checks at 100k sentences that took 12% of the server's CPU
//! (`perf record` under `claimcheck-load --claims 100000`). Here the
//! claim's bigrams are sorted once, each candidate's are sorted in a
//! reused buffer, and the two sorted lists are merged.

/// A text's bigrams, sorted, ready to be compared with many others.
#[derive(Debug, Clone)]
pub struct BigramProfile {
    /// The text without whitespace.
    stripped: String,
    /// Its character bigrams, each packed into a `u64`, sorted.
    bigrams: Vec<u64>,
}

impl BigramProfile {
    pub fn new(text: &str) -> Self {
        let stripped: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut bigrams = Vec::new();
        collect_bigrams(&stripped, &mut bigrams);
        bigrams.sort_unstable();
        Self { stripped, bigrams }
    }

    /// The similarity of the profiled text and `other`, in [0, 1];
    /// `scratch` is a buffer reused across calls.
    pub fn similarity(&self, other: &str, scratch: &mut Vec<u64>) -> f64 {
        scratch.clear();
        let other_bytes = collect_bigrams(other, scratch);
        let own_bytes = self.stripped.len();
        if own_bytes == other_bytes
            && other
                .chars()
                .filter(|c| !c.is_whitespace())
                .eq(self.stripped.chars())
        {
            return 1.0;
        }
        if own_bytes < 2 || other_bytes < 2 {
            return 0.0;
        }
        scratch.sort_unstable();
        let shared = shared_count(&self.bigrams, scratch);
        (2 * shared) as f64 / (own_bytes + other_bytes - 2) as f64
    }
}

/// Appends the bigrams of `text`'s characters other than whitespace, and
/// returns those characters' length in bytes.
fn collect_bigrams(text: &str, into: &mut Vec<u64>) -> usize {
    let mut previous: Option<char> = None;
    let mut bytes = 0;
    for current in text.chars().filter(|c| !c.is_whitespace()) {
        if let Some(previous) = previous {
            into.push(u64::from(u32::from(previous)) << 32 | u64::from(u32::from(current)));
        }
        previous = Some(current);
        bytes += current.len_utf8();
    }
    bytes
}

/// The size of the multiset intersection of two sorted lists.
fn shared_count(left: &[u64], right: &[u64]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_strsim_to_the_bit() {
        let texts = [
            "",
            "a",
            " a ",
            "ab",
            "a b",
            "aaaa",
            "aa aa",
            "xã gia hưng có 7 thôn",
            "xa gia hung co 7 thon",
            "xã gia hưng có bảy thôn",
            "dân số tăng 3,5% năm 2023",
            "đ",
            "đà",
            "the population rose by 3.5% in 2023",
            "population rose 3.5% in 2023 the",
            "  spaces\tand\nnewlines  ",
        ];
        let mut scratch = Vec::new();
        for a in texts {
            let profile = BigramProfile::new(a);
            for b in texts {
                let expected = strsim::sorensen_dice(a, b);
                let got = profile.similarity(b, &mut scratch);
                assert_eq!(got.to_bits(), expected.to_bits(), "{a:?} against {b:?}");
            }
        }
    }

    #[test]
    fn repeated_bigrams_count_as_often_as_both_sides_hold_them() {
        // "aaaa" has three "aa" bigrams, "aa" one: one is shared.
        let mut scratch = Vec::new();
        let profile = BigramProfile::new("aaaa");
        assert_eq!(profile.similarity("aa", &mut scratch), 2.0 / 4.0);
    }
}
