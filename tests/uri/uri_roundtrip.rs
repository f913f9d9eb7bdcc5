//! Property tests: build → parse gives back every field; lenient URIs of every form parse to the
//! fields they were written from, and parse → build → parse is a fixed point; nothing panics.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use data_encoding::BASE32_NOPAD;
use proptest::prelude::*;
use proptest::sample::select;
use twofactor::otp::{Algorithm, Digits, HotpParams, TotpParams};
use twofactor::uri::{BuildOptions, OtpKind, Param, ParseOptions};
use twofactor::{KeyUri, Secret};

/// A name the builder accepts: any Unicode but colons, control characters and bidirectional
/// controls, 1 to 24 characters.
const NAME: &str = "[^:\\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}]{1,24}";
/// An account after an issuer: a name that does not start with a space.
const ACCOUNT: &str =
    "[^: \\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}][^:\\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}]{0,23}";

fn secret_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), Secret::LEGACY_MIN_BYTES..=Secret::MAX_BYTES)
}

fn secret(bytes: &[u8]) -> Secret {
    Secret::from_base32_legacy(&BASE32_NOPAD.encode(bytes)).unwrap()
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    select(Algorithm::ALL.to_vec())
}

fn digits() -> impl Strategy<Value = u8> {
    6u8..=8
}

fn period() -> impl Strategy<Value = u64> {
    prop_oneof![Just(30), 1u64..=120, 1u64..=u64::MAX]
}

fn kind() -> impl Strategy<Value = OtpKind> {
    prop_oneof![
        (algorithm(), digits(), period()).prop_map(|(algorithm, digits, period)| {
            let params = TotpParams::builder()
                .algorithm(algorithm)
                .digits(digits)
                .period(period);
            OtpKind::Totp(params.build().unwrap())
        }),
        (algorithm(), digits(), any::<u64>()).prop_map(|(algorithm, digits, counter)| {
            let params = HotpParams {
                algorithm,
                digits: Digits::new(digits).unwrap(),
            };
            OtpKind::Hotp { params, counter }
        }),
    ]
}

/// Extra parameters: names that are not the crate's, any values.
fn extras() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = "[^\\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}]{1,10}"
        .prop_filter("a name the crate reads", |name| Param::from_name(name).is_none());
    prop::collection::vec((name, any::<String>()), 0..4)
}

fn build(
    kind: OtpKind,
    secret: Secret,
    issuer: &str,
    account: &str,
    image: Option<&str>,
    extras: &[(String, String)],
) -> KeyUri {
    let mut uri = match kind {
        OtpKind::Totp(params) => KeyUri::totp(secret, params, issuer, account),
        OtpKind::Hotp { params, counter } => KeyUri::hotp(secret, params, counter, issuer, account),
        other => panic!("a kind the test does not make: {other:?}"),
    }
    .unwrap();
    if let Some(image) = image {
        uri = uri.with_image(image).unwrap();
    }
    for (name, value) in extras {
        uri = uri.with_extra_param(name, value).unwrap();
    }
    uri
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn build_then_parse_gives_back_every_field(
        kind in kind(),
        bytes in secret_bytes(),
        issuer in NAME,
        account in ACCOUNT,
        image in prop::option::of("https://[^\\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}]{1,30}"),
        extras in extras(),
        emit_defaults: bool,
    ) {
        let uri = build(kind, secret(&bytes), &issuer, &account, image.as_deref(), &extras);
        let text = uri.to_uri_string_with(BuildOptions::new().emit_defaults(emit_defaults));
        prop_assert!(text.is_ascii(), "the URI is pure ASCII: {}", *text);
        prop_assert!(!text.contains(' ') && !text.contains('+'));

        let strict = ParseOptions::new().strict_issuer(true);
        let parsed = KeyUri::parse_with(&text, strict).unwrap();
        prop_assert_eq!(parsed.kind(), &kind);
        prop_assert_eq!(parsed.secret().expose_secret(), &bytes[..]);
        prop_assert_eq!(parsed.is_secret_below_rfc_minimum(), bytes.len() < Secret::MIN_BYTES);
        prop_assert_eq!(parsed.issuer(), Some(issuer.as_str()));
        prop_assert_eq!(parsed.label_issuer(), Some(issuer.as_str()));
        prop_assert_eq!(parsed.account(), account.as_str());
        prop_assert_eq!(parsed.image(), image.as_deref());
        let parsed_extras: Vec<(String, String)> =
            parsed.extra_params().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        prop_assert_eq!(&parsed_extras, &extras);
        prop_assert_eq!(&parsed, &uri);
        // Writing the parsed URI gives the same text.
        prop_assert_eq!(
            &*parsed.to_uri_string_with(BuildOptions::new().emit_defaults(emit_defaults)),
            &*text
        );
    }
}

/// One way of writing a name in a URI: fully percent-encoded like the crate does, or with only
/// the characters that would break the URI encoded and everything else raw (IRI style).
fn write_name(name: &str, raw: bool, query: bool) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let keep = c.is_ascii_alphanumeric()
            || matches!(c, '-' | '.' | '_' | '~')
            || (raw && !c.is_ascii())
            || (raw && !query && c == '+')
            || (raw
                && !matches!(c, '%' | '?' | '#' | '&' | '=' | '/' | ':' | '+' | ' ')
                && c.is_ascii_graphic());
        if keep {
            out.push(c);
        } else if c == ' ' && query && raw {
            out.push('+');
        } else {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// The secret as other services write it: either case, spaces (`%20` or `+`) every few
/// characters, `=` padding raw or encoded.
fn write_secret(bytes: &[u8], lower: bool, group: usize, space: &str, padding: &str) -> String {
    let mut text = BASE32_NOPAD.encode(bytes);
    if lower {
        text = text.to_lowercase();
    }
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if group > 0 && i > 0 && i % group == 0 {
            out.push_str(space);
        }
        out.push(c);
    }
    let pad = (8 - text.len() % 8) % 8;
    out + &padding.repeat(pad)
}

fn write_algorithm(algorithm: Algorithm, style: u8) -> String {
    let name = algorithm.as_str();
    match style % 4 {
        0 => name.to_owned(),
        1 => name.to_lowercase(),
        2 => name.replacen("SHA", "Sha-", 1),
        _ => name.replacen("SHA", "sha-", 1),
    }
}

/// A lenient URI with every part written in one of the forms other services use.
#[derive(Debug, Clone)]
struct Lenient {
    kind: OtpKind,
    bytes: Vec<u8>,
    label_issuer: Option<String>,
    issuer: Option<String>,
    account: String,
    extras: Vec<(String, String)>,
    text: String,
}

fn lenient() -> impl Strategy<Value = Lenient> {
    let forms = (
        (
            select(vec!["otpauth", "OTPAUTH", "OtpAuth"]),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            select(vec![":", "%3A", "%3a"]),
            select(vec!["", " ", "%20", "%20%20", "+"]),
        ),
        (
            any::<bool>(),
            0usize..=8,
            select(vec!["%20", "+"]),
            select(vec!["", "=", "%3D"]),
        ),
        (any::<u8>(), any::<bool>()),
    );
    (
        kind(),
        secret_bytes(),
        prop::option::of(NAME),
        prop::option::of(NAME),
        ACCOUNT,
        extras(),
        forms,
    )
        .prop_flat_map(|(kind, bytes, label_issuer, issuer, account, extras, forms)| {
            let (
                (scheme, upper_type, raw_names, explicit),
                (separator, spaces),
                secret_form,
                (algo_style, names_upper),
            ) = forms;
            // In the label, a `+` is literal: the spaces after the colon cannot be written `+`.
            let spaces = if spaces == "+" { "%20" } else { spaces };
            let type_name = match kind {
                OtpKind::Totp(_) if upper_type => "TOTP",
                OtpKind::Totp(_) => "totp",
                OtpKind::Hotp { .. } if upper_type => "HOTP",
                OtpKind::Hotp { .. } => "hotp",
                other => panic!("a kind the test does not make: {other:?}"),
            };
            let mut label = String::new();
            if let Some(prefix) = &label_issuer {
                label += &write_name(prefix, raw_names, false);
                label += separator;
                label += spaces;
            }
            label += &write_name(&account, raw_names, false);
            let key = |name: &str| {
                if names_upper {
                    name.to_uppercase()
                } else {
                    name.to_owned()
                }
            };
            let (lower, group, space, padding) = secret_form;
            let mut pairs = vec![format!(
                "{}={}",
                key("secret"),
                write_secret(&bytes, lower, group, space, padding)
            )];
            if let Some(issuer) = &issuer {
                pairs.push(format!(
                    "{}={}",
                    key("issuer"),
                    write_name(issuer, raw_names, true)
                ));
            }
            let (algorithm, digits) = match kind {
                OtpKind::Totp(params) => (params.algorithm(), params.digits()),
                OtpKind::Hotp { params, .. } => (params.algorithm, params.digits),
                other => panic!("a kind the test does not make: {other:?}"),
            };
            if explicit || algorithm != Algorithm::Sha1 {
                pairs.push(format!(
                    "{}={}",
                    key("algorithm"),
                    write_algorithm(algorithm, algo_style)
                ));
            }
            if explicit || digits != Digits::Six {
                pairs.push(format!("{}={}", key("digits"), digits.get()));
            }
            match kind {
                OtpKind::Totp(params) if explicit || params.period() != 30 => {
                    pairs.push(format!("{}={}", key("period"), params.period()));
                }
                OtpKind::Totp(_) => {}
                OtpKind::Hotp { counter, .. } => pairs.push(format!("{}={counter}", key("counter"))),
                other => panic!("a kind the test does not make: {other:?}"),
            }
            let extra_pairs: Vec<String> = extras
                .iter()
                .map(|(name, value)| {
                    format!(
                        "{}={}",
                        write_name(name, raw_names, true),
                        write_name(value, raw_names, true)
                    )
                })
                .collect();
            let head = format!("{scheme}://{type_name}/{label}?");
            (Just(pairs).prop_shuffle(), any::<u64>()).prop_map(move |(known, mut merge)| {
                // Interleave the shuffled known parameters with the extras, keeping the extras'
                // order, which the parser preserves.
                let (mut known, mut extra) = (
                    known.into_iter().peekable(),
                    extra_pairs.clone().into_iter().peekable(),
                );
                let mut pairs = Vec::new();
                while known.peek().is_some() || extra.peek().is_some() {
                    let take_known = extra.peek().is_none() || (known.peek().is_some() && merge & 1 == 1);
                    merge = merge.rotate_right(1);
                    pairs.extend(if take_known { known.next() } else { extra.next() });
                }
                Lenient {
                    kind,
                    bytes: bytes.clone(),
                    label_issuer: label_issuer.clone(),
                    issuer: issuer.clone(),
                    account: account.clone(),
                    extras: extras.clone(),
                    text: format!("{head}{}", pairs.join("&")),
                }
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn lenient_uris_parse_to_their_fields_and_parse_build_parse_is_stable(uri in lenient()) {
        let parsed = KeyUri::parse(&uri.text).unwrap_or_else(|e| panic!("{}: {e}", uri.text));
        prop_assert_eq!(parsed.kind(), &uri.kind);
        prop_assert_eq!(parsed.secret().expose_secret(), &uri.bytes[..]);
        prop_assert_eq!(parsed.label_issuer(), uri.label_issuer.as_deref());
        prop_assert_eq!(parsed.issuer_parameter(), uri.issuer.as_deref());
        prop_assert_eq!(parsed.issuer(), uri.issuer.as_deref().or(uri.label_issuer.as_deref()));
        prop_assert_eq!(parsed.account(), uri.account.as_str());
        let extras: Vec<(String, String)> =
            parsed.extra_params().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        // Interleaved with the shuffled known parameters, the extras keep their own order.
        prop_assert_eq!(&extras, &uri.extras);

        let mismatch = matches!((&uri.issuer, &uri.label_issuer), (Some(a), Some(b)) if a != b);
        prop_assert_eq!(parsed.has_issuer_mismatch(), mismatch);
        let strict = KeyUri::parse_with(&uri.text, ParseOptions::new().strict_issuer(true));
        prop_assert_eq!(strict.is_err(), mismatch);

        let written = parsed.to_uri_string();
        let reparsed = KeyUri::parse(&written).unwrap();
        prop_assert_eq!(&reparsed, &parsed);
        prop_assert_eq!(&*reparsed.to_uri_string(), &*written);
    }

    #[test]
    fn parse_never_panics_on_any_text(text in any::<String>()) {
        let _ = KeyUri::parse(&text);
    }

    #[test]
    fn parse_never_panics_on_uri_shaped_text(
        text in "(otpauth|OTPAUTH|http)://(totp|hotp|HOTP|x)?/?[^?]{0,20}(\\?([a-zA-Z%=&+ :#0-9]|\\PC){0,60})?"
    ) {
        if let Ok(uri) = KeyUri::parse(&text) {
            // Whatever parses also writes and reads back the same.
            prop_assert_eq!(KeyUri::parse(&uri.to_uri_string()).unwrap(), uri);
        }
    }

    #[test]
    fn parse_never_panics_on_mutated_uris(
        uri in lenient(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = uri.text.into_bytes();
        for (at, byte, op) in edits {
            let at = at.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => { bytes.remove(at); }
                _ if at < bytes.len() => bytes[at] = byte,
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(uri) = KeyUri::parse(&text) {
            prop_assert_eq!(KeyUri::parse(&uri.to_uri_string()).unwrap(), uri);
        }
    }
}
