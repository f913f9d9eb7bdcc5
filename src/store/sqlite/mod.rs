//! [`SqliteStore`]: records in an SQLite database file.

mod schema;

use core::time::Duration;
use std::path::Path;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::sql::{self, SqlStoreError, Table};

/// A [`Store`](crate::Store) in an SQLite database: the embedded default, with nothing to install (SQLite is
/// compiled into the crate) and nothing to run beside the application.
///
/// Each user is one row of a table whose name the application chooses, so that the records
/// can live in the application's own database file beside its other tables. The columns are
/// described [below](#schema).
///
/// A verification is one `SELECT` and one conditional `UPDATE … WHERE user_id = $6 AND
/// version = $7`, whose count of changed rows decides whether it was applied: SQLite runs each
/// statement under the database's write lock, so of any number of writers that read the same
/// version — in this process or another one that opened the same file — exactly one succeeds.
///
/// # Schema
///
/// ```sql
/// CREATE TABLE "<table>" (
///     user_id TEXT NOT NULL PRIMARY KEY,                      -- Record::user
///     version INTEGER NOT NULL CHECK (version >= 0),          -- Record::version, compared by every write
///     enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),     -- Record::is_enabled
///     throttled_until INTEGER NULL,                           -- Record::throttled_until, Unix seconds (2^63 - 1: locked)
///     epoch INTEGER NOT NULL,                                 -- Record::epoch
///     record BLOB NOT NULL,                                   -- Record::encode: the whole record
///     updated_at INTEGER NOT NULL DEFAULT (unixepoch())       -- Unix seconds of the last write
/// ) STRICT, WITHOUT ROWID;
/// ```
///
/// `record` is what the store reads back, with `version`; `enabled`, `throttled_until` and
/// `epoch` are copies written from the record on every write, for operators to query, and
/// never read by the store: editing them by hand changes nothing. `record` holds the user's
/// secrets: protect the database file as you would the secrets.
///
/// # Migrations
///
/// [`migrate`](Self::migrate) creates the table. Because the table's name is chosen at run
/// time, the schema cannot be a set of fixed SQL files (as `sqlx::migrate!` expects): it is an
/// ordered list of versioned steps compiled into the crate, and the steps applied to a table
/// are recorded in a second table, `<table>_migrations` (`version`, `description`,
/// `applied_at`). `migrate` applies the missing steps in one transaction; run it at every
/// start, a second run does nothing.
///
/// # Concurrency
///
/// [`open`](Self::open) turns on write-ahead logging (readers never wait for the writer, and
/// the writer never waits for readers), waits up to [`BUSY_TIMEOUT`](Self::BUSY_TIMEOUT) for
/// the write lock instead of failing at once, keeps `synchronous = FULL` (a write that was
/// applied survives a power cut), and pools up to
/// [`DEFAULT_MAX_CONNECTIONS`](Self::DEFAULT_MAX_CONNECTIONS) connections. Writes to one
/// database are serialised by SQLite, whatever the number of connections.
///
/// An in-memory database (`sqlite::memory:`) is private to the connection that opened it: use
/// one with a pool of exactly one connection, or use [`MemoryStore`](crate::MemoryStore).
///
/// # Example
///
/// ```
/// use twofactor::store::{Record, Write};
/// use twofactor::{SqliteStore, Store};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// # let dir = std::env::temp_dir().join(format!("twofactor-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("app.db");
/// let store = SqliteStore::open(&path, "two_factor").await?; // creates the file and the table
///
/// let record = Record::decode("alice", 1, &Record::new("alice").encode())?;
/// assert_eq!(store.insert(record.clone()).await?, Write::Applied);
/// assert_eq!(store.load("alice").await?, Some(record));
/// # store.pool().close().await;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    table: Table,
}

impl SqliteStore {
    /// The longest accepted table name, in bytes.
    pub const MAX_TABLE_NAME_LEN: usize = sql::MAX_TABLE_NAME_LEN;

    /// How long [`open`](Self::open)'s connections wait for the database's write lock before
    /// an operation fails with [`SqlStoreError::Database`].
    pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

    /// The size of [`open`](Self::open)'s connection pool.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;

    /// Opens (creating it if missing) the database file at `path`, with the settings described
    /// under [Concurrency](#concurrency), and [migrates](Self::migrate) `table`.
    ///
    /// Opening one file twice (two stores, as two processes would) is supported: the two pools
    /// share the file's locks.
    ///
    /// # Errors
    /// [`SqlStoreError::InvalidTableName`] before anything is opened;
    /// [`SqlStoreError::Database`] if the file cannot be opened or created, or the migration
    /// fails.
    pub async fn open(path: impl AsRef<Path>, table: &str) -> Result<Self, SqlStoreError> {
        let table = Table::new(table, schema::DIALECT)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(Self::DEFAULT_MAX_CONNECTIONS)
            .connect_with(Self::connect_options(path))
            .await?;
        let store = Self { pool, table };
        store.migrate().await?;
        Ok(store)
    }

    /// The connection settings [`open`](Self::open) uses for the file at `path`, for an
    /// application that builds its own pool (a different size, more settings) and hands it to
    /// [`new`](Self::new).
    #[must_use]
    pub fn connect_options(path: impl AsRef<Path>) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Self::BUSY_TIMEOUT)
    }

    /// A store on the application's own pool, in `table`. Nothing is sent to the database:
    /// call [`migrate`](Self::migrate) before the first use.
    ///
    /// The pool's connections should have a busy timeout (as [`connect_options`](Self::connect_options)
    /// sets): without one, a write that meets another one fails at once instead of waiting.
    ///
    /// ```
    /// use sqlx::sqlite::SqlitePoolOptions;
    /// use twofactor::{SqliteStore, Store};
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// // An in-memory database lives as long as its one connection: a pool of exactly one.
    /// let pool = SqlitePoolOptions::new()
    ///     .max_connections(1)
    ///     .min_connections(1)
    ///     .idle_timeout(None)
    ///     .max_lifetime(None)
    ///     .connect("sqlite::memory:")
    ///     .await?;
    /// let store = SqliteStore::new(pool, "two_factor")?;
    /// store.migrate().await?;
    /// assert_eq!(store.load("alice").await?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SqlStoreError::InvalidTableName`].
    pub fn new(pool: SqlitePool, table: &str) -> Result<Self, SqlStoreError> {
        Ok(Self {
            pool,
            table: Table::new(table, schema::DIALECT)?,
        })
    }

    /// Creates the table, or brings it up to this version's schema; does nothing if it is
    /// already there. See [Migrations](#migrations).
    ///
    /// # Errors
    /// [`SqlStoreError::Database`]: the database is read-only or locked beyond the busy
    /// timeout. A table of that name that exists already is left as it is, whatever its shape:
    /// the store's statements then fail on it.
    pub async fn migrate(&self) -> Result<(), SqlStoreError> {
        schema::migrate(&self.pool, &self.table).await
    }
}

sql::impl_store!(SqliteStore, SqlitePool, sql::written);
