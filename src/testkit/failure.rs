//! What the kit says when a check fails.

use alloc::string::String;
use core::fmt;

/// A conformance check that failed: which, and why. Its `Display` is
/// ``conformance check `{check}` failed: {reason}``; it has no source.
///
/// ```
/// use twofactor::testkit::KitFailure;
///
/// fn report(failure: &KitFailure) -> String {
///     format!("{} ({})", failure.reason(), failure.check())
/// }
/// # let _ = report;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KitFailure {
    check: &'static str,
    reason: String,
}

impl KitFailure {
    pub(crate) fn new(check: &'static str, reason: impl Into<String>) -> Self {
        Self {
            check,
            reason: reason.into(),
        }
    }

    /// The name of the check: the name of its `check_…` function without the prefix.
    #[must_use]
    pub const fn check(&self) -> &'static str {
        self.check
    }

    /// What went wrong.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for KitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conformance check `{}` failed: {}", self.check, self.reason)
    }
}

impl core::error::Error for KitFailure {}

/// `Ok(())` if `condition` holds, else a failure of `check` with the reason `reason` makes.
pub(crate) fn ensure(
    condition: bool,
    check: &'static str,
    reason: impl FnOnce() -> String,
) -> Result<(), KitFailure> {
    if condition {
        Ok(())
    } else {
        Err(KitFailure::new(check, reason()))
    }
}
