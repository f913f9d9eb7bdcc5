//! Building a Key URI from a generator's parameters, and writing it out.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use zeroize::Zeroizing;

use super::encode::encode;
use super::text::{check_account_after_issuer, check_label_part, check_plain};
use super::{BuildOptions, KeyUri, OtpKind, Param, TextField, UriError};
use crate::algorithm::Algorithm;
use crate::otp::{Digits, HotpParams, TotpParams};
use crate::secret::Secret;

impl KeyUri {
    /// A TOTP Key URI for `account` at `issuer`.
    ///
    /// The issuer is written both as the label's prefix and as the `issuer` parameter, as the
    /// Key URI format recommends, so that old and new apps show it. To write a display name in
    /// the label beside a matching identifier in the parameter (draft-andesco-otpauth-uri §4),
    /// give the identifier here and the name to [`KeyUri::with_label_issuer`];
    /// [`KeyUri::without_label_issuer`] writes the parameter alone.
    ///
    /// # Errors
    /// [`UriError::Text`] when the issuer or the account is empty, contains a colon or a control
    /// character, or the account starts with a space; [`UriError::UnsupportedT0`] when the
    /// parameters start at a `T0` other than 0.
    ///
    /// ```
    /// use twofactor::otp::{Algorithm, TotpParams};
    /// use twofactor::{KeyUri, Secret};
    /// use twofactor::uri::{TextField, TextProblem, UriError};
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let params = TotpParams::builder().algorithm(Algorithm::Sha256).period(60).build()?;
    /// let uri = KeyUri::totp(secret.clone(), params, "Ünïcödé & Co", "bob")?;
    /// assert_eq!(
    ///     *uri.to_uri_string(),
    ///     "otpauth://totp/%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%26%20Co:bob\
    ///      ?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%26%20Co\
    ///      &algorithm=SHA256&period=60"
    /// );
    /// assert_eq!(
    ///     KeyUri::totp(secret, params, "Example", "alice:admin"),
    ///     Err(UriError::Text { field: TextField::Account, problem: TextProblem::Colon })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn totp(secret: Secret, params: TotpParams, issuer: &str, account: &str) -> Result<Self, UriError> {
        if params.t0() != 0 {
            return Err(UriError::UnsupportedT0);
        }
        Self::new(OtpKind::Totp(params), secret, issuer, account)
    }

    /// An HOTP Key URI for `account` at `issuer`, whose app starts at `counter`.
    ///
    /// # Errors
    /// [`UriError::Text`] as for [`KeyUri::totp`].
    ///
    /// ```
    /// use twofactor::otp::HotpParams;
    /// use twofactor::{KeyUri, Secret};
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let uri = KeyUri::hotp(secret, HotpParams::default(), 0, "Example", "alice")?;
    /// assert_eq!(
    ///     *uri.to_uri_string(),
    ///     "otpauth://hotp/Example:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example&counter=0"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hotp(
        secret: Secret,
        params: HotpParams,
        counter: u64,
        issuer: &str,
        account: &str,
    ) -> Result<Self, UriError> {
        Self::new(OtpKind::Hotp { params, counter }, secret, issuer, account)
    }

    fn new(kind: OtpKind, secret: Secret, issuer: &str, account: &str) -> Result<Self, UriError> {
        check_label_part(issuer, TextField::Issuer)?;
        check_account_after_issuer(account)?;
        Ok(Self {
            kind,
            secret,
            issuer: Some(issuer.to_owned()),
            label_issuer: Some(issuer.to_owned()),
            account: account.to_owned(),
            image: None,
            extra: Vec::new(),
        })
    }

    /// Writes `name` as the label's issuer prefix, in place of the issuer: the human-readable
    /// service name an app shows, beside the `issuer` parameter that stays a stable identifier
    /// for matching, such as a domain the relying party controls.
    ///
    /// draft-andesco-otpauth-uri §4 asks this of a URI that carries both: the label's prefix is
    /// for display, the parameter for account matching. The Key URI format asks the two to be
    /// equal, which is what [`KeyUri::totp`] and [`KeyUri::hotp`] write; a service whose
    /// display name is also its stable identifier meets both by not calling this. A URI built
    /// with a different name here reads back with [`KeyUri::has_issuer_mismatch`] true, and
    /// [`ParseOptions::strict_issuer`](crate::uri::ParseOptions::strict_issuer) refuses it.
    ///
    /// # Errors
    /// [`UriError::Text`] when `name` is empty or contains a colon or a control character, or
    /// when the account starts with a space (possible only in a parsed URI without an issuer
    /// prefix), which a parser would drop after the colon.
    ///
    /// ```
    /// use twofactor::otp::TotpParams;
    /// use twofactor::{KeyUri, Secret};
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let uri = KeyUri::totp(secret, TotpParams::default(), "example.com", "alice@example.com")?
    ///     .with_label_issuer("Example Co")?;
    /// assert_eq!(
    ///     *uri.to_uri_string(),
    ///     "otpauth://totp/Example%20Co:alice%40example.com\
    ///      ?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=example.com"
    /// );
    /// assert_eq!(uri.issuer(), Some("example.com"));
    /// assert_eq!(uri.label_issuer(), Some("Example Co"));
    /// assert_eq!(KeyUri::parse(&uri.to_uri_string())?, uri);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_label_issuer(mut self, name: &str) -> Result<Self, UriError> {
        check_label_part(name, TextField::Issuer)?;
        check_account_after_issuer(&self.account)?;
        self.label_issuer = Some(name.to_owned());
        Ok(self)
    }

    /// Leaves the issuer out of the label, which is then the account alone; the `issuer`
    /// parameter, if there is one, stays.
    ///
    /// draft-andesco-otpauth-uri §4 makes the label's prefix optional (a producer MAY include
    /// it, for apps that read only the label), and draft-linuxgemini-otpauth-uri prefers the
    /// issuer in the parameter only. Apps that ignore the `issuer` parameter then show no
    /// issuer at all, which is why the default writes both.
    ///
    /// ```
    /// use twofactor::otp::TotpParams;
    /// use twofactor::{KeyUri, Secret};
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let uri = KeyUri::totp(secret, TotpParams::default(), "example.com", "alice")?.without_label_issuer();
    /// assert_eq!(
    ///     *uri.to_uri_string(),
    ///     "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=example.com"
    /// );
    /// assert_eq!((uri.issuer(), uri.label_issuer()), (Some("example.com"), None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn without_label_issuer(mut self) -> Self {
        self.label_issuer = None;
        self
    }

    /// Adds (or replaces) the `image` parameter: the `https://` URL of a logo some apps show.
    ///
    /// # Errors
    /// [`UriError::Image`] when the URL does not start with `https://` (an app fetching a logo
    /// over plain HTTP lets anyone on the path swap it); [`UriError::Text`] when it contains a
    /// control character.
    ///
    /// ```
    /// use twofactor::{KeyUri, Secret};
    /// use twofactor::otp::TotpParams;
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let uri = KeyUri::totp(secret, TotpParams::default(), "Example", "alice")?
    ///     .with_image("https://example.com/logo.png?size=64")?;
    /// assert!(uri.to_uri_string().ends_with("&image=https%3A%2F%2Fexample.com%2Flogo.png%3Fsize%3D64"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_image(mut self, url: &str) -> Result<Self, UriError> {
        check_plain(url, TextField::Image)?;
        let scheme = url.get(..8).unwrap_or_default();
        if !scheme.eq_ignore_ascii_case("https://") || url.len() == 8 {
            return Err(UriError::Image);
        }
        self.image = Some(url.to_owned());
        Ok(self)
    }

    /// Appends a parameter the crate does not know, written after the known ones (some apps
    /// read their own extensions, such as a colour or a lock flag).
    ///
    /// # Errors
    /// [`UriError::Duplicate`] when `name` is one of the parameters the crate writes itself
    /// (see [`Param`], in any case); [`UriError::Text`] when the name is empty or contains a
    /// control character.
    ///
    /// ```
    /// use twofactor::{KeyUri, Secret};
    /// use twofactor::uri::{Param, UriError};
    /// use twofactor::otp::TotpParams;
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let uri = KeyUri::totp(secret, TotpParams::default(), "Example", "alice")?;
    /// let tagged = uri.clone().with_extra_param("lock", "true")?;
    /// assert!(tagged.to_uri_string().ends_with("&issuer=Example&lock=true"));
    /// assert_eq!(uri.with_extra_param("Digits", "8"), Err(UriError::Duplicate(Param::Digits)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_extra_param(mut self, name: &str, value: &str) -> Result<Self, UriError> {
        check_plain(name, TextField::ParameterName)?;
        if let Some(param) = Param::from_name(name) {
            return Err(UriError::Duplicate(param));
        }
        self.extra.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// The URI text, with the defaults left out ([`BuildOptions::new`]).
    ///
    /// **The text contains the secret**: show it only to the user enrolling, as a QR code or
    /// for copying into an app, and never log it. It is zeroized when dropped, and is built in a
    /// buffer of the exact size so that no reallocation leaves a copy behind.
    ///
    /// ```
    /// use twofactor::{KeyUri, Secret};
    /// use twofactor::otp::TotpParams;
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let uri = KeyUri::totp(secret, TotpParams::builder().digits(8).build()?, "Example", "alice")?;
    /// assert_eq!(
    ///     *uri.to_uri_string(),
    ///     "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example&digits=8"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_uri_string(&self) -> Zeroizing<String> {
        self.to_uri_string_with(BuildOptions::new())
    }

    /// The URI text, written as `options` say. **The text contains the secret**; see
    /// [`KeyUri::to_uri_string`].
    ///
    /// Parameters come in a fixed order: `secret`, `issuer`, `algorithm`, `digits`, `period` or
    /// `counter`, `image`, then the extra parameters in their order.
    #[must_use]
    pub fn to_uri_string_with(&self, options: BuildOptions) -> Zeroizing<String> {
        let secret = self.secret.to_base32();
        let mut length = Length(0);
        // Neither writer ever fails: `Length` only adds, and a `String` has room.
        let _ = self.write(&secret, options, &mut length);
        let mut uri = Zeroizing::new(String::with_capacity(length.0));
        let _ = self.write(&secret, options, &mut *uri);
        debug_assert_eq!(uri.len(), length.0, "the length pass and the writing pass agree");
        uri
    }

    fn write(&self, secret: &str, options: BuildOptions, out: &mut impl Write) -> fmt::Result {
        let (kind, algorithm, digits) = match self.kind {
            OtpKind::Totp(params) => ("totp", params.algorithm(), params.digits()),
            OtpKind::Hotp { params, .. } => ("hotp", params.algorithm, params.digits),
        };
        write!(out, "otpauth://{kind}/")?;
        if let Some(issuer) = &self.label_issuer {
            encode(issuer, out)?;
            out.write_char(':')?;
        }
        encode(&self.account, out)?;
        write!(out, "?secret={secret}")?;
        if let Some(issuer) = &self.issuer {
            out.write_str("&issuer=")?;
            encode(issuer, out)?;
        }
        let all = options.emit_defaults;
        if all || algorithm != Algorithm::Sha1 {
            write!(out, "&algorithm={}", algorithm.as_str())?;
        }
        if all || digits != Digits::Six {
            write!(out, "&digits={}", digits.get())?;
        }
        match self.kind {
            OtpKind::Totp(params) if all || params.period() != TotpParams::DEFAULT_PERIOD => {
                write!(out, "&period={}", params.period())?;
            }
            OtpKind::Totp(_) => {}
            OtpKind::Hotp { counter, .. } => write!(out, "&counter={counter}")?,
        }
        if let Some(image) = &self.image {
            out.write_str("&image=")?;
            encode(image, out)?;
        }
        for (name, value) in &self.extra {
            out.write_char('&')?;
            encode(name, out)?;
            out.write_char('=')?;
            encode(value, out)?;
        }
        Ok(())
    }
}

/// A writer that only counts, to size a buffer before writing a secret into it.
pub(crate) struct Length(pub(crate) usize);

impl Write for Length {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.0 += text.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithm::Algorithm;
    use crate::uri::TextProblem;

    fn secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn a_default_totp_uri_has_only_secret_and_issuer() {
        let uri = KeyUri::totp(secret(), TotpParams::default(), "Example Co", "alice@example.com").unwrap();
        assert_eq!(
            *uri.to_uri_string(),
            "otpauth://totp/Example%20Co:alice%40example.com\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Co"
        );
    }

    #[test]
    fn non_default_parameters_are_written_and_emit_defaults_writes_all() {
        let params = TotpParams::builder()
            .algorithm(Algorithm::Sha512)
            .digits(8)
            .period(45)
            .build()
            .unwrap();
        let uri = KeyUri::totp(secret(), params, "E", "a").unwrap();
        let expected = "otpauth://totp/E:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=E\
                        &algorithm=SHA512&digits=8&period=45";
        assert_eq!(*uri.to_uri_string(), expected);
        assert_eq!(
            *uri.to_uri_string_with(BuildOptions::new().emit_defaults(true)),
            expected
        );

        let hotp = KeyUri::hotp(secret(), HotpParams::default(), 7, "E", "a").unwrap();
        assert_eq!(
            *hotp.to_uri_string_with(BuildOptions::new().emit_defaults(true)),
            "otpauth://hotp/E:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=E\
             &algorithm=SHA1&digits=6&counter=7"
        );
    }

    #[test]
    fn reserved_characters_are_percent_encoded_and_space_is_never_plus() {
        let uri = KeyUri::totp(secret(), TotpParams::default(), "A&B?C#D%E+F=G/H", "x y").unwrap();
        let text = uri.to_uri_string();
        assert!(
            text.starts_with("otpauth://totp/A%26B%3FC%23D%25E%2BF%3DG%2FH:x%20y?"),
            "{}",
            *text
        );
        assert!(
            text.ends_with("&issuer=A%26B%3FC%23D%25E%2BF%3DG%2FH"),
            "{}",
            *text
        );
        assert!(!text.contains('+'));
    }

    #[test]
    fn the_label_issuer_can_differ_from_the_issuer_parameter_or_be_left_out() {
        let uri = || KeyUri::totp(secret(), TotpParams::default(), "example.com", "alice").unwrap();
        let named = uri().with_label_issuer("Example Co").unwrap();
        assert_eq!(
            *named.to_uri_string(),
            "otpauth://totp/Example%20Co:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=example.com"
        );
        assert_eq!(
            (named.issuer(), named.label_issuer(), named.has_issuer_mismatch()),
            (Some("example.com"), Some("Example Co"), true)
        );
        let bare = uri().without_label_issuer();
        assert_eq!(
            *bare.to_uri_string(),
            "otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=example.com"
        );
        assert_eq!((bare.issuer(), bare.label_issuer()), (Some("example.com"), None));
        // A prefix is put back with the same rules as the issuer's.
        assert_eq!(bare.with_label_issuer("example.com").unwrap(), uri());
        for (name, problem) in [
            ("", TextProblem::Empty),
            ("Ex:ample", TextProblem::Colon),
            ("Ex\u{202E}", TextProblem::Control),
        ] {
            assert_eq!(
                uri().with_label_issuer(name),
                Err(UriError::Text {
                    field: TextField::Issuer,
                    problem
                }),
                "{name:?}"
            );
        }
    }

    #[test]
    fn a_t0_other_than_zero_is_refused() {
        let params = TotpParams::builder().t0(1).build().unwrap();
        assert_eq!(
            KeyUri::totp(secret(), params, "E", "a"),
            Err(UriError::UnsupportedT0)
        );
    }

    #[test]
    fn images_must_be_https_urls_without_control_characters() {
        let uri = || KeyUri::totp(secret(), TotpParams::default(), "E", "a").unwrap();
        assert!(uri().with_image("HTTPS://example.com/a.png").is_ok());
        for bad in [
            "http://example.com/a.png",
            "https://",
            "example.com",
            "data:image/png;base64,AA",
        ] {
            assert_eq!(uri().with_image(bad), Err(UriError::Image), "{bad}");
        }
        assert!(matches!(
            uri().with_image("https://e.com/\n"),
            Err(UriError::Text {
                field: TextField::Image,
                ..
            })
        ));
    }
}
