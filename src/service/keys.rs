//! The server's keys in one call: the sealing keyring and the login-challenge keys from
//! [`ServerKeys`], and whether a user's backup codes still await a pepper rotation.

use super::{Error, TwoFactor};
use crate::keys::ServerKeys;
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock> TwoFactor<S, C> {
    /// The same service, holding the keys derived from `keys` (see [`crate::keys`]): the sealing
    /// keyring, as [`TwoFactor::with_keyring`] (feature `seal`; without it, nothing is sealed),
    /// and the login-challenge keys, as [`TwoFactor::with_challenge_key`], with the challenge
    /// lifetime already set ([`TwoFactor::DEFAULT_CHALLENGE_TTL`] unless
    /// [`TwoFactor::with_challenge_key_and_ttl`] came first). In both, the newest key writes and
    /// every key opens or verifies what names its id; [`TwoFactor::reseal`] finishes a sealing
    /// rotation.
    ///
    /// It does not set the backup-code hasher, which is the [`Config`](crate::Config)'s: pass
    /// [`ServerKeys::backup_hasher`] to [`ConfigBuilder::hasher`](crate::ConfigBuilder::hasher).
    /// (Setting it here would silently move a deployment off Argon2id and refuse every set
    /// hashed with it.) The service keeps only what it derives: `keys` may be dropped after.
    ///
    /// ```
    /// use twofactor::keys::ServerKeys;
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let keys = ServerKeys::generate(1)?; // in production: ServerKeys::from_env("TWOFACTOR_KEYS")?
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(keys.backup_hasher()).build()?;
    /// let service = TwoFactor::new(MemoryStore::new(), clock.clone(), config).with_keys(&keys);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// let token = service.issue_challenge("u1").await?; // signed under key 1
    /// assert_eq!(service.challenge_user(token.as_str())?, "u1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_keys(self, keys: &ServerKeys) -> Self {
        #[cfg(feature = "seal")]
        let this = self.with_keyring(keys.keyring());
        #[cfg(not(feature = "seal"))]
        let this = self;
        let ttl = this
            .challenge
            .as_ref()
            .map_or(Self::DEFAULT_CHALLENGE_TTL, |(_, ttl)| *ttl);
        this.with_challenge_key_and_ttl(keys.challenge_keys(), ttl)
    }

    /// Whether the user's stored backup codes were hashed under another scheme, parameters or
    /// key id than the configured hasher uses for new sets — after a pepper rotation, a set
    /// under an old id. Such a set still verifies (while the hasher holds its key), but cannot
    /// be rehashed in place: ask the user to regenerate the codes
    /// ([`TwoFactor::regenerate_backup_codes`]), say at the next visit to the security settings.
    /// A pepper rotation finishes when this is `false` for every user; only then drop the old
    /// id. Reads only; a user without a record, or without codes, is `Ok(false)`.
    ///
    /// # Errors
    /// The service's own failures ([`Error::Store`], [`Error::Clock`], [`Error::InvalidUser`]).
    pub async fn backup_codes_need_rehash(&self, user: &str) -> Result<bool, Error> {
        self.start(user)?;
        let record = self.store.load(user).await.map_err(Error::store)?;
        if record.as_ref().is_some_and(|record| record.user() != user) {
            return Err(Error::store(super::error::WrongRecord));
        }
        let hasher = self.config.hasher();
        Ok(record
            .and_then(|record| record.0.backup)
            .is_some_and(|set| set.needs_rehash(hasher)))
    }
}
