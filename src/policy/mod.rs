//! The policy: pure decisions over one user's [`Record`].
//!
//! Each flow of the service is a function `(record, input, now, policy) → (outcome, new
//! record)`: no I/O, no clock read, no randomness but through arguments (a new secret, a
//! backup-code generator, a hasher). The new record is `None` when nothing must be written — a
//! refusal while throttled, a replay, a malformed input — so the service writes only when the
//! state changed, with a compare-and-swap on the version it read. The login paths, which run on
//! every sign-in, take the same decision on the record in place — `(&mut record, …) → (outcome,
//! write?)` — because a record is a couple of hundred bytes and every move of one is a copy;
//! `in_place` and (in tests) `by_value` convert between the two forms.
//!
//! The rules and the security they give are documented on [`Policy`], where users of the
//! crate read them.

// The decisions are called by the service, which needs `std`; with `alloc` alone only the
// policy's types are used.
#![cfg_attr(not(feature = "std"), allow(dead_code, unused_imports))]

mod challenge;
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

pub(crate) use challenge::{issue as issue_challenge, verify_with as verify_with_challenge};
pub(crate) use change::{disable, regenerate, unlock};
pub(crate) use enroll::{begin, confirm};
pub(crate) use outcome::Refusal;
pub(crate) use resync::resync;
pub(crate) use status::status;
#[cfg(test)]
pub(crate) use throttle::Failed;
pub(crate) use verify::{Expect, Proof, verify};

use crate::record::Record;
use crate::record::Throttle;

/// A decision: the outcome, and the record to write if the state changed.
pub(crate) type Decision<T> = (Result<T, Refusal>, Option<Record>);

/// A decision made on the record in place: the outcome, and whether the record, as changed, is
/// to be written. The login paths decide in place: a record is a couple of hundred bytes, and
/// every move of one is a copy.
pub(crate) type InPlace<T> = (Result<T, Refusal>, bool);

/// Adapts a decision taken by value to the record in place: the record to write replaces it.
pub(crate) fn in_place<T>(
    record: &mut Option<Record>,
    decide: impl FnOnce(Option<Record>) -> Decision<T>,
) -> InPlace<T> {
    let (outcome, new) = decide(record.take());
    let write = new.is_some();
    if write {
        *record = new;
    }
    (outcome, write)
}

/// Adapts a decision made in place to one taken by value: the record if it is to be written.
#[cfg(test)]
pub(crate) fn by_value<T>(
    mut record: Option<Record>,
    decide: impl FnOnce(Option<&mut Record>) -> InPlace<T>,
) -> Decision<T> {
    let (outcome, write) = decide(record.as_mut());
    (outcome, record.filter(|_| write))
}

/// A success on either path clears both (NIST SP 800-63B: counts reset after a success).
fn clear_throttles(record: &mut Record) {
    record.code_throttle = Throttle::default();
    record.backup_throttle = Throttle::default();
}
