//! What a user's record says, read at a time under a policy.

use super::Policy;
use super::budget::record_odds;
use super::outcome::{Refusal, Via};
use super::throttle::Gate;
use crate::record::State;

/// Whether a path (authenticator codes, or backup codes) takes attempts now.
///
/// ```
/// use twofactor::policy::Throttling;
///
/// fn wait(throttling: Throttling, now: u64) -> Option<u64> {
///     match throttling {
///         Throttling::Until(at) => Some(at.saturating_sub(now)),
///         _ => None,
///     }
/// }
/// assert_eq!(wait(Throttling::Until(160), 100), Some(60));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Throttling {
    /// Attempts are checked.
    Open,
    /// Attempts are refused without being checked until this time (Unix seconds).
    Until(u64),
    /// Attempts are refused until a success on the other path or an administrator's unlock.
    Locked,
}

/// A user's second-factor state, for a settings page or an administrator; holds nothing secret.
///
/// ```
/// use twofactor::Status;
/// use twofactor::policy::Throttling;
///
/// fn describe(status: &Status) -> String {
///     match (status.enabled, status.codes) {
///         (false, _) => "Two-factor authentication is off.".into(),
///         (true, Throttling::Until(at)) => format!("Too many attempts: try again after {at}."),
///         (true, Throttling::Locked) => "Locked: use a backup code.".into(),
///         (true, _) => format!("On; {} backup codes left.", status.backup_codes_remaining.unwrap_or(0)),
///     }
/// }
/// # let _ = describe;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// Whether a confirmed authenticator is active.
    pub enabled: bool,
    /// How many authenticators the user holds ([`TwoFactor::authenticators`](crate::TwoFactor::authenticators) lists them).
    pub authenticators: usize,
    /// When the first (oldest) authenticator was confirmed (Unix seconds).
    pub enabled_at: Option<u64>,
    /// When the pending enrollment expires, if one is pending and not expired.
    pub pending_until: Option<u64>,
    /// Unused backup codes, if there is a set.
    pub backup_codes_remaining: Option<usize>,
    /// The authenticator-code path: its throttle, and the long-term guessing budget (refused
    /// until it refills shows as [`Throttling::Until`]).
    pub codes: Throttling,
    /// The backup-code path.
    pub backup_codes: Throttling,
    /// Consecutive failed authenticator codes since the last success.
    pub code_failures: u32,
    /// Consecutive failed backup codes since the last success.
    pub backup_failures: u32,
    /// Wrong codes and backup codes since the last sign-in with a code or a backup code,
    /// however many: tell the user ("3 failed attempts since your last sign-in").
    pub failed_attempts: u32,
    /// When that last sign-in was.
    pub last_sign_in_at: Option<u64>,
    /// Wrong authenticator codes the long-term guessing budget pays for now
    /// ([`GuessingBudget`](super::GuessingBudget)); `None` without an authenticator. At 0,
    /// codes are refused until the budget refills: backup codes and remembered devices still
    /// sign in.
    pub guesses_left: Option<u32>,
    /// The learned clock drift of the user's first authenticator, in steps.
    pub drift: Option<i64>,
    /// The credential epoch: it moves when the second factor is enabled, disabled or its backup
    /// codes are regenerated.
    pub epoch: u64,
}

fn throttling(gate: Gate) -> Throttling {
    match gate {
        Gate::Open => Throttling::Open,
        Gate::Throttled(until) => Throttling::Until(until),
        Gate::Locked => Throttling::Locked,
    }
}

/// The status of `record` (`None`: a user never enrolled) at `now`.
pub(crate) fn status<S>(record: Option<&State<S>>, now: u64, policy: &Policy) -> Status {
    let Some(record) = record else {
        return Status {
            enabled: false,
            authenticators: 0,
            enabled_at: None,
            pending_until: None,
            backup_codes_remaining: None,
            codes: Throttling::Open,
            backup_codes: Throttling::Open,
            code_failures: 0,
            backup_failures: 0,
            failed_attempts: 0,
            last_sign_in_at: None,
            guesses_left: None,
            drift: None,
            epoch: 0,
        };
    };
    Status {
        enabled: record.is_enabled(),
        authenticators: record.authenticators.len(),
        enabled_at: record.primary().map(|active| active.created_at),
        pending_until: record
            .pending
            .as_ref()
            .map(|pending| pending.expires_at)
            .filter(|&expires_at| now < expires_at),
        backup_codes_remaining: record.backup_codes_remaining(),
        codes: match policy.gate(record, Via::Code, record_odds(policy, record), now) {
            Ok(()) => Throttling::Open,
            Err(Refusal::Throttled(_, until)) => Throttling::Until(until),
            Err(_) => Throttling::Locked,
        },
        backup_codes: throttling(policy.backup_throttle().gate(&record.backup_throttle, now)),
        code_failures: record.code_throttle.failures,
        backup_failures: record.backup_throttle.failures,
        failed_attempts: record.since_success.failures,
        last_sign_in_at: record.since_success.last_at,
        guesses_left: record.is_enabled().then(|| {
            let cost = record_odds(policy, record);
            policy.guessing_budget().left(&record.budget, cost, now)
        }),
        drift: record.primary().map(|active| active.drift),
        epoch: record.epoch,
    }
}
