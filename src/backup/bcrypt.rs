//! bcrypt, the legacy scheme of imported backup codes: reading a hash as another system wrote
//! it (`$2b$12$` + 22 symbols of salt + 31 of hash), and computing one to compare with it.
//!
//! Verify-only: the crate never hashes a new set under bcrypt. `$2a$`, `$2b$` and `$2y$` compute
//! the same for codes (ASCII, far under 72 bytes); `$2x$`, the prefix of a broken
//! implementation's hashes, is refused.

#[cfg(feature = "bcrypt")]
use base64::Engine as _;

use super::error::BackupError;
use super::hasher::HashScheme;

/// The bytes of a bcrypt hash that are compared (bcrypt's output is 24; its text form keeps 23).
pub(crate) const BCRYPT_HASH_LEN: usize = 23;

/// Whether a stored bcrypt hash has nothing after its [`BCRYPT_HASH_LEN`] bytes (one spelling).
pub(crate) fn is_padded(hash: &[u8; HashScheme::HASH_LEN]) -> bool {
    hash.get(BCRYPT_HASH_LEN..)
        .is_some_and(|rest| rest.iter().all(|&byte| byte == 0))
}

/// One bcrypt hash as another system stored it: its cost, its salt and its hash (in the first
/// [`BCRYPT_HASH_LEN`] bytes, then zeros).
#[cfg(feature = "bcrypt")]
pub(crate) struct Parsed {
    pub(crate) cost: u32,
    pub(crate) salt: [u8; HashScheme::SALT_LEN],
    pub(crate) hash: [u8; HashScheme::HASH_LEN],
}

/// Reads `$2a$`/`$2b$`/`$2y$`, two digits of cost, 22 symbols of salt and 31 of hash in bcrypt's
/// base64 alphabet (canonical: no stray bits), exactly 60 bytes; `None` for anything else.
#[cfg(feature = "bcrypt")]
pub(crate) fn parse(text: &str) -> Option<Parsed> {
    let rest = ["$2a$", "$2b$", "$2y$"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))?;
    let (cost, rest) = rest.split_at_checked(2)?;
    let rest = rest.strip_prefix('$')?;
    if !cost.bytes().all(|byte| byte.is_ascii_digit()) || rest.len() != 53 {
        return None;
    }
    let cost = cost.parse().ok()?;
    let (salt_text, hash_text) = rest.split_at_checked(22)?;
    let mut salt = [0u8; HashScheme::SALT_LEN];
    let mut hash = [0u8; HashScheme::HASH_LEN];
    let salt_len = bcrypt::BASE_64.decode_slice(salt_text, &mut salt).ok()?;
    let hash_len = bcrypt::BASE_64
        .decode_slice(hash_text, hash.get_mut(..BCRYPT_HASH_LEN)?)
        .ok()?;
    (salt_len == HashScheme::SALT_LEN && hash_len == BCRYPT_HASH_LEN).then_some(Parsed { cost, salt, hash })
}

/// `bcrypt(cost, salt, code ‖ 0x00)` under `scheme`, the code in the scheme's case: what
/// [`CodeHasher::hash_legacy`](super::CodeHasher::hash_legacy) computes unless overridden.
#[cfg(feature = "bcrypt")]
pub(crate) fn hash(
    scheme: &HashScheme,
    salt: &[u8; HashScheme::SALT_LEN],
    code: &[u8],
) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
    let HashScheme::Bcrypt { cost, lowercase } = *scheme else {
        return Err(BackupError::UnsupportedScheme);
    };
    scheme.check()?;
    // A canonical code is at most `CodeFormat::MAX_LENGTH` symbols: far under bcrypt's 72 bytes.
    let mut input = zeroize::Zeroizing::new([0u8; super::CodeFormat::MAX_LENGTH + 1]);
    let Some(slot) = input.get_mut(..code.len()) else {
        return Err(BackupError::WrongLength {
            expected: super::CodeFormat::MAX_LENGTH,
            found: code.len(),
        });
    };
    slot.copy_from_slice(code);
    if lowercase {
        slot.make_ascii_lowercase();
    }
    // bcrypt hashes the NUL-terminated string.
    let terminated = input.get(..=code.len()).unwrap_or_default();
    let output = zeroize::Zeroizing::new(bcrypt::bcrypt(cost, *salt, terminated));
    let mut hash = [0u8; HashScheme::HASH_LEN];
    hash.get_mut(..BCRYPT_HASH_LEN)
        .zip(output.get(..BCRYPT_HASH_LEN))
        .map(|(to, from)| to.copy_from_slice(from))
        .ok_or(BackupError::InvalidParams)?;
    Ok(hash)
}

/// This build does not compute bcrypt (feature `bcrypt`).
#[cfg(not(feature = "bcrypt"))]
pub(crate) const fn hash(
    _: &HashScheme,
    _: &[u8; HashScheme::SALT_LEN],
    _: &[u8],
) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
    Err(BackupError::UnsupportedScheme)
}

#[cfg(all(test, feature = "bcrypt"))]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_bcrypt_crate_in_both_cases() {
        let salt = [0x5a; 16];
        for (typed, issued, lowercase) in [("A3F09B", "a3f09b", true), ("7KQ2M9XD", "7KQ2M9XD", false)] {
            let text = bcrypt::hash_with_salt(issued, 4, salt).unwrap().to_string();
            let parsed = parse(&text).unwrap();
            assert_eq!((parsed.cost, parsed.salt), (4, salt));
            let scheme = HashScheme::Bcrypt { cost: 4, lowercase };
            assert_eq!(hash(&scheme, &salt, typed.as_bytes()).unwrap(), parsed.hash);
        }
    }

    #[test]
    fn only_well_formed_hashes_of_the_sound_prefixes_are_read() {
        let good = bcrypt::hash_with_salt("code", 5, [1; 16]).unwrap().to_string();
        assert!(parse(&good).is_some());
        for prefix in ["$2a$", "$2y$"] {
            assert!(parse(&good.replacen("$2b$", prefix, 1)).is_some(), "{prefix}");
        }
        assert!(parse(&good.replacen("$2b$", "$2x$", 1)).is_none());
        assert!(parse(&good.replacen("$05$", "$5$", 1)).is_none());
        assert!(parse(&good.replacen("$05$", "$+5$", 1)).is_none());
        assert!(parse(&good[..59]).is_none());
        assert!(parse(&format!("{good}A")).is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn other_schemes_and_costs_out_of_range_are_refused() {
        let hmac = HashScheme::HmacSha256 { key_id: 1 };
        assert_eq!(hash(&hmac, &[0; 16], b"X"), Err(BackupError::UnsupportedScheme));
        let dear = HashScheme::Bcrypt {
            cost: 31,
            lowercase: false,
        };
        assert_eq!(hash(&dear, &[0; 16], b"X"), Err(BackupError::InvalidParams));
    }
}
