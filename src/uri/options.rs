/// How [`KeyUri::parse_with`](crate::KeyUri::parse_with) reads a URI. The default is lenient.
///
/// ```
/// use twofactor::KeyUri;
/// use twofactor::uri::{ParseOptions, UriError};
///
/// let uri = "otpauth://totp/Old:alice?secret=JBSWY3DPEHPK3PXP&issuer=New";
/// assert_eq!(KeyUri::parse(uri)?.issuer(), Some("New"));
/// assert_eq!(
///     KeyUri::parse_with(uri, ParseOptions::new().strict_issuer(true)),
///     Err(UriError::IssuerMismatch)
/// );
/// # Ok::<(), UriError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[must_use]
pub struct ParseOptions {
    pub(super) strict_issuer: bool,
}

impl ParseOptions {
    /// The lenient defaults.
    pub const fn new() -> Self {
        Self { strict_issuer: false }
    }

    /// Refuse a URI whose label issuer and `issuer` parameter differ, with
    /// [`UriError::IssuerMismatch`](crate::uri::UriError::IssuerMismatch). Off by default: the
    /// parameter wins and [`KeyUri::has_issuer_mismatch`](crate::KeyUri::has_issuer_mismatch)
    /// tells.
    pub const fn strict_issuer(mut self, strict: bool) -> Self {
        self.strict_issuer = strict;
        self
    }
}

/// How [`KeyUri::to_uri_string_with`](crate::KeyUri::to_uri_string_with) writes a URI.
///
/// By default, `algorithm`, `digits` and `period` are left out when they equal their defaults
/// (SHA1, 6, 30): some apps misread or refuse these parameters, and a URI without them works in
/// every app. [`BuildOptions::emit_defaults`] writes them all.
///
/// ```
/// use twofactor::uri::BuildOptions;
/// use twofactor::{KeyUri, Secret};
/// use twofactor::otp::TotpParams;
///
/// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
/// let uri = KeyUri::totp(secret, TotpParams::default(), "Example", "alice")?;
/// assert!(
///     uri.to_uri_string_with(BuildOptions::new().emit_defaults(true))
///         .ends_with("&issuer=Example&algorithm=SHA1&digits=6&period=30")
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[must_use]
pub struct BuildOptions {
    pub(super) emit_defaults: bool,
}

impl BuildOptions {
    /// The defaults: parameters equal to their defaults are left out.
    pub const fn new() -> Self {
        Self { emit_defaults: false }
    }

    /// Write `algorithm`, `digits` and `period` even when they equal their defaults.
    pub const fn emit_defaults(mut self, emit: bool) -> Self {
        self.emit_defaults = emit;
        self
    }
}
