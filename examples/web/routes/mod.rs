//! The HTTP routes.
//!
//! | route | what |
//! | --- | --- |
//! | `GET /` | the home page (the sign-in form without a session) |
//! | `GET /login`, `POST /login` | the password; with 2FA on, on to the code step (or signed in on a remembered browser) |
//! | `GET /login/code`, `POST /login/code` | a code (`?backup=1`: a backup code) and "remember this browser"; signed in on success |
//! | `POST /logout` | ends the session |
//! | `GET /2fa/setup`, `POST /2fa/setup` | a new secret: QR code (`data:` URL and SVG) and text |
//! | `POST /2fa/enable` | its first code; the backup codes, shown once (download, print) |
//! | `GET /2fa/authenticators` | the authenticators: rename, remove, add |
//! | `POST /2fa/authenticators/add` | a name and a proof; the new one's QR code |
//! | `POST /2fa/authenticators/confirm` | the new one's first code |
//! | `POST /2fa/authenticators/{id}/rename` | a new name |
//! | `POST /2fa/authenticators/{id}/remove` | a proof; the last one turns 2FA off |
//! | `GET /2fa/backup-codes` | how many are left; the forms below |
//! | `POST /2fa/backup-codes` | a proof; new backup codes (download, print) |
//! | `POST /2fa/disable` | a proof; 2FA off |
//! | `GET /2fa/devices` | the remembered browsers |
//! | `POST /2fa/devices/{id}/revoke`, `POST /2fa/devices/revoke-all` | forget one, or all |
//! | `POST /test/clock` | only with `TWOFACTOR_WEB_TEST_HOOKS=1`: moves the clock forward |
//!
//! Every POST but the test hook passes the `Origin` check and the CSRF token (`csrf.rs`); every
//! route under `/2fa/` needs a signed-in session (axum-login's `login_required!`).

mod authenticators;
mod backup;
mod code_step;
mod devices;
mod enroll;
mod password;
mod qr;
mod remembered;
mod respond;
mod session;

use axum::Router;
use axum::extract::{Form, State};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_login::{AuthManagerLayer, login_required};
use serde::Deserialize;
use twofactor::Clock;

use crate::backend::Backend;
use crate::csrf;
use crate::state::AppState;

/// The session store under axum-login.
pub(crate) type SessionStore = tower_sessions_sqlx_store::SqliteStore;

/// The application.
pub(crate) fn router(
    state: AppState,
    auth: AuthManagerLayer<Backend, SessionStore>,
    test_hooks: bool,
) -> Router {
    let signed_in = Router::new()
        .route("/2fa/setup", get(enroll::setup_page).post(enroll::setup))
        .route("/2fa/enable", post(enroll::enable))
        .route("/2fa/authenticators", get(authenticators::authenticators_page))
        .route("/2fa/authenticators/add", post(authenticators::add))
        .route("/2fa/authenticators/confirm", post(enroll::confirm_added))
        .route("/2fa/authenticators/{id}/rename", post(authenticators::rename))
        .route("/2fa/authenticators/{id}/remove", post(authenticators::remove))
        .route(
            "/2fa/backup-codes",
            get(backup::backup_codes_page).post(backup::regenerate),
        )
        .route("/2fa/disable", post(backup::disable))
        .route("/2fa/devices", get(devices::devices_page))
        .route("/2fa/devices/revoke-all", post(devices::revoke_all))
        .route("/2fa/devices/{id}/revoke", post(devices::revoke))
        .route_layer(login_required!(Backend, login_url = "/login"));
    let mut router = Router::new()
        .route("/", get(password::home))
        .route("/login", get(password::login_page).post(password::login))
        .route(
            "/login/code",
            get(code_step::code_page).post(code_step::verify_code),
        )
        .route("/logout", post(password::logout))
        .merge(signed_in)
        .layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(auth);
    if test_hooks {
        // Outside the layers: no session, no CSRF token (tests only, never in production).
        router = router.route("/test/clock", post(advance_clock));
    }
    router.with_state(state)
}

#[derive(Deserialize)]
struct AdvanceForm {
    advance: u64,
}

/// Test hook: moves the application's clock forward; answers the new time (Unix seconds).
async fn advance_clock(State(state): State<AppState>, Form(form): Form<AdvanceForm>) -> Response {
    state.clock.advance(form.advance);
    match state.clock.now() {
        Ok(now) => now.to_string().into_response(),
        Err(error) => respond::internal(&error),
    }
}
