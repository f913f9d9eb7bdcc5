//! The policy: pure decisions over one user's [`Record`].
//!
//! Each flow of the service is a function `(record, input, now, policy) → (outcome, new
//! record)`: no I/O, no clock read, no randomness but through arguments (a new secret, a
//! backup-code generator, a hasher). The new record is `None` when nothing must be written — a
//! refusal while throttled, a replay, a malformed input — so the service writes only when the
//! state changed, with a compare-and-swap on the version it read.
//!
//! # The rules
//!
//! * **Replay** (RFC 6238 §5.2). The accepted step and every earlier one are refused
//!   afterwards, reported as a replay. A replay is not counted as a failure: whoever has the code
//!   learned nothing by guessing it, and of N concurrent submissions of one code, one succeeds and
//!   N − 1 are told it was a replay, with no extra write. A used backup code is the same.
//! * **Learned drift** (RFC 6238 §6). The window is centred on the user's recorded drift; on
//!   success the matched drift, clamped to ±[`Policy::max_drift`], is recorded. Two consecutive
//!   codes resynchronise a clock that drifted further, searching ±`max_drift` steps.
//! * **Throttling** ([`ThrottlePolicy`]; RFC 4226 §7.3, NIST SP 800-63B §5.2.2). A wrong code
//!   counts one failure on its path: a few are free, then each starts a delay that doubles up to
//!   a cap, and the 100th consecutive one locks the path. While a path is throttled or locked an
//!   attempt is refused before the code is looked at, says when to retry, and is not counted.
//!   Backup codes have their own budget, so a locked authenticator-code path never locks the user
//!   out of recovery; a success on either path clears both. Malformed input is not counted
//!   (nothing was compared).
//! * **Enrollment.** A pending secret is not active until a valid code confirms it; the
//!   confirming step is spent, so the same code cannot also log in; a pending enrollment expires
//!   ([`Policy::enrollment_ttl`]). An active authenticator cannot be replaced by a new
//!   enrollment: it must be disabled, with a valid code, first.
//! * **Changes** — disable, regenerate backup codes — require a valid current code or backup
//!   code, checked under the same rules as a login (a wrong one counts), and each change, like
//!   enabling, moves the credential epoch so that the application can end the user's other
//!   sessions.
//!
//! # The security of the defaults, as a number
//!
//! An online attacker who knows the password and guesses 6-digit codes as fast as the default
//! policy allows breaks into the account of a user who logs in once a day with probability at
//! most **1.42 % a year** (about 1 in 70): 13 guesses a day, 365 days, 3 codes in the window,
//! `365 · 13 · 3 / 10⁶`. Against a user who never logs in, the hard lock bounds it at
//! `100 · 3 / 10⁶` = **0.03 %**, for ever. [`GuessingOdds`] has the formula and computes it for
//! any policy; `tests/policy_odds.rs` runs such an attacker through the service for a simulated
//! year. A stricter window or 8 digits divide these numbers by 3 and by 100.

// The decisions are called by the service, which needs `std`; with `alloc` alone only the
// policy's types are used.
#![cfg_attr(not(feature = "std"), allow(dead_code, unused_imports))]

mod change;
mod config;
mod enroll;
mod error;
mod odds;
mod outcome;
mod resync;
mod status;
mod throttle;
mod verify;

#[cfg(test)]
mod tests;

pub use config::{Policy, PolicyBuilder};
pub use error::PolicyError;
pub use odds::GuessingOdds;
pub use outcome::{Verified, Via};
pub use status::{Status, Throttling};
pub use throttle::{ThrottlePolicy, ThrottlePolicyBuilder};

pub(crate) use change::{disable, regenerate, unlock};
pub(crate) use enroll::{begin, confirm};
pub(crate) use outcome::Refusal;
pub(crate) use resync::resync;
pub(crate) use status::status;
#[cfg(test)]
pub(crate) use throttle::Failed;
pub(crate) use verify::{Expect, Proof, verify};

use crate::Record;
use crate::record::Throttle;

/// A decision: the outcome, and the record to write if the state changed.
pub(crate) type Decision<T> = (Result<T, Refusal>, Option<Record>);

/// A success on either path clears both (NIST SP 800-63B: counts reset after a success).
fn clear_throttles(record: &mut Record) {
    record.code_throttle = Throttle::default();
    record.backup_throttle = Throttle::default();
}
