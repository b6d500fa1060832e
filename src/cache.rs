//! A bounded map shared between threads, for the verification caches
//! (prepared documents, verdicts). Pure: no I/O. When full, an eighth of the
//! entries (in hash order, which is unrelated to age or use) make room; this
//! keeps eviction O(1) amortised without bookkeeping on every hit. The hasher
//! is a parameter: keys a client chooses (claim texts) need the default
//! randomised one, numbers the store gives out can use a fast one.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::{Mutex, MutexGuard};

pub struct BoundedCache<K, V, S = RandomState> {
    capacity: usize,
    entries: Mutex<HashMap<K, V, S>>,
}

impl<K: Hash + Eq + Clone, V: Clone, S: BuildHasher + Default> BoundedCache<K, V, S> {
    /// A cache of at most `capacity` entries; 0 keeps nothing.
    pub fn new(capacity: usize) -> Self {
        BoundedCache {
            capacity,
            entries: Mutex::new(HashMap::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, V, S>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.lock().get(key).cloned()
    }

    pub fn insert(&self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let evicted: Vec<K> = entries
                .keys()
                .take((self.capacity / 8).max(1))
                .cloned()
                .collect();
            for key in &evicted {
                entries.remove(key);
            }
        }
        entries.insert(key, value);
    }

    pub fn remove(&self, key: &K) {
        self.lock().remove(key);
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_at_most_its_capacity_and_keeps_the_newest() {
        let cache: BoundedCache<u32, u32> = BoundedCache::new(16);
        for key in 0..100 {
            cache.insert(key, key * 2);
            assert!(cache.len() <= 16);
            assert_eq!(cache.get(&key), Some(key * 2));
        }
        cache.remove(&99);
        assert_eq!(cache.get(&99), None);
    }

    #[test]
    fn replacing_a_key_in_a_full_cache_evicts_nothing() {
        let cache: BoundedCache<u32, u32> = BoundedCache::new(4);
        for key in 0..4 {
            cache.insert(key, key);
        }
        cache.insert(2, 20);
        assert_eq!(cache.len(), 4);
        assert_eq!(cache.get(&2), Some(20));
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let cache: BoundedCache<u32, u32> = BoundedCache::new(0);
        cache.insert(1, 1);
        assert!(cache.is_empty());
    }
}
