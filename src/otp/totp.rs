use core::fmt;

use super::mac::KeyedHmac;
use super::scan::{self, Range, Scan};
use super::{Code, OtpError, TotpParams, Window};
use crate::secret::Secret;

/// A TOTP generator and verifier (RFC 6238), keyed once.
///
/// Times are Unix seconds as `u64`; steps are `(time - T0) / period`, computed without overflow
/// for every `u64` time, far past 2038 and 2^32 steps.
///
/// ```
/// use twofactor::{Secret, Totp};
/// use twofactor::otp::{TotpParams, OtpError, Window};
///
/// let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
/// let totp = Totp::new(&secret, TotpParams::builder().digits(8).build()?);
/// assert_eq!(totp.generate(59)?.to_string(), "94287082");
///
/// // The code from 30 s ago is accepted once, with the step it matched...
/// let found = totp.verify("94287082", 89, Window::DEFAULT, None)?;
/// assert_eq!((found.step(), found.drift()), (1, -1));
/// // ...and refused as a replay once that step is stored as the last accepted one.
/// assert_eq!(totp.verify("94287082", 89, Window::DEFAULT, Some(1)), Err(OtpError::Replay));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Totp {
    mac: KeyedHmac,
    params: TotpParams,
}

/// An accepted TOTP code: the step it matched, to store as the new replay bound, and its drift
/// from the verifier's current step (negative: the code was older), to learn the phone's clock
/// offset (RFC 6238 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    step: u64,
    drift: i64,
}

impl Match {
    /// The time step whose code matched. Store it: it and every earlier step are spent.
    #[must_use]
    pub const fn step(&self) -> u64 {
        self.step
    }

    /// Matched step minus the current step.
    #[must_use]
    pub const fn drift(&self) -> i64 {
        self.drift
    }
}

impl Totp {
    /// The widest search of [`Totp::resync`] on each side, in steps; larger values are clamped.
    /// At 30 s steps this is 12 hours of clock error.
    pub const MAX_RESYNC_STEPS: u32 = 1440;

    /// Keys a generator with `secret`.
    #[must_use]
    pub fn new(secret: &Secret, params: TotpParams) -> Self {
        Self {
            mac: KeyedHmac::new(params.algorithm(), secret.expose_secret()),
            params,
        }
    }

    /// The generator's parameters.
    #[must_use]
    pub const fn params(&self) -> TotpParams {
        self.params
    }

    /// The time step of `time`: `(time - T0) / period`.
    ///
    /// # Errors
    /// [`OtpError::BeforeT0`] for a time before `T0`.
    pub const fn step(&self, time: u64) -> Result<u64, OtpError> {
        match time.checked_sub(self.params.t0()) {
            Some(elapsed) => Ok(elapsed / self.params.period()),
            None => Err(OtpError::BeforeT0 {
                time,
                t0: self.params.t0(),
            }),
        }
    }

    /// The code for the step containing `time`.
    ///
    /// # Errors
    /// [`OtpError::BeforeT0`] for a time before `T0`.
    pub fn generate(&self, time: u64) -> Result<Code, OtpError> {
        Ok(self.generate_at_step(self.step(time)?))
    }

    /// The code for a time step.
    #[must_use]
    pub fn generate_at_step(&self, step: u64) -> Code {
        let digits = self.params.digits();
        Code::new(digits.reduce(self.mac.truncated(step)), digits)
    }

    /// The code for the system clock's current time.
    ///
    /// # Errors
    /// An [`OtpError`] when the clock reads a time before the epoch or `T0`.
    #[cfg(feature = "std")]
    pub fn generate_now(&self) -> Result<Code, OtpError> {
        self.generate(crate::otp::unix_time_now()?)
    }

    /// Reads typed input as a code of this generator's digit count; see [`Code::parse`].
    ///
    /// # Errors
    /// The [`OtpError`] of [`Code::parse`].
    pub fn parse_code(&self, input: &str) -> Result<Code, OtpError> {
        Code::parse(input, self.params.digits())
    }

    /// Verifies typed input at `now` over `window`, refusing the step `after` (the last one
    /// accepted for this user) and every earlier step.
    ///
    /// Every candidate in the window is computed and compared in constant time with no early
    /// exit. When several steps match (a 1-in-10^digits chance), the earliest fresh one wins.
    ///
    /// # Errors
    /// [`OtpError::Empty`], [`OtpError::InvalidCharacter`] or [`OtpError::WrongLength`] when the
    /// input is not a code ([`OtpError::is_malformed`]), [`OtpError::Replay`] when it matches
    /// only steps at or before `after`, [`OtpError::Mismatch`] when it matches none,
    /// [`OtpError::BeforeT0`] for a time before `T0`.
    pub fn verify(
        &self,
        input: &str,
        now: u64,
        window: Window,
        after: Option<u64>,
    ) -> Result<Match, OtpError> {
        self.verify_code(&self.parse_code(input)?, now, window, 0, after)
    }

    /// [`Totp::verify`] for a parsed code, with the window centred `drift` steps away from the
    /// current step: the learned clock offset of this user's device (RFC 6238 §6). The returned
    /// [`Match::drift`] is measured from the current step, not from the centre.
    ///
    /// # Errors
    /// As [`Totp::verify`]; a code of another digit count is an [`OtpError::Mismatch`].
    pub fn verify_code(
        &self,
        code: &Code,
        now: u64,
        window: Window,
        drift: i64,
        after: Option<u64>,
    ) -> Result<Match, OtpError> {
        let current = self.step(now)?;
        let first = i128::from(current) + i128::from(drift) - i128::from(window.past());
        let range = Range {
            first,
            len: u64::from(window.len()),
            last: u64::MAX,
        };
        let scan = scan::single(
            &self.mac,
            self.params.digits(),
            code.comparable(self.params.digits()),
            range,
            after,
        );
        Self::to_match(scan, current)
    }

    /// Resynchronises a clock that drifted far (RFC 6238 §6, RFC 4226 §7.4): searches `steps`
    /// steps on each side of the current step for `first` followed immediately by `second`,
    /// refusing steps at or before `after`. The match is the step of `second`; its drift is the
    /// offset to centre later windows on. One code alone never resynchronises.
    ///
    /// # Errors
    /// An input error ([`OtpError::is_malformed`]) for input that is not a code,
    /// [`OtpError::Replay`] for a pair at or before `after`, [`OtpError::Mismatch`] when no
    /// consecutive pair matches, [`OtpError::BeforeT0`] for a time before `T0`.
    pub fn resync(
        &self,
        first: &str,
        second: &str,
        now: u64,
        steps: u32,
        after: Option<u64>,
    ) -> Result<Match, OtpError> {
        self.resync_within(first, second, now, (steps, steps), after)
    }

    /// [`Totp::resync`] over an uneven search: `first` may lie up to `past` steps before the
    /// current step and up to `ahead` after it (each at most [`Totp::MAX_RESYNC_STEPS`]). Stale
    /// codes — seen over someone's shoulder, typed into a phishing page — lie in the past, while
    /// a phone whose clock runs fast shows codes ahead, so a service searches ahead further
    /// than back.
    ///
    /// # Errors
    /// As [`Totp::resync`].
    ///
    /// ```
    /// use twofactor::otp::{OtpError, TotpParams};
    /// use twofactor::{Secret, Totp};
    ///
    /// let totp = Totp::new(&Secret::from_bytes(b"12345678901234567890")?, TotpParams::DEFAULT);
    /// let now = 1_700_000_000;
    /// let step = totp.step(now)?;
    /// let code = |offset: u64| totp.generate_at_step(step - 20 + offset).to_string();
    /// // Ten steps ahead is found; ten steps back is not, when only one step back is searched.
    /// assert_eq!(totp.resync_within(&code(30), &code(31), now, (1, 20), None)?.drift(), 11);
    /// assert_eq!(totp.resync_within(&code(10), &code(11), now, (1, 20), None), Err(OtpError::Mismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resync_within(
        &self,
        first: &str,
        second: &str,
        now: u64,
        (past, ahead): (u32, u32),
        after: Option<u64>,
    ) -> Result<Match, OtpError> {
        let (first, second) = (self.parse_code(first)?, self.parse_code(second)?);
        let current = self.step(now)?;
        let (past, ahead) = (
            past.min(Self::MAX_RESYNC_STEPS),
            ahead.min(Self::MAX_RESYNC_STEPS),
        );
        let range = Range {
            first: i128::from(current) - i128::from(past),
            len: u64::from(past) + u64::from(ahead) + 2,
            last: u64::MAX,
        };
        let scan = scan::pair(
            &self.mac,
            self.params.digits(),
            first.comparable(self.params.digits()),
            second.comparable(self.params.digits()),
            range,
            after,
        );
        Self::to_match(scan, current)
    }

    fn to_match(scan: Scan, current: u64) -> Result<Match, OtpError> {
        match scan {
            Scan::Accepted(step) => {
                let drift = i128::from(step) - i128::from(current);
                Ok(Match {
                    step,
                    drift: i64::try_from(drift).unwrap_or(if drift < 0 { i64::MIN } else { i64::MAX }),
                })
            }
            Scan::Replayed => Err(OtpError::Replay),
            Scan::Missed => Err(OtpError::Mismatch),
        }
    }
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}
