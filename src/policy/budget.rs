//! The long-term guessing budget: a leaky bucket of the odds that wrong codes have spent, which
//! no success refills. See [`GuessingBudget`].

use super::Policy;
use super::outcome::{Refusal, Via};
use crate::config_error::ConfigError;
use crate::otp::TotpParams;
use crate::record::{Budget, State};

/// Odds are kept in units of 10⁻¹² (a picochance): one 6-digit code is 10⁶ of them.
pub(crate) const PICO: u64 = 1_000_000_000_000;
/// A year, for the bound: 365.25 days, in seconds.
pub(crate) const YEAR: u64 = 31_557_600;

/// The bound on an online guesser's chances: at most 1 in [`one_in`](Self::one_in) a year of
/// finding a valid code, whatever the user's sign-in pattern, wherever the year starts, and
/// however many authenticators the user holds.
///
/// **How.** Each wrong authenticator code spends the odds it had of being right — the codes it
/// was compared with, `Σ window / 10^digits` over the user's authenticators — from a budget
/// that a success does **not** refill (the short-term [`ThrottlePolicy`](super::ThrottlePolicy)
/// counters are what a success clears). The budget is a leaky bucket: it holds half the yearly
/// bound, `B / 2`, and refills continuously at `B / 2` a year. An attempt is checked only if the
/// bucket can pay for it in full; otherwise it is refused unchecked, as throttled, until the
/// refill has caught up. Over any span of one year, wherever it starts, the wrong codes admitted
/// cost at most what the bucket held at the start plus what flowed in, `B/2 + B/2 = B`, and an
/// attacker's chance of a first success is at most the summed odds of its attempts before it
/// (the union bound, RFC 4226 §7.2), all of which were wrong and paid for:
///
/// ```text
/// P(year) ≤ B = 1 / one_in            guesses a year ≤ B / (n · w / 10^digits)
/// ```
///
/// With the defaults (`1 in 1 000`, window `w = 3`, 6 digits) that is 333 wrong codes a year
/// with one authenticator (a burst of 166, then one every 2.2 days), 166 with two, 111 with
/// three, 33 with ten. A typo costs the same as a guess, so a user who mistypes a few times a
/// month never notices.
///
/// **The user keeps access.** While a guesser has emptied the bucket, authenticator codes are
/// refused for everyone who types them — the service cannot tell the user from the guesser by a
/// code it has not checked — but a remembered device
/// ([`verify_remembered`](crate::TwoFactor::verify_remembered)) is no code and is never
/// refused for it, and backup codes have their own path, whose odds (`10 / 2⁸⁰` a guess) need
/// no budget. The status ([`Status::guesses_left`](super::Status::guesses_left)) says how much
/// is left, an event ([`EventKind::GuessingBudgetLow`](crate::events::EventKind)) says when
/// it runs low, and every success reports the failed attempts since the previous one.
///
/// **Assumptions.** The attacker knows the password and not the secret; codes are uniform
/// (RFC 4226 §7.2's model); the clock does not go back (a clock set back refills nothing: the
/// refill counts only time that has passed since the last charge); an administrator's
/// [`unlock`](crate::TwoFactor::unlock) lifts the short-term lock and leaves the budget;
/// disabling and enrolling again leaves it too. The support desk's
/// [`admin_reset`](crate::TwoFactor::admin_reset) empties it: the user enrolls a new secret,
/// against which guesses at the old one tell nothing, so the bound holds per secret across an
/// operator's reset.
///
/// ```
/// use twofactor::policy::{GuessingBudget, Policy};
///
/// let budget = Policy::DEFAULT.guessing_budget();
/// assert_eq!(budget.one_in(), 1_000);
/// assert_eq!(budget.guesses_a_year(1, 3, 6), 333);
/// assert_eq!(budget.guesses_a_year(3, 3, 6), 111);
/// let strict = GuessingBudget::new(10_000)?;
/// assert_eq!(strict.guesses_a_year(1, 3, 6), 33);
/// assert!(GuessingBudget::new(10).is_err());
/// # Ok::<(), twofactor::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuessingBudget {
    one_in: u64,
}

impl GuessingBudget {
    /// The bound by default: 1 in 1 000 a year.
    pub const DEFAULT: Self = Self { one_in: 1_000 };
    /// The loosest bound a policy may set: 1 in 100 a year.
    pub const MIN_ONE_IN: u64 = 100;
    /// The tightest bound a policy may set: 1 in 10⁸ a year. (With 6-digit codes and the
    /// default window, past 1 in 166 666 the bucket cannot pay for a single code: only
    /// remembered devices and backup codes sign in.)
    pub const MAX_ONE_IN: u64 = 100_000_000;

    /// A bound of 1 in `one_in` a year.
    ///
    /// # Errors
    /// [`ConfigError::GuessingBudget`] outside [`MIN_ONE_IN`](Self::MIN_ONE_IN) ..=
    /// [`MAX_ONE_IN`](Self::MAX_ONE_IN).
    pub const fn new(one_in: u64) -> Result<Self, ConfigError> {
        if one_in < Self::MIN_ONE_IN || one_in > Self::MAX_ONE_IN {
            return Err(ConfigError::GuessingBudget {
                min: Self::MIN_ONE_IN,
                max: Self::MAX_ONE_IN,
            });
        }
        Ok(Self { one_in })
    }

    /// The yearly bound: 1 in this.
    #[must_use]
    pub const fn one_in(&self) -> u64 {
        self.one_in
    }

    /// The most wrong codes a year a guesser gets against a user with `authenticators` of
    /// `digits`-digit codes, each compared over a window of `window` codes.
    #[must_use]
    pub const fn guesses_a_year(&self, authenticators: u32, window: u32, digits: u8) -> u64 {
        let cost = odds(authenticators as u64 * window as u64, digits);
        if cost == 0 {
            return u64::MAX;
        }
        self.capacity().saturating_mul(2) / cost
    }

    /// What the budget pays for over `span` seconds, in picochances: a full bucket and the
    /// refill over the span.
    pub(crate) const fn over(&self, span: u64) -> u64 {
        self.capacity().saturating_add(self.leaked(span))
    }

    /// What the bucket holds when full, in picochances: half the yearly bound.
    pub(crate) const fn capacity(&self) -> u64 {
        PICO / self.one_in / 2
    }

    /// What has leaked out of the bucket in `elapsed` seconds (rounded down: never more).
    const fn leaked(&self, elapsed: u64) -> u64 {
        saturate((elapsed as u128 * self.capacity() as u128) / YEAR as u128)
    }

    /// What `budget` has spent as of `now`, after the leak.
    pub(crate) const fn spent(&self, budget: &Budget, now: u64) -> u64 {
        budget
            .spent
            .saturating_sub(self.leaked(now.saturating_sub(budget.at)))
    }

    /// How many attempts of `cost` the bucket can pay for at `now`.
    pub(crate) const fn left(&self, budget: &Budget, cost: u64, now: u64) -> u32 {
        if cost == 0 {
            return u32::MAX;
        }
        let left = self.capacity().saturating_sub(self.spent(budget, now)) / cost;
        // The bucket holds at most 5·10⁹ picochances: a count of codes fits.
        #[allow(clippy::cast_possible_truncation, reason = "checked before the cast")]
        if left > u32::MAX as u64 {
            u32::MAX
        } else {
            left as u32
        }
    }

    /// When the bucket can pay for one attempt of `cost` (now, if it can now; `None` if it never
    /// can: the cost is more than the whole bucket).
    pub(crate) const fn affordable_at(&self, budget: &Budget, cost: u64, now: u64) -> Option<u64> {
        if cost > self.capacity() {
            return None;
        }
        let spent = self.spent(budget, now);
        let over = (spent + cost).saturating_sub(self.capacity());
        if over == 0 {
            return Some(now);
        }
        // The leak is rounded down, so wait until it has certainly covered `over`.
        let seconds = (over as u128 * YEAR as u128).div_ceil(self.capacity() as u128) + 1;
        Some(now.saturating_add(saturate(seconds)))
    }

    /// Pays for one wrong attempt of `cost` at `now`.
    pub(crate) const fn charge(&self, budget: &mut Budget, cost: u64, now: u64) {
        budget.spent = self.spent(budget, now).saturating_add(cost);
        budget.at = if now > budget.at { now } else { budget.at };
    }
}

impl Default for GuessingBudget {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `value`, or `u64::MAX` if it does not fit.
#[allow(clippy::cast_possible_truncation, reason = "checked before the cast")]
const fn saturate(value: u128) -> u64 {
    if value > u64::MAX as u128 {
        u64::MAX
    } else {
        value as u64
    }
}

/// The odds of `codes` codes of `digits` digits, in picochances (rounded up: never less).
const fn odds(codes: u64, digits: u8) -> u64 {
    let space = 10u64.pow(digits as u32);
    (codes.saturating_mul(PICO)).div_ceil(space)
}

/// The odds of one code attempt compared with the window of each authenticator of `params`.
pub(crate) fn code_odds<'a>(policy: &Policy, params: impl IntoIterator<Item = &'a TotpParams>) -> u64 {
    let window = u64::from(policy.window().len());
    params
        .into_iter()
        .map(|params| odds(window, params.digits().get()))
        .fold(0, u64::saturating_add)
}

/// The odds of a code attempt against `record`'s confirmed authenticators.
pub(crate) fn record_odds<S>(policy: &Policy, record: &State<S>) -> u64 {
    code_odds(
        policy,
        record
            .authenticators
            .iter()
            .map(|authenticator| &authenticator.params),
    )
}

/// Below this share of the bucket (a quarter) a failure reports the budget as low.
const LOW_SHARE: u64 = 4;

impl Policy {
    /// Whether the long-term budget can pay for a code attempt of `cost` at `now`: refused,
    /// unchecked and uncounted, as throttled until it can.
    pub(crate) const fn afford<S>(&self, record: &State<S>, cost: u64, now: u64) -> Result<(), Refusal> {
        match self.guessing_budget().affordable_at(&record.budget, cost, now) {
            Some(at) if at == now => Ok(()),
            Some(at) => Err(Refusal::Throttled(Via::Code, at)),
            None => Err(Refusal::Locked(Via::Code)),
        }
    }

    /// Pays for a wrong code of `cost` at `now`; returns the attempts left, and whether this
    /// one took the bucket below a quarter.
    pub(crate) const fn spend_budget<S>(&self, record: &mut State<S>, cost: u64, now: u64) -> (u32, bool) {
        let budget = self.guessing_budget();
        let low = budget.capacity() / LOW_SHARE;
        let before = budget
            .capacity()
            .saturating_sub(budget.spent(&record.budget, now));
        budget.charge(&mut record.budget, cost, now);
        let after = budget
            .capacity()
            .saturating_sub(budget.spent(&record.budget, now));
        (
            budget.left(&record.budget, cost, now),
            before >= low && after < low,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_holds_half_the_year_and_refills_the_other_half() {
        let budget = GuessingBudget::DEFAULT;
        let cost = odds(3, 6);
        assert_eq!(cost, 3_000_000);
        assert_eq!(budget.capacity(), 500_000_000);
        let mut spent = Budget::default();
        let start = 1_000_000;
        let mut admitted = 0;
        while budget.affordable_at(&spent, cost, start) == Some(start) {
            budget.charge(&mut spent, cost, start);
            admitted += 1;
        }
        assert_eq!(admitted, 166);
        assert_eq!(budget.left(&spent, cost, start), 0);
        // Then one attempt each time the leak has paid for one, for a year.
        let mut now = start;
        let end = start + YEAR;
        loop {
            let at = budget.affordable_at(&spent, cost, now).unwrap();
            if at > end {
                break;
            }
            now = at;
            budget.charge(&mut spent, cost, now);
            admitted += 1;
        }
        assert!(admitted <= 333, "{admitted} wrong codes admitted in a year");
        assert!(admitted >= 332, "{admitted}: the refill is not lost to rounding");
    }

    #[test]
    fn a_clock_set_back_refills_nothing() {
        let budget = GuessingBudget::DEFAULT;
        let mut spent = Budget::default();
        budget.charge(&mut spent, 100_000_000, 1_000);
        assert_eq!(budget.spent(&spent, 10), 100_000_000);
        budget.charge(&mut spent, 1, 10);
        assert_eq!(spent.at, 1_000);
        assert_eq!(budget.spent(&spent, 1_000), 100_000_001);
    }

    #[test]
    fn an_attempt_dearer_than_the_bucket_is_never_affordable() {
        let budget = GuessingBudget::new(GuessingBudget::MAX_ONE_IN).unwrap();
        assert_eq!(budget.affordable_at(&Budget::default(), odds(3, 6), 5), None);
        assert_eq!(budget.guesses_a_year(1, 3, 6), 0);
        assert!(budget.affordable_at(&Budget::default(), odds(3, 8), 5).is_none());
    }

    #[test]
    fn the_bounds_are_checked() {
        assert!(GuessingBudget::new(99).is_err());
        assert!(GuessingBudget::new(100).is_ok());
        assert!(GuessingBudget::new(100_000_000).is_ok());
        assert!(GuessingBudget::new(100_000_001).is_err());
    }

    #[test]
    fn odds_round_up() {
        assert_eq!(odds(1, 6), 1_000_000);
        assert_eq!(odds(3, 8), 30_000);
        assert_eq!(odds(1, 7), 100_000);
    }
}
