//! What several authenticators cost a verification: `TwoFactor::verify` over `MemoryStore` for
//! users holding 1, 2 and 3 authenticators, in one run.
//!
//! `cargo bench --bench authenticators`. Every typed code is compared with every authenticator's
//! window (three candidates each, SHA-1, 6 digits), whatever matches, so the code work grows as
//! the number of authenticators; the rest of a verification (the load, the decision, the
//! compare-and-swap) does not. The case timed is a **miss** — a wrong code, compared with every
//! window and counted as a failure (the policy allows 99 free failures, and an operator's unlock,
//! untimed, clears the counters every 90 attempts) — because a miss is what a guesser pays for,
//! and it costs the same in every round.
//!
//! Criterion measures each case on its own; then (with `--bench`) paired rounds time a batch for
//! each user back to back, rotating which goes first, and print the median per-round ratio to
//! the one-authenticator user, which cancels the shared machine's drift. Expect a ratio below
//! `N`: only the code work is multiplied.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::Criterion;
use twofactor::backup::HmacHasher;
use twofactor::challenge::NoChallengeKey;
use twofactor::policy::{Policy, ThrottlePolicy};
use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};

const START: u64 = 1_700_000_010;
/// Wrong attempts between two (untimed) unlocks: fewer than the free failures.
const MISS_CHUNK: u64 = 90;

type Service = TwoFactor<MemoryStore, ManualClock, NoChallengeKey>;

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
    service: Service,
    /// A code no authenticator of any user has near the bench's time.
    wrong: String,
}

/// The user holding `count` authenticators.
fn user(count: usize) -> String {
    format!("user-{count}")
}

impl Bench {
    fn new() -> Self {
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
        let mut apps = Vec::new();
        for count in 1..=3 {
            let user = user(count);
            let enrollment = ready!(service.begin_enrollment(&user, "bench")).unwrap();
            let mut app = Totp::new(&enrollment.secret, service.config().params());
            let code = app.generate(clock.get()).unwrap().to_string();
            let confirmed = ready!(service.confirm_enrollment(&user, &code)).unwrap();
            apps.push(app.clone());
            for added in 1..count {
                let proof = confirmed.backup_codes.expose_code(added).unwrap().to_owned();
                let label = format!("Authenticator {added}");
                let adding =
                    ready!(service.begin_adding_authenticator(&user, &label, "bench", &proof)).unwrap();
                app = Totp::new(&adding.secret, service.config().params());
                let code = app.generate(clock.get()).unwrap().to_string();
                ready!(service.confirm_enrollment(&user, &code)).unwrap();
                apps.push(app.clone());
            }
            assert_eq!(ready!(service.authenticators(&user)).unwrap().len(), count);
        }
        let step = clock.get() / 30;
        let near: Vec<String> = apps
            .iter()
            .flat_map(|app| (step - 2..=step + 2).map(|s| app.generate_at_step(s).to_string()))
            .collect();
        let wrong = (0..)
            .map(|n| format!("{n:06}"))
            .find(|c| !near.contains(c))
            .unwrap();
        Self { service, wrong }
    }

    fn miss(&self, count: usize, iters: u64) -> Duration {
        let user = user(count);
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let chunk = left.min(MISS_CHUNK);
            let start = Instant::now();
            for _ in 0..chunk {
                let refused = ready!(self.service.verify(&user, black_box(&self.wrong)));
                assert!(black_box(refused).is_err());
            }
            total += start.elapsed();
            ready!(self.service.unlock(&user, "bench")).unwrap();
            left -= chunk;
        }
        total
    }
}

fn paired(bench: &Bench, rounds: usize, batch: u64) {
    let mut ratios = [Vec::with_capacity(rounds), Vec::with_capacity(rounds)];
    let mut totals = [0.0; 3];
    for round in 0..rounds {
        let mut times = [0.0; 3];
        for offset in 0..3 {
            let index = (round + offset) % 3;
            times[index] = bench.miss(index + 1, batch).as_secs_f64();
        }
        for (total, time) in totals.iter_mut().zip(times) {
            *total += time;
        }
        ratios[0].push(times[1] / times[0]);
        ratios[1].push(times[2] / times[0]);
    }
    let per = |total: f64| total / (rounds as f64 * batch as f64) * 1e6;
    println!(
        "paired verify miss: 1 authenticator {:.3} µs, 2: {:.3} µs, 3: {:.3} µs",
        per(totals[0]),
        per(totals[1]),
        per(totals[2])
    );
    for (index, ratios) in ratios.iter_mut().enumerate() {
        ratios.sort_by(f64::total_cmp);
        println!(
            "paired ratio {} / 1 authenticators: median {:.3} (min {:.3}, max {:.3}) over {rounds} rounds of {batch}",
            index + 2,
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let bench = Bench::new();
    let mut group = criterion.benchmark_group("authenticators");
    for count in 1..=3 {
        group.bench_function(format!("verify_miss_{count}"), |b| {
            b.iter_custom(|iters| bench.miss(count, iters));
        });
    }
    group.finish();
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and only checks that
    // each benchmark runs.
    if std::env::args().any(|arg| arg == "--bench") {
        paired(&bench, 201, 1_000);
    }
}
