//! The session's parts this application keeps: the signed-in user (axum-login), the login
//! in progress (the login challenge), a one-time notice; and the privilege change.
//!
//! Between the password and the code, axum-login's session is *not* authenticated: it holds only
//! the login challenge the service issued (`TwoFactor::issue_challenge`), which names the user,
//! is signed with the service's challenge key, expires after 5 minutes and is spent with the
//! code. The session id is cycled when it is stored, when the login completes, and after every
//! change of the second factor; the CSRF token is drawn again each time.

use axum::response::Response;
use tower_sessions::Session;
use twofactor::Status;

use super::respond::{internal, see_other};
use crate::backend::AuthSession;
use crate::csrf;
use crate::pages::Csrf;
use crate::users::User;

/// The session key of the login challenge between the two steps.
const CHALLENGE: &str = "login.challenge";
/// The session key of a notice for the next page.
const NOTICE: &str = "notice";

/// The signed-in user of a request behind `login_required!`.
#[derive(Debug)]
pub(crate) struct Current {
    pub(crate) user: User,
    pub(crate) status: Status,
    pub(crate) csrf: Csrf,
}

/// The signed-in user, or where to send the request: the sign-in form, or — for an
/// administrator without a second factor, unless `setup` says this route sets one up — the
/// setup page.
pub(crate) async fn current(auth: &AuthSession, setup: bool) -> Result<Current, Response> {
    let Some(signed_in) = auth.user.clone() else {
        return Err(see_other("/login"));
    };
    if signed_in.user.is_admin && !signed_in.status.enabled && !setup {
        return Err(see_other("/2fa/setup"));
    }
    let csrf = csrf::token(&auth.session)
        .await
        .map_err(|error| internal(&error))?;
    Ok(Current {
        user: signed_in.user,
        status: signed_in.status,
        csrf,
    })
}

/// After the second factor of the signed-in user changed (the epoch moved): a new session id, a
/// new CSRF token, and axum-login's check under the new epoch, so that this session lives on
/// while every other one of the user ends.
pub(crate) async fn renew(auth: &mut AuthSession) -> Result<Current, Response> {
    let Some(id) = auth.user.as_ref().map(|signed_in| signed_in.user.id) else {
        return Err(see_other("/login"));
    };
    let fresh = match axum_login::AuthnBackend::get_user(&auth.backend, &id).await {
        Ok(Some(fresh)) => fresh,
        Ok(None) => return Err(see_other("/login")),
        Err(error) => return Err(internal(&error)),
    };
    auth.session.cycle_id().await.map_err(|error| internal(&error))?;
    auth.login(&fresh).await.map_err(|error| internal(&error))?;
    let csrf = csrf::renew(&auth.session)
        .await
        .map_err(|error| internal(&error))?;
    Ok(Current {
        user: fresh.user,
        status: fresh.status,
        csrf,
    })
}

/// Stores the login challenge after a right password: a new session id and CSRF token.
pub(crate) async fn start_challenge(session: &Session, token: &str) -> Result<(), Response> {
    session.cycle_id().await.map_err(|error| internal(&error))?;
    session
        .insert(CHALLENGE, token)
        .await
        .map_err(|error| internal(&error))?;
    csrf::renew(session).await.map_err(|error| internal(&error))?;
    Ok(())
}

/// The login challenge in progress, if any.
pub(crate) async fn challenge(session: &Session) -> Result<Option<String>, Response> {
    session.get(CHALLENGE).await.map_err(|error| internal(&error))
}

/// Ends the login in progress.
pub(crate) async fn end_challenge(session: &Session) -> Result<(), Response> {
    session
        .remove::<String>(CHALLENGE)
        .await
        .map(drop)
        .map_err(|error| internal(&error))
}

/// Completes the login: axum-login's session is authenticated (its id cycled), the CSRF token
/// drawn again.
pub(crate) async fn complete_login(
    auth: &mut AuthSession,
    signed_in: &crate::backend::SignedIn,
) -> Result<(), Response> {
    end_challenge(&auth.session).await?;
    auth.login(signed_in).await.map_err(|error| internal(&error))?;
    csrf::renew(&auth.session)
        .await
        .map_err(|error| internal(&error))?;
    Ok(())
}

/// A notice for the next page.
pub(crate) async fn notice(session: &Session, text: &str) -> Result<(), Response> {
    session
        .insert(NOTICE, text)
        .await
        .map_err(|error| internal(&error))
}

/// The notice left for this page, taken.
pub(crate) async fn take_notice(session: &Session) -> Result<Option<String>, Response> {
    session.remove(NOTICE).await.map_err(|error| internal(&error))
}
