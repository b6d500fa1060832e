//! Hash maps and sets of the service, on foldhash (a well-kept, fast,
//! non-cryptographic hasher), in two kinds:
//!
//! - [`FastMap`] / [`FastSet`], with a fixed seed, for tables whose keys the
//!   program chooses or bounds per request (lexicons, stopwords, per-claim
//!   scores, document numbers): deterministic, and probed millions of times.
//! - [`SeededMap`] / [`SeededSet`], seeded at random (per process and per
//!   map), for tables keyed by text that clients store or send (the index's
//!   terms, a document's terms while it is analysed): no one can craft keys
//!   that all collide and make lookups quadratic, since the seed is not
//!   known outside the process.
//!
//! [`fixed_hash`] hashes bytes with the fixed seed, for the sorted hash
//! lists word sets keep; [`fixed_hash_lowercase`] a word regardless of
//! case.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use foldhash::fast::{FixedState, RandomState};

pub type FastMap<K, V> = HashMap<K, V, FixedState>;
pub type FastSet<T> = HashSet<T, FixedState>;
pub type SeededMap<K, V> = HashMap<K, V, RandomState>;
pub type SeededSet<T> = HashSet<T, RandomState>;

/// The fixed-seed hash of `parts`, each followed by a separator byte so
/// that ("ab", "c") and ("a", "bc") differ.
pub fn fixed_hash(parts: &[&[u8]]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = FixedState::default().build_hasher();
    for part in parts {
        hasher.write(part);
        hasher.write_u8(0xff);
    }
    hasher.finish()
}

/// The fixed-seed hash of `text` lowercased, without building the
/// lowercase text: "Khoảng" and "khoảng" hash alike.
pub fn fixed_hash_lowercase(text: &str) -> u64 {
    use std::hash::Hasher;
    let mut hasher = FixedState::default().build_hasher();
    for character in text.chars().flat_map(char::to_lowercase) {
        hasher.write_u32(u32::from(character));
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_hashes_ignore_case_only() {
        assert_eq!(
            fixed_hash_lowercase("Khoảng"),
            fixed_hash_lowercase("khoảng")
        );
        assert_ne!(fixed_hash_lowercase("khoảng"), fixed_hash_lowercase("gần"));
    }

    #[test]
    fn fixed_hashes_are_stable_and_keep_parts_apart() {
        assert_eq!(
            fixed_hash(&[b"bien", b"che"]),
            fixed_hash(&[b"bien", b"che"])
        );
        assert_ne!(fixed_hash(&[b"ab", b"c"]), fixed_hash(&[b"a", b"bc"]));
        assert_ne!(fixed_hash(&[b"xa"]), fixed_hash(&[b"xa", b""]));
    }

    #[test]
    fn seeded_maps_find_what_they_hold() {
        let mut terms: SeededMap<String, usize> = SeededMap::default();
        for index in 0..1000 {
            terms.insert(format!("term {index}"), index);
        }
        assert!((0..1000).all(|index| terms.get(&format!("term {index}")) == Some(&index)));
        assert_eq!(terms.get("term 1000"), None);
    }
}
