//! The web example's sealing at rest, over HTTP: the key file, a restart, a rotation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;

use reqwest::StatusCode;
use twofactor::Secret;
use twofactor::seal::{Keyring, SealingKey};
use twofactor::store::Record;

use crate::common;
use crate::web::{self, App, Browser};

/// The rows of the 2FA table as the application left them: user id, version, `record`.
async fn stored_records(app: &App) -> Vec<(String, i64, Vec<u8>)> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(app.database())
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let rows = sqlx::query_as("SELECT user_id, version, record FROM two_factor ORDER BY user_id")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows
}

/// Asserts that no `record` holds `secret`: neither its bytes nor its base32 (either case);
/// and that the record of `user` is there, with every secret sealed under `keyring`'s
/// current key (`needs_reseal` holds for a plain secret).
async fn assert_sealed(app: &App, user: &str, secret: &Secret, keyring: &Keyring) {
    let rows = stored_records(app).await;
    let bytes = secret.expose_secret();
    let base32 = secret.to_base32();
    let forms: [&[u8]; 3] = [bytes, base32.as_bytes(), &base32.to_lowercase().into_bytes()];
    for (id, _, record) in &rows {
        for form in forms {
            assert!(
                !record.windows(form.len()).any(|window| window == form),
                "the record of {id} holds the secret in the clear"
            );
        }
    }
    let (_, version, record) = rows
        .iter()
        .find(|(id, _, _)| id == user)
        .unwrap_or_else(|| panic!("no record of {user}"));
    let record = Record::decode(user, u64::try_from(*version).unwrap(), record).unwrap();
    assert!(
        !record.needs_reseal(keyring),
        "the record of {user} is not sealed under key {}",
        keyring.current_key_id()
    );
}

fn keyring_of(id: u32, hex: &str) -> Keyring {
    Keyring::new(SealingKey::new(id, &common::hex(hex.trim())).unwrap())
}

/// The first start creates the sealing key file (mode 0600) and says where the key came from,
/// never the key. Through enrollment, pending and then on, the `record` column never holds the
/// secret, as bytes or base32: it is sealed under that key. A restart reads the same file
/// (unchanged) and the user still signs in with the app's code.
#[tokio::test]
async fn secrets_are_sealed_in_the_database_and_a_restart_still_opens_them() {
    let app = App::start();
    let key = std::fs::read_to_string(app.key_file()).unwrap();
    assert_eq!(key.trim().len(), 64, "64 hex characters");
    let keyring = keyring_of(1, &key);
    let created = format!("sealing key 1: created {}", app.key_file().display());
    assert!(
        app.startup.iter().any(|line| line.starts_with(&created)),
        "{:?}",
        app.startup
    );
    assert!(app.startup.iter().all(|line| !line.contains(key.trim())));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.key_file()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    let mut alice = Browser::new(&app);
    alice.sign_in_with_password("alice").await;
    alice.get("/2fa/setup").await;
    let setup = alice.post("/2fa/setup", &[]).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let secret = web::secret_from_setup(&setup.body);
    assert_sealed(&app, "user-1", &secret, &keyring).await;
    let totp = web::totp_from_setup(&setup.body);
    let code = totp.generate(app.now().await).unwrap().to_string();
    let enabled = alice.post("/2fa/enable", &[("code", &code)]).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_sealed(&app, "user-1", &secret, &keyring).await;

    let app = app.restart_with(&[]);
    let from = format!("sealing key 1: from {}", app.key_file().display());
    assert!(app.startup.contains(&from), "{:?}", app.startup);
    assert!(
        app.startup
            .contains(&"sealed at rest: every record under key 1 (0 records resealed now)".to_owned()),
        "{:?}",
        app.startup
    );
    assert_eq!(std::fs::read_to_string(app.key_file()).unwrap(), key);
    // The clock starts again from the system's: move past the step the enrollment spent.
    app.advance(30).await;
    Browser::new(&app).sign_in_with_code("alice", &totp).await;
    assert_sealed(&app, "user-1", &secret, &keyring).await;
}

/// A key file that is not a key stops the start with a message naming the file (never
/// overwritten), before the database is created.
#[test]
fn a_malformed_key_file_stops_the_start() {
    let dir = web::fresh_dir();
    std::fs::write(web::key_file_in(&dir), "not a key\n").unwrap();
    let output = web::command(&dir, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "cannot start: {} is not a sealing key: it must be 64 hex characters",
        web::key_file_in(&dir).display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(web::key_file_in(&dir)).unwrap(),
        "not a key\n"
    );
    assert!(!web::database_in(&dir).exists());
    std::fs::remove_dir_all(dir).unwrap();
}

/// Rotation as the module docs tell it: keys from the environment (no key file made); the new
/// key current and the old one kept, and the start reseals every record under the new key;
/// then the old key goes and sign-in still works. Starting with only the old key instead is
/// not silent: the record that cannot be opened is reported.
#[tokio::test]
async fn rotating_the_key_reseals_every_record_and_the_old_key_can_then_go() {
    let old = "11".repeat(32);
    let new = "22".repeat(32);
    let app = App::start_with(&[("TWOFACTOR_WEB_SEALING_KEY", &old)]);
    assert!(
        app.startup
            .contains(&"sealing key 1: from TWOFACTOR_WEB_SEALING_KEY".to_owned()),
        "{:?}",
        app.startup
    );
    assert!(!app.key_file().exists(), "no key file when the key is set");
    let enrolled = web::enroll(&app, "alice").await;
    assert!(!stored_records(&app).await[0].2.is_empty());

    let app = app.restart_with(&[
        ("TWOFACTOR_WEB_SEALING_KEY", &new),
        ("TWOFACTOR_WEB_SEALING_KEY_ID", "2"),
        ("TWOFACTOR_WEB_OLD_SEALING_KEY", &old),
        ("TWOFACTOR_WEB_OLD_SEALING_KEY_ID", "1"),
    ]);
    for line in [
        "sealing key 2: from TWOFACTOR_WEB_SEALING_KEY",
        "sealing key 1: from TWOFACTOR_WEB_OLD_SEALING_KEY, only to open what it sealed",
        "sealed at rest: every record under key 2 (1 record resealed now)",
    ] {
        assert!(
            app.startup.contains(&line.to_owned()),
            "{line:?} in {:?}",
            app.startup
        );
    }
    let (_, version, record) = stored_records(&app)
        .await
        .into_iter()
        .find(|(id, _, _)| id == "user-1")
        .unwrap();
    let record = Record::decode("user-1", u64::try_from(version).unwrap(), &record).unwrap();
    assert!(!record.needs_reseal(&keyring_of(2, &new)));
    assert!(record.needs_reseal(&keyring_of(1, &old)));

    let app = app.restart_with(&[
        ("TWOFACTOR_WEB_SEALING_KEY", &new),
        ("TWOFACTOR_WEB_SEALING_KEY_ID", "2"),
    ]);
    assert!(
        app.startup
            .contains(&"sealed at rest: every record under key 2 (0 records resealed now)".to_owned()),
        "{:?}",
        app.startup
    );
    app.advance(30).await;
    Browser::new(&app)
        .sign_in_with_code("alice", &enrolled.totp)
        .await;

    let app = app.restart_with(&[("TWOFACTOR_WEB_SEALING_KEY", &old)]);
    assert!(
        app.startup.contains(
            &"sealed at rest: 1 record could not be resealed under key 1 (see above): keep the old key, or restore the key they were sealed with".to_owned()
        ),
        "{:?}",
        app.startup
    );
}
