//! Resynchronisation: two consecutive codes re-centre the window on a clock that drifted far.

use super::outcome::{Refusal, Via};
use super::throttle::Gate;
use super::{Decision, Policy, clear_throttles};
use crate::otp::{Match, OtpError};
use crate::record::Record;

/// Searches ±[`Policy::max_drift`] steps around the current step for `first` immediately
/// followed by `second` (RFC 6238 §6, RFC 4226 §7.4), refusing spent steps. On success the
/// second code's step is spent, its drift (clamped) becomes the user's learned drift, and both
/// throttles are cleared. The attempt is one attempt on the authenticator-code path: throttled
/// like a login, and a pair that matches nowhere counts one failure.
pub(crate) fn resync(
    record: Option<Record>,
    first: &str,
    second: &str,
    now: u64,
    policy: &Policy,
) -> Decision<Match> {
    let Some(mut record) = record else {
        return (Err(Refusal::NotEnrolled), None);
    };
    let Some(active) = record.active.as_ref() else {
        return (Err(Refusal::NotEnrolled), None);
    };
    match policy.code_throttle().gate(&record.code_throttle, now) {
        Gate::Open => {}
        Gate::Throttled(until) => return (Err(Refusal::Throttled(Via::Code, until)), None),
        Gate::Locked => return (Err(Refusal::Locked(Via::Code)), None),
    }
    let Some(totp) = active.secret.totp() else {
        return (Err(Refusal::Sealed), None);
    };
    let checked = totp.resync(first, second, now, policy.max_drift(), active.last_step);
    match checked {
        Ok(found) => {
            if let Some(active) = record.active.as_mut() {
                active.last_step = Some(found.step());
                active.drift = policy.clamp_drift(found.drift());
            }
            clear_throttles(&mut record);
            (Ok(found), Some(record))
        }
        Err(OtpError::Mismatch) => {
            let failed = policy.code_throttle().fail(&mut record.code_throttle, now);
            (Err(Refusal::Wrong(Via::Code, failed)), Some(record))
        }
        Err(OtpError::Replay) => (Err(Refusal::Replay(Via::Code)), None),
        Err(error @ (OtpError::BeforeT0 { .. } | OtpError::BeforeUnixEpoch)) => {
            (Err(Refusal::Time(error)), None)
        }
        Err(_) => (Err(Refusal::Malformed), None),
    }
}
