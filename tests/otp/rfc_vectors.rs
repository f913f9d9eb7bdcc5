//! RFC 4226 Appendix D and RFC 6238 Appendix B, from the data files under `tests/data/`, each also
//! checked to fail with a flipped key bit and a changed digit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{hex, read_vectors};
use twofactor::otp::{Algorithm, HotpParams, OtpError, TotpParams, Window};
use twofactor::{Hotp, Secret, Totp};

fn flip_digit(code: &str) -> String {
    let (first, rest) = code.split_at(1);
    let next = (first.parse::<u32>().unwrap() + 1) % 10;
    format!("{next}{rest}")
}

fn flip_bit(key: &[u8]) -> Secret {
    let mut key = key.to_vec();
    key[0] ^= 0x01;
    Secret::from_bytes(&key).unwrap()
}

#[test]
fn rfc4226_appendix_d_hotp_values() {
    let rows = read_vectors("rfc4226.tsv");
    assert_eq!(rows.len(), 10);
    for row in rows {
        let key = hex(row.get("key_hex"));
        let secret = Secret::from_base32(row.get("key_base32")).unwrap();
        assert_eq!(secret.expose_secret(), key.as_slice());
        let counter: u64 = row.get("counter").parse().unwrap();
        let hotp = Hotp::new(&secret, HotpParams::default());
        let expected = row.get("hotp");
        assert_eq!(hotp.generate(counter).to_string(), expected, "counter {counter}");
        assert_eq!(hotp.verify(expected, counter, 0).unwrap().counter(), counter);
        assert_eq!(
            hotp.verify(&flip_digit(expected), counter, 0),
            Err(OtpError::Mismatch)
        );
        let other = Hotp::new(&flip_bit(&key), HotpParams::default());
        assert_ne!(
            other.generate(counter).to_string(),
            expected,
            "flipped key, counter {counter}"
        );
    }
}

#[test]
fn rfc6238_appendix_b_totp_values_with_per_algorithm_keys() {
    let rows = read_vectors("rfc6238.tsv");
    assert_eq!(rows.len(), 18);
    for row in rows {
        let algorithm = Algorithm::from_name(row.get("algo")).unwrap();
        let key = hex(row.get("key_hex"));
        assert_eq!(key.len(), algorithm.output_len(), "the RFC's reference code keys");
        let secret = Secret::from_base32(row.get("key_base32")).unwrap();
        assert_eq!(secret.expose_secret(), key.as_slice());
        let params = TotpParams::builder()
            .algorithm(algorithm)
            .digits(row.get("digits").parse().unwrap())
            .period(row.get("period").parse().unwrap())
            .build()
            .unwrap();
        let totp = Totp::new(&secret, params);
        let time: u64 = row.get("time").parse().unwrap();
        let step = u64::from_str_radix(row.get("T_hex"), 16).unwrap();
        let expected = row.get("totp");
        assert_eq!(totp.step(time).unwrap(), step);
        assert_eq!(
            totp.generate(time).unwrap().to_string(),
            expected,
            "{algorithm} at {time}"
        );
        let found = totp.verify(expected, time, Window::CURRENT_ONLY, None).unwrap();
        assert_eq!((found.step(), found.drift()), (step, 0));
        assert_eq!(
            totp.verify(&flip_digit(expected), time, Window::CURRENT_ONLY, None),
            Err(OtpError::Mismatch)
        );
        let other = Totp::new(&flip_bit(&key), params);
        assert_ne!(
            other.generate(time).unwrap().to_string(),
            expected,
            "flipped key, {algorithm} at {time}"
        );
    }
}

/// The trap other libraries' users fell into: the RFC text's single 20-byte key gives the
/// table's SHA-1 values but not its SHA-256 or SHA-512 ones.
#[test]
fn rfc6238_table_needs_the_longer_keys_for_sha256_and_sha512() {
    let short = Secret::from_bytes(b"12345678901234567890").unwrap();
    for (algorithm, expected) in [(Algorithm::Sha256, "46119246"), (Algorithm::Sha512, "90693936")] {
        let params = TotpParams::builder()
            .algorithm(algorithm)
            .digits(8)
            .build()
            .unwrap();
        assert_ne!(
            Totp::new(&short, params).generate(59).unwrap().to_string(),
            expected
        );
    }
}
