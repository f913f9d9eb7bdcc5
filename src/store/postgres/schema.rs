//! The PostgreSQL schema, as versioned migration steps.

use alloc::format;

use sqlx::postgres::PgPool;

use crate::store::Write;
use crate::store::sql::{self, Dialect, Migration, SqlStoreError, Table};

/// SQLSTATE `serialization_failure`: under `REPEATABLE READ` or `SERIALIZABLE`, a write to a row
/// another transaction changed since this one's snapshot.
const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATE `deadlock_detected`: this transaction was chosen to be rolled back.
const DEADLOCK_DETECTED: &str = "40P01";

/// What a conditional statement did: its count of changed rows (1 applied, 0 no row held the
/// expected version), or — under a database whose default isolation is `REPEATABLE READ` or
/// `SERIALIZABLE`, where a compare-and-swap that loses to a concurrent write is rolled back
/// rather than matching no row — a serialization failure or a deadlock, which are the same lost
/// race: a conflict, retried by the service. Every other error is an error.
pub(super) fn written(done: Result<u64, sqlx::Error>) -> Result<Write, SqlStoreError> {
    sql::written_unless_lost(done, lost_race)
}

fn lost_race(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(error) = error else {
        return false;
    };
    error
        .code()
        .is_some_and(|code| code == SERIALIZATION_FAILURE || code == DEADLOCK_DETECTED)
}

/// The migrations table: which steps have been applied to the records table.
const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS {migrations} (
    version BIGINT NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// Every step, in order. A new step is appended, never edited: tables in the field have the
/// old ones applied.
pub(super) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "records table",
    statements: &["CREATE TABLE IF NOT EXISTS {table} (
    user_id TEXT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version >= 0),
    enabled BOOLEAN NOT NULL,
    throttled_until BIGINT NULL,
    epoch BIGINT NOT NULL,
    record BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"],
}];

/// PostgreSQL's spelling of the shared statements; `updated_at` is the transaction's start
/// time, by the server's clock.
pub(super) const DIALECT: Dialect = Dialect {
    quote: '"',
    numbered: true,
    now: "now()",
    // `clock_timestamp()`, not `now()`: the time of the query, not of its transaction's start.
    // A `timestamptz`'s epoch is UTC whatever the session's `TimeZone`; `floor`, since the cast
    // alone rounds.
    server_time: "SELECT CAST(floor(extract(epoch FROM clock_timestamp())) AS BIGINT)",
    on_conflict: " ON CONFLICT (user_id) DO NOTHING",
    max_user_len: None,
};

/// Applies the steps `table` lacks, in one transaction holding a transaction-scoped advisory
/// lock keyed on the table's name: instances that start together apply each step once (the
/// others wait, then find nothing to do), where concurrent `CREATE TABLE IF NOT EXISTS` alone
/// can fail on PostgreSQL's catalog constraints.
pub(super) async fn migrate(pool: &PgPool, table: &Table) -> Result<(), SqlStoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(format!("twofactor migrate {}", table.name()))
        .execute(&mut *tx)
        .await?;
    sql::apply_migrations::<sqlx::Postgres>(&mut *tx, table, MIGRATIONS_TABLE, MIGRATIONS).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The store module's docs show this schema: they must not drift from the migration.
    #[test]
    fn the_documented_schema_is_the_migrated_one() {
        crate::store::sql::assert_documented("PostgreSQL", super::MIGRATIONS);
    }
}
