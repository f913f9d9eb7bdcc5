//! A one-time code, and reading one from what a person typed.

use core::fmt;

use subtle::ConstantTimeEq;

use super::{Digits, OtpError};

/// A one-time code: a number of 6 to 8 digits, kept on the stack.
///
/// `Display` writes it zero-padded to its digit count (`000123`); `Debug` shows only the digit
/// count; `==` compares in constant time.
///
/// ```
/// use twofactor::otp::{Code, Digits};
///
/// let code = Code::parse(" 012-345 ", Digits::Six)?;
/// assert_eq!(code.to_string(), "012345");
/// assert_eq!(format!("{code:?}"), "Code { digits: 6, .. }");
/// assert!(Code::parse("12345", Digits::Six).is_err());
/// # Ok::<(), twofactor::otp::OtpError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Code {
    value: u32,
    digits: Digits,
}

impl Code {
    pub(crate) const fn new(value: u32, digits: Digits) -> Self {
        Self { value, digits }
    }

    /// The value to compare with candidates of `digits` digits. A code of another digit count
    /// equals no candidate, so it maps outside the code space (10^8 < `u32::MAX`).
    pub(crate) fn comparable(&self, digits: Digits) -> u32 {
        if self.digits == digits {
            self.value
        } else {
            u32::MAX
        }
    }

    /// The number of digits.
    #[must_use]
    pub const fn digits(&self) -> Digits {
        self.digits
    }

    /// Reads a code as a person types it: ASCII digits, optionally split into groups by single
    /// spaces or hyphens (`123 456`, `123-456`), with white space around it.
    ///
    /// # Errors
    /// [`OtpError::Empty`] for nothing but white space, [`OtpError::InvalidCharacter`] for
    /// anything else than ASCII digits and single inner separators (letters, full-width or
    /// Arabic-Indic digits, signs), [`OtpError::WrongLength`] for a number of digits other than
    /// `digits`.
    pub fn parse(input: &str, digits: Digits) -> Result<Self, OtpError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(OtpError::Empty);
        }
        let offset = input.len() - input.trim_start().len();
        let mut value: u32 = 0;
        let mut count: usize = 0;
        let mut previous_was_digit = false;
        let bytes = trimmed.as_bytes();
        for (index, &byte) in bytes.iter().enumerate() {
            let invalid = OtpError::InvalidCharacter {
                position: offset + index,
            };
            match byte {
                b'0'..=b'9' => {
                    if count < usize::from(Digits::Eight.get()) {
                        value = value * 10 + u32::from(byte - b'0');
                    }
                    count += 1;
                    previous_was_digit = true;
                }
                b' ' | b'-' => {
                    let next_is_digit = bytes.get(index + 1).is_some_and(u8::is_ascii_digit);
                    if !(previous_was_digit && next_is_digit) {
                        return Err(invalid);
                    }
                    previous_was_digit = false;
                }
                _ => return Err(invalid),
            }
        }
        if count != usize::from(digits.get()) {
            return Err(OtpError::WrongLength {
                expected: digits.get(),
                found: count,
            });
        }
        Ok(Self { value, digits })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:0width$}",
            self.value,
            width = usize::from(self.digits.get())
        )
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Code")
            .field("digits", &self.digits.get())
            .finish_non_exhaustive()
    }
}

/// Constant-time in the value; the digit count is public.
impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        self.digits == other.digits && bool::from(self.value.ct_eq(&other.value))
    }
}

impl Eq for Code {}
