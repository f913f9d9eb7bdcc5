//! Enrollment: pending until a valid code confirms it, the confirming step spent, expiry, and no
//! silent replacement of an active authenticator.

use super::*;
use crate::policy::{Refusal, Via, begin, confirm};

fn pending(fx: &Fixture) -> Opened {
    let (outcome, record) = begin(None, "alice", &secret(), TotpParams::DEFAULT, NOW, &fx.policy);
    assert_eq!(outcome, Ok(NOW + 600));
    record.unwrap()
}

#[test]
fn begin_makes_a_pending_secret_that_does_not_log_in() {
    let fx = Fixture::enrolled();
    let record = pending(&fx);
    assert_eq!(
        (record.user.as_ref(), record.is_enabled(), record.epoch),
        ("alice", false, 0)
    );
    assert_eq!(record.pending.as_ref().unwrap().expires_at, NOW + 600);
    assert_eq!(
        fx.login(&record, &fx.code(NOW, 0), NOW).0,
        Err(Refusal::NotEnrolled)
    );
}

#[test]
fn begin_replaces_a_pending_enrollment_and_refuses_an_active_one() {
    let fx = Fixture::enrolled();
    let first = pending(&fx);
    let other = Secret::from_bytes(&[9; 20]).unwrap();
    let (outcome, second) = begin(
        Some(first.clone()),
        "alice",
        &other,
        TotpParams::DEFAULT,
        NOW + 5,
        &fx.policy,
    );
    assert_eq!(outcome, Ok(NOW + 605));
    let second = second.unwrap();
    // The first secret's code no longer confirms.
    let (outcome, _) = confirm(
        Some(second.clone()),
        &fx.code(NOW, 0),
        NOW + 5,
        &fx.policy,
        || unreachable!(),
    );
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, _))));

    let (outcome, write) = begin(
        Some(fx.record.clone()),
        "alice",
        &other,
        TotpParams::DEFAULT,
        NOW,
        &fx.policy,
    );
    assert_eq!((outcome, write), (Err(Refusal::AlreadyEnabled), None));
}

#[test]
fn confirm_activates_spends_the_step_and_moves_the_epoch() {
    let fx = Fixture::enrolled();
    let record = pending(&fx);
    let code = fx.code(NOW, 0);
    let mut called = false;
    let (outcome, new) = confirm(
        Some(record.clone()),
        &code,
        NOW + 10,
        &fx.policy,
        generator(5, &mut called),
    );
    assert!(called);
    let confirmation = outcome.unwrap();
    assert!(confirmation.first);
    assert_eq!((confirmation.id, confirmation.label.as_str()), (1, ""));
    let found = confirmation.matched;
    let new = new.unwrap();
    assert_eq!(found.step(), Fixture::step(NOW));
    assert!(new.is_enabled() && new.pending.is_none());
    assert_eq!((new.epoch, new.backup_codes_remaining()), (1, Some(10)));
    let active = new.primary().unwrap();
    assert_eq!(
        (active.last_step, active.created_at),
        (Some(found.step()), NOW + 10)
    );
    // The confirming code cannot also log in.
    assert_eq!(fx.login(&new, &code, NOW + 10).0, Err(Refusal::Replay(Via::Code)));
    // The set made for it is installed: its codes log in.
    let (codes, _) = backup_set(5);
    assert!(fx.login(&new, &codes[0], NOW + 10).0.is_ok());
}

#[test]
fn confirm_clears_failures_made_while_confirming() {
    let fx = Fixture::enrolled();
    let mut record = pending(&fx);
    for _ in 0..2 {
        let (outcome, new) = confirm(
            Some(record.clone()),
            &fx.wrong_code(NOW),
            NOW,
            &fx.policy,
            || unreachable!(),
        );
        assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, _))));
        record = new.unwrap();
    }
    assert_eq!(record.code_throttle.failures, 2);
    let mut called = false;
    let new = confirm(
        Some(record.clone()),
        &fx.code(NOW, 0),
        NOW,
        &fx.policy,
        generator(2, &mut called),
    )
    .1
    .unwrap();
    assert_eq!(new.code_throttle.failures, 0);
}

#[test]
fn a_wrong_code_makes_no_backup_codes_and_counts() {
    let fx = Fixture::enrolled();
    let record = pending(&fx);
    let mut called = false;
    let (outcome, new) = confirm(
        Some(record.clone()),
        &fx.wrong_code(NOW),
        NOW,
        &fx.policy,
        generator(1, &mut called),
    );
    assert!(!called, "backup codes are made only for a valid code");
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, failed)) if failed.failures == 1));
    let new = new.unwrap();
    assert!(!new.is_enabled() && new.pending.is_some());
}

#[test]
fn a_pending_enrollment_expires() {
    let fx = Fixture::enrolled();
    let record = pending(&fx);
    let at = NOW + 600;
    let (outcome, write) = confirm(
        Some(record.clone()),
        &fx.code(at, 0),
        at,
        &fx.policy,
        || unreachable!(),
    );
    assert_eq!((outcome, write), (Err(Refusal::EnrollmentExpired), None));
    let at = NOW + 599;
    let mut called = false;
    assert!(
        confirm(
            Some(record.clone()),
            &fx.code(at, 0),
            at,
            &fx.policy,
            generator(1, &mut called)
        )
        .0
        .is_ok()
    );
}

#[test]
fn confirm_refusals() {
    let fx = Fixture::enrolled();
    let code = fx.code(NOW, 0);
    let none = confirm(None, &code, NOW, &fx.policy, || unreachable!());
    assert_eq!(none, (Err(Refusal::NoPendingEnrollment), None));
    let bare = Opened::new("alice");
    let bare = confirm(Some(bare.clone()), &code, NOW, &fx.policy, || unreachable!());
    assert_eq!(bare, (Err(Refusal::NoPendingEnrollment), None));
    // An enabled user with nothing pending (adding one begins with `begin_adding`).
    let active = confirm(Some(fx.record.clone()), &code, NOW, &fx.policy, || unreachable!());
    assert_eq!(active, (Err(Refusal::NoPendingEnrollment), None));
    let record = pending(&fx);
    assert_eq!(
        confirm(Some(record.clone()), "12345", NOW, &fx.policy, || unreachable!()),
        (Err(Refusal::Malformed), None)
    );
    let mut throttled = record.clone();
    throttled.code_throttle.blocked_until = NOW + 1;
    assert_eq!(
        confirm(Some(throttled.clone()), &code, NOW, &fx.policy, || unreachable!()),
        (Err(Refusal::Throttled(Via::Code, NOW + 1)), None)
    );
    let failed = confirm(Some(record.clone()), &code, NOW, &fx.policy, || {
        Err(BackupError::Rng)
    });
    assert_eq!(failed, (Err(Refusal::Generate(BackupError::Rng)), None));
}
