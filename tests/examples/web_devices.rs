//! The web example's remembered browsers and authenticators page, over HTTP: remember, sign in
//! without a code, list, revoke, expiry and the epoch; add (proof, label, first code), sign in
//! with the second authenticator, rename, remove.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;

use crate::web::{self, App, Browser, DEVICE_COOKIE, Enrolled};

/// Signs `name` in with a code and "remember this browser" ticked: the browser, with its device
/// cookie.
async fn remembered_browser(app: &App, enrolled: &Enrolled) -> Browser {
    app.advance(30).await;
    let mut browser = Browser::new(app);
    browser.sign_in_with_password_to_challenge("alice").await;
    let code = browser.current_code(&enrolled.totp).await;
    let response = browser
        .post("/login/code", &[("code", code.as_str()), ("remember", "1")])
        .await;
    assert_eq!(response.location(), Some("/"), "{}", response.body);
    let cookie = response.set_cookie(DEVICE_COOKIE).expect("a device cookie");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    browser.follow(response).await;
    browser
}

/// Signs out and back in with the password alone: where the password step sends the browser.
async fn password_again(browser: &mut Browser) -> Option<String> {
    browser.get("/").await;
    browser.post("/logout", &[]).await;
    let password = browser.password_of("alice");
    let response = browser.password_step("alice", &password).await;
    response.location().map(str::to_owned)
}

/// "Remember this browser": the next sign-in takes the password alone; the browser is listed
/// with its name and dates; forgetting it brings the code back and drops the cookie.
#[tokio::test]
async fn a_remembered_browser_signs_in_without_a_code_until_it_is_revoked() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    let mut browser = remembered_browser(&app, &enrolled).await;
    assert_eq!(
        password_again(&mut browser).await.as_deref(),
        Some("/"),
        "no code"
    );
    let list = browser.get("/2fa/devices").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("<td class=\"label\">A browser</td>"),
        "{}",
        list.body
    );
    assert!(list.body.contains("id=\"revoke-0\""), "{}", list.body);

    // Another browser, without the cookie, still needs the code.
    let mut other = Browser::new(&app);
    other.sign_in_with_password_to_challenge("alice").await;

    let revoked = browser.post(&revoke_path(&list.body), &[]).await;
    assert_eq!(revoked.location(), Some("/2fa/devices"));
    let page = browser.follow(revoked).await;
    assert!(page.body.contains("That browser is forgotten"), "{}", page.body);
    assert!(page.body.contains("id=\"no-devices\""), "{}", page.body);
    assert_eq!(password_again(&mut browser).await.as_deref(), Some("/login/code"));
    assert!(
        !browser.has_cookie(DEVICE_COOKIE),
        "the refused cookie is dropped"
    );
    let page = browser.get("/login/code").await;
    assert!(
        page.body.contains("This browser is no longer remembered"),
        "{}",
        page.body
    );
}

/// The challenge key outlives a restart (its file is made at the first start, read at the next),
/// so a remembered browser stays remembered; a challenge key file that is not a key stops the
/// start, and is never overwritten.
#[tokio::test]
async fn a_remembered_browser_survives_a_restart_and_a_bad_challenge_key_stops_the_start() {
    let app = App::start();
    let created = format!("challenge key: created {}", app.challenge_key_file().display());
    assert!(app.startup.contains(&created), "{:?}", app.startup);
    let key = std::fs::read_to_string(app.challenge_key_file()).unwrap();
    assert!(app.startup.iter().all(|line| !line.contains(key.trim())));
    let enrolled = web::enroll(&app, "alice").await;
    let browser = remembered_browser(&app, &enrolled).await;
    let device = browser.cookie(DEVICE_COOKIE).unwrap().to_owned();

    let app = app.restart_with(&[]);
    let read = format!("challenge key: from {}", app.challenge_key_file().display());
    assert!(app.startup.contains(&read), "{:?}", app.startup);
    let mut browser_again = Browser::new(&app);
    browser_again.set_cookie(DEVICE_COOKIE, &device);
    assert_eq!(
        password_again(&mut browser_again).await.as_deref(),
        Some("/"),
        "still remembered"
    );
    drop(browser);

    let dir = web::fresh_dir();
    std::fs::write(web::challenge_key_file_in(&dir), "short\n").unwrap();
    let output = web::command(&dir, &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "cannot start: {} is not a challenge key: it must be 64 hex characters",
        web::challenge_key_file_in(&dir).display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(web::challenge_key_file_in(&dir)).unwrap(),
        "short\n"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The action of the first "Forget" form of the devices page.
fn revoke_path(page: &str) -> String {
    let start = page.find("action=\"/2fa/devices/").unwrap() + "action=\"".len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_owned()
}

/// A remembered browser stops standing in for the code after 30 days, after "Forget all", and
/// when the second factor changes (new backup codes move the epoch); a forged cookie is refused.
#[tokio::test]
async fn a_remembered_browser_ends_with_its_expiry_forget_all_and_a_change_of_the_second_factor() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;

    let mut expiring = remembered_browser(&app, &enrolled).await;
    app.advance(30 * 86_400 + 1).await;
    assert_eq!(
        password_again(&mut expiring).await.as_deref(),
        Some("/login/code"),
        "expired"
    );

    let mut all = remembered_browser(&app, &enrolled).await;
    let mut second = remembered_browser(&app, &enrolled).await;
    let page = all.get("/2fa/devices").await;
    assert!(
        page.body.contains("id=\"revoke-1\""),
        "two browsers: {}",
        page.body
    );
    let forgot = all.post("/2fa/devices/revoke-all", &[]).await;
    let page = all.follow(forgot).await;
    assert!(page.body.contains("2 browser(s) forgotten"), "{}", page.body);
    assert_eq!(password_again(&mut second).await.as_deref(), Some("/login/code"));

    let mut changed = remembered_browser(&app, &enrolled).await;
    app.advance(30).await;
    let mut other = Browser::new(&app);
    other.sign_in_with_code("alice", &enrolled.totp).await;
    other.get("/2fa/backup-codes").await;
    app.advance(30).await;
    let code = other.current_code(&enrolled.totp).await;
    assert_eq!(
        other.post("/2fa/backup-codes", &[("code", &code)]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        password_again(&mut changed).await.as_deref(),
        Some("/login/code"),
        "the epoch moved"
    );

    let mut forger = Browser::new(&app);
    forger.set_cookie(DEVICE_COOKIE, "tfd1.forged");
    assert_eq!(password_again(&mut forger).await.as_deref(), Some("/login/code"));
}

/// The authenticators page: adding needs a valid name and a proof (a wrong one is counted and
/// said), then the new one's first code; either one then signs in; renaming checks the name;
/// removing needs a proof, and the removed one's codes stop working; removing the last turns
/// 2FA off.
#[tokio::test]
async fn authenticators_are_added_with_a_proof_renamed_and_removed() {
    let app = App::start();
    let enrolled = web::enroll(&app, "alice").await;
    app.advance(30).await;
    let mut alice = Browser::new(&app);
    alice.sign_in_with_code("alice", &enrolled.totp).await;
    let page = alice.get("/2fa/authenticators").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<td class=\"label\">Authenticator 1</td>"),
        "{}",
        page.body
    );

    let now = app.advance(30).await;
    let wrong = web::wrong_code(&enrolled.totp, now);
    let refused = alice
        .post(
            "/2fa/authenticators/add",
            &[("label", "Work phone"), ("code", &wrong)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body.contains("That code is not right."),
        "{}",
        refused.body
    );
    let code = enrolled.totp.generate(now).unwrap().to_string();
    let refused = alice
        .post(
            "/2fa/authenticators/add",
            &[("label", "a\u{7}b"), ("code", &code)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("That name is empty, too long or contains characters"),
        "{}",
        refused.body
    );

    let adding = alice
        .post(
            "/2fa/authenticators/add",
            &[("label", "Work phone"), ("code", &code)],
        )
        .await;
    assert_eq!(adding.status, StatusCode::OK, "{}", adding.body);
    assert!(adding.body.contains("<img id=\"qr\""), "{}", adding.body);
    assert_eq!(adding.header("cache-control"), Some("no-store"));
    let work = web::totp_from_setup(&adding.body);
    let code = work.generate(app.now().await).unwrap().to_string();
    let added = alice
        .post("/2fa/authenticators/confirm", &[("code", &code)])
        .await;
    assert_eq!(added.location(), Some("/2fa/authenticators"), "{}", added.body);
    let page = alice.follow(added).await;
    assert!(
        page.body.contains("The new authenticator is added"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<td class=\"label\">Work phone</td>"),
        "{}",
        page.body
    );

    // Replay is per authenticator: in one time step, each app's code signs in once; either
    // code a second time is refused as already used.
    let now = app.advance(30).await;
    let first_code = enrolled.totp.generate(now).unwrap().to_string();
    let work_code = work.generate(now).unwrap().to_string();
    let mut phone = Browser::new(&app);
    phone.sign_in_with("alice", &work_code).await;
    Browser::new(&app).sign_in_with("alice", &first_code).await;
    for code in [&work_code, &first_code] {
        let mut replayer = Browser::new(&app);
        replayer.sign_in_with_password_to_challenge("alice").await;
        let replay = replayer.post("/login/code", &[("code", code)]).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
        assert!(
            replay.body.contains("That code was already used"),
            "{}",
            replay.body
        );
    }

    // Rename: a bad name is refused with the library's sentence, a good one is shown.
    let id = first_id(&page.body, "rename");
    let bad = alice
        .post(&format!("/2fa/authenticators/{id}/rename"), &[("label", "   ")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("That name is empty, too long"), "{}", bad.body);
    // A name is shown as text, never as markup.
    alice
        .post(
            &format!("/2fa/authenticators/{id}/rename"),
            &[("label", "<b>x</b>")],
        )
        .await;
    let page = alice.get("/2fa/authenticators").await;
    assert!(
        page.body
            .contains("<td class=\"label\">&lt;b&gt;x&lt;/b&gt;</td>"),
        "{}",
        page.body
    );
    let renamed = alice
        .post(
            &format!("/2fa/authenticators/{id}/rename"),
            &[("label", "Old phone")],
        )
        .await;
    let page = alice.follow(renamed).await;
    assert!(
        page.body.contains("<td class=\"label\">Old phone</td>"),
        "{}",
        page.body
    );
    let unknown = alice
        .post("/2fa/authenticators/999/rename", &[("label", "x")])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Remove the old phone, proven by the new one: its codes stop working.
    let now = app.advance(30).await;
    let proof = work.generate(now).unwrap().to_string();
    let removed = alice
        .post(&format!("/2fa/authenticators/{id}/remove"), &[("code", &proof)])
        .await;
    assert_eq!(
        removed.location(),
        Some("/2fa/authenticators"),
        "{}",
        removed.body
    );
    let page = alice.follow(removed).await;
    assert!(!page.body.contains("Old phone"), "{}", page.body);
    assert_eq!(
        phone.get("/").await.location(),
        Some("/login"),
        "the other session ended"
    );
    app.advance(30).await;
    let mut old = Browser::new(&app);
    old.sign_in_with_password_to_challenge("alice").await;
    let code = old.current_code(&enrolled.totp).await;
    assert_eq!(
        old.post("/login/code", &[("code", &code)]).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Remove the last: 2FA is off.
    let id = first_id(&page.body, "rename");
    let proof = alice.current_code(&work).await;
    let removed = alice
        .post(&format!("/2fa/authenticators/{id}/remove"), &[("code", &proof)])
        .await;
    assert_eq!(removed.location(), Some("/"));
    let home = alice.follow(removed).await;
    assert!(
        home.body.contains("That was your last authenticator"),
        "{}",
        home.body
    );
    assert!(home.body.contains("<b>off</b>"), "{}", home.body);
}

/// The id in the first `id="<what>-<id>"` of a page.
fn first_id(page: &str, what: &str) -> u32 {
    let mark = format!("id=\"{what}-");
    let start = page.find(&mark).unwrap() + mark.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].parse().unwrap()
}
