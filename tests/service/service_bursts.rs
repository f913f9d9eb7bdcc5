//! Bursts of expensive attempts (issue 17, point 5), through the service with an expensive
//! hasher that counts its calls: 64 concurrent wrong backup codes for one user cost as many
//! hashes as failures can be counted (4 at the default policy, not 64), and across users no more
//! hashes run at once than `max_concurrent_hashes`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use twofactor::backup::{BackupError, CodeHasher, HashScheme, HmacHasher};
use twofactor::challenge::NoChallengeKey;
use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor, Via};

const START: u64 = 1_700_000_010;
/// A backup code of the default shape that no set holds.
const WRONG: &str = "ZZZZ-ZZZZ-ZZZZ-ZZZZ";

/// An HMAC hasher that says it is expensive and takes 10 ms, counting its calls and the most
/// in flight at once.
#[derive(Clone)]
struct Slow {
    inner: HmacHasher,
    calls: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl CodeHasher for Slow {
    fn scheme(&self) -> HashScheme {
        self.inner.scheme()
    }

    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(10));
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.inner.hash(scheme, salt, code)
    }

    fn is_expensive(&self) -> bool {
        true
    }
}

fn slow() -> Slow {
    Slow {
        inner: HmacHasher::new(1, &[7; 32]).unwrap(),
        calls: Arc::default(),
        in_flight: Arc::default(),
        most: Arc::default(),
    }
}

type Service = TwoFactor<MemoryStore, ManualClock, NoChallengeKey>;

fn service(hasher: &Slow, slots: usize) -> Arc<Service> {
    let config = Config::builder("Example")
        .hasher(hasher.clone())
        .max_concurrent_hashes(slots)
        .build()
        .unwrap();
    Arc::new(TwoFactor::without_keys(
        MemoryStore::new(),
        ManualClock::new(START),
        config,
    ))
}

async fn enroll(service: &Service, user: &str) {
    let enrollment = service.begin_enrollment(user, user).await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let code = app.generate(START).unwrap().to_string();
    service.confirm_enrollment(user, &code).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_backup_codes_costs_no_more_hashes_than_it_can_count() {
    let hasher = slow();
    let service = service(&hasher, 8);
    enroll(&service, "u1").await;
    hasher.calls.store(0, Ordering::SeqCst);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let service = Arc::clone(&service);
            tokio::spawn(async move { service.verify("u1", WRONG).await })
        })
        .collect();
    let (mut counted, mut throttled) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Err(Error::WrongCode { via: Via::BackupCode }) => counted += 1,
            Err(Error::Throttled {
                via: Via::BackupCode, ..
            }) => throttled += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    let hashes = hasher.calls.load(Ordering::SeqCst);
    println!("64 wrong backup codes at once: {counted} counted, {throttled} throttled, {hashes} hashes");
    // 3 free failures, and the 4th starts the delay.
    assert_eq!((counted, throttled), (4, 60));
    assert_eq!(hashes, counted, "one hash per counted failure");
    let status = service.status("u1").await.unwrap();
    assert_eq!(status.backup_failures, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn across_users_no_more_hashes_run_at_once_than_the_slots() {
    let hasher = slow();
    let service = service(&hasher, 2);
    let users: Vec<String> = (0..16).map(|n| format!("user-{n}")).collect();
    for user in &users {
        enroll(&service, user).await;
    }
    hasher.calls.store(0, Ordering::SeqCst);
    hasher.most.store(0, Ordering::SeqCst);
    let tasks: Vec<_> = users
        .iter()
        .map(|user| {
            let (service, user) = (Arc::clone(&service), user.clone());
            tokio::spawn(async move { service.verify(&user, WRONG).await })
        })
        .collect();
    for task in tasks {
        let refused = task.await.unwrap();
        assert!(
            matches!(refused, Err(Error::WrongCode { via: Via::BackupCode })),
            "{refused:?}"
        );
    }
    let (hashes, most) = (
        hasher.calls.load(Ordering::SeqCst),
        hasher.most.load(Ordering::SeqCst),
    );
    println!("16 users, one wrong backup code each, 2 slots: {hashes} hashes, at most {most} at once");
    assert_eq!(hashes, 16);
    assert!(most <= 2, "{most} hashes at once");
    assert_eq!(
        most, 2,
        "the slots were the bound, not the arrival of the requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_the_lane_is_not_a_retry() {
    // With no retries at all, an attempt that needs an expensive hash still reads again in its
    // lane and decides: it is not a lost compare-and-swap.
    let hasher = slow();
    let config = Config::builder("Example")
        .hasher(hasher.clone())
        .max_retries(0)
        .build()
        .unwrap();
    let service: Service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(START), config);
    enroll(&service, "u1").await;
    let refused = service.verify("u1", WRONG).await;
    assert!(
        matches!(refused, Err(Error::WrongCode { via: Via::BackupCode })),
        "{refused:?}"
    );
}
