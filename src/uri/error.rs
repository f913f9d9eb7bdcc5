use core::fmt;

use crate::secret::SecretError;

/// Why a Key URI could not be built or parsed. Names what is wrong; never carries the secret
/// (nor, for that matter, any text of the URI).
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Scheme` | `not an otpauth:// URI` |
/// | `Type` | `the OTP type is neither totp nor hotp` |
/// | `Text` | `{field} is empty`, `{field} contains a colon`, `{field} contains a control character`, `{field} starts with a space`; the field is `the issuer`, `the account name`, `the image URL` or `a parameter name` |
/// | `Missing` | `` the URI has no `{param}` parameter `` |
/// | `Duplicate` | `` the `{param}` parameter appears more than once `` |
/// | `Algorithm` | `the algorithm is not SHA1, SHA256 or SHA512` |
/// | `Digits` | `the digit count is not 6, 7 or 8` |
/// | `Period` | `the period is not a whole number of seconds, at least 1` |
/// | `Counter` | `the counter is not a whole number from 0 to 2^64 - 1` |
/// | `Secret` | `invalid secret`; the [`SecretError`] is the source |
/// | `IssuerMismatch` | `` the issuer in the label differs from the `issuer` parameter `` |
/// | `Encoding` | `invalid percent-encoding or not UTF-8` |
/// | `Image` | `the image URL is not https://` |
/// | `UnsupportedT0` | `a Key URI cannot express a T0 other than 0` |
///
/// ```
/// use twofactor::KeyUri;
/// use twofactor::uri::{Param, UriError};
///
/// let error = KeyUri::parse("otpauth://totp/Example:alice?issuer=Example").unwrap_err();
/// assert_eq!(error, UriError::Missing(Param::Secret));
/// assert_eq!(error.to_string(), "the URI has no `secret` parameter");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriError {
    /// The URI does not start with `otpauth://`.
    Scheme,
    /// The type after `otpauth://` is neither `totp` nor `hotp`.
    Type,
    /// An issuer, account, image or parameter that is empty, contains a colon, starts with a
    /// space or contains a control character where that is not allowed.
    Text {
        /// Which piece of text.
        field: TextField,
        /// What is wrong with it.
        problem: TextProblem,
    },
    /// A parameter the URI must have is absent: `secret`, or `counter` for HOTP.
    Missing(Param),
    /// A parameter appears more than once (or an extra parameter was given a reserved name).
    Duplicate(Param),
    /// The `algorithm` is not SHA1, SHA256 or SHA512.
    Algorithm,
    /// The `digits` is not 6, 7 or 8.
    Digits,
    /// The `period` is not a whole number of seconds from 1 to 2^64 − 1.
    Period,
    /// The `counter` is not a whole number from 0 to 2^64 − 1.
    Counter,
    /// The `secret` is not base32, or shorter than 80 bits, or too long.
    Secret(SecretError),
    /// The issuer before the label's colon differs from the `issuer` parameter, and the URI was
    /// parsed with [`ParseOptions::strict_issuer`](crate::uri::ParseOptions::strict_issuer).
    IssuerMismatch,
    /// A `%` not followed by two hexadecimal digits, or percent-encoded bytes that are not UTF-8.
    Encoding,
    /// The `image` URL given to [`KeyUri::with_image`](crate::KeyUri::with_image) is not `https://`.
    Image,
    /// The TOTP parameters start at a `T0` other than 0, which a Key URI cannot express: every app
    /// would compute other codes than the server.
    UnsupportedT0,
}

/// A piece of text in a Key URI, named by [`UriError::Text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextField {
    /// The issuer: the label's prefix or the `issuer` parameter.
    Issuer,
    /// The account name in the label.
    Account,
    /// The `image` URL.
    Image,
    /// The name of an extra parameter.
    ParameterName,
}

/// What is wrong with a piece of text, in [`UriError::Text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextProblem {
    /// It is empty.
    Empty,
    /// It contains a colon, which separates the issuer from the account in the label.
    Colon,
    /// It contains a control character (Unicode category Cc) or a bidirectional formatting
    /// control (U+202A–U+202E, U+2066–U+2069), which could make an app show another name.
    Control,
    /// The account starts with a space, which a parser drops as the optional space after the
    /// label's colon.
    LeadingSpace,
}

/// A parameter of a Key URI that the crate reads, named by [`UriError::Missing`] and
/// [`UriError::Duplicate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Param {
    /// `secret`.
    Secret,
    /// `issuer`.
    Issuer,
    /// `algorithm`.
    Algorithm,
    /// `digits`.
    Digits,
    /// `period` (TOTP).
    Period,
    /// `counter` (HOTP).
    Counter,
    /// `image`.
    Image,
}

impl Param {
    /// Every parameter, in the order the crate writes them.
    pub const ALL: [Self; 7] = [
        Self::Secret,
        Self::Issuer,
        Self::Algorithm,
        Self::Digits,
        Self::Period,
        Self::Counter,
        Self::Image,
    ];

    /// The parameter's name in a URI.
    ///
    /// ```
    /// assert_eq!(twofactor::uri::Param::Counter.as_str(), "counter");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Issuer => "issuer",
            Self::Algorithm => "algorithm",
            Self::Digits => "digits",
            Self::Period => "period",
            Self::Counter => "counter",
            Self::Image => "image",
        }
    }

    /// The parameter with this name, in any case.
    ///
    /// ```
    /// use twofactor::uri::Param;
    ///
    /// assert_eq!(Param::from_name("Secret"), Some(Param::Secret));
    /// assert_eq!(Param::from_name("foo"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|param| param.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Issuer => "the issuer",
            Self::Account => "the account name",
            Self::Image => "the image URL",
            Self::ParameterName => "a parameter name",
        })
    }
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scheme => f.write_str("not an otpauth:// URI"),
            Self::Type => f.write_str("the OTP type is neither totp nor hotp"),
            Self::Text { field, problem } => match problem {
                TextProblem::Empty => write!(f, "{field} is empty"),
                TextProblem::Colon => write!(f, "{field} contains a colon"),
                TextProblem::Control => write!(f, "{field} contains a control character"),
                TextProblem::LeadingSpace => write!(f, "{field} starts with a space"),
            },
            Self::Missing(param) => write!(f, "the URI has no `{param}` parameter"),
            Self::Duplicate(param) => write!(f, "the `{param}` parameter appears more than once"),
            Self::Algorithm => f.write_str("the algorithm is not SHA1, SHA256 or SHA512"),
            Self::Digits => f.write_str("the digit count is not 6, 7 or 8"),
            Self::Period => f.write_str("the period is not a whole number of seconds, at least 1"),
            Self::Counter => f.write_str("the counter is not a whole number from 0 to 2^64 - 1"),
            Self::Secret(_) => f.write_str("invalid secret"),
            Self::IssuerMismatch => {
                f.write_str("the issuer in the label differs from the `issuer` parameter")
            }
            Self::Encoding => f.write_str("invalid percent-encoding or not UTF-8"),
            Self::Image => f.write_str("the image URL is not https://"),
            Self::UnsupportedT0 => f.write_str("a Key URI cannot express a T0 other than 0"),
        }
    }
}

impl core::error::Error for UriError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Secret(error) => Some(error),
            _ => None,
        }
    }
}

impl From<SecretError> for UriError {
    fn from(error: SecretError) -> Self {
        Self::Secret(error)
    }
}
