//! The OTP core against its floor (the raw compression function) and against totp-rs, in one run.
//!
//! `cargo bench --bench otp`. See BENCHMARKS.md for the figures and the bars they must meet.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use twofactor::otp::{Algorithm, TotpParams, Window};
use twofactor::{Secret, Totp};

const KEY_SHA1: &[u8] = b"12345678901234567890";
const KEY_SHA256: &[u8] = b"12345678901234567890123456789012";
const KEY_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";
const NOW: u64 = 1_111_111_109;

fn key(algorithm: Algorithm) -> &'static [u8] {
    match algorithm {
        Algorithm::Sha1 => KEY_SHA1,
        Algorithm::Sha256 => KEY_SHA256,
        Algorithm::Sha512 => KEY_SHA512,
        other => panic!("no RFC 6238 key for {other:?}"),
    }
}

fn name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Sha1 => "sha1",
        Algorithm::Sha256 => "sha256",
        Algorithm::Sha512 => "sha512",
        other => panic!("no name for {other:?}"),
    }
}

fn ours(algorithm: Algorithm) -> Totp {
    let secret = Secret::from_bytes(key(algorithm)).unwrap();
    Totp::new(
        &secret,
        TotpParams::builder().algorithm(algorithm).build().unwrap(),
    )
}

fn theirs(algorithm: Algorithm) -> totp_rs::Totp {
    let algorithm = match algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
        other => panic!("totp-rs has no {other:?}"),
    };
    totp_rs::Builder::new()
        .with_algorithm(algorithm)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(key_for(algorithm).to_vec())
        .build()
        .unwrap()
}

fn key_for(algorithm: totp_rs::Algorithm) -> &'static [u8] {
    match algorithm {
        totp_rs::Algorithm::SHA256 => KEY_SHA256,
        totp_rs::Algorithm::SHA512 => KEY_SHA512,
        _ => KEY_SHA1,
    }
}

/// The floor: one block through the compression function, `calls` times, as HMAC does it.
fn floor(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    let block64 = [[0x5au8; 64]];
    let block128 = [[0x5au8; 128]];
    for calls in [2usize, 6] {
        group.bench_function(format!("sha1_compress_x{calls}"), |b| {
            b.iter(|| {
                let mut state = [0x6745_2301u32, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0];
                for _ in 0..calls {
                    sha1::block_api::compress(&mut state, black_box(&block64));
                }
                state
            });
        });
        group.bench_function(format!("sha256_compress_x{calls}"), |b| {
            b.iter(|| {
                let mut state = [0x6a09_e667u32; 8];
                for _ in 0..calls {
                    sha2::block_api::compress256(&mut state, black_box(&block64));
                }
                state
            });
        });
        group.bench_function(format!("sha512_compress_x{calls}"), |b| {
            b.iter(|| {
                let mut state = [0x6a09_e667_f3bc_c908u64; 8];
                for _ in 0..calls {
                    sha2::block_api::compress512(&mut state, black_box(&block128));
                }
                state
            });
        });
    }
    group.finish();
}

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    for algorithm in Algorithm::ALL {
        let totp = ours(algorithm);
        group.bench_function(format!("twofactor_{}", name(algorithm)), |b| {
            b.iter(|| totp.generate(black_box(NOW)).unwrap());
        });
        let other = theirs(algorithm);
        group.bench_function(format!("totp_rs_{}", name(algorithm)), |b| {
            b.iter(|| other.generate(black_box(NOW)));
        });
    }
    group.finish();
}

/// A ±1 window (three candidates): a code of the current step, and a wrong code.
fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    for algorithm in Algorithm::ALL {
        let totp = ours(algorithm);
        let good = totp.generate(NOW).unwrap().to_string();
        let bad = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(totp.verify(&bad, NOW, Window::DEFAULT, None).is_err());
        let other = theirs(algorithm);
        assert!(other.check(&good, NOW).is_some() && other.check(&bad, NOW).is_none());
        for (case, input) in [("match", &good), ("miss", &bad)] {
            group.bench_function(format!("twofactor_{}_{case}", name(algorithm)), |b| {
                b.iter(|| totp.verify(black_box(input), black_box(NOW), Window::DEFAULT, None));
            });
            group.bench_function(format!("totp_rs_{}_{case}", name(algorithm)), |b| {
                b.iter(|| other.check(black_box(input), black_box(NOW)));
            });
        }
    }
    group.finish();
}

/// Paired ratios: A and B timed in alternating short batches, in alternating order, and the
/// median of the per-round ratios reported with its interquartile range. On a shared, noisy
/// machine this is far steadier than the ratio of two separately measured criterion means,
/// because both sides of every round see the same load.
fn paired(name: &str, bar: &str, mut a: impl FnMut(), mut b: impl FnMut()) {
    const ROUNDS: usize = 301;
    fn batch(f: &mut impl FnMut(), iterations: u32) -> f64 {
        let start = Instant::now();
        for _ in 0..iterations {
            f();
        }
        start.elapsed().as_secs_f64() / f64::from(iterations)
    }
    // Size a batch to about 50 µs of B.
    let per_call = batch(&mut b, 10_000);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a positive batch size; `as` saturates, and the clamp bounds it"
    )]
    let iterations = ((50e-6 / per_call) as u32).clamp(10, 100_000);
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (ta, tb) = if round % 2 == 0 {
            let ta = batch(&mut a, iterations);
            (ta, batch(&mut b, iterations))
        } else {
            let tb = batch(&mut b, iterations);
            (batch(&mut a, iterations), tb)
        };
        ratios.push(ta / tb);
    }
    ratios.sort_by(f64::total_cmp);
    let (q1, median, q3) = (ratios[ROUNDS / 4], ratios[ROUNDS / 2], ratios[3 * ROUNDS / 4]);
    println!("paired {name:<44} {median:>6.3}  (IQR {q1:.3}–{q3:.3})  bar: {bar}");
}

fn compress_x(calls: usize) -> impl FnMut() {
    let block64 = [[0x5au8; 64]];
    move || {
        let mut state = [0x6745_2301u32, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0];
        for _ in 0..calls {
            sha1::block_api::compress(&mut state, black_box(&block64));
        }
        black_box(state);
    }
}

/// One verification, out of line: every ratio that compares two inputs (a matching and a wrong
/// code) runs this same machine code for both, so that the ratio measures the input and not where
/// the compiler happened to place two inlined copies of `verify`.
#[inline(never)]
fn verify_once(totp: &Totp, input: &str) {
    black_box(
        totp.verify(black_box(input), black_box(NOW), Window::DEFAULT, None)
            .ok(),
    );
}

fn ratios(_: &mut Criterion) {
    println!("\nPaired ratios (A / B, median of {} rounds):", 301);
    let sha1 = ours(Algorithm::Sha1);
    paired(
        "sha1 generate / 2 compressions",
        "information",
        || {
            black_box(sha1.generate(black_box(NOW)).ok());
        },
        compress_x(2),
    );
    let good = sha1.generate(NOW).unwrap().to_string();
    let bad = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
    for (case, input) in [("match", &good), ("miss", &bad)] {
        paired(
            &format!("sha1 verify ±1 {case} / 6 compressions"),
            "<= 1.8",
            || verify_once(&sha1, input),
            compress_x(6),
        );
    }
    for algorithm in Algorithm::ALL {
        let totp = ours(algorithm);
        let other = theirs(algorithm);
        let good = totp.generate(NOW).unwrap().to_string();
        let bad = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
        let alg = name(algorithm);
        paired(
            &format!("{alg} verify match / verify miss"),
            "0.95–1.05",
            || verify_once(&totp, &good),
            || verify_once(&totp, &bad),
        );
        paired(
            &format!("{alg} totp-rs generate / twofactor generate"),
            ">= 1.5",
            || {
                black_box(other.generate(black_box(NOW)));
            },
            || {
                black_box(totp.generate(black_box(NOW)).ok());
            },
        );
        for (case, input) in [("match", &good), ("miss", &bad)] {
            paired(
                &format!("{alg} totp-rs check / twofactor verify ({case})"),
                if case == "miss" { ">= 1.5" } else { "information" },
                || {
                    black_box(other.check(black_box(input), black_box(NOW)));
                },
                || verify_once(&totp, input),
            );
        }
    }
}

criterion_group!(benches, floor, generate, verify, ratios);
criterion_main!(benches);
