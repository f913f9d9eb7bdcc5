//! What `KeyUri::parse` accepts from other services, and the typed error for what it refuses.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use twofactor::KeyUri;
use twofactor::otp::{Algorithm, Digits};
use twofactor::secret::SecretError;
use twofactor::uri::{OtpKind, Param, ParseOptions, TextField, TextProblem, UriError};

/// RFC 4226 Appendix D's key, `12345678901234567890`, in base32.
const KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn parse(uri: &str) -> KeyUri {
    KeyUri::parse(uri).unwrap_or_else(|error| panic!("{uri}: {error}"))
}

fn totp_params(uri: &KeyUri) -> twofactor::otp::TotpParams {
    match uri.kind() {
        OtpKind::Totp(params) => *params,
        other => panic!("expected TOTP, not {other:?}"),
    }
}

#[test]
fn scheme_and_type_are_read_in_any_case() {
    for uri in [
        format!("otpauth://totp/a?secret={KEY}"),
        format!("OTPAUTH://TOTP/a?secret={KEY}"),
        format!("OtpAuth://ToTp/a?secret={KEY}"),
    ] {
        assert!(matches!(parse(&uri).kind(), OtpKind::Totp(_)), "{uri}");
    }
    let hotp = parse(&format!("otpauth://HOTP/a?secret={KEY}&counter=5"));
    assert_eq!(hotp.counter(), Some(5));
}

#[test]
fn the_label_separator_is_a_colon_or_percent_3a_with_optional_spaces() {
    for label in [
        "Example:alice",
        "Example%3Aalice",
        "Example%3aalice",
        "Example:%20alice",
        "Example%3A%20%20alice",
        "Example: alice",
        "Example:   alice",
    ] {
        let uri = parse(&format!("otpauth://totp/{label}?secret={KEY}"));
        assert_eq!(uri.label_issuer(), Some("Example"), "{label}");
        assert_eq!(uri.issuer(), Some("Example"), "{label}");
        assert_eq!(uri.account(), "alice", "{label}");
    }
}

#[test]
fn a_label_without_an_issuer_is_an_account_alone() {
    let uri = parse(&format!("otpauth://totp/alice%40example.com?secret={KEY}"));
    assert_eq!((uri.issuer(), uri.label_issuer()), (None, None));
    assert_eq!(uri.account(), "alice@example.com");
    // An empty prefix before the colon counts as none.
    let uri = parse(&format!("otpauth://totp/:alice?secret={KEY}"));
    assert_eq!((uri.label_issuer(), uri.account()), (None, "alice"));
    // An issuer parameter alone names the issuer.
    let uri = parse(&format!("otpauth://totp/alice?secret={KEY}&issuer=Example"));
    assert_eq!((uri.issuer(), uri.label_issuer()), (Some("Example"), None));
    assert!(!uri.has_issuer_mismatch());
}

#[test]
fn unicode_is_decoded_from_percent_escapes_and_raw_text() {
    let uri = parse(&format!(
        "otpauth://totp/%C3%89cole%20%F0%9F%98%80:Zo%C3%AB?secret={KEY}&issuer=%C3%89cole+%F0%9F%98%80"
    ));
    assert_eq!((uri.issuer(), uri.account()), (Some("École 😀"), "Zoë"));
    assert!(!uri.has_issuer_mismatch());
    let raw = parse(&format!("otpauth://totp/École:Zoë?secret={KEY}&issuer=École"));
    assert_eq!((raw.issuer(), raw.account()), (Some("École"), "Zoë"));
}

#[test]
fn plus_is_a_space_in_the_query_and_a_plus_in_the_label() {
    let uri = parse(&format!("otpauth://totp/A+B:c+d?secret={KEY}&issuer=A+B&x=1+2"));
    assert_eq!(uri.label_issuer(), Some("A+B"));
    assert_eq!(uri.account(), "c+d");
    assert_eq!(uri.issuer_parameter(), Some("A B"));
    assert!(uri.has_issuer_mismatch());
    assert_eq!(uri.extra_params().collect::<Vec<_>>(), [("x", "1 2")]);
    let encoded = parse(&format!("otpauth://totp/A%2BB:c?secret={KEY}&issuer=A%2BB"));
    assert!(!encoded.has_issuer_mismatch());
}

#[test]
fn secrets_in_lower_case_with_spaces_or_padding_are_read() {
    for secret in [
        "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
        "GEZD%20GNBV%20GY3T%20QOJQ%20GEZD%20GNBV%20GY3T%20QOJQ",
        "gezd+gnbv+gy3t+qojq+gezd+gnbv+gy3t+qojq",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    ] {
        let uri = parse(&format!("otpauth://totp/a?secret={secret}"));
        assert_eq!(uri.secret().expose_secret(), b"12345678901234567890", "{secret}");
    }
    // 16 bytes: base32 pads to a multiple of 8 characters with `=`, raw or encoded.
    for secret in [
        "GEZDGNBVGY3TQOJQGEZDGNBVGY======",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY%3D%3D%3D%3D%3D%3D",
    ] {
        let uri = parse(&format!("otpauth://totp/a?secret={secret}"));
        assert_eq!(uri.secret().expose_secret(), b"1234567890123456", "{secret}");
    }
}

#[test]
fn secrets_from_80_bits_parse_and_are_reported_under_128() {
    let short = parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
    assert_eq!(short.secret().bits(), 80);
    assert!(short.is_secret_below_rfc_minimum());
    let long = parse(&format!("otpauth://totp/a?secret={KEY}"));
    assert!(!long.is_secret_below_rfc_minimum());
    assert_eq!(
        KeyUri::parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PA"),
        Err(UriError::Secret(SecretError::TooShort {
            bits: 72,
            min_bits: 80
        }))
    );
}

#[test]
fn secrets_under_80_bits_parse_only_with_the_short_secrets_opt_in() {
    let short = ParseOptions::new().short_secrets(true);
    for (secret, bytes) in [
        ("ME", &b"a"[..]),
        ("PB4XU", b"xyz"),
        ("JBSWY3DPEHPK3PA", b"Hello!\xde\xad\xbc"),
    ] {
        let uri = format!("otpauth://totp/a?secret={secret}");
        assert_eq!(
            KeyUri::parse(&uri),
            Err(UriError::Secret(SecretError::TooShort {
                bits: bytes.len() * 8,
                min_bits: 80
            })),
            "{secret}"
        );
        let parsed = KeyUri::parse_with(&uri, short).unwrap();
        assert_eq!(parsed.secret().expose_secret(), bytes, "{secret}");
        assert!(parsed.is_secret_below_rfc_minimum());
        // Written back and read again with the same option.
        assert_eq!(KeyUri::parse_with(&parsed.to_uri_string(), short), Ok(parsed));
    }
    // Nothing else changes: an empty secret is still missing, bad base32 still refused.
    assert_eq!(
        KeyUri::parse_with("otpauth://totp/a?secret=", short),
        Err(UriError::Missing(Param::Secret))
    );
    assert_eq!(
        KeyUri::parse_with("otpauth://totp/a?secret=PB4", short),
        Err(UriError::Secret(SecretError::InvalidLength { symbols: 3 }))
    );
}

#[test]
fn algorithm_is_read_in_any_case_and_parameters_in_any_order() {
    for (value, algorithm) in [
        ("sha1", Algorithm::Sha1),
        ("Sha256", Algorithm::Sha256),
        ("SHA512", Algorithm::Sha512),
        ("sha-256", Algorithm::Sha256),
    ] {
        let uri = parse(&format!(
            "otpauth://totp/a?period=60&algorithm={value}&digits=8&secret={KEY}"
        ));
        let params = totp_params(&uri);
        assert_eq!(params.algorithm(), algorithm, "{value}");
        assert_eq!((params.digits(), params.period()), (Digits::Eight, 60));
    }
    let names_in_upper_case = parse(&format!("otpauth://totp/a?SECRET={KEY}&Digits=7"));
    assert_eq!(totp_params(&names_in_upper_case).digits(), Digits::Seven);
}

#[test]
fn defaults_apply_when_parameters_are_absent() {
    let params = totp_params(&parse(&format!("otpauth://totp/a?secret={KEY}")));
    assert_eq!(params, twofactor::otp::TotpParams::default());
    let hotp = parse(&format!("otpauth://hotp/a?secret={KEY}&counter=0"));
    assert_eq!(
        *hotp.kind(),
        OtpKind::Hotp {
            params: twofactor::otp::HotpParams::default(),
            counter: 0
        }
    );
}

#[test]
fn unknown_parameters_are_kept_in_order_and_written_back() {
    let uri = parse(&format!(
        "otpauth://totp/Ex:a?z=last%20one&secret={KEY}&color=%23FF0000&issuer=Ex&flag&image=https%3A%2F%2Fe.com%2Fl.png&=orphan"
    ));
    assert_eq!(
        uri.extra_params().collect::<Vec<_>>(),
        [("z", "last one"), ("color", "#FF0000"), ("flag", "")]
    );
    assert_eq!(uri.image(), Some("https://e.com/l.png"));
    assert_eq!(
        *uri.to_uri_string(),
        format!(
            "otpauth://totp/Ex:a?secret={KEY}&issuer=Ex&image=https%3A%2F%2Fe.com%2Fl.png\
             &z=last%20one&color=%23FF0000&flag="
        )
    );
}

#[test]
fn parameters_of_the_other_type_are_kept_unchecked() {
    let totp = parse(&format!("otpauth://totp/a?secret={KEY}&counter=x"));
    assert_eq!(totp.extra_params().collect::<Vec<_>>(), [("counter", "x")]);
    let hotp = parse(&format!("otpauth://hotp/a?secret={KEY}&counter=1&period=0"));
    assert_eq!(hotp.extra_params().collect::<Vec<_>>(), [("period", "0")]);
}

#[test]
fn a_parameter_of_the_other_type_given_twice_is_refused() {
    // Unchecked, but still known: each known parameter appears at most once
    // (draft-andesco-otpauth-uri §3.4), in any case.
    refused(
        &format!("otpauth://totp/a?secret={KEY}&counter=1&Counter=2"),
        UriError::Duplicate(Param::Counter),
    );
    refused(
        &format!("otpauth://hotp/a?secret={KEY}&counter=1&period=30&period=30"),
        UriError::Duplicate(Param::Period),
    );
}

#[test]
fn by_default_a_disagreeing_issuer_parameter_wins_and_both_are_available() {
    let uri = parse(&format!(
        "otpauth://totp/Old%20Co:alice?secret={KEY}&issuer=New%20Co"
    ));
    assert_eq!(uri.issuer(), Some("New Co"));
    assert_eq!(uri.issuer_parameter(), Some("New Co"));
    assert_eq!(uri.label_issuer(), Some("Old Co"));
    assert!(uri.has_issuer_mismatch());
    // Written back as read, so that the disagreement survives a round trip.
    assert_eq!(KeyUri::parse(&uri.to_uri_string()).unwrap(), uri);
}

#[test]
fn strict_mode_refuses_a_disagreeing_issuer_only() {
    let strict = ParseOptions::new().strict_issuer(true);
    assert_eq!(
        KeyUri::parse_with(
            &format!("otpauth://totp/Old:alice?secret={KEY}&issuer=New"),
            strict
        ),
        Err(UriError::IssuerMismatch)
    );
    // Case matters: the names are shown as written.
    assert_eq!(
        KeyUri::parse_with(
            &format!("otpauth://totp/example:alice?secret={KEY}&issuer=Example"),
            strict
        ),
        Err(UriError::IssuerMismatch)
    );
    for agreeing in [
        format!("otpauth://totp/Example:alice?secret={KEY}&issuer=Example"),
        format!("otpauth://totp/Example:alice?secret={KEY}"),
        format!("otpauth://totp/alice?secret={KEY}&issuer=Example"),
        format!("otpauth://totp/alice?secret={KEY}"),
    ] {
        assert!(KeyUri::parse_with(&agreeing, strict).is_ok(), "{agreeing}");
    }
}

#[test]
fn white_space_around_the_uri_and_a_fragment_are_ignored() {
    let uri = parse(&format!(
        "  otpauth://totp/a?secret={KEY}&digits=8#ignored&digits=9\n"
    ));
    assert_eq!(totp_params(&uri).digits(), Digits::Eight);
}

#[test]
fn empty_issuer_and_image_count_as_absent() {
    let uri = parse(&format!("otpauth://totp/a?secret={KEY}&issuer=&image="));
    assert_eq!((uri.issuer(), uri.image()), (None, None));
}

#[test]
fn the_generators_compute_the_rfc_codes() {
    let totp = parse(&format!("otpauth://totp/a?secret={KEY}&digits=8"))
        .to_totp()
        .unwrap();
    assert_eq!(totp.generate(59).unwrap().to_string(), "94287082");
    let hotp_uri = parse(&format!("otpauth://hotp/a?secret={KEY}&counter=9"));
    assert!(hotp_uri.to_totp().is_none());
    let hotp = hotp_uri.to_hotp().unwrap();
    assert_eq!(hotp.generate(hotp_uri.counter().unwrap()).to_string(), "520489");
}

fn refused(uri: &str, expected: UriError) {
    assert_eq!(KeyUri::parse(uri), Err(expected), "{uri}");
}

#[test]
fn a_wrong_scheme_or_type_is_refused() {
    for uri in [
        "",
        "otpauth",
        "otpauth:/totp/a",
        "http://totp/a?secret=JBSWY3DPEHPK3PXP",
        "otpauth//totp/a",
    ] {
        refused(uri, UriError::Scheme);
    }
    for uri in [
        "otpauth://motp/a?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp:80/a?secret=JBSWY3DPEHPK3PXP",
        "otpauth:///a?secret=JBSWY3DPEHPK3PXP",
        "otpauth://?secret=JBSWY3DPEHPK3PXP",
    ] {
        refused(uri, UriError::Type);
    }
}

#[test]
fn a_bad_label_is_refused_naming_the_part() {
    let text = |field, problem| UriError::Text { field, problem };
    refused(
        &format!("otpauth://totp?secret={KEY}"),
        text(TextField::Account, TextProblem::Empty),
    );
    refused(
        &format!("otpauth://totp/?secret={KEY}"),
        text(TextField::Account, TextProblem::Empty),
    );
    refused(
        &format!("otpauth://totp/Example:?secret={KEY}"),
        text(TextField::Account, TextProblem::Empty),
    );
    refused(
        &format!("otpauth://totp/Example:%20?secret={KEY}"),
        text(TextField::Account, TextProblem::Empty),
    );
    refused(
        &format!("otpauth://totp/a:b:c?secret={KEY}"),
        text(TextField::Account, TextProblem::Colon),
    );
    refused(
        &format!("otpauth://totp/a%3Ab:c?secret={KEY}"),
        text(TextField::Account, TextProblem::Colon),
    );
    refused(
        &format!("otpauth://totp/a:b%0A?secret={KEY}"),
        text(TextField::Account, TextProblem::Control),
    );
    refused(
        &format!("otpauth://totp/a%00:b?secret={KEY}"),
        text(TextField::Issuer, TextProblem::Control),
    );
    refused(
        &format!("otpauth://totp/a:b?secret={KEY}&issuer=%E2%80%AEevil"),
        text(TextField::Issuer, TextProblem::Control),
    );
    refused(
        &format!("otpauth://totp/a:b?secret={KEY}&image=%1B"),
        text(TextField::Image, TextProblem::Control),
    );
}

#[test]
fn a_missing_parameter_is_refused_naming_it() {
    refused("otpauth://totp/a", UriError::Missing(Param::Secret));
    refused("otpauth://totp/a?issuer=b", UriError::Missing(Param::Secret));
    refused("otpauth://totp/a?secret=", UriError::Missing(Param::Secret));
    refused("otpauth://totp/a?secret=%20", UriError::Missing(Param::Secret));
    refused(
        &format!("otpauth://hotp/a?secret={KEY}"),
        UriError::Missing(Param::Counter),
    );
}

#[test]
fn a_duplicated_parameter_is_refused_naming_it() {
    for (param, value) in [
        (Param::Secret, KEY),
        (Param::Issuer, "x"),
        (Param::Algorithm, "SHA1"),
        (Param::Digits, "6"),
        (Param::Period, "30"),
        (Param::Image, "https://e.com/a.png"),
    ] {
        let name = param.as_str();
        refused(
            &format!(
                "otpauth://totp/a?secret={KEY}&{name}={value}&{}={value}",
                name.to_uppercase()
            ),
            UriError::Duplicate(param),
        );
    }
    refused(
        &format!("otpauth://hotp/a?secret={KEY}&counter=1&counter=1"),
        UriError::Duplicate(Param::Counter),
    );
    // Even when the second one is empty.
    refused(
        &format!("otpauth://totp/a?secret={KEY}&secret="),
        UriError::Duplicate(Param::Secret),
    );
}

#[test]
fn bad_values_are_refused_naming_the_parameter() {
    let totp = |query: &str| format!("otpauth://totp/a?secret={KEY}&{query}");
    for digits in ["5", "9", "0", "", "six", "-6", "+6", " 6", "6.0", "256", "262"] {
        refused(&totp(&format!("digits={digits}")), UriError::Digits);
    }
    for period in ["0", "", "-30", "+30", "30s", "1e2", "18446744073709551616"] {
        refused(&totp(&format!("period={period}")), UriError::Period);
    }
    for algorithm in ["", "MD5", "SHA3", "sha1%20", "SHA%201"] {
        refused(&totp(&format!("algorithm={algorithm}")), UriError::Algorithm);
    }
    for counter in ["", "-1", "+1", "0x10", "18446744073709551616", "1%20"] {
        refused(
            &format!("otpauth://hotp/a?secret={KEY}&counter={counter}"),
            UriError::Counter,
        );
    }
    let max = parse(&format!(
        "otpauth://hotp/a?secret={KEY}&counter=18446744073709551615"
    ));
    assert_eq!(max.counter(), Some(u64::MAX));
    let long_period = parse(&totp("period=18446744073709551615"));
    assert_eq!(totp_params(&long_period).period(), u64::MAX);
}

#[test]
fn an_invalid_secret_is_refused_with_the_secret_error() {
    refused(
        "otpauth://totp/a?secret=GEZDGNBVGY3TQOJ1",
        UriError::Secret(SecretError::InvalidCharacter { position: 15 }),
    );
    refused(
        "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQG",
        UriError::Secret(SecretError::InvalidLength { symbols: 17 }),
    );
    refused(
        "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGZ",
        UriError::Secret(SecretError::NonCanonical),
    );
    let too_long = "A".repeat(8 * 26);
    refused(
        &format!("otpauth://totp/a?secret={too_long}"),
        UriError::Secret(SecretError::TooLong { max_bits: 1024 }),
    );
}

#[test]
fn bad_percent_encoding_is_refused() {
    for uri in [
        format!("otpauth://totp/a%zz?secret={KEY}"),
        format!("otpauth://totp/a%C3?secret={KEY}"),
        format!("otpauth://totp/a?secret={KEY}&issuer=%"),
        format!("otpauth://totp/a?secret={KEY}&x=%FF"),
        format!("otpauth://totp/a?secret={KEY}%2"),
        format!("otpauth://totp/a?secret=%FF{KEY}"),
    ] {
        refused(&uri, UriError::Encoding);
    }
}

#[test]
fn errors_name_the_problem_and_never_carry_the_secret() {
    let errors = [
        KeyUri::parse(&format!("otpauth://totp/a?secret={KEY}&digits=9")),
        KeyUri::parse(&format!("otpauth://totp/a?secret={KEY}1")),
        KeyUri::parse(&format!("otpauth://totp/a?secret={KEY}&secret={KEY}")),
        KeyUri::parse(&format!("otpauth://xotp/a?secret={KEY}")),
    ];
    let messages = [
        "the digit count is not 6, 7 or 8",
        "invalid secret",
        "the `secret` parameter appears more than once",
        "the OTP type is neither totp nor hotp",
    ];
    for (error, message) in errors.into_iter().zip(messages) {
        let error = error.unwrap_err();
        assert_eq!(error.to_string(), message);
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(
                !text.contains(KEY) && !text.contains(&KEY.to_lowercase()[..8]),
                "{text}"
            );
        }
    }
    // The cause is the source, not part of the message, and carries no secret either.
    let error = KeyUri::parse(&format!("otpauth://totp/a?secret={KEY}1")).unwrap_err();
    let source = core::error::Error::source(&error).unwrap().to_string();
    assert_eq!(source, "secret is not base32: invalid character at byte 32");
    assert!(!source.contains(KEY) && !source.contains(&KEY.to_lowercase()[..8]));
    let source = KeyUri::parse("otpauth://totp/a?secret=AA").unwrap_err();
    assert!(core::error::Error::source(&source).is_some());
}
