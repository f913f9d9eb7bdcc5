//! The login challenge's rules: one current nonce per user, spent by the login it guards.

use subtle::ConstantTimeEq;

use super::{Decision, Proof, Refusal, refuse, verify};
use crate::backup::CodeHasher;
use crate::challenge::ChallengeError;
use crate::otp::Match;
use crate::policy::{Policy, Verified};
use crate::record::{Opened, Record};

/// Makes `nonce` the user's current challenge; any older one stops working. Only a user with an
/// active second factor has a code step to guard.
pub(crate) fn issue(record: Option<Opened>, nonce: [u8; Record::NONCE_LEN]) -> Decision<()> {
    match record {
        Some(mut record) if record.is_enabled() => {
            record.challenge = Some(nonce);
            (Ok(()), Some(record))
        }
        _ => refuse(Refusal::NotEnrolled),
    }
}

/// [`verify`] behind a challenge: see [`behind`].
pub(crate) fn verify_with<H: CodeHasher + ?Sized>(
    record: Option<Opened>,
    nonce: &[u8; Record::NONCE_LEN],
    proof: &mut Proof<'_, H>,
    now: u64,
    rules: &Policy,
) -> Decision<Verified> {
    behind(record, nonce, |record| verify(record, proof, now, rules))
}

/// [`resync`](super::resync) behind a challenge: see [`behind`].
pub(crate) fn resync_with(
    record: Option<Opened>,
    nonce: &[u8; Record::NONCE_LEN],
    codes: (&str, &str),
    now: u64,
    rules: &Policy,
) -> Decision<(Match, u32, i64)> {
    behind(record, nonce, |record| {
        super::resync(record, codes.0, codes.1, now, rules)
    })
}

/// `decide` behind a login challenge: refused unless `nonce` is the record's current one (a
/// used or superseded challenge is told apart, nothing counted), and on success the nonce is
/// spent in the same write that spends the code.
fn behind<T>(
    record: Option<Opened>,
    nonce: &[u8; Record::NONCE_LEN],
    decide: impl FnOnce(Option<Opened>) -> Decision<T>,
) -> Decision<T> {
    if let Some(stored) = &record {
        match &stored.challenge {
            None => return refuse(Refusal::Challenge(ChallengeError::Used)),
            Some(current) if !bool::from(current.ct_eq(nonce)) => {
                return refuse(Refusal::Challenge(ChallengeError::Superseded));
            }
            Some(_) => {}
        }
    }
    match decide(record) {
        (Ok(outcome), Some(mut new)) => {
            new.challenge = None;
            (Ok(outcome), Some(new))
        }
        other => other,
    }
}
