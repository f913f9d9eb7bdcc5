//! The authenticators page: list, add (proof, then the new one's first code), rename, remove
//! (proof; the last one is turning 2FA off).

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use twofactor::Clock;

use super::qr::qr_page;
use super::respond::{internal, page, refusal, see_other};
use super::session::{Current, current, notice, renew, take_notice};
use crate::backend::AuthSession;
use crate::pages;
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct AddForm {
    label: String,
    code: String,
}

#[derive(Deserialize)]
pub(crate) struct RenameForm {
    label: String,
}

#[derive(Deserialize)]
pub(crate) struct ProofForm {
    code: String,
}

/// The page, with a notice or an error and the status to answer it with.
async fn list(
    state: &AppState,
    current: &Current,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<String, Response> {
    let list = state
        .service
        .authenticators(current.user.two_factor_id())
        .await
        .map_err(|error| internal(&error))?;
    let max = state.service.config().policy().max_authenticators();
    Ok(pages::authenticators(
        &current.csrf,
        &current.user.name,
        &list,
        max,
        notice,
        error,
    ))
}

pub(crate) async fn authenticators_page(State(state): State<AppState>, auth: AuthSession) -> Response {
    let current = match current(&auth, false).await {
        Ok(current) if !current.status.enabled => return see_other("/2fa/setup"),
        Ok(current) => current,
        Err(response) => return response,
    };
    let notice = match take_notice(&auth.session).await {
        Ok(notice) => notice,
        Err(response) => return response,
    };
    match list(&state, &current, notice.as_deref(), None).await {
        Ok(html) => page(StatusCode::OK, html),
        Err(response) => response,
    }
}

/// The page again with a refusal of the library (its status, its text).
async fn refused(state: &AppState, current: &Current, error: &twofactor::Error) -> Response {
    let now = match state.clock.now() {
        Ok(now) => now,
        Err(error) => return internal(&error),
    };
    match refusal(error, now) {
        Ok(refused) => match list(state, current, None, Some(&refused.text)).await {
            Ok(html) => refused.answer(html),
            Err(response) => response,
        },
        Err(response) => response,
    }
}

pub(crate) async fn add(
    State(state): State<AppState>,
    auth: AuthSession,
    Form(form): Form<AddForm>,
) -> Response {
    let current = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    match state
        .service
        .begin_adding_authenticator(
            current.user.two_factor_id(),
            &form.label,
            &current.user.name,
            &form.code,
        )
        .await
    {
        Ok(enrollment) => qr_page(&current, &enrollment, "/2fa/authenticators/confirm", true),
        Err(error) => refused(&state, &current, &error).await,
    }
}

pub(crate) async fn rename(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<u32>,
    Form(form): Form<RenameForm>,
) -> Response {
    let current = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    match state
        .service
        .rename_authenticator(current.user.two_factor_id(), id, &form.label)
        .await
    {
        Ok(()) => match notice(&auth.session, "Renamed.").await {
            Ok(()) => see_other("/2fa/authenticators"),
            Err(response) => response,
        },
        Err(error) => refused(&state, &current, &error).await,
    }
}

pub(crate) async fn remove(
    State(state): State<AppState>,
    mut auth: AuthSession,
    Path(id): Path<u32>,
    Form(form): Form<ProofForm>,
) -> Response {
    let before = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let last = before.status.authenticators <= 1;
    if let Err(error) = state
        .service
        .remove_authenticator(before.user.two_factor_id(), id, &form.code)
        .await
    {
        return refused(&state, &before, &error).await;
    }
    if let Err(response) = renew(&mut auth).await {
        return response;
    }
    let (text, to) = if last {
        (
            "That was your last authenticator: two-factor authentication is off. Your other sessions were ended.",
            "/",
        )
    } else {
        (
            "The authenticator is removed; its codes no longer work. Your other sessions were ended.",
            "/2fa/authenticators",
        )
    };
    match notice(&auth.session, text).await {
        Ok(()) => see_other(to),
        Err(response) => response,
    }
}
