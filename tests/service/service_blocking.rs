//! Argon2id off the async executor: on a current-thread tokio runtime — one thread for every
//! task — a task that ticks every millisecond keeps ticking while the service confirms an
//! enrollment (ten Argon2id hashes) and verifies a backup code (one), because the service runs
//! those hashes on tokio's blocking threads. The same ticker stalls for a whole hash when the
//! hash runs on the runtime's thread, which shows the measurement can see a blocked executor.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use twofactor::backup::{Argon2Hasher, CodeHasher, HashScheme};
use twofactor::challenge::NoChallengeKey;
use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor, Via};

/// What a ticker saw while a future ran: how often it ticked, and its longest wait.
#[derive(Debug)]
struct Ticks {
    count: u32,
    longest_gap: Duration,
    elapsed: Duration,
}

/// Runs `work` on the current task while a spawned task sleeps a millisecond at a time, and
/// reports the ticker's longest gap between two ticks.
async fn ticking<T>(work: impl Future<Output = T>) -> (T, Ticks) {
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move {
            let (mut count, mut longest_gap, mut last) = (0, Duration::ZERO, Instant::now());
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(1)).await;
                let now = Instant::now();
                longest_gap = longest_gap.max(now - last);
                last = now;
                count += 1;
            }
            (count, longest_gap)
        }
    });
    // Let the ticker start before the work does.
    tokio::task::yield_now().await;
    let started = Instant::now();
    let output = work.await;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (count, longest_gap) = ticker.await.unwrap();
    (
        output,
        Ticks {
            count,
            longest_gap,
            elapsed,
        },
    )
}

#[test]
fn argon2_backup_codes_do_not_block_a_current_thread_runtime() {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let hasher = Argon2Hasher::default();
        let clock = ManualClock::new(1_700_000_000);
        let config = Config::builder("Example").hasher(hasher).build().unwrap();
        let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
        let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
        let app = Totp::new(&enrollment.secret, service.config().params());
        let code = app.generate(clock.get()).unwrap().to_string();

        // The control: one hash on the runtime's own thread stalls the ticker for all of it.
        let (hash_time, inline) = ticking(async {
            let started = Instant::now();
            let hash = hasher.hash(&hasher.scheme(), &[0; HashScheme::SALT_LEN], b"0123456789ABCDEF");
            assert!(hash.is_ok());
            tokio::task::yield_now().await;
            started.elapsed()
        })
        .await;
        eprintln!("one Argon2id hash in place: {hash_time:?}; the ticker: {inline:?}");
        assert!(inline.longest_gap >= hash_time);

        // Ten hashes to confirm: the ticker goes on.
        let (confirmed, confirming) = ticking(service.confirm_enrollment("u1", &code)).await;
        let confirmed = confirmed.unwrap();
        eprintln!("confirm_enrollment (ten hashes), the ticker: {confirming:?}");
        // The work is real (ten hashes, at most two at a time on this machine's two cores, take
        // at least a few times one): the bound is loose because load changes hash times by 2×.
        assert!(
            confirming.elapsed >= hash_time * 2,
            "ten hashes take longer than two"
        );
        assert!(
            confirming.longest_gap < confirming.elapsed / 4,
            "the ticker stalled during the confirmation: {confirming:?}"
        );

        // One hash to verify a backup code: the ticker goes on.
        let backup = confirmed.backup_codes.expose_code(2).unwrap();
        let (verified, verifying) = ticking(service.verify("u1", backup)).await;
        let verified = verified.unwrap();
        assert_eq!(
            (verified.via, verified.backup_codes_remaining),
            (Via::BackupCode, 9)
        );
        eprintln!("verify (one backup code), the ticker: {verifying:?}");
        assert!(
            verifying.count >= 3,
            "the ticker hardly ran during the verification: {verifying:?}"
        );
        assert!(
            verifying.longest_gap < hash_time / 2,
            "the ticker stalled during the verification: {verifying:?} (one hash: {hash_time:?})"
        );
    });
    eprintln!("the whole test: {:?}", started.elapsed());
}

/// HMAC-SHA-256 that calls itself expensive (the trait's default) and records the thread of
/// every hash: where the service runs an expensive hasher, and how often.
struct Recording {
    inner: twofactor::backup::HmacHasher,
    threads: std::sync::Mutex<Vec<std::thread::ThreadId>>,
    expensive: bool,
}

impl Recording {
    fn new(expensive: bool) -> Arc<Self> {
        Arc::new(Self {
            inner: twofactor::backup::HmacHasher::new(1, &[7; 32]).unwrap(),
            threads: std::sync::Mutex::new(Vec::new()),
            expensive,
        })
    }

    fn take(&self) -> Vec<std::thread::ThreadId> {
        std::mem::take(&mut *self.threads.lock().unwrap())
    }
}

impl CodeHasher for Recording {
    fn scheme(&self) -> HashScheme {
        self.inner.scheme()
    }

    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], twofactor::backup::BackupError> {
        if let Ok(mut threads) = self.threads.lock() {
            threads.push(std::thread::current().id());
        }
        self.inner.hash(scheme, salt, code)
    }

    fn is_expensive(&self) -> bool {
        self.expensive
    }
}

/// The service's hasher is shared with the test through an `Arc`.
struct Shared(Arc<Recording>);

impl CodeHasher for Shared {
    fn scheme(&self) -> HashScheme {
        self.0.scheme()
    }

    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], twofactor::backup::BackupError> {
        self.0.hash(scheme, salt, code)
    }

    fn is_expensive(&self) -> bool {
        self.0.is_expensive()
    }
}

type Service = TwoFactor<MemoryStore, ManualClock, NoChallengeKey>;

async fn enrolled(hasher: &Arc<Recording>) -> (Service, ManualClock, Totp, twofactor::backup::BackupCodes) {
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(Shared(Arc::clone(hasher)))
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let confirmed = service
        .confirm_enrollment("u1", &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    (service, clock, app, confirmed.backup_codes)
}

/// Exactly what the policy hashes is hashed, each hash once, all of them on blocking threads: ten
/// to confirm, one per backup code tried, none for an authenticator code, a wrong
/// authenticator code, malformed input or a throttled attempt; and a regeneration proven with a
/// backup code hashes the proof once and the new set's ten codes.
#[test]
fn an_expensive_hasher_runs_on_blocking_threads_exactly_as_often_as_the_policy_hashes() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let here = std::thread::current().id();
    let hasher = Recording::new(true);
    runtime.block_on(async {
        let (service, clock, app, codes) = enrolled(&hasher).await;
        let confirming = hasher.take();
        assert_eq!(confirming.len(), 10);
        assert!(confirming.iter().all(|thread| *thread != here));

        clock.advance(30);
        let code = app.generate(clock.get()).unwrap().to_string();
        service.verify("u1", &code).await.unwrap();
        assert!(service.verify("u1", "000000").await.is_err());
        assert!(service.verify("u1", "not a code").await.is_err());
        assert!(hasher.take().is_empty());

        let backup = codes.expose_code(0).unwrap();
        assert_eq!(service.verify("u1", backup).await.unwrap().via, Via::BackupCode);
        // A replayed backup code is hashed (the set's hash says it is used) and refused.
        assert!(service.verify("u1", backup).await.is_err());
        let spent = hasher.take();
        assert_eq!(spent.len(), 2);
        assert!(spent.iter().all(|thread| *thread != here));

        // Wrong backup codes until the path is throttled: each hashed once, the throttled
        // attempt not at all.
        let mut wrong = 0;
        loop {
            match service.verify("u1", "0000-0000-0000-0000").await {
                Err(twofactor::Error::WrongCode { .. }) => wrong += 1,
                Err(twofactor::Error::Throttled { .. } | twofactor::Error::Locked { .. }) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(hasher.take().len(), wrong);
        assert!(service.unlock("u1", "operator").await.unwrap());

        let regenerated = service
            .regenerate_backup_codes("u1", codes.expose_code(1).unwrap())
            .await
            .unwrap();
        assert_eq!(regenerated.backup_codes.len(), 10);
        let regenerating = hasher.take();
        assert_eq!(regenerating.len(), 11);
        assert!(regenerating.iter().all(|thread| *thread != here));
    });
}

/// A cheap hasher is called in place, on the runtime's thread, as often.
#[test]
fn a_cheap_hasher_runs_in_place() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let here = std::thread::current().id();
    let hasher = Recording::new(false);
    runtime.block_on(async {
        let (service, _clock, _app, codes) = enrolled(&hasher).await;
        service.verify("u1", codes.expose_code(3).unwrap()).await.unwrap();
        let calls = hasher.take();
        assert_eq!(calls.len(), 11);
        assert!(calls.iter().all(|thread| *thread == here));
    });
}

/// Outside a tokio runtime (here, a bare `block_on`) an expensive hasher runs in place: the
/// service needs no runtime to work.
#[test]
fn outside_a_tokio_runtime_an_expensive_hasher_runs_in_place() {
    let here = std::thread::current().id();
    let hasher = Recording::new(true);
    block_on(async {
        let (service, _clock, _app, codes) = enrolled(&hasher).await;
        service.verify("u1", codes.expose_code(3).unwrap()).await.unwrap();
    });
    let calls = hasher.take();
    assert_eq!(calls.len(), 11);
    assert!(calls.iter().all(|thread| *thread == here));
}

/// Polls `future` to completion on this thread, parking between polls; no runtime.
fn block_on<T>(future: impl Future<Output = T>) -> T {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}
