//! The conformance kit: one call that proves a [`Store`] implementation correct, through the
//! service, concurrency included.
//!
//! ```
//! use std::sync::Arc;
//! use twofactor::MemoryStore;
//!
//! # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
//! // Your store here; two handles on it, as two application instances would hold.
//! let store = Arc::new(MemoryStore::new());
//! twofactor::testkit::run_conformance(vec![Arc::clone(&store), store]).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The [`store`](crate::store) module shows a complete custom store proven this way.
//!
//! Documented on [`run_conformance`].

mod authenticators;
mod clock;
mod crud;
mod devices;
mod fail_closed;
mod failing;
mod failure;
mod flow;
mod harness;
mod list;
mod race;
#[cfg(feature = "seal")]
mod sealed;

pub use authenticators::check_concurrent_authenticators;
pub use clock::check_server_time;
pub use crud::{check_crud, check_stale_versions};
pub use devices::check_concurrent_device_revoke;
pub use fail_closed::check_fail_closed;
pub use failing::{FailingStore, FailingStoreError};
pub use failure::KitFailure;
pub use flow::check_whole_flow;
pub use list::check_listing;
pub use race::{check_concurrent_backup_code, check_concurrent_code, check_concurrent_failures};
#[cfg(feature = "seal")]
pub use sealed::check_sealed_at_rest;

use alloc::sync::Arc;
use alloc::vec::Vec;

use failure::ensure;
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::store::Store;

/// Concurrent tasks per race.
const CONTENDERS: usize = 64;

/// Runs every check of the kit against `stores` — handles that all see the same data — and
/// returns the first failure: one call that proves a [`Store`] implementation correct, through
/// the service, concurrency included.
///
/// It runs every check below in turn and stops at the first failure; each
/// check is also a function of its own, so that a failure is easy to localise and rerun.
///
/// | check | proves |
/// | --- | --- |
/// | [`check_crud`] | create, read, update, delete, insert again; every field round-trips; every handle sees every write |
/// | [`check_stale_versions`] | a write at a stale version is refused; of 64 concurrent writes from one version, or inserts of one user, exactly one is applied; read-and-swap increments from every handle lose none |
/// | [`check_concurrent_code`] | 64 concurrent submissions of one valid code: exactly one succeeds, 63 are told it was a replay |
/// | [`check_concurrent_backup_code`] | 64 concurrent submissions of one backup code: exactly one succeeds; the code is then used |
/// | [`check_concurrent_failures`] | N concurrent wrong codes raise the failure count by exactly N, on each path |
/// | [`check_concurrent_authenticators`] | of 8 racing adds exactly one is confirmed; a removal racing 32 logins with the removed authenticator's code is never undone, and no login is accepted after it |
/// | [`check_concurrent_device_revoke`] | a remembered device revoked while 8 tasks sign in on it: no sign-in that starts after the revoke returns is accepted |
/// | [`check_fail_closed`] | a store whose writes (or reads) fail: every verification is denied, nothing changes |
/// | `check_sealed_at_rest` (feature `seal`) | with a keyring the store holds no plain secret, keeps sealed values byte for byte, refuses one moved to another user; rotation reseals once |
/// | [`check_server_time`] | a store that reports its server's time ([`Store::server_time`]) reports Unix seconds within 5 s of this machine's clock, from every handle |
/// | [`check_whole_flow`] | enroll, confirm, log in, replay, drift, resync, throttle, lock, recover, regenerate, disable; events carry no secret |
///
/// # How to call it
///
/// Pass handles that all see the **same** data: one handle for an in-process store, or — to
/// test what matters for a database — two or more connections or pools on one database, or one
/// SQLite file opened twice. The kit spreads its concurrent tasks round robin over them. It uses
/// fresh user ids (with a random suffix) and cleans up only what it can, so it can run against a
/// table that already holds rows; a deployment's own tables are best left out of it.
///
/// The kit must run inside a **multi-threaded tokio runtime** (`#[tokio::test(flavor =
/// "multi_thread")]`): it spawns truly parallel tasks, and reports a failure if it cannot. It
/// drives the service with a [`ManualClock`](crate::ManualClock) and HMAC backup codes, so it
/// takes seconds, not minutes.
///
/// # Errors
/// The first [`KitFailure`]: which check failed and why. `runtime` if it is not called inside a
/// multi-threaded tokio runtime, `stores` if the list is empty.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::run_conformance;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// // Two handles on one store: the kit spreads its concurrent tasks over both.
/// let store = Arc::new(MemoryStore::new());
/// run_conformance(vec![Arc::clone(&store), store]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn run_conformance<S: Store + 'static>(stores: Vec<Arc<S>>) -> Result<(), KitFailure> {
    let flavor = Handle::try_current().map(|handle| handle.runtime_flavor());
    ensure(
        matches!(flavor, Ok(RuntimeFlavor::MultiThread)),
        "runtime",
        || {
            alloc::format!(
                "the kit needs a multi-threaded tokio runtime to run tasks in parallel; found {flavor:?}"
            )
        },
    )?;
    ensure(!stores.is_empty(), "stores", || "no store was given".into())?;
    check_crud(&stores).await?;
    check_stale_versions(&stores).await?;
    check_concurrent_code(&stores).await?;
    check_concurrent_backup_code(&stores).await?;
    check_concurrent_failures(&stores).await?;
    check_concurrent_authenticators(&stores).await?;
    check_concurrent_device_revoke(&stores).await?;
    check_fail_closed(&stores).await?;
    #[cfg(feature = "seal")]
    check_sealed_at_rest(&stores).await?;
    check_server_time(&stores).await?;
    check_whole_flow(&stores).await
}
