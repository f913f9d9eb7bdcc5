//! Verify and consume: an authenticator code or a backup code, with replay refusal, learned
//! drift and throttling.

use alloc::sync::Arc;

use super::outcome::{Refusal, Verified, Via};
use super::throttle::Gate;
use super::{InPlace, Policy, clear_throttles};
use crate::backup::HashMemo;
use crate::backup::{BackupError, CodeHasher};
use crate::otp::{Code, OtpError};
use crate::record::Active;
use crate::record::Record;

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

/// Verifies and consumes: the decision of a login, made on the record in place.
pub(crate) fn verify<H: CodeHasher + ?Sized>(
    record: Option<&mut Record>,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> InPlace<Verified> {
    let Some(record) = record else {
        return (Err(Refusal::NotEnrolled), false);
    };
    match accept(record, proof, now, policy) {
        Attempt::Accepted(verified) => (Ok(verified), true),
        Attempt::Refused(refusal, changed) => (Err(refusal), changed),
    }
}

/// What one attempt came to; the record was changed in place.
pub(crate) enum Attempt {
    /// Accepted: the code is spent and the counters cleared in the record.
    Accepted(Verified),
    /// Refused: why, and whether the record is to be written (a counted failure). A refusal that
    /// is not to be written may still have left changes in the record (a backup code marked
    /// before the marking failed): the caller discards the record then, never writes it.
    Refused(Refusal, bool),
}

/// The rules of one attempt, for a login or as the proof of a change, applied to the record in
/// place (a record is a couple of hundred bytes, and every move is a copy). On success, the step
/// or the backup code is spent and both throttles cleared; on a counted failure, the failure is
/// counted; otherwise nothing is to be written.
///
/// 1. No active authenticator: [`Refusal::NotEnrolled`] (a pending one does not count).
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
    record: &mut Record,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Attempt {
    let Some(active) = record.active.as_ref() else {
        return Attempt::Refused(Refusal::NotEnrolled, false);
    };
    let path = match classify(record, active, proof) {
        Ok(path) => path,
        Err(refusal) => return Attempt::Refused(refusal, false),
    };
    let (via, throttle, rules) = match path {
        Path::Code(_) => (Via::Code, &record.code_throttle, policy.code_throttle()),
        Path::BackupCode => (Via::BackupCode, &record.backup_throttle, policy.backup_throttle()),
    };
    match rules.gate(throttle, now) {
        Gate::Open => {}
        Gate::Throttled(until) => return Attempt::Refused(Refusal::Throttled(via, until), false),
        Gate::Locked => return Attempt::Refused(Refusal::Locked(via), false),
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

fn classify<H: CodeHasher + ?Sized>(
    record: &Record,
    active: &Active,
    proof: &Proof<'_, H>,
) -> Result<Path, Refusal> {
    let code = Code::parse(proof.input, active.params.digits());
    match (proof.expect, code) {
        (Expect::Code | Expect::Any, Ok(code)) => Ok(Path::Code(code)),
        (Expect::Code, Err(_)) => Err(Refusal::Malformed),
        (Expect::BackupCode, _) if record.backup.is_some() => Ok(Path::BackupCode),
        (Expect::BackupCode, _) => Err(Refusal::NoBackupCodes),
        (Expect::Any, Err(_)) => {
            if record
                .backup
                .as_ref()
                .is_some_and(|set| set.has_code_shape(proof.input))
            {
                Ok(Path::BackupCode)
            } else {
                Err(Refusal::Malformed)
            }
        }
    }
}

fn accept_code(record: &mut Record, code: &Code, now: u64, policy: &Policy) -> Attempt {
    let Some(active) = record.active.as_mut() else {
        return Attempt::Refused(Refusal::NotEnrolled, false);
    };
    let Some(totp) = active.secret.totp() else {
        return Attempt::Refused(Refusal::Sealed, false);
    };
    let checked = totp.verify_code(code, now, policy.window(), active.drift, active.last_step);
    match checked {
        Ok(found) => {
            active.last_step = Some(found.step());
            active.drift = policy.clamp_drift(found.drift());
            clear_throttles(record);
            let verified = Verified {
                via: Via::Code,
                matched: Some(found),
                backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
                epoch: record.epoch,
            };
            Attempt::Accepted(verified)
        }
        Err(OtpError::Mismatch) => {
            let failed = policy.code_throttle().fail(&mut record.code_throttle, now);
            Attempt::Refused(Refusal::Wrong(Via::Code, failed), true)
        }
        Err(OtpError::Replay) => Attempt::Refused(Refusal::Replay(Via::Code), false),
        Err(error @ (OtpError::BeforeT0 { .. } | OtpError::BeforeUnixEpoch)) => {
            Attempt::Refused(Refusal::Time(error), false)
        }
        Err(_) => Attempt::Refused(Refusal::Malformed, false),
    }
}

fn accept_backup<H: CodeHasher + ?Sized>(
    record: &mut Record,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Attempt {
    let Some(set) = record.backup.as_ref() else {
        return Attempt::Refused(Refusal::NoBackupCodes, false);
    };
    match set.verify_with_memo(proof.input, proof.hasher, proof.memo) {
        Ok(index) => {
            // The set is shared with the store's copy: it is copied here, where it changes.
            let marked = record
                .backup
                .as_mut()
                .map(|set| Arc::make_mut(set).mark_used(index, now));
            if !matches!(marked, Some(Ok(()))) {
                // `verify_with_memo` returns only an unused code's index.
                return Attempt::Refused(Refusal::Replay(Via::BackupCode), false);
            }
            clear_throttles(record);
            let verified = Verified {
                via: Via::BackupCode,
                matched: None,
                backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
                epoch: record.epoch,
            };
            Attempt::Accepted(verified)
        }
        Err(BackupError::Mismatch) => {
            let failed = policy.backup_throttle().fail(&mut record.backup_throttle, now);
            Attempt::Refused(Refusal::Wrong(Via::BackupCode, failed), true)
        }
        Err(BackupError::Used) => Attempt::Refused(Refusal::Replay(Via::BackupCode), false),
        Err(error) if error.is_malformed() => Attempt::Refused(Refusal::Malformed, false),
        // What else the lookup gives is the hasher's failure.
        Err(error) => Attempt::Refused(Refusal::Hash(error), false),
    }
}
