//! Where the service reads the time: the [`Clock`] trait, the system clock and a manual clock.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::otp::OtpError;

/// The current time in Unix seconds, as the service reads it once per call.
///
/// OWASP ASVS 5.0 6.5.8 asks for time from a trusted source: the server's own clock, kept
/// synchronised (NTP). A clock that fails is a denial, never an acceptance.
///
/// ```
/// use twofactor::Clock;
/// use twofactor::otp::OtpError;
///
/// /// A clock that reads a trusted time service (here: a fixed time).
/// struct Trusted;
///
/// impl Clock for Trusted {
///     fn now(&self) -> Result<u64, OtpError> {
///         Ok(1_700_000_000)
///     }
/// }
/// assert_eq!(Trusted.now()?, 1_700_000_000);
/// # Ok::<(), OtpError>(())
/// ```
pub trait Clock: Send + Sync {
    /// The current time in Unix seconds.
    ///
    /// # Errors
    /// An [`OtpError`] when the time cannot be read ([`OtpError::BeforeUnixEpoch`] for the system
    /// clock before 1970).
    fn now(&self) -> Result<u64, OtpError>;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Result<u64, OtpError> {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Result<u64, OtpError> {
        (**self).now()
    }
}

/// The operating system's clock.
///
/// ```
/// use twofactor::{Clock, SystemClock};
///
/// assert!(SystemClock.now()? > 1_700_000_000);
/// # Ok::<(), twofactor::otp::OtpError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
// Exhaustive on purpose: a unit value the application names to build a service; nothing to add.
#[allow(clippy::exhaustive_structs)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Result<u64, OtpError> {
        crate::otp::unix_time_now()
    }
}

/// A clock that moves only when told: for tests and simulations. Clones share the same time,
/// so a test keeps one and gives another to the service.
///
/// ```
/// use twofactor::{Clock, ManualClock};
///
/// let clock = ManualClock::new(1_700_000_000);
/// let handle = clock.clone();
/// handle.advance(30);
/// assert_eq!(clock.now()?, 1_700_000_030);
/// clock.set(5);
/// assert_eq!(handle.now()?, 5);
/// # Ok::<(), twofactor::otp::OtpError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    now: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock reading `now` (Unix seconds).
    #[must_use]
    pub fn new(now: u64) -> Self {
        Self {
            now: Arc::new(AtomicU64::new(now)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: u64) {
        self.now.store(now, Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds` (saturating).
    pub fn advance(&self, seconds: u64) {
        let _ = self.now.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
            Some(now.saturating_add(seconds))
        });
    }

    /// The time, read without the `Result` of [`Clock::now`].
    #[must_use]
    pub fn get(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Result<u64, OtpError> {
        Ok(self.get())
    }
}
