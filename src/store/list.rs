//! Listing the users a store holds records for, a page at a time: what an export, a key
//! rotation over every record and an operator's tools need, and no login does.
//!
//! A capability of its own beside [`Store`], not a method of it, so that a store of an
//! application's own keeps compiling; every bundled store has it.

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::future::Future;

use super::Store;

/// A [`Store`] that can list the users it holds a record for, in pages: ids in the store's own
/// order of user ids (byte order on [`MemoryStore`](super::MemoryStore), SQLite and MySQL; the
/// column's collation on PostgreSQL), each page after the last id of the one before.
///
/// A user written or deleted while the pages are read is listed or not; every user whose record
/// exists throughout is listed exactly once.
///
/// ```
/// use twofactor::store::{ListUsers, Record};
/// use twofactor::{MemoryStore, Store};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::new();
/// for user in ["carol", "alice", "bob"] {
///     let _ = store.insert(Record::new(user)).await?;
/// }
/// assert_eq!(store.users_after(None, 2).await?, ["alice", "bob"]);
/// assert_eq!(store.users_after(Some("bob"), 2).await?, ["carol"]);
/// assert!(store.users_after(Some("carol"), 2).await?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ListUsers: Store {
    /// Up to `limit` users with a record, in the store's order, after `after` (not included),
    /// or from the first one; fewer than `limit` only at the end.
    fn users_after(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send;
}

impl<S: ListUsers + ?Sized> ListUsers for &S {
    fn users_after(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send {
        (**self).users_after(after, limit)
    }
}

impl<S: ListUsers + ?Sized> ListUsers for alloc::sync::Arc<S> {
    fn users_after(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send {
        (**self).users_after(after, limit)
    }
}

/// `impl ListUsers` for an SQL store, with its statements: `$first` lists from the start
/// (`LIMIT` bound first), `$after` after an id (the id, then the limit); `{table}` is the
/// store's quoted table. `$id` is the type the driver reads `user_id` as.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
macro_rules! impl_list_users {
    ($store:ty, $quote:literal, $id:ty, $first:literal, $after:literal) => {
        impl ListUsers for $store {
            async fn users_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>, Self::Error> {
                use sqlx::Row as _;
                let table = alloc::format!("{q}{}{q}", self.table(), q = $quote);
                let limit = i64::from(limit);
                let rows = match after {
                    None => {
                        sqlx::query(&$first.replace("{table}", &table))
                            .bind(limit)
                            .fetch_all(self.pool())
                            .await?
                    }
                    Some(after) => {
                        sqlx::query(&$after.replace("{table}", &table))
                            .bind(after)
                            .bind(limit)
                            .fetch_all(self.pool())
                            .await?
                    }
                };
                rows.iter()
                    .map(|row| {
                        let id: $id = row.try_get(0)?;
                        user_text(id)
                    })
                    .collect()
            }
        }
    };
}

/// A user id as read from a row: text, or (MySQL's `VARBINARY`) bytes that must be UTF-8.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn user_text(id: impl Into<Vec<u8>>) -> Result<String, super::SqlStoreError> {
    String::from_utf8(id.into()).map_err(|error| super::SqlStoreError::Database(Box::new(error)))
}

// The table name is validated (`[a-z0-9_]`, not starting with a digit) when the store is built,
// so quoting it leaves nothing to escape. One pair of statements per store, kept together here
// (`src/store/postgres/` was being reworked when they came); they may move beside each store's
// other statements.
#[cfg(feature = "sqlite")]
impl_list_users!(
    super::SqliteStore,
    '"',
    String,
    "SELECT user_id FROM {table} ORDER BY user_id LIMIT ?1",
    "SELECT user_id FROM {table} WHERE user_id > ?1 ORDER BY user_id LIMIT ?2"
);

#[cfg(feature = "postgres")]
impl_list_users!(
    super::PostgresStore,
    '"',
    String,
    "SELECT user_id FROM {table} ORDER BY user_id LIMIT $1",
    "SELECT user_id FROM {table} WHERE user_id > $1 ORDER BY user_id LIMIT $2"
);

#[cfg(feature = "mysql")]
impl_list_users!(
    super::MySqlStore,
    '`',
    Vec<u8>,
    "SELECT user_id FROM {table} ORDER BY user_id LIMIT ?",
    "SELECT user_id FROM {table} WHERE user_id > ? ORDER BY user_id LIMIT ?"
);
