//! The service: the flows an application calls, over a [`Store`] and a [`Clock`].
//!
//! The rules of load, decide, compare-and-swap are documented on [`TwoFactor`].

mod authenticators;
mod bursts;
mod challenge;
mod change;
mod clock;
mod clock_check;
mod config;
mod device;
mod enroll;
mod error;
mod export;
mod import;
mod keys;
mod offload;
mod resync;
mod rng;
mod seam;
mod status;
mod verify;

pub use change::{Changed, Regenerated};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, ConfigBuilder};
pub use enroll::{Confirmed, Enrollment};
pub use error::{Error, ErrorKind};

use alloc::sync::Arc;
use core::fmt;

use bursts::Bursts;
use clock_check::ClockGate;
use offload::Offload;
use rng::Randomness;
use seam::Seam;

use crate::events::{Event, EventKind, EventSink};
#[cfg(feature = "seal")]
use crate::keys::ServerKeys;

use crate::challenge::{ChallengeKeyring, NoChallengeKey};
use crate::policy::{Decision, Refusal};
use crate::policy::{Verified, Via};
use crate::record::{Opened, Record};
use crate::store::{Store, Write};

/// Second-factor authentication for an application: enrollment, login, changes, status.
///
/// Built from a [`Store`] (where records live), a [`Clock`], a [`Config`] and the server keys
/// ([`TwoFactor::new`]) — or, by name, without keys ([`TwoFactor::without_keys`]: secrets kept
/// plain); events go to an [`EventSink`] set with [`TwoFactor::with_events`]. The third type
/// parameter says whether the service holds login-challenge keys: [`ChallengeKeyring`] (the
/// default, and what [`TwoFactor::new`] builds) or [`NoChallengeKey`], whose service has no
/// login-challenge calls at all, so that a missing key is a compile error, not a run-time one.
///
/// Every flow is the same three steps: load the user's record, ask the [policy](crate::policy::Policy)
/// for a decision, and — if the state changed — write the new record with a compare-and-swap on
/// the version that was read. A lost compare-and-swap means another request changed the record
/// in between: the flow reloads and decides again, up to [`Config::max_retries`] times. This is
/// what makes a code, a backup code or an enrollment confirmation count exactly once across
/// threads, processes and machines.
///
/// With a keyring ([`TwoFactor::new`], or [`TwoFactor::with_keyring`]; feature `seal`) the
/// secrets are opened after the load and sealed before the write, so the store only ever holds
/// them sealed.
///
/// It fails closed: a store error, a record that does not decode (the store reports it as its
/// error), a store that returns another user's record, a sealed secret that does not open, a
/// clock that fails, or a conflict that outlasts its retries is an [`Error`] — a denial — never
/// an acceptance.
///
/// The service is `Send + Sync` and is shared (an `Arc`, or a reference) by every request. Its
/// futures are `Send` (given a `Send` user identifier: every flow takes `impl AsRef<str>` —
/// `&str`, `String`, `Arc<str>`, an application's own type). A TOTP verification costs
/// microseconds and runs on the calling task. Backup-code hashing with an expensive hasher
/// ([`CodeHasher::is_expensive`](crate::backup::CodeHasher::is_expensive): Argon2id, the
/// default) — one call (about 20 ms) to verify a backup code, ten to confirm an enrollment or
/// regenerate codes — runs on tokio's blocking threads (`spawn_blocking`), so it never stalls the
/// async executor; the policy still decides synchronously, on hashes computed before it looks.
/// Outside a tokio runtime those hashes are computed in place. [`HmacHasher`](crate::backup::HmacHasher)
/// hashes in place, in microseconds.
///
/// # Flows that count failures
///
/// [`verify`](TwoFactor::verify) and its two narrower forms, [`resync`](TwoFactor::resync),
/// [`confirm_enrollment`](TwoFactor::confirm_enrollment), and the proven changes —
/// [`disable`](TwoFactor::disable), [`regenerate_backup_codes`](TwoFactor::regenerate_backup_codes),
/// [`begin_adding_authenticator`](TwoFactor::begin_adding_authenticator),
/// [`remove_authenticator`](TwoFactor::remove_authenticator) — count a wrong code against the
/// user's failure budget. Call them only after the password step, or for a signed-in user,
/// never on a route anyone can reach: a caller without the password could otherwise spend the
/// budget and lock the user's code path. At sign-in, [`TwoFactor::verify_with_challenge`] binds
/// the code step to the password step, so that only a caller who passed it reaches the code.
///
/// Everything random — secrets, backup codes, challenge and sealing nonces, remembered-device
/// ids — comes from the operating system's CSPRNG, or from the generator given to
/// [`TwoFactor::with_rng`] (for tests).
///
/// ```
/// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
/// use twofactor::backup::HmacHasher;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let clock = ManualClock::new(1_700_000_000);
/// let config = Config::builder("Example Co").hasher(HmacHasher::new(1, &[0x42; 32])?).build()?;
/// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
///
/// // Enrollment: show enrollment.uri as a QR code; the user's app shows a code; confirm it.
/// let enrollment = service.begin_enrollment("user-42", "alice@example.com").await?;
/// let app = Totp::new(&enrollment.secret, service.config().params());
/// let confirmed = service.confirm_enrollment("user-42", &app.generate(clock.get())?.to_string()).await?;
/// assert_eq!(confirmed.backup_codes.len(), 10); // show them once
///
/// // Login, a step later.
/// clock.advance(30);
/// let verified = service.verify("user-42", &app.generate(clock.get())?.to_string()).await?;
/// assert_eq!(verified.backup_codes_remaining, 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TwoFactor<S, C, K = ChallengeKeyring> {
    store: S,
    clock: C,
    config: Config,
    /// `None`: no sink, and no event is even built.
    events: Option<Arc<dyn EventSink>>,
    /// The login-challenge keys: a [`ChallengeKeyring`], or [`NoChallengeKey`] for a service
    /// without login-challenge calls.
    challenge: K,
    /// How long a login challenge lives, in seconds.
    challenge_ttl: u64,
    /// Where secrets are opened after a load and sealed (or kept plain) before a write.
    seam: Seam,
    /// Where everything random is drawn from: the operating system's CSPRNG unless
    /// [`TwoFactor::with_rng`] gave a generator.
    rng: Randomness,
    /// The last successful clock check ([`TwoFactor::check_clock`]), which decides whether a
    /// flow may decide on the clock when a maximum skew is configured.
    clock_gate: ClockGate,
    /// The lanes and slots that bound expensive hashing (`bursts`).
    bursts: Arc<Bursts>,
}

impl<S: Store, C: Clock> TwoFactor<S, C> {
    /// A service over `store`, reading time from `clock`, configured with `config`, holding the
    /// server keys `keys` (see [`crate::keys`]): every TOTP secret it writes is sealed under the
    /// sealing keyring derived from them (as [`TwoFactor::with_keyring`]), and login challenges
    /// are signed and checked with the derived challenge keys (as
    /// [`TwoFactor::with_challenge_key`], living [`TwoFactor::DEFAULT_CHALLENGE_TTL`] unless
    /// [`TwoFactor::with_challenge_ttl`] says otherwise). In both the newest key writes and every
    /// key opens or verifies what names its id; [`TwoFactor::reseal`] finishes a sealing
    /// rotation. It emits no events until [`TwoFactor::with_events`]. This is the production
    /// constructor; [`TwoFactor::without_keys`] is the named alternative that keeps secrets
    /// plain.
    ///
    /// It does not set the backup-code hasher, which is the [`Config`]'s: pass
    /// [`ServerKeys::backup_hasher`] to [`ConfigBuilder::hasher`] for a peppered HMAC, or keep
    /// Argon2id, the default. (Setting it here would silently move a deployment off Argon2id
    /// and refuse every set hashed with it.) The service keeps only what it derives: `keys` may
    /// be dropped after.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use twofactor::keys::ServerKeys;
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let keys = ServerKeys::generate(1)?; // in production: ServerKeys::from_env("TWOFACTOR_KEYS")?
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example Co").hasher(keys.backup_hasher()).build()?;
    /// let service = Arc::new(TwoFactor::new(MemoryStore::new(), clock.clone(), config, &keys));
    /// // Share `service` with every request handler.
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// let token = service.issue_challenge("u1").await?; // signed under key 1
    /// assert_eq!(service.challenge_user(token.as_str())?, "u1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "seal")]
    pub fn new(store: S, clock: C, config: Config, keys: &ServerKeys) -> Self {
        TwoFactor::without_keys(store, clock, config)
            .with_keyring(keys.keyring())
            .with_challenge_key(keys.challenge_keys())
    }
}

impl<S: Store, C: Clock> TwoFactor<S, C, NoChallengeKey> {
    /// A service that holds no server key: it stores TOTP secrets **plain** — anyone who reads
    /// the store can generate the users' codes — and has no login-challenge calls (its type says
    /// so: [`NoChallengeKey`]) unless keys are added one by one ([`TwoFactor::with_keyring`],
    /// [`TwoFactor::with_challenge_key`]). For tests, and for
    /// applications that protect the store by other means and say so; production uses
    /// [`TwoFactor::new`] with [`ServerKeys`].
    ///
    /// ```
    /// use twofactor::{Config, MemoryStore, SystemClock, TwoFactor};
    ///
    /// let config = Config::new("Example Co")?; // Argon2id backup codes
    /// let service = TwoFactor::without_keys(MemoryStore::new(), SystemClock, config);
    /// # let _ = service;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn without_keys(store: S, clock: C, config: Config) -> Self {
        let bursts = Arc::new(Bursts::new(config.max_concurrent_hashes()));
        Self {
            store,
            clock,
            config,
            events: None,
            challenge: NoChallengeKey,
            challenge_ttl: Self::DEFAULT_CHALLENGE_TTL,
            seam: Seam::default(),
            rng: Randomness::Os,
            clock_gate: ClockGate::default(),
            bursts,
        }
    }
}

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// The same service, emitting its events to `sink`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use twofactor::events::{CollectEvents, EventKind};
    /// use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let events = Arc::new(CollectEvents::new());
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config)
    ///     .with_events(Arc::clone(&events));
    /// service.begin_enrollment("u1", "alice").await?;
    /// assert!(matches!(events.take()[0].kind, EventKind::EnrollmentStarted { expires_at: 1_700_000_600 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_events<E: EventSink + 'static>(mut self, sink: E) -> Self {
        self.events = Some(Arc::new(sink));
        self
    }

    /// The store.
    pub const fn store(&self) -> &S {
        &self.store
    }

    /// The clock.
    pub const fn clock(&self) -> &C {
        &self.clock
    }

    /// The configuration.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// Checks the user identifier and reads the clock, once per call, and refuses while the
    /// clock is not trusted ([`TwoFactor::check_clock`]): the start of every flow that decides
    /// on the time — accepts a code or a token, or issues something that expires. A new flow
    /// starts here, so it is refused with the others unless it is shown not to need the time.
    fn start(&self, user: &str) -> Result<u64, Error> {
        let now = self.start_untimed(user)?;
        self.trust_clock(now)?;
        Ok(now)
    }

    /// [`TwoFactor::start`] without the clock's trust: for the flows that accept nothing and
    /// only read or take trust away (status and lists, revoking devices, an operator's unlock
    /// or reset, renaming, resealing), which must keep working while the clock is being fixed.
    fn start_untimed(&self, user: &str) -> Result<u64, Error> {
        if !Record::is_valid_user(user) {
            return Err(Error::InvalidUser);
        }
        self.clock.now().map_err(Error::Clock)
    }

    /// The stored record of `user`, for a call that only reads it (it is not opened).
    async fn load_checked(&self, user: &str) -> Result<Option<Record>, Error> {
        let record = self.store.load(user).await.map_err(Error::store)?;
        if record.as_ref().is_some_and(|record| record.user() != user) {
            return Err(Error::store(error::WrongRecord));
        }
        Ok(record)
    }

    fn emit(&self, user: &str, at: u64, kind: EventKind) {
        if let Some(sink) = &self.events {
            sink.emit(&Event::new(user, at, kind));
        }
    }

    /// The hasher and backup-code maker of one call: the configured hasher, run off the async
    /// executor if it is expensive (see [`Offload`]).
    fn offload(&self, user: &str) -> Offload {
        Offload::new(
            self.config.shared_hasher(),
            user,
            self.config.backup_format(),
            self.rng.clone(),
            Arc::clone(&self.bursts),
        )
    }

    /// Load → open → decide → close → compare-and-swap, retried on conflict. The decision takes
    /// the loaded (and opened) record and hands back the record to write, if any. Returns the
    /// outcome that took effect, with the epoch of the record as written (`None` if nothing
    /// needed writing).
    async fn transact<T, F>(&self, user: &str, decide: F) -> Result<(Result<T, Refusal>, Option<u64>), Error>
    where
        F: FnMut(Option<Opened>) -> Decision<T>,
    {
        self.transact_with(user, None, decide).await
    }

    /// [`TwoFactor::transact`] for a decision that hashes backup codes or makes a set through
    /// `offload`: each decision is run by [`Offload::decide`], which does the expensive work it
    /// asks for on a blocking thread between runs.
    async fn transact_with<T, F>(
        &self,
        user: &str,
        offload: Option<&Offload>,
        mut decide: F,
    ) -> Result<(Result<T, Refusal>, Option<u64>), Error>
    where
        F: FnMut(Option<Opened>) -> Decision<T>,
    {
        // Taken once a decision asks for expensive work, and held to the end of the call.
        let mut lane = None;
        // Lost compare-and-swaps so far; taking the lane and reading again is not one.
        let mut lost = 0;
        while lost <= self.config.max_retries() {
            let record = self.store.load(user).await.map_err(Error::store)?;
            if record.as_ref().is_some_and(|record| record.user() != user) {
                return Err(Error::store(error::WrongRecord));
            }
            let expected = record.as_ref().map(Record::version);
            let (opened, loaded) = match record {
                Some(record) => self
                    .seam
                    .open(record)
                    .map(|(opened, loaded)| (Some(opened), loaded))?,
                None => (None, seam::Loaded::default()),
            };
            let (outcome, write) = match offload {
                Some(offload) if lane.is_some() => offload.decide(opened, &mut decide).await,
                Some(offload) => match offload.probe(opened, &mut decide) {
                    Some(decision) => decision,
                    None => {
                        // Expensive work: in the user's lane, on the record as it is now, which
                        // holds what the attempts ahead in the lane wrote (`bursts`).
                        lane = Some(self.bursts.lane(user).await);
                        continue;
                    }
                },
                None => decide(opened),
            };
            let Some(mut new) = write else {
                return Ok((outcome, None));
            };
            let epoch = new.epoch;
            new.version = expected.map_or(1, |expected| expected.saturating_add(1));
            let new = self.seam.close(new, &loaded, &self.rng)?;
            let written = match expected {
                Some(expected) => self.store.compare_and_swap(expected, new).await,
                None => self.store.insert(new).await,
            }
            .map_err(Error::store)?;
            if written == Write::Applied {
                return Ok((outcome, Some(epoch)));
            }
            lost += 1;
        }
        Err(Error::Conflict)
    }

    /// The events of a refused attempt that took effect.
    fn report_refusal(&self, user: &str, at: u64, refusal: &Refusal) {
        let kind = match *refusal {
            Refusal::Wrong(via, failed) => {
                self.emit(
                    user,
                    at,
                    EventKind::Failed {
                        via,
                        failures: failed.failures,
                        retry_at: failed.retry_at,
                    },
                );
                if failed.budget_low {
                    let guesses_left = failed.guesses_left.unwrap_or(0);
                    self.emit(user, at, EventKind::GuessingBudgetLow { guesses_left });
                }
                if !failed.locked {
                    return;
                }
                EventKind::Locked { via }
            }
            Refusal::Replay(via) => EventKind::ReplayRefused { via },
            Refusal::Throttled(via, until) => EventKind::Throttled {
                via,
                retry_at: Some(until),
            },
            Refusal::Locked(via) => EventKind::Throttled { via, retry_at: None },
            Refusal::Challenge(problem) => EventKind::ChallengeRefused { problem },
            Refusal::Device { device, problem } => EventKind::DeviceRefused {
                device: device.as_ref().map(crate::record::device_id_text),
                problem,
            },
            _ => return,
        };
        self.emit(user, at, kind);
    }

    /// The events of a backup code spent by a login.
    fn report_backup_use(&self, user: &str, at: u64, verified: &Verified) {
        if verified.via != Via::BackupCode {
            return;
        }
        let remaining = verified.backup_codes_remaining;
        self.emit(user, at, EventKind::BackupCodeUsed { remaining });
        if remaining <= self.config.low_backup_codes() {
            self.emit(user, at, EventKind::BackupCodesLow { remaining });
        }
    }
}

impl<S: fmt::Debug, C: fmt::Debug, K> fmt::Debug for TwoFactor<S, C, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwoFactor")
            .field("store", &self.store)
            .field("clock", &self.clock)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
