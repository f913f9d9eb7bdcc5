//! Trusted time (OWASP ASVS 5.0 6.5.8): what a clock check found, [`ClockHealth`], and whether
//! the service may decide on its clock now, [`ClockProblem`] if not. Pure: the service measures
//! (`src/service/clock_check.rs`), this decides.

use core::fmt;

/// What one clock check found: the service's clock beside the store's server clock
/// ([`TwoFactor::check_clock`](crate::TwoFactor::check_clock)).
///
/// ```
/// use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
/// use twofactor::backup::HmacHasher;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
/// let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config);
/// let health = service.check_clock().await?;
/// // A MemoryStore has no clock of its own: nothing to compare with.
/// assert_eq!((health.service_time, health.server_time, health.skew()), (1_700_000_000, None, None));
/// assert!(health.is_healthy()); // no maximum skew configured: nothing is refused
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClockHealth {
    /// The service's clock, in Unix seconds, halfway through the query of the server's.
    pub service_time: u64,
    /// The store's server clock, in Unix seconds: `None` for a store without a clock of its own
    /// ([`Store::server_time`](crate::Store::server_time)).
    pub server_time: Option<u64>,
    /// The configured maximum skew, in seconds
    /// ([`ConfigBuilder::max_clock_skew`](crate::ConfigBuilder::max_clock_skew)); `None`: off.
    pub max_skew: Option<u64>,
}

impl ClockHealth {
    /// A check's result. (The service makes them; this is for tests of an application's own
    /// reporting.)
    #[must_use]
    pub const fn new(service_time: u64, server_time: Option<u64>, max_skew: Option<u64>) -> Self {
        Self {
            service_time,
            server_time,
            max_skew,
        }
    }

    /// How far the service's clock is ahead of the server's, in seconds (negative: behind);
    /// `None` without a server time. Saturates at `i64`'s bounds.
    ///
    /// ```
    /// use twofactor::policy::ClockHealth;
    ///
    /// assert_eq!(ClockHealth::new(1_700_000_090, Some(1_700_000_000), Some(30)).skew(), Some(90));
    /// assert_eq!(ClockHealth::new(1_700_000_000, Some(1_700_000_002), Some(30)).skew(), Some(-2));
    /// ```
    #[must_use]
    pub fn skew(&self) -> Option<i64> {
        let server = self.server_time?;
        let by = |later: u64, earlier: u64| i64::try_from(later - earlier).unwrap_or(i64::MAX);
        Some(if self.service_time >= server {
            by(self.service_time, server)
        } else {
            -by(server, self.service_time)
        })
    }

    /// Why this check does not let the service decide on its clock: `None` when it does — no
    /// maximum is configured, or the skew is within it. With a maximum, a store without a clock
    /// is [`ClockProblem::NoServerClock`] and a skew beyond it [`ClockProblem::Skewed`].
    ///
    /// ```
    /// use twofactor::policy::{ClockHealth, ClockProblem};
    ///
    /// assert_eq!(ClockHealth::new(1_700_000_010, Some(1_700_000_000), Some(10)).problem(), None);
    /// assert_eq!(
    ///     ClockHealth::new(1_700_000_011, Some(1_700_000_000), Some(10)).problem(),
    ///     Some(ClockProblem::Skewed { skew: 11 })
    /// );
    /// assert_eq!(ClockHealth::new(1_700_000_000, None, Some(10)).problem(), Some(ClockProblem::NoServerClock));
    /// assert_eq!(ClockHealth::new(1_700_000_000, Some(0), None).problem(), None);
    /// ```
    #[must_use]
    pub fn problem(&self) -> Option<ClockProblem> {
        let max = self.max_skew?;
        match self.skew() {
            None => Some(ClockProblem::NoServerClock),
            Some(skew) if skew.unsigned_abs() > max => Some(ClockProblem::Skewed { skew }),
            Some(_) => None,
        }
    }

    /// Whether the service decides on its clock after this check: [`problem`](Self::problem)
    /// is `None`.
    #[must_use]
    pub fn is_healthy(&self) -> bool {
        self.problem().is_none()
    }
}

/// Why the service does not trust its clock, in
/// [`Error::UntrustedClock`](crate::Error::UntrustedClock): a detail of that variant, not an
/// error of its own.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Unchecked` | `no clock check has succeeded yet` |
/// | `Skewed` | `it is {skew} s ahead of the database's` (or `behind`) |
/// | `NoServerClock` | `the store has no clock to check it against` |
/// | `Stale` | `the last clock check, at {checked_at}, is out of date` |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClockProblem {
    /// A maximum skew is configured and no clock check has succeeded since the service was
    /// built: run [`TwoFactor::check_clock`](crate::TwoFactor::check_clock) at start.
    Unchecked,
    /// The last check found the service's clock `skew` seconds off the store's server clock
    /// (positive: ahead), beyond the maximum.
    Skewed {
        /// Service minus server, in seconds.
        skew: i64,
    },
    /// A maximum skew is configured but the store has no clock of its own to compare with
    /// ([`Store::server_time`](crate::Store::server_time) is `None`): a configuration that can
    /// never pass.
    NoServerClock,
    /// The last healthy check no longer vouches for the clock: by the service's clock it is
    /// older than [`Config::clock_check_max_age`](crate::Config::clock_check_max_age) (the
    /// periodic check stopped, or the clock jumped ahead), or the clock now reads earlier than
    /// at the check by more than the maximum skew (it jumped back).
    Stale {
        /// When the last healthy check ran, by the service's clock (Unix seconds).
        checked_at: u64,
    },
}

impl fmt::Display for ClockProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unchecked => f.write_str("no clock check has succeeded yet"),
            Self::Skewed { skew } if *skew >= 0 => write!(f, "it is {skew} s ahead of the database's"),
            Self::Skewed { skew } => write!(f, "it is {} s behind the database's", skew.unsigned_abs()),
            Self::NoServerClock => f.write_str("the store has no clock to check it against"),
            Self::Stale { checked_at } => write!(f, "the last clock check, at {checked_at}, is out of date"),
        }
    }
}

/// Whether the service may decide on its clock reading `now`, given the last successful check
/// (`None`: none yet), the configured maximum skew and how long a check vouches for the clock.
pub(crate) fn trusted(
    last: Option<&ClockHealth>,
    now: u64,
    max_skew: u64,
    max_age: u64,
) -> Result<(), ClockProblem> {
    let Some(last) = last else {
        return Err(ClockProblem::Unchecked);
    };
    let checked = last.service_time;
    let last = ClockHealth {
        max_skew: Some(max_skew),
        ..*last
    };
    if let Some(problem) = last.problem() {
        return Err(problem);
    }
    if now > checked.saturating_add(max_age) || now.saturating_add(max_skew) < checked {
        return Err(ClockProblem::Stale { checked_at: checked });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_700_000_000;

    #[test]
    fn the_skew_is_signed_and_saturates() {
        assert_eq!(ClockHealth::new(T, Some(T), None).skew(), Some(0));
        assert_eq!(ClockHealth::new(u64::MAX, Some(0), None).skew(), Some(i64::MAX));
        assert_eq!(ClockHealth::new(0, Some(u64::MAX), None).skew(), Some(-i64::MAX));
        assert_eq!(ClockHealth::new(T, None, None).skew(), None);
    }

    #[test]
    fn the_maximum_is_inclusive_on_both_sides() {
        for (service, server, problem) in [
            (T + 30, T, None),
            (T, T + 30, None),
            (T + 31, T, Some(ClockProblem::Skewed { skew: 31 })),
            (T, T + 31, Some(ClockProblem::Skewed { skew: -31 })),
        ] {
            assert_eq!(
                ClockHealth::new(service, Some(server), Some(30)).problem(),
                problem
            );
        }
    }

    #[test]
    fn a_check_vouches_for_the_clock_until_it_is_stale_or_the_clock_moves_back() {
        let healthy = ClockHealth::new(T, Some(T + 1), Some(5));
        assert_eq!(trusted(None, T, 5, 600), Err(ClockProblem::Unchecked));
        assert_eq!(trusted(Some(&healthy), T, 5, 600), Ok(()));
        assert_eq!(trusted(Some(&healthy), T + 600, 5, 600), Ok(()));
        assert_eq!(
            trusted(Some(&healthy), T + 601, 5, 600),
            Err(ClockProblem::Stale { checked_at: T })
        );
        assert_eq!(trusted(Some(&healthy), T - 5, 5, 600), Ok(()));
        assert_eq!(
            trusted(Some(&healthy), T - 6, 5, 600),
            Err(ClockProblem::Stale { checked_at: T })
        );
        // The maximum is the configuration's, whatever the check recorded.
        let skewed = ClockHealth::new(T + 9, Some(T), None);
        assert_eq!(
            trusted(Some(&skewed), T + 9, 5, 600),
            Err(ClockProblem::Skewed { skew: 9 })
        );
        assert_eq!(trusted(Some(&skewed), T + 9, 10, 600), Ok(()));
        let clockless = ClockHealth::new(T, None, Some(5));
        assert_eq!(
            trusted(Some(&clockless), T, 5, 600),
            Err(ClockProblem::NoServerClock)
        );
    }

    #[test]
    fn problems_read_as_a_sentence_about_the_clock() {
        use alloc::string::ToString as _;
        assert_eq!(
            ClockProblem::Skewed { skew: 90 }.to_string(),
            "it is 90 s ahead of the database's"
        );
        assert_eq!(
            ClockProblem::Skewed { skew: -4 }.to_string(),
            "it is 4 s behind the database's"
        );
        assert_eq!(
            ClockProblem::Unchecked.to_string(),
            "no clock check has succeeded yet"
        );
    }
}
