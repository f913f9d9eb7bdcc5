//! Property tests of the OTP core and of secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use twofactor::otp::{Algorithm, OtpError, TotpParams, Window};
use twofactor::{Secret, Totp};

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

fn totp() -> impl Strategy<Value = Totp> {
    (
        proptest::collection::vec(any::<u8>(), 16..=64),
        algorithm(),
        6u8..=8,
        1u64..=300,
        0u64..1_000_000,
    )
        .prop_map(|(key, algorithm, digits, period, t0)| {
            let params = TotpParams::builder()
                .algorithm(algorithm)
                .digits(digits)
                .period(period)
                .t0(t0)
                .build()
                .unwrap();
            Totp::new(&Secret::from_bytes(&key).unwrap(), params)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A code verifies at every offset inside the window and fails just outside it (unless the
    /// code of the outside step happens to equal it, a 1-in-10^digits event checked for).
    #[test]
    fn codes_verify_inside_the_window_and_fail_just_outside(
        totp in totp(),
        elapsed in 1_000u64..(1u64 << 50),
        past in 0u32..=Window::MAX,
        future in 0u32..=Window::MAX,
    ) {
        let now = totp.params().t0() + elapsed;
        let window = Window::new(past, future).unwrap();
        let current = totp.step(now).unwrap();
        for offset in -i64::from(past)..=i64::from(future) {
            let step = current.checked_add_signed(offset).unwrap();
            let code = totp.generate_at_step(step);
            let found = totp.verify_code(&code, now, window, 0, None).unwrap();
            // The earliest matching step wins; it is this one unless an earlier one collides.
            prop_assert!(found.step() <= step);
            prop_assert_eq!(totp.generate_at_step(found.step()), code);
        }
        for step in [current - u64::from(past) - 1, current + u64::from(future) + 1] {
            let code = totp.generate_at_step(step);
            let collides = (current - u64::from(past)..=current + u64::from(future))
                .any(|s| totp.generate_at_step(s) == code);
            if !collides {
                prop_assert_eq!(totp.verify_code(&code, now, window, 0, None), Err(OtpError::Mismatch));
            }
        }
    }

    /// With `after` set, every step up to it is refused as a replay, and later ones accepted.
    #[test]
    fn after_rejects_every_step_up_to_it(totp in totp(), elapsed in 1_000u64..(1u64 << 50), back in 0u64..=3) {
        let now = totp.params().t0() + elapsed;
        let window = Window::new(3, 3).unwrap();
        let current = totp.step(now).unwrap();
        let after = current - back;
        for step in current - 3..=current + 3 {
            let code = totp.generate_at_step(step);
            let result = totp.verify_code(&code, now, window, 0, Some(after));
            let fresh_duplicate = (after + 1..=current + 3).any(|s| totp.generate_at_step(s) == code);
            if step <= after && !fresh_duplicate {
                prop_assert_eq!(result, Err(OtpError::Replay));
            } else if step > after {
                prop_assert!(result.unwrap().step() > after);
            }
        }
    }

    /// Base32 round trips in every lenient form: lower case, spaces, padding.
    #[test]
    fn base32_round_trips_in_every_lenient_form(
        key in proptest::collection::vec(any::<u8>(), 16..=128),
        lower in any::<bool>(),
        group in 1usize..9,
        pad in any::<bool>(),
    ) {
        let secret = Secret::from_bytes(&key).unwrap();
        let canonical = secret.to_base32();
        prop_assert!(!canonical.contains('='));
        prop_assert_eq!(canonical.to_ascii_uppercase(), canonical.to_string());
        let mut text: String = canonical
            .chars()
            .collect::<Vec<_>>()
            .chunks(group)
            .map(|chunk| chunk.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        if lower {
            text = text.to_lowercase();
        }
        if pad {
            text.push_str(&"=".repeat((8 - canonical.len() % 8) % 8));
        }
        let parsed = Secret::from_base32(&text).unwrap();
        prop_assert_eq!(parsed.expose_secret(), key.as_slice());
        prop_assert_eq!(parsed.to_base32(), canonical);
    }

    /// Nothing panics on any text given as a secret.
    #[test]
    fn secret_parsing_never_panics(text in any::<String>()) {
        let _ = Secret::from_base32(&text);
        let _ = Secret::from_base32_legacy(&text);
    }
}
