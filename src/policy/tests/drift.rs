//! Learned drift (RFC 6238 §6): the window is centred on the recorded drift, which each success
//! updates, within a cap.

use super::*;
use crate::policy::{Refusal, Via};

fn with_drift(fx: &Fixture, drift: i64) -> Opened {
    let mut record = fx.record.clone();
    record.authenticators[0].drift = drift;
    record
}

fn is_wrong(outcome: &Result<Verified, Refusal>) -> bool {
    matches!(outcome, Err(Refusal::Wrong(Via::Code, _)))
}

#[test]
fn the_window_is_centred_on_the_recorded_drift() {
    let fx = Fixture::enrolled();
    let record = with_drift(&fx, 5);
    for offset in [4, 5, 6] {
        let outcome = fx.login(&record, &fx.code(NOW, offset), NOW).0;
        assert_eq!(
            outcome.unwrap().matched.unwrap().drift(),
            offset,
            "offset {offset}"
        );
    }
    for offset in [-1, 0, 1, 3, 7] {
        assert!(
            is_wrong(&fx.login(&record, &fx.code(NOW, offset), NOW).0),
            "offset {offset}"
        );
    }
}

#[test]
fn each_success_records_the_matched_drift() {
    let fx = Fixture::enrolled();
    // The phone runs two steps ahead. With no drift recorded, its code is out of the window.
    assert!(is_wrong(&fx.login(&fx.record, &fx.code(NOW, 2), NOW).0));
    // A code one step ahead is in the window, and teaches the drift.
    let record = fx.login(&fx.record, &fx.code(NOW, 1), NOW).1.unwrap();
    assert_eq!(record.primary().unwrap().drift, 1);
    // Now, a step later, the code two steps ahead is in the window centred on 1.
    let later = NOW + PERIOD;
    let (outcome, record) = fx.login(&record, &fx.code(later, 2), later);
    assert_eq!(outcome.unwrap().matched.unwrap().drift(), 2);
    assert_eq!(record.unwrap().primary().unwrap().drift, 2);
}

#[test]
fn drift_moves_back_as_well() {
    let fx = Fixture::enrolled();
    let record = with_drift(&fx, 3);
    let new = fx.login(&record, &fx.code(NOW, 2), NOW).1.unwrap();
    assert_eq!(new.primary().unwrap().drift, 2);
}

#[test]
fn the_recorded_drift_is_capped() {
    let policy = Policy::builder().max_drift(2).build().unwrap();
    let fx = Fixture::enrolled().with_policy(policy);
    let record = with_drift(&fx, 2);
    let (outcome, new) = fx.login(&record, &fx.code(NOW, 3), NOW);
    // The code is accepted where it matched...
    assert_eq!(outcome.unwrap().matched.unwrap().drift(), 3);
    // ...but the drift recorded stays within the cap.
    assert_eq!(new.unwrap().primary().unwrap().drift, 2);
    let record = with_drift(&fx, -2);
    let new = fx.login(&record, &fx.code(NOW, -3), NOW).1.unwrap();
    assert_eq!(new.primary().unwrap().drift, -2);
}

#[test]
fn a_cap_of_zero_learns_nothing() {
    let policy = Policy::builder().max_drift(0).build().unwrap();
    let fx = Fixture::enrolled().with_policy(policy);
    let new = fx.login(&fx.record, &fx.code(NOW, 1), NOW).1.unwrap();
    assert_eq!(new.primary().unwrap().drift, 0);
}
