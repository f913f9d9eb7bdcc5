//! Backup codes (recovery codes, NIST's "look-up secrets"): what a user types when the phone is
//! lost.
//!
//! # The life of a set
//!
//! 1. **Generate** ([`BackupCodeSet::generate`], or [`BackupCodeSet::generate_with_rng`]):
//!    [`CodeFormat::DEFAULT`] is 10 codes of 16 symbols from Crockford's base32 alphabet (80 bits
//!    each, from the CSPRNG; NIST SP 800-63B-4 asks for at least 64), shown as `7KQ2-M9XD-4RTW-HC3P`.
//!    The plaintext codes come back once as [`BackupCodes`], zeroized on drop, read through
//!    [`BackupCodes::expose_codes`]; the application shows them and forgets them.
//! 2. **Store** the [`BackupCodeSet`], which holds only hashes: one random salt for the set, and
//!    the scheme and parameters it was hashed under ([`BackupCodeSet::to_stored`] gives a
//!    self-describing string).
//! 3. **Verify** what the user types ([`BackupCodeSet::verify`]): case, spaces, hyphens and
//!    Crockford's look-alikes (`O`, `I`, `L`) are forgiven; anything that cannot be a code is
//!    refused ([`BackupError::is_malformed`]) before any hashing; otherwise one hash is computed and compared in
//!    constant time with every stored hash. The index of the matching code comes back.
//! 4. **Consume** it ([`BackupCodeSet::mark_used`] with the time, or [`BackupCodeSet::consume`])
//!    and write the set back atomically with the user's record: a used code never matches again
//!    (OWASP ASVS 5.0 6.5.1). [`BackupCodeSet::remaining`] says when to suggest new codes.
//! 5. **Regenerate**: a new set replaces the whole old one.
//!
//! # Hashing
//!
//! Behind the [`CodeHasher`] trait. The default, `Argon2Hasher` (feature `argon2`, on by
//! default), is Argon2id, a salted password-hashing function, as OWASP ASVS 5.0 6.5.2 and NIST SP
//! 800-63B-4 require for look-up secrets of less than 112 bits. [`HmacHasher`] is HMAC-SHA-256
//! under a server-held key, for deployments that prefer a key to a work factor. Because the salt
//! is per set, not per code, a login attempt costs one hash whatever the number of codes. A set
//! records its scheme and parameters, so it verifies after the defaults change, and
//! [`BackupCodeSet::needs_rehash`] says when it was made under other ones.
//!
//! ```
//! use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
//!
//! let hasher = HmacHasher::new(1, &[0x42; 32])?;
//! let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
//! let shown: Vec<String> = codes.expose_codes().map(str::to_owned).collect();
//! drop(codes);
//! let record = set.to_stored(); // into the user's record
//!
//! // Later, the phone is lost:
//! let mut set = BackupCodeSet::from_stored(&record)?;
//! let typed = shown[6].to_lowercase().replace('-', " ");
//! let index = set.consume(&typed, &hasher, 1_700_000_000)?;
//! assert_eq!((index, set.remaining()), (6, 9));
//! assert_eq!(set.verify(&typed, &hasher), Err(BackupError::Used));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "argon2")]
mod argon2;
mod bcrypt;
mod binary;
mod error;
mod format;
mod generate;
mod hasher;
mod hmac;
mod import;
mod memo;
mod normalize;
mod owner;
mod set;
mod stored;

#[cfg(feature = "argon2")]
pub use self::argon2::Argon2Hasher;
#[cfg(test)]
pub(crate) use binary::encodings;
pub use error::{BackupError, StoredProblem};
pub use format::{CodeFormat, CodeFormatBuilder};
pub use generate::BackupCodes;
pub use hasher::{ChosenHasher, CodeHasher, DefaultHasher, HashScheme};
pub use hmac::HmacHasher;
pub(crate) use memo::HashMemo;
#[cfg(feature = "std")]
pub(crate) use owner::Owned;
pub use set::BackupCodeSet;
