//! What every request shares: the 2FA service, the users, the password gate, the clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use twofactor::otp::OtpError;
use twofactor::{Clock, SqliteStore, SystemClock, TwoFactor};

use crate::password_gate::PasswordGate;
use crate::users::Users;

/// The 2FA service: records in the application's SQLite database, with a challenge key (for
/// the login challenge and the remembered-browser tokens).
pub(crate) type Service = TwoFactor<SqliteStore, AppClock, twofactor::challenge::ChallengeKeyring>;

/// The application's state, cloned into every handler (everything in it is shared).
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub(crate) service: Arc<Service>,
    pub(crate) users: Users,
    pub(crate) gate: Arc<PasswordGate>,
    pub(crate) clock: AppClock,
    /// The origin the browser sees: a POST from any other is refused (`origin.rs`).
    pub(crate) origin: Arc<str>,
    pub(crate) cookies: CookieNames,
}

/// The cookie names: `__Host-` prefixed (which browsers accept only with `Secure`, `Path=/` and
/// no `Domain`, so no subdomain can set or shadow them), or bare under the development switch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CookieNames {
    pub(crate) session: &'static str,
    pub(crate) device: &'static str,
    pub(crate) secure: bool,
}

impl CookieNames {
    pub(crate) const fn new(secure: bool) -> Self {
        if secure {
            Self {
                session: "__Host-session",
                device: "__Host-device",
                secure,
            }
        } else {
            Self {
                session: "session",
                device: "device",
                secure,
            }
        }
    }
}

/// The system clock, moved forward by an offset that only the test hooks change: the tests use
/// it to reach the next time step, the end of a throttling delay or of a challenge's lifetime
/// without waiting. With the hooks off, the offset stays 0 and this is [`SystemClock`].
#[derive(Clone, Debug, Default)]
pub(crate) struct AppClock {
    offset: Arc<AtomicU64>,
}

impl AppClock {
    /// Moves the clock forward by `seconds`.
    pub(crate) fn advance(&self, seconds: u64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for AppClock {
    fn now(&self) -> Result<u64, OtpError> {
        Ok(SystemClock
            .now()?
            .saturating_add(self.offset.load(Ordering::SeqCst)))
    }
}
