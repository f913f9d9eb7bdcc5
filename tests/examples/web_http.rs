//! The web example (`examples/web/`), driven over real HTTP: the sign-in, the setup, the codes,
//! backup codes, throttling, disabling and new backup codes. Each test starts the compiled
//! application on a free loopback port with its own SQLite file, and goes through the routes as
//! a browser would (the CSRF token of the last page, our own `Origin`), failures included.
//!
//! The application runs with its test hooks on (`TWOFACTOR_WEB_TEST_HOOKS=1`), which mount
//! `POST /test/clock`: it moves the application's clock forward, so that a test reaches the next
//! time step, the end of a throttling delay or of a challenge's lifetime without waiting, and
//! answers the application's time, at which the test computes its codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;

use crate::web::{self, App, Browser, SESSION_COOKIE};

/// Sign in with the password alone (2FA off): a session, sent home, 2FA shown off.
#[tokio::test]
async fn login_without_2fa_gives_a_session() {
    let app = App::start();
    let mut alice = Browser::new(&app);
    let response = alice.password_step("alice", app.password("alice")).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.location(), Some("/"));
    let home = alice.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Two-factor authentication is <b>off</b>"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Signed in as <b>alice</b>"), "{}", home.body);
}

/// A wrong password and an unknown name get the same answer; the error is linked to the fields;
/// every signed-in page and form sends a visitor to the sign-in form.
#[tokio::test]
async fn a_wrong_password_is_refused_and_pages_need_a_session() {
    let app = App::start();
    let mut mallory = Browser::new(&app);
    let wrong = mallory.password_step("alice", "guess").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong username or password."));
    assert!(
        wrong
            .body
            .contains("aria-describedby=\"login-error\" aria-invalid=\"true\""),
        "{}",
        wrong.body
    );
    let unknown = mallory.password_step("nobody", "guess").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown.body.contains("Wrong username or password."));
    assert_eq!(mallory.get("/").await.location(), Some("/login"));
    for path in [
        "/2fa/setup",
        "/2fa/authenticators",
        "/2fa/backup-codes",
        "/2fa/devices",
    ] {
        assert_eq!(mallory.get(path).await.location(), Some("/login"), "{path}");
    }
    for path in [
        "/2fa/setup",
        "/2fa/enable",
        "/2fa/disable",
        "/2fa/backup-codes",
        "/2fa/authenticators/add",
        "/2fa/authenticators/confirm",
        "/2fa/authenticators/1/rename",
        "/2fa/authenticators/1/remove",
        "/2fa/devices/revoke-all",
        "/2fa/devices/00/revoke",
    ] {
        let response = mallory.post(path, &[("code", "123456"), ("label", "x")]).await;
        assert_eq!(response.location(), Some("/login"), "{path}: {}", response.body);
    }
    assert_eq!(mallory.get("/login/code").await.location(), Some("/login"));
}

/// Setup shows the QR code as a `data:` URL and as SVG, not cached; a wrong code does not
/// enable, and says so next to the field; the right one does and shows the backup codes once,
/// with a download of the same codes and a print view.
#[tokio::test]
async fn setup_shows_the_qr_code_and_enable_takes_only_the_right_code() {
    let app = App::start();
    let mut alice = Browser::new(&app);
    alice.sign_in_with_password("alice").await;
    let start = alice.get("/2fa/setup").await;
    let nothing = alice.post("/2fa/enable", &[("code", "123456")]).await;
    assert_eq!(nothing.status, StatusCode::CONFLICT, "no setup begun");
    assert!(
        nothing.body.contains("There is no setup to finish"),
        "{}",
        nothing.body
    );
    assert!(start.body.contains("id=\"start-setup\""), "{}", start.body);
    let setup = alice.post("/2fa/setup", &[]).await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(
        setup.body.contains("<img id=\"qr\" src=\"data:image/png;base64,"),
        "{}",
        setup.body
    );
    assert!(setup.body.contains("<svg"), "{}", setup.body);
    assert!(
        setup
            .body
            .contains("autocomplete=\"one-time-code\" inputmode=\"numeric\""),
        "{}",
        setup.body
    );
    assert_eq!(setup.header("cache-control"), Some("no-store"));
    let totp = web::totp_from_setup(&setup.body);

    let wrong = web::wrong_code(&totp, app.now().await);
    let refused = alice.post("/2fa/enable", &[("code", &wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("<p class=\"error\" id=\"code-error\" role=\"alert\">That code is not right. Please try again.</p>"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("aria-describedby=\"code-error\" aria-invalid=\"true\"")
    );
    assert!(alice.get("/").await.body.contains("<b>off</b>"));

    let code = totp.generate(app.now().await).unwrap().to_string();
    let enabled = alice.post("/2fa/enable", &[("code", &code)]).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_eq!(enabled.header("cache-control"), Some("no-store"));
    let codes = web::backup_codes(&enabled.body);
    assert_eq!(codes.len(), 10);
    let download = web::download(&enabled.body);
    assert!(download.starts_with("Backup codes for alice"), "{download}");
    for code in &codes {
        assert!(download.contains(&format!("\n{code}\n")), "{code} in {download}");
    }
    assert!(enabled.body.contains("@media print"), "the print view");
    // The session that enabled 2FA lives on.
    let home = alice.get("/").await;
    assert!(
        home.body
            .contains("<b>on</b>: 1 authenticator(s), 10 backup codes left"),
        "{}",
        home.body
    );
    let page = alice.get("/2fa/backup-codes").await;
    assert!(page.body.contains("10 backup codes left"), "{}", page.body);
}

/// With 2FA on, the password leads to the code step and the session is not signed in yet; a
/// wrong code is refused; the right one signs in; the same code again is a replay.
#[tokio::test]
async fn login_with_2fa_needs_a_code_and_refuses_wrong_codes_and_replays() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    app.advance(30).await;

    let mut alice = Browser::new(&app);
    let page = alice.sign_in_with_password_to_challenge("alice").await;
    assert!(
        page.body.contains("Remember this browser for 30 days"),
        "{}",
        page.body
    );
    // Between the steps, nothing of the application is open.
    assert_eq!(alice.get("/").await.location(), Some("/login"));
    assert_eq!(alice.get("/2fa/backup-codes").await.location(), Some("/login"));
    assert_eq!(alice.get("/login/code").await.status, StatusCode::OK);
    let backup_form = alice.get("/login/code?backup=1").await;
    assert!(
        backup_form
            .body
            .contains("<label for=\"code\">Backup code</label>")
    );

    let malformed = alice.post("/login/code", &[("code", "12ab!")]).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(
        malformed
            .body
            .contains("That is not a valid code. Please check it and try again."),
        "{}",
        malformed.body
    );
    let now = app.now().await;
    let wrong = web::wrong_code(&enrolled.totp, now);
    let refused = alice.post("/login/code", &[("code", &wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That code is not right."),
        "{}",
        refused.body
    );
    assert_eq!(alice.get("/").await.location(), Some("/login"));

    let code = enrolled.totp.generate(now).unwrap().to_string();
    let home = alice.code_step(&code, false).await;
    // The wrong code before it is told, once.
    assert!(
        home.body
            .contains("1 failed attempt since your last sign-in. If that was not you, change your password."),
        "{}",
        home.body
    );
    assert!(!alice.get("/").await.body.contains("failed attempt"));
    assert_eq!(alice.get("/2fa/backup-codes").await.status, StatusCode::OK);

    // Someone who saw the code, with the password: a fresh challenge, the same code.
    let mut mallory = Browser::new(&app);
    mallory.sign_in_with_password_to_challenge("alice").await;
    let replay = mallory.post("/login/code", &[("code", &code)]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay
            .body
            .contains("That code was already used — wait for the next one."),
        "{}",
        replay.body
    );
    assert_eq!(mallory.get("/").await.location(), Some("/login"));
}

/// The login challenge in the session works once, is superseded by a newer one, and expires
/// after 5 minutes; each refusal sends the person back to the password with a sentence.
#[tokio::test]
async fn a_login_challenge_works_once_is_superseded_and_expires() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;

    // Superseded: a second password step makes the first challenge worthless.
    app.advance(30).await;
    let code = enrolled.totp.generate(app.now().await).unwrap().to_string();
    let mut first = Browser::new(&app);
    first.sign_in_with_password_to_challenge("alice").await;
    let mut second = Browser::new(&app);
    second.sign_in_with_password_to_challenge("alice").await;
    let refused = first.post("/login/code", &[("code", &code)]).await;
    assert_eq!(refused.location(), Some("/login"));
    let page = first.follow(refused).await;
    assert!(page.body.contains("A newer sign-in was started"), "{}", page.body);
    assert_eq!(
        first.get("/login/code").await.location(),
        Some("/login"),
        "the challenge is gone"
    );
    second.code_step(&code, false).await;

    // Expired: five minutes and a second after the password.
    let mut slow = Browser::new(&app);
    slow.sign_in_with_password_to_challenge("alice").await;
    let now = app.advance(301).await;
    let code = enrolled.totp.generate(now).unwrap().to_string();
    let refused = slow.post("/login/code", &[("code", &code)]).await;
    assert_eq!(refused.location(), Some("/login"));
    let page = slow.follow(refused).await;
    assert!(page.body.contains("took too long"), "{}", page.body);
    assert_eq!(slow.get("/").await.location(), Some("/login"));
}

/// A backup code signs in once, and the next page says how many remain.
#[tokio::test]
async fn a_backup_code_signs_in_once_and_the_remaining_count_is_shown() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    let mut alice = Browser::new(&app);
    let typed = enrolled.backup_codes[4].to_lowercase();
    let home = alice.sign_in_with("alice", &typed).await;
    assert!(
        home.body
            .contains("Signed in with a backup code: 9 backup codes left."),
        "{}",
        home.body
    );

    let mut again = Browser::new(&app);
    again.sign_in_with_password_to_challenge("alice").await;
    let refused = again.post("/login/code", &[("code", &typed)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused
            .body
            .contains("That backup code was already used. Each backup code works once."),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("<label for=\"code\">Backup code</label>"),
        "the backup-code field again"
    );
}

/// Wrong codes until throttled: the page says how long to wait, with `Retry-After`; even the
/// right code waits; after the delay it is accepted.
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
        let response = attacker.post("/login/code", &[("code", &wrong)]).await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            break response;
        }
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{}", response.body);
        refusals += 1;
        assert!(refusals < 10, "never throttled");
    };
    // Three free failures, the fourth starts the first delay (60 s).
    assert_eq!(refusals, 4);
    assert!(
        throttled.body.contains("Too many wrong codes. Please wait "),
        "{}",
        throttled.body
    );
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    let code = enrolled.totp.generate(now).unwrap().to_string();
    let waiting = attacker.post("/login/code", &[("code", &code)]).await;
    assert_eq!(
        waiting.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );

    let later = app.advance(retry_after).await;
    let code = enrolled.totp.generate(later).unwrap().to_string();
    attacker.code_step(&code, false).await;
}

/// Turning 2FA off with a proof moves the credential epoch: the other sessions end (axum-login's
/// session check carries the epoch); the one that turned it off lives on, under a new id.
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
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);

    phone.get("/2fa/backup-codes").await;
    let wrong = web::wrong_code(&enrolled.totp, app.now().await);
    let refused = phone.post("/2fa/disable", &[("code", &wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That code is not right."),
        "{}",
        refused.body
    );
    assert_eq!(laptop.get("/").await.status, StatusCode::OK, "nothing changed");

    let before = phone.cookie(SESSION_COOKIE).unwrap().to_owned();
    let now = app.advance(30).await;
    let code = enrolled.totp.generate(now).unwrap().to_string();
    let disabled = phone.post("/2fa/disable", &[("code", &code)]).await;
    assert_eq!(disabled.location(), Some("/"), "{}", disabled.body);
    assert_ne!(phone.cookie(SESSION_COOKIE).unwrap(), before, "a new session id");
    let home = phone.follow(disabled).await;
    assert!(
        home.body
            .contains("Two-factor authentication is off. Your other sessions were ended."),
        "{}",
        home.body
    );
    assert_eq!(
        laptop.get("/").await.location(),
        Some("/login"),
        "the laptop's session ended"
    );
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
    phone.get("/2fa/backup-codes").await;
    let fresh = phone.post("/2fa/backup-codes", &[("code", &code)]).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(fresh.header("cache-control"), Some("no-store"));
    let new_codes = web::backup_codes(&fresh.body);
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|code| !enrolled.backup_codes.contains(code)));
    assert_eq!(laptop.get("/").await.location(), Some("/login"));
    assert!(
        phone
            .get("/2fa/backup-codes")
            .await
            .body
            .contains("10 backup codes left")
    );

    let mut old = Browser::new(&app);
    old.sign_in_with_password_to_challenge("alice").await;
    let refused = old
        .post("/login/code", &[("code", &enrolled.backup_codes[2])])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    old.code_step(&new_codes[2], false).await;
}

/// An administrator without a second factor is sent to set one up before anything else.
#[tokio::test]
async fn an_administrator_without_2fa_is_sent_to_setup() {
    let app = App::start();
    let mut root = Browser::new(&app);
    root.sign_in_with_password("root").await;
    for path in ["/", "/2fa/backup-codes", "/2fa/devices", "/2fa/authenticators"] {
        assert_eq!(root.get(path).await.location(), Some("/2fa/setup"), "{path}");
    }
    let setup = root.get("/2fa/setup").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(
        setup
            .body
            .contains("Administrators must use two-factor authentication"),
        "{}",
        setup.body
    );
    let response = root.post("/2fa/disable", &[("code", "123456")]).await;
    assert_eq!(response.location(), Some("/2fa/setup"));

    root.get("/2fa/setup").await;
    let page = root.post("/2fa/setup", &[]).await;
    let totp = web::totp_from_setup(&page.body);
    let code = totp.generate(app.now().await).unwrap().to_string();
    let enabled = root.post("/2fa/enable", &[("code", &code)]).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_eq!(root.get("/").await.status, StatusCode::OK);
}
