//! Remembered devices: a signed token that stands in for the second factor on a device the
//! user asked to be remembered, until it expires, is revoked, or the second factor changes.

use alloc::vec::Vec;

use rand_core::Rng;

use super::{Error, TwoFactor};
use crate::challenge::{ChallengeKeyring, DeviceClaims, DeviceProblem, DeviceToken};
use crate::events::EventKind;
use crate::policy::{self, Refusal, RememberedDeviceInfo, RememberedSignIn};
use crate::record::{self, Record};
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock> TwoFactor<S, C, ChallengeKeyring> {
    /// Remembers the device the user is signing in on, under `label` (a name for the list of
    /// devices: "Firefox on Linux"; may be empty): returns its token, for a long-lived cookie,
    /// which [`TwoFactor::verify_remembered`] accepts in place of a code until it expires
    /// ([`Policy::device_ttl`](crate::policy::Policy::device_ttl), 30 days by default), the
    /// device is revoked, or the second factor changes (the epoch moves).
    ///
    /// Call it right after a successful second factor in the same request — a
    /// [`TwoFactor::verify`] or [`TwoFactor::verify_with_challenge`] that succeeded, when the user
    /// ticked "remember this device" — never on the password alone: the service cannot tell.
    /// The device gets an id of 16 random bytes, kept in the user's record; past
    /// [`Policy::max_remembered_devices`](crate::policy::Policy::max_remembered_devices) (10 by
    /// default) the oldest device is evicted. The token is signed with the current
    /// login-challenge key; see [`DeviceToken`] for the cookie to carry it in.
    ///
    /// # Errors
    /// [`Error::NotEnrolled`] for a user without an active second factor,
    /// [`Error::InvalidLabel`] for a label over [`Record::MAX_LABEL_LEN`] bytes or with a
    /// control character (nothing written), and the service's own failures
    /// ([`Error::Secret`] if no randomness could be drawn).
    ///
    /// ```
    /// use twofactor::challenge::ChallengeKey;
    /// use twofactor::events::{CollectEvents, EventKind};
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    /// use std::sync::Arc;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let events = Arc::new(CollectEvents::new());
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
    ///     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?)
    ///     .with_events(Arc::clone(&events));
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// // The code step succeeded and the user ticked "remember this browser".
    /// clock.advance(30);
    /// service.verify("u1", &app.generate(clock.get())?.to_string()).await?;
    /// let token = service.remember_device("u1", "Firefox on Linux").await?;
    /// // Set-Cookie: twofactor_device=<token>; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=2592000
    /// # let _ = token;
    /// assert!(events.take().iter().any(|event| matches!(
    ///     &event.kind,
    ///     EventKind::DeviceRemembered { label, expires_at: 1_702_592_030, .. } if label == "Firefox on Linux"
    /// )));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn remember_device(&self, user: impl AsRef<str>, label: &str) -> Result<DeviceToken, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let mut id = [0; Record::DEVICE_ID_LEN];
        let mut draw = self.rng.draw();
        draw.fill_bytes(&mut id);
        draw.finish()
            .map_err(|_| Error::Secret(crate::secret::SecretError::Rng))?;
        let rules = self.config.policy();
        let (outcome, _) = self
            .transact(user, |record| {
                policy::remember_device(record, id, label, now, rules)
            })
            .await?;
        let remembered = match outcome {
            Ok(remembered) => remembered,
            Err(refusal) => {
                self.report_refusal(user, now, &refusal);
                return Err(refusal.into());
            }
        };
        for evicted in remembered.evicted {
            self.emit(
                user,
                now,
                EventKind::DeviceRevoked {
                    device: evicted.id,
                    label: evicted.label,
                    evicted: true,
                },
            );
        }
        let claims = DeviceClaims {
            user: user.into(),
            device: id,
            epoch: remembered.epoch,
            expires_at: remembered.device.expires_at,
        };
        self.emit(
            user,
            now,
            EventKind::DeviceRemembered {
                device: remembered.device.id,
                label: remembered.device.label,
                expires_at: remembered.device.expires_at,
            },
        );
        Ok(DeviceToken::issue(self.challenge.current(), &claims))
    }

    /// The sign-in's second step on a remembered device, after the password: accepts `token`
    /// (from the device's cookie) in place of a code while it is authentic, unexpired, for
    /// `user`, its device still remembered, and the credential epoch the one it was issued at.
    /// Success records the device's last use, to the minute (one compare-and-swap write; none
    /// within a minute of the recorded use, so a token signing in over and over cannot starve a
    /// revoke of it), and returns the device and the epoch. It is no code: it neither counts against nor clears either path's
    /// failure counters, and it is not throttled.
    ///
    /// Any refusal is [`Error::RememberedDevice`] (kind [`Refused`](crate::ErrorKind::Refused),
    /// 401): answer it by asking for a code — and drop the cookie. Nothing is counted.
    ///
    /// # Errors
    /// [`Error::RememberedDevice`] with [`DeviceProblem::Malformed`], [`DeviceProblem::Forged`],
    /// [`DeviceProblem::UnknownKey`] (a key dropped from the keyring), [`DeviceProblem::Expired`],
    /// [`DeviceProblem::OtherUser`], [`DeviceProblem::Revoked`] or
    /// [`DeviceProblem::EpochMoved`]; [`Error::NotEnrolled`]; the service's own failures.
    ///
    /// ```
    /// use twofactor::challenge::{ChallengeKey, DeviceProblem};
    /// use twofactor::{Config, Error, ErrorKind, ManualClock, MemoryStore, Totp, TwoFactor};
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
    /// let token = service.remember_device("u1", "Phone").await?;
    ///
    /// // A week later: the password was right, and the cookie carries the token.
    /// clock.advance(7 * 86_400);
    /// let signed_in = service.verify_remembered("u1", token.as_str()).await?;
    /// assert_eq!(signed_in.device.label, "Phone");
    ///
    /// // Thirty days after it was remembered, it is not any more: ask for a code.
    /// clock.advance(23 * 86_400);
    /// let refused = service.verify_remembered("u1", token.as_str()).await.unwrap_err();
    /// assert!(matches!(refused, Error::RememberedDevice(DeviceProblem::Expired { .. })));
    /// assert_eq!((refused.kind(), refused.http_status()), (ErrorKind::Refused, 401));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn verify_remembered(
        &self,
        user: impl AsRef<str>,
        token: &str,
    ) -> Result<RememberedSignIn, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        // The device a token names is trusted, for the event, once the token is authentic and
        // the user's.
        let checked = DeviceToken::open(&self.challenge, token)
            .map_err(|problem| (None, problem))
            .and_then(|claims| match claims.check(user, now) {
                Ok(()) => Ok(claims),
                Err(problem @ DeviceProblem::OtherUser) => Err((None, problem)),
                Err(problem) => Err((Some(claims.device), problem)),
            });
        let claims = match checked {
            Ok(claims) => claims,
            Err((device, problem)) => {
                let refusal = Refusal::Device { device, problem };
                self.report_refusal(user, now, &refusal);
                return Err(refusal.into());
            }
        };
        let (outcome, _) = self
            .transact(user, |record| {
                policy::sign_in_remembered(record, &claims.device, claims.epoch, now)
            })
            .await?;
        match outcome {
            Ok(signed_in) => {
                self.emit(
                    user,
                    now,
                    EventKind::DeviceVerified {
                        device: signed_in.device.id.clone(),
                    },
                );
                Ok(signed_in)
            }
            Err(refusal) => {
                self.report_refusal(user, now, &refusal);
                Err(refusal.into())
            }
        }
    }

    /// The user's remembered devices, oldest first: ids, labels, when each was remembered and
    /// last used, when it expires — never a token. Expired ones are left out. Reads only.
    ///
    /// # Errors
    /// The service's own failures ([`Error::Store`], [`Error::Clock`], [`Error::InvalidUser`]).
    ///
    /// ```
    /// use twofactor::challenge::ChallengeKey;
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
    /// #     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// # service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// service.remember_device("u1", "Laptop").await?;
    /// clock.advance(60);
    /// service.remember_device("u1", "Phone").await?;
    /// let labels: Vec<String> = service.remembered_devices("u1").await?.into_iter().map(|d| d.label).collect();
    /// assert_eq!(labels, ["Laptop", "Phone"]);
    /// assert!(service.remembered_devices("nobody").await?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn remembered_devices(
        &self,
        user: impl AsRef<str>,
    ) -> Result<Vec<RememberedDeviceInfo>, Error> {
        let user = user.as_ref();
        let now = self.start_untimed(user)?;
        let record = self.store.load(user).await.map_err(Error::store)?;
        if record.as_ref().is_some_and(|record| record.user() != user) {
            return Err(Error::store(super::error::WrongRecord));
        }
        Ok(policy::remembered_devices(
            record.as_ref().map(|record| &record.0),
            now,
        ))
    }

    /// Forgets one remembered device, by the id [`TwoFactor::remembered_devices`] lists: its
    /// token is refused ([`DeviceProblem::Revoked`]) from the moment this write is made, on every
    /// instance. Returns whether a device was forgotten (`false`: no such device remembered, or
    /// an id that is not one). Needs no proof: the user is signed in, or an administrator acts.
    ///
    /// # Errors
    /// The service's own failures.
    ///
    /// ```
    /// use twofactor::challenge::{ChallengeKey, DeviceProblem};
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
    /// #     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// # service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// let token = service.remember_device("u1", "Lost phone").await?;
    /// let id = service.remembered_devices("u1").await?[0].id.clone();
    /// assert!(service.revoke_device("u1", &id).await?);
    /// assert!(!service.revoke_device("u1", &id).await?);
    /// let refused = service.verify_remembered("u1", token.as_str()).await;
    /// assert!(matches!(refused, Err(Error::RememberedDevice(DeviceProblem::Revoked))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn revoke_device(&self, user: impl AsRef<str>, id: &str) -> Result<bool, Error> {
        let user = user.as_ref();
        let now = self.start_untimed(user)?;
        let Some(device) = record::parse_device_id(id) else {
            return Ok(false);
        };
        let (outcome, _) = self
            .transact(user, |record| policy::revoke_device(record, &device, now))
            .await?;
        let revoked = outcome.map_err(Error::from)?;
        if let Some(revoked) = &revoked {
            self.emit(
                user,
                now,
                EventKind::DeviceRevoked {
                    device: revoked.id.clone(),
                    label: revoked.label.clone(),
                    evicted: false,
                },
            );
        }
        Ok(revoked.is_some())
    }

    /// Forgets every remembered device of the user ("sign out everywhere else", or an
    /// administrator's action); returns how many were remembered. Their tokens are refused from
    /// this write on. (A change of the second factor does the same through the epoch, without
    /// this call.)
    ///
    /// # Errors
    /// The service's own failures.
    ///
    /// ```
    /// use twofactor::challenge::ChallengeKey;
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// # let clock = ManualClock::new(1_700_000_000);
    /// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
    /// #     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
    /// # let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// # let app = Totp::new(&enrollment.secret, service.config().params());
    /// # service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    /// let laptop = service.remember_device("u1", "Laptop").await?;
    /// service.remember_device("u1", "Phone").await?;
    /// assert_eq!(service.revoke_all_devices("u1").await?, 2);
    /// assert!(service.verify_remembered("u1", laptop.as_str()).await.is_err());
    /// assert_eq!(service.revoke_all_devices("u1").await?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn revoke_all_devices(&self, user: impl AsRef<str>) -> Result<usize, Error> {
        let user = user.as_ref();
        let now = self.start_untimed(user)?;
        let (outcome, _) = self
            .transact(user, |record| policy::revoke_all_devices(record, now))
            .await?;
        let count = outcome.map_err(Error::from)?.len();
        if count > 0 {
            self.emit(user, now, EventKind::AllDevicesRevoked { count });
        }
        Ok(count)
    }
}
