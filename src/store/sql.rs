//! What [`SqliteStore`](crate::SqliteStore), [`PostgresStore`](crate::PostgresStore) and
//! [`MySqlStore`](crate::MySqlStore) share: the table name, the error, the statements, the
//! mapping between a [`Record`] and a row, and the shape of the migrations. What differs between
//! their databases (identifier quotes, parameter markers, the clock, how a duplicate insert is
//! told) is a [`Dialect`].
//!
//! The stores keep one row per user in a table whose name the application chooses:
//!
//! | column | type (PostgreSQL / SQLite / MySQL) | what it holds |
//! | --- | --- | --- |
//! | `user_id` | `TEXT` / `TEXT` / `VARBINARY(1024)` primary key | [`Record::user`] (MySQL: compared byte for byte, whatever the collation) |
//! | `version` | `BIGINT` / `INTEGER` / `BIGINT`, not null, ≥ 0 | [`Record::version`]: what compare-and-swap compares |
//! | `enabled` | `BOOLEAN` / `INTEGER` 0 or 1 / `BOOLEAN` 0 or 1, not null | [`Record::is_enabled`] |
//! | `throttled_until` | `BIGINT` / `INTEGER` / `BIGINT`, null if none | [`Record::throttled_until`], Unix seconds; 2⁶³ − 1 for a lock |
//! | `epoch` | `BIGINT` / `INTEGER` / `BIGINT`, not null | [`Record::epoch`] |
//! | `record` | `BYTEA` / `BLOB` / `LONGBLOB`, not null | [`Record::encode`]: everything else, compact and versioned |
//! | `updated_at` | `TIMESTAMPTZ` / `INTEGER` Unix seconds / `DATETIME(6)` UTC, not null | the database's clock at the last write |
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
use sqlx::{Database, Decode, Encode, Executor, FromRow, IntoArguments, Type};
use zeroize::Zeroizing;

use super::Write;
use crate::record::{Record, RecordError};

/// An error of [`SqliteStore`](crate::SqliteStore), [`PostgresStore`](crate::PostgresStore) or
/// [`MySqlStore`](crate::MySqlStore).
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
    /// The record's version or epoch does not fit its `BIGINT` column (at most 2⁶³ − 1), or
    /// (MySQL) its user id does not fit `user_id` (at most
    /// [`Record::MAX_USER_LEN`] bytes, what the service accepts); nothing was written. Version
    /// and epoch count writes from 0, so this does not happen in practice.
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

/// How one database spells what the shared statements need; each store's `schema` module has
/// its own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// The quote around identifiers: `"` (standard SQL: PostgreSQL, SQLite) or `` ` `` (MySQL,
    /// whose `"` quotes strings unless the session's `sql_mode` has `ANSI_QUOTES`).
    pub(crate) quote: char,
    /// Parameters numbered `$1`, `$2`… (PostgreSQL, SQLite), or positional `?` (MySQL). The
    /// statements use their parameters in the order of their numbers, so one order of binding
    /// serves both.
    pub(crate) numbered: bool,
    /// The expression for the current time as `updated_at` holds it.
    pub(crate) now: &'static str,
    /// The query of the server's clock for [`Store::server_time`](crate::Store::server_time):
    /// one row, one `BIGINT` of whole Unix seconds, UTC whatever the server's or the session's
    /// time zone.
    pub(crate) server_time: &'static str,
    /// What follows the insert's `VALUES (…)` so that inserting a user who has a row already
    /// writes nothing and changes no row (`ON CONFLICT (user_id) DO NOTHING`); empty where the
    /// store reads the database's duplicate-key error as the conflict instead (MySQL, whose
    /// `INSERT IGNORE` would also turn other errors into warnings).
    pub(crate) on_conflict: &'static str,
    /// The longest user id the `user_id` column holds, where it has a limit (MySQL's
    /// `VARBINARY`); a longer one is [`SqlStoreError::OutOfRange`] before anything is sent, so
    /// that a server without strict mode never cuts one short.
    pub(crate) max_user_len: Option<usize>,
}

impl Dialect {
    /// The parameter marker of the `n`th parameter (from 1).
    fn param(&self, n: usize) -> String {
        if self.numbered {
            format!("${n}")
        } else {
            "?".into()
        }
    }

    /// `name`, quoted.
    fn quoted(&self, name: &str) -> String {
        let q = self.quote;
        format!("{q}{name}{q}")
    }
}

/// A validated table name and the statements a store runs on it, rendered once.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    name: String,
    dialect: Dialect,
    pub(crate) load: String,
    pub(crate) insert: String,
    pub(crate) compare_and_swap: String,
    pub(crate) delete: String,
}

impl Table {
    /// Validates `name` and renders the four statements in `dialect`. The parameters of each
    /// statement are used in the order they are bound: [`bind_row`]'s columns (`$1` to `$6`),
    /// then the expected version (`$7`).
    pub(crate) fn new(name: &str, dialect: Dialect) -> Result<Self, SqlStoreError> {
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
        let t = dialect.quoted(name);
        let p = |n| dialect.param(n);
        let now = dialect.now;
        Ok(Self {
            name: name.into(),
            dialect,
            load: format!("SELECT version, record FROM {t} WHERE user_id = {}", p(1)),
            insert: format!(
                "INSERT INTO {t} (version, enabled, throttled_until, epoch, record, user_id, updated_at) \
                 VALUES ({}, {}, {}, {}, {}, {}, {now}){}",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                dialect.on_conflict,
            ),
            compare_and_swap: format!(
                "UPDATE {t} SET version = {}, enabled = {}, throttled_until = {}, epoch = {}, record = {}, \
                 updated_at = {now} WHERE user_id = {} AND version = {}",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
            ),
            delete: format!("DELETE FROM {t} WHERE user_id = {} AND version = {}", p(1), p(2)),
        })
    }

    /// The table's name as given (unquoted).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The query of the server's clock ([`Dialect::server_time`]).
    pub(crate) const fn server_time(&self) -> &'static str {
        self.dialect.server_time
    }

    /// Replaces `{table}` and `{migrations}` in a DDL template with the quoted names.
    pub(crate) fn render(&self, template: &str) -> String {
        template
            .replace("{table}", &self.dialect.quoted(&self.name))
            .replace(
                "{migrations}",
                &self.dialect.quoted(&format!("{}{MIGRATIONS_SUFFIX}", self.name)),
            )
    }

    /// The columns of `record`'s row, checked against this table's limits.
    pub(crate) fn row<'a>(&self, record: &'a Record) -> Result<Row<'a>, SqlStoreError> {
        if self
            .dialect
            .max_user_len
            .is_some_and(|max| record.user().len() > max)
        {
            return Err(SqlStoreError::OutOfRange { column: "user_id" });
        }
        Row::new(record)
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

/// What a conditional statement did, from its result (the number of rows it changed, or the
/// database's error): on SQLite every error is an error. (PostgreSQL and MySQL have their own:
/// some of their errors are a lost race, `src/store/postgres/schema.rs`,
/// `src/store/mysql/schema.rs`.)
#[cfg(feature = "sqlite")]
pub(crate) fn written(done: Result<u64, sqlx::Error>) -> Result<Write, SqlStoreError> {
    Ok(outcome(done?))
}

/// What a conditional statement did on a database some of whose errors are a lost race
/// (`lost_race`: a rollback because another writer came first): those are a conflict, retried
/// by the service; every other error is an error.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn written_unless_lost(
    done: Result<u64, sqlx::Error>,
    lost_race: impl FnOnce(&sqlx::Error) -> bool,
) -> Result<Write, SqlStoreError> {
    match done {
        Ok(rows) => Ok(outcome(rows)),
        Err(error) if lost_race(&error) => Ok(Write::Conflict),
        Err(error) => Err(error.into()),
    }
}

/// The server's clock as [`Store::server_time`](crate::Store::server_time) reports it: a clock
/// before 1970 reads as 0, as far off as it gets, so that the check refuses it rather than
/// failing to read it.
pub(crate) fn server_seconds(seconds: i64) -> Option<u64> {
    Some(u64::try_from(seconds).unwrap_or(0))
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

/// Applies the steps of `migrations` that the migrations table does not list, on `conn`, where
/// the caller has taken whatever lock its database needs (and begun the transaction, if its
/// database runs DDL in one: PostgreSQL, SQLite; MySQL commits each DDL statement at once). Each
/// step's row is written after its statements, in the same transaction where there is one.
pub(crate) async fn apply_migrations<DB>(
    conn: &mut DB::Connection,
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
        .execute(&mut *conn)
        .await?;
    let applied: Vec<i64> = sqlx::query_scalar(&table.render("SELECT version FROM {migrations}"))
        .fetch_all(&mut *conn)
        .await?;
    let record_step = table.render(&format!(
        "INSERT INTO {{migrations}} (version, description) VALUES ({}, {})",
        table.dialect.param(1),
        table.dialect.param(2)
    ));
    for migration in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        for statement in migration.statements {
            sqlx::query(&table.render(statement)).execute(&mut *conn).await?;
        }
        sqlx::query(&record_step)
            .bind(migration.version)
            .bind(migration.description)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Binds the columns of `row` as `$1` to `$6` (version, enabled, throttled until, epoch,
/// record, user), in the order of [`Table`]'s `insert` and `compare_and_swap` statements.
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
        .bind(row.version)
        .bind(row.enabled)
        .bind(row.throttled_until)
        .bind(row.epoch)
        .bind(&row.record[..])
        .bind(row.user)
}

/// `impl Store` for a store type with fields `pool` (an `sqlx` pool of type `$pool`) and `table`
/// (a [`Table`]): the same four statements on every database, written once; and the two
/// accessors. `$written` turns a write's result (rows changed, or the driver's error) into the
/// outcome: [`written`] on PostgreSQL and SQLite, MySQL's own there. A macro rather than a
/// generic type, so that each store stays a plain public type of its own with its own
/// constructors and documentation, and rather than generic functions, whose `sqlx` bounds
/// (executor, argument, encode and decode traits for each type bound) would outweigh the code
/// they share.
macro_rules! impl_store {
    ($store:ty, $pool:ty, $written:path) => {
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
                let row = self.table.row(&record)?;
                let done = $crate::store::sql::bind_row(sqlx::query(&self.table.insert), &row)
                    .execute(&self.pool)
                    .await;
                $written(done.map(|done| done.rows_affected()))
            }

            async fn compare_and_swap(
                &self,
                expected: u64,
                record: $crate::record::Record,
            ) -> Result<$crate::store::Write, Self::Error> {
                let row = self.table.row(&record)?;
                let Ok(expected) = i64::try_from(expected) else {
                    return Ok($crate::store::Write::Conflict); // no row holds a version beyond BIGINT
                };
                let done = $crate::store::sql::bind_row(sqlx::query(&self.table.compare_and_swap), &row)
                    .bind(expected)
                    .execute(&self.pool)
                    .await;
                $written(done.map(|done| done.rows_affected()))
            }

            async fn delete(&self, user: &str, expected: u64) -> Result<$crate::store::Write, Self::Error> {
                let Ok(expected) = i64::try_from(expected) else {
                    return Ok($crate::store::Write::Conflict);
                };
                let done = sqlx::query(&self.table.delete)
                    .bind(user)
                    .bind(expected)
                    .execute(&self.pool)
                    .await;
                $written(done.map(|done| done.rows_affected()))
            }

            /// The database server's clock: one query, in UTC whatever its time zone.
            async fn server_time(&self) -> Result<Option<u64>, Self::Error> {
                let seconds: i64 = sqlx::query_scalar(self.table.server_time())
                    .fetch_one(&self.pool)
                    .await?;
                Ok($crate::store::sql::server_seconds(seconds))
            }
        }
    };
}
pub(crate) use impl_store;

/// Asserts that the `store` module's docs show every statement of `migrations` in the code
/// block that follows the line `{database}:` (the schema a reader sees for that database is the
/// one its store creates).
#[cfg(test)]
pub(crate) fn assert_documented(database: &str, migrations: &[Migration]) {
    let docs: String = include_str!("mod.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    let heading = format!("\n{database}:\n\n```sql\n");
    let start = docs
        .find(&heading)
        .unwrap_or_else(|| panic!("no `{database}:` schema in the store docs"))
        + heading.len();
    let block = &docs[start..start + docs[start..].find("```").expect("the block ends")];
    for statement in migrations.iter().flat_map(|migration| migration.statements) {
        assert!(
            block.contains(statement),
            "a {database} schema missing from the store docs: {statement}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBERED: Dialect = Dialect {
        quote: '"',
        numbered: true,
        now: "now()",
        server_time: "SELECT 1",
        on_conflict: " ON CONFLICT (user_id) DO NOTHING",
        max_user_len: None,
    };

    const POSITIONAL: Dialect = Dialect {
        quote: '`',
        numbered: false,
        now: "UTC_TIMESTAMP(6)",
        server_time: "SELECT 1",
        on_conflict: "",
        max_user_len: Some(8),
    };

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
            assert_eq!(Table::new(name, NUMBERED).unwrap().name(), name);
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
            match Table::new(name, NUMBERED) {
                Err(SqlStoreError::InvalidTableName { name: given }) => assert_eq!(given, name),
                other => panic!("{name:?}: {other:?}"),
            }
        }
        let migrations = Table::new(&"x".repeat(MAX_TABLE_NAME_LEN), NUMBERED)
            .unwrap()
            .render("{migrations}");
        assert_eq!(migrations.len(), 63 + 2, "63 bytes and two quotes");
    }

    #[test]
    fn statements_quote_the_table_and_compare_the_version() {
        let table = Table::new("user", NUMBERED).unwrap();
        assert_eq!(
            table.load,
            "SELECT version, record FROM \"user\" WHERE user_id = $1"
        );
        assert_eq!(
            table.insert,
            "INSERT INTO \"user\" (version, enabled, throttled_until, epoch, record, user_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (user_id) DO NOTHING"
        );
        assert_eq!(
            table.compare_and_swap,
            "UPDATE \"user\" SET version = $1, enabled = $2, throttled_until = $3, epoch = $4, record = $5, \
             updated_at = now() WHERE user_id = $6 AND version = $7"
        );
        assert_eq!(
            table.delete,
            "DELETE FROM \"user\" WHERE user_id = $1 AND version = $2"
        );
        assert_eq!(
            table.render("CREATE TABLE {table}; CREATE TABLE {migrations}"),
            "CREATE TABLE \"user\"; CREATE TABLE \"user_migrations\""
        );
    }

    /// MySQL's spelling: backquotes, `?` in the order the parameters are bound, a plain insert
    /// (the duplicate-key error is the conflict).
    #[test]
    fn positional_statements_bind_in_the_order_of_the_numbered_ones() {
        let table = Table::new("user", POSITIONAL).unwrap();
        let numbered = Table::new("user", NUMBERED).unwrap();
        for (positional, numbered) in [
            (&table.load, &numbered.load),
            (&table.insert, &numbered.insert),
            (&table.compare_and_swap, &numbered.compare_and_swap),
            (&table.delete, &numbered.delete),
        ] {
            let mut expected = numbered
                .replace('"', "`")
                .replace("now()", "UTC_TIMESTAMP(6)")
                .replace(" ON CONFLICT (user_id) DO NOTHING", "");
            // `$1`, `$2`… appear in the order of their numbers: that is the order `?` binds.
            let numbers: Vec<usize> = numbered
                .split('$')
                .skip(1)
                .map(|rest| {
                    rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())]
                        .parse()
                        .unwrap()
                })
                .collect();
            assert_eq!(numbers, (1..=numbers.len()).collect::<Vec<_>>(), "{numbered}");
            for n in (1..=7).rev() {
                expected = expected.replace(&format!("${n}"), "?");
            }
            assert_eq!(positional, &expected);
        }
        assert_eq!(table.render("{table} {migrations}"), "`user` `user_migrations`");
    }

    #[test]
    fn a_user_id_longer_than_the_column_is_refused_before_writing() {
        let table = Table::new("t", POSITIONAL).unwrap();
        assert_eq!(table.row(&Record::new("12345678")).unwrap().user, "12345678");
        assert!(matches!(
            table.row(&Record::new("123456789")),
            Err(SqlStoreError::OutOfRange { column: "user_id" })
        ));
        let unlimited = Table::new("t", NUMBERED).unwrap();
        assert!(unlimited.row(&Record::new(&"x".repeat(5000))).is_ok());
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
    fn a_server_clock_before_1970_reads_as_0() {
        assert_eq!(server_seconds(1_700_000_000), Some(1_700_000_000));
        assert_eq!(server_seconds(0), Some(0));
        assert_eq!(server_seconds(-5), Some(0));
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
