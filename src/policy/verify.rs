//! Verify and consume: an authenticator code or a backup code, with replay refusal, learned
//! drift and throttling.

use alloc::sync::Arc;

use super::budget::record_odds;
use super::outcome::{Refusal, Verified, Via};
use super::{Decision, Policy, refuse, succeed};
use crate::backup::{BackupError, CodeHasher, HashMemo};
use crate::otp::{Code, Match, OtpError};
use crate::record::{Opened, SinceSuccess};

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
        Some(record) => match accept(record, proof, now, policy) {
            (Ok(verified), Some(mut new)) => {
                signed_in(&mut new, now);
                (Ok(verified), Some(new))
            }
            other => other,
        },
        None => refuse(Refusal::NotEnrolled),
    }
}

/// A sign-in ends the count of failures the user is told of (a proof for a change, given on a
/// page the user reached by signing in, does not: its count runs on to the next sign-in).
fn signed_in(record: &mut Opened, now: u64) {
    record.since_success = SinceSuccess {
        failures: 0,
        last_at: Some(now),
    };
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
/// 4. An authenticator code is checked against every authenticator of the user, each over its
///    window centred on its learned drift, refusing its last accepted step and every earlier one
///    (RFC 6238 §5.2); a replay is reported as such and not counted (whoever has the code
///    learned nothing by guessing). Every candidate of every authenticator is computed and
///    compared, whatever matches: the cost is (authenticators × window) codes. A backup code is
///    hashed once (per set) and compared with every stored hash; a used one is a replay.
/// 5. Success spends the step of the authenticator that matched (or marks the backup code
///    used), learns its drift (clamped), and clears both paths' counters; a wrong code counts one
///    failure on its path, once, however many authenticators it was compared with.
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
        Path::Code => Via::Code,
        Path::BackupCode => Via::BackupCode,
    };
    let cost = match via {
        Via::Code => record_odds(policy, &record),
        Via::BackupCode => 0,
    };
    if let Err(refusal) = policy.gate(&record, via, cost, now) {
        return refuse(refusal);
    }
    match path {
        Path::Code => accept_code(record, proof.input, now, policy),
        Path::BackupCode => accept_backup(record, proof, now, policy),
    }
}

/// The path an attempt takes.
enum Path {
    Code,
    BackupCode,
}

fn classify<H: CodeHasher + ?Sized>(record: &Opened, proof: &Proof<'_, H>) -> Result<Path, Refusal> {
    if !record.is_enabled() {
        return Err(Refusal::NotEnrolled);
    }
    // A code if it has the shape of any authenticator's codes (their digit counts may differ).
    let code = match record
        .authenticators
        .iter()
        .any(|authenticator| Code::parse(proof.input, authenticator.params.digits()).is_ok())
    {
        true => Ok(()),
        false => Err(()),
    };
    let backup_shape = || {
        record
            .backup
            .as_ref()
            .is_some_and(|set| set.has_code_shape(proof.input))
    };
    match (proof.expect, code) {
        (Expect::Code | Expect::Any, Ok(())) => Ok(Path::Code),
        (Expect::Code, Err(_)) => Err(Refusal::Malformed),
        (Expect::BackupCode, _) if record.backup.is_some() => Ok(Path::BackupCode),
        (Expect::BackupCode, _) => Err(Refusal::NoBackupCodes),
        (Expect::Any, Err(_)) if backup_shape() => Ok(Path::BackupCode),
        (Expect::Any, Err(_)) => Err(Refusal::Malformed),
    }
}

fn accept_code(record: Opened, input: &str, now: u64, policy: &Policy) -> Decision<Verified> {
    let checked = best_of(record.authenticators.iter().map(|authenticator| {
        let code = Code::parse(input, authenticator.params.digits())?;
        let (drift, last_step) = (authenticator.drift, authenticator.last_step);
        authenticator
            .secret
            .totp
            .verify_code(&code, now, policy.window(), drift, last_step)
    }));
    let cost = record_odds(policy, &record);
    check_code(
        record,
        checked,
        cost,
        now,
        policy,
        |mut record, (index, found)| {
            let (id, before) = spend_step(&mut record, index, found, now, policy);
            let verified = Verified {
                via: Via::Code,
                matched: Some(found),
                authenticator: id,
                backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
                epoch: record.epoch,
                failed_attempts: before.failures,
                previous_sign_in_at: before.last_at,
            };
            (Ok(verified), Some(record))
        },
    )
}

/// The outcome of checking one code against several authenticators, each checked in full
/// (`checks` is consumed to its end, whatever an early one gave): the first match with the index
/// of its authenticator; else a replay if any authenticator saw one; else a clock error; else a
/// mismatch; else (input that is a code for none of them) the first malformed-input error.
pub(super) fn best_of(
    checks: impl Iterator<Item = Result<Match, OtpError>>,
) -> Result<(usize, Match), OtpError> {
    const fn rank<T>(checked: &Result<T, OtpError>) -> u8 {
        match checked {
            Ok(_) => 4,
            Err(OtpError::Replay) => 3,
            Err(OtpError::BeforeT0 { .. } | OtpError::BeforeUnixEpoch) => 2,
            Err(OtpError::Mismatch) => 1,
            Err(_) => 0,
        }
    }
    let mut best = None;
    for (index, checked) in checks.enumerate() {
        let checked = checked.map(|found| (index, found));
        if best.as_ref().is_none_or(|best| rank(&checked) > rank(best)) {
            best = Some(checked);
        }
    }
    best.unwrap_or(Err(OtpError::Mismatch))
}

/// What checking an authenticator code came to, for every flow that checks one (a login, a
/// confirmation, a resynchronisation): a match goes on with `then`; a wrong code counts a
/// failure on the code path (spending `cost` of the guessing budget) and is written; a replay,
/// malformed input or a clock error is refused with nothing written.
pub(super) fn check_code<T, F>(
    mut record: Opened,
    checked: Result<F, OtpError>,
    cost: u64,
    now: u64,
    policy: &Policy,
    then: impl FnOnce(Opened, F) -> Decision<T>,
) -> Decision<T> {
    match checked {
        Ok(found) => then(record, found),
        Err(OtpError::Mismatch) => {
            let failed = policy.fail(&mut record, Via::Code, cost, now);
            (Err(Refusal::Wrong(Via::Code, failed)), Some(record))
        }
        Err(OtpError::Replay) => refuse(Refusal::Replay(Via::Code)),
        Err(error @ (OtpError::BeforeT0 { .. } | OtpError::BeforeUnixEpoch)) => refuse(Refusal::Time(error)),
        Err(_) => refuse(Refusal::Malformed),
    }
}

/// A matched code of authenticator `index`: its step is spent (with every earlier one), its
/// drift learned (clamped), its use recorded, and both throttles cleared ([`succeed`]).
/// Returns its id and the failures since the last sign-in.
pub(super) fn spend_step(
    record: &mut Opened,
    index: usize,
    found: Match,
    now: u64,
    policy: &Policy,
) -> (Option<u32>, SinceSuccess) {
    let id = record.authenticators.get_mut(index).map(|authenticator| {
        authenticator.last_step = Some(found.step());
        authenticator.drift = policy.clamp_drift(found.drift());
        authenticator.last_used_at = Some(now);
        authenticator.id
    });
    (id, succeed(record))
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
    let owner = Arc::clone(&record.user);
    match Arc::make_mut(set).spend(&owner, proof.input, proof.hasher, proof.memo, now) {
        Ok(_) => {
            let before = succeed(&mut record);
            let verified = Verified {
                via: Via::BackupCode,
                matched: None,
                authenticator: None,
                backup_codes_remaining: record.backup_codes_remaining().unwrap_or(0),
                epoch: record.epoch,
                failed_attempts: before.failures,
                previous_sign_in_at: before.last_at,
            };
            (Ok(verified), Some(record))
        }
        Err(BackupError::Mismatch) => {
            let failed = policy.fail(&mut record, Via::BackupCode, 0, now);
            (Err(Refusal::Wrong(Via::BackupCode, failed)), Some(record))
        }
        Err(BackupError::Used) => refuse(Refusal::Replay(Via::BackupCode)),
        Err(error) if error.is_malformed() => refuse(Refusal::Malformed),
        // What else the lookup gives is the hasher's failure.
        Err(error) => refuse(Refusal::Hash(error)),
    }
}
