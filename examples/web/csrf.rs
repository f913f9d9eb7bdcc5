//! CSRF protection: a synchronizer token in the server-side session, checked on every POST,
//! after the `Origin` check.
//!
//! Why no crate: the CSRF crates for axum (`axum_csrf`, `axum-csrf-sync-pattern`) are
//! double-submit cookies or unmaintained; with server-side sessions the synchronizer-token
//! pattern (OWASP's first choice) needs no signature and no second cookie: 32 random bytes in
//! the session, a hidden field in every form, a constant-time comparison. A token from another
//! session is just a wrong token. The token is drawn again whenever the session id is cycled
//! (each privilege change), so a token seen before sign-in is useless after it.
//!
//! The check is one middleware around every route (except the test hooks): a handler cannot
//! forget it. It reads the form body (at most [`MAX_FORM`] bytes) and hands it on untouched.

use axum::body::{Body, to_bytes};
use axum::extract::{Form, FromRequest, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::origin::same_origin;
use crate::pages::{self, Csrf};
use crate::state::AppState;

/// The session key of the token.
const KEY: &str = "csrf";
/// The largest form body taken.
const MAX_FORM: usize = 16 * 1024;

/// The session's token, drawn if it has none (which saves the session: its cookie is set).
pub(crate) async fn token(session: &Session) -> Result<Csrf, tower_sessions::session::Error> {
    if let Some(token) = session.get::<String>(KEY).await? {
        return Ok(Csrf(token));
    }
    renew(session).await
}

/// A new token for the session (after its id was cycled).
pub(crate) async fn renew(session: &Session) -> Result<Csrf, tower_sessions::session::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| {
        tower_sessions::session::Error::Store(tower_sessions::session_store::Error::Backend(
            error.to_string(),
        ))
    })?;
    let token = data_encoding::BASE64URL_NOPAD.encode(&bytes);
    session.insert(KEY, &token).await?;
    Ok(Csrf(token))
}

#[derive(Deserialize)]
struct Field {
    #[serde(default)]
    csrf: String,
}

/// The middleware: a POST must come from the origin and carry the session's token.
pub(crate) async fn guard(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    if !same_origin(request.headers(), &state.origin) {
        return refused("This request did not come from this site's own pages, so it was refused.");
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "That form is too large.").into_response();
    };
    let copy = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let sent = match Form::<Field>::from_request(copy, &()).await {
        Ok(Form(field)) => field.csrf,
        Err(_) => String::new(),
    };
    let expected = match session.get::<String>(KEY).await {
        Ok(expected) => expected,
        Err(error) => {
            eprintln!("error: the session store failed: {error}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Something went wrong on our side. Please try again.",
            )
                .into_response();
        }
    };
    let matches = expected
        .is_some_and(|expected| !sent.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes())));
    if !matches {
        return refused(
            "This form has expired or was opened in another session. Go back, reload the page and try again.",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn refused(text: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(pages::message("Form refused", None, text, ("/", "Home"))),
    )
        .into_response()
}
