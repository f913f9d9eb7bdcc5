//! Several authenticators per user: add (proven, then confirmed by its own first code), rename,
//! remove (proven), list.

use alloc::vec::Vec;

use super::change::Changed;
use super::enroll::Enrollment;
use super::{Error, TwoFactor};
use crate::backup::HashMemo;
use crate::events::EventKind;
use crate::policy::{self, AuthenticatorInfo, Expect, Proof};
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Begins adding an authenticator — a second phone, a password manager — for a user who has
    /// one. `proof` is a current code of any of the user's authenticators or a backup code,
    /// checked and spent under the rules of a login (a wrong one counts); `label` is the user's
    /// name for the new one ("Work phone"; trimmed, at most
    /// [`Record::MAX_LABEL_LEN`](crate::store::Record::MAX_LABEL_LEN) bytes, one line); `account`
    /// is the account name its app shows, as for [`TwoFactor::begin_enrollment`]. The new
    /// secret is pending until [`TwoFactor::confirm_enrollment`] gets its first code, exactly as
    /// for the first authenticator; a pending enrollment is replaced, so of two adds begun at
    /// once only the later can be confirmed.
    ///
    /// A user holds at most [`Policy::max_authenticators`](crate::policy::Policy::max_authenticators)
    /// (3 by default). Every login compares the typed code with every authenticator's window:
    /// the cost of a verification, and a guesser's odds, grow with their number.
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// [`Error::NotEnrolled`] (the first authenticator is [`TwoFactor::begin_enrollment`]'s),
    /// [`Error::InvalidLabel`], [`Error::TooManyAuthenticators`] — all before the proof is looked
    /// at —; the proof's refusals as for [`TwoFactor::verify`]; the service's own failures.
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
    /// let phone = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &phone.generate(clock.get())?.to_string()).await?;
    ///
    /// // A second authenticator: proven with the phone, confirmed with its own first code.
    /// clock.advance(30);
    /// let proof = phone.generate(clock.get())?.to_string();
    /// let adding = service.begin_adding_authenticator("u1", "Password manager", "alice", &proof).await?;
    /// let manager = Totp::new(&adding.secret, service.config().params());
    /// let added = service.confirm_enrollment("u1", &manager.generate(clock.get())?.to_string()).await?;
    /// assert!(added.backup_codes.is_empty()); // the first set stays
    ///
    /// // Either one signs in, and the result says which.
    /// clock.advance(30);
    /// let verified = service.verify("u1", &manager.generate(clock.get())?.to_string()).await?;
    /// assert_eq!(verified.authenticator, Some(added.authenticator));
    /// let labels: Vec<String> = service.authenticators("u1").await?.into_iter().map(|a| a.label).collect();
    /// assert_eq!(labels, ["", "Password manager"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn begin_adding_authenticator(
        &self,
        user: impl AsRef<str>,
        label: &str,
        account: &str,
        proof: &str,
    ) -> Result<Enrollment, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let (secret, uri) = self.new_secret(account)?;
        let params = self.config.params();
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
                policy::begin_adding(record, &mut proof, label, &secret, params, now, rules)
            })
            .await?;
        match outcome {
            Ok(expires_at) => {
                self.emit(user, now, EventKind::EnrollmentStarted { expires_at });
                Ok(Enrollment {
                    secret,
                    uri,
                    expires_at,
                })
            }
            Err(refusal) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
        }
    }

    /// Renames authenticator `id` of `user` to `label` (trimmed, at most
    /// [`Record::MAX_LABEL_LEN`](crate::store::Record::MAX_LABEL_LEN) bytes, one line). No proof
    /// is needed: a name changes nothing of the second factor, and the epoch stays.
    ///
    /// # Errors
    /// [`Error::InvalidLabel`], [`Error::UnknownAuthenticator`]; the service's own failures.
    ///
    /// ```
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    /// use twofactor::policy::LabelProblem;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// service.rename_authenticator("u1", confirmed.authenticator, "  Phone ").await?;
    /// assert_eq!(service.authenticators("u1").await?[0].label, "Phone");
    /// let refused = service.rename_authenticator("u1", confirmed.authenticator, "a\nb").await;
    /// assert!(matches!(refused, Err(Error::InvalidLabel(LabelProblem::Control))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn rename_authenticator(
        &self,
        user: impl AsRef<str>,
        id: u32,
        label: &str,
    ) -> Result<(), Error> {
        let user = user.as_ref();
        let now = self.start_untimed(user)?;
        let (outcome, written) = self
            .transact(user, |record| policy::rename_authenticator(record, id, label))
            .await?;
        let label = outcome.map_err(Error::from)?;
        if written.is_some() {
            self.emit(user, now, EventKind::AuthenticatorRenamed { id, label });
        }
        Ok(())
    }

    /// Removes authenticator `id` of `user`, proven by `proof` — a current code of any of the
    /// user's authenticators (the one removed included) or a backup code, under the rules of a
    /// login. The epoch moves, so the application ends the user's other sessions. Removing the
    /// last one is [`TwoFactor::disable`]: the backup codes and a pending enrollment go too.
    /// From the write on, the removed authenticator's codes are refused — a login that read the
    /// record before the removal loses its compare-and-swap and decides again without it.
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// [`Error::UnknownAuthenticator`] (before the proof is looked at); the proof's refusals as
    /// for [`TwoFactor::verify`]; the service's own failures.
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
    /// # let old_phone = Totp::new(&enrollment.secret, service.config().params());
    /// # let first = service.confirm_enrollment("u1", &old_phone.generate(clock.get())?.to_string()).await?;
    /// # clock.advance(30);
    /// # let proof = old_phone.generate(clock.get())?.to_string();
    /// # let adding = service.begin_adding_authenticator("u1", "New phone", "alice", &proof).await?;
    /// # let new_phone = Totp::new(&adding.secret, service.config().params());
    /// # service.confirm_enrollment("u1", &new_phone.generate(clock.get())?.to_string()).await?;
    /// // The move is done: the new phone proves the removal of the old one.
    /// clock.advance(30);
    /// let changed = service.remove_authenticator("u1", first.authenticator, &new_phone.generate(clock.get())?.to_string()).await?;
    /// assert_eq!(changed.epoch, 3);
    /// clock.advance(30);
    /// let old_code = old_phone.generate(clock.get())?.to_string();
    /// assert!(matches!(service.verify("u1", &old_code).await, Err(Error::WrongCode { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn remove_authenticator(
        &self,
        user: impl AsRef<str>,
        id: u32,
        proof: &str,
    ) -> Result<Changed, Error> {
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
                policy::remove_authenticator(record, id, &mut proof, now, rules)
            })
            .await?;
        match outcome {
            Ok((verified, label)) => {
                let epoch = verified.epoch;
                self.emit(user, now, EventKind::AuthenticatorRemoved { id, label, epoch });
                Ok(Changed {
                    via: verified.via,
                    epoch,
                })
            }
            Err(refusal) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
        }
    }

    /// The user's authenticators, oldest first: ids, labels, parameters, when each was added and
    /// last used — never a secret. Reads only; a user without a record has none.
    ///
    /// # Errors
    /// The service's own failures ([`Error::Store`], [`Error::InvalidUser`]).
    ///
    /// ```
    /// use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config);
    /// assert!(service.authenticators("nobody").await?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn authenticators(&self, user: impl AsRef<str>) -> Result<Vec<AuthenticatorInfo>, Error> {
        let user = user.as_ref();
        self.start_untimed(user)?;
        let record = self.load_checked(user).await?;
        Ok(policy::list_authenticators(
            record.as_ref().map(|record| &record.0),
        ))
    }
}
