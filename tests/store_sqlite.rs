//! `SqliteStore` on a database file in a temporary directory per test: the store contract,
//! races over the file opened twice, corrupt rows, migrations, table names.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_contract;

use std::path::PathBuf;

use sqlx::Row as _;
use store_contract::{Columns, SqlBackend};
use twofactor::{SqlStoreError, SqliteStore};

/// One database file per test, removed with its directory when the test ends.
struct SqliteFile {
    dir: PathBuf,
}

impl SqliteFile {
    fn path(&self) -> PathBuf {
        self.dir.join("records.db")
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn sqlite() -> Option<SqliteFile> {
    let dir = std::env::temp_dir().join(store_contract::unique("twofactor_sqlite"));
    std::fs::create_dir_all(&dir).unwrap();
    Some(SqliteFile { dir })
}

impl SqlBackend for SqliteFile {
    type Store = SqliteStore;

    async fn open(&self, table: &str) -> Result<SqliteStore, SqlStoreError> {
        SqliteStore::open(self.path(), table).await
    }

    async fn set_record_bytes(&self, store: &SqliteStore, user: &str, bytes: &[u8]) {
        let sql = format!("UPDATE \"{}\" SET record = $2 WHERE user_id = $1", store.table());
        let done = sqlx::query(&sql)
            .bind(user)
            .bind(bytes)
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }

    async fn columns(&self, store: &SqliteStore, user: &str) -> Option<Columns> {
        let sql = format!(
            "SELECT version, enabled, throttled_until, epoch FROM \"{}\" WHERE user_id = $1",
            store.table()
        );
        let row = sqlx::query(&sql)
            .bind(user)
            .fetch_optional(store.pool())
            .await
            .unwrap()?;
        Some(Columns {
            version: row.get(0),
            enabled: row.get(1),
            throttled_until: row.get(2),
            epoch: row.get(3),
        })
    }

    async fn migrations(&self, store: &SqliteStore) -> Vec<(i64, String, String)> {
        let sql = format!(
            "SELECT version, description, CAST(applied_at AS TEXT) FROM \"{}_migrations\" ORDER BY version",
            store.table()
        );
        sqlx::query_as(&sql).fetch_all(store.pool()).await.unwrap()
    }
}

sql_suite!(sqlite:
    sql_contract,
    sql_concurrent_writers,
    sql_columns_follow_the_record,
    sql_corrupt_rows_are_errors,
    sql_migrate_twice_is_a_no_op,
    sql_tables_are_separate,
    sql_table_names,
    sql_out_of_range,
);

#[tokio::test]
async fn an_invalid_table_name_opens_no_file() {
    let file = sqlite().await.unwrap();
    assert!(matches!(
        SqliteStore::open(file.path(), "Bad Name").await,
        Err(SqlStoreError::InvalidTableName { .. })
    ));
    assert!(!file.path().exists());
}

#[tokio::test]
async fn open_uses_write_ahead_logging_and_waits_for_the_write_lock() {
    let file = sqlite().await.unwrap();
    let store = SqliteStore::open(file.path(), "records").await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!((journal.as_str(), timeout, synchronous), ("wal", 5000, 2));
}

#[tokio::test]
async fn a_missing_directory_is_a_database_error() {
    let file = sqlite().await.unwrap();
    let error = SqliteStore::open(file.dir.join("absent/records.db"), "records")
        .await
        .unwrap_err();
    assert!(matches!(error, SqlStoreError::Database(_)), "{error:?}");
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.downcast_ref::<sqlx::Error>().is_some());
}
