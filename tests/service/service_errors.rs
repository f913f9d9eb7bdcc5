//! The service's own failures are denials with typed errors: a bad user id, a conflict that
//! outlasts its retries, a store that returns another user's record, a failing clock; and its
//! errors say nothing secret.
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::convert::Infallible;
use std::error::Error as _;
use std::sync::atomic::{AtomicU32, Ordering};

use twofactor::backup::HmacHasher;
use twofactor::otp::OtpError;
use twofactor::store::{Record, Write};
use twofactor::{Clock, Config, Error, ManualClock, MemoryStore, Store, Totp, TwoFactor, Via};

fn config(max_retries: u32) -> Config {
    Config::builder("Example")
        .hasher(HmacHasher::new(1, &[5; 32]).unwrap())
        .max_retries(max_retries)
        .build()
        .unwrap()
}

/// A `MemoryStore` whose compare-and-swap always loses, counting loads.
#[derive(Default)]
struct AlwaysConflicts {
    inner: MemoryStore,
    loads: AtomicU32,
}

impl Store for AlwaysConflicts {
    type Error = Infallible;
    async fn load(&self, user: &str) -> Result<Option<Record>, Infallible> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(user).await
    }
    async fn insert(&self, record: Record) -> Result<Write, Infallible> {
        self.inner.insert(record).await
    }
    async fn compare_and_swap(&self, _expected: u64, _record: Record) -> Result<Write, Infallible> {
        Ok(Write::Conflict)
    }
    async fn delete(&self, user: &str, expected: u64) -> Result<Write, Infallible> {
        self.inner.delete(user, expected).await
    }
}

#[tokio::test]
async fn a_conflict_that_outlasts_the_retries_is_denied_after_exactly_that_many() {
    let clock = ManualClock::new(1_700_000_000);
    let service = TwoFactor::without_keys(AlwaysConflicts::default(), clock.clone(), config(3));
    // The first write of a user is an insert, which this store applies.
    let enrollment = service.begin_enrollment("alice", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let before = service.store().loads.load(Ordering::SeqCst);
    let code = app.generate(clock.get()).unwrap().to_string();
    let denied = service.confirm_enrollment("alice", &code).await;
    assert!(matches!(denied, Err(Error::Conflict)), "{denied:?}");
    assert_eq!(service.store().loads.load(Ordering::SeqCst) - before, 4);
    // Nothing was written: the enrollment is still pending.
    let record = service.store().load("alice").await.unwrap().unwrap();
    assert!(record.has_pending_enrollment() && !record.is_enabled());
}

/// Returns Bob's record whoever is asked for.
struct Confused(MemoryStore);

impl Store for Confused {
    type Error = Infallible;
    async fn load(&self, _user: &str) -> Result<Option<Record>, Infallible> {
        self.0.load("bob").await
    }
    async fn insert(&self, record: Record) -> Result<Write, Infallible> {
        self.0.insert(record).await
    }
    async fn compare_and_swap(&self, expected: u64, record: Record) -> Result<Write, Infallible> {
        self.0.compare_and_swap(expected, record).await
    }
    async fn delete(&self, user: &str, expected: u64) -> Result<Write, Infallible> {
        self.0.delete(user, expected).await
    }
}

#[tokio::test]
async fn a_store_that_returns_another_users_record_is_a_store_error() {
    let clock = ManualClock::new(1_700_000_000);
    let service = TwoFactor::without_keys(Confused(MemoryStore::new()), clock.clone(), config(3));
    service.begin_enrollment("bob", "bob").await.unwrap();
    for outcome in [
        service.verify("alice", "123456").await.map(|_| ()),
        service.status("alice").await.map(|_| ()),
        service.unlock("alice", "operator").await.map(|_| ()),
    ] {
        let error = outcome.unwrap_err();
        assert!(matches!(error, Error::Store(_)), "{error:?}");
        assert_eq!(
            error.source().unwrap().to_string(),
            "the store returned another user's record"
        );
    }
}

struct BrokenClock;

impl Clock for BrokenClock {
    fn now(&self) -> Result<u64, OtpError> {
        Err(OtpError::BeforeUnixEpoch)
    }
}

#[tokio::test]
async fn a_failing_clock_denies() {
    let service = TwoFactor::without_keys(MemoryStore::new(), BrokenClock, config(3));
    let error = service.begin_enrollment("alice", "alice").await.unwrap_err();
    assert!(matches!(error, Error::Clock(OtpError::BeforeUnixEpoch)));
    assert!(matches!(
        service.verify("alice", "123456").await,
        Err(Error::Clock(_))
    ));
    assert!(service.store().is_empty());
}

#[tokio::test]
async fn user_ids_must_be_nonempty_and_bounded() {
    let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config(3));
    let long = "x".repeat(Record::MAX_USER_LEN + 1);
    for user in ["", long.as_str(), "alice\0", "\0"] {
        assert!(matches!(
            service.begin_enrollment(user, "a").await,
            Err(Error::InvalidUser)
        ));
        assert!(matches!(
            service.verify(user, "123456").await,
            Err(Error::InvalidUser)
        ));
        assert!(matches!(service.status(user).await, Err(Error::InvalidUser)));
    }
    let longest = "x".repeat(Record::MAX_USER_LEN);
    service.begin_enrollment(&longest, "a").await.unwrap();
    assert_eq!(service.store().len(), 1);
}

#[tokio::test]
async fn a_user_without_a_factor_is_not_enrolled_and_nothing_is_written() {
    let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config(3));
    for outcome in [
        service.verify("alice", "123456").await.map(|_| ()),
        service
            .verify_backup_code("alice", "0000-0000-0000-0000")
            .await
            .map(|_| ()),
        service.disable("alice", "123456").await.map(|_| ()),
        service
            .regenerate_backup_codes("alice", "123456")
            .await
            .map(|_| ()),
        service.resync("alice", "123456", "654321").await.map(|_| ()),
        service.unlock("alice", "operator").await.map(|_| ()),
    ] {
        assert!(matches!(outcome, Err(Error::NotEnrolled)), "{outcome:?}");
    }
    assert!(matches!(
        service.confirm_enrollment("alice", "123456").await,
        Err(Error::NoPendingEnrollment)
    ));
    assert!(service.store().is_empty());
    let status = service.status("alice").await.unwrap();
    assert!(!status.enabled && status.epoch == 0);
}

#[test]
fn errors_say_what_happened_and_nothing_more() {
    let cases = [
        (Error::WrongCode { via: Via::Code }, "the code is wrong"),
        (
            Error::WrongCode { via: Via::BackupCode },
            "the backup code is wrong",
        ),
        (Error::Replay { via: Via::Code }, "the code was already used"),
        (
            Error::Throttled {
                via: Via::Code,
                retry_at: 1_700_000_060,
            },
            "too many failed attempts: codes refused until 1700000060",
        ),
        (
            Error::Locked { via: Via::BackupCode },
            "too many failed attempts: backup codes are locked",
        ),
        (Error::Malformed, "the input is not a code"),
        (
            Error::Conflict,
            "the record kept changing under concurrent requests",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
        assert!(error.source().is_none());
    }
    let clock = Error::Clock(OtpError::BeforeUnixEpoch);
    assert_eq!(clock.to_string(), "the clock failed");
    assert_eq!(
        clock.source().unwrap().to_string(),
        "the system clock is before the Unix epoch"
    );
}

#[tokio::test]
async fn the_default_hasher_is_argon2id_and_backup_codes_low_is_configurable() {
    #[cfg(feature = "argon2")]
    {
        let config = Config::new("Example").unwrap();
        assert!(matches!(
            config.hasher().scheme(),
            twofactor::backup::HashScheme::Argon2id { .. }
        ));
    }
    use std::sync::Arc;
    use twofactor::events::{CollectEvents, EventKind};
    let clock = ManualClock::new(1_700_000_000);
    let events = Arc::new(CollectEvents::new());
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[5; 32]).unwrap())
        .low_backup_codes(8)
        .build()
        .unwrap();
    let service =
        TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config).with_events(Arc::clone(&events));
    let enrollment = service.begin_enrollment("alice", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let confirmed = service
        .confirm_enrollment("alice", &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    let low = |events: &[twofactor::events::Event]| {
        events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::BackupCodesLow { .. }))
            .count()
    };
    service
        .verify("alice", confirmed.backup_codes.expose_code(0).unwrap())
        .await
        .unwrap();
    assert_eq!(low(&events.take()), 0, "9 left");
    service
        .verify("alice", confirmed.backup_codes.expose_code(1).unwrap())
        .await
        .unwrap();
    assert_eq!(low(&events.take()), 1, "8 left");
}
