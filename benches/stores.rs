//! Verifications per second on each SQL store, with 1 and 16 concurrent clients, beside
//! pgbench's built-in `simple-update` script run on the same server in the same run.
//!
//! ```sh
//! TWOFACTOR_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench --bench stores --features sqlite,postgres
//! ```
//!
//! A verification is `TwoFactor::verify` with a valid, fresh code: the service loads the user's
//! record (one `SELECT`), checks the code, and compare-and-swaps the record with the spent step
//! (one conditional `UPDATE`). Each client verifies for a user of its own, as many times as it
//! can for `TWOFACTOR_BENCH_SECONDS` (default 10) seconds. PostgreSQL runs when `TWOFACTOR_POSTGRES_URL` is set: the store
//! works in a schema of its own, and pgbench in a scratch database (`pgbench -i`, then
//! `pgbench -n -b simple-update -c N -j 2 -T S`); both are dropped at the end. See
//! BENCHMARKS.md for the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use twofactor::backup::HmacHasher;
use twofactor::{Config, ManualClock, PostgresStore, SqliteStore, Store, Totp, TwoFactor};

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
                rows.push(("PostgresStore", clients, rate, Some(reference)));
            }
            store.pool().close().await;
            sqlx::query(&format!("DROP DATABASE \"{scratch}\""))
                .execute(&admin)
                .await
                .unwrap();
        }
    }

    println!("\n| store | clients | verifications/s | pgbench simple-update tps | store / pgbench |");
    println!("| --- | --- | --- | --- | --- |");
    for (store, clients, rate, reference) in rows {
        let (reference, ratio) = reference.map_or(("—".into(), "—".into()), |tps: f64| {
            (format!("{tps:.0}"), format!("{:.2}", rate / tps))
        });
        println!("| {store} | {clients} | {rate:.0} | {reference} | {ratio} |");
    }
}
