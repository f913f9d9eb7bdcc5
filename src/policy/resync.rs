//! Resynchronisation: two consecutive codes re-centre the window on a clock that drifted far.

use super::budget::record_odds;
use super::outcome::{Refusal, Via};
use super::verify::{best_of, check_code, spend_step};
use super::{Decision, Policy, refuse};
use crate::otp::Match;
use crate::record::Opened;

/// Searches up to [`Policy::max_drift`] steps ahead of the current step, and back only as far
/// as the verification window reaches (from the authenticator's learned drift), for `first`
/// immediately followed by `second` (RFC 6238 §6, RFC 4226 §7.4), refusing spent steps. Stale
/// codes — never used, but seen, or typed into a phishing page minutes ago — lie in the past: a
/// pair from further back than a login would accept never resynchronises (slow phone clocks
/// are rare; a fast one shows codes ahead). On success the second code's step is spent, its
/// drift (clamped) becomes the authenticator's learned drift, and both throttles are cleared.
/// The outcome is the match, the authenticator's id and its drift before. Every authenticator of the user is searched, in full; the first whose
/// codes the pair is resynchronises. The attempt is one attempt on the authenticator-code path:
/// throttled like a login, and a pair that matches nowhere counts one failure.
pub(crate) fn resync(
    record: Option<Opened>,
    first: &str,
    second: &str,
    now: u64,
    policy: &Policy,
) -> Decision<(Match, u32, i64)> {
    let Some(record) = record else {
        return refuse(Refusal::NotEnrolled);
    };
    if !record.is_enabled() {
        return refuse(Refusal::NotEnrolled);
    }
    // A pair is charged as one code: far more than its odds (two codes in a row), never less.
    let cost = record_odds(policy, &record);
    if let Err(refusal) = policy.gate(&record, Via::Code, cost, now) {
        return refuse(refusal);
    }
    let checked = best_of(record.authenticators.iter().map(|authenticator| {
        let behind = u32::try_from(authenticator.drift.min(0).unsigned_abs()).unwrap_or(u32::MAX);
        let past = policy.window().past().saturating_add(behind);
        let reach = (past, policy.max_drift());
        let last_step = authenticator.last_step;
        authenticator
            .secret
            .totp
            .resync_within(first, second, now, reach, last_step)
    }));
    check_code(
        record,
        checked,
        cost,
        now,
        policy,
        |mut record, (index, found)| {
            let previous = record.authenticators.get(index).map_or(0, |a| a.drift);
            let id = spend_step(&mut record, index, found, now, policy).0.unwrap_or(0);
            (Ok((found, id, previous)), Some(record))
        },
    )
}
