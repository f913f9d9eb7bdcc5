//! From the command line to what the crate computes with: the secret, read leniently from 80
//! bits up with a warning under 128, and the OTP type with its checked parameters.

use twofactor::otp::{HotpParams, TotpParams};
use twofactor::uri::OtpKind;
use twofactor::{KeyUri, Secret};

use crate::args::ParamArgs;
use crate::failure::{Failure, WithCauses};

/// Parses `--secret`. Accepts the 80-bit secrets other services issue
/// ([`Secret::from_base32_legacy`]) and warns about them. The message of a secret that does not
/// parse names the problem and its position, never the text.
pub(crate) fn read_secret(text: &str) -> Result<Secret, Failure> {
    let secret = Secret::from_base32_legacy(text)
        .map_err(|error| Failure::usage(format_args!("--secret: {error}")))?;
    warn_if_short(&secret);
    Ok(secret)
}

/// Parses a Key URI, leniently as the crate does, and warns about a short secret or an issuer
/// given two different ways. A URI that does not parse is refused with exit status 1.
pub(crate) fn read_uri(text: &str) -> Result<KeyUri, Failure> {
    let uri = KeyUri::parse(text).map_err(|error| {
        Failure::rejected(format_args!(
            "error: the URI does not parse: {}",
            WithCauses(&error)
        ))
    })?;
    warn_if_short(uri.secret());
    if let (true, Some(parameter), Some(label)) = (
        uri.has_issuer_mismatch(),
        uri.issuer_parameter(),
        uri.label_issuer(),
    ) {
        eprintln!(
            "warning: the label's issuer {label:?} differs from the issuer parameter {parameter:?}; \
             the parameter is used"
        );
    }
    Ok(uri)
}

fn warn_if_short(secret: &Secret) {
    if secret.is_below_rfc_minimum() {
        eprintln!(
            "warning: the secret is {} bits; RFC 4226 requires at least 128",
            secret.bits()
        );
    }
}

/// TOTP or HOTP, with the parameters given.
pub(crate) fn otp_kind(args: &ParamArgs) -> Result<OtpKind, Failure> {
    if args.hotp {
        // clap makes --hotp require --counter; this is the same rule, kept in one more place.
        let counter = args
            .counter
            .ok_or_else(|| Failure::usage("--hotp needs --counter N"))?;
        let params = HotpParams {
            algorithm: args.algorithm,
            digits: args.digits,
        };
        Ok(OtpKind::Hotp { params, counter })
    } else {
        TotpParams::builder()
            .algorithm(args.algorithm)
            .digits(args.digits.get())
            .period(args.period.get())
            .build()
            .map(OtpKind::Totp)
            .map_err(Failure::usage)
    }
}
