//! Sets of codes another system issued: taken as they are, so that users keep the codes they
//! hold. Plain codes are hashed on import with the application's hasher; bcrypt hashes are kept
//! as a verify-only legacy scheme ([`HashScheme::Bcrypt`]).

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::error::BackupError;
use super::format::CodeFormat;
use super::hasher::{CodeHasher, HashScheme};
use super::normalize::normalize;
use super::set::{BackupCodeSet, StoredCode};

impl BackupCodeSet {
    /// A set of the plain `codes` another system issued, hashed with `hasher` under a salt from
    /// the operating system's CSPRNG: each verifies once, as a generated set's codes do.
    ///
    /// A code is read as a typed one is (case, spaces and hyphens forgiven, Crockford's
    /// look-alikes `O`, `I`, `L` read as `0`, `1`, `1`), so it must be made of the symbols of
    /// [`CodeFormat::ALPHABET`] — digits, hex and Crockford base32 codes are — and every code
    /// as long as the first, [`CodeFormat::MIN_IMPORTED_LENGTH`] to [`CodeFormat::MAX_LENGTH`]
    /// symbols.
    ///
    /// # Errors
    /// [`BackupError::Count`] for no codes or more than [`CodeFormat::MAX_COUNT`];
    /// [`BackupError::ImportedCode`] for a code that is not one;
    /// [`BackupError::ImportedLength`] for a code of another length than the first; the
    /// hasher's error; [`BackupError::Rng`].
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, BackupError, HmacHasher};
    ///
    /// let hasher = HmacHasher::new(1, &[0x42; 32])?;
    /// let set = BackupCodeSet::import_plain(&["4f1c-92ab-07d3", "e5b0-6a18-c2f9"], &hasher)?;
    /// assert_eq!(set.verify("4F1C92AB07D3", &hasher)?, 0);
    /// assert_eq!(
    ///     BackupCodeSet::import_plain(&["4f1c-92ab-07d3", "e5b0-6a18"], &hasher),
    ///     Err(BackupError::ImportedLength { index: 1, expected: 12, found: 8 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn import_plain<C: AsRef<str>, H: CodeHasher + ?Sized>(
        codes: &[C],
        hasher: &H,
    ) -> Result<Self, BackupError> {
        let mut salt = [0u8; HashScheme::SALT_LEN];
        getrandom::fill(&mut salt).map_err(|_| BackupError::Rng)?;
        Self::import_plain_salted(codes, hasher, salt)
    }

    /// [`BackupCodeSet::import_plain`] with the salt drawn from `rng`.
    ///
    /// # Errors
    /// As [`BackupCodeSet::import_plain`].
    pub fn import_plain_with_rng<R, C, H>(rng: &mut R, codes: &[C], hasher: &H) -> Result<Self, BackupError>
    where
        R: CryptoRng + ?Sized,
        C: AsRef<str>,
        H: CodeHasher + ?Sized,
    {
        let mut salt = [0u8; HashScheme::SALT_LEN];
        rng.fill_bytes(&mut salt);
        Self::import_plain_salted(codes, hasher, salt)
    }

    fn import_plain_salted<C: AsRef<str>, H: CodeHasher + ?Sized>(
        codes: &[C],
        hasher: &H,
        salt: [u8; HashScheme::SALT_LEN],
    ) -> Result<Self, BackupError> {
        check_count(codes.len())?;
        let length = imported_length(codes)?;
        let scheme = hasher.scheme();
        scheme.check()?;
        let mut stored = Vec::with_capacity(codes.len());
        for (index, code) in codes.iter().enumerate() {
            let canonical = normalize(code.as_ref(), length).map_err(|error| match error {
                BackupError::WrongLength { expected, found } => BackupError::ImportedLength {
                    index,
                    expected,
                    found,
                },
                _ => BackupError::ImportedCode { index },
            })?;
            stored.push(StoredCode {
                hash: hasher.hash(&scheme, &salt, canonical.as_bytes())?,
                used_at: None,
            });
        }
        Ok(Self {
            scheme,
            salt,
            length,
            codes: stored,
            code_salts: Vec::new(),
            bound: false,
            encoded: None,
        })
    }

    /// A verify-only set of the bcrypt `hashes` another system stored for codes of `length`
    /// symbols (feature `bcrypt`): Devise's `otp_backup_codes`, or any `$2a$`/`$2b$`/`$2y$`
    /// hash of one code. Each code still verifies once; a regeneration replaces the set with one
    /// under the configured hasher ([`BackupCodeSet::needs_rehash`] holds for it). `lowercase`
    /// says the codes were issued (and hashed) in lower case, as Devise's hex codes are; what
    /// the user types is read in either case, as for every set, and hashed in that case.
    ///
    /// The codes must be made of the symbols of [`CodeFormat::ALPHABET`] (digits, hex and
    /// Crockford base32 codes are) and of `length` symbols, [`CodeFormat::MIN_IMPORTED_LENGTH`]
    /// to [`CodeFormat::MAX_LENGTH`]; all hashes of one cost, at most
    /// [`HashScheme::BCRYPT_MAX_COST`] (a lookup computes one bcrypt per code). A hash of a
    /// code with a pepper appended (Devise's `config.pepper`) does not verify.
    ///
    /// # Errors
    /// [`BackupError::Count`] for no hashes or more than [`CodeFormat::MAX_COUNT`];
    /// [`BackupError::Length`] for a `length` out of range; [`BackupError::Bcrypt`] for one that
    /// is not a bcrypt hash; [`BackupError::BcryptCost`] for a cost out of range or another than
    /// the first hash's.
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, BackupError, HmacHasher};
    ///
    /// // What a Rails application stored (`BCrypt::Password.create(code)`), for "3f9a1c07e2b4d865".
    /// let stored = bcrypt::hash_with_salt("3f9a1c07e2b4d865", 4, [7; 16])?.to_string();
    /// let mut set = BackupCodeSet::import_bcrypt(&[stored.as_str()], 16, true)?;
    /// let hasher = HmacHasher::new(1, &[0x42; 32])?; // the configured hasher; bcrypt is the crate's
    /// assert_eq!(set.consume("3F9A 1C07 E2B4 D865", &hasher, 1_700_000_000)?, 0);
    /// assert_eq!(set.verify("3f9a1c07e2b4d865", &hasher), Err(BackupError::Used));
    /// assert!(set.needs_rehash(&hasher));
    /// assert_eq!(BackupCodeSet::import_bcrypt(&["$2x$04$…"], 16, true), Err(BackupError::Bcrypt { index: 0 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "bcrypt")]
    pub fn import_bcrypt<T: AsRef<str>>(
        hashes: &[T],
        length: usize,
        lowercase: bool,
    ) -> Result<Self, BackupError> {
        check_count(hashes.len())?;
        check_length(length)?;
        let mut codes = Vec::with_capacity(hashes.len());
        let mut code_salts = Vec::with_capacity(hashes.len());
        let mut cost = None;
        for (index, text) in hashes.iter().enumerate() {
            let parsed = super::bcrypt::parse(text.as_ref()).ok_or(BackupError::Bcrypt { index })?;
            let first = *cost.get_or_insert(parsed.cost);
            let scheme = HashScheme::Bcrypt {
                cost: parsed.cost,
                lowercase,
            };
            if parsed.cost != first || scheme.check().is_err() {
                return Err(BackupError::BcryptCost {
                    index,
                    cost: parsed.cost,
                });
            }
            code_salts.push(parsed.salt);
            codes.push(StoredCode {
                hash: parsed.hash,
                used_at: None,
            });
        }
        Ok(Self {
            scheme: HashScheme::Bcrypt {
                cost: cost.unwrap_or(HashScheme::BCRYPT_MIN_COST),
                lowercase,
            },
            salt: [0; HashScheme::SALT_LEN],
            length,
            codes,
            code_salts,
            // Another system's hashes: nothing binds them to the user.
            bound: false,
            encoded: None,
        })
    }
}

fn check_count(count: usize) -> Result<(), BackupError> {
    if (CodeFormat::MIN_COUNT..=CodeFormat::MAX_COUNT).contains(&count) {
        Ok(())
    } else {
        Err(BackupError::Count {
            count,
            min: CodeFormat::MIN_COUNT,
            max: CodeFormat::MAX_COUNT,
        })
    }
}

fn check_length(length: usize) -> Result<(), BackupError> {
    if (CodeFormat::MIN_IMPORTED_LENGTH..=CodeFormat::MAX_LENGTH).contains(&length) {
        Ok(())
    } else {
        Err(BackupError::Length {
            length,
            min: CodeFormat::MIN_IMPORTED_LENGTH,
            max: CodeFormat::MAX_LENGTH,
        })
    }
}

/// The length of the first code in symbols (white space and hyphens not counted), if it is in
/// range.
fn imported_length<C: AsRef<str>>(codes: &[C]) -> Result<usize, BackupError> {
    let first = codes.first().map(AsRef::as_ref).unwrap_or_default();
    let length = first
        .bytes()
        .filter(|&byte| byte != b'-' && !byte.is_ascii_whitespace())
        .count();
    check_length(length)
        .map(|()| length)
        .map_err(|_| BackupError::ImportedCode { index: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::HmacHasher;

    fn hasher() -> HmacHasher {
        HmacHasher::new(1, &[3; 32]).unwrap()
    }

    #[test]
    fn plain_codes_verify_once_each_and_round_trip() {
        let codes = ["12345678", "87654321", "11223344"];
        let mut set = BackupCodeSet::import_plain(&codes, &hasher()).unwrap();
        assert_eq!(set.consume("8765 4321", &hasher(), 5), Ok(1));
        assert_eq!(set.verify("87654321", &hasher()), Err(BackupError::Used));
        assert_eq!(BackupCodeSet::from_stored(&set.to_stored()).unwrap(), set);
        assert_eq!(BackupCodeSet::from_bytes(&set.binary()).unwrap(), set);
    }

    #[test]
    fn bad_plain_codes_are_named() {
        let h = hasher();
        let none: [&str; 0] = [];
        assert_eq!(
            BackupCodeSet::import_plain(&none, &h),
            Err(BackupError::Count {
                count: 0,
                min: 1,
                max: 100
            })
        );
        assert_eq!(
            BackupCodeSet::import_plain(&["1234567"], &h),
            Err(BackupError::ImportedCode { index: 0 })
        );
        assert_eq!(
            BackupCodeSet::import_plain(&["12345678", "1234567u"], &h),
            Err(BackupError::ImportedCode { index: 1 })
        );
    }

    #[cfg(feature = "bcrypt")]
    #[test]
    fn bcrypt_codes_verify_once_each_in_every_codec() {
        let issued = ["a3f09b1c", "0d4e5f67", "99887766"];
        let hashes: Vec<String> = issued
            .iter()
            .enumerate()
            .map(|(i, code)| {
                bcrypt::hash_with_salt(code, 4, [u8::try_from(i).unwrap(); 16])
                    .unwrap()
                    .to_string()
            })
            .collect();
        let mut set = BackupCodeSet::import_bcrypt(&hashes, 8, true).unwrap();
        assert_eq!(BackupCodeSet::from_stored(&set.to_stored()).unwrap(), set);
        assert_eq!(BackupCodeSet::from_bytes(&set.binary()).unwrap(), set);
        assert_eq!(set.verify("a3f09b1d", &hasher()), Err(BackupError::Mismatch));
        assert_eq!(set.consume("0D4E-5F67", &hasher(), 9), Ok(1));
        assert_eq!(set.verify("0d4e5f67", &hasher()), Err(BackupError::Used));
        let read = BackupCodeSet::from_bytes(&set.binary()).unwrap();
        assert_eq!(read.verify("0d4e5f67", &hasher()), Err(BackupError::Used));
        assert_eq!(read.verify("99887766", &hasher()), Ok(2));
        assert_eq!(
            BackupCodeSet::from_stored(&read.to_stored()).unwrap().used_at(1),
            Some(9)
        );
    }

    #[cfg(feature = "bcrypt")]
    #[test]
    fn bad_bcrypt_hashes_are_named() {
        let four = bcrypt::hash_with_salt("a3f09b1c", 4, [1; 16])
            .unwrap()
            .to_string();
        let five = bcrypt::hash_with_salt("a3f09b1c", 5, [1; 16])
            .unwrap()
            .to_string();
        let dear = four.replacen("$04$", "$15$", 1);
        assert_eq!(
            BackupCodeSet::import_bcrypt(&[four.as_str(), "not a hash"], 8, true),
            Err(BackupError::Bcrypt { index: 1 })
        );
        assert_eq!(
            BackupCodeSet::import_bcrypt(&[&four, &five], 8, true),
            Err(BackupError::BcryptCost { index: 1, cost: 5 })
        );
        assert_eq!(
            BackupCodeSet::import_bcrypt(&[&dear], 8, true),
            Err(BackupError::BcryptCost { index: 0, cost: 15 })
        );
        assert_eq!(
            BackupCodeSet::import_bcrypt(&[&four], 7, true),
            Err(BackupError::Length {
                length: 7,
                min: 8,
                max: 32
            })
        );
    }
}
