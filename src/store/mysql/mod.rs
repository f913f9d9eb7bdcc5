//! [`MySqlStore`]: records in MySQL or MariaDB, shared by every instance of the application.

mod schema;

use sqlx::mysql::{MySqlPool, MySqlPoolOptions};

use super::sql::{self, SqlStoreError, Table};

/// A [`Store`](crate::Store) in MySQL or MariaDB (InnoDB): for applications that run several
/// instances behind a load balancer on a MySQL database, where two instances may receive the
/// same code at the same moment.
///
/// Each user is one row of a table whose name the application chooses, in the connection's
/// database, so that the records can live beside the application's other tables.
///
/// A verification is one `SELECT` and one conditional `UPDATE … WHERE user_id = ? AND version
/// = ?`, each its own autocommit transaction, whose count of changed rows decides whether it
/// was applied. InnoDB's `UPDATE` reads the latest committed row and locks it, whatever the
/// isolation level (`READ COMMITTED` or `REPEATABLE READ`, the default; the plain `SELECT`
/// reads a snapshot taken for that statement alone): of any number of instances that read the
/// same version, exactly one changes the row and the others change none, and learn that they
/// lost. No transaction is held open between the read and the write.
///
/// MySQL answers some races with an error rather than a count: a deadlock (1213), a lock wait
/// that timed out (1205), a duplicate key on insert (1062). The server has rolled the statement
/// back, so each of these is [`Write::Conflict`](crate::store::Write): the service reads the
/// record again and decides again. The count of changed rows is exact
/// with or without `CLIENT_FOUND_ROWS` on the connection: a compare-and-swap always changes the
/// `version` of the row it matches.
///
/// # Schema
///
/// ```sql
/// CREATE TABLE `<table>` (
///     user_id VARBINARY(1024) NOT NULL PRIMARY KEY,                 -- Record::user, byte for byte
///     version BIGINT NOT NULL CHECK (version >= 0),                 -- Record::version, compared by every write
///     enabled BOOLEAN NOT NULL CHECK (enabled IN (0, 1)),           -- Record::is_enabled
///     throttled_until BIGINT NULL,                                  -- Record::throttled_until, Unix seconds (2^63 - 1: locked)
///     epoch BIGINT NOT NULL,                                        -- Record::epoch
///     record LONGBLOB NOT NULL,                                     -- Record::encode: the whole record
///     updated_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))    -- the last write, UTC
/// ) ENGINE = InnoDB;
/// ```
///
/// `user_id` is binary, so that user ids are compared byte for byte: under a collation
/// `alice`, `Alice` and `alice ` would be one key. A user id longer than
/// [`Record::MAX_USER_LEN`](crate::store::Record::MAX_USER_LEN) bytes (what the service
/// accepts) is [`SqlStoreError::OutOfRange`], never cut short. `record` is what the store
/// reads back, with `version`; `enabled`, `throttled_until` and `epoch` are copies written from
/// the record on every write, for operators to query (`SELECT count(*) FROM two_factor WHERE
/// enabled`), and never read by the store: editing them by hand changes nothing. `record`
/// holds the user's secrets: grant access to the table as you would to the secrets.
///
/// # Migrations
///
/// [`migrate`](Self::migrate) creates the table. Because the table's name is chosen at run
/// time, the schema cannot be a set of fixed SQL files (as `sqlx::migrate!` expects): it is an
/// ordered list of versioned steps compiled into the crate, and the steps applied to a table
/// are recorded in a second table, `<table>_migrations` (`version`, `description`,
/// `applied_at`). `migrate` applies the missing steps under a named lock (`GET_LOCK`, keyed on
/// the database and the table), so every instance can run it at start: the first one creates
/// the table, the others wait, then find nothing to do. MySQL commits each DDL statement on its
/// own, so the steps are idempotent (`IF NOT EXISTS`): one interrupted midway is completed by
/// the next run.
///
/// # Connections
///
/// The store sends plain statements with bound parameters (prepared once per connection and
/// cached), and holds no transaction or lock between them. The connections must be in
/// autocommit mode, the server's default (a pool whose connections set `autocommit = 0` would
/// leave every write uncommitted). The isolation level is the application's: `READ COMMITTED`
/// and `REPEATABLE READ` are both correct. TLS is configured on the pool: enable one of
/// `sqlx`'s `tls-*` features in the application and set `ssl-mode` in the URL.
///
/// Tested with MariaDB 10.11.
///
/// # Example
///
/// ```no_run
/// use twofactor::{MySqlStore, Store};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MySqlStore::connect("mysql://app@db.internal/app", "two_factor").await?;
/// assert_eq!(store.load("alice").await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MySqlStore {
    pool: MySqlPool,
    table: Table,
}

impl MySqlStore {
    /// The longest accepted table name, in bytes (the same for every SQL store; MySQL's
    /// identifiers hold 64, and the migrations table's name is 11 longer).
    pub const MAX_TABLE_NAME_LEN: usize = sql::MAX_TABLE_NAME_LEN;

    /// The size of [`connect`](Self::connect)'s connection pool.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

    /// Connects a pool of up to [`DEFAULT_MAX_CONNECTIONS`](Self::DEFAULT_MAX_CONNECTIONS)
    /// connections to the server at `url` (`mysql://user:password@host:port/database?…`) and
    /// [migrates](Self::migrate) `table`.
    ///
    /// # Errors
    /// [`SqlStoreError::InvalidTableName`] before anything is sent; [`SqlStoreError::Database`]
    /// if the URL is not valid, the server cannot be reached or refuses the login, or the
    /// migration fails.
    pub async fn connect(url: &str, table: &str) -> Result<Self, SqlStoreError> {
        let table = Table::new(table, schema::DIALECT)?;
        let pool = MySqlPoolOptions::new()
            .max_connections(Self::DEFAULT_MAX_CONNECTIONS)
            .connect(url)
            .await?;
        let store = Self { pool, table };
        store.migrate().await?;
        Ok(store)
    }

    /// A store on the application's own pool, in `table`. Nothing is sent to the database:
    /// call [`migrate`](Self::migrate) before the first use.
    ///
    /// ```no_run
    /// use sqlx::mysql::MySqlPoolOptions;
    /// use twofactor::MySqlStore;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = MySqlPoolOptions::new()
    ///     .max_connections(32)
    ///     .connect("mysql://app@db.internal/app")
    ///     .await?;
    /// let store = MySqlStore::new(pool, "two_factor")?;
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`SqlStoreError::InvalidTableName`].
    pub fn new(pool: MySqlPool, table: &str) -> Result<Self, SqlStoreError> {
        Ok(Self {
            pool,
            table: Table::new(table, schema::DIALECT)?,
        })
    }

    /// Creates the table, or brings it up to this version's schema; does nothing if it is
    /// already there. See [Migrations](#migrations).
    ///
    /// # Errors
    /// [`SqlStoreError::Database`]: the server cannot be reached, no database is selected, or
    /// the user may not create tables. A table of that name that exists already is left as it
    /// is, whatever its shape: the store's statements then fail on it.
    pub async fn migrate(&self) -> Result<(), SqlStoreError> {
        schema::migrate(&self.pool, &self.table).await
    }
}

sql::impl_store!(MySqlStore, MySqlPool, schema::written);
