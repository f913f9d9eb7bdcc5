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
    pub(super) short_secrets: bool,
}

impl ParseOptions {
    /// The lenient defaults.
    pub const fn new() -> Self {
        Self {
            strict_issuer: false,
            short_secrets: false,
        }
    }

    /// Refuse a URI whose label issuer and `issuer` parameter differ, with
    /// [`UriError::IssuerMismatch`](crate::uri::UriError::IssuerMismatch). Off by default: the
    /// parameter wins and [`KeyUri::has_issuer_mismatch`](crate::KeyUri::has_issuer_mismatch)
    /// tells.
    ///
    /// This is the Key URI format's rule (the two should be equal), not the drafts':
    /// draft-andesco-otpauth-uri §4 says a consumer must not refuse a URI only because the two
    /// differ, and a URI built with [`KeyUri::with_label_issuer`](crate::KeyUri::with_label_issuer)
    /// differs on purpose. Set it only where equal issuers are the application's policy.
    pub const fn strict_issuer(mut self, strict: bool) -> Self {
        self.strict_issuer = strict;
        self
    }

    /// Accept a secret shorter than 80 bits, down to one byte, which [`KeyUri::parse`] refuses
    /// with [`SecretError::TooShort`](crate::secret::SecretError::TooShort). Off by default.
    ///
    /// The examples of the otpauth drafts carry such secrets (`PB4XU`, 24 bits, in
    /// draft-andesco-otpauth-uri; `NBSWY3DP`, 40 bits, in draft-linuxgemini-otpauth-uri): this
    /// reads them, for tests and for inspecting a URI. **A secret this short can be searched
    /// for from two of its codes** (24 bits is some 16 million HMACs), so do not import one as a
    /// second factor. The
    /// rest of the crate keeps the 80-bit floor: [`Keyring::open`](crate::seal::Keyring::open)
    /// refuses such a secret once sealed, and the service never stores one.
    ///
    /// ```
    /// use twofactor::KeyUri;
    /// use twofactor::secret::SecretError;
    /// use twofactor::uri::{ParseOptions, UriError};
    ///
    /// let uri = "otpauth://totp/Example?secret=PB4XU&issuer=example.com";
    /// assert_eq!(
    ///     KeyUri::parse(uri),
    ///     Err(UriError::Secret(SecretError::TooShort { bits: 24, min_bits: 80 }))
    /// );
    /// let read = KeyUri::parse_with(uri, ParseOptions::new().short_secrets(true))?;
    /// assert_eq!(read.secret().expose_secret(), b"xyz");
    /// # Ok::<(), UriError>(())
    /// ```
    ///
    /// [`KeyUri::parse`]: crate::KeyUri::parse
    pub const fn short_secrets(mut self, allow: bool) -> Self {
        self.short_secrets = allow;
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
