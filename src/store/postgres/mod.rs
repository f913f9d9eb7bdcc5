//! [`PostgresStore`]: records in PostgreSQL, shared by every instance of the application.

mod schema;

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::sql::{self, SqlStoreError, Table};

/// A [`Store`](crate::Store) in PostgreSQL: for applications that run several instances behind
/// a load balancer, where two instances may receive the same code at the same moment.
///
/// Each user is one row of a table whose name the application chooses, so that the records
/// can live in the application's own database beside its other tables (the table is created
/// in the connection's `search_path`, normally `public`; choose another schema with the
/// connection's `options=-c search_path=…` or the role's default).
///
/// A verification is one `SELECT` and one conditional `UPDATE … WHERE user_id = $6 AND
/// version = $7`, whose count of changed rows decides whether it was applied. Under PostgreSQL's
/// default isolation (read committed), an `UPDATE` that meets a row being changed by another
/// transaction waits for it, then evaluates its `WHERE` again on the new row: of any number of
/// instances that read the same version, exactly one changes the row and the others change
/// none, and learn that they lost. Under a default of repeatable read or serializable, the
/// losers' `UPDATE` is rolled back with SQLSTATE 40001 (serialization failure) instead, and
/// crossing writes may end in 40P01 (deadlock detected): both are the same lost race, a
/// conflict the service retries, never an error or an acceptance (the conformance kit passes
/// on databases whose default isolation is each of the three). No transaction is held open
/// between the read and the write.
///
/// # Schema
///
/// ```sql
/// CREATE TABLE "<table>" (
///     user_id TEXT NOT NULL PRIMARY KEY,                  -- Record::user
///     version BIGINT NOT NULL CHECK (version >= 0),       -- Record::version, compared by every write
///     enabled BOOLEAN NOT NULL,                           -- Record::is_enabled
///     throttled_until BIGINT NULL,                        -- Record::throttled_until, Unix seconds (2^63 - 1: locked)
///     epoch BIGINT NOT NULL,                              -- Record::epoch
///     record BYTEA NOT NULL,                              -- Record::encode: the whole record
///     updated_at TIMESTAMPTZ NOT NULL DEFAULT now()       -- the last write
/// );
/// ```
///
/// `record` is what the store reads back, with `version`; `enabled`, `throttled_until` and
/// `epoch` are copies written from the record on every write, for operators to query
/// (`SELECT count(*) FROM two_factor WHERE enabled`), and never read by the store: editing them
/// by hand changes nothing. `record` holds the user's secrets: grant access to the table as
/// you would to the secrets.
///
/// # Migrations
///
/// [`migrate`](Self::migrate) creates the table. Because the table's name is chosen at run
/// time, the schema cannot be a set of fixed SQL files (as `sqlx::migrate!` expects): it is an
/// ordered list of versioned steps compiled into the crate, and the steps applied to a table
/// are recorded in a second table, `<table>_migrations` (`version`, `description`,
/// `applied_at`). `migrate` applies the missing steps in one transaction under an advisory
/// lock, so every instance can run it at start: the first one creates the table, the others
/// find nothing to do.
///
/// # Connections
///
/// The store sends plain statements with bound parameters (prepared once per connection and
/// cached), and holds no transaction or lock between them, so a transaction-mode connection
/// pooler in front of the server works. TLS is configured on the pool: enable one of `sqlx`'s
/// `tls-*` features in the application and set `sslmode` in the URL.
///
/// # Example
///
/// ```no_run
/// use twofactor::{PostgresStore, Store};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://app@db.internal/app", "two_factor").await?;
/// assert_eq!(store.load("alice").await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    table: Table,
}

impl PostgresStore {
    /// The longest accepted table name, in bytes: PostgreSQL's identifiers hold 63, and the
    /// migrations table's name is 11 longer.
    pub const MAX_TABLE_NAME_LEN: usize = sql::MAX_TABLE_NAME_LEN;

    /// The size of [`connect`](Self::connect)'s connection pool.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

    /// Connects a pool of up to [`DEFAULT_MAX_CONNECTIONS`](Self::DEFAULT_MAX_CONNECTIONS)
    /// connections to the server at `url` (`postgres://user:password@host:port/database?…`) and
    /// [migrates](Self::migrate) `table`.
    ///
    /// # Errors
    /// [`SqlStoreError::InvalidTableName`] before anything is sent; [`SqlStoreError::Database`]
    /// if the URL is not valid, the server cannot be reached or refuses the login, or the
    /// migration fails.
    pub async fn connect(url: &str, table: &str) -> Result<Self, SqlStoreError> {
        let table = Table::new(table, schema::DIALECT)?;
        let pool = PgPoolOptions::new()
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
    /// use sqlx::postgres::PgPoolOptions;
    /// use twofactor::PostgresStore;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = PgPoolOptions::new()
    ///     .max_connections(32)
    ///     .connect("postgres://app@db.internal/app")
    ///     .await?;
    /// let store = PostgresStore::new(pool, "two_factor")?;
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`SqlStoreError::InvalidTableName`].
    pub fn new(pool: PgPool, table: &str) -> Result<Self, SqlStoreError> {
        Ok(Self {
            pool,
            table: Table::new(table, schema::DIALECT)?,
        })
    }

    /// Creates the table, or brings it up to this version's schema; does nothing if it is
    /// already there. See [Migrations](#migrations).
    ///
    /// # Errors
    /// [`SqlStoreError::Database`]: the server cannot be reached or the role may not create
    /// tables. A table of that name that exists already is left as it is, whatever its shape:
    /// the store's statements then fail on it.
    pub async fn migrate(&self) -> Result<(), SqlStoreError> {
        schema::migrate(&self.pool, &self.table).await
    }
}

sql::impl_store!(PostgresStore, PgPool, schema::written);
