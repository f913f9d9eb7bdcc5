use core::fmt;

use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::ChallengeError;

/// One server-held key that authenticates login challenges (HMAC-SHA-256), and its id. Keep it
/// with the application's other secrets; all instances of the application share it. Every token
/// names the id of the key that signed it, so keys rotate like the sealing keys: see
/// [`ChallengeKeyring`](crate::challenge::ChallengeKeyring), or derive them from one secret with
/// [`ServerKeys`](crate::keys::ServerKeys). `Debug` shows the id only; the keyed state is
/// zeroized on drop.
///
/// ```
/// use twofactor::challenge::ChallengeKey;
///
/// let key = ChallengeKey::new(1, &[7; 32])?;
/// assert_eq!(format!("{key:?}"), "ChallengeKey { id: 1, .. }");
/// assert!(ChallengeKey::new(1, &[7; 16]).is_err());
/// # Ok::<(), twofactor::challenge::ChallengeError>(())
/// ```
#[derive(Clone)]
pub struct ChallengeKey {
    id: u32,
    mac: Hmac<Sha256>,
}

impl ChallengeKey {
    /// The shortest key accepted: 32 bytes, the HMAC-SHA-256 output length (RFC 2104 §3).
    pub const MIN_LEN: usize = 32;

    /// A key from its bytes, known in the tokens it signs as `id`.
    ///
    /// # Errors
    /// [`ChallengeError::KeyLength`] under 32 bytes.
    pub fn new(id: u32, key: &[u8]) -> Result<Self, ChallengeError> {
        if key.len() < Self::MIN_LEN {
            return Err(ChallengeError::KeyLength { len: key.len() });
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map_err(|_| ChallengeError::KeyLength { len: key.len() })?;
        Ok(Self { id, mac })
    }

    /// A key from 32 bytes derived by [`ServerKeys`](crate::keys::ServerKeys): infallible, and the
    /// same key as [`ChallengeKey::new`] of those bytes. HMAC pads a key shorter than the block
    /// with zeros (RFC 2104 §2), so the block-sized, zero-padded key is that key.
    pub(crate) fn from_derived(id: u32, key: &[u8; 32]) -> Self {
        // SHA-256's block: 64 bytes.
        let mut block = Zeroizing::new([0u8; 64]);
        block[..key.len()].copy_from_slice(key);
        Self {
            id,
            mac: <Hmac<Sha256> as KeyInit>::new(<&Key<Hmac<Sha256>>>::from(&*block)),
        }
    }

    /// The key's id, written into every token it signs.
    #[must_use]
    pub const fn id(&self) -> u32 {
        self.id
    }

    pub(super) fn tag(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Constant-time check of `tag` over `message`: the HMAC of `message`, then a comparison of
    /// every byte of the tag (`Mac::verify_slice`, with `ctutils`), with no early exit.
    ///
    /// Kept out of line (one call per token opened, nothing measurable) so that `.ci/ct-check`
    /// can count its instructions under valgrind by its name,
    /// `twofactor::challenge::key::ChallengeKey::verify`.
    #[inline(never)]
    pub(super) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.mac.clone();
        mac.update(message);
        mac.verify_slice(tag).is_ok()
    }
}

impl fmt::Debug for ChallengeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_key_is_the_key_of_its_bytes() {
        let bytes = [0x3c; 32];
        let derived = ChallengeKey::from_derived(4, &bytes);
        let given = ChallengeKey::new(4, &bytes).unwrap();
        assert_eq!(derived.tag(b"message"), given.tag(b"message"));
        assert!(given.verify(b"message", &derived.tag(b"message")));
        assert_ne!(
            derived.tag(b"message"),
            ChallengeKey::new(4, &[0x3d; 32]).unwrap().tag(b"message")
        );
    }
}
