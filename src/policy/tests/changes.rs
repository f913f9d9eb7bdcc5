//! Changes — disable, regenerate backup codes — need a valid current code or backup code, are
//! refused and counted otherwise, and move the credential epoch.

use super::*;
use crate::policy::{Refusal, Via, begin, confirm, disable, regenerate, unlock};

fn proof<'a>(input: &'a str, hasher: &'a HmacHasher, memo: &'a mut HashMemo) -> Proof<'a, HmacHasher> {
    Proof {
        input,
        expect: Expect::Any,
        hasher,
        memo,
    }
}

#[test]
fn disable_with_a_valid_code_clears_everything_but_the_record_and_moves_the_epoch() {
    let mut fx = Fixture::enrolled();
    fx.record.challenge = Some([3; crate::record::Record::NONCE_LEN]);
    let code = fx.code(NOW, 0);
    let mut memo = HashMemo::new();
    let (outcome, new) = disable(
        Some(fx.record.clone()),
        &mut proof(&code, &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
    );
    let verified = outcome.unwrap();
    let new = new.unwrap();
    assert_eq!(
        (verified.via, verified.epoch, verified.backup_codes_remaining),
        (Via::Code, 2, 0)
    );
    assert_eq!(
        (new.user.as_ref(), new.epoch, new.is_enabled()),
        ("alice", 2, false)
    );
    assert!(new.pending.is_none() && new.backup.is_none());
    assert!(
        new.challenge.is_none(),
        "a pending login challenge goes with the second factor"
    );
    assert_eq!(
        fx.login(&new, &fx.code(NOW + 30, 0), NOW + 30).0,
        Err(Refusal::NotEnrolled)
    );
}

#[test]
fn disable_with_a_backup_code_works_and_a_wrong_proof_counts_on_its_path() {
    let fx = Fixture::enrolled();
    let mut memo = HashMemo::new();
    let (outcome, new) = disable(
        Some(fx.record.clone()),
        &mut proof(&fx.codes[1], &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
    );
    assert_eq!(outcome.unwrap().via, Via::BackupCode);
    assert!(!new.unwrap().is_enabled());

    let wrong = fx.wrong_code(NOW);
    let mut memo = HashMemo::new();
    let (outcome, new) = disable(
        Some(fx.record.clone()),
        &mut proof(&wrong, &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
    );
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, _))));
    let new = new.unwrap();
    assert!(new.is_enabled());
    assert_eq!((new.code_throttle.failures, new.epoch), (1, 1));

    let mut memo = HashMemo::new();
    let (outcome, new) = disable(
        Some(fx.record.clone()),
        &mut proof("0000-0000-0000-0000", &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
    );
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::BackupCode, _))));
    assert_eq!(new.unwrap().backup_throttle.failures, 1);
}

#[test]
fn disable_refuses_a_replayed_proof_and_a_user_without_a_factor() {
    let fx = Fixture::enrolled();
    let code = fx.code(NOW, 0);
    let spent = fx.login(&fx.record, &code, NOW).1.unwrap();
    let mut memo = HashMemo::new();
    let decision = disable(
        Some(spent.clone()),
        &mut proof(&code, &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
    );
    assert_eq!(decision, (Err(Refusal::Replay(Via::Code)), None));
    let mut memo = HashMemo::new();
    let decision = disable(None, &mut proof(&code, &fx.hasher, &mut memo), NOW, &fx.policy);
    assert_eq!(decision, (Err(Refusal::NotEnrolled), None));
}

#[test]
fn regenerate_needs_a_proof_replaces_the_set_and_moves_the_epoch() {
    let fx = Fixture::enrolled();
    let wrong = fx.wrong_code(NOW);
    let mut memo = HashMemo::new();
    let mut called = false;
    let (outcome, new) = regenerate(
        Some(fx.record.clone()),
        &mut proof(&wrong, &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
        generator(9, &mut called),
    );
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, _))));
    assert!(!called, "no codes are made for a wrong proof");
    assert_eq!(new.unwrap().backup, fx.record.backup);

    let code = fx.code(NOW, 0);
    let mut memo = HashMemo::new();
    let mut called = false;
    let (outcome, new) = regenerate(
        Some(fx.record.clone()),
        &mut proof(&code, &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
        generator(9, &mut called),
    );
    let verified = outcome.unwrap();
    let new = new.unwrap();
    assert!(called);
    assert_eq!((verified.epoch, verified.backup_codes_remaining), (2, 10));
    assert_eq!(new.epoch, 2);
    // The old codes stop working, the new ones work; the proof's step is spent.
    assert!(matches!(
        fx.login(&new, &fx.codes[0], NOW).0,
        Err(Refusal::Wrong(Via::BackupCode, _))
    ));
    let (fresh, _) = backup_set(9);
    assert!(fx.login(&new, &fresh[0], NOW).0.is_ok());
    assert_eq!(fx.login(&new, &code, NOW).0, Err(Refusal::Replay(Via::Code)));
}

#[test]
fn regenerate_with_a_backup_code_counts_the_new_set_and_a_failed_generator_writes_nothing() {
    let fx = Fixture::enrolled();
    let mut memo = HashMemo::new();
    let mut called = false;
    let (outcome, _) = regenerate(
        Some(fx.record.clone()),
        &mut proof(&fx.codes[2], &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
        generator(4, &mut called),
    );
    assert_eq!(outcome.unwrap().backup_codes_remaining, 10);
    let code = fx.code(NOW, 0);
    let mut memo = HashMemo::new();
    let decision = regenerate(
        Some(fx.record.clone()),
        &mut proof(&code, &fx.hasher, &mut memo),
        NOW,
        &fx.policy,
        || Err(BackupError::Rng),
    );
    assert_eq!(decision, (Err(Refusal::Generate(BackupError::Rng)), None));
}

#[test]
fn every_change_moves_the_epoch_forward_across_re_enrollment() {
    let fx = Fixture::enrolled();
    let (_, record) = begin(None, "alice", &secret(), TotpParams::DEFAULT, NOW, &fx.policy);
    let mut called = false;
    let record = confirm(
        record,
        &fx.code(NOW, 0),
        NOW,
        &fx.policy,
        generator(1, &mut called),
    )
    .1
    .unwrap();
    assert_eq!(record.epoch, 1);
    let at = NOW + 30;
    let code = fx.code(at, 0);
    let mut memo = HashMemo::new();
    let mut called = false;
    let record = regenerate(
        Some(record.clone()),
        &mut proof(&code, &fx.hasher, &mut memo),
        at,
        &fx.policy,
        generator(2, &mut called),
    )
    .1
    .unwrap();
    assert_eq!(record.epoch, 2);
    let at = NOW + 60;
    let code = fx.code(at, 0);
    let mut memo = HashMemo::new();
    let record = disable(
        Some(record.clone()),
        &mut proof(&code, &fx.hasher, &mut memo),
        at,
        &fx.policy,
    )
    .1
    .unwrap();
    assert_eq!(record.epoch, 3);
    let (_, record) = begin(
        Some(record.clone()),
        "alice",
        &secret(),
        TotpParams::DEFAULT,
        at,
        &fx.policy,
    );
    let record = record.unwrap();
    assert_eq!(record.epoch, 3, "beginning changes nothing yet");
    let at = NOW + 90;
    let mut called = false;
    let record = confirm(
        Some(record.clone()),
        &fx.code(at, 0),
        at,
        &fx.policy,
        generator(3, &mut called),
    )
    .1
    .unwrap();
    assert_eq!(record.epoch, 4);
}

#[test]
fn unlock_clears_both_paths_and_writes_only_a_change() {
    let fx = Fixture::enrolled();
    assert_eq!(unlock(Some(fx.record.clone())), (Ok(false), None));
    assert_eq!(unlock(None), (Err(Refusal::NotEnrolled), None));
    let mut locked = fx.record.clone();
    locked.code_throttle.failures = 100;
    locked.code_throttle.blocked_until = u64::MAX;
    locked.backup_throttle.failures = 7;
    let (outcome, new) = unlock(Some(locked.clone()));
    assert_eq!((outcome, new.as_ref()), (Ok(true), Some(&fx.record)));
}
