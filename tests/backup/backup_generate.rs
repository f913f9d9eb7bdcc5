//! Generation: the format, the entropy it gives, the alphabet, and the plaintext type.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};
use core::convert::Infallible;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{SeedableRng, TryCryptoRng, TryRng};
use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};

fn hasher() -> HmacHasher {
    HmacHasher::new(1, &[0x42; 32]).unwrap()
}

fn generate(seed: u64, format: &CodeFormat) -> (twofactor::backup::BackupCodes, BackupCodeSet) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    BackupCodeSet::generate_with_rng(&mut rng, format, &hasher()).unwrap()
}

/// The entropy of a code, computed from the format: `length × log2(number of distinct
/// symbols)`, the symbols being drawn uniformly and independently.
fn entropy_bits(format: &CodeFormat) -> f64 {
    let distinct: BTreeSet<u8> = CodeFormat::ALPHABET.iter().copied().collect();
    format.length() as f64 * (distinct.len() as f64).log2()
}

#[test]
fn default_format_has_at_least_64_bits_of_entropy() {
    let format = CodeFormat::default();
    let bits = entropy_bits(&format);
    assert!(bits >= 64.0, "{bits} bits");
    assert_eq!(bits, format.entropy_bits() as f64);
    assert_eq!((format.count(), format.length(), format.group()), (10, 16, 4));
}

#[test]
fn no_buildable_format_has_less_than_64_bits() {
    let shortest = CodeFormat::builder()
        .length(CodeFormat::MIN_LENGTH)
        .build()
        .unwrap();
    assert!(entropy_bits(&shortest) >= 64.0);
    let below = CodeFormat::MIN_LENGTH - 1;
    let too_short = CodeFormat::builder().length(below).build();
    assert_eq!(
        too_short,
        Err(BackupError::Length {
            length: below,
            min: CodeFormat::MIN_LENGTH,
            max: CodeFormat::MAX_LENGTH
        })
    );
    assert!((below as f64) * (CodeFormat::ALPHABET.len() as f64).log2() < 64.0);
}

#[test]
fn format_bounds_are_enforced() {
    assert!(CodeFormat::builder().count(0).build().is_err());
    assert!(CodeFormat::builder().count(1).build().is_ok());
    assert!(CodeFormat::builder().count(100).build().is_ok());
    assert!(matches!(
        CodeFormat::builder().count(101).build(),
        Err(BackupError::Count { count: 101, .. })
    ));
    assert!(CodeFormat::builder().length(33).build().is_err());
    assert!(CodeFormat::builder().group(2).build().is_err());
    assert!(matches!(
        CodeFormat::builder().group(33).build(),
        Err(BackupError::Group { group: 33, .. })
    ));
}

#[test]
fn the_alphabet_has_no_look_alikes() {
    let distinct: BTreeSet<u8> = CodeFormat::ALPHABET.iter().copied().collect();
    assert_eq!(distinct.len(), CodeFormat::ALPHABET.len());
    for confusable in *b"ILOU" {
        assert!(!distinct.contains(&confusable), "{}", confusable as char);
    }
    assert!(
        distinct
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
}

#[test]
fn default_codes_are_shown_as_four_groups_of_four() {
    let (codes, set) = generate(1, &CodeFormat::default());
    assert_eq!(codes.len(), 10);
    assert_eq!(set.count(), 10);
    for code in codes.expose_codes() {
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 4, "{code}");
        assert!(groups.iter().all(|group| group.len() == 4));
        assert!(
            code.bytes()
                .filter(|&b| b != b'-')
                .all(|b| CodeFormat::ALPHABET.contains(&b))
        );
    }
}

#[test]
fn grouping_follows_the_format() {
    let format = CodeFormat::builder()
        .count(2)
        .length(15)
        .group(5)
        .build()
        .unwrap();
    let (codes, _) = generate(2, &format);
    let code = codes.expose_code(0).unwrap();
    assert_eq!(code.len(), format.display_len());
    assert_eq!(
        code.match_indices('-').map(|(i, _)| i).collect::<Vec<_>>(),
        [5, 11]
    );

    let ungrouped = CodeFormat::builder()
        .count(1)
        .length(13)
        .group(13)
        .build()
        .unwrap();
    let (codes, _) = generate(3, &ungrouped);
    assert_eq!(codes.expose_code(0).unwrap().len(), 13);
    assert!(!codes.expose_code(0).unwrap().contains('-'));
    assert_eq!(codes.expose_code(1), None);
}

#[test]
fn codes_in_a_set_are_distinct() {
    let format = CodeFormat::builder().count(100).build().unwrap();
    let (codes, _) = generate(4, &format);
    let distinct: BTreeSet<&str> = codes.expose_codes().collect();
    assert_eq!(distinct.len(), 100);
}

/// 40 000 symbols from a seeded CSPRNG: each of the 32 symbols is expected 1 250 times, with a
/// standard deviation of about 35. A bias (a symbol never drawn, or drawn twice as often, as a
/// modulo reduction over a non-power-of-two would give) fails this bound; chance alone would need
/// a 7-sigma deviation.
#[test]
fn symbols_are_drawn_uniformly_from_the_whole_alphabet() {
    let format = CodeFormat::builder().count(100).length(20).build().unwrap();
    let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
    for seed in 0..20 {
        let (codes, _) = generate(100 + seed, &format);
        for code in codes.expose_codes() {
            for symbol in code.bytes().filter(|&b| b != b'-') {
                *counts.entry(symbol).or_default() += 1;
            }
        }
    }
    assert_eq!(
        counts.keys().copied().collect::<Vec<u8>>(),
        CodeFormat::ALPHABET.to_vec()
    );
    for (symbol, count) in counts {
        assert!((1000..=1500).contains(&count), "{}: {count}", symbol as char);
    }
}

#[test]
fn the_same_seed_gives_the_same_set_and_another_seed_another() {
    let (codes_a, set_a) = generate(5, &CodeFormat::default());
    let (codes_b, set_b) = generate(5, &CodeFormat::default());
    let (codes_c, set_c) = generate(6, &CodeFormat::default());
    assert!(codes_a.expose_codes().eq(codes_b.expose_codes()));
    assert_eq!(set_a, set_b);
    assert!(!codes_a.expose_codes().eq(codes_c.expose_codes()));
    assert_ne!(set_a, set_c);
}

#[test]
fn the_operating_system_rng_gives_fresh_sets() {
    let (codes_a, set_a) = BackupCodeSet::generate(&CodeFormat::default(), &hasher()).unwrap();
    let (codes_b, set_b) = BackupCodeSet::generate(&CodeFormat::default(), &hasher()).unwrap();
    assert_ne!(set_a, set_b);
    assert!(
        codes_a
            .expose_codes()
            .zip(codes_b.expose_codes())
            .all(|(a, b)| a != b)
    );
    // The salt differs too: the stored forms share only the header.
    let (stored_a, stored_b) = (set_a.to_stored(), set_b.to_stored());
    let salt = |stored: &str| stored.split('$').nth(6).unwrap().to_owned();
    assert_ne!(salt(&stored_a), salt(&stored_b));
}

/// An RNG that returns the same bytes forever.
struct Stuck;

impl TryRng for Stuck {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(7)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(7)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        dst.fill(7);
        Ok(())
    }
}

impl TryCryptoRng for Stuck {}

#[test]
fn an_rng_that_repeats_itself_is_refused() {
    let result = BackupCodeSet::generate_with_rng(&mut Stuck, &CodeFormat::default(), &hasher());
    assert_eq!(result.err(), Some(BackupError::Rng));
    // One code needs no second draw.
    let one = CodeFormat::builder().count(1).build().unwrap();
    let (codes, _) = BackupCodeSet::generate_with_rng(&mut Stuck, &one, &hasher()).unwrap();
    assert_eq!(codes.expose_code(0), Some("7777-7777-7777-7777"));
}

#[test]
fn debug_output_reveals_no_code_hash_or_key() {
    let (codes, set) = generate(7, &CodeFormat::default());
    assert_eq!(format!("{codes:?}"), "BackupCodes { count: 10, .. }");
    assert_eq!(
        format!("{set:?}"),
        "BackupCodeSet { scheme: HmacSha256 { key_id: 1 }, code_length: 16, count: 10, remaining: 10, .. }"
    );
    assert_eq!(format!("{:?}", hasher()), "HmacHasher { key_id: 1, .. }");
    let debug = format!("{codes:?}{set:?}{:#?}", hasher());
    for code in codes.expose_codes() {
        assert!(!debug.contains(code));
        assert!(!debug.contains(&code[..4]));
    }
    let stored = set.to_stored();
    let salt = stored.split('$').nth(6).unwrap();
    assert!(!debug.contains(salt));
}

#[cfg(feature = "argon2")]
#[test]
fn argon2_hasher_debug_shows_its_parameters() {
    let hasher = twofactor::backup::Argon2Hasher::default();
    assert_eq!(
        format!("{hasher:?}"),
        "Argon2Hasher { m_cost: 19456, t_cost: 2, p_cost: 1 }"
    );
}
