//! The remembered browsers: list, forget one, forget all.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::respond::{internal, page, see_other};
use super::session::{current, notice, take_notice};
use crate::backend::AuthSession;
use crate::pages;
use crate::state::AppState;

pub(crate) async fn devices_page(State(state): State<AppState>, auth: AuthSession) -> Response {
    let current = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let notice = match take_notice(&auth.session).await {
        Ok(notice) => notice,
        Err(response) => return response,
    };
    match state
        .service
        .remembered_devices(current.user.two_factor_id())
        .await
    {
        Ok(list) => page(
            StatusCode::OK,
            pages::devices(&current.csrf, &current.user.name, &list, notice.as_deref()),
        ),
        Err(error) => internal(&error),
    }
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Response {
    let current = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let text = match state
        .service
        .revoke_device(current.user.two_factor_id(), &id)
        .await
    {
        Ok(true) => "That browser is forgotten: it needs a code at its next sign-in.",
        Ok(false) => "That browser was already forgotten.",
        Err(error) => return internal(&error),
    };
    match notice(&auth.session, text).await {
        Ok(()) => see_other("/2fa/devices"),
        Err(response) => response,
    }
}

pub(crate) async fn revoke_all(State(state): State<AppState>, auth: AuthSession) -> Response {
    let current = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let text = match state
        .service
        .revoke_all_devices(current.user.two_factor_id())
        .await
    {
        Ok(count) => format!("{count} browser(s) forgotten: each needs a code at its next sign-in."),
        Err(error) => return internal(&error),
    };
    match notice(&auth.session, &text).await {
        Ok(()) => see_other("/2fa/devices"),
        Err(response) => response,
    }
}
