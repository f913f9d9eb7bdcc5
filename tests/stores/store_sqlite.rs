//! `SqliteStore` on a database file in a temporary directory per test: the store contract,
//! races over the file opened twice, corrupt rows, migrations, table names.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::store_contract;

use std::path::PathBuf;

use store_contract::SqlBackend;
use twofactor::SqliteStore;
use twofactor::store::SqlStoreError;

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

    raw_sql_methods!(SqliteStore);
}

sql_suite!(sqlite, Nothing);

async fn an_invalid_table_name_opens_no_file() {
    let file = sqlite().await.unwrap();
    assert!(matches!(
        SqliteStore::open(file.path(), "Bad Name").await,
        Err(SqlStoreError::InvalidTableName { .. })
    ));
    assert!(!file.path().exists());
}

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

async fn a_missing_directory_is_a_database_error() {
    let file = sqlite().await.unwrap();
    let error = SqliteStore::open(file.dir.join("absent/records.db"), "records")
        .await
        .unwrap_err();
    assert!(matches!(error, SqlStoreError::Database(_)), "{error:?}");
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.downcast_ref::<sqlx::Error>().is_some());
}

/// The bundled SQLite has `unixepoch()` (3.38 and later), and it agrees with the older spelling,
/// `strftime('%s', 'now')`; the store's `server_time` is it.
async fn the_server_time_is_unixepoch_of_a_bundled_sqlite_that_has_it() {
    use twofactor::Store as _;
    let file = sqlite().await.unwrap();
    let store = SqliteStore::open(file.path(), "records").await.unwrap();
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let parts: Vec<u32> = version.split('.').map(|part| part.parse().unwrap()).collect();
    assert!(parts[..2] >= [3, 38][..], "SQLite {version} has no unixepoch()");
    let (epoch, strftime): (i64, i64) =
        sqlx::query_as("SELECT unixepoch(), CAST(strftime('%s', 'now') AS INTEGER)")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!((epoch - strftime).abs() <= 1, "{epoch} {strftime}");
    let server = i64::try_from(store.server_time().await.unwrap().unwrap()).unwrap();
    assert!((server - epoch).abs() <= 1, "{server} {epoch}");
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    let mut trials = sql_trials();
    trials.extend([
        trial!(Nothing, async an_invalid_table_name_opens_no_file),
        trial!(Nothing, async open_uses_write_ahead_logging_and_waits_for_the_write_lock),
        trial!(Nothing, async a_missing_directory_is_a_database_error),
        trial!(Nothing, async the_server_time_is_unixepoch_of_a_bundled_sqlite_that_has_it),
    ]);
    trials
}
