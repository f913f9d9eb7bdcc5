//! The web example (`examples/web/`), driven over real HTTP: each test starts the compiled
//! application on a free loopback port with its own SQLite file, and goes through the
//! endpoints as a browser would, failures included.
//!
//! The application runs with its test hooks on (`TWOFACTOR_WEB_TEST_HOOKS=1`), which mount
//! `POST /test/clock`: it moves the application's clock forward, so that a test reaches the next
//! time step, the end of a throttling delay or of a challenge's lifetime without waiting, and
//! answers the application's time, at which the test computes its codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use crate::web;

use std::process::Stdio;

use reqwest::StatusCode;
use twofactor::Secret;
use twofactor::seal::{Keyring, SealingKey};
use twofactor::store::Record;
use web::{App, Browser};

/// Sign in with the password alone (2FA off): a session, sent home.
#[tokio::test]
async fn login_without_2fa_gives_a_session() {
    let app = App::start();
    let mut alice = Browser::new(&app);
    let response = alice
        .post(
            "/login",
            &[("username", "alice"), ("password", app.password("alice"))],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.location(), Some("/"));
    assert!(alice.has_cookie("session"));
    let cookie = response.set_cookie("session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    // Plain HTTP on loopback: no `Secure` (see examples/web/main.rs).
    assert!(!cookie.contains("Secure"), "{cookie}");

    let home = alice.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Two-factor authentication is <b>off</b>"),
        "{}",
        home.body
    );
    let status = alice.get("/2fa/status").await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(
        status.body.contains("<th>enabled</th><td>false</td>"),
        "{}",
        status.body
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_pages_need_a_session() {
    let app = App::start();
    let mut mallory = Browser::new(&app);
    let response = mallory
        .post("/login", &[("username", "alice"), ("password", "guess")])
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert!(response.body.contains("Wrong username or password."));
    let response = mallory
        .post("/login", &[("username", "nobody"), ("password", "guess")])
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert!(!mallory.has_cookie("session"));
    for path in ["/2fa/status", "/2fa/setup"] {
        assert_eq!(mallory.get(path).await.location(), Some("/login"), "{path}");
    }
    let response = mallory.post("/2fa/enable", &[("code", "123456")]).await;
    assert_eq!(response.location(), Some("/login"));
}

/// Setup shows the QR code as a `data:` URL and as SVG; a wrong code does not enable; the right
/// one does and shows the backup codes once.
#[tokio::test]
async fn setup_shows_the_qr_code_and_enable_takes_only_the_right_code() {
    let app = App::start();
    let mut alice = Browser::new(&app);
    alice.sign_in_with_password("alice").await;
    let setup = alice.post("/2fa/setup", &[]).await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(
        setup.body.contains("<img id=\"qr\" src=\"data:image/png;base64,"),
        "{}",
        setup.body
    );
    assert!(setup.body.contains("<svg"), "{}", setup.body);
    assert_eq!(setup.header("cache-control"), Some("no-store"));
    let app_totp = web::totp_from_setup(&setup.body);

    let wrong = web::wrong_code(&app_totp, app.now().await);
    let refused = alice.post("/2fa/enable", &[("code", &wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That code is not right."),
        "{}",
        refused.body
    );
    assert!(!alice.get("/2fa/status").await.body.contains("<td>true</td>"));

    let code = app_totp.generate(app.now().await).unwrap().to_string();
    let enabled = alice.post("/2fa/enable", &[("code", &code)]).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_eq!(web::backup_codes(&enabled.body).len(), 10);
    // The session that enabled 2FA lives on.
    let status = alice.get("/2fa/status").await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(
        status.body.contains("<th>enabled</th><td>true</td>"),
        "{}",
        status.body
    );
    assert!(status.body.contains("<th>backup codes remaining</th><td>10</td>"));
}

/// With 2FA on, the password answers "code required" and sets the challenge cookie; a wrong code
/// is refused; the right one gives a session; the same code again, with a fresh challenge, is a
/// replay.
#[tokio::test]
async fn login_with_2fa_needs_a_code_and_refuses_wrong_codes_and_replays() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    app.advance(30).await;

    let mut alice = Browser::new(&app);
    let response = alice
        .post(
            "/login",
            &[("username", "alice"), ("password", app.password("alice"))],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("Code required"), "{}", response.body);
    assert!(!alice.has_cookie("session"));
    let cookie = response
        .set_cookie("login_challenge")
        .expect("a challenge cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=300"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert_eq!(alice.get("/2fa/verify-login").await.status, StatusCode::OK);

    let now = app.now().await;
    let wrong = web::wrong_code(&enrolled.totp, now);
    let refused = alice.post("/2fa/verify-login", &[("code", &wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That code is not right."),
        "{}",
        refused.body
    );
    assert!(!alice.has_cookie("session"));

    let code = enrolled.totp.generate(now).unwrap().to_string();
    let signed_in = alice.post("/2fa/verify-login", &[("code", &code)]).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert!(signed_in.body.contains("Signed in."), "{}", signed_in.body);
    assert!(alice.has_cookie("session"));
    assert!(
        !alice.has_cookie("login_challenge"),
        "the challenge cookie is deleted"
    );
    assert_eq!(alice.get("/2fa/status").await.status, StatusCode::OK);

    // Someone who saw the code, with the password: a fresh challenge, the same code.
    let mut mallory = Browser::new(&app);
    mallory.sign_in_with_password_to_challenge("alice").await;
    let replay = mallory.post("/2fa/verify-login", &[("code", &code)]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay.body.contains("That code was already used"),
        "{}",
        replay.body
    );
    assert!(!mallory.has_cookie("session"));
}

/// A challenge works once, is superseded by a newer one, and expires after 5 minutes.
#[tokio::test]
async fn a_login_challenge_works_once_is_superseded_and_expires() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;

    // Used: a challenge that already signed in does not sign in again, even with a new code.
    app.advance(30).await;
    let mut alice = Browser::new(&app);
    alice.sign_in_with_password_to_challenge("alice").await;
    let used = alice.cookie("login_challenge").unwrap().to_owned();
    let code = enrolled.totp.generate(app.now().await).unwrap().to_string();
    assert_eq!(
        alice.post("/2fa/verify-login", &[("code", &code)]).await.status,
        StatusCode::OK
    );
    app.advance(30).await;
    let mut replayer = Browser::new(&app);
    replayer.set_cookie("login_challenge", &used);
    let code = enrolled.totp.generate(app.now().await).unwrap().to_string();
    let refused = replayer.post("/2fa/verify-login", &[("code", &code)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That sign-in was already completed"),
        "{}",
        refused.body
    );
    assert!(!replayer.has_cookie("session"));
    assert!(
        !replayer.has_cookie("login_challenge"),
        "the refused cookie is deleted"
    );

    // Superseded: a second password step makes the first challenge worthless.
    let mut first = Browser::new(&app);
    first.sign_in_with_password_to_challenge("alice").await;
    let mut second = Browser::new(&app);
    second.sign_in_with_password_to_challenge("alice").await;
    let refused = first.post("/2fa/verify-login", &[("code", &code)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("A newer sign-in was started"),
        "{}",
        refused.body
    );
    assert_eq!(
        second.post("/2fa/verify-login", &[("code", &code)]).await.status,
        StatusCode::OK
    );

    // Expired: five minutes and a second after the password.
    let mut slow = Browser::new(&app);
    slow.sign_in_with_password_to_challenge("alice").await;
    let now = app.advance(301).await;
    let code = enrolled.totp.generate(now).unwrap().to_string();
    let refused = slow.post("/2fa/verify-login", &[("code", &code)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("Your sign-in took too long"),
        "{}",
        refused.body
    );

    // Forged: a token the application did not issue.
    let mut forger = Browser::new(&app);
    forger.set_cookie("login_challenge", "not-a-token");
    let refused = forger.post("/2fa/verify-login", &[("code", &code)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("Your sign-in is not valid"),
        "{}",
        refused.body
    );
    // And no challenge at all.
    let refused = Browser::new(&app)
        .post("/2fa/verify-login", &[("code", &code)])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

/// A backup code signs in once, and the page says how many remain.
#[tokio::test]
async fn a_backup_code_signs_in_once_and_the_remaining_count_is_shown() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    let mut alice = Browser::new(&app);
    alice.sign_in_with_password_to_challenge("alice").await;
    let typed = enrolled.backup_codes[4].to_lowercase();
    let signed_in = alice.post("/2fa/verify-login", &[("code", &typed)]).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert!(
        signed_in
            .body
            .contains("Signed in with a backup code: 9 backup codes remaining."),
        "{}",
        signed_in.body
    );
    assert!(alice.has_cookie("session"));

    let mut again = Browser::new(&app);
    again.sign_in_with_password_to_challenge("alice").await;
    let refused = again.post("/2fa/verify-login", &[("code", &typed)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That backup code was already used."),
        "{}",
        refused.body
    );
}

/// Wrong codes until throttled: the page says when to retry, with `Retry-After`; even the right
/// code waits; after the delay it is accepted.
#[tokio::test]
async fn wrong_codes_are_throttled_and_the_page_says_when_to_retry() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    app.advance(30).await;
    let mut attacker = Browser::new(&app);
    attacker.sign_in_with_password_to_challenge("alice").await;
    let now = app.now().await;
    let wrong = web::wrong_code(&enrolled.totp, now);
    let mut refusals = 0;
    let throttled = loop {
        let response = attacker.post("/2fa/verify-login", &[("code", &wrong)]).await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            break response;
        }
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{}", response.body);
        assert!(
            response.body.contains("That code is not right."),
            "{}",
            response.body
        );
        refusals += 1;
        assert!(refusals < 10, "never throttled");
    };
    // Three free failures, the fourth starts the first delay (60 s).
    assert_eq!(refusals, 4);
    assert!(
        throttled.body.contains("Too many wrong codes: try again after "),
        "{}",
        throttled.body
    );
    assert!(throttled.body.contains(" UTC."), "{}", throttled.body);
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    let code = enrolled.totp.generate(now).unwrap().to_string();
    let waiting = attacker.post("/2fa/verify-login", &[("code", &code)]).await;
    assert_eq!(
        waiting.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );

    let later = app.advance(retry_after).await;
    let status_page = {
        let mut alice = Browser::new(&app);
        alice.sign_in_with_password_to_challenge("alice").await;
        let code = enrolled.totp.generate(later).unwrap().to_string();
        let signed_in = alice.post("/2fa/verify-login", &[("code", &code)]).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
        alice.get("/2fa/status").await
    };
    assert!(
        status_page
            .body
            .contains("<th>failed codes in a row</th><td>0</td>"),
        "{}",
        status_page.body
    );
}

/// Disabling with a code moves the credential epoch: the other sessions end; the one that
/// disabled lives on.
#[tokio::test]
async fn disabling_moves_the_epoch_and_ends_the_other_sessions() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    app.advance(30).await;
    let mut laptop = Browser::new(&app);
    laptop.sign_in_with_code("alice", &enrolled.totp).await;
    app.advance(30).await;
    let mut phone = Browser::new(&app);
    phone.sign_in_with_code("alice", &enrolled.totp).await;
    assert_eq!(laptop.get("/2fa/status").await.status, StatusCode::OK);

    let wrong = web::wrong_code(&enrolled.totp, app.now().await);
    let refused = phone.post("/2fa/disable", &[("code", &wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That code is not right."),
        "{}",
        refused.body
    );
    assert_eq!(
        laptop.get("/2fa/status").await.status,
        StatusCode::OK,
        "nothing changed"
    );

    let now = app.advance(30).await;
    let code = enrolled.totp.generate(now).unwrap().to_string();
    let disabled = phone.post("/2fa/disable", &[("code", &code)]).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert!(
        disabled.body.contains("Two-factor authentication is off."),
        "{}",
        disabled.body
    );

    let old = laptop.get("/2fa/status").await;
    assert_eq!(old.location(), Some("/login"), "the laptop's session ended");
    let status = phone.get("/2fa/status").await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(
        status.body.contains("<th>enabled</th><td>false</td>"),
        "{}",
        status.body
    );
    // Signing in takes the password alone again.
    Browser::new(&app).sign_in_with_password("alice").await;
}

/// New backup codes: proven by a code; the old ones stop working, the new ones work; other
/// sessions end.
#[tokio::test]
async fn regenerating_backup_codes_ends_the_old_ones() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    let mut laptop = Browser::new(&app);
    laptop.sign_in_with("alice", &enrolled.backup_codes[0]).await;
    let mut phone = Browser::new(&app);
    phone.sign_in_with("alice", &enrolled.backup_codes[1]).await;

    let now = app.advance(30).await;
    let code = enrolled.totp.generate(now).unwrap().to_string();
    let fresh = phone.post("/2fa/backup-codes", &[("code", &code)]).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(fresh.header("cache-control"), Some("no-store"));
    let new_codes = web::backup_codes(&fresh.body);
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|code| !enrolled.backup_codes.contains(code)));
    assert_eq!(laptop.get("/2fa/status").await.location(), Some("/login"));
    assert!(phone.get("/2fa/status").await.body.contains("<td>10</td>"));

    let mut old = Browser::new(&app);
    old.sign_in_with_password_to_challenge("alice").await;
    let refused = old
        .post("/2fa/verify-login", &[("code", &enrolled.backup_codes[2])])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(!old.has_cookie("session"));
    let signed_in = old.post("/2fa/verify-login", &[("code", &new_codes[2])]).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
}

/// An administrator without a second factor is sent to set one up before anything else.
#[tokio::test]
async fn an_administrator_without_2fa_is_sent_to_setup() {
    let app = App::start();
    let mut root = Browser::new(&app);
    root.sign_in_with_password("root").await;
    for path in ["/", "/2fa/status"] {
        assert_eq!(root.get(path).await.location(), Some("/2fa/setup"), "{path}");
    }
    let response = root.post("/2fa/disable", &[("code", "123456")]).await;
    assert_eq!(response.location(), Some("/2fa/setup"));
    let setup = root.get("/2fa/setup").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(
        setup
            .body
            .contains("Administrators must use two-factor authentication"),
        "{}",
        setup.body
    );

    let page = root.post("/2fa/setup", &[]).await;
    let totp = web::totp_from_setup(&page.body);
    let code = totp.generate(app.now().await).unwrap().to_string();
    let enabled = root.post("/2fa/enable", &[("code", &code)]).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_eq!(root.get("/2fa/status").await.status, StatusCode::OK);
    assert_eq!(root.get("/").await.status, StatusCode::OK);
}

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
