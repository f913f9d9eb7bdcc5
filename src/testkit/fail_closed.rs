//! Fail closed: a store that fails denies every attempt and changes nothing.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::harness::{self, Harness, code, fresh_user, wrong_code};
use super::{FailingStore, FailingStoreError, KitFailure, ensure};
use crate::service::{Error, ManualClock, TwoFactor};
use crate::store::Store;

/// Whether `error` is a store error whose source chain holds the injected failure.
fn is_injected(error: &Error) -> bool {
    let Error::Store(inner) = error else {
        return false;
    };
    let mut cause: Option<&(dyn core::error::Error + 'static)> = Some(&**inner);
    while let Some(current) = cause {
        if matches!(current.downcast_ref(), Some(FailingStoreError::Injected)) {
            return true;
        }
        cause = current.source();
    }
    false
}

/// A store whose writes fail: every verification — a valid code, a wrong code, a backup code —
/// and every change is denied with [`Error::Store`] (the store's error kept as its source), and
/// the stored record is unchanged. A store whose reads fail: denied too. Once the store works
/// again, the valid code is still accepted: nothing was spent.
///
/// # Errors
/// A [`KitFailure`] naming the call that was not denied, or the change found in the store.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_fail_closed;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_fail_closed(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_fail_closed<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "fail_closed";
    let config = harness::config(CHECK, harness::lenient())?;
    let harness = Harness::new(CHECK, stores, &config)?;
    let enrolled = harness.enroll(CHECK).await?;
    let user = enrolled.user.as_str();
    let failing = FailingStore::new(Arc::clone(harness.store(0)));
    let service = TwoFactor::without_keys(&failing, ManualClock::clone(&harness.clock), config);
    harness.clock.advance(30);
    let now = harness.now();
    let before = harness.load(CHECK, 0, user).await?;

    failing.fail_writes(true);
    let valid = code(&enrolled.app, now, 0);
    let wrong = wrong_code(&enrolled.app, now);
    let backup = enrolled.backup_codes.first().cloned().unwrap_or_default();
    let mut denied: Vec<(String, Result<String, Error>)> = Vec::new();
    for input in [&valid, &wrong, &backup] {
        denied.push((
            format!("verify({input:?})"),
            service.verify(user, input).await.map(|v| format!("{v:?}")),
        ));
    }
    denied.push((
        "verify_code".into(),
        service.verify_code(user, &valid).await.map(|v| format!("{v:?}")),
    ));
    denied.push((
        "verify_backup_code".into(),
        service
            .verify_backup_code(user, &backup)
            .await
            .map(|v| format!("{v:?}")),
    ));
    denied.push((
        "disable".into(),
        service.disable(user, &valid).await.map(|c| format!("{c:?}")),
    ));
    denied.push((
        "regenerate_backup_codes".into(),
        service
            .regenerate_backup_codes(user, &backup)
            .await
            .map(|r| format!("{r:?}")),
    ));
    let second = code(&enrolled.app, now, 1);
    denied.push((
        "resync".into(),
        service
            .resync(user, &valid, &second)
            .await
            .map(|m| format!("{m:?}")),
    ));
    let newcomer = fresh_user(CHECK);
    denied.push((
        "begin_enrollment".into(),
        service
            .begin_enrollment(&newcomer, "kit")
            .await
            .map(|e| format!("{e:?}")),
    ));
    failing.fail_writes(false);
    failing.fail_reads(true);
    denied.push((
        "verify with failing reads".into(),
        service.verify(user, &valid).await.map(|v| format!("{v:?}")),
    ));
    denied.push((
        "status with failing reads".into(),
        service.status(user).await.map(|s| format!("{s:?}")),
    ));
    failing.fail_reads(false);

    for (call, outcome) in &denied {
        ensure(matches!(outcome, Err(error) if is_injected(error)), CHECK, || {
            format!("{call} with a failing store gave {outcome:?}, not a store error")
        })?;
    }
    let after = harness.load(CHECK, 0, user).await?;
    ensure(after == before, CHECK, || {
        format!("the record changed while the store failed: {before:?} became {after:?}")
    })?;
    let stray = harness
        .store(0)
        .load(&newcomer)
        .await
        .map_err(|error| KitFailure::new(CHECK, format!("load: {error}")))?;
    ensure(stray.is_none(), CHECK, || {
        "a failed enrollment left a record".into()
    })?;
    let accepted = service.verify(user, &valid).await;
    ensure(accepted.is_ok(), CHECK, || {
        format!("once the store works again, the valid code gave {accepted:?}: a failed attempt spent it")
    })
}
