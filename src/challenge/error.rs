use core::fmt;

/// Why a login challenge was refused. Each case is distinct so that the application can answer
/// "log in again" with the right words; none of them carries the token or the nonce.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Malformed` | `not a login challenge` |
/// | `Forged` | `the login challenge failed authentication` |
/// | `Expired` | `the login challenge expired at {at}` |
/// | `OtherUser` | `the login challenge is for another user` |
/// | `Superseded` | `a newer login challenge replaced this one` |
/// | `Used` | `the login challenge was already used` |
/// | `KeyLength` | `challenge keys are at least 32 bytes, not {len}` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeError {
    /// Not a token: wrong encoding, length or format version.
    Malformed,
    /// The token's authentication tag does not verify: it was changed or forged.
    Forged,
    /// The token names a key id the service does not hold: signed under a key retired too early,
    /// by another deployment, or forged. (Ids are public: every token shows its own.)
    UnknownKey {
        /// The key id the token names.
        key_id: u32,
    },
    /// The token expired at this time (Unix seconds).
    Expired {
        /// When the token expired.
        at: u64,
    },
    /// The token was issued for another user.
    OtherUser,
    /// A newer challenge was issued for the user since this one.
    Superseded,
    /// The challenge was already used by a successful login.
    Used,
    /// A challenge key shorter than 32 bytes.
    KeyLength {
        /// The length given.
        len: usize,
    },
    /// Two keys with the same id in one [`ChallengeKeyring`](crate::challenge::ChallengeKeyring).
    DuplicateKeyId {
        /// The id given twice.
        key_id: u32,
    },
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a login challenge"),
            Self::Forged => f.write_str("the login challenge failed authentication"),
            Self::UnknownKey { key_id } => {
                write!(
                    f,
                    "the login challenge names key {key_id}, which the service does not hold"
                )
            }
            Self::Expired { at } => write!(f, "the login challenge expired at {at}"),
            Self::OtherUser => f.write_str("the login challenge is for another user"),
            Self::Superseded => f.write_str("a newer login challenge replaced this one"),
            Self::Used => f.write_str("the login challenge was already used"),
            Self::KeyLength { len } => write!(f, "challenge keys are at least 32 bytes, not {len}"),
            Self::DuplicateKeyId { key_id } => {
                write!(f, "key id {key_id} appears twice in the challenge keyring")
            }
        }
    }
}

impl core::error::Error for ChallengeError {}
