//! The SQLite schema, as versioned migration steps.

use sqlx::sqlite::SqlitePool;

use crate::store::sql::{self, Dialect, Migration, SqlStoreError, Table};

/// The migrations table: which steps have been applied to the records table.
const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS {migrations} (
    version INTEGER NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT";

/// Every step, in order. A new step is appended, never edited: tables in the field have the
/// old ones applied.
///
/// `STRICT` makes SQLite refuse a value of the wrong type instead of storing it as whatever it
/// is; `WITHOUT ROWID` keeps the rows in the primary key's B-tree, so a lookup by user is one
/// tree search.
pub(super) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "records table",
    statements: &["CREATE TABLE IF NOT EXISTS {table} (
    user_id TEXT NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL CHECK (version >= 0),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    throttled_until INTEGER NULL,
    epoch INTEGER NOT NULL,
    record BLOB NOT NULL,
    updated_at INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT, WITHOUT ROWID"],
}];

/// SQLite's spelling of the shared statements; `updated_at` is Unix seconds, by the database's
/// clock.
pub(super) const DIALECT: Dialect = Dialect {
    quote: '"',
    numbered: true,
    now: "unixepoch()",
    // `unixepoch()` is SQLite 3.38's; the bundled SQLite (libsqlite3-sys 0.30) is 3.46, and the
    // schema's `DEFAULT (unixepoch())` needs it already.
    server_time: "SELECT unixepoch()",
    on_conflict: " ON CONFLICT (user_id) DO NOTHING",
    max_user_len: None,
};

/// Applies the steps `table` lacks, in one `BEGIN IMMEDIATE` transaction: it takes the
/// database's write lock first, so two processes opening one file at once apply each step once
/// (the second waits, then finds nothing to do).
pub(super) async fn migrate(pool: &SqlitePool, table: &Table) -> Result<(), SqlStoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sql::apply_migrations::<sqlx::Sqlite>(&mut *tx, table, MIGRATIONS_TABLE, MIGRATIONS).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The store module's docs show this schema: they must not drift from the migration.
    #[test]
    fn the_documented_schema_is_the_migrated_one() {
        crate::store::sql::assert_documented("SQLite", super::MIGRATIONS);
    }
}
