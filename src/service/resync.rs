//! Resynchronisation with two consecutive codes.

use super::{Error, TwoFactor};
use crate::events::EventKind;
use crate::otp::Match;
use crate::policy::{self, Refusal};
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Resynchronises an authenticator whose clock drifted beyond the window (RFC 6238 §6, RFC
    /// 4226 §7.4): `first` and `second` are two consecutive codes the app shows (wait for the
    /// next one after typing the first). They are searched up to
    /// [`Policy::max_drift`](crate::policy::Policy::max_drift) steps ahead of the server's time,
    /// and back only as far as a login's window reaches — stale codes live in the past — in
    /// every authenticator of the user; their drift becomes that authenticator's, and their
    /// steps are spent; an [`EventKind::Resynchronised`] names the authenticator and the drift
    /// before and after. One attempt on the authenticator-code path: throttled like a login,
    /// counted if the pair matches nowhere.
    ///
    /// **Without a login challenge it is for an authenticated settings page only** (a signed-in
    /// user whose codes keep failing); at sign-in use [`TwoFactor::resync_with_challenge`], so
    /// that two codes typed into a phishing page cannot move the user's drift from anywhere.
    ///
    /// **It counts failures**: call it only after the password step, or for a signed-in user
    /// (see [flows that count failures](TwoFactor#flows-that-count-failures)).
    ///
    /// # Errors
    /// As [`TwoFactor::verify`] for authenticator codes.
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
    /// // The phone's clock runs five minutes fast: its codes are out of the window...
    /// let phone = clock.get() + 300;
    /// assert!(service.verify("u1", &app.generate(phone)?.to_string()).await.is_err());
    /// // ...until two consecutive ones resynchronise it.
    /// let (first, second) = (app.generate(phone)?, app.generate(phone + 30)?);
    /// let found = service.resync("u1", &first.to_string(), &second.to_string()).await?;
    /// assert_eq!(found.drift(), 11);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn resync(&self, user: impl AsRef<str>, first: &str, second: &str) -> Result<Match, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let rules = self.config.policy();
        let (outcome, _) = self
            .transact(user, |record| policy::resync(record, first, second, now, rules))
            .await?;
        self.settle_resync(user, now, outcome)
    }

    /// The events and the answer of a resynchronisation that took effect.
    pub(super) fn settle_resync(
        &self,
        user: &str,
        now: u64,
        outcome: Result<(Match, u32, i64), Refusal>,
    ) -> Result<Match, Error> {
        match outcome {
            Ok((found, authenticator, previous)) => {
                let drift = self.config.policy().clamp_drift(found.drift());
                self.emit(
                    user,
                    now,
                    EventKind::Resynchronised {
                        authenticator,
                        previous,
                        drift,
                    },
                );
                Ok(found)
            }
            Err(refusal) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
        }
    }
}
