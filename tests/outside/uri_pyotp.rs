//! Agreement with an outside parser: the crate's URIs fed to `pyotp.parse_uri` (Python) give back
//! the same secret, issuer, account and parameters, and URIs that pyotp builds parse here to the
//! fields pyotp was given.
//!
//! Needs `python3` with `pyotp` (`pip install pyotp`). Without it the tests fail when `CI=true`,
//! and are otherwise reported as ignored (`tests/harness/mod.rs`).
//!
//! Where pyotp (2.12.0 when this was written) and the crate read the same text differently, the
//! difference is pinned by `documented_disagreements_with_pyotp` below. The first five never
//! concern a URI the crate writes; the next two do, for parameters outside what pyotp supports:
//! * a `%3A` label separator: pyotp keeps it as part of the account name (pyotp issue #174);
//!   the Key URI format, and the crate, read it as the separator;
//! * spaces after the label's colon: pyotp keeps them in the account name; the crate drops them;
//! * an issuer prefix that differs from the `issuer` parameter: pyotp refuses the URI; the
//!   crate accepts it by default, with the parameter winning, and refuses it in strict mode;
//! * `algorithm` in lower case (`sha256`): pyotp refuses it; the crate reads any case;
//! * an HOTP URI without `counter`: pyotp starts at 0; the crate refuses it, as the format
//!   requires the parameter;
//! * a secret under 112 bits: pyotp refuses it; the crate reads secrets from 80 bits up (other
//!   services issue them) and reports those under RFC 4226's 128 bits;
//! * a period over 120 seconds: pyotp refuses it; the crate allows any period from 1 second
//!   (both refuse 0);
//! * `encoder=steam`: pyotp makes Steam's 5-character codes; the crate keeps `encoder` as an
//!   unknown parameter and reads a standard TOTP URI;
//! * pyotp drops `image` and unknown parameters; the crate keeps them.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::unwrap_in_result)]

use std::io::Write;
use std::process::{Command, Stdio};

use twofactor::otp::{Algorithm, Digits, HotpParams, TotpParams};
use twofactor::uri::{BuildOptions, OtpKind, ParseOptions, UriError};
use twofactor::{KeyUri, Secret};

/// Reads requests on stdin, one a line, fields hex-encoded UTF-8 and separated by tabs:
/// `P uri` parses with `pyotp.parse_uri` and answers the class (`totp`, `hotp`, `steam`), secret,
/// issuer, name, digits, digest and interval or initial count; `B kind secret name issuer digits algorithm
/// interval-or-counter` builds with pyotp's `provisioning_uri`. Answers one line each: `OK`
/// and the hex fields, or `ERR` and the exception's message.
const SCRIPT: &str = r#"
import sys
try:
    import pyotp
except ImportError:
    sys.exit(3)
from importlib.metadata import version
print(version("pyotp"), file=sys.stderr)
NONE = "~"
def h(value):
    return NONE if value is None else str(value).encode().hex()
def u(field):
    return bytes.fromhex(field).decode()
for line in sys.stdin.read().splitlines():
    mode, *fields = line.split("\t")
    try:
        if mode == "P":
            otp = pyotp.parse_uri(u(fields[0]))
            hotp = isinstance(otp, pyotp.HOTP)
            out = [type(otp).__name__.lower(), otp.secret, otp.issuer, otp.name, otp.digits,
                   otp.digest().name, otp.initial_count if hotp else otp.interval]
            print("OK\t" + "\t".join(h(f) for f in out))
        else:
            kind, secret, name, issuer, digits, algorithm, number = (u(f) for f in fields)
            digest = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}[algorithm]
            import hashlib
            if kind == "totp":
                otp = pyotp.TOTP(secret, digits=int(digits), digest=getattr(hashlib, digest),
                                 interval=int(number))
                uri = otp.provisioning_uri(name=name, issuer_name=issuer)
            else:
                otp = pyotp.HOTP(secret, digits=int(digits), digest=getattr(hashlib, digest))
                uri = otp.provisioning_uri(name=name, issuer_name=issuer, initial_count=int(number))
            print("OK\t" + h(uri))
    except Exception as error:
        print("ERR\t" + h(type(error).__name__ + ": " + str(error)))
"#;

/// pyotp's answer to one request.
type Answer = Result<Vec<Option<String>>, String>;

/// Runs the script on `requests`; `None` when pyotp is not installed outside CI.
fn pyotp(requests: &[Vec<String>]) -> Option<Vec<Answer>> {
    let hex = |text: &str| text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let input: String = requests
        .iter()
        .map(|fields| {
            let (mode, rest) = fields.split_first().unwrap();
            let rest: Vec<String> = rest.iter().map(|f| hex(f)).collect();
            format!("{mode}\t{}\n", rest.join("\t"))
        })
        .collect();
    let child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => return unavailable(&format!("python3 could not be started: {error}")),
    };
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.code() == Some(3) {
        return unavailable("pyotp cannot be imported");
    }
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("pyotp version {}", String::from_utf8_lossy(&output.stderr).trim());
    let unhex = |field: &str| -> Option<String> {
        (field != "~").then(|| {
            let bytes = (0..field.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&field[i..i + 2], 16).unwrap())
                .collect();
            String::from_utf8(bytes).unwrap()
        })
    };
    let answers: Vec<Answer> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut fields = line.split('\t');
            match fields.next() {
                Some("OK") => Ok(fields.map(unhex).collect()),
                _ => Err(unhex(fields.next().unwrap()).unwrap()),
            }
        })
        .collect();
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    Some(answers)
}

fn unavailable(why: &str) -> Option<Vec<Answer>> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{why}: CI must run the pyotp agreement tests (pip install pyotp)"
    );
    // Written to the stderr handle itself, which the test harness does not capture, so that
    // the skip shows in a plain `cargo test`.
    let banner = "=".repeat(64);
    let _ = writeln!(
        std::io::stderr(),
        "\n{banner}\nSKIPPED: pyotp not installed ({why}); `pip install pyotp`\n{banner}"
    );
    None
}

fn secret(text: &str) -> Secret {
    Secret::from_base32_legacy(text).unwrap()
}

/// 160, 128, 256 and 512-bit secrets (pyotp refuses secrets under 112 bits).
const SECRETS: [&str; 4] = [
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "GEZDGNBVGY3TQOJQGEZDGNBVGY",
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
];

/// Names that stress the encoding: spaces, reserved characters, Unicode.
const NAMES: [(&str, &str); 12] = [
    ("Example Co", "alice@example.com"),
    ("ACME", "bob"),
    ("École Polytechnique", "Zoë Ångström"),
    ("東京銀行", "山田太郎"),
    ("😀 Emoji Inc", "🐱‍👤 ninja"),
    ("A&B?C#D%E+F=G", "x&y?z#%+=w"),
    ("Slash/Back\\slash", "a/b\\c"),
    ("Semi;colon,comma", "quote\"'apostrophe"),
    ("  Spaces  Around  ", "trailing space "),
    ("100% Legit", "user+tag@example.com"),
    ("Ünïcödé ∑ ≠ ∞", "mixed ASCII and ümlaut"),
    ("Tilde~Dash-Dot.Under_score", "~-._"),
];

/// Several dozen URIs the crate builds: every algorithm, digits 6, 7 and 8, several periods,
/// HOTP counters, Unicode and reserved characters in names, with and without the defaults
/// (within what pyotp supports: secrets of 112 bits and more, periods up to 120 s).
fn crate_uris() -> Vec<(KeyUri, BuildOptions)> {
    let mut uris = Vec::new();
    let defaults = BuildOptions::new();
    let all = BuildOptions::new().emit_defaults(true);
    for (i, algorithm) in Algorithm::ALL.into_iter().enumerate() {
        for digits in [6, 8] {
            for period in [30, 60, 15] {
                let params = TotpParams::builder()
                    .algorithm(algorithm)
                    .digits(digits)
                    .period(period);
                let uri = KeyUri::totp(
                    secret(SECRETS[i]),
                    params.build().unwrap(),
                    "Example Co",
                    "alice@example.com",
                );
                uris.push((uri.unwrap(), if period == 15 { all } else { defaults }));
            }
        }
        for counter in [0, 1, 42, 1_000_000, u64::MAX] {
            let params = HotpParams {
                algorithm,
                digits: Digits::Eight,
            };
            let uri = KeyUri::hotp(secret(SECRETS[(i + 1) % 4]), params, counter, "ACME", "bob").unwrap();
            uris.push((uri, if counter == 42 { all } else { defaults }));
        }
    }
    for (i, (issuer, account)) in NAMES.into_iter().enumerate() {
        let params = TotpParams::builder()
            .digits(if i % 3 == 0 { 7 } else { 6 })
            .build()
            .unwrap();
        let uri = KeyUri::totp(secret(SECRETS[i % 4]), params, issuer, account).unwrap();
        uris.push((uri, defaults));
        let hotp = KeyUri::hotp(
            secret(SECRETS[(i + 2) % 4]),
            HotpParams::default(),
            i as u64,
            issuer,
            account,
        );
        uris.push((hotp.unwrap(), all));
    }
    let decorated = KeyUri::totp(secret(SECRETS[0]), TotpParams::default(), "Example", "carol")
        .unwrap()
        .with_image("https://example.com/logo.png?size=64&fmt=png")
        .unwrap()
        .with_extra_param("color", "#00ff00")
        .unwrap()
        .with_extra_param("lock", "true")
        .unwrap();
    uris.push((decorated, defaults));
    uris
}

fn expected_fields(uri: &KeyUri) -> Vec<Option<String>> {
    let (kind, algorithm, digits, number) = match *uri.kind() {
        OtpKind::Totp(params) => ("totp", params.algorithm(), params.digits(), params.period()),
        OtpKind::Hotp { params, counter } => ("hotp", params.algorithm, params.digits, counter),
        other => panic!("a kind pyotp does not make: {other:?}"),
    };
    [
        kind.to_owned(),
        uri.secret().to_base32().to_string(),
        uri.issuer().unwrap().to_owned(),
        uri.account().to_owned(),
        digits.get().to_string(),
        algorithm.as_str().to_lowercase(),
        number.to_string(),
    ]
    .into_iter()
    .map(Some)
    .collect()
}

fn pyotp_parses_the_crates_uris_to_the_same_fields() {
    let uris = crate_uris();
    assert!(uris.len() >= 48, "several dozen URIs: {}", uris.len());
    let requests: Vec<Vec<String>> = uris
        .iter()
        .map(|(uri, options)| vec!["P".to_owned(), uri.to_uri_string_with(*options).to_string()])
        .collect();
    let Some(answers) = pyotp(&requests) else { return };
    for ((uri, options), answer) in uris.iter().zip(answers) {
        let text = uri.to_uri_string_with(*options);
        let fields = answer.unwrap_or_else(|error| panic!("pyotp refused {}: {error}", *text));
        assert_eq!(fields, expected_fields(uri), "{}", *text);
    }
}

fn the_crate_parses_the_uris_pyotp_builds_to_the_same_fields() {
    let uris = crate_uris();
    let requests: Vec<Vec<String>> = uris
        .iter()
        .map(|(uri, _)| {
            let fields = expected_fields(uri);
            let field = |i: usize| fields[i].clone().unwrap();
            let algorithm = field(5).to_uppercase();
            vec![
                "B".to_owned(),
                field(0),
                field(1),
                field(3),
                field(2),
                field(4),
                algorithm,
                field(6),
            ]
        })
        .collect();
    let Some(answers) = pyotp(&requests) else { return };
    let strict = ParseOptions::new().strict_issuer(true);
    for ((uri, _), answer) in uris.iter().zip(answers) {
        let text = answer.unwrap().remove(0).unwrap();
        let parsed = KeyUri::parse_with(&text, strict).unwrap_or_else(|error| panic!("{text}: {error}"));
        assert_eq!(parsed.kind(), uri.kind(), "{text}");
        assert_eq!(parsed.secret(), uri.secret(), "{text}");
        assert_eq!(parsed.issuer(), uri.issuer(), "{text}");
        assert_eq!(parsed.label_issuer(), uri.label_issuer(), "{text}");
        assert_eq!(parsed.account(), uri.account(), "{text}");
    }
}

/// Every known difference, pinned on both sides so that a change in either shows up here.
fn documented_disagreements_with_pyotp() {
    const K: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let cases = [
        format!("otpauth://totp/Example%3Aalice?secret={K}&issuer=Example"),
        format!("otpauth://totp/Example:%20alice?secret={K}&issuer=Example"),
        format!("otpauth://totp/Old:alice?secret={K}&issuer=New"),
        format!("otpauth://totp/Example:alice?secret={K}&algorithm=sha256"),
        format!("otpauth://hotp/Example:alice?secret={K}"),
        "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example".to_owned(),
        format!("otpauth://totp/Example:alice?secret={K}&period=3600"),
        format!("otpauth://totp/Steam:alice?secret={K}&encoder=steam"),
    ];
    let requests: Vec<Vec<String>> = cases
        .iter()
        .map(|uri| vec!["P".to_owned(), uri.clone()])
        .collect();
    let Some(answers) = pyotp(&requests) else { return };
    let name = |answer: &Answer| answer.as_ref().unwrap()[3].clone().unwrap();
    let ours = |i: usize| KeyUri::parse(&cases[i]);

    // 1. `%3A` separator: pyotp keeps it in the name; here it separates.
    assert_eq!(name(&answers[0]), "Example:alice");
    assert_eq!(
        (ours(0).unwrap().label_issuer(), ours(0).unwrap().account()),
        (Some("Example"), "alice")
    );
    // 2. Spaces after the colon: pyotp keeps them; here they are dropped.
    assert_eq!(name(&answers[1]), " alice");
    assert_eq!(ours(1).unwrap().account(), "alice");
    // 3. Disagreeing issuers: pyotp refuses; here the parameter wins, and strict mode refuses.
    assert!(
        answers[2].as_ref().unwrap_err().contains("issuer"),
        "{:?}",
        answers[2]
    );
    assert_eq!(ours(2).unwrap().issuer(), Some("New"));
    assert_eq!(
        KeyUri::parse_with(&cases[2], ParseOptions::new().strict_issuer(true)),
        Err(UriError::IssuerMismatch)
    );
    // 4. Lower-case algorithm: pyotp refuses; here it is read.
    assert!(
        answers[3].as_ref().unwrap_err().contains("algorithm"),
        "{:?}",
        answers[3]
    );
    assert!(matches!(ours(3).unwrap().kind(), OtpKind::Totp(p) if p.algorithm() == Algorithm::Sha256));
    // 5. HOTP without a counter: pyotp starts at 0; here it is refused.
    assert_eq!(answers[4].as_ref().unwrap()[6].as_deref(), Some("0"));
    assert_eq!(ours(4), Err(UriError::Missing(twofactor::uri::Param::Counter)));
    // 6. An 80-bit secret: pyotp refuses it; here it is read and reported.
    assert!(
        answers[5].as_ref().unwrap_err().contains("112 bits"),
        "{:?}",
        answers[5]
    );
    assert!(ours(5).unwrap().is_secret_below_rfc_minimum());
    // 7. A period of an hour: pyotp refuses it; here it is read.
    assert!(
        answers[6].as_ref().unwrap_err().contains("interval"),
        "{:?}",
        answers[6]
    );
    assert!(matches!(ours(6).unwrap().kind(), OtpKind::Totp(p) if p.period() == 3600));
    // 8. Steam: pyotp makes a Steam generator; here a standard TOTP URI whose `encoder` is kept
    //    as an unknown parameter.
    assert_eq!(answers[7].as_ref().unwrap()[0].as_deref(), Some("steam"));
    let steam = ours(7).unwrap();
    assert_eq!(steam.extra_params().collect::<Vec<_>>(), [("encoder", "steam")]);
    assert!(matches!(steam.kind(), OtpKind::Totp(p) if p.digits() == Digits::Six));
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![
        trial!(Pyotp, fn pyotp_parses_the_crates_uris_to_the_same_fields),
        trial!(Pyotp, fn the_crate_parses_the_uris_pyotp_builds_to_the_same_fields),
        trial!(Pyotp, fn documented_disagreements_with_pyotp),
    ]
}
