//! The first setup: a secret and its QR code, then the first code; the backup codes, once.

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use twofactor::{Clock, Error};

use super::qr::qr_page;
use super::respond::{internal, no_store, page, refusal, see_other};
use super::session::{current, renew};
use crate::backend::AuthSession;
use crate::pages;
use crate::state::AppState;
use axum::extract::State;

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

pub(crate) async fn setup_page(auth: AuthSession) -> Response {
    match current(&auth, true).await {
        Ok(current) if current.status.enabled => see_other("/2fa/authenticators"),
        Ok(current) => page(
            StatusCode::OK,
            pages::setup_start(&current.csrf, &current.user.name, current.user.is_admin),
        ),
        Err(response) => response,
    }
}

pub(crate) async fn setup(State(state): State<AppState>, auth: AuthSession) -> Response {
    let current = match current(&auth, true).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    match state
        .service
        .begin_enrollment(current.user.two_factor_id(), &current.user.name)
        .await
    {
        Ok(enrollment) => qr_page(&current, &enrollment, "/2fa/enable", false),
        Err(Error::AlreadyEnabled) => see_other("/2fa/authenticators"),
        Err(error) => internal(&error),
    }
}

/// The first code of a pending secret, for `/2fa/enable` (the first setup) and
/// `/2fa/authenticators/confirm` (one more): the same service call, `confirm_enrollment`.
pub(crate) async fn confirm(state: &AppState, mut auth: AuthSession, code: &str, action: &str) -> Response {
    let before = match current(&auth, true).await {
        Ok(current) => current,
        Err(response) => return response,
    };
    let now = match state.clock.now() {
        Ok(now) => now,
        Err(error) => return internal(&error),
    };
    let confirmed = match state
        .service
        .confirm_enrollment(before.user.two_factor_id(), code)
        .await
    {
        Ok(confirmed) => confirmed,
        Err(Error::NoPendingEnrollment | Error::EnrollmentExpired) => {
            let text = "There is no setup to finish (it expires after 10 minutes): start again.";
            let link = if before.status.enabled {
                ("/2fa/authenticators", "Authenticators")
            } else {
                ("/2fa/setup", "Set up")
            };
            return page(
                StatusCode::CONFLICT,
                pages::message("Start again", Some((&before.user.name, &before.csrf)), text, link),
            );
        }
        Err(error) => {
            return match refusal(&error, now) {
                Ok(refused) => refused.answer(pages::enable_again(
                    &before.csrf,
                    &before.user.name,
                    action,
                    &refused.text,
                )),
                Err(response) => response,
            };
        }
    };
    // The epoch moved: this session renews, every other one of the user ends.
    let after = match renew(&mut auth).await {
        Ok(after) => after,
        Err(response) => return response,
    };
    if confirmed.backup_codes.is_empty() {
        let text = "The new authenticator is added. Your other sessions were ended.";
        return match super::session::notice(&auth.session, text).await {
            Ok(()) => see_other("/2fa/authenticators"),
            Err(response) => response,
        };
    }
    no_store(page(
        StatusCode::OK,
        pages::new_backup_codes(
            &after.csrf,
            &after.user.name,
            "Two-factor authentication is on",
            "Two-factor authentication is on. Your other sessions were ended.",
            &confirmed
                .backup_codes
                .expose_codes()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        ),
    ))
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    auth: AuthSession,
    Form(form): Form<CodeForm>,
) -> Response {
    confirm(&state, auth, &form.code, "/2fa/enable").await
}

pub(crate) async fn confirm_added(
    State(state): State<AppState>,
    auth: AuthSession,
    Form(form): Form<CodeForm>,
) -> Response {
    confirm(&state, auth, &form.code, "/2fa/authenticators/confirm").await
}
