//! The keyed alternative: HMAC-SHA-256 under a key the server holds.

use alloc::vec::Vec;
use core::fmt;

use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::error::BackupError;
use super::hasher::{CodeHasher, HashScheme};

/// The label that starts every message, so that the key, if it is used elsewhere too, never MACs
/// a backup code and something else to the same value.
const DOMAIN: &[u8] = b"twofactor backup code v1\0";

/// Hashes backup codes with HMAC-SHA-256 under a server-held key (a "pepper").
///
/// For deployments that hold a key apart from the database (a secrets manager, an HSM, the
/// environment) and prefer a lookup that costs microseconds to one that costs a password hash:
/// a stolen set is useless without the key. The message is a fixed label, the per-set salt and
/// the code, so equal codes in two sets never hash alike. Without the key, the stored form
/// reveals nothing; with it, an attacker still faces the codes' full 80 bits (default format),
/// which is why ASVS 6.5.2's password-hashing requirement is met by the default
/// [`Argon2Hasher`](crate::backup::Argon2Hasher) and this hasher is the documented alternative.
///
/// The key has an identifier that is written into every stored set: a set hashed under a key the
/// hasher does not hold is refused with [`BackupError::KeyMismatch`] instead of failing every code.
///
/// # Rotation
///
/// New sets are hashed under the current key ([`HmacHasher::new`]); older keys added with
/// [`HmacHasher::with_old_key`] still verify the sets that name them, and
/// [`BackupCodeSet::needs_rehash`](crate::backup::BackupCodeSet::needs_rehash) flags those sets.
/// Since the codes are not kept, a set cannot be rehashed in place: a pepper rotation finishes as
/// users regenerate their codes (prompt them at their next visit to the security settings), and
/// an old key must stay in the hasher until no stored set names it. [`ServerKeys`](crate::keys::ServerKeys)
/// derives such a hasher from the application's secrets.
///
/// The keyed state is zeroized when dropped; `Debug` shows the key identifiers only.
///
/// ```
/// use twofactor::backup::{BackupCodeSet, CodeFormat, HmacHasher};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// assert_eq!(format!("{hasher:?}"), "HmacHasher { key_id: 1, .. }");
/// let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// let code = codes.expose_code(3).ok_or("no code")?;
/// assert_eq!(set.verify(&code.to_lowercase(), &hasher)?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct HmacHasher {
    key_id: u32,
    mac: Hmac<Sha256>,
    /// Older keys, newest first: they verify, never hash a new set.
    old: Vec<(u32, Hmac<Sha256>)>,
}

impl HmacHasher {
    /// The shortest key: 32 bytes, the output length of SHA-256.
    pub const MIN_KEY_LEN: usize = 32;
    /// The longest key: 64 bytes, the block length of SHA-256 (a longer key is hashed first and
    /// adds nothing).
    pub const MAX_KEY_LEN: usize = 64;

    /// A hasher keyed with `key`, known in stored sets as `key_id`.
    ///
    /// # Errors
    /// [`BackupError::KeyLength`] for a key shorter than [`HmacHasher::MIN_KEY_LEN`] or longer than
    /// [`HmacHasher::MAX_KEY_LEN`].
    ///
    /// ```
    /// use twofactor::backup::{BackupError, HmacHasher};
    ///
    /// assert!(HmacHasher::new(7, &[1; 32]).is_ok());
    /// assert_eq!(
    ///     HmacHasher::new(7, &[1; 16]).err(),
    ///     Some(BackupError::KeyLength { len: 16, min: 32, max: 64 })
    /// );
    /// ```
    pub fn new(key_id: u32, key: &[u8]) -> Result<Self, BackupError> {
        if key.len() < Self::MIN_KEY_LEN || key.len() > Self::MAX_KEY_LEN {
            return Err(BackupError::KeyLength {
                len: key.len(),
                min: Self::MIN_KEY_LEN,
                max: Self::MAX_KEY_LEN,
            });
        }
        Ok(Self {
            key_id,
            mac: keyed(key)?,
            old: Vec::new(),
        })
    }

    /// Adds an older key, known in stored sets as `key_id`: it verifies the sets hashed under it,
    /// and never hashes a new one. The order of the old keys does not matter.
    ///
    /// # Errors
    /// [`BackupError::KeyLength`] as [`HmacHasher::new`]; [`BackupError::DuplicateKeyId`] if the
    /// hasher already holds a key with that identifier.
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, CodeFormat, BackupError, HmacHasher};
    ///
    /// let old = HmacHasher::new(1, &[0x41; 32])?;
    /// let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &old)?;
    /// let code = codes.expose_code(0).ok_or("no code")?;
    ///
    /// // The pepper is rotated: key 2 hashes new sets, key 1 still verifies the sets under it.
    /// let rotated = HmacHasher::new(2, &[0x42; 32])?.with_old_key(1, &[0x41; 32])?;
    /// assert_eq!(format!("{rotated:?}"), "HmacHasher { key_id: 2, old_key_ids: [1], .. }");
    /// assert_eq!(set.verify(code, &rotated)?, 0);
    /// assert!(set.needs_rehash(&rotated)); // regenerate it at the user's next visit
    /// assert_eq!(
    ///     HmacHasher::new(2, &[0x42; 32])?.with_old_key(2, &[0x43; 32]).err(),
    ///     Some(BackupError::DuplicateKeyId { key_id: 2 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_old_key(mut self, key_id: u32, key: &[u8]) -> Result<Self, BackupError> {
        let mac = Self::new(key_id, key)?.mac;
        if self.holds(key_id) {
            return Err(BackupError::DuplicateKeyId { key_id });
        }
        self.old.push((key_id, mac));
        Ok(self)
    }

    /// A hasher from 32-byte keys derived by [`ServerKeys`](crate::keys::ServerKeys), whose ids it
    /// checked to be distinct, the current one first: infallible.
    pub(crate) fn from_derived<'a>(
        (key_id, key): (u32, &[u8; 32]),
        old: impl IntoIterator<Item = (u32, &'a [u8; 32])>,
    ) -> Self {
        Self {
            key_id,
            mac: keyed_32(key),
            old: old.into_iter().map(|(id, key)| (id, keyed_32(key))).collect(),
        }
    }

    /// The identifier of the current key, which hashes new sets.
    #[must_use]
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Whether the hasher holds a key (current or old) with identifier `key_id`.
    #[must_use]
    pub fn holds(&self, key_id: u32) -> bool {
        self.mac_of(key_id).is_some()
    }

    fn mac_of(&self, key_id: u32) -> Option<&Hmac<Sha256>> {
        if key_id == self.key_id {
            return Some(&self.mac);
        }
        self.old.iter().find(|(id, _)| *id == key_id).map(|(_, mac)| mac)
    }
}

/// HMAC accepts a key of any length (RFC 2104 §2), so this cannot fail.
fn keyed(key: &[u8]) -> Result<Hmac<Sha256>, BackupError> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| BackupError::InvalidParams)
}

/// The HMAC of a 32-byte key, infallibly: HMAC pads a key shorter than the block with zeros (RFC
/// 2104 §2), so the zero-padded 64-byte block is the same key.
fn keyed_32(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = Zeroizing::new([0u8; 64]);
    block[..key.len()].copy_from_slice(key);
    <Hmac<Sha256> as KeyInit>::new(<&Key<Hmac<Sha256>>>::from(&*block))
}

impl CodeHasher for HmacHasher {
    fn scheme(&self) -> HashScheme {
        HashScheme::HmacSha256 { key_id: self.key_id }
    }

    /// Computes the HMAC under the key `scheme` names, current or old, if the hasher holds it.
    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        let HashScheme::HmacSha256 { key_id } = *scheme else {
            return Err(BackupError::UnsupportedScheme);
        };
        let Some(mac) = self.mac_of(key_id) else {
            return Err(BackupError::KeyMismatch {
                stored: key_id,
                held: self.key_id,
            });
        };
        let mut mac = mac.clone();
        mac.update(DOMAIN);
        mac.update(salt);
        mac.update(code);
        Ok(mac.finalize().into_bytes().into())
    }

    /// `false`: one HMAC-SHA-256 is about a microsecond, cheaper than a hop to a blocking thread.
    fn is_expensive(&self) -> bool {
        false
    }
}

impl fmt::Debug for HmacHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("HmacHasher");
        f.field("key_id", &self.key_id);
        if !self.old.is_empty() {
            let old: Vec<u32> = self.old.iter().map(|(id, _)| *id).collect();
            f.field("old_key_ids", &old);
        }
        f.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyed state is as good as the key: it must be wiped when dropped. `Hmac` does not
    /// carry the marker itself, but its state is two SHA-256 cores (inner and outer padded key
    /// absorbed), each zeroized on drop by `sha2`'s `zeroize` feature, and a block buffer,
    /// zeroized on drop by `digest`'s.
    #[test]
    fn the_keyed_state_is_zeroized_on_drop() {
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroized_on_drop::<<Sha256 as hmac::digest::block_api::EagerHash>::Core>();
        zeroized_on_drop::<hmac::digest::block_api::Buffer<hmac::block_api::HmacCore<Sha256>>>();
    }

    #[test]
    fn a_derived_key_is_the_key_of_its_bytes() {
        let scheme = HashScheme::HmacSha256 { key_id: 3 };
        let given = HmacHasher::new(3, &[0x5e; 32]).unwrap();
        let derived = HmacHasher::from_derived((3, &[0x5e; 32]), []);
        assert_eq!(
            derived.hash(&scheme, &[1; 16], b"CODE").unwrap(),
            given.hash(&scheme, &[1; 16], b"CODE").unwrap()
        );
        let rotated = HmacHasher::from_derived((4, &[0x11; 32]), [(3, &[0x5e; 32])]);
        assert_eq!(
            rotated.hash(&scheme, &[1; 16], b"CODE").unwrap(),
            given.hash(&scheme, &[1; 16], b"CODE").unwrap()
        );
        assert_eq!(rotated.scheme(), HashScheme::HmacSha256 { key_id: 4 });
    }

    #[test]
    fn a_set_under_a_key_it_does_not_hold_is_refused_by_id() {
        let rotated = HmacHasher::new(4, &[4; 32])
            .unwrap()
            .with_old_key(3, &[3; 32])
            .unwrap();
        assert!(rotated.holds(3) && rotated.holds(4) && !rotated.holds(5));
        assert_eq!(
            rotated.hash(&HashScheme::HmacSha256 { key_id: 5 }, &[0; 16], b"CODE"),
            Err(BackupError::KeyMismatch { stored: 5, held: 4 })
        );
        assert_eq!(
            rotated.clone().with_old_key(6, &[6; 8]).err(),
            Some(BackupError::KeyLength {
                len: 8,
                min: 32,
                max: 64
            })
        );
        assert_eq!(
            format!("{:?}", HmacHasher::new(4, &[4; 32]).unwrap()),
            "HmacHasher { key_id: 4, .. }"
        );
    }
}
