//! Verify and consume: an authenticator code or a backup code, with replay refusal, learned
//! drift and throttling.

use alloc::sync::Arc;

use super::outcome::{Refusal, Verified, Via};
use super::{Decision, Policy, clear_throttles, refuse};
use crate::backup::{BackupError, CodeHasher, HashMemo};
use crate::otp::{Code, Match, OtpError};
use crate::record::Opened;

/// Which kind of code the caller expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Told apart by shape: the authenticator's digit count, else the backup-code format.
    Any,
    /// An authenticator code only.
    Code,
    /// A backup code only.
    BackupCode,
}

/// One attempt: what was typed, what it should be, and how to hash it if it is a backup code.
/// The memo keeps the backup code's hash across the retries of the attempt.
pub(crate) struct Proof<'a, H: ?Sized> {
    pub(crate) input: &'a str,
    pub(crate) expect: Expect,
    pub(crate) hasher: &'a H,
    pub(crate) memo: &'a mut HashMemo,
}

/// Verifies and consumes: the decision of a login.
pub(crate) fn verify<H: CodeHasher + ?Sized>(
    record: Option<Opened>,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Decision<Verified> {
    match record {
        Some(record) => accept(record, proof, now, policy),
        None => refuse(Refusal::NotEnrolled),
    }
}

/// The rules of one attempt, for a login or as the proof of a change. On success, the step or
/// the backup code is spent and both throttles cleared; on a counted failure, the failure is
/// counted; otherwise nothing is to be written.
///
/// 1. No confirmed authenticator: [`Refusal::NotEnrolled`] (a pending one does not count).
/// 2. The path is chosen by [`Expect`]; input of neither shape is [`Refusal::Malformed`], not
///    counted.
/// 3. The path's throttle is consulted before the code is looked at: a refusal while throttled
///    or locked is not counted and writes nothing.
/// 4. An authenticator code is checked over the window centred on the learned drift, refusing
///    the last accepted step and every earlier one (RFC 6238 §5.2); a replay is reported as
///    such and not counted (whoever has the code learned nothing by guessing). A backup code is
///    hashed once (per set) and compared with every stored hash; a used one is a replay.
/// 5. Success spends the step (or marks the backup code used), learns the drift (clamped), and
///    clears both paths' counters; a wrong code counts one failure on its path.
pub(crate) fn accept<H: CodeHasher + ?Sized>(
    record: Opened,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Decision<Verified> {
    let path = match classify(&record, proof) {
        Ok(path) => path,
        Err(refusal) => return refuse(refusal),
    };
    let via = match path {
        Path::Code(_) => Via::Code,
        Path::BackupCode => Via::BackupCode,
    };
    if let Err(refusal) = policy.gate(&record, via, now) {
        return refuse(refusal);
    }
    match path {
        Path::Code(code) => accept_code(record, &code, now, policy),
        Path::BackupCode => accept_backup(record, proof, now, policy),
    }
}

/// The path an attempt takes, with the code already read for the authenticator-code path.
enum Path {
    Code(Code),
    BackupCode,
}

fn classify<H: CodeHasher + ?Sized>(record: &Opened, proof: &Proof<'_, H>) -> Result<Path, Refusal> {
    let active = record.primary().ok_or(Refusal::NotEnrolled)?;
    let code = Code::parse(proof.input, active.params.digits());
    let backup_shape = || {
        record
            .backup
            .as_ref()
            .is_some_and(|set| set.has_code_shape(proof.input))
    };
    match (proof.expect, code) {
        (Expect::Code | Expect::Any, Ok(code)) => Ok(Path::Code(code)),
        (Expect::Code, Err(_)) => Err(Refusal::Malformed),
        (Expect::BackupCode, _) if record.backup.is_some() => Ok(Path::BackupCode),
        (Expect::BackupCode, _) => Err(Refusal::NoBackupCodes),
        (Expect::Any, Err(_)) if backup_shape() => Ok(Path::BackupCode),
        (Expect::Any, Err(_)) => Err(Refusal::Malformed),
    }
}

fn accept_code(record: Opened, code: &Code, now: u64, policy: &Policy) -> Decision<Verified> {
    let Some(active) = record.primary() else {
        return refuse(Refusal::NotEnrolled);
    };
    let checked = active
        .secret
        .totp
        .verify_code(code, now, policy.window(), active.drift, active.last_step);
    check_code(record, checked, now, policy, |mut record, found| {
        spend_step(&mut record, found, now, policy);
        let verified = Verified {
            via: Via::Code,
            matched: Some(found),
            backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
            epoch: record.epoch,
        };
        (Ok(verified), Some(record))
    })
}

/// What checking an authenticator code came to, for every flow that checks one (a login, a
/// confirmation, a resynchronisation): a match goes on with `then`; a wrong code counts a
/// failure on the code path and is written; a replay, malformed input or a clock error is
/// refused with nothing written.
pub(super) fn check_code<T>(
    mut record: Opened,
    checked: Result<Match, OtpError>,
    now: u64,
    policy: &Policy,
    then: impl FnOnce(Opened, Match) -> Decision<T>,
) -> Decision<T> {
    match checked {
        Ok(found) => then(record, found),
        Err(OtpError::Mismatch) => {
            let failed = policy.code_throttle().fail(&mut record.code_throttle, now);
            (Err(Refusal::Wrong(Via::Code, failed)), Some(record))
        }
        Err(OtpError::Replay) => refuse(Refusal::Replay(Via::Code)),
        Err(error @ (OtpError::BeforeT0 { .. } | OtpError::BeforeUnixEpoch)) => refuse(Refusal::Time(error)),
        Err(_) => refuse(Refusal::Malformed),
    }
}

/// A matched code of the first authenticator: its step is spent (with every earlier one), its
/// drift learned (clamped), its use recorded, and both throttles cleared.
pub(super) fn spend_step(record: &mut Opened, found: Match, now: u64, policy: &Policy) {
    if let Some(active) = record.primary_mut() {
        active.last_step = Some(found.step());
        active.drift = policy.clamp_drift(found.drift());
        active.last_used_at = Some(now);
    }
    clear_throttles(record);
}

fn accept_backup<H: CodeHasher + ?Sized>(
    mut record: Opened,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Decision<Verified> {
    let Some(set) = record.backup.as_mut() else {
        return refuse(Refusal::NoBackupCodes);
    };
    // The set may be shared with the store's copy: it is copied here, and the copy written
    // only if the code was spent.
    match Arc::make_mut(set).spend(proof.input, proof.hasher, proof.memo, now) {
        Ok(_) => {
            clear_throttles(&mut record);
            let verified = Verified {
                via: Via::BackupCode,
                matched: None,
                backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
                epoch: record.epoch,
            };
            (Ok(verified), Some(record))
        }
        Err(BackupError::Mismatch) => {
            let failed = policy.backup_throttle().fail(&mut record.backup_throttle, now);
            (Err(Refusal::Wrong(Via::BackupCode, failed)), Some(record))
        }
        Err(BackupError::Used) => refuse(Refusal::Replay(Via::BackupCode)),
        Err(error) if error.is_malformed() => refuse(Refusal::Malformed),
        // What else the lookup gives is the hasher's failure.
        Err(error) => refuse(Refusal::Hash(error)),
    }
}
