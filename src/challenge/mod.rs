//! The server-signed tokens: the login challenge, and the remembered-device token.
//!
//! The server-signed tokens: the login challenge, and the remembered-device token.
//!
//! The login challenge: a short-lived, single-use proof, between "the password was right" and
//! "the code was right", that the application hands to the browser (a cookie) without keeping
//! server-side session state for it.
//!
//! A [`ChallengeToken`] is opaque and URL-safe: it names the user, its expiry and a random nonce,
//! authenticated with HMAC-SHA-256 under a server-held [`ChallengeKey`], whose id it names. The
//! nonce is also written to the user's record; verifying a code with a challenge succeeds only if
//! the token is authentic, unexpired, for that user and carries the record's current nonce, and
//! success consumes the nonce in the same compare-and-swap that records the code's step. So a
//! challenge and a code are each used once, and issuing a new challenge invalidates the older
//! ones. The token holds no secret: only the key id, the user id, the expiry and the nonce.
//!
//! A [`DeviceToken`] remembers a device for weeks
//! ([`TwoFactor::remember_device`](crate::TwoFactor::remember_device),
//! [`TwoFactor::verify_remembered`](crate::TwoFactor::verify_remembered)): it names the user, a
//! device id kept in the user's record, the credential epoch it was issued at and its expiry, and
//! is signed by the same keys in a domain of its own — its text starts with `tfd1.` (a
//! challenge's is bare base64url) and its MAC input with `twofactor/remembered-device/v1` (a
//! challenge's with `twofactor/challenge/`), so neither kind of token is ever taken for the
//! other. Its refusals are [`DeviceProblem`]s.
//!
//! Keys rotate by id, as the sealing keys do: a [`ChallengeKeyring`] signs with its current key
//! and verifies a token under whichever key it names, and a token naming a key the keyring does
//! not hold is refused as [`ChallengeError::UnknownKey`]. [`ServerKeys`](crate::keys::ServerKeys)
//! derives the keyring from the application's secrets.
//!
//! The service issues and checks tokens ([`TwoFactor::issue_challenge`](crate::TwoFactor::issue_challenge),
//! [`TwoFactor::verify_with_challenge`](crate::TwoFactor::verify_with_challenge)); an application
//! only builds the keys:
//!
//! ```
//! use twofactor::challenge::{ChallengeKey, ChallengeKeyring};
//!
//! // Key 2 signs new tokens; tokens signed under key 1 keep verifying until they expire.
//! let keys = ChallengeKeyring::new(ChallengeKey::new(2, &[0x22; 32])?)
//!     .with_old_key(ChallengeKey::new(1, &[0x11; 32])?)?;
//! # let _ = keys;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "std")]
mod device;
mod error;
#[cfg(feature = "std")]
mod key;
#[cfg(feature = "std")]
mod keyring;
#[cfg(feature = "std")]
mod token;

pub use error::{ChallengeError, DeviceProblem};
#[cfg(feature = "std")]
pub use keyring::NoChallengeKey;

/// Bytes of a login-challenge nonce; the record keeps the current one
/// ([`Record::NONCE_LEN`](crate::store::Record::NONCE_LEN)).
pub(crate) const NONCE_LEN: usize = 16;
/// Bytes of a remembered device's id, in the token and in the record.
pub(crate) const DEVICE_ID_LEN: usize = 16;
#[cfg(feature = "std")]
pub(crate) use device::DeviceClaims;
#[cfg(feature = "std")]
pub use device::DeviceToken;
#[cfg(feature = "std")]
pub use key::ChallengeKey;
#[cfg(feature = "std")]
pub use keyring::ChallengeKeyring;
#[cfg(feature = "std")]
pub use token::ChallengeToken;
#[cfg(feature = "std")]
pub(crate) use token::Claims;
