//! The chances of an online guessing attacker against a policy, as a number: see
//! [`GuessingOdds`].

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
/// How many guesses? A success clears the counters (NIST SP 800-63B), so a user who logs in
/// regularly refills the attacker's budget. Between two logins `T` seconds apart, the attacker
/// gets the free failures and then every further failure whose delay still ends before the next
/// login — a failure whose delay runs past it would refuse the user's login too, leaving the
/// counters uncleared and the attacker's budget unrefilled (and telling the user something is
/// wrong), so that over time it gets fewer guesses, not more. With delays `d₁, d₂, …` after the free failures `f`:
///
/// ```text
/// g(T) = f + max { m : d₁ + … + dₘ ≤ T },   never reaching the lock
/// ```
///
/// With the defaults (`f = 3`, `dᵢ = 60 s · 2^(i−1)` up to 24 h, `w = 3`, 6 digits) and one
/// login a day, `60 s · (2^m − 1) ≤ 86 400 s` gives `m = 10`, so `g = 13` guesses a day, and in a
/// year
///
/// ```text
/// P ≤ 365 · 13 · 3 / 10⁶ = 14 235 / 10⁶ ≈ 1.42 %   (about 1 in 70)
/// ```
///
/// A user who never logs in is protected by the hard lock alone: the 100th consecutive failure
/// locks the path, after about 86 days of delays, so `P ≤ 100 · 3 / 10⁶ = 0.03 %` (1 in 3 333),
/// for ever. Backup codes, on their own budget, add `13 · 365 · 10 / 2⁸⁰ ≈ 4 · 10⁻²⁰` a year.
/// `tests/service/policy_odds.rs` runs such an attacker through the service with a manual clock for a
/// simulated year and checks that it gets exactly these numbers of guesses.
///
/// **Several authenticators.** A guess is compared with the window of every authenticator the
/// user holds, so with `n` of them it is compared with `n · w` codes and the bound is `n` times
/// higher ([`GuessingOdds::with_authenticators`]); the throttle is per user, so the number of
/// guesses does not change. At the defaults, a year:
///
/// | authenticators | daily login | never logs in (the lock) |
/// | --- | --- | --- |
/// | 1 | 1.42 % | 0.03 % |
/// | 2 | 2.85 % | 0.06 % |
/// | 3 (the default most) | 4.27 % | 0.09 % |
///
/// ```
/// use twofactor::otp::Digits;
/// use twofactor::policy::Policy;
///
/// let year = Policy::DEFAULT.odds_with_logins(Digits::Six, 86_400, 365 * 86_400);
/// assert_eq!(year.guesses(), 365 * 13);
/// assert!((year.probability() - 0.014_235).abs() < 1e-9);
///
/// let idle = Policy::DEFAULT.odds_without_logins(Digits::Six);
/// assert_eq!(idle.guesses(), 100);
/// assert!((idle.probability() - 0.000_3).abs() < 1e-12);
///
/// let three = year.with_authenticators(3);
/// assert_eq!((three.guesses(), three.candidates_per_guess()), (365 * 13, 9));
/// assert!((three.probability() - 0.042_705).abs() < 1e-9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuessingOdds {
    guesses: u64,
    candidates: u32,
    code_space: u64,
}

impl GuessingOdds {
    /// The number of guesses the attacker gets.
    #[must_use]
    pub const fn guesses(&self) -> u64 {
        self.guesses
    }

    /// The same attacker against a user who holds `count` authenticators (at least 1): each guess
    /// is compared with every one's window, `count` times as many codes.
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
        let p = self.guesses as f64 * f64::from(self.candidates) / self.code_space as f64;
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
    /// `interval` seconds: `⌊span / interval⌋ · g(interval)` guesses (see [`GuessingOdds`]).
    ///
    /// # Panics
    /// Never; an `interval` of 0 is taken as 1 second.
    #[must_use]
    pub fn odds_with_logins(&self, digits: Digits, interval: u64, span: u64) -> GuessingOdds {
        let interval = interval.max(1);
        let per_interval = u64::from(self.code_throttle().guesses_within(interval));
        self.odds(digits, (span / interval).saturating_mul(per_interval))
    }

    /// The attacker's chances, for ever, against a user who never logs in: the hard lock stops it
    /// at [`ThrottlePolicy::lock_after`] guesses.
    #[must_use]
    pub fn odds_without_logins(&self, digits: Digits) -> GuessingOdds {
        self.odds(digits, u64::from(self.code_throttle().lock_after()))
    }

    fn odds(&self, digits: Digits, guesses: u64) -> GuessingOdds {
        GuessingOdds {
            guesses,
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
            (4745, 3, 1_000_000)
        );
        assert!((year.probability() - 0.014_235).abs() < 1e-12);
        let idle = Policy::DEFAULT.odds_without_logins(Digits::Six);
        assert_eq!(idle.guesses(), 100);
        let strict = Policy::builder().window(Window::CURRENT_ONLY).build().unwrap();
        let eight = strict.odds_with_logins(Digits::Eight, 86_400, 365 * 86_400);
        assert!((eight.probability() - 4745.0 / 1e8).abs() < 1e-15);
        let certain = GuessingOdds {
            guesses: u64::MAX,
            candidates: 21,
            code_space: 10,
        };
        assert!((certain.probability() - 1.0).abs() < f64::EPSILON);
    }
}
