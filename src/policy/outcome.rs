//! What a decision says: how a user proved the second factor, or why not.

use alloc::string::String;
use core::fmt;

use super::throttle::Failed;
use crate::backup::BackupError;
use crate::challenge::ChallengeError;
use crate::otp::{Match, OtpError};
use crate::record::Record;

/// Which kind of code an attempt offered.
///
/// Its `Display` names it for a log line or a page: `authenticator code` for [`Via::Code`],
/// `backup code` for [`Via::BackupCode`].
///
/// ```
/// use twofactor::{Error, Via};
///
/// let refused = Error::WrongCode { via: Via::BackupCode };
/// assert_eq!(refused.to_string(), "the backup code is wrong");
/// assert_eq!(Via::Code.to_string(), "authenticator code");
/// assert_eq!(format!("signed in with a {}", Via::BackupCode), "signed in with a backup code");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Via {
    /// A code from the authenticator app (TOTP).
    Code,
    /// A backup (recovery) code.
    BackupCode,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Code => "authenticator code",
            Self::BackupCode => "backup code",
        })
    }
}

/// An accepted second factor.
///
/// ```
/// use twofactor::{Verified, Via};
///
/// fn greet(verified: &Verified) -> String {
///     match (verified.via, verified.backup_codes_remaining) {
///         (Via::BackupCode, left) if left <= 2 => format!("Signed in. {left} backup codes left: make new ones."),
///         _ => "Signed in.".to_owned(),
///     }
/// }
/// # let _ = greet;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// How: an authenticator code or a backup code.
    pub via: Via,
    /// For an authenticator code, the step it matched (now spent, with every earlier one) and
    /// its drift from the server's current step.
    pub matched: Option<Match>,
    /// For an authenticator code, the id of the authenticator it came from (see
    /// [`TwoFactor::authenticators`](crate::TwoFactor::authenticators)).
    pub authenticator: Option<u32>,
    /// Unused backup codes left.
    pub backup_codes_remaining: usize,
    /// The credential epoch after the decision.
    pub epoch: u64,
}

/// Why the policy refused. The service turns it into its public error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotEnrolled,
    AlreadyEnabled,
    NoPendingEnrollment,
    EnrollmentExpired,
    NoBackupCodes,
    Malformed,
    /// A wrong code, counted.
    Wrong(Via, Failed),
    /// A spent step or a used backup code; not counted.
    Replay(Via),
    Throttled(Via, u64),
    Locked(Via),
    Time(OtpError),
    Hash(BackupError),
    Generate(BackupError),
    /// The login challenge is not the user's current one.
    Challenge(ChallengeError),
    /// The user holds the most authenticators the policy allows.
    TooManyAuthenticators(usize),
    /// No authenticator of the user has this id.
    UnknownAuthenticator(u32),
    /// A label that cannot be kept.
    InvalidLabel(LabelProblem),
}

/// What is wrong with the label of an authenticator (or of a remembered device).
///
/// ```
/// use twofactor::{Error, policy::LabelProblem};
///
/// let error = Error::InvalidLabel(LabelProblem::TooLong { max: 64 });
/// assert_eq!(error.to_string(), "the label is longer than 64 bytes");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LabelProblem {
    /// Nothing but white space.
    Empty,
    /// Longer than [`Record::MAX_LABEL_LEN`](crate::store::Record::MAX_LABEL_LEN) bytes of UTF-8.
    TooLong {
        /// The longest label, in bytes.
        max: usize,
    },
    /// A control character (a line break, a tab, an escape): a label is shown on one line.
    ControlCharacter,
}

impl fmt::Display for LabelProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the label is empty"),
            Self::TooLong { max } => write!(f, "the label is longer than {max} bytes"),
            Self::ControlCharacter => f.write_str("the label holds a control character"),
        }
    }
}

/// `label` trimmed, if it can be kept: not empty, at most [`Record::MAX_LABEL_LEN`] bytes, no
/// control character.
pub(crate) fn check_label(label: &str) -> Result<String, LabelProblem> {
    let label = label.trim();
    if label.is_empty() {
        return Err(LabelProblem::Empty);
    }
    if label.len() > Record::MAX_LABEL_LEN {
        return Err(LabelProblem::TooLong {
            max: Record::MAX_LABEL_LEN,
        });
    }
    if label.chars().any(char::is_control) {
        return Err(LabelProblem::ControlCharacter);
    }
    Ok(label.into())
}
