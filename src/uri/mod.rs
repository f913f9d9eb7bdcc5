//! `otpauth://` Key URIs: what an authenticator app reads from a QR code to add an account.
//!
//! The format is the one Google Authenticator defined and most apps follow:
//! `otpauth://TYPE/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=…&digits=…&period=…`,
//! with `counter=` for HOTP. [`KeyUri`] builds such URIs strictly (so that every app reads them)
//! and parses them leniently (so that URIs from other services import).
//!
//! A URI carries the secret: whoever reads it can compute every code. It is never `Display`ed;
//! [`KeyUri::to_uri_string`] returns it in a string that is zeroized when dropped.
//!
//! ```
//! use twofactor::otp::TotpParams;
//! use twofactor::{KeyUri, Secret};
//!
//! let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
//! let uri = KeyUri::totp(secret, TotpParams::DEFAULT, "Example Co", "alice@example.com")?;
//! assert_eq!(
//!     &*uri.to_uri_string(),
//!     "otpauth://totp/Example%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20Co"
//! );
//! let read = KeyUri::parse("otpauth://totp/Other:bob?secret=jbswy3dpehpk3pxpjbswy3dpehpk3pxp&issuer=Other")?;
//! assert_eq!((read.issuer(), read.account()), (Some("Other"), "bob"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `tests/outside/uri_pyotp.rs` checks the crate's URIs against Python's pyotp in both directions and
//! lists where the two parsers read the same text differently (a `%3A` separator, spaces after
//! the colon, a disagreeing issuer, a lower-case algorithm, HOTP without a counter, secrets
//! under 112 bits, periods over 120 s, Steam's `encoder`).

mod build;
mod encode;
mod error;
mod options;
mod parse;
mod text;

use alloc::string::String;
use alloc::vec::Vec;

#[cfg(feature = "qr")]
pub(crate) use build::Length;
pub use error::{Param, TextField, TextProblem, UriError};
pub use options::{BuildOptions, ParseOptions};
pub(crate) use text::is_forbidden_control;

use crate::otp::{Hotp, HotpParams, Totp, TotpParams};
use crate::secret::Secret;

/// The OTP type of a Key URI and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtpKind {
    /// Time-based (RFC 6238), `otpauth://totp/…`.
    Totp(TotpParams),
    /// Counter-based (RFC 4226), `otpauth://hotp/…`.
    Hotp {
        /// Algorithm and digits.
        params: HotpParams,
        /// The counter the app starts from.
        counter: u64,
    },
}

/// An `otpauth://` Key URI: the OTP type and parameters, the secret, the issuer, the account
/// name, an optional image and any parameters the crate does not know.
///
/// Build one from a generator's parameters with [`KeyUri::totp`] or [`KeyUri::hotp`], or read
/// one with [`KeyUri::parse`]; write it with [`KeyUri::to_uri_string`]; get its generator with
/// [`KeyUri::to_totp`] or [`KeyUri::to_hotp`]. `Debug` shows the secret's length only, and there
/// is no `Display`, since the URI contains the secret.
///
/// ```
/// use twofactor::{KeyUri, Secret};
/// use twofactor::otp::TotpParams;
///
/// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
/// let uri = KeyUri::totp(secret, TotpParams::default(), "Example Co", "alice@example.com")?;
/// assert_eq!(
///     *uri.to_uri_string(),
///     "otpauth://totp/Example%20Co:alice%40example.com\
///      ?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20Co"
/// );
/// assert_eq!(KeyUri::parse(&uri.to_uri_string())?, uri);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUri {
    kind: OtpKind,
    secret: Secret,
    issuer: Option<String>,
    label_issuer: Option<String>,
    account: String,
    image: Option<String>,
    extra: Vec<(String, String)>,
}

impl KeyUri {
    /// The OTP type and its parameters.
    #[must_use]
    pub const fn kind(&self) -> &OtpKind {
        &self.kind
    }

    /// The shared secret.
    #[must_use]
    pub const fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Whether the secret is shorter than the 128 bits RFC 4226 R6 requires. Parsing accepts
    /// such secrets from 80 bits up, as several large services issue them (and shorter ones only
    /// with [`ParseOptions::short_secrets`]); the application decides whether to import, warn or
    /// refuse.
    ///
    /// ```
    /// let uri = twofactor::KeyUri::parse("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP")?;
    /// assert!(uri.is_secret_below_rfc_minimum());
    /// assert_eq!(uri.secret().bits(), 80);
    /// # Ok::<(), twofactor::uri::UriError>(())
    /// ```
    #[must_use]
    pub fn is_secret_below_rfc_minimum(&self) -> bool {
        self.secret.is_below_rfc_minimum()
    }

    /// The issuer: the `issuer` parameter if there is one, else the label's prefix.
    ///
    /// The Key URI format takes the issuer from the parameter, and from the label's prefix only
    /// when the parameter is absent; the two should be equal. When both are present and differ,
    /// the parameter wins here too, [`KeyUri::has_issuer_mismatch`] tells, and
    /// [`KeyUri::label_issuer`] gives the other one ([`ParseOptions::strict_issuer`] refuses such
    /// a URI instead).
    ///
    /// ```
    /// let uri = twofactor::KeyUri::parse(
    ///     "otpauth://totp/Old%20Name:alice?secret=JBSWY3DPEHPK3PXP&issuer=New%20Name",
    /// )?;
    /// assert_eq!(uri.issuer(), Some("New Name"));
    /// assert_eq!(uri.label_issuer(), Some("Old Name"));
    /// assert!(uri.has_issuer_mismatch());
    /// # Ok::<(), twofactor::uri::UriError>(())
    /// ```
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref().or(self.label_issuer.as_deref())
    }

    /// The `issuer` parameter, if the URI has one.
    #[must_use]
    pub fn issuer_parameter(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The issuer before the colon in the label, if the label has one.
    #[must_use]
    pub fn label_issuer(&self) -> Option<&str> {
        self.label_issuer.as_deref()
    }

    /// Whether the label's issuer and the `issuer` parameter are both present and differ.
    #[must_use]
    pub fn has_issuer_mismatch(&self) -> bool {
        matches!((&self.issuer, &self.label_issuer), (Some(a), Some(b)) if a != b)
    }

    /// The account name (the label after the issuer and colon).
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The `image` parameter: the URL of a logo that some apps show.
    #[must_use]
    pub fn image(&self) -> Option<&str> {
        self.image.as_deref()
    }

    /// The parameters the crate does not read, decoded, in the order they appeared; they are
    /// written back by [`KeyUri::to_uri_string`].
    ///
    /// ```
    /// let uri = twofactor::KeyUri::parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&color=%23ff0")?;
    /// assert_eq!(uri.extra_params().collect::<Vec<_>>(), [("color", "#ff0")]);
    /// # Ok::<(), twofactor::uri::UriError>(())
    /// ```
    #[must_use]
    pub fn extra_params(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.extra
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// A TOTP generator keyed with the secret, or `None` for an HOTP URI.
    ///
    /// ```
    /// let uri = twofactor::KeyUri::parse(
    ///     "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
    /// )?;
    /// let totp = uri.to_totp().ok_or("not TOTP")?;
    /// assert_eq!(totp.generate(59)?.to_string(), "94287082");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_totp(&self) -> Option<Totp> {
        match self.kind {
            OtpKind::Totp(params) => Some(Totp::new(&self.secret, params)),
            OtpKind::Hotp { .. } => None,
        }
    }

    /// An HOTP generator keyed with the secret, or `None` for a TOTP URI; the starting counter is
    /// [`KeyUri::counter`].
    ///
    /// ```
    /// let uri = twofactor::KeyUri::parse(
    ///     "otpauth://hotp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1",
    /// )?;
    /// let hotp = uri.to_hotp().ok_or("not HOTP")?;
    /// assert_eq!(hotp.generate(uri.counter().ok_or("no counter")?).to_string(), "287082");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_hotp(&self) -> Option<Hotp> {
        match self.kind {
            OtpKind::Hotp { params, .. } => Some(Hotp::new(&self.secret, params)),
            OtpKind::Totp(_) => None,
        }
    }

    /// The HOTP counter, or `None` for a TOTP URI.
    #[must_use]
    pub const fn counter(&self) -> Option<u64> {
        match self.kind {
            OtpKind::Hotp { counter, .. } => Some(counter),
            OtpKind::Totp(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;

    use super::*;

    #[test]
    fn debug_shows_the_secret_length_only() {
        let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
        let uri = KeyUri::totp(secret, TotpParams::default(), "Ex", "al").unwrap();
        assert_eq!(
            format!("{uri:?}"),
            "KeyUri { kind: Totp(TotpParams { algorithm: Sha1, digits: Six, period: 30, t0: 0 }), \
             secret: Secret { bits: 160, .. }, issuer: Some(\"Ex\"), label_issuer: Some(\"Ex\"), \
             account: \"al\", image: None, extra: [] }"
        );
    }
}
