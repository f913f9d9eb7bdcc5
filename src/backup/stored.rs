//! The stored form of a set: one self-describing string.
//!
//! ```text
//! $twofactor-backup$v=1$argon2id$v=19,m=19456,t=2,p=1$len=16,n=10$<salt>$<hash>,<hash>:<used-at>,…
//! $twofactor-backup$v=1$hmac-sha256$k=7$len=16,n=10$<salt>$<hash>,…
//! $twofactor-backup$v=1$bcrypt$c=12,lc=1$len=16,n=10$<zero salt>$<code salt>.<hash>:<used-at>,…
//! ```
//!
//! `v=2` is the same form for a set bound to its user (`super::owner`).
//! Under bcrypt (imported codes, [`HashScheme::Bcrypt`]) the set's salt is all zeros and each
//! code carries its own before a `.`; its hash is bcrypt's 23 bytes; `lc` is 1 for codes issued
//! in lower case, else 0.
//!
//! In the manner of the PHC string format: `$`-separated fields naming the format and its
//! version, the scheme, its parameters, the code length and the number of codes, the salt, then
//! the codes in index order, separated by commas, each the hash followed by `:` and the Unix time
//! it was used, if it was. The number of codes makes a record cut short an error rather than a
//! smaller set.
//! Salt and hashes are base64 without padding (RFC 4648 §4, the PHC "B64"). Numbers are decimal
//! without leading zeros. Decoding is strict — a field out of place, a parameter out of range, a
//! non-canonical number or base64 text is a typed [`StoredProblem`] — so that a set has exactly
//! one stored form and `from_stored(to_stored(set)) == set`.

use core::fmt::Write as _;

use alloc::string::String;
use alloc::vec::Vec;

use data_encoding::BASE64_NOPAD;

use super::bcrypt::BCRYPT_HASH_LEN;
use super::error::{BackupError, StoredProblem};
use super::format::CodeFormat;
use super::hasher::HashScheme;
use super::set::{BackupCodeSet, StoredCode};

const PREFIX: &str = "twofactor-backup";
const VERSION: u64 = 1;
/// The version of a set bound to its user (`super::owner`): the same fields.
const BOUND: u64 = 2;
const ARGON2ID: &str = "argon2id";
const HMAC_SHA256: &str = "hmac-sha256";
const BCRYPT: &str = "bcrypt";
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
        let _ = write!(out, "${PREFIX}$v={}$", if self.bound { BOUND } else { VERSION });
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
            HashScheme::Bcrypt { cost, lowercase } => {
                write!(out, "{BCRYPT}$c={cost},lc={}", u8::from(lowercase))
            }
        };
        let _ = write!(out, "$len={},n={}$", self.length, self.codes.len());
        BASE64_NOPAD.encode_append(&self.salt, &mut out);
        out.push('$');
        for (index, code) in self.codes.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            match self.code_salts.get(index) {
                Some(salt) => {
                    BASE64_NOPAD.encode_append(salt, &mut out);
                    out.push('.');
                    BASE64_NOPAD
                        .encode_append(code.hash.get(..BCRYPT_HASH_LEN).unwrap_or_default(), &mut out);
                }
                None => BASE64_NOPAD.encode_append(&code.hash, &mut out),
            }
            if let Some(at) = code.used_at {
                let _ = write!(out, ":{at}");
            }
        }
        out
    }

    /// Reads a set from its stored form ([`BackupCodeSet::to_stored`]).
    ///
    /// # Errors
    /// [`BackupError::Stored`] with the [`StoredProblem`] of the first field that is missing,
    /// malformed or out of range. A corrupt record is always an error, never a panic, and never
    /// a set that accepts a code the original did not.
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, BackupError, StoredProblem};
    ///
    /// assert_eq!(
    ///     BackupCodeSet::from_stored("$argon2id$v=19$..."),
    ///     Err(BackupError::Stored(StoredProblem::Prefix))
    /// );
    /// assert_eq!(
    ///     BackupCodeSet::from_stored("$twofactor-backup$v=3$..."),
    ///     Err(BackupError::Stored(StoredProblem::UnsupportedVersion { version: 3 }))
    /// );
    /// ```
    pub fn from_stored(text: &str) -> Result<Self, BackupError> {
        Self::parse_stored(text).map_err(BackupError::Stored)
    }

    fn parse_stored(text: &str) -> Result<Self, StoredProblem> {
        let mut fields = text.split('$');
        if fields.next() != Some("") || fields.next() != Some(PREFIX) {
            return Err(StoredProblem::Prefix);
        }
        let version = fields
            .next()
            .and_then(|field| field.strip_prefix("v="))
            .and_then(decimal)
            .ok_or(StoredProblem::Version)?;
        if version != VERSION && version != BOUND {
            return Err(StoredProblem::UnsupportedVersion { version });
        }
        let name = fields.next().ok_or(StoredProblem::Scheme)?;
        let params = fields.next().ok_or(StoredProblem::Params)?;
        let scheme = match name {
            ARGON2ID => {
                let [version, m_cost, t_cost, p_cost] =
                    parameters(params, ["v", "m", "t", "p"]).ok_or(StoredProblem::Params)?;
                if version != ARGON2_VERSION {
                    return Err(StoredProblem::Params);
                }
                HashScheme::Argon2id {
                    m_cost: narrow(m_cost)?,
                    t_cost: narrow(t_cost)?,
                    p_cost: narrow(p_cost)?,
                }
            }
            HMAC_SHA256 => {
                let [key_id] = parameters(params, ["k"]).ok_or(StoredProblem::Params)?;
                HashScheme::HmacSha256 {
                    key_id: narrow(key_id)?,
                }
            }
            BCRYPT => {
                let [cost, lowercase] = parameters(params, ["c", "lc"]).ok_or(StoredProblem::Params)?;
                HashScheme::Bcrypt {
                    cost: narrow(cost)?,
                    lowercase: match lowercase {
                        0 => false,
                        1 => true,
                        _ => return Err(StoredProblem::Params),
                    },
                }
            }
            _ => return Err(StoredProblem::Scheme),
        };
        scheme.check().map_err(|_| StoredProblem::Params)?;
        let [length, count] = fields
            .next()
            .and_then(|field| parameters(field, ["len", "n"]))
            .ok_or(StoredProblem::CodeLength)?;
        let length = usize::try_from(length)
            .ok()
            .filter(|length| (CodeFormat::MIN_IMPORTED_LENGTH..=CodeFormat::MAX_LENGTH).contains(length))
            .ok_or(StoredProblem::CodeLength)?;
        let count = usize::try_from(count)
            .ok()
            .filter(|count| (CodeFormat::MIN_COUNT..=CodeFormat::MAX_COUNT).contains(count))
            .ok_or(StoredProblem::Count)?;
        let salt = fields
            .next()
            .and_then(base64::<{ HashScheme::SALT_LEN }>)
            .ok_or(StoredProblem::Salt)?;
        let each = scheme.salts_each_code();
        if each && salt != [0; HashScheme::SALT_LEN] {
            return Err(StoredProblem::Salt);
        }
        let (codes, code_salts) = codes(fields.next().ok_or(StoredProblem::Count)?, count, each)?;
        if fields.next().is_some() {
            return Err(StoredProblem::Trailing);
        }
        Ok(Self {
            scheme,
            salt,
            length,
            codes,
            bound: version == BOUND,
            code_salts,
            // Read from the text form (0.1's records): the first write encodes the binary one.
            encoded: None,
        })
    }
}

/// `count` codes, and each one's salt if the scheme salts `each` code; `count` is at most
/// [`CodeFormat::MAX_COUNT`].
fn codes(field: &str, count: usize, each: bool) -> Result<CodesRead, StoredProblem> {
    if field.is_empty() {
        return Err(StoredProblem::Count);
    }
    let mut codes = Vec::with_capacity(count);
    let mut salts = Vec::new();
    for (index, entry) in field.split(',').enumerate() {
        if index >= count {
            return Err(StoredProblem::Count);
        }
        let (hash, used_at) = match entry.split_once(':') {
            Some((hash, at)) => (hash, Some(decimal(at).ok_or(StoredProblem::UsedAt { index })?)),
            None => (entry, None),
        };
        let hash = if each {
            let (salt, hash) = hash.split_once('.').ok_or(StoredProblem::Hash { index })?;
            salts.push(base64::<{ HashScheme::SALT_LEN }>(salt).ok_or(StoredProblem::Hash { index })?);
            let short = base64::<BCRYPT_HASH_LEN>(hash).ok_or(StoredProblem::Hash { index })?;
            let mut padded = [0u8; HashScheme::HASH_LEN];
            padded.iter_mut().zip(short).for_each(|(to, from)| *to = from);
            padded
        } else {
            base64::<{ HashScheme::HASH_LEN }>(hash).ok_or(StoredProblem::Hash { index })?
        };
        codes.push(StoredCode { hash, used_at });
    }
    if codes.len() != count {
        return Err(StoredProblem::Count);
    }
    Ok((codes, salts))
}

/// The codes of a stored set, and their own salts (empty unless the scheme salts each code).
type CodesRead = (Vec<StoredCode>, Vec<[u8; HashScheme::SALT_LEN]>);

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

fn narrow(value: u64) -> Result<u32, StoredProblem> {
    u32::try_from(value).map_err(|_| StoredProblem::Params)
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
