//! The constant-time search over a range of counters shared by HOTP and TOTP.
//!
//! Every candidate in the range is computed and compared with `subtle`, with no early exit: the
//! work depends only on the range's length, never on which candidate matched, whether any did,
//! or how many digits were right. The range and the replay bound are public; the codes are not.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use super::Digits;
use super::mac::KeyedHmac;

/// A range of counters: `first`, `first + 1`, … `len` of them. Counters outside `0..=last`
/// (before 0, or past the largest allowed counter) are computed as counter 0 and never match.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Range {
    pub(crate) first: i128,
    pub(crate) len: u64,
    pub(crate) last: u64,
}

/// What a scan found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// The earliest counter after the replay bound whose code (pair) matched.
    Accepted(u64),
    /// A match exists, but only at or before the replay bound.
    Replayed,
    /// Nothing matched.
    Missed,
}

/// Replay bound: counters at or before `after` never match as new.
///
/// The counter and the bound are public, so this is a plain `bool`; it is still computed without
/// a branch (`|`, not `||`), so that the work per candidate does not depend on the bound either,
/// which `.ci/ct-check` confirms by counting instructions. Only values that depend on the code
/// (a hit) are `subtle::Choice`s: each `Choice` operation costs a call to `subtle`'s optimisation
/// barrier, and the per-candidate cost is what the OTP bench's verification ratios measure.
fn fresh(counter: u64, after: Option<u64>) -> bool {
    after.is_none() | (counter > after.unwrap_or(0))
}

/// The counters of the range in order, each with whether it lies in `0..=last` (public, like
/// [`fresh`]); those outside are computed as counter 0 and never match.
fn counters(range: Range) -> impl Iterator<Item = (u64, bool)> {
    (0..range.len).map(move |index| {
        let wide = range.first + i128::from(index);
        let valid = (wide >= 0) & (wide <= i128::from(range.last));
        (u64::try_from(wide).unwrap_or(0), valid)
    })
}

#[cfg(test)]
std::thread_local! {
    /// How many single-code scans ran on this thread.
    static SCANS: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

/// How many single-code scans (each a whole window, computed and compared) ran on this thread
/// so far: for the tests that prove a verification scans every authenticator, with no early
/// exit.
#[cfg(test)]
pub(crate) fn scans() -> u32 {
    SCANS.with(core::cell::Cell::get)
}

/// Finds `code` in `range`.
pub(crate) fn single(mac: &KeyedHmac, digits: Digits, code: u32, range: Range, after: Option<u64>) -> Scan {
    compare_single(mac, digits, code, range, after).outcome()
}

/// What a scan saw, before the one decision that depends on it.
#[derive(Clone, Copy, Debug)]
struct Seen {
    found: Choice,
    replayed: Choice,
    matched: u64,
}

/// The constant-time part of [`single`]: every candidate computed and compared.
///
/// Kept out of line (one call per verification, nothing measurable) so that `.ci/ct-check` can
/// count its instructions under valgrind by its name, `twofactor::otp::scan::compare_single`.
#[inline(never)]
fn compare_single(mac: &KeyedHmac, digits: Digits, code: u32, range: Range, after: Option<u64>) -> Seen {
    #[cfg(test)]
    SCANS.with(|scans| scans.set(scans.get() + 1));
    let mut found = Choice::from(0);
    let mut replayed = Choice::from(0);
    let mut matched: u64 = 0;
    mac.truncate_each(counters(range), |counter, valid, truncated| {
        let is_fresh = fresh(counter, after);
        let new = Choice::from(u8::from(valid & is_fresh));
        let old = Choice::from(u8::from(valid & !is_fresh));
        let hit = digits.reduce(truncated).ct_eq(&code);
        let accepted = hit & new;
        matched.conditional_assign(&counter, accepted & !found);
        found |= accepted;
        replayed |= hit & old;
    });
    Seen {
        found,
        replayed,
        matched,
    }
}

/// Finds `first` immediately followed by `second` in `range`; returns the counter of `second`.
/// Both counters of the pair must lie after the replay bound.
pub(crate) fn pair(
    mac: &KeyedHmac,
    digits: Digits,
    first: u32,
    second: u32,
    range: Range,
    after: Option<u64>,
) -> Scan {
    compare_pair(mac, digits, [first, second], range, after).outcome()
}

/// The constant-time part of [`pair`], kept out of line for `.ci/ct-check` as
/// [`compare_single`] is.
#[inline(never)]
fn compare_pair(mac: &KeyedHmac, digits: Digits, codes: [u32; 2], range: Range, after: Option<u64>) -> Seen {
    let [first, second] = codes;
    let mut found = Choice::from(0);
    let mut replayed = Choice::from(0);
    let mut matched: u64 = 0;
    let mut previous_first = Choice::from(0);
    let mut previous_fresh = false;
    mac.truncate_each(counters(range), |counter, valid, truncated| {
        let valid = Choice::from(u8::from(valid));
        let new = Choice::from(u8::from(previous_fresh));
        let candidate = digits.reduce(truncated);
        let hit = candidate.ct_eq(&second) & valid & previous_first;
        let accepted = hit & new;
        matched.conditional_assign(&counter, accepted & !found);
        found |= accepted;
        replayed |= hit & !new;
        previous_first = candidate.ct_eq(&first) & valid;
        previous_fresh = fresh(counter, after);
    });
    Seen {
        found,
        replayed,
        matched,
    }
}

impl Seen {
    /// The decision: not constant-time, and need not be, since it is the verification's result.
    fn outcome(self) -> Scan {
        if self.found.into() {
            Scan::Accepted(self.matched)
        } else if self.replayed.into() {
            Scan::Replayed
        } else {
            Scan::Missed
        }
    }
}
