//! The password step's gate: failures per user name, attempts per client address, and a bound on
//! the password hashes in flight.
//!
//! A password hash (Argon2id, 19 MiB) is the most expensive thing a request can ask for, and an
//! unknown name costs the same as a known one (`users.rs`). So before any hash: a client address
//! gets `per_address` attempts per window, a user name (known or not) `per_user` failed ones; and
//! at most `hashes_in_flight` hashes run at once, a request waiting at most `hash_wait` for its
//! turn before it is told to come back (503). Counters live in memory, per instance; several
//! instances would keep them in a shared store. Behind a reverse proxy the client address is the
//! proxy's: take it from the proxy's header instead, and only from a proxy you trust.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits (the defaults are printed at start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PasswordLimits {
    pub(crate) per_user: u32,
    pub(crate) per_address: u32,
    /// The window, in seconds.
    pub(crate) window: u64,
    pub(crate) hashes_in_flight: usize,
    pub(crate) hash_wait: Duration,
}

impl Default for PasswordLimits {
    fn default() -> Self {
        Self {
            per_user: 5,
            per_address: 30,
            window: 15 * 60,
            hashes_in_flight: 4,
            hash_wait: Duration::from_secs(2),
        }
    }
}

impl std::fmt::Display for PasswordLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "password step: {} failures per user name and {} attempts per client address per {} s; \
             at most {} password hashes at once (a request waits {} ms for its turn)",
            self.per_user,
            self.per_address,
            self.window,
            self.hashes_in_flight,
            self.hash_wait.as_millis()
        )
    }
}

/// Why a password attempt was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Too many attempts from this address, or failures for this name: wait until `retry_at`.
    Throttled { retry_at: u64 },
    /// Every hash slot stayed busy for `hash_wait`: come back in a moment.
    Busy,
}

/// A count within a window that started at `started`.
#[derive(Clone, Copy, Debug)]
struct Window {
    started: u64,
    count: u32,
}

/// The gate.
#[derive(Debug)]
pub(crate) struct PasswordGate {
    limits: PasswordLimits,
    failures: Mutex<HashMap<String, Window>>,
    attempts: Mutex<HashMap<IpAddr, Window>>,
    hashes: Arc<Semaphore>,
}

/// Past this many names or addresses, the windows that ended are dropped.
const PRUNE_AT: usize = 10_000;

impl PasswordGate {
    pub(crate) fn new(limits: PasswordLimits) -> Self {
        Self {
            limits,
            failures: Mutex::default(),
            attempts: Mutex::default(),
            hashes: Arc::new(Semaphore::new(limits.hashes_in_flight)),
        }
    }

    /// Takes an attempt for `name` from `address` at `now`, or says why not. The attempt counts
    /// against the address at once; a failure counts against the name through [`Self::failed`].
    pub(crate) fn admit(&self, name: &str, address: IpAddr, now: u64) -> Result<(), Refused> {
        let window = self.limits.window;
        {
            let failures = lock(&self.failures);
            if let Some(entry) = failures
                .get(&key(name))
                .filter(|entry| now < entry.started + window)
                && entry.count >= self.limits.per_user
            {
                return Err(Refused::Throttled {
                    retry_at: entry.started + window,
                });
            }
        }
        let mut attempts = lock(&self.attempts);
        let entry = count(&mut attempts, address, now, window);
        if entry.count >= self.limits.per_address {
            return Err(Refused::Throttled {
                retry_at: entry.started + window,
            });
        }
        entry.count += 1;
        Ok(())
    }

    /// A turn to hash a password, waiting at most `hash_wait`.
    pub(crate) async fn hash_slot(&self) -> Result<OwnedSemaphorePermit, Refused> {
        let acquire = Arc::clone(&self.hashes).acquire_owned();
        match tokio::time::timeout(self.limits.hash_wait, acquire).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(Refused::Busy),
        }
    }

    /// A wrong password for `name`.
    pub(crate) fn failed(&self, name: &str, now: u64) {
        let mut failures = lock(&self.failures);
        count(&mut failures, key(name), now, self.limits.window).count += 1;
    }

    /// The right password for `name`: its failures are forgotten (its address's attempts are not).
    pub(crate) fn succeeded(&self, name: &str) {
        lock(&self.failures).remove(&key(name));
    }
}

/// The name as the users table compares it.
fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The window of `id` at `now`, a new one if it ended; drops ended windows when the map is big.
fn count<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Window>, id: K, now: u64, window: u64) -> &mut Window {
    if map.len() >= PRUNE_AT {
        map.retain(|_, entry| now < entry.started + window);
    }
    let entry = map.entry(id).or_insert(Window {
        started: now,
        count: 0,
    });
    if now >= entry.started + window {
        *entry = Window {
            started: now,
            count: 0,
        };
    }
    entry
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each operation is one call on the map: a panic elsewhere leaves it consistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
