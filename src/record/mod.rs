//! One user's second-factor record: everything the policy needs, read and written whole.
//!
//! A [`Record`] is what a [`Store`](crate::Store) keeps per user: its authenticators (each with
//! a stable id, the user's label, its secret and parameters, its last accepted time step, its
//! learned clock drift, when it was added and last used), a pending enrollment and its expiry,
//! the throttling state of each path (per user, across authenticators), the backup-code set, the
//! login-challenge nonce, the remembered devices, the credential epoch and the version used for
//! compare-and-swap. One record means one read and one conditional write per verification.
//!
//! Stores that keep bytes use [`Record::encode`] and [`Record::decode`]: a compact, versioned
//! binary form (see [`codec`](self) below) that a store puts in one column beside the queryable
//! ones ([`Record::user`], [`Record::is_enabled`], [`Record::throttled_until`],
//! [`Record::epoch`], [`Record::version`]). A record that does not decode is a typed
//! [`RecordError`], never an empty record.

mod codec;
mod error;
mod legacy;
#[cfg(feature = "serde")]
mod legacy_json;
#[cfg(feature = "serde")]
mod serde_impl;

pub use error::RecordError;
#[cfg(feature = "serde")]
pub use serde_impl::{DangerPlainSecrets, danger_plain_secrets};

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::backup::BackupCodeSet;
use crate::otp::{Totp, TotpParams};
#[cfg(feature = "std")]
use crate::seal::Purpose;
use crate::seal::SealedSecret;
use crate::secret::Secret;

/// One user's second-factor state, as a store keeps it. Built and changed by the service
/// through the policy; a store keeps it and never interprets it beyond the accessors.
///
/// Cloning is cheap — a store clones a record on every load — because the user id, the secrets
/// and the backup-code set are shared (reference-counted) between clones and copied only when
/// changed; a secret is zeroized when its last holder drops it.
#[derive(Clone, PartialEq, Eq)]
pub struct Record(pub(crate) State<StoredSecret>);

/// A record whose secrets are all open: what the policy decides on. Only the seam between the
/// store and the policy (`src/service/seam.rs`) turns a [`Record`] into one and back, so the
/// policy never holds a sealed secret — the type has no place for one.
pub(crate) type Opened = State<Plain>;

/// One user's state with its secrets in the form `S`: [`StoredSecret`] (plain or sealed) as
/// stored, [`Plain`] as the policy sees it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct State<S> {
    pub(crate) user: Arc<str>,
    pub(crate) version: u64,
    pub(crate) epoch: u64,
    /// The confirmed authenticators, oldest first; at most [`Record::MAX_AUTHENTICATORS`].
    pub(crate) authenticators: Vec<Authenticator<S>>,
    /// The id the next confirmed authenticator gets: ids are never reused within a record.
    pub(crate) next_id: u32,
    pub(crate) pending: Option<Pending<S>>,
    pub(crate) code_throttle: Throttle,
    pub(crate) backup_throttle: Throttle,
    /// The long-term guessing budget spent: no success refills it.
    pub(crate) budget: Budget,
    pub(crate) since_success: SinceSuccess,
    pub(crate) backup: Option<Arc<BackupCodeSet>>,
    pub(crate) challenge: Option<[u8; Record::NONCE_LEN]>,
    /// Devices the user asked to be remembered, oldest first; at most
    /// [`Record::MAX_DEVICES`]. Forgotten all at once when the epoch moves.
    pub(crate) devices: Vec<RememberedDevice>,
}

/// A confirmed authenticator of a user (an app on a phone, a password manager).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Authenticator<S> {
    /// Stable within the record: given when the authenticator is confirmed, never reused.
    pub(crate) id: u32,
    /// The user's name for it ("Phone"); empty when none was given.
    pub(crate) label: String,
    pub(crate) secret: S,
    pub(crate) params: TotpParams,
    /// The last accepted time step: it and every earlier step are spent (RFC 6238 §5.2).
    pub(crate) last_step: Option<u64>,
    /// The learned clock offset of the user's device, in steps (RFC 6238 §6).
    pub(crate) drift: i64,
    /// When it was confirmed (Unix seconds).
    pub(crate) created_at: u64,
    /// When a code of it was last accepted.
    pub(crate) last_used_at: Option<u64>,
}

/// An enrollment begun but not yet confirmed by a valid code.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Pending<S> {
    /// The label the confirmed authenticator will carry.
    pub(crate) label: String,
    pub(crate) secret: S,
    pub(crate) params: TotpParams,
    pub(crate) expires_at: u64,
}

/// A remembered device: the record's half of a device token (the token itself carries no secret
/// and is authenticated by a server key; the record lets one be listed, expired and revoked).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RememberedDevice {
    pub(crate) id: [u8; Record::DEVICE_ID_LEN],
    pub(crate) label: String,
    pub(crate) created_at: u64,
    pub(crate) last_used_at: u64,
    pub(crate) expires_at: u64,
}

impl RememberedDevice {
    /// The device's id as an application sees it (see [`device_id_text`]).
    pub(crate) fn id_text(&self) -> String {
        device_id_text(&self.id)
    }
}

/// A device id as an application sees it, lists it and gives it back to revoke the device:
/// 22 characters of unpadded base64url.
pub(crate) fn device_id_text(id: &[u8; Record::DEVICE_ID_LEN]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(id)
}

/// The device id `text` names, if it is the text of one ([`device_id_text`]; one text per id).
#[cfg(any(feature = "std", test))]
pub(crate) fn parse_device_id(text: &str) -> Option<[u8; Record::DEVICE_ID_LEN]> {
    if text.len() != data_encoding::BASE64URL_NOPAD.encode_len(Record::DEVICE_ID_LEN) {
        return None;
    }
    let bytes = data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).ok()?;
    bytes.try_into().ok()
}

/// A secret as a store holds it: plain (when the service keeps no keyring), or sealed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoredSecret {
    Plain(Plain),
    Sealed(Arc<SealedSecret>),
}

/// An open secret, shared between the clones of a record.
pub(crate) type Plain = Arc<PlainSecret>;

/// A plain secret with its generator, keyed once for the parameters it is stored with (the
/// keyed HMAC state is as sensitive as the secret, and zeroized with it when the last clone of
/// the record that holds it is dropped). A record decoded from bytes keys it once; records
/// cloned from one another — as an in-memory store does on every load — share it.
pub(crate) struct PlainSecret {
    pub(crate) secret: Secret,
    pub(crate) totp: Totp,
}

impl PlainSecret {
    /// `secret`, keyed for `params`.
    pub(crate) fn new(secret: Secret, params: TotpParams) -> Plain {
        let totp = Totp::new(&secret, params);
        Arc::new(Self { secret, totp })
    }
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
        Self::Plain(PlainSecret::new(secret, params))
    }
}

/// The long-term guessing budget a record has spent ([`GuessingBudget`]): the odds of its
/// wrong codes, in picochances, as of `at`; the leak since is worked out when it is read.
///
/// [`GuessingBudget`]: crate::policy::GuessingBudget
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Budget {
    pub(crate) spent: u64,
    pub(crate) at: u64,
}

/// What the user is told at the next sign-in: failed attempts (codes and backup codes) since
/// the last sign-in with a code or a backup code, and when that was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SinceSuccess {
    pub(crate) failures: u32,
    pub(crate) last_at: Option<u64>,
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
    pub const NONCE_LEN: usize = crate::challenge::NONCE_LEN;
    /// The longest user identifier the service accepts, in bytes (UTF-8).
    pub const MAX_USER_LEN: usize = 1024;
    /// The most authenticators a record holds.
    pub const MAX_AUTHENTICATORS: usize = 10;
    /// The longest label of an authenticator or a device, in bytes (UTF-8).
    pub const MAX_LABEL_LEN: usize = 64;
    /// The most remembered devices a record holds.
    pub const MAX_DEVICES: usize = 32;
    /// Bytes of a remembered device's id.
    pub(crate) const DEVICE_ID_LEN: usize = crate::challenge::DEVICE_ID_LEN;

    /// A record for `user` with nothing enrolled, at version 0 (not stored yet).
    ///
    /// ```
    /// let record = twofactor::store::Record::new("alice");
    /// assert_eq!((record.user(), record.version(), record.is_enabled()), ("alice", 0, false));
    /// ```
    #[must_use]
    pub fn new(user: &str) -> Self {
        Self(State::new(user))
    }

    /// Whether `user` can identify a user on every store: not empty, at most
    /// [`Record::MAX_USER_LEN`] bytes, and no NUL character (PostgreSQL's text cannot hold one;
    /// SQLite and MySQL could, so one rule for all keeps an application portable). The service
    /// refuses any other id before a store is called ([`Error::InvalidUser`](crate::Error::InvalidUser)).
    ///
    /// ```
    /// use twofactor::store::Record;
    ///
    /// assert!(Record::is_valid_user("alice@example.com"));
    /// assert!(!Record::is_valid_user(""));
    /// assert!(!Record::is_valid_user("alice\0"));
    /// ```
    #[must_use]
    pub fn is_valid_user(user: &str) -> bool {
        !user.is_empty() && user.len() <= Self::MAX_USER_LEN && !user.contains('\0')
    }

    /// The application's identifier of the user.
    #[must_use]
    pub fn user(&self) -> &str {
        &self.0.user
    }

    /// The version the store holds this record at; every write moves it by one, and a
    /// compare-and-swap succeeds only against the version it read.
    #[must_use]
    pub const fn version(&self) -> u64 {
        self.0.version
    }

    /// The credential epoch: it moves whenever the second factor is enabled, disabled or its
    /// backup codes are regenerated. Key session invalidation on it.
    #[must_use]
    pub const fn epoch(&self) -> u64 {
        self.0.epoch
    }

    /// Whether the user has a confirmed authenticator.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.0.is_enabled()
    }

    /// The number of confirmed authenticators.
    #[must_use]
    pub fn authenticator_count(&self) -> usize {
        self.0.authenticators.len()
    }

    /// Whether an enrollment is pending confirmation (it may have expired).
    #[must_use]
    pub const fn has_pending_enrollment(&self) -> bool {
        self.0.pending.is_some()
    }

    /// The time (Unix seconds) before which authenticator codes are refused, if any was set;
    /// `u64::MAX` while the path is locked. It may lie in the past: compare it with the time.
    #[must_use]
    pub const fn throttled_until(&self) -> Option<u64> {
        match self.0.code_throttle.blocked_until {
            0 => None,
            until => Some(until),
        }
    }

    /// Consecutive failed authenticator codes since the last success.
    #[must_use]
    pub const fn code_failures(&self) -> u32 {
        self.0.code_throttle.failures
    }

    /// Consecutive failed backup codes since the last success.
    #[must_use]
    pub const fn backup_failures(&self) -> u32 {
        self.0.backup_throttle.failures
    }

    /// Unused backup codes, if a set exists.
    #[must_use]
    pub fn backup_codes_remaining(&self) -> Option<usize> {
        self.0.backup_codes_remaining()
    }
}

impl<S> State<S> {
    /// The state of a user with nothing enrolled, at version 0.
    pub(crate) fn new(user: &str) -> Self {
        Self {
            user: user.into(),
            version: 0,
            epoch: 0,
            authenticators: Vec::new(),
            next_id: 1,
            pending: None,
            code_throttle: Throttle::default(),
            backup_throttle: Throttle::default(),
            budget: Budget::default(),
            since_success: SinceSuccess::default(),
            backup: None,
            challenge: None,
            devices: Vec::new(),
        }
    }

    /// Whether the user has a confirmed authenticator.
    pub(crate) fn is_enabled(&self) -> bool {
        !self.authenticators.is_empty()
    }

    /// Unused backup codes, if a set exists.
    pub(crate) fn backup_codes_remaining(&self) -> Option<usize> {
        self.backup.as_ref().map(|set| set.remaining())
    }

    /// The first (oldest) authenticator: the one 0.2's flows enroll, verify and resynchronise.
    pub(crate) fn primary(&self) -> Option<&Authenticator<S>> {
        self.authenticators.first()
    }

    /// Adds a confirmed authenticator under the next id, first used at `now` (its confirming
    /// code), and returns the id.
    pub(crate) fn add_authenticator(
        &mut self,
        label: String,
        secret: S,
        params: TotpParams,
        found: Option<(u64, i64)>,
        now: u64,
    ) -> u32 {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        self.authenticators.push(Authenticator {
            id,
            label,
            secret,
            params,
            last_step: found.map(|(step, _)| step),
            drift: found.map_or(0, |(_, drift)| drift),
            created_at: now,
            last_used_at: found.map(|_| now),
        });
        id
    }

    /// The same state with every secret — each authenticator's, then the pending one — turned
    /// into another form by `convert` (given the secret, the field it is in, and its
    /// parameters); the first error stops it and nothing is returned.
    #[cfg(feature = "std")]
    pub(crate) fn try_map_secrets<T, E>(
        self,
        mut convert: impl FnMut(S, Purpose, TotpParams) -> Result<T, E>,
    ) -> Result<State<T>, E> {
        let authenticators = self
            .authenticators
            .into_iter()
            .map(|authenticator| {
                Ok(Authenticator {
                    secret: convert(authenticator.secret, Purpose::Active, authenticator.params)?,
                    id: authenticator.id,
                    label: authenticator.label,
                    params: authenticator.params,
                    last_step: authenticator.last_step,
                    drift: authenticator.drift,
                    created_at: authenticator.created_at,
                    last_used_at: authenticator.last_used_at,
                })
            })
            .collect::<Result<Vec<_>, E>>()?;
        let pending = match self.pending {
            None => None,
            Some(pending) => Some(Pending {
                secret: convert(pending.secret, Purpose::Pending, pending.params)?,
                label: pending.label,
                params: pending.params,
                expires_at: pending.expires_at,
            }),
        };
        Ok(State {
            user: self.user,
            version: self.version,
            epoch: self.epoch,
            authenticators,
            next_id: self.next_id,
            pending,
            code_throttle: self.code_throttle,
            backup_throttle: self.backup_throttle,
            budget: self.budget,
            since_success: self.since_success,
            backup: self.backup,
            challenge: self.challenge,
            devices: self.devices,
        })
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<S> fmt::Debug for State<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("user", &self.user)
            .field("version", &self.version)
            .field("epoch", &self.epoch)
            .field("authenticators", &self.authenticators.len())
            .field("pending", &self.pending.is_some())
            .field("code_throttle", &self.code_throttle)
            .field("backup_throttle", &self.backup_throttle)
            .field("backup_codes_remaining", &self.backup_codes_remaining())
            .finish_non_exhaustive()
    }
}
