//! Enrollment: a pending secret that becomes active only when a valid code confirms it.

use alloc::string::String;
use alloc::sync::Arc;

use super::budget::code_odds;
use super::outcome::{Refusal, Via};
use super::verify::check_code;
use super::{Decision, Policy, move_epoch, refuse, succeed};
use crate::backup::{BackupCodeSet, BackupError};
use crate::otp::{Code, Match, TotpParams};
use crate::record::Opened;
use crate::record::{Pending, PlainSecret};
use crate::secret::Secret;

/// Begins an enrollment: `secret` becomes the user's pending secret, expiring `enrollment_ttl`
/// seconds from `now`; a pending one is replaced. The outcome is the expiry time.
///
/// A user with an active authenticator is refused ([`Refusal::AlreadyEnabled`]): replacing the
/// second factor requires proving the current one first, by disabling it with a valid code
/// (OWASP ASVS 5.0: changing the second factor requires the current one). `record` is `None` for
/// a user with no record yet: a new one is made for `user`.
pub(crate) fn begin(
    record: Option<Opened>,
    user: &str,
    secret: &Secret,
    params: TotpParams,
    now: u64,
    policy: &Policy,
) -> Decision<u64> {
    if record.as_ref().is_some_and(Opened::is_enabled) {
        return refuse(Refusal::AlreadyEnabled);
    }
    let mut new = record.unwrap_or_else(|| Opened::new(user));
    let expires_at = now.saturating_add(policy.enrollment_ttl());
    new.pending = Some(Pending {
        label: String::new(),
        secret: PlainSecret::new(secret.clone(), params),
        params,
        expires_at,
    });
    (Ok(expires_at), Some(new))
}

/// What a confirmation made: the matched step, the new authenticator's id and label, and
/// whether it was the user's first (which made the first backup codes).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Confirmation {
    pub(crate) matched: Match,
    pub(crate) id: u32,
    pub(crate) label: String,
    pub(crate) first: bool,
}

/// Confirms the pending enrollment with a code from the new authenticator: the user's first, or
/// one being added ([`begin_adding`](super::begin_adding)).
///
/// The code is checked like a login code (window, authenticator-code throttle) against the
/// pending secret. On success the pending secret becomes an authenticator with the matched step
/// already spent — so the confirming code cannot also log in — and its drift learned; for the
/// first authenticator `make_backup` (called only then) gives the first backup-code set, an
/// added one keeps the user's set; the epoch moves and both throttles are cleared. A wrong code
/// counts a failure; an expired enrollment is refused and stays as it is until a new one
/// replaces it; a user who reached [`Policy::max_authenticators`] since is refused.
pub(crate) fn confirm<F>(
    record: Option<Opened>,
    input: &str,
    now: u64,
    policy: &Policy,
    make_backup: F,
) -> Decision<Confirmation>
where
    F: FnOnce() -> Result<BackupCodeSet, BackupError>,
{
    let Some(record) = record else {
        return refuse(Refusal::NoPendingEnrollment);
    };
    if record.authenticators.len() >= policy.max_authenticators() {
        return refuse(Refusal::TooManyAuthenticators(policy.max_authenticators()));
    }
    let Some(pending) = record.pending.as_ref() else {
        return refuse(Refusal::NoPendingEnrollment);
    };
    if now >= pending.expires_at {
        return refuse(Refusal::EnrollmentExpired);
    }
    let cost = code_odds(policy, [&pending.params]);
    if let Err(refusal) = policy.gate(&record, Via::Code, cost, now) {
        return refuse(refusal);
    }
    let Ok(code) = Code::parse(input, pending.params.digits()) else {
        return refuse(Refusal::Malformed);
    };
    let checked = pending
        .secret
        .totp
        .verify_code(&code, now, policy.window(), 0, None);
    check_code(record, checked, cost, now, policy, |mut record, found: Match| {
        let first = !record.is_enabled();
        if first {
            match make_backup() {
                Ok(set) => record.backup = Some(Arc::new(set)),
                Err(error) => return refuse(Refusal::Generate(error)),
            }
        }
        let Some(Pending {
            label,
            secret,
            params,
            ..
        }) = record.pending.take()
        else {
            return refuse(Refusal::NoPendingEnrollment);
        };
        let learned = (found.step(), policy.clamp_drift(found.drift()));
        let id = record.add_authenticator(label.clone(), secret, params, Some(learned), now);
        move_epoch(&mut record);
        succeed(&mut record);
        let confirmation = Confirmation {
            matched: found,
            id,
            label,
            first,
        };
        (Ok(confirmation), Some(record))
    })
}
