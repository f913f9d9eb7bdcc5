//! The status read from a record.

use super::*;
use crate::policy::{Throttling, begin, status};

#[test]
fn status_reports_each_path_and_the_epoch() {
    let fx = Fixture::enrolled();
    let none = status::<()>(None, NOW, &fx.policy);
    assert!(!none.enabled && none.epoch == 0 && none.backup_codes_remaining.is_none());
    let mut record = fx.record.clone();
    record.code_throttle.failures = 5;
    record.code_throttle.blocked_until = NOW + 10;
    record.backup_throttle.failures = 100;
    record.backup_throttle.blocked_until = u64::MAX;
    let now = status(Some(&record), NOW, &fx.policy);
    assert!(now.enabled);
    assert_eq!(
        (now.codes, now.backup_codes),
        (Throttling::Until(NOW + 10), Throttling::Locked)
    );
    assert_eq!((now.code_failures, now.backup_failures), (5, 100));
    assert_eq!(
        (now.backup_codes_remaining, now.epoch, now.drift),
        (Some(10), 1, Some(0))
    );
    assert_eq!(now.enabled_at, Some(NOW - 1000));
    let later = status(Some(&record), NOW + 10, &fx.policy);
    assert_eq!(later.codes, Throttling::Open);

    let (_, pending) = begin(None, "bob", &secret(), TotpParams::DEFAULT, NOW, &fx.policy);
    let pending = pending.unwrap();
    assert_eq!(
        status(Some(&pending), NOW, &fx.policy).pending_until,
        Some(NOW + 600)
    );
    assert_eq!(status(Some(&pending), NOW + 600, &fx.policy).pending_until, None);
}
