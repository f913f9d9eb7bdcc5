use core::fmt;

/// Why a secret could not be built, parsed or generated. Never carries secret bytes.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `TooShort` | `secret is {bits} bits long; at least {min_bits} are required` |
/// | `TooLong` | `secret is longer than {max_bits} bits` |
/// | `InvalidCharacter` | `secret is not base32: invalid character at byte {position}` |
/// | `InvalidLength` | `secret is not base32: {symbols} characters is not a valid length` |
/// | `NonCanonical` | `secret is not canonical base32: stray trailing bits` |
/// | `Rng` | `the operating system's random number generator failed` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is shorter than allowed (RFC 4226 R6 requires 128 bits).
    TooShort {
        /// The length given, in bits.
        bits: usize,
        /// The shortest length accepted, in bits.
        min_bits: usize,
    },
    /// The secret is longer than [`Secret::MAX_BYTES`](crate::Secret::MAX_BYTES).
    TooLong {
        /// The longest length accepted, in bits.
        max_bits: usize,
    },
    /// A character that is not in the base32 alphabet (`A`–`Z`, `2`–`7`, either case), nor white
    /// space, nor trailing `=` padding.
    InvalidCharacter {
        /// The byte offset of the character in the text given.
        position: usize,
    },
    /// A number of base32 characters that no byte string encodes to (1, 3 or 6 modulo 8).
    InvalidLength {
        /// The number of base32 characters, white space and padding not counted.
        symbols: usize,
    },
    /// The last character carries bits that a canonical encoder leaves zero.
    NonCanonical,
    /// The operating system's random number generator failed.
    Rng,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { bits, min_bits } => {
                write!(f, "secret is {bits} bits long; at least {min_bits} are required")
            }
            Self::TooLong { max_bits } => write!(f, "secret is longer than {max_bits} bits"),
            Self::InvalidCharacter { position } => {
                write!(f, "secret is not base32: invalid character at byte {position}")
            }
            Self::InvalidLength { symbols } => {
                write!(
                    f,
                    "secret is not base32: {symbols} characters is not a valid length"
                )
            }
            Self::NonCanonical => f.write_str("secret is not canonical base32: stray trailing bits"),
            Self::Rng => f.write_str("the operating system's random number generator failed"),
        }
    }
}

impl core::error::Error for SecretError {}
