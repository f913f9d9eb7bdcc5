//! The MySQL schema, as versioned migration steps; the migration lock; and which of MySQL's
//! errors are a lost race.

use alloc::string::String;

use sqlx::Connection as _;
use sqlx::mysql::{MySqlConnection, MySqlDatabaseError, MySqlPool};

use crate::record::Record;
use crate::store::Write;
use crate::store::sql::{self, Dialect, Migration, SqlStoreError, Table};

/// The migrations table: which steps have been applied to the records table.
const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS {migrations} (
    version BIGINT NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))
) ENGINE = InnoDB";

/// Every step, in order. A new step is appended, never edited: tables in the field have the
/// old ones applied.
///
/// `user_id` is `VARBINARY`, compared byte for byte: under a collation (the server's default
/// `utf8mb4_general_ci`, or even `utf8mb4_bin`, which ignores trailing spaces) `alice`,
/// `Alice` and `alice ` would be one key, and one user would find another's row. 1024 bytes is
/// [`Record::MAX_USER_LEN`], what the service accepts, and fits InnoDB's 3072-byte keys.
/// `ENGINE = InnoDB`: row locks and transactions, which the compare-and-swap relies on (and
/// sqlx's connections set `NO_ENGINE_SUBSTITUTION`, so a server without InnoDB refuses the
/// table rather than making it in another engine). `updated_at` is UTC, in a `DATETIME`,
/// which unlike `TIMESTAMP` goes past 2038.
pub(super) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "records table",
    statements: &["CREATE TABLE IF NOT EXISTS {table} (
    user_id VARBINARY(1024) NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version >= 0),
    enabled BOOLEAN NOT NULL CHECK (enabled IN (0, 1)),
    throttled_until BIGINT NULL,
    epoch BIGINT NOT NULL,
    record LONGBLOB NOT NULL,
    updated_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))
) ENGINE = InnoDB"],
}];

/// MySQL's spelling of the shared statements: backquoted names, `?` parameters, a plain
/// `INSERT` whose duplicate-key error is the conflict ([`written`]), `updated_at` in UTC by the
/// server's clock, and user ids no longer than the `user_id` column.
pub(super) const DIALECT: Dialect = Dialect {
    quote: '`',
    numbered: false,
    now: "UTC_TIMESTAMP(6)",
    // `UNIX_TIMESTAMP()` without an argument counts from the epoch in UTC whatever the
    // session's `time_zone`; `UNIX_TIMESTAMP(UTC_TIMESTAMP())` would not (it reads its
    // argument in the session's zone). `SIGNED`: MySQL types it as unsigned.
    server_time: "SELECT CAST(UNIX_TIMESTAMP() AS SIGNED)",
    on_conflict: "",
    max_user_len: Some(Record::MAX_USER_LEN),
};

/// `ER_DUP_ENTRY`: an insert met a row with the same primary key.
const DUPLICATE_KEY: u16 = 1062;
/// `ER_LOCK_WAIT_TIMEOUT`: the statement waited longer than `innodb_lock_wait_timeout` for a
/// row lock and was rolled back.
const LOCK_WAIT_TIMEOUT: u16 = 1205;
/// `ER_LOCK_DEADLOCK`: InnoDB chose this transaction as a deadlock's victim and rolled it back.
const DEADLOCK: u16 = 1213;

/// What a write did, from its result (the number of rows it changed, or the server's error).
///
/// Each of the store's writes is one statement in autocommit mode. An error below means that
/// the server rolled that statement back and wrote nothing, because another writer held or
/// took the row: the write lost a race, exactly as when its `WHERE` finds another version, so it
/// is [`Write::Conflict`] and the service reads the record again and decides again (never an
/// acceptance, never a lost write). A duplicate key is the insert's conflict by definition: the
/// user has a row already (the primary key is the only unique key). Every other error is an
/// error: a connection lost mid-statement leaves the outcome unknown, and the service denies.
///
/// The count of changed rows is exact whether or not the connection set `CLIENT_FOUND_ROWS`
/// (sqlx's connections do; others may not): without it MySQL counts only rows whose new values
/// differ from the old, but a compare-and-swap always changes the row it matches, since it
/// writes `version = expected + 1` where the row held `expected` (the [`Store`](crate::Store)
/// contract; the service always writes the next version). A row matched is a row changed, so 1
/// means applied and 0 means no row held `expected`, either way.
pub(super) fn written(done: Result<u64, sqlx::Error>) -> Result<Write, SqlStoreError> {
    sql::written_unless_lost(done, lost_race)
}

/// Whether `error` is one of the server's answers that mean "rolled back: another writer came
/// first" ([`written`]).
fn lost_race(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(error) = error else {
        return false;
    };
    error
        .try_downcast_ref::<MySqlDatabaseError>()
        .is_some_and(|error| matches!(error.number(), DUPLICATE_KEY | LOCK_WAIT_TIMEOUT | DEADLOCK))
}

/// How long one `GET_LOCK` waits before asking again; the migration waits as long as another
/// one holds the lock (as PostgreSQL's advisory lock does).
const LOCK_WAIT_SECONDS: i64 = 10;

/// Applies the steps `table` lacks, holding a named lock (`GET_LOCK`) keyed on the database and
/// the table's name: instances that start together apply each step once (the others wait, then
/// find nothing to do), where concurrent `CREATE TABLE IF NOT EXISTS` and inserts of the
/// migrations row alone would race. MySQL commits each DDL statement at once, so a step is not
/// one transaction with its row: its statements are idempotent, and a step whose row was lost
/// (a crash between the two) is applied again harmlessly on the next run.
///
/// A named lock belongs to the session that took it, so the migration runs on a connection of
/// its own, taken out of the pool and closed at the end: the lock can never outlive the
/// migration in an idle pooled connection, even if the future is dropped midway.
pub(super) async fn migrate(pool: &MySqlPool, table: &Table) -> Result<(), SqlStoreError> {
    let mut conn = pool.acquire().await?.detach();
    let migrated = migrate_locked(&mut conn, table).await;
    let closed = conn.close().await;
    migrated?;
    closed?;
    Ok(())
}

async fn migrate_locked(conn: &mut MySqlConnection, table: &Table) -> Result<(), SqlStoreError> {
    // Lock names are server-wide and at most 64 characters: a digest of `database.table`.
    let name: String = sqlx::query_scalar("SELECT CONCAT('twofactor:', SHA1(CONCAT_WS('.', DATABASE(), ?)))")
        .bind(table.name())
        .fetch_one(&mut *conn)
        .await?;
    loop {
        // 1: granted; 0: timed out, ask again; NULL (an error) fails the decoding.
        let granted: i64 = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
            .bind(&name)
            .bind(LOCK_WAIT_SECONDS)
            .fetch_one(&mut *conn)
            .await?;
        if granted == 1 {
            break;
        }
    }
    let applied = sql::apply_migrations::<sqlx::MySql>(conn, table, MIGRATIONS_TABLE, MIGRATIONS).await;
    let released = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(&name)
        .execute(&mut *conn)
        .await;
    applied?;
    released?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The store module's docs show this schema: they must not drift from the migration.
    #[test]
    fn the_documented_schema_is_the_migrated_one() {
        crate::store::sql::assert_documented("MySQL", super::MIGRATIONS);
    }

    /// The server's errors (1062, 1205, 1213 are conflicts) are provoked on a server in
    /// `tests/stores/store_mysql.rs`; here, the rest.
    #[test]
    fn rows_decide_and_errors_not_from_the_server_stay_errors() {
        use super::{Write, written};
        assert_eq!(written(Ok(1)).unwrap(), Write::Applied);
        assert_eq!(written(Ok(0)).unwrap(), Write::Conflict);
        // The connection failed, or the pool gave up: the outcome is not known.
        for error in [sqlx::Error::PoolTimedOut, sqlx::Error::Protocol("cut".into())] {
            assert!(matches!(
                written(Err(error)),
                Err(super::SqlStoreError::Database(_))
            ));
        }
    }
}
