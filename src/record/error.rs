use core::fmt;

use crate::backup::BackupError;
use crate::seal::SealError;
use crate::secret::SecretError;

/// Why stored bytes are not a record. A store reports it as a denial, never as "not enrolled".
///
/// | variant | `Display` |
/// | --- | --- |
/// | `NotARecord` | `stored bytes are not a two-factor record` |
/// | `UnsupportedFormat` | `unsupported record format version {version}` |
/// | `Truncated` | `` stored record ends inside field `{field}` `` |
/// | `Invalid` | `` stored record has an invalid `{field}` `` |
/// | `Secret` | `stored record holds an invalid secret`; the [`SecretError`] is the source |
/// | `Sealed` | `stored record holds a malformed sealed secret`; the [`SealError`] is the source |
/// | `BackupCodes` | `stored record holds an invalid backup-code set`; the [`BackupError`] is the source |
/// | `UserMismatch` | `stored record belongs to another user` |
/// | `TrailingBytes` | `stored record has bytes after its last field` |
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// The bytes do not start with the record marker.
    NotARecord,
    /// A format version this build does not read.
    UnsupportedFormat {
        /// The version found.
        version: u8,
    },
    /// The bytes end inside the named field.
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// The named field holds a value out of its range or an unknown tag.
    Invalid {
        /// The field being read.
        field: &'static str,
    },
    /// A stored secret is not a valid secret.
    Secret(SecretError),
    /// A stored sealed secret is not of a known sealed form (its authenticity is checked only
    /// when it is opened).
    Sealed(SealError),
    /// The stored backup-code set does not decode.
    BackupCodes(BackupError),
    /// The record names another user than the row it was read from.
    UserMismatch,
    /// Bytes follow the last field.
    TrailingBytes,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotARecord => f.write_str("stored bytes are not a two-factor record"),
            Self::UnsupportedFormat { version } => write!(f, "unsupported record format version {version}"),
            Self::Truncated { field } => write!(f, "stored record ends inside field `{field}`"),
            Self::Invalid { field } => write!(f, "stored record has an invalid `{field}`"),
            Self::Secret(_) => f.write_str("stored record holds an invalid secret"),
            Self::Sealed(_) => f.write_str("stored record holds a malformed sealed secret"),
            Self::BackupCodes(_) => f.write_str("stored record holds an invalid backup-code set"),
            Self::UserMismatch => f.write_str("stored record belongs to another user"),
            Self::TrailingBytes => f.write_str("stored record has bytes after its last field"),
        }
    }
}

impl core::error::Error for RecordError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Secret(error) => Some(error),
            Self::Sealed(error) => Some(error),
            Self::BackupCodes(error) => Some(error),
            _ => None,
        }
    }
}
