//! How every server-side key set is held: keys with ids, the current one first, ids distinct.
//! The sealing keyring and the challenge keyring are both a [`KeyIds`]; the newest key writes,
//! and a key is found by the id that what it wrote names. Ids are public (every sealed value and
//! token shows its own), so finding one needs not be constant-time.

use alloc::vec::Vec;

/// A key that has an id.
pub(crate) trait KeyId {
    fn key_id(&self) -> u32;
}

/// Keys with distinct ids, never empty, the current key first.
#[derive(Clone)]
pub(crate) struct KeyIds<K> {
    keys: Vec<K>,
}

impl<K: KeyId> KeyIds<K> {
    pub(crate) fn new(current: K) -> Self {
        Self {
            keys: alloc::vec![current],
        }
    }

    /// Adds an older key; `Err(id)` if a key with its id is held already.
    pub(crate) fn with_old(mut self, key: K) -> Result<Self, u32> {
        let id = key.key_id();
        if self.get(id).is_some() {
            return Err(id);
        }
        self.keys.push(key);
        Ok(self)
    }

    /// Keys whose ids the caller knows to be distinct (`ServerKeys` checks its ids when built).
    pub(crate) fn from_distinct(current: K, old: impl IntoIterator<Item = K>) -> Self {
        let mut keys = alloc::vec![current];
        keys.extend(old);
        Self { keys }
    }

    pub(crate) fn current(&self) -> &K {
        // Every constructor puts the current key first, and nothing removes keys.
        &self.keys[0]
    }

    pub(crate) fn get(&self, id: u32) -> Option<&K> {
        self.keys.iter().find(|key| key.key_id() == id)
    }

    /// Every id, the current one first.
    pub(crate) fn ids(&self) -> Vec<u32> {
        self.keys.iter().map(KeyId::key_id).collect()
    }
}
