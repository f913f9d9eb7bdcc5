//! The chances of an online guessing attacker against a policy, as a number: see
//! [`GuessingOdds`].

use super::budget::PICO;
use super::{Policy, ThrottlePolicy};
use crate::otp::Digits;

/// An online guessing attacker's chances: how many guesses it gets, how many codes each guess
/// is compared with, and out of how many possible codes.
///
/// The attacker knows the password, does not have the authenticator, and guesses codes as fast
/// as the policy lets it. Each guess is compared with the `w = past + future + 1` codes of the
/// window, so it succeeds with probability at most `w / 10^digits`, and `g` guesses with
/// probability at most `g · w / 10^digits` (RFC 4226 §7.2: `s · v / 10^Digit`).
///
/// How many guesses? Two limits hold at once, and the attacker gets the smaller:
///
/// * **The long-term budget** ([`GuessingBudget`](super::GuessingBudget)): wrong codes spend
///   their odds from a bucket no success refills, at most `B = 1 / one_in` over any year —
///   `⌊B · 10^digits / w⌋` guesses, 333 a year at the defaults.
/// * **The short-term throttle** ([`ThrottlePolicy`]): a success clears its counters (NIST SP
///   800-63B), so between two logins `T` seconds apart the attacker gets the free failures and
///   then every further failure whose delay still ends before the next login (a later one would
///   refuse the user's login too and tell the user something is wrong). With delays `d₁, d₂, …`
///   after the free failures `f`: `g(T) = f + max { m : d₁ + … + dₘ ≤ T }`, never reaching the
///   lock — 13 a day at the defaults (`f = 3`, `dᵢ = 60 s · 2^(i−1)` up to 24 h), 4 745 a year,
///   which is what a success-cleared throttle alone would give: 1.42 % a year.
///
/// With the defaults and one login a day, the budget binds: 333 guesses a year, so
///
/// ```text
/// P ≤ 333 · 3 / 10⁶ ≈ 0.0999 %   (at most 1 in 1 000, whatever the sign-in pattern)
/// ```
///
/// A user who never logs in is protected by the hard lock first: the 100th consecutive failure
/// locks the path, so `P ≤ 100 · 3 / 10⁶ = 0.03 %`, for ever. Backup codes, on their own path,
/// add `13 · 365 · 10 / 2⁸⁰ ≈ 4 · 10⁻²⁰` a year. `tests/service/policy_odds.rs` runs the
/// attacker's best strategy through the service with a manual clock for two simulated years
/// (users who never sign in, sign in daily, sign in hourly; 1, 2 and 3 authenticators) and
/// checks every 365-day span against these numbers.
///
/// **Several authenticators.** A guess is compared with the window of every authenticator the
/// user holds, so with `n` of them it is compared with `n · w` codes; the budget charges each
/// guess that much, so the attacker gets `n` times fewer guesses and the bound stays
/// ([`GuessingOdds::with_authenticators`]). The short-term throttle is per user and counts a
/// guess once. At the defaults, a year:
///
/// | authenticators | guesses, daily login | P, daily login | never logs in (the lock) |
/// | --- | --- | --- | --- |
/// | 1 | 333 | 0.0999 % | 0.03 % |
/// | 2 | 166 | 0.0996 % | 0.06 % |
/// | 3 (the default most) | 111 | 0.0999 % | 0.09 % |
///
/// ```
/// use twofactor::otp::Digits;
/// use twofactor::policy::Policy;
///
/// let year = Policy::DEFAULT.odds_with_logins(Digits::Six, 86_400, 365 * 86_400);
/// assert_eq!(year.guesses(), 333);
/// assert!(year.probability() <= 1e-3);
///
/// let idle = Policy::DEFAULT.odds_without_logins(Digits::Six);
/// assert_eq!(idle.guesses(), 100);
/// assert!((idle.probability() - 0.000_3).abs() < 1e-12);
///
/// let three = year.with_authenticators(3);
/// assert_eq!((three.guesses(), three.candidates_per_guess()), (111, 9));
/// assert!(three.probability() <= 1e-3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuessingOdds {
    /// What the short-term throttle lets through.
    throttled: u64,
    /// The long-term budget over the span, in picochances (`u64::MAX`: no limit).
    budget: u64,
    candidates: u32,
    code_space: u64,
}

impl GuessingOdds {
    /// The number of guesses the attacker gets: the smaller of what the throttle and the budget
    /// let through.
    #[must_use]
    pub const fn guesses(&self) -> u64 {
        if self.budget == u64::MAX {
            return self.throttled;
        }
        let cost = (self.candidates as u64)
            .saturating_mul(PICO)
            .div_ceil(self.code_space);
        let budgeted = match self.budget.checked_div(cost) {
            Some(budgeted) => budgeted,
            None => u64::MAX,
        };
        if budgeted < self.throttled {
            budgeted
        } else {
            self.throttled
        }
    }

    /// The same attacker against a user who holds `count` authenticators (at least 1): each guess
    /// is compared with every one's window, `count` times as many codes, and spends as much more
    /// of the budget.
    #[must_use]
    pub const fn with_authenticators(self, count: u32) -> Self {
        let count = if count == 0 { 1 } else { count };
        Self {
            candidates: self.candidates.saturating_mul(count),
            ..self
        }
    }

    /// The number of codes each guess is compared with: the window's length, times the number
    /// of authenticators ([`GuessingOdds::with_authenticators`]).
    #[must_use]
    pub const fn candidates_per_guess(&self) -> u32 {
        self.candidates
    }

    /// The number of possible codes, `10^digits`.
    #[must_use]
    pub const fn code_space(&self) -> u64 {
        self.code_space
    }

    /// The bound on the attacker's probability of success, `guesses · candidates / code_space`
    /// (RFC 4226 §7.2), at most 1.
    #[must_use]
    #[allow(
        clippy::cast_precision_loss,
        reason = "a probability; exact below 2^53 guesses"
    )]
    pub fn probability(&self) -> f64 {
        let p = self.guesses() as f64 * f64::from(self.candidates) / self.code_space as f64;
        p.min(1.0)
    }
}

impl ThrottlePolicy {
    /// The most failures an attacker can make in `span` seconds from cleared counters such that
    /// every delay it starts ends within the span and the path is not locked: the budget that a
    /// successful login `span` seconds later refills. See the [`GuessingOdds`] formula.
    ///
    /// ```
    /// use twofactor::policy::ThrottlePolicy;
    ///
    /// let policy = ThrottlePolicy::DEFAULT;
    /// assert_eq!(policy.guesses_within(0), 3);
    /// assert_eq!(policy.guesses_within(60), 4);
    /// assert_eq!(policy.guesses_within(86_400), 13);
    /// assert_eq!(policy.guesses_within(u64::MAX), 99);
    /// ```
    #[must_use]
    pub const fn guesses_within(&self, span: u64) -> u32 {
        let mut guesses = self.free_failures();
        let mut elapsed: u64 = 0;
        while guesses + 1 < self.lock_after() {
            let Some(delay) = self.delay_after(guesses + 1) else {
                break;
            };
            elapsed = elapsed.saturating_add(delay);
            if elapsed > span {
                break;
            }
            guesses += 1;
        }
        guesses
    }
}

impl Policy {
    /// The attacker's chances over `span` seconds against a user who logs in successfully every
    /// `interval` seconds: the smaller of `⌊span / interval⌋ · g(interval)` guesses and what the
    /// long-term budget pays for over the span (see [`GuessingOdds`]).
    ///
    /// # Panics
    /// Never; an `interval` of 0 is taken as 1 second.
    #[must_use]
    pub fn odds_with_logins(&self, digits: Digits, interval: u64, span: u64) -> GuessingOdds {
        let interval = interval.max(1);
        let per_interval = u64::from(self.code_throttle().guesses_within(interval));
        GuessingOdds {
            budget: self.guessing_budget().over(span),
            ..self.odds(digits, (span / interval).saturating_mul(per_interval))
        }
    }

    /// The attacker's chances, for ever, against a user who never logs in: the hard lock stops it
    /// at [`ThrottlePolicy::lock_after`] guesses.
    #[must_use]
    pub fn odds_without_logins(&self, digits: Digits) -> GuessingOdds {
        self.odds(digits, u64::from(self.code_throttle().lock_after()))
    }

    fn odds(&self, digits: Digits, guesses: u64) -> GuessingOdds {
        GuessingOdds {
            throttled: guesses,
            budget: u64::MAX,
            candidates: self.window().len(),
            code_space: 10u64.pow(u32::from(digits.get())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Window;

    #[test]
    fn the_daily_budget_follows_the_formula() {
        let policy = ThrottlePolicy::DEFAULT;
        // 3 free, then failures whose delays 60, 120, …, 60·2^(m−1) add up to at most the span.
        for (span, guesses) in [
            (0, 3),
            (59, 3),
            (60, 4),
            (179, 4),
            (180, 5),
            (61_379, 12),
            (61_380, 13),
            (86_400, 13),
            (122_819, 13),
            (122_820, 14),
        ] {
            assert_eq!(policy.guesses_within(span), guesses, "span {span}");
        }
        // Never the lock-engaging failure: a locked user cannot log in to refill the budget.
        assert_eq!(policy.guesses_within(u64::MAX), 99);
        let tight = ThrottlePolicy::builder()
            .free_failures(2)
            .lock_after(3)
            .build()
            .unwrap();
        assert_eq!(tight.guesses_within(u64::MAX), 2);
    }

    #[test]
    fn the_default_numbers() {
        let year = Policy::DEFAULT.odds_with_logins(Digits::Six, 86_400, 365 * 86_400);
        assert_eq!(
            (year.guesses(), year.candidates_per_guess(), year.code_space()),
            (333, 3, 1_000_000)
        );
        assert!((year.probability() - 0.000_999).abs() < 1e-12);
        // The throttle alone would let 13 a day through.
        assert_eq!(year.throttled, 4745);
        let idle = Policy::DEFAULT.odds_without_logins(Digits::Six);
        assert_eq!(idle.guesses(), 100);
        let strict = Policy::builder().window(Window::CURRENT_ONLY).build().unwrap();
        // 8 digits, one code a guess: the throttle binds (4 745 a year, under the budget's 100 000).
        let eight = strict.odds_with_logins(Digits::Eight, 86_400, 365 * 86_400);
        assert!((eight.probability() - 4745.0 / 1e8).abs() < 1e-15);
        let certain = GuessingOdds {
            throttled: u64::MAX,
            budget: u64::MAX,
            candidates: 21,
            code_space: 10,
        };
        assert!((certain.probability() - 1.0).abs() < f64::EPSILON);
    }
}
