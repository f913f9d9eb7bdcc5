use core::fmt;

/// Why a secret could not be sealed or opened, or a keyring built. Carries key ids only.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `UnknownKey` | `sealed with key {key_id}, which the keyring does not hold` |
/// | `Tampered` | `sealed secret failed authentication` |
/// | `Malformed` | `not a sealed secret` |
/// | `KeyLength` | `sealing keys are 32 bytes, not {len}` |
/// | `DuplicateKeyId` | `key id {key_id} appears twice in the keyring` |
/// | `Rng` | `the operating system's random number generator failed` |
/// | `NoKeyring` | `no keyring was given to open or seal secrets` |
/// | `Plain` | `a secret is stored plain where only sealed secrets are accepted` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The sealed value names a key the keyring does not hold (retired too early?).
    UnknownKey {
        /// The key id the sealed value names.
        key_id: u32,
    },
    /// Authentication failed: the value was changed, sealed under another key with the same id,
    /// or belongs to another user or purpose.
    Tampered,
    /// The bytes are not a sealed value of a known format.
    Malformed,
    /// A key of the wrong length (keys are 32 bytes).
    KeyLength {
        /// The length given.
        len: usize,
    },
    /// Two keys with the same id in one keyring.
    DuplicateKeyId {
        /// The id given twice.
        key_id: u32,
    },
    /// The operating system's random number generator failed.
    Rng,
    /// The service has no keyring (built without
    /// [`TwoFactor::with_keyring`](crate::TwoFactor::with_keyring), or without the `seal`
    /// feature), and a record holds a sealed secret it cannot open, or resealing was asked for.
    NoKeyring,
    /// A record holds a plain secret, and the service accepts only sealed ones
    /// ([`TwoFactor::with_strict_sealing`](crate::TwoFactor::with_strict_sealing)): a row
    /// written by someone who can write rows but holds no key, or a record never resealed.
    Plain,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownKey { key_id } => {
                write!(f, "sealed with key {key_id}, which the keyring does not hold")
            }
            Self::Tampered => f.write_str("sealed secret failed authentication"),
            Self::Malformed => f.write_str("not a sealed secret"),
            Self::KeyLength { len } => write!(f, "sealing keys are 32 bytes, not {len}"),
            Self::DuplicateKeyId { key_id } => write!(f, "key id {key_id} appears twice in the keyring"),
            Self::Rng => f.write_str("the operating system's random number generator failed"),
            Self::NoKeyring => f.write_str("no keyring was given to open or seal secrets"),
            Self::Plain => f.write_str("a secret is stored plain where only sealed secrets are accepted"),
        }
    }
}

impl core::error::Error for SealError {}
