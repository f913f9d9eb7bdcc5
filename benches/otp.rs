//! The OTP core against its floor (the raw compression function) and against totp-rs, in one run.
//!
//! `cargo bench --bench otp`. See BENCHMARKS.md for the figures and the bars they must meet.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use twofactor::{Algorithm, Secret, Totp, TotpParams, Window};

const KEY_SHA1: &[u8] = b"12345678901234567890";
const KEY_SHA256: &[u8] = b"12345678901234567890123456789012";
const KEY_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";
const NOW: u64 = 1_111_111_109;

fn key(algorithm: Algorithm) -> &'static [u8] {
    match algorithm {
        Algorithm::Sha1 => KEY_SHA1,
        Algorithm::Sha256 => KEY_SHA256,
        Algorithm::Sha512 => KEY_SHA512,
    }
}

fn name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Sha1 => "sha1",
        Algorithm::Sha256 => "sha256",
        Algorithm::Sha512 => "sha512",
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

criterion_group!(benches, floor, generate, verify);
criterion_main!(benches);
