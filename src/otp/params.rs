//! Validated generator parameters.

use core::num::NonZeroU64;

use super::{Algorithm, OtpError};

/// The number of digits of a code: 6, 7 or 8 (RFC 4226 §5.3 requires at least 6; 6 is the
/// default every app supports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Digits {
    /// Six digits, the default.
    #[default]
    Six,
    /// Seven digits.
    Seven,
    /// Eight digits.
    Eight,
}

impl Digits {
    /// Validates a digit count.
    ///
    /// # Errors
    /// [`OtpError::Digits`] for anything but 6, 7 or 8.
    pub const fn new(digits: u8) -> Result<Self, OtpError> {
        match digits {
            6 => Ok(Self::Six),
            7 => Ok(Self::Seven),
            8 => Ok(Self::Eight),
            other => Err(OtpError::Digits(other)),
        }
    }

    /// The digit count as a number.
    #[must_use]
    pub const fn get(self) -> u8 {
        match self {
            Self::Six => 6,
            Self::Seven => 7,
            Self::Eight => 8,
        }
    }

    /// `value mod 10^digits`, with a constant divisor in each arm so that the compiler emits a
    /// multiplication rather than a data-dependent division.
    pub(crate) const fn reduce(self, value: u32) -> u32 {
        match self {
            Self::Six => value % 1_000_000,
            Self::Seven => value % 10_000_000,
            Self::Eight => value % 100_000_000,
        }
    }
}

/// Parameters of an HOTP generator (RFC 4226): algorithm and digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
// Exhaustive on purpose: RFC 4226's two parameters, written as a struct literal; HOTP has no more.
#[allow(clippy::exhaustive_structs)]
pub struct HotpParams {
    /// The HMAC algorithm.
    pub algorithm: Algorithm,
    /// The number of digits.
    pub digits: Digits,
}

/// Parameters of a TOTP generator (RFC 6238): algorithm, digits, period `X` and start `T0`.
///
/// Built with [`TotpParams::builder`], whose `build()` checks them; the default is SHA-1,
/// 6 digits, 30 seconds, `T0 = 0`, which every authenticator app reads.
///
/// ```
/// use twofactor::otp::{Algorithm, TotpParams};
///
/// let params = TotpParams::builder().algorithm(Algorithm::Sha256).digits(8).period(60).build()?;
/// assert_eq!((params.digits().get(), params.period()), (8, 60));
/// assert!(TotpParams::builder().digits(9).build().is_err());
/// # Ok::<(), twofactor::otp::OtpError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TotpParams {
    algorithm: Algorithm,
    digits: Digits,
    period: NonZeroU64,
    t0: u64,
}

impl TotpParams {
    /// The default period, 30 seconds (RFC 6238 §5.2).
    pub const DEFAULT_PERIOD: u64 = 30;

    /// SHA-1, 6 digits, 30 s, `T0 = 0`.
    pub const DEFAULT: Self = Self {
        algorithm: Algorithm::Sha1,
        digits: Digits::Six,
        period: NonZeroU64::MIN.saturating_add(Self::DEFAULT_PERIOD - 1),
        t0: 0,
    };

    /// A builder starting from the defaults.
    pub const fn builder() -> TotpParamsBuilder {
        TotpParamsBuilder {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: Self::DEFAULT_PERIOD,
            t0: 0,
        }
    }

    /// The HMAC algorithm.
    #[must_use]
    pub const fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The number of digits.
    #[must_use]
    pub const fn digits(&self) -> Digits {
        self.digits
    }

    /// The period `X` in seconds, at least 1.
    #[must_use]
    pub const fn period(&self) -> u64 {
        self.period.get()
    }

    /// The Unix time `T0` at which step 0 starts.
    #[must_use]
    pub const fn t0(&self) -> u64 {
        self.t0
    }

    /// The HOTP parameters underneath: TOTP is HOTP over the time step.
    #[must_use]
    pub const fn hotp(&self) -> HotpParams {
        HotpParams {
            algorithm: self.algorithm,
            digits: self.digits,
        }
    }
}

impl Default for TotpParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Builds [`TotpParams`]; `build()` validates.
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct TotpParamsBuilder {
    algorithm: Algorithm,
    digits: u8,
    period: u64,
    t0: u64,
}

impl TotpParamsBuilder {
    /// The HMAC algorithm (default SHA-1).
    pub const fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The number of digits, 6, 7 or 8 (default 6).
    pub const fn digits(mut self, digits: u8) -> Self {
        self.digits = digits;
        self
    }

    /// The period in seconds, at least 1 (default 30).
    pub const fn period(mut self, seconds: u64) -> Self {
        self.period = seconds;
        self
    }

    /// The start time `T0` in Unix seconds (default 0).
    pub const fn t0(mut self, t0: u64) -> Self {
        self.t0 = t0;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`OtpError::Digits`] for a digit count other than 6, 7 or 8, [`OtpError::Period`]
    /// for a period of 0.
    pub const fn build(self) -> Result<TotpParams, OtpError> {
        let digits = match Digits::new(self.digits) {
            Ok(digits) => digits,
            Err(error) => return Err(error),
        };
        let Some(period) = NonZeroU64::new(self.period) else {
            return Err(OtpError::Period);
        };
        Ok(TotpParams {
            algorithm: self.algorithm,
            digits,
            period,
            t0: self.t0,
        })
    }
}
