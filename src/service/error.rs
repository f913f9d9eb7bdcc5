//! Why a flow of the service did not succeed.

use alloc::boxed::Box;
use core::fmt;

use crate::backup::BackupError;
use crate::challenge::{ChallengeError, DeviceProblem};
use crate::otp::OtpError;
use crate::policy::{ClockProblem, ImportProblem, LabelProblem, Refusal, Via};
use crate::seal::SealError;
use crate::secret::SecretError;
use crate::uri::UriError;

/// Why a flow of the service did not succeed: always a denial, never a partial success.
///
/// [`Error::kind`] tells the three kinds of denial apart: the rules refused the user's attempt
/// ([`ErrorKind::Refused`]), the service could not decide ([`ErrorKind::Unavailable`]: a store
/// error, a conflict that outlasted its retries, a clock or a hasher that failed, which deny
/// too), or the application called it wrongly ([`ErrorKind::Misuse`]). None carries a secret, a
/// code or a hash, nor how close a wrong code was. Its `Display` describes this layer only; the
/// cause — the store's own error, the clock's, the hasher's — is its
/// [`source`](core::error::Error::source), never part of the text.
///
/// # Answering a request
///
/// [`Error::http_status`], [`Error::retry_at`] and [`Error::user_message`] are what a web
/// application answers, framework-free; log [`Error::kind`] and the chain of sources for
/// anything but a refusal:
///
/// ```
/// use std::error::Error as _;
/// use twofactor::{Error, ErrorKind, Via};
///
/// /// A handler's answer: the status, the `Retry-After` seconds, and a sentence for the person.
/// fn answer(error: &Error, now: u64) -> (u16, Option<u64>, &'static str) {
///     (error.http_status(), error.retry_at().map(|at| at.saturating_sub(now)), error.user_message())
/// }
///
/// let now = 1_700_000_000;
/// assert_eq!(
///     answer(&Error::Replay { via: Via::Code }, now),
///     (401, None, "That code was already used — wait for the next one.")
/// );
/// let throttled = Error::Throttled { via: Via::Code, retry_at: now + 60 };
/// assert_eq!(answer(&throttled, now), (429, Some(60), "Too many attempts. Please wait a moment and try again."));
///
/// let outage = Error::Store(Box::new(std::io::Error::other("connection refused")));
/// assert_eq!(outage.kind(), ErrorKind::Unavailable);
/// assert_eq!(answer(&outage, now), (503, None, "Something went wrong on our side. Please try again in a moment."));
/// if outage.kind() != ErrorKind::Refused {
///     // For the operator: every layer, each once ("the store failed: connection refused").
///     let mut line = outage.to_string();
///     let mut cause = outage.source();
///     while let Some(error) = cause {
///         line = format!("{line}: {error}");
///         cause = error.source();
///     }
///     assert_eq!(line, "the store failed: connection refused");
/// }
/// ```
///
/// # Variants, kinds, statuses and texts
///
/// | variant | [`kind`](Error::kind) | [`http_status`](Error::http_status) | [`user_message`](Error::user_message) | `Display` (for logs) |
/// | --- | --- | --- | --- | --- |
/// | `NotEnrolled` | `Refused` | 409 | Two-factor authentication is not turned on for this account. | `two-factor authentication is not enabled for this user` |
/// | `AlreadyEnabled` | `Refused` | 409 | Two-factor authentication is already turned on for this account. | `two-factor authentication is already enabled for this user` |
/// | `NoPendingEnrollment` | `Refused` | 409 | There is no two-factor setup to confirm. Please start again. | `there is no enrollment to confirm` |
/// | `EnrollmentExpired` | `Refused` | 409 | The two-factor setup took too long. Please start again. | `the enrollment expired` |
/// | `NoBackupCodes` | `Refused` | 409 | This account has no backup codes. Please use a code from your authenticator app. | `the user has no backup codes` |
/// | `Malformed` | `Refused` | 400 | That is not a valid code. Please check it and try again. | `the input is not a code` |
/// | `WrongCode { via: Code }` | `Refused` | 401 | That code is not right. Please try again. | `the code is wrong` |
/// | `WrongCode { via: BackupCode }` | `Refused` | 401 | That backup code is not right. Please try again. | `the backup code is wrong` |
/// | `Replay { via: Code }` | `Refused` | 401 | That code was already used — wait for the next one. | `the code was already used` |
/// | `Replay { via: BackupCode }` | `Refused` | 401 | That backup code was already used. Each backup code works once. | `the backup code was already used` |
/// | `Throttled` | `Refused` | 429, [`retry_at`](Error::retry_at) | Too many attempts. Please wait a moment and try again. | `too many failed attempts: codes refused until {retry_at}` (`backup codes` for a backup code) |
/// | `Locked { via: Code }` | `Refused` | 423 | Too many wrong codes. Sign in with a backup code, or contact support. | `too many failed attempts: codes are locked` |
/// | `Locked { via: BackupCode }` | `Refused` | 423 | Too many wrong backup codes. Sign in with a code from your authenticator app, or contact support. | `too many failed attempts: backup codes are locked` |
/// | `TooManyAuthenticators` | `Refused` | 409 | You already have as many authenticators as allowed. Remove one first. | `the user already holds {max} authenticators, the most allowed` |
/// | `UnknownAuthenticator` | `Refused` | 404 | That authenticator is not on this account. | `the user has no authenticator {id}` |
/// | `Challenge(Expired)` | `Refused` | 401 | Your sign-in took too long. Please sign in again. | `the login challenge was refused` |
/// | `Challenge(Used)` | `Refused` | 401 | This sign-in was already completed. Please sign in again. | 〃 |
/// | `Challenge(Superseded)` | `Refused` | 401 | A newer sign-in was started. Please continue with that one, or sign in again. | 〃 |
/// | `Challenge(_)`: malformed, forged, another user's | `Refused` | 401 | This sign-in is not valid. Please sign in again. | 〃 |
/// | `RememberedDevice(_)`: malformed, forged, unknown key, expired, another user's, revoked, epoch moved | `Refused` | 401 | This device is no longer remembered. Please enter a code from your authenticator app. | `the remembered device was refused: {problem}`, the [`DeviceProblem`]'s text |
/// | `InvalidLabel(_)`: empty, too long, a control character | `Refused` | 400 | That name is empty, too long or contains characters that are not allowed. Please choose another. | `the label is refused: {problem}`, the [`LabelProblem`]'s text |
/// | `InvalidImport(_)`: a last step ahead of now, backup codes as long as the codes, a time before T0 | `Refused` | 400 | The second factor could not be imported as given. | `the import is refused: {problem}`, the [`ImportProblem`]'s text |
/// | `InvalidBackupCodes(_)`: imported plain codes that are not codes, of mixed lengths, too many | `Refused` | 400 | 〃 | `the imported backup codes are refused` (the [`BackupError`] is the [`source`](core::error::Error::source)) |
/// | `Conflict` | `Unavailable` | 503 | Something went wrong on our side. Please try again in a moment. | `the record kept changing under concurrent requests` |
/// | `Store` | `Unavailable` | 503 | 〃 | `the store failed` |
/// | `Clock` | `Unavailable` | 503 | 〃 | `the clock failed` |
/// | `UntrustedClock(_)`: unchecked, skewed, stale | `Unavailable` | 503 | 〃 | `the service's clock is not trusted: {problem}`, the [`ClockProblem`]'s text |
/// | `Hash`: the hasher failed, parameters out of range | `Unavailable` | 503 | 〃 | `hashing the backup code failed` |
/// | `Generate`: no randomness, the hasher failed | `Unavailable` | 503 | 〃 | `making backup codes failed` |
/// | `Secret`: no randomness | `Unavailable` | 503 | 〃 | `drawing a secret failed` |
/// | `Seal`: a sealed secret that does not open (changed, malformed), no randomness | `Unavailable` | 503 | 〃 | `opening or sealing a secret failed` |
/// | `InvalidUser` | `Misuse` | 500 | Something went wrong on our side. Please contact support if it keeps happening. | `the user identifier is empty, too long or holds a NUL character` |
/// | `Uri` | `Misuse` | 500 | 〃 | `building the enrollment URI failed` |
/// | `UntrustedClock(NoServerClock)` | `Misuse` | 500 | 〃 | `the service's clock is not trusted: the store has no clock to check it against` |
/// | `Seal(NoKeyring)`, `Seal(UnknownKey)`, `Seal(Plain)` | `Misuse` | 500 | 〃 | `opening or sealing a secret failed` |
/// | `Hash`/`Generate`: a hasher of another scheme or key than the stored codes' | `Misuse` | 500 | 〃 | `hashing the backup code failed` / `making backup codes failed` |
///
/// The statuses: 401 for a code that does not prove the second factor (wrong, already used, a
/// refused login challenge or remembered device), 400 for input that is not a code at all (or a
/// label that cannot be stored), 409 for a flow the user's
/// state does not allow, 429 with `Retry-After` while throttled, and 423 Locked (RFC 4918
/// §11.3) for a lock, because waiting does not lift it (a success on the other path or an
/// administrator's unlock does) and a 429 tells a client to wait and retry; 503 when the service
/// could not decide, 500 when the application must change.
///
/// The user messages are full sentences for the person at the keyboard, the same for every user:
/// none names a cause, an internal detail or another user, and none says more than the flow
/// already shows (an application asks for a code only from a user whose second factor is on, so
/// `NotEnrolled` tells that user nothing new). The `Display` texts are for logs, in lower case,
/// and stable within a minor release.
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
    /// The user already holds [`Policy::max_authenticators`](crate::policy::Policy::max_authenticators)
    /// authenticators: one must be removed before another is added.
    TooManyAuthenticators {
        /// The most the policy allows.
        max: usize,
    },
    /// No authenticator of the user has this id (it was removed, or never existed).
    UnknownAuthenticator {
        /// The id asked for.
        id: u32,
    },
    /// The user identifier is empty, longer than [`Record::MAX_USER_LEN`](crate::store::Record::MAX_USER_LEN),
    /// or holds a NUL character (which PostgreSQL cannot store): the one rule of every store,
    /// checked before any store is called ([`Record::is_valid_user`](crate::store::Record::is_valid_user)).
    InvalidUser,
    /// Other requests kept changing the record: the attempt was retried as many times as the
    /// configuration allows, and denied.
    Conflict,
    /// The store failed (its error is the [`source`](core::error::Error::source)), or returned
    /// another user's record.
    Store(Box<dyn core::error::Error + Send + Sync + 'static>),
    /// The clock failed.
    Clock(OtpError),
    /// A maximum clock skew is configured
    /// ([`ConfigBuilder::max_clock_skew`](crate::ConfigBuilder::max_clock_skew)) and the last
    /// clock check does not vouch for the service's clock (the [`ClockProblem`] says why: none
    /// yet, the clock off the database's by more than the maximum, a store without a clock, or
    /// a check out of date): nothing was decided, nothing counted, nothing written. Run
    /// [`TwoFactor::check_clock`](crate::TwoFactor::check_clock); fix the host's clock.
    UntrustedClock(ClockProblem),
    /// The backup-code hasher failed, or cannot hash under the stored set's scheme.
    Hash(BackupError),
    /// New backup codes could not be made.
    Generate(BackupError),
    /// A new secret could not be drawn.
    Secret(SecretError),
    /// The enrollment URI could not be built (an account name the Key URI format refuses).
    Uri(UriError),
    /// The login challenge was refused: malformed, forged, expired, another user's, superseded
    /// by a newer one, or already used. Nothing was counted.
    Challenge(ChallengeError),
    /// A remembered-device token did not stand in for the second factor (the [`DeviceProblem`]
    /// says why: malformed, forged, under a key the service does not hold, expired, another
    /// user's, revoked or evicted, or the epoch moved): ask for a code. Nothing was counted.
    RememberedDevice(DeviceProblem),
    /// A label — the user's name for an authenticator or a remembered device — that cannot be
    /// stored (the [`LabelProblem`] says why); nothing was written.
    InvalidLabel(LabelProblem),
    /// An import ([`TwoFactor::import`](crate::TwoFactor::import)) that cannot be written as
    /// given (the [`ImportProblem`] says why); nothing was written.
    InvalidImport(ImportProblem),
    /// The plain backup codes of an import are not codes the crate can keep (the
    /// [`BackupError`] says which and why: [`BackupError::ImportedCode`],
    /// [`BackupError::ImportedLength`], [`BackupError::Count`]); nothing was written.
    InvalidBackupCodes(BackupError),
    /// A sealed secret of the record could not be opened (an unknown key id, a changed value, a
    /// wrong key, a value copied from another user or field), a secret could not be sealed, or
    /// the record holds sealed secrets and the service has no keyring. Nothing was written.
    Seal(SealError),
}

/// What kind of denial an [`Error`] is: what answers it, and who can fix it.
///
/// ```
/// use twofactor::{Error, ErrorKind, Via};
///
/// assert_eq!(Error::WrongCode { via: Via::Code }.kind(), ErrorKind::Refused);
/// assert_eq!(Error::Conflict.kind(), ErrorKind::Unavailable);
/// assert_eq!(Error::InvalidUser.kind(), ErrorKind::Misuse);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The rules refused the user's attempt: a wrong, malformed or already used code, a
    /// throttled or locked path, a flow the user's state does not allow (not enrolled, already
    /// enrolled, no enrollment to confirm or an expired one, no backup codes), a refused login
    /// challenge or remembered device, a label that cannot be stored. The user can act on it (another code, waiting, the other path, starting
    /// again); the service worked as it should. A 4xx.
    Refused,
    /// The service could not decide, and denied: the store failed, the record kept changing
    /// past the retries, the clock failed or is not trusted (skewed against the database's, or
    /// not checked lately), the backup-code hasher failed, the random number
    /// generator failed, or a sealed secret does not open (its stored bytes were changed or
    /// damaged). Nobody's fault in the request: retry later, and let an operator look if it
    /// lasts. A 503.
    Unavailable,
    /// The application used the service wrongly, and must change its code or configuration: an
    /// empty or overlong user id, an account name a Key URI cannot carry, a maximum clock skew
    /// over a store that has no clock to check against, sealed records read
    /// without a keyring (or a
    /// keyring that lacks the key a record names), a backup-code hasher of another scheme or
    /// key than the stored codes were hashed with. Retrying does not help. A 500.
    Misuse,
}

impl Error {
    pub(crate) fn store<E: core::error::Error + Send + Sync + 'static>(error: E) -> Self {
        Self::Store(Box::new(error))
    }

    /// What kind of denial this is: the rules refusing the attempt, the service unable to
    /// decide, or the application using it wrongly (the table on [`Error`]).
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::NotEnrolled
            | Self::AlreadyEnabled
            | Self::NoPendingEnrollment
            | Self::EnrollmentExpired
            | Self::NoBackupCodes
            | Self::Malformed
            | Self::WrongCode { .. }
            | Self::Replay { .. }
            | Self::Throttled { .. }
            | Self::Locked { .. }
            | Self::TooManyAuthenticators { .. }
            | Self::UnknownAuthenticator { .. }
            | Self::RememberedDevice(_)
            | Self::InvalidLabel(_)
            | Self::InvalidImport(_)
            | Self::InvalidBackupCodes(_) => ErrorKind::Refused,
            Self::Challenge(ChallengeError::KeyLength { .. }) => ErrorKind::Misuse,
            Self::Challenge(_) => ErrorKind::Refused,
            Self::Conflict | Self::Store(_) | Self::Clock(_) | Self::Secret(_) => ErrorKind::Unavailable,
            Self::UntrustedClock(ClockProblem::NoServerClock) => ErrorKind::Misuse,
            Self::UntrustedClock(_) => ErrorKind::Unavailable,
            Self::Hash(error) | Self::Generate(error) => hash_kind(error),
            Self::Seal(error) => seal_kind(error),
            Self::InvalidUser | Self::Uri(_) => ErrorKind::Misuse,
        }
    }

    /// The HTTP status a web application answers with: 400, 401, 409, 423 or 429 for a refusal,
    /// 503 when the service could not decide, 500 for a misuse (the table on [`Error`]).
    ///
    /// ```
    /// use twofactor::{Error, Via};
    ///
    /// assert_eq!(Error::WrongCode { via: Via::BackupCode }.http_status(), 401);
    /// assert_eq!(Error::Locked { via: Via::Code }.http_status(), 423);
    /// assert_eq!(Error::Conflict.http_status(), 503);
    /// ```
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        match self.kind() {
            ErrorKind::Refused => match self {
                Self::Malformed
                | Self::InvalidLabel(_)
                | Self::InvalidImport(_)
                | Self::InvalidBackupCodes(_) => 400,
                Self::UnknownAuthenticator { .. } => 404,
                Self::NotEnrolled
                | Self::AlreadyEnabled
                | Self::NoPendingEnrollment
                | Self::EnrollmentExpired
                | Self::NoBackupCodes
                | Self::TooManyAuthenticators { .. } => 409,
                Self::Throttled { .. } => 429,
                Self::Locked { .. } => 423,
                _ => 401,
            },
            ErrorKind::Unavailable => 503,
            ErrorKind::Misuse => 500,
        }
    }

    /// When a throttled attempt may be made again, in Unix seconds: `Some` for
    /// [`Error::Throttled`] only. A `Retry-After` header carries it as seconds from now.
    ///
    /// ```
    /// use twofactor::{Error, Via};
    ///
    /// let throttled = Error::Throttled { via: Via::Code, retry_at: 1_700_000_060 };
    /// assert_eq!(throttled.retry_at(), Some(1_700_000_060));
    /// assert_eq!(Error::Locked { via: Via::Code }.retry_at(), None);
    /// ```
    #[must_use]
    pub const fn retry_at(&self) -> Option<u64> {
        match self {
            Self::Throttled { retry_at, .. } => Some(*retry_at),
            _ => None,
        }
    }

    /// A sentence safe to show the person at the keyboard: what happened and what to do, the
    /// same for every user, never a cause's text nor anything the flow does not already show
    /// (the table on [`Error`]). Errors that are not refusals all read alike.
    ///
    /// ```
    /// use twofactor::{Error, Via};
    ///
    /// assert_eq!(
    ///     Error::Replay { via: Via::Code }.user_message(),
    ///     "That code was already used — wait for the next one."
    /// );
    /// assert_eq!(Error::Conflict.user_message(), Error::Store(Box::new(std::fmt::Error)).user_message());
    /// ```
    #[must_use]
    pub const fn user_message(&self) -> &'static str {
        match self {
            Self::NotEnrolled => "Two-factor authentication is not turned on for this account.",
            Self::AlreadyEnabled => "Two-factor authentication is already turned on for this account.",
            Self::NoPendingEnrollment => "There is no two-factor setup to confirm. Please start again.",
            Self::EnrollmentExpired => "The two-factor setup took too long. Please start again.",
            Self::NoBackupCodes => {
                "This account has no backup codes. Please use a code from your authenticator app."
            }
            Self::Malformed => "That is not a valid code. Please check it and try again.",
            Self::WrongCode { via: Via::Code } => "That code is not right. Please try again.",
            Self::WrongCode { .. } => "That backup code is not right. Please try again.",
            Self::Replay { via: Via::Code } => "That code was already used — wait for the next one.",
            Self::Replay { .. } => "That backup code was already used. Each backup code works once.",
            Self::Throttled { .. } => "Too many attempts. Please wait a moment and try again.",
            Self::Locked { via: Via::Code } => {
                "Too many wrong codes. Sign in with a backup code, or contact support."
            }
            Self::Locked { .. } => {
                "Too many wrong backup codes. Sign in with a code from your authenticator app, or \
                 contact support."
            }
            Self::TooManyAuthenticators { .. } => {
                "You already have as many authenticators as allowed. Remove one first."
            }
            Self::UnknownAuthenticator { .. } => "That authenticator is not on this account.",
            Self::Challenge(ChallengeError::Expired { .. }) => {
                "Your sign-in took too long. Please sign in again."
            }
            Self::Challenge(ChallengeError::Used) => {
                "This sign-in was already completed. Please sign in again."
            }
            Self::Challenge(ChallengeError::Superseded) => {
                "A newer sign-in was started. Please continue with that one, or sign in again."
            }
            Self::RememberedDevice(_) => {
                "This device is no longer remembered. Please enter a code from your authenticator app."
            }
            Self::InvalidLabel(_) => {
                "That name is empty, too long or contains characters that are not allowed. Please \
                 choose another."
            }
            Self::InvalidImport(_) | Self::InvalidBackupCodes(_) => {
                "The second factor could not be imported as given."
            }
            _ => match self.kind() {
                ErrorKind::Refused => "This sign-in is not valid. Please sign in again.",
                ErrorKind::Unavailable => "Something went wrong on our side. Please try again in a moment.",
                ErrorKind::Misuse => {
                    "Something went wrong on our side. Please contact support if it keeps happening."
                }
            },
        }
    }
}

/// A hasher that cannot hash under the stored set's scheme or key was configured wrongly; one
/// that failed or was given parameters out of range, or a random number generator that failed,
/// could not decide.
const fn hash_kind(error: &BackupError) -> ErrorKind {
    match error {
        BackupError::UnsupportedScheme
        | BackupError::KeyMismatch { .. }
        | BackupError::KeyLength { .. }
        | BackupError::DuplicateKeyId { .. } => ErrorKind::Misuse,
        _ => ErrorKind::Unavailable,
    }
}

/// A service without a keyring, or with one that lacks the record's key, was built wrongly; a
/// sealed secret that does not open under the right key was changed or damaged where it is
/// stored, which the service cannot decide on.
const fn seal_kind(error: &SealError) -> ErrorKind {
    match error {
        SealError::NoKeyring
        | SealError::Plain
        | SealError::UnknownKey { .. }
        | SealError::KeyLength { .. }
        | SealError::DuplicateKeyId { .. } => ErrorKind::Misuse,
        _ => ErrorKind::Unavailable,
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
            Refusal::TooManyAuthenticators(max) => Self::TooManyAuthenticators { max },
            Refusal::UnknownAuthenticator(id) => Self::UnknownAuthenticator { id },
            Refusal::Device { problem, .. } => Self::RememberedDevice(problem),
            Refusal::Label(problem) => Self::InvalidLabel(problem),
            Refusal::Import(problem) => Self::InvalidImport(problem),
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
            Self::TooManyAuthenticators { max } => {
                write!(f, "the user already holds {max} authenticators, the most allowed")
            }
            Self::UnknownAuthenticator { id } => write!(f, "the user has no authenticator {id}"),
            Self::InvalidUser => {
                f.write_str("the user identifier is empty, too long or holds a NUL character")
            }
            Self::Conflict => f.write_str("the record kept changing under concurrent requests"),
            Self::Store(_) => f.write_str("the store failed"),
            Self::Clock(_) => f.write_str("the clock failed"),
            Self::UntrustedClock(problem) => write!(f, "the service's clock is not trusted: {problem}"),
            Self::Hash(_) => f.write_str("hashing the backup code failed"),
            Self::Generate(_) => f.write_str("making backup codes failed"),
            Self::Secret(_) => f.write_str("drawing a secret failed"),
            Self::Uri(_) => f.write_str("building the enrollment URI failed"),
            Self::Challenge(_) => f.write_str("the login challenge was refused"),
            Self::RememberedDevice(problem) => write!(f, "the remembered device was refused: {problem}"),
            Self::InvalidLabel(problem) => write!(f, "the label is refused: {problem}"),
            Self::InvalidImport(problem) => write!(f, "the import is refused: {problem}"),
            Self::InvalidBackupCodes(_) => f.write_str("the imported backup codes are refused"),
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
            Self::InvalidBackupCodes(error) => Some(error),
            _ => None,
        }
    }
}
