use core::fmt;

use super::CodeError;

/// A time that has no time step: before `T0` (or, for the system clock, before 1970).
///
/// | variant | `Display` |
/// | --- | --- |
/// | `BeforeT0` | `time {time} is before T0 = {t0}` |
/// | `BeforeUnixEpoch` | `the system clock is before the Unix epoch` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// The time is earlier than the generator's `T0`.
    BeforeT0 {
        /// The time given, in Unix seconds.
        time: u64,
        /// The generator's `T0`.
        t0: u64,
    },
    /// The system clock reads a time before the Unix epoch.
    BeforeUnixEpoch,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BeforeT0 { time, t0 } => write!(f, "time {time} is before T0 = {t0}"),
            Self::BeforeUnixEpoch => f.write_str("the system clock is before the Unix epoch"),
        }
    }
}

impl core::error::Error for TimeError {}

/// Why a code was not accepted. Says nothing about how close a wrong code was.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Malformed` | `malformed code`; the [`CodeError`] is the source |
/// | `Mismatch` | `the code is wrong` |
/// | `Replay` | `the code was already used` |
/// | `Time` | `the time has no time step`; the [`TimeError`] is the source |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The input is not a code of the generator's format; no code was computed.
    Malformed(CodeError),
    /// The code matches no step (or counter) in the window.
    Mismatch,
    /// The code matches a step at or before the last accepted one: it was already used, or an
    /// older code was offered after a newer one (RFC 6238 §5.2).
    Replay,
    /// The time has no time step.
    Time(TimeError),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(_) => f.write_str("malformed code"),
            Self::Mismatch => f.write_str("the code is wrong"),
            Self::Replay => f.write_str("the code was already used"),
            Self::Time(_) => f.write_str("the time has no time step"),
        }
    }
}

impl core::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Malformed(error) => Some(error),
            Self::Time(error) => Some(error),
            Self::Mismatch | Self::Replay => None,
        }
    }
}

impl From<CodeError> for VerifyError {
    fn from(error: CodeError) -> Self {
        Self::Malformed(error)
    }
}

impl From<TimeError> for VerifyError {
    fn from(error: TimeError) -> Self {
        Self::Time(error)
    }
}
