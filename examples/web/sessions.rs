//! Server-side sessions, in memory: a random 128-bit id in a cookie → the user and the credential
//! epoch of their second factor when the session was made.
//!
//! The epoch moves whenever the second factor is enabled, disabled or its backup codes are
//! regenerated. Every request compares the session's epoch with the user's current one
//! (`TwoFactor::status`) and ends the session when it moved: a change made in one session ends
//! every other one. The session that made the change is moved to the new epoch and lives on.
//!
//! In memory, sessions end when the application stops; an application with several instances
//! keeps them in its database or a shared cache instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// A signed-in session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) user_id: i64,
    /// The user's credential epoch when the session was made (or last moved by its own change).
    pub(crate) epoch: u64,
    /// When the session ends whatever happens (Unix seconds).
    pub(crate) expires_at: u64,
}

/// The sessions.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sessions {
    by_id: Arc<Mutex<HashMap<String, Session>>>,
}

/// How long a session lasts at most: 8 hours.
pub(crate) const SESSION_LIFETIME: u64 = 8 * 3600;

impl Sessions {
    /// A new session for `user_id` at `epoch`; returns its id, for the cookie.
    pub(crate) fn create(&self, user_id: i64, epoch: u64, now: u64) -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        let id: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        let session = Session {
            user_id,
            epoch,
            expires_at: now.saturating_add(SESSION_LIFETIME),
        };
        self.lock().insert(id.clone(), session);
        Ok(id)
    }

    /// The session `id`, if it exists and has not expired at `now`.
    pub(crate) fn get(&self, id: &str, now: u64) -> Option<Session> {
        let mut sessions = self.lock();
        let session = *sessions.get(id)?;
        if now >= session.expires_at {
            sessions.remove(id);
            return None;
        }
        Some(session)
    }

    /// Moves the session `id` to a new epoch (after a change the session itself made).
    pub(crate) fn set_epoch(&self, id: &str, epoch: u64) {
        if let Some(session) = self.lock().get_mut(id) {
            session.epoch = epoch;
        }
    }

    /// Ends the session `id`.
    pub(crate) fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves the map consistent (each operation is one call).
        self.by_id.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
