use core::fmt;

/// Why the OTP core refused: typed input that is not a code, a code that is wrong or already
/// used, a time with no time step, or parameters out of range. One error for the whole module,
/// so that an application handles it in one place; says nothing about how close a wrong code
/// was, and carries positions and counts, never the input.
///
/// Which calls give which variants:
///
/// | variant | from | `Display` |
/// | --- | --- | --- |
/// | `Empty` | parsing or verifying typed input | `no code was entered` |
/// | `InvalidCharacter` | 〃 | `the code has an invalid character at byte {position}` |
/// | `WrongLength` | 〃 | `the code has {found} digits; {expected} are expected` |
/// | `Mismatch` | verifying | `the code is wrong` |
/// | `Replay` | verifying a TOTP code | `the code was already used` |
/// | `BeforeT0` | generating or verifying a TOTP code, [`Totp::step`](crate::Totp::step) | `time {time} is before T0 = {t0}` |
/// | `BeforeUnixEpoch` | [`unix_time_now`](crate::otp::unix_time_now), a clock | `the system clock is before the Unix epoch` |
/// | `Digits` | [`Digits::new`](crate::otp::Digits::new), [`TotpParams::builder`](crate::otp::TotpParams::builder) | `{digits} digits: codes have 6, 7 or 8 digits` |
/// | `Period` | [`TotpParams::builder`](crate::otp::TotpParams::builder) | `a period of 0 seconds: the period is at least 1 second` |
/// | `Window` | [`Window::new`](crate::otp::Window::new) | `window wider than {max} steps on one side` |
///
/// ```
/// use twofactor::otp::{Code, Digits, OtpError, TotpParams, Window};
/// use twofactor::{Secret, Totp};
///
/// let totp = Totp::new(&Secret::from_bytes(b"12345678901234567890")?, TotpParams::default());
/// assert_eq!(totp.verify("28708", 59, Window::DEFAULT, None), Err(OtpError::WrongLength { expected: 6, found: 5 }));
/// assert!(totp.verify("28708", 59, Window::DEFAULT, None).unwrap_err().is_malformed());
/// assert_eq!(totp.verify("287082", 59, Window::DEFAULT, Some(1)), Err(OtpError::Replay));
/// assert_eq!(Code::parse("12a456", Digits::Six).unwrap_err().to_string(), "the code has an invalid character at byte 2");
/// assert_eq!(Window::new(100, 1), Err(OtpError::Window { max: 10 }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtpError {
    /// Typed input of nothing but white space.
    Empty,
    /// Typed input with a character that is not an ASCII digit, or a separator that is not a
    /// single space or hyphen between two digits.
    InvalidCharacter {
        /// The byte offset of the character in the input.
        position: usize,
    },
    /// Typed input with too many or too few digits.
    WrongLength {
        /// The digit count of the generator.
        expected: u8,
        /// The number of digits typed.
        found: usize,
    },
    /// The code matches no step (or counter) in the window.
    Mismatch,
    /// The code matches a step at or before the last accepted one: it was already used, or an
    /// older code was offered after a newer one (RFC 6238 §5.2).
    Replay,
    /// The time is earlier than the generator's `T0`: it has no time step.
    BeforeT0 {
        /// The time given, in Unix seconds.
        time: u64,
        /// The generator's `T0`.
        t0: u64,
    },
    /// The system clock reads a time before the Unix epoch.
    BeforeUnixEpoch,
    /// A digit count other than 6, 7 or 8.
    Digits(u8),
    /// A period of 0 seconds.
    Period,
    /// A window side wider than [`Window::MAX`](crate::otp::Window::MAX).
    Window {
        /// The widest side allowed, in steps.
        max: u32,
    },
}

impl OtpError {
    /// Whether the input was not a code at all ([`OtpError::Empty`],
    /// [`OtpError::InvalidCharacter`], [`OtpError::WrongLength`]): nothing was computed or
    /// compared, so it is not a wrong guess.
    #[must_use]
    pub const fn is_malformed(&self) -> bool {
        matches!(
            self,
            Self::Empty | Self::InvalidCharacter { .. } | Self::WrongLength { .. }
        )
    }
}

impl fmt::Display for OtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no code was entered"),
            Self::InvalidCharacter { position } => {
                write!(f, "the code has an invalid character at byte {position}")
            }
            Self::WrongLength { expected, found } => {
                write!(f, "the code has {found} digits; {expected} are expected")
            }
            Self::Mismatch => f.write_str("the code is wrong"),
            Self::Replay => f.write_str("the code was already used"),
            Self::BeforeT0 { time, t0 } => write!(f, "time {time} is before T0 = {t0}"),
            Self::BeforeUnixEpoch => f.write_str("the system clock is before the Unix epoch"),
            Self::Digits(digits) => write!(f, "{digits} digits: codes have 6, 7 or 8 digits"),
            Self::Period => f.write_str("a period of 0 seconds: the period is at least 1 second"),
            Self::Window { max } => write!(f, "window wider than {max} steps on one side"),
        }
    }
}

impl core::error::Error for OtpError {}
