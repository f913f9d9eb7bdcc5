//! Several authenticators per user: adding one (proven, then confirmed by its own first code
//! through [`confirm`](super::confirm)), renaming, removing (proven), listing; and the support
//! desk's reset.

use alloc::string::String;
use alloc::vec::Vec;

use super::label::check_name;
use super::outcome::{Refusal, Verified};
use super::verify::{Proof, accept};
use super::{Decision, Policy, move_epoch, refuse};
use crate::backup::CodeHasher;
use crate::otp::TotpParams;
use crate::record::{Opened, Pending, PlainSecret, State};
use crate::secret::Secret;

/// One of a user's authenticators, as a settings page lists it: never its secret.
///
/// ```
/// # use twofactor::policy::AuthenticatorInfo;
/// fn row(authenticator: &AuthenticatorInfo) -> String {
///     let used = authenticator.last_used_at.map_or("never used".into(), |at| format!("last used at {at}"));
///     format!("{} ({}), {used}", authenticator.label, authenticator.id)
/// }
/// # let _ = row;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticatorInfo {
    /// Its id, stable for as long as it exists and never reused for the user.
    pub id: u32,
    /// The user's name for it; empty for one enrolled without a name (the first, or one from 0.1).
    pub label: String,
    /// Its algorithm, digits and period.
    pub params: TotpParams,
    /// When it was confirmed (Unix seconds).
    pub created_at: u64,
    /// When a code of it was last accepted.
    pub last_used_at: Option<u64>,
}

/// The user's authenticators, oldest first.
pub(crate) fn list<S>(record: Option<&State<S>>) -> Vec<AuthenticatorInfo> {
    record.map_or_else(Vec::new, |record| {
        record
            .authenticators
            .iter()
            .map(|authenticator| AuthenticatorInfo {
                id: authenticator.id,
                label: authenticator.label.clone(),
                params: authenticator.params,
                created_at: authenticator.created_at,
                last_used_at: authenticator.last_used_at,
            })
            .collect()
    })
}

/// Begins adding an authenticator to a user who has one: the proof — a current code of any of
/// the user's authenticators, or a backup code — is checked and spent under the rules of a login
/// (a wrong one counts), and then `secret` becomes the pending enrollment, named `label`,
/// expiring like a first one; [`confirm`](super::confirm) turns it into an authenticator with
/// its own first code. A pending enrollment is replaced. The outcome is the expiry time.
///
/// Refused before the proof is looked at, with nothing written: a user without an authenticator
/// ([`Refusal::NotEnrolled`]: the first one is a plain enrollment), a label that cannot be kept,
/// a user at [`Policy::max_authenticators`].
pub(crate) fn begin_adding<H: CodeHasher + ?Sized>(
    record: Option<Opened>,
    proof: &mut Proof<'_, H>,
    label: &str,
    secret: &Secret,
    params: TotpParams,
    now: u64,
    policy: &Policy,
) -> Decision<u64> {
    let Some(record) = record.filter(State::is_enabled) else {
        return refuse(Refusal::NotEnrolled);
    };
    let label = match check_name(label) {
        Ok(label) => label,
        Err(problem) => return refuse(Refusal::Label(problem)),
    };
    if record.authenticators.len() >= policy.max_authenticators() {
        return refuse(Refusal::TooManyAuthenticators(policy.max_authenticators()));
    }
    match accept(record, proof, now, policy) {
        (Ok(_), Some(mut new)) => {
            let expires_at = now.saturating_add(policy.enrollment_ttl());
            new.pending = Some(Pending {
                label,
                secret: PlainSecret::new(secret.clone(), params),
                params,
                expires_at,
            });
            (Ok(expires_at), Some(new))
        }
        (Err(refusal), write) => (Err(refusal), write),
        // `accept` writes every success (the proof is spent).
        (Ok(_), None) => refuse(Refusal::NotEnrolled),
    }
}

/// Renames authenticator `id` to `label`: no proof (it changes nothing of the second factor,
/// and the epoch stays). The outcome is the label as kept (trimmed); nothing is written if it
/// was the label already.
pub(crate) fn rename(record: Option<Opened>, id: u32, label: &str) -> Decision<String> {
    let label = match check_name(label) {
        Ok(label) => label,
        Err(problem) => return refuse(Refusal::Label(problem)),
    };
    let Some(mut record) = record else {
        return refuse(Refusal::UnknownAuthenticator(id));
    };
    let Some(authenticator) = record.authenticators.iter_mut().find(|a| a.id == id) else {
        return refuse(Refusal::UnknownAuthenticator(id));
    };
    if authenticator.label == label {
        return (Ok(label), None);
    }
    authenticator.label.clone_from(&label);
    (Ok(label), Some(record))
}

/// Removes authenticator `id`, proven by `proof` as for [`disable`](super::disable) — with a
/// code of any authenticator, the one removed included, or a backup code. Removing the last one
/// is disabling: the backup codes and a pending enrollment go too. The epoch moves. The outcome
/// is the proof's verification and the removed authenticator's label.
pub(crate) fn remove<H: CodeHasher + ?Sized>(
    record: Option<Opened>,
    id: u32,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Decision<(Verified, String)> {
    let Some(record) = record else {
        return refuse(Refusal::UnknownAuthenticator(id));
    };
    if !record.authenticators.iter().any(|a| a.id == id) {
        return refuse(Refusal::UnknownAuthenticator(id));
    }
    match accept(record, proof, now, policy) {
        (Ok(mut verified), Some(mut new)) => {
            let label = take_out(&mut new, id);
            verified.epoch = new.epoch;
            verified.backup_codes_remaining = new.backup_codes_remaining().unwrap_or(0);
            (Ok((verified, label)), Some(new))
        }
        (Err(refusal), write) => (Err(refusal), write),
        // `accept` writes every success (the proof is spent).
        (Ok(_), None) => refuse(Refusal::NotEnrolled),
    }
}

/// Removes authenticator `id` **without a proof**, for an operator (the support desk's removal of
/// one lost authenticator, beside [`reset`] of all of them). As [`remove`] otherwise: removing
/// the last one is disabling; the epoch moves. The outcome is its label and the new epoch.
pub(crate) fn admin_remove(record: Option<Opened>, id: u32) -> Decision<(String, u64)> {
    let Some(mut record) = record.filter(|record| record.authenticators.iter().any(|a| a.id == id)) else {
        return refuse(Refusal::UnknownAuthenticator(id));
    };
    let label = take_out(&mut record, id);
    (Ok((label, record.epoch)), Some(record))
}

/// Takes authenticator `id` out of `record` and returns its label (empty if it has none, or is
/// not there); the last one out takes the backup codes, a pending enrollment and the login
/// challenge with it. The epoch moves.
fn take_out(record: &mut Opened, id: u32) -> String {
    let index = record.authenticators.iter().position(|a| a.id == id);
    let label = index.map(|index| record.authenticators.remove(index).label);
    if record.authenticators.is_empty() {
        record.pending = None;
        record.backup = None;
        record.challenge = None;
    }
    move_epoch(record);
    label.unwrap_or_default()
}

/// The support desk's reset, without a proof, for a user whose identity an operator checked some
/// other way: every authenticator, the pending enrollment, the backup codes, the throttles and the guessing budget, the
/// login challenge and every remembered device go; the epoch moves. The outcome is the new epoch,
/// or `None` if there was nothing to reset (no record, or nothing in it).
pub(crate) fn reset(record: Option<Opened>) -> Decision<Option<u64>> {
    let Some(mut record) = record else {
        return (Ok(None), None);
    };
    let empty = State::<()>::new(&record.user);
    if record.authenticators.is_empty()
        && record.pending.is_none()
        && record.backup.is_none()
        && record.devices.is_empty()
        && record.challenge.is_none()
        && record.code_throttle == empty.code_throttle
        && record.backup_throttle == empty.backup_throttle
        && record.budget == empty.budget
    {
        return (Ok(None), None);
    }
    record.authenticators.clear();
    record.pending = None;
    record.backup = None;
    record.challenge = None;
    record.code_throttle = empty.code_throttle;
    record.backup_throttle = empty.backup_throttle;
    // The new secret the user enrolls next owes nothing to guesses at the old one.
    record.budget = empty.budget;
    move_epoch(&mut record);
    (Ok(Some(record.epoch)), Some(record))
}
