//! The password step (throttled, hashed under a bound): on to the code step, or signed in on a
//! remembered browser or without 2FA; and the sign-out and the home page.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_cookies::Cookies;
use tower_sessions::Session;
use twofactor::{Clock, Error};

use super::remembered::device_cookie;
use super::respond::{internal, page, see_other};
use super::session::{complete_login, notice, start_challenge, take_notice};
use crate::backend::{AuthSession, Credentials};
use crate::csrf;
use crate::pages;
use crate::password_gate::Refused;
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
}

/// The password form (a signed-in user is sent home).
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

/// The password step: the gate, a hash slot, the password; then the code step, or signed in.
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
/// Ends the session (axum-login flushes it from the store).
pub(crate) async fn logout(mut auth: AuthSession) -> Response {
    match auth.logout().await {
        Ok(_) => see_other("/login"),
        Err(error) => internal(&error),
    }
}

/// The home page, or the sign-in form without a session.
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
