//! The web example's defences, over HTTP: the CSRF token and the `Origin` check on every POST,
//! the cookies' attributes, the session id cycled at each privilege change, the password step's
//! throttle per user and per address, and the bound on password hashes in flight.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;

use crate::web::{self, App, Browser, SESSION_COOKIE};

/// A POST without the token, with another session's token, or with a token of the right shape
/// that the session never had, is refused (403) and changes nothing; so is a POST from another
/// origin, or with neither `Origin` nor `Referer`. A same-origin `Referer` without `Origin`
/// passes.
#[tokio::test]
async fn posts_need_the_sessions_csrf_token_and_the_sites_origin() {
    let app = App::start();
    let mut alice = Browser::new(&app);
    let password = app.password("alice").to_owned();
    let form = [("username", "alice"), ("password", password.as_str())];
    alice.get("/login").await;
    let own = alice.csrf.clone().unwrap();
    let origin = alice.origin().to_owned();

    let mut mallory = Browser::new(&app);
    mallory.get("/login").await;
    let theirs = mallory.csrf.clone().unwrap();
    assert_ne!(own, theirs);

    for (csrf, why) in [
        (None, "no token"),
        (Some(theirs.as_str()), "another session's token"),
        (
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "a made-up token",
        ),
        (Some(""), "an empty token"),
    ] {
        let refused = alice.post_with("/login", &form, csrf, Some(&origin)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{why}: {}", refused.body);
        assert!(
            refused.body.contains("This form has expired"),
            "{why}: {}",
            refused.body
        );
    }
    let cross = alice
        .post_with("/login", &form, Some(&own), Some("https://evil.example"))
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(
        cross.body.contains("did not come from this site"),
        "{}",
        cross.body
    );
    let bare = alice.post_with("/login", &form, Some(&own), None).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN, "neither Origin nor Referer");
    assert_eq!(
        alice.get("/").await.location(),
        Some("/login"),
        "still signed out"
    );

    let mut referred = Browser::new(&app);
    referred.get("/login").await;
    let token = referred.csrf.clone().unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(format!("{origin}/login"))
        .header(
            "cookie",
            format!("{SESSION_COOKIE}={}", referred.cookie(SESSION_COOKIE).unwrap()),
        )
        .header("referer", format!("{origin}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        // The password and the token are letters, digits, `-` and `_`: nothing to encode.
        .body(format!("username=alice&password={password}&csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "a same-origin Referer passes"
    );

    // Signed in, a forged sign-out or 2FA change is refused just the same.
    alice.sign_in_with_password("alice").await;
    let refused = alice
        .post_with("/logout", &[], Some(&theirs), Some(&origin))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = alice.post_with("/2fa/setup", &[], None, Some(&origin)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(alice.get("/").await.status, StatusCode::OK, "still signed in");
    let out = alice.post("/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    assert_eq!(alice.get("/").await.location(), Some("/login"), "signed out");
}

/// The session cookie is `__Host-` prefixed, `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`,
/// without `Domain`; its id is cycled at the password step, at the code step, and the old ids
/// open nothing. The start prints the cookie mode, the origin and the password limits.
#[tokio::test]
async fn the_session_cookie_is_host_prefixed_and_its_id_cycles_at_each_privilege_change() {
    let app = App::start();
    for line in [
        "password step: 5 failures per user name and 30 attempts per client address per 900 s; at most 4 password hashes at once (a request waits 2000 ms for its turn)",
        &format!("origin: {} (POSTs from any other are refused)", app.base),
    ] {
        assert!(
            app.startup.iter().any(|printed| printed == line),
            "{line:?} in {:?}",
            app.startup
        );
    }
    let enrolled = web::enroll(&app, "alice").await;
    app.advance(30).await;
    let mut alice = Browser::new(&app);
    let form = alice.get("/login").await;
    let cookie = form
        .set_cookie(SESSION_COOKIE)
        .expect("a session for the form's token");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let anonymous = alice.cookie(SESSION_COOKIE).unwrap().to_owned();
    let anonymous_token = alice.csrf.clone().unwrap();

    let password = alice.password_of("alice");
    alice
        .post("/login", &[("username", "alice"), ("password", &password)])
        .await;
    let pending = alice.cookie(SESSION_COOKIE).unwrap().to_owned();
    assert_ne!(pending, anonymous, "cycled at the password step");
    alice.get("/login/code").await;
    assert_ne!(
        alice.csrf.as_deref(),
        Some(anonymous_token.as_str()),
        "a new CSRF token"
    );

    let code = alice.current_code(&enrolled.totp).await;
    alice.code_step(&code, false).await;
    let signed_in = alice.cookie(SESSION_COOKIE).unwrap().to_owned();
    assert_ne!(signed_in, pending, "cycled at the code step");

    for old in [anonymous, pending] {
        let mut thief = Browser::new(&app);
        thief.set_cookie(SESSION_COOKIE, &old);
        assert_eq!(
            thief.get("/").await.location(),
            Some("/login"),
            "an old id opens nothing"
        );
    }
}

/// Under the explicit development switch, cookies lose `Secure` and the `__Host-` prefix (which
/// browsers refuse without it), and the start says so.
#[tokio::test]
async fn the_development_switch_drops_secure_and_says_so() {
    let app = App::start_with(&[("TWOFACTOR_WEB_INSECURE_DEV_COOKIES", "1")]);
    assert!(
        app.startup
            .iter()
            .any(|line| line.starts_with("WARNING: cookies without Secure")),
        "{:?}",
        app.startup
    );
    let mut browser = Browser::new(&app);
    let form = browser.get("/login").await;
    let cookie = form.set_cookie("session").expect("a bare session cookie");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(form.set_cookie(SESSION_COOKIE).is_none());
}

/// A switch that is neither 0 nor 1, or a limit that is not a number, stops the start.
#[test]
fn a_malformed_setting_stops_the_start() {
    for (name, value, message) in [
        (
            "TWOFACTOR_WEB_INSECURE_DEV_COOKIES",
            "yes",
            "TWOFACTOR_WEB_INSECURE_DEV_COOKIES must be 0 or 1",
        ),
        (
            "TWOFACTOR_WEB_PASSWORD_HASHES_IN_FLIGHT",
            "many",
            "TWOFACTOR_WEB_PASSWORD_HASHES_IN_FLIGHT must be a whole number",
        ),
        (
            "TWOFACTOR_WEB_PASSWORD_FAILURES_PER_USER",
            "0",
            "the password limits must be at least 1",
        ),
    ] {
        let dir = web::fresh_dir();
        let output = web::command(&dir, &[(name, value)])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// Per user name: after 5 wrong passwords even the right one waits (429, `Retry-After`), for
/// known and unknown names alike, while another name from the same address goes on; after the
/// window the right password works.
#[tokio::test]
async fn the_password_step_is_throttled_per_user() {
    let app = App::start();
    let mut mallory = Browser::new(&app);
    for _ in 0..5 {
        assert_eq!(
            mallory.password_step("alice", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            mallory.password_step("nobody", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let password = app.password("alice").to_owned();
    for name in ["alice", "nobody"] {
        let refused = mallory.password_step(name, &password).await;
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{name}: {}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains("Too many sign-in attempts. Please wait 15 minutes"),
            "{}",
            refused.body
        );
        let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((800..=900).contains(&retry_after), "{retry_after}");
    }
    let mut root = Browser::new(&app);
    root.sign_in_with_password("root").await;

    app.advance(901).await;
    Browser::new(&app).sign_in_with_password("alice").await;
}

/// Per client address: past the limit every attempt from the address waits, right passwords
/// included, whatever the name.
#[tokio::test]
async fn the_password_step_is_throttled_per_address() {
    let app = App::start_with(&[("TWOFACTOR_WEB_PASSWORD_ATTEMPTS_PER_ADDRESS", "3")]);
    let mut mallory = Browser::new(&app);
    for name in ["a", "b", "c"] {
        assert_eq!(
            mallory.password_step(name, "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let password = app.password("alice").to_owned();
    let refused = mallory.password_step("alice", &password).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    assert!(refused.header("retry-after").is_some());
    app.advance(901).await;
    Browser::new(&app).sign_in_with_password("alice").await;
}

/// At most N password hashes at once: with one slot and no wait, of many sign-ins sent together
/// some are told to come back (503 with `Retry-After`), and at least one is answered.
#[tokio::test]
async fn password_hashes_in_flight_are_bounded() {
    let app = App::start_with(&[
        ("TWOFACTOR_WEB_PASSWORD_HASHES_IN_FLIGHT", "1"),
        ("TWOFACTOR_WEB_PASSWORD_HASH_WAIT_MS", "0"),
    ]);
    let mut browsers = Vec::new();
    for _ in 0..8 {
        let mut browser = Browser::new(&app);
        browser.get("/login").await;
        browsers.push(browser);
    }
    let tasks = browsers.into_iter().enumerate().map(|(index, mut browser)| {
        tokio::spawn(async move {
            let name = format!("user{index}");
            browser
                .post("/login", &[("username", &name), ("password", "guess")])
                .await
        })
    });
    let mut answers = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        answers.push(task.await.unwrap());
    }
    let busy: Vec<_> = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let hashed = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        !busy.is_empty(),
        "{:?}",
        answers.iter().map(|answer| answer.status).collect::<Vec<_>>()
    );
    assert!(hashed >= 1);
    assert_eq!(busy.len() + hashed, 8);
    assert!(
        busy[0].body.contains("Many people are signing in right now"),
        "{}",
        busy[0].body
    );
    assert_eq!(busy[0].header("retry-after"), Some("1"));
}
