//! `PostgresStore` on the server named by `TWOFACTOR_POSTGRES_URL` (reported as ignored when it
//! is unset, failing under `CI=true`), each test in a schema of its own that is dropped at
//! its end: the store contract, races between two pools (two application instances), corrupt
//! rows, migrations, table names.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::store_contract;

use store_contract::{PgSchema, SqlBackend};
use twofactor::PostgresStore;
use twofactor::store::SqlStoreError;

async fn postgres() -> Option<PgSchema> {
    let url = store_contract::postgres_url()?;
    Some(PgSchema::create(&url, "twofactor_test").await)
}

impl SqlBackend for PgSchema {
    type Store = PostgresStore;

    /// A new pool for each store: two stores on one table are two application instances.
    /// Six connections each rather than `connect`'s sixteen, so that tests running side by
    /// side stay well under the server's `max_connections` (100 by default).
    async fn open(&self, table: &str) -> Result<PostgresStore, SqlStoreError> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(6)
            .connect_lazy(&self.url())
            .map_err(|e| SqlStoreError::Database(Box::new(e)))?;
        let store = PostgresStore::new(pool, table)?;
        store.migrate().await?;
        Ok(store)
    }

    raw_sql_methods!(PostgresStore);
}

sql_suite!(postgres, Postgres);

/// Instances that start together all migrate the same table: each step is applied once and
/// none of them fails.
async fn instances_migrating_at_once_apply_each_step_once() {
    let Some(schema) = postgres().await else { return };
    let url = schema.url();
    let table = store_contract::unique("together");
    let starts: Vec<_> = (0..8)
        .map(|_| {
            let (url, table) = (url.clone(), table.clone());
            tokio::spawn(async move { PostgresStore::connect(&url, &table).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().unwrap());
    }
    assert_eq!(schema.migrations(&stores[0]).await.len(), 1);
}

/// A server that cannot be reached is an error from every operation, never "no record".
async fn an_unreachable_server_is_a_database_error() {
    // Port 1 on the loopback interface: nothing listens there.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(300))
        .connect_lazy("postgres://nobody@127.0.0.1:1/none")
        .unwrap();
    let store = PostgresStore::new(pool, "records").unwrap();
    let error = twofactor::Store::load(&store, "alice").await.unwrap_err();
    assert!(matches!(error, SqlStoreError::Database(_)), "{error:?}");
    assert!(
        std::error::Error::source(&error)
            .unwrap()
            .downcast_ref::<sqlx::Error>()
            .is_some()
    );
    assert!(matches!(store.migrate().await, Err(SqlStoreError::Database(_))));
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    let mut trials = sql_trials();
    trials.extend([
        trial!(Postgres, async(4) instances_migrating_at_once_apply_each_step_once),
        trial!(Nothing, async an_unreachable_server_is_a_database_error),
    ]);
    trials
}
