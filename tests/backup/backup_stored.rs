//! The stored form: round trips, and corrupt records as typed errors, never panics.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher, StoredProblem};

fn hmac() -> HmacHasher {
    HmacHasher::new(9, &[0x42; 32]).unwrap()
}

fn stored_set() -> (BackupCodeSet, String) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let format = CodeFormat::builder().count(3).build().unwrap();
    let (_, mut set) = BackupCodeSet::generate_with_rng(&mut rng, &format, &hmac()).unwrap();
    set.mark_used(1, 1_700_000_000).unwrap();
    let stored = set.to_stored();
    (set, stored)
}

fn fields(stored: &str) -> Vec<String> {
    stored.split('$').map(str::to_owned).collect()
}

fn with_field(stored: &str, index: usize, value: &str) -> String {
    let mut fields = fields(stored);
    fields[index] = value.to_owned();
    fields.join("$")
}

#[test]
fn a_set_round_trips_through_its_stored_form() {
    let (set, stored) = stored_set();
    let fields = fields(&stored);
    assert_eq!(
        fields[..6],
        ["", "twofactor-backup", "v=1", "hmac-sha256", "k=9", "len=16,n=3"]
    );
    assert_eq!(fields[7].split(',').count(), 3);
    assert!(fields[7].split(',').nth(1).unwrap().ends_with(":1700000000"));
    assert_eq!(BackupCodeSet::from_stored(&stored), Ok(set));
}

#[cfg(feature = "argon2")]
#[test]
fn an_argon2_set_round_trips_with_its_parameters() {
    let hasher = twofactor::backup::Argon2Hasher::with_params(2048, 3, 2).unwrap();
    assert_eq!((hasher.m_cost(), hasher.t_cost(), hasher.p_cost()), (2048, 3, 2));
    let format = CodeFormat::builder().count(2).length(20).build().unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (_, set) = BackupCodeSet::generate_with_rng(&mut rng, &format, &hasher).unwrap();
    let stored = set.to_stored();
    assert!(stored.starts_with("$twofactor-backup$v=1$argon2id$v=19,m=2048,t=3,p=2$len=20,n=2$"));
    assert_eq!(BackupCodeSet::from_stored(&stored), Ok(set));
}

#[test]
fn each_field_has_its_own_error() {
    let (_, stored) = stored_set();
    let salt = fields(&stored)[6].clone();
    let codes = fields(&stored)[7].clone();
    let first_hash = codes.split(',').next().unwrap().to_owned();
    let cases: Vec<(String, BackupError)> = vec![
        (String::new(), BackupError::Stored(StoredProblem::Prefix)),
        (
            "twofactor-backup$v=1".into(),
            BackupError::Stored(StoredProblem::Prefix),
        ),
        (
            stored.replacen("twofactor-backup", "twofactor-backups", 1),
            BackupError::Stored(StoredProblem::Prefix),
        ),
        (
            with_field(&stored, 2, "v=3"),
            BackupError::Stored(StoredProblem::UnsupportedVersion { version: 3 }),
        ),
        (
            with_field(&stored, 2, "v=01"),
            BackupError::Stored(StoredProblem::Version),
        ),
        (
            with_field(&stored, 2, "version=1"),
            BackupError::Stored(StoredProblem::Version),
        ),
        (
            "$twofactor-backup".into(),
            BackupError::Stored(StoredProblem::Version),
        ),
        (
            "$twofactor-backup$v=1".into(),
            BackupError::Stored(StoredProblem::Scheme),
        ),
        (
            with_field(&stored, 3, "argon2i"),
            BackupError::Stored(StoredProblem::Scheme),
        ),
        (
            with_field(&stored, 3, "HMAC-SHA256"),
            BackupError::Stored(StoredProblem::Scheme),
        ),
        (
            with_field(&stored, 4, "k=4294967296"),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&stored, 4, "k=09"),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&stored, 4, "k=9,k=9"),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&stored, 4, ""),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&with_field(&stored, 3, "argon2id"), 4, "v=16,m=19456,t=2,p=1"),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&with_field(&stored, 3, "argon2id"), 4, "v=19,m=512,t=2,p=1"),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&with_field(&stored, 3, "argon2id"), 4, "v=19,m=4194304,t=2,p=1"),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&with_field(&stored, 3, "argon2id"), 4, "v=19,m=19456,t=0,p=1"),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&with_field(&stored, 3, "argon2id"), 4, "m=19456,t=2,p=1"),
            BackupError::Stored(StoredProblem::Params),
        ),
        // Found by the backup_code fuzz target: `8 * p` overflowed (a panic in debug builds).
        (
            with_field(
                &with_field(&stored, 3, "argon2id"),
                4,
                "v=19,m=19456,t=2,p=4294967295",
            ),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(
                &with_field(&stored, 3, "argon2id"),
                4,
                "v=19,m=19456,t=2,p=536870912",
            ),
            BackupError::Stored(StoredProblem::Params),
        ),
        (
            with_field(&stored, 5, "len=7,n=3"),
            BackupError::Stored(StoredProblem::CodeLength),
        ),
        (
            with_field(&stored, 5, "len=33,n=3"),
            BackupError::Stored(StoredProblem::CodeLength),
        ),
        (
            with_field(&stored, 5, "length=16,n=3"),
            BackupError::Stored(StoredProblem::CodeLength),
        ),
        (
            with_field(&stored, 5, "len=16"),
            BackupError::Stored(StoredProblem::CodeLength),
        ),
        (
            with_field(&stored, 5, "n=3,len=16"),
            BackupError::Stored(StoredProblem::CodeLength),
        ),
        (
            with_field(&stored, 5, "len=16,n=0"),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&stored, 5, "len=16,n=101"),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&stored, 5, "len=16,n=2"),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&stored, 5, "len=16,n=4"),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&stored, 6, &salt[1..]),
            BackupError::Stored(StoredProblem::Salt),
        ),
        (
            with_field(&stored, 6, &format!("{salt}AA")),
            BackupError::Stored(StoredProblem::Salt),
        ),
        (
            with_field(&stored, 6, &format!("{salt}==")),
            BackupError::Stored(StoredProblem::Salt),
        ),
        (
            with_field(&stored, 6, ""),
            BackupError::Stored(StoredProblem::Salt),
        ),
        (
            with_field(&stored, 7, ""),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&stored, 7, &vec![first_hash.as_str(); 101].join(",")),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&stored, 7, &format!("{codes},")),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&stored, 7, &format!("{codes},{first_hash}")),
            BackupError::Stored(StoredProblem::Count),
        ),
        (
            with_field(&with_field(&stored, 5, "len=16,n=4"), 7, &format!("{codes},")),
            BackupError::Stored(StoredProblem::Hash { index: 3 }),
        ),
        (
            with_field(&stored, 7, &codes.replacen(',', ",x", 1)),
            BackupError::Stored(StoredProblem::Hash { index: 1 }),
        ),
        (
            with_field(&stored, 7, &codes.replace(":1700000000", ":")),
            BackupError::Stored(StoredProblem::UsedAt { index: 1 }),
        ),
        (
            with_field(&stored, 7, &codes.replace(":1700000000", ":01700000000")),
            BackupError::Stored(StoredProblem::UsedAt { index: 1 }),
        ),
        (
            with_field(&stored, 7, &codes.replace(":1700000000", ":1:2")),
            BackupError::Stored(StoredProblem::UsedAt { index: 1 }),
        ),
        (format!("{stored}$"), BackupError::Stored(StoredProblem::Trailing)),
        (
            format!("{stored}$x"),
            BackupError::Stored(StoredProblem::Trailing),
        ),
        (
            format!("{stored}\n"),
            BackupError::Stored(StoredProblem::Hash { index: 2 }),
        ),
    ];
    for (text, error) in cases {
        assert_eq!(BackupCodeSet::from_stored(&text), Err(error), "{text}");
    }
    // 100 codes is the most, and allowed.
    let hundred = with_field(
        &with_field(&stored, 5, "len=16,n=100"),
        7,
        &vec![first_hash.as_str(); 100].join(","),
    );
    assert_eq!(
        BackupCodeSet::from_stored(&hundred).map(|set| set.count()),
        Ok(100)
    );
}

/// Every prefix of a record is an error, never a panic and never a smaller set. (Here the last
/// code is unused; a record cut inside the time of use of its last code would still mark that
/// code used: it fails closed.)
#[test]
fn every_truncation_is_an_error() {
    let (_, stored) = stored_set();
    for end in 0..stored.len() {
        assert!(
            BackupCodeSet::from_stored(&stored[..end]).is_err(),
            "{}",
            &stored[..end]
        );
    }
}

/// Any one character changed: an error, or another set whose stored form is exactly the changed
/// text (the encoding is canonical), never the original set and never a panic.
#[test]
fn every_single_character_change_is_an_error_or_another_set() {
    let (set, stored) = stored_set();
    let replacements = [
        'A', 'z', '0', '9', '+', '/', '=', '$', ',', ':', '-', ' ', 'é', '\0',
    ];
    for position in 0..stored.len() {
        for &replacement in &replacements {
            let mut changed = stored.clone();
            let mut buffer = [0u8; 4];
            changed.replace_range(position..=position, replacement.encode_utf8(&mut buffer));
            if changed == stored {
                continue;
            }
            match BackupCodeSet::from_stored(&changed) {
                Ok(other) => {
                    assert_ne!(other, set, "{changed}");
                    assert_eq!(other.to_stored(), changed);
                }
                Err(error) => assert!(!error.to_string().is_empty()),
            }
        }
    }
}

#[test]
fn errors_display_the_field_not_its_content() {
    let (_, stored) = stored_set();
    let codes = fields(&stored)[7].clone();
    let error =
        BackupCodeSet::from_stored(&with_field(&stored, 7, &codes.replacen(',', ",x", 1))).unwrap_err();
    assert_eq!(error.to_string(), "stored backup codes: malformed hash of code 1");
    assert!(!error.to_string().contains(&codes[..10]));
}
