//! The sign-in: the password (throttled, hashed under a bound), then the code, a backup code,
//! or the remembered browser; and the sign-out.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_cookies::cookie::SameSite;
use tower_cookies::cookie::time::Duration;
use tower_cookies::{Cookie, Cookies};
use tower_sessions::Session;
use twofactor::{Clock, Error, Via};

use super::respond::{internal, page, refusal, see_other};
use super::session::{challenge, complete_login, end_challenge, notice, start_challenge, take_notice};
use crate::backend::{AuthSession, Credentials, SignedIn};
use crate::csrf;
use crate::pages;
use crate::password_gate::Refused;
use crate::state::AppState;
use crate::users::user_id_of;

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
    #[serde(default)]
    remember: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct CodeQuery {
    #[serde(default)]
    backup: Option<String>,
}

pub(crate) async fn login_page(session: Session, auth: AuthSession) -> Response {
    if auth.user.is_some() {
        return see_other("/");
    }
    let csrf = match csrf::token(&session).await {
        Ok(csrf) => csrf,
        Err(error) => return internal(&error),
    };
    let notice = match take_notice(&session).await {
        Ok(notice) => notice,
        Err(response) => return response,
    };
    page(StatusCode::OK, pages::login(&csrf, "", notice.as_deref(), None))
}

/// The password form answered again with `status` and `text`.
async fn login_again(
    session: &Session,
    name: &str,
    status: StatusCode,
    text: &str,
    retry_after: Option<u64>,
) -> Response {
    let csrf = match csrf::token(session).await {
        Ok(csrf) => csrf,
        Err(error) => return internal(&error),
    };
    super::respond::Refusal {
        status,
        text: text.to_owned(),
        retry_after,
    }
    .answer(pages::login(&csrf, name, None, Some(text)))
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    cookies: Cookies,
    mut auth: AuthSession,
    Form(form): Form<LoginForm>,
) -> Response {
    let now = match state.clock.now() {
        Ok(now) => now,
        Err(error) => return internal(&error),
    };
    let session = auth.session.clone();
    let name = form.username.trim().to_owned();
    if let Err(Refused::Throttled { retry_at }) = state.gate.admit(&name, client.ip(), now) {
        let wait = retry_at.saturating_sub(now).max(1);
        let text = format!(
            "Too many sign-in attempts. Please wait {} and try again.",
            super::respond::duration(wait)
        );
        return login_again(&session, &name, StatusCode::TOO_MANY_REQUESTS, &text, Some(wait)).await;
    }
    let slot = match state.gate.hash_slot().await {
        Ok(slot) => slot,
        Err(_) => {
            let text = "Many people are signing in right now. Please try again in a moment.";
            return login_again(&session, &name, StatusCode::SERVICE_UNAVAILABLE, text, Some(1)).await;
        }
    };
    let checked = auth
        .authenticate(Credentials {
            username: name.clone(),
            password: form.password,
        })
        .await;
    drop(slot);
    let signed_in = match checked {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => {
            state.gate.failed(&name, now);
            let text = "Wrong username or password.";
            return login_again(&session, &name, StatusCode::UNAUTHORIZED, text, None).await;
        }
        Err(error) => return internal(&error),
    };
    state.gate.succeeded(&name);
    if !signed_in.status.enabled {
        // No second factor: the password is all there is (an administrator is sent to set one up).
        return match complete_login(&mut auth, &signed_in).await {
            Ok(()) => see_other("/"),
            Err(response) => response,
        };
    }
    let key = signed_in.user.two_factor_id();
    if let Some(device) = cookies.get(state.cookies.device) {
        match state.service.verify_remembered(&key, device.value()).await {
            Ok(_) => {
                return match complete_login(&mut auth, &signed_in).await {
                    Ok(()) => see_other("/"),
                    Err(response) => response,
                };
            }
            Err(Error::RememberedDevice(problem)) => {
                // Revoked, expired, or the second factor changed: forget it, ask for a code.
                eprintln!("remembered browser refused for {key}: {problem}");
                cookies.remove(device_cookie(&state, String::new(), 0));
                if let Err(response) =
                    notice(&session, "This browser is no longer remembered: enter a code.").await
                {
                    return response;
                }
            }
            Err(error) => return internal(&error),
        }
    }
    match state.service.issue_challenge(&key).await {
        Ok(token) => match start_challenge(&session, token.as_str()).await {
            Ok(()) => see_other("/login/code"),
            Err(response) => response,
        },
        Err(error) => internal(&error),
    }
}

/// The user the session's login challenge names, if it is still good.
async fn challenged(state: &AppState, session: &Session) -> Result<Option<(String, SignedIn)>, Response> {
    let Some(token) = challenge(session).await? else {
        return Ok(None);
    };
    let Ok(key) = state.service.challenge_user(&token) else {
        end_challenge(session).await?;
        return Ok(None);
    };
    let Some(id) = user_id_of(&key) else {
        return Ok(None);
    };
    let backend = crate::backend::Backend {
        users: state.users.clone(),
        service: state.service.clone(),
    };
    match axum_login::AuthnBackend::get_user(&backend, &id).await {
        Ok(Some(signed_in)) => Ok(Some((token, signed_in))),
        Ok(None) => Ok(None),
        Err(error) => Err(internal(&error)),
    }
}

pub(crate) async fn code_page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<CodeQuery>,
) -> Response {
    let (_, signed_in) = match challenged(&state, &session).await {
        Ok(Some(found)) => found,
        Ok(None) => return see_other("/login"),
        Err(response) => return response,
    };
    let csrf = match csrf::token(&session).await {
        Ok(csrf) => csrf,
        Err(error) => return internal(&error),
    };
    let notice = match take_notice(&session).await {
        Ok(notice) => notice,
        Err(response) => return response,
    };
    let backup = query.backup.is_some();
    page(
        StatusCode::OK,
        pages::code_step(
            &csrf,
            &signed_in.user.name,
            backup,
            remember_days(&state),
            notice.as_deref(),
            None,
        ),
    )
}

fn remember_days(state: &AppState) -> u64 {
    state.service.config().policy().device_ttl() / 86_400
}

pub(crate) async fn verify_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    cookies: Cookies,
    mut auth: AuthSession,
    Form(form): Form<CodeForm>,
) -> Response {
    let session = auth.session.clone();
    let (token, signed_in) = match challenged(&state, &session).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            if let Err(response) = notice(
                &session,
                "Your sign-in took too long or was already used. Please sign in again.",
            )
            .await
            {
                return response;
            }
            return see_other("/login");
        }
        Err(response) => return response,
    };
    let key = signed_in.user.two_factor_id();
    let now = match state.clock.now() {
        Ok(now) => now,
        Err(error) => return internal(&error),
    };
    let verified = match state
        .service
        .verify_with_challenge(&key, &token, &form.code)
        .await
    {
        Ok(verified) => verified,
        Err(Error::Challenge(reason)) => {
            let _ = end_challenge(&session).await;
            let text = Error::Challenge(reason).user_message();
            if let Err(response) = notice(&session, text).await {
                return response;
            }
            return see_other("/login");
        }
        Err(error) => {
            let refused = match refusal(&error, now) {
                Ok(refused) => refused,
                Err(response) => return response,
            };
            let csrf = match csrf::token(&session).await {
                Ok(csrf) => csrf,
                Err(error) => return internal(&error),
            };
            let backup = looks_like_backup_code(&form.code);
            return refused.answer(pages::code_step(
                &csrf,
                &signed_in.user.name,
                backup,
                remember_days(&state),
                None,
                Some(&refused.text),
            ));
        }
    };
    // The code spent the challenge; the epoch is the one the session is checked under.
    let signed_in = match auth.backend.signed_in(signed_in.user).await {
        Ok(fresh) => fresh,
        Err(error) => return internal(&error),
    };
    if let Err(response) = complete_login(&mut auth, &signed_in).await {
        return response;
    }
    if form.remember.is_some() {
        let label = browser_label(
            headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok()),
        );
        match state.service.remember_device(&key, &label).await {
            Ok(token) => {
                let ttl = state.service.config().policy().device_ttl();
                cookies.add(device_cookie(&state, token.as_str().to_owned(), ttl));
            }
            Err(error) => return internal(&error),
        }
    }
    if verified.via == Via::BackupCode {
        let text = format!(
            "Signed in with a backup code: {} backup codes left.",
            verified.backup_codes_remaining
        );
        if let Err(response) = notice(&auth.session, &text).await {
            return response;
        }
    }
    see_other("/")
}

/// Whether a refused input was a backup code (letters in it), to show the same field again.
fn looks_like_backup_code(input: &str) -> bool {
    input.chars().any(|c| c.is_ascii_alphabetic())
}

/// The remembered-browser cookie: `HttpOnly`, `SameSite=Strict` (it is read only by the
/// password POST, from this site's own form), `Secure` and `__Host-` unless under the
/// development switch; `max_age` 0 deletes it.
fn device_cookie(state: &AppState, value: String, max_age: u64) -> Cookie<'static> {
    let mut cookie = Cookie::new(state.cookies.device, value);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_secure(state.cookies.secure);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_max_age(Duration::seconds(i64::try_from(max_age).unwrap_or(i64::MAX)));
    cookie
}

/// "Chrome on Linux": a name for the list of remembered browsers, from the `User-Agent`.
fn browser_label(agent: Option<&str>) -> String {
    let agent = agent.unwrap_or("");
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(mark, _)| agent.contains(mark))
    .map_or("A browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

pub(crate) async fn logout(mut auth: AuthSession) -> Response {
    match auth.logout().await {
        Ok(_) => see_other("/login"),
        Err(error) => internal(&error),
    }
}

pub(crate) async fn home(auth: AuthSession) -> Response {
    let current = match super::session::current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let notice = match take_notice(&auth.session).await {
        Ok(notice) => notice,
        Err(response) => return response,
    };
    page(
        StatusCode::OK,
        pages::home(
            &current.csrf,
            &current.user.name,
            &current.status,
            notice.as_deref(),
        ),
    )
    .into_response()
}
