//! Verify and consume: an authenticator code or a backup code, with replay refusal, learned
//! drift and throttling.

use alloc::sync::Arc;

use super::outcome::{Refusal, Verified, Via};
use super::throttle::Gate;
use super::{Decision, Policy, clear_throttles};
use crate::backup::HashMemo;
use crate::record::Active;
use crate::{BackupVerifyError, Code, CodeHasher, Record, VerifyError};

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
    record: Option<Record>,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Decision<Verified> {
    match accept(record, proof, now, policy) {
        Attempt::Accepted(verified, new) => (Ok(verified), Some(new)),
        Attempt::Refused(refusal, new) => (Err(refusal), new),
    }
}

/// What one attempt came to.
pub(crate) enum Attempt {
    /// Accepted: the record with the code spent and the counters cleared.
    Accepted(Verified, Record),
    /// Refused: why, and the record to write if the refusal changed it (a counted failure).
    Refused(Refusal, Option<Record>),
}

/// The rules of one attempt, for a login or as the proof of a change. On success, the record
/// with the step or the backup code spent and both throttles cleared; on a counted failure, the
/// record with the failure counted; otherwise nothing to write. The record is taken by value:
/// a decision that writes changes it in place rather than copying it.
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
    record: Option<Record>,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Attempt {
    let Some(record) = record else {
        return Attempt::Refused(Refusal::NotEnrolled, None);
    };
    let Some(active) = record.active.as_ref() else {
        return Attempt::Refused(Refusal::NotEnrolled, None);
    };
    let path = match classify(&record, active, proof) {
        Ok(path) => path,
        Err(refusal) => return Attempt::Refused(refusal, None),
    };
    let (via, throttle, rules) = match path {
        Path::Code(_) => (Via::Code, &record.code_throttle, policy.code_throttle()),
        Path::BackupCode => (Via::BackupCode, &record.backup_throttle, policy.backup_throttle()),
    };
    match rules.gate(throttle, now) {
        Gate::Open => {}
        Gate::Throttled(until) => return Attempt::Refused(Refusal::Throttled(via, until), None),
        Gate::Locked => return Attempt::Refused(Refusal::Locked(via), None),
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

fn accept_code(mut record: Record, code: &Code, now: u64, policy: &Policy) -> Attempt {
    let Some(active) = record.active.as_mut() else {
        return Attempt::Refused(Refusal::NotEnrolled, None);
    };
    let Some(totp) = active.secret.totp() else {
        return Attempt::Refused(Refusal::Sealed, None);
    };
    let checked = totp.verify_code(code, now, policy.window(), active.drift, active.last_step);
    match checked {
        Ok(found) => {
            active.last_step = Some(found.step());
            active.drift = policy.clamp_drift(found.drift());
            clear_throttles(&mut record);
            let verified = Verified {
                via: Via::Code,
                matched: Some(found),
                backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
                epoch: record.epoch,
            };
            Attempt::Accepted(verified, record)
        }
        Err(VerifyError::Mismatch) => {
            let failed = policy.code_throttle().fail(&mut record.code_throttle, now);
            Attempt::Refused(Refusal::Wrong(Via::Code, failed), Some(record))
        }
        Err(VerifyError::Replay) => Attempt::Refused(Refusal::Replay(Via::Code), None),
        Err(VerifyError::Malformed(_)) => Attempt::Refused(Refusal::Malformed, None),
        Err(VerifyError::Time(error)) => Attempt::Refused(Refusal::Time(error), None),
    }
}

fn accept_backup<H: CodeHasher + ?Sized>(
    mut record: Record,
    proof: &mut Proof<'_, H>,
    now: u64,
    policy: &Policy,
) -> Attempt {
    let Some(set) = record.backup.as_ref() else {
        return Attempt::Refused(Refusal::NoBackupCodes, None);
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
                return Attempt::Refused(Refusal::Replay(Via::BackupCode), None);
            }
            clear_throttles(&mut record);
            let verified = Verified {
                via: Via::BackupCode,
                matched: None,
                backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
                epoch: record.epoch,
            };
            Attempt::Accepted(verified, record)
        }
        Err(BackupVerifyError::Mismatch) => {
            let failed = policy.backup_throttle().fail(&mut record.backup_throttle, now);
            Attempt::Refused(Refusal::Wrong(Via::BackupCode, failed), Some(record))
        }
        Err(BackupVerifyError::Used) => Attempt::Refused(Refusal::Replay(Via::BackupCode), None),
        Err(BackupVerifyError::Malformed(_)) => Attempt::Refused(Refusal::Malformed, None),
        Err(BackupVerifyError::Hash(error)) => Attempt::Refused(Refusal::Hash(error), None),
    }
}
