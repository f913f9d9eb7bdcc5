//! The JSON that `parse-uri` prints: one object, its keys in a fixed order, written by
//! `serde_json` so that every string is escaped correctly (quotes, back-slashes, control
//! characters; other Unicode is written as UTF-8).

use serde::Serialize;
use twofactor::KeyUri;
use twofactor::uri::OtpKind;

/// The fields of a Key URI. `Option` fields are `null` when absent.
#[derive(Debug, Serialize)]
struct UriFields<'a> {
    /// `totp` or `hotp`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The `issuer` parameter if present, else the label's prefix.
    issuer: Option<&'a str>,
    account: &'a str,
    /// Canonical base32: upper case, no padding.
    secret: &'a str,
    /// `SHA1`, `SHA256` or `SHA512`.
    algorithm: &'static str,
    digits: u8,
    /// TOTP only.
    period: Option<u64>,
    /// HOTP only.
    counter: Option<u64>,
}

/// One line of JSON describing `uri`. **It contains the secret.**
pub(crate) fn uri_to_json(uri: &KeyUri) -> Result<String, serde_json::Error> {
    let secret = uri.secret().to_base32();
    let (kind, algorithm, digits, period, counter) = match *uri.kind() {
        OtpKind::Totp(params) => (
            "totp",
            params.algorithm(),
            params.digits(),
            Some(params.period()),
            None,
        ),
        OtpKind::Hotp { params, counter } => ("hotp", params.algorithm, params.digits, None, Some(counter)),
        ref other => {
            return Err(serde::ser::Error::custom(format_args!(
                "an OTP type this tool does not know: {other:?}"
            )));
        }
    };
    serde_json::to_string(&UriFields {
        kind,
        issuer: uri.issuer(),
        account: uri.account(),
        secret: &secret,
        algorithm: algorithm.as_str(),
        digits: digits.get(),
        period,
        counter,
    })
}
