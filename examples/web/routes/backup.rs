//! The backup-codes page: the count, new codes (proof), and turning 2FA off (proof).

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use twofactor::Clock;

use super::respond::{internal, no_store, page, refusal, see_other};
use super::session::{Current, current, notice, renew};
use crate::backend::AuthSession;
use crate::pages;
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct ProofForm {
    code: String,
}

pub(crate) async fn backup_codes_page(auth: AuthSession) -> Response {
    match current(&auth, false).await {
        Ok(current) if !current.status.enabled => see_other("/2fa/setup"),
        Ok(current) => page(
            StatusCode::OK,
            pages::backup_codes(
                &current.csrf,
                &current.user.name,
                current.status.backup_codes_remaining.unwrap_or(0),
                None,
            ),
        ),
        Err(response) => response,
    }
}

/// The page again with a refusal of the library.
fn refused(state: &AppState, current: &Current, error: &twofactor::Error) -> Response {
    let now = match state.clock.now() {
        Ok(now) => now,
        Err(error) => return internal(&error),
    };
    match refusal(error, now) {
        Ok(refused) => refused.answer(pages::backup_codes(
            &current.csrf,
            &current.user.name,
            current.status.backup_codes_remaining.unwrap_or(0),
            Some(&refused.text),
        )),
        Err(response) => response,
    }
}

pub(crate) async fn regenerate(
    State(state): State<AppState>,
    mut auth: AuthSession,
    Form(form): Form<ProofForm>,
) -> Response {
    let before = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let regenerated = match state
        .service
        .regenerate_backup_codes(before.user.two_factor_id(), &form.code)
        .await
    {
        Ok(regenerated) => regenerated,
        Err(error) => return refused(&state, &before, &error),
    };
    let after = match renew(&mut auth).await {
        Ok(after) => after,
        Err(response) => return response,
    };
    no_store(page(
        StatusCode::OK,
        pages::new_backup_codes(
            &after.csrf,
            &after.user.name,
            "New backup codes",
            "New backup codes: the old ones no longer work. Your other sessions were ended.",
            &regenerated
                .backup_codes
                .expose_codes()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        ),
    ))
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    mut auth: AuthSession,
    Form(form): Form<ProofForm>,
) -> Response {
    let before = match current(&auth, false).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    if let Err(error) = state
        .service
        .disable(before.user.two_factor_id(), &form.code)
        .await
    {
        return refused(&state, &before, &error);
    }
    if let Err(response) = renew(&mut auth).await {
        return response;
    }
    let text = "Two-factor authentication is off. Your other sessions were ended.";
    match notice(&auth.session, text).await {
        Ok(()) => see_other("/"),
        Err(response) => response,
    }
}
