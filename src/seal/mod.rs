//! Secrets sealed at rest (feature `seal`): a [`Keyring`] of AEAD keys with ids, so that a store
//! never sees a plain TOTP secret and keys rotate without downtime.
//!
//! A secret is sealed with XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`) under the
//! keyring's current key and a fresh random 192-bit nonce (large enough that random nonces never
//! repeat in practice). The sealed form names the key it was sealed with, so opening uses that
//! key while sealing moves to a new one: add the new key as current, keep the old ones until
//! every record has been resealed.
//!
//! The associated data binds the sealed value to the user and to its purpose (the active
//! secret, or a pending enrollment's): a sealed secret copied into another user's record, or
//! from the pending field to the active one, fails to open. An unknown key id, a changed byte or
//! a wrong key is a typed [`SealError`] — never a panic, never a fallback to plaintext.
//!
//! The service seals with a keyring given to
//! [`TwoFactor::with_keyring`](crate::TwoFactor::with_keyring): every secret it writes to the
//! store is sealed, every sealed secret it loads is opened in memory only, and a record sealed
//! under an old key is resealed on its next write (or by [`TwoFactor::reseal`](crate::TwoFactor::reseal)).
//!
//! [`SealedSecret`], [`Purpose`] and [`SealError`] are plain data, present without the feature:
//! a store, or a build without `seal`, reads and writes sealed records losslessly and a
//! service without a keyring refuses them ([`SealError::NoKeyring`]). Sealing and opening —
//! [`Keyring`] and [`SealingKey`] — need the feature.
//!
//! ```
//! # #[cfg(feature = "seal")] {
//! use twofactor::Secret;
//! use twofactor::seal::{Keyring, Purpose, SealError, SealedSecret, SealingKey};
//!
//! let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
//! let old = Keyring::new(SealingKey::new(1, &[0x11; 32])?);
//! let stored = old.seal(&secret, "alice", Purpose::Active)?.to_bytes(); // what a store keeps
//!
//! // A rotation: key 2 seals from now on, key 1 still opens what it sealed.
//! let keyring = Keyring::new(SealingKey::new(2, &[0x22; 32])?).with_old_key(SealingKey::new(1, &[0x11; 32])?)?;
//! let sealed = SealedSecret::from_bytes(&stored)?;
//! assert_eq!(keyring.open(&sealed, "alice", Purpose::Active)?, secret);
//! assert!(keyring.needs_reseal(&sealed));
//! // Bound to the user and the field: another user's record does not open it.
//! assert_eq!(keyring.open(&sealed, "bob", Purpose::Active), Err(SealError::Tampered));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
#[cfg(feature = "seal")]
mod keyring;
mod sealed;

pub use error::SealError;
#[cfg(feature = "seal")]
pub use keyring::{Keyring, SealingKey};
pub use sealed::{Purpose, SealedSecret};
