//! Codes agree with two outside implementations: `pyotp` (PyPI) and `oathtool` (OATH Toolkit,
//! Debian), on hundreds of random cases over every algorithm, digit count, period and large
//! times. `.ci/run` installs both; under `CI=true` a missing tool fails the test, elsewhere the
//! test is reported as ignored (`tests/harness/mod.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use twofactor::otp::{Algorithm, Digits, HotpParams, TotpParams};
use twofactor::{Hotp, Secret, Totp};

struct Case {
    secret: Secret,
    algorithm: Algorithm,
    digits: u8,
    /// `Some(period)` for TOTP at `moment`; `None` for HOTP at counter `moment`.
    period: Option<u64>,
    moment: u64,
}

impl Case {
    fn ours(&self) -> String {
        match self.period {
            Some(period) => {
                let params = TotpParams::builder()
                    .algorithm(self.algorithm)
                    .digits(self.digits)
                    .period(period)
                    .build()
                    .unwrap();
                Totp::new(&self.secret, params)
                    .generate(self.moment)
                    .unwrap()
                    .to_string()
            }
            None => {
                let params = HotpParams {
                    algorithm: self.algorithm,
                    digits: Digits::new(self.digits).unwrap(),
                };
                Hotp::new(&self.secret, params).generate(self.moment).to_string()
            }
        }
    }
}

fn random_cases(seed: u64, count: usize, hotp_sha1_only: bool, max_time: u64) -> Vec<Case> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let algorithm = Algorithm::ALL[i % 3];
            let len = 16 + (rng.next_u32() as usize % 49);
            let mut key = vec![0u8; len];
            rng.fill_bytes(&mut key);
            let digits = [6u8, 7, 8][i / 3 % 3];
            let totp = i % 4 != 0 || (hotp_sha1_only && algorithm != Algorithm::Sha1);
            let period = [1, 15, 30, 60, 90, 3600][rng.next_u32() as usize % 6];
            let moment = match i % 5 {
                0 => rng.next_u64() % 2_000_000_000,
                1 => (1 << 32) + rng.next_u64() % (1 << 32),
                _ => rng.next_u64() % max_time,
            };
            Case {
                secret: Secret::from_bytes(&key).unwrap(),
                algorithm,
                digits,
                period: totp.then_some(period),
                moment,
            }
        })
        .collect()
}

fn tool_missing(name: &str) {
    if common::in_ci() {
        panic!("{name} is required under CI=true (.ci/run installs it)");
    }
    eprintln!("\n!!!!! SKIPPED: {name} is not installed; run .ci/run or install it to compare codes !!!!!\n");
}

const PYOTP_SCRIPT: &str = r#"
import sys, hashlib, pyotp
for line in sys.stdin:
    secret, algo, digits, period, moment = line.split()
    digest = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}[algo]
    if period == "-":
        print(pyotp.HOTP(secret, digits=int(digits), digest=digest).at(int(moment)))
    elif int(moment) < 2**33 and int(period) <= 120:
        print(pyotp.TOTP(secret, digits=int(digits), digest=digest, interval=int(period)).at(int(moment)))
    else:
        # pyotp's TOTP takes periods up to 120 s and goes through datetime, which ends in year
        # 9999: beyond those, use its HOTP at the step.
        print(pyotp.HOTP(secret, digits=int(digits), digest=digest).at(int(moment) // int(period)))
"#;

fn codes_agree_with_pyotp() {
    if Command::new("python3")
        .args(["-c", "import pyotp"])
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        return tool_missing("pyotp");
    }
    let cases = random_cases(0x5eed, 400, false, u64::MAX / 2);
    let mut child = Command::new("python3")
        .args(["-c", PYOTP_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for case in &cases {
            let period = case.period.map_or("-".to_string(), |p| p.to_string());
            let line = format!(
                "{} {} {} {period} {}\n",
                *case.secret.to_base32(),
                case.algorithm,
                case.digits,
                case.moment
            );
            stdin.write_all(line.as_bytes()).unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let theirs: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(theirs.len(), cases.len());
    for (case, theirs) in cases.iter().zip(&theirs) {
        assert_eq!(
            &case.ours(),
            theirs,
            "{} digits {} period {:?} at {}",
            case.algorithm,
            case.digits,
            case.period,
            case.moment
        );
    }
    let hotp = cases.iter().filter(|c| c.period.is_none()).count();
    eprintln!("pyotp agrees on {} codes ({hotp} HOTP)", cases.len());
}

fn codes_agree_with_oathtool() {
    if Command::new("oathtool").arg("--version").output().is_err() {
        return tool_missing("oathtool");
    }
    // oathtool's --now takes dates up to year 9999 (about 2.5e11 s); its HOTP is SHA-1 only.
    let cases = random_cases(0x0a7, 120, true, 250_000_000_000);
    for case in &cases {
        let mut command = Command::new("oathtool");
        command.arg(format!("--digits={}", case.digits));
        match case.period {
            Some(period) => {
                command
                    .arg(format!("--totp={}", case.algorithm.as_str().to_lowercase()))
                    .arg(format!("--time-step-size={period}s"))
                    .arg(format!("--now=@{}", case.moment));
            }
            None => {
                command.arg("--hotp").arg(format!("--counter={}", case.moment));
            }
        }
        let output = command
            .arg("--base32")
            .arg(case.secret.to_base32().as_str())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let theirs = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            case.ours(),
            theirs.trim(),
            "{} {:?} at {}",
            case.algorithm,
            case.period,
            case.moment
        );
    }
    eprintln!("oathtool agrees on {} codes", cases.len());
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![
        trial!(Pyotp, fn codes_agree_with_pyotp),
        trial!(Oathtool, fn codes_agree_with_oathtool),
    ]
}
