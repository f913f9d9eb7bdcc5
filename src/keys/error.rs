use core::fmt;

/// Why server keys could not be read or built. Names the problem and, for the text form, the
/// entry; never carries key material, nor any of the text.
///
/// ```
/// use twofactor::keys::{EntryProblem, KeysError, ServerKeys};
///
/// let error = ServerKeys::parse("tfk1.2.c2VjcmV0,tfk1.1").unwrap_err();
/// assert_eq!(error, KeysError::Entry { entry: 1, problem: EntryProblem::SecretLength { len: 6 } });
/// assert_eq!(error.to_string(), "server key entry 1: a secret of 6 bytes (32 to 64 are accepted)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeysError {
    /// The text holds no entry (it is empty, or only white space).
    Empty,
    /// An entry of the text is not a key.
    Entry {
        /// Which entry, counting from 1 (the newest), as a person reads the list.
        entry: usize,
        /// What is wrong with it.
        problem: EntryProblem,
    },
    /// A secret of a length outside [`ServerKeys::MIN_SECRET_LEN`](crate::keys::ServerKeys::MIN_SECRET_LEN)
    /// ..= [`ServerKeys::MAX_SECRET_LEN`](crate::keys::ServerKeys::MAX_SECRET_LEN) bytes.
    SecretLength {
        /// The length given, in bytes.
        len: usize,
    },
    /// Two secrets with the same key id.
    DuplicateKeyId {
        /// The id given twice.
        key_id: u32,
    },
    /// The environment variable is not set.
    EnvNotSet,
    /// The environment variable is not valid Unicode (so not the text form).
    EnvNotUnicode,
    /// The operating system's random number generator failed.
    Rng,
}

/// What is wrong with one entry of the text form, named by [`KeysError::Entry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryProblem {
    /// Nothing between two commas, or before the first or after the last.
    Empty,
    /// The entry does not start with `tfk1.` (another format, or not a key at all).
    Prefix,
    /// The entry is not the three fields `tfk1.<id>.<secret>`.
    Fields,
    /// The id is not a decimal `u32` written with digits only and no leading zero.
    KeyId,
    /// The secret is not base64url without padding (the alphabet `A–Z a–z 0–9 - _`, canonical).
    Base64,
    /// The secret decodes to a length outside 32 ..= 64 bytes.
    SecretLength {
        /// The length it decodes to, in bytes.
        len: usize,
    },
}

impl fmt::Display for KeysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the server keys hold no entry"),
            Self::Entry { entry, problem } => write!(f, "server key entry {entry}: {problem}"),
            Self::SecretLength { len } => {
                write!(f, "a server secret of {len} bytes (32 to 64 are accepted)")
            }
            Self::DuplicateKeyId { key_id } => write!(f, "server key id {key_id} appears twice"),
            Self::EnvNotSet => f.write_str("the environment variable of the server keys is not set"),
            Self::EnvNotUnicode => {
                f.write_str("the environment variable of the server keys is not valid Unicode")
            }
            Self::Rng => f.write_str("the operating system's random number generator failed"),
        }
    }
}

impl fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty"),
            Self::Prefix => f.write_str("does not start with `tfk1.`"),
            Self::Fields => f.write_str("not of the form `tfk1.<id>.<secret>`"),
            Self::KeyId => f.write_str("the key id is not a decimal u32 without leading zeros"),
            Self::Base64 => f.write_str("the secret is not unpadded base64url"),
            Self::SecretLength { len } => write!(f, "a secret of {len} bytes (32 to 64 are accepted)"),
        }
    }
}

impl core::error::Error for KeysError {}
