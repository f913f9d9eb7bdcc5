//! `MySqlStore` on the server named by `TWOFACTOR_MYSQL_URL` (MariaDB in CI; reported as ignored
//! when it is unset, failing under `CI=true`), each test in a database of its own that is
//! dropped at its end: the store contract, races between two pools (two application instances)
//! under both isolation levels, connections with and without `CLIENT_FOUND_ROWS`, deadlocks and
//! lock-wait timeouts, corrupt rows, migrations and their lock, table names, user ids compared
//! byte for byte.
#![cfg(feature = "mysql")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::store_contract;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions, MySqlSslMode};
use sqlx::{ConnectOptions as _, Executor as _};
use store_contract::{MyDatabase, MyProxy, SqlBackend, record, record_with, unique};
use twofactor::store::{SqlStoreError, Write};
use twofactor::{MySqlStore, Store};

async fn mysql() -> Option<MyDatabase> {
    let url = store_contract::mysql_url()?;
    Some(MyDatabase::create(&url, "twofactor_test").await)
}

/// A pool of up to six connections on `options` (rather than `connect`'s sixteen, so that
/// tests running side by side stay well under the server's `max_connections`, 151 by default),
/// each running the statements of `setup` when it connects.
fn pool(options: MySqlConnectOptions, setup: &'static [&'static str]) -> MySqlPool {
    MySqlPoolOptions::new()
        .max_connections(6)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                for statement in setup {
                    conn.execute(*statement).await?;
                }
                Ok(())
            })
        })
        .connect_lazy_with(options)
}

/// A migrated store on `table` through `pool`.
async fn store_on(pool: MySqlPool, table: &str) -> MySqlStore {
    let store = MySqlStore::new(pool, table).unwrap();
    store.migrate().await.unwrap();
    store
}

/// One connection of its own, outside any pool: another application, or an operator.
async fn connection(db: &MyDatabase) -> MySqlConnection {
    db.options().connect().await.unwrap()
}

impl SqlBackend for MyDatabase {
    type Store = MySqlStore;

    /// A new pool for each store: two stores on one table are two application instances.
    async fn open(&self, table: &str) -> Result<MySqlStore, SqlStoreError> {
        let store = MySqlStore::new(pool(self.options(), &[]), table)?;
        store.migrate().await?;
        Ok(store)
    }

    async fn set_record_bytes(&self, store: &MySqlStore, user: &str, bytes: &[u8]) {
        let sql = format!("UPDATE `{}` SET record = ? WHERE user_id = ?", store.table());
        let done = sqlx::query(&sql)
            .bind(bytes)
            .bind(user)
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }

    async fn columns(&self, store: &MySqlStore, user: &str) -> Option<store_contract::Columns> {
        use sqlx::Row as _;
        let sql = format!(
            "SELECT version, enabled, throttled_until, epoch FROM `{}` WHERE user_id = ?",
            store.table()
        );
        let row = sqlx::query(&sql)
            .bind(user)
            .fetch_optional(store.pool())
            .await
            .unwrap()?;
        Some(store_contract::Columns {
            version: row.get(0),
            enabled: row.get(1),
            throttled_until: row.get(2),
            epoch: row.get(3),
        })
    }

    async fn migrations(&self, store: &MySqlStore) -> Vec<(i64, String, String)> {
        let sql = format!(
            "SELECT version, description, CAST(applied_at AS CHAR) FROM `{}_migrations` ORDER BY version",
            store.table()
        );
        sqlx::query_as(&sql).fetch_all(store.pool()).await.unwrap()
    }
}

sql_suite!(mysql, MySql);

/// The session's isolation level, as the server names it (`READ-COMMITTED`…): MySQL 8 and
/// MariaDB 11 call the variable `transaction_isolation`, older MariaDB only `tx_isolation`.
async fn isolation(pool: &MySqlPool) -> String {
    match sqlx::query_scalar("SELECT @@SESSION.transaction_isolation")
        .fetch_one(pool)
        .await
    {
        Ok(level) => level,
        Err(_) => sqlx::query_scalar("SELECT @@SESSION.tx_isolation")
            .fetch_one(pool)
            .await
            .unwrap(),
    }
}

/// The conformance kit on two pools over one table whose sessions run `first` and `second`
/// (at connection), each at the isolation level named.
#[cfg(feature = "testkit")]
async fn kit_on_two_pools(
    db: &MyDatabase,
    first: (&'static [&'static str], &str),
    second: (&'static [&'static str], &str),
) {
    let table = unique("kit_iso");
    let mut stores = Vec::new();
    for (setup, level) in [first, second] {
        let store = store_on(pool(db.options(), setup), &table).await;
        assert_eq!(isolation(store.pool()).await, level);
        stores.push(Arc::new(store));
    }
    if let Err(failure) = twofactor::testkit::run_conformance(stores).await {
        panic!(
            "conformance kit, two pools at {} and {}: {failure}",
            first.1, second.1
        );
    }
}

const READ_COMMITTED: &[&str] = &["SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"];
const REPEATABLE_READ: &[&str] = &["SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"];

/// The whole kit, both pools at `READ COMMITTED`.
#[cfg(feature = "testkit")]
async fn kit_two_pools_at_read_committed() {
    let Some(db) = mysql().await else { return };
    kit_on_two_pools(
        &db,
        (READ_COMMITTED, "READ-COMMITTED"),
        (READ_COMMITTED, "READ-COMMITTED"),
    )
    .await;
}

/// The whole kit, both pools at `REPEATABLE READ` (InnoDB's default, set explicitly), and
/// one pool at each level (a deployment that changes it instance by instance).
#[cfg(feature = "testkit")]
async fn kit_two_pools_at_repeatable_read_and_mixed() {
    let Some(db) = mysql().await else { return };
    kit_on_two_pools(
        &db,
        (REPEATABLE_READ, "REPEATABLE-READ"),
        (REPEATABLE_READ, "REPEATABLE-READ"),
    )
    .await;
    kit_on_two_pools(
        &db,
        (READ_COMMITTED, "READ-COMMITTED"),
        (REPEATABLE_READ, "REPEATABLE-READ"),
    )
    .await;
}

/// MariaDB's `innodb_snapshot_isolation` (10.6.18 and later; on by default from 11.6) makes a
/// transaction fail with 1020 when a row it locks changed after its snapshot was taken; the
/// store's writes, one statement each, take their snapshot as they start and never meet it.
/// The kit under `REPEATABLE READ` with it on, where the server has it.
#[cfg(feature = "testkit")]
async fn kit_two_pools_with_snapshot_isolation_where_the_server_has_it() {
    let Some(db) = mysql().await else { return };
    let mut conn = connection(&db).await;
    let has_it = sqlx::query("SHOW VARIABLES LIKE 'innodb_snapshot_isolation'")
        .fetch_optional(&mut conn)
        .await
        .unwrap()
        .is_some();
    const SNAPSHOT: &[&str] = &[
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "SET SESSION innodb_snapshot_isolation = ON",
    ];
    if has_it {
        kit_on_two_pools(&db, (SNAPSHOT, "REPEATABLE-READ"), (SNAPSHOT, "REPEATABLE-READ")).await;
    } else {
        eprintln!("this server has no innodb_snapshot_isolation: the kit runs at plain REPEATABLE READ");
        kit_on_two_pools(
            &db,
            (REPEATABLE_READ, "REPEATABLE-READ"),
            (REPEATABLE_READ, "REPEATABLE-READ"),
        )
        .await;
    }
}

/// Every statement of such a session reads one frozen clock (`SET timestamp`), so that the
/// store writes the same `updated_at` every time.
const FROZEN_CLOCK: &[&str] = &["SET SESSION timestamp = 1700000000.25"];

/// sqlx's connections ask for found rows (`CLIENT_FOUND_ROWS`: an `UPDATE` counts the rows it
/// matched); through [`MyProxy`] they do not (it counts the rows it changed). A compare-and-swap
/// whose new row equals the old one in every column but `version` — the same record bytes, the
/// same queryable columns, the same `updated_at` (a frozen clock) — is applied on both, because
/// the version changes; a stale one is refused on both.
async fn a_swap_that_changes_only_the_version_is_applied_with_and_without_found_rows() {
    let Some(db) = mysql().await else { return };
    let options = db.options();
    let proxy = MyProxy::start(format!("{}:{}", options.get_host(), options.get_port()), false).await;
    let table = unique("found_rows");
    let direct = store_on(pool(options.clone(), FROZEN_CLOCK), &table).await;
    let without = options
        .clone()
        .host("127.0.0.1")
        .port(proxy.port)
        .ssl_mode(MySqlSslMode::Disabled);
    let proxied = store_on(pool(without, FROZEN_CLOCK), &table).await;
    assert!(
        proxy.connections() > 0,
        "the proxied store connects through the proxy"
    );

    for (store, found_rows) in [(&direct, true), (&proxied, false)] {
        let user = unique("found_rows_user");
        assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Applied);

        // The connection's flag, in the server's own count: an UPDATE that matches the row and
        // changes nothing counts it only with found rows.
        let nothing = sqlx::query(&format!(
            "UPDATE `{table}` SET version = version, updated_at = UTC_TIMESTAMP(6) WHERE user_id = ?"
        ))
        .bind(&user)
        .execute(store.pool())
        .await
        .unwrap();
        assert_eq!(
            nothing.rows_affected(),
            u64::from(found_rows),
            "found rows {found_rows}: a matched, unchanged row"
        );

        // Version 1 → 2, nothing else: the same bytes, columns and clock.
        let next = record(&user, 2);
        assert_eq!(next.encode(), record(&user, 1).encode());
        let before = updated_at(store, &user).await;
        assert_eq!(
            store.compare_and_swap(1, next.clone()).await.unwrap(),
            Write::Applied,
            "found rows {found_rows}"
        );
        assert_eq!(updated_at(store, &user).await, before, "the frozen clock");
        assert_eq!(before, "2023-11-14 22:13:20.250000");
        assert_eq!(store.load(&user).await.unwrap(), Some(next));
        assert_eq!(
            store.compare_and_swap(1, record(&user, 3)).await.unwrap(),
            Write::Conflict,
            "found rows {found_rows}: stale"
        );
        assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Conflict);
        assert_eq!(store.delete(&user, 1).await.unwrap(), Write::Conflict);
        assert_eq!(store.load(&user).await.unwrap(), Some(record(&user, 2)));

        // The case the store's contract rules out (a "swap" to the same version, which the
        // service never writes): the row is matched but not changed, and without found rows
        // the server says 0. This is why the store relies on the version changing.
        assert_eq!(
            store.compare_and_swap(2, record(&user, 2)).await.unwrap(),
            if found_rows {
                Write::Applied
            } else {
                Write::Conflict
            },
            "found rows {found_rows}: a write that changes nothing"
        );
        assert_eq!(store.delete(&user, 2).await.unwrap(), Write::Applied);
        assert_eq!(store.load(&user).await.unwrap(), None);
    }
}

async fn updated_at(store: &MySqlStore, user: &str) -> String {
    sqlx::query_scalar(&format!(
        "SELECT CAST(updated_at AS CHAR) FROM `{}` WHERE user_id = ?",
        store.table()
    ))
    .bind(user)
    .fetch_one(store.pool())
    .await
    .unwrap()
}

/// The whole kit on two pools over one table, one connecting directly (found rows) and one
/// through [`MyProxy`] (no found rows).
#[cfg(feature = "testkit")]
async fn kit_two_pools_with_and_without_found_rows() {
    let Some(db) = mysql().await else { return };
    let options = db.options();
    let proxy = MyProxy::start(format!("{}:{}", options.get_host(), options.get_port()), false).await;
    let table = unique("kit_found_rows");
    let without = options
        .clone()
        .host("127.0.0.1")
        .port(proxy.port)
        .ssl_mode(MySqlSslMode::Disabled);
    let stores = vec![
        Arc::new(store_on(pool(without, &[]), &table).await),
        Arc::new(store_on(pool(options, &[]), &table).await),
    ];
    let nothing = sqlx::query(&format!("UPDATE `{table}_migrations` SET version = version"))
        .execute(stores[0].pool())
        .await
        .unwrap();
    assert_eq!(
        nothing.rows_affected(),
        0,
        "the first pool does not ask for found rows"
    );
    if let Err(failure) = twofactor::testkit::run_conformance(stores).await {
        panic!("conformance kit, with and without found rows: {failure}");
    }
}

/// Waits until `count` transactions are waiting for a lock in a statement that names `table`
/// (`information_schema.INNODB_TRX`).
async fn until_waiting(db: &MyDatabase, table: &str, count: i64) {
    let mut conn = connection(db).await;
    let started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX \
             WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE ?",
        )
        .bind(format!("%`{table}`%"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if waiting >= count {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{waiting} of {count} statements on {table} wait for a lock"
        );
        // InnoDB refreshes the table only when it has not been read for 100 ms.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The deadlocks InnoDB has broken since the server started (MariaDB's `Innodb_deadlocks`).
async fn deadlocks(conn: &mut MySqlConnection) -> Option<u64> {
    let row: Option<(String, String)> = sqlx::query_as("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")
        .fetch_optional(conn)
        .await
        .unwrap();
    row.map(|(_, value)| value.parse().unwrap())
}

/// A transaction that has written 200 rows (of a scratch table): InnoDB breaks a deadlock by
/// rolling back the transaction that has done the least, so against this one the store's
/// one-statement write is always the victim.
async fn heavy_transaction(db: &MyDatabase, table: &str) -> MySqlConnection {
    let mut conn = connection(db).await;
    let scratch = format!("{table}_heavy");
    conn.execute(&*format!(
        "CREATE TABLE `{scratch}` (id INT NOT NULL PRIMARY KEY) ENGINE = InnoDB"
    ))
    .await
    .unwrap();
    conn.execute("BEGIN").await.unwrap();
    conn.execute(&*format!(
        "INSERT INTO `{scratch}` (id) WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n"
    ))
    .await
    .unwrap();
    conn
}

/// The store's compare-and-swap in a lock cycle: an operator's transaction holds a shared lock
/// on the row, the store's `UPDATE` waits for it, then the transaction asks for the exclusive
/// lock. InnoDB rolls back the lighter side, the store's statement (1213): the store says
/// conflict, and writes nothing; the transaction writes, as the race's winner would.
async fn a_deadlock_victim_is_a_conflict_and_writes_nothing() {
    let Some(db) = mysql().await else { return };
    let table = unique("deadlock");
    let store = store_on(pool(db.options(), &[]), &table).await;
    let user = unique("deadlock_user");
    assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Applied);
    let mut holder = heavy_transaction(&db, &table).await;
    let before = deadlocks(&mut holder).await;
    let version: i64 = sqlx::query_scalar(&format!(
        "SELECT version FROM `{table}` WHERE user_id = ? LOCK IN SHARE MODE"
    ))
    .bind(&user)
    .fetch_one(&mut holder)
    .await
    .unwrap();
    assert_eq!(version, 1);

    let swap = tokio::spawn({
        let (store, user) = (store.clone(), user.clone());
        async move { store.compare_and_swap(1, record_with(&user, 2, 1, true, 0)).await }
    });
    until_waiting(&db, &table, 1).await;
    // The cycle: the holder now wants the row exclusively. InnoDB breaks it at once.
    sqlx::query(&format!(
        "SELECT version FROM `{table}` WHERE user_id = ? FOR UPDATE"
    ))
    .bind(&user)
    .fetch_one(&mut holder)
    .await
    .expect("the heavy transaction is not the victim");
    assert_eq!(
        swap.await.unwrap().unwrap(),
        Write::Conflict,
        "the victim's write"
    );
    sqlx::query(&format!(
        "UPDATE `{table}` SET version = 2, epoch = 9, record = ? WHERE user_id = ?"
    ))
    .bind(record_with(&user, 2, 9, false, 0).encode().to_vec())
    .bind(&user)
    .execute(&mut holder)
    .await
    .unwrap();
    holder.execute("COMMIT").await.unwrap();

    let after = deadlocks(&mut holder).await;
    assert!(
        before.zip(after).is_none_or(|(b, a)| a > b),
        "{before:?} → {after:?}"
    );
    assert_eq!(
        store.load(&user).await.unwrap(),
        Some(record_with(&user, 2, 9, false, 0)),
        "the winner's write stays; the victim's never landed"
    );
    assert_eq!(
        store.compare_and_swap(2, record(&user, 3)).await.unwrap(),
        Write::Applied
    );
}

/// Inserts of one user in a lock cycle (MySQL's own example of a duplicate-key deadlock): a
/// transaction has inserted the user's row; a heavy transaction and the store insert it too,
/// and both wait on the duplicate key with a shared lock; the first rolls back, and each of the
/// two then needs the exclusive lock the other's shared lock blocks. InnoDB rolls back the
/// store's insert (1213): a conflict — the user has a record, the heavy transaction's.
async fn an_insert_that_deadlocks_is_a_conflict() {
    let Some(db) = mysql().await else { return };
    let table = unique("deadlock_insert");
    let store = store_on(pool(db.options(), &[]), &table).await;
    let user = unique("deadlock_insert_user");
    let insert =
        format!("INSERT INTO `{table}` (user_id, version, enabled, epoch, record) VALUES (?, 1, 0, ?, ?)");

    let mut first = connection(&db).await;
    let before = deadlocks(&mut first).await;
    first.execute("BEGIN").await.unwrap();
    sqlx::query(&insert)
        .bind(&user)
        .bind(5_i64)
        .bind(record_with(&user, 1, 5, false, 0).encode().to_vec())
        .execute(&mut first)
        .await
        .unwrap();
    let heavy = tokio::spawn({
        let mut heavy = heavy_transaction(&db, &table).await;
        let (insert, user) = (insert.clone(), user.clone());
        async move {
            sqlx::query(&insert)
                .bind(&user)
                .bind(7_i64)
                .bind(record_with(&user, 1, 7, false, 0).encode().to_vec())
                .execute(&mut heavy)
                .await
                .expect("the heavy transaction is not the victim");
            heavy.execute("COMMIT").await.unwrap();
        }
    });
    until_waiting(&db, &table, 1).await;
    let mine = tokio::spawn({
        let (store, user) = (store.clone(), user.clone());
        async move { store.insert(record_with(&user, 1, 3, false, 0)).await }
    });
    until_waiting(&db, &table, 2).await;
    first.execute("ROLLBACK").await.unwrap();

    assert_eq!(mine.await.unwrap().unwrap(), Write::Conflict);
    heavy.await.unwrap();
    let after = deadlocks(&mut first).await;
    assert!(
        before.zip(after).is_none_or(|(b, a)| a > b),
        "{before:?} → {after:?}"
    );
    assert_eq!(
        store.load(&user).await.unwrap(),
        Some(record_with(&user, 1, 7, false, 0)),
        "the heavy transaction's insert"
    );
}

/// A write that waits for a row lock longer than `innodb_lock_wait_timeout` is rolled back by
/// the server (1205): a conflict, and nothing is written, for each of the three writes.
async fn a_lock_wait_timeout_is_a_conflict_and_writes_nothing() {
    let Some(db) = mysql().await else { return };
    let table = unique("lock_wait");
    let store = store_on(
        pool(db.options(), &["SET SESSION innodb_lock_wait_timeout = 1"]),
        &table,
    )
    .await;
    let user = unique("lock_wait_user");
    assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Applied);

    let mut holder = connection(&db).await;
    holder.execute("BEGIN").await.unwrap();
    sqlx::query(&format!(
        "SELECT version FROM `{table}` WHERE user_id = ? FOR UPDATE"
    ))
    .bind(&user)
    .fetch_one(&mut holder)
    .await
    .unwrap();
    let started = Instant::now();
    assert_eq!(
        store
            .compare_and_swap(1, record_with(&user, 2, 1, true, 0))
            .await
            .unwrap(),
        Write::Conflict
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited for the lock"
    );
    assert_eq!(store.delete(&user, 1).await.unwrap(), Write::Conflict);
    assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Conflict);
    assert!(started.elapsed() >= Duration::from_millis(2700), "each waited");
    // A plain read does not wait: it reads the last committed row.
    assert_eq!(store.load(&user).await.unwrap(), Some(record(&user, 1)));
    holder.execute("ROLLBACK").await.unwrap();

    assert_eq!(
        store.load(&user).await.unwrap(),
        Some(record(&user, 1)),
        "nothing was written"
    );
    assert_eq!(
        store.compare_and_swap(1, record(&user, 2)).await.unwrap(),
        Write::Applied,
        "the version the timed-out swap expected is still there"
    );
}

/// Through the service: a verification whose write meets a row lock held past the lock-wait
/// timeout loses, reads again, decides again and writes once the lock is gone; the code is
/// accepted once.
async fn the_service_retries_a_write_that_timed_out_waiting_for_a_lock() {
    use twofactor::backup::HmacHasher;
    use twofactor::{Config, Error, ManualClock, Totp, TwoFactor};
    let Some(db) = mysql().await else { return };
    let table = unique("service_lock_wait");
    let store = store_on(
        pool(db.options(), &["SET SESSION innodb_lock_wait_timeout = 1"]),
        &table,
    )
    .await;
    let config = Config::builder("Test")
        .hasher(HmacHasher::new(1, &[1; 32]).unwrap())
        .build()
        .unwrap();
    let start = 1_700_000_010;
    let clock = ManualClock::new(start);
    let service = Arc::new(TwoFactor::without_keys(store, clock.clone(), config));
    let user = unique("service_lock_wait_user");
    let enrollment = service.begin_enrollment(&user, "test").await.unwrap();
    let totp = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment(&user, &totp.generate(start).unwrap().to_string())
        .await
        .unwrap();

    let mut holder = connection(&db).await;
    holder.execute("BEGIN").await.unwrap();
    sqlx::query(&format!(
        "SELECT version FROM `{table}` WHERE user_id = ? FOR UPDATE"
    ))
    .bind(&user)
    .fetch_one(&mut holder)
    .await
    .unwrap();
    clock.set(start + 30);
    let code = totp.generate(start + 30).unwrap().to_string();
    let started = Instant::now();
    let verify = tokio::spawn({
        let (service, user, code) = (Arc::clone(&service), user.clone(), code.clone());
        async move { service.verify(&user, &code).await }
    });
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        !verify.is_finished(),
        "the verification waits while the row is locked"
    );
    holder.execute("ROLLBACK").await.unwrap();
    verify.await.unwrap().expect("accepted once the lock is gone");
    assert!(started.elapsed() >= Duration::from_millis(2500));
    assert!(matches!(
        service.verify(&user, &code).await,
        Err(Error::Replay { .. })
    ));
}

/// Instances that start together all migrate the same table: each step is applied once and
/// none of them fails.
async fn instances_migrating_at_once_apply_each_step_once() {
    let Some(db) = mysql().await else { return };
    let url = db.url();
    let table = unique("together");
    let starts: Vec<_> = (0..8)
        .map(|_| {
            let (url, table) = (url.clone(), table.clone());
            tokio::spawn(async move { MySqlStore::connect(&url, &table).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().unwrap());
    }
    assert_eq!(db.migrations(&stores[0]).await.len(), 1);
    for store in stores {
        store.pool().close().await;
    }
}

/// `migrate` takes the named lock (keyed on the database and the table) and waits while
/// another session holds it; it releases it when done.
async fn migrate_waits_for_the_named_lock_and_releases_it() {
    let Some(db) = mysql().await else { return };
    let table = unique("named_lock");
    let name_of = "SELECT CONCAT('twofactor:', SHA1(CONCAT_WS('.', DATABASE(), ?)))";
    let mut other = connection(&db).await;
    let name: String = sqlx::query_scalar(name_of)
        .bind(&table)
        .fetch_one(&mut other)
        .await
        .unwrap();
    let granted: i64 = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
        .bind(&name)
        .fetch_one(&mut other)
        .await
        .unwrap();
    assert_eq!(granted, 1);

    let store = MySqlStore::new(pool(db.options(), &[]), &table).unwrap();
    let migrating = tokio::spawn({
        let store = store.clone();
        async move { store.migrate().await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!migrating.is_finished(), "it waits for the lock");
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    )
    .bind(&table)
    .fetch_one(&mut other)
    .await
    .unwrap();
    assert_eq!(exists, 0, "nothing was created before the lock");
    sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(&name)
        .execute(&mut other)
        .await
        .unwrap();
    migrating.await.unwrap().unwrap();
    assert_eq!(db.migrations(&store).await.len(), 1);
    let holder: Option<i64> = sqlx::query_scalar("SELECT IS_USED_LOCK(?)")
        .bind(&name)
        .fetch_one(&mut other)
        .await
        .unwrap();
    assert_eq!(holder, None, "released after the migration");
}

/// The tables are InnoDB, and `user_id` is binary.
async fn the_tables_are_innodb_with_a_binary_user_id() {
    let Some(db) = mysql().await else { return };
    let table = unique("engine");
    let store = store_on(pool(db.options(), &[]), &table).await;
    for name in [table.clone(), format!("{table}_migrations")] {
        let engine: String = sqlx::query_scalar(
            "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        )
        .bind(&name)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(engine, "InnoDB", "{name}");
    }
    let (kind, length): (String, u64) = sqlx::query_as(
        "SELECT DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'user_id'",
    )
    .bind(&table)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((kind.as_str(), length), ("varbinary", 1024));
}

/// User ids that a collation would equate (case, trailing spaces, accents) are distinct users,
/// and one longer than the column is refused, never cut short — on a session without strict
/// mode, where the server itself would cut it.
async fn user_ids_are_compared_byte_for_byte_and_never_cut() {
    let Some(db) = mysql().await else { return };
    let store = store_on(
        pool(db.options(), &["SET SESSION sql_mode = ''"]),
        &unique("user_ids"),
    )
    .await;
    let base = unique("u");
    let users = [
        base.clone(),
        base.to_uppercase(),
        format!("{base} "),
        format!("{base}\u{e9}"),
        format!("{base}e\u{301}"),
    ];
    for (epoch, user) in (1..).zip(&users) {
        assert_eq!(
            store.insert(record_with(user, 1, epoch, false, 0)).await.unwrap(),
            Write::Applied,
            "{user:?}"
        );
    }
    for (epoch, user) in (1..).zip(&users) {
        assert_eq!(
            store.load(user).await.unwrap().unwrap().epoch(),
            epoch,
            "{user:?}"
        );
    }

    let longest = format!("{base}{}", "x".repeat(1024 - base.len()));
    assert_eq!(store.insert(record(&longest, 1)).await.unwrap(), Write::Applied);
    assert_eq!(store.load(&longest).await.unwrap(), Some(record(&longest, 1)));
    let longer = format!("{longest}x");
    for written in [
        store.insert(record(&longer, 1)).await,
        store.compare_and_swap(1, record(&longer, 2)).await,
    ] {
        assert!(
            matches!(written, Err(SqlStoreError::OutOfRange { column: "user_id" })),
            "{written:?}"
        );
    }
    assert_eq!(store.load(&longer).await.unwrap(), None);
    assert_eq!(store.load(&longest).await.unwrap(), Some(record(&longest, 1)));
}

/// A server that cannot be reached is an error from every operation, never "no record".
async fn an_unreachable_server_is_a_database_error() {
    // Port 1 on the loopback interface: nothing listens there.
    let pool = MySqlPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("mysql://nobody@127.0.0.1:1/none")
        .unwrap();
    let store = MySqlStore::new(pool, "records").unwrap();
    let error = store.load("alice").await.unwrap_err();
    assert!(matches!(error, SqlStoreError::Database(_)), "{error:?}");
    assert!(
        std::error::Error::source(&error)
            .unwrap()
            .downcast_ref::<sqlx::Error>()
            .is_some()
    );
    assert!(matches!(
        store.insert(record("alice", 1)).await,
        Err(SqlStoreError::Database(_))
    ));
    assert!(matches!(
        store.compare_and_swap(1, record("alice", 2)).await,
        Err(SqlStoreError::Database(_))
    ));
    assert!(matches!(store.migrate().await, Err(SqlStoreError::Database(_))));
    // `connect` to it would retry until sqlx's 30 s acquire timeout; a URL that is not
    // MySQL's fails at once, the same way.
    assert!(matches!(
        MySqlStore::connect("not a url", "records").await,
        Err(SqlStoreError::Database(_))
    ));
}

/// `server_time` is UTC whatever the session's `time_zone`: connections 5½ hours ahead read the
/// same time as this machine, where `UNIX_TIMESTAMP(UTC_TIMESTAMP())` — the argument read in the
/// session's zone — is 5½ hours off. (MariaDB takes offsets up to +13:00, MySQL +14:00.)
async fn the_server_time_is_utc_whatever_the_sessions_time_zone() {
    let Some(db) = mysql().await else { return };
    let store = store_on(pool(db.options(), &["SET time_zone = '+05:30'"]), "records").await;
    let zone: String = sqlx::query_scalar("SELECT @@session.time_zone")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(zone, "+05:30");
    let here = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let server = i64::try_from(store.server_time().await.unwrap().unwrap()).unwrap();
    assert!((server - here).abs() <= 3, "server {server}, here {here}");
    let naive: i64 = sqlx::query_scalar("SELECT CAST(UNIX_TIMESTAMP(UTC_TIMESTAMP()) AS SIGNED)")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(
        (server - naive - 19_800).abs() <= 3,
        "server {server}, naive {naive}"
    );
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    let mut trials = sql_trials();
    trials.extend([
        trial!(MySql, async(4) a_swap_that_changes_only_the_version_is_applied_with_and_without_found_rows),
        trial!(MySql, async(4) a_deadlock_victim_is_a_conflict_and_writes_nothing),
        trial!(MySql, async(4) an_insert_that_deadlocks_is_a_conflict),
        trial!(MySql, async(4) a_lock_wait_timeout_is_a_conflict_and_writes_nothing),
        trial!(MySql, async(4) the_service_retries_a_write_that_timed_out_waiting_for_a_lock),
        trial!(MySql, async(4) instances_migrating_at_once_apply_each_step_once),
        trial!(MySql, async(4) migrate_waits_for_the_named_lock_and_releases_it),
        trial!(MySql, async(4) the_tables_are_innodb_with_a_binary_user_id),
        trial!(MySql, async(4) user_ids_are_compared_byte_for_byte_and_never_cut),
        trial!(Nothing, async an_unreachable_server_is_a_database_error),
        trial!(MySql, async(4) the_server_time_is_utc_whatever_the_sessions_time_zone),
    ]);
    #[cfg(feature = "testkit")]
    trials.extend([
        trial!(MySql, async(4) kit_two_pools_at_read_committed),
        trial!(MySql, async(4) kit_two_pools_at_repeatable_read_and_mixed),
        trial!(MySql, async(4) kit_two_pools_with_snapshot_isolation_where_the_server_has_it),
        trial!(MySql, async(4) kit_two_pools_with_and_without_found_rows),
    ]);
    trials
}
