//! The code step: a code from the app, a backup code, and "remember this browser".

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tower_cookies::Cookies;
use tower_sessions::Session;
use twofactor::{Clock, Error, Via};

use super::remembered::{browser_label, device_cookie};
use super::respond::{internal, page, refusal, see_other};
use super::session::{challenge, complete_login, end_challenge, notice, take_notice};
use crate::backend::{AuthSession, SignedIn};
use crate::csrf;
use crate::pages;
use crate::state::AppState;
use crate::users::user_id_of;

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

/// The code field (`?backup=1`: the backup-code field), while the login challenge is good.
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

/// The code step: a verified code or backup code completes the login (and, if asked, remembers
/// the browser).
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
    let mut told = Vec::new();
    if verified.failed_attempts > 0 {
        // The library counts them since the last sign-in: someone may know the password.
        told.push(format!(
            "{} failed attempt{} since your last sign-in. If that was not you, change your password.",
            verified.failed_attempts,
            if verified.failed_attempts == 1 { "" } else { "s" }
        ));
    }
    if verified.via == Via::BackupCode {
        told.push(format!(
            "Signed in with a backup code: {} backup codes left.",
            verified.backup_codes_remaining
        ));
    }
    if !told.is_empty()
        && let Err(response) = notice(&auth.session, &told.join(" ")).await
    {
        return response;
    }
    see_other("/")
}

/// Whether a refused input was a backup code (letters in it), to show the same field again.
fn looks_like_backup_code(input: &str) -> bool {
    input.chars().any(|c| c.is_ascii_alphabetic())
}
