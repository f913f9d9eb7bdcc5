//! Stored sets committed under `tests/data/`, made by the first release of the stored format with
//! the default code format: they must keep verifying, byte for byte, whatever the defaults become.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use data_encoding::BASE64_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use twofactor::backup::{BackupCodeSet, BackupError, CodeHasher, HashScheme, HmacHasher};

const HMAC_KEY: &[u8; 32] = b"twofactor backup-code test key!!";
const HMAC_FIXTURE: &str = include_str!("../data/backup_hmac_sha256_v1.txt");
/// The plaintext codes of the HMAC fixture, as they were shown; codes 3 and 7 are used.
const HMAC_CODES: [&str; 10] = [
    "ESE5-MHWJ-6499-NX08",
    "X7TJ-N6JK-0TX6-X3G9",
    "TPR7-J0H1-8KSF-S9ZA",
    "ZQ8N-Y1SC-E104-6AGP",
    "8C1B-ES6A-05NX-CJWP",
    "G86Y-MK1Q-Z6XZ-H2H1",
    "9JAB-EP3F-T2K6-Z9SD",
    "35BJ-ASYK-GSXN-6V02",
    "F9MF-PQ58-507X-K228",
    "CP29-PZ9G-B46W-NC4T",
];

#[cfg(feature = "argon2")]
const ARGON2_FIXTURE: &str = include_str!("../data/backup_argon2id_v1.txt");
/// The plaintext codes of the Argon2id fixture; codes 3 and 7 are used.
#[cfg(feature = "argon2")]
const ARGON2_CODES: [&str; 10] = [
    "0BBG-F3QD-P2AV-XCFY",
    "KF2E-A9HV-E97D-QC65",
    "MP6J-D78P-BCVJ-1DRC",
    "EK8H-0MCA-SRHQ-2BXE",
    "ZCT4-R79V-MK4Y-73YB",
    "0M36-1D5X-F1P7-JF2Z",
    "4ZXN-JS8J-QEKK-Y85S",
    "28NF-1GP7-M56H-596V",
    "C68W-8TNG-9SJH-CNEV",
    "GQ1C-C9ZY-D81E-ZW88",
];

const USED: [(usize, u64); 2] = [(3, 1_700_000_000), (7, 1_700_086_400)];

/// The salt and the hashes, read straight from the string, independently of the crate.
fn raw_parts(stored: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
    let fields: Vec<&str> = stored.split('$').collect();
    assert_eq!(fields.len(), 8, "{stored}");
    let salt = BASE64_NOPAD.decode(fields[6].as_bytes()).unwrap();
    let hashes = fields[7]
        .split(',')
        .map(|entry| {
            BASE64_NOPAD
                .decode(entry.split(':').next().unwrap().as_bytes())
                .unwrap()
        })
        .collect();
    (salt, hashes)
}

fn canonical(code: &str) -> String {
    code.replace('-', "")
}

fn check_fixture<H: CodeHasher>(text: &str, codes: &[&str; 10], hasher: &H, scheme: HashScheme) {
    let stored = text.trim_end();
    let set = BackupCodeSet::from_stored(stored).unwrap();
    assert_eq!(set.to_stored(), stored, "the stored form is canonical and stable");
    assert_eq!(set.scheme(), scheme);
    assert_eq!((set.count(), set.remaining(), set.code_length()), (10, 8, 16));
    for (index, at) in USED {
        assert_eq!(set.used_at(index), Some(at));
    }
    for (index, code) in codes.iter().enumerate() {
        let expected = if USED.iter().any(|&(used, _)| used == index) {
            Err(BackupError::Used)
        } else {
            Ok(index)
        };
        assert_eq!(set.verify(code, hasher), expected, "code {index}");
        assert_eq!(
            set.verify(&code.to_lowercase().replace('-', " "), hasher),
            expected
        );
    }
}

#[test]
fn hmac_fixture_keeps_verifying() {
    let hasher = HmacHasher::new(1, HMAC_KEY).unwrap();
    check_fixture(
        HMAC_FIXTURE,
        &HMAC_CODES,
        &hasher,
        HashScheme::HmacSha256 { key_id: 1 },
    );
}

/// Pins the scheme itself: HMAC-SHA-256(key, "twofactor backup code v1\0" ‖ salt ‖ code),
/// computed here with the `hmac` crate, not through the crate's hasher.
#[test]
fn hmac_fixture_hashes_follow_the_documented_formula() {
    let (salt, hashes) = raw_parts(HMAC_FIXTURE.trim_end());
    assert_eq!(salt.len(), 16);
    for (code, stored) in HMAC_CODES.iter().zip(&hashes) {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(HMAC_KEY).unwrap();
        mac.update(b"twofactor backup code v1\0");
        mac.update(&salt);
        mac.update(canonical(code).as_bytes());
        assert_eq!(
            mac.finalize().into_bytes().as_slice(),
            stored.as_slice(),
            "{code}"
        );
    }
}

#[test]
fn hmac_fixture_is_refused_under_another_key_id() {
    let set = BackupCodeSet::from_stored(HMAC_FIXTURE.trim_end()).unwrap();
    let other = HmacHasher::new(2, HMAC_KEY).unwrap();
    assert_eq!(
        set.verify(HMAC_CODES[0], &other),
        Err(BackupError::KeyMismatch { stored: 1, held: 2 })
    );
    assert!(set.needs_rehash(&other));
    // The right identifier with the wrong key cannot be told apart from a wrong code.
    let wrong_key = HmacHasher::new(1, &[0; 32]).unwrap();
    assert_eq!(set.verify(HMAC_CODES[0], &wrong_key), Err(BackupError::Mismatch));
}

#[cfg(feature = "argon2")]
mod argon2_fixture {
    use twofactor::backup::Argon2Hasher;

    use super::*;

    #[test]
    fn argon2_fixture_keeps_verifying() {
        let scheme = HashScheme::Argon2id {
            m_cost: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        };
        check_fixture(ARGON2_FIXTURE, &ARGON2_CODES, &Argon2Hasher::default(), scheme);
    }

    /// A set made under today's defaults verifies with a hasher whose defaults have changed, and
    /// is reported as due for regeneration.
    #[test]
    fn argon2_fixture_verifies_after_the_defaults_change() {
        let set = BackupCodeSet::from_stored(ARGON2_FIXTURE.trim_end()).unwrap();
        let tomorrow = Argon2Hasher::with_params(8 * 1024, 3, 1).unwrap();
        assert!(set.needs_rehash(&tomorrow));
        assert!(!set.needs_rehash(&Argon2Hasher::default()));
        assert_eq!(set.verify(ARGON2_CODES[9], &tomorrow), Ok(9));
        assert_eq!(set.verify(ARGON2_CODES[3], &tomorrow), Err(BackupError::Used));
    }

    /// Pins the scheme: Argon2id v0x13, m = 19456 KiB, t = 2, p = 1, 32 bytes, password = the
    /// canonical code, computed here with the `argon2` crate directly.
    #[test]
    fn argon2_fixture_hashes_follow_the_documented_formula() {
        let (salt, hashes) = raw_parts(ARGON2_FIXTURE.trim_end());
        let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).unwrap();
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        for index in [0, 3] {
            let mut out = [0u8; 32];
            argon
                .hash_password_into(canonical(ARGON2_CODES[index]).as_bytes(), &salt, &mut out)
                .unwrap();
            assert_eq!(out.as_slice(), hashes[index].as_slice(), "code {index}");
        }
    }

    #[test]
    fn a_set_of_one_scheme_is_refused_by_the_other_hasher() {
        let argon_set = BackupCodeSet::from_stored(ARGON2_FIXTURE.trim_end()).unwrap();
        let hmac = HmacHasher::new(1, HMAC_KEY).unwrap();
        assert_eq!(
            argon_set.verify(ARGON2_CODES[0], &hmac),
            Err(BackupError::UnsupportedScheme)
        );
        let hmac_set = BackupCodeSet::from_stored(HMAC_FIXTURE.trim_end()).unwrap();
        assert_eq!(
            hmac_set.verify(HMAC_CODES[0], &Argon2Hasher::default()),
            Err(BackupError::UnsupportedScheme)
        );
    }
}
