//! The stored form of a set: one self-describing string.
//!
//! ```text
//! $twofactor-backup$v=1$argon2id$v=19,m=19456,t=2,p=1$len=16,n=10$<salt>$<hash>,<hash>:<used-at>,…
//! $twofactor-backup$v=1$hmac-sha256$k=7$len=16,n=10$<salt>$<hash>,…
//! ```
//!
//! In the manner of the PHC string format: `$`-separated fields naming the format and its
//! version, the scheme, its parameters, the code length and the number of codes, the salt, then
//! the codes in index order, separated by commas, each the hash followed by `:` and the Unix time
//! it was used, if it was. The number of codes makes a record cut short an error rather than a
//! smaller set.
//! Salt and hashes are base64 without padding (RFC 4648 §4, the PHC "B64"). Numbers are decimal
//! without leading zeros. Decoding is strict — a field out of place, a parameter out of range, a
//! non-canonical number or base64 text is a typed [`StoredSetError`] — so that a set has exactly
//! one stored form and `from_stored(to_stored(set)) == set`.

use core::fmt::{self, Write as _};

use alloc::string::String;
use alloc::vec::Vec;

use data_encoding::BASE64_NOPAD;

use super::format::CodeFormat;
use super::hasher::HashScheme;
use super::set::{BackupCodeSet, StoredCode};

const PREFIX: &str = "twofactor-backup";
const VERSION: u64 = 1;
const ARGON2ID: &str = "argon2id";
const HMAC_SHA256: &str = "hmac-sha256";
/// Argon2 version 0x13, the only one accepted.
const ARGON2_VERSION: u64 = 0x13;

impl BackupCodeSet {
    /// The stored form of the set: a self-describing string of printable ASCII (format version,
    /// scheme, parameters, code length, salt, hashes, used times), about 70 bytes per code.
    ///
    /// The string holds the hashes: store it as the set itself, not in logs.
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, CodeFormat, HmacHasher};
    ///
    /// let hasher = HmacHasher::new(7, &[0x42; 32])?;
    /// let (_codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
    /// let stored = set.to_stored();
    /// assert!(stored.starts_with("$twofactor-backup$v=1$hmac-sha256$k=7$len=16,n=10$"));
    /// assert_eq!(BackupCodeSet::from_stored(&stored)?, set);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_stored(&self) -> String {
        let per_code = BASE64_NOPAD.encode_len(HashScheme::HASH_LEN) + 22;
        let mut out = String::with_capacity(96 + per_code * self.codes.len());
        // Writing to a `String` cannot fail.
        let _ = write!(out, "${PREFIX}$v={VERSION}$");
        let _ = match self.scheme {
            HashScheme::Argon2id {
                m_cost,
                t_cost,
                p_cost,
            } => write!(
                out,
                "{ARGON2ID}$v={ARGON2_VERSION},m={m_cost},t={t_cost},p={p_cost}"
            ),
            HashScheme::HmacSha256 { key_id } => write!(out, "{HMAC_SHA256}$k={key_id}"),
        };
        let _ = write!(out, "$len={},n={}$", self.length, self.codes.len());
        BASE64_NOPAD.encode_append(&self.salt, &mut out);
        out.push('$');
        for (index, code) in self.codes.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            BASE64_NOPAD.encode_append(&code.hash, &mut out);
            if let Some(at) = code.used_at {
                let _ = write!(out, ":{at}");
            }
        }
        out
    }

    /// Reads a set from its stored form ([`BackupCodeSet::to_stored`]).
    ///
    /// # Errors
    /// A [`StoredSetError`] naming the first field that is missing, malformed or out of range.
    /// A corrupt record is always an error, never a panic, and never a set that accepts a code
    /// the original did not.
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, StoredSetError};
    ///
    /// assert_eq!(BackupCodeSet::from_stored("$argon2id$v=19$..."), Err(StoredSetError::Prefix));
    /// assert_eq!(
    ///     BackupCodeSet::from_stored("$twofactor-backup$v=2$..."),
    ///     Err(StoredSetError::UnsupportedVersion { version: 2 })
    /// );
    /// ```
    pub fn from_stored(text: &str) -> Result<Self, StoredSetError> {
        let mut fields = text.split('$');
        if fields.next() != Some("") || fields.next() != Some(PREFIX) {
            return Err(StoredSetError::Prefix);
        }
        let version = fields
            .next()
            .and_then(|field| field.strip_prefix("v="))
            .and_then(decimal)
            .ok_or(StoredSetError::Version)?;
        if version != VERSION {
            return Err(StoredSetError::UnsupportedVersion { version });
        }
        let name = fields.next().ok_or(StoredSetError::Scheme)?;
        let params = fields.next().ok_or(StoredSetError::Params)?;
        let scheme = match name {
            ARGON2ID => {
                let [version, m_cost, t_cost, p_cost] =
                    parameters(params, ["v", "m", "t", "p"]).ok_or(StoredSetError::Params)?;
                if version != ARGON2_VERSION {
                    return Err(StoredSetError::Params);
                }
                HashScheme::Argon2id {
                    m_cost: narrow(m_cost)?,
                    t_cost: narrow(t_cost)?,
                    p_cost: narrow(p_cost)?,
                }
            }
            HMAC_SHA256 => {
                let [key_id] = parameters(params, ["k"]).ok_or(StoredSetError::Params)?;
                HashScheme::HmacSha256 {
                    key_id: narrow(key_id)?,
                }
            }
            _ => return Err(StoredSetError::Scheme),
        };
        scheme.check().map_err(|_| StoredSetError::Params)?;
        let [length, count] = fields
            .next()
            .and_then(|field| parameters(field, ["len", "n"]))
            .ok_or(StoredSetError::CodeLength)?;
        let length = usize::try_from(length)
            .ok()
            .filter(|length| (CodeFormat::MIN_LENGTH..=CodeFormat::MAX_LENGTH).contains(length))
            .ok_or(StoredSetError::CodeLength)?;
        let count = usize::try_from(count)
            .ok()
            .filter(|count| (CodeFormat::MIN_COUNT..=CodeFormat::MAX_COUNT).contains(count))
            .ok_or(StoredSetError::Count)?;
        let salt = fields
            .next()
            .and_then(base64::<{ HashScheme::SALT_LEN }>)
            .ok_or(StoredSetError::Salt)?;
        let codes = codes(fields.next().ok_or(StoredSetError::Count)?, count)?;
        if fields.next().is_some() {
            return Err(StoredSetError::Trailing);
        }
        Ok(Self {
            scheme,
            salt,
            length,
            codes,
        })
    }
}

/// `count` codes; `count` is at most [`CodeFormat::MAX_COUNT`].
fn codes(field: &str, count: usize) -> Result<Vec<StoredCode>, StoredSetError> {
    if field.is_empty() {
        return Err(StoredSetError::Count);
    }
    let mut codes = Vec::with_capacity(count);
    for (index, entry) in field.split(',').enumerate() {
        if index >= count {
            return Err(StoredSetError::Count);
        }
        let (hash, used_at) = match entry.split_once(':') {
            Some((hash, at)) => (hash, Some(decimal(at).ok_or(StoredSetError::UsedAt { index })?)),
            None => (entry, None),
        };
        let hash = base64::<{ HashScheme::HASH_LEN }>(hash).ok_or(StoredSetError::Hash { index })?;
        codes.push(StoredCode { hash, used_at });
    }
    if codes.len() != count {
        return Err(StoredSetError::Count);
    }
    Ok(codes)
}

/// `names[0]=value,names[1]=value,…`, exactly these names in this order.
fn parameters<const N: usize>(text: &str, names: [&str; N]) -> Option<[u64; N]> {
    let mut values = [0u64; N];
    let mut pairs = text.split(',');
    for (value, name) in values.iter_mut().zip(names) {
        let (key, number) = pairs.next()?.split_once('=')?;
        if key != name {
            return None;
        }
        *value = decimal(number)?;
    }
    pairs.next().is_none().then_some(values)
}

/// A canonical decimal number: digits only, no leading zero but in `0` itself, fits in a `u64`.
fn decimal(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let canonical = match bytes {
        [] => false,
        [b'0', _, ..] => false,
        _ => bytes.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return None;
    }
    bytes.iter().try_fold(0u64, |value, &digit| {
        value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    })
}

fn narrow(value: u64) -> Result<u32, StoredSetError> {
    u32::try_from(value).map_err(|_| StoredSetError::Params)
}

/// Canonical unpadded base64 of exactly `N` bytes.
fn base64<const N: usize>(text: &str) -> Option<[u8; N]> {
    if BASE64_NOPAD.decode_len(text.len()).ok()? != N {
        return None;
    }
    let mut out = [0u8; N];
    let written = BASE64_NOPAD.decode_mut(text.as_bytes(), &mut out).ok()?;
    (written == N).then_some(out)
}

/// Why a stored set could not be read. Names the field, never its content.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Prefix` | `stored backup codes: not a stored set of backup codes` |
/// | `Version` | `stored backup codes: malformed version` |
/// | `UnsupportedVersion` | `stored backup codes: unsupported version {version}` |
/// | `Scheme` | `stored backup codes: missing or unknown hashing scheme` |
/// | `Params` | `stored backup codes: malformed or out-of-range hashing parameters` |
/// | `CodeLength` | `stored backup codes: malformed or out-of-range code length` |
/// | `Salt` | `stored backup codes: malformed salt` |
/// | `Count` | `stored backup codes: wrong number of codes` |
/// | `Hash` | `stored backup codes: malformed hash of code {index}` |
/// | `UsedAt` | `stored backup codes: malformed time of use of code {index}` |
/// | `Trailing` | `stored backup codes: unexpected data after the codes` |
///
/// ```
/// use twofactor::backup::{BackupCodeSet, CodeFormat, HmacHasher, StoredSetError};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// let (_codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// let stored = set.to_stored();
/// let last = stored.rfind(',').ok_or("one code")?;
/// let cut = &stored[..last]; // a record that lost its last code
/// assert_eq!(BackupCodeSet::from_stored(cut), Err(StoredSetError::Count));
/// assert_eq!(
///     BackupCodeSet::from_stored(&stored[..last - 1]),
///     Err(StoredSetError::Hash { index: 8 })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoredSetError {
    /// The text does not start with `$twofactor-backup$`: not a stored set.
    Prefix,
    /// The version field is missing or malformed.
    Version,
    /// A version of the format this release does not read.
    UnsupportedVersion {
        /// The version found.
        version: u64,
    },
    /// The scheme is missing or unknown.
    Scheme,
    /// The scheme's parameters are missing, malformed or out of range.
    Params,
    /// The code length (or the field that holds it) is missing, malformed or out of range.
    CodeLength,
    /// The salt is missing, not canonical base64, or of the wrong length.
    Salt,
    /// The number of codes is out of range (none, or more than [`CodeFormat::MAX_COUNT`]), or
    /// the codes are not as many as the record says: it was cut short or spliced.
    Count,
    /// A code's hash is not canonical base64 or of the wrong length.
    Hash {
        /// The index of the code.
        index: usize,
    },
    /// A code's time of use is not a canonical decimal number.
    UsedAt {
        /// The index of the code.
        index: usize,
    },
    /// Something follows the codes.
    Trailing,
}

impl fmt::Display for StoredSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stored backup codes: ")?;
        match self {
            Self::Prefix => f.write_str("not a stored set of backup codes"),
            Self::Version => f.write_str("malformed version"),
            Self::UnsupportedVersion { version } => write!(f, "unsupported version {version}"),
            Self::Scheme => f.write_str("missing or unknown hashing scheme"),
            Self::Params => f.write_str("malformed or out-of-range hashing parameters"),
            Self::CodeLength => f.write_str("malformed or out-of-range code length"),
            Self::Salt => f.write_str("malformed salt"),
            Self::Count => f.write_str("wrong number of codes"),
            Self::Hash { index } => write!(f, "malformed hash of code {index}"),
            Self::UsedAt { index } => write!(f, "malformed time of use of code {index}"),
            Self::Trailing => f.write_str("unexpected data after the codes"),
        }
    }
}

impl core::error::Error for StoredSetError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_numbers_are_canonical() {
        assert_eq!(decimal("0"), Some(0));
        assert_eq!(decimal("19456"), Some(19456));
        assert_eq!(decimal("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "00",
            "019",
            "+1",
            "-1",
            " 1",
            "1 ",
            "18446744073709551616",
            "1a",
            "١",
        ] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parameters_are_exact() {
        assert_eq!(
            parameters("v=19,m=8,t=1,p=1", ["v", "m", "t", "p"]),
            Some([19, 8, 1, 1])
        );
        for bad in [
            "m=8,v=19,t=1,p=1",
            "v=19,m=8,t=1",
            "v=19,m=8,t=1,p=1,",
            "v=19,m=8,t=1,p=1,x=2",
            "",
        ] {
            assert_eq!(parameters(bad, ["v", "m", "t", "p"]), None, "{bad:?}");
        }
    }

    #[test]
    fn base64_is_canonical_and_exact() {
        assert_eq!(base64::<2>("AAE"), Some([0, 1]));
        assert_eq!(base64::<2>("AAF"), None); // stray trailing bits
        assert_eq!(base64::<2>("AAE="), None);
        assert_eq!(base64::<2>("AAEA"), None);
        assert_eq!(base64::<2>("AA"), None);
    }
}
