//! A store wrapper that fails on demand, to prove that a failing store denies.

use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::record::Record;
use crate::store::{Store, Write};

/// Wraps a [`Store`] and makes its writes, or its reads, fail on demand with
/// [`FailingStoreError::Injected`]: a store whose database went away. The kit's fail-closed check uses it;
/// an application can use it to test its own error handling.
///
/// ```
/// use twofactor::testkit::FailingStore;
/// use twofactor::{MemoryStore, Store};
/// use twofactor::store::Record;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = FailingStore::new(MemoryStore::new());
/// store.fail_writes(true);
/// assert!(store.insert(Record::new("alice")).await.is_err());
/// assert!(store.inner().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct FailingStore<S> {
    inner: S,
    writes: AtomicBool,
    reads: AtomicBool,
}

impl<S> FailingStore<S> {
    /// `inner`, failing nothing yet.
    pub const fn new(inner: S) -> Self {
        Self {
            inner,
            writes: AtomicBool::new(false),
            reads: AtomicBool::new(false),
        }
    }

    /// Makes inserts, compare-and-swaps and deletes fail (`true`) or pass through (`false`).
    pub fn fail_writes(&self, fail: bool) {
        self.writes.store(fail, Ordering::SeqCst);
    }

    /// Makes loads fail (`true`) or pass through (`false`).
    pub fn fail_reads(&self, fail: bool) {
        self.reads.store(fail, Ordering::SeqCst);
    }

    /// The wrapped store, to look at what it holds.
    pub const fn inner(&self) -> &S {
        &self.inner
    }

    fn check(&self, flag: &AtomicBool) -> Result<(), FailingStoreError> {
        if flag.load(Ordering::SeqCst) {
            Err(FailingStoreError::Injected)
        } else {
            Ok(())
        }
    }
}

/// The error of a [`FailingStore`]: the failure it was told to inject, or the wrapped store's
/// own error (whatever its type, boxed).
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Injected` | `the store was told to fail`; no source: the failure starts here |
/// | `Inner` | `the wrapped store failed`; the wrapped store's error is the source |
///
/// ```
/// use std::error::Error as _;
/// use twofactor::testkit::{FailingStore, FailingStoreError};
/// use twofactor::{MemoryStore, Store};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = FailingStore::new(MemoryStore::new());
/// store.fail_reads(true);
/// let error = store.load("alice").await.err().ok_or("loaded")?;
/// assert!(matches!(error, FailingStoreError::Injected));
/// assert_eq!(error.to_string(), "the store was told to fail");
/// assert!(error.source().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
// Exhaustive on purpose: the wrapper injected the failure or the wrapped store failed; no third.
#[allow(clippy::exhaustive_enums)]
pub enum FailingStoreError {
    /// The failure the wrapper was told to inject.
    Injected,
    /// The wrapped store's own error.
    Inner(Box<dyn core::error::Error + Send + Sync>),
}

impl fmt::Display for FailingStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Injected => f.write_str("the store was told to fail"),
            Self::Inner(_) => f.write_str("the wrapped store failed"),
        }
    }
}

impl core::error::Error for FailingStoreError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Injected => None,
            Self::Inner(error) => Some(&**error),
        }
    }
}

/// Boxes the wrapped store's error.
fn inner<E: core::error::Error + Send + Sync + 'static>(error: E) -> FailingStoreError {
    FailingStoreError::Inner(Box::new(error))
}

impl<S: Store> Store for FailingStore<S> {
    type Error = FailingStoreError;

    fn load(&self, user: &str) -> impl Future<Output = Result<Option<Record>, Self::Error>> + Send {
        let injected = self.check(&self.reads);
        async move {
            injected?;
            self.inner.load(user).await.map_err(inner)
        }
    }

    fn insert(&self, record: Record) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        let injected = self.check(&self.writes);
        async move {
            injected?;
            self.inner.insert(record).await.map_err(inner)
        }
    }

    fn compare_and_swap(
        &self,
        expected: u64,
        record: Record,
    ) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        let injected = self.check(&self.writes);
        async move {
            injected?;
            self.inner.compare_and_swap(expected, record).await.map_err(inner)
        }
    }

    fn delete(&self, user: &str, expected: u64) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        let injected = self.check(&self.writes);
        async move {
            injected?;
            self.inner.delete(user, expected).await.map_err(inner)
        }
    }

    /// A read: it fails while reads are told to fail.
    fn server_time(&self) -> impl Future<Output = Result<Option<u64>, Self::Error>> + Send {
        let injected = self.check(&self.reads);
        async move {
            injected?;
            self.inner.server_time().await.map_err(inner)
        }
    }
}
