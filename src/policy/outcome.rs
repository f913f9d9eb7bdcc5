//! What a decision says: how a user proved the second factor, or why not.

use core::fmt;

use super::LabelProblem;
use super::import::ImportProblem;
use super::throttle::Failed;
use crate::backup::BackupError;
use crate::challenge::{ChallengeError, DeviceProblem};
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
///         _ if verified.failed_attempts > 0 => format!(
///             "Signed in. {} failed attempts since your last sign-in: if they were not you, change your password.",
///             verified.failed_attempts
///         ),
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
    /// Wrong codes and backup codes typed for this user since the last sign-in with a code or
    /// a backup code: say so ("3 failed attempts since your last sign-in — if they were not
    /// you, change your password"). A sign-in ends the count; a proof for a change and a
    /// sign-in on a remembered device do not.
    pub failed_attempts: u32,
    /// When that last sign-in was, if there was one since 0.2 began counting.
    pub previous_sign_in_at: Option<u64>,
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
    /// A remembered-device token that does not stand in for the second factor; `device` is the
    /// id it names when it is authentic and the user's (for the event), else `None`.
    Device {
        device: Option<[u8; Record::DEVICE_ID_LEN]>,
        problem: DeviceProblem,
    },
    /// A label that may not be stored.
    Label(LabelProblem),
    /// An import that cannot be written as given.
    Import(ImportProblem),
}
