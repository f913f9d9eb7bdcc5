//! The checks of the SQL stores (SQLite, PostgreSQL, MySQL), written once over a small
//! `SqlBackend` trait that each database's test file implements: their columns, corrupt and out-of-range rows, migrations,
//! separate tables, table names, and the conformance kit (`twofactor::testkit`, the one contract
//! every `Store` is held to) with one pool and with two.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use std::future::Future;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use twofactor::Store;
use twofactor::store::Record;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use twofactor::store::Write;

/// What a record's queryable columns should hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    pub version: i64,
    pub enabled: bool,
    pub throttled_until: Option<i64>,
    pub epoch: i64,
}

/// A record of `user` at `version` with the given epoch, an active authenticator or not, and a
/// throttle deadline: bytes written by hand to the layout documented in `src/record/codec.rs`
/// (the service that makes such records is not in this branch).
pub fn record_with(user: &str, version: u64, epoch: u64, enabled: bool, throttled_until: u64) -> Record {
    let mut b = b"2FA\x01".to_vec();
    b.extend_from_slice(&u16::try_from(user.len()).unwrap().to_be_bytes());
    b.extend_from_slice(user.as_bytes());
    b.extend_from_slice(&epoch.to_be_bytes());
    if enabled {
        b.extend_from_slice(&[1, 0, 20]); // active, plain secret of 20 bytes
        b.extend_from_slice(b"12345678901234567890");
        b.extend_from_slice(&[0, 6]); // SHA-1, 6 digits
        b.extend_from_slice(&30u64.to_be_bytes()); // period
        b.extend_from_slice(&0u64.to_be_bytes()); // t0
        b.push(0); // no last step
        b.extend_from_slice(&0u64.to_be_bytes()); // drift
        b.extend_from_slice(&1_700_000_000u64.to_be_bytes()); // enabled at
    } else {
        b.push(0);
    }
    b.push(0); // no pending enrollment
    b.extend_from_slice(&3u32.to_be_bytes()); // code failures
    b.extend_from_slice(&throttled_until.to_be_bytes());
    b.extend_from_slice(&[0; 12]); // backup throttle
    b.extend_from_slice(&[0, 0]); // no backup codes, no challenge
    let record = Record::decode(user, version, &b).unwrap();
    assert_eq!(
        (
            record.epoch(),
            record.is_enabled(),
            record.throttled_until().unwrap_or(0)
        ),
        (epoch, enabled, throttled_until)
    );
    record
}

/// A plain record of `user` at `version`.
pub fn record(user: &str, version: u64) -> Record {
    record_with(user, version, 0, false, 0)
}

/// A name no other test, and no other run, uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#[allow(unused_imports)]
pub use sql::*;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod sql {
    use super::*;

    /// The database side of the SQL stores' tests: opening stores on one database and reading or
    /// changing rows behind the store's back.
    pub trait SqlBackend {
        type Store: Store<Error = twofactor::store::SqlStoreError> + twofactor::store::ListUsers + 'static;

        /// A store on `table` through a new pool of several connections (as another application
        /// instance would open it), migrated.
        fn open(
            &self,
            table: &str,
        ) -> impl Future<Output = Result<Self::Store, twofactor::store::SqlStoreError>>;

        /// Sets the `record` column of `user`'s row.
        fn set_record_bytes(&self, store: &Self::Store, user: &str, bytes: &[u8])
        -> impl Future<Output = ()>;

        /// The queryable columns of `user`'s row.
        fn columns(&self, store: &Self::Store, user: &str) -> impl Future<Output = Option<Columns>>;

        /// The rows of the migrations table: version, description, `applied_at` as text.
        fn migrations(&self, store: &Self::Store) -> impl Future<Output = Vec<(i64, String, String)>>;
    }

    /// The columns for operators follow every write.
    pub async fn sql_columns_follow_the_record<B: SqlBackend>(backend: &B) {
        let store = backend.open(&unique("columns")).await.unwrap();
        let user = unique("columns_user");
        let expect = |version, enabled, throttled_until, epoch| Columns {
            version,
            enabled,
            throttled_until,
            epoch,
        };
        assert_eq!(backend.columns(&store, &user).await, None);
        assert_eq!(
            store.insert(record_with(&user, 1, 0, false, 0)).await.unwrap(),
            Write::Applied
        );
        assert_eq!(
            backend.columns(&store, &user).await,
            Some(expect(1, false, None, 0))
        );
        let enabled = record_with(&user, 2, 1, true, 1_700_000_600);
        assert_eq!(
            store.compare_and_swap(1, enabled.clone()).await.unwrap(),
            Write::Applied
        );
        assert_eq!(
            backend.columns(&store, &user).await,
            Some(expect(2, true, Some(1_700_000_600), 1))
        );
        let refused = record_with(&user, 3, 9, false, 0);
        assert_eq!(
            store.compare_and_swap(1, refused.clone()).await.unwrap(),
            Write::Conflict
        );
        assert_eq!(
            backend.columns(&store, &user).await,
            Some(expect(2, true, Some(1_700_000_600), 1)),
            "a refused write changes no column"
        );
        let locked = record_with(&user, 3, 1, true, u64::MAX);
        assert_eq!(
            store.compare_and_swap(2, locked.clone()).await.unwrap(),
            Write::Applied
        );
        assert_eq!(
            backend.columns(&store, &user).await,
            Some(expect(3, true, Some(i64::MAX), 1)),
            "a lock (u64::MAX) reads as the largest BIGINT"
        );
        assert_eq!(store.load(&user).await.unwrap(), Some(locked));
        let cleared = record_with(&user, 4, 2, false, 0);
        assert_eq!(
            store.compare_and_swap(3, cleared.clone()).await.unwrap(),
            Write::Applied
        );
        assert_eq!(
            backend.columns(&store, &user).await,
            Some(expect(4, false, None, 2))
        );
    }

    /// A row whose bytes do not decode is a typed error naming the user, never "not enrolled".
    pub async fn sql_corrupt_rows_are_errors<B: SqlBackend>(backend: &B) {
        use twofactor::store::{RecordError, SqlStoreError};
        let store = backend.open(&unique("corrupt")).await.unwrap();
        let user = unique("corrupt_user");
        assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Applied);
        let good = record(&user, 1).encode().to_vec();
        let mut newer_format = good.clone();
        newer_format[3] = 9;
        let other_user = record("mallory", 1).encode().to_vec();
        for (bytes, expected) in [
            (b"not a record".to_vec(), RecordError::NotARecord),
            (Vec::new(), RecordError::Truncated { field: "marker" }),
            (newer_format, RecordError::UnsupportedFormat { version: 9 }),
            (
                good[..good.len() - 1].to_vec(),
                RecordError::Truncated { field: "devices" },
            ),
            (other_user, RecordError::UserMismatch),
        ] {
            backend.set_record_bytes(&store, &user, &bytes).await;
            match store.load(&user).await {
                Err(SqlStoreError::Corrupt { user: named, error }) => {
                    assert_eq!((named.as_str(), error), (user.as_str(), expected));
                }
                other => panic!("{expected:?}: {other:?}"),
            }
        }
        backend.set_record_bytes(&store, &user, &good).await;
        assert_eq!(
            store.load(&user).await.unwrap(),
            Some(record(&user, 1)),
            "repaired"
        );
    }

    /// A second `migrate`, and opening the table again, change nothing: the step is recorded once,
    /// at its first application, and the rows stay.
    pub async fn sql_migrate_twice_is_a_no_op<B: SqlBackend>(backend: &B) {
        let table = unique("migrate");
        let store = backend.open(&table).await.unwrap();
        let user = unique("migrate_user");
        assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Applied);
        let applied = backend.migrations(&store).await;
        assert_eq!(
            applied
                .iter()
                .map(|(v, d, _)| (*v, d.as_str()))
                .collect::<Vec<_>>(),
            [(1, "records table")]
        );
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // a later applied_at would show
        let again = backend.open(&table).await.unwrap(); // migrates
        assert_eq!(backend.migrations(&again).await, applied);
        assert_eq!(again.load(&user).await.unwrap(), Some(record(&user, 1)));
    }

    /// Two tables in one database are two stores: neither sees the other's rows.
    pub async fn sql_tables_are_separate<B: SqlBackend>(backend: &B) {
        let (a, b) = (
            backend.open(&unique("left")).await.unwrap(),
            backend.open(&unique("right")).await.unwrap(),
        );
        let user = unique("shared_name");
        assert_eq!(
            a.insert(record_with(&user, 1, 5, false, 0)).await.unwrap(),
            Write::Applied
        );
        assert_eq!(b.load(&user).await.unwrap(), None);
        assert_eq!(
            b.insert(record_with(&user, 1, 7, true, 0)).await.unwrap(),
            Write::Applied
        );
        assert_eq!(a.load(&user).await.unwrap().unwrap().epoch(), 5);
        assert_eq!(b.delete(&user, 1).await.unwrap(), Write::Applied);
        assert_eq!(a.load(&user).await.unwrap().unwrap().epoch(), 5);
    }

    /// Names that are not lowercase identifiers of at most 52 bytes are refused before anything
    /// is sent, and a reserved word works (the name is quoted).
    pub async fn sql_table_names<B: SqlBackend>(backend: &B) {
        for name in [
            "",
            "Two_Factor",
            "two-factor",
            "2fa",
            "x; DROP TABLE y",
            &"t".repeat(53),
        ] {
            match backend.open(name).await {
                Err(twofactor::store::SqlStoreError::InvalidTableName { name: given }) => {
                    assert_eq!(given, name);
                }
                other => panic!("{name:?}: {:?}", other.map(|_| ())),
            }
        }
        // A keyword as a table name: every statement quotes it.
        let store = backend.open("user").await.unwrap();
        let user = unique("keyword_table_user");
        assert_eq!(store.insert(record(&user, 1)).await.unwrap(), Write::Applied);
        assert_eq!(store.load(&user).await.unwrap(), Some(record(&user, 1)));
        assert_eq!(
            store.compare_and_swap(1, record(&user, 2)).await.unwrap(),
            Write::Applied
        );
        assert_eq!(store.delete(&user, 2).await.unwrap(), Write::Applied);
        let longest = format!("{}{}", unique("l"), "x".repeat(52))
            .chars()
            .take(52)
            .collect::<String>();
        let store = backend.open(&longest).await.unwrap();
        assert_eq!(backend.migrations(&store).await.len(), 1);
    }

    /// The conformance kit, through the service, on one store (one pool of several connections).
    #[cfg(feature = "testkit")]
    pub async fn sql_kit_one_pool<B: SqlBackend>(backend: &B) {
        let store = backend.open(&unique("kit")).await.unwrap();
        if let Err(failure) = twofactor::testkit::run_conformance(vec![Arc::new(store)]).await {
            panic!("conformance kit, one pool: {failure}");
        }
    }

    /// The conformance kit on two stores over one table, each with its own pool: two application
    /// instances (PostgreSQL), or one database file opened twice (SQLite). The kit spreads its
    /// racing tasks over both.
    #[cfg(feature = "testkit")]
    pub async fn sql_kit_two_pools<B: SqlBackend>(backend: &B) {
        let table = unique("kit_two");
        let stores = vec![
            Arc::new(backend.open(&table).await.unwrap()),
            Arc::new(backend.open(&table).await.unwrap()),
        ];
        if let Err(failure) = twofactor::testkit::run_conformance(stores).await {
            panic!("conformance kit, two pools on one table: {failure}");
        }
    }

    /// The store reports its database server's clock (`Store::server_time`), in Unix seconds:
    /// within a few seconds of this machine's (the server runs beside the tests), from every
    /// handle, also behind an `Arc`.
    pub async fn sql_server_time_is_the_database_clock<B: SqlBackend>(backend: &B) {
        let store = Arc::new(backend.open(&unique("clock")).await.unwrap());
        let now = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        };
        let before = now();
        let server = store
            .server_time()
            .await
            .unwrap()
            .expect("an SQL store has a clock");
        let shared = Store::server_time(&Arc::clone(&store)).await.unwrap().unwrap();
        let after = now();
        for time in [server, shared] {
            assert!(
                before.saturating_sub(3) <= time && time <= after + 3,
                "server {time}, here {before}..={after}"
            );
        }
    }

    /// Listing the users (`twofactor::testkit::check_listing`) over two pools on one table.
    #[cfg(feature = "testkit")]
    pub async fn sql_kit_listing<B: SqlBackend>(backend: &B) {
        let table = unique("list");
        let stores = vec![
            Arc::new(backend.open(&table).await.unwrap()),
            Arc::new(backend.open(&table).await.unwrap()),
        ];
        if let Err(failure) = twofactor::testkit::check_listing(&stores).await {
            panic!("listing users: {failure}");
        }
    }

    /// A record whose version does not fit a `BIGINT` is refused with a typed error, and nothing
    /// is written.
    pub async fn sql_out_of_range<B: SqlBackend>(backend: &B) {
        let store = backend.open(&unique("range")).await.unwrap();
        let user = unique("range_user");
        let huge = record(&user, u64::MAX);
        assert!(matches!(
            store.insert(huge.clone()).await,
            Err(twofactor::store::SqlStoreError::OutOfRange { column: "version" })
        ));
        assert_eq!(store.load(&user).await.unwrap(), None);
    }
}

/// The methods of `SqlBackend` that read or change rows behind the store's back, for a store
/// type with `pool()` and `table()`: the same SQL on either database.
#[macro_export]
macro_rules! raw_sql_methods {
    ($store:ty) => {
        async fn set_record_bytes(&self, store: &$store, user: &str, bytes: &[u8]) {
            let sql = format!("UPDATE \"{}\" SET record = $2 WHERE user_id = $1", store.table());
            let done = sqlx::query(&sql).bind(user).bind(bytes).execute(store.pool()).await.unwrap();
            assert_eq!(done.rows_affected(), 1);
        }

        async fn columns(&self, store: &$store, user: &str) -> Option<store_contract::Columns> {
            use sqlx::Row as _;
            let sql = format!(
                "SELECT version, enabled, throttled_until, epoch FROM \"{}\" WHERE user_id = $1",
                store.table()
            );
            let row = sqlx::query(&sql).bind(user).fetch_optional(store.pool()).await.unwrap()?;
            Some(store_contract::Columns {
                version: row.get(0),
                enabled: row.get(1),
                throttled_until: row.get(2),
                epoch: row.get(3),
            })
        }

        async fn migrations(&self, store: &$store) -> Vec<(i64, String, String)> {
            let sql = format!(
                "SELECT version, description, CAST(applied_at AS TEXT) FROM \"{}_migrations\" ORDER BY version",
                store.table()
            );
            sqlx::query_as(&sql).fetch_all(store.pool()).await.unwrap()
        }
    };
}

/// Generates one test per SQL check, each on `$backend().await` (an `Option<impl SqlBackend>`:
/// `None` skips), and `sql_trials()`, their trials, each with what it needs (`Nothing`,
/// `Postgres`, `MySql`: `tests/harness/mod.rs`).
#[macro_export]
macro_rules! sql_suite {
    ($backend:ident, $needs:ident) => {
        $crate::sql_suite!($backend, $needs, sql_checks:
            sql_columns_follow_the_record,
            sql_corrupt_rows_are_errors,
            sql_migrate_twice_is_a_no_op,
            sql_tables_are_separate,
            sql_table_names,
            sql_out_of_range,
            sql_server_time_is_the_database_clock,
        );
        #[cfg(feature = "testkit")]
        $crate::sql_suite!($backend, $needs, sql_kit_checks: sql_kit_one_pool, sql_kit_two_pools, sql_kit_listing);

        fn sql_trials() -> Vec<$crate::harness::Trial> {
            #[allow(unused_mut)]
            let mut trials = sql_checks();
            #[cfg(feature = "testkit")]
            trials.extend(sql_kit_checks());
            trials
        }
    };
    ($backend:ident, $needs:ident, $group:ident: $($check:ident),* $(,)?) => {
        $(
            async fn $check() {
                if let Some(backend) = $backend().await {
                    store_contract::$check(&backend).await;
                }
            }
        )*

        fn $group() -> Vec<$crate::harness::Trial> {
            vec![$(trial!($needs, async(4) $check)),*]
        }
    };
}

/// The PostgreSQL server of the tests, from `TWOFACTOR_POSTGRES_URL`. Unset: `None`, with a
/// notice that the test is skipped, except under CI (`CI=true`), where it fails the run. (The
/// harness reports a test that needs it as ignored before it runs: `tests/harness/mod.rs`.)
pub fn postgres_url() -> Option<String> {
    match std::env::var("TWOFACTOR_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("TWOFACTOR_POSTGRES_URL is not set, and CI=true: the PostgreSQL tests must run in CI")
        }
        _ => {
            eprintln!("SKIPPED: TWOFACTOR_POSTGRES_URL is not set; the PostgreSQL tests did not run");
            None
        }
    }
}

/// A schema of its own in the server at `url`, for one test: every table the test creates is
/// in it, and it is dropped with them when the value is dropped (also when the test fails).
/// `url()` connects with the schema as `search_path`.
#[cfg(feature = "postgres")]
pub struct PgSchema {
    base: String,
    pub name: String,
}

#[cfg(feature = "postgres")]
impl PgSchema {
    pub async fn create(base: &str, prefix: &str) -> Self {
        let name = unique(prefix);
        let mut admin = sqlx::postgres::PgPool::connect(base)
            .await
            .unwrap_or_else(|e| panic!("TWOFACTOR_POSTGRES_URL is set but the server is unreachable: {e}"))
            .acquire()
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA \"{name}\""))
            .execute(&mut *admin)
            .await
            .unwrap();
        Self {
            base: base.into(),
            name,
        }
    }

    /// The server's URL with this schema as the connections' `search_path`.
    pub fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{separator}options[search_path]={}", self.base, self.name)
    }
}

#[cfg(feature = "postgres")]
impl Drop for PgSchema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Inside the test's runtime nothing may block on it: drop from a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let pool = sqlx::postgres::PgPool::connect(&base).await?;
                sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test schema {}: {dropped:?}", self.name);
        }
    }
}

/// The MySQL (or MariaDB) server of the tests, from `TWOFACTOR_MYSQL_URL`. Unset: `None`, with a
/// notice that the test is skipped, except under CI (`CI=true`), where it fails the run. (The
/// harness reports a test that needs it as ignored before it runs: `tests/harness/mod.rs`.)
pub fn mysql_url() -> Option<String> {
    match std::env::var("TWOFACTOR_MYSQL_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("TWOFACTOR_MYSQL_URL is not set, and CI=true: the MySQL tests must run in CI")
        }
        _ => {
            eprintln!("SKIPPED: TWOFACTOR_MYSQL_URL is not set; the MySQL tests did not run");
            None
        }
    }
}

/// A database of its own in the MySQL server at `url`, for one test: every table the test
/// creates is in it, and it is dropped with them when the value is dropped (also when the test
/// fails). `options()` connects to it.
#[cfg(feature = "mysql")]
pub struct MyDatabase {
    base: sqlx::mysql::MySqlConnectOptions,
    pub name: String,
}

#[cfg(feature = "mysql")]
impl MyDatabase {
    pub async fn create(url: &str, prefix: &str) -> Self {
        use sqlx::ConnectOptions as _;
        let base: sqlx::mysql::MySqlConnectOptions =
            url.parse().expect("TWOFACTOR_MYSQL_URL is a mysql:// URL");
        let name = unique(prefix);
        let mut admin = base
            .connect()
            .await
            .unwrap_or_else(|e| panic!("TWOFACTOR_MYSQL_URL is set but the server is unreachable: {e}"));
        sqlx::query(&format!("CREATE DATABASE `{name}`"))
            .execute(&mut admin)
            .await
            .unwrap();
        Self { base, name }
    }

    /// The server's options with this database as the connections' database.
    pub fn options(&self) -> sqlx::mysql::MySqlConnectOptions {
        self.base.clone().database(&self.name)
    }

    /// `options()` as a URL, for `MySqlStore::connect`.
    pub fn url(&self) -> String {
        use sqlx::ConnectOptions as _;
        self.options().to_url_lossy().to_string()
    }
}

#[cfg(feature = "mysql")]
impl Drop for MyDatabase {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // Inside the test's runtime nothing may block on it: drop from a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                use sqlx::{ConnectOptions as _, Connection as _};
                let mut admin = base.connect().await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}: {dropped:?}", self.name);
        }
    }
}

/// A TCP proxy on 127.0.0.1 in front of a MySQL server, reading the client's packets: it notes
/// each command's type (the first byte of every packet after the handshake: `COM_QUERY` 0x03,
/// `COM_STMT_PREPARE` 0x16, `COM_STMT_EXECUTE` 0x17…) and, if asked, clears `CLIENT_FOUND_ROWS`
/// in the client's handshake response, which sqlx always sets: through it the server counts
/// only the rows an `UPDATE` changed, as for a client that does not ask for found rows.
#[cfg(feature = "mysql")]
pub struct MyProxy {
    pub port: u16,
    commands: Arc<std::sync::Mutex<Vec<u8>>>,
    connections: Arc<AtomicU64>,
}

#[cfg(feature = "mysql")]
impl MyProxy {
    /// `CLIENT_FOUND_ROWS`, bit 1 of the capability flags.
    const FOUND_ROWS: u8 = 2;

    /// Listens on a free port of 127.0.0.1, forwarding to `upstream` (`host:port`).
    pub async fn start(upstream: String, found_rows: bool) -> Self {
        use tokio::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (commands, connections) = (Arc::default(), Arc::new(AtomicU64::new(0)));
        let proxy = Self {
            port,
            commands: Arc::clone(&commands),
            connections: Arc::clone(&connections),
        };
        tokio::spawn(async move {
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect(&upstream).await.unwrap();
                connections.fetch_add(1, Ordering::Relaxed);
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, server_write) = server.into_split();
                tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
                let commands = Arc::clone(&commands);
                tokio::spawn(async move {
                    Self::forward(&mut client_read, server_write, &commands, found_rows).await
                });
            }
        });
        proxy
    }

    /// Copies the client's packets (3-byte little-endian length, sequence number, payload) to
    /// the server. The first one is the handshake response, whose payload starts with the
    /// capability flags (the proxied connections do not ask for TLS, so no `SSLRequest` comes
    /// first).
    async fn forward(
        from: &mut tokio::net::tcp::OwnedReadHalf,
        mut to: tokio::net::tcp::OwnedWriteHalf,
        commands: &std::sync::Mutex<Vec<u8>>,
        found_rows: bool,
    ) -> std::io::Result<()> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut handshake = true;
        loop {
            let mut header = [0; 4];
            from.read_exact(&mut header).await?;
            let len = u32::from_le_bytes([header[0], header[1], header[2], 0]);
            let mut payload = vec![0; usize::try_from(len).unwrap()];
            from.read_exact(&mut payload).await?;
            if handshake {
                if !found_rows {
                    payload[0] &= !Self::FOUND_ROWS;
                }
                handshake = false;
            } else if let Some(&command) = payload.first() {
                commands.lock().unwrap().push(command);
            }
            to.write_all(&header).await?;
            to.write_all(&payload).await?;
        }
    }

    /// Statements the server was asked to run since the last call (`COM_QUERY` and
    /// `COM_STMT_EXECUTE` packets), and how many statements were prepared among them.
    pub fn take(&self) -> (usize, usize) {
        let commands = std::mem::take(&mut *self.commands.lock().unwrap());
        let statements = commands.iter().filter(|&&c| c == 0x03 || c == 0x17).count();
        (statements, commands.iter().filter(|&&c| c == 0x16).count())
    }

    /// Connections made through the proxy.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}
