//! How a backup code is hashed: the [`CodeHasher`] trait and the schemes a stored set names.

use alloc::sync::Arc;
use core::fmt;

use super::error::BackupError;

/// A hashing scheme and its parameters, as recorded in a stored set.
///
/// A set remembers the scheme it was hashed under, so it keeps verifying after the
/// application's defaults change; [`BackupCodeSet::needs_rehash`](crate::backup::BackupCodeSet::needs_rehash)
/// compares it with a hasher's current [`CodeHasher::scheme`].
///
/// Every scheme takes a salt of [`HashScheme::SALT_LEN`] bytes — one per set, or one per code
/// for bcrypt ([`HashScheme::salts_each_code`]) — and yields [`HashScheme::HASH_LEN`] bytes
/// (bcrypt's 23, then zeros).
///
/// ```
/// use twofactor::backup::HashScheme;
///
/// let scheme = HashScheme::HmacSha256 { key_id: 3 };
/// assert_ne!(scheme, HashScheme::HmacSha256 { key_id: 4 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashScheme {
    /// Argon2id version 0x13 (RFC 9106), a password-hashing function: `hash =
    /// Argon2id(password = code, salt, m, t, p)`, 32 bytes out, no secret key, no associated
    /// data.
    Argon2id {
        /// Memory in KiB, `ARGON2_MIN_M_COST..=ARGON2_MAX_M_COST` and at least `8 × p_cost`.
        m_cost: u32,
        /// Passes over the memory, `1..=ARGON2_MAX_T_COST`.
        t_cost: u32,
        /// Lanes, `1..=ARGON2_MAX_P_COST`.
        p_cost: u32,
    },
    /// HMAC-SHA-256 (RFC 2104) under a server-held key: `hash = HMAC(key, "twofactor backup
    /// code v1" ‖ 0x00 ‖ salt ‖ code)`.
    HmacSha256 {
        /// The identifier of the key, so that keys can be rotated and a set hashed under another
        /// key is refused rather than compared.
        key_id: u32,
    },
    /// bcrypt (Provos and Mazières, 1999), a **verify-only legacy** scheme: the hashes of codes
    /// an application issued before it used this crate, imported as they were
    /// ([`BackupCodeSet::import_bcrypt`](crate::backup::BackupCodeSet::import_bcrypt), feature
    /// `bcrypt`). Each code has a salt of its own, so a lookup costs one bcrypt call per code of
    /// the set, not one per attempt; new sets are never hashed under it, and a regeneration
    /// replaces the set with the configured hasher's scheme. The crate computes it itself
    /// ([`CodeHasher::hash_legacy`]): `hash = bcrypt(cost, code's salt, code ‖ 0x00)`, its 23
    /// bytes, the code being the canonical one in the case the application issued it in.
    Bcrypt {
        /// The cost (log2 of the rounds), [`HashScheme::BCRYPT_MIN_COST`]..=[`HashScheme::BCRYPT_MAX_COST`].
        cost: u32,
        /// Whether the codes were issued, and hashed, in lower case (`a3f0…`: Devise's hex
        /// codes); upper case otherwise. Digits read the same either way.
        lowercase: bool,
    },
}

impl HashScheme {
    /// The length of the per-set salt: 16 bytes, 128 bits (NIST SP 800-63B-4 and ASVS 5.0 6.5.2
    /// ask for at least 32 bits).
    pub const SALT_LEN: usize = 16;
    /// The length of a code's hash: 32 bytes.
    pub const HASH_LEN: usize = 32;

    /// The least Argon2id memory accepted, in KiB (1 MiB): a sanity floor, not a recommendation.
    pub const ARGON2_MIN_M_COST: u32 = 1024;
    /// The most Argon2id memory accepted, in KiB (256 MiB): bounds what a corrupt or hostile
    /// record can make one lookup cost.
    pub const ARGON2_MAX_M_COST: u32 = 256 * 1024;
    /// The most Argon2id passes accepted.
    pub const ARGON2_MAX_T_COST: u32 = 16;
    /// The most Argon2id lanes accepted.
    pub const ARGON2_MAX_P_COST: u32 = 16;

    /// The least bcrypt cost accepted (bcrypt's own floor).
    pub const BCRYPT_MIN_COST: u32 = 4;
    /// The most bcrypt cost accepted: one lookup is a bcrypt call per code of the set, so this
    /// bounds what a corrupt or hostile record can make it cost (at 14, about a second per code).
    pub const BCRYPT_MAX_COST: u32 = 14;

    /// Whether every code of a set under this scheme has a salt of its own (bcrypt), instead of
    /// one salt for the set: then a lookup hashes the input once per code.
    #[must_use]
    pub const fn salts_each_code(&self) -> bool {
        matches!(self, Self::Bcrypt { .. })
    }

    /// Whether the parameters are in range.
    pub(crate) fn check(&self) -> Result<(), BackupError> {
        if self.in_range() {
            Ok(())
        } else {
            Err(BackupError::InvalidParams)
        }
    }

    /// Whether the parameters are in range, in a `const fn`.
    pub(crate) const fn in_range(&self) -> bool {
        match *self {
            Self::Argon2id {
                m_cost,
                t_cost,
                p_cost,
            } => {
                let lanes_ok = p_cost >= 1 && p_cost <= Self::ARGON2_MAX_P_COST;
                let passes_ok = t_cost >= 1 && t_cost <= Self::ARGON2_MAX_T_COST;
                let memory_ok = m_cost >= Self::ARGON2_MIN_M_COST
                    && m_cost <= Self::ARGON2_MAX_M_COST
                    && m_cost >= p_cost.saturating_mul(8);
                lanes_ok && passes_ok && memory_ok
            }
            Self::HmacSha256 { .. } => true,
            Self::Bcrypt { cost, .. } => cost >= Self::BCRYPT_MIN_COST && cost <= Self::BCRYPT_MAX_COST,
        }
    }
}

/// Hashes backup codes for storage and lookup.
///
/// A set is hashed under one [`HashScheme`] with one random salt, so a lookup costs one call of
/// [`CodeHasher::hash`] whatever the number of codes. The crate provides
/// [`Argon2Hasher`](crate::backup::Argon2Hasher) (the default; feature `argon2`) and
/// [`HmacHasher`](crate::backup::HmacHasher). An application may implement the trait itself — say, to
/// compute the HMAC inside a key-management service so that the key never enters the process —
/// provided it computes exactly the scheme it is given, so that the stored form stays readable
/// by any hasher of that scheme.
///
/// ```
/// use twofactor::backup::{BackupError, CodeHasher, HashScheme};
///
/// /// HMAC-SHA-256 computed elsewhere (here: by `HmacHasher`, standing in for a remote service).
/// struct Remote(twofactor::backup::HmacHasher);
///
/// impl CodeHasher for Remote {
///     fn scheme(&self) -> HashScheme {
///         HashScheme::HmacSha256 { key_id: self.0.key_id() }
///     }
///     fn hash(
///         &self,
///         scheme: &HashScheme,
///         salt: &[u8; HashScheme::SALT_LEN],
///         code: &[u8],
///     ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
///         self.0.hash(scheme, salt, code)
///     }
/// }
///
/// let remote = Remote(twofactor::backup::HmacHasher::new(1, &[7; 32])?);
/// let (codes, set) = twofactor::backup::BackupCodeSet::generate(&Default::default(), &remote)?;
/// let first = codes.expose_codes().next().ok_or("no code")?;
/// assert_eq!(set.verify(first, &remote)?, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait CodeHasher {
    /// The scheme, with its parameters, under which new sets are hashed.
    fn scheme(&self) -> HashScheme;

    /// Hashes one canonical code (the set's number of [`CodeFormat::ALPHABET`](crate::backup::CodeFormat::ALPHABET)
    /// symbols, upper case, no separators) under `scheme` — the stored set's, which need not be
    /// [`CodeHasher::scheme`] — with the set's `salt`.
    ///
    /// # Errors
    /// [`BackupError::UnsupportedScheme`] if this hasher does not compute `scheme`,
    /// [`BackupError::KeyMismatch`] if it holds another key than the one `scheme` names,
    /// [`BackupError::InvalidParams`] for parameters out of range, [`BackupError::HashFailed`]
    /// (made with [`BackupError::hash_failed`], keeping the hasher's own error) if the
    /// computation failed (memory, a remote service).
    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError>;

    /// Whether [`CodeHasher::hash`] is too slow to run on an async executor's thread: a
    /// password-hashing function (milliseconds of CPU and megabytes of memory per call), a
    /// synchronous call to a remote service. The [`TwoFactor`](crate::TwoFactor) service runs an
    /// expensive hasher on tokio's blocking threads (`spawn_blocking`) and a cheap one in place.
    ///
    /// `true` unless overridden: a hasher of unknown cost is kept off the executor, at the price
    /// of a hop to a blocking thread. [`HmacHasher`](crate::backup::HmacHasher) says `false` (one
    /// HMAC is about a microsecond); [`Argon2Hasher`](crate::backup::Argon2Hasher) says `true`.
    /// A hasher that computes in microseconds may return `false`; one that blocks on I/O or
    /// spends milliseconds must not.
    fn is_expensive(&self) -> bool {
        true
    }

    /// Hashes one canonical code under a legacy scheme, one the crate computes itself whatever
    /// the hasher ([`HashScheme::Bcrypt`], with the code's own `salt`): what a set imported from
    /// another system is compared with. An implementation has no reason to override it (the
    /// service's own hasher does, to run it off the async executor: it is expensive).
    ///
    /// # Errors
    /// [`BackupError::UnsupportedScheme`] for a scheme that is not a legacy one, or in a build
    /// without the feature that computes it (`bcrypt`); [`BackupError::InvalidParams`] for
    /// parameters out of range.
    fn hash_legacy(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        super::bcrypt::hash(scheme, salt, code)
    }
}

impl<H: CodeHasher + ?Sized> CodeHasher for &H {
    fn scheme(&self) -> HashScheme {
        (**self).scheme()
    }

    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        (**self).hash(scheme, salt, code)
    }

    fn is_expensive(&self) -> bool {
        (**self).is_expensive()
    }

    fn hash_legacy(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        (**self).hash_legacy(scheme, salt, code)
    }
}

/// The hasher of a [`ConfigBuilder`](crate::ConfigBuilder) before one is chosen: Argon2id
/// (feature `argon2`; without it, the builder has no `build` until a hasher is chosen).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct DefaultHasher;

/// The hasher given to [`ConfigBuilder::hasher`](crate::ConfigBuilder::hasher).
#[derive(Clone)]
pub struct ChosenHasher(pub(crate) Arc<dyn CodeHasher + Send + Sync>);

impl ChosenHasher {
    #[cfg(feature = "std")]
    pub(crate) fn new<K: CodeHasher + Send + Sync + 'static>(hasher: K) -> Self {
        Self(Arc::new(hasher))
    }
}

impl fmt::Debug for ChosenHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ChosenHasher").field(&self.0.scheme()).finish()
    }
}
