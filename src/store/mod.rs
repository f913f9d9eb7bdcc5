//! Where records live: the [`Store`] trait, the bundled [`MemoryStore`], and (features
//! `sqlite`, `postgres` and `mysql`) [`SqliteStore`], [`PostgresStore`] and [`MySqlStore`];
//! the [`Record`] they keep.
//!
//! A store keeps one [`Record`] per user and offers four operations; the service does the rest.
//! The one guarantee that matters is in [`Store::compare_and_swap`]: a write succeeds only
//! against the version that was read, so of two requests that read the same record, one writes
//! and the other is told it lost and starts again from a fresh read. That is how a code, a
//! backup code or a login challenge is accepted exactly once across threads, processes and
//! machines.
//!
//! # Your own store
//!
//! An implementation for another database needs only the four operations, atomic each (a
//! fifth, [`Store::server_time`], has a default: a store on a database server should tell the
//! server's time, for [`TwoFactor::check_clock`](crate::TwoFactor::check_clock)). Keep a
//! record as its binary form, [`Record::encode`], beside its version (the compare-and-swap reads
//! it) and whatever you want to query ([`Record::is_enabled`], [`Record::epoch`]); the serde form
//! (feature `serde`) carries the same bytes, for document stores. This one is complete — a map
//! behind a mutex — and proves itself with the conformance kit (feature `testkit`), concurrency
//! included:
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::{Arc, Mutex};
//!
//! use twofactor::Store;
//! use twofactor::store::{Record, RecordError, Write};
//!
//! /// Rows of (version, encoded record), by user.
//! #[derive(Default)]
//! struct MapStore(Mutex<HashMap<String, (u64, Vec<u8>)>>);
//!
//! impl MapStore {
//!     fn rows(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Vec<u8>)>> {
//!         self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
//!     }
//! }
//!
//! impl Store for MapStore {
//!     /// A row that does not decode is an error, never "no record".
//!     type Error = RecordError;
//!
//!     async fn load(&self, user: &str) -> Result<Option<Record>, RecordError> {
//!         let row = self.rows().get(user).cloned();
//!         row.map(|(version, bytes)| Record::decode(user, version, &bytes)).transpose()
//!     }
//!
//!     async fn insert(&self, record: Record) -> Result<Write, RecordError> {
//!         let mut rows = self.rows();
//!         if rows.contains_key(record.user()) {
//!             return Ok(Write::Conflict);
//!         }
//!         rows.insert(record.user().to_owned(), (record.version(), record.encode().to_vec()));
//!         Ok(Write::Applied)
//!     }
//!
//!     async fn compare_and_swap(&self, expected: u64, record: Record) -> Result<Write, RecordError> {
//!         let mut rows = self.rows();
//!         match rows.get_mut(record.user()) {
//!             Some(row) if row.0 == expected => {
//!                 *row = (record.version(), record.encode().to_vec());
//!                 Ok(Write::Applied)
//!             }
//!             _ => Ok(Write::Conflict),
//!         }
//!     }
//!
//!     async fn delete(&self, user: &str, expected: u64) -> Result<Write, RecordError> {
//!         let mut rows = self.rows();
//!         match rows.get(user) {
//!             Some(row) if row.0 == expected => {
//!                 rows.remove(user);
//!                 Ok(Write::Applied)
//!             }
//!             _ => Ok(Write::Conflict),
//!         }
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
//! let store = Arc::new(MapStore::default());
//! # #[cfg(feature = "testkit")]
//! twofactor::testkit::run_conformance(vec![Arc::clone(&store), store]).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! (A real store hashes user ids with care: they are chosen by users. `Vec<u8>` above is not
//! zeroized; [`Record::encode`] returns a buffer that is.)
//!
//! # The SQL stores
//!
//! `SqliteStore`, `PostgresStore` and `MySqlStore` (on [`sqlx`] 0.8, re-exported here so
//! that the pool type is the one they take) keep one row per user in a table whose name you
//! choose (validated: lower-case ASCII, digits and `_`, at most 52 bytes), created by versioned
//! migrations recorded in `<table>_migrations` and applied once under concurrency (`migrate()`;
//! `open`/`connect` call it). A verification is one `SELECT` and one conditional `UPDATE … WHERE
//! user_id = ? AND version = ?`. Only `record` is read back; the other columns are written for
//! the application's own queries and reports.
//!
//! SQLite:
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS {table} (
//!     user_id TEXT NOT NULL PRIMARY KEY,
//!     version INTEGER NOT NULL CHECK (version >= 0),
//!     enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
//!     throttled_until INTEGER NULL,
//!     epoch INTEGER NOT NULL,
//!     record BLOB NOT NULL,
//!     updated_at INTEGER NOT NULL DEFAULT (unixepoch())
//! ) STRICT, WITHOUT ROWID
//! ```
//!
//! PostgreSQL:
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS {table} (
//!     user_id TEXT NOT NULL PRIMARY KEY,
//!     version BIGINT NOT NULL CHECK (version >= 0),
//!     enabled BOOLEAN NOT NULL,
//!     throttled_until BIGINT NULL,
//!     epoch BIGINT NOT NULL,
//!     record BYTEA NOT NULL,
//!     updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
//! )
//! ```
//!
//! MySQL:
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS {table} (
//!     user_id VARBINARY(1024) NOT NULL PRIMARY KEY,
//!     version BIGINT NOT NULL CHECK (version >= 0),
//!     enabled BOOLEAN NOT NULL CHECK (enabled IN (0, 1)),
//!     throttled_until BIGINT NULL,
//!     epoch BIGINT NOT NULL,
//!     record LONGBLOB NOT NULL,
//!     updated_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))
//! ) ENGINE = InnoDB
//! ```
//!
//! `throttled_until` holds `i64::MAX` for a locked user (a lock is `u64::MAX` in the record).
//! The MySQL schema is MariaDB's too; its `user_id` is binary so that user ids compare byte for
//! byte, whatever the server's collation.

mod list;
#[cfg(feature = "std")]
mod memory;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(crate) mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use list::ListUsers;
#[cfg(feature = "std")]
pub use memory::MemoryStore;
#[cfg(feature = "mysql")]
pub use mysql::MySqlStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use sql::SqlStoreError;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

#[cfg(feature = "serde")]
pub use crate::record::{DangerPlainSecrets, danger_plain_secrets};
pub use crate::record::{Record, RecordError};
/// The `sqlx` the SQL stores are built on (0.8): build their pools with this one, so that an
/// application that depends on another `sqlx` release still hands the stores the type they take.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
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

    /// The current time by the store's own clock — the database server's — in Unix seconds
    /// (UTC, whatever the server's time zone), or `None` for a store that has no clock of its
    /// own (it runs in the application's process, like [`MemoryStore`], or its database does
    /// not tell the time).
    ///
    /// [`TwoFactor::check_clock`](crate::TwoFactor::check_clock) compares it with the service's
    /// clock: a second opinion on the time from another machine (OWASP ASVS 5.0 6.5.8). The
    /// default is `Ok(None)`, so a store written before this method existed keeps compiling and
    /// simply has nothing to compare with; a store on a database server should answer with one
    /// cheap query (`SELECT unixepoch()`, `extract(epoch from clock_timestamp())`,
    /// `UNIX_TIMESTAMP()`). Whole seconds are enough: the comparison is to the second.
    fn server_time(&self) -> impl Future<Output = Result<Option<u64>, Self::Error>> + Send {
        core::future::ready(Ok(None))
    }
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

    fn server_time(&self) -> impl Future<Output = Result<Option<u64>, Self::Error>> + Send {
        (**self).server_time()
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

    fn server_time(&self) -> impl Future<Output = Result<Option<u64>, Self::Error>> + Send {
        (**self).server_time()
    }
}
