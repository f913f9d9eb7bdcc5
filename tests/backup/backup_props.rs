//! Property tests of backup codes: typing, lookup, the format and the stored form.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::backup::{BackupCodeSet, BackupCodes, BackupError, CodeFormat, HmacHasher};

fn hmac() -> HmacHasher {
    HmacHasher::new(1, &[0x42; 32]).unwrap()
}

fn generate(seed: u64, format: &CodeFormat) -> (BackupCodes, BackupCodeSet) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    BackupCodeSet::generate_with_rng(&mut rng, format, &hmac()).unwrap()
}

/// The normalisation rules, written out independently of the crate: separators skipped, case
/// folded, Crockford's look-alikes mapped, anything else refused.
fn model(input: &str, length: usize) -> Result<String, BackupError> {
    let mut canonical = String::new();
    for (position, byte) in input.bytes().enumerate() {
        match byte {
            b'-' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => continue,
            _ => {}
        }
        let symbol = match byte.to_ascii_uppercase() {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            other => other,
        };
        if !CodeFormat::ALPHABET.contains(&symbol) {
            return Err(BackupError::InvalidCharacter { position });
        }
        canonical.push(symbol as char);
    }
    match canonical.len() {
        0 => Err(BackupError::Empty),
        found if found != length => Err(BackupError::WrongLength {
            expected: length,
            found,
        }),
        _ => Ok(canonical),
    }
}

/// How a person might type one symbol: either case, a look-alike, separators after it.
fn typed_symbol(symbol: u8) -> impl Strategy<Value = String> {
    let spellings: Vec<char> = match symbol {
        b'0' => vec!['0', 'O', 'o'],
        b'1' => vec!['1', 'I', 'i', 'L', 'l'],
        other => vec![other as char, other.to_ascii_lowercase() as char],
    };
    (
        proptest::sample::select(spellings),
        proptest::collection::vec(proptest::sample::select(vec![' ', '-', '\t']), 0..3),
    )
        .prop_map(|(spelling, separators)| {
            let mut text = spelling.to_string();
            text.extend(separators);
            text
        })
}

fn typed(code: &str) -> BoxedStrategy<String> {
    let symbols: Vec<u8> = code.bytes().filter(|&b| b != b'-').collect();
    symbols
        .into_iter()
        .map(typed_symbol)
        .collect::<Vec<_>>()
        .prop_map(|parts| parts.concat())
        .boxed()
}

fn code_and_typing() -> impl Strategy<Value = (u64, usize, String)> {
    (any::<u64>(), 0usize..10).prop_flat_map(|(seed, index)| {
        let (codes, _) = generate(seed, &CodeFormat::default());
        let code = codes.expose_code(index).unwrap().to_owned();
        (Just(seed), Just(index), typed(&code))
    })
}

fn stored_set() -> impl Strategy<Value = BackupCodeSet> {
    (
        any::<u64>(),
        1usize..=30,
        CodeFormat::MIN_LENGTH..=CodeFormat::MAX_LENGTH,
        proptest::collection::vec((0usize..30, any::<u64>()), 0..10),
    )
        .prop_map(|(seed, count, length, uses)| {
            let format = CodeFormat::builder().count(count).length(length).build().unwrap();
            let (_, mut set) = generate(seed, &format);
            for (index, at) in uses {
                let _ = set.mark_used(index % count, at);
            }
            set
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_code_typed_any_forgiven_way_verifies((seed, index, typed) in code_and_typing()) {
        let (_, set) = generate(seed, &CodeFormat::default());
        prop_assert_eq!(set.verify(&typed, &hmac()), Ok(index));
    }

    #[test]
    fn a_code_with_one_symbol_changed_fails(
        seed in any::<u64>(),
        index in 0usize..10,
        position in 0usize..16,
        shift in 1usize..32,
    ) {
        let (codes, set) = generate(seed, &CodeFormat::default());
        let mut symbols: Vec<u8> =
            codes.expose_code(index).unwrap().bytes().filter(|&b| b != b'-').collect();
        let value = CodeFormat::ALPHABET.iter().position(|&s| s == symbols[position]).unwrap();
        symbols[position] = CodeFormat::ALPHABET[(value + shift) % 32];
        let changed = String::from_utf8(symbols).unwrap();
        prop_assert_eq!(set.verify(&changed, &hmac()), Err(BackupError::Mismatch));
    }

    /// Whatever is typed, the result is what the model of the rules predicts: the same typed
    /// error, or a lookup of the same canonical code.
    #[test]
    fn any_input_is_read_as_the_rules_say(
        input in prop_oneof![
            "[0-9A-Za-z \\-\t_.é]{0,24}",
            "([0-9A-Za-z][ -]?){16}",
            "\\PC{0,40}",
        ],
    ) {
        let (codes, set) = generate(7, &CodeFormat::default());
        let result = set.verify(&input, &hmac());
        match model(&input, 16) {
            Err(error) => prop_assert_eq!(result, Err(error)),
            Ok(canonical) => {
                let expected = codes
                    .expose_codes()
                    .position(|code| code.replace('-', "") == canonical)
                    .ok_or(BackupError::Mismatch);
                prop_assert_eq!(result, expected);
            }
        }
    }

    #[test]
    fn a_format_builds_exactly_within_its_ranges(
        count in 0usize..120,
        length in 0usize..40,
        group in 0usize..40,
    ) {
        let built = CodeFormat::builder().count(count).length(length).group(group).build();
        let in_range = (1..=100).contains(&count)
            && (13..=32).contains(&length)
            && (3..=32).contains(&group);
        prop_assert_eq!(built.is_ok(), in_range);
        if let Ok(format) = built {
            prop_assert!(format.entropy_bits() >= 64);
            prop_assert_eq!(format.entropy_bits(), length * 5);
        }
    }

    #[test]
    fn shown_codes_follow_their_format(
        seed in any::<u64>(),
        length in CodeFormat::MIN_LENGTH..=CodeFormat::MAX_LENGTH,
        group in CodeFormat::MIN_GROUP..=10,
    ) {
        let format = CodeFormat::builder().count(2).length(length).group(group).build().unwrap();
        let (codes, set) = generate(seed, &format);
        for (index, code) in codes.expose_codes().enumerate() {
            prop_assert_eq!(code.len(), format.display_len());
            for (position, part) in code.split('-').enumerate() {
                let last = position == (length - 1) / group;
                prop_assert!(part.len() == group || (last && part.len() <= group));
            }
            prop_assert_eq!(set.verify(code, &hmac()), Ok(index));
        }
    }

    #[test]
    fn a_stored_set_reads_back_equal(set in stored_set()) {
        let stored = set.to_stored();
        let read = BackupCodeSet::from_stored(&stored).unwrap();
        prop_assert_eq!(read.to_stored(), stored);
        prop_assert_eq!(read, set);
    }

    #[test]
    fn any_text_is_a_set_or_a_typed_error(
        text in prop_oneof![
            "\\PC{0,200}",
            "\\$twofactor-backup\\$v=1\\$(argon2id|hmac-sha256)\\$[a-z0-9=,]{0,30}\\$[a-z0-9=,]{0,12}\\$[A-Za-z0-9+/]{0,30}\\$[A-Za-z0-9+/:,]{0,200}",
        ],
    ) {
        if let Ok(set) = BackupCodeSet::from_stored(&text) {
            prop_assert_eq!(set.to_stored(), text);
        }
    }

    #[test]
    fn a_changed_record_is_an_error_or_exactly_another_set(
        set in stored_set(),
        position in any::<prop::sample::Index>(),
        replacement in "[\\x20-\\x7e]",
    ) {
        let stored = set.to_stored();
        let at = position.index(stored.len());
        let mut changed = stored.clone();
        changed.replace_range(at..=at, &replacement);
        match BackupCodeSet::from_stored(&changed) {
            Ok(other) => {
                prop_assert_eq!(other.to_stored(), changed.clone());
                prop_assert_eq!(other == set, changed == stored);
            }
            Err(_) => prop_assert_ne!(changed, stored),
        }
    }
}
