//! The 2026 otpauth Internet-Drafts: every example URI they give, read to its fields, and the
//! URIs the builder makes under their issuer rules, read back.
//!
//! Read in full: draft-andesco-otpauth-uri-00 (19 February 2026) and
//! draft-linuxgemini-otpauth-uri-02 (February 2025). Their later revisions,
//! draft-andesco-otpauth-uri-01 (30 October 2026) and draft-linuxgemini-otpauth-uri-03
//! (24 August 2026), could be read only as far as their abstracts; `CONFORMANCE.md` says so
//! beside each rule.
//!
//! The drafts' example secrets are 24 bits (`PB4XU`, "xyz") and 40 bits (`NBSWY3DP`, "hello"):
//! [`KeyUri::parse`] refuses them with its 80-bit floor, and reads them with
//! [`ParseOptions::short_secrets`]. Both are asserted.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use twofactor::otp::{Algorithm, Digits, HotpParams, TotpParams};
use twofactor::secret::SecretError;
use twofactor::uri::{BuildOptions, OtpKind, Param, ParseOptions, UriError};
use twofactor::{KeyUri, Secret};

/// RFC 4226 Appendix D's key, `12345678901234567890`, in base32.
const KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn short() -> ParseOptions {
    ParseOptions::new().short_secrets(true)
}

/// What an example must read as.
struct Expected {
    totp: Option<TotpParams>,
    hotp: Option<(HotpParams, u64)>,
    secret: &'static [u8],
    label_issuer: Option<&'static str>,
    issuer_parameter: Option<&'static str>,
    account: &'static str,
}

impl Expected {
    fn check(&self, uri: &str, options: ParseOptions) -> KeyUri {
        let parsed = KeyUri::parse_with(uri, options).unwrap_or_else(|error| panic!("{uri}: {error}"));
        match (parsed.kind(), self.totp, self.hotp) {
            (OtpKind::Totp(params), Some(expected), None) => assert_eq!(*params, expected, "{uri}"),
            (OtpKind::Hotp { params, counter }, None, Some((expected, start))) => {
                assert_eq!((*params, *counter), (expected, start), "{uri}");
            }
            (kind, _, _) => panic!("{uri}: unexpected kind {kind:?}"),
        }
        assert_eq!(parsed.secret().expose_secret(), self.secret, "{uri}");
        assert_eq!(parsed.label_issuer(), self.label_issuer, "{uri}");
        assert_eq!(parsed.issuer_parameter(), self.issuer_parameter, "{uri}");
        // The parameter is the issuer when both are there (andesco §3.4.2, §4).
        assert_eq!(
            parsed.issuer(),
            self.issuer_parameter.or(self.label_issuer),
            "{uri}"
        );
        assert_eq!(parsed.account(), self.account, "{uri}");
        assert_eq!(parsed.image(), None, "{uri}");
        assert_eq!(parsed.extra_params().len(), 0, "{uri}");
        parsed
    }
}

fn totp(algorithm: Algorithm, period: u64) -> Option<TotpParams> {
    Some(
        TotpParams::builder()
            .algorithm(algorithm)
            .period(period)
            .build()
            .unwrap(),
    )
}

fn too_short(bits: usize) -> UriError {
    UriError::Secret(SecretError::TooShort { bits, min_bits: 80 })
}

/// draft-andesco-otpauth-uri-00 §5, "valid otpauth: URIs", and the text the crate writes back.
const ANDESCO_EXAMPLES: [(&str, &str); 3] = [
    (
        "otpauth://totp/Example?secret=PB4XU&issuer=example.com",
        "otpauth://totp/Example?secret=PB4XU&issuer=example.com",
    ),
    (
        "otpauth://totp/Example%3Aalice?secret=PB4XU&issuer=example.com",
        "otpauth://totp/Example:alice?secret=PB4XU&issuer=example.com",
    ),
    (
        "otpauth://hotp/Example?secret=PB4XU&counter=42&issuer=example.com",
        "otpauth://hotp/Example?secret=PB4XU&issuer=example.com&counter=42",
    ),
];

/// draft-linuxgemini-otpauth-uri-02: the `secret` parameter's example (first) and §Examples,
/// with the text the crate writes back.
const LINUXGEMINI_EXAMPLES: [(&str, &str); 4] = [
    (
        "otpauth://totp/ietfuser?secret=NBSWY3DPFQQHO33SNRSAU",
        "otpauth://totp/ietfuser?secret=NBSWY3DPFQQHO33SNRSAU",
    ),
    (
        "otpauth://totp/ietfuser?secret=NBSWY3DP",
        "otpauth://totp/ietfuser?secret=NBSWY3DP",
    ),
    (
        "otpauth://hotp/13tfus3r?secret=NBSWY3DP&counter=192",
        "otpauth://hotp/13tfus3r?secret=NBSWY3DP&counter=192",
    ),
    (
        "otpauth://totp/big?issuer=IETF&secret=NBSWY3DP&period=5&algorithm=SHA256",
        "otpauth://totp/big?secret=NBSWY3DP&issuer=IETF&algorithm=SHA256&period=5",
    ),
];

#[test]
fn andesco_section_5_examples_parse_to_their_fields() {
    let [(first, _), (second, _), (third, _)] = ANDESCO_EXAMPLES;
    // A label without a separator is the account alone (§3.1); the issuer is the parameter.
    Expected {
        totp: totp(Algorithm::Sha1, 30),
        hotp: None,
        secret: b"xyz",
        label_issuer: None,
        issuer_parameter: Some("example.com"),
        account: "Example",
    }
    .check(first, short());
    // The label split at the raw `%3A` before decoding (§3.1); prefix and parameter differ,
    // which is not refused (§4), and the parameter is the issuer.
    let differing = Expected {
        totp: totp(Algorithm::Sha1, 30),
        hotp: None,
        secret: b"xyz",
        label_issuer: Some("Example"),
        issuer_parameter: Some("example.com"),
        account: "alice",
    }
    .check(second, short());
    assert!(differing.has_issuer_mismatch());
    // The opt-in Key URI rule refuses it: not the draft's behaviour, and not the default.
    assert_eq!(
        KeyUri::parse_with(second, short().strict_issuer(true)),
        Err(UriError::IssuerMismatch)
    );
    let hotp = Expected {
        totp: None,
        hotp: Some((HotpParams::default(), 42)),
        secret: b"xyz",
        label_issuer: None,
        issuer_parameter: Some("example.com"),
        account: "Example",
    }
    .check(third, short());
    assert!(hotp.to_hotp().is_some() && hotp.to_totp().is_none());

    // Without the opt-in, the 24-bit secret is refused by the crate's 80-bit floor.
    for (uri, _) in ANDESCO_EXAMPLES {
        assert_eq!(KeyUri::parse(uri), Err(too_short(24)), "{uri}");
    }
}

#[test]
fn andesco_section_3_3_label_examples_parse_to_their_parts() {
    for (label, issuer, account) in [
        ("alice@example.com", None, "alice@example.com"),
        ("Example:alice@example.com", Some("Example"), "alice@example.com"),
        (
            "Example%20Issuer%3A%20alice@example.com",
            Some("Example Issuer"),
            "alice@example.com",
        ),
    ] {
        let uri = KeyUri::parse(&format!("otpauth://totp/{label}?secret={KEY}")).unwrap();
        assert_eq!((uri.label_issuer(), uri.account()), (issuer, account), "{label}");
        assert_eq!(uri.issuer(), issuer, "{label}");
    }
}

#[test]
fn linuxgemini_examples_parse_to_their_fields() {
    let [(secret_example, _), (first, _), (second, _), (third, _)] = LINUXGEMINI_EXAMPLES;
    // The only example secret of 80 bits or more (104: "hello, world\n") parses by default.
    Expected {
        totp: totp(Algorithm::Sha1, 30),
        hotp: None,
        secret: b"hello, world\n",
        label_issuer: None,
        issuer_parameter: None,
        account: "ietfuser",
    }
    .check(secret_example, ParseOptions::new());
    Expected {
        totp: totp(Algorithm::Sha1, 30),
        hotp: None,
        secret: b"hello",
        label_issuer: None,
        issuer_parameter: None,
        account: "ietfuser",
    }
    .check(first, short());
    Expected {
        totp: None,
        hotp: Some((
            HotpParams {
                algorithm: Algorithm::Sha1,
                digits: Digits::Six,
            },
            192,
        )),
        secret: b"hello",
        label_issuer: None,
        issuer_parameter: None,
        account: "13tfus3r",
    }
    .check(second, short());
    // Parameters in any order, `issuer` before `secret`.
    Expected {
        totp: totp(Algorithm::Sha256, 5),
        hotp: None,
        secret: b"hello",
        label_issuer: None,
        issuer_parameter: Some("IETF"),
        account: "big",
    }
    .check(third, short());

    for uri in [first, second, third] {
        assert_eq!(KeyUri::parse(uri), Err(too_short(40)), "{uri}");
    }
}

#[test]
fn every_draft_example_is_written_back_in_the_crates_form_and_reads_the_same() {
    for (example, written) in ANDESCO_EXAMPLES.into_iter().chain(LINUXGEMINI_EXAMPLES) {
        let parsed = KeyUri::parse_with(example, short()).unwrap();
        let text = parsed.to_uri_string();
        assert_eq!(*text, written, "{example}");
        assert_producer_grammar(&text);
        assert_eq!(KeyUri::parse_with(&text, short()).unwrap(), parsed, "{example}");
    }
}

fn build(issuer: &str, account: &str, hotp: bool) -> KeyUri {
    let secret = Secret::from_base32(KEY).unwrap();
    if hotp {
        KeyUri::hotp(secret, HotpParams::default(), 42, issuer, account).unwrap()
    } else {
        KeyUri::totp(secret, TotpParams::default(), issuer, account).unwrap()
    }
}

#[test]
fn uris_built_under_the_andesco_issuer_rules_read_back_the_same() {
    // A display name in the label, a stable identifier in the parameter (§4).
    let named = build("example.com", "alice@example.com", false)
        .with_label_issuer("Example Co")
        .unwrap();
    let text = named.to_uri_string();
    assert_eq!(
        *text,
        format!("otpauth://totp/Example%20Co:alice%40example.com?secret={KEY}&issuer=example.com")
    );
    let read = KeyUri::parse(&text).unwrap();
    assert_eq!(read, named);
    assert_eq!(
        (read.issuer(), read.label_issuer(), read.has_issuer_mismatch()),
        (Some("example.com"), Some("Example Co"), true)
    );
    // The issuer parameter alone (§4 MAY; linuxgemini's preference).
    let bare = build("example.com", "alice@example.com", true).without_label_issuer();
    let text = bare.to_uri_string();
    assert_eq!(
        *text,
        format!("otpauth://hotp/alice%40example.com?secret={KEY}&issuer=example.com&counter=42")
    );
    assert_eq!(KeyUri::parse(&text).unwrap(), bare);
    // The default, the two equal: read back even under the Key URI format's strict rule.
    let equal = build("Example Co", "alice@example.com", false);
    let text = equal.to_uri_string();
    assert_eq!(
        *text,
        format!("otpauth://totp/Example%20Co:alice%40example.com?secret={KEY}&issuer=Example%20Co")
    );
    assert_eq!(
        KeyUri::parse_with(&text, ParseOptions::new().strict_issuer(true)).unwrap(),
        equal
    );
    for uri in [&named, &bare, &equal] {
        assert_producer_grammar(&uri.to_uri_string());
    }
}

/// Checks a URI the crate wrote against draft-andesco-otpauth-uri-00 §3.1's grammar for
/// producers: lower-case scheme and type, a label of unreserved and percent-encoded characters
/// with at most one literal `:`, an upper-case unpadded base32 secret, each known parameter at
/// most once, `algorithm` and `digits` from the grammar's values (as the crate's defaults
/// write them), and every value made of `pchar` with no literal `&`.
fn assert_producer_grammar(uri: &str) {
    let rest = uri
        .strip_prefix("otpauth://totp/")
        .or_else(|| uri.strip_prefix("otpauth://hotp/"))
        .unwrap_or_else(|| panic!("lower-case scheme and type: {uri}"));
    let (label, query) = rest.split_once('?').unwrap();
    let pct_encoded_or = |text: &str, extra: &dyn Fn(u8) -> bool| {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let byte = bytes[at];
            if byte == b'%' {
                assert!(
                    bytes.len() > at + 2
                        && bytes[at + 1].is_ascii_hexdigit()
                        && bytes[at + 2].is_ascii_hexdigit(),
                    "{uri}"
                );
                at += 3;
            } else {
                assert!(
                    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') || extra(byte),
                    "byte {:?} in {text:?} of {uri}",
                    byte as char
                );
                at += 1;
            }
        }
    };
    assert!(label.matches(':').count() <= 1, "{uri}");
    for part in label.split(':') {
        assert!(!part.is_empty(), "{uri}");
        pct_encoded_or(part, &|_| false);
    }
    let mut seen = Vec::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap();
        if let Some(param) = Param::from_name(name) {
            assert_eq!(name, param.as_str(), "lower-case names: {uri}");
            assert!(!seen.contains(&param), "{param} twice: {uri}");
            seen.push(param);
        }
        match name {
            "secret" => assert!(
                !value.is_empty()
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
                "{uri}"
            ),
            "algorithm" => assert!(["SHA1", "SHA256", "SHA512"].contains(&value), "{uri}"),
            "digits" => assert!(["6", "8"].contains(&value), "{uri}"),
            "counter" | "period" => assert!(value.bytes().all(|b| b.is_ascii_digit()), "{uri}"),
            _ => pct_encoded_or(value, &|b| {
                matches!(
                    b,
                    b'!' | b'$' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'@'
                )
            }),
        }
    }
    assert_eq!(seen.first(), Some(&Param::Secret), "{uri}");
}

/// A name the builder accepts (as in `uri_roundtrip`): no colon, control or bidirectional
/// control, 1 to 24 characters.
const NAME: &str = "[^:\\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}]{1,24}";
/// An account after an issuer: a name that does not start with a space.
const ACCOUNT: &str =
    "[^: \\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}][^:\\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}]{0,23}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_display_name_beside_any_issuer_parameter_reads_back_the_same(
        identifier in NAME,
        display in prop::option::of(NAME),
        account in ACCOUNT,
        hotp: bool,
        emit_defaults: bool,
    ) {
        let built = build(&identifier, &account, hotp);
        let uri = match &display {
            Some(name) => built.with_label_issuer(name).unwrap(),
            None => built.without_label_issuer(),
        };
        let text = uri.to_uri_string_with(BuildOptions::new().emit_defaults(emit_defaults));
        let read = KeyUri::parse(&text).unwrap();
        prop_assert_eq!(&read, &uri);
        prop_assert_eq!(read.issuer(), Some(identifier.as_str()));
        prop_assert_eq!(read.issuer_parameter(), Some(identifier.as_str()));
        prop_assert_eq!(read.label_issuer(), display.as_deref());
        prop_assert_eq!(read.account(), account.as_str());
        prop_assert_eq!(
            read.has_issuer_mismatch(),
            display.as_deref().is_some_and(|name| name != identifier)
        );
        if !emit_defaults {
            assert_producer_grammar(&text);
        }
    }
}
