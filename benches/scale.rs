//! Verifications per second on each SQL store with 1 000 and with 1 000 000 enrolled users in
//! the table, 16 clients, with p50 and p99 latency per verification and the table's size per
//! user.
//!
//! ```sh
//! TWOFACTOR_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//! TWOFACTOR_MYSQL_URL=mysql://root@127.0.0.1:3306/test \
//!     cargo bench --bench scale --features sqlite,postgres,mysql
//! ```
//!
//! One user, `template`, is enrolled through the service; its row is then copied by one bulk
//! `INSERT … SELECT` per batch into rows `u0000000`, `u0000001`, …, each with the template's
//! record bytes around its own user id (the record names its user: the 8-byte id is swapped in
//! place, by the database, so every row decodes for its own user). Each run fills the table to
//! 1 000 users, measures, fills it to 1 000 000, measures again. A measurement is the stores
//! benchmark's (`TwoFactor::verify` with a fresh code: one read, one compare-and-swap), for
//! `TWOFACTOR_BENCH_SECONDS` (default 5) seconds, by 16 clients each on a user of its own drawn
//! at random from the whole table, with a clock starting past every step used before. The
//! stores run in scratch tables, schemas or databases that are dropped at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use twofactor::backup::HmacHasher;
use twofactor::{Config, ManualClock, MySqlStore, PostgresStore, SqliteStore, Store, Totp, TwoFactor};

const CLIENTS: usize = 16;
const START: u64 = 1_700_000_010;
const PERIOD: u64 = 30;
const TEMPLATE: &str = "template";
const SIZES: [u64; 2] = [1_000, 1_000_000];

/// One measurement: verifications per second and the sorted latencies.
struct Run {
    rate: f64,
    latencies: Vec<Duration>,
}

impl Run {
    fn percentile(&self, p: usize) -> Duration {
        self.latencies[(self.latencies.len() * p / 100).min(self.latencies.len() - 1)]
    }
}

fn config() -> Config {
    Config::builder("Bench")
        .hasher(HmacHasher::new(1, &[1; 32]).unwrap())
        .build()
        .unwrap()
}

/// Enrolls `template` at `START`; the secret's generator.
async fn enroll_template<S: Store + 'static>(store: &Arc<S>) -> Totp
where
    S::Error: std::fmt::Debug,
{
    let service = TwoFactor::without_keys(Arc::clone(store), ManualClock::new(START), config());
    let enrollment = service.begin_enrollment(TEMPLATE, "bench").await.unwrap();
    let totp = Totp::new(&enrollment.secret, service.config().params());
    let code = totp.generate(START).unwrap().to_string();
    service.confirm_enrollment(TEMPLATE, &code).await.unwrap();
    totp
}

/// The template's record split around its user id: (bytes before, bytes after).
fn split_record(record: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let at = record
        .windows(TEMPLATE.len())
        .position(|w| w == TEMPLATE.as_bytes())
        .expect("the record names its user");
    (record[..at].to_vec(), record[at + TEMPLATE.len()..].to_vec())
}

/// A generator of user indexes below `n`, spread over the whole range (xorshift).
fn picks(n: u64, seed: u64) -> Vec<u64> {
    let mut x = seed | 1;
    let mut out = Vec::new();
    while out.len() < CLIENTS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let pick = x % n;
        if !out.contains(&pick) {
            out.push(pick);
        }
    }
    out
}

/// 16 clients verifying for `seconds` seconds, each for one of `users`, from step `base` on.
async fn measure<S: Store + 'static>(
    store: &Arc<S>,
    totp: &Totp,
    users: &[u64],
    base: u64,
    seconds: u64,
) -> Run
where
    S::Error: std::fmt::Debug,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = users
        .iter()
        .map(|&index| {
            let user = format!("u{index:07}");
            let clock = ManualClock::new(base);
            let service = TwoFactor::without_keys(Arc::clone(store), clock.clone(), config());
            let totp = totp.clone();
            tokio::spawn(async move {
                let (mut now, mut latencies) = (base, Vec::new());
                while Instant::now() < deadline {
                    now += PERIOD;
                    clock.set(now);
                    let code = totp.generate(now).unwrap().to_string();
                    let began = Instant::now();
                    service.verify(&user, &code).await.unwrap();
                    latencies.push(began.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = latencies.len() as f64 / start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Run { rate, latencies }
}

type Fill = Pin<Box<dyn Future<Output = ()>>>;
type Size = Pin<Box<dyn Future<Output = (u64, u64)>>>;

/// For one store: both sizes measured, the rows of the table printed at the end.
#[allow(clippy::too_many_arguments)]
async fn scale<S: Store + 'static>(
    name: &str,
    store: &Arc<S>,
    template: &[u8],
    fill: impl Fn(u64, u64, Vec<u8>, Vec<u8>) -> Fill,
    size: impl Fn() -> Size,
    totp: &Totp,
    seconds: u64,
    rows: &mut Vec<String>,
) where
    S::Error: std::fmt::Debug,
{
    let (head, tail) = split_record(template);
    let mut filled = 0;
    let mut first = None;
    for (phase, users) in SIZES.into_iter().enumerate() {
        let began = Instant::now();
        fill(filled, users, head.clone(), tail.clone()).await;
        let fill_time = began.elapsed();
        filled = users;
        let picked = picks(users, 0x9E37_79B9_7F4A_7C15 ^ users);
        let base = START + PERIOD * 10_000_000 * (u64::try_from(phase).unwrap() + 1);
        let run = measure(store, totp, &picked, base, seconds).await;
        let (count, bytes) = size().await;
        let ratio = first.map_or("—".to_string(), |r: f64| format!("{:.2}", run.rate / r));
        first.get_or_insert(run.rate);
        eprintln!("{name}: {users} users filled in {fill_time:.1?}; users picked {picked:?}");
        let row = format!(
            "| {name} | {users} | {:.0} | {ratio} | {:.2} | {:.2} | {} |",
            run.rate,
            run.percentile(50).as_secs_f64() * 1e3,
            run.percentile(99).as_secs_f64() * 1e3,
            bytes / count
        );
        eprintln!("{row}");
        rows.push(row);
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)]
async fn main() {
    let seconds = std::env::var("TWOFACTOR_BENCH_SECONDS").map_or(5, |s| s.parse().unwrap());
    let mut rows = Vec::new();
    eprintln!("load before: {}", loadavg());

    // SQLite: a file in WAL mode; the ids spliced in as hex by `unhex`.
    let dir = std::env::temp_dir().join(format!("twofactor_scale_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = Arc::new(SqliteStore::open(dir.join("scale.db"), "bench").await.unwrap());
    let totp = enroll_template(&sqlite).await;
    let template: Vec<u8> = sqlx::query_scalar("SELECT record FROM bench WHERE user_id = ?")
        .bind(TEMPLATE)
        .fetch_one(sqlite.pool())
        .await
        .unwrap();
    let pool = sqlite.pool().clone();
    scale(
        "SqliteStore (file, WAL)",
        &sqlite,
        &template,
        |from, to, head, tail| {
            let pool = pool.clone();
            Box::pin(async move {
                sqlx::query(
                    "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
                     INSERT INTO bench (user_id, version, enabled, throttled_until, epoch, record, updated_at)
                     SELECT printf('u%07d', i), t.version, t.enabled, t.throttled_until, t.epoch,
                            unhex(?3 || hex(printf('u%07d', i)) || ?4), t.updated_at
                     FROM n, bench AS t WHERE t.user_id = 'template'",
                )
                .bind(i64::try_from(from).unwrap())
                .bind(i64::try_from(to).unwrap())
                .bind(hex(&head))
                .bind(hex(&tail))
                .execute(&pool)
                .await
                .unwrap();
            })
        },
        || {
            let pool = pool.clone();
            Box::pin(async move {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bench")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                let page: i64 = sqlx::query_scalar("PRAGMA page_size")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                (count.try_into().unwrap(), (pages * page).try_into().unwrap())
            })
        },
        &totp,
        seconds,
        &mut rows,
    )
    .await;
    sqlite.pool().close().await;
    std::fs::remove_dir_all(&dir).unwrap();

    match std::env::var("TWOFACTOR_POSTGRES_URL") {
        Err(_) => eprintln!("SKIPPED: TWOFACTOR_POSTGRES_URL is not set; PostgreSQL was not measured"),
        Ok(url) => {
            let scratch = format!("twofactor_scale_{}", std::process::id());
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE \"{scratch}\""))
                .execute(&admin)
                .await
                .unwrap();
            let store = Arc::new(
                PostgresStore::connect(&with_database(&url, &scratch), "bench")
                    .await
                    .unwrap(),
            );
            let totp = enroll_template(&store).await;
            let template: Vec<u8> = sqlx::query_scalar("SELECT record FROM bench WHERE user_id = $1")
                .bind(TEMPLATE)
                .fetch_one(store.pool())
                .await
                .unwrap();
            let pool = store.pool().clone();
            scale(
                "PostgresStore",
                &store,
                &template,
                |from, to, head, tail| {
                    let pool = pool.clone();
                    Box::pin(async move {
                        sqlx::query(
                            "INSERT INTO bench (user_id, version, enabled, throttled_until, epoch, record, updated_at)
                             SELECT 'u' || lpad(i::text, 7, '0'), t.version, t.enabled, t.throttled_until, t.epoch,
                                    $3 || convert_to('u' || lpad(i::text, 7, '0'), 'UTF8') || $4, t.updated_at
                             FROM generate_series($1::bigint, $2::bigint - 1) AS i, bench AS t
                             WHERE t.user_id = 'template'",
                        )
                        .bind(i64::try_from(from).unwrap())
                        .bind(i64::try_from(to).unwrap())
                        .bind(head)
                        .bind(tail)
                        .execute(&pool)
                        .await
                        .unwrap();
                        sqlx::raw_sql("VACUUM ANALYZE bench").execute(&pool).await.unwrap();
                    })
                },
                || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let (count, bytes): (i64, i64) = sqlx::query_as(
                            "SELECT COUNT(*), pg_total_relation_size('bench') FROM bench",
                        )
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                        (count.try_into().unwrap(), bytes.try_into().unwrap())
                    })
                },
                &totp,
                seconds,
                &mut rows,
            )
            .await;
            store.pool().close().await;
            sqlx::query(&format!("DROP DATABASE \"{scratch}\" WITH (FORCE)"))
                .execute(&admin)
                .await
                .unwrap();
        }
    }

    match std::env::var("TWOFACTOR_MYSQL_URL") {
        Err(_) => eprintln!("SKIPPED: TWOFACTOR_MYSQL_URL is not set; MySQL was not measured"),
        Ok(url) => {
            let scratch = format!("twofactor_scale_{}", std::process::id());
            let admin = sqlx::MySqlPool::connect(&url).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE `{scratch}`"))
                .execute(&admin)
                .await
                .unwrap();
            let store = Arc::new(
                MySqlStore::connect(&with_database(&url, &scratch), "bench")
                    .await
                    .unwrap(),
            );
            let totp = enroll_template(&store).await;
            let template: Vec<u8> = sqlx::query_scalar("SELECT record FROM bench WHERE user_id = ?")
                .bind(TEMPLATE)
                .fetch_one(store.pool())
                .await
                .unwrap();
            let pool = store.pool().clone();
            scale(
                "MySqlStore (MariaDB)",
                &store,
                &template,
                |from, to, head, tail| {
                    let pool = pool.clone();
                    Box::pin(async move {
                        // Batches of at most 100 000 rows, numbered by a cross join of digits
                        // (MySQL and MariaDB alike; no recursion limit).
                        let mut at = from;
                        while at < to {
                            let end = (at + 100_000).min(to);
                            sqlx::query(
                                "INSERT INTO bench (user_id, version, enabled, throttled_until, epoch, record, updated_at)
                                 SELECT CONCAT('u', LPAD(n.i, 7, '0')), t.version, t.enabled, t.throttled_until, t.epoch,
                                        CONCAT(?, CONCAT('u', LPAD(n.i, 7, '0')), ?), t.updated_at
                                 FROM (SELECT ? + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS i
                                       FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                                             UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS a,
                                            (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                                             UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS b,
                                            (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                                             UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS c,
                                            (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                                             UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS e,
                                            (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                                             UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS f) AS n,
                                      bench AS t
                                 WHERE t.user_id = 'template' AND n.i < ?",
                            )
                            .bind(head.clone())
                            .bind(tail.clone())
                            .bind(i64::try_from(at).unwrap())
                            .bind(i64::try_from(end).unwrap())
                            .execute(&pool)
                            .await
                            .unwrap();
                            at = end;
                        }
                        sqlx::raw_sql("ANALYZE TABLE bench").execute(&pool).await.unwrap();
                    })
                },
                || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bench").fetch_one(&pool).await.unwrap();
                        let bytes: i64 = sqlx::query_scalar(
                            "SELECT CAST(data_length + index_length AS SIGNED) FROM information_schema.TABLES
                             WHERE table_schema = DATABASE() AND table_name = 'bench'",
                        )
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                        (count.try_into().unwrap(), bytes.try_into().unwrap())
                    })
                },
                &totp,
                seconds,
                &mut rows,
            )
            .await;
            store.pool().close().await;
            sqlx::query(&format!("DROP DATABASE `{scratch}`"))
                .execute(&admin)
                .await
                .unwrap();
        }
    }

    eprintln!("load after: {}", loadavg());
    println!(
        "\n| store | users | verifications/s (16 clients) | 1M / 1k | p50 ms | p99 ms | bytes per user |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for row in rows {
        println!("{row}");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
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
