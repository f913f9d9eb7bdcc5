//! Verification through the service (`TwoFactor::verify` over `MemoryStore`) beside the bare
//! core (`Totp::verify`), in one run. The bar: the service costs at most 2× the core.
//!
//! `cargo bench --bench service`. Both sides verify typed input over the default window (three
//! candidates, SHA-1, 6 digits):
//!
//! * **match**: every iteration is a real acceptance of a fresh step — the core is given the
//!   previous step as its replay bound, the service's clock moves one step per iteration — so
//!   the service pays for the whole flow: load (a clone of the record), keying the HMAC from the
//!   stored secret, the decision, a new record with the spent step, and the compare-and-swap.
//! * **miss**: a wrong code; the service also counts the failure and writes it. The bench's
//!   policy allows 99 free failures, and the counters are reset (untimed) every 90 attempts, so
//!   every timed attempt is checked rather than refused unchecked.
//!
//! With `--features seal` the same cases run again over a service that keeps the secret sealed
//! (`TwoFactor::with_keyring`): each verification then also opens the sealed secret
//! (XChaCha20-Poly1305) and keys the HMAC from it; the sealed value is reused when written back.
//! No bar; the ratio shows what sealing costs.
//!
//! Group `remembered`: a sign-in on a remembered device (`TwoFactor::verify_remembered` over
//! `MemoryStore`, each a real acceptance that writes the device's last use) beside a code's
//! (`service_verify_match` above, on a service of its own whose clock moves a step per
//! iteration). The token's cost is an HMAC-SHA-256 over ~60 bytes, base64url decoding and the
//! same load and compare-and-swap; no TOTP candidates. No bar; the ratio is printed.
//!
//! Criterion measures each case on its own; then (with `--bench`) paired rounds time a batch of
//! core verifications and a batch of service verifications back to back, alternating which goes
//! first, and print the median of the per-round ratios, which cancels the shared machine's drift.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::Criterion;
use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeKey, NoChallengeKey};
use twofactor::otp::Window;
use twofactor::policy::{Policy, ThrottlePolicy};
use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};

const USER: &str = "bench-user";
const START: u64 = 1_700_000_010;
const PERIOD: u64 = 30;
/// Wrong attempts between two (untimed) resets of the counters: fewer than the free failures.
const MISS_CHUNK: u64 = 90;
/// Codes computed ahead (untimed) for the matching case.
const MATCH_CHUNK: u64 = 1024;
const MAX_RATIO: f64 = 2.0;

/// Polls, pinned where it was made, a future that is ready at once, as every `MemoryStore`
/// future is: the bench measures the service, not an executor.
fn poll_once<F: Future>(future: Pin<&mut F>) -> F::Output {
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a MemoryStore future was not ready"),
    }
}

macro_rules! ready {
    ($future:expr) => {
        poll_once(pin!($future))
    };
}

struct Bench {
    totp: Totp,
    clock: ManualClock,
    service: TwoFactor<MemoryStore, ManualClock, NoChallengeKey>,
    /// The next fresh step for the core and for the service.
    core_step: u64,
    service_step: u64,
    wrong: String,
}

impl Bench {
    fn new(sealed: bool) -> Self {
        let clock = ManualClock::new(START);
        let lenient = ThrottlePolicy::builder()
            .free_failures(99)
            .lock_after(100)
            .build()
            .unwrap();
        let config = Config::builder("Bench")
            .hasher(HmacHasher::new(1, &[1; 32]).unwrap())
            .policy(Policy::builder().code_throttle(lenient).build().unwrap())
            .build()
            .unwrap();
        let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
        #[cfg(feature = "seal")]
        let service = if sealed {
            let key = twofactor::seal::SealingKey::new(1, &[9; 32]).unwrap();
            service.with_keyring(twofactor::seal::Keyring::new(key))
        } else {
            service
        };
        #[cfg(not(feature = "seal"))]
        assert!(!sealed, "sealing needs the `seal` feature");
        let enrollment = ready!(service.begin_enrollment(USER, "bench")).unwrap();
        let totp = Totp::new(&enrollment.secret, service.config().params());
        let code = totp.generate(START).unwrap().to_string();
        ready!(service.confirm_enrollment(USER, &code)).unwrap();
        let step = START / PERIOD;
        let window: Vec<String> = (step - 1..=step + 1)
            .map(|s| totp.generate_at_step(s).to_string())
            .collect();
        let wrong = (0..)
            .map(|n| format!("{n:06}"))
            .find(|c| !window.contains(c))
            .unwrap();
        Self {
            totp,
            clock,
            service,
            core_step: step + 1,
            service_step: step + 1,
            wrong,
        }
    }

    fn codes(&self, first: u64, count: u64) -> Vec<String> {
        (first..first + count)
            .map(|step| self.totp.generate_at_step(step).to_string())
            .collect()
    }

    fn core_match(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let count = left.min(MATCH_CHUNK);
            let first = self.core_step;
            let codes = self.codes(first, count);
            let start = Instant::now();
            for (step, code) in (first..).zip(&codes) {
                let found = self
                    .totp
                    .verify(black_box(code), step * PERIOD, Window::DEFAULT, Some(step - 1));
                assert!(black_box(found).is_ok());
            }
            total += start.elapsed();
            self.core_step += count;
            left -= count;
        }
        total
    }

    fn service_match(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let count = left.min(MATCH_CHUNK);
            let first = self.service_step;
            let codes = self.codes(first, count);
            let start = Instant::now();
            for (step, code) in (first..).zip(&codes) {
                self.clock.set(step * PERIOD);
                let verified = ready!(self.service.verify(USER, black_box(code)));
                assert!(black_box(verified).is_ok());
            }
            total += start.elapsed();
            self.service_step += count;
            left -= count;
        }
        total
    }

    fn core_miss(&self, iters: u64) -> Duration {
        let now = self.clock.get();
        let start = Instant::now();
        for _ in 0..iters {
            let found = self
                .totp
                .verify(black_box(&self.wrong), now, Window::DEFAULT, None);
            assert!(black_box(found).is_err());
        }
        start.elapsed()
    }

    fn service_miss(&self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let count = left.min(MISS_CHUNK);
            ready!(self.service.unlock(USER, "operator")).unwrap();
            let start = Instant::now();
            for _ in 0..count {
                let refused = ready!(self.service.verify(USER, black_box(&self.wrong)));
                assert!(matches!(
                    black_box(refused),
                    Err(twofactor::Error::WrongCode { .. })
                ));
            }
            total += start.elapsed();
            left -= count;
        }
        total
    }
}

/// A remembered device's sign-ins, on a service with challenge keys whose clock stays put (the
/// device stays remembered however many iterations criterion runs).
struct Remembered {
    service: TwoFactor<MemoryStore, ManualClock>,
    token: String,
}

impl Remembered {
    fn new() -> Self {
        let clock = ManualClock::new(START);
        let config = Config::builder("Bench")
            .hasher(HmacHasher::new(1, &[1; 32]).unwrap())
            .build()
            .unwrap();
        let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
            .with_challenge_key(ChallengeKey::new(1, &[3; 32]).unwrap());
        let enrollment = ready!(service.begin_enrollment(USER, "bench")).unwrap();
        let totp = Totp::new(&enrollment.secret, service.config().params());
        let code = totp.generate(START).unwrap().to_string();
        ready!(service.confirm_enrollment(USER, &code)).unwrap();
        let token = ready!(service.remember_device(USER, "Bench browser")).unwrap();
        Self {
            service,
            token: token.as_str().to_owned(),
        }
    }

    fn verify(&self, iters: u64) -> Duration {
        let start = Instant::now();
        for _ in 0..iters {
            let signed_in = ready!(self.service.verify_remembered(USER, black_box(&self.token)));
            assert!(black_box(signed_in).is_ok());
        }
        start.elapsed()
    }
}

fn remembered_cases(criterion: &mut Criterion, code: &mut Bench, remembered: &Remembered) {
    let mut group = criterion.benchmark_group("remembered");
    group.bench_function("service_verify_match", |b| {
        b.iter_custom(|iters| code.service_match(iters));
    });
    group.bench_function("service_verify_remembered", |b| {
        b.iter_custom(|iters| remembered.verify(iters));
    });
    group.finish();
}

/// Paired rounds of code sign-ins and remembered-device sign-ins, as [`paired`].
fn paired_remembered(code: &mut Bench, remembered: &Remembered, rounds: usize, batch: u64) {
    let mut ratios = Vec::with_capacity(rounds);
    let (mut code_total, mut device_total) = (0.0, 0.0);
    for round in 0..rounds {
        let (by_code, by_device) = if round % 2 == 0 {
            let by_code = code.service_match(batch).as_secs_f64();
            (by_code, remembered.verify(batch).as_secs_f64())
        } else {
            let by_device = remembered.verify(batch).as_secs_f64();
            (code.service_match(batch).as_secs_f64(), by_device)
        };
        code_total += by_code;
        device_total += by_device;
        ratios.push(by_device / by_code);
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let per = |total: f64| total / (rounds as f64 * batch as f64) * 1e6;
    println!(
        "paired remembered  verify (code): {:.3} µs  verify_remembered: {:.3} µs  ratio remembered/code: \
         median {median:.3} (min {:.3}, max {:.3}) over {rounds} rounds of {batch}  (no bar)",
        per(code_total),
        per(device_total),
        ratios[0],
        ratios[ratios.len() - 1],
    );
}

fn criterion_cases(criterion: &mut Criterion, bench: &mut Bench, name: &str) {
    let mut group = criterion.benchmark_group(name);
    group.bench_function("core_totp_verify_match", |b| {
        b.iter_custom(|iters| bench.core_match(iters));
    });
    group.bench_function("service_verify_match", |b| {
        b.iter_custom(|iters| bench.service_match(iters));
    });
    group.bench_function("core_totp_verify_miss", |b| {
        b.iter_custom(|iters| bench.core_miss(iters));
    });
    group.bench_function("service_verify_miss", |b| {
        b.iter_custom(|iters| bench.service_miss(iters));
    });
    group.finish();
}

fn paired(bench: &mut Bench, label: &str, rounds: usize, batch: u64, matching: bool) {
    let mut ratios = Vec::with_capacity(rounds);
    let (mut core_total, mut service_total) = (0.0, 0.0);
    for round in 0..rounds {
        let time_core = |bench: &mut Bench| {
            if matching {
                bench.core_match(batch)
            } else {
                bench.core_miss(batch)
            }
            .as_secs_f64()
        };
        let time_service = |bench: &mut Bench| {
            if matching {
                bench.service_match(batch)
            } else {
                bench.service_miss(batch)
            }
            .as_secs_f64()
        };
        let (core, service) = if round % 2 == 0 {
            let core = time_core(bench);
            (core, time_service(bench))
        } else {
            let service = time_service(bench);
            (time_core(bench), service)
        };
        core_total += core;
        service_total += service;
        ratios.push(service / core);
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let per = |total: f64| total / (rounds as f64 * batch as f64) * 1e6;
    println!(
        "paired {label:<5} core: {:.3} µs  service: {:.3} µs  ratio service/core: median {median:.3} \
         (min {:.3}, max {:.3}) over {rounds} rounds of {batch}  {}",
        per(core_total),
        per(service_total),
        ratios[0],
        ratios[ratios.len() - 1],
        if label.starts_with("sealed") {
            "(no bar)"
        } else if median <= MAX_RATIO {
            "ok (<= 2)"
        } else {
            "OVER THE 2x BAR"
        },
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let mut bench = Bench::new(false);
    criterion_cases(&mut criterion, &mut bench, "service");
    #[cfg(feature = "seal")]
    let mut sealed = Bench::new(true);
    #[cfg(feature = "seal")]
    criterion_cases(&mut criterion, &mut sealed, "service_sealed");
    let mut code = Bench::new(false);
    let remembered = Remembered::new();
    remembered_cases(&mut criterion, &mut code, &remembered);
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and only checks that
    // each benchmark runs.
    if std::env::args().any(|arg| arg == "--bench") {
        // Short batches (about a millisecond each) so that the two halves of a round share the
        // machine's conditions; many rounds so that the median is stable.
        paired(&mut bench, "match", 301, 1_000, true);
        paired(&mut bench, "miss", 301, 1_000, false);
        #[cfg(feature = "seal")]
        {
            paired(&mut sealed, "sealed match", 301, 1_000, true);
            paired(&mut sealed, "sealed miss", 301, 1_000, false);
        }
        paired_remembered(&mut code, &remembered, 301, 1_000);
    }
}
