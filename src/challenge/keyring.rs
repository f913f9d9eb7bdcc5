use core::fmt;

use super::{ChallengeError, ChallengeKey};
use crate::key_ids::{KeyId, KeyIds};

/// The login-challenge keys of a service that holds none: the type of
/// [`TwoFactor::without_keys`](crate::TwoFactor::without_keys)'s service, which has no
/// login-challenge calls — calling one does not compile. Add keys with
/// [`TwoFactor::with_challenge_key`](crate::TwoFactor::with_challenge_key).
///
/// ```compile_fail
/// use twofactor::{Config, MemoryStore, SystemClock, TwoFactor};
///
/// # async fn no_key() -> Result<(), Box<dyn std::error::Error>> {
/// let service = TwoFactor::without_keys(MemoryStore::new(), SystemClock, Config::new("Example")?);
/// service.issue_challenge("u1").await?; // no method `issue_challenge` without challenge keys
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
// Exhaustive on purpose: a marker with nothing in it.
#[allow(clippy::exhaustive_structs)]
pub struct NoChallengeKey;

/// The login-challenge keys of a deployment: the current key signs new tokens, and every key
/// verifies the tokens that name its id. `Debug` shows the ids only.
///
/// A challenge lives minutes ([`TwoFactor::DEFAULT_CHALLENGE_TTL`](crate::TwoFactor::DEFAULT_CHALLENGE_TTL)),
/// so a rotation is short: put the new key in front, deploy, and drop the old one once the
/// longest challenge lifetime has passed (nothing to reseal).
///
/// ```
/// use twofactor::challenge::{ChallengeKey, ChallengeKeyring};
///
/// let keys = ChallengeKeyring::new(ChallengeKey::new(2, &[2; 32])?)
///     .with_old_key(ChallengeKey::new(1, &[1; 32])?)?;
/// assert_eq!(keys.current_key_id(), 2);
/// assert_eq!(format!("{keys:?}"), "ChallengeKeyring { current: 2, keys: [2, 1] }");
/// assert!(keys.with_old_key(ChallengeKey::new(2, &[3; 32])?).is_err());
/// # Ok::<(), twofactor::challenge::ChallengeError>(())
/// ```
#[derive(Clone)]
pub struct ChallengeKeyring {
    /// Never empty; the current key first.
    keys: KeyIds<ChallengeKey>,
}

impl ChallengeKeyring {
    /// A keyring whose current (signing) key is `current`.
    #[must_use]
    pub fn new(current: ChallengeKey) -> Self {
        Self {
            keys: KeyIds::new(current),
        }
    }

    /// Adds an older key, used only to verify tokens that name it.
    ///
    /// # Errors
    /// [`ChallengeError::DuplicateKeyId`] if the keyring already holds a key with that id.
    pub fn with_old_key(self, key: ChallengeKey) -> Result<Self, ChallengeError> {
        let keys = self
            .keys
            .with_old(key)
            .map_err(|key_id| ChallengeError::DuplicateKeyId { key_id })?;
        Ok(Self { keys })
    }

    /// A keyring of keys whose ids the caller knows to be distinct, the current one first
    /// (`ServerKeys` checks its ids when it is built).
    pub(crate) fn from_distinct(current: ChallengeKey, old: impl IntoIterator<Item = ChallengeKey>) -> Self {
        Self {
            keys: KeyIds::from_distinct(current, old),
        }
    }

    /// The id of the key that signs new tokens.
    #[must_use]
    pub fn current_key_id(&self) -> u32 {
        self.current().id()
    }

    pub(crate) fn current(&self) -> &ChallengeKey {
        self.keys.current()
    }

    /// The key with `id`, if the keyring holds it. Ids are public (every token shows its own):
    /// the search is not constant-time, and needs not be.
    pub(crate) fn key(&self, id: u32) -> Option<&ChallengeKey> {
        self.keys.get(id)
    }
}

impl KeyId for ChallengeKey {
    fn key_id(&self) -> u32 {
        self.id()
    }
}

impl From<ChallengeKey> for ChallengeKeyring {
    fn from(current: ChallengeKey) -> Self {
        Self::new(current)
    }
}

impl fmt::Debug for ChallengeKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = self.keys.ids();
        f.debug_struct("ChallengeKeyring")
            .field("current", &self.current_key_id())
            .field("keys", &ids)
            .finish()
    }
}
