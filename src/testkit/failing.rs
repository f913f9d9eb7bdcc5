//! A store wrapper that fails on demand, to prove that a failing store denies.

use core::fmt;
use core::future::Future;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::record::Record;
use crate::store::{Store, Write};

/// Wraps a [`Store`] and makes its writes, or its reads, fail on demand with
/// [`InjectedFailure`]: a store whose database went away. The kit's fail-closed check uses it;
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

    fn check(&self, flag: &AtomicBool) -> Result<(), InjectedFailure> {
        if flag.load(Ordering::SeqCst) {
            Err(InjectedFailure)
        } else {
            Ok(())
        }
    }
}

/// The error of a [`FailingStore`] told to fail.
///
/// ```
/// assert_eq!(twofactor::testkit::InjectedFailure.to_string(), "injected store failure");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
// Exhaustive on purpose: a unit value that tests name and compare; nothing to add.
#[allow(clippy::exhaustive_structs)]
pub struct InjectedFailure;

impl fmt::Display for InjectedFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("injected store failure")
    }
}

impl core::error::Error for InjectedFailure {}

/// The wrapped store's error, or the injected one.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Injected` | `the store was told to fail`; the [`InjectedFailure`] is the source |
/// | `Inner` | `the wrapped store failed`; the wrapped store's error is the source |
///
/// ```
/// use std::error::Error as _;
/// use twofactor::testkit::{FailingStore, InjectedFailure};
/// use twofactor::{MemoryStore, Store};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = FailingStore::new(MemoryStore::new());
/// store.fail_reads(true);
/// let error = store.load("alice").await.err().ok_or("loaded")?;
/// assert!(error.source().is_some_and(|source| source.is::<InjectedFailure>()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
// Exhaustive on purpose: the wrapper injected the failure or the wrapped store failed; no third.
#[allow(clippy::exhaustive_enums)]
pub enum FailingStoreError<E> {
    /// The failure the wrapper was told to inject.
    Injected(InjectedFailure),
    /// The wrapped store's own error.
    Inner(E),
}

impl<E> fmt::Display for FailingStoreError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Injected(_) => f.write_str("the store was told to fail"),
            Self::Inner(_) => f.write_str("the wrapped store failed"),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for FailingStoreError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Injected(error) => Some(error),
            Self::Inner(error) => Some(error),
        }
    }
}

impl<S: Store> Store for FailingStore<S> {
    type Error = FailingStoreError<S::Error>;

    fn load(&self, user: &str) -> impl Future<Output = Result<Option<Record>, Self::Error>> + Send {
        let injected = self.check(&self.reads);
        async move {
            injected.map_err(FailingStoreError::Injected)?;
            self.inner.load(user).await.map_err(FailingStoreError::Inner)
        }
    }

    fn insert(&self, record: Record) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        let injected = self.check(&self.writes);
        async move {
            injected.map_err(FailingStoreError::Injected)?;
            self.inner.insert(record).await.map_err(FailingStoreError::Inner)
        }
    }

    fn compare_and_swap(
        &self,
        expected: u64,
        record: Record,
    ) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        let injected = self.check(&self.writes);
        async move {
            injected.map_err(FailingStoreError::Injected)?;
            self.inner
                .compare_and_swap(expected, record)
                .await
                .map_err(FailingStoreError::Inner)
        }
    }

    fn delete(&self, user: &str, expected: u64) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        let injected = self.check(&self.writes);
        async move {
            injected.map_err(FailingStoreError::Injected)?;
            self.inner
                .delete(user, expected)
                .await
                .map_err(FailingStoreError::Inner)
        }
    }
}
