//! Parsing a Key URI leniently: what other services and libraries write, read the same.

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::encode::{Plus, decode, decode_into};
use super::text::{check_label_part, check_plain};
use super::{KeyUri, OtpKind, Param, ParseOptions, TextField, UriError};
use crate::algorithm::Algorithm;
use crate::otp::{Digits, HotpParams, TotpParams};
use crate::secret::Secret;

impl KeyUri {
    /// Parses a Key URI leniently ([`ParseOptions::new`]).
    ///
    /// Accepted beyond what the crate writes:
    /// * `otpauth`, `totp` and `hotp` in any case; white space around the URI; a `#fragment`,
    ///   which is ignored.
    /// * A label separator `:` or `%3A`, with any spaces after it; a label without an issuer.
    /// * A secret in lower case, with spaces or with `=` padding, from 80 bits up
    ///   ([`KeyUri::is_secret_below_rfc_minimum`] reports one under 128 bits).
    /// * An `algorithm` in any case (`sha256`, `SHA-256`); parameter names in any case;
    ///   parameters in any order.
    /// * A `+` in the query as a space (the form-encoding rule most URL libraries and many
    ///   generators follow); in the label, a `+` is a `+` (RFC 3986).
    /// * Unknown parameters, and `period` in an HOTP URI or `counter` in a TOTP one: kept,
    ///   unchecked, in [`KeyUri::extra_params`] and written back (a `period` or `counter` given
    ///   twice is still refused, as every parameter the crate knows is). Pairs with an empty
    ///   name are dropped. An empty `issuer` or `image` counts as absent.
    /// * An issuer in the label that differs from the `issuer` parameter: the parameter wins
    ///   ([`KeyUri::issuer`]). A colon in the `issuer` parameter (only the label forbids one).
    ///
    /// # Errors
    /// A [`UriError`] naming the first problem found: [`UriError::Scheme`], [`UriError::Type`],
    /// [`UriError::Encoding`], [`UriError::Text`] for an empty account or a colon or control
    /// character in a name, [`UriError::Duplicate`] for a parameter the crate knows given twice,
    /// [`UriError::Missing`] for no `secret` (or no `counter` in HOTP), then
    /// [`UriError::Secret`], [`UriError::Algorithm`], [`UriError::Digits`],
    /// [`UriError::Period`] or [`UriError::Counter`] for a bad value.
    ///
    /// ```
    /// use twofactor::otp::Algorithm;
    /// use twofactor::KeyUri;
    /// use twofactor::uri::{OtpKind, Param, UriError};
    ///
    /// let uri = KeyUri::parse(
    ///     "OTPAUTH://TOTP/ACME%20Co%3A%20%20john.doe%40email.com\
    ///      ?algorithm=sha256&SECRET=hxdm+vjec+jjws+rb3h+wizr+4ifu+gftm+xboz===&issuer=ACME+Co&period=60",
    /// )?;
    /// assert_eq!((uri.issuer(), uri.account()), (Some("ACME Co"), "john.doe@email.com"));
    /// assert!(!uri.has_issuer_mismatch());
    /// let OtpKind::Totp(params) = uri.kind() else { panic!("TOTP") };
    /// assert_eq!((params.algorithm(), params.period()), (Algorithm::Sha256, 60));
    /// assert_eq!(*uri.secret().to_base32(), "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ");
    ///
    /// assert_eq!(KeyUri::parse("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP"), Err(UriError::Missing(Param::Counter)));
    /// assert_eq!(KeyUri::parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=9"), Err(UriError::Digits));
    /// # Ok::<(), UriError>(())
    /// ```
    pub fn parse(uri: &str) -> Result<Self, UriError> {
        Self::parse_with(uri, ParseOptions::new())
    }

    /// Parses a Key URI as `options` say; see [`KeyUri::parse`] for what is accepted, and
    /// [`ParseOptions::short_secrets`] for secrets under 80 bits.
    ///
    /// # Errors
    /// Those of [`KeyUri::parse`], and [`UriError::IssuerMismatch`] when
    /// [`ParseOptions::strict_issuer`] is set and the label's issuer differs from the `issuer`
    /// parameter.
    ///
    /// ```
    /// use twofactor::KeyUri;
    /// use twofactor::uri::ParseOptions;
    ///
    /// let strict = ParseOptions::new().strict_issuer(true);
    /// let uri = KeyUri::parse_with("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example", strict)?;
    /// assert_eq!(uri.issuer(), Some("Example"));
    /// # Ok::<(), twofactor::uri::UriError>(())
    /// ```
    pub fn parse_with(uri: &str, options: ParseOptions) -> Result<Self, UriError> {
        let uri = uri.trim_matches(|c: char| c.is_ascii_whitespace());
        let uri = uri.split('#').next().unwrap_or_default();
        let (scheme, rest) = uri.split_once("://").ok_or(UriError::Scheme)?;
        if !scheme.eq_ignore_ascii_case("otpauth") {
            return Err(UriError::Scheme);
        }
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (kind, label) = path.split_once('/').unwrap_or((path, ""));
        let totp = if kind.eq_ignore_ascii_case("totp") {
            true
        } else if kind.eq_ignore_ascii_case("hotp") {
            false
        } else {
            return Err(UriError::Type);
        };
        let (label_issuer, account) = parse_label(label)?;
        let query = Query::parse(query, totp)?;

        let issuer = optional_text(query.issuer, TextField::Issuer)?;
        if options.strict_issuer && matches!((&issuer, &label_issuer), (Some(a), Some(b)) if a != b) {
            return Err(UriError::IssuerMismatch);
        }
        let secret = parse_secret(
            query.secret.ok_or(UriError::Missing(Param::Secret))?,
            options.short_secrets,
        )?;
        let algorithm = match query.algorithm {
            Some(raw) => Algorithm::from_name(&decode(raw, Plus::Space)?).ok_or(UriError::Algorithm)?,
            None => Algorithm::Sha1,
        };
        let digits = match query.digits {
            Some(raw) => number(raw)
                .and_then(|n| u8::try_from(n).ok())
                .and_then(|n| Digits::new(n).ok())
                .ok_or(UriError::Digits)?,
            None => Digits::Six,
        };
        let kind = if totp {
            let period = match query.period {
                Some(raw) => number(raw).ok_or(UriError::Period)?,
                None => TotpParams::DEFAULT_PERIOD,
            };
            let params = TotpParams::builder()
                .algorithm(algorithm)
                .digits(digits.get())
                .period(period)
                .build()
                .map_err(|_| UriError::Period)?;
            OtpKind::Totp(params)
        } else {
            let raw = query.counter.ok_or(UriError::Missing(Param::Counter))?;
            let counter = number(raw).ok_or(UriError::Counter)?;
            OtpKind::Hotp {
                params: HotpParams { algorithm, digits },
                counter,
            }
        };
        Ok(Self {
            kind,
            secret,
            issuer,
            label_issuer,
            account,
            image: optional_text(query.image, TextField::Image)?,
            extra: query.extra,
        })
    }
}

/// Splits the label at its first `:` or `%3A`, drops the spaces after it, decodes both parts
/// and checks them. An empty issuer before the separator counts as none.
fn parse_label(label: &str) -> Result<(Option<String>, String), UriError> {
    let colon = label.find(':').map(|at| (at, 1));
    let encoded = label
        .as_bytes()
        .windows(3)
        .position(|w| matches!(w, [b'%', b'3', b'a' | b'A']))
        .map(|at| (at, 3));
    let separator = match (colon, encoded) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let Some((at, len)) = separator else {
        let account = decode(label, Plus::Literal)?;
        check_label_part(&account, TextField::Account)?;
        return Ok((None, account));
    };
    // `at` and `at + len` are the bounds of an ASCII separator, so both are char boundaries.
    let issuer = decode(label.get(..at).unwrap_or_default(), Plus::Literal)?;
    let account = decode(label.get(at + len..).unwrap_or_default(), Plus::Literal)?;
    let account = String::from(account.trim_start_matches(' '));
    check_label_part(&account, TextField::Account)?;
    if issuer.is_empty() {
        return Ok((None, account));
    }
    check_label_part(&issuer, TextField::Issuer)?;
    Ok((Some(issuer), account))
}

/// The raw (still encoded) values of the parameters the crate reads, and the decoded others.
#[derive(Default)]
struct Query<'a> {
    secret: Option<&'a str>,
    issuer: Option<&'a str>,
    algorithm: Option<&'a str>,
    digits: Option<&'a str>,
    period: Option<&'a str>,
    counter: Option<&'a str>,
    image: Option<&'a str>,
    extra: Vec<(String, String)>,
}

impl<'a> Query<'a> {
    fn parse(query: &'a str, totp: bool) -> Result<Self, UriError> {
        let mut parsed = Self::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(raw_name, Plus::Space)?;
            let param = Param::from_name(&name);
            match param.and_then(|param| parsed.slot(param, totp)) {
                Some((_, slot @ None)) => *slot = Some(raw_value),
                Some((param, Some(_))) => return Err(UriError::Duplicate(param)),
                None if name.is_empty() => {}
                None => {
                    // `period` in HOTP or `counter` in TOTP: kept unchecked, but still a known
                    // parameter, which may appear only once (draft-andesco-otpauth-uri §3.4).
                    if let Some(param) = param
                        && parsed
                            .extra
                            .iter()
                            .any(|(seen, _)| Param::from_name(seen) == Some(param))
                    {
                        return Err(UriError::Duplicate(param));
                    }
                    parsed.extra.push((name, decode(raw_value, Plus::Space)?));
                }
            }
        }
        Ok(parsed)
    }

    /// Where the value of `param` goes, or `None` if `param` does not apply to the type.
    fn slot(&mut self, param: Param, totp: bool) -> Option<(Param, &mut Option<&'a str>)> {
        let slot = match param {
            Param::Secret => &mut self.secret,
            Param::Issuer => &mut self.issuer,
            Param::Algorithm => &mut self.algorithm,
            Param::Digits => &mut self.digits,
            Param::Period if totp => &mut self.period,
            Param::Counter if !totp => &mut self.counter,
            Param::Image => &mut self.image,
            Param::Period | Param::Counter => return None,
        };
        Some((param, slot))
    }
}

/// Decodes the secret into a buffer that is zeroized when dropped, then parses it leniently:
/// from 80 bits up, or from 8 bits with [`ParseOptions::short_secrets`].
fn parse_secret(raw: &str, short: bool) -> Result<Secret, UriError> {
    let mut bytes = Zeroizing::new(Vec::new());
    decode_into(raw, Plus::Space, &mut bytes)?;
    let text = core::str::from_utf8(&bytes).map_err(|_| UriError::Encoding)?;
    if text.trim().is_empty() {
        return Err(UriError::Missing(Param::Secret));
    }
    if short {
        Ok(Secret::from_base32_short(text)?)
    } else {
        Ok(Secret::from_base32_legacy(text)?)
    }
}

/// A decoded optional text parameter: empty counts as absent; control characters are refused.
fn optional_text(raw: Option<&str>, field: TextField) -> Result<Option<String>, UriError> {
    let Some(text) = raw.map(|raw| decode(raw, Plus::Space)).transpose()? else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(None);
    }
    check_plain(&text, field)?;
    Ok(Some(text))
}

/// A whole number of ASCII digits, percent-decoded, that fits a `u64`.
fn number(raw: &str) -> Option<u64> {
    let text = decode(raw, Plus::Space).ok()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
