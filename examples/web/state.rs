//! What every request shares: the 2FA service, the users, the sessions, the clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use twofactor::otp::OtpError;
use twofactor::{Clock, SqliteStore, SystemClock, TwoFactor};

use crate::sessions::Sessions;
use crate::users::Users;

/// The 2FA service: records in the application's SQLite database.
pub(crate) type Service = TwoFactor<SqliteStore, AppClock>;

/// The application's state, cloned into every handler (everything in it is shared).
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub(crate) service: Arc<Service>,
    pub(crate) users: Users,
    pub(crate) sessions: Sessions,
    pub(crate) clock: AppClock,
    /// Whether cookies carry `Secure` (only over HTTPS). See `main.rs`.
    pub(crate) secure_cookies: bool,
    /// Whether the test hooks (`POST /test/clock`) are mounted.
    pub(crate) test_hooks: bool,
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
