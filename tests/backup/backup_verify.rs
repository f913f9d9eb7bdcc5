//! Lookup: what verifies, what does not, what is never hashed, and what consuming a code does.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::cell::Cell;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::backup::{
    BackupCodeSet, BackupCodes, BackupError, CodeFormat, CodeHasher, HashScheme, HmacHasher,
};

fn hmac() -> HmacHasher {
    HmacHasher::new(1, &[0x42; 32]).unwrap()
}

fn generate<H: CodeHasher>(seed: u64, format: &CodeFormat, hasher: &H) -> (BackupCodes, BackupCodeSet) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    BackupCodeSet::generate_with_rng(&mut rng, format, hasher).unwrap()
}

/// A hasher that counts its calls.
struct Counting<H> {
    inner: H,
    calls: Cell<usize>,
}

impl<H> Counting<H> {
    fn new(inner: H) -> Self {
        Self {
            inner,
            calls: Cell::new(0),
        }
    }

    fn take(&self) -> usize {
        self.calls.replace(0)
    }
}

impl<H: CodeHasher> CodeHasher for Counting<H> {
    fn scheme(&self) -> HashScheme {
        self.inner.scheme()
    }

    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        self.calls.set(self.calls.get() + 1);
        self.inner.hash(scheme, salt, code)
    }
}

#[test]
fn every_generated_code_verifies_to_its_index() {
    let hasher = hmac();
    let (codes, set) = generate(1, &CodeFormat::default(), &hasher);
    for (index, code) in codes.expose_codes().enumerate() {
        assert_eq!(set.verify(code, &hasher), Ok(index));
    }
}

#[cfg(feature = "argon2")]
#[test]
fn every_generated_code_verifies_with_argon2() {
    let hasher = twofactor::backup::Argon2Hasher::default();
    let format = CodeFormat::builder().count(3).build().unwrap();
    let (codes, set) = generate(2, &format, &hasher);
    for (index, code) in codes.expose_codes().enumerate() {
        assert_eq!(set.verify(code, &hasher), Ok(index));
    }
    let mut wrong = codes.expose_code(0).unwrap().to_owned();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(wrong.len() - 1.., last);
    assert_eq!(set.verify(&wrong, &hasher), Err(BackupError::Mismatch));
}

/// Replaces the `position`-th symbol (separators not counted) of a shown code with `symbol`.
fn with_symbol(code: &str, position: usize, symbol: u8) -> String {
    let mut seen = 0;
    code.bytes()
        .map(|byte| {
            if byte == b'-' {
                return '-';
            }
            seen += 1;
            if seen - 1 == position {
                symbol as char
            } else {
                byte as char
            }
        })
        .collect()
}

#[test]
fn any_changed_symbol_fails() {
    let hasher = hmac();
    let (codes, set) = generate(3, &CodeFormat::default(), &hasher);
    for code in codes.expose_codes() {
        let symbols: Vec<u8> = code.bytes().filter(|&b| b != b'-').collect();
        for (position, &original) in symbols.iter().enumerate() {
            for &symbol in CodeFormat::ALPHABET.iter().filter(|&&s| s != original) {
                let changed = with_symbol(code, position, symbol);
                assert_eq!(
                    set.verify(&changed, &hasher),
                    Err(BackupError::Mismatch),
                    "{changed}"
                );
            }
        }
    }
}

#[cfg(feature = "argon2")]
#[test]
fn any_changed_symbol_fails_with_argon2() {
    let hasher = twofactor::backup::Argon2Hasher::with_params(1024, 1, 1).unwrap();
    let format = CodeFormat::builder().count(2).build().unwrap();
    let (codes, set) = generate(4, &format, &hasher);
    let code = codes.expose_code(1).unwrap();
    for position in 0..16 {
        let original = code.bytes().filter(|&b| b != b'-').nth(position).unwrap();
        let symbol = if original == b'Z' { b'Y' } else { b'Z' };
        let changed = with_symbol(code, position, symbol);
        assert_eq!(set.verify(&changed, &hasher), Err(BackupError::Mismatch));
    }
    assert_eq!(set.verify(code, &hasher), Ok(1));
}

#[test]
fn typing_is_forgiven_case_spaces_hyphens_and_look_alikes() {
    let hasher = hmac();
    let format = CodeFormat::builder().count(100).build().unwrap();
    let (codes, set) = generate(5, &format, &hasher);
    let (index, code) = codes
        .expose_codes()
        .enumerate()
        .find(|(_, code)| code.contains('0') && code.contains('1'))
        .expect("a code with both 0 and 1 among 100");
    let bare = code.replace('-', "");
    let variants = [
        code.to_lowercase(),
        bare.clone(),
        code.replace('-', " "),
        format!("  {}\n", code.replace('-', "\t")),
        bare.chars().map(|c| format!("{c} ")).collect::<String>(),
        format!("-{}-", code.replace('-', "--")),
        code.replace('0', "O"),
        code.replace('0', "o").replace('1', "I"),
        code.replace('1', "l").to_lowercase(),
        code.replace('1', "L"),
    ];
    for variant in &variants {
        assert_eq!(set.verify(variant, &hasher), Ok(index), "{variant:?}");
    }
}

#[test]
fn input_that_cannot_be_a_code_is_refused_before_hashing() {
    let hasher = Counting::new(hmac());
    let (codes, set) = generate(6, &CodeFormat::default(), &hasher);
    hasher.take();
    let code = codes.expose_code(0).unwrap();
    let cases: Vec<(String, BackupError)> = vec![
        (String::new(), BackupError::Empty),
        (" - - \n".into(), BackupError::Empty),
        (
            code[..18].into(),
            BackupError::WrongLength {
                expected: 16,
                found: 15,
            },
        ),
        (
            format!("{code}A"),
            BackupError::WrongLength {
                expected: 16,
                found: 17,
            },
        ),
        (
            "123456".into(),
            BackupError::WrongLength {
                expected: 16,
                found: 6,
            },
        ),
        (
            format!("U{}", &code[1..]),
            BackupError::InvalidCharacter { position: 0 },
        ),
        (
            format!("{}_", &code[..18]),
            BackupError::InvalidCharacter { position: 18 },
        ),
        (
            format!("{}.{}", &code[..4], &code[5..]),
            BackupError::InvalidCharacter { position: 4 },
        ),
        (
            format!("{}\u{2013}{}", &code[..4], &code[5..]),
            BackupError::InvalidCharacter { position: 4 },
        ),
        (
            format!("\u{FF10}{}", &code[1..]),
            BackupError::InvalidCharacter { position: 0 },
        ),
    ];
    for (input, error) in cases {
        assert_eq!(set.verify(&input, &hasher), Err(error), "{input:?}");
    }
    assert_eq!(hasher.take(), 0, "nothing malformed was hashed");
}

/// One salt per set: whatever the number of codes, and whether the input matches an unused code,
/// a used one or none, a lookup hashes once.
#[test]
fn a_lookup_costs_one_hash_whatever_the_number_of_codes() {
    for count in [1, 10, 100] {
        let hasher = Counting::new(hmac());
        let format = CodeFormat::builder().count(count).build().unwrap();
        let (codes, mut set) = generate(7, &format, &hasher);
        assert_eq!(hasher.take(), count, "generation hashes each code once");
        let last = codes.expose_code(count - 1).unwrap();
        assert_eq!(set.verify(last, &hasher), Ok(count - 1));
        assert_eq!(hasher.take(), 1);
        assert_eq!(
            set.verify("0000-0000-0000-0000", &hasher),
            Err(BackupError::Mismatch)
        );
        assert_eq!(hasher.take(), 1);
        set.mark_used(count - 1, 10).unwrap();
        assert_eq!(set.verify(last, &hasher), Err(BackupError::Used));
        assert_eq!(hasher.take(), 1);
    }
}

#[test]
fn a_used_code_never_matches_and_the_others_still_do() {
    let hasher = hmac();
    let (codes, mut set) = generate(8, &CodeFormat::default(), &hasher);
    let before = set.clone();
    assert_eq!(set.remaining(), 10);
    set.mark_used(4, 1_700_000_000).unwrap();
    assert_ne!(set, before, "marking a code used changes the state");
    assert_eq!(set.remaining(), 9);
    assert!(set.is_used(4));
    assert_eq!(set.used_at(4), Some(1_700_000_000));
    assert_eq!(set.used_at(5), None);
    assert_eq!(
        set.verify(codes.expose_code(4).unwrap(), &hasher),
        Err(BackupError::Used)
    );
    for index in (0..10).filter(|&i| i != 4) {
        assert_eq!(set.verify(codes.expose_code(index).unwrap(), &hasher), Ok(index));
    }
    assert_eq!(
        set.mark_used(4, 1_800_000_000),
        Err(BackupError::AlreadyUsed { at: 1_700_000_000 })
    );
    assert_eq!(
        set.used_at(4),
        Some(1_700_000_000),
        "a failed mark changes nothing"
    );
    assert_eq!(
        set.mark_used(10, 1),
        Err(BackupError::OutOfRange { index: 10, count: 10 })
    );
}

#[test]
fn consuming_every_code_leaves_none() {
    let hasher = hmac();
    let (codes, mut set) = generate(9, &CodeFormat::default(), &hasher);
    for (index, code) in codes.expose_codes().enumerate().rev() {
        assert_eq!(set.consume(code, &hasher, 1000 + index as u64), Ok(index));
        assert_eq!(set.consume(code, &hasher, 5000), Err(BackupError::Used));
    }
    assert_eq!(set.remaining(), 0);
    assert_eq!(set.count(), 10);
    for index in 0..10 {
        assert_eq!(set.used_at(index), Some(1000 + index as u64));
    }
}

#[test]
fn a_failed_consume_leaves_the_set_unchanged() {
    let hasher = hmac();
    let (_, mut set) = generate(10, &CodeFormat::default(), &hasher);
    let before = set.clone();
    assert!(set.consume("0000-0000-0000-0000", &hasher, 1).is_err());
    assert!(set.consume("nonsense", &hasher, 1).is_err());
    assert_eq!(set, before);
}

#[test]
fn regenerating_replaces_every_code() {
    let hasher = hmac();
    let (old_codes, _old) = generate(11, &CodeFormat::default(), &hasher);
    let (new_codes, new) = generate(12, &CodeFormat::default(), &hasher);
    for code in old_codes.expose_codes() {
        assert_eq!(new.verify(code, &hasher), Err(BackupError::Mismatch));
    }
    for (index, code) in new_codes.expose_codes().enumerate() {
        assert_eq!(new.verify(code, &hasher), Ok(index));
    }
}

#[test]
fn a_set_verifies_only_under_its_own_key() {
    let hasher = hmac();
    let (codes, set) = generate(13, &CodeFormat::default(), &hasher);
    let code = codes.expose_code(0).unwrap();
    let rotated = HmacHasher::new(2, &[0x43; 32]).unwrap();
    assert!(set.needs_rehash(&rotated));
    assert!(!set.needs_rehash(&hasher));
    assert_eq!(
        set.verify(code, &rotated),
        Err(BackupError::KeyMismatch { stored: 1, held: 2 })
    );
}

#[test]
fn codes_of_another_length_verify_against_their_own_set() {
    let hasher = hmac();
    let format = CodeFormat::builder()
        .count(3)
        .length(25)
        .group(5)
        .build()
        .unwrap();
    let (codes, set) = generate(14, &format, &hasher);
    assert_eq!(set.code_length(), 25);
    assert_eq!(set.verify(codes.expose_code(2).unwrap(), &hasher), Ok(2));
    assert_eq!(
        set.verify("0000-0000-0000-0000", &hasher),
        Err(BackupError::WrongLength {
            expected: 25,
            found: 16
        })
    );
}

#[test]
fn hasher_errors_are_typed() {
    assert_eq!(
        HmacHasher::new(1, &[0; 31]).err(),
        Some(BackupError::KeyLength {
            len: 31,
            min: 32,
            max: 64
        })
    );
    assert!(HmacHasher::new(1, &[0; 64]).is_ok());
    assert!(HmacHasher::new(1, &[0; 65]).is_err());
    // A custom hasher whose scheme is out of range cannot make a set.
    struct Bad;
    impl CodeHasher for Bad {
        fn scheme(&self) -> HashScheme {
            HashScheme::Argon2id {
                m_cost: 8,
                t_cost: 1,
                p_cost: 1,
            }
        }
        fn hash(
            &self,
            _: &HashScheme,
            _: &[u8; HashScheme::SALT_LEN],
            _: &[u8],
        ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
            Ok([0; 32])
        }
    }
    let result = BackupCodeSet::generate(&CodeFormat::default(), &Bad);
    assert_eq!(result.err(), Some(BackupError::InvalidParams));
}

#[cfg(feature = "argon2")]
#[test]
fn argon2_parameters_are_bounded() {
    use twofactor::backup::Argon2Hasher;
    assert!(Argon2Hasher::with_params(1024, 1, 1).is_ok());
    assert!(Argon2Hasher::with_params(1023, 1, 1).is_err());
    assert!(Argon2Hasher::with_params(256 * 1024, 16, 16).is_ok());
    assert!(Argon2Hasher::with_params(256 * 1024 + 1, 1, 1).is_err());
    assert!(Argon2Hasher::with_params(1024, 0, 1).is_err());
    assert!(Argon2Hasher::with_params(1024, 17, 1).is_err());
    assert!(Argon2Hasher::with_params(1024, 1, 0).is_err());
    assert!(Argon2Hasher::with_params(1024, 1, 17).is_err());
    // A hand-made scheme out of range is refused when hashing, not passed to Argon2.
    let scheme = HashScheme::Argon2id {
        m_cost: u32::MAX,
        t_cost: 1,
        p_cost: 1,
    };
    assert_eq!(
        Argon2Hasher::default().hash(&scheme, &[0; 16], b"0000000000000"),
        Err(BackupError::InvalidParams)
    );
}

#[test]
fn errors_display_without_the_input() {
    let hasher = hmac();
    let (codes, set) = generate(15, &CodeFormat::default(), &hasher);
    let code = codes.expose_code(0).unwrap();
    let mut almost = code.to_owned();
    almost.push('!');
    let errors = [
        set.verify(&almost, &hasher).unwrap_err(),
        set.verify(&code[..10], &hasher).unwrap_err(),
        set.verify("ZZZZ-ZZZZ-ZZZZ-ZZZZ", &hasher).unwrap_err(),
    ];
    for error in &errors {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(&code[..4]), "{shown}");
    }
    assert_eq!(
        errors[0].to_string(),
        "the backup code has an invalid character at byte 19"
    );
    assert!(errors[0].is_malformed());
    assert_eq!(errors[2].to_string(), "the backup code is wrong");
}

#[cfg(feature = "bcrypt")]
#[test]
fn an_imported_bcrypt_code_of_the_longest_length_verifies() {
    // 32 symbols, `CodeFormat::MAX_LENGTH`: the code and its NUL terminator fill bcrypt's input.
    let code = "a3f09b1c0d4e5f6799887766a3f09b1c";
    assert_eq!(code.len(), CodeFormat::MAX_LENGTH);
    let stored = bcrypt::hash_with_salt(code, 4, [3; 16]).unwrap().to_string();
    let set = BackupCodeSet::import_bcrypt(&[stored.as_str()], CodeFormat::MAX_LENGTH, true).unwrap();
    assert_eq!(set.verify(code, &hmac()), Ok(0));
    assert_eq!(
        set.verify("a3f09b1c0d4e5f6799887766a3f09b1d", &hmac()),
        Err(BackupError::Mismatch)
    );
}
