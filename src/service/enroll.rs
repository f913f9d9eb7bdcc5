//! Enrollment: begin (a new secret, its URI and QR code) and confirm (with a code; backup codes
//! come back once).

use super::{Error, TwoFactor};
use crate::backup::BackupCodes;
use crate::events::EventKind;
use crate::otp::Match;
use crate::policy;
use crate::secret::{Secret, SecretError};
use crate::service::Clock;
use crate::store::Store;
use crate::uri::KeyUri;

/// A begun enrollment: what the user's authenticator app needs, shown once.
///
/// Show the QR code of [`Enrollment::uri`] (or the secret's base32 for typing in), then ask for
/// a code and pass it to [`TwoFactor::confirm_enrollment`] before
/// [`Enrollment::expires_at`]. Nothing here is stored by the application: the service keeps the
/// pending secret in the user's record. `Debug` shows no secret.
///
/// ```
/// use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
/// use twofactor::backup::HmacHasher;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
/// let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config);
/// let enrollment = service.begin_enrollment("u1", "alice@example.com").await?;
/// let link = enrollment.uri.to_uri_string(); // for the QR code
/// assert!(link.starts_with("otpauth://totp/Example:alice%40example.com?secret="));
/// assert_eq!(enrollment.secret.bits(), 160);
/// assert!(!format!("{enrollment:?}").contains(&*enrollment.secret.to_base32()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Enrollment {
    /// The new secret. `Secret::to_base32` gives the text to type into an app.
    pub secret: Secret,
    /// The `otpauth://` URI of the new authenticator (it holds the secret).
    pub uri: KeyUri,
    /// When the pending enrollment expires (Unix seconds).
    pub expires_at: u64,
}

impl Enrollment {
    /// The QR code of [`Enrollment::uri`], drawn locally (never by a remote service).
    ///
    /// # Errors
    /// Those of [`QrCode::new`](crate::qr::QrCode::new).
    ///
    /// ```
    /// use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    /// use twofactor::qr::QrOptions;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config);
    /// let enrollment = service.begin_enrollment("u1", "alice@example.com").await?;
    /// let png = enrollment.qr_code(QrOptions::new())?.to_data_url()?; // <img src=...>
    /// assert!(png.starts_with("data:image/png;base64,"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "qr")]
    pub fn qr_code(&self, options: crate::qr::QrOptions) -> Result<crate::qr::QrCode, crate::qr::QrError> {
        self.uri.to_qr_code(options)
    }
}

/// A confirmed enrollment: the second factor is on.
///
/// ```
/// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
/// use twofactor::backup::HmacHasher;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// # let clock = ManualClock::new(1_700_000_000);
/// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
/// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
/// # let enrollment = service.begin_enrollment("u1", "alice").await?;
/// # let app = Totp::new(&enrollment.secret, service.config().params());
/// let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
/// for code in confirmed.backup_codes.expose_codes() {
///     println!("{code}"); // shown once, e.g. 7KQ2-M9XD-4RTW-HC3P
/// }
/// assert_eq!((confirmed.epoch, confirmed.matched.drift()), (1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Confirmed {
    /// The backup codes, in plaintext: show them to the user now, once. They are zeroized when
    /// dropped; only their hashes are stored. Empty when the confirmation added a further
    /// authenticator: the user's codes stay as they were.
    pub backup_codes: BackupCodes,
    /// The step the confirming code matched (now spent) and its drift.
    pub matched: Match,
    /// The id of the new authenticator.
    pub authenticator: u32,
    /// The new credential epoch.
    pub epoch: u64,
}

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Begins an enrollment for `user`: draws a new secret (the configured algorithm's HMAC
    /// length, from the operating system's CSPRNG or the generator given to
    /// [`TwoFactor::with_rng`]), keeps it pending in the user's record for
    /// the policy's enrollment time to live, and returns it with its URI labelled `account` (the
    /// name the app shows under the issuer, an e-mail address say). A pending enrollment is
    /// replaced.
    ///
    /// # Errors
    /// [`Error::AlreadyEnabled`] when the user has an active second factor (disable it with a
    /// valid code first); [`Error::Uri`] for an account name the Key URI format refuses (empty,
    /// a colon); [`Error::Secret`] when the CSPRNG fails; the service's own failures.
    ///
    /// ```
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// assert_eq!(enrollment.expires_at, 1_700_000_600);
    /// assert!(matches!(service.begin_enrollment("u2", "bad:name").await, Err(Error::Uri(_))));
    /// // Once confirmed, a new enrollment needs the old factor disabled first.
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// assert!(matches!(service.begin_enrollment("u1", "alice").await, Err(Error::AlreadyEnabled)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn begin_enrollment(&self, user: impl AsRef<str>, account: &str) -> Result<Enrollment, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let (secret, uri) = self.new_secret(account)?;
        let params = self.config.params();
        let rules = self.config.policy();
        let (outcome, _) = self
            .transact(user, |record| {
                policy::begin(record, user, &secret, params, now, rules)
            })
            .await?;
        let expires_at = outcome.map_err(Error::from)?;
        self.emit(user, now, EventKind::EnrollmentStarted { expires_at });
        Ok(Enrollment {
            secret,
            uri,
            expires_at,
        })
    }

    /// A new secret of the configured parameters, from the service's randomness, and the Key URI
    /// that carries it to an app as `account`.
    pub(super) fn new_secret(&self, account: &str) -> Result<(Secret, KeyUri), Error> {
        let params = self.config.params();
        let mut draw = self.rng.draw();
        let secret = Secret::generate_with_rng(&mut draw, params.algorithm());
        // A secret from a failed draw is never used.
        draw.finish().map_err(|_| Error::Secret(SecretError::Rng))?;
        let uri = KeyUri::totp(secret.clone(), params, self.config.issuer(), account).map_err(Error::Uri)?;
        Ok((secret, uri))
    }

    /// Confirms the pending enrollment with a code from the new authenticator: the secret becomes
    /// an authenticator, the code's step is spent (it cannot also log in), and the credential
    /// epoch moves. For the user's first authenticator the first backup codes are made and
    /// returned once; for one added by [`TwoFactor::begin_adding_authenticator`],
    /// [`Confirmed::backup_codes`] is empty (the user's codes stay) and an
    /// [`EventKind::AuthenticatorAdded`] names it.
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// [`Error::NoPendingEnrollment`], [`Error::EnrollmentExpired`],
    /// [`Error::TooManyAuthenticators`], [`Error::WrongCode`] (counted on the authenticator-code
    /// path), [`Error::Throttled`], [`Error::Locked`], [`Error::Malformed`], [`Error::Generate`];
    /// the service's own failures.
    ///
    /// ```
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor, Via};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// clock.advance(601); // the user went for coffee
    /// let late = app.generate(clock.get())?.to_string();
    /// assert!(matches!(service.confirm_enrollment("u1", &late).await, Err(Error::EnrollmentExpired)));
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// let code = app.generate(clock.get())?.to_string();
    /// let confirmed = service.confirm_enrollment("u1", &code).await?;
    /// assert_eq!(confirmed.backup_codes.len(), 10);
    /// // The confirming code cannot also log in.
    /// assert!(matches!(service.verify("u1", &code).await, Err(Error::Replay { via: Via::Code })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn confirm_enrollment(&self, user: impl AsRef<str>, code: &str) -> Result<Confirmed, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let rules = self.config.policy();
        let offload = self.offload(user);
        let (outcome, written) = self
            .transact_with(user, Some(&offload), |record| {
                policy::confirm(record, code, now, rules, || offload.backup_set())
            })
            .await?;
        match (outcome, offload.into_made(), written) {
            (Ok(confirmation), Some((backup_codes, _)), Some(epoch)) if confirmation.first => {
                self.emit(user, now, EventKind::EnrollmentConfirmed { epoch });
                Ok(Confirmed {
                    backup_codes,
                    matched: confirmation.matched,
                    authenticator: confirmation.id,
                    epoch,
                })
            }
            (Ok(confirmation), _, Some(epoch)) if !confirmation.first => {
                let (id, label) = (confirmation.id, confirmation.label);
                self.emit(user, now, EventKind::AuthenticatorAdded { id, label, epoch });
                Ok(Confirmed {
                    backup_codes: BackupCodes::none(self.config.backup_format()),
                    matched: confirmation.matched,
                    authenticator: id,
                    epoch,
                })
            }
            (Err(refusal), _, _) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
            // A confirmation always makes its codes and writes: this arm is never taken.
            (Ok(_), _, _) => Err(Error::Generate(crate::backup::BackupError::Rng)),
        }
    }
}
