//! The login challenge's rules: one current nonce per user, spent by the login it guards.

use subtle::ConstantTimeEq;

use super::{Decision, Proof, Refusal, refuse, verify};
use crate::backup::CodeHasher;
use crate::challenge::ChallengeError;
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

/// [`verify`] behind a challenge: refused unless `nonce` is the record's current one, and on
/// success the nonce is spent in the same write that spends the code.
pub(crate) fn verify_with<H: CodeHasher + ?Sized>(
    record: Option<Opened>,
    nonce: &[u8; Record::NONCE_LEN],
    proof: &mut Proof<'_, H>,
    now: u64,
    rules: &Policy,
) -> Decision<Verified> {
    if let Some(stored) = &record {
        match &stored.challenge {
            None => return refuse(Refusal::Challenge(ChallengeError::Used)),
            Some(current) if !bool::from(current.ct_eq(nonce)) => {
                return refuse(Refusal::Challenge(ChallengeError::Superseded));
            }
            Some(_) => {}
        }
    }
    match verify(record, proof, now, rules) {
        (Ok(verified), Some(mut new)) => {
            new.challenge = None;
            (Ok(verified), Some(new))
        }
        other => other,
    }
}
