//! The login paths decide on the loaded record in place and say whether to write it: a refusal
//! that changes nothing (a replay, malformed input, a throttled attempt, a superseded challenge)
//! writes nothing, and the record as stored stays exactly as it was; an acceptance and a counted
//! failure write once.
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicU32, Ordering};

use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeError, ChallengeKey};
use twofactor::policy::{Policy, ThrottlePolicy};
use twofactor::store::{Record, Write};
use twofactor::{Config, Error, ManualClock, MemoryStore, Store, Totp, TwoFactor, Via};

const USER: &str = "alice";

/// A `MemoryStore` that counts the writes the service asks for.
#[derive(Default)]
struct CountingWrites {
    inner: MemoryStore,
    writes: AtomicU32,
}

impl Store for CountingWrites {
    type Error = Infallible;
    async fn load(&self, user: &str) -> Result<Option<Record>, Infallible> {
        self.inner.load(user).await
    }
    async fn insert(&self, record: Record) -> Result<Write, Infallible> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.insert(record).await
    }
    async fn compare_and_swap(&self, expected: u64, record: Record) -> Result<Write, Infallible> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.compare_and_swap(expected, record).await
    }
    async fn delete(&self, user: &str, expected: u64) -> Result<Write, Infallible> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(user, expected).await
    }
}

struct Fixture {
    clock: ManualClock,
    service: TwoFactor<CountingWrites, ManualClock>,
    app: Totp,
    backup_codes: Vec<String>,
}

impl Fixture {
    /// An enrolled user whose code path allows one free failure, then a 60-second delay.
    async fn new() -> Self {
        let clock = ManualClock::new(1_700_000_000);
        let throttle = ThrottlePolicy::builder()
            .free_failures(1)
            .base_delay(60)
            .max_delay(60)
            .lock_after(10)
            .build()
            .unwrap();
        let config = Config::builder("Example")
            .hasher(HmacHasher::new(1, &[3; 32]).unwrap())
            .policy(Policy::builder().code_throttle(throttle).build().unwrap())
            .build()
            .unwrap();
        let service = TwoFactor::without_keys(CountingWrites::default(), clock.clone(), config)
            .with_challenge_key(ChallengeKey::new(1, &[8; 32]).unwrap());
        let enrollment = service.begin_enrollment(USER, "alice").await.unwrap();
        let app = Totp::new(&enrollment.secret, service.config().params());
        let code = app.generate(clock.get()).unwrap().to_string();
        let confirmed = service.confirm_enrollment(USER, &code).await.unwrap();
        let backup_codes = (0..confirmed.backup_codes.len())
            .map(|i| confirmed.backup_codes.expose_code(i).unwrap().to_owned())
            .collect();
        clock.advance(30);
        Self {
            clock,
            service,
            app,
            backup_codes,
        }
    }

    fn code(&self) -> String {
        self.app.generate(self.clock.get()).unwrap().to_string()
    }

    fn wrong_code(&self) -> String {
        let step = self.clock.get() / 30;
        let window: Vec<String> = (step - 1..=step + 1)
            .map(|s| self.app.generate_at_step(s).to_string())
            .collect();
        (0..)
            .map(|n| format!("{n:06}"))
            .find(|c| !window.contains(c))
            .unwrap()
    }

    async fn stored(&self) -> Record {
        self.service.store().inner.load(USER).await.unwrap().unwrap()
    }

    fn writes(&self) -> u32 {
        self.service.store().writes.swap(0, Ordering::SeqCst)
    }
}

/// Runs `attempt` and checks that it wrote nothing and left the stored record as it was.
async fn writes_nothing<T: std::fmt::Debug>(fx: &Fixture, what: &str, attempt: impl AsyncFnOnce() -> T) -> T {
    let before = fx.stored().await;
    fx.writes();
    let outcome = attempt().await;
    assert_eq!(fx.writes(), 0, "{what}: {outcome:?} wrote");
    assert!(
        fx.stored().await == before,
        "{what}: {outcome:?} changed the record"
    );
    outcome
}

#[tokio::test]
async fn refusals_that_change_nothing_write_nothing_on_every_login_path() {
    let fx = Fixture::new().await;
    let code = fx.code();
    fx.writes();
    assert!(fx.service.verify(USER, &code).await.is_ok());
    assert_eq!(fx.writes(), 1, "an acceptance writes once");

    let replay = writes_nothing(&fx, "replay", async || fx.service.verify(USER, &code).await).await;
    assert!(
        matches!(replay, Err(Error::Replay { via: Via::Code })),
        "{replay:?}"
    );
    let replay = writes_nothing(&fx, "replay, code path", async || {
        fx.service.verify_code(USER, &code).await
    })
    .await;
    assert!(
        matches!(replay, Err(Error::Replay { via: Via::Code })),
        "{replay:?}"
    );
    let malformed = writes_nothing(&fx, "malformed", async || fx.service.verify(USER, "12a456").await).await;
    assert!(matches!(malformed, Err(Error::Malformed)), "{malformed:?}");
    let malformed = writes_nothing(&fx, "malformed backup code", async || {
        fx.service.verify_backup_code(USER, "123456").await
    })
    .await;
    assert!(matches!(malformed, Err(Error::Malformed)), "{malformed:?}");
    let stranger = fx.service.verify("bob", &code).await;
    assert!(matches!(stranger, Err(Error::NotEnrolled)), "{stranger:?}");
    assert_eq!(fx.writes(), 0, "a user without a record gets nothing written");

    // A spent backup code is a replay: nothing written.
    assert!(fx.service.verify(USER, &fx.backup_codes[0]).await.is_ok());
    assert_eq!(fx.writes(), 1);
    let used = writes_nothing(&fx, "used backup code", async || {
        fx.service.verify(USER, &fx.backup_codes[0]).await
    })
    .await;
    assert!(
        matches!(used, Err(Error::Replay { via: Via::BackupCode })),
        "{used:?}"
    );

    // Two counted failures (each written), then a throttled attempt: nothing written, even with
    // the right code.
    fx.clock.advance(30);
    for failures in 1..=2 {
        let wrong = fx.service.verify(USER, &fx.wrong_code()).await;
        assert!(
            matches!(wrong, Err(Error::WrongCode { via: Via::Code })),
            "{wrong:?}"
        );
        assert_eq!(fx.writes(), 1, "a counted failure writes once");
        assert_eq!(fx.stored().await.code_failures(), failures);
    }
    let code = fx.code();
    let throttled = writes_nothing(&fx, "throttled", async || fx.service.verify(USER, &code).await).await;
    assert!(matches!(throttled, Err(Error::Throttled { .. })), "{throttled:?}");
    let disable = writes_nothing(&fx, "throttled disable", async || {
        fx.service.disable(USER, &code).await
    })
    .await;
    assert!(matches!(disable, Err(Error::Throttled { .. })), "{disable:?}");
    let regenerate = writes_nothing(&fx, "throttled regenerate", async || {
        fx.service.regenerate_backup_codes(USER, &code).await
    })
    .await;
    assert!(
        matches!(regenerate, Err(Error::Throttled { .. })),
        "{regenerate:?}"
    );
}

#[tokio::test]
async fn a_superseded_or_spent_challenge_writes_nothing_and_a_login_behind_one_writes_once() {
    let fx = Fixture::new().await;
    let first = fx.service.issue_challenge(USER).await.unwrap();
    let second = fx.service.issue_challenge(USER).await.unwrap();
    let code = fx.code();
    let superseded = writes_nothing(&fx, "superseded challenge", async || {
        fx.service
            .verify_with_challenge(USER, first.as_str(), &code)
            .await
    })
    .await;
    assert!(
        matches!(superseded, Err(Error::Challenge(ChallengeError::Superseded))),
        "{superseded:?}"
    );
    fx.writes();
    assert!(
        fx.service
            .verify_with_challenge(USER, second.as_str(), &code)
            .await
            .is_ok()
    );
    assert_eq!(
        fx.writes(),
        1,
        "the code and the challenge are spent in one write"
    );
    fx.clock.advance(30);
    let code = fx.code();
    let spent = writes_nothing(&fx, "spent challenge", async || {
        fx.service
            .verify_with_challenge(USER, second.as_str(), &code)
            .await
    })
    .await;
    assert!(
        matches!(spent, Err(Error::Challenge(ChallengeError::Used))),
        "{spent:?}"
    );
}
