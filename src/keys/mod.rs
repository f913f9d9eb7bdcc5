//! The server's keys, held one way: [`ServerKeys`], application secrets with key ids, from which
//! the sealing key, the login-challenge key and the backup-code pepper are derived.
//!
//! The service holds three kinds of key, and each rotates by id in the same way: values written
//! under an old id still open or verify, new ones use the newest id.
//!
//! | key | what it protects | under an old id | a rotation finishes |
//! | --- | --- | --- | --- |
//! | sealing ([`Keyring`], feature `seal`) | TOTP secrets at rest | still open | when [`TwoFactor::reseal`](crate::TwoFactor::reseal) has run for every user (or each record's next write) |
//! | challenge ([`ChallengeKeyring`]) | login-challenge tokens | still verify | when the longest challenge lifetime (default 5 minutes) has passed |
//! | backup pepper ([`HmacHasher`]) | stored backup-code sets | still verify, flagged by [`needs_rehash`](crate::backup::BackupCodeSet::needs_rehash) | as users regenerate their codes ([`TwoFactor::backup_codes_need_rehash`](crate::TwoFactor::backup_codes_need_rehash) says who has not) |
//!
//! # One secret, three keys
//!
//! Each entry of a [`ServerKeys`] is a secret of 32 to 64 random bytes with a `u32` key id;
//! the first entry is the newest. From each, HKDF-SHA-256 (RFC 5869, RustCrypto `hkdf`)
//! derives three independent 32-byte keys, one per purpose, known by the entry's id:
//!
//! ```text
//! PRK = HKDF-Extract(salt = none (32 zero bytes), IKM = secret)
//! key = HKDF-Expand(PRK, info = label ‖ 0x00 ‖ key id (4 bytes, big-endian), L = 32)
//! ```
//!
//! | label | key |
//! | --- | --- |
//! | `twofactor 0.2 sealing` | the XChaCha20-Poly1305 [`SealingKey`] |
//! | `twofactor 0.2 challenge` | the HMAC-SHA-256 [`ChallengeKey`] |
//! | `twofactor 0.2 backup pepper` | the HMAC-SHA-256 key of [`HmacHasher`] |
//!
//! The labels are part of the stored format and never change (the `0.2` names the release that
//! introduced them, not the one running). No derived key reveals the secret or another derived
//! key, and the id in `info` makes two ids with the same secret two sets of keys. An
//! application that holds its keys elsewhere (an HSM, separate secrets) builds the three
//! keyrings itself instead; [`ServerKeys`] is the one-value-in-the-environment option.
//!
//! # The text form
//!
//! The form to keep in a secrets manager or an environment variable: entries newest first,
//! separated by commas, each `tfk1.<id>.<secret>`:
//!
//! ```text
//! keys   = entry *( "," entry )
//! entry  = "tfk1." id "." secret
//! id     = "0" / ( %x31-39 *8DIGIT )            ; a decimal u32, no leading zero
//! secret = 43*86 base64url-char                 ; RFC 4648 §5, unpadded, 32 to 64 bytes
//! ```
//!
//! For example `tfk1.2.<43 symbols>,tfk1.1.<43 symbols>`: key 2 is current, key 1 is old.
//! White space around the whole text (a trailing newline of a secrets file) is ignored;
//! anything else out of place — white space inside, an empty entry, a leading zero, padding,
//! a non-canonical final symbol, a duplicated id — is a [`ConfigError`] that names the entry and
//! the problem ([`ConfigError::KeyEntry`] with an [`EntryProblem`]), never the text.
//! [`ServerKeys::to_text`] writes the form, and `ServerKeys::generate(1)?.to_text()` makes a
//! first one.
//!
//! # Production setup
//!
//! One value in the environment, read once at start-up; the service takes the sealing keyring
//! and the challenge keys from it when it is built ([`TwoFactor::new`](crate::TwoFactor::new)), and
//! the configuration takes the backup-code hasher:
//!
//! ```no_run
//! use std::sync::Arc;
//! use twofactor::keys::ServerKeys;
//! use twofactor::{Config, MemoryStore, SystemClock, TwoFactor};
//!
//! // TWOFACTOR_KEYS=tfk1.1.<43 base64url symbols>, from the secrets manager.
//! let keys = ServerKeys::from_env("TWOFACTOR_KEYS")?;
//! let config = Config::builder("Example Co").hasher(keys.backup_hasher()).build()?;
//! let service = TwoFactor::new(MemoryStore::new(), SystemClock, config, &keys);
//! drop(keys); // the service holds what it needs; the secrets are zeroized
//! let service = Arc::new(service);
//! # let _ = service;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The backup-code hasher is set in the [`Config`](crate::Config), not by `TwoFactor::new`: it
//! decides how every stored set is checked, and switching a deployment from the default
//! Argon2id to the pepper would refuse the sets hashed with Argon2id. Choose it once, explicitly.
//!
//! # Rotation
//!
//! 1. Put a new entry in front: `ServerKeys::generate(2)?.with_old_keys(current)?.to_text()`,
//!    or by hand, `tfk1.2.…,tfk1.1.…`. Store it in the secrets manager.
//! 2. Deploy it to every instance. New writes use id 2 (sealed secrets, challenge tokens, new
//!    backup-code sets); everything under id 1 still opens and verifies.
//! 3. Run [`TwoFactor::reseal`](crate::TwoFactor::reseal) for every user (a background job):
//!    the sealed secrets move to id 2.
//! 4. Drop `tfk1.1.…` once the longest-lived thing under it is gone: every record resealed,
//!    every challenge issued under it expired (minutes), and — the long one — every backup-code
//!    set under the old pepper regenerated by its user. Until then, keep the old entry:
//!    a set under a pepper the hasher does not hold is refused
//!    ([`BackupError::KeyMismatch`](crate::backup::BackupError::KeyMismatch)), and so is a record
//!    sealed under a dropped id ([`SealError::UnknownKey`](crate::seal::SealError::UnknownKey)).
//!
//! ```
//! use twofactor::keys::ServerKeys;
//! use twofactor::{Config, ManualClock, MemoryStore, Store, TwoFactor};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let store = MemoryStore::new();
//! let clock = ManualClock::new(1_700_000_000);
//! let first = ServerKeys::parse("tfk1.1.AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE")?;
//! let config = Config::builder("Example").hasher(first.backup_hasher()).build()?;
//! let service = TwoFactor::new(&store, clock.clone(), config, &first);
//! service.begin_enrollment("u1", "alice").await?;
//!
//! // Steps 1 and 2: key 2 in front, deployed.
//! let rotated = ServerKeys::generate(2)?.with_old_keys(first)?;
//! assert_eq!(format!("{rotated:?}"), "ServerKeys { current: 2, keys: [2, 1] }");
//! let config = Config::builder("Example").hasher(rotated.backup_hasher()).build()?;
//! let service = TwoFactor::new(&store, clock, config, &rotated);
//! // Step 3: reseal.
//! assert!(service.reseal("u1").await?);
//! assert!(!store.load("u1").await?.ok_or("no record")?.needs_reseal(&rotated.keyring()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Adopting `ServerKeys` with keys already in use
//!
//! Derived keys are new keys: a record sealed under a [`SealingKey`] the application held
//! itself, or a backup-code set under its own pepper, does not open under a derived key of the
//! same id. Give the [`ServerKeys`] an id above every id in use, and keep the old keys as old
//! keys of what it derives, until the rotation finishes as above:
//!
//! ```
//! use twofactor::backup::HmacHasher;
//! use twofactor::keys::ServerKeys;
//! use twofactor::seal::SealingKey;
//! use twofactor::{Config, MemoryStore, SystemClock, TwoFactor};
//!
//! # let (old_sealing, old_pepper) = ([1; 32], [7; 32]);
//! // 0.1 sealed under SealingKey 1 and hashed backup codes under HmacHasher key 1.
//! let keys = ServerKeys::generate(2)?; // from the environment in production
//! let keyring = keys.keyring().with_old_key(SealingKey::new(1, &old_sealing)?)?;
//! let hasher = keys.backup_hasher().with_old_key(1, &old_pepper)?;
//! let config = Config::builder("Example Co").hasher(hasher).build()?;
//! let service = TwoFactor::new(MemoryStore::new(), SystemClock, config, &keys)
//!     .with_keyring(keyring); // replaces the derived keyring, which held the new key alone
//! # let _ = service;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A login challenge issued under the old challenge key is refused after the switch
//! ([`ChallengeError::UnknownKey`](crate::challenge::ChallengeError::UnknownKey), or `Forged`
//! for a token 0.1 issued): it lives minutes, and the user logs in again. (To spare those few,
//! pass `keys.challenge_keys().with_old_key(old_challenge_key)?` to
//! [`TwoFactor::with_challenge_key`](crate::TwoFactor::with_challenge_key).) A deployment that keeps Argon2id
//! for backup codes (the default) leaves the hasher alone and gives the keys to `TwoFactor::new` for the rest.
//!
//! # Handling
//!
//! The secrets are zeroized when a [`ServerKeys`] is dropped, and so are the derived keys when
//! the keyrings and the hasher are (their keyed HMAC and cipher states included); the text form
//! comes back as a [`Zeroizing`] string. `Debug` shows the key ids only. Copies outside those —
//! the process environment [`ServerKeys::from_env`] reads (it keeps its own copy), a secrets
//! file, a register spilled to the stack — are outside what the crate can wipe.

mod text;

pub use crate::config_error::EntryProblem;

use alloc::vec::Vec;
use core::fmt;

use hkdf::Hkdf;
use rand_core::CryptoRng;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::backup::HmacHasher;
#[cfg(feature = "std")]
use crate::challenge::{ChallengeKey, ChallengeKeyring};
use crate::config_error::ConfigError;
#[cfg(feature = "seal")]
use crate::seal::{Keyring, SealingKey};

/// The `info` labels of the three derived keys (see [the module](self#one-secret-three-keys)).
/// Part of the stored format: never change them.
#[cfg(any(feature = "seal", test))]
const SEALING: &[u8] = b"twofactor 0.2 sealing";
#[cfg(any(feature = "std", test))]
const CHALLENGE: &[u8] = b"twofactor 0.2 challenge";
const BACKUP_PEPPER: &[u8] = b"twofactor 0.2 backup pepper";

/// The application's server-side secrets, each with a key id, newest first, from which the
/// sealing keyring, the challenge keys and the backup-code pepper are derived (see
/// [the module](self)). Zeroized on drop; `Debug` shows the ids only.
///
/// ```
/// use twofactor::keys::ServerKeys;
///
/// let keys = ServerKeys::new(2, &[2; 32])?.with_old_secret(1, &[1; 32])?;
/// assert_eq!(format!("{keys:?}"), "ServerKeys { current: 2, keys: [2, 1] }");
/// assert_eq!(keys.current_key_id(), 2);
/// assert!(keys.with_old_secret(2, &[3; 32]).is_err()); // ids are unique
/// # Ok::<(), twofactor::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ServerKeys {
    /// Never empty, the ids distinct; the newest first.
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    id: u32,
    secret: Zeroizing<Vec<u8>>,
}

impl ServerKeys {
    /// The shortest secret: 32 bytes, the output length of SHA-256.
    pub const MIN_SECRET_LEN: usize = 32;
    /// The longest secret: 64 bytes, the block length of SHA-256 (more adds nothing).
    pub const MAX_SECRET_LEN: usize = 64;
    /// The length of a secret [`ServerKeys::generate`] draws: 32 bytes.
    pub const GENERATED_LEN: usize = 32;

    /// Keys of one secret, known as `id` (the current and only one).
    ///
    /// # Errors
    /// [`ConfigError::KeySecretLength`] for a secret outside 32 ..= 64 bytes.
    pub fn new(id: u32, secret: &[u8]) -> Result<Self, ConfigError> {
        Ok(Self {
            entries: alloc::vec![Entry::new(id, secret)?],
        })
    }

    /// Adds an older secret, known as `id`, after the others: what it derives still opens and
    /// verifies, and writes nothing new.
    ///
    /// # Errors
    /// [`ConfigError::KeySecretLength`] as [`ServerKeys::new`]; [`ConfigError::DuplicateKeyId`] if an
    /// entry already has that id.
    pub fn with_old_secret(mut self, id: u32, secret: &[u8]) -> Result<Self, ConfigError> {
        let entry = Entry::new(id, secret)?;
        if self.entries.iter().any(|old| old.id == id) {
            return Err(ConfigError::DuplicateKeyId { key_id: id });
        }
        self.entries.push(entry);
        Ok(self)
    }

    /// These keys in front of `older`, whose entries all become old ones: the first step of a
    /// rotation, `ServerKeys::generate(next_id)?.with_old_keys(current)?`.
    ///
    /// # Errors
    /// [`ConfigError::DuplicateKeyId`] if an id appears in both.
    pub fn with_old_keys(mut self, older: Self) -> Result<Self, ConfigError> {
        // Moves the entries: their secrets stay where they are on the heap.
        self.entries.extend(older.entries);
        Self::from_entries(self.entries)
    }

    /// A fresh secret of [`ServerKeys::GENERATED_LEN`] bytes from the operating system's CSPRNG,
    /// known as `id`.
    ///
    /// # Errors
    /// [`ConfigError::Rng`] if the random number generator fails.
    #[cfg(feature = "std")]
    pub fn generate(id: u32) -> Result<Self, ConfigError> {
        let mut secret = Zeroizing::new(alloc::vec![0; Self::GENERATED_LEN]);
        getrandom::fill(&mut secret).map_err(|_| ConfigError::Rng)?;
        Ok(Self {
            entries: alloc::vec![Entry { id, secret }],
        })
    }

    /// A fresh secret of [`ServerKeys::GENERATED_LEN`] bytes from `rng`, known as `id`.
    pub fn generate_with_rng<R: CryptoRng + ?Sized>(id: u32, rng: &mut R) -> Self {
        let mut secret = Zeroizing::new(alloc::vec![0; Self::GENERATED_LEN]);
        rng.fill_bytes(&mut secret);
        Self {
            entries: alloc::vec![Entry { id, secret }],
        }
    }

    /// Reads the text form (see [the module](self#the-text-form)) from the environment variable
    /// `var`. The value read is zeroized; the process environment keeps its own copy.
    ///
    /// # Errors
    /// [`ConfigError::EnvNotSet`], [`ConfigError::EnvNotUnicode`], or as [`ServerKeys::parse`].
    #[cfg(feature = "std")]
    pub fn from_env(var: &str) -> Result<Self, ConfigError> {
        let value = std::env::var_os(var).ok_or(ConfigError::EnvNotSet)?;
        let bytes = Zeroizing::new(value.into_encoded_bytes());
        let text = core::str::from_utf8(&bytes).map_err(|_| ConfigError::EnvNotUnicode)?;
        Self::parse(text)
    }

    /// Checks that the ids are distinct.
    fn from_entries(entries: Vec<Entry>) -> Result<Self, ConfigError> {
        for (index, entry) in entries.iter().enumerate() {
            if entries[..index].iter().any(|earlier| earlier.id == entry.id) {
                return Err(ConfigError::DuplicateKeyId { key_id: entry.id });
            }
        }
        if entries.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        Ok(Self { entries })
    }

    /// The id of the newest secret: what new writes use.
    #[must_use]
    pub fn current_key_id(&self) -> u32 {
        self.current().id
    }

    /// Every id, newest first.
    #[must_use]
    pub fn key_ids(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.entries.iter().map(|entry| entry.id)
    }

    fn current(&self) -> &Entry {
        // Every constructor makes at least one entry, and nothing removes one.
        &self.entries[0]
    }

    fn old(&self) -> &[Entry] {
        self.entries.get(1..).unwrap_or_default()
    }

    /// The sealing keyring (feature `seal`): the newest key seals, every key opens what names
    /// its id. [`TwoFactor::new`](crate::TwoFactor::new) gives it to the service.
    #[cfg(feature = "seal")]
    #[must_use]
    pub fn keyring(&self) -> Keyring {
        let key = |entry: &Entry| SealingKey::from_derived(entry.id, &entry.derive(SEALING));
        Keyring::from_distinct(key(self.current()), self.old().iter().map(key))
    }

    /// The login-challenge keys: the newest signs, every key verifies the tokens that name its
    /// id. [`TwoFactor::new`](crate::TwoFactor::new) gives them to the service.
    #[cfg(feature = "std")]
    #[must_use]
    pub fn challenge_keys(&self) -> ChallengeKeyring {
        let key = |entry: &Entry| ChallengeKey::from_derived(entry.id, &entry.derive(CHALLENGE));
        ChallengeKeyring::from_distinct(key(self.current()), self.old().iter().map(key))
    }

    /// The backup-code hasher keyed with the peppers: HMAC-SHA-256 under the newest for new
    /// sets, and under whichever the stored set names to verify one. For
    /// [`ConfigBuilder::hasher`](crate::ConfigBuilder::hasher).
    #[must_use]
    pub fn backup_hasher(&self) -> HmacHasher {
        let current = self.current().derive(BACKUP_PEPPER);
        let old: Vec<(u32, Zeroizing<[u8; 32]>)> = self
            .old()
            .iter()
            .map(|entry| (entry.id, entry.derive(BACKUP_PEPPER)))
            .collect();
        HmacHasher::from_derived(
            (self.current().id, &current),
            old.iter().map(|(id, pepper)| (*id, &**pepper)),
        )
    }
}

impl Entry {
    fn new(id: u32, secret: &[u8]) -> Result<Self, ConfigError> {
        if !(ServerKeys::MIN_SECRET_LEN..=ServerKeys::MAX_SECRET_LEN).contains(&secret.len()) {
            return Err(ConfigError::KeySecretLength { len: secret.len() });
        }
        Ok(Self {
            id,
            secret: Zeroizing::new(secret.to_vec()),
        })
    }

    /// HKDF-SHA-256 of the secret for `label` and this entry's id (see
    /// [the module](self#one-secret-three-keys)).
    fn derive(&self, label: &[u8]) -> Zeroizing<[u8; 32]> {
        let (mut prk, hkdf) = Hkdf::<Sha256>::extract(None, &self.secret);
        prk.as_mut_slice().zeroize();
        let mut key = Zeroizing::new([0; 32]);
        // HKDF-Expand refuses only outputs longer than 255 hash lengths; this is one.
        hkdf.expand_multi_info(&[label, &[0], &self.id.to_be_bytes()], &mut *key)
            .unwrap_or_default();
        key
    }
}

impl fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<u32> = self.key_ids().collect();
        f.debug_struct("ServerKeys")
            .field("current", &self.current_key_id())
            .field("keys", &ids)
            .finish()
    }
}

/// Each secret is a [`Zeroizing`] buffer.
impl ZeroizeOnDrop for ServerKeys {}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The secret 00 01 … 1f under ids 1 and 2: the values Python's `hmac`/`hashlib` compute for
    /// the documented derivation (PRK = HMAC(32 zero bytes, secret), key = HMAC(PRK, label ‖ 00
    /// ‖ id ‖ 01)), so a change of label, layout or salt fails here.
    #[test]
    fn the_derivation_is_the_documented_one() {
        let secret: Vec<u8> = (0..32).collect();
        let expected = [
            (
                SEALING,
                1,
                "3155402317927241b327a3f74e4f18f2fc370931482ea607f631b9af237fe12e",
            ),
            (
                SEALING,
                2,
                "0d062b18d63c5903267cd627987fcf6bd99086ae34ef37dd7a142be0c2e76f70",
            ),
            (
                CHALLENGE,
                1,
                "1f0289c932d24695c20c246e096251d23420eaed650f5a1773a5649d8448c6ed",
            ),
            (
                CHALLENGE,
                2,
                "e5b2fde8bcbc4be00b898a4d268b0a14019ffcd6530d3466433b5a73fd5b9ebd",
            ),
            (
                BACKUP_PEPPER,
                1,
                "ebb993e7dc45e324db28681ba0c9558775592f63ad0f7263ba13050bb54a5e0a",
            ),
            (
                BACKUP_PEPPER,
                2,
                "a273ea7998b24547ab4d37bca8b3e8b26ae89620a5f12315af870b4710165dd0",
            ),
        ];
        for (label, id, key) in expected {
            let entry = Entry::new(id, &secret).unwrap();
            assert_eq!(hex(&*entry.derive(label)), key);
            assert_eq!(entry.derive(label), entry.derive(label), "deterministic");
        }
    }

    #[test]
    fn the_three_keys_differ_from_each_other_and_from_the_secret() {
        let entry = Entry::new(1, &[0x42; 32]).unwrap();
        let keys = [SEALING, CHALLENGE, BACKUP_PEPPER].map(|label| entry.derive(label));
        for (index, key) in keys.iter().enumerate() {
            assert_ne!(key[..], entry.secret[..]);
            for other in &keys[index + 1..] {
                assert_ne!(key, other);
            }
        }
    }

    #[test]
    fn every_entry_but_the_first_is_old() {
        let keys = ServerKeys::new(3, &[3; 32])
            .unwrap()
            .with_old_secret(1, &[1; 32])
            .unwrap()
            .with_old_secret(2, &[2; 32])
            .unwrap();
        assert_eq!(keys.current_key_id(), 3);
        assert_eq!(keys.old().iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(
            ServerKeys::new(1, &[1; 31]).unwrap_err(),
            ConfigError::KeySecretLength { len: 31 }
        );
        assert_eq!(
            ServerKeys::new(1, &[1; 65]).unwrap_err(),
            ConfigError::KeySecretLength { len: 65 }
        );
        assert!(ServerKeys::new(1, &[1; 64]).is_ok());
    }
}
