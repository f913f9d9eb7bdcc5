//! A verification costs one read and one conditional write: counted from outside the store.
//!
//! Two independent counts, neither of which the store can influence:
//!
//! - **sqlx's statement log.** sqlx reports every statement it executes as a `tracing` event
//!   with target `sqlx::query`, whatever issued it (the store, sqlx itself, a transaction's
//!   `BEGIN`/`COMMIT`). A subscriber installed for this test binary collects them. Both stores.
//! - **PostgreSQL's wire.** The store's pool connects through a TCP proxy that reads the
//!   frontend protocol and records each message's type: an `Execute` (`E`) or a simple `Query`
//!   (`Q`) is one statement the server runs. This is what the server receives.
//! - **MySQL's wire.** The same through `store_contract::MyProxy`, which reads the client's
//!   packets: a `COM_STMT_EXECUTE` or a `COM_QUERY` is one statement.
//!
//! The store's pool has one connection, opened and warmed (its statements prepared) before
//! counting, so nothing else runs on it. This binary runs one test at a time, the count on SQLite,
//! then on PostgreSQL, then on MySQL, so that no other test's statements reach the subscriber
//! during a count.
#![cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::store_contract;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use store_contract::record;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use twofactor::Store;
use twofactor::store::Write;

/// The summaries (first words) of the statements sqlx has executed.
#[derive(Default)]
struct StatementLog(Mutex<Vec<String>>);

impl StatementLog {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct Summary(Option<String>);

impl Visit for Summary {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "summary" {
            self.0 = Some(value.into());
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

struct Collector(Arc<StatementLog>);

impl Subscriber for Collector {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.enabled(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "sqlx::query"
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &SpanRecord<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut summary = Summary(None);
        event.record(&mut summary);
        let summary = summary.0.unwrap_or_default();
        self.0
            .0
            .lock()
            .unwrap()
            .push(summary.trim_matches('"').to_owned());
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The statements of one verification and of each other operation, as `log` reports them.
async fn count_operations<S: Store>(store: &S, log: &StatementLog, user: &str)
where
    S::Error: std::fmt::Debug,
{
    assert_eq!(store.insert(record(user, 1)).await.unwrap(), Write::Applied);
    let _warm = store.load(user).await.unwrap();
    log.take();

    // A verification: read the record, write the next version if nobody came first.
    let read = store.load(user).await.unwrap().unwrap();
    let outcome = store
        .compare_and_swap(read.version(), record(user, read.version() + 1))
        .await
        .unwrap();
    assert_eq!(outcome, Write::Applied);
    let statements = log.take();
    assert_eq!(statements.len(), 2, "one verification: {statements:?}");
    assert!(
        statements[0].starts_with("SELECT version, record"),
        "{statements:?}"
    );
    assert!(statements[1].starts_with("UPDATE"), "{statements:?}");

    // One that lost the race: the same two, and no retry inside the store.
    let _stale = store.load(user).await.unwrap();
    assert_eq!(
        store.compare_and_swap(1, record(user, 2)).await.unwrap(),
        Write::Conflict
    );
    assert_eq!(log.take().len(), 2);

    assert_eq!(store.delete(user, 2).await.unwrap(), Write::Applied);
    assert_eq!(store.insert(record(user, 1)).await.unwrap(), Write::Applied);
    let statements = log.take();
    assert_eq!(statements.len(), 2, "{statements:?}");
    assert!(statements[0].starts_with("DELETE") && statements[1].starts_with("INSERT"));
}

#[cfg(feature = "sqlite")]
async fn sqlite(log: &StatementLog) {
    let dir = std::env::temp_dir().join(store_contract::unique("twofactor_count"));
    std::fs::create_dir_all(&dir).unwrap();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(twofactor::SqliteStore::connect_options(dir.join("count.db")))
        .await
        .unwrap();
    let store = twofactor::SqliteStore::new(pool, "records").unwrap();
    store.migrate().await.unwrap();
    count_operations(&store, log, "alice").await;
    store.pool().close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The client-to-server message types seen by a proxy in front of the server at `upstream`.
#[cfg(feature = "postgres")]
#[derive(Default)]
struct Wire {
    messages: Mutex<Vec<u8>>,
    connections: AtomicU64,
}

#[cfg(feature = "postgres")]
impl Wire {
    /// Statements the server was asked to run since the last call: `Execute` and `Query`
    /// messages; and how many statements were parsed (prepared) among them.
    fn take(&self) -> (usize, usize) {
        let messages = std::mem::take(&mut *self.messages.lock().unwrap());
        let statements = messages.iter().filter(|&&m| m == b'E' || m == b'Q').count();
        (statements, messages.iter().filter(|&&m| m == b'P').count())
    }

    async fn listen(self: &Arc<Self>, upstream: String) -> u16 {
        use tokio::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let wire = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect(&upstream).await.unwrap();
                wire.connections.fetch_add(1, Ordering::Relaxed);
                let (mut client_read, mut client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let mut server_read = server_read;
                tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
                let wire = Arc::clone(&wire);
                tokio::spawn(async move { wire.forward(&mut client_read, server_write).await });
            }
        });
        port
    }

    /// Copies the client's messages to the server, noting each one's type.
    async fn forward(
        &self,
        from: &mut tokio::net::tcp::OwnedReadHalf,
        mut to: tokio::net::tcp::OwnedWriteHalf,
    ) -> std::io::Result<()> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // Startup: untyped messages (length, then a code), an SSL or GSS request first maybe.
        loop {
            let len = from.read_u32().await?;
            let mut body = vec![0; usize::try_from(len).unwrap() - 4];
            from.read_exact(&mut body).await?;
            to.write_u32(len).await?;
            to.write_all(&body).await?;
            if !matches!(
                u32::from_be_bytes(body[..4].try_into().unwrap()),
                80_877_103 | 80_877_104
            ) {
                break;
            }
        }
        loop {
            let kind = from.read_u8().await?;
            let len = from.read_u32().await?;
            let mut body = vec![0; usize::try_from(len).unwrap() - 4];
            from.read_exact(&mut body).await?;
            self.messages.lock().unwrap().push(kind);
            to.write_u8(kind).await?;
            to.write_u32(len).await?;
            to.write_all(&body).await?;
        }
    }
}

#[cfg(feature = "postgres")]
async fn postgres(log: &StatementLog) {
    use std::str::FromStr as _;
    let Some(url) = store_contract::postgres_url() else {
        return;
    };
    let schema = store_contract::PgSchema::create(&url, "twofactor_count").await;
    let options = sqlx::postgres::PgConnectOptions::from_str(&schema.url()).unwrap();
    let wire = Arc::new(Wire::default());
    let port = wire
        .listen(format!("{}:{}", options.get_host(), options.get_port()))
        .await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.host("127.0.0.1").port(port))
        .await
        .unwrap();
    let store = twofactor::PostgresStore::new(pool, "records").unwrap();
    store.migrate().await.unwrap();
    let user = "alice";
    count_operations(&store, log, user).await;
    assert_eq!(
        wire.connections.load(Ordering::Relaxed),
        1,
        "one connection, through the proxy"
    );

    // The same again, counted on the wire.
    assert_eq!(store.delete(user, 1).await.unwrap(), Write::Applied);
    assert_eq!(store.insert(record(user, 1)).await.unwrap(), Write::Applied);
    let _warm = store.load(user).await.unwrap();
    wire.take();
    let read = store.load(user).await.unwrap().unwrap();
    let outcome = store
        .compare_and_swap(read.version(), record(user, 2))
        .await
        .unwrap();
    assert_eq!(outcome, Write::Applied);
    let (statements, prepared) = wire.take();
    assert_eq!(
        (statements, prepared),
        (2, 0),
        "the server ran two statements, both prepared before"
    );
    log.take();
    store.pool().close().await;
}

#[cfg(feature = "mysql")]
async fn mysql(log: &StatementLog) {
    let Some(url) = store_contract::mysql_url() else {
        return;
    };
    let db = store_contract::MyDatabase::create(&url, "twofactor_count").await;
    let options = db.options();
    let proxy =
        store_contract::MyProxy::start(format!("{}:{}", options.get_host(), options.get_port()), true).await;
    let pool = sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(1)
        .connect_with(
            options
                .host("127.0.0.1")
                .port(proxy.port)
                .ssl_mode(sqlx::mysql::MySqlSslMode::Disabled),
        )
        .await
        .unwrap();
    let store = twofactor::MySqlStore::new(pool, "records").unwrap();
    store.migrate().await.unwrap();
    let user = "alice";
    count_operations(&store, log, user).await;

    // The same again, counted on the wire (the migration's connection was one of its own).
    assert_eq!(store.delete(user, 1).await.unwrap(), Write::Applied);
    assert_eq!(store.insert(record(user, 1)).await.unwrap(), Write::Applied);
    let _warm = store.load(user).await.unwrap();
    proxy.take();
    let read = store.load(user).await.unwrap().unwrap();
    let outcome = store
        .compare_and_swap(read.version(), record(user, 2))
        .await
        .unwrap();
    assert_eq!(outcome, Write::Applied);
    let (statements, prepared) = proxy.take();
    assert_eq!(
        (statements, prepared),
        (2, 0),
        "the server ran two statements, both prepared before"
    );
    log.take();
    store.pool().close().await;
}

/// The test `a_verification_is_one_read_and_one_conditional_write`, one trial per database
/// (`…::sqlite`, `…::postgres`, `…::mysql`, the last two ignored without
/// `TWOFACTOR_POSTGRES_URL` or `TWOFACTOR_MYSQL_URL`), for `main.rs`, which runs them one after
/// the other.
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    use crate::harness::{Needs, multi_thread, test};
    let log = Arc::new(StatementLog::default());
    tracing::subscriber::set_global_default(Collector(Arc::clone(&log))).unwrap();
    let name = "a_verification_is_one_read_and_one_conditional_write";
    let mut trials = Vec::new();
    #[cfg(feature = "sqlite")]
    {
        let log = Arc::clone(&log);
        trials.push(test(
            module_path!(),
            &format!("{name}::sqlite"),
            Needs::Nothing,
            move || {
                multi_thread(2, sqlite(&log));
            },
        ));
    }
    #[cfg(feature = "postgres")]
    {
        let log = Arc::clone(&log);
        trials.push(test(
            module_path!(),
            &format!("{name}::postgres"),
            Needs::Postgres,
            move || {
                multi_thread(2, postgres(&log));
            },
        ));
    }
    #[cfg(feature = "mysql")]
    {
        let log = Arc::clone(&log);
        trials.push(test(
            module_path!(),
            &format!("{name}::mysql"),
            Needs::MySql,
            move || {
                multi_thread(2, mysql(&log));
            },
        ));
    }
    let _ = (&log, name);
    trials
}
