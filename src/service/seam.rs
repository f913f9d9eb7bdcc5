//! The seam between the store and the policy, and the only place where secrets are sealed or
//! opened: a loaded [`Record`] is opened into the [`Opened`] state the policy decides on, and
//! the state to write is closed back into a record — each secret sealed under the keyring's
//! current key (feature `seal`), or kept plain by a service built without a keyring.
//!
//! The policy's state has no place for a sealed secret, so the policy never sees one. A sealed
//! value is reused when its secret did not change, stays in its field and was sealed under the
//! current key; anything else — a new enrollment, a pending secret confirmed into the active
//! field, a value under an old key, a plain secret from before sealing was turned on — is sealed
//! afresh, so a rotation finishes on each record's next write.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::convert::Infallible;

use super::Error;
#[cfg(feature = "seal")]
use super::TwoFactor;
use super::rng::Randomness;
use crate::record::{Opened, Plain, PlainSecret, Record, StoredSecret};
#[cfg(feature = "seal")]
use crate::seal::Keyring;
use crate::seal::{Purpose, SealError, SealedSecret};
use crate::secret::Secret;
#[cfg(feature = "seal")]
use crate::service::Clock;
#[cfg(feature = "seal")]
use crate::store::Store;

/// How the service keeps secrets in the store: sealed under a keyring, or (without one) plain.
#[derive(Clone, Default)]
pub(super) struct Seam {
    #[cfg(feature = "seal")]
    keyring: Option<Keyring>,
    /// With a keyring: refuse a plain secret instead of opening it as it is (and sealing it on
    /// the next write).
    #[cfg(feature = "seal")]
    strict: bool,
}

/// What [`Seam::close`] keeps from [`Seam::open`]: each sealed value the record was loaded
/// with, beside the plain secret it opened to and its field.
#[derive(Default)]
pub(super) struct Loaded {
    opened: Vec<(Plain, Purpose, Arc<SealedSecret>)>,
}

impl Seam {
    /// Opens every secret of a loaded record. Without a keyring, a record that holds a sealed
    /// secret is refused — never read as if it had none.
    ///
    /// # Errors
    /// [`Error::Seal`]: no keyring for a sealed secret, or a sealed value that does not open
    /// (another user's, another field's, changed, under a retired key).
    pub(super) fn open(&self, record: Record) -> Result<(Opened, Loaded), Error> {
        let mut loaded = Loaded::default();
        let user = Arc::clone(&record.0.user);
        let opened = record.0.try_map_secrets(|secret, purpose, params| match secret {
            StoredSecret::Plain(plain) => self.accept_plain().map(|()| plain),
            StoredSecret::Sealed(sealed) => {
                let plain = PlainSecret::new(self.open_one(&sealed, &user, purpose)?, params);
                loaded.opened.push((Arc::clone(&plain), purpose, sealed));
                Ok(plain)
            }
        });
        Ok((opened.map_err(Error::Seal)?, loaded))
    }

    /// Whether a plain secret may be read: always, unless the service seals strictly.
    #[cfg(feature = "seal")]
    const fn accept_plain(&self) -> Result<(), SealError> {
        match (&self.keyring, self.strict) {
            (Some(_), true) => Err(SealError::Plain),
            _ => Ok(()),
        }
    }

    #[cfg(not(feature = "seal"))]
    #[expect(
        clippy::unused_self,
        clippy::unnecessary_wraps,
        reason = "the signature of the `seal` build"
    )]
    const fn accept_plain(&self) -> Result<(), SealError> {
        Ok(())
    }

    #[cfg(feature = "seal")]
    fn open_one(&self, sealed: &SealedSecret, user: &str, purpose: Purpose) -> Result<Secret, SealError> {
        let keyring = self.keyring.as_ref().ok_or(SealError::NoKeyring)?;
        keyring.open(sealed, user, purpose)
    }

    /// This build cannot open a sealed secret.
    #[cfg(not(feature = "seal"))]
    #[expect(clippy::unused_self, reason = "the signature of the `seal` build")]
    const fn open_one(&self, _: &SealedSecret, _: &str, _: Purpose) -> Result<Secret, SealError> {
        Err(SealError::NoKeyring)
    }

    /// Turns the state to write back into a record: with a keyring, every secret sealed under
    /// its current key for its user and field (reusing the loaded values that still fit), the
    /// nonces of fresh ones drawn from `rng`; without one, every secret plain.
    ///
    /// # Errors
    /// [`Error::Seal`]`(`[`SealError::Rng`]`)` if a nonce could not be drawn; nothing is written.
    pub(super) fn close(&self, opened: Opened, loaded: &Loaded, rng: &Randomness) -> Result<Record, Error> {
        #[cfg(feature = "seal")]
        if let Some(keyring) = &self.keyring {
            return seal(keyring, opened, loaded, rng);
        }
        #[cfg(not(feature = "seal"))]
        let _ = (loaded, rng); // nothing is sealed in this build
        let plain = opened.try_map_secrets(|plain, _, _| Ok::<_, Infallible>(StoredSecret::Plain(plain)));
        Ok(Record(plain.unwrap_or_else(|never| match never {})))
    }
}

/// Seals every secret of `opened` under `keyring`.
#[cfg(feature = "seal")]
fn seal(keyring: &Keyring, opened: Opened, loaded: &Loaded, rng: &Randomness) -> Result<Record, Error> {
    let user = Arc::clone(&opened.user);
    let mut draw = rng.draw();
    let closed = opened.try_map_secrets(|plain, purpose, _| {
        let kept = loaded.opened.iter().find(|(was, field, sealed)| {
            Arc::ptr_eq(was, &plain) && *field == purpose && !keyring.needs_reseal(sealed)
        });
        let sealed = match kept {
            Some((_, _, sealed)) => Arc::clone(sealed),
            None => Arc::new(keyring.seal_with_rng(&plain.secret, &user, purpose, &mut draw)),
        };
        Ok::<_, Infallible>(StoredSecret::Sealed(sealed))
    });
    // A nonce from a failed draw is never written.
    draw.finish().map_err(|_| Error::Seal(SealError::Rng))?;
    Ok(Record(closed.unwrap_or_else(|never| match never {})))
}

#[cfg(feature = "seal")]
impl Record {
    /// Whether writing this record with `keyring` would change how its secrets are stored: a
    /// secret is plain, or sealed under another key than the current one. A rotation job reseals
    /// the records for which this holds ([`TwoFactor::reseal`]).
    ///
    /// ```
    /// use twofactor::seal::{Keyring, SealingKey};
    /// use twofactor::store::Record;
    ///
    /// let keyring = Keyring::new(SealingKey::new(1, &[1; 32])?);
    /// assert!(!Record::new("alice").needs_reseal(&keyring)); // no secret at all
    /// # Ok::<(), twofactor::seal::SealError>(())
    /// ```
    #[must_use]
    pub fn needs_reseal(&self, keyring: &Keyring) -> bool {
        let confirmed = self
            .0
            .authenticators
            .iter()
            .map(|authenticator| &authenticator.secret);
        let pending = self.0.pending.as_ref().map(|pending| &pending.secret);
        confirmed.chain(pending).any(|secret| match secret {
            StoredSecret::Plain(_) => true,
            StoredSecret::Sealed(sealed) => keyring.needs_reseal(sealed),
        })
    }
}

#[cfg(feature = "seal")]
impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
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
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config).with_keyring(keyring.clone());
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
        self.seam.keyring = Some(keyring);
        self
    }

    /// The same service, accepting only sealed secrets: a record that holds a plain secret is
    /// refused with [`Error::Seal`]`(`[`SealError::Plain`]`)` — a denial, never a login — instead
    /// of being opened as it is and sealed on its next write. Turn it on once every record is
    /// sealed ([`TwoFactor::reseal`] over every user, or a deployment that always had keys): from
    /// then on, someone who can write rows but holds no key cannot plant a secret of their own
    /// choosing in a user's row. (Sealing gives confidentiality of the secrets; it does not stop
    /// a row writer from copying an older sealed row of the same user back — restoring a removed
    /// authenticator or spent codes — nor from deleting rows.) Without a keyring it has no effect.
    ///
    /// ```
    /// use twofactor::keys::ServerKeys;
    /// use twofactor::seal::SealError;
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let store = MemoryStore::new();
    /// // A row written without the keys: its secret is plain.
    /// let planter = TwoFactor::without_keys(&store, clock.clone(), config.clone());
    /// let planted = planter.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&planted.secret, planter.config().params());
    /// planter.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// let keys = ServerKeys::generate(1)?;
    /// let strict = TwoFactor::new(&store, clock.clone(), config, &keys).with_strict_sealing();
    /// clock.advance(30);
    /// let refused = strict.verify("u1", &app.generate(clock.get())?.to_string()).await;
    /// assert!(matches!(refused, Err(Error::Seal(SealError::Plain))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn with_strict_sealing(mut self) -> Self {
        self.seam.strict = true;
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
    /// let service = TwoFactor::without_keys(&store, clock.clone(), config.clone()).with_keyring(old);
    /// service.begin_enrollment("u1", "alice").await?;
    ///
    /// // Rotation: key 2 seals, key 1 still opens; reseal every record, then retire key 1.
    /// let rotated = Keyring::new(SealingKey::new(2, &[2; 32])?).with_old_key(SealingKey::new(1, &[1; 32])?)?;
    /// let service = TwoFactor::without_keys(&store, clock, config).with_keyring(rotated.clone());
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
        self.start_untimed(user)?;
        let keyring = self
            .seam
            .keyring
            .as_ref()
            .ok_or(Error::Seal(SealError::NoKeyring))?;
        let stored = self.store.load(user).await.map_err(Error::store)?;
        if !stored.is_some_and(|record| record.needs_reseal(keyring)) {
            return Ok(false);
        }
        // Writing the record back unchanged seals each secret under the current key (the seam
        // keeps only the sealed values that are current already).
        let (outcome, written) = self.transact(user, |record| (Ok(()), record)).await?;
        outcome.map_err(Error::from)?;
        Ok(written.is_some())
    }
}
