//! The concurrency guarantees, through the service: one valid code, one backup code, and many
//! wrong codes submitted at once.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::harness::{self, Harness, Service, code, wrong_code};
use super::{CONTENDERS, KitFailure, ensure};
use crate::policy::{Verified, Via};
use crate::service::Error;
use crate::store::Store;

/// Submits `inputs[i]` for `user` through handle `i`, all at once, and returns each outcome.
pub(super) async fn submit<S: Store + 'static>(
    harness: &Harness<S>,
    user: &str,
    inputs: Vec<String>,
) -> Result<Vec<Result<Verified, Error>>, String> {
    let barrier = Arc::new(tokio::sync::Barrier::new(inputs.len()));
    let mut tasks = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let service: Arc<Service<S>> = Arc::clone(harness.service(index));
        let barrier = Arc::clone(&barrier);
        let user = String::from(user);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            service.verify(&user, &input).await
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(
            task.await
                .map_err(|error| format!("a task panicked or was cancelled: {error}"))?,
        );
    }
    Ok(outcomes)
}

/// Tallies outcomes: successes, replays of `via`, and anything else (described).
pub(super) fn tally(outcomes: &[Result<Verified, Error>], via: Via) -> (usize, usize, Vec<String>) {
    let mut ok = 0;
    let mut replays = 0;
    let mut other = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(verified) if verified.via == via => ok += 1,
            Err(Error::Replay { via: seen }) if *seen == via => replays += 1,
            unexpected => other.push(format!("{unexpected:?}")),
        }
    }
    (ok, replays, other)
}

/// 64 concurrent submissions of one valid authenticator code, spread over the handles: exactly
/// one succeeds, the other 63 are told it was a replay, the step is recorded, and exactly one
/// write was made.
///
/// # Errors
/// A [`KitFailure`] with the tally when it is not 1 + 63.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_concurrent_code;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_concurrent_code(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_concurrent_code<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "concurrent_code";
    let harness = Harness::new(CHECK, stores, &harness::config(CHECK, harness::lenient())?)?;
    let enrolled = harness.enroll(CHECK).await?;
    harness.clock.advance(30);
    let now = harness.now();
    let before = harness.load(CHECK, 0, &enrolled.user).await?;
    let valid = code(&enrolled.app, now, 0);
    let outcomes = submit(&harness, &enrolled.user, alloc::vec![valid; CONTENDERS])
        .await
        .map_err(|reason| KitFailure::new(CHECK, reason))?;
    let (ok, replays, other) = tally(&outcomes, Via::Code);
    ensure(
        (ok, replays) == (1, CONTENDERS - 1) && other.is_empty(),
        CHECK,
        || {
            format!(
                "{ok} accepted and {replays} replays of one code by {CONTENDERS} concurrent requests; other outcomes: {other:?}"
            )
        },
    )?;
    let after = harness.load(CHECK, 1, &enrolled.user).await?;
    let step = enrolled.app.step(now).ok();
    let last_step = after.0.primary().and_then(|active| active.last_step);
    ensure(last_step == step, CHECK, || {
        format!("the recorded step is {last_step:?}, not the accepted {step:?}")
    })?;
    ensure(after.version() == before.version() + 1, CHECK, || {
        format!(
            "{} writes for one accepted code",
            after.version() - before.version()
        )
    })?;
    ensure(after.code_failures() == 0, CHECK, || {
        "replays were counted as failures".into()
    })
}

/// 64 concurrent submissions of one backup code: exactly one succeeds, the others are told it
/// was used, and the code is then used in the stored set (one code fewer, one write).
///
/// # Errors
/// A [`KitFailure`] with the tally or the stored state.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_concurrent_backup_code;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_concurrent_backup_code(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_concurrent_backup_code<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "concurrent_backup_code";
    let harness = Harness::new(CHECK, stores, &harness::config(CHECK, harness::lenient())?)?;
    let enrolled = harness.enroll(CHECK).await?;
    let before = harness.load(CHECK, 0, &enrolled.user).await?;
    let Some(backup) = enrolled.backup_codes.get(4).cloned() else {
        return Err(KitFailure::new(
            CHECK,
            "enrollment gave fewer than five backup codes",
        ));
    };
    let outcomes = submit(&harness, &enrolled.user, alloc::vec![backup.clone(); CONTENDERS])
        .await
        .map_err(|reason| KitFailure::new(CHECK, reason))?;
    let (ok, replays, other) = tally(&outcomes, Via::BackupCode);
    ensure(
        (ok, replays) == (1, CONTENDERS - 1) && other.is_empty(),
        CHECK,
        || {
            format!(
                "{ok} accepted and {replays} refused as used, of one backup code by {CONTENDERS} concurrent requests; other outcomes: {other:?}"
            )
        },
    )?;
    let after = harness.load(CHECK, 1, &enrolled.user).await?;
    let used = after
        .0
        .backup
        .as_ref()
        .map(|set| (set.is_used(4), set.remaining()));
    ensure(used == Some((true, 9)), CHECK, || {
        format!("after the race the set says (code used, remaining) = {used:?}")
    })?;
    ensure(after.version() == before.version() + 1, CHECK, || {
        format!(
            "{} writes for one accepted backup code",
            after.version() - before.version()
        )
    })?;
    let again = harness.service(2).verify(&enrolled.user, &backup).await;
    ensure(
        matches!(again, Err(Error::Replay { via: Via::BackupCode })),
        CHECK,
        || format!("the used backup code, offered again, gave {again:?}"),
    )
}

/// 64 concurrent wrong authenticator codes, then 32 concurrent wrong backup codes: each path's
/// failure count goes up by exactly the number submitted (none lost to a race), each
/// submission is told its code was wrong, and neither path touches the other's count.
///
/// # Errors
/// A [`KitFailure`] with the counts.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_concurrent_failures;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_concurrent_failures(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_concurrent_failures<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "concurrent_failures";
    let harness = Harness::new(CHECK, stores, &harness::config(CHECK, harness::lenient())?)?;
    let enrolled = harness.enroll(CHECK).await?;
    let wrong = wrong_code(&enrolled.app, harness.now());
    let wrong_backup = String::from("0000-0000-0000-0000");
    for (inputs, via) in [
        (alloc::vec![wrong; CONTENDERS], Via::Code),
        (alloc::vec![wrong_backup; CONTENDERS / 2], Via::BackupCode),
    ] {
        let count = inputs.len();
        let before = harness.load(CHECK, 0, &enrolled.user).await?;
        let outcomes = submit(&harness, &enrolled.user, inputs)
            .await
            .map_err(|reason| KitFailure::new(CHECK, reason))?;
        let refused = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(Error::WrongCode { via: seen }) if *seen == via))
            .count();
        ensure(refused == count, CHECK, || {
            let other: Vec<String> = outcomes
                .iter()
                .filter(|outcome| !matches!(outcome, Err(Error::WrongCode { .. })))
                .map(|outcome| format!("{outcome:?}"))
                .collect();
            format!(
                "{refused} of {count} concurrent wrong {via:?}s were refused as wrong; other outcomes: {other:?}"
            )
        })?;
        let after = harness.load(CHECK, 1, &enrolled.user).await?;
        let counts = |record: &crate::record::Record| (record.code_failures(), record.backup_failures());
        let added = u32::try_from(count).unwrap_or(u32::MAX);
        let (code_failures, backup_failures) = counts(&before);
        let expected = match via {
            Via::Code => (code_failures + added, backup_failures),
            _ => (code_failures, backup_failures + added),
        };
        ensure(counts(&after) == expected, CHECK, || {
            format!(
                "after {count} concurrent wrong {via:?}s the (code, backup) failure counts went from {:?} to {:?}, expected {expected:?}",
                counts(&before),
                counts(&after)
            )
        })?;
    }
    Ok(())
}
