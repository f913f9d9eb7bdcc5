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
//! Today the keyring is a primitive the application calls; the service's own use of it (every
//! stored secret sealed, resealing after rotation) is the next step.

mod error;
mod keyring;
mod sealed;

pub use error::SealError;
pub use keyring::{Keyring, SealingKey};
pub use sealed::{Purpose, SealedSecret};
