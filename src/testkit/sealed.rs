//! Secrets sealed at rest (feature `seal`), through the store under test: it keeps the sealed
//! values byte for byte, never sees a plain secret, and a value moved between users is refused.

use alloc::format;
use alloc::sync::Arc;

use super::harness::{self, Harness, code};
use super::race::{submit, tally};
use super::{KitFailure, ensure};
use crate::policy::Via;
use crate::record::Record;
use crate::seal::{Keyring, SealError, SealingKey};
use crate::secret::Secret;
use crate::service::Error;
use crate::store::Store;

const CHECK: &str = "sealed_at_rest";

fn key(id: u32, byte: u8) -> Result<SealingKey, KitFailure> {
    SealingKey::new(id, &[byte; SealingKey::LEN]).map_err(|error| KitFailure::new(CHECK, format!("{error}")))
}

/// Whether the record's bytes hold the plain secret anywhere.
fn holds(record: &Record, secret: &Secret) -> bool {
    let secret = secret.expose_secret();
    record
        .encode()
        .windows(secret.len())
        .any(|window| window == secret)
}

/// Secrets sealed at rest through the stores: with a keyring, the stored record of a pending
/// and of a confirmed enrollment holds no plain secret and needs no resealing, read through
/// every handle; logins work across the handles and 16 concurrent copies of one code succeed
/// once; a sealed secret written into another user's record is refused
/// ([`SealError::Tampered`]) and nothing is written; after a key rotation,
/// [`TwoFactor::reseal`](crate::TwoFactor::reseal) rewrites the record once and the new key
/// alone then opens it.
///
/// # Errors
/// A [`KitFailure`] naming the step that did not hold.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_sealed_at_rest;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_sealed_at_rest(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_sealed_at_rest<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    let old = Keyring::new(key(1, 0x11)?);
    let config = harness::config(CHECK, harness::lenient())?;
    let harness = Harness::sealed(CHECK, stores, &config, &old)?;

    // A pending enrollment, stored sealed.
    let pending_user = harness::fresh_user(CHECK);
    let enrollment = harness
        .service(0)
        .begin_enrollment(&pending_user, "kit@example.com")
        .await
        .map_err(|error| KitFailure::new(CHECK, format!("begin_enrollment: {error} ({error:?})")))?;
    for index in 0..stores.len() {
        let record = harness.load(CHECK, index, &pending_user).await?;
        ensure(!holds(&record, &enrollment.secret), CHECK, || {
            "the store holds a pending secret in plain".into()
        })?;
        ensure(!record.needs_reseal(&old), CHECK, || {
            "a pending secret is not sealed".into()
        })?;
    }

    // A confirmed one: sealed, and logins work through every handle.
    let alice = harness.enroll(CHECK).await?;
    for index in 0..stores.len() {
        let record = harness.load(CHECK, index, &alice.user).await?;
        ensure(!holds(&record, &alice.secret), CHECK, || {
            "the store holds an active secret in plain".into()
        })?;
        ensure(!record.needs_reseal(&old), CHECK, || {
            "an active secret is not sealed".into()
        })?;
    }
    harness.clock.advance(30);
    let valid = code(&alice.app, harness.now(), 0);
    let outcomes = submit(&harness, &alice.user, alloc::vec![valid; 16])
        .await
        .map_err(|reason| KitFailure::new(CHECK, reason))?;
    let (ok, replays, other) = tally(&outcomes, Via::Code);
    ensure((ok, replays) == (1, 15) && other.is_empty(), CHECK, || {
        format!(
            "16 copies of one code over sealed records: {ok} accepted, {replays} replays, other: {other:?}"
        )
    })?;

    // Alice's sealed secret written into Bob's record: refused, nothing written.
    let bob = harness.enroll(CHECK).await?;
    let alices = harness.load(CHECK, 0, &alice.user).await?;
    let mut bobs = harness.load(CHECK, 0, &bob.user).await?;
    let expected = bobs.0.version;
    bobs.0.authenticators = alices.0.authenticators.clone();
    bobs.0.version = expected.saturating_add(1);
    let written = harness.store(0).compare_and_swap(expected, bobs.clone()).await;
    ensure(matches!(written, Ok(crate::store::Write::Applied)), CHECK, || {
        format!("writing the swapped record: {written:?}")
    })?;
    harness.clock.advance(30);
    let swapped = harness
        .service(1)
        .verify(&bob.user, &code(&alice.app, harness.now(), 0))
        .await;
    ensure(
        matches!(swapped, Err(Error::Seal(SealError::Tampered))),
        CHECK,
        || format!("a sealed secret moved to another user: {swapped:?}"),
    )?;
    let after = harness.load(CHECK, 0, &bob.user).await?;
    ensure(after == bobs, CHECK, || "a refused record was written".into())?;

    // Rotation: key 2 seals, key 1 opens; reseal once; then key 2 alone opens.
    let rotated = Keyring::new(key(2, 0x22)?)
        .with_old_key(key(1, 0x11)?)
        .map_err(|error| KitFailure::new(CHECK, format!("{error}")))?;
    let rotating = Harness::sealed(CHECK, stores, &config, &rotated)?;
    rotating.clock.set(harness.now());
    let first = rotating.service(0).reseal(&alice.user).await;
    let second = rotating.service(stores.len() - 1).reseal(&alice.user).await;
    ensure(matches!((&first, &second), (Ok(true), Ok(false))), CHECK, || {
        format!("reseal after a rotation: {first:?}, then {second:?}")
    })?;
    let retired = Harness::sealed(CHECK, stores, &config, &Keyring::new(key(2, 0x22)?))?;
    retired.clock.set(harness.now());
    let login = retired
        .service(1)
        .verify(&alice.user, &code(&alice.app, harness.now(), 0))
        .await;
    ensure(login.is_ok(), CHECK, || {
        format!("a login after the rotation: {login:?}")
    })
}
