//! The HTTP routes: the password step, the code step, and the 2FA settings.
//!
//! | route | what |
//! | --- | --- |
//! | `GET /` | the home page, or the sign-in form |
//! | `GET /login`, `POST /login` | the password; with 2FA on, "code required" and the login-challenge cookie |
//! | `GET /2fa/verify-login`, `POST /2fa/verify-login` | the code or a backup code; a session on success |
//! | `GET /2fa/status` | the user's 2FA state |
//! | `GET /2fa/setup`, `POST /2fa/setup` | a new secret: QR code (`data:` URL and SVG) and text |
//! | `POST /2fa/enable` | the first code; the backup codes, shown once |
//! | `POST /2fa/disable` | a code or a backup code; 2FA off |
//! | `POST /2fa/backup-codes` | a code or a backup code; new backup codes |
//! | `POST /logout` | ends the session |
//! | `POST /test/clock` | only with `TWOFACTOR_WEB_TEST_HOOKS=1`: moves the clock forward |
//!
//! Between the password and the code the application keeps nothing: the login-challenge cookie
//! names the user, authenticated by the service's challenge key, and the challenge is single use
//! and expires after 5 minutes.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use twofactor::challenge::ChallengeError;
use twofactor::qr::QrOptions;
use twofactor::{Clock, Error, Status, Via};

use crate::pages;
use crate::sessions::{SESSION_LIFETIME, Session};
use crate::state::AppState;
use crate::users::User;

/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "session";
/// The login-challenge cookie, between the password and the code.
pub(crate) const CHALLENGE_COOKIE: &str = "login_challenge";
/// The login-challenge cookie's lifetime: the challenge's own (the service refuses it after).
const CHALLENGE_LIFETIME: u64 = 5 * 60;

/// The application.
pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/2fa/verify-login", get(verify_login_page).post(verify_login))
        .route("/2fa/status", get(status))
        .route("/2fa/setup", get(setup_page).post(setup))
        .route("/2fa/enable", post(enable))
        .route("/2fa/disable", post(disable))
        .route("/2fa/backup-codes", post(backup_codes));
    if state.test_hooks {
        router = router.route("/test/clock", post(advance_clock));
    }
    router.with_state(state)
}

// ---- cookies --------------------------------------------------------------------------------

/// The value of the cookie `name` in the request.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict; Path=/`, and `Secure` unless the
/// application serves plain HTTP on loopback (see `main.rs`). `max_age` 0 deletes the cookie.
fn set_cookie(state: &AppState, name: &str, value: &str, max_age: u64) -> (header::HeaderName, HeaderValue) {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let text = format!("{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict{secure}");
    let value = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""));
    (header::SET_COOKIE, value)
}

fn clear_cookie(state: &AppState, name: &str) -> (header::HeaderName, HeaderValue) {
    set_cookie(state, name, "", 0)
}

// ---- responses ------------------------------------------------------------------------------

fn page(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A failure of the application itself (a database error): logged, and a bare 500.
fn internal(error: &dyn std::fmt::Display) -> Response {
    eprintln!("error: {error}");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        pages::message(
            "Something went wrong",
            None,
            "Something went wrong: try again.",
            ("/", "Home"),
        ),
    )
}

/// What to tell a person whose code was refused, and the HTTP status; `None` for the service's
/// own failures (a 500).
fn refusal(error: &Error) -> Option<(StatusCode, String, Option<u64>)> {
    let unauthorized = |text: &str| Some((StatusCode::UNAUTHORIZED, text.to_owned(), None));
    match error {
        Error::WrongCode { .. } | Error::Malformed => unauthorized("That code is not right."),
        Error::Replay { via: Via::Code } => {
            unauthorized("That code was already used: wait for your app to show the next one.")
        }
        Error::Replay { .. } => unauthorized("That backup code was already used."),
        Error::Throttled { retry_at, .. } => Some((
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many wrong codes: try again after {}.",
                pages::utc_time(*retry_at)
            ),
            Some(*retry_at),
        )),
        Error::Locked { via: Via::Code } => Some((
            StatusCode::TOO_MANY_REQUESTS,
            "Too many wrong codes: authenticator codes are locked. Use a backup code.".to_owned(),
            None,
        )),
        Error::Locked { .. } => Some((
            StatusCode::TOO_MANY_REQUESTS,
            "Too many wrong codes: contact support.".to_owned(),
            None,
        )),
        Error::NotEnrolled => Some((
            StatusCode::CONFLICT,
            "Two-factor authentication is not on.".to_owned(),
            None,
        )),
        Error::Challenge(reason) => unauthorized(&challenge_text(reason)),
        _ => None,
    }
}

/// Why a login challenge was refused, for the person.
fn challenge_text(reason: &ChallengeError) -> String {
    let why = match reason {
        ChallengeError::Expired { .. } => "Your sign-in took too long",
        ChallengeError::Used => "That sign-in was already completed",
        ChallengeError::Superseded => "A newer sign-in was started",
        _ => "Your sign-in is not valid",
    };
    format!("{why}: sign in again.")
}

/// A refused code as a response: the page `render` draws with the message, with
/// `Retry-After` when throttled.
fn refused(state: &AppState, error: &Error, render: impl FnOnce(&str) -> String) -> Response {
    let Some((status, text, retry_at)) = refusal(error) else {
        return internal(error);
    };
    let mut response = page(status, render(&text));
    if let Some(retry_at) = retry_at {
        let now = state.clock.now().unwrap_or(retry_at);
        if let Ok(value) = HeaderValue::from_str(&retry_at.saturating_sub(now).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

// ---- sessions -------------------------------------------------------------------------------

/// The signed-in user of a request.
struct Current {
    session_id: String,
    user: User,
    status: Status,
}

/// The request's session, checked against the user's current credential epoch: a session made
/// before the second factor was enabled, disabled or its backup codes regenerated elsewhere is
/// ended here.
async fn current(state: &AppState, headers: &HeaderMap) -> Result<Option<Current>, Response> {
    let Some(session_id) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = state.clock.now().map_err(|error| internal(&error))?;
    let Some(Session { user_id, epoch, .. }) = state.sessions.get(session_id, now) else {
        return Ok(None);
    };
    let Some(user) = state.users.get(user_id).await.map_err(|error| internal(&error))? else {
        state.sessions.remove(session_id);
        return Ok(None);
    };
    let status = state
        .service
        .status(&user.two_factor_id())
        .await
        .map_err(|error| internal(&error))?;
    if status.epoch != epoch {
        state.sessions.remove(session_id);
        return Ok(None);
    }
    Ok(Some(Current {
        session_id: session_id.to_owned(),
        user,
        status,
    }))
}

/// The signed-in user, or the response that sends the request elsewhere: to the sign-in form,
/// or — for an administrator without a second factor, unless `setup` says this route is part
/// of setting one up — to the setup page.
async fn require(state: &AppState, headers: &HeaderMap, setup: bool) -> Result<Current, Response> {
    match current(state, headers).await? {
        None => Err(see_other("/login")),
        Some(current) if current.user.is_admin && !current.status.enabled && !setup => {
            Err(see_other("/2fa/setup"))
        }
        Some(current) => Ok(current),
    }
}

/// Starts a session for `user` at `epoch`: the `Set-Cookie` header.
fn start_session(
    state: &AppState,
    user: &User,
    epoch: u64,
) -> Result<(header::HeaderName, HeaderValue), String> {
    let now = state.clock.now().map_err(|error| error.to_string())?;
    let id = state
        .sessions
        .create(user.id, epoch, now)
        .map_err(|error| error.to_string())?;
    Ok(set_cookie(state, SESSION_COOKIE, &id, SESSION_LIFETIME))
}

// ---- forms ----------------------------------------------------------------------------------

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

#[derive(Deserialize)]
struct AdvanceForm {
    advance: u64,
}

// ---- handlers -------------------------------------------------------------------------------

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current(&state, &headers).await {
        Err(response) => response,
        Ok(None) => page(StatusCode::OK, pages::login(None)),
        Ok(Some(current)) if current.user.is_admin && !current.status.enabled => see_other("/2fa/setup"),
        Ok(Some(current)) => page(
            StatusCode::OK,
            pages::home(&current.user.name, &current.status, None, None),
        ),
    }
}

async fn login_page() -> Response {
    page(StatusCode::OK, pages::login(None))
}

async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    let user = match state.users.check_password(&form.username, &form.password).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return page(
                StatusCode::UNAUTHORIZED,
                pages::login(Some("Wrong username or password.")),
            );
        }
        Err(error) => return internal(&error),
    };
    let key = user.two_factor_id();
    let status = match state.service.status(&key).await {
        Ok(status) => status,
        Err(error) => return internal(&error),
    };
    if !status.enabled {
        // No second factor: the password is enough (an administrator is sent to set one up).
        return match start_session(&state, &user, status.epoch) {
            Ok(cookie) => (AppendHeaders([cookie]), see_other("/")).into_response(),
            Err(error) => internal(&error),
        };
    }
    match state.service.issue_challenge(&key).await {
        Ok(token) => (
            AppendHeaders([set_cookie(
                &state,
                CHALLENGE_COOKIE,
                token.as_str(),
                CHALLENGE_LIFETIME,
            )]),
            Html(pages::code_required(&user.name, None)),
        )
            .into_response(),
        Err(error) => internal(&error),
    }
}

/// The user a login challenge names, or the page that says to sign in again (and deletes the
/// cookie).
async fn challenged_user(state: &AppState, headers: &HeaderMap) -> Result<(String, User), Response> {
    let again = |text: &str| {
        (
            StatusCode::UNAUTHORIZED,
            AppendHeaders([clear_cookie(state, CHALLENGE_COOKIE)]),
            Html(pages::message("Sign in again", None, text, ("/login", "Sign in"))),
        )
            .into_response()
    };
    let Some(token) = cookie(headers, CHALLENGE_COOKIE) else {
        return Err(again("Your sign-in is not valid: sign in again."));
    };
    let key = match state.service.challenge_user(token) {
        Ok(key) => key,
        Err(Error::Challenge(reason)) => return Err(again(&challenge_text(&reason))),
        Err(error) => return Err(internal(&error)),
    };
    let id = key.strip_prefix("user-").and_then(|id| id.parse().ok());
    match id {
        Some(id) => match state.users.get(id).await {
            Ok(Some(user)) => Ok((token.to_owned(), user)),
            Ok(None) => Err(again("Your sign-in is not valid: sign in again.")),
            Err(error) => Err(internal(&error)),
        },
        None => Err(again("Your sign-in is not valid: sign in again.")),
    }
}

async fn verify_login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match challenged_user(&state, &headers).await {
        Ok((_, user)) => page(StatusCode::OK, pages::code_required(&user.name, None)),
        Err(_) => see_other("/login"),
    }
}

async fn verify_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let (token, user) = match challenged_user(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let verified = state
        .service
        .verify_with_challenge(&user.two_factor_id(), &token, &form.code)
        .await;
    match verified {
        Ok(verified) => {
            let session = match start_session(&state, &user, verified.epoch) {
                Ok(cookie) => cookie,
                Err(error) => return internal(&error),
            };
            let notice = match verified.via {
                Via::BackupCode => format!(
                    "Signed in with a backup code: {} backup codes remaining.",
                    verified.backup_codes_remaining
                ),
                _ => "Signed in.".to_owned(),
            };
            let status = match state.service.status(&user.two_factor_id()).await {
                Ok(status) => status,
                Err(error) => return internal(&error),
            };
            (
                AppendHeaders([session, clear_cookie(&state, CHALLENGE_COOKIE)]),
                Html(pages::home(&user.name, &status, Some(&notice), None)),
            )
                .into_response()
        }
        Err(Error::Challenge(reason)) => (
            StatusCode::UNAUTHORIZED,
            AppendHeaders([clear_cookie(&state, CHALLENGE_COOKIE)]),
            Html(pages::message(
                "Sign in again",
                None,
                &challenge_text(&reason),
                ("/login", "Sign in"),
            )),
        )
            .into_response(),
        Err(error) => refused(&state, &error, |text| {
            pages::code_required(&user.name, Some(text))
        }),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        state.sessions.remove(id);
    }
    (
        AppendHeaders([clear_cookie(&state, SESSION_COOKIE)]),
        see_other("/"),
    )
        .into_response()
}

async fn status(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match require(&state, &headers, false).await {
        Ok(current) => page(StatusCode::OK, pages::status(&current.user.name, &current.status)),
        Err(response) => response,
    }
}

async fn setup_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match require(&state, &headers, true).await {
        Ok(current) if current.status.enabled => see_other("/"),
        Ok(current) => page(
            StatusCode::OK,
            pages::setup_start(&current.user.name, current.user.is_admin),
        ),
        Err(response) => response,
    }
}

async fn setup(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let current = match require(&state, &headers, true).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let name = &current.user.name;
    let enrollment = match state
        .service
        .begin_enrollment(&current.user.two_factor_id(), name)
        .await
    {
        Ok(enrollment) => enrollment,
        Err(Error::AlreadyEnabled) => {
            return page(
                StatusCode::CONFLICT,
                pages::message(
                    "Already on",
                    Some(name),
                    "Two-factor authentication is already on: turn it off first.",
                    ("/", "Home"),
                ),
            );
        }
        Err(error) => return internal(&error),
    };
    let qr = match enrollment.qr_code(QrOptions::new()) {
        Ok(qr) => qr,
        Err(error) => return internal(&error),
    };
    let data_url = match qr.to_data_url() {
        Ok(url) => url,
        Err(error) => return internal(&error),
    };
    let mut response = page(
        StatusCode::OK,
        pages::setup(
            name,
            &data_url,
            &qr.to_svg(),
            &enrollment.secret.to_base32(),
            enrollment.expires_at,
            None,
        ),
    );
    // The page holds the secret: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn enable(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CodeForm>) -> Response {
    let current = match require(&state, &headers, true).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let name = &current.user.name;
    match state
        .service
        .confirm_enrollment(&current.user.two_factor_id(), &form.code)
        .await
    {
        Ok(confirmed) => {
            state.sessions.set_epoch(&current.session_id, confirmed.epoch);
            no_store(page(
                StatusCode::OK,
                pages::backup_codes(
                    name,
                    "Two-factor authentication is on",
                    "Two-factor authentication is on.",
                    confirmed.backup_codes.expose_codes(),
                ),
            ))
        }
        Err(Error::NoPendingEnrollment | Error::EnrollmentExpired) => page(
            StatusCode::CONFLICT,
            pages::message(
                "Set up again",
                Some(name),
                "There is no setup to finish (it expires after 10 minutes): start again.",
                ("/2fa/setup", "Set up"),
            ),
        ),
        Err(Error::AlreadyEnabled) => see_other("/"),
        Err(error) => refused(&state, &error, |text| pages::enable_again(name, text)),
    }
}

async fn disable(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CodeForm>) -> Response {
    let current = match require(&state, &headers, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let name = &current.user.name;
    match state
        .service
        .disable(&current.user.two_factor_id(), &form.code)
        .await
    {
        Ok(changed) => {
            state.sessions.set_epoch(&current.session_id, changed.epoch);
            match state.service.status(&current.user.two_factor_id()).await {
                Ok(status) => page(
                    StatusCode::OK,
                    pages::home(
                        name,
                        &status,
                        Some("Two-factor authentication is off. Your other sessions were ended."),
                        None,
                    ),
                ),
                Err(error) => internal(&error),
            }
        }
        Err(error) => refused(&state, &error, |text| {
            pages::home(name, &current.status, None, Some(text))
        }),
    }
}

async fn backup_codes(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let current = match require(&state, &headers, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let name = &current.user.name;
    match state
        .service
        .regenerate_backup_codes(&current.user.two_factor_id(), &form.code)
        .await
    {
        Ok(regenerated) => {
            state.sessions.set_epoch(&current.session_id, regenerated.epoch);
            no_store(page(
                StatusCode::OK,
                pages::backup_codes(
                    name,
                    "New backup codes",
                    "New backup codes: the old ones no longer work. Your other sessions were ended.",
                    regenerated.backup_codes.expose_codes(),
                ),
            ))
        }
        Err(error) => refused(&state, &error, |text| {
            pages::home(name, &current.status, None, Some(text))
        }),
    }
}

/// Test hook: moves the application's clock forward; answers the new time (Unix seconds).
async fn advance_clock(State(state): State<AppState>, Form(form): Form<AdvanceForm>) -> Response {
    state.clock.advance(form.advance);
    match state.clock.now() {
        Ok(now) => now.to_string().into_response(),
        Err(error) => internal(&error),
    }
}

/// A page with secrets (backup codes) that no cache may keep.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
