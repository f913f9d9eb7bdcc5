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

/// A database of its own whose default isolation is `level` (`ALTER DATABASE … SET
/// default_transaction_isolation`), dropped at the end of the test.
struct IsolatedDatabase {
    base: String,
    name: String,
}

impl IsolatedDatabase {
    async fn create(base: &str, level: &str) -> Self {
        let name = store_contract::unique("twofactor_isolation");
        let admin = sqlx::postgres::PgPool::connect(base).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query(&format!(
            "ALTER DATABASE \"{name}\" SET default_transaction_isolation = '{level}'"
        ))
        .execute(&admin)
        .await
        .unwrap();
        admin.close().await;
        Self {
            base: base.into(),
            name,
        }
    }

    fn url(&self) -> String {
        let options: sqlx::postgres::PgConnectOptions = self.base.parse().unwrap();
        let options = options.database(&self.name);
        let user = options.get_username();
        let (host, port) = (options.get_host(), options.get_port());
        format!("postgres://{user}@{host}:{port}/{}", self.name)
    }
}

impl Drop for IsolatedDatabase {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let pool = sqlx::postgres::PgPool::connect(&base).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}: {dropped:?}", self.name);
        }
    }
}

/// The whole kit, on two pools, in databases whose default isolation is serializable and
/// repeatable read: there a compare-and-swap that loses to a concurrent write raises SQLSTATE
/// 40001 (and crossing writes may deadlock, 40P01) where read committed re-reads and matches no
/// row. Both must be conflicts the service retries, never a store error or an acceptance.
#[cfg(feature = "testkit")]
async fn the_kit_passes_where_the_default_isolation_is_serializable_or_repeatable_read() {
    let Some(base) = store_contract::postgres_url() else {
        return;
    };
    for level in ["serializable", "repeatable read"] {
        let database = IsolatedDatabase::create(&base, level).await;
        let mut stores = Vec::new();
        for _ in 0..2 {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(6)
                .connect(&database.url())
                .await
                .unwrap();
            let shown: String = sqlx::query_scalar("SHOW default_transaction_isolation")
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(shown, level);
            let store = PostgresStore::new(pool, "records").unwrap();
            store.migrate().await.unwrap();
            stores.push(std::sync::Arc::new(store));
        }
        if let Err(failure) = twofactor::testkit::run_conformance(stores).await {
            panic!("the conformance kit under {level}: {failure}");
        }
    }
}

/// Seconds since the epoch by this machine's clock.
fn here_now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// `server_time` is UTC whatever the session's time zone: a pool whose connections are 14 hours
/// ahead (`Pacific/Kiritimati`) reads the same time as this machine.
async fn the_server_time_is_utc_whatever_the_sessions_time_zone() {
    use twofactor::Store as _;
    let Some(schema) = postgres().await else { return };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::Executor::execute(conn, "SET TIME ZONE 'Pacific/Kiritimati'").await?;
                Ok(())
            })
        })
        .connect_lazy(&schema.url())
        .unwrap();
    let store = PostgresStore::new(pool, "records").unwrap();
    store.migrate().await.unwrap();
    let zone: String = sqlx::query_scalar("SELECT current_setting('TimeZone')")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(zone, "Pacific/Kiritimati");
    let server = i64::try_from(store.server_time().await.unwrap().unwrap()).unwrap();
    assert!(
        (server - here_now()).abs() <= 3,
        "server {server}, here {}",
        here_now()
    );
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    let mut trials = sql_trials();
    trials.extend([
        trial!(Postgres, async(4) instances_migrating_at_once_apply_each_step_once),
        trial!(Nothing, async an_unreachable_server_is_a_database_error),
        trial!(Postgres, async(4) the_server_time_is_utc_whatever_the_sessions_time_zone),
    ]);
    #[cfg(feature = "testkit")]
    trials.push(trial!(
        Postgres,
        async(4) the_kit_passes_where_the_default_isolation_is_serializable_or_repeatable_read
    ));
    trials
}
