//! The rules a service applies: the window, the drift it learns, how long an enrollment waits,
//! and how each path is throttled.

use super::{GuessingBudget, ThrottlePolicy};
use crate::config_error::ConfigError;
use crate::otp::{Totp, Window};
use crate::record::Record;

/// The security rules of verification and enrollment, validated.
///
/// | | default | standard |
/// | --- | --- | --- |
/// | window | 1 step past, 1 future ([`Window::DEFAULT`]) | RFC 6238 §5.2; presets [`Window::RFC_6238_STRICT`], [`Window::CURRENT_ONLY`] (OWASP ASVS 5.0 6.5.5) |
/// | learned drift | centred on the user's recorded drift, capped at ±20 steps (10 min at 30 s) | RFC 6238 §6 |
/// | resynchronisation | two consecutive codes, searched ±20 steps | RFC 6238 §6, RFC 4226 §7.4 |
/// | pending enrollment | expires after 10 min | — |
/// | authenticator codes | [`ThrottlePolicy::DEFAULT`]: 3 free failures, 60 s doubling to 24 h, locked at 100 | RFC 4226 §7.3, NIST SP 800-63B §5.2.2 |
/// | long-term guessing bound | 1 in 1 000 a year, whatever the sign-in pattern ([`GuessingBudget::DEFAULT`]) | — (RFC 4226 §7.2's model) |
/// | backup codes | their own budget, [`ThrottlePolicy::DEFAULT`] | NIST SP 800-63B-4 (look-up secrets are throttled) |
/// | remembered devices | 30 days (1 hour to 400 days), at most 10 per user (1 to 32), the oldest evicted first | — |
///
/// # The rules
///
/// * **Replay** (RFC 6238 §5.2). The accepted step and every earlier one are refused
///   afterwards, reported as a replay. A replay is not counted as a failure: whoever has the code
///   learned nothing by guessing it, and of N concurrent submissions of one code, one succeeds and
///   N − 1 are told it was a replay, with no extra write. A used backup code is the same.
/// * **Learned drift** (RFC 6238 §6). The window is centred on the user's recorded drift; on
///   success the matched drift, clamped to ±[`Policy::max_drift`], is recorded. Two consecutive
///   codes resynchronise a clock that drifted further, searching ±`max_drift` steps.
/// * **Throttling** ([`ThrottlePolicy`]; RFC 4226 §7.3, NIST SP 800-63B §5.2.2). A wrong code
///   counts one failure on its path: a few are free, then each starts a delay that doubles up to
///   a cap, and the 100th consecutive one locks the path. While a path is throttled or locked an
///   attempt is refused before the code is looked at, says when to retry, and is not counted.
///   Backup codes have their own budget, so a locked authenticator-code path never locks the user
///   out of recovery; a success on either path clears both. Malformed input is not counted
///   (nothing was compared).
/// * **Enrollment.** A pending secret is not active until a valid code confirms it; the
///   confirming step is spent, so the same code cannot also log in; a pending enrollment expires
///   ([`Policy::enrollment_ttl`]). An active authenticator cannot be replaced by a new
///   enrollment: it must be disabled, with a valid code, first.
/// * **Several authenticators** (at most [`Policy::max_authenticators`], 3 by default). A code is
///   compared with every authenticator's window, every candidate computed, whatever matches;
///   replay is per authenticator (its own last step), throttling per user (an attempt counts
///   once). Adding one needs a proof and then its own first code, like the first enrollment.
/// * **Changes** — disable, regenerate backup codes, add or remove an authenticator — require a
///   valid current code or backup code, checked under the same rules as a login (a wrong one counts), and each change, like
///   enabling, moves the credential epoch so that the application can end the user's other
///   sessions.
/// * **Remembered devices.** After a successful second factor the application may remember the
///   device ([`TwoFactor::remember_device`](crate::TwoFactor::remember_device)): a signed token
///   that skips the code step on that device until it expires ([`Policy::device_ttl`]), is
///   revoked, or the epoch moves — any change of the second factor forgets every device. Only a
///   user whose second factor is on can remember one; a user keeps at most
///   [`Policy::max_remembered_devices`], and remembering one more evicts the oldest. A sign-in
///   on a remembered device is not a code: it neither counts against nor clears either path's
///   failures, so a guesser's failures stay on the record.
///
/// # The security of the defaults, as a number
///
/// An online attacker who knows the password and guesses 6-digit codes as fast as the default
/// policy allows finds a valid code with probability at most **1 in 1 000 a year** (0.1 %),
/// whatever the user's sign-in pattern, wherever the year starts, and however many
/// authenticators the user holds: wrong codes spend a long-term budget that no success refills
/// ([`GuessingBudget`]) — 333 a year with one authenticator, 111 with three. Against a user who
/// never logs in, the hard lock stops it first, at `100 · 3 / 10⁶` = **0.03 %**, for ever.
/// [`GuessingOdds`](crate::policy::GuessingOdds) has the formulas and computes them for any
/// policy; `tests/service/policy_odds.rs` runs the attacker's best strategy through the service
/// for two simulated years against users who never, daily and hourly sign in.
///
/// ```
/// use twofactor::policy::{Policy, ThrottlePolicy};
/// use twofactor::otp::Window;
///
/// let policy = Policy::builder()
///     .window(Window::RFC_6238_STRICT)
///     .max_drift(4)
///     .code_throttle(ThrottlePolicy::builder().free_failures(5).build()?)
///     .build()?;
/// assert_eq!((policy.window(), policy.max_drift()), (Window::RFC_6238_STRICT, 4));
/// assert_eq!(Policy::DEFAULT.enrollment_ttl(), 600);
/// # Ok::<(), twofactor::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    window: Window,
    max_drift: u32,
    enrollment_ttl: u64,
    max_authenticators: usize,
    code_throttle: ThrottlePolicy,
    backup_throttle: ThrottlePolicy,
    guessing_budget: GuessingBudget,
    device_ttl: u64,
    max_remembered_devices: usize,
}

impl Policy {
    /// The learned-drift cap by default: 20 steps, 10 minutes at 30 s.
    pub const DEFAULT_MAX_DRIFT: u32 = 20;
    /// The widest learned-drift cap: [`Totp::MAX_RESYNC_STEPS`], the widest resynchronisation.
    pub const MAX_DRIFT_LIMIT: u32 = Totp::MAX_RESYNC_STEPS;
    /// How long a pending enrollment waits for its confirming code by default: 10 minutes.
    pub const DEFAULT_ENROLLMENT_TTL: u64 = 600;
    /// How many authenticators a user may hold by default: 3 (a phone, a password manager, and
    /// a new phone during a move).
    pub const DEFAULT_MAX_AUTHENTICATORS: usize = 3;
    /// The most authenticators a policy may allow: [`Record::MAX_AUTHENTICATORS`], 10. Each
    /// typed code is compared with every authenticator, so each one costs a verification its
    /// window of codes and multiplies a guesser's odds.
    pub const MAX_AUTHENTICATORS_LIMIT: usize = Record::MAX_AUTHENTICATORS;
    /// How long a device stays remembered by default: 30 days.
    pub const DEFAULT_DEVICE_TTL: u64 = 30 * 86_400;
    /// The shortest time a device may be remembered for: 1 hour.
    pub const MIN_DEVICE_TTL: u64 = 3_600;
    /// The longest time a device may be remembered for: 400 days, the longest a browser keeps a
    /// cookie (RFC 6265bis caps `Max-Age` and `Expires` there).
    pub const MAX_DEVICE_TTL: u64 = 400 * 86_400;
    /// Remembered devices a user may have by default: 10.
    pub const DEFAULT_MAX_REMEMBERED_DEVICES: usize = 10;
    /// The most remembered devices a policy may allow: what a record holds,
    /// [`Record::MAX_DEVICES`] (32).
    pub const MAX_REMEMBERED_DEVICES_LIMIT: usize = Record::MAX_DEVICES;

    /// The defaults of the table above.
    pub const DEFAULT: Self = Self {
        window: Window::DEFAULT,
        max_drift: Self::DEFAULT_MAX_DRIFT,
        enrollment_ttl: Self::DEFAULT_ENROLLMENT_TTL,
        max_authenticators: Self::DEFAULT_MAX_AUTHENTICATORS,
        code_throttle: ThrottlePolicy::DEFAULT,
        backup_throttle: ThrottlePolicy::DEFAULT,
        guessing_budget: GuessingBudget::DEFAULT,
        device_ttl: Self::DEFAULT_DEVICE_TTL,
        max_remembered_devices: Self::DEFAULT_MAX_REMEMBERED_DEVICES,
    };

    /// A builder starting from [`Policy::DEFAULT`].
    pub const fn builder() -> PolicyBuilder {
        PolicyBuilder(Self::DEFAULT)
    }

    /// The verification window, centred on the user's learned drift.
    #[must_use]
    pub const fn window(&self) -> Window {
        self.window
    }

    /// The largest drift, in steps either way, that is learned or resynchronised to; also the
    /// reach of a resynchronisation's search.
    #[must_use]
    pub const fn max_drift(&self) -> u32 {
        self.max_drift
    }

    /// Seconds a pending enrollment waits for its confirming code.
    #[must_use]
    pub const fn enrollment_ttl(&self) -> u64 {
        self.enrollment_ttl
    }

    /// How many authenticators a user may hold: an enrollment that would go past it is refused.
    #[must_use]
    pub const fn max_authenticators(&self) -> usize {
        self.max_authenticators
    }

    /// Throttling of authenticator codes (verification, enrollment confirmation,
    /// resynchronisation, and codes given as proof of a change).
    #[must_use]
    pub const fn code_throttle(&self) -> ThrottlePolicy {
        self.code_throttle
    }

    /// Throttling of backup codes: a budget of its own, so that locking the authenticator-code
    /// path never locks a user out of recovery.
    #[must_use]
    pub const fn backup_throttle(&self) -> ThrottlePolicy {
        self.backup_throttle
    }

    /// The long-term bound on a guesser's chances, 1 in 1 000 a year by default: wrong codes
    /// spend a budget that no success refills ([`GuessingBudget`]).
    #[must_use]
    pub const fn guessing_budget(&self) -> GuessingBudget {
        self.guessing_budget
    }

    /// Seconds a device stays remembered, from the moment it is remembered; a sign-in on it does
    /// not extend it.
    ///
    /// ```
    /// use twofactor::policy::Policy;
    ///
    /// assert_eq!(Policy::DEFAULT.device_ttl(), 30 * 86_400);
    /// let week = Policy::builder().device_ttl(7 * 86_400).build()?;
    /// assert_eq!(week.device_ttl(), 604_800);
    /// # Ok::<(), twofactor::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn device_ttl(&self) -> u64 {
        self.device_ttl
    }

    /// The most remembered devices a user keeps; remembering one more evicts the oldest.
    ///
    /// ```
    /// use twofactor::policy::Policy;
    ///
    /// assert_eq!(Policy::DEFAULT.max_remembered_devices(), 10);
    /// let three = Policy::builder().max_remembered_devices(3).build()?;
    /// assert_eq!(three.max_remembered_devices(), 3);
    /// # Ok::<(), twofactor::ConfigError>(())
    /// ```
    #[must_use]
    pub const fn max_remembered_devices(&self) -> usize {
        self.max_remembered_devices
    }

    /// `drift` clamped to ±[`Policy::max_drift`].
    pub(crate) fn clamp_drift(&self, drift: i64) -> i64 {
        let cap = i64::from(self.max_drift);
        drift.clamp(-cap, cap)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Builds a [`Policy`]; `build()` validates.
///
/// ```
/// use twofactor::policy::Policy;
/// use twofactor::otp::Window;
///
/// // OWASP ASVS 5.0 6.5.5: a code lives one step; no learned drift either.
/// let strict = Policy::builder().window(Window::CURRENT_ONLY).max_drift(0).build()?;
/// assert_eq!(strict.window().len(), 1);
/// # Ok::<(), twofactor::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct PolicyBuilder(Policy);

impl PolicyBuilder {
    /// The verification window (default [`Window::DEFAULT`]).
    pub const fn window(mut self, window: Window) -> Self {
        self.0.window = window;
        self
    }

    /// The learned-drift cap in steps (default 20), at most [`Policy::MAX_DRIFT_LIMIT`]; 0 turns
    /// drift learning and resynchronisation off.
    pub const fn max_drift(mut self, steps: u32) -> Self {
        self.0.max_drift = steps;
        self
    }

    /// Seconds a pending enrollment waits (default 600), at least 1.
    pub const fn enrollment_ttl(mut self, seconds: u64) -> Self {
        self.0.enrollment_ttl = seconds;
        self
    }

    /// How many authenticators a user may hold (default 3), from 1 to
    /// [`Policy::MAX_AUTHENTICATORS_LIMIT`].
    pub const fn max_authenticators(mut self, count: usize) -> Self {
        self.0.max_authenticators = count;
        self
    }

    /// Throttling of authenticator codes (default [`ThrottlePolicy::DEFAULT`]).
    pub const fn code_throttle(mut self, throttle: ThrottlePolicy) -> Self {
        self.0.code_throttle = throttle;
        self
    }

    /// Throttling of backup codes (default [`ThrottlePolicy::DEFAULT`]).
    pub const fn backup_throttle(mut self, throttle: ThrottlePolicy) -> Self {
        self.0.backup_throttle = throttle;
        self
    }

    /// Seconds a device stays remembered (default 30 days), from [`Policy::MIN_DEVICE_TTL`] (an
    /// hour) to [`Policy::MAX_DEVICE_TTL`] (400 days).
    ///
    /// ```
    /// use twofactor::ConfigError;
    /// use twofactor::policy::Policy;
    ///
    /// assert!(Policy::builder().device_ttl(3_600).build().is_ok());
    /// assert_eq!(
    ///     Policy::builder().device_ttl(60).build(),
    ///     Err(ConfigError::DeviceTtl { min: 3_600, max: 400 * 86_400 })
    /// );
    /// ```
    pub const fn device_ttl(mut self, seconds: u64) -> Self {
        self.0.device_ttl = seconds;
        self
    }

    /// The most remembered devices per user (default 10), from 1 to
    /// [`Policy::MAX_REMEMBERED_DEVICES_LIMIT`] (32).
    ///
    /// ```
    /// use twofactor::ConfigError;
    /// use twofactor::policy::Policy;
    ///
    /// assert!(Policy::builder().max_remembered_devices(32).build().is_ok());
    /// assert_eq!(
    ///     Policy::builder().max_remembered_devices(33).build(),
    ///     Err(ConfigError::MaxRememberedDevices { max: 32 })
    /// );
    /// ```
    pub const fn max_remembered_devices(mut self, count: usize) -> Self {
        self.0.max_remembered_devices = count;
        self
    }

    /// The long-term bound on a guesser's chances (default 1 in 1 000 a year).
    ///
    /// ```
    /// use twofactor::policy::{GuessingBudget, Policy};
    ///
    /// let strict = Policy::builder().guessing_budget(GuessingBudget::new(100_000)?).build()?;
    /// assert_eq!(strict.guessing_budget().guesses_a_year(1, 3, 6), 3);
    /// # Ok::<(), twofactor::ConfigError>(())
    /// ```
    pub const fn guessing_budget(mut self, budget: GuessingBudget) -> Self {
        self.0.guessing_budget = budget;
        self
    }

    /// Checks the policy.
    ///
    /// # Errors
    /// [`ConfigError::MaxDrift`] for a cap over [`Policy::MAX_DRIFT_LIMIT`],
    /// [`ConfigError::EnrollmentTtl`] for a time to live of 0,
    /// [`ConfigError::MaxAuthenticators`] for 0 or more than [`Policy::MAX_AUTHENTICATORS_LIMIT`],
    /// [`ConfigError::DeviceTtl`] for a
    /// device lifetime outside [`Policy::MIN_DEVICE_TTL`] ..= [`Policy::MAX_DEVICE_TTL`],
    /// [`ConfigError::MaxRememberedDevices`] for 0 devices or more than
    /// [`Policy::MAX_REMEMBERED_DEVICES_LIMIT`].
    pub const fn build(self) -> Result<Policy, ConfigError> {
        if self.0.max_authenticators == 0 || self.0.max_authenticators > Policy::MAX_AUTHENTICATORS_LIMIT {
            return Err(ConfigError::MaxAuthenticators {
                max: Policy::MAX_AUTHENTICATORS_LIMIT,
            });
        }
        if self.0.max_drift > Policy::MAX_DRIFT_LIMIT {
            return Err(ConfigError::MaxDrift {
                max: Policy::MAX_DRIFT_LIMIT,
            });
        }
        if self.0.enrollment_ttl == 0 {
            return Err(ConfigError::EnrollmentTtl);
        }
        if self.0.device_ttl < Policy::MIN_DEVICE_TTL || self.0.device_ttl > Policy::MAX_DEVICE_TTL {
            return Err(ConfigError::DeviceTtl {
                min: Policy::MIN_DEVICE_TTL,
                max: Policy::MAX_DEVICE_TTL,
            });
        }
        if self.0.max_remembered_devices == 0
            || self.0.max_remembered_devices > Policy::MAX_REMEMBERED_DEVICES_LIMIT
        {
            return Err(ConfigError::MaxRememberedDevices {
                max: Policy::MAX_REMEMBERED_DEVICES_LIMIT,
            });
        }
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_checks_drift_and_ttl() {
        assert_eq!(
            Policy::builder().max_drift(1441).build(),
            Err(ConfigError::MaxDrift { max: 1440 })
        );
        assert!(Policy::builder().max_drift(1440).build().is_ok());
        assert_eq!(
            Policy::builder().enrollment_ttl(0).build(),
            Err(ConfigError::EnrollmentTtl)
        );
        assert_eq!(Policy::builder().build(), Ok(Policy::DEFAULT));
        for count in [0, 11] {
            assert_eq!(
                Policy::builder().max_authenticators(count).build(),
                Err(ConfigError::MaxAuthenticators { max: 10 })
            );
        }
        assert_eq!(
            Policy::builder()
                .max_authenticators(10)
                .build()
                .map(|p| p.max_authenticators()),
            Ok(10)
        );
    }

    #[test]
    fn builder_checks_the_device_bounds_at_their_edges() {
        let ttl = |seconds| {
            Policy::builder()
                .device_ttl(seconds)
                .build()
                .map(|p| p.device_ttl())
        };
        let out_of_range = Err(ConfigError::DeviceTtl {
            min: 3_600,
            max: 34_560_000,
        });
        assert_eq!(ttl(0), out_of_range);
        assert_eq!(ttl(3_599), out_of_range);
        assert_eq!(ttl(3_600), Ok(3_600));
        assert_eq!(ttl(34_560_000), Ok(34_560_000));
        assert_eq!(ttl(34_560_001), out_of_range);
        assert_eq!(ttl(u64::MAX), out_of_range);
        let count = |n| {
            Policy::builder()
                .max_remembered_devices(n)
                .build()
                .map(|p| p.max_remembered_devices())
        };
        let out_of_range = Err(ConfigError::MaxRememberedDevices { max: 32 });
        assert_eq!(count(0), out_of_range);
        assert_eq!(count(1), Ok(1));
        assert_eq!(count(32), Ok(32));
        assert_eq!(count(33), out_of_range);
        assert_eq!(
            (
                Policy::DEFAULT.device_ttl(),
                Policy::DEFAULT.max_remembered_devices()
            ),
            (2_592_000, 10)
        );
    }

    #[test]
    fn drift_is_clamped_both_ways() {
        let policy = Policy::builder().max_drift(4).build().unwrap();
        assert_eq!(
            [-9, -4, -1, 0, 3, 4, 5, i64::MAX, i64::MIN].map(|d| policy.clamp_drift(d)),
            [-4, -4, -1, 0, 3, 4, 4, 4, -4]
        );
        let off = Policy::builder().max_drift(0).build().unwrap();
        assert_eq!(off.clamp_drift(1), 0);
    }
}
