//! Base32 secrets as people paste them: never a panic, the strict parser accepts a subset of the
//! legacy one, and whatever parses prints canonically and parses back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofactor::Secret;

fuzz_target!(|text: &str| {
    let strict = Secret::from_base32(text);
    let legacy = Secret::from_base32_legacy(text);
    if let Ok(secret) = &strict {
        assert_eq!(
            legacy.as_ref().ok(),
            Some(secret),
            "the strict parser accepts a subset"
        );
    }
    if let Ok(secret) = &legacy {
        assert_eq!(strict.is_ok(), !secret.is_below_rfc_minimum());
        let canonical = secret.to_base32();
        assert!(
            canonical
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        let again = Secret::from_base32_legacy(&canonical).expect("canonical text parses");
        assert_eq!(again.expose_secret(), secret.expose_secret());
    }
    // The other direction: the input's bytes as a key, printed, then read back in the lenient
    // forms people type (lower case, groups of four, padding).
    if let Ok(secret) = Secret::from_bytes(text.as_bytes()) {
        let canonical = secret.to_base32();
        let mut typed = String::new();
        for (index, c) in canonical.chars().enumerate() {
            if index > 0 && index % 4 == 0 {
                typed.push(' ');
            }
            typed.push(c.to_ascii_lowercase());
        }
        typed.push_str(&"=".repeat((8 - canonical.len() % 8) % 8));
        assert_eq!(Secret::from_base32(&typed).as_ref(), Ok(&secret));
    }
});
