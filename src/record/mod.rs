//! One user's second-factor record: everything the policy needs, read and written whole.
//!
//! A [`Record`] is what a [`Store`](crate::Store) keeps per user: the active TOTP secret and its
//! parameters, a pending enrollment and its expiry, the last accepted time step, the learned
//! clock drift, the throttling state of each path, the backup-code set, the login-challenge
//! nonce, the credential epoch and the version used for compare-and-swap. One record means one
//! read and one conditional write per verification.
//!
//! Stores that keep bytes use [`Record::encode`] and [`Record::decode`]: a compact, versioned
//! binary form (see [`codec`](self) below) that a store puts in one column beside the queryable
//! ones ([`Record::user`], [`Record::is_enabled`], [`Record::throttled_until`],
//! [`Record::epoch`], [`Record::version`]). A record that does not decode is a typed
//! [`RecordError`], never an empty record.

mod codec;
mod error;
#[cfg(feature = "seal")]
mod seal;
#[cfg(feature = "serde")]
mod serde_impl;

pub use error::RecordError;
#[cfg(all(feature = "seal", feature = "std"))]
pub(crate) use seal::Unsealed;
#[cfg(feature = "serde")]
pub use serde_impl::{DangerPlainSecrets, danger_plain_secrets};

use alloc::sync::Arc;
use core::fmt;

use crate::backup::BackupCodeSet;
use crate::otp::{Totp, TotpParams};
use crate::seal::SealedSecret;
use crate::secret::Secret;

/// One user's second-factor state. Built and changed by the service through the policy;
/// a store keeps it and never interprets it beyond the accessors.
///
/// Cloning is cheap — a store clones a record on every load — because the user id, the secrets
/// and the backup-code set are shared (reference-counted) between clones and copied only when
/// changed; a secret is zeroized when its last holder drops it.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    pub(crate) user: Arc<str>,
    pub(crate) version: u64,
    pub(crate) epoch: u64,
    pub(crate) active: Option<Active>,
    pub(crate) pending: Option<Pending>,
    pub(crate) code_throttle: Throttle,
    pub(crate) backup_throttle: Throttle,
    pub(crate) backup: Option<Arc<BackupCodeSet>>,
    pub(crate) challenge: Option<[u8; Record::NONCE_LEN]>,
}

/// The confirmed authenticator of a user.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Active {
    pub(crate) secret: StoredSecret,
    pub(crate) params: TotpParams,
    /// The last accepted time step: it and every earlier step are spent (RFC 6238 §5.2).
    pub(crate) last_step: Option<u64>,
    /// The learned clock offset of the user's device, in steps (RFC 6238 §6).
    pub(crate) drift: i64,
    pub(crate) enabled_at: u64,
}

/// An enrollment begun but not yet confirmed by a valid code.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) secret: StoredSecret,
    pub(crate) params: TotpParams,
    pub(crate) expires_at: u64,
}

/// A secret as the record holds it: plain (in memory, or in a store when no keyring is used),
/// or sealed (as a service with a keyring writes it, and as it loads it before opening).
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoredSecret {
    Plain(Arc<PlainSecret>),
    Sealed(Arc<SealedSecret>),
}

/// A plain secret with its generator, keyed once for the parameters it is stored with (the
/// keyed HMAC state is as sensitive as the secret, and zeroized with it when the last clone of
/// the record that holds it is dropped). A record decoded from bytes keys it once; records
/// cloned from one another — as an in-memory store does on every load — share it.
pub(crate) struct PlainSecret {
    pub(crate) secret: Secret,
    pub(crate) totp: Totp,
}

/// Equal secrets under equal parameters (the generator follows from them).
impl PartialEq for PlainSecret {
    fn eq(&self, other: &Self) -> bool {
        self.totp.params() == other.totp.params() && self.secret == other.secret
    }
}

impl Eq for PlainSecret {}

impl StoredSecret {
    /// A plain secret, keyed for `params`.
    pub(crate) fn plain(secret: Secret, params: TotpParams) -> Self {
        let totp = Totp::new(&secret, params);
        Self::Plain(Arc::new(PlainSecret { secret, totp }))
    }

    /// The generator of the secret, for the parameters it was stored with; `None` while the
    /// secret is sealed (the service opens records before the policy sees them, so the policy
    /// refuses a sealed secret as a failure, never skips it).
    pub(crate) fn totp(&self) -> Option<&Totp> {
        match self {
            Self::Plain(plain) => Some(&plain.totp),
            Self::Sealed(_) => None,
        }
    }

    #[cfg(feature = "std")]
    pub(crate) const fn is_sealed(&self) -> bool {
        matches!(self, Self::Sealed(_))
    }
}

/// The throttling state of one path (authenticator codes, or backup codes): consecutive
/// failures since the last success, and the time before which attempts are refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Throttle {
    pub(crate) failures: u32,
    pub(crate) blocked_until: u64,
}

impl Record {
    /// Bytes of a login-challenge nonce.
    pub const NONCE_LEN: usize = 16;
    /// The longest user identifier the service accepts, in bytes (UTF-8).
    pub const MAX_USER_LEN: usize = 1024;

    /// A record for `user` with nothing enrolled, at version 0 (not stored yet).
    ///
    /// ```
    /// let record = twofactor::store::Record::new("alice");
    /// assert_eq!((record.user(), record.version(), record.is_enabled()), ("alice", 0, false));
    /// ```
    #[must_use]
    pub fn new(user: &str) -> Self {
        Self {
            user: user.into(),
            version: 0,
            epoch: 0,
            active: None,
            pending: None,
            code_throttle: Throttle::default(),
            backup_throttle: Throttle::default(),
            backup: None,
            challenge: None,
        }
    }

    /// The application's identifier of the user.
    #[must_use]
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The version the store holds this record at; every write moves it by one, and a
    /// compare-and-swap succeeds only against the version it read.
    #[must_use]
    pub const fn version(&self) -> u64 {
        self.version
    }

    /// The credential epoch: it moves whenever the second factor is enabled, disabled or its
    /// backup codes are regenerated. Key session invalidation on it.
    #[must_use]
    pub const fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Whether a confirmed authenticator is active.
    #[must_use]
    pub const fn is_enabled(&self) -> bool {
        self.active.is_some()
    }

    /// Whether an enrollment is pending confirmation (it may have expired).
    #[must_use]
    pub const fn has_pending_enrollment(&self) -> bool {
        self.pending.is_some()
    }

    /// The time (Unix seconds) before which authenticator codes are refused, if any was set;
    /// `u64::MAX` while the path is locked. It may lie in the past: compare it with the time.
    #[must_use]
    pub const fn throttled_until(&self) -> Option<u64> {
        match self.code_throttle.blocked_until {
            0 => None,
            until => Some(until),
        }
    }

    /// Consecutive failed authenticator codes since the last success.
    #[must_use]
    pub const fn code_failures(&self) -> u32 {
        self.code_throttle.failures
    }

    /// Consecutive failed backup codes since the last success.
    #[must_use]
    pub const fn backup_failures(&self) -> u32 {
        self.backup_throttle.failures
    }

    /// Unused backup codes, if a set exists.
    #[must_use]
    pub fn backup_codes_remaining(&self) -> Option<usize> {
        self.backup.as_ref().map(|set| set.remaining())
    }

    /// Whether the active or the pending secret is sealed.
    #[cfg(feature = "std")]
    pub(crate) fn holds_sealed(&self) -> bool {
        let active = self.active.as_ref().map(|active| &active.secret);
        let pending = self.pending.as_ref().map(|pending| &pending.secret);
        active.into_iter().chain(pending).any(StoredSecret::is_sealed)
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("user", &self.user)
            .field("version", &self.version)
            .field("epoch", &self.epoch)
            .field("enabled", &self.is_enabled())
            .field("pending", &self.has_pending_enrollment())
            .field("code_throttle", &self.code_throttle)
            .field("backup_throttle", &self.backup_throttle)
            .field("backup_codes_remaining", &self.backup_codes_remaining())
            .finish_non_exhaustive()
    }
}
