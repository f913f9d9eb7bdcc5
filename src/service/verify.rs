//! Login: verify an authenticator code or a backup code, and spend it.

use super::{Error, TwoFactor};
use crate::backup::HashMemo;
use crate::events::EventKind;
use crate::policy::Verified;
use crate::policy::{self, Expect, Proof, Refusal};
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Verifies what the user typed as their second factor, and spends it: an authenticator code
    /// if it has the shape of one (the enrolled digit count, spaces or a hyphen allowed), else a
    /// backup code if it has the shape of one of the user's (case, spaces and hyphens forgiven).
    ///
    /// The rules are the [policy](crate::policy::Policy)'s: the window centred on the learned drift,
    /// the spent step and every earlier one refused as a replay, throttling per path, a success
    /// clearing the counters. Of concurrent calls with one valid code, exactly one succeeds and
    /// the others get [`Error::Replay`].
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// [`Error::WrongCode`] (counted), [`Error::Replay`] (not counted), [`Error::Throttled`],
    /// [`Error::Locked`], [`Error::Malformed`], [`Error::NotEnrolled`]; and the service's own
    /// failures — [`Error::Store`], [`Error::Conflict`], [`Error::Clock`], [`Error::Hash`],
    /// [`Error::InvalidUser`] — all denials.
    ///
    /// ```
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor, Via};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// clock.advance(30);
    /// let code = app.generate(clock.get())?.to_string();
    /// assert_eq!(service.verify("u1", &code).await?.via, Via::Code);
    /// assert!(matches!(service.verify("u1", &code).await, Err(Error::Replay { via: Via::Code })));
    ///
    /// let backup = confirmed.backup_codes.expose_code(0).ok_or("no code")?;
    /// let verified = service.verify("u1", backup).await?;
    /// assert_eq!((verified.via, verified.backup_codes_remaining), (Via::BackupCode, 9));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn verify(&self, user: impl AsRef<str>, input: &str) -> Result<Verified, Error> {
        self.login(user.as_ref(), input, Expect::Any).await
    }

    /// [`TwoFactor::verify`] for an authenticator code only: anything else is
    /// [`Error::Malformed`].
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// As [`TwoFactor::verify`].
    ///
    /// ```
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// # let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// let backup = confirmed.backup_codes.expose_code(0).ok_or("no code")?;
    /// assert!(matches!(service.verify_code("u1", backup).await, Err(Error::Malformed)));
    /// clock.advance(30);
    /// let code = app.generate(clock.get())?.to_string();
    /// assert!(service.verify_code("u1", &code).await?.matched.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn verify_code(&self, user: impl AsRef<str>, code: &str) -> Result<Verified, Error> {
        self.login(user.as_ref(), code, Expect::Code).await
    }

    /// [`TwoFactor::verify`] for a backup code only: anything else is [`Error::Malformed`].
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// As [`TwoFactor::verify`], and [`Error::NoBackupCodes`] for a user without a set.
    ///
    /// ```
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor, Via};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// # let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// assert!(matches!(service.verify_backup_code("u1", "123456").await, Err(Error::Malformed)));
    /// let wrong = service.verify_backup_code("u1", "0000-0000-0000-0000").await;
    /// assert!(matches!(wrong, Err(Error::WrongCode { via: Via::BackupCode })));
    /// let backup = confirmed.backup_codes.expose_code(9).ok_or("no code")?;
    /// assert_eq!(service.verify_backup_code("u1", backup).await?.backup_codes_remaining, 9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn verify_backup_code(&self, user: impl AsRef<str>, code: &str) -> Result<Verified, Error> {
        self.login(user.as_ref(), code, Expect::BackupCode).await
    }

    async fn login(&self, user: &str, input: &str, expect: Expect) -> Result<Verified, Error> {
        let now = self.start(user)?;
        let rules = self.config.policy();
        let offload = self.offload(user);
        let mut memo = HashMemo::new();
        let (outcome, _) = self
            .transact_with(user, Some(&offload), |record| {
                let mut proof = Proof {
                    input,
                    expect,
                    hasher: &offload,
                    memo: &mut memo,
                };
                policy::verify(record, &mut proof, now, rules)
            })
            .await?;
        self.settle_login(user, now, outcome)
    }

    /// The events of a login's outcome, and the outcome as the caller receives it.
    pub(super) fn settle_login(
        &self,
        user: &str,
        now: u64,
        outcome: Result<Verified, Refusal>,
    ) -> Result<Verified, Error> {
        match outcome {
            Ok(verified) => {
                self.emit(user, now, EventKind::Verified { via: verified.via });
                self.report_backup_use(user, now, &verified);
                Ok(verified)
            }
            Err(refusal) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
        }
    }
}
