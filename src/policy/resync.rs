//! Resynchronisation: two consecutive codes re-centre the window on a clock that drifted far.

use super::outcome::{Refusal, Via};
use super::verify::{best_of, check_code, spend_step};
use super::{Decision, Policy, refuse};
use crate::otp::Match;
use crate::record::Opened;

/// Searches ±[`Policy::max_drift`] steps around the current step for `first` immediately
/// followed by `second` (RFC 6238 §6, RFC 4226 §7.4), refusing spent steps. On success the
/// second code's step is spent, its drift (clamped) becomes the user's learned drift, and both
/// throttles are cleared. Every authenticator of the user is searched, in full; the first whose
/// codes the pair is resynchronises. The attempt is one attempt on the authenticator-code path:
/// throttled like a login, and a pair that matches nowhere counts one failure.
pub(crate) fn resync(
    record: Option<Opened>,
    first: &str,
    second: &str,
    now: u64,
    policy: &Policy,
) -> Decision<Match> {
    let Some(record) = record else {
        return refuse(Refusal::NotEnrolled);
    };
    if !record.is_enabled() {
        return refuse(Refusal::NotEnrolled);
    }
    if let Err(refusal) = policy.gate(&record, Via::Code, now) {
        return refuse(refusal);
    }
    let checked = best_of(record.authenticators.iter().map(|authenticator| {
        let last_step = authenticator.last_step;
        authenticator
            .secret
            .totp
            .resync(first, second, now, policy.max_drift(), last_step)
    }));
    check_code(record, checked, now, policy, |mut record, (index, found)| {
        spend_step(&mut record, index, found, now, policy);
        (Ok(found), Some(record))
    })
}
