//! Why a flow of the service did not succeed.

use alloc::boxed::Box;
use core::fmt;

use crate::backup::{GenerateError, HashError};
use crate::challenge::ChallengeError;
use crate::otp::TimeError;
use crate::policy::Refusal;
use crate::policy::Via;
use crate::seal::SealError;
use crate::secret::SecretError;
use crate::uri::UriError;

/// Why a flow of the service did not succeed: always a denial, never a partial success.
///
/// The variants up to [`Error::Locked`] are the rules refusing the attempt; the rest are the
/// service failing closed — a store error, a conflict that outlasted its retries, a clock or a
/// hasher that failed — which deny too. None carries a secret, a code or a hash, nor how close
/// a wrong code was. [`Error::Store`] keeps the store's own error as its
/// [`source`](core::error::Error::source).
///
/// ```
/// use twofactor::{Error, Via};
///
/// fn message(error: &Error) -> String {
///     match error {
///         Error::WrongCode { .. } | Error::Malformed => "That code is not right.".into(),
///         Error::Replay { via: Via::Code } => "That code was already used: wait for the next one.".into(),
///         Error::Replay { via: _ } => "That backup code was already used.".into(),
///         Error::Throttled { retry_at, .. } => format!("Too many attempts: try again after {retry_at}."),
///         Error::Locked { .. } => "Too many attempts: use a backup code or contact support.".into(),
///         _ => "Something went wrong: try again.".into(),
///     }
/// }
/// assert_eq!(message(&Error::Malformed), "That code is not right.");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The user has no active second factor (a pending enrollment does not count).
    NotEnrolled,
    /// The user has an active second factor: disable it (with a valid code) before enrolling
    /// another.
    AlreadyEnabled,
    /// There is no enrollment to confirm.
    NoPendingEnrollment,
    /// The pending enrollment expired: begin a new one.
    EnrollmentExpired,
    /// The user has no backup codes.
    NoBackupCodes,
    /// The input is not a code of the expected shape; nothing was compared, nothing counted.
    Malformed,
    /// The code is wrong; the failure was counted.
    WrongCode {
        /// Which kind of code.
        via: Via,
    },
    /// The code was already used: a spent authenticator step (or an earlier one), or a used
    /// backup code. Not counted.
    Replay {
        /// Which kind of code.
        via: Via,
    },
    /// Too many failures: the path refuses attempts, unchecked, until `retry_at`.
    Throttled {
        /// Which path.
        via: Via,
        /// When attempts are taken again (Unix seconds).
        retry_at: u64,
    },
    /// Too many failures: the path is locked until a success on the other path (a backup code
    /// unlocks authenticator codes) or an administrator's unlock.
    Locked {
        /// Which path.
        via: Via,
    },
    /// The user identifier is empty or longer than [`Record::MAX_USER_LEN`](crate::store::Record::MAX_USER_LEN).
    InvalidUser,
    /// Other requests kept changing the record: the attempt was retried as many times as the
    /// configuration allows, and denied.
    Conflict,
    /// The store failed (its error is the [`source`](core::error::Error::source)), or returned
    /// another user's record.
    Store(Box<dyn core::error::Error + Send + Sync + 'static>),
    /// The clock failed.
    Clock(TimeError),
    /// The backup-code hasher failed, or cannot hash under the stored set's scheme.
    Hash(HashError),
    /// New backup codes could not be made.
    Generate(GenerateError),
    /// A new secret could not be drawn.
    Secret(SecretError),
    /// The enrollment URI could not be built (an account name the Key URI format refuses).
    Uri(UriError),
    /// The login challenge was refused: malformed, forged, expired, another user's, superseded
    /// by a newer one, or already used. Nothing was counted.
    Challenge(ChallengeError),
    /// A login-challenge call on a service built without [`TwoFactor::with_challenge_key`](crate::TwoFactor::with_challenge_key).
    NoChallengeKey,
    /// A sealed secret of the record could not be opened (an unknown key id, a changed value, a
    /// wrong key, a value copied from another user or field), a secret could not be sealed, or
    /// the record holds sealed secrets and the service has no keyring. Nothing was written.
    Seal(SealError),
}

impl Error {
    pub(crate) fn store<E: core::error::Error + Send + Sync + 'static>(error: E) -> Self {
        Self::Store(Box::new(error))
    }
}

/// A store that hands back another user's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WrongRecord;

impl fmt::Display for WrongRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the store returned another user's record")
    }
}

impl core::error::Error for WrongRecord {}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotEnrolled => Self::NotEnrolled,
            Refusal::AlreadyEnabled => Self::AlreadyEnabled,
            Refusal::NoPendingEnrollment => Self::NoPendingEnrollment,
            Refusal::EnrollmentExpired => Self::EnrollmentExpired,
            Refusal::NoBackupCodes => Self::NoBackupCodes,
            Refusal::Malformed => Self::Malformed,
            Refusal::Wrong(via, _) => Self::WrongCode { via },
            Refusal::Replay(via) => Self::Replay { via },
            Refusal::Throttled(via, retry_at) => Self::Throttled { via, retry_at },
            Refusal::Locked(via) => Self::Locked { via },
            Refusal::Time(error) => Self::Clock(error),
            Refusal::Hash(error) => Self::Hash(error),
            Refusal::Generate(error) => Self::Generate(error),
            Refusal::Challenge(error) => Self::Challenge(error),
            Refusal::Sealed => Self::Seal(SealError::NoKeyring),
        }
    }
}

fn noun(via: Via) -> &'static str {
    match via {
        Via::Code => "code",
        Via::BackupCode => "backup code",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotEnrolled => f.write_str("two-factor authentication is not enabled for this user"),
            Self::AlreadyEnabled => f.write_str("two-factor authentication is already enabled for this user"),
            Self::NoPendingEnrollment => f.write_str("there is no enrollment to confirm"),
            Self::EnrollmentExpired => f.write_str("the enrollment expired"),
            Self::NoBackupCodes => f.write_str("the user has no backup codes"),
            Self::Malformed => f.write_str("the input is not a code"),
            Self::WrongCode { via } => write!(f, "the {} is wrong", noun(*via)),
            Self::Replay { via } => write!(f, "the {} was already used", noun(*via)),
            Self::Throttled { via, retry_at } => {
                write!(
                    f,
                    "too many failed attempts: {}s refused until {retry_at}",
                    noun(*via)
                )
            }
            Self::Locked { via } => write!(f, "too many failed attempts: {}s are locked", noun(*via)),
            Self::InvalidUser => f.write_str("the user identifier is empty or too long"),
            Self::Conflict => f.write_str("the record kept changing under concurrent requests"),
            Self::Store(_) => f.write_str("the store failed"),
            Self::Clock(_) => f.write_str("the clock failed"),
            Self::Hash(_) => f.write_str("hashing the backup code failed"),
            Self::Generate(_) => f.write_str("making backup codes failed"),
            Self::Secret(_) => f.write_str("drawing a secret failed"),
            Self::Uri(_) => f.write_str("building the enrollment URI failed"),
            Self::Challenge(_) => f.write_str("the login challenge was refused"),
            Self::NoChallengeKey => f.write_str("the service has no login-challenge key"),
            Self::Seal(_) => f.write_str("opening or sealing a secret failed"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Store(error) => Some(&**error),
            Self::Clock(error) => Some(error),
            Self::Hash(error) => Some(error),
            Self::Generate(error) => Some(error),
            Self::Secret(error) => Some(error),
            Self::Uri(error) => Some(error),
            Self::Challenge(error) => Some(error),
            Self::Seal(error) => Some(error),
            _ => None,
        }
    }
}
