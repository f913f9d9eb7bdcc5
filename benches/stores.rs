//! Verifications per second on each SQL store, with 1 and 16 concurrent clients, beside a
//! baseline run on the same server in the same run: pgbench's built-in `simple-update` script
//! for PostgreSQL, a two-statement transaction on a row of the same size for MySQL.
//!
//! ```sh
//! TWOFACTOR_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//! TWOFACTOR_MYSQL_URL=mysql://root@127.0.0.1:3306/test \
//!     cargo bench --bench stores --features sqlite,postgres,mysql
//! ```
//!
//! A verification is `TwoFactor::verify` with a valid, fresh code: the service loads the user's
//! record (one `SELECT`), checks the code, and compare-and-swaps the record with the spent step
//! (one conditional `UPDATE`). Each client verifies for a user of its own, as many times as it
//! can for `TWOFACTOR_BENCH_SECONDS` (default 10) seconds. PostgreSQL runs when `TWOFACTOR_POSTGRES_URL` is set: the store
//! works in a schema of its own, and pgbench in a scratch database (`pgbench -i`, then
//! `pgbench -n -b simple-update -c N -j 2 -T S`); both are dropped at the end. MySQL runs when
//! `TWOFACTOR_MYSQL_URL` is set, in a scratch database: the store, then the baseline — N clients
//! on a pool of as many connections as `MySqlStore::connect`'s, each repeating, on a row of its
//! own, `BEGIN; SELECT version, record …; UPDATE … SET version = ?, record = ? WHERE id = ? AND
//! version = ?; COMMIT` (the store's read and conditional write, in one explicit transaction,
//! with a blob as long as the store's records), for the same time; the database is dropped at
//! the end. See BENCHMARKS.md for the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use twofactor::backup::HmacHasher;
use twofactor::{Config, ManualClock, MySqlStore, PostgresStore, SqliteStore, Store, Totp, TwoFactor};

const CLIENTS: [usize; 2] = [1, 16];
const START: u64 = 1_700_000_010;
const PERIOD: u64 = 30;

/// `clients` tasks verifying for `seconds` seconds through the service on `store`:
/// verifications per second. Each client has a user of its own, enrolled first, and a service
/// of its own over the shared store, with a manual clock that moves one time step per
/// verification, so that every code is fresh and accepted (no replay, no throttling).
async fn verifications_per_second<S: Store + 'static>(store: Arc<S>, clients: usize, seconds: u64) -> f64
where
    S::Error: std::fmt::Debug,
{
    let config = Config::builder("Bench")
        .hasher(HmacHasher::new(1, &[1; 32]).unwrap())
        .build()
        .unwrap();
    let mut enrolled = Vec::new();
    for client in 0..clients {
        let user = format!("bench_{}_{clients}_{client}", std::process::id());
        let clock = ManualClock::new(START);
        let service = TwoFactor::without_keys(Arc::clone(&store), clock.clone(), config.clone());
        let enrollment = service.begin_enrollment(&user, "bench").await.unwrap();
        let totp = Totp::new(&enrollment.secret, service.config().params());
        let code = totp.generate(START).unwrap().to_string();
        service.confirm_enrollment(&user, &code).await.unwrap();
        enrolled.push((user, clock, service, totp));
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = enrolled
        .into_iter()
        .map(|(user, clock, service, totp)| {
            tokio::spawn(async move {
                let (mut now, mut done) = (START, 0u64);
                while Instant::now() < deadline {
                    now += PERIOD;
                    clock.set(now);
                    let code = totp.generate(now).unwrap().to_string();
                    service.verify(&user, &code).await.unwrap();
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / start.elapsed().as_secs_f64();
    rate
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// pgbench's transactions per second for `simple-update` with `clients` clients.
fn pgbench(url: &str, clients: usize, seconds: u64) -> f64 {
    let output = Command::new("pgbench")
        .args(["-n", "-b", "simple-update", "-j", "2"])
        .args(["-c", &clients.to_string(), "-T", &seconds.to_string(), url])
        .output()
        .expect("pgbench (in PostgreSQL's packages) must be installed");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pgbench failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text.lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .unwrap_or_else(|| panic!("no tps in pgbench's output: {text}"))
}

/// The baseline on MySQL: `clients` tasks, each repeating for `seconds` seconds the store's read
/// and conditional write of a row of its own (a `record` of `record_len` bytes) as one
/// two-statement transaction, on a pool of `MySqlStore::DEFAULT_MAX_CONNECTIONS` connections:
/// transactions per second.
async fn mysql_baseline(url: &str, clients: usize, seconds: u64, record_len: usize) -> f64 {
    let pool = sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(MySqlStore::DEFAULT_MAX_CONNECTIONS)
        .connect(url)
        .await
        .unwrap();
    let table = format!("baseline_{clients}");
    sqlx::query(&format!(
        "CREATE TABLE `{table}` (id BIGINT NOT NULL PRIMARY KEY, version BIGINT NOT NULL, record LONGBLOB NOT NULL) ENGINE = InnoDB"
    ))
    .execute(&pool)
    .await
    .unwrap();
    for client in 0..clients {
        sqlx::query(&format!(
            "INSERT INTO `{table}` (id, version, record) VALUES (?, 0, ?)"
        ))
        .bind(i64::try_from(client).unwrap())
        .bind(vec![7u8; record_len])
        .execute(&pool)
        .await
        .unwrap();
    }
    let (select, update) = (
        format!("SELECT version, record FROM `{table}` WHERE id = ?"),
        format!("UPDATE `{table}` SET version = ?, record = ? WHERE id = ? AND version = ?"),
    );
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (pool, select, update) = (pool.clone(), select.clone(), update.clone());
            let id = i64::try_from(client).unwrap();
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let mut tx = pool.begin().await.unwrap();
                    let (version, mut record): (i64, Vec<u8>) = sqlx::query_as(&select)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap();
                    record[0] = record[0].wrapping_add(1);
                    let updated = sqlx::query(&update)
                        .bind(version + 1)
                        .bind(record)
                        .bind(id)
                        .bind(version)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    assert_eq!(updated.rows_affected(), 1);
                    tx.commit().await.unwrap();
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / start.elapsed().as_secs_f64();
    pool.close().await;
    rate
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = std::env::var("TWOFACTOR_BENCH_SECONDS").map_or(10, |s| s.parse().unwrap());
    let mut rows = Vec::new();

    let dir = std::env::temp_dir().join(format!("twofactor_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = Arc::new(SqliteStore::open(dir.join("bench.db"), "bench").await.unwrap());
    for clients in CLIENTS {
        let rate = verifications_per_second(Arc::clone(&sqlite), clients, seconds).await;
        rows.push(("SqliteStore (file, WAL)", clients, rate, None));
    }
    sqlite.pool().close().await;
    std::fs::remove_dir_all(&dir).unwrap();

    match std::env::var("TWOFACTOR_POSTGRES_URL") {
        Err(_) => eprintln!("SKIPPED: TWOFACTOR_POSTGRES_URL is not set; PostgreSQL was not measured"),
        Ok(url) => {
            let scratch = format!("twofactor_bench_{}", std::process::id());
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE \"{scratch}\""))
                .execute(&admin)
                .await
                .unwrap();
            let scratch_url = with_database(&url, &scratch);
            let store = Arc::new(PostgresStore::connect(&scratch_url, "bench").await.unwrap());
            let init = Command::new("pgbench")
                .args(["-i", "-q", &scratch_url])
                .output()
                .unwrap();
            assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
            for clients in CLIENTS {
                let rate = verifications_per_second(Arc::clone(&store), clients, seconds).await;
                let reference = pgbench(&scratch_url, clients, seconds);
                rows.push((
                    "PostgresStore",
                    clients,
                    rate,
                    Some(("pgbench simple-update", reference)),
                ));
            }
            store.pool().close().await;
            sqlx::query(&format!("DROP DATABASE \"{scratch}\""))
                .execute(&admin)
                .await
                .unwrap();
        }
    }

    match std::env::var("TWOFACTOR_MYSQL_URL") {
        Err(_) => eprintln!("SKIPPED: TWOFACTOR_MYSQL_URL is not set; MySQL was not measured"),
        Ok(url) => {
            let scratch = format!("twofactor_bench_{}", std::process::id());
            let admin = sqlx::MySqlPool::connect(&url).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE `{scratch}`"))
                .execute(&admin)
                .await
                .unwrap();
            let scratch_url = with_database(&url, &scratch);
            let store = Arc::new(MySqlStore::connect(&scratch_url, "bench").await.unwrap());
            for clients in CLIENTS {
                let rate = verifications_per_second(Arc::clone(&store), clients, seconds).await;
                let record_len: i64 =
                    sqlx::query_scalar("SELECT CAST(MAX(LENGTH(record)) AS SIGNED) FROM bench")
                        .fetch_one(store.pool())
                        .await
                        .unwrap();
                let record_len = usize::try_from(record_len).unwrap();
                let reference = mysql_baseline(&scratch_url, clients, seconds, record_len).await;
                rows.push((
                    "MySqlStore",
                    clients,
                    rate,
                    Some(("two-statement transaction", reference)),
                ));
            }
            store.pool().close().await;
            sqlx::query(&format!("DROP DATABASE `{scratch}`"))
                .execute(&admin)
                .await
                .unwrap();
        }
    }

    println!("\n| store | clients | verifications/s | baseline | baseline tps | store / baseline |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (store, clients, rate, reference) in rows {
        let (name, reference, ratio) = reference
            .map_or(("—", "—".into(), "—".into()), |(name, tps): (&str, f64)| {
                (name, format!("{tps:.0}"), format!("{:.2}", rate / tps))
            });
        println!("| {store} | {clients} | {rate:.0} | {name} | {reference} | {ratio} |");
    }
}
