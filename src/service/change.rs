//! Changes to the second factor, each proven with a current code: disable, regenerate backup
//! codes; and the operators' unlock and reset.

use super::{Error, TwoFactor};
use crate::backup::BackupCodes;
use crate::backup::HashMemo;
use crate::events::EventKind;
use crate::policy::Via;
use crate::policy::{self, Expect, Proof};
use crate::service::Clock;
use crate::store::Store;

/// A change made: how it was proven, and the new credential epoch (end the user's other
/// sessions keyed on the old one). See [`TwoFactor::disable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Changed {
    /// The kind of code that proved the change.
    pub via: Via,
    /// The new credential epoch.
    pub epoch: u64,
}

/// New backup codes. See [`TwoFactor::regenerate_backup_codes`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Regenerated {
    /// The new codes, in plaintext: show them to the user now, once. The old ones no longer
    /// work.
    pub backup_codes: BackupCodes,
    /// The kind of code that proved the change.
    pub via: Via,
    /// The new credential epoch.
    pub epoch: u64,
}

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Disables the second factor, proven by `proof`: a current authenticator code or a backup
    /// code, told apart as by [`TwoFactor::verify`] and checked under the same rules (a wrong one
    /// counts; a replay is refused). The authenticator, any pending enrollment and the backup
    /// codes are removed; the record stays, so that the credential epoch keeps moving forward.
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
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// let backup = confirmed.backup_codes.expose_code(3).ok_or("no code")?;
    /// let changed = service.disable("u1", backup).await?;
    /// assert_eq!(changed.epoch, confirmed.epoch + 1);
    /// assert!(matches!(service.verify("u1", backup).await, Err(Error::NotEnrolled)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn disable(&self, user: impl AsRef<str>, proof: &str) -> Result<Changed, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let rules = self.config.policy();
        let offload = self.offload(user);
        let mut memo = HashMemo::new();
        let (outcome, _) = self
            .transact_with(user, Some(&offload), |record| {
                let mut proof = Proof {
                    input: proof,
                    expect: Expect::Any,
                    hasher: &offload,
                    memo: &mut memo,
                };
                policy::disable(record, &mut proof, now, rules)
            })
            .await?;
        match outcome {
            Ok(verified) => {
                self.emit(
                    user,
                    now,
                    EventKind::Disabled {
                        epoch: verified.epoch,
                    },
                );
                Ok(Changed {
                    via: verified.via,
                    epoch: verified.epoch,
                })
            }
            Err(refusal) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
        }
    }

    /// Replaces the backup codes with new ones, proven by `proof` as for
    /// [`TwoFactor::disable`]. The new codes come back once; the old ones stop working; the
    /// credential epoch moves.
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// As [`TwoFactor::verify`], and [`Error::Generate`] if the codes cannot be made (nothing
    /// changes then, and the proof is not spent).
    ///
    /// ```
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// clock.advance(30);
    /// let fresh = service.regenerate_backup_codes("u1", &app.generate(clock.get())?.to_string()).await?;
    /// assert_eq!((fresh.backup_codes.len(), fresh.epoch), (10, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn regenerate_backup_codes(
        &self,
        user: impl AsRef<str>,
        proof: &str,
    ) -> Result<Regenerated, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let rules = self.config.policy();
        let offload = self.offload(user);
        let mut memo = HashMemo::new();
        let (outcome, _) = self
            .transact_with(user, Some(&offload), |record| {
                let mut proof = Proof {
                    input: proof,
                    expect: Expect::Any,
                    hasher: &offload,
                    memo: &mut memo,
                };
                policy::regenerate(record, &mut proof, now, rules, || offload.backup_set())
            })
            .await?;
        match (outcome, offload.into_made()) {
            (Ok(verified), Some((backup_codes, _))) => {
                let epoch = verified.epoch;
                self.emit(user, now, EventKind::BackupCodesRegenerated { epoch });
                Ok(Regenerated {
                    backup_codes,
                    via: verified.via,
                    epoch,
                })
            }
            (Err(refusal), _) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
            // A regeneration always makes its codes: this arm is never taken.
            (Ok(_), None) => Err(Error::Generate(crate::backup::BackupError::Rng)),
        }
    }

    /// Clears the user's failure counters, delays and locks on both paths: an operator's tool,
    /// once the user's identity was checked some other way. `operator` names who asked (the
    /// application's id of the support agent or admin) and goes into the
    /// [`EventKind::Unlocked`] event. Returns whether anything was cleared.
    ///
    /// # Errors
    /// [`Error::NotEnrolled`] for a user without a record; the service's own failures.
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
    /// for _ in 0..4 {
    ///     let _ = service.verify("u1", "0000-0000-0000-0000").await;
    /// }
    /// let backup = confirmed.backup_codes.expose_code(0).ok_or("no code")?;
    /// let refused = service.verify("u1", backup).await;
    /// assert!(matches!(refused, Err(Error::Throttled { via: Via::BackupCode, .. })));
    /// assert!(service.unlock("u1", "support:bob").await?);
    /// assert!(service.verify("u1", backup).await.is_ok());
    /// assert!(!service.unlock("u1", "support:bob").await?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn unlock(&self, user: impl AsRef<str>, operator: &str) -> Result<bool, Error> {
        let user = user.as_ref();
        let now = self.start_untimed(user)?;
        let (outcome, _) = self.transact(user, policy::unlock).await?;
        let changed = outcome.map_err(Error::from)?;
        if changed {
            let operator = operator.into();
            self.emit(user, now, EventKind::Unlocked { operator });
        }
        Ok(changed)
    }

    /// The support desk's reset: turns the second factor off **without a proof**, for a user who
    /// lost every authenticator and backup code and whose identity an operator checked out of
    /// band. Every authenticator, the pending enrollment, the backup codes, the failure counters,
    /// the login challenge and every remembered device go; the epoch moves (end the user's
    /// sessions). An [`EventKind::Reset`] carries `operator` (who asked) and `reason` (why), and
    /// no secret. Returns the new epoch, or `None` if there was nothing to reset.
    ///
    /// **An operator tool: never wire it to a route a user can reach.** Whoever can call it
    /// removes the second factor of any account; give it only to authenticated staff, and audit
    /// its events.
    ///
    /// # Errors
    /// The service's own failures.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use twofactor::events::{CollectEvents, EventKind};
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let events = Arc::new(CollectEvents::new());
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config).with_events(Arc::clone(&events));
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// # service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// // Ticket 4711: the phone is gone; identity checked by video call.
    /// let epoch = service.admin_reset("u1", "support:bob", "ticket 4711, lost phone").await?;
    /// assert_eq!(epoch, Some(2));
    /// assert!(!service.status("u1").await?.enabled);
    /// let reset = events.take().pop().ok_or("no event")?;
    /// assert!(matches!(reset.kind, EventKind::Reset { ref operator, .. } if operator == "support:bob"));
    /// assert_eq!(service.admin_reset("u1", "support:bob", "again").await?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn admin_reset(
        &self,
        user: impl AsRef<str>,
        operator: &str,
        reason: &str,
    ) -> Result<Option<u64>, Error> {
        let user = user.as_ref();
        let now = self.start_untimed(user)?;
        let (outcome, _) = self.transact(user, policy::reset).await?;
        let epoch = outcome.map_err(Error::from)?;
        if let Some(epoch) = epoch {
            let (operator, reason) = (operator.into(), reason.into());
            self.emit(
                user,
                now,
                EventKind::Reset {
                    operator,
                    reason,
                    epoch,
                },
            );
        }
        Ok(epoch)
    }

    /// Removes authenticator `id` of `user` **without a proof**: the support desk's removal of
    /// one lost authenticator (a stolen phone) for a user whose identity an operator checked out
    /// of band, keeping the others; removing the last one turns the second factor off, as
    /// [`TwoFactor::remove_authenticator`] does. The epoch moves (end the user's sessions). An
    /// [`EventKind::AuthenticatorRemovedByOperator`] carries `operator` and `reason`. Returns the
    /// new epoch.
    ///
    /// **An operator tool**, as [`TwoFactor::admin_reset`]: never wire it to a route a user can
    /// reach.
    ///
    /// # Errors
    /// [`Error::UnknownAuthenticator`] if the user has no authenticator `id`; the service's own
    /// failures.
    ///
    /// ```
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// let epoch = service.admin_remove_authenticator("u1", confirmed.authenticator, "support:bob", "ticket 12").await?;
    /// assert_eq!(epoch, 2);
    /// assert!(!service.status("u1").await?.enabled);
    /// assert!(matches!(
    ///     service.admin_remove_authenticator("u1", 1, "support:bob", "again").await,
    ///     Err(Error::UnknownAuthenticator { id: 1 })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn admin_remove_authenticator(
        &self,
        user: impl AsRef<str>,
        id: u32,
        operator: &str,
        reason: &str,
    ) -> Result<u64, Error> {
        let user = user.as_ref();
        // It only takes trust away: it works while the clock is untrusted, as `admin_reset` does.
        let now = self.start_untimed(user)?;
        let (outcome, _) = self
            .transact(user, |record| policy::admin_remove_authenticator(record, id))
            .await?;
        let (label, epoch) = outcome.map_err(Error::from)?;
        let (operator, reason) = (operator.into(), reason.into());
        self.emit(
            user,
            now,
            EventKind::AuthenticatorRemovedByOperator {
                id,
                label,
                operator,
                reason,
                epoch,
            },
        );
        Ok(epoch)
    }
}
