//! Bursts of expensive attempts (issue 17, point 5): an Argon2id hash costs about 19 MiB and
//! 20 ms, so the service bounds how many it computes.
//!
//! * **Per user, no more hashes than countable failures.** A backup-code attempt that needs an
//!   expensive hash takes its user's lane, then reads the record again and decides again before
//!   hashing, and keeps the lane until its write. Of 64 concurrent wrong codes for one user, each
//!   sees the failures the earlier ones wrote: once the throttle closes, the rest are refused
//!   before any hash — as many hashes as failures counted (4 at the default policy), where each
//!   would otherwise have hashed against the record all 64 read at once. Lanes are striped
//!   (users share one of [`LANES`] by a keyed hash of their id): memory stays fixed, and two users
//!   on one stripe only take turns.
//! * **Across users, at most `max_concurrent_hashes` at once**
//!   ([`ConfigBuilder::max_concurrent_hashes`](crate::ConfigBuilder::max_concurrent_hashes),
//!   the number of CPUs by default): every expensive hash or set waits for a slot, so a flood
//!   holds a bounded amount of memory.
//!
//! Both bound one service value (one process); instances behind a load balancer each have their
//! own.

use alloc::boxed::Box;
use core::hash::BuildHasher;
use std::collections::hash_map::RandomState;

use tokio::sync::{Mutex, MutexGuard, Semaphore, SemaphorePermit};

/// Lanes per service.
pub(super) const LANES: usize = 256;

/// The lanes and the slots of one service, shared by its calls.
pub(super) struct Bursts {
    slots: Semaphore,
    lanes: Box<[Mutex<()>]>,
    keys: RandomState,
}

impl Bursts {
    /// `slots` expensive hashes at once (at least 1).
    pub(super) fn new(slots: usize) -> Self {
        Self {
            slots: Semaphore::new(slots.clamp(1, Semaphore::MAX_PERMITS)),
            lanes: (0..LANES).map(|_| Mutex::new(())).collect(),
            keys: RandomState::new(),
        }
    }

    /// `user`'s lane, held until dropped.
    pub(super) async fn lane(&self, user: &str) -> MutexGuard<'_, ()> {
        let index = usize::try_from(self.keys.hash_one(user) % LANES as u64).unwrap_or(0);
        match self.lanes.get(index) {
            Some(lane) => lane.lock().await,
            // `index < LANES`: not reached; the first lane keeps the guard meaningful.
            None => self.lanes[0].lock().await,
        }
    }

    /// A slot for one expensive hash (or set), held until dropped; `None` if the service is
    /// shutting its slots (never: they are never closed).
    pub(super) async fn slot(&self) -> Option<SemaphorePermit<'_>> {
        self.slots.acquire().await.ok()
    }

    /// The slots free now (tests).
    #[cfg(test)]
    pub(super) fn free(&self) -> usize {
        self.slots.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_lane_per_user_and_bounded_slots() {
        let bursts = Bursts::new(2);
        let first = bursts.lane("alice").await;
        // The same user waits; it does not get the lane while it is held.
        assert!(
            tokio::time::timeout(core::time::Duration::from_millis(20), bursts.lane("alice"))
                .await
                .is_err()
        );
        drop(first);
        let _again = bursts.lane("alice").await;
        let (a, b) = (bursts.slot().await, bursts.slot().await);
        assert_eq!(bursts.free(), 0);
        assert!(
            tokio::time::timeout(core::time::Duration::from_millis(20), bursts.slot())
                .await
                .is_err()
        );
        drop((a, b));
        assert_eq!(bursts.free(), 2);
        assert_eq!(Bursts::new(0).free(), 1);
    }
}
