//! The keyed alternative: HMAC-SHA-256 under a key the server holds.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::hasher::{CodeHasher, HashError, HashScheme};

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
/// The key has an identifier that is written into every stored set: a set hashed under another
/// key is refused with [`HashError::KeyMismatch`] instead of failing every code, and a key can be
/// rotated by regenerating the sets that [`BackupCodeSet::needs_rehash`](crate::backup::BackupCodeSet::needs_rehash)
/// flags. The keyed state is zeroized when dropped; `Debug` shows the key identifier only.
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
    /// [`HashError::KeyLength`] for a key shorter than [`HmacHasher::MIN_KEY_LEN`] or longer than
    /// [`HmacHasher::MAX_KEY_LEN`].
    ///
    /// ```
    /// use twofactor::backup::{HashError, HmacHasher};
    ///
    /// assert!(HmacHasher::new(7, &[1; 32]).is_ok());
    /// assert_eq!(
    ///     HmacHasher::new(7, &[1; 16]).err(),
    ///     Some(HashError::KeyLength { len: 16, min: 32, max: 64 })
    /// );
    /// ```
    pub fn new(key_id: u32, key: &[u8]) -> Result<Self, HashError> {
        if key.len() < Self::MIN_KEY_LEN || key.len() > Self::MAX_KEY_LEN {
            return Err(HashError::KeyLength {
                len: key.len(),
                min: Self::MIN_KEY_LEN,
                max: Self::MAX_KEY_LEN,
            });
        }
        // HMAC accepts a key of any length (RFC 2104 §2), so this cannot fail.
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| HashError::InvalidParams)?;
        Ok(Self { key_id, mac })
    }

    /// The identifier of the key.
    #[must_use]
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }
}

impl CodeHasher for HmacHasher {
    fn scheme(&self) -> HashScheme {
        HashScheme::HmacSha256 { key_id: self.key_id }
    }

    /// Computes the HMAC if `scheme` names this hasher's key.
    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], HashError> {
        let HashScheme::HmacSha256 { key_id } = *scheme else {
            return Err(HashError::UnsupportedScheme);
        };
        if key_id != self.key_id {
            return Err(HashError::KeyMismatch {
                stored: key_id,
                held: self.key_id,
            });
        }
        let mut mac = self.mac.clone();
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
        f.debug_struct("HmacHasher")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
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
}
