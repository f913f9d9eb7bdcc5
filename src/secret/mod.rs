//! The shared secret of an authenticator: generated, parsed leniently, zeroized, never printed.
//!
//! A [`Secret`] is at least 128 bits (RFC 4226 R6) unless imported through the named legacy
//! opt-in, [`Secret::from_base32_legacy`], for the 80-bit secrets other services issue (or read
//! from a Key URI, which accepts the same, and less only with the named opt-in
//! `ParseOptions::short_secrets`, for the otpauth drafts' examples). Base32
//! input is read leniently (case, spaces, `=` padding); output is canonical upper case without
//! padding. There is no `Display`, `Debug` is redacted, and the bytes are read only through
//! [`Secret::expose_secret`].
//!
//! ```
//! use twofactor::Secret;
//! use twofactor::otp::Algorithm;
//! use twofactor::secret::SecretError;
//!
//! let secret = Secret::generate(Algorithm::Sha1)?; // 160 bits from the OS CSPRNG
//! assert_eq!(secret.bits(), 160);
//! assert_eq!(format!("{secret:?}"), "Secret { bits: 160, .. }");
//! let typed = Secret::from_base32("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp")?; // lenient
//! assert_eq!(&*typed.to_base32(), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
//! assert!(matches!(Secret::from_base32("JBSWY3DPEHPK3PXP"), Err(SecretError::TooShort { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod base32;
mod error;

pub use error::SecretError;

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::string::String;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::algorithm::Algorithm;

/// A shared HOTP/TOTP secret key.
///
/// * Generated from a CSPRNG ([`Secret::generate`], [`Secret::generate_with_rng`]) with the
///   length of the HMAC output: 160 bits for SHA-1, 256 for SHA-256, 512 for SHA-512
///   (RFC 6238 §5.1, RFC 4226 R6 recommends 160 bits).
/// * Built from bytes ([`Secret::from_bytes`]) or parsed leniently from base32
///   ([`Secret::from_base32`]): lower case, white space and `=` padding are accepted.
/// * At least 128 bits (RFC 4226 §4 R6). The 80-bit secrets that some large services issue are
///   accepted only through the explicitly named [`Secret::from_base32_legacy`].
/// * Zeroized when dropped; `Debug` shows the length in bits and nothing else; there is no
///   `Display`. The bytes are read with [`Secret::expose_secret`] and the canonical base32 text
///   with `Secret::to_base32` (feature `alloc`).
///
/// The bytes live inline (no heap), so a `Secret` works without an allocator; the longest secret
/// is [`Secret::MAX_BYTES`] bytes.
///
/// ```
/// use twofactor::Secret;
///
/// let secret = Secret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")?;
/// assert_eq!(secret.expose_secret(), b"12345678901234567890");
/// assert_eq!(format!("{secret:?}"), "Secret { bits: 160, .. }");
/// # Ok::<(), twofactor::secret::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: [u8; Self::MAX_BYTES],
    len: usize,
}

impl Secret {
    /// The shortest secret the ordinary constructors accept: 16 bytes, 128 bits (RFC 4226 R6).
    pub const MIN_BYTES: usize = 16;
    /// The shortest secret [`Secret::from_base32_legacy`] accepts: 10 bytes, 80 bits.
    pub const LEGACY_MIN_BYTES: usize = 10;
    /// The longest secret: 128 bytes, 1024 bits (an HMAC key longer than the hash block is
    /// hashed first, so a longer key adds nothing).
    pub const MAX_BYTES: usize = 128;

    /// Generates a secret of the recommended length for `algorithm` from the operating system's
    /// CSPRNG.
    ///
    /// # Errors
    /// [`SecretError::Rng`] if the operating system's random number generator fails.
    ///
    /// ```
    /// use twofactor::otp::Algorithm;
    /// use twofactor::Secret;
    ///
    /// let secret = Secret::generate(Algorithm::Sha256)?;
    /// assert_eq!(secret.bits(), 256);
    /// # Ok::<(), twofactor::secret::SecretError>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn generate(algorithm: Algorithm) -> Result<Self, SecretError> {
        let mut secret = Self::zeroed(algorithm.output_len());
        getrandom::fill(secret.bytes_mut()).map_err(|_| SecretError::Rng)?;
        Ok(secret)
    }

    /// Generates a secret of the recommended length for `algorithm` from `rng`.
    ///
    /// ```
    /// use twofactor::otp::Algorithm;
    /// use twofactor::Secret;
    /// # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
    /// let mut rng = ChaCha20Rng::seed_from_u64(7);
    /// let secret = Secret::generate_with_rng(&mut rng, Algorithm::Sha1);
    /// assert_eq!(secret.bits(), 160);
    /// ```
    pub fn generate_with_rng<R: CryptoRng + ?Sized>(rng: &mut R, algorithm: Algorithm) -> Self {
        let mut secret = Self::zeroed(algorithm.output_len());
        rng.fill_bytes(secret.bytes_mut());
        secret
    }

    /// Builds a secret from raw key bytes.
    ///
    /// # Errors
    /// [`SecretError::TooShort`] under 128 bits, [`SecretError::TooLong`] over
    /// [`Secret::MAX_BYTES`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        Self::from_bytes_with_min(bytes, Self::MIN_BYTES)
    }

    /// Parses base32 (RFC 4648) leniently: lower case, ASCII white space anywhere and trailing
    /// `=` padding are accepted.
    ///
    /// # Errors
    /// [`SecretError::InvalidCharacter`], [`SecretError::InvalidLength`] or
    /// [`SecretError::NonCanonical`] for text that is not base32, and the length errors of
    /// [`Secret::from_bytes`].
    pub fn from_base32(text: &str) -> Result<Self, SecretError> {
        Self::from_base32_with_min(text, Self::MIN_BYTES)
    }

    /// Parses base32 like [`Secret::from_base32`] but accepts secrets from 80 bits up.
    ///
    /// RFC 4226 R6 requires 128 bits, yet several large services issue 80-bit secrets; use this
    /// only to import such a secret, and check [`Secret::is_below_rfc_minimum`] to warn about it.
    ///
    /// # Errors
    /// As [`Secret::from_base32`], with [`SecretError::TooShort`] under 80 bits.
    ///
    /// ```
    /// use twofactor::Secret;
    ///
    /// let short = Secret::from_base32_legacy("JBSWY3DPEHPK3PXP")?;
    /// assert_eq!(short.bits(), 80);
    /// assert!(short.is_below_rfc_minimum());
    /// assert!(Secret::from_base32("JBSWY3DPEHPK3PXP").is_err());
    /// # Ok::<(), twofactor::secret::SecretError>(())
    /// ```
    pub fn from_base32_legacy(text: &str) -> Result<Self, SecretError> {
        Self::from_base32_with_min(text, Self::LEGACY_MIN_BYTES)
    }

    /// The key bytes. Handle them with care: they are the whole credential.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The length of the secret in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.len * 8
    }

    /// Whether the secret is shorter than the 128 bits RFC 4226 R6 requires (only possible
    /// through [`Secret::from_base32_legacy`], or a Key URI parsed leniently).
    #[must_use]
    pub fn is_below_rfc_minimum(&self) -> bool {
        self.len < Self::MIN_BYTES
    }

    /// The canonical text form: upper-case base32 without padding, as `otpauth://` URIs carry it.
    /// The returned string is zeroized when dropped.
    ///
    /// ```
    /// use twofactor::Secret;
    ///
    /// let secret = Secret::from_base32("gezdgnbvgy3tqojqgezdgnbvgy3tqojq====")?;
    /// assert_eq!(*secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    /// # Ok::<(), twofactor::secret::SecretError>(())
    /// ```
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn to_base32(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(data_encoding::BASE32_NOPAD.encode(self.expose_secret()))
    }

    /// [`Secret::from_base32`] from 8 bits up: only for a Key URI parsed with
    /// [`ParseOptions::short_secrets`](crate::uri::ParseOptions::short_secrets), the one way to
    /// get a secret under 80 bits.
    #[cfg(feature = "alloc")]
    pub(crate) fn from_base32_short(text: &str) -> Result<Self, SecretError> {
        Self::from_base32_with_min(text, 1)
    }

    /// [`Secret::from_bytes`] from 80 bits up: for secrets read back from storage that were
    /// imported with [`Secret::from_base32_legacy`].
    #[cfg(feature = "alloc")]
    pub(crate) fn from_bytes_legacy(bytes: &[u8]) -> Result<Self, SecretError> {
        Self::from_bytes_with_min(bytes, Self::LEGACY_MIN_BYTES)
    }

    fn from_base32_with_min(text: &str, min: usize) -> Result<Self, SecretError> {
        let mut secret = Self::zeroed(0);
        secret.len = base32::decode_lenient(text, &mut secret.bytes)?;
        check_len(secret.len, min)?;
        Ok(secret)
    }

    fn from_bytes_with_min(bytes: &[u8], min: usize) -> Result<Self, SecretError> {
        check_len(bytes.len(), min)?;
        let mut secret = Self::zeroed(bytes.len());
        secret.bytes_mut().copy_from_slice(bytes);
        Ok(secret)
    }

    /// `len` is always at most `MAX_BYTES`: every caller passes a checked or constant length.
    fn zeroed(len: usize) -> Self {
        Self {
            bytes: [0; Self::MAX_BYTES],
            len: len.min(Self::MAX_BYTES),
        }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        self.bytes.get_mut(..self.len).unwrap_or_default()
    }
}

fn check_len(len: usize, min: usize) -> Result<(), SecretError> {
    if len < min {
        Err(SecretError::TooShort {
            bits: len * 8,
            min_bits: min * 8,
        })
    } else if len > Secret::MAX_BYTES {
        Err(SecretError::TooLong {
            max_bits: Secret::MAX_BYTES * 8,
        })
    } else {
        Ok(())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// Constant-time comparison of the key bytes (the lengths are not secret).
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret().ct_eq(other.expose_secret()).into()
    }
}

impl Eq for Secret {}

impl Drop for Secret {
    fn drop(&mut self) {
        self.bytes.zeroize();
        self.len.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}
