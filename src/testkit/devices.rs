//! Remembered devices under concurrency: a revoke racing sign-ins on the revoked device.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use super::harness::{self, Harness};
use super::{CONTENDERS, KitFailure, ensure};
use crate::challenge::{ChallengeKey, ChallengeKeyring, DeviceProblem};
use crate::policy::{LAST_USE_RESOLUTION, Policy};
use crate::service::Error;
use crate::store::Store;

/// Tasks signing in on the device while it is revoked.
const SIGNERS: usize = CONTENDERS / 8;
/// Writing sign-ins each task makes once the revoke has started.
const WRITES_AFTER: usize = 4;
// The revoke loses at most this many races: fewer than the service retries.
const _: () = assert!(SIGNERS * (WRITES_AFTER + 1) < crate::service::Config::DEFAULT_MAX_RETRIES as usize);
/// Sign-ins one task makes at most before the check gives up on seeing the revoke.
const MAX_ROUNDS: usize = 10_000;

/// What one signing task saw: the tickets of its accepted sign-ins, and whether it was refused
/// as revoked at last (or stopped at an acceptance after the revoke).
struct Seen {
    accepted: Vec<u64>,
    refused: bool,
}

/// The revoke's ticket until it is known.
const NOT_YET: u64 = u64::MAX;

/// A revoke racing sign-ins on the device it revokes, spread over the handles: 8 tasks sign in
/// with one remembered device's token again and again (each success a write of its last use),
/// and once each has succeeded, another task revokes the device. Every attempt takes a ticket
/// from one counter before it starts, and the revoke takes one after it returns: no sign-in
/// whose ticket comes after the revoke's is accepted — the revoke, once written, is never lost
/// to a sign-in that read the record before it (a compare-and-swap that ignores the version
/// would write the device back) — and every task ends refused with
/// [`DeviceProblem::Revoked`]. Conflicts past the retries are denials, and allowed.
///
/// # Errors
/// A [`KitFailure`] with the tickets, or any other outcome.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_concurrent_device_revoke;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_concurrent_device_revoke(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_concurrent_device_revoke<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "concurrent_device_revoke";
    let key =
        ChallengeKey::new(1, &[0x6c; 32]).map_err(|error| KitFailure::new(CHECK, format!("{error}")))?;
    let keys = ChallengeKeyring::new(key);
    let harness = Harness::keyed(CHECK, stores, &harness::config(CHECK, Policy::DEFAULT)?, &keys)?;
    let enrolled = harness.enroll(CHECK).await?;
    let user = enrolled.user;
    let token = harness
        .service(0)
        .remember_device(&user, "conformance kit")
        .await
        .map_err(|error| KitFailure::new(CHECK, format!("remember_device: {error} ({error:?})")))?;
    let listed = harness
        .service(1)
        .remembered_devices(&user)
        .await
        .map_err(|error| KitFailure::new(CHECK, format!("remembered_devices: {error} ({error:?})")))?;
    let Some(id) = listed.first().map(|device| device.id.clone()) else {
        return Err(KitFailure::new(CHECK, "the remembered device is not listed"));
    };

    let tickets = Arc::new(AtomicU64::new(0));
    let revoked_at = Arc::new(AtomicU64::new(NOT_YET));
    let successes = Arc::new(AtomicUsize::new(0));
    // Until the revoke starts and for `WRITES_AFTER` rounds of each task after, each sign-in
    // moves the clock past the last use's resolution, so that it writes: the revoke races
    // writes (a sign-in's write must never bring a revoked device back). Then sign-ins within
    // the minute only read, as a token used in a loop does; the revoke has lost at most
    // `SIGNERS · (WRITES_AFTER + 1)` races by then, within the service's retries.
    let revoking = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(tokio::sync::Barrier::new(SIGNERS + 1));
    let mut signers = Vec::with_capacity(SIGNERS);
    for index in 0..SIGNERS {
        let service = Arc::clone(harness.service(index));
        let (tickets, successes, barrier) =
            (Arc::clone(&tickets), Arc::clone(&successes), Arc::clone(&barrier));
        let (revoked_at, revoking) = (Arc::clone(&revoked_at), Arc::clone(&revoking));
        let clock = harness.clock.clone();
        let (user, token) = (user.clone(), token.clone());
        signers.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut seen = Seen {
                accepted: Vec::new(),
                refused: false,
            };
            let mut writes = 0;
            for _ in 0..MAX_ROUNDS {
                if writes < WRITES_AFTER {
                    clock.advance(LAST_USE_RESOLUTION);
                    if revoking.load(Ordering::SeqCst) {
                        writes += 1;
                    }
                }
                let ticket = tickets.fetch_add(1, Ordering::SeqCst);
                match service.verify_remembered(&user, token.as_str()).await {
                    Ok(_) => {
                        seen.accepted.push(ticket);
                        successes.fetch_add(1, Ordering::SeqCst);
                        if ticket > revoked_at.load(Ordering::SeqCst) {
                            // Accepted after the revoke: the check has failed; stop here.
                            break;
                        }
                    }
                    Err(Error::RememberedDevice(DeviceProblem::Revoked)) => {
                        seen.refused = true;
                        break;
                    }
                    Err(Error::Conflict) => {}
                    Err(other) => return Err(format!("a sign-in gave {other} ({other:?})")),
                }
                // Let the revoking task run on a busy single worker too.
                tokio::task::yield_now().await;
            }
            Ok(seen)
        }));
    }
    let revoker = {
        let service = Arc::clone(harness.service(SIGNERS));
        let (tickets, successes, barrier) =
            (Arc::clone(&tickets), Arc::clone(&successes), Arc::clone(&barrier));
        let (revoked_at, revoking) = (Arc::clone(&revoked_at), Arc::clone(&revoking));
        let user = user.clone();
        tokio::spawn(async move {
            barrier.wait().await;
            // Revoke while the sign-ins are in full swing.
            for _ in 0..MAX_ROUNDS {
                if successes.load(Ordering::SeqCst) >= SIGNERS {
                    break;
                }
                tokio::task::yield_now().await;
            }
            revoking.store(true, Ordering::SeqCst);
            loop {
                match service.revoke_device(&user, &id).await {
                    Ok(true) => break,
                    Ok(false) => return Err(String::from("the device was gone before it was revoked")),
                    Err(Error::Conflict) => {}
                    Err(other) => return Err(format!("revoke_device gave {other} ({other:?})")),
                }
            }
            let ticket = tickets.fetch_add(1, Ordering::SeqCst);
            revoked_at.store(ticket, Ordering::SeqCst);
            Ok(ticket)
        })
    };
    let revoked_at = revoker
        .await
        .map_err(|error| KitFailure::new(CHECK, format!("the revoking task failed: {error}")))?
        .map_err(|reason| KitFailure::new(CHECK, reason))?;
    let mut accepted = 0;
    let mut late = Vec::new();
    for signer in signers {
        let seen = signer
            .await
            .map_err(|error| KitFailure::new(CHECK, format!("a signing task failed: {error}")))?
            .map_err(|reason| KitFailure::new(CHECK, reason))?;
        accepted += seen.accepted.len();
        let before = late.len();
        late.extend(seen.accepted.into_iter().filter(|&ticket| ticket > revoked_at));
        ensure(seen.refused || late.len() > before, CHECK, || {
            format!("a task signed in {MAX_ROUNDS} times and never saw the device revoked")
        })?;
    }
    ensure(late.is_empty(), CHECK, || {
        format!(
            "sign-ins that started after the revoke returned (ticket {revoked_at}) were accepted: tickets {late:?}"
        )
    })?;
    // At least one sign-in ran beside the revoke. (A busy one-connection SQLite pool may let only
    // a few through before the revoke is written; that is still a race, and `late` is the check.)
    ensure(accepted >= 1, CHECK, || {
        "no sign-in was accepted before the revoke: the race did not happen".into()
    })?;
    for index in 0..stores.len().max(2) {
        let record = harness.load(CHECK, index, &user).await?;
        ensure(record.0.devices.is_empty(), CHECK, || {
            format!("after the revoke, handle {index} still holds the device")
        })?;
        let again = harness
            .service(index)
            .verify_remembered(&user, token.as_str())
            .await;
        ensure(
            matches!(again, Err(Error::RememberedDevice(DeviceProblem::Revoked))),
            CHECK,
            || format!("after the revoke, a sign-in through handle {index} gave {again:?}"),
        )?;
    }
    Ok(())
}
