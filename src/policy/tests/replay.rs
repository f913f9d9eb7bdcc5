//! Replay: a step once accepted, and every earlier one, is refused and reported as a replay; a
//! used backup code likewise; neither is counted or written.

use super::*;
use crate::policy::{Refusal, Via};

#[test]
fn an_accepted_code_is_spent_with_its_step() {
    let fx = Fixture::enrolled();
    let code = fx.code(NOW, 0);
    let (outcome, new) = fx.login(&fx.record, &code, NOW);
    let verified = outcome.unwrap();
    let new = new.unwrap();
    let step = Fixture::step(NOW);
    assert_eq!(verified.via, Via::Code);
    assert_eq!(verified.matched.map(|m| (m.step(), m.drift())), Some((step, 0)));
    assert_eq!(new.primary().unwrap().last_step, Some(step));
    // Nothing else changed but the spent step, the time of use and of the last success.
    let mut expected = fx.record.clone();
    expected.authenticators[0].last_step = Some(step);
    expected.authenticators[0].last_used_at = Some(NOW);
    expected.since_success.last_at = Some(NOW);
    assert_eq!(new, expected);

    let (outcome, write) = fx.login(&new, &code, NOW);
    assert_eq!(outcome, Err(Refusal::Replay(Via::Code)));
    assert_eq!(write, None, "a replay writes nothing");
    // Still a replay later, while the step is in the window.
    assert_eq!(fx.login(&new, &code, NOW + 29).0, Err(Refusal::Replay(Via::Code)));
}

#[test]
fn every_step_before_the_accepted_one_is_refused_too() {
    // No drift learning here, so that the window stays on the current step.
    let fx = Fixture::enrolled().with_policy(Policy::builder().max_drift(0).build().unwrap());
    // The next step's code (the window reaches one step ahead) is accepted first...
    let (outcome, new) = fx.login(&fx.record, &fx.code(NOW, 1), NOW);
    assert_eq!(outcome.unwrap().matched.unwrap().drift(), 1);
    let new = new.unwrap();
    // ...then the current and previous steps' codes, never used, are refused as replays.
    for offset in [0, -1] {
        let (outcome, write) = fx.login(&new, &fx.code(NOW, offset), NOW);
        assert_eq!(outcome, Err(Refusal::Replay(Via::Code)), "offset {offset}");
        assert_eq!(write, None);
    }
}

#[test]
fn a_replay_counts_no_failure() {
    let fx = Fixture::enrolled();
    let code = fx.code(NOW, 0);
    let record = fx.login(&fx.record, &code, NOW).1.unwrap();
    // Far more replays than the free failures: none is counted, so none writes or throttles.
    for attempt in 0..10 {
        let at = NOW + attempt;
        assert_eq!(
            fx.login(&record, &code, at),
            (Err(Refusal::Replay(Via::Code)), None)
        );
    }
    assert_eq!(
        (record.code_throttle.failures, record.code_throttle.blocked_until),
        (0, 0)
    );
}

#[test]
fn a_used_backup_code_is_a_replay_and_counts_nothing() {
    let fx = Fixture::enrolled();
    let code = &fx.codes[3];
    let (outcome, new) = fx.login(&fx.record, code, NOW);
    let verified = outcome.unwrap();
    assert_eq!(
        (verified.via, verified.matched, verified.backup_codes_remaining),
        (Via::BackupCode, None, 9)
    );
    let new = new.unwrap();
    assert_eq!(new.backup.as_ref().unwrap().used_at(3), Some(NOW));
    let (outcome, write) = fx.login(&new, code, NOW + 60);
    assert_eq!(outcome, Err(Refusal::Replay(Via::BackupCode)));
    assert_eq!(write, None);
    // Typed differently, still the same code.
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(
        fx.login(&new, &typed, NOW).0,
        Err(Refusal::Replay(Via::BackupCode))
    );
    // Another code still works.
    assert!(fx.login(&new, &fx.codes[4], NOW).0.is_ok());
}

#[test]
fn a_backup_code_spends_no_step_and_a_code_spends_no_backup_code() {
    let fx = Fixture::enrolled();
    let after_backup = fx.login(&fx.record, &fx.codes[0], NOW).1.unwrap();
    assert_eq!(after_backup.primary().unwrap().last_step, None);
    let after_code = fx.login(&after_backup, &fx.code(NOW, 0), NOW).1.unwrap();
    assert_eq!(after_code.backup_codes_remaining(), Some(9));
}
