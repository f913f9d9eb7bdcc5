//! The login challenge between "the password was right" and "the code was right".

use alloc::string::String;

use rand_core::Rng;

use super::{Error, TwoFactor};
use crate::backup::HashMemo;
use crate::challenge::Claims;
use crate::challenge::{ChallengeError, ChallengeKeyring, ChallengeToken};
use crate::events::EventKind;
use crate::otp::Match;
use crate::policy::Verified;
use crate::policy::{self, Expect, Proof};
use crate::record::Record;
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// How long a login challenge lives by default: 5 minutes.
    pub const DEFAULT_CHALLENGE_TTL: u64 = 300;

    /// The same service, issuing and checking login challenges with `keys`: a
    /// [`ChallengeKey`](crate::challenge::ChallengeKey), or a [`ChallengeKeyring`] whose current
    /// key signs and whose every key verifies the tokens that name it. Every instance of the
    /// application must hold the same keys. [`TwoFactor::new`] sets them from
    /// [`ServerKeys`](crate::keys::ServerKeys); this replaces them. The login-challenge calls
    /// exist only on a service that holds challenge keys, so a missing key is a compile error.
    #[must_use]
    pub fn with_challenge_key(self, keys: impl Into<ChallengeKeyring>) -> TwoFactor<S, C, ChallengeKeyring> {
        TwoFactor {
            store: self.store,
            clock: self.clock,
            config: self.config,
            events: self.events,
            challenge: keys.into(),
            challenge_ttl: self.challenge_ttl,
            seam: self.seam,
            rng: self.rng,
            clock_gate: self.clock_gate,
            bursts: self.bursts,
        }
    }

    /// The same service, issuing login challenges that live for `ttl` seconds (by default
    /// [`TwoFactor::DEFAULT_CHALLENGE_TTL`]).
    #[must_use]
    pub const fn with_challenge_ttl(mut self, ttl: u64) -> Self {
        self.challenge_ttl = ttl;
        self
    }

    /// [`TwoFactor::with_challenge_key`] with a lifetime of `ttl` seconds.
    #[must_use]
    pub fn with_challenge_key_and_ttl(
        self,
        keys: impl Into<ChallengeKeyring>,
        ttl: u64,
    ) -> TwoFactor<S, C, ChallengeKeyring> {
        self.with_challenge_key(keys).with_challenge_ttl(ttl)
    }
}

impl<S: Store, C: Clock> TwoFactor<S, C, ChallengeKeyring> {
    /// Issues a login challenge for `user`, once the password was right: an opaque, URL-safe
    /// token to carry in a cookie until the code step. Its nonce becomes the user's current one,
    /// so older challenges stop working.
    ///
    /// Carry it in a cookie that scripts cannot read and that is not sent across sites:
    /// `Set-Cookie: twofactor_challenge=<token>; HttpOnly; Secure; SameSite=Strict; Path=/;
    /// Max-Age=300`.
    ///
    /// # Errors
    /// [`Error::NotEnrolled`] for a user without an active second factor (there is no code step
    /// to guard), and the service's own failures.
    ///
    /// ```
    /// use twofactor::challenge::{ChallengeError, ChallengeKey};
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
    ///     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// // Password step: issue the challenge, set it as a cookie.
    /// let token = service.issue_challenge("u1").await?;
    /// // Code step: the user comes from the cookie; the challenge and the code are spent together.
    /// let user = service.challenge_user(token.as_str())?;
    /// clock.advance(30);
    /// let code = app.generate(clock.get())?.to_string();
    /// service.verify_with_challenge(&user, token.as_str(), &code).await?;
    /// let again = service.verify_with_challenge(&user, token.as_str(), &code).await;
    /// assert!(matches!(again, Err(Error::Challenge(ChallengeError::Used))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn issue_challenge(&self, user: impl AsRef<str>) -> Result<ChallengeToken, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let keys = &self.challenge;
        let mut nonce = [0; Record::NONCE_LEN];
        let mut draw = self.rng.draw();
        draw.fill_bytes(&mut nonce);
        draw.finish()
            .map_err(|_| Error::Secret(crate::secret::SecretError::Rng))?;
        let (outcome, _) = self
            .transact(user, |record| policy::issue_challenge(record, nonce))
            .await?;
        outcome?;
        let claims = Claims {
            user: user.into(),
            expires_at: now.saturating_add(self.challenge_ttl),
            nonce,
        };
        Ok(ChallengeToken::issue(keys.current(), &claims))
    }

    /// The user a challenge token names, if it is authentic and unexpired; the store is not
    /// read. For the code step of an application that keeps no state between the two steps.
    ///
    /// # Errors
    /// [`Error::Challenge`] with [`ChallengeError::Malformed`], [`ChallengeError::Forged`],
    /// [`ChallengeError::UnknownKey`] or [`ChallengeError::Expired`]; [`Error::Clock`].
    pub fn challenge_user(&self, token: &str) -> Result<String, Error> {
        let keys = &self.challenge;
        let now = self.clock.now().map_err(Error::Clock)?;
        let claims = ChallengeToken::open(keys, token, now).map_err(Error::Challenge)?;
        Ok(claims.user)
    }

    /// Opens `token` for a code step of `user`: authentic, unexpired, the user's. A refusal is
    /// reported as an [`EventKind::ChallengeRefused`] (a token that fails here is a replayed,
    /// stale, foreign or forged one: worth watching).
    fn open_challenge(&self, user: &str, token: &str, now: u64) -> Result<Claims, Error> {
        let claims = ChallengeToken::open(&self.challenge, token, now)
            .and_then(|claims| match claims.user == user {
                true => Ok(claims),
                false => Err(ChallengeError::OtherUser),
            })
            .map_err(|problem| {
                self.emit(user, now, EventKind::ChallengeRefused { problem });
                Error::Challenge(problem)
            })?;
        Ok(claims)
    }

    /// [`TwoFactor::verify`] behind a login challenge: succeeds only if the token is authentic,
    /// unexpired, for `user`, and carries the user's current nonce; success spends the nonce in
    /// the same compare-and-swap that spends the code, so a challenge and a code are each used
    /// once. A wrong code does not spend the challenge (the user may retype).
    ///
    /// # Errors
    /// [`Error::Challenge`] with a distinct [`ChallengeError`] for a malformed, forged, expired,
    /// another user's, superseded or used challenge, or one under a key the service does not hold (nothing counted); otherwise as
    /// [`TwoFactor::verify`].
    pub async fn verify_with_challenge(
        &self,
        user: impl AsRef<str>,
        token: &str,
        input: &str,
    ) -> Result<Verified, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let claims = self.open_challenge(user, token, now)?;
        let rules = self.config.policy();
        let offload = self.offload(user);
        let mut memo = HashMemo::new();
        let (outcome, _) = self
            .transact_with(user, Some(&offload), |record| {
                let mut proof = Proof {
                    input,
                    expect: Expect::Any,
                    hasher: &offload,
                    memo: &mut memo,
                };
                policy::verify_with_challenge(record, &claims.nonce, &mut proof, now, rules)
            })
            .await?;
        self.settle_login(user, now, outcome)
    }

    /// [`TwoFactor::resync`] behind a login challenge, for a sign-in whose codes keep failing:
    /// succeeds only for the user's current, authentic, unexpired challenge, which the same
    /// write spends (so a resynchronisation takes a fresh password step). A wrong pair does not
    /// spend the challenge.
    ///
    /// # Errors
    /// As [`TwoFactor::verify_with_challenge`] for the challenge, and as [`TwoFactor::resync`].
    ///
    /// ```
    /// use twofactor::challenge::{ChallengeError, ChallengeKey};
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
    ///     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// // The phone runs five minutes fast; the password step issued a challenge.
    /// let phone = clock.get() + 300;
    /// let token = service.issue_challenge("u1").await?;
    /// let (first, second) = (app.generate(phone)?.to_string(), app.generate(phone + 30)?.to_string());
    /// assert_eq!(service.resync_with_challenge("u1", token.as_str(), &first, &second).await?.drift(), 11);
    /// let again = service.resync_with_challenge("u1", token.as_str(), &first, &second).await;
    /// assert!(matches!(again, Err(Error::Challenge(ChallengeError::Used))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn resync_with_challenge(
        &self,
        user: impl AsRef<str>,
        token: &str,
        first: &str,
        second: &str,
    ) -> Result<Match, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let claims = self.open_challenge(user, token, now)?;
        let rules = self.config.policy();
        let (outcome, _) = self
            .transact(user, |record| {
                policy::resync_with_challenge(record, &claims.nonce, (first, second), now, rules)
            })
            .await?;
        self.settle_resync(user, now, outcome)
    }
}
