//! The policy: pure decisions over one user's record.
//!
//! Each flow of the service is one function `(record, input, now, policy) → (outcome, record to
//! write)`: no I/O, no clock read, no randomness but through arguments (a new secret, a
//! backup-code generator, a hasher). It takes the loaded record by value and hands it back only
//! when it is to be written — a success, or a counted failure — so a refusal that changes
//! nothing (throttled, a replay, malformed input) writes nothing and leaves nothing to discard.
//! The service writes what it is given with a compare-and-swap on the version it read.
//!
//! The rules and the security they give are documented on [`Policy`], where users of the
//! crate read them; [`ThrottlePolicy`] holds the throttling rules and [`GuessingOdds`] the bound
//! they give an attacker.
//!
//! ```
//! use twofactor::otp::{Digits, Window};
//! use twofactor::policy::{GuessingOdds, Policy};
//!
//! // A stricter window than the default (RFC 6238 §5.2: at most one step of network delay).
//! let policy = Policy::builder().window(Window::RFC_6238_STRICT).build()?;
//! assert_eq!((policy.window().past(), policy.window().future()), (1, 0));
//! // A daily sign-in refills the attacker's budget: the yearly odds of a 6-digit guess.
//! let odds: GuessingOdds = policy.odds_with_logins(Digits::Six, 86_400, 365 * 86_400);
//! assert!(odds.probability() < 0.02);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The decisions are called by the service, which needs `std`; with `alloc` alone only the
// policy's types are used.
#![cfg_attr(not(feature = "std"), allow(dead_code, unused_imports))]

mod authenticators;
mod budget;
mod challenge;
mod change;
mod clock;
mod config;
mod device;
mod enroll;
mod import;
mod label;
mod odds;
mod outcome;
mod resync;
mod status;
mod throttle;
mod verify;

#[cfg(test)]
mod tests;

pub use authenticators::AuthenticatorInfo;
pub use budget::GuessingBudget;
pub use clock::{ClockHealth, ClockProblem};
pub use config::{Policy, PolicyBuilder};
pub use device::{RememberedDeviceInfo, RememberedSignIn};
pub use import::{Import, ImportProblem, Imported};
pub use label::LabelProblem;
pub use odds::GuessingOdds;
pub use outcome::{Verified, Via};
pub use status::{Status, Throttling};
pub use throttle::{ThrottlePolicy, ThrottlePolicyBuilder};

pub(crate) use authenticators::{
    admin_remove as admin_remove_authenticator, begin_adding, list as list_authenticators,
    remove as remove_authenticator, rename as rename_authenticator, reset,
};
pub(crate) use challenge::{
    issue as issue_challenge, resync_with as resync_with_challenge, verify_with as verify_with_challenge,
};
pub(crate) use change::{disable, regenerate, unlock};
pub(crate) use clock::trusted as clock_trusted;
#[cfg(feature = "testkit")]
pub(crate) use device::LAST_USE_RESOLUTION;
pub(crate) use device::{
    devices as remembered_devices, remember as remember_device, revoke as revoke_device,
    revoke_all as revoke_all_devices, sign_in as sign_in_remembered,
};
pub(crate) use enroll::{begin, confirm};
pub(crate) use import::{Codes as ImportedCodes, import};
pub(crate) use outcome::Refusal;
pub(crate) use resync::resync;
pub(crate) use status::status;
#[cfg(test)]
pub(crate) use throttle::Failed;
pub(crate) use verify::{Expect, Proof, verify};

use crate::record::{Opened, SinceSuccess, State, Throttle};

/// A decision: the outcome, and the record to write if the state changed (`None`: nothing to
/// write, and nothing to discard).
pub(crate) type Decision<T> = (Result<T, Refusal>, Option<Opened>);

/// A refusal that changes nothing.
pub(crate) const fn refuse<T>(refusal: Refusal) -> Decision<T> {
    (Err(refusal), None)
}

/// Moves the credential epoch on, after any change of the second factor: sessions keyed on the
/// old epoch end, and every remembered device is forgotten (each is bound to the epoch it was
/// remembered in). Every flow that changes the second factor calls this, and only this.
fn move_epoch<S>(record: &mut State<S>) {
    record.epoch = record.epoch.saturating_add(1);
    record.devices.clear();
}

/// A success on either path clears both throttles (NIST SP 800-63B: counts reset after a
/// success) — not the long-term guessing budget — and returns the failures since the last
/// sign-in, for the success to report.
fn succeed(record: &mut Opened) -> SinceSuccess {
    clear_throttles(record);
    record.since_success
}

/// Clears both paths' counters, delays and locks.
fn clear_throttles(record: &mut Opened) {
    record.code_throttle = Throttle::default();
    record.backup_throttle = Throttle::default();
}
