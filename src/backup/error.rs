//! The errors of generating, verifying and consuming backup codes.

use core::fmt;

use super::hasher::HashError;
use super::normalize::BackupCodeError;

/// Why a backup code was not accepted. Says nothing about how close a wrong code was, nor which
/// code a used one was.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Malformed` | `malformed backup code`; the [`BackupCodeError`] is the source |
/// | `Mismatch` | `the backup code is wrong` |
/// | `Used` | `the backup code was already used` |
/// | `Hash` | `the backup code could not be hashed`; the [`HashError`] is the source |
///
/// ```
/// use twofactor::backup::{BackupCodeSet, BackupVerifyError, CodeFormat, HmacHasher};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// let (codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// let code = codes.expose_code(0).ok_or("no code")?;
/// set.consume(code, &hasher, 1_700_000_000)?;
/// let error = set.verify(code, &hasher).err().ok_or("accepted twice")?;
/// assert_eq!(error, BackupVerifyError::Used);
/// assert_eq!(error.to_string(), "the backup code was already used");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackupVerifyError {
    /// The input is not a code of the set's format; nothing was hashed.
    Malformed(BackupCodeError),
    /// The code is not in the set.
    Mismatch,
    /// The code is in the set but was already used (OWASP ASVS 5.0 6.5.1: a look-up secret is
    /// used once).
    Used,
    /// The hasher could not hash the code under the set's scheme.
    Hash(HashError),
}

impl fmt::Display for BackupVerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(_) => f.write_str("malformed backup code"),
            Self::Mismatch => f.write_str("the backup code is wrong"),
            Self::Used => f.write_str("the backup code was already used"),
            Self::Hash(_) => f.write_str("the backup code could not be hashed"),
        }
    }
}

impl core::error::Error for BackupVerifyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Malformed(error) => Some(error),
            Self::Hash(error) => Some(error),
            Self::Mismatch | Self::Used => None,
        }
    }
}

impl From<BackupCodeError> for BackupVerifyError {
    fn from(error: BackupCodeError) -> Self {
        Self::Malformed(error)
    }
}

impl From<HashError> for BackupVerifyError {
    fn from(error: HashError) -> Self {
        Self::Hash(error)
    }
}

/// Why a code could not be marked used.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `OutOfRange` | `no backup code at index {index}: the set has {count}` |
/// | `AlreadyUsed` | `the backup code was already used at {at}` |
///
/// ```
/// use twofactor::backup::{BackupCodeSet, CodeFormat, HmacHasher, MarkUsedError};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// let (_codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// set.mark_used(0, 60)?;
/// let error = set.mark_used(0, 120).err().ok_or("marked twice")?;
/// assert_eq!(error, MarkUsedError::AlreadyUsed { at: 60 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MarkUsedError {
    /// There is no code at this index.
    OutOfRange {
        /// The index given.
        index: usize,
        /// The number of codes in the set.
        count: usize,
    },
    /// The code was already used.
    AlreadyUsed {
        /// When it was used, in Unix seconds.
        at: u64,
    },
}

impl fmt::Display for MarkUsedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { index, count } => {
                write!(f, "no backup code at index {index}: the set has {count}")
            }
            Self::AlreadyUsed { at } => write!(f, "the backup code was already used at {at}"),
        }
    }
}

impl core::error::Error for MarkUsedError {}

/// Why a set of backup codes could not be generated.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Rng` | `the random number generator failed` |
/// | `Hash` | `hashing the new backup codes failed`; the [`HashError`] is the source |
///
/// ```
/// use twofactor::backup::{BackupCodeSet, CodeFormat, GenerateError, HashError, HmacHasher};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// match BackupCodeSet::generate(&CodeFormat::default(), &hasher) {
///     Ok((codes, _set)) => assert_eq!(codes.len(), 10),
///     Err(GenerateError::Rng) => eprintln!("no randomness: try again later"),
///     Err(error) => return Err(error.into()),
/// }
/// let error = GenerateError::Hash(HashError::InvalidParams);
/// assert_eq!(error.to_string(), "hashing the new backup codes failed");
/// assert_eq!(
///     std::error::Error::source(&error).map(ToString::to_string).as_deref(),
///     Some("backup-code hashing parameters out of range")
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GenerateError {
    /// The random number generator failed, or drew the same code twice (which a working CSPRNG
    /// does with a probability under 2<sup>-51</sup>).
    Rng,
    /// The hasher failed, or its scheme's parameters are out of range.
    Hash(HashError),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rng => f.write_str("the random number generator failed"),
            Self::Hash(_) => f.write_str("hashing the new backup codes failed"),
        }
    }
}

impl core::error::Error for GenerateError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Rng => None,
            Self::Hash(error) => Some(error),
        }
    }
}

impl From<HashError> for GenerateError {
    fn from(error: HashError) -> Self {
        Self::Hash(error)
    }
}
