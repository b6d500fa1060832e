//! A bounded map shared between threads, for the verification caches
//! (prepared documents, verdicts). Pure: no I/O. When full, one entry makes
//! room for each new one, chosen by the CLOCK rule: entries wait in the
//! order they came in, and an entry read since it last came round gets a
//! second round instead of being evicted. Eviction is O(1) amortised and
//! never frees a large batch at once, so no caller pays for a sweep, and a
//! value is dropped after the lock is released. The hasher is a parameter:
//! keys a client chooses (claim texts) need the default randomised one,
//! numbers the store gives out can use a fast one.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash};
use std::sync::{Mutex, MutexGuard};

struct Slot<V> {
    value: V,
    /// Read since the clock hand last passed it.
    referenced: bool,
    /// Matches the queue entry that stands for this slot; older queue
    /// entries for the same key are stale.
    stamp: u64,
}

struct Entries<K, V, S> {
    slots: HashMap<K, Slot<V>, S>,
    /// Keys in clock order, with the stamp they were queued with.
    clock: VecDeque<(K, u64)>,
    next_stamp: u64,
}

pub struct BoundedCache<K, V, S = RandomState> {
    capacity: usize,
    entries: Mutex<Entries<K, V, S>>,
}

impl<K: Hash + Eq + Clone, V: Clone, S: BuildHasher + Default> BoundedCache<K, V, S> {
    /// A cache of at most `capacity` entries; 0 keeps nothing.
    pub fn new(capacity: usize) -> Self {
        BoundedCache {
            capacity,
            entries: Mutex::new(Entries {
                slots: HashMap::default(),
                clock: VecDeque::new(),
                next_stamp: 0,
            }),
        }
    }

    /// The most entries it keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, Entries<K, V, S>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let mut entries = self.lock();
        let slot = entries.slots.get_mut(key)?;
        slot.referenced = true;
        Some(slot.value.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        let replaced = match entries.slots.get_mut(&key) {
            Some(slot) => Some(std::mem::replace(&mut slot.value, value)),
            None => {
                let evicted = if entries.slots.len() >= self.capacity {
                    entries.evict_one()
                } else {
                    None
                };
                entries.queue(key, value, self.capacity);
                evicted
            }
        };
        drop(entries);
        drop(replaced);
    }

    /// Forgets `key`; its value is dropped after the lock is released.
    pub fn remove(&self, key: &K) {
        let removed = self.lock().slots.remove(key);
        drop(removed);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().slots.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq + Clone, V, S: BuildHasher> Entries<K, V, S> {
    /// Adds a new key at the back of the clock.
    fn queue(&mut self, key: K, value: V, capacity: usize) {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.clock.push_back((key.clone(), stamp));
        self.slots.insert(
            key,
            Slot {
                value,
                referenced: false,
                stamp,
            },
        );
        if self.clock.len() > 2 * capacity + 16 {
            self.drop_stale_queue_entries();
        }
    }

    /// Removes the first unreferenced entry in clock order, giving each
    /// referenced one a second round, and returns its value.
    fn evict_one(&mut self) -> Option<V> {
        while let Some((key, stamp)) = self.clock.pop_front() {
            let Some(slot) = self.slots.get_mut(&key) else {
                continue;
            };
            if slot.stamp != stamp {
                continue;
            }
            if slot.referenced {
                slot.referenced = false;
                self.clock.push_back((key, stamp));
                continue;
            }
            return self.slots.remove(&key).map(|slot| slot.value);
        }
        None
    }

    /// Queue entries left behind by removed keys go, so the queue stays
    /// proportional to the cache.
    fn drop_stale_queue_entries(&mut self) {
        let slots = &self.slots;
        self.clock
            .retain(|(key, stamp)| slots.get(key).is_some_and(|slot| slot.stamp == *stamp));
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
    fn an_entry_read_since_the_last_round_outlives_one_that_was_not() {
        let cache: BoundedCache<u32, u32> = BoundedCache::new(3);
        for key in 0..3 {
            cache.insert(key, key);
        }
        assert_eq!(cache.get(&0), Some(0));
        cache.insert(3, 3);
        assert_eq!(cache.get(&0), Some(0), "read entry kept");
        assert_eq!(cache.get(&1), None, "oldest unread entry evicted");
        cache.insert(4, 4);
        assert_eq!(cache.get(&2), None);
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn removed_and_reinserted_keys_keep_the_queue_bounded() {
        let cache: BoundedCache<u32, u32> = BoundedCache::new(2);
        for round in 0..1000 {
            cache.insert(round % 5, round);
            cache.remove(&(round % 5));
            cache.insert(round % 5, round);
            assert!(cache.len() <= 2);
            assert!(cache.lock().clock.len() <= 2 * 2 + 16);
        }
        assert_eq!(cache.get(&(999 % 5)), Some(999));
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let cache: BoundedCache<u32, u32> = BoundedCache::new(0);
        cache.insert(1, 1);
        assert!(cache.is_empty());
    }
}
