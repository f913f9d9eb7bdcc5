use core::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{Purpose, SealError, SealedSecret};
use crate::key_ids::{KeyId, KeyIds};
use crate::secret::Secret;

/// One 256-bit sealing key and its id. Zeroized on drop; `Debug` shows the id only.
///
/// ```
/// use twofactor::seal::SealingKey;
///
/// let key = SealingKey::new(1, &[7; 32])?;
/// assert_eq!(format!("{key:?}"), "SealingKey { id: 1, .. }");
/// assert!(SealingKey::new(2, &[7; 16]).is_err());
/// # Ok::<(), twofactor::seal::SealError>(())
/// ```
#[derive(Clone)]
pub struct SealingKey {
    id: u32,
    key: [u8; SealingKey::LEN],
}

impl SealingKey {
    /// Key length in bytes.
    pub const LEN: usize = 32;

    /// A key from its bytes (from a secrets manager, say).
    ///
    /// # Errors
    /// [`SealError::KeyLength`] unless `key` is 32 bytes.
    pub fn new(id: u32, key: &[u8]) -> Result<Self, SealError> {
        let key = <[u8; Self::LEN]>::try_from(key).map_err(|_| SealError::KeyLength { len: key.len() })?;
        Ok(Self { id, key })
    }

    /// A fresh random key from `rng`.
    pub fn generate_with_rng<R: CryptoRng + ?Sized>(id: u32, rng: &mut R) -> Self {
        let mut key = [0; Self::LEN];
        rng.fill_bytes(&mut key);
        Self { id, key }
    }

    /// A fresh random key from the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`SealError::Rng`] if the random number generator fails.
    #[cfg(feature = "std")]
    pub fn generate(id: u32) -> Result<Self, SealError> {
        let mut key = [0; Self::LEN];
        getrandom::fill(&mut key).map_err(|_| SealError::Rng)?;
        Ok(Self { id, key })
    }

    /// A key from 32 bytes derived by [`ServerKeys`](crate::keys::ServerKeys).
    pub(crate) fn from_derived(id: u32, key: &[u8; SealingKey::LEN]) -> Self {
        Self { id, key: *key }
    }

    /// The key's id, written into every value it seals.
    #[must_use]
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// The cipher, keyed from a reference to the key (no copy of it is left on the stack); it
    /// zeroizes its own copy when dropped.
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(<&Key>::from(&self.key))
    }
}

impl KeyId for SealingKey {
    fn key_id(&self) -> u32 {
        self.id()
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealingKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Drop for SealingKey {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl ZeroizeOnDrop for SealingKey {}

/// The sealing keys of a deployment: one current key that seals, and older keys that still open
/// what they sealed. `Debug` shows the ids only.
///
/// ```
/// use twofactor::seal::{Keyring, SealingKey};
///
/// // Rotation: the new key seals, the old one still opens until every record is resealed.
/// let keyring = Keyring::new(SealingKey::new(2, &[2; 32])?).with_old_key(SealingKey::new(1, &[1; 32])?)?;
/// assert_eq!(keyring.current_key_id(), 2);
/// assert_eq!(format!("{keyring:?}"), "Keyring { current: 2, keys: [2, 1] }");
/// # Ok::<(), twofactor::seal::SealError>(())
/// ```
#[derive(Clone)]
pub struct Keyring {
    keys: KeyIds<SealingKey>,
}

impl Keyring {
    /// A keyring whose current (sealing) key is `current`.
    #[must_use]
    pub fn new(current: SealingKey) -> Self {
        Self {
            keys: KeyIds::new(current),
        }
    }

    /// Adds an older key, used only to open values it sealed.
    ///
    /// # Errors
    /// [`SealError::DuplicateKeyId`] if the keyring already holds a key with that id.
    pub fn with_old_key(self, key: SealingKey) -> Result<Self, SealError> {
        let keys = self
            .keys
            .with_old(key)
            .map_err(|key_id| SealError::DuplicateKeyId { key_id })?;
        Ok(Self { keys })
    }

    /// A keyring of keys whose ids the caller knows to be distinct, the current one first
    /// (`ServerKeys` checks its ids when it is built).
    pub(crate) fn from_distinct(current: SealingKey, old: impl IntoIterator<Item = SealingKey>) -> Self {
        Self {
            keys: KeyIds::from_distinct(current, old),
        }
    }

    /// The id of the key that seals.
    #[must_use]
    pub fn current_key_id(&self) -> u32 {
        self.current().id()
    }

    fn current(&self) -> &SealingKey {
        self.keys.current()
    }

    fn key(&self, id: u32) -> Option<&SealingKey> {
        self.keys.get(id)
    }

    /// Seals `secret` for `user` and `purpose` under the current key, with a nonce from the
    /// operating system's CSPRNG.
    ///
    /// # Errors
    /// [`SealError::Rng`] if the random number generator fails.
    ///
    /// ```
    /// use twofactor::seal::{Keyring, Purpose, SealedSecret, SealingKey};
    /// use twofactor::Secret;
    ///
    /// let keyring = Keyring::new(SealingKey::new(1, &[1; 32])?);
    /// let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
    /// let stored = keyring.seal(&secret, "alice", Purpose::Active)?.to_bytes(); // what a store keeps
    /// let sealed = SealedSecret::from_bytes(&stored)?;
    /// assert_eq!(keyring.open(&sealed, "alice", Purpose::Active)?, secret);
    /// assert!(keyring.open(&sealed, "bob", Purpose::Active).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn seal(&self, secret: &Secret, user: &str, purpose: Purpose) -> Result<SealedSecret, SealError> {
        let mut nonce = [0; SealedSecret::NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Rng)?;
        Ok(self.seal_with_nonce(secret, user, purpose, nonce))
    }

    /// Seals `secret` for `user` and `purpose` under the current key with a nonce from `rng`.
    pub fn seal_with_rng<R: CryptoRng + ?Sized>(
        &self,
        secret: &Secret,
        user: &str,
        purpose: Purpose,
        rng: &mut R,
    ) -> SealedSecret {
        let mut nonce = [0; SealedSecret::NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        self.seal_with_nonce(secret, user, purpose, nonce)
    }

    fn seal_with_nonce(
        &self,
        secret: &Secret,
        user: &str,
        purpose: Purpose,
        nonce: [u8; SealedSecret::NONCE_LEN],
    ) -> SealedSecret {
        let key = self.current();
        let aad = SealedSecret::associated_data(key.id(), user, purpose);
        let payload = Payload {
            msg: secret.expose_secret(),
            aad: &aad,
        };
        // XChaCha20-Poly1305 refuses only messages longer than 256 GiB; a secret is ≤ 128 bytes.
        let ciphertext = key
            .cipher()
            .encrypt(&XNonce::from(nonce), payload)
            .unwrap_or_default();
        SealedSecret {
            key_id: key.id(),
            nonce,
            ciphertext,
        }
    }

    /// Opens a sealed secret of `user` for `purpose`, with the key it names.
    ///
    /// # Errors
    /// [`SealError::UnknownKey`] for a key the keyring does not hold, [`SealError::Tampered`] for
    /// a changed value, a wrong key, or another user's or purpose's value.
    pub fn open(&self, sealed: &SealedSecret, user: &str, purpose: Purpose) -> Result<Secret, SealError> {
        let key = self.key(sealed.key_id).ok_or(SealError::UnknownKey {
            key_id: sealed.key_id,
        })?;
        let aad = SealedSecret::associated_data(key.id(), user, purpose);
        let payload = Payload {
            msg: &sealed.ciphertext,
            aad: &aad,
        };
        let plain = Zeroizing::new(
            key.cipher()
                .decrypt(&XNonce::from(sealed.nonce), payload)
                .map_err(|_| SealError::Tampered)?,
        );
        Secret::from_bytes_legacy(&plain).map_err(|_| SealError::Malformed)
    }

    /// Whether `sealed` was sealed under another key than the current one: open it and seal it
    /// again to finish a rotation.
    #[must_use]
    pub fn needs_reseal(&self, sealed: &SealedSecret) -> bool {
        sealed.key_id != self.current_key_id()
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = self.keys.ids();
        f.debug_struct("Keyring")
            .field("current", &self.current_key_id())
            .field("keys", &ids)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    use super::*;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(5)
    }

    fn secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890").unwrap()
    }

    fn keyring() -> Keyring {
        Keyring::new(SealingKey::new(2, &[2; 32]).unwrap())
            .with_old_key(SealingKey::new(1, &[1; 32]).unwrap())
            .unwrap()
    }

    #[test]
    fn seals_and_opens_and_never_shows_the_secret() {
        let keyring = keyring();
        let sealed = keyring.seal_with_rng(&secret(), "alice", Purpose::Active, &mut rng());
        assert_eq!(sealed.key_id, 2);
        let bytes = sealed.to_bytes();
        assert!(!bytes.windows(20).any(|w| w == b"12345678901234567890"));
        assert_eq!(format!("{sealed:?}"), "SealedSecret { key_id: 2, .. }");
        let parsed = SealedSecret::from_bytes(&bytes).unwrap();
        assert_eq!(keyring.open(&parsed, "alice", Purpose::Active).unwrap(), secret());
    }

    #[test]
    fn another_user_or_purpose_fails_to_open() {
        let keyring = keyring();
        let sealed = keyring.seal_with_rng(&secret(), "alice", Purpose::Pending, &mut rng());
        assert_eq!(
            keyring.open(&sealed, "bob", Purpose::Pending),
            Err(SealError::Tampered)
        );
        assert_eq!(
            keyring.open(&sealed, "alice", Purpose::Active),
            Err(SealError::Tampered)
        );
        assert!(keyring.open(&sealed, "alice", Purpose::Pending).is_ok());
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let keyring = keyring();
        let bytes = keyring
            .seal_with_rng(&secret(), "alice", Purpose::Active, &mut rng())
            .to_bytes();
        for index in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[index] ^= 0x01;
            let result =
                SealedSecret::from_bytes(&changed).and_then(|s| keyring.open(&s, "alice", Purpose::Active));
            assert!(
                matches!(
                    result,
                    Err(SealError::Tampered | SealError::Malformed | SealError::UnknownKey { .. })
                ),
                "byte {index}: {result:?}"
            );
        }
        for len in 0..bytes.len() {
            let result = SealedSecret::from_bytes(&bytes[..len])
                .and_then(|s| keyring.open(&s, "alice", Purpose::Active));
            assert!(result.is_err(), "cut at {len}");
        }
    }

    #[test]
    fn rotation_opens_old_values_and_reports_them_for_resealing() {
        let old = Keyring::new(SealingKey::new(1, &[1; 32]).unwrap());
        let sealed = old.seal_with_rng(&secret(), "alice", Purpose::Active, &mut rng());
        let rotated = keyring();
        assert!(rotated.needs_reseal(&sealed));
        assert_eq!(rotated.open(&sealed, "alice", Purpose::Active).unwrap(), secret());
        let resealed = rotated.seal_with_rng(&secret(), "alice", Purpose::Active, &mut rng());
        assert!(!rotated.needs_reseal(&resealed));
        // Retiring the old key too early: a typed error, not a fallback.
        let retired = Keyring::new(SealingKey::new(2, &[2; 32]).unwrap());
        assert_eq!(
            retired.open(&sealed, "alice", Purpose::Active),
            Err(SealError::UnknownKey { key_id: 1 })
        );
        // A wrong key under the right id.
        let impostor = Keyring::new(SealingKey::new(1, &[9; 32]).unwrap());
        assert_eq!(
            impostor.open(&sealed, "alice", Purpose::Active),
            Err(SealError::Tampered)
        );
    }

    #[test]
    fn nonces_differ_between_seals() {
        let keyring = keyring();
        let mut rng = rng();
        let a = keyring.seal_with_rng(&secret(), "alice", Purpose::Active, &mut rng);
        let b = keyring.seal_with_rng(&secret(), "alice", Purpose::Active, &mut rng);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn keyrings_refuse_duplicate_ids_and_print_ids_only() {
        let keyring = Keyring::new(SealingKey::new(1, &[1; 32]).unwrap());
        assert_eq!(
            keyring
                .clone()
                .with_old_key(SealingKey::new(1, &[3; 32]).unwrap())
                .unwrap_err(),
            SealError::DuplicateKeyId { key_id: 1 }
        );
        assert_eq!(format!("{keyring:?}"), "Keyring { current: 1, keys: [1] }");
    }
}
