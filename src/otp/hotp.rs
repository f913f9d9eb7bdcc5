use core::fmt;

use super::mac::KeyedHmac;
use super::scan::{self, Range, Scan};
use super::{Code, HotpParams, OtpError};
use crate::secret::Secret;

/// An HOTP generator and verifier (RFC 4226), keyed once.
///
/// ```
/// use twofactor::{Hotp, Secret};
/// use twofactor::otp::HotpParams;
///
/// let secret = Secret::from_bytes(b"12345678901234567890")?;
/// let hotp = Hotp::new(&secret, HotpParams::default());
/// assert_eq!(hotp.generate(1).to_string(), "287082");
///
/// // The server stores the next expected counter; a code a little ahead is accepted.
/// let found = hotp.verify("359152", 0, 5)?;
/// assert_eq!((found.counter(), found.next()), (2, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Hotp {
    mac: KeyedHmac,
    params: HotpParams,
}

/// An accepted HOTP code: the counter it was made with and the counter to store next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HotpMatch {
    counter: u64,
}

impl HotpMatch {
    /// The counter whose code matched.
    #[must_use]
    pub const fn counter(&self) -> u64 {
        self.counter
    }

    /// The counter to store: one past the match, so this code and every earlier one are spent.
    #[must_use]
    pub const fn next(&self) -> u64 {
        // The scan never accepts `u64::MAX`, so this cannot overflow.
        self.counter.saturating_add(1)
    }
}

impl Hotp {
    /// The widest look-ahead [`Hotp::verify`] searches; larger values are clamped. RFC 4226 §7.4
    /// asks for a window "as small as possible"; every code searched adds to an attacker's odds.
    pub const MAX_LOOK_AHEAD: u32 = 100;

    /// The widest look-ahead [`Hotp::resync`] searches; larger values are clamped.
    pub const MAX_RESYNC_LOOK_AHEAD: u32 = 1000;

    /// Keys a generator with `secret`.
    #[must_use]
    pub fn new(secret: &Secret, params: HotpParams) -> Self {
        Self {
            mac: KeyedHmac::new(params.algorithm, secret.expose_secret()),
            params,
        }
    }

    /// The generator's parameters.
    #[must_use]
    pub const fn params(&self) -> HotpParams {
        self.params
    }

    /// The code for `counter` (RFC 4226 §5.3).
    #[must_use]
    pub fn generate(&self, counter: u64) -> Code {
        let digits = self.params.digits;
        Code::new(digits.reduce(self.mac.truncated(counter)), digits)
    }

    /// Reads typed input as a code of this generator's digit count; see [`Code::parse`].
    ///
    /// # Errors
    /// The [`OtpError`] of [`Code::parse`].
    pub fn parse_code(&self, input: &str) -> Result<Code, OtpError> {
        Code::parse(input, self.params.digits)
    }

    /// Verifies typed input against counters `counter ..= counter + look_ahead`, where `counter`
    /// is the next expected counter the server stored. Every candidate is computed and compared
    /// in constant time.
    ///
    /// # Errors
    /// An input error ([`OtpError::is_malformed`]) when the input is not a code,
    /// [`OtpError::Mismatch`] when no counter in the window matches.
    pub fn verify(&self, input: &str, counter: u64, look_ahead: u32) -> Result<HotpMatch, OtpError> {
        self.verify_code(&self.parse_code(input)?, counter, look_ahead)
    }

    /// [`Hotp::verify`] for an already parsed code.
    ///
    /// # Errors
    /// [`OtpError::Mismatch`] when no counter in the window matches (a code of another digit
    /// count never matches).
    pub fn verify_code(&self, code: &Code, counter: u64, look_ahead: u32) -> Result<HotpMatch, OtpError> {
        let look_ahead = look_ahead.min(Self::MAX_LOOK_AHEAD);
        let scan = scan::single(
            &self.mac,
            self.params.digits,
            code.comparable(self.params.digits),
            self.range(counter, look_ahead),
            None,
        );
        Self::to_match(scan)
    }

    /// Resynchronises a counter that fell far behind (RFC 4226 §7.4): searches
    /// `counter ..= counter + look_ahead` for `first` followed immediately by `second`.
    /// One code alone never resynchronises.
    ///
    /// # Errors
    /// An input error ([`OtpError::is_malformed`]) for input that is not a code,
    /// [`OtpError::Mismatch`] when no consecutive pair matches.
    pub fn resync(
        &self,
        first: &str,
        second: &str,
        counter: u64,
        look_ahead: u32,
    ) -> Result<HotpMatch, OtpError> {
        let (first, second) = (self.parse_code(first)?, self.parse_code(second)?);
        let look_ahead = look_ahead.min(Self::MAX_RESYNC_LOOK_AHEAD);
        let scan = scan::pair(
            &self.mac,
            self.params.digits,
            first.comparable(self.params.digits),
            second.comparable(self.params.digits),
            self.range(counter, look_ahead),
            None,
        );
        Self::to_match(scan)
    }

    fn range(&self, counter: u64, look_ahead: u32) -> Range {
        Range {
            first: i128::from(counter),
            len: u64::from(look_ahead) + 1,
            last: u64::MAX - 1,
        }
    }

    fn to_match(scan: Scan) -> Result<HotpMatch, OtpError> {
        match scan {
            Scan::Accepted(counter) => Ok(HotpMatch { counter }),
            Scan::Replayed | Scan::Missed => Err(OtpError::Mismatch),
        }
    }
}

impl fmt::Debug for Hotp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hotp")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}
