//! The probe that `.ci/ct-check` runs under valgrind to count the instructions of a verification.
//!
//! `ct_probe list` prints the cases, one a line: `suite case outcome`. `ct_probe run SUITE CASE`
//! builds the case's inputs, then calls the suite's measured function exactly once and prints the
//! outcome; it exits non-zero if the outcome is not the one the case expects, so that a case that
//! does not test what its name says fails rather than passes. `ct_probe symbols SUITE` prints the
//! two functions whose instructions the check counts:
//!
//! * the **core**, a function of the crate that computes and compares every candidate: its count
//!   must be the same in every case of the suite, whichever candidate matched, or none, however
//!   many digits were right, or whether the match was a replay;
//! * the **call**, the probe's wrapper around the public function an application calls: its count
//!   may differ only between outcomes (accepted, mismatch, replay, used, expired), which the
//!   caller is told anyway, never between cases with the same outcome.
//!
//! A suite is one function returning a [`Suite`], listed by name in [`suites`]: TOTP (with and
//! without a replay bound), HOTP, backup codes, and the login-challenge token (in [`challenge`]).
//! `run` builds only the suite it runs, so that no other suite's setup (an enrollment verifies a
//! code, say) adds to the counts.

mod challenge;

use std::hint::black_box;
use std::process::ExitCode;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
use twofactor::otp::{HotpParams, OtpError, TotpParams, Window};
use twofactor::{Hotp, Secret, Totp};

/// What a verification answered, as the class the check groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Mismatch,
    Replay,
    Used,
    Expired,
    /// A refusal the case did not mean to reach (a malformed token, say).
    Other,
}

impl Outcome {
    fn of<T>(result: &Result<T, OtpError>) -> Self {
        match result {
            Ok(_) => Self::Accepted,
            Err(OtpError::Replay) => Self::Replay,
            Err(_) => Self::Mismatch,
        }
    }

    fn of_backup(result: &Result<usize, BackupError>) -> Self {
        match result {
            Ok(_) => Self::Accepted,
            Err(BackupError::Used) => Self::Used,
            Err(_) => Self::Mismatch,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Mismatch => "mismatch",
            Self::Replay => "replay",
            Self::Used => "used",
            Self::Expired => "expired",
            Self::Other => "other",
        }
    }
}

/// One input to verify: its name, the outcome it must have, and the one measured call.
struct Case {
    name: String,
    expect: Outcome,
    run: Box<dyn Fn() -> (Outcome, String)>,
}

/// A verification to measure: the function names valgrind toggles collection on, and its cases.
struct Suite {
    core: &'static str,
    call: &'static str,
    cases: Vec<Case>,
}

/// What builds a suite: its inputs and the expected outcomes.
type Build = fn() -> Suite;

/// Every suite, by name, built only when asked for.
fn suites() -> Vec<(&'static str, Build)> {
    vec![
        ("totp", || totp_suite(false)),
        ("totp-first-use", || totp_suite(true)),
        ("totp-resync", resync_suite),
        ("hotp", hotp_suite),
        ("backup", backup_suite),
        ("challenge", challenge::challenge_suite),
    ]
}

/// The secret of RFC 4226 Appendix D.
fn secret() -> Secret {
    Secret::from_bytes(b"12345678901234567890").expect("a 160-bit secret")
}

/// `code` with the digit at `index` changed, so that exactly the digits before it are right,
/// and changed to a value that matches none of `avoid`.
fn wrong_from(code: &str, index: usize, avoid: &[String]) -> String {
    let mut digits: Vec<u8> = code.bytes().collect();
    let right = digits[index];
    for step in 1..10 {
        digits[index] = b'0' + (right - b'0' + step) % 10;
        let candidate = String::from_utf8(digits.clone()).expect("ASCII digits");
        if !avoid.contains(&candidate) {
            return candidate;
        }
    }
    unreachable!("nine other digits cannot all be taken by a five-code window")
}

/// A code that differs from `code` in every digit and matches none of `avoid`.
fn wrong_everywhere(code: &str, avoid: &[String]) -> String {
    (1..10)
        .map(|step| {
            code.bytes()
                .map(|d| char::from(b'0' + (d - b'0' + step) % 10))
                .collect()
        })
        .find(|candidate| !avoid.contains(candidate))
        .expect("nine shifts cannot all be taken by a five-code window")
}

#[inline(never)]
fn verify_totp(
    totp: &Totp,
    typed: &str,
    now: u64,
    window: Window,
    after: Option<u64>,
) -> Result<twofactor::otp::Match, OtpError> {
    totp.verify(typed, now, window, after)
}

#[inline(never)]
fn verify_hotp(
    hotp: &Hotp,
    typed: &str,
    counter: u64,
    look_ahead: u32,
) -> Result<twofactor::otp::HotpMatch, OtpError> {
    hotp.verify(typed, counter, look_ahead)
}

/// TOTP, SHA-1, 6 digits, a window of 2 steps on each side (5 candidates).
///
/// Whether a replay bound is given is public (it comes from the user's record, and is absent only
/// before the first login), and the compiler may handle the two cases apart, so they are two
/// suites: `totp` with the last login 3 steps ago (and the replays), `totp-first-use` without.
fn totp_suite(first_use: bool) -> Suite {
    const NOW: u64 = 1_700_000_000;
    let window = Window::new(2, 2).expect("a valid window");
    let totp = Totp::new(&secret(), TotpParams::DEFAULT);
    let current = totp.step(NOW).expect("after T0");
    let bound = (!first_use).then_some(current - 3);
    let codes: Vec<String> = (current - 2..=current + 2)
        .map(|step| totp.generate_at_step(step).to_string())
        .collect();
    assert!(
        (1..codes.len()).all(|i| !codes[..i].contains(&codes[i])),
        "the window's codes are distinct"
    );
    let case = |name: &str, expect, typed: &str, after: Option<u64>| {
        let (totp, typed) = (totp.clone(), typed.to_owned());
        Case {
            name: name.to_owned(),
            expect,
            run: Box::new(move || {
                let result = black_box(verify_totp(
                    black_box(&totp),
                    black_box(&typed),
                    black_box(NOW),
                    black_box(window),
                    black_box(after),
                ));
                (Outcome::of(&result), format!("{result:?}"))
            }),
        }
    };
    let mut cases = Vec::new();
    for (offset, code) in (-2..=2).zip(&codes) {
        cases.push(case(
            &format!("match-step{offset:+}"),
            Outcome::Accepted,
            code,
            bound,
        ));
    }
    let none = wrong_everywhere(&codes[2], &codes);
    cases.push(case("match-none", Outcome::Mismatch, &none, bound));
    let right = &codes[2];
    for leading in 0..right.len() {
        let typed = wrong_from(right, leading, &codes);
        cases.push(case(
            &format!("leading-digits-right-{leading}"),
            Outcome::Mismatch,
            &typed,
            bound,
        ));
    }
    let name = format!("leading-digits-right-{}", right.len());
    cases.push(case(&name, Outcome::Accepted, right, bound));
    if !first_use {
        // The code just accepted, offered again; an older code offered after a newer one.
        cases.push(case("replayed", Outcome::Replay, right, Some(current)));
        cases.push(case(
            "replayed-older-step",
            Outcome::Replay,
            &codes[1],
            Some(current),
        ));
    }
    Suite {
        core: "twofactor::otp::scan::compare_single",
        call: "ct_probe::verify_totp",
        cases,
    }
}

#[inline(never)]
fn resync_totp(
    totp: &Totp,
    codes: [&str; 2],
    now: u64,
    steps: u32,
    after: Option<u64>,
) -> Result<twofactor::otp::Match, OtpError> {
    totp.resync(codes[0], codes[1], now, steps, after)
}

/// TOTP resynchronisation: two consecutive codes searched 3 steps either side (8 candidates),
/// the last login 6 steps ago.
fn resync_suite() -> Suite {
    const NOW: u64 = 1_700_000_000;
    const STEPS: u32 = 3;
    let totp = Totp::new(&secret(), TotpParams::DEFAULT);
    let current = totp.step(NOW).expect("after T0");
    let bound = Some(current - 6);
    let code = |offset: i64| {
        let step = current.checked_add_signed(offset).expect("a valid step");
        totp.generate_at_step(step).to_string()
    };
    let window: Vec<String> = (-3..=4).map(code).collect();
    assert!(
        (1..window.len()).all(|i| !window[..i].contains(&window[i])),
        "the window's codes are distinct"
    );
    let case = |name: &str, expect, first: &str, second: &str, after: Option<u64>| {
        let (totp, first, second) = (totp.clone(), first.to_owned(), second.to_owned());
        Case {
            name: name.to_owned(),
            expect,
            run: Box::new(move || {
                let result = black_box(resync_totp(
                    black_box(&totp),
                    black_box([&first, &second]),
                    black_box(NOW),
                    black_box(STEPS),
                    black_box(after),
                ));
                (Outcome::of(&result), format!("{result:?}"))
            }),
        }
    };
    let mut cases = Vec::new();
    for offset in -2..=4 {
        let name = format!("pair-ending-step{offset:+}");
        cases.push(case(
            &name,
            Outcome::Accepted,
            &code(offset - 1),
            &code(offset),
            bound,
        ));
    }
    let (a, b) = (code(0), code(1));
    let none = (wrong_everywhere(&a, &window), wrong_everywhere(&b, &window));
    cases.push(case("match-none", Outcome::Mismatch, &none.0, &none.1, bound));
    cases.push(case("first-right-only", Outcome::Mismatch, &a, &none.1, bound));
    cases.push(case("second-right-only", Outcome::Mismatch, &none.0, &b, bound));
    cases.push(case("swapped", Outcome::Mismatch, &b, &a, bound));
    cases.push(case("replayed", Outcome::Replay, &code(-1), &a, Some(current)));
    Suite {
        core: "twofactor::otp::scan::compare_pair",
        call: "ct_probe::resync_totp",
        cases,
    }
}

/// HOTP, SHA-1, 6 digits, the next expected counter 1000 and a look-ahead of 4 (5 candidates).
fn hotp_suite() -> Suite {
    const COUNTER: u64 = 1000;
    const LOOK_AHEAD: u32 = 4;
    let hotp = Hotp::new(&secret(), HotpParams::default());
    let code = |counter: u64| -> String { hotp.generate(counter).to_string() };
    let codes: Vec<String> = (COUNTER..=COUNTER + u64::from(LOOK_AHEAD)).map(code).collect();
    assert!(
        (1..codes.len()).all(|i| !codes[..i].contains(&codes[i])),
        "the window's codes are distinct"
    );
    let case = |name: &str, expect, typed: &str| {
        let (hotp, typed) = (hotp.clone(), typed.to_owned());
        Case {
            name: name.to_owned(),
            expect,
            run: Box::new(move || {
                let result = black_box(verify_hotp(
                    black_box(&hotp),
                    black_box(&typed),
                    black_box(COUNTER),
                    black_box(LOOK_AHEAD),
                ));
                (Outcome::of(&result), format!("{result:?}"))
            }),
        }
    };
    let mut cases = Vec::new();
    for (offset, typed) in codes.iter().enumerate() {
        cases.push(case(&format!("match-counter+{offset}"), Outcome::Accepted, typed));
    }
    cases.push(case(
        "match-none",
        Outcome::Mismatch,
        &wrong_everywhere(&codes[0], &codes),
    ));
    let right = &codes[0];
    for leading in 0..right.len() {
        let typed = wrong_from(right, leading, &codes);
        cases.push(case(
            &format!("leading-digits-right-{leading}"),
            Outcome::Mismatch,
            &typed,
        ));
    }
    let name = format!("leading-digits-right-{}", right.len());
    cases.push(case(&name, Outcome::Accepted, right));
    // HOTP has no replay bound: a spent code is one below the stored counter, outside the window.
    let spent = code(COUNTER - 1);
    assert!(!codes.contains(&spent), "the spent code is not in the window");
    cases.push(case("replayed", Outcome::Mismatch, &spent));
    Suite {
        core: "twofactor::otp::scan::compare_single",
        call: "ct_probe::verify_hotp",
        cases,
    }
}

#[inline(never)]
fn verify_backup(set: &BackupCodeSet, typed: &str, hasher: &HmacHasher) -> Result<usize, BackupError> {
    set.verify(typed, hasher)
}

/// Backup codes: a set of 10 in the default format, hashed with HMAC-SHA-256 (an Argon2id hash
/// would take minutes under valgrind, and is computed once over the typed input, before the
/// lookup, whichever code it is). The lookup runs over `CodeFormat::MAX_COUNT` slots.
fn backup_suite() -> Suite {
    let hasher = HmacHasher::new(1, &[0x42; 32]).expect("a 32-byte key");
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut generate = || {
        let (codes, set) = BackupCodeSet::generate_with_rng(&mut rng, &CodeFormat::default(), &hasher)
            .expect("a set of codes");
        (codes.expose_codes().map(str::to_owned).collect::<Vec<_>>(), set)
    };
    let (shown, set) = generate();
    let (elsewhere, _) = generate();
    let mut spent = set.clone();
    spent.mark_used(4, 1_700_000_000).expect("an unused code");
    let case = |name: &str, expect, set: &BackupCodeSet, typed: &str| {
        let (set, typed, hasher) = (set.clone(), typed.to_owned(), hasher.clone());
        Case {
            name: name.to_owned(),
            expect,
            run: Box::new(move || {
                let result = black_box(verify_backup(
                    black_box(&set),
                    black_box(&typed),
                    black_box(&hasher),
                ));
                (Outcome::of_backup(&result), format!("{result:?}"))
            }),
        }
    };
    let mut cases = Vec::new();
    for (index, typed) in shown.iter().enumerate() {
        cases.push(case(
            &format!("match-code-{index}"),
            Outcome::Accepted,
            &set,
            typed,
        ));
    }
    cases.push(case("match-none", Outcome::Mismatch, &set, &elsewhere[0]));
    let mut one_wrong = shown[0].clone();
    let last = if one_wrong.ends_with('0') { "1" } else { "0" };
    one_wrong.replace_range(one_wrong.len() - 1.., last);
    cases.push(case("last-symbol-wrong", Outcome::Mismatch, &set, &one_wrong));
    cases.push(case("used-code-4", Outcome::Used, &spent, &shown[4]));
    Suite {
        core: "twofactor::backup::set::compare_every_slot",
        call: "ct_probe::verify_backup",
        cases,
    }
}

/// Whether the CPU offers the SHA extensions and wide vectors; valgrind hides SHA-NI, so under it
/// the software SHA code runs, and that is the code whose instructions are counted.
fn cpu() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        format!(
            "x86_64: sha={} avx2={} ssse3={} sse4.1={}",
            std::is_x86_feature_detected!("sha"),
            std::is_x86_feature_detected!("avx2"),
            std::is_x86_feature_detected!("ssse3"),
            std::is_x86_feature_detected!("sse4.1"),
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        String::from(std::env::consts::ARCH)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let find = |name: &str| {
        suites()
            .into_iter()
            .find(|&(n, _)| n == name)
            .map(|(_, build)| build())
    };
    match args.as_slice() {
        ["list"] => {
            for (name, build) in suites() {
                for case in &build().cases {
                    println!("{name} {} {}", case.name, case.expect.name());
                }
            }
        }
        ["symbols", suite] => {
            let Some(suite) = find(suite) else {
                eprintln!("no suite {suite}");
                return ExitCode::FAILURE;
            };
            println!("{} {}", suite.core, suite.call);
        }
        ["cpu"] => println!("{}", cpu()),
        ["run", suite, case] => {
            let cases = find(suite).map(|s| s.cases).unwrap_or_default();
            let Some(found) = cases.iter().find(|c| c.name == *case) else {
                eprintln!("no case {suite} {case}");
                return ExitCode::FAILURE;
            };
            let (outcome, shown) = (found.run)();
            println!("{suite} {case}: {shown}");
            if outcome != found.expect {
                eprintln!("expected {}, got {}", found.expect.name(), outcome.name());
                return ExitCode::FAILURE;
            }
        }
        _ => {
            eprintln!("usage: ct_probe list | symbols SUITE | cpu | run SUITE CASE");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
