//! Resynchronisation with two consecutive codes.

use super::*;
use crate::policy::{Refusal, Via, resync};

#[test]
fn two_consecutive_codes_recentre_a_clock_that_drifted_far() {
    let fx = Fixture::enrolled();
    // The phone runs ten steps ahead: its code is refused...
    assert!(matches!(
        fx.login(&fx.record, &fx.code(NOW, 10), NOW).0,
        Err(Refusal::Wrong(Via::Code, _))
    ));
    let mut record = fx.login(&fx.record, &fx.code(NOW, 10), NOW).1.unwrap();
    assert_eq!(record.code_throttle.failures, 1);
    // ...until two consecutive codes resynchronise it.
    let (outcome, new) = resync(
        Some(record.clone()),
        &fx.code(NOW, 10),
        &fx.code(NOW, 11),
        NOW,
        &fx.policy,
    );
    let (found, authenticator, previous) = outcome.unwrap();
    assert_eq!((found.step(), found.drift()), (Fixture::step(NOW) + 11, 11));
    assert_eq!((authenticator, previous), (1, 0));
    record = new.unwrap();
    let active = record.primary().unwrap();
    assert_eq!(
        (active.drift, active.last_step, record.code_throttle.failures),
        (11, Some(found.step()), 0)
    );
    // A minute later the phone's next code logs in.
    let later = NOW + 2 * PERIOD;
    assert!(fx.login(&record, &fx.code(later, 11), later).0.is_ok());
    // The pair is spent.
    assert_eq!(
        resync(
            Some(record.clone()),
            &fx.code(NOW, 10),
            &fx.code(NOW, 11),
            NOW,
            &fx.policy
        ),
        (Err(Refusal::Replay(Via::Code)), None)
    );
}

#[test]
fn a_pair_from_further_back_than_a_login_reaches_never_resynchronises() {
    let fx = Fixture::enrolled();
    // Two never-used codes from ten minutes ago (typed into a phishing page, say).
    for back in [20, 5, 2] {
        let (outcome, new) = resync(
            Some(fx.record.clone()),
            &fx.code(NOW, -back),
            &fx.code(NOW, 1 - back),
            NOW,
            &fx.policy,
        );
        assert!(
            matches!(outcome, Err(Refusal::Wrong(Via::Code, _))),
            "{back} back"
        );
        assert_eq!(new.unwrap().authenticators[0].drift, 0, "the drift stays");
    }
    // The window reaches one step back: a pair starting there is found.
    let (outcome, _) = resync(
        Some(fx.record.clone()),
        &fx.code(NOW, -1),
        &fx.code(NOW, 0),
        NOW,
        &fx.policy,
    );
    assert_eq!(outcome.unwrap().0.drift(), 0);
    // A learned slow drift moves the reach back with it.
    let mut slow = fx.record.clone();
    slow.authenticators[0].drift = -6;
    let (outcome, _) = resync(Some(slow), &fx.code(NOW, -7), &fx.code(NOW, -6), NOW, &fx.policy);
    assert_eq!(outcome.unwrap().0.drift(), -6);
}

#[test]
fn a_pair_that_is_not_consecutive_or_too_far_is_one_counted_failure() {
    let fx = Fixture::enrolled();
    for (first, second) in [(3, 5), (5, 4), (30, 31)] {
        let (outcome, new) = resync(
            Some(fx.record.clone()),
            &fx.code(NOW, first),
            &fx.code(NOW, second),
            NOW,
            &fx.policy,
        );
        assert!(
            matches!(outcome, Err(Refusal::Wrong(Via::Code, f)) if f.failures == 1),
            "{first},{second}"
        );
        assert_eq!(new.unwrap().code_throttle.failures, 1);
    }
    let small = Policy::builder().max_drift(4).build().unwrap();
    let (outcome, _) = resync(
        Some(fx.record.clone()),
        &fx.code(NOW, 10),
        &fx.code(NOW, 11),
        NOW,
        &small,
    );
    assert!(matches!(outcome, Err(Refusal::Wrong(..))));
}

#[test]
fn resync_is_throttled_and_needs_an_active_authenticator() {
    let fx = Fixture::enrolled();
    let mut record = fx.record.clone();
    record.code_throttle.blocked_until = NOW + 5;
    let (a, b) = (fx.code(NOW, 2), fx.code(NOW, 3));
    assert_eq!(
        resync(Some(record.clone()), &a, &b, NOW, &fx.policy),
        (Err(Refusal::Throttled(Via::Code, NOW + 5)), None)
    );
    assert_eq!(
        resync(None, &a, &b, NOW, &fx.policy),
        (Err(Refusal::NotEnrolled), None)
    );
    assert_eq!(
        resync(Some(fx.record.clone()), "1", &b, NOW, &fx.policy),
        (Err(Refusal::Malformed), None)
    );
}
