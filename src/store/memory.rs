use alloc::string::String;
use alloc::vec::Vec;
use core::convert::Infallible;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Store, Write};
use crate::record::Record;

/// A [`Store`] in the process's memory: for tests, examples and single-process applications.
/// Records are lost when the process ends.
///
/// ```
/// use twofactor::{MemoryStore, Store};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::new();
/// assert_eq!(store.load("alice").await?, None);
/// assert!(store.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of records held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records().len()
    }

    /// Whether the store holds no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records().is_empty()
    }

    /// A panic elsewhere while the lock was held leaves the map as it was between two whole
    /// operations (each one is a single insert or replace), so the lock is taken back.
    fn records(&self) -> MutexGuard<'_, HashMap<String, Record>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    type Error = Infallible;

    async fn load(&self, user: &str) -> Result<Option<Record>, Infallible> {
        Ok(self.records().get(user).cloned())
    }

    async fn insert(&self, record: Record) -> Result<Write, Infallible> {
        let mut records = self.records();
        if records.contains_key(record.user()) {
            return Ok(Write::Conflict);
        }
        records.insert(record.user().into(), record);
        Ok(Write::Applied)
    }

    async fn compare_and_swap(&self, expected: u64, record: Record) -> Result<Write, Infallible> {
        let mut records = self.records();
        match records.get_mut(record.user()) {
            Some(stored) if stored.version() == expected => {
                *stored = record;
                Ok(Write::Applied)
            }
            _ => Ok(Write::Conflict),
        }
    }

    async fn delete(&self, user: &str, expected: u64) -> Result<Write, Infallible> {
        let mut records = self.records();
        match records.get(user) {
            Some(stored) if stored.version() == expected => {
                records.remove(user);
                Ok(Write::Applied)
            }
            _ => Ok(Write::Conflict),
        }
    }
}

impl super::ListUsers for MemoryStore {
    async fn users_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>, Infallible> {
        let records = self.records();
        let mut users: Vec<&String> = records
            .keys()
            .filter(|user| after.is_none_or(|after| user.as_str() > after))
            .collect();
        users.sort_unstable();
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(users.into_iter().take(limit).cloned().collect())
    }
}
