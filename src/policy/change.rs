//! Changes to the second factor — disable, regenerate backup codes — each proven with a valid
//! current code (or backup code), and each moving the credential epoch. And the administrator's
//! unlock.

use alloc::sync::Arc;

use super::outcome::{Refusal, Verified};
use super::verify::{Proof, accept};
use super::{Decision, Policy, clear_throttles, move_epoch, refuse};
use crate::backup::{BackupCodeSet, BackupError, CodeHasher};
use crate::record::Opened;
use crate::record::Throttle;

/// Disables the second factor, proven by `proof` under the rules of a login (throttling,
/// replay, a wrong proof counted on its path). The record stays, with no active or pending
/// authenticator and no backup codes, and its epoch moves on: sessions keyed on the old epoch
/// end, and a later enrollment continues the sequence.
pub(crate) fn disable<H: CodeHasher + ?Sized>(
    record: Option<Opened>,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Decision<Verified> {
    let Some(record) = record else {
        return refuse(Refusal::NotEnrolled);
    };
    match accept(record, proof, now, policy) {
        (Ok(mut verified), Some(mut new)) => {
            new.authenticators.clear();
            new.pending = None;
            new.backup = None;
            // A challenge issued before guards no code step any more.
            new.challenge = None;
            move_epoch(&mut new);
            verified.epoch = new.epoch;
            verified.backup_codes_remaining = 0;
            (Ok(verified), Some(new))
        }
        refused => refused,
    }
}

/// Replaces the backup codes with the set `make_backup` gives (called only once the proof is
/// accepted), proven by `proof` as for [`disable`]. The old codes stop working with this write,
/// and the epoch moves on (NIST SP 800-63B-4: replacing the codes notifies the user).
pub(crate) fn regenerate<H, F>(
    record: Option<Opened>,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
    make_backup: F,
) -> Decision<Verified>
where
    H: CodeHasher + ?Sized,
    F: FnOnce() -> Result<BackupCodeSet, BackupError>,
{
    let Some(record) = record else {
        return refuse(Refusal::NotEnrolled);
    };
    match accept(record, proof, now, policy) {
        (Ok(mut verified), Some(mut new)) => {
            let set = match make_backup() {
                Ok(set) => set,
                // Nothing is written: the proof is not spent.
                Err(error) => return refuse(Refusal::Generate(error)),
            };
            verified.backup_codes_remaining = set.remaining();
            new.backup = Some(Arc::new(set));
            move_epoch(&mut new);
            verified.epoch = new.epoch;
            (Ok(verified), Some(new))
        }
        refused => refused,
    }
}

/// Clears both paths' failure counters, delays and locks: an administrator's reset, after
/// checking the user's identity some other way. The outcome says whether anything changed.
pub(crate) fn unlock(record: Option<Opened>) -> Decision<bool> {
    let Some(mut record) = record else {
        return refuse(Refusal::NotEnrolled);
    };
    let cleared = Throttle::default();
    if record.code_throttle == cleared && record.backup_throttle == cleared {
        return (Ok(false), None);
    }
    clear_throttles(&mut record);
    (Ok(true), Some(record))
}
