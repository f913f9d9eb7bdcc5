//! Throttling: free failures, an exponential delay with a cap, a hard lock, separate budgets for
//! the two paths, refusals that look at nothing, and a success that clears both.

use core::cell::Cell;

use super::*;
use crate::backup::{BackupError, CodeHasher, HashScheme};
use crate::policy::throttle::LOCKED;
use crate::policy::{Failed, Refusal, ThrottlePolicy, Via};

/// Submits a wrong authenticator code at `now` and returns the failure and the new record.
fn fail_code(fx: &Fixture, record: &Opened, now: u64) -> (Failed, Opened) {
    match fx.login(record, &fx.wrong_code(now), now) {
        (Err(Refusal::Wrong(Via::Code, failed)), Some(new)) => (failed, new),
        other => panic!("expected a counted failure, got {other:?}"),
    }
}

const WRONG_BACKUP: &str = "0000-0000-0000-0000";

fn fail_backup(fx: &Fixture, record: &Opened, now: u64) -> (Failed, Opened) {
    match fx.login(record, WRONG_BACKUP, now) {
        (Err(Refusal::Wrong(Via::BackupCode, failed)), Some(new)) => (failed, new),
        other => panic!("expected a counted backup failure, got {other:?}"),
    }
}

#[test]
fn three_free_failures_then_a_delay_that_refuses_even_the_right_code() {
    let fx = Fixture::enrolled();
    let mut record = fx.record.clone();
    for failures in 1..=3 {
        let (failed, new) = fail_code(&fx, &record, NOW);
        assert_eq!(
            (failed.failures, failed.retry_at, failed.locked),
            (failures, None, false)
        );
        record = new;
    }
    let (failed, new) = fail_code(&fx, &record, NOW);
    assert_eq!(failed.retry_at, Some(NOW + 60));
    record = new;
    assert_eq!(record.code_throttle.blocked_until, NOW + 60);
    for at in [NOW, NOW + 59] {
        let right = fx.code(at, 0);
        let (outcome, write) = fx.login(&record, &right, at);
        assert_eq!(outcome, Err(Refusal::Throttled(Via::Code, NOW + 60)));
        assert_eq!(write, None, "a throttled refusal is not counted");
    }
    let at = NOW + 60;
    let (outcome, new) = fx.login(&record, &fx.code(at, 0), at);
    assert!(outcome.is_ok());
    let new = new.unwrap();
    assert_eq!(
        (new.code_throttle.failures, new.code_throttle.blocked_until),
        (0, 0)
    );
}

#[test]
fn the_delay_doubles_to_the_cap_and_the_hundredth_failure_locks() {
    let fx = Fixture::enrolled();
    let mut record = fx.record.clone();
    let mut now = NOW;
    let mut delays = Vec::new();
    let mut guesses = 0;
    loop {
        let (failed, new) = fail_code(&fx, &record, now);
        guesses += 1;
        record = new;
        if failed.locked {
            break;
        }
        if let Some(retry_at) = failed.retry_at {
            delays.push(retry_at - now);
            now = retry_at;
        }
    }
    assert_eq!(guesses, 100);
    let mut expected: Vec<u64> = (0..11).map(|i| 60 << i).collect();
    expected.resize(96, 86_400);
    assert_eq!(delays, expected);
    assert_eq!(record.code_throttle.blocked_until, LOCKED);
    for later in [now, now + 365 * 86_400] {
        let (outcome, write) = fx.login(&record, &fx.code(later, 0), later);
        assert_eq!(outcome, Err(Refusal::Locked(Via::Code)));
        assert_eq!(write, None);
    }
}

#[test]
fn a_locked_code_path_leaves_backup_codes_open_and_a_backup_code_clears_both() {
    let fx = Fixture::enrolled();
    let mut record = fx.record.clone();
    record.code_throttle.failures = 99;
    record.backup_throttle.failures = 2;
    let record = fail_code(&fx, &record, NOW).1;
    assert_eq!(
        fx.login(&record, &fx.code(NOW, 0), NOW).0,
        Err(Refusal::Locked(Via::Code))
    );
    let (outcome, new) = fx.login(&record, &fx.codes[0], NOW);
    assert_eq!(outcome.unwrap().via, Via::BackupCode);
    let new = new.unwrap();
    assert_eq!(
        (
            new.code_throttle.failures,
            new.backup_throttle.failures,
            new.code_throttle.blocked_until
        ),
        (0, 0, 0)
    );
    assert!(fx.login(&new, &fx.code(NOW, 0), NOW).0.is_ok());
}

#[test]
fn backup_codes_have_their_own_budget() {
    let fx = Fixture::enrolled();
    let mut record = fx.record.clone();
    for _ in 0..4 {
        record = fail_backup(&fx, &record, NOW).1;
    }
    assert_eq!(record.backup_throttle.failures, 4);
    assert_eq!(record.code_throttle.failures, 0);
    assert_eq!(
        fx.login(&record, &fx.codes[0], NOW).0,
        Err(Refusal::Throttled(Via::BackupCode, NOW + 60))
    );
    // The authenticator-code path is untouched, and its success clears the backup path too.
    let (outcome, new) = fx.login(&record, &fx.code(NOW, 0), NOW);
    assert!(outcome.is_ok());
    assert_eq!(new.unwrap().backup_throttle.failures, 0);
}

#[test]
fn the_backup_budget_follows_its_own_policy() {
    let policy = Policy::builder()
        .backup_throttle(
            ThrottlePolicy::builder()
                .free_failures(0)
                .lock_after(2)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let fx = Fixture::enrolled().with_policy(policy);
    let (failed, record) = fail_backup(&fx, &fx.record, NOW);
    assert_eq!(failed.retry_at, Some(NOW + 60));
    let (failed, record) = fail_backup(&fx, &record, NOW + 60);
    assert!(failed.locked);
    assert_eq!(
        fx.login(&record, &fx.codes[0], NOW + 120).0,
        Err(Refusal::Locked(Via::BackupCode))
    );
    assert!(fx.login(&record, &fx.code(NOW + 120, 0), NOW + 120).0.is_ok());
}

/// A hasher that counts, to show what is never hashed.
struct Counting {
    inner: HmacHasher,
    calls: Cell<u32>,
}

impl CodeHasher for Counting {
    fn scheme(&self) -> HashScheme {
        self.inner.scheme()
    }
    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        self.calls.set(self.calls.get() + 1);
        self.inner.hash(scheme, salt, code)
    }
}

#[test]
fn a_throttled_attempt_is_refused_without_hashing_the_code() {
    let fx = Fixture::enrolled();
    let mut record = fx.record.clone();
    record.backup_throttle = crate::record::Throttle {
        failures: 4,
        blocked_until: NOW + 60,
    };
    let hasher = Counting {
        inner: hasher(),
        calls: Cell::new(0),
    };
    let mut memo = HashMemo::new();
    let mut proof = Proof {
        input: &fx.codes[0],
        expect: Expect::Any,
        hasher: &hasher,
        memo: &mut memo,
    };
    let (outcome, write) = crate::policy::verify(Some(record.clone()), &mut proof, NOW, &fx.policy);
    assert_eq!(outcome, Err(Refusal::Throttled(Via::BackupCode, NOW + 60)));
    assert_eq!((write, hasher.calls.get()), (None, 0));
    // Once the delay is over, the code is hashed, once.
    let (outcome, _) = crate::policy::verify(Some(record.clone()), &mut proof, NOW + 60, &fx.policy);
    assert!(outcome.is_ok());
    assert_eq!(hasher.calls.get(), 1);
}

#[test]
fn malformed_input_is_refused_and_not_counted() {
    let fx = Fixture::enrolled();
    for input in ["", "12345", "1234567", "abc", "0000-0000-0000", "12 34 56 78"] {
        let (outcome, write) = fx.login(&fx.record, input, NOW);
        assert_eq!(outcome, Err(Refusal::Malformed), "{input:?}");
        assert_eq!(write, None);
    }
}
