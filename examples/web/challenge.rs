//! Interim login challenges, kept by the application in memory, until the service's own
//! (`TwoFactor::issue_challenge`, `challenge_user`, `verify_with_challenge`) is merged: the
//! same behaviour seen from HTTP — single use, superseded by a newer one, expired after 5
//! minutes, refused when not issued here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Why a challenge was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not the shape of a token.
    Malformed,
    /// Not a token issued here.
    Forged,
    /// Too old.
    Expired,
    /// A newer challenge was issued for the user.
    Superseded,
    /// It already signed in.
    Used,
}

#[derive(Debug)]
struct Pending {
    nonce: String,
    expires_at: u64,
    used: bool,
}

/// The current challenge of each user.
#[derive(Clone, Debug, Default)]
pub(crate) struct Challenges {
    by_user: Arc<Mutex<HashMap<String, Pending>>>,
}

/// A challenge's lifetime: 5 minutes.
pub(crate) const LIFETIME: u64 = 5 * 60;

impl Challenges {
    /// A new challenge for `user`, superseding the previous one: the token, `<user>.<nonce>`.
    pub(crate) fn issue(&self, user: &str, now: u64) -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        let nonce: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        let token = format!("{user}.{nonce}");
        let pending = Pending {
            nonce,
            expires_at: now.saturating_add(LIFETIME),
            used: false,
        };
        self.lock().insert(user.to_owned(), pending);
        Ok(token)
    }

    /// The user a token names (its shape only).
    pub(crate) fn user(token: &str) -> Result<&str, Refusal> {
        match token.split_once('.') {
            Some((user, nonce)) if !user.is_empty() && nonce.len() == 32 => Ok(user),
            _ => Err(Refusal::Malformed),
        }
    }

    /// Whether `token` is `user`'s current, unused, unexpired challenge at `now`.
    pub(crate) fn check(&self, user: &str, token: &str, now: u64) -> Result<(), Refusal> {
        let nonce = token
            .strip_prefix(user)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or(Refusal::Malformed)?;
        let challenges = self.lock();
        let pending = challenges.get(user).ok_or(Refusal::Forged)?;
        if pending.nonce != nonce {
            // Not the current one: superseded if it could have been an earlier one.
            return Err(
                if nonce.len() == pending.nonce.len() && nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Refusal::Superseded
                } else {
                    Refusal::Forged
                },
            );
        }
        if pending.used {
            return Err(Refusal::Used);
        }
        if now >= pending.expires_at {
            return Err(Refusal::Expired);
        }
        Ok(())
    }

    /// Marks `user`'s challenge used.
    pub(crate) fn spend(&self, user: &str) {
        if let Some(pending) = self.lock().get_mut(user) {
            pending.used = true;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.by_user.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
