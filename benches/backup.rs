//! Backup-code lookup with 10 and 100 stored codes, for both hashers, with a matching and a
//! non-matching input.
//!
//! A lookup hashes the input once with the set's salt and compares it with every stored hash, so
//! its time must not grow with the number of codes: the 100/10 ratio must stay at or under 1.1.
//! Criterion measures each case on its own; then, because the build machine is shared and its
//! speed drifts between one measurement and the next, the ratio is also measured directly, in
//! rounds that time the 10-code and the 100-code set back to back (alternating which goes first),
//! and the median of the per-round ratios is printed.
//!
//! `cargo bench --bench backup -- --warm-up-time 1 --measurement-time 3`; figures in
//! BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use core::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::backup::{Argon2Hasher, BackupCodeSet, BackupError, CodeFormat, CodeHasher, HmacHasher};

/// A code of the default format that the seeded sets below do not contain (checked).
const ABSENT: &str = "0000-0000-0000-0000";
const COUNTS: [usize; 2] = [10, 100];
/// The bar: a lookup in 100 codes costs at most 10% more than in 10.
const MAX_RATIO: f64 = 1.1;

/// A set of `count` codes (two of them used) and its last code, which is unused.
struct Case {
    count: usize,
    set: BackupCodeSet,
    matching: String,
}

impl Case {
    fn new(count: usize, hasher: &dyn CodeHasher) -> Self {
        let format = CodeFormat::builder().count(count).build().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(count as u64);
        let (codes, mut set) = BackupCodeSet::generate_with_rng(&mut rng, &format, hasher).unwrap();
        set.mark_used(0, 1_700_000_000).unwrap();
        set.mark_used(1, 1_700_000_100).unwrap();
        let matching = codes.expose_code(count - 1).unwrap().to_owned();
        assert_eq!(set.verify(&matching, hasher), Ok(count - 1));
        assert_eq!(set.verify(ABSENT, hasher), Err(BackupError::Mismatch));
        Self { count, set, matching }
    }

    fn input(&self, matching: bool) -> &str {
        if matching { &self.matching } else { ABSENT }
    }
}

struct Subject<'a> {
    name: &'static str,
    hasher: &'a dyn CodeHasher,
    cases: Vec<Case>,
    sample_size: usize,
    /// Lookups per timed batch and rounds of the paired ratio measurement.
    batch: u32,
    rounds: usize,
}

fn criterion_lookups(criterion: &mut Criterion, subject: &Subject<'_>) {
    let mut group = criterion.benchmark_group(format!("backup_lookup/{}", subject.name));
    group.sample_size(subject.sample_size);
    for case in &subject.cases {
        for (label, matching) in [("match", true), ("miss", false)] {
            let input = case.input(matching);
            group.bench_with_input(BenchmarkId::new(label, case.count), &case.count, |b, _| {
                b.iter(|| case.set.verify(black_box(input), subject.hasher));
            });
        }
    }
    group.finish();
}

fn time_batch(subject: &Subject<'_>, case: &Case, matching: bool) -> f64 {
    let input = case.input(matching);
    let start = Instant::now();
    for _ in 0..subject.batch {
        let _ = black_box(case.set.verify(black_box(input), subject.hasher));
    }
    start.elapsed().as_secs_f64() / f64::from(subject.batch)
}

fn paired_ratios(subject: &Subject<'_>) {
    let [small, large] = [&subject.cases[0], &subject.cases[1]];
    for (label, matching) in [("match", true), ("miss", false)] {
        let mut ratios = Vec::with_capacity(subject.rounds);
        let (mut small_total, mut large_total) = (0.0, 0.0);
        for round in 0..subject.rounds {
            let (t_small, t_large) = if round % 2 == 0 {
                let s = time_batch(subject, small, matching);
                (s, time_batch(subject, large, matching))
            } else {
                let l = time_batch(subject, large, matching);
                (time_batch(subject, small, matching), l)
            };
            small_total += t_small;
            large_total += t_large;
            ratios.push(t_large / t_small);
        }
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        let rounds = subject.rounds as f64;
        println!(
            "paired {:<17} {:<5} 10: {:>12}  100: {:>12}  ratio 100/10: median {:.3} (min {:.3}, max {:.3}) over {} rounds of {}  {}",
            subject.name,
            label,
            human(small_total / rounds),
            human(large_total / rounds),
            median,
            ratios[0],
            ratios[ratios.len() - 1],
            subject.rounds,
            subject.batch,
            if median <= MAX_RATIO {
                "ok (<= 1.1)"
            } else {
                "OVER THE 1.1 BAR"
            },
        );
    }
}

fn human(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.3} µs", seconds * 1e6)
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let hmac = HmacHasher::new(1, &[0x42; 32]).unwrap();
    let argon2 = Argon2Hasher::default();
    let subjects = [
        Subject {
            name: "hmac_sha256",
            hasher: &hmac,
            cases: COUNTS.iter().map(|&count| Case::new(count, &hmac)).collect(),
            sample_size: 100,
            batch: 20_000,
            rounds: 51,
        },
        Subject {
            name: "argon2id_default",
            hasher: &argon2,
            cases: COUNTS.iter().map(|&count| Case::new(count, &argon2)).collect(),
            sample_size: 20,
            batch: 4,
            rounds: 25,
        },
    ];
    for subject in &subjects {
        criterion_lookups(&mut criterion, subject);
    }
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and only checks that
    // each benchmark runs.
    if std::env::args().any(|arg| arg == "--bench") {
        for subject in &subjects {
            paired_ratios(subject);
        }
    }
}
