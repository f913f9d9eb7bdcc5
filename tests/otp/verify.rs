//! Verification: windows, replay, drift, times at the edges, HOTP look-ahead, resynchronisation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use twofactor::otp::{Algorithm, HotpParams, OtpError, TotpParams, Window};
use twofactor::{Hotp, Secret, Totp};

fn secret() -> Secret {
    Secret::from_bytes(b"12345678901234567890").unwrap()
}

fn totp() -> Totp {
    Totp::new(&secret(), TotpParams::DEFAULT)
}

const NOW: u64 = 1_700_000_000;

fn code_at_offset(totp: &Totp, offset: i64) -> String {
    let step = totp.step(NOW).unwrap().checked_add_signed(offset).unwrap();
    totp.generate_at_step(step).to_string()
}

#[test]
fn the_window_is_asymmetric_and_reports_step_and_drift() {
    let totp = totp();
    let current = totp.step(NOW).unwrap();
    let window = Window::new(2, 1).unwrap();
    for offset in -2..=1 {
        let found = totp
            .verify(&code_at_offset(&totp, offset), NOW, window, None)
            .unwrap();
        assert_eq!(found.step(), current.checked_add_signed(offset).unwrap());
        assert_eq!(found.drift(), offset);
    }
    for offset in [-3, 2] {
        assert_eq!(
            totp.verify(&code_at_offset(&totp, offset), NOW, window, None),
            Err(OtpError::Mismatch),
            "offset {offset}"
        );
    }
}

#[test]
fn presets_match_their_standards() {
    assert_eq!((Window::DEFAULT.past(), Window::DEFAULT.future()), (1, 1));
    assert_eq!(
        (Window::RFC_6238_STRICT.past(), Window::RFC_6238_STRICT.future()),
        (1, 0)
    );
    assert_eq!(
        (Window::CURRENT_ONLY.past(), Window::CURRENT_ONLY.future()),
        (0, 0)
    );
    assert_eq!(
        Window::new(Window::MAX, Window::MAX).unwrap().len(),
        2 * Window::MAX + 1
    );
    assert_eq!(
        Window::new(0, Window::MAX + 1),
        Err(OtpError::Window { max: Window::MAX })
    );
}

#[test]
fn a_replay_is_refused_and_reported_as_such() {
    let totp = totp();
    let current = totp.step(NOW).unwrap();
    let code = code_at_offset(&totp, 0);
    let first = totp.verify(&code, NOW, Window::DEFAULT, None).unwrap();
    assert_eq!(first.step(), current);
    assert_eq!(
        totp.verify(&code, NOW, Window::DEFAULT, Some(first.step())),
        Err(OtpError::Replay)
    );
    // An older code after a newer one is refused too (RFC 6238 §5.2).
    assert_eq!(
        totp.verify(&code_at_offset(&totp, -1), NOW, Window::DEFAULT, Some(current)),
        Err(OtpError::Replay)
    );
    // The next step is still fresh.
    let next = totp
        .verify(&code_at_offset(&totp, 1), NOW, Window::DEFAULT, Some(current))
        .unwrap();
    assert_eq!(next.step(), current + 1);
    // A wrong code stays a mismatch whatever the bound.
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(
        totp.verify(&wrong, NOW, Window::CURRENT_ONLY, Some(current)),
        Err(OtpError::Mismatch)
    );
}

#[test]
fn learned_drift_recentres_the_window() {
    let totp = totp();
    let code = code_at_offset(&totp, 5);
    assert_eq!(
        totp.verify(&code, NOW, Window::DEFAULT, None),
        Err(OtpError::Mismatch)
    );
    let parsed = totp.parse_code(&code).unwrap();
    let found = totp.verify_code(&parsed, NOW, Window::DEFAULT, 4, None).unwrap();
    assert_eq!(found.drift(), 5);
    let found = totp.verify_code(&parsed, NOW, Window::DEFAULT, 6, None).unwrap();
    assert_eq!(found.drift(), 5);
    assert_eq!(
        totp.verify_code(&parsed, NOW, Window::DEFAULT, 7, None),
        Err(OtpError::Mismatch)
    );
}

#[test]
fn times_before_t0_are_typed_errors() {
    let params = TotpParams::builder().t0(1_000).build().unwrap();
    let totp = Totp::new(&secret(), params);
    assert_eq!(totp.step(999), Err(OtpError::BeforeT0 { time: 999, t0: 1_000 }));
    assert_eq!(
        totp.generate(0).unwrap_err(),
        OtpError::BeforeT0 { time: 0, t0: 1_000 }
    );
    assert_eq!(
        totp.verify("123456", 5, Window::DEFAULT, None),
        Err(OtpError::BeforeT0 { time: 5, t0: 1_000 })
    );
    assert_eq!(totp.step(1_000).unwrap(), 0);
    assert_eq!(totp.step(1_029).unwrap(), 0);
    assert_eq!(totp.step(1_030).unwrap(), 1);
    // T0 shifts the steps: the code at T0 + t equals the T0 = 0 code at t.
    assert_eq!(totp.generate(1_059).unwrap(), self::totp().generate(59).unwrap());
}

#[test]
fn the_largest_times_and_steps_past_2_pow_32_work_without_overflow() {
    for period in [1, 30, 3600] {
        let params = TotpParams::builder().period(period).build().unwrap();
        let totp = Totp::new(&secret(), params);
        let step = totp.step(u64::MAX).unwrap();
        assert_eq!(step, u64::MAX / period);
        let code = totp.generate(u64::MAX).unwrap().to_string();
        // The window's future side runs off the end of u64 for period 1: those candidates are
        // skipped, and the current one still matches.
        let found = totp
            .verify(&code, u64::MAX, Window::new(2, 2).unwrap(), None)
            .unwrap();
        assert_eq!((found.step(), found.drift()), (step, 0));
        let found = totp
            .verify(&code, u64::MAX, Window::DEFAULT, Some(step - 1))
            .unwrap();
        assert_eq!(found.step(), step);
    }
    // Steps past 2^32 with 1-second periods.
    let totp = Totp::new(&secret(), TotpParams::builder().period(1).build().unwrap());
    let time = (1u64 << 40) + 12_345;
    assert_eq!(totp.step(time).unwrap(), time);
    let code = totp.generate(time).unwrap().to_string();
    assert_eq!(
        totp.verify(&code, time + 1, Window::DEFAULT, None)
            .unwrap()
            .drift(),
        -1
    );
}

#[test]
fn window_edges_at_time_zero_are_skipped() {
    let totp = totp();
    let code = totp.generate(0).unwrap().to_string();
    let found = totp.verify(&code, 0, Window::new(10, 0).unwrap(), None).unwrap();
    assert_eq!((found.step(), found.drift()), (0, 0));
}

#[test]
fn a_code_of_another_length_never_matches() {
    let eight = Totp::new(&secret(), TotpParams::builder().digits(8).build().unwrap());
    let six = totp();
    let code = eight.generate(59).unwrap();
    assert_eq!(
        six.verify_code(&code, 59, Window::DEFAULT, 0, None),
        Err(OtpError::Mismatch)
    );
    assert!(
        six.verify(&code.to_string(), 59, Window::DEFAULT, None)
            .unwrap_err()
            .is_malformed()
    );
}

#[test]
fn seven_and_eight_digit_codes_are_not_padded_six_digit_codes() {
    for algorithm in Algorithm::ALL {
        let mut codes = Vec::new();
        for digits in [6, 7, 8] {
            let params = TotpParams::builder()
                .algorithm(algorithm)
                .digits(digits)
                .build()
                .unwrap();
            codes.push(
                Totp::new(&secret(), params)
                    .generate(1_111_111_109)
                    .unwrap()
                    .to_string(),
            );
        }
        // Each longer code extends the shorter one on the left: the same 31-bit value mod 10^n.
        assert!(
            codes[1].ends_with(&codes[0]) && codes[2].ends_with(&codes[1]),
            "{codes:?}"
        );
        assert_eq!(codes.iter().map(String::len).collect::<Vec<_>>(), [6, 7, 8]);
    }
}

#[test]
fn hotp_look_ahead_returns_the_counter_to_store() {
    let hotp = Hotp::new(&secret(), HotpParams::default());
    let code = hotp.generate(7).to_string();
    let found = hotp.verify(&code, 3, 4).unwrap();
    assert_eq!((found.counter(), found.next()), (7, 8));
    assert_eq!(hotp.verify(&code, 3, 3), Err(OtpError::Mismatch));
    // Once the counter moved past it, the code is spent.
    assert_eq!(hotp.verify(&code, found.next(), 10), Err(OtpError::Mismatch));
    // The largest counter can never be accepted, so `next` never overflows.
    assert_eq!(
        hotp.verify(&hotp.generate(u64::MAX).to_string(), u64::MAX - 1, 5),
        Err(OtpError::Mismatch)
    );
}

#[test]
fn hotp_resync_needs_two_consecutive_codes() {
    let hotp = Hotp::new(&secret(), HotpParams::default());
    let (a, b) = (hotp.generate(500).to_string(), hotp.generate(501).to_string());
    let found = hotp.resync(&a, &b, 10, 1000).unwrap();
    assert_eq!((found.counter(), found.next()), (501, 502));
    // One code alone, or two codes out of order, never resynchronise.
    assert_eq!(hotp.resync(&a, &a, 10, 1000), Err(OtpError::Mismatch));
    assert_eq!(hotp.resync(&b, &a, 10, 1000), Err(OtpError::Mismatch));
    let c = hotp.generate(502).to_string();
    assert_eq!(hotp.resync(&a, &c, 10, 1000), Err(OtpError::Mismatch));
    // Beyond the look-ahead: not found.
    assert_eq!(hotp.resync(&a, &b, 10, 400), Err(OtpError::Mismatch));
}

#[test]
fn totp_resync_finds_a_far_drift_and_respects_the_replay_bound() {
    let totp = totp();
    let current = totp.step(NOW).unwrap();
    let (a, b) = (code_at_offset(&totp, -200), code_at_offset(&totp, -199));
    let found = totp.resync(&a, &b, NOW, 300, None).unwrap();
    assert_eq!((found.step(), found.drift()), (current - 199, -199));
    assert_eq!(totp.resync(&a, &a, NOW, 300, None), Err(OtpError::Mismatch));
    assert_eq!(totp.resync(&a, &b, NOW, 100, None), Err(OtpError::Mismatch));
    assert_eq!(
        totp.resync(&a, &b, NOW, 300, Some(current - 200)),
        Err(OtpError::Replay)
    );
    assert_eq!(
        totp.resync(&a, &b, NOW, 300, Some(current - 201)).unwrap().step(),
        current - 199
    );
}

#[test]
fn debug_of_generators_shows_parameters_only() {
    let totp = totp();
    assert_eq!(
        format!("{totp:?}"),
        "Totp { params: TotpParams { algorithm: Sha1, digits: Six, period: 30, t0: 0 }, .. }"
    );
    let hotp = Hotp::new(&secret(), HotpParams::default());
    assert_eq!(
        format!("{hotp:?}"),
        "Hotp { params: HotpParams { algorithm: Sha1, digits: Six }, .. }"
    );
}

#[test]
fn the_system_clock_is_read_with_std() {
    let now = twofactor::otp::unix_time_now().unwrap();
    assert!(now > 1_700_000_000);
    let code = totp().generate_now().unwrap().to_string();
    assert!(
        totp()
            .verify(
                &code,
                twofactor::otp::unix_time_now().unwrap(),
                Window::DEFAULT,
                None
            )
            .is_ok()
    );
}
