//! Trusted time (OWASP ASVS 5.0 6.5.8): the clock check against a real store's server clock
//! (SQLite's, read by `SELECT unixepoch()`), with the service's clock a `ManualClock` set off
//! from real time. With a maximum skew the service refuses every flow that decides on the time
//! while the last check found the clocks apart, before the first check and once a check is out
//! of date; it accepts again after a healthy check; without one it refuses nothing.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use twofactor::backup::HmacHasher;
use twofactor::challenge::NoChallengeKey;
use twofactor::policy::ClockProblem;
use twofactor::{
    Clock, Config, Error, ErrorKind, ManualClock, MemoryStore, SqliteStore, SystemClock, Totp, TwoFactor, Via,
};

type Service = TwoFactor<SqliteStore, ManualClock, NoChallengeKey>;

const MAX_SKEW: u64 = 15;

/// A database file removed with its directory at the end of the test.
struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn real_now() -> u64 {
    SystemClock.now().unwrap()
}

fn config(max_skew: Option<u64>) -> Config {
    let builder = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32]).unwrap());
    match max_skew {
        Some(max) => builder.max_clock_skew(max).build().unwrap(),
        None => builder.build().unwrap(),
    }
}

/// A service on a fresh SQLite file, its clock a `ManualClock` reading the real time now.
async fn service(name: &str, max_skew: Option<u64>) -> (Service, ManualClock, Dir) {
    let dir = std::env::temp_dir().join(format!("twofactor_clock_{name}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("records.db"), "two_factor")
        .await
        .unwrap();
    let clock = ManualClock::new(real_now());
    (
        TwoFactor::without_keys(store, clock.clone(), config(max_skew)),
        clock,
        Dir(dir),
    )
}

/// Enrolls `user` (the clock must be trusted) and returns the user's app.
async fn enroll(service: &Service, clock: &ManualClock, user: &str) -> Totp {
    let enrollment = service.begin_enrollment(user, "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let code = app.generate(clock.get()).unwrap().to_string();
    service.confirm_enrollment(user, &code).await.unwrap();
    app
}

fn untrusted(result: Result<impl std::fmt::Debug, Error>) -> ClockProblem {
    match result {
        Err(Error::UntrustedClock(problem)) => problem,
        other => panic!("expected an untrusted clock, got {other:?}"),
    }
}

/// The heart of it: a host clock set ahead (as an attacker who moved it would have it) accepts
/// the codes of the future — here refused while the check finds it off, whatever the code;
/// set behind, the same; once the clock is right and a check says so, codes work again.
#[tokio::test]
async fn verifying_is_refused_while_the_clock_is_off_the_databases_and_accepted_after_a_healthy_check() {
    let (service, clock, _dir) = service("skew", Some(MAX_SKEW)).await;
    let health = service.check_clock().await.unwrap();
    assert!(health.is_healthy(), "{health:?}");
    assert!(health.skew().unwrap().abs() <= 2, "{health:?}");
    let app = enroll(&service, &clock, "u1").await;

    for off in [300_i64, -120] {
        clock.set(real_now().saturating_add_signed(off));
        let health = service.check_clock().await.unwrap();
        assert!(!health.is_healthy());
        let skew = health.skew().unwrap();
        assert!((skew - off).abs() <= 2, "skew {skew}, set off by {off}");
        assert_eq!(health.problem(), Some(ClockProblem::Skewed { skew }));

        // The code of the host's (wrong) time: exactly what it would accept. Refused, unchecked.
        let code = app.generate(clock.get()).unwrap().to_string();
        let refused = service.verify("u1", &code).await;
        assert_eq!(untrusted(refused), ClockProblem::Skewed { skew });
        let error = Error::UntrustedClock(ClockProblem::Skewed { skew });
        assert_eq!((error.kind(), error.http_status()), (ErrorKind::Unavailable, 503));
        assert_eq!(
            untrusted(service.verify("u1", "000000").await),
            ClockProblem::Skewed { skew }
        );
        // Every flow that decides on the time, not only `verify`.
        assert_eq!(
            untrusted(service.verify_code("u1", &code).await),
            ClockProblem::Skewed { skew }
        );
        assert_eq!(
            untrusted(service.resync("u1", &code, &code).await),
            ClockProblem::Skewed { skew }
        );
        assert_eq!(
            untrusted(service.disable("u1", &code).await),
            ClockProblem::Skewed { skew }
        );
        assert_eq!(
            untrusted(service.begin_enrollment("u2", "bob").await),
            ClockProblem::Skewed { skew }
        );
        // What only reads or takes trust away still works; nothing was counted.
        assert_eq!(service.authenticators("u1").await.unwrap().len(), 1);
        assert!(!service.unlock("u1", "support:ops").await.unwrap());
        let status = service.status("u1").await.unwrap();
        assert!(status.enabled);
        assert_eq!(status.failed_attempts, 0);
    }

    clock.set(real_now());
    assert!(service.check_clock().await.unwrap().is_healthy());
    // The next step's code (the window takes one step ahead): a step after the enrollment's.
    let code = app.generate(clock.get() + 30).unwrap().to_string();
    assert_eq!(service.verify("u1", &code).await.unwrap().via, Via::Code);
}

/// Before the first check nothing that decides on the time is done; a healthy check vouches for
/// the clock only so long (`clock_check_max_age`), and not for a clock that then moved back.
#[tokio::test]
async fn no_check_or_a_stale_one_refuses_and_a_failed_check_changes_nothing() {
    let (service, clock, _dir) = service("stale", Some(MAX_SKEW)).await;
    assert_eq!(
        untrusted(service.begin_enrollment("u1", "alice").await),
        ClockProblem::Unchecked
    );
    assert_eq!(
        untrusted(service.verify("u1", "123456").await),
        ClockProblem::Unchecked
    );
    assert!(
        !service.status("u1").await.unwrap().enabled,
        "status is not refused"
    );

    let checked_at = service.check_clock().await.unwrap().service_time;
    assert!(matches!(
        service.verify("u1", "123456").await,
        Err(Error::NotEnrolled)
    ));
    let max_age = service.config().clock_check_max_age();
    assert_eq!(max_age, Config::DEFAULT_CLOCK_CHECK_MAX_AGE);
    clock.set(checked_at + max_age);
    assert!(matches!(
        service.verify("u1", "123456").await,
        Err(Error::NotEnrolled)
    ));
    clock.set(checked_at + max_age + 1);
    assert_eq!(
        untrusted(service.verify("u1", "123456").await),
        ClockProblem::Stale { checked_at }
    );
    clock.set(checked_at - MAX_SKEW - 1);
    assert_eq!(
        untrusted(service.verify("u1", "123456").await),
        ClockProblem::Stale { checked_at }
    );

    // A check that fails (the database went away) leaves the last result as it was.
    clock.set(real_now());
    service.check_clock().await.unwrap();
    service.store().pool().close().await;
    assert!(matches!(service.check_clock().await, Err(Error::Store(_))));
    assert!(
        matches!(service.verify("u1", "123456").await, Err(Error::Store(_))),
        "trusted still"
    );
}

/// A maximum skew over a store without a clock of its own can never pass: a misuse, said as
/// such (500), on every flow that decides on the time.
#[tokio::test]
async fn a_maximum_skew_over_a_store_without_a_clock_is_a_misuse() {
    let service = TwoFactor::without_keys(MemoryStore::new(), SystemClock, config(Some(MAX_SKEW)));
    let health = service.check_clock().await.unwrap();
    assert_eq!((health.server_time, health.skew()), (None, None));
    assert_eq!(health.problem(), Some(ClockProblem::NoServerClock));
    let error = service.verify("u1", "123456").await.unwrap_err();
    assert!(matches!(
        error,
        Error::UntrustedClock(ClockProblem::NoServerClock)
    ));
    assert_eq!((error.kind(), error.http_status()), (ErrorKind::Misuse, 500));
    assert_eq!(
        error.to_string(),
        "the service's clock is not trusted: the store has no clock to check it against"
    );
}

/// Off by default: a check still reports the skew, and nothing is refused.
#[tokio::test]
async fn without_a_maximum_the_check_reports_and_refuses_nothing() {
    let (service, clock, _dir) = service("off", None).await;
    assert_eq!(service.config().max_clock_skew(), None);
    clock.set(real_now() + 3_600);
    let health = service.check_clock().await.unwrap();
    assert!((health.skew().unwrap() - 3_600).abs() <= 2, "{health:?}");
    assert!(health.is_healthy());
    let app = enroll(&service, &clock, "u1").await;
    let code = app.generate(clock.get() + 30).unwrap().to_string();
    assert_eq!(service.verify("u1", &code).await.unwrap().via, Via::Code);
}

#[test]
fn the_bounds_are_checked_when_the_configuration_is_built() {
    use twofactor::ConfigError;
    let builder = || Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32]).unwrap());
    for skew in [0, 1, 3601] {
        let error = builder().max_clock_skew(skew).build().unwrap_err();
        assert_eq!(error, ConfigError::MaxClockSkew { min: 2, max: 3600 });
    }
    assert_eq!(
        builder().max_clock_skew(2).build().unwrap().max_clock_skew(),
        Some(2)
    );
    for age in [9, 86_401] {
        let error = builder().clock_check_max_age(age).build().unwrap_err();
        assert_eq!(error, ConfigError::ClockCheckMaxAge { min: 10, max: 86_400 });
        assert_eq!(error.to_string(), "a clock check must vouch for 10 s to 86400 s");
    }
    let error = builder().max_clock_skew(1).build().unwrap_err();
    assert_eq!(error.to_string(), "a maximum clock skew must be 2 s to 3600 s");
}
