use core::fmt;

/// A [`Policy`](crate::policy::Policy) or [`ThrottlePolicy`](crate::policy::ThrottlePolicy) out of range.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `LockAfter` | `the hard lock must come after 1 to {max} failures` |
/// | `FreeFailures` | `free failures must be fewer than the failures that lock` |
/// | `Delay` | `the first delay must be at least 1 s and at most the longest` |
/// | `MaxDrift` | `the learned drift is capped at {max} steps at most` |
/// | `EnrollmentTtl` | `a pending enrollment must live at least 1 s` |
///
/// ```
/// use twofactor::policy::{Policy, PolicyError};
///
/// assert_eq!(Policy::builder().enrollment_ttl(0).build(), Err(PolicyError::EnrollmentTtl));
/// # Ok::<(), PolicyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// A hard lock at 0 failures, or later than NIST SP 800-63B allows.
    LockAfter {
        /// The latest lock allowed.
        max: u32,
    },
    /// As many free failures as the lock, or more: the lock would come without any delay.
    FreeFailures,
    /// A first delay of 0 s, or a longest delay shorter than the first.
    Delay,
    /// A learned-drift cap wider than resynchronisation can search.
    MaxDrift {
        /// The widest cap allowed, in steps.
        max: u32,
    },
    /// A pending enrollment that expires at once.
    EnrollmentTtl,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LockAfter { max } => write!(f, "the hard lock must come after 1 to {max} failures"),
            Self::FreeFailures => f.write_str("free failures must be fewer than the failures that lock"),
            Self::Delay => f.write_str("the first delay must be at least 1 s and at most the longest"),
            Self::MaxDrift { max } => write!(f, "the learned drift is capped at {max} steps at most"),
            Self::EnrollmentTtl => f.write_str("a pending enrollment must live at least 1 s"),
        }
    }
}

impl core::error::Error for PolicyError {}
