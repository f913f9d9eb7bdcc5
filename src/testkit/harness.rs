//! What every check sets up: services over the stores under test, one manual clock, fresh users.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::KitFailure;
use crate::backup::HmacHasher;
use crate::challenge::{ChallengeKeyring, NoChallengeKey};
use crate::events::CollectEvents;
use crate::otp::Totp;
use crate::policy::{Policy, ThrottlePolicy};
use crate::service::{Config, ManualClock, TwoFactor};
use crate::store::Store;

#[cfg(feature = "seal")]
use crate::secret::Secret;

/// The kit's start time: a Unix time in the middle of a 30-second step.
pub(crate) const START: u64 = 1_750_000_005;

/// A service over one of the stores under test: without login-challenge keys, unless `K` is
/// [`ChallengeKeyring`].
pub(crate) type Service<S, K = NoChallengeKey> = TwoFactor<Arc<S>, ManualClock, K>;

/// Services, one per store handle, sharing one clock and one event collection.
pub(crate) struct Harness<S, K = NoChallengeKey> {
    pub(crate) clock: ManualClock,
    pub(crate) services: Vec<Arc<Service<S, K>>>,
    pub(crate) events: Arc<CollectEvents>,
}

/// An enrolled user: its authenticator and its backup codes, as the user would hold them.
pub(crate) struct Enrolled {
    pub(crate) user: String,
    #[cfg(feature = "seal")]
    pub(crate) secret: Secret,
    pub(crate) app: Totp,
    pub(crate) backup_codes: Vec<String>,
}

/// The kit's configuration: HMAC backup codes (fast) and the given policy.
pub(crate) fn config(check: &'static str, policy: Policy) -> Result<Config, KitFailure> {
    let hasher =
        HmacHasher::new(1, &[0x6b; 32]).map_err(|error| KitFailure::new(check, format!("{error}")))?;
    Config::builder("twofactor conformance kit")
        .policy(policy)
        .hasher(hasher)
        .build()
        .map_err(|error| KitFailure::new(check, format!("{error}")))
}

/// A policy under which 64 concurrent wrong codes are all counted: 99 free failures.
pub(crate) fn lenient() -> Policy {
    let throttle = ThrottlePolicy::builder()
        .free_failures(99)
        .lock_after(100)
        .build()
        .unwrap_or(ThrottlePolicy::DEFAULT);
    Policy::builder()
        .code_throttle(throttle)
        .backup_throttle(throttle)
        .build()
        .unwrap_or(Policy::DEFAULT)
}

/// A user id no other run has used: the kit can run against a table that has rows.
pub(crate) fn fresh_user(check: &str) -> String {
    let mut bytes = [0u8; 12];
    let _ = getrandom::fill(&mut bytes);
    let suffix: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("twofactor-kit-{check}-{suffix}")
}

impl<S: Store + 'static> Harness<S> {
    pub(crate) fn new(check: &'static str, stores: &[Arc<S>], config: &Config) -> Result<Self, KitFailure> {
        Self::build(check, stores, config, |service| service)
    }

    /// Services that seal secrets under `keyring`.
    #[cfg(feature = "seal")]
    pub(crate) fn sealed(
        check: &'static str,
        stores: &[Arc<S>],
        config: &Config,
        keyring: &crate::seal::Keyring,
    ) -> Result<Self, KitFailure> {
        Self::build(check, stores, config, |service| {
            service.with_keyring(keyring.clone())
        })
    }
}

impl<S: Store + 'static> Harness<S, ChallengeKeyring> {
    /// Services that hold the login-challenge keys `keys` (and so have the login-challenge and
    /// remembered-device calls).
    pub(crate) fn keyed(
        check: &'static str,
        stores: &[Arc<S>],
        config: &Config,
        keys: &ChallengeKeyring,
    ) -> Result<Self, KitFailure> {
        Self::build(check, stores, config, |service| {
            service.with_challenge_key(keys.clone())
        })
    }
}

impl<S: Store + 'static, K> Harness<S, K> {
    fn build(
        check: &'static str,
        stores: &[Arc<S>],
        config: &Config,
        finish: impl Fn(Service<S>) -> Service<S, K>,
    ) -> Result<Self, KitFailure> {
        if stores.is_empty() {
            return Err(KitFailure::new(check, "no store was given"));
        }
        let clock = ManualClock::new(START);
        let events = Arc::new(CollectEvents::new());
        let services = stores
            .iter()
            .map(|store| {
                Arc::new(finish(
                    TwoFactor::without_keys(Arc::clone(store), clock.clone(), config.clone())
                        .with_events(Arc::clone(&events)),
                ))
            })
            .collect();
        Ok(Self {
            clock,
            services,
            events,
        })
    }

    /// The service over store handle `index`, round robin.
    pub(crate) fn service(&self, index: usize) -> &Arc<Service<S, K>> {
        // `new` refuses an empty list.
        &self.services[index % self.services.len().max(1)]
    }

    /// The raw store under handle `index`, round robin.
    pub(crate) fn store(&self, index: usize) -> &Arc<S> {
        self.service(index).store()
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.get()
    }

    /// Enrolls a fresh user through the first service and confirms it through the last.
    pub(crate) async fn enroll(&self, check: &'static str) -> Result<Enrolled, KitFailure> {
        let user = fresh_user(check);
        let enrollment = self
            .service(0)
            .begin_enrollment(&user, "kit@example.com")
            .await
            .map_err(|error| KitFailure::new(check, format!("begin_enrollment: {error} ({error:?})")))?;
        let app = Totp::new(&enrollment.secret, self.service(0).config().params());
        let code = code(&app, self.now(), 0);
        let confirmed = self
            .service(self.services.len() - 1)
            .confirm_enrollment(&user, &code)
            .await
            .map_err(|error| KitFailure::new(check, format!("confirm_enrollment: {error} ({error:?})")))?;
        Ok(Enrolled {
            user,
            #[cfg(feature = "seal")]
            secret: enrollment.secret,
            app,
            backup_codes: confirmed
                .backup_codes
                .expose_codes()
                .map(str::to_string)
                .collect(),
        })
    }

    /// Loads the user's record through handle `index`.
    pub(crate) async fn load(
        &self,
        check: &'static str,
        index: usize,
        user: &str,
    ) -> Result<crate::record::Record, KitFailure> {
        match self.store(index).load(user).await {
            Ok(Some(record)) => Ok(record),
            Ok(None) => Err(KitFailure::new(check, format!("the record of {user} is missing"))),
            Err(error) => Err(KitFailure::new(check, format!("load: {error} ({error:?})"))),
        }
    }
}

/// The app's code for the step `offset` steps from `now`'s.
pub(crate) fn code(app: &Totp, now: u64, offset: i64) -> String {
    let step = app
        .step(now)
        .ok()
        .and_then(|step| step.checked_add_signed(offset))
        .unwrap_or(0);
    app.generate_at_step(step).to_string()
}

/// A code that matches no step within 100 of `now`'s: surely wrong, whatever the drift.
pub(crate) fn wrong_code(app: &Totp, now: u64) -> String {
    let near: Vec<String> = (-100..=100).map(|offset| code(app, now, offset)).collect();
    (0..1_000_000u32)
        .map(|n| format!("{n:06}"))
        .find(|candidate| !near.contains(candidate))
        .unwrap_or_default()
}
