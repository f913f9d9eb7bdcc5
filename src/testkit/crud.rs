//! The store's own contract, without the service: create, read, update, delete, and the
//! version check of every conditional write, sequential and concurrent.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;

use super::harness::fresh_user;
use super::{KitFailure, ensure};
use crate::backup::{BackupCodeSet, CodeFormat, HmacHasher};
use crate::otp::TotpParams;
use crate::record::Record;
use crate::record::{Pending, StoredSecret, Throttle};
use crate::secret::Secret;
use crate::store::{Store, Write};

/// A record with every field set, so that a store that drops or mangles one is caught.
fn rich_record(check: &'static str, user: &str) -> Result<Record, KitFailure> {
    let fail = |what: &str| KitFailure::new(check, format!("building the test record: {what}"));
    let hasher = HmacHasher::new(1, &[0x6b; 32]).map_err(|_| fail("hasher"))?;
    let (_codes, mut set) =
        BackupCodeSet::generate(&CodeFormat::default(), &hasher).map_err(|_| fail("backup codes"))?;
    set.mark_used(2, 1_750_000_100).map_err(|_| fail("mark used"))?;
    let secret = Secret::from_bytes(b"kit secret 0123456789").map_err(|_| fail("secret"))?;
    let mut record = Record::new(user);
    record.0.version = 1;
    record.0.epoch = 3;
    record.0.add_authenticator(
        "Phone".into(),
        StoredSecret::plain(secret.clone(), TotpParams::DEFAULT),
        TotpParams::DEFAULT,
        Some((58_333_333, -2)),
        1_750_000_000,
    );
    let params = TotpParams::builder()
        .digits(8)
        .period(60)
        .build()
        .map_err(|_| fail("params"))?;
    record.0.pending = Some(Pending {
        label: String::new(),
        secret: StoredSecret::plain(secret, params),
        params,
        expires_at: 1_750_000_600,
    });
    record.0.code_throttle = Throttle {
        failures: 5,
        blocked_until: 1_750_000_240,
    };
    record.0.backup_throttle = Throttle {
        failures: 1,
        blocked_until: 0,
    };
    record.0.backup = Some(Arc::new(set));
    record.0.challenge = Some([0x5c; Record::NONCE_LEN]);
    Ok(record)
}

async fn load<S: Store>(check: &'static str, store: &S, user: &str) -> Result<Option<Record>, KitFailure> {
    store
        .load(user)
        .await
        .map_err(|error| KitFailure::new(check, format!("load: {error} ({error:?})")))
}

async fn insert<S: Store>(check: &'static str, store: &S, record: &Record) -> Result<Write, KitFailure> {
    store
        .insert(record.clone())
        .await
        .map_err(|error| KitFailure::new(check, format!("insert: {error} ({error:?})")))
}

async fn swap<S: Store>(
    check: &'static str,
    store: &S,
    expected: u64,
    record: &Record,
) -> Result<Write, KitFailure> {
    store
        .compare_and_swap(expected, record.clone())
        .await
        .map_err(|error| KitFailure::new(check, format!("compare_and_swap: {error} ({error:?})")))
}

async fn delete<S: Store>(
    check: &'static str,
    store: &S,
    user: &str,
    expected: u64,
) -> Result<Write, KitFailure> {
    store
        .delete(user, expected)
        .await
        .map_err(|error| KitFailure::new(check, format!("delete: {error} ({error:?})")))
}

/// Every handle loads `expected` for `user`.
async fn all_see<S: Store>(
    check: &'static str,
    stores: &[Arc<S>],
    user: &str,
    expected: Option<&Record>,
    when: &str,
) -> Result<(), KitFailure> {
    for (index, store) in stores.iter().enumerate() {
        let found = load(check, &**store, user).await?;
        ensure(found.as_ref() == expected, check, || {
            format!("{when}: handle {index} loads {found:?}, expected {expected:?}")
        })?;
    }
    Ok(())
}

/// Create, read, update, delete: each write through one handle is seen, whole and with its
/// version, through every other; a record round-trips with every field (secrets, parameters,
/// steps, drift, throttles, backup codes with their used flags, nonce); another user's record is
/// untouched.
///
/// # Errors
/// A [`KitFailure`] naming the first operation that did not do what the [`Store`] contract says.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_crud;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_crud(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_crud<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "crud";
    let (Some(first), Some(last)) = (stores.first(), stores.last()) else {
        return Err(KitFailure::new(CHECK, "no store was given"));
    };
    let user = fresh_user(CHECK);
    let bystander = fresh_user(CHECK);
    all_see(CHECK, stores, &user, None, "before any write").await?;

    let mut other = Record::new(&bystander);
    other.0.version = 1;
    ensure(
        insert(CHECK, &**last, &other).await? == Write::Applied,
        CHECK,
        || "inserting a new record was refused".into(),
    )?;
    let record = rich_record(CHECK, &user)?;
    ensure(
        insert(CHECK, &**first, &record).await? == Write::Applied,
        CHECK,
        || "inserting a new record was refused".into(),
    )?;
    all_see(CHECK, stores, &user, Some(&record), "after insert").await?;
    let mut again = Record::new(&user);
    again.0.version = 1;
    ensure(
        insert(CHECK, &**last, &again).await? == Write::Conflict,
        CHECK,
        || "a second insert for the same user was applied".into(),
    )?;
    all_see(CHECK, stores, &user, Some(&record), "after a refused insert").await?;

    let mut updated = record.clone();
    updated.0.version = 2;
    updated.0.epoch = 4;
    updated.0.pending = None;
    updated.0.challenge = None;
    updated.0.code_throttle = Throttle::default();
    if let Some(active) = updated.0.authenticators.first_mut() {
        active.last_step = Some(58_333_334);
        active.drift = 1;
    }
    ensure(
        swap(CHECK, &**last, 1, &updated).await? == Write::Applied,
        CHECK,
        || "compare_and_swap at the stored version was refused".into(),
    )?;
    all_see(CHECK, stores, &user, Some(&updated), "after compare_and_swap").await?;

    ensure(
        delete(CHECK, &**first, &user, 1).await? == Write::Conflict,
        CHECK,
        || "delete at a stale version was applied".into(),
    )?;
    all_see(CHECK, stores, &user, Some(&updated), "after a stale delete").await?;
    ensure(
        delete(CHECK, &**last, &user, 2).await? == Write::Applied,
        CHECK,
        || "delete at the stored version was refused".into(),
    )?;
    all_see(CHECK, stores, &user, None, "after delete").await?;
    ensure(
        delete(CHECK, &**first, &user, 2).await? == Write::Conflict,
        CHECK,
        || "deleting a missing record was applied".into(),
    )?;
    let mut revived = updated.clone();
    revived.0.version = 3;
    ensure(
        swap(CHECK, &**first, 2, &revived).await? == Write::Conflict,
        CHECK,
        || "compare_and_swap of a deleted record was applied".into(),
    )?;
    all_see(
        CHECK,
        stores,
        &user,
        None,
        "after compare_and_swap of a deleted record",
    )
    .await?;
    // A user who deleted their record (disabled, or an administrator's reset) enrolls again.
    ensure(
        insert(CHECK, &**last, &record).await? == Write::Applied,
        CHECK,
        || "inserting a record again after its delete was refused".into(),
    )?;
    all_see(CHECK, stores, &user, Some(&record), "after inserting again").await?;
    ensure(
        delete(CHECK, &**first, &user, 1).await? == Write::Applied,
        CHECK,
        || "deleting the record inserted again was refused".into(),
    )?;
    all_see(CHECK, stores, &bystander, Some(&other), "another user's record").await?;
    ensure(
        delete(CHECK, &**first, &bystander, 1).await? == Write::Applied,
        CHECK,
        || "cleaning up the other user's record was refused".into(),
    )
}

/// Stale versions: a compare-and-swap at any version but the stored one is refused and
/// changes nothing; and of 64 concurrent compare-and-swaps from one version, or 64 concurrent
/// inserts of one new user, spread over the handles, exactly one is applied.
///
/// # Errors
/// A [`KitFailure`] naming the write that was wrongly applied or refused.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_stale_versions;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_stale_versions(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_stale_versions<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "stale_versions";
    let Some(first) = stores.first() else {
        return Err(KitFailure::new(CHECK, "no store was given"));
    };
    let user = fresh_user(CHECK);
    let mut record = Record::new(&user);
    record.0.version = 1;
    ensure(
        insert(CHECK, &**first, &record).await? == Write::Applied,
        CHECK,
        || "inserting a new record was refused".into(),
    )?;
    let mut next = record.clone();
    next.0.version = 2;
    next.0.epoch = 1;
    for stale in [0, 2, 3, u64::MAX] {
        for (index, store) in stores.iter().enumerate() {
            ensure(
                swap(CHECK, &**store, stale, &next).await? == Write::Conflict,
                CHECK,
                || {
                    format!(
                        "compare_and_swap expecting version {stale} of a record at version 1 was applied (handle {index})"
                    )
                },
            )?;
        }
    }
    all_see(CHECK, stores, &user, Some(&record), "after stale writes").await?;

    let applied = race(stores, |store, task| {
        let mut mine = next.clone();
        mine.0.epoch = 100 + task;
        async move { store.compare_and_swap(1, mine).await }
    })
    .await
    .map_err(|reason| KitFailure::new(CHECK, reason))?;
    ensure(applied.len() == 1, CHECK, || {
        format!(
            "{} of 64 concurrent compare_and_swaps from version 1 were applied",
            applied.len()
        )
    })?;
    let stored = load(CHECK, &**first, &user).await?;
    let winner = applied.first().map(|task| 100 + task);
    ensure(
        stored.as_ref().map(|r| (r.version(), Some(r.epoch()))) == Some((2, winner)),
        CHECK,
        || format!("after the race the store holds {stored:?}, not the winner's write"),
    )?;

    let newcomer = fresh_user(CHECK);
    let applied = race(stores, |store, task| {
        let mut mine = Record::new(&newcomer);
        mine.0.version = 1;
        mine.0.epoch = task;
        async move { store.insert(mine).await }
    })
    .await
    .map_err(|reason| KitFailure::new(CHECK, reason))?;
    ensure(applied.len() == 1, CHECK, || {
        format!(
            "{} of 64 concurrent inserts of one new user were applied",
            applied.len()
        )
    })?;
    lost_updates(stores, &newcomer).await?;
    let _ = delete(CHECK, &**first, &user, 2).await?;
    let stored = load(CHECK, &**first, &newcomer).await?;
    if let Some(stored) = stored {
        let _ = delete(CHECK, &**first, &newcomer, stored.version()).await?;
    }
    Ok(())
}

/// Eight tasks, spread over the handles, each add 1 to `user`'s epoch eight times by read and
/// compare-and-swap, retrying on conflict: no increment is lost, whichever handle wrote it.
async fn lost_updates<S: Store + 'static>(stores: &[Arc<S>], user: &str) -> Result<(), KitFailure> {
    const CHECK: &str = "stale_versions";
    const TASKS: u64 = 8;
    const ROUNDS: u64 = 8;
    let Some(first) = stores.first() else {
        return Err(KitFailure::new(CHECK, "no store was given"));
    };
    let before = load(CHECK, &**first, user)
        .await?
        .ok_or_else(|| KitFailure::new(CHECK, "the record is gone"))?;
    let mut tasks = Vec::new();
    for (index, _) in (0..TASKS).enumerate() {
        let store = Arc::clone(&stores[index % stores.len()]);
        let user = String::from(user);
        tasks.push(tokio::spawn(async move {
            for _ in 0..ROUNDS {
                loop {
                    let Some(mut read) = store.load(&user).await.map_err(|e| format!("{e}"))? else {
                        return Err(String::from("the record disappeared"));
                    };
                    let expected = read.version();
                    read.0.version = expected.saturating_add(1);
                    read.0.epoch = read.0.epoch.saturating_add(1);
                    if store
                        .compare_and_swap(expected, read)
                        .await
                        .map_err(|e| format!("{e}"))?
                        == Write::Applied
                    {
                        break;
                    }
                }
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await
            .map_err(|error| KitFailure::new(CHECK, format!("an incrementing task failed: {error}")))?
            .map_err(|reason| KitFailure::new(CHECK, reason))?;
    }
    let after = load(CHECK, &**first, user)
        .await?
        .ok_or_else(|| KitFailure::new(CHECK, "the record is gone"))?;
    let expected = (before.version() + TASKS * ROUNDS, before.epoch() + TASKS * ROUNDS);
    ensure((after.version(), after.epoch()) == expected, CHECK, || {
        format!(
            "after {} read-and-swap increments the record is at (version, epoch) {:?}, not {expected:?}: an update was lost",
            TASKS * ROUNDS,
            (after.version(), after.epoch())
        )
    })
}

/// Runs 64 writes at once, spread round robin over the handles, and returns the tasks whose
/// write was applied.
async fn race<S, F, Fut>(stores: &[Arc<S>], write: F) -> Result<Vec<u64>, String>
where
    S: Store + 'static,
    F: Fn(Arc<S>, u64) -> Fut,
    Fut: Future<Output = Result<Write, S::Error>> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(super::CONTENDERS));
    let mut tasks = Vec::with_capacity(super::CONTENDERS);
    for (index, task) in (0..super::CONTENDERS).zip(0u64..) {
        let store = Arc::clone(&stores[index % stores.len()]);
        let write = write(store, task);
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            (task, write.await)
        }));
    }
    let mut applied = Vec::new();
    for handle in tasks {
        match handle.await {
            Ok((task, Ok(Write::Applied))) => applied.push(task),
            Ok((_, Ok(Write::Conflict))) => {}
            Ok((_, Err(error))) => return Err(format!("a concurrent write failed: {error} ({error:?})")),
            Err(error) => return Err(format!("a task panicked or was cancelled: {error}")),
        }
    }
    Ok(applied)
}
