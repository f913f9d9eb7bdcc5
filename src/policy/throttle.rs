//! Throttling of one path (authenticator codes, or backup codes): free failures, an exponential
//! delay with a cap, and a hard lock.

use super::Policy;
use super::outcome::{Refusal, Via};
use crate::config_error::ConfigError;
use crate::record::{Opened, State, Throttle};

/// How failed attempts on one path are throttled (RFC 4226 §7.3, NIST SP 800-63B §5.2.2).
///
/// After `free_failures` consecutive failures, each further failure blocks the path for
/// `base_delay` seconds, doubling with every failure, up to `max_delay`; the `lock_after`-th
/// consecutive failure locks the path until a success on the other path (a backup code, for the
/// authenticator-code path) or an administrator's [`unlock`](crate::TwoFactor::unlock). A
/// success on either path clears the counters of both (NIST SP 800-63B: failure counts are reset
/// after a successful authentication).
///
/// | | default | standard |
/// | --- | --- | --- |
/// | free failures | 3 | typing mistakes cost nothing |
/// | first delay | 60 s, doubling per further failure | RFC 4226 §7.3 (delay scheme) |
/// | longest delay | 24 h | keeps a locked-out user's wait bounded |
/// | hard lock | at the 100th consecutive failure | NIST SP 800-63B §5.2.2: no more than 100 |
///
/// The schedule with the defaults: failures 1–3 are free, the 4th blocks for 60 s, the 5th for
/// 120 s, …, the 13th for 8.5 h, the 14th for 17 h, the 15th and later for 24 h, the 100th
/// locks.
///
/// ```
/// use twofactor::policy::ThrottlePolicy;
///
/// let policy = ThrottlePolicy::DEFAULT;
/// assert_eq!(policy.delay_after(3), Some(0));
/// assert_eq!(policy.delay_after(4), Some(60));
/// assert_eq!(policy.delay_after(5), Some(120));
/// assert_eq!(policy.delay_after(40), Some(86_400));
/// assert_eq!(policy.delay_after(100), None); // locked
///
/// let strict = ThrottlePolicy::builder().free_failures(1).lock_after(10).build()?;
/// assert_eq!(strict.delay_after(2), Some(60));
/// assert!(ThrottlePolicy::builder().lock_after(101).build().is_err());
/// # Ok::<(), twofactor::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ThrottlePolicy {
    free_failures: u32,
    base_delay: u64,
    max_delay: u64,
    lock_after: u32,
}

/// What a path's throttling state allows now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// An attempt may be checked.
    Open,
    /// Attempts are refused until this time (Unix seconds).
    Throttled(u64),
    /// Attempts are refused until a success on the other path or an unlock.
    Locked,
}

/// What one counted failure did to a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Failed {
    /// Consecutive failures, this one included.
    pub(crate) failures: u32,
    /// When the delay this failure started ends, if it started one.
    pub(crate) retry_at: Option<u64>,
    /// Whether this failure locked the path.
    pub(crate) locked: bool,
    /// Wrong codes the long-term guessing budget still pays for (the code path only).
    pub(crate) guesses_left: Option<u32>,
    /// Whether this failure took the guessing budget below a quarter.
    pub(crate) budget_low: bool,
}

/// `blocked_until` of a locked path: no time ends the lock.
pub(crate) const LOCKED: u64 = u64::MAX;

impl ThrottlePolicy {
    /// The most consecutive failures before the hard lock: 100 (NIST SP 800-63B §5.2.2, "no more
    /// than 100 consecutive failed authentication attempts on a single account").
    pub const MAX_LOCK_AFTER: u32 = 100;
    /// Free failures by default: 3.
    pub const DEFAULT_FREE_FAILURES: u32 = 3;
    /// The first delay by default: 60 s.
    pub const DEFAULT_BASE_DELAY: u64 = 60;
    /// The longest delay by default: 24 h.
    pub const DEFAULT_MAX_DELAY: u64 = 86_400;

    /// 3 free failures, then 60 s doubling per failure up to 24 h, locked at the 100th.
    pub const DEFAULT: Self = Self {
        free_failures: Self::DEFAULT_FREE_FAILURES,
        base_delay: Self::DEFAULT_BASE_DELAY,
        max_delay: Self::DEFAULT_MAX_DELAY,
        lock_after: Self::MAX_LOCK_AFTER,
    };

    /// A builder starting from [`ThrottlePolicy::DEFAULT`].
    pub const fn builder() -> ThrottlePolicyBuilder {
        ThrottlePolicyBuilder(Self::DEFAULT)
    }

    /// Consecutive failures that start no delay.
    #[must_use]
    pub const fn free_failures(&self) -> u32 {
        self.free_failures
    }

    /// The delay after the first failure past the free ones, in seconds.
    #[must_use]
    pub const fn base_delay(&self) -> u64 {
        self.base_delay
    }

    /// The longest delay, in seconds.
    #[must_use]
    pub const fn max_delay(&self) -> u64 {
        self.max_delay
    }

    /// The consecutive failure that locks the path.
    #[must_use]
    pub const fn lock_after(&self) -> u32 {
        self.lock_after
    }

    /// The delay, in seconds, that the `failures`-th consecutive failure starts: `Some(0)` for a
    /// free one, `None` when it locks the path.
    #[must_use]
    pub const fn delay_after(&self, failures: u32) -> Option<u64> {
        if failures >= self.lock_after {
            return None;
        }
        if failures <= self.free_failures {
            return Some(0);
        }
        let doublings = failures - self.free_failures - 1;
        let delay = if doublings >= u64::BITS {
            u64::MAX
        } else {
            match self.base_delay.checked_mul(1 << doublings) {
                Some(delay) => delay,
                None => u64::MAX,
            }
        };
        Some(if delay < self.max_delay {
            delay
        } else {
            self.max_delay
        })
    }

    /// What `throttle` allows at `now`.
    pub(crate) const fn gate(&self, throttle: &Throttle, now: u64) -> Gate {
        if throttle.failures >= self.lock_after || throttle.blocked_until == LOCKED {
            Gate::Locked
        } else if now < throttle.blocked_until {
            Gate::Throttled(throttle.blocked_until)
        } else {
            Gate::Open
        }
    }

    /// Counts one failure at `now`.
    pub(crate) const fn fail(&self, throttle: &mut Throttle, now: u64) -> Failed {
        let failures = throttle.failures.saturating_add(1);
        throttle.failures = failures;
        match self.delay_after(failures) {
            None => {
                throttle.blocked_until = LOCKED;
                Failed {
                    failures,
                    retry_at: None,
                    locked: true,
                    guesses_left: None,
                    budget_low: false,
                }
            }
            Some(0) => Failed {
                failures,
                retry_at: None,
                locked: false,
                guesses_left: None,
                budget_low: false,
            },
            Some(delay) => {
                let until = now.saturating_add(delay);
                // `LOCKED` is reserved for the lock.
                throttle.blocked_until = if until == LOCKED { LOCKED - 1 } else { until };
                Failed {
                    failures,
                    retry_at: Some(throttle.blocked_until),
                    locked: false,
                    guesses_left: None,
                    budget_low: false,
                }
            }
        }
    }
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Builds a [`ThrottlePolicy`]; `build()` validates.
///
/// ```
/// use twofactor::ConfigError;
/// use twofactor::policy::ThrottlePolicy;
///
/// let gentle = ThrottlePolicy::builder().free_failures(5).base_delay(30).max_delay(3_600).build()?;
/// assert_eq!(gentle.delay_after(7), Some(60));
/// assert_eq!(ThrottlePolicy::builder().lock_after(500).build(), Err(ConfigError::LockAfter { max: 100 }));
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct ThrottlePolicyBuilder(ThrottlePolicy);

impl ThrottlePolicyBuilder {
    /// Consecutive failures that start no delay (default 3); fewer than `lock_after`.
    pub const fn free_failures(mut self, failures: u32) -> Self {
        self.0.free_failures = failures;
        self
    }

    /// The first delay in seconds (default 60), at least 1.
    pub const fn base_delay(mut self, seconds: u64) -> Self {
        self.0.base_delay = seconds;
        self
    }

    /// The longest delay in seconds (default 86 400), at least `base_delay`.
    pub const fn max_delay(mut self, seconds: u64) -> Self {
        self.0.max_delay = seconds;
        self
    }

    /// The consecutive failure that locks the path (default 100), 1 to
    /// [`ThrottlePolicy::MAX_LOCK_AFTER`].
    pub const fn lock_after(mut self, failures: u32) -> Self {
        self.0.lock_after = failures;
        self
    }

    /// Checks the policy.
    ///
    /// # Errors
    /// [`ConfigError::LockAfter`] for a lock outside 1–100, [`ConfigError::FreeFailures`] for
    /// as many free failures as the lock or more, [`ConfigError::Delay`] for a first delay of 0
    /// or a longest delay below the first.
    pub const fn build(self) -> Result<ThrottlePolicy, ConfigError> {
        let policy = self.0;
        if policy.lock_after == 0 || policy.lock_after > ThrottlePolicy::MAX_LOCK_AFTER {
            return Err(ConfigError::LockAfter {
                max: ThrottlePolicy::MAX_LOCK_AFTER,
            });
        }
        if policy.free_failures >= policy.lock_after {
            return Err(ConfigError::FreeFailures);
        }
        if policy.base_delay == 0 || policy.max_delay < policy.base_delay {
            return Err(ConfigError::Delay);
        }
        Ok(policy)
    }
}

/// The one mapping from a path's throttle to a refusal, and the one place a failure is
/// counted, for every flow that checks a code.
impl Policy {
    /// Whether an attempt on `via`'s path may be checked at `now`: refused, uncounted, while the
    /// path is throttled or locked, or (an authenticator code, whose odds are `cost`) while the
    /// long-term guessing budget cannot pay for it.
    pub(crate) const fn gate<S>(
        &self,
        record: &State<S>,
        via: Via,
        cost: u64,
        now: u64,
    ) -> Result<(), Refusal> {
        let (rules, throttle) = match via {
            Via::Code => (self.code_throttle(), &record.code_throttle),
            Via::BackupCode => (self.backup_throttle(), &record.backup_throttle),
        };
        match rules.gate(throttle, now) {
            Gate::Open => match via {
                Via::Code => self.afford(record, cost, now),
                Via::BackupCode => Ok(()),
            },
            Gate::Throttled(until) => Err(Refusal::Throttled(via, until)),
            Gate::Locked => Err(Refusal::Locked(via)),
        }
    }

    /// Counts one wrong attempt on `via`'s path at `now`: its throttle, the failures the user
    /// is told of at the next success, and (an authenticator code, of odds `cost`) the guessing
    /// budget.
    pub(crate) fn fail(&self, record: &mut Opened, via: Via, cost: u64, now: u64) -> Failed {
        record.since_success.failures = record.since_success.failures.saturating_add(1);
        match via {
            Via::Code => {
                let mut failed = self.code_throttle().fail(&mut record.code_throttle, now);
                let (left, low) = self.spend_budget(record, cost, now);
                failed.guesses_left = Some(left);
                failed.budget_low = low;
                failed
            }
            Via::BackupCode => self.backup_throttle().fail(&mut record.backup_throttle, now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(failures: u32, blocked_until: u64) -> Throttle {
        Throttle {
            failures,
            blocked_until,
        }
    }

    #[test]
    fn the_default_schedule_is_free_then_doubling_then_capped_then_locked() {
        let policy = ThrottlePolicy::DEFAULT;
        let expected: Vec<Option<u64>> = (1..=100).map(|f| policy.delay_after(f)).collect();
        for (index, delay) in expected.iter().enumerate() {
            let failures = u32::try_from(index).unwrap() + 1;
            let want = match failures {
                1..=3 => Some(0),
                4..=14 => Some(60 << (failures - 4)),
                15..=99 => Some(86_400),
                _ => None,
            };
            assert_eq!(*delay, want, "failure {failures}");
        }
        assert_eq!(policy.delay_after(14), Some(61_440));
        assert_eq!(policy.delay_after(u32::MAX), None);
    }

    #[test]
    fn huge_exponents_saturate_at_the_cap() {
        let policy = ThrottlePolicy::builder()
            .base_delay(u64::MAX / 2)
            .max_delay(u64::MAX)
            .build()
            .unwrap();
        assert_eq!(policy.delay_after(4), Some(u64::MAX / 2));
        assert_eq!(policy.delay_after(6), Some(u64::MAX));
        assert_eq!(policy.delay_after(99), Some(u64::MAX));
    }

    #[test]
    fn failing_walks_the_schedule_and_gates_follow() {
        let policy = ThrottlePolicy::DEFAULT;
        let mut state = Throttle::default();
        let now = 1_000;
        for failures in 1..=3 {
            assert_eq!(policy.gate(&state, now), Gate::Open);
            let failed = policy.fail(&mut state, now);
            assert_eq!(
                failed,
                Failed {
                    failures,
                    retry_at: None,
                    locked: false,
                    guesses_left: None,
                    budget_low: false,
                }
            );
        }
        assert_eq!(policy.gate(&state, now), Gate::Open);
        let failed = policy.fail(&mut state, now);
        assert_eq!(failed.retry_at, Some(now + 60));
        assert_eq!(policy.gate(&state, now), Gate::Throttled(now + 60));
        assert_eq!(policy.gate(&state, now + 59), Gate::Throttled(now + 60));
        assert_eq!(policy.gate(&state, now + 60), Gate::Open);
        let failed = policy.fail(&mut state, now + 60);
        assert_eq!(failed.retry_at, Some(now + 60 + 120));
    }

    #[test]
    fn the_lock_engages_at_lock_after_and_no_time_lifts_it() {
        let policy = ThrottlePolicy::DEFAULT;
        let mut state = throttle(98, 5);
        assert_eq!(policy.gate(&state, 10), Gate::Open);
        let failed = policy.fail(&mut state, 10);
        assert_eq!((failed.failures, failed.locked), (99, false));
        let failed = policy.fail(&mut state, 10);
        assert_eq!(
            failed,
            Failed {
                failures: 100,
                retry_at: None,
                locked: true,
                guesses_left: None,
                budget_low: false,
            }
        );
        assert_eq!(state.blocked_until, LOCKED);
        assert_eq!(policy.gate(&state, u64::MAX), Gate::Locked);
        // A lock written under a stricter policy holds under a laxer one.
        let lax = ThrottlePolicy::builder().lock_after(100).build().unwrap();
        assert_eq!(lax.gate(&throttle(5, LOCKED), 0), Gate::Locked);
        // And a count past a lowered lock locks.
        let strict = ThrottlePolicy::builder()
            .free_failures(1)
            .lock_after(5)
            .build()
            .unwrap();
        assert_eq!(strict.gate(&throttle(7, 0), 0), Gate::Locked);
    }

    #[test]
    fn a_delay_never_reaches_the_lock_sentinel() {
        let policy = ThrottlePolicy::builder()
            .free_failures(0)
            .base_delay(10)
            .build()
            .unwrap();
        let mut state = Throttle::default();
        let failed = policy.fail(&mut state, u64::MAX - 3);
        assert_eq!(failed.retry_at, Some(LOCKED - 1));
        assert!(!failed.locked);
        assert_eq!(policy.gate(&state, u64::MAX - 3), Gate::Throttled(LOCKED - 1));
    }

    #[test]
    fn builder_rejects_what_standards_or_sense_forbid() {
        let lock = |n| ThrottlePolicy::builder().free_failures(0).lock_after(n).build();
        assert_eq!(lock(0), Err(ConfigError::LockAfter { max: 100 }));
        assert_eq!(lock(101), Err(ConfigError::LockAfter { max: 100 }));
        assert!(lock(1).is_ok() && lock(100).is_ok());
        assert_eq!(
            ThrottlePolicy::builder().free_failures(100).build(),
            Err(ConfigError::FreeFailures)
        );
        assert_eq!(
            ThrottlePolicy::builder().base_delay(0).build(),
            Err(ConfigError::Delay)
        );
        assert_eq!(
            ThrottlePolicy::builder().base_delay(100).max_delay(99).build(),
            Err(ConfigError::Delay)
        );
        assert_eq!(ThrottlePolicy::builder().build(), Ok(ThrottlePolicy::DEFAULT));
    }
}
