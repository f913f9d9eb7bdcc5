use alloc::vec::Vec;
use core::fmt;

use super::SealError;

/// What a sealed secret is for: bound into the associated data, so that a value cannot move
/// between the fields of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// The confirmed authenticator's secret.
    Active,
    /// A pending enrollment's secret.
    Pending,
}

/// A sealed secret: the id of the key that sealed it, the nonce, and the ciphertext with its
/// Poly1305 tag. `Debug` shows the key id only.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret {
    pub(crate) key_id: u32,
    pub(crate) nonce: [u8; SealedSecret::NONCE_LEN],
    pub(crate) ciphertext: Vec<u8>,
}

const FORMAT: u8 = 1;
#[cfg(feature = "seal")]
const DOMAIN: &[u8] = b"twofactor/seal/v1";
const TAG_LEN: usize = 16;

impl SealedSecret {
    /// Bytes of the XChaCha20 nonce.
    pub const NONCE_LEN: usize = 24;

    /// The id of the key that sealed it.
    #[must_use]
    pub const fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The stored form: `format:u8=1 key_id:u32 nonce:[u8; 24] ciphertext‖tag`.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 4 + Self::NONCE_LEN + self.ciphertext.len());
        out.push(FORMAT);
        out.extend_from_slice(&self.key_id.to_be_bytes());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Reads the stored form.
    ///
    /// # Errors
    /// [`SealError::Malformed`] for bytes of another format or too short to hold a tag.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        let (&format, rest) = bytes.split_first().ok_or(SealError::Malformed)?;
        let (key_id, rest) = rest.split_first_chunk::<4>().ok_or(SealError::Malformed)?;
        let (nonce, ciphertext) = rest
            .split_first_chunk::<{ Self::NONCE_LEN }>()
            .ok_or(SealError::Malformed)?;
        if format != FORMAT || ciphertext.len() <= TAG_LEN {
            return Err(SealError::Malformed);
        }
        Ok(Self {
            key_id: u32::from_be_bytes(*key_id),
            nonce: *nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }

    #[cfg(feature = "seal")]
    /// `"twofactor/seal/v1" ‖ key_id ‖ purpose ‖ user length ‖ user`.
    pub(super) fn associated_data(key_id: u32, user: &str, purpose: Purpose) -> Vec<u8> {
        let mut aad = Vec::with_capacity(DOMAIN.len() + 9 + user.len());
        aad.extend_from_slice(DOMAIN);
        aad.extend_from_slice(&key_id.to_be_bytes());
        aad.push(match purpose {
            Purpose::Active => 1,
            Purpose::Pending => 2,
        });
        aad.extend_from_slice(&u32::try_from(user.len()).unwrap_or(u32::MAX).to_be_bytes());
        aad.extend_from_slice(user.as_bytes());
        aad
    }
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedSecret")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}
