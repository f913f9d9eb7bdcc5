//! `Secret`: lengths, lenient base32, canonical output, redaction.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::Secret;
use twofactor::otp::Algorithm;
use twofactor::secret::SecretError;

const RFC_KEY: &[u8] = b"12345678901234567890";

#[test]
fn debug_shows_only_the_length_in_bits() {
    let secret = Secret::from_bytes(RFC_KEY).unwrap();
    assert_eq!(format!("{secret:?}"), "Secret { bits: 160, .. }");
    assert_eq!(format!("{secret:#?}"), "Secret {\n    bits: 160,\n    ..\n}");
}

#[test]
fn generated_secrets_have_the_hmac_output_length() {
    for (algorithm, bits) in [
        (Algorithm::Sha1, 160),
        (Algorithm::Sha256, 256),
        (Algorithm::Sha512, 512),
    ] {
        assert_eq!(Secret::generate(algorithm).unwrap().bits(), bits);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert_eq!(Secret::generate_with_rng(&mut rng, algorithm).bits(), bits);
    }
}

#[test]
fn generated_secrets_differ() {
    let a = Secret::generate(Algorithm::Sha1).unwrap();
    let b = Secret::generate(Algorithm::Sha1).unwrap();
    assert_ne!(a, b);
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let c = Secret::generate_with_rng(&mut rng, Algorithm::Sha1);
    let d = Secret::generate_with_rng(&mut rng, Algorithm::Sha1);
    assert_ne!(c, d);
}

#[test]
fn base32_is_read_leniently() {
    let canonical = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    for text in [
        canonical,
        "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
        "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
        " GEZDGNBVGY3TQOJQ\tGEZDGNBVGY3TQOJQ\n",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ========",
        "GeZd GnBv Gy3T QoJq GeZd GnBv Gy3T QoJq ==",
    ] {
        let secret = Secret::from_base32(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(secret.expose_secret(), RFC_KEY, "{text:?}");
        assert_eq!(*secret.to_base32(), canonical);
    }
}

#[test]
fn base32_errors_are_typed() {
    assert_eq!(
        Secret::from_base32("GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ"),
        Err(SecretError::InvalidCharacter { position: 15 })
    );
    assert_eq!(
        Secret::from_base32("GEZDGNBVGY3TQOJQ=GEZDGNBVGY3TQOJQ"),
        Err(SecretError::InvalidCharacter { position: 17 })
    );
    assert_eq!(
        Secret::from_base32("GEZDGNBVGY3TQOJQé"),
        Err(SecretError::InvalidCharacter { position: 16 })
    );
    assert_eq!(
        Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA"),
        Err(SecretError::InvalidLength { symbols: 33 })
    );
    // 26 symbols carry 130 bits for 128: the last symbol's two low bits must be zero.
    assert_eq!(
        Secret::from_base32("AAAAAAAAAAAAAAAAAAAAAAAAAB"),
        Err(SecretError::NonCanonical)
    );
    assert_eq!(
        Secret::from_base32(""),
        Err(SecretError::TooShort {
            bits: 0,
            min_bits: 128
        })
    );
}

#[test]
fn shorter_than_128_bits_is_refused_except_by_the_legacy_constructor() {
    let eighty = "JBSWY3DPEHPK3PXP";
    assert_eq!(
        Secret::from_base32(eighty),
        Err(SecretError::TooShort {
            bits: 80,
            min_bits: 128
        })
    );
    assert_eq!(
        Secret::from_bytes(&[7; 15]),
        Err(SecretError::TooShort {
            bits: 120,
            min_bits: 128
        })
    );
    assert!(Secret::from_bytes(&[7; 16]).is_ok());
    let legacy = Secret::from_base32_legacy(eighty).unwrap();
    assert_eq!(legacy.bits(), 80);
    assert!(legacy.is_below_rfc_minimum());
    assert!(!Secret::from_bytes(RFC_KEY).unwrap().is_below_rfc_minimum());
    assert_eq!(
        Secret::from_base32_legacy("AAAAAAAAAAAAA"),
        Err(SecretError::TooShort {
            bits: 64,
            min_bits: 80
        })
    );
}

#[test]
fn longer_than_the_maximum_is_refused() {
    assert!(Secret::from_bytes(&[1; Secret::MAX_BYTES]).is_ok());
    assert_eq!(
        Secret::from_bytes(&[1; Secret::MAX_BYTES + 1]),
        Err(SecretError::TooLong { max_bits: 1024 })
    );
    let long = "A".repeat(Secret::MAX_BYTES / 5 * 8 + 16);
    assert_eq!(
        Secret::from_base32(&long),
        Err(SecretError::TooLong { max_bits: 1024 })
    );
}

#[test]
fn errors_say_what_is_wrong_without_the_secret() {
    let error = Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret is 80 bits long; at least 128 are required"
    );
    let error = Secret::from_base32("JBSWY3DPEHPK3PX!").unwrap_err();
    assert!(!error.to_string().contains("JBSWY"));
}
