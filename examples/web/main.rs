//! `cargo run --all-features --example web`: a web application with two-factor authentication
//! on the crates Rust web applications use — axum, tower-sessions (sessions in SQLite through
//! tower-sessions-sqlx-store) and axum-login — with `twofactor` for the second factor.
//!
//! Open <http://127.0.0.1:3000> (Chromium, which the browser test drives, keeps `Secure`,
//! `__Host-` cookies on loopback even over plain HTTP; a browser that does not needs the
//! development switch below), sign in with a password printed at the first start,
//! set up 2FA by scanning the QR code with an authenticator app, sign out, sign in again with
//! the password and a code. The routes are listed in `routes/mod.rs`.
//!
//! # Settings (environment variables)
//!
//! | variable | default | what |
//! | --- | --- | --- |
//! | `TWOFACTOR_WEB_LISTEN` | `127.0.0.1:3000` | the address to listen on (port 0: any free port, printed) |
//! | `TWOFACTOR_WEB_DATABASE` | `twofactor-web.db` | the SQLite file: users, sessions, 2FA records |
//! | `TWOFACTOR_WEB_ORIGIN` | `http://<listen address>` | the origin the browser sees (`https://app.example` behind a TLS proxy): POSTs from any other are refused |
//! | `TWOFACTOR_WEB_INSECURE_DEV_COOKIES` | `0` | `1`: cookies without `Secure` and without the `__Host-` prefix, for a browser that refuses them over plain HTTP — development only, printed as a warning |
//! | `TWOFACTOR_WEB_PASSWORD_FAILURES_PER_USER` | `5` | wrong passwords per user name (known or not) per window |
//! | `TWOFACTOR_WEB_PASSWORD_ATTEMPTS_PER_ADDRESS` | `30` | password attempts per client address per window |
//! | `TWOFACTOR_WEB_PASSWORD_WINDOW_SECONDS` | `900` | the window of both counts |
//! | `TWOFACTOR_WEB_PASSWORD_HASHES_IN_FLIGHT` | `4` | password hashes (Argon2id, 19 MiB each) at once |
//! | `TWOFACTOR_WEB_PASSWORD_HASH_WAIT_MS` | `2000` | how long a sign-in waits for a hash slot before it is told to come back (503) |
//! | `TWOFACTOR_WEB_SEALING_KEY` | unset: the key file | the key that seals the TOTP secrets in the database: 64 hex characters, from the secret store |
//! | `TWOFACTOR_WEB_SEALING_KEY_ID` | `1` | its id, written into every secret it seals |
//! | `TWOFACTOR_WEB_OLD_SEALING_KEY` | unset | during a rotation: the previous key (64 hex characters), only to open what it sealed |
//! | `TWOFACTOR_WEB_OLD_SEALING_KEY_ID` | `1` | the previous key's id |
//! | `TWOFACTOR_WEB_CHALLENGE_KEY` | unset: the key file | the key that signs the login challenges and the remembered-browser tokens: 64 hex characters |
//! | `TWOFACTOR_WEB_TEST_HOOKS` | `0` | `1`: mounts `POST /test/clock` (tests only: never in production) |
//!
//! The password limits, the origin and the cookie mode are printed at start.
//!
//! # What it shows
//!
//! - **Nothing by hand**: tower-sessions keeps the sessions (a random id in the cookie, the data
//!   in SQLite, expired ones deleted every minute) and reads and writes the cookies; axum-login
//!   checks the password (`backend.rs`) and guards the signed-in routes (`login_required!`).
//! - **Two steps**: after the right password with 2FA on, axum-login's session is *not*
//!   authenticated; it holds the service's login challenge (`TwoFactor::issue_challenge`: it
//!   names the user, is signed by the challenge key, expires after 5 minutes and is spent with
//!   the code). Only a verified code, a backup code or a remembered browser completes the login
//!   (`AuthSession::login`). The session id is cycled at the password, at the login, and after
//!   every change of the second factor (`routes/session.rs`).
//! - **Sessions end when the second factor changes**: axum-login's session check is a digest of
//!   the password stamp and the 2FA credential epoch (`backend.rs`), so enabling or disabling
//!   2FA, adding or removing an authenticator or new backup codes end every other session; the
//!   session that made the change logs in again under the new epoch.
//! - **CSRF**: every POST carries the session's synchronizer token and must come from the
//!   application's origin (`csrf.rs`, `origin.rs`), checked in one middleware.
//! - **Cookies**: `__Host-session` (`Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`, no
//!   `Domain`) and `__Host-device` for a remembered browser (the same, `SameSite=Strict`, 30
//!   days).
//! - **The password step is throttled** per user name and per client address, with a bound on
//!   the hashes in flight; an unknown name costs the same hash as a known one
//!   (`password_gate.rs`, `users.rs`).
//! - **Every flow of the crate**: setup with a QR code, codes and backup codes at sign-in,
//!   "remember this browser" and the list of remembered browsers, several authenticators (add
//!   with a proof and the new one's first code, rename, remove), new backup codes with a
//!   download and a print view, turning 2FA off; messages from the library's typed errors
//!   (`Error::kind`, `Error::user_message`, `Error::http_status`, `Error::retry_at`).
//! - **Administrators must have a second factor**: one without is sent to set it up first.
//! - **Secrets stay local**: the QR code is drawn by the crate (a `data:` URL and inline SVG),
//!   never by a remote QR service; pages with secrets are sent `Cache-Control: no-store`.
//! - **Secrets sealed at rest**: the service is given a keyring (`TwoFactor::with_keyring`), so
//!   the `record` column holds each TOTP secret sealed with XChaCha20-Poly1305, bound to its
//!   user — a copy of the database, or of its backups, gives no one the secrets. See below.
//!
//! # The sealing key
//!
//! The database persists across restarts, so the key that seals its secrets must too. In
//! production it comes from the secret store through `TWOFACTOR_WEB_SEALING_KEY` (64 hex
//! characters, e.g. `openssl rand -hex 32`), the same for every instance. When it is unset —
//! a first run on one's own machine — the key lives in a file beside the database,
//! `<database>.sealing-key` (`twofactor-web.db.sealing-key`), created at the first start with
//! mode 0600 and never overwritten; a key file that is not 64 hex characters stops the start
//! with a message. The key file's key has id 1: to move it to a secret store, set
//! `TWOFACTOR_WEB_SEALING_KEY` to the file's content. Keep the key as long as the database, but
//! out of its backups: without the key the 2FA records cannot be read (their users would have to
//! enroll again); with it, anyone can. The application prints where each key came from,
//! never a key.
//!
//! To rotate: make the new key current under a new id and keep the old one to open what it
//! sealed, e.g. `TWOFACTOR_WEB_SEALING_KEY=<new> TWOFACTOR_WEB_SEALING_KEY_ID=2
//! TWOFACTOR_WEB_OLD_SEALING_KEY=<old> TWOFACTOR_WEB_OLD_SEALING_KEY_ID=1`. At each start the
//! application reseals every record that is not under the current key yet (`TwoFactor::reseal`,
//! in `sealing.rs`; records from before sealing was turned on are sealed the same way) and
//! prints `sealed at rest: every record under key 2 (…)`; then, and only then, drop the old key
//! from the settings. A record whose key is missing is refused (a 500 and a message on standard
//! error), never read as if it had no secret.
//!
//! # The challenge key
//!
//! The login challenges and the remembered-browser tokens are signed with a key of their own,
//! kept the same way (`challenge_key.rs`): `TWOFACTOR_WEB_CHALLENGE_KEY` (64 hex characters), or
//! the file `<database>.challenge-key` made at the first start. It outlives restarts, so a
//! remembered browser stays remembered; replacing it forgets every remembered browser. An
//! application with several instances shares one key from its secret store (or derives all its
//! keys from one secret with `twofactor::keys::ServerKeys`).

// The helpers answer `Result<_, Response>`: the `Err` is the response that ends the request, a
// pattern of axum handlers; boxing every one of them would buy nothing.
#![allow(clippy::result_large_err)]

mod backend;
mod challenge_key;
mod csrf;
mod key_file;
mod origin;
mod pages;
mod password_gate;
mod routes;
mod sealing;
mod settings;
mod state;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;

use axum_login::AuthManagerLayerBuilder;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use twofactor::{Config, SqliteStore, TwoFactor};

use crate::backend::Backend;
use crate::password_gate::PasswordGate;
use crate::settings::Settings;
use crate::state::{AppClock, AppState, CookieNames};
use crate::users::Users;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// A session ends after 8 hours without a request.
const SESSION_IDLE_HOURS: i64 = 8;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("cannot start: {error}");
            std::process::exit(1);
        }
    };
    let database = settings.database.clone();
    // Before the database is touched: a malformed key stops the start here.
    let sealing = match sealing::load(&database) {
        Ok(sealing) => sealing,
        Err(error) => {
            eprintln!("cannot start: {error}");
            std::process::exit(1);
        }
    };
    let (challenge_key, challenge_source) = match challenge_key::load(&database) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("cannot start: {error}");
            std::process::exit(1);
        }
    };
    let store = SqliteStore::open(&database, "two_factor").await?;
    let pool = store.pool().clone();
    let users = Users::open(pool.clone()).await?;
    let clock = AppClock::default();
    let current_key = sealing.keyring.current_key_id();
    let service = Arc::new(
        TwoFactor::without_keys(store, clock.clone(), Config::new("twofactor example")?)
            .with_challenge_key(challenge_key)
            .with_keyring(sealing.keyring),
    );

    // Sessions: tower-sessions in the same SQLite file (its own table), expired ones deleted
    // every minute; axum-login on top for the password step and the signed-in user.
    let sessions = routes::SessionStore::new(pool);
    sessions.migrate().await?;
    tokio::task::spawn(
        sessions
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(60)),
    );
    let cookies = CookieNames::new(settings.secure_cookies);
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(cookies.session)
        .with_secure(cookies.secure)
        .with_http_only(true)
        // Lax: a link from another site opens the application signed in; every POST is
        // protected by the Origin check and the CSRF token, not by SameSite.
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::hours(SESSION_IDLE_HOURS)));
    let backend = Backend {
        users: users.clone(),
        service: Arc::clone(&service),
    };
    let auth = AuthManagerLayerBuilder::new(backend, session_layer).build();

    let listener = tokio::net::TcpListener::bind(&settings.listen).await?;
    let address: SocketAddr = listener.local_addr()?;
    let origin = settings
        .origin
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let state = AppState {
        service,
        users: users.clone(),
        gate: Arc::new(PasswordGate::new(settings.limits)),
        clock,
        origin: origin.clone().into(),
        cookies,
    };

    println!("database: {database}");
    for source in &sealing.sources {
        println!("{source}");
    }
    println!("{challenge_source}");
    let seeded = users.seed().await?;
    println!(
        "{}",
        sealing::reseal_all(&state.service, &users, current_key).await?
    );
    if seeded.is_empty() {
        println!("users: as created at the first start (their passwords were printed then)");
    }
    for (name, password, is_admin) in &seeded {
        let role = if *is_admin { " (administrator)" } else { "" };
        println!("user {name}{role} password: {password}");
    }
    println!("{}", settings.limits);
    println!("origin: {origin} (POSTs from any other are refused)");
    if cookies.secure {
        println!(
            "cookies: {} and {}, Secure (HTTPS only; browsers also allow them on http://localhost)",
            cookies.session, cookies.device
        );
    } else {
        println!(
            "WARNING: cookies without Secure and without the __Host- prefix (TWOFACTOR_WEB_INSECURE_DEV_COOKIES=1): development only"
        );
    }
    if settings.test_hooks {
        println!("WARNING: test hooks are on (POST /test/clock): never in production");
    }
    println!("listening on http://{address}");
    let app = routes::router(state, auth, settings.test_hooks);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
