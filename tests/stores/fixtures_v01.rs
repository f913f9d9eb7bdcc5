//! The records that twofactor 0.1 wrote, committed under `tests/data/v0.1/` (its README says how
//! they were made): every binary and JSON record decodes to what the manifest says, and the SQLite
//! database and the PostgreSQL dump, opened by the stores, log every user in through the service
//! with the manifest's keys, refuse the replayed code and the used backup code, and stay readable
//! after writing. Later versions keep this test, ported to their API: rows written by 0.1 must
//! keep working.
//!
//! The PostgreSQL part runs on the server named by `TWOFACTOR_POSTGRES_URL` (reported as ignored
//! when it is unset, failing under `CI=true`), in a table of its own that it drops.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;
use twofactor::backup::{Argon2Hasher, HmacHasher};
use twofactor::challenge::{ChallengeError, ChallengeKey};
use twofactor::otp::{Algorithm, TotpParams};
use twofactor::seal::{Keyring, SealingKey};
use twofactor::store::{DangerPlainSecrets, Record};
use twofactor::{
    Config, Error, ManualClock, MemoryStore, PostgresStore, SqliteStore, Store, Totp, TwoFactor, Via,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v0.1");

fn manifest() -> Value {
    let text = std::fs::read_to_string(format!("{DIR}/manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn users(manifest: &Value) -> &Vec<Value> {
    manifest["users"].as_array().unwrap()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}"))
}

fn number(value: &Value) -> u64 {
    value.as_u64().unwrap_or_else(|| panic!("not a number: {value}"))
}

fn hex(value: &Value) -> Vec<u8> {
    data_encoding::HEXLOWER.decode(text(value).as_bytes()).unwrap()
}

/// The bytes of the user's binary fixture.
fn binary(user: &Value) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{}", text(&user["files"]["binary"]))).unwrap()
}

fn params(value: &Value) -> TotpParams {
    let algorithm = match text(&value["algorithm"]) {
        "SHA1" => Algorithm::Sha1,
        "SHA256" => Algorithm::Sha256,
        "SHA512" => Algorithm::Sha512,
        other => panic!("algorithm {other}"),
    };
    TotpParams::builder()
        .algorithm(algorithm)
        .digits(u8::try_from(number(&value["digits"])).unwrap())
        .period(number(&value["period"]))
        .t0(number(&value["t0"]))
        .build()
        .unwrap()
}

fn keyring(manifest: &Value) -> Keyring {
    let key = &manifest["keys"]["sealing_keyring"]["keys"][0];
    let id = u32::try_from(number(&key["id"])).unwrap();
    Keyring::new(SealingKey::new(id, &hex(&key["key_hex"])).unwrap())
}

/// The service the manifest names, with its keys, over `store`, on `clock`.
fn service<S: Store>(
    store: S,
    clock: &ManualClock,
    manifest: &Value,
    name: &str,
) -> TwoFactor<S, ManualClock> {
    let keys = &manifest["keys"];
    let spec = &manifest["services"][name];
    let builder = Config::builder(text(&manifest["issuer"])).params(params(&spec["params"]));
    let config = match text(&spec["hasher"]) {
        "argon2id" => {
            let a = &keys["argon2_backup_hasher"];
            let cost = |name: &str| u32::try_from(number(&a[name])).unwrap();
            let hasher = Argon2Hasher::with_params(cost("m_cost"), cost("t_cost"), cost("p_cost")).unwrap();
            builder.hasher(hasher)
        }
        "hmac-sha256" => {
            let h = &keys["hmac_backup_hasher"];
            let id = u32::try_from(number(&h["key_id"])).unwrap();
            builder.hasher(HmacHasher::new(id, &hex(&h["key_hex"])).unwrap())
        }
        other => panic!("hasher {other}"),
    }
    .build()
    .unwrap();
    let challenge = &keys["challenge_key"];
    let service = TwoFactor::without_keys(store, clock.clone(), config).with_challenge_key_and_ttl(
        ChallengeKey::new(1, &hex(&challenge["key_hex"])).unwrap(),
        number(&challenge["ttl"]),
    );
    if spec["keyring"] == true {
        service.with_keyring(keyring(manifest))
    } else {
        service
    }
}

/// Checks a record against the manifest: the accessors, then the fields that have none through
/// the record's own JSON form (secrets written).
fn check_record(record: &Record, user: &Value, manifest: &Value) {
    let state = text(&user["state"]);
    let expected = &user["expected"];
    assert_eq!(record.user(), text(&user["user"]), "{state}");
    assert_eq!(record.version(), number(&expected["version"]), "{state}: version");
    assert_eq!(record.epoch(), number(&expected["epoch"]), "{state}: epoch");
    assert_eq!(
        record.is_enabled(),
        expected["is_enabled"] == true,
        "{state}: enabled"
    );
    assert_eq!(
        record.has_pending_enrollment(),
        expected["has_pending_enrollment"] == true,
        "{state}: pending"
    );
    assert_eq!(
        u64::from(record.code_failures()),
        number(&expected["code_failures"]),
        "{state}"
    );
    assert_eq!(
        u64::from(record.backup_failures()),
        number(&expected["backup_failures"]),
        "{state}"
    );
    assert_eq!(
        record.throttled_until(),
        expected["throttled_until"].as_u64(),
        "{state}"
    );
    assert_eq!(
        record.backup_codes_remaining().map(|n| n as u64),
        expected["backup_codes_remaining"].as_u64(),
        "{state}: backup codes remaining"
    );

    // 0.2 holds 0.1's authenticator as authenticator 1; its secret, parameters, last step and
    // drift are proven by the logins of `exercise`, its times by the service's status there.
    let sealed = user["active"]["stored_as"] == "sealed" || user["pending"]["stored_as"] == "sealed";
    if sealed {
        assert!(
            !record.needs_reseal(&keyring(manifest)),
            "{state}: sealed under the current key"
        );
    }
    assert_eq!(
        record.authenticator_count(),
        usize::from(!user["active"].is_null()),
        "{state}: authenticators"
    );
}

fn binary_fixtures_decode_as_the_manifest_says() {
    let manifest = manifest();
    assert_eq!(users(&manifest).len(), 10);
    for user in users(&manifest) {
        let bytes = binary(user);
        let version = number(&user["expected"]["version"]);
        let record = Record::decode(text(&user["user"]), version, &bytes).unwrap();
        check_record(&record, user, &manifest);
        // Written back in this release's format (2), with nothing lost.
        let again = record.encode();
        assert_eq!((bytes[3], again[3]), (1, 2), "{}", user["state"]);
        assert_eq!(Record::decode(record.user(), version, &again).unwrap(), record);
    }
}

fn json_fixtures_decode_to_the_binary_records() {
    let manifest = manifest();
    for user in users(&manifest) {
        let state = text(&user["state"]);
        let json = std::fs::read_to_string(format!("{DIR}/{}", text(&user["files"]["json"]))).unwrap();
        let record: Record = serde_json::from_str(&json).unwrap();
        check_record(&record, user, &manifest);
        let from_binary = Record::decode(record.user(), record.version(), &binary(user)).unwrap();
        assert_eq!(record, from_binary, "{state}: JSON and binary are one record");
        // Written again the same way, it is the same JSON; without the opt-in it is refused
        // exactly when it holds a plain secret.
        let plain = serde_json::to_value(&record);
        assert_eq!(
            plain.is_err(),
            user["files"]["json_needs_danger_plain_secrets"] == true,
            "{state}"
        );
        // Written again, it is this release's form, which reads back as the same record.
        let again = serde_json::to_string(&DangerPlainSecrets(&record)).unwrap();
        assert!(again.contains(r#""record":""#), "{state}: {again}");
        assert_eq!(serde_json::from_str::<Record>(&again).unwrap(), record, "{state}");
    }
}

/// The authenticator codes of a login: the replayed code refused (when there is one), the fresh
/// code accepted at its step, then refused as a replay.
async fn code_checks<S: Store>(service: &TwoFactor<S, ManualClock>, user: &str, login: &Value) {
    if let Some(replayed) = login["replayed_code"].as_str() {
        let refused = service.verify(user, replayed).await;
        assert!(
            matches!(refused, Err(Error::Replay { via: Via::Code })),
            "{user}: {refused:?}"
        );
    }
    let fresh = text(&login["fresh_code"]);
    let verified = service.verify(user, fresh).await.unwrap();
    assert_eq!(verified.via, Via::Code, "{user}");
    assert_eq!(
        verified.matched.unwrap().step(),
        number(&login["fresh_step"]),
        "{user}"
    );
    let again = service.verify(user, fresh).await;
    assert!(
        matches!(again, Err(Error::Replay { via: Via::Code })),
        "{user}: {again:?}"
    );
}

/// The backup codes of a login: the used one refused, an unused one accepted.
async fn backup_checks<S: Store>(service: &TwoFactor<S, ManualClock>, user: &str, login: &Value) {
    let used = service.verify(user, text(&login["used_backup_code"])).await;
    assert!(
        matches!(used, Err(Error::Replay { via: Via::BackupCode })),
        "{user}: {used:?}"
    );
    let verified = service
        .verify(user, text(&login["unused_backup_code"]))
        .await
        .unwrap();
    assert_eq!(
        (verified.via, verified.backup_codes_remaining),
        (Via::BackupCode, 8),
        "{user}"
    );
}

/// Everything a later version must still do with one user's stored record: load it as the
/// manifest says, use it through the service as its state allows, and read it back after the
/// writes.
async fn exercise<S: Store>(store: &S, manifest: &Value, user: &Value) {
    let id = text(&user["user"]);
    let state = text(&user["state"]);
    let record = store.load(id).await.unwrap().expect("the row is there");
    check_record(&record, user, manifest);
    let clock = ManualClock::new(0);
    let service = service(store, &clock, manifest, text(&user["service"]));
    let status = service.status(id).await.unwrap();
    assert_eq!(
        status.enabled_at,
        user["active"]["enabled_at"].as_u64(),
        "{state}: enabled at"
    );
    assert_eq!(status.drift, user["active"]["drift"].as_i64(), "{state}: drift");
    assert_eq!(
        status.pending_until,
        user["pending"]["expires_at"].as_u64(),
        "{state}: pending until"
    );
    let login = &user["login"];
    match state {
        "pending" => {
            let confirm = &user["confirm"];
            clock.set(number(&confirm["at"]));
            let confirmed = service
                .confirm_enrollment(id, text(&confirm["code"]))
                .await
                .unwrap();
            assert_eq!(confirmed.matched.step(), number(&confirm["step"]));
            assert_eq!((confirmed.epoch, confirmed.backup_codes.len()), (1, 10));
        }
        "disabled" => {
            clock.set(number(&user["re_enroll"]["at"]));
            assert!(matches!(
                service.verify(id, "123456").await,
                Err(Error::NotEnrolled)
            ));
            let enrollment = service
                .begin_enrollment(id, "disabled@example.com")
                .await
                .unwrap();
            let app = Totp::new(&enrollment.secret, service.config().params());
            let code = app.generate(clock.get()).unwrap().to_string();
            assert_eq!(service.confirm_enrollment(id, &code).await.unwrap().epoch, 3);
        }
        "challenge" => {
            let token = text(&user["challenge"]["token"]);
            clock.set(number(&login["at"]));
            assert_eq!(service.challenge_user(token).unwrap(), id);
            let replayed = service
                .verify_with_challenge(id, token, text(&login["replayed_code"]))
                .await;
            assert!(
                matches!(replayed, Err(Error::Replay { via: Via::Code })),
                "{replayed:?}"
            );
            let fresh = text(&login["fresh_code"]);
            let verified = service.verify_with_challenge(id, token, fresh).await.unwrap();
            assert_eq!(verified.matched.unwrap().step(), number(&login["fresh_step"]));
            let spent = service.verify_with_challenge(id, token, fresh).await;
            assert!(
                matches!(spent, Err(Error::Challenge(ChallengeError::Used))),
                "{spent:?}"
            );
            backup_checks(&service, id, login).await;
        }
        "throttled" => {
            let throttled = &login["throttled"];
            clock.set(number(&throttled["at"]));
            let refused = service.verify(id, text(&throttled["code"])).await;
            let retry_at = number(&throttled["retry_at"]);
            assert!(
                matches!(refused, Err(Error::Throttled { via: Via::Code, retry_at: r }) if r == retry_at),
                "{refused:?}"
            );
            assert_eq!(store.load(id).await.unwrap().unwrap().version(), record.version());
            clock.set(number(&login["at"]));
            code_checks(&service, id, login).await;
            let cleared = store.load(id).await.unwrap().unwrap();
            assert_eq!((cleared.code_failures(), cleared.throttled_until()), (0, None));
            backup_checks(&service, id, login).await;
        }
        "locked" => {
            clock.set(number(&login["at"]));
            let fresh = text(&login["fresh_code"]);
            let refused = service.verify(id, fresh).await;
            assert!(
                matches!(refused, Err(Error::Locked { via: Via::Code })),
                "{refused:?}"
            );
            assert_eq!(store.load(id).await.unwrap().unwrap().version(), record.version());
            assert!(service.unlock(id, "operator").await.unwrap());
            code_checks(&service, id, login).await;
            backup_checks(&service, id, login).await;
        }
        _ => {
            clock.set(number(&login["at"]));
            code_checks(&service, id, login).await;
            backup_checks(&service, id, login).await;
        }
    }
    let after = store
        .load(id)
        .await
        .unwrap()
        .expect("still there after the writes");
    assert!(after.version() > record.version(), "{state}: written");
    assert!(after.is_enabled(), "{state}");
    assert_eq!(
        Record::decode(id, after.version(), &after.encode()).unwrap(),
        after
    );
    if user["active"]["stored_as"] == "sealed" {
        // Still sealed: it serializes without the opt-in, and under the current key.
        assert!(serde_json::to_string(&after).is_ok());
        assert!(!after.needs_reseal(&keyring(manifest)));
    }
}

/// A row as the table holds it: user, version, enabled, throttled_until, epoch, record.
type Row = (String, i64, bool, Option<i64>, i64, Vec<u8>);

/// The stored rows are the binary fixtures, with the manifest's projection columns.
fn check_rows(manifest: &Value, rows: &[Row]) {
    assert_eq!(rows.len(), users(manifest).len());
    for user in users(manifest) {
        let row = rows
            .iter()
            .find(|row| row.0 == text(&user["user"]))
            .expect("a row per user");
        // The columns are written from the record: a lock (`u64::MAX`) reads as the largest BIGINT.
        let columns = &user["expected"]["sql_columns"];
        assert_eq!(row.1, columns["version"].as_i64().unwrap(), "{}", row.0);
        assert_eq!(row.2, columns["enabled"] == true, "{}", row.0);
        assert_eq!(row.3, columns["throttled_until"].as_i64(), "{}", row.0);
        assert_eq!(row.4, columns["epoch"].as_i64().unwrap(), "{}", row.0);
        assert_eq!(
            row.5,
            binary(user),
            "{}: the record column is the binary fixture",
            row.0
        );
    }
}

/// After the logins, every row was written again, in this release's format (2).
fn check_rewritten(manifest: &Value, rows: &[Row]) {
    assert_eq!(rows.len(), users(manifest).len());
    for row in rows {
        assert_eq!(row.5.get(3), Some(&2), "{}: rewritten as format 2", row.0);
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Runs `check` on its own task, then `cleanup`, then fails as `check` did: nothing is left
/// behind by a failing run.
async fn cleaning_up<F: Future<Output = ()> + Send + 'static>(check: F, cleanup: impl AsyncFnOnce()) {
    let outcome = tokio::spawn(check).await;
    cleanup().await;
    if let Err(failed) = outcome {
        std::panic::resume_unwind(failed.into_panic());
    }
}

/// The query of the migrations table, which after a migration still lists 0.1's one step only.
fn migrations_query(table: &str) -> String {
    format!("SELECT version, description FROM \"{table}_migrations\" ORDER BY version")
}

const MIGRATIONS_V01: [(i64, &str); 1] = [(1, "records table")];

/// The binary fixtures in a `MemoryStore` (as an application's own store would hold them):
/// every user logs in as the manifest says.
async fn the_binary_records_log_every_user_in_from_a_memory_store() {
    let manifest = manifest();
    let store = MemoryStore::new();
    for user in users(&manifest) {
        // A store inserts at version 1, whatever version the row had elsewhere.
        let record = Record::decode(text(&user["user"]), 1, &binary(user)).unwrap();
        assert_eq!(
            store.insert(record).await.unwrap(),
            twofactor::store::Write::Applied
        );
    }
    for user in users(&manifest) {
        let mut expected = user.clone();
        expected["expected"]["version"] = 1.into();
        exercise(&store, &manifest, &expected).await;
    }
}

/// The copy of the SQLite file, opened (and so migrated) by the store: its rows and its users.
async fn check_sqlite(manifest: Value, copy: PathBuf) {
    let table = text(&manifest["sqlite"]["table"]);
    let store = SqliteStore::open(&copy, table).await.unwrap();
    let migrations: Vec<(i64, String)> = sqlx::query_as(&migrations_query(table))
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(
        migrations,
        MIGRATIONS_V01.map(|(v, d)| (v, d.to_string())),
        "migrating adds nothing"
    );
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT user_id, version, enabled, throttled_until, epoch, record FROM \"{table}\""
    ))
    .fetch_all(store.pool())
    .await
    .unwrap();
    check_rows(&manifest, &rows);
    for user in users(&manifest) {
        exercise(&store, &manifest, user).await;
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT user_id, version, enabled, throttled_until, epoch, record FROM \"{table}\""
    ))
    .fetch_all(store.pool())
    .await
    .unwrap();
    check_rewritten(&manifest, &rows);
    store.pool().close().await;
}

async fn the_sqlite_database_logs_every_user_in() {
    let manifest = manifest();
    let committed = PathBuf::from(DIR).join(text(&manifest["sqlite"]["file"]));
    let original = std::fs::read(&committed).unwrap();
    assert!(
        original.len() < 64 * 1024,
        "a small file: {} bytes",
        original.len()
    );
    let dir = std::env::temp_dir().join(unique("twofactor-fixtures-v01"));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("copy.sqlite3");
    std::fs::copy(&committed, &copy).unwrap();
    cleaning_up(check_sqlite(manifest, copy), async || {
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
    assert_eq!(
        std::fs::read(&committed).unwrap(),
        original,
        "the committed file is unchanged"
    );
}

/// A PostgreSQL table's columns and constraints, as text, with the table's name taken out of the
/// constraints' names.
async fn shape(pool: &sqlx::PgPool, table: &str) -> (Option<String>, Option<String>) {
    let columns = sqlx::query_scalar(
        "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || \
         coalesce(column_default, '-'), ', ' ORDER BY ordinal_position) \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(table)
    .fetch_one(pool)
    .await
    .unwrap();
    let constraints = sqlx::query_scalar(
        "SELECT string_agg(replace(conname, $1, '') || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname) \
         FROM pg_constraint WHERE conrelid = (quote_ident($1))::regclass",
    )
    .bind(table)
    .fetch_one(pool)
    .await
    .unwrap();
    (columns, constraints)
}

/// The dump replayed into `table`, beside `fresh` that 0.1's migration made: the same shape, a
/// migration that adds nothing, the rows and the users.
async fn check_postgres(manifest: Value, pool: sqlx::PgPool, table: String, fresh: String) {
    let dump = std::fs::read_to_string(PathBuf::from(DIR).join(text(&manifest["postgres"]["file"]))).unwrap();
    sqlx::raw_sql(&dump.replace(text(&manifest["postgres"]["placeholder"]), &table))
        .execute(&pool)
        .await
        .unwrap();
    PostgresStore::new(pool.clone(), &fresh)
        .unwrap()
        .migrate()
        .await
        .unwrap();
    assert_eq!(shape(&pool, &table).await, shape(&pool, &fresh).await);
    let (migrations, fresh_migrations) = (format!("{table}_migrations"), format!("{fresh}_migrations"));
    assert_eq!(
        shape(&pool, &migrations).await,
        shape(&pool, &fresh_migrations).await
    );
    let store = PostgresStore::new(pool.clone(), &table).unwrap();
    store.migrate().await.unwrap();
    let migrations: Vec<(i64, String)> = sqlx::query_as(&migrations_query(&table))
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        migrations,
        MIGRATIONS_V01.map(|(v, d)| (v, d.to_string())),
        "migrating adds nothing"
    );
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT user_id, version, enabled, throttled_until, epoch, record FROM \"{table}\""
    ))
    .fetch_all(&pool)
    .await
    .unwrap();
    check_rows(&manifest, &rows);
    for user in users(&manifest) {
        exercise(&store, &manifest, user).await;
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT user_id, version, enabled, throttled_until, epoch, record FROM \"{table}\""
    ))
    .fetch_all(&pool)
    .await
    .unwrap();
    check_rewritten(&manifest, &rows);
}

async fn the_postgres_dump_logs_every_user_in() {
    let url = match std::env::var("TWOFACTOR_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!(
                "TWOFACTOR_POSTGRES_URL is not set, and CI=true: the v0.1 PostgreSQL fixtures must be tested"
            )
        }
        _ => {
            // Written past the test harness's capture, so that it shows on a passing run too.
            let notice = "SKIPPED: TWOFACTOR_POSTGRES_URL is not set; the v0.1 PostgreSQL fixtures were not replayed\n";
            std::io::Write::write_all(&mut std::io::stderr(), notice.as_bytes()).unwrap();
            return;
        }
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();
    let table = unique("fixture_v01");
    let fresh = format!("{table}_fresh");
    let check = check_postgres(manifest(), pool.clone(), table.clone(), fresh.clone());
    cleaning_up(check, async || {
        for name in [&table, &fresh] {
            sqlx::raw_sql(&format!(
                "DROP TABLE IF EXISTS \"{name}\"; DROP TABLE IF EXISTS \"{name}_migrations\""
            ))
            .execute(&pool)
            .await
            .unwrap();
        }
    })
    .await;
    pool.close().await;
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![
        trial!(Nothing, fn binary_fixtures_decode_as_the_manifest_says),
        trial!(Nothing, fn json_fixtures_decode_to_the_binary_records),
        trial!(Nothing, async the_binary_records_log_every_user_in_from_a_memory_store),
        trial!(Nothing, async the_sqlite_database_logs_every_user_in),
        trial!(Postgres, async the_postgres_dump_logs_every_user_in),
    ]
}
