//! The README's migration guide, run: a hand-built users table (`two_factor_secret`,
//! `two_factor_enabled`, `backup_codes`) in SQLite and in PostgreSQL, with a secret stored plain
//! (an 80-bit one among them), one encrypted by the application, and backup codes plain or
//! bcrypt-hashed (Devise-style), imported row by row into a sealed store beside it; every
//! imported user then signs in with the code their app shows (computed by `totp-rs`, not this
//! crate) and with their old backup codes, each once.
#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "bcrypt",
    feature = "seal"
))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use data_encoding::{BASE32_NOPAD, BASE64};
use twofactor::backup::{BackupCodeSet, HmacHasher};
use twofactor::keys::ServerKeys;
use twofactor::otp::TotpParams;
use twofactor::policy::Import;
use twofactor::{Config, Error, ManualClock, PostgresStore, Secret, SqliteStore, Store, TwoFactor, Via};

use crate::store_contract::{self, PgSchema};

const START: u64 = 1_700_000_000;
/// The old application's key for `two_factor_secret` (its `config/credentials`).
const APP_KEY: [u8; 32] = [0x5e; 32];

/// How the old application kept a user's second factor.
struct Legacy {
    id: &'static str,
    /// The secret as the user's app has it, base32.
    secret: &'static str,
    /// Whether `two_factor_secret` holds it encrypted by the application.
    encrypted: bool,
    enabled: bool,
    /// The codes the user was shown.
    codes: &'static [&'static str],
    /// Whether `backup_codes` holds their bcrypt hashes (else the codes).
    bcrypt: bool,
}

const USERS: &[Legacy] = &[
    Legacy {
        id: "alice",
        secret: "jbsw y3dp ehpk 3pxp", // 80 bits, as many older apps issued, lower case, spaced
        encrypted: false,
        enabled: true,
        codes: &["a1b2c3d4e5", "f6a7b8c9d0"],
        bcrypt: false,
    },
    Legacy {
        id: "bob",
        secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        encrypted: true,
        enabled: true,
        codes: &["73619042", "22904417"],
        bcrypt: false,
    },
    Legacy {
        id: "carol",
        secret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
        encrypted: false,
        enabled: true,
        codes: &["3f9a1c07e2b4d865", "0b1c2d3e4f5a6978", "9999888877776666"],
        bcrypt: true,
    },
    Legacy {
        id: "dave",
        secret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
        encrypted: false,
        enabled: false,
        codes: &[],
        bcrypt: false,
    },
];

/// The `two_factor_secret` column of a user: base32, or base64 of nonce ‖ XChaCha20-Poly1305.
fn secret_column(user: &Legacy) -> String {
    if !user.encrypted {
        return user.secret.to_owned();
    }
    let nonce = [0x24u8; 24];
    let cipher = XChaCha20Poly1305::new(<&Key>::from(&APP_KEY));
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), user.secret.as_bytes())
        .unwrap();
    BASE64.encode(&[&nonce[..], &sealed].concat())
}

/// The `backup_codes` column: a JSON array of the codes, or of their bcrypt hashes.
fn codes_column(user: &Legacy) -> String {
    let codes: Vec<String> = user
        .codes
        .iter()
        .map(|code| match user.bcrypt {
            true => bcrypt::hash(code, 4).unwrap(),
            false => (*code).to_owned(),
        })
        .collect();
    serde_json::to_string(&codes).unwrap()
}

/// One row of the old table, as the migration reads it.
struct Row {
    id: String,
    two_factor_secret: String,
    backup_codes: String,
}

/// The guide's step 2: one row into an import. The application's own decryption, then the
/// crate's lenient base32 (80-bit secrets by the named legacy opt-in), then the backup codes:
/// bcrypt hashes kept as they are, plain codes hashed on import.
fn import_of(row: &Row) -> Import {
    let text = match BASE64.decode(row.two_factor_secret.as_bytes()) {
        Ok(bytes) if bytes.len() > 24 => {
            let (nonce, sealed) = bytes.split_at(24);
            let cipher = XChaCha20Poly1305::new(<&Key>::from(&APP_KEY));
            let plain = cipher
                .decrypt(&XNonce::from(<[u8; 24]>::try_from(nonce).unwrap()), sealed)
                .unwrap();
            String::from_utf8(plain).unwrap()
        }
        _ => row.two_factor_secret.clone(),
    };
    let secret = Secret::from_base32(&text)
        .or_else(|_| Secret::from_base32_legacy(&text))
        .unwrap();
    let codes: Vec<String> = serde_json::from_str(&row.backup_codes).unwrap();
    let import = Import::new(secret, TotpParams::DEFAULT);
    if codes.iter().all(|code| code.starts_with("$2")) {
        let length = USERS.iter().find(|user| user.id == row.id).unwrap().codes[0].len();
        import.backup_set(BackupCodeSet::import_bcrypt(&codes, length, true).unwrap())
    } else {
        import.backup_codes(codes)
    }
}

/// What the user's app shows at `time`, computed by `totp-rs` from the secret the user holds.
fn app_code(secret: &str, time: u64) -> String {
    let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = BASE32_NOPAD.decode(compact.to_uppercase().as_bytes()).unwrap();
    let totp = totp_rs::Builder::new().with_secret(bytes).build_noncompliant();
    totp.generate(time).to_string()
}

/// Imports `rows` into `store` (sealed) and signs every imported user in with their app and
/// their old backup codes; the disabled user has no second factor.
async fn migrate_and_sign_in<S: Store + 'static>(store: S, rows: Vec<Row>) {
    let clock = ManualClock::new(START);
    let keys = ServerKeys::generate(1).unwrap();
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[9; 32]).unwrap())
        .build()
        .unwrap();
    let service = Arc::new(TwoFactor::new(store, clock.clone(), config, &keys));
    assert_eq!(rows.len(), 3, "the enabled rows only");
    for row in &rows {
        service.import(&row.id, import_of(row)).await.unwrap();
    }
    clock.advance(30);
    for user in USERS.iter().filter(|user| user.enabled) {
        let code = app_code(user.secret, clock.get());
        service.verify(user.id, &code).await.unwrap();
        for code in user.codes {
            let verified = service.verify(user.id, code).await.unwrap();
            assert_eq!(verified.via, Via::BackupCode);
            assert!(matches!(
                service.verify(user.id, code).await,
                Err(Error::Replay { via: Via::BackupCode })
            ));
        }
    }
    assert!(!service.status("dave").await.unwrap().enabled);
}

/// The guide on SQLite: the old table and the records table in one database file.
async fn sqlite_users_table_migrates_and_signs_in() {
    let dir = std::env::temp_dir().join(store_contract::unique("twofactor_guide"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.db");
    let store = SqliteStore::open(&path, "two_factor").await.unwrap();
    let pool = store.pool().clone();
    sqlx::query(
        "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, two_factor_secret TEXT, \
         two_factor_enabled INTEGER NOT NULL, backup_codes TEXT)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for user in USERS {
        sqlx::query("INSERT INTO users VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(user.id)
            .bind(format!("{}@example.com", user.id))
            .bind(secret_column(user))
            .bind(user.enabled)
            .bind(codes_column(user))
            .execute(&pool)
            .await
            .unwrap();
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, two_factor_secret, backup_codes FROM users WHERE two_factor_enabled = 1 ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let rows = rows
        .into_iter()
        .map(|(id, two_factor_secret, backup_codes)| Row {
            id,
            two_factor_secret,
            backup_codes,
        })
        .collect();
    migrate_and_sign_in(store, rows).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The guide on PostgreSQL, in a schema of its own.
async fn postgres_users_table_migrates_and_signs_in() {
    let Some(url) = store_contract::postgres_url() else {
        return;
    };
    let schema = PgSchema::create(&url, "twofactor_guide").await;
    let store = PostgresStore::connect(&schema.url(), "two_factor").await.unwrap();
    let pool = store.pool().clone();
    sqlx::query(
        "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, two_factor_secret TEXT, \
         two_factor_enabled BOOLEAN NOT NULL, backup_codes TEXT)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for user in USERS {
        sqlx::query("INSERT INTO users VALUES ($1, $2, $3, $4, $5)")
            .bind(user.id)
            .bind(format!("{}@example.com", user.id))
            .bind(secret_column(user))
            .bind(user.enabled)
            .bind(codes_column(user))
            .execute(&pool)
            .await
            .unwrap();
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, two_factor_secret, backup_codes FROM users WHERE two_factor_enabled ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let rows = rows
        .into_iter()
        .map(|(id, two_factor_secret, backup_codes)| Row {
            id,
            two_factor_secret,
            backup_codes,
        })
        .collect();
    migrate_and_sign_in(store, rows).await;
    pool.close().await;
    drop(schema);
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![
        trial!(Nothing, async(2) sqlite_users_table_migrates_and_signs_in),
        trial!(Postgres, async(2) postgres_users_table_migrates_and_signs_in),
    ]
}
