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

/// Why a remembered-device token did not stand in for the second factor: a detail of
/// [`Error::RememberedDevice`](crate::Error::RememberedDevice), not an error of its own. Every
/// case is answered the same way — ask for a code — and none carries the token.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Malformed` | `not a remembered-device token` |
/// | `Forged` | `the token failed authentication` |
/// | `UnknownKey` | `the token names key {key_id}, which the service does not hold` |
/// | `Expired` | `it expired at {at}` |
/// | `OtherUser` | `the token is for another user` |
/// | `Revoked` | `the user has no such remembered device: it was revoked or evicted` |
/// | `EpochMoved` | `the second factor changed after the device was remembered` |
///
/// ```
/// use twofactor::Error;
/// use twofactor::challenge::DeviceProblem;
///
/// let refused = Error::RememberedDevice(DeviceProblem::Revoked);
/// assert_eq!(
///     refused.to_string(),
///     "the remembered device was refused: the user has no such remembered device: it was revoked or evicted"
/// );
/// assert_eq!(refused.http_status(), 401);
/// assert_eq!(DeviceProblem::Expired { at: 1_700_000_000 }.to_string(), "it expired at 1700000000");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeviceProblem {
    /// Not a device token: another prefix (a login challenge, say), or the wrong encoding or
    /// length.
    Malformed,
    /// The token's authentication tag does not verify: it was changed or forged, or it is
    /// another kind of token under the same key.
    Forged,
    /// The token names a key id the service does not hold (a key dropped from the keyring).
    UnknownKey {
        /// The key id the token names.
        key_id: u32,
    },
    /// The device's remembrance ended at this time (Unix seconds).
    Expired {
        /// When it expired.
        at: u64,
    },
    /// The token was issued for another user.
    OtherUser,
    /// The device is not among the user's remembered devices: revoked one by one or all
    /// together, or evicted as the oldest when a newer one was remembered past the limit.
    Revoked,
    /// The credential epoch moved since the device was remembered: the second factor was
    /// enabled again, disabled or its backup codes regenerated, which forgets every device.
    EpochMoved,
}

impl fmt::Display for DeviceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a remembered-device token"),
            Self::Forged => f.write_str("the token failed authentication"),
            Self::UnknownKey { key_id } => {
                write!(f, "the token names key {key_id}, which the service does not hold")
            }
            Self::Expired { at } => write!(f, "it expired at {at}"),
            Self::OtherUser => f.write_str("the token is for another user"),
            Self::Revoked => f.write_str("the user has no such remembered device: it was revoked or evicted"),
            Self::EpochMoved => f.write_str("the second factor changed after the device was remembered"),
        }
    }
}
