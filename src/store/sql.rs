//! What [`SqliteStore`](crate::SqliteStore) and [`PostgresStore`](crate::PostgresStore) share:
//! the table name, the error, the statements, the mapping between a [`Record`] and a row, and
//! the shape of the migrations.
//!
//! Both stores keep one row per user in a table whose name the application chooses:
//!
//! | column | type (PostgreSQL / SQLite) | what it holds |
//! | --- | --- | --- |
//! | `user_id` | `TEXT` primary key | [`Record::user`] |
//! | `version` | `BIGINT` / `INTEGER`, not null, ≥ 0 | [`Record::version`]: what compare-and-swap compares |
//! | `enabled` | `BOOLEAN` / `INTEGER` 0 or 1, not null | [`Record::is_enabled`] |
//! | `throttled_until` | `BIGINT` / `INTEGER`, null if none | [`Record::throttled_until`], Unix seconds; 2⁶³ − 1 for a lock |
//! | `epoch` | `BIGINT` / `INTEGER`, not null | [`Record::epoch`] |
//! | `record` | `BYTEA` / `BLOB`, not null | [`Record::encode`]: everything else, compact and versioned |
//! | `updated_at` | `TIMESTAMPTZ` / `INTEGER` Unix seconds, not null | the database's clock at the last write |
//!
//! The `record` column is the record; `version` is the other half that a read needs. The other
//! columns are a projection written from the record on every write, for operators to query
//! ("who has the second factor enabled", "who is locked out now", "whose epoch moved"): the
//! stores never read them back, so editing one by hand changes nothing the service sees. To
//! change a user's state, go through the service. The `record` column holds the user's secrets
//! as the record holds them: protect the table as you would the secrets.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use sqlx::query::Query;
use sqlx::{Database, Decode, Encode, Executor, FromRow, IntoArguments, Transaction, Type};
use zeroize::Zeroizing;

use super::Write;
use crate::record::{Record, RecordError};

/// An error of [`SqliteStore`](crate::SqliteStore) or [`PostgresStore`](crate::PostgresStore).
///
/// The service treats every one of them as a denial. [`SqlStoreError::Corrupt`] in particular
/// is a row that exists but does not decode: never "not enrolled".
///
/// | variant | `Display` |
/// | --- | --- |
/// | `InvalidTableName` | `invalid table name {name:?}: expected 1 to 52 characters of a-z, 0-9 and _, not starting with a digit` |
/// | `OutOfRange` | `` a value does not fit column `{column}` `` |
/// | `Corrupt` | `the stored record of user {user:?} does not decode`; the [`RecordError`] is the source |
/// | `Database` | `the database failed`; the driver's error is the source |
#[derive(Debug)]
#[non_exhaustive]
pub enum SqlStoreError {
    /// The table name is not an SQL identifier of the accepted form: 1 to 52 characters of
    /// `a`–`z`, `0`–`9` and `_`, not starting with a digit (52 so that the migrations table,
    /// `<table>_migrations`, fits PostgreSQL's 63-byte identifiers).
    InvalidTableName {
        /// The name given.
        name: String,
    },
    /// The record's version or epoch does not fit its `BIGINT` column (at most 2⁶³ − 1);
    /// nothing was written. Both count writes from 0, so this does not happen in practice.
    OutOfRange {
        /// The column.
        column: &'static str,
    },
    /// The row of `user` exists but is not a record: its bytes are damaged, or written by a
    /// newer format this build does not read, or its version is negative.
    Corrupt {
        /// The user whose row it is.
        user: String,
        /// What is wrong with it.
        error: RecordError,
    },
    /// The database failed: connection, I/O, SQL, a constraint, a pool timeout. The database
    /// driver's error is the [`source`](core::error::Error::source); it can be downcast to
    /// `sqlx::Error`.
    Database(Box<dyn core::error::Error + Send + Sync + 'static>),
}

impl fmt::Display for SqlStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidTableName { name } => write!(
                f,
                "invalid table name {name:?}: expected 1 to {MAX_TABLE_NAME_LEN} characters of a-z, 0-9 \
                 and _, not starting with a digit"
            ),
            Self::OutOfRange { column } => write!(f, "a value does not fit column `{column}`"),
            Self::Corrupt { user, .. } => write!(f, "the stored record of user {user:?} does not decode"),
            Self::Database(_) => f.write_str("the database failed"),
        }
    }
}

impl core::error::Error for SqlStoreError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Corrupt { error, .. } => Some(error),
            Self::Database(error) => Some(&**error),
            Self::InvalidTableName { .. } | Self::OutOfRange { .. } => None,
        }
    }
}

impl From<sqlx::Error> for SqlStoreError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(Box::new(error))
    }
}

/// The longest table name: PostgreSQL keeps identifiers of at most 63 bytes and silently cuts
/// longer ones, and the migrations table is named `<table>_migrations` (11 bytes more).
pub(crate) const MAX_TABLE_NAME_LEN: usize = 63 - MIGRATIONS_SUFFIX.len();

const MIGRATIONS_SUFFIX: &str = "_migrations";

/// A validated table name and the statements a store runs on it, rendered once.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    name: String,
    pub(crate) load: String,
    pub(crate) insert: String,
    pub(crate) compare_and_swap: String,
    pub(crate) delete: String,
}

impl Table {
    /// Validates `name` and renders the four statements; `now` is the dialect's expression for
    /// the current time as `updated_at` holds it. Parameters are `$1`, `$2`…, which both
    /// PostgreSQL and SQLite read.
    pub(crate) fn new(name: &str, now: &str) -> Result<Self, SqlStoreError> {
        let valid = !name.is_empty()
            && name.len() <= MAX_TABLE_NAME_LEN
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'));
        if !valid {
            return Err(SqlStoreError::InvalidTableName { name: name.into() });
        }
        // The name is quoted although validation leaves nothing to escape: a name that is a
        // reserved word (`user`, `order`) then works too.
        let t = format!("\"{name}\"");
        Ok(Self {
            name: name.into(),
            load: format!("SELECT version, record FROM {t} WHERE user_id = $1"),
            insert: format!(
                "INSERT INTO {t} (user_id, version, enabled, throttled_until, epoch, record, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, {now}) ON CONFLICT (user_id) DO NOTHING"
            ),
            compare_and_swap: format!(
                "UPDATE {t} SET version = $2, enabled = $3, throttled_until = $4, epoch = $5, record = $6, \
                 updated_at = {now} WHERE user_id = $1 AND version = $7"
            ),
            delete: format!("DELETE FROM {t} WHERE user_id = $1 AND version = $2"),
        })
    }

    /// The table's name as given (unquoted).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Replaces `{table}` and `{migrations}` in a DDL template with the quoted names.
    pub(crate) fn render(&self, template: &str) -> String {
        template
            .replace("{table}", &format!("\"{}\"", self.name))
            .replace("{migrations}", &format!("\"{}{MIGRATIONS_SUFFIX}\"", self.name))
    }
}

/// The columns of a row, computed from a record before anything is sent.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    pub(crate) user: &'a str,
    pub(crate) version: i64,
    pub(crate) enabled: bool,
    pub(crate) throttled_until: Option<i64>,
    pub(crate) epoch: i64,
    pub(crate) record: Zeroizing<Vec<u8>>,
}

impl<'a> Row<'a> {
    pub(crate) fn new(record: &'a Record) -> Result<Self, SqlStoreError> {
        Ok(Self {
            user: record.user(),
            version: to_bigint(record.version(), "version")?,
            enabled: record.is_enabled(),
            // A hard lock is `u64::MAX` ("until unlocked"), and a long back-off can pass
            // 2⁶³ − 1 too: both read as the largest `BIGINT`, which is just as far away.
            throttled_until: record
                .throttled_until()
                .map(|until| i64::try_from(until).unwrap_or(i64::MAX)),
            epoch: to_bigint(record.epoch(), "epoch")?,
            record: record.encode(),
        })
    }
}

/// `value` as a `BIGINT`, or [`SqlStoreError::OutOfRange`].
pub(crate) fn to_bigint(value: u64, column: &'static str) -> Result<i64, SqlStoreError> {
    i64::try_from(value).map_err(|_| SqlStoreError::OutOfRange { column })
}

/// The record in the row of `user`: `version` and `bytes` as read. A negative version or bytes
/// that do not decode are [`SqlStoreError::Corrupt`].
pub(crate) fn decode(user: &str, version: i64, bytes: &[u8]) -> Result<Record, SqlStoreError> {
    let corrupt = |error| SqlStoreError::Corrupt {
        user: user.into(),
        error,
    };
    let version = u64::try_from(version).map_err(|_| corrupt(RecordError::Invalid { field: "version" }))?;
    Record::decode(user, version, bytes).map_err(corrupt)
}

/// What a conditional statement did, from the number of rows it changed: the database decided
/// atomically, so nothing is read back.
pub(crate) const fn outcome(rows_affected: u64) -> Write {
    match rows_affected {
        0 => Write::Conflict,
        _ => Write::Applied,
    }
}

/// One versioned schema change. A step is applied once per table, in order, inside one
/// transaction with the row that records it; its statements are idempotent (`IF NOT EXISTS`) so
/// that a table created by hand, or a lost migrations row, does no harm.
#[derive(Debug)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) description: &'static str,
    /// DDL templates: `{table}` and `{migrations}` are replaced by the quoted names.
    pub(crate) statements: &'static [&'static str],
}

/// Applies the steps of `migrations` that the migrations table does not list, inside `tx`,
/// which the caller has begun (holding whatever lock its database needs) and commits. Each
/// step's row is written in the same transaction as its statements.
pub(crate) async fn apply_migrations<DB>(
    tx: &mut Transaction<'_, DB>,
    table: &Table,
    migrations_table: &str,
    migrations: &[Migration],
) -> Result<(), SqlStoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query(&table.render(migrations_table))
        .execute(&mut **tx)
        .await?;
    let applied: Vec<i64> = sqlx::query_scalar(&table.render("SELECT version FROM {migrations}"))
        .fetch_all(&mut **tx)
        .await?;
    for migration in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        for statement in migration.statements {
            sqlx::query(&table.render(statement)).execute(&mut **tx).await?;
        }
        sqlx::query(&table.render("INSERT INTO {migrations} (version, description) VALUES ($1, $2)"))
            .bind(migration.version)
            .bind(migration.description)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Binds the columns of `row` as `$1` to `$6`, in the order of [`Table`]'s `insert` and
/// `compare_and_swap` statements.
pub(crate) fn bind_row<'q, DB: Database>(
    query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    row: &'q Row<'_>,
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    &'q [u8]: Encode<'q, DB> + Type<DB>,
{
    query
        .bind(row.user)
        .bind(row.version)
        .bind(row.enabled)
        .bind(row.throttled_until)
        .bind(row.epoch)
        .bind(&row.record[..])
}

/// `impl Store` for a store type with fields `pool` (an `sqlx` pool of type `$pool`) and `table`
/// (a [`Table`]): the same four statements on either database, written once; and the two
/// accessors. A macro rather than a generic
/// type, so that each store stays a plain public type of its own with its own constructors and
/// documentation, and rather than generic functions, whose `sqlx` bounds (executor, argument,
/// encode and decode traits for each type bound) would outweigh the code they share.
macro_rules! impl_store {
    ($store:ty, $pool:ty) => {
        impl $store {
            /// The table's name.
            #[must_use]
            pub fn table(&self) -> &str {
                self.table.name()
            }

            /// The connection pool, shared with the application.
            #[must_use]
            pub const fn pool(&self) -> &$pool {
                &self.pool
            }
        }

        impl $crate::store::Store for $store {
            type Error = $crate::store::sql::SqlStoreError;

            async fn load(&self, user: &str) -> Result<Option<$crate::record::Record>, Self::Error> {
                use sqlx::Row as _;
                let row = sqlx::query(&self.table.load)
                    .bind(user)
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    None => Ok(None),
                    Some(row) => $crate::store::sql::decode(user, row.try_get(0)?, row.try_get(1)?).map(Some),
                }
            }

            async fn insert(
                &self,
                record: $crate::record::Record,
            ) -> Result<$crate::store::Write, Self::Error> {
                let row = $crate::store::sql::Row::new(&record)?;
                let done = $crate::store::sql::bind_row(sqlx::query(&self.table.insert), &row)
                    .execute(&self.pool)
                    .await?;
                Ok($crate::store::sql::outcome(done.rows_affected()))
            }

            async fn compare_and_swap(
                &self,
                expected: u64,
                record: $crate::record::Record,
            ) -> Result<$crate::store::Write, Self::Error> {
                let row = $crate::store::sql::Row::new(&record)?;
                let Ok(expected) = i64::try_from(expected) else {
                    return Ok($crate::store::Write::Conflict); // no row holds a version beyond BIGINT
                };
                let done = $crate::store::sql::bind_row(sqlx::query(&self.table.compare_and_swap), &row)
                    .bind(expected)
                    .execute(&self.pool)
                    .await?;
                Ok($crate::store::sql::outcome(done.rows_affected()))
            }

            async fn delete(&self, user: &str, expected: u64) -> Result<$crate::store::Write, Self::Error> {
                let Ok(expected) = i64::try_from(expected) else {
                    return Ok($crate::store::Write::Conflict);
                };
                let done = sqlx::query(&self.table.delete)
                    .bind(user)
                    .bind(expected)
                    .execute(&self.pool)
                    .await?;
                Ok($crate::store::sql::outcome(done.rows_affected()))
            }
        }
    };
}
pub(crate) use impl_store;

/// Asserts that the `store` module's docs show every statement of `migrations` (the schema a
/// reader sees is the one the store creates).
#[cfg(test)]
pub(crate) fn assert_documented(migrations: &[Migration]) {
    let docs: String = include_str!("mod.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    for statement in migrations.iter().flat_map(|migration| migration.statements) {
        assert!(
            docs.contains(statement),
            "a schema missing from the store docs: {statement}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_lowercase_identifiers_short_enough_for_their_migrations_table() {
        for name in [
            "a",
            "_",
            "two_factor",
            "t2",
            "user",
            &"x".repeat(MAX_TABLE_NAME_LEN),
        ] {
            assert_eq!(Table::new(name, "now()").unwrap().name(), name);
        }
        let long = "x".repeat(MAX_TABLE_NAME_LEN + 1);
        for name in [
            "",
            "2fa",
            "Records",
            "two-factor",
            "two factor",
            "a;drop table x",
            "\"quoted\"",
            "schema.table",
            "naïve",
            long.as_str(),
        ] {
            match Table::new(name, "now()") {
                Err(SqlStoreError::InvalidTableName { name: given }) => assert_eq!(given, name),
                other => panic!("{name:?}: {other:?}"),
            }
        }
        let migrations = Table::new(&"x".repeat(MAX_TABLE_NAME_LEN), "now()")
            .unwrap()
            .render("{migrations}");
        assert_eq!(migrations.len(), 63 + 2, "63 bytes and two quotes");
    }

    #[test]
    fn statements_quote_the_table_and_compare_the_version() {
        let table = Table::new("user", "now()").unwrap();
        assert_eq!(
            table.load,
            "SELECT version, record FROM \"user\" WHERE user_id = $1"
        );
        assert!(table.compare_and_swap.starts_with("UPDATE \"user\" SET"));
        assert!(
            table
                .compare_and_swap
                .ends_with("WHERE user_id = $1 AND version = $7")
        );
        assert!(table.insert.ends_with("ON CONFLICT (user_id) DO NOTHING"));
        assert_eq!(
            table.delete,
            "DELETE FROM \"user\" WHERE user_id = $1 AND version = $2"
        );
        assert_eq!(
            table.render("CREATE TABLE {table}; CREATE TABLE {migrations}"),
            "CREATE TABLE \"user\"; CREATE TABLE \"user_migrations\""
        );
    }

    #[test]
    fn rows_that_do_not_decode_are_corrupt_never_absent() {
        let bytes = Record::new("alice").encode();
        assert_eq!(decode("alice", 3, &bytes).unwrap().version(), 3);
        for (version, bytes, expected) in [
            (-1, &bytes[..], RecordError::Invalid { field: "version" }),
            (1, b"junk".as_slice(), RecordError::NotARecord),
            (
                1,
                &bytes[..bytes.len() - 1],
                RecordError::Truncated { field: "devices" },
            ),
        ] {
            match decode("alice", version, bytes) {
                Err(SqlStoreError::Corrupt { user, error }) => {
                    assert_eq!((user.as_str(), error), ("alice", expected));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn values_beyond_bigint_are_refused_before_writing() {
        let record = Record::decode("alice", u64::MAX, &Record::new("alice").encode()).unwrap();
        assert!(matches!(
            Row::new(&record),
            Err(SqlStoreError::OutOfRange { column: "version" })
        ));
        assert_eq!(to_bigint(i64::MAX.unsigned_abs(), "epoch").unwrap(), i64::MAX);
    }

    #[test]
    fn a_lock_reads_as_the_largest_bigint() {
        let mut record = Record::new("alice");
        for (until, column) in [
            (0, None),
            (1_700_000_000, Some(1_700_000_000)),
            (i64::MAX.unsigned_abs(), Some(i64::MAX)),
            (i64::MAX.unsigned_abs() + 1, Some(i64::MAX)),
            (u64::MAX, Some(i64::MAX)),
        ] {
            record.0.code_throttle.blocked_until = until;
            assert_eq!(Row::new(&record).unwrap().throttled_until, column, "{until}");
        }
    }

    #[test]
    fn affected_rows_decide_the_outcome() {
        assert_eq!(outcome(0), Write::Conflict);
        assert_eq!(outcome(1), Write::Applied);
    }

    #[test]
    fn errors_keep_their_source() {
        use core::error::Error as _;
        let error = SqlStoreError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(error.to_string(), "the database failed");
        let source = error.source().unwrap();
        assert!(source.downcast_ref::<sqlx::Error>().is_some());
        let corrupt = SqlStoreError::Corrupt {
            user: "bob".into(),
            error: RecordError::NotARecord,
        };
        assert_eq!(
            corrupt.to_string(),
            "the stored record of user \"bob\" does not decode"
        );
        assert_eq!(
            corrupt.source().unwrap().to_string(),
            "stored bytes are not a two-factor record"
        );
    }
}
