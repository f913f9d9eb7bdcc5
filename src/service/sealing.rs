//! Secrets sealed at rest: the service's keyring (feature `seal`), opening what it loads and
//! sealing what it writes.

use super::Error;
#[cfg(feature = "seal")]
use super::TwoFactor;
use super::rng::Randomness;
use crate::record::Record;
#[cfg(feature = "seal")]
use crate::record::Unsealed;
#[cfg(feature = "seal")]
use crate::seal::Keyring;
use crate::seal::SealError;
#[cfg(feature = "seal")]
use crate::service::Clock;
#[cfg(feature = "seal")]
use crate::store::Store;

/// How the service keeps secrets in the store: sealed under a keyring, or (without one) plain.
#[derive(Clone, Default)]
pub(super) struct Sealing {
    #[cfg(feature = "seal")]
    keyring: Option<Keyring>,
}

/// What [`Sealing::seal`] needs to know about the record as it was loaded.
#[cfg(feature = "seal")]
pub(super) type Loaded = Option<Unsealed>;
#[cfg(not(feature = "seal"))]
pub(super) struct Loaded;

impl Sealing {
    /// Opens the loaded record's secrets in memory, in place (a record is a couple of hundred
    /// bytes: every move is a copy). Without a keyring, a record that holds a sealed secret is
    /// refused — never read as if it had none.
    #[cfg(feature = "seal")]
    pub(super) fn open(&self, loaded: Option<&mut Record>) -> Result<Loaded, Error> {
        match (&self.keyring, loaded) {
            (Some(keyring), Some(record)) => record.open(keyring).map(Some).map_err(Error::Seal),
            (None, Some(record)) if record.holds_sealed() => Err(Error::Seal(SealError::NoKeyring)),
            _ => Ok(None),
        }
    }

    /// Refuses a loaded record that holds a sealed secret (this build cannot open it).
    #[cfg(not(feature = "seal"))]
    #[expect(clippy::unused_self, reason = "the signature of the `seal` build")]
    pub(super) fn open(&self, loaded: Option<&mut Record>) -> Result<Loaded, Error> {
        match loaded {
            Some(record) if record.holds_sealed() => Err(Error::Seal(SealError::NoKeyring)),
            _ => Ok(Loaded),
        }
    }

    /// With a keyring, seals every secret of the record to write under its current key, in
    /// place, with nonces from `rng`.
    #[cfg(feature = "seal")]
    pub(super) fn seal(&self, record: &mut Record, loaded: &Loaded, rng: &Randomness) -> Result<(), Error> {
        let Some(keyring) = &self.keyring else {
            return Ok(());
        };
        let fresh = Unsealed::default();
        let mut draw = rng.draw();
        let sealed = record.seal(keyring, loaded.as_ref().unwrap_or(&fresh), &mut draw);
        // A nonce from a failed draw is never written.
        draw.finish().map_err(|_| Error::Seal(SealError::Rng))?;
        sealed.map_err(Error::Seal)
    }

    /// Nothing to seal in this build.
    #[cfg(not(feature = "seal"))]
    #[expect(
        clippy::unused_self,
        clippy::unnecessary_wraps,
        reason = "the signature of the `seal` build"
    )]
    pub(super) fn seal(
        &self,
        _record: &mut Record,
        _loaded: &Loaded,
        _rng: &Randomness,
    ) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(feature = "seal")]
impl<S: Store, C: Clock> TwoFactor<S, C> {
    /// The same service, keeping every TOTP secret sealed in the store under `keyring` (feature
    /// `seal`): each secret it writes — active or pending — is sealed under the keyring's
    /// current key, bound to the user and the field; each it loads is opened in memory only.
    /// Every instance of the application must hold the same keys.
    ///
    /// Records written before sealing was turned on, or sealed under an older key, are opened
    /// as they are and resealed under the current key on their next write (a login, a failed
    /// attempt, any change); [`TwoFactor::reseal`] does it on demand for a rotation job, and
    /// [`Record::needs_reseal`] says which records still need it. Retire an old key only once
    /// no record needs it: a record sealed under a key the keyring no longer holds is refused
    /// with [`Error::Seal`]`(`[`SealError::UnknownKey`]`)`, as is a changed or misplaced value.
    ///
    /// ```
    /// use twofactor::{Config, ManualClock, MemoryStore, Store, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    /// use twofactor::seal::{Keyring, SealingKey};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let keyring = Keyring::new(SealingKey::new(1, &[1; 32])?); // from a secrets manager
    /// let service = TwoFactor::new(MemoryStore::new(), clock.clone(), config).with_keyring(keyring.clone());
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// // The store holds the secret sealed, never plain.
    /// let stored = service.store().load("u1").await?.ok_or("no record")?;
    /// assert!(!stored.needs_reseal(&keyring));
    /// let bytes = stored.encode();
    /// let secret = enrollment.secret.expose_secret();
    /// assert!(!bytes.windows(secret.len()).any(|window| window == secret));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_keyring(mut self, keyring: Keyring) -> Self {
        self.sealing = Sealing {
            keyring: Some(keyring),
        };
        self
    }

    /// Reseals the secrets of `user` under the keyring's current key if
    /// [`Record::needs_reseal`] holds for the stored record (a secret under an old key, or a
    /// plain one). Returns whether it wrote. For a background rotation job: call it for every
    /// user, then retire the old key. Changes nothing else in the record; emits no event.
    ///
    /// # Errors
    /// [`Error::Seal`] if the service has no keyring ([`SealError::NoKeyring`]) or a secret does
    /// not open; the service's own failures. A user without a record is `Ok(false)`.
    ///
    /// ```
    /// use twofactor::{Config, ManualClock, MemoryStore, Store, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    /// use twofactor::seal::{Keyring, SealingKey};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let store = MemoryStore::new();
    /// let old = Keyring::new(SealingKey::new(1, &[1; 32])?);
    /// let service = TwoFactor::new(&store, clock.clone(), config.clone()).with_keyring(old);
    /// service.begin_enrollment("u1", "alice").await?;
    ///
    /// // Rotation: key 2 seals, key 1 still opens; reseal every record, then retire key 1.
    /// let rotated = Keyring::new(SealingKey::new(2, &[2; 32])?).with_old_key(SealingKey::new(1, &[1; 32])?)?;
    /// let service = TwoFactor::new(&store, clock, config).with_keyring(rotated.clone());
    /// assert!(store.load("u1").await?.ok_or("no record")?.needs_reseal(&rotated));
    /// assert!(service.reseal("u1").await?);
    /// assert!(!service.reseal("u1").await?);
    /// assert!(!store.load("u1").await?.ok_or("no record")?.needs_reseal(&rotated));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn reseal(&self, user: impl AsRef<str>) -> Result<bool, Error> {
        let user = user.as_ref();
        self.start(user)?;
        let keyring = self
            .sealing
            .keyring
            .as_ref()
            .ok_or(Error::Seal(SealError::NoKeyring))?;
        let stored = self.store.load(user).await.map_err(Error::store)?;
        if !stored.is_some_and(|record| record.needs_reseal(keyring)) {
            return Ok(false);
        }
        // Writing the record back unchanged seals each secret under the current key (`transact`
        // keeps only the sealed values that are current already).
        let (outcome, written) = self.transact(user, |record| (Ok(()), record)).await?;
        outcome.map_err(Error::from)?;
        Ok(written.is_some())
    }
}
