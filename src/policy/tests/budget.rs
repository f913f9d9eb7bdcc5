//! The long-term guessing budget through the decisions: wrong codes spend it, no success
//! refills it, an attempt it cannot pay for is refused unchecked (a right code too) while
//! backup codes still sign in; the failures since the last sign-in are reported and reset by a
//! sign-in only; an unlock leaves the budget and the support desk's reset empties it.

use super::*;
use crate::policy::budget::{PICO, YEAR};
use crate::policy::{GuessingBudget, Refusal, Via, reset, unlock};

/// One code compared over the default window of one 6-digit authenticator.
const COST: u64 = 3 * PICO / 1_000_000;

/// `record` after `n` wrong codes at `now`.
fn after_wrong(fx: &Fixture, record: &Opened, n: usize, now: u64) -> Opened {
    let mut record = record.clone();
    for _ in 0..n {
        // The short-term throttle is not what is tested here.
        record.code_throttle = Default::default();
        let (outcome, new) = fx.login(&record, &fx.wrong_code(now), now);
        assert!(
            matches!(outcome, Err(Refusal::Wrong(Via::Code, _))),
            "{outcome:?}"
        );
        record = new.unwrap();
    }
    record
}

#[test]
fn wrong_codes_spend_the_budget_and_a_sign_in_does_not_refill_it() {
    let fx = Fixture::enrolled();
    let record = after_wrong(&fx, &fx.record, 10, NOW);
    assert_eq!((record.budget.spent, record.budget.at), (10 * COST, NOW));
    let (outcome, new) = fx.login(&record, &fx.code(NOW, 0), NOW);
    let verified = outcome.unwrap();
    let new = new.unwrap();
    assert_eq!(new.budget, record.budget, "a success leaves the budget");
    assert_eq!(
        new.code_throttle,
        Default::default(),
        "and clears the short-term throttle"
    );
    assert_eq!(
        (verified.failed_attempts, verified.previous_sign_in_at),
        (10, None)
    );
}

#[test]
fn a_spent_budget_refuses_even_the_right_code_unchecked_until_it_refills() {
    let fx = Fixture::enrolled();
    let budget = GuessingBudget::DEFAULT;
    let record = after_wrong(&fx, &fx.record, 166, NOW);
    let right = fx.code(NOW, 0);
    let (outcome, write) = fx.login(&record, &right, NOW);
    let Err(Refusal::Throttled(Via::Code, until)) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(write, None, "refused unchecked: nothing written");
    // It refills at half the bound a year: 166 codes left 2·10⁶ of the 5·10⁸ in the bucket,
    // and the third million takes 10⁶ / 5·10⁸ of a year (17.5 h), plus a second for rounding.
    let short = 167 * COST - budget.capacity();
    assert_eq!(until - NOW, (short * YEAR).div_ceil(budget.capacity()) + 1);
    // (A second late at most: the leak is rounded down.)
    assert_eq!(budget.left(&record.budget, COST, until - 2), 0);
    assert_eq!(budget.left(&record.budget, COST, until), 1);
    let later = fx.code(until, 0);
    assert!(fx.login(&record, &later, until).0.is_ok());
    // A backup code needs no budget.
    let (outcome, _) = fx.login(&record, &fx.codes[0], NOW);
    assert_eq!(outcome.unwrap().via, Via::BackupCode);
}

#[test]
fn each_authenticator_compared_is_charged() {
    let mut fx = Fixture::enrolled();
    fx.record.add_authenticator(
        String::from("second"),
        PlainSecret::new(Secret::from_bytes(&[5; 20]).unwrap(), TotpParams::DEFAULT),
        TotpParams::DEFAULT,
        None,
        NOW - 500,
    );
    let record = after_wrong(&fx, &fx.record, 1, NOW);
    assert_eq!(record.budget.spent, 2 * COST);
}

#[test]
fn the_failures_since_the_last_sign_in_count_both_paths_and_only_a_sign_in_ends_them() {
    let fx = Fixture::enrolled();
    let record = after_wrong(&fx, &fx.record, 2, NOW);
    let (outcome, record) = fx.login(&record, "aaaa-bbbb-cccc", NOW);
    assert!(
        matches!(
            outcome,
            Err(Refusal::Wrong(Via::BackupCode, _)) | Err(Refusal::Malformed)
        ),
        "{outcome:?}"
    );
    let record = record.unwrap_or_else(|| after_wrong(&fx, &fx.record, 3, NOW));
    assert_eq!(record.since_success.failures, 3);
    // A proof for a change is no sign-in: the count runs on.
    let mut memo = HashMemo::new();
    let code = fx.code(NOW, 0);
    let mut proof = Proof {
        input: &code,
        expect: Expect::Any,
        hasher: &fx.hasher,
        memo: &mut memo,
    };
    let (outcome, changed) = crate::policy::disable(Some(record.clone()), &mut proof, NOW, &fx.policy);
    assert_eq!(outcome.unwrap().failed_attempts, 3);
    assert_eq!(changed.unwrap().since_success.failures, 3);
    // A sign-in reports them and ends the count.
    let (outcome, new) = fx.login(&record, &code, NOW);
    assert_eq!(outcome.unwrap().failed_attempts, 3);
    let new = new.unwrap();
    assert_eq!(
        (new.since_success.failures, new.since_success.last_at),
        (0, Some(NOW))
    );
    let (outcome, _) = fx.login(&new, &fx.code(NOW + 30, 0), NOW + 30);
    let verified = outcome.unwrap();
    assert_eq!(
        (verified.failed_attempts, verified.previous_sign_in_at),
        (0, Some(NOW))
    );
}

#[test]
fn an_unlock_leaves_the_budget_and_a_reset_empties_it() {
    let fx = Fixture::enrolled();
    let record = after_wrong(&fx, &fx.record, 5, NOW);
    let mut locked = record.clone();
    locked.code_throttle.failures = 100;
    let (outcome, unlocked) = unlock(Some(locked));
    assert_eq!(outcome, Ok(true));
    assert_eq!(unlocked.unwrap().budget, record.budget);
    let (outcome, reset) = reset(Some(record));
    assert!(outcome.unwrap().is_some());
    assert_eq!(reset.unwrap().budget, Default::default());
}

#[test]
fn the_failure_that_takes_the_budget_below_a_quarter_says_so_once() {
    let fx = Fixture::enrolled();
    // 166 fit; a quarter of the bucket is 41.67 codes: the 125th leaves exactly a quarter, the
    // 126th less (40 codes' worth and a part).
    let record = after_wrong(&fx, &fx.record, 124, NOW);
    let mut record = record;
    let mut low = Vec::new();
    for _ in 0..3 {
        record.code_throttle = Default::default();
        let (outcome, new) = fx.login(&record, &fx.wrong_code(NOW), NOW);
        let Err(Refusal::Wrong(Via::Code, failed)) = outcome else {
            panic!("{outcome:?}");
        };
        low.push((failed.guesses_left, failed.budget_low));
        record = new.unwrap();
    }
    assert_eq!(low, [(Some(41), false), (Some(40), true), (Some(39), false)]);
}
