//! Where records live: the [`Store`] trait, the bundled [`MemoryStore`], and (features
//! `sqlite` and `postgres`) `SqliteStore` and `PostgresStore`.
//!
//! A store keeps one [`Record`] per user and offers four operations; the service does the rest.
//! The one guarantee that matters is in [`Store::compare_and_swap`]: a write succeeds only
//! against the version that was read, so of two requests that read the same record, one writes
//! and the other is told it lost and starts again from a fresh read. That is how a code, a
//! backup code or a login challenge is accepted exactly once across threads, processes and
//! machines.
//!
//! An implementation for another database needs only these four operations, atomic each. The
//! conformance kit (feature `testkit`) proves an implementation through the service, concurrency
//! included.

#[cfg(feature = "std")]
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "std")]
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::SqlStoreError;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

#[cfg(feature = "serde")]
pub use crate::record::{DangerPlainSecrets, danger_plain_secrets};
pub use crate::record::{Record, RecordError};
/// The `sqlx` the SQL stores are built on (0.8): build their pools with this one, so that an
/// application that depends on another `sqlx` release still hands the stores the type they take.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;

use core::future::Future;

/// What a conditional write did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub enum Write {
    /// The record was written.
    Applied,
    /// Nothing was written: the record exists already (insert), or its version is not the one
    /// expected (compare-and-swap, delete), or it does not exist (compare-and-swap, delete).
    Conflict,
}

/// Storage of one [`Record`] per user, with compare-and-swap on the record's version.
///
/// Every method is one atomic operation. Errors are the store's own (connection lost, a row that
/// does not decode as a [`Record`]), kept whole as the `source()` of the service's error; the
/// service treats any error as a denial.
///
/// A record's version is [`Record::version`]: `insert` writes a record at version 1, and each
/// `compare_and_swap` writes a record whose version is one more than the version it replaces.
/// The record to write is given by value: a store that keeps records as they are (like
/// [`MemoryStore`]) keeps it without a copy; one that encodes it borrows it.
pub trait Store: Send + Sync {
    /// The store's error.
    type Error: core::error::Error + Send + Sync + 'static;

    /// The record of `user`, or `None` if there is none.
    fn load(&self, user: &str) -> impl Future<Output = Result<Option<Record>, Self::Error>> + Send;

    /// Writes a new record; [`Write::Conflict`] if the user has one already.
    fn insert(&self, record: Record) -> impl Future<Output = Result<Write, Self::Error>> + Send;

    /// Replaces the record of `record.user()` if its stored version is `expected`;
    /// [`Write::Conflict`] otherwise (another write came first, or the record is gone).
    fn compare_and_swap(
        &self,
        expected: u64,
        record: Record,
    ) -> impl Future<Output = Result<Write, Self::Error>> + Send;

    /// Deletes the record of `user` if its stored version is `expected`.
    fn delete(&self, user: &str, expected: u64) -> impl Future<Output = Result<Write, Self::Error>> + Send;
}

/// A borrowed store is a store: a service can borrow one that the application owns.
impl<S: Store + ?Sized> Store for &S {
    type Error = S::Error;

    fn load(&self, user: &str) -> impl Future<Output = Result<Option<Record>, Self::Error>> + Send {
        (**self).load(user)
    }

    fn insert(&self, record: Record) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        (**self).insert(record)
    }

    fn compare_and_swap(
        &self,
        expected: u64,
        record: Record,
    ) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        (**self).compare_and_swap(expected, record)
    }

    fn delete(&self, user: &str, expected: u64) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        (**self).delete(user, expected)
    }
}

/// A shared store is a store: the service can hold an `Arc` of one that the application also
/// uses.
impl<S: Store + ?Sized> Store for alloc::sync::Arc<S> {
    type Error = S::Error;

    fn load(&self, user: &str) -> impl Future<Output = Result<Option<Record>, Self::Error>> + Send {
        (**self).load(user)
    }

    fn insert(&self, record: Record) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        (**self).insert(record)
    }

    fn compare_and_swap(
        &self,
        expected: u64,
        record: Record,
    ) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        (**self).compare_and_swap(expected, record)
    }

    fn delete(&self, user: &str, expected: u64) -> impl Future<Output = Result<Write, Self::Error>> + Send {
        (**self).delete(user, expected)
    }
}
