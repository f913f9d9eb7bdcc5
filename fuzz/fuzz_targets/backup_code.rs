//! Backup codes as people type them, looked up in the committed HMAC fixture set (codes 3 and 7
//! used): never a panic; a match is a code of the set, typed another way, and is refused as used
//! once marked; ASCII case never matters. The same text as a stored set: read strictly, so what
//! parses is written back byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofactor::backup::{BackupCodeSet, BackupError, HmacHasher};

const STORED: &str = include_str!("../../tests/data/backup_hmac_sha256_v1.txt");
const KEY: &[u8; 32] = b"twofactor backup-code test key!!";
/// The fixture's plaintext codes (`tests/backup/backup_fixture.rs`).
const CODES: [&str; 10] = [
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

fuzz_target!(|text: &str| {
    let hasher = HmacHasher::new(1, KEY).expect("a 32-byte key");
    let set = BackupCodeSet::from_stored(STORED.trim_end()).expect("the fixture parses");
    let found = set.verify(text, &hasher);
    match &found {
        &Ok(index) => {
            assert_eq!(set.verify(CODES[index], &hasher), Ok(index));
            let mut spent = set.clone();
            spent.mark_used(index, 1_800_000_000).expect("an unused code");
            assert_eq!(spent.verify(text, &hasher), Err(BackupError::Used));
        }
        Err(BackupError::Used) => assert!(CODES.iter().any(|code| set.verify(code, &hasher) == found)),
        Err(BackupError::Mismatch) => {}
        Err(error) if error.is_malformed() => {}
        Err(other) => panic!("unexpected {other:?}"),
    }
    if text.is_ascii() {
        assert_eq!(set.verify(&text.to_ascii_lowercase(), &hasher), found);
        assert_eq!(set.verify(&text.to_ascii_uppercase(), &hasher), found);
    }
    if let Ok(parsed) = BackupCodeSet::from_stored(text) {
        assert_eq!(parsed.to_stored(), text, "one set, one stored form");
        // Any parsed set, with this hasher: a code, a mismatch or a typed error (another scheme or
        // key), never a panic. Argon2 sets are not hashed here: the hasher refuses their scheme.
        let _ = parsed.verify(CODES[0], &hasher);
    }
});
