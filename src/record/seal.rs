//! Opening a loaded record's sealed secrets, and sealing a record's secrets before it is written
//! (feature `seal`).
//!
//! The service opens what it loads, lets the policy decide on plain secrets, and seals what it
//! writes. A sealed value is reused when its secret did not change, stays in its field and was
//! sealed under the current key; anything else — a new enrollment, a pending secret confirmed
//! into the active field, a value under an old key, a plain secret from before sealing was
//! turned on — is sealed afresh, so a rotation finishes on each record's next write.

#[cfg(feature = "std")]
use alloc::sync::Arc;
#[cfg(feature = "std")]
use alloc::vec::Vec;

#[cfg(feature = "std")]
use super::PlainSecret;
use super::{Record, StoredSecret};
#[cfg(feature = "std")]
use rand_core::CryptoRng;

#[cfg(feature = "std")]
use crate::otp::TotpParams;
use crate::seal::Keyring;
#[cfg(feature = "std")]
use crate::seal::{Purpose, SealError, SealedSecret};

#[cfg(feature = "std")]
/// The sealed values of a loaded record next to the plain secrets they opened to, so that
/// [`Record::seal`] can keep the ones that did not change.
#[derive(Default)]
pub(crate) struct Unsealed {
    /// The opened secrets of the confirmed authenticators.
    authenticators: Vec<Opened>,
    pending: Option<Opened>,
}

#[cfg(feature = "std")]
struct Opened {
    plain: Arc<PlainSecret>,
    sealed: Arc<SealedSecret>,
}

impl Record {
    /// Whether writing this record with `keyring` would change how its secrets are stored: a
    /// secret is plain, or sealed under another key than the current one. A rotation job reseals
    /// the records for which this holds ([`TwoFactor::reseal`](crate::TwoFactor::reseal)).
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
        let stale = |secret: &StoredSecret| match secret {
            StoredSecret::Plain(_) => true,
            StoredSecret::Sealed(sealed) => keyring.needs_reseal(sealed),
        };
        self.authenticators
            .iter()
            .any(|authenticator| stale(&authenticator.secret))
            || self
                .pending
                .as_ref()
                .is_some_and(|pending| stale(&pending.secret))
    }

    #[cfg(feature = "std")]
    /// Opens the record's secrets in place, and returns what it takes to seal them again
    /// unchanged.
    ///
    /// # Errors
    /// The first [`SealError`] of either field; the caller then drops the record, which may be
    /// half-opened.
    pub(crate) fn open(&mut self, keyring: &Keyring) -> Result<Unsealed, SealError> {
        let mut unsealed = Unsealed::default();
        for authenticator in &mut self.authenticators {
            let opened = open_field(
                &mut authenticator.secret,
                authenticator.params,
                &self.user,
                Purpose::Active,
                keyring,
            )?;
            unsealed.authenticators.extend(opened);
        }
        if let Some(pending) = self.pending.as_mut() {
            unsealed.pending = open_field(
                &mut pending.secret,
                pending.params,
                &self.user,
                Purpose::Pending,
                keyring,
            )?;
        }
        Ok(unsealed)
    }

    #[cfg(feature = "std")]
    /// Seals every secret of the record in place under the keyring's current key for its user
    /// and field, reusing the loaded sealed values that still fit; the nonces of the values
    /// sealed afresh are drawn from `rng` (the service's source of randomness).
    ///
    /// # Errors
    /// A sealed value that was never opened and is under an old key is opened first, with its
    /// errors.
    pub(crate) fn seal<R: CryptoRng + ?Sized>(
        &mut self,
        keyring: &Keyring,
        unsealed: &Unsealed,
        rng: &mut R,
    ) -> Result<(), SealError> {
        for authenticator in &mut self.authenticators {
            let sealed = seal_field(
                &authenticator.secret,
                &unsealed.authenticators,
                &self.user,
                Purpose::Active,
                keyring,
                rng,
            )?;
            authenticator.secret = StoredSecret::Sealed(sealed);
        }
        if let Some(pending) = self.pending.as_mut() {
            let sealed = seal_field(
                &pending.secret,
                unsealed.pending.as_slice(),
                &self.user,
                Purpose::Pending,
                keyring,
                rng,
            )?;
            pending.secret = StoredSecret::Sealed(sealed);
        }
        Ok(())
    }
}

#[cfg(feature = "std")]
fn open_field(
    secret: &mut StoredSecret,
    params: TotpParams,
    user: &str,
    purpose: Purpose,
    keyring: &Keyring,
) -> Result<Option<Opened>, SealError> {
    let StoredSecret::Sealed(sealed) = secret else {
        return Ok(None);
    };
    let sealed = Arc::clone(sealed);
    let plain = keyring.open(&sealed, user, purpose)?;
    *secret = StoredSecret::plain(plain, params);
    let StoredSecret::Plain(plain) = secret else {
        return Ok(None);
    };
    Ok(Some(Opened {
        plain: Arc::clone(plain),
        sealed,
    }))
}

#[cfg(feature = "std")]
fn seal_field<R: CryptoRng + ?Sized>(
    secret: &StoredSecret,
    opened: &[Opened],
    user: &str,
    purpose: Purpose,
    keyring: &Keyring,
    rng: &mut R,
) -> Result<Arc<SealedSecret>, SealError> {
    match secret {
        StoredSecret::Plain(plain) => match opened.iter().find(|opened| Arc::ptr_eq(plain, &opened.plain)) {
            Some(opened) if !keyring.needs_reseal(&opened.sealed) => Ok(Arc::clone(&opened.sealed)),
            _ => Ok(Arc::new(keyring.seal_with_rng(&plain.secret, user, purpose, rng))),
        },
        StoredSecret::Sealed(sealed) if !keyring.needs_reseal(sealed) => Ok(Arc::clone(sealed)),
        StoredSecret::Sealed(sealed) => {
            let plain = keyring.open(sealed, user, purpose)?;
            Ok(Arc::new(keyring.seal_with_rng(&plain, user, purpose, rng)))
        }
    }
}
