//! Several authenticators under concurrency: adds racing for one user, and a removal racing the
//! logins that use the removed authenticator's codes.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::failure::{KitFailure, ensure};
use super::harness::{self, Harness, code};
use crate::otp::Totp;
use crate::service::Error;
use crate::store::Store;

/// Concurrent adds (of one user's).
const ADDS: usize = 8;
/// Logins racing one removal.
const LOGINS: usize = 32;

/// Two races of several authenticators, each through every store handle:
///
/// * **Adds racing**: 8 concurrent [`begin_adding_authenticator`](crate::TwoFactor::begin_adding_authenticator)
///   calls for one user, each proven with its own backup code, all succeed (each replaces the
///   pending enrollment); then the 8 confirmations, each with its own new authenticator's code,
///   race: exactly one is confirmed, and the record holds exactly two authenticators and nothing
///   pending.
/// * **Removal racing logins**: one [`remove_authenticator`](crate::TwoFactor::remove_authenticator)
///   of authenticator A (proven by B) races 32 logins with A's current code. The removal
///   succeeds; at most one login succeeds, and only on the record as it was before the removal
///   (its epoch is the old one); afterwards A is gone for good — its next code is wrong, and the
///   removal was not overwritten by a login that read the record before it.
///
/// # Errors
/// A [`KitFailure`] naming the race and what was seen.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_concurrent_authenticators;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_concurrent_authenticators(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_concurrent_authenticators<S: Store + 'static>(
    stores: &[Arc<S>],
) -> Result<(), KitFailure> {
    const CHECK: &str = "concurrent_authenticators";
    let harness = Harness::new(CHECK, stores, &harness::config(CHECK, harness::lenient())?)?;
    adds_race(&harness, CHECK).await?;
    removal_races_logins(&harness, CHECK).await
}

async fn adds_race<S: Store + 'static>(harness: &Harness<S>, check: &'static str) -> Result<(), KitFailure> {
    let enrolled = harness.enroll(check).await?;
    let failed = |what: &str, error: &Error| KitFailure::new(check, format!("{what}: {error} ({error:?})"));
    let barrier = Arc::new(tokio::sync::Barrier::new(ADDS));
    let mut tasks = Vec::with_capacity(ADDS);
    for (index, proof) in enrolled.backup_codes.iter().take(ADDS).cloned().enumerate() {
        let (service, barrier) = (Arc::clone(harness.service(index)), Arc::clone(&barrier));
        let user = enrolled.user.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let label = format!("Device {index}");
            service
                .begin_adding_authenticator(&user, &label, "kit@example.com", &proof)
                .await
        }));
    }
    let mut apps = Vec::with_capacity(ADDS);
    for task in tasks {
        let enrollment =
            joined(check, task.await)?.map_err(|error| failed("begin_adding_authenticator", &error))?;
        apps.push(Totp::new(
            &enrollment.secret,
            harness.service(0).config().params(),
        ));
    }
    ensure(apps.len() == ADDS, check, || {
        format!(
            "{} of {ADDS} adds began; each had its own backup code",
            apps.len()
        )
    })?;

    let now = harness.now();
    let barrier = Arc::new(tokio::sync::Barrier::new(ADDS));
    let mut tasks = Vec::with_capacity(ADDS);
    for (index, app) in apps.iter().enumerate() {
        let (service, barrier) = (Arc::clone(harness.service(index)), Arc::clone(&barrier));
        let (user, input) = (enrolled.user.clone(), code(app, now, 0));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            service.confirm_enrollment(&user, &input).await
        }));
    }
    let mut confirmed = 0;
    let mut other = Vec::new();
    for task in tasks {
        match joined(check, task.await)? {
            Ok(_) => confirmed += 1,
            Err(Error::WrongCode { .. } | Error::NoPendingEnrollment) => {}
            Err(error) => other.push(format!("{error:?}")),
        }
    }
    ensure(confirmed == 1 && other.is_empty(), check, || {
        format!("of {ADDS} racing adds, {confirmed} were confirmed (one must be); other outcomes: {other:?}")
    })?;
    let record = harness.load(check, 1, &enrolled.user).await?;
    ensure(
        record.authenticator_count() == 2 && !record.has_pending_enrollment(),
        check,
        || {
            format!(
                "after the racing adds the record holds {} authenticators (2 expected), pending: {}",
                record.authenticator_count(),
                record.has_pending_enrollment()
            )
        },
    )
}

async fn removal_races_logins<S: Store + 'static>(
    harness: &Harness<S>,
    check: &'static str,
) -> Result<(), KitFailure> {
    let enrolled = harness.enroll(check).await?;
    let failed = |what: &str, error: &Error| KitFailure::new(check, format!("{what}: {error} ({error:?})"));
    // B, added with a backup code as proof; A is the first authenticator, id 1.
    let proof = enrolled.backup_codes.first().cloned().unwrap_or_default();
    let service = harness.service(0);
    let adding = service
        .begin_adding_authenticator(&enrolled.user, "B", "kit@example.com", &proof)
        .await
        .map_err(|error| failed("begin_adding_authenticator", &error))?;
    let b = Totp::new(&adding.secret, service.config().params());
    service
        .confirm_enrollment(&enrolled.user, &code(&b, harness.now(), 0))
        .await
        .map_err(|error| failed("confirm_enrollment", &error))?;
    let a_id = service
        .authenticators(&enrolled.user)
        .await
        .map_err(|error| failed("authenticators", &error))?
        .first()
        .map_or(0, |a| a.id);

    harness.clock.advance(30);
    let now = harness.now();
    let before = harness.load(check, 0, &enrolled.user).await?;
    let barrier = Arc::new(tokio::sync::Barrier::new(LOGINS + 1));
    let remover = {
        let (service, barrier) = (Arc::clone(harness.service(1)), Arc::clone(&barrier));
        let (user, input) = (enrolled.user.clone(), code(&b, now, 0));
        tokio::spawn(async move {
            barrier.wait().await;
            service
                .remove_authenticator(&user, a_id, &input)
                .await
                .map(|changed| changed.epoch)
        })
    };
    let mut logins = Vec::with_capacity(LOGINS);
    for index in 0..LOGINS {
        let (service, barrier) = (Arc::clone(harness.service(index)), Arc::clone(&barrier));
        let (user, input) = (enrolled.user.clone(), code(&enrolled.app, now, 0));
        logins.push(tokio::spawn(async move {
            barrier.wait().await;
            service.verify(&user, &input).await
        }));
    }
    let removed = joined(check, remover.await)?.map_err(|error| failed("remove_authenticator", &error))?;
    let mut accepted = Vec::new();
    let mut other = Vec::new();
    for login in logins {
        match joined(check, login.await)? {
            Ok(verified) => accepted.push(verified.epoch),
            Err(Error::Replay { .. } | Error::WrongCode { .. }) => {}
            Err(error) => other.push(format!("{error:?}")),
        }
    }
    ensure(
        accepted.len() <= 1 && accepted.iter().all(|epoch| *epoch == before.epoch()) && other.is_empty(),
        check,
        || {
            format!(
                "logins with the removed authenticator's code racing its removal were accepted at epochs {accepted:?} \
                 (at most one, at the epoch before the removal, {}); other outcomes: {other:?}",
                before.epoch()
            )
        },
    )?;
    let after = harness.load(check, 1, &enrolled.user).await?;
    ensure(
        after.authenticator_count() == 1 && after.epoch() == removed && removed == before.epoch() + 1,
        check,
        || {
            format!(
                "after the removal the record holds {} authenticators at epoch {} (1 at epoch {} expected): \
                 a login overwrote the removal",
                after.authenticator_count(),
                after.epoch(),
                before.epoch() + 1
            )
        },
    )?;
    harness.clock.advance(30);
    let next = code(&enrolled.app, harness.now(), 0);
    match harness.service(0).verify(&enrolled.user, &next).await {
        Err(Error::WrongCode { .. }) => Ok(()),
        outcome => Err(KitFailure::new(
            check,
            format!("the removed authenticator's next code was not refused as wrong: {outcome:?}"),
        )),
    }
}

fn joined<T>(check: &'static str, result: Result<T, tokio::task::JoinError>) -> Result<T, KitFailure> {
    result.map_err(|error| KitFailure::new(check, format!("a task panicked or was cancelled: {error}")))
}
