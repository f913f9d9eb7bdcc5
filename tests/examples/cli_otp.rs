//! The `otp` example, run for real: the binary is built by Cargo with the same features as this
//! test and executed with arguments, and its standard output, standard error and exit status are
//! checked.
//!
//! Integration tests get `CARGO_BIN_EXE_<name>` for binaries but not for examples, so the first
//! test to need the binary runs `cargo build --example otp --message-format=json` and takes the
//! executable's path from Cargo's own report: no guess about the target directory, the profile or
//! a `--target` triple. Under `cargo test`, which builds the examples before running the tests,
//! that build finds everything fresh and takes a fraction of a second.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};
use twofactor::Secret;

/// The crate's features that this test was compiled with, passed on to the example's build so
/// that it reuses the artifacts `cargo test` made (a feature missing here costs only a rebuild).
fn enabled_features() -> String {
    [
        ("default", cfg!(feature = "default")),
        ("std", cfg!(feature = "std")),
        ("alloc", cfg!(feature = "alloc")),
        ("qr", cfg!(feature = "qr")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect::<Vec<_>>()
    .join(",")
}

fn otp_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let output = Command::new(env!("CARGO"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--example", "otp", "--message-format=json"])
            .args(["--no-default-features", "--features", &enabled_features()])
            // `cargo test --release` builds the example optimised too; reuse that build.
            .args((!cfg!(debug_assertions)).then_some("--release"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo build");
        assert!(output.status.success(), "cargo build --example otp failed");
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|message| {
                message["reason"] == "compiler-artifact"
                    && message["target"]["name"] == "otp"
                    && message["target"]["kind"] == json!(["example"])
            })
            .and_then(|artifact| artifact["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported the example's executable")
    })
}

/// What a run printed and how it ended.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn bytes(args: &[&str]) -> Output {
        Command::new(otp_binary())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run the otp example")
    }

    fn new(args: &[&str]) -> Self {
        let output = Self::bytes(args);
        Self {
            status: output.status.code().expect("exited, not killed by a signal"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Asserts exit status 0 and no output on standard error; gives standard output.
    fn ok(args: &[&str]) -> String {
        let run = Self::new(args);
        assert_eq!(
            (run.status, run.stderr.as_str()),
            (0, ""),
            "otp {args:?} failed; stdout: {}",
            run.stdout
        );
        run.stdout
    }

    /// Asserts the exit status and nothing on standard output; gives standard error.
    fn fails(args: &[&str], status: i32) -> String {
        let run = Self::new(args);
        assert_eq!(run.status, status, "otp {args:?}; stderr: {}", run.stderr);
        assert_eq!(run.stdout, "", "otp {args:?} printed a result");
        run.stderr
    }
}

const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/// The 80-bit secret of many examples ("Hello!\xde\xad\xbe\xef").
const SHORT_KEY: &str = "JBSWY3DPEHPK3PXP";
const SHORT_WARNING: &str = "warning: the secret is 80 bits; RFC 4226 requires at least 128\n";

// ---- code ----------------------------------------------------------------------------------

#[test]
fn code_prints_the_rfc_6238_example_exactly() {
    let stdout = Run::ok(&["code", "--secret", RFC_KEY, "--time", "59", "--digits", "8"]);
    assert_eq!(stdout, "94287082\n");
}

#[test]
fn code_matches_every_rfc_6238_vector() {
    let rows = common::read_vectors("rfc6238.tsv");
    let mut algorithms = Vec::new();
    for row in &rows {
        let stdout = Run::ok(&[
            "code",
            "--secret",
            row.get("key_base32"),
            "--algorithm",
            row.get("algo"),
            "--digits",
            row.get("digits"),
            "--period",
            row.get("period"),
            "--time",
            row.get("time"),
        ]);
        assert_eq!(
            stdout.trim_end(),
            row.get("totp"),
            "{} at {}",
            row.get("algo"),
            row.get("time")
        );
        if row.get("time") == "1111111109" {
            algorithms.push(row.get("algo").to_owned());
        }
    }
    assert_eq!(algorithms, ["sha1", "sha256", "sha512"]);
}

#[test]
fn code_accepts_algorithm_names_in_any_case_and_with_a_hyphen() {
    let key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    for name in ["SHA256", "sha-256", "Sha-256"] {
        let args = [
            "code",
            "--secret",
            key,
            "--algorithm",
            name,
            "--digits",
            "8",
            "--time",
            "59",
        ];
        assert_eq!(Run::ok(&args), "46119246\n", "{name}");
    }
}

#[test]
fn code_matches_the_rfc_4226_hotp_values_for_counters_0_to_9() {
    let rows = common::read_vectors("rfc4226.tsv");
    assert_eq!(rows.len(), 10);
    for row in &rows {
        let args = [
            "code",
            "--secret",
            row.get("key_base32"),
            "--hotp",
            "--counter",
            row.get("counter"),
        ];
        assert_eq!(
            Run::ok(&args).trim_end(),
            row.get("hotp"),
            "counter {}",
            row.get("counter")
        );
    }
}

#[test]
fn code_reads_secrets_leniently() {
    let args = [
        "code",
        "--secret",
        "gezd gnbv gy3t qojq gezd gnbv gy3t qojq===",
        "--time",
        "59",
    ];
    assert_eq!(Run::ok(&args), "287082\n");
}

#[test]
fn code_at_the_current_time_is_the_one_for_now() {
    // Generated and checked within the same 30 s step, or the next one if the clock ticked.
    let before = twofactor::otp::unix_time_now().unwrap();
    let code = Run::ok(&["code", "--secret", RFC_KEY]);
    let after = twofactor::otp::unix_time_now().unwrap();
    let totp = twofactor::Totp::new(&Secret::from_base32(RFC_KEY).unwrap(), Default::default());
    let expected: Vec<String> = [before, after]
        .iter()
        .map(|&t| format!("{}\n", totp.generate(t).unwrap()))
        .collect();
    assert!(expected.contains(&code), "{code:?} not in {expected:?}");
}

#[test]
fn an_80_bit_secret_gives_a_warning_and_the_code_oathtool_gives() {
    let run = Run::new(&["code", "--secret", SHORT_KEY, "--time", "59"]);
    assert_eq!((run.status, run.stderr.as_str()), (0, SHORT_WARNING));
    // The value oathtool 2.6 prints for `oathtool --totp -N @59 --base32 JBSWY3DPEHPK3PXP`.
    assert_eq!(run.stdout, "996554\n");

    match Command::new("oathtool")
        .args(["--totp", "-N", "@59", "--base32", SHORT_KEY])
        .output()
    {
        Ok(oathtool) => {
            assert!(oathtool.status.success(), "oathtool failed");
            assert_eq!(String::from_utf8(oathtool.stdout).unwrap(), run.stdout);
        }
        Err(error) if common::in_ci() => panic!("oathtool is required in CI: {error}"),
        Err(error) => eprintln!("\n*** SKIPPED: the oathtool cross-check ({error}); install oathtool ***\n"),
    }
}

#[test]
fn a_128_bit_secret_gives_no_warning() {
    let run = Run::new(&[
        "code",
        "--secret",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "--time",
        "59",
    ]);
    assert_eq!((run.status, run.stderr.as_str()), (0, ""));
}

// ---- verify --------------------------------------------------------------------------------

#[test]
fn verify_prints_the_matched_step_and_drift() {
    // The code of 1111111109 (step 37037036), checked one step later.
    let args = [
        "verify",
        "--secret",
        RFC_KEY,
        "--digits",
        "8",
        "--time",
        "1111111139",
        "--code",
        "07081804",
    ];
    assert_eq!(Run::ok(&args), "ok: step 37037036, drift -1\n");
    let now = [
        "verify",
        "--secret",
        RFC_KEY,
        "--digits",
        "8",
        "--time",
        "1111111109",
        "--code",
        "0708 1804",
    ];
    assert_eq!(Run::ok(&now), "ok: step 37037036, drift 0\n");
}

#[test]
fn verify_honours_the_window() {
    let base = [
        "verify", "--secret", RFC_KEY, "--digits", "8", "--code", "07081804",
    ];
    // Two steps later: outside the default window, inside --past 2.
    let later = [&base[..], &["--time", "1111111169"]].concat();
    assert_eq!(Run::fails(&later, 1), "wrong code\n");
    let wider = [&later[..], &["--past", "2"]].concat();
    assert_eq!(Run::ok(&wider), "ok: step 37037036, drift -2\n");
    // One step earlier: inside the default window, outside --future 0.
    let earlier = [&base[..], &["--time", "1111111079"]].concat();
    assert_eq!(Run::ok(&earlier), "ok: step 37037036, drift 1\n");
    let strict = [&earlier[..], &["--future", "0"]].concat();
    assert_eq!(Run::fails(&strict, 1), "wrong code\n");
}

#[test]
fn verify_refuses_a_wrong_code_with_status_1() {
    let args = [
        "verify", "--secret", RFC_KEY, "--time", "59", "--digits", "8", "--code", "94287083",
    ];
    assert_eq!(Run::fails(&args, 1), "wrong code\n");
}

#[test]
fn verify_refuses_a_malformed_code_with_status_1_and_says_why() {
    // A malformed code is a code not accepted, like a wrong one: status 1, its own message.
    for (code, why) in [
        ("1234567", "the code has 7 digits; 8 are expected"),
        ("9428708x", "the code has an invalid character at byte 7"),
        ("  ", "no code was entered"),
    ] {
        let args = [
            "verify", "--secret", RFC_KEY, "--time", "59", "--digits", "8", "--code", code,
        ];
        assert_eq!(
            Run::fails(&args, 1),
            format!("malformed code: {why}\n"),
            "{code:?}"
        );
    }
}

#[test]
fn verify_hotp_prints_the_matched_and_next_counters() {
    // RFC 4226: counter 3 is 969429; searched from counter 2 with a look-ahead of 1.
    let args = [
        "verify",
        "--secret",
        RFC_KEY,
        "--hotp",
        "--counter",
        "2",
        "--code",
        "969429",
    ];
    assert_eq!(Run::ok(&args), "ok: counter 3, next counter 4\n");
    let behind = [
        "verify",
        "--secret",
        RFC_KEY,
        "--hotp",
        "--counter",
        "4",
        "--code",
        "969429",
    ];
    assert_eq!(Run::fails(&behind, 1), "wrong code\n");
    let far = [
        "verify",
        "--secret",
        RFC_KEY,
        "--hotp",
        "--counter",
        "0",
        "--code",
        "969429",
    ];
    assert_eq!(Run::fails(&far, 1), "wrong code\n");
    let wider = [&far[..], &["--future", "3"]].concat();
    assert_eq!(Run::ok(&wider), "ok: counter 3, next counter 4\n");
}

#[test]
fn verify_accepts_an_80_bit_secret_with_a_warning() {
    let run = Run::new(&[
        "verify", "--secret", SHORT_KEY, "--time", "59", "--code", "996554",
    ]);
    assert_eq!(
        (run.status, run.stdout.as_str(), run.stderr.as_str()),
        (0, "ok: step 1, drift 0\n", SHORT_WARNING)
    );
}

// ---- bad arguments: status 2 ---------------------------------------------------------------

#[test]
fn nine_digits_is_a_usage_error_that_says_what_is_allowed() {
    let stderr = Run::fails(&["code", "--secret", RFC_KEY, "--digits", "9"], 2);
    assert!(
        stderr.contains("invalid value '9' for '--digits <N>'"),
        "{stderr}"
    );
    assert!(stderr.contains("codes have 6, 7 or 8 digits"), "{stderr}");
}

#[test]
fn bad_arguments_exit_with_status_2_and_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "Usage: otp <COMMAND>"),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (&["code"], "--secret <BASE32>"),
        (
            &["code", "--secret", RFC_KEY, "--algorithm", "md5"],
            "expected sha1, sha256 or sha512",
        ),
        (
            &["code", "--secret", RFC_KEY, "--period", "0"],
            "the period is at least 1 second",
        ),
        (
            &["code", "--secret", RFC_KEY, "--period", "1.5"],
            "a whole number of seconds",
        ),
        (
            &["code", "--secret", RFC_KEY, "--time", "yesterday"],
            "--time <UNIX_SECONDS>",
        ),
        (&["code", "--secret", RFC_KEY, "--hotp"], "--counter <N>"),
        (&["code", "--secret", RFC_KEY, "--counter", "1"], "--hotp"),
        (
            &[
                "code",
                "--secret",
                RFC_KEY,
                "--hotp",
                "--counter",
                "1",
                "--time",
                "5",
            ],
            "cannot be used with",
        ),
        (
            &[
                "code",
                "--secret",
                RFC_KEY,
                "--hotp",
                "--counter",
                "1",
                "--period",
                "60",
            ],
            "cannot be used with",
        ),
        (&["verify", "--secret", RFC_KEY], "--code <CODE>"),
        (
            &["verify", "--secret", RFC_KEY, "--code", "1", "--past", "11"],
            "window wider than 10 steps",
        ),
        (
            &["verify", "--secret", RFC_KEY, "--code", "1", "--future", "11"],
            "window wider than 10 steps",
        ),
        (
            &[
                "verify",
                "--secret",
                RFC_KEY,
                "--code",
                "1",
                "--hotp",
                "--counter",
                "0",
                "--past",
                "1",
            ],
            "cannot be used with",
        ),
        (&["uri", "--issuer", "Example"], "--account <NAME>"),
        (
            &["uri", "--issuer", "Ex:ample", "--account", "alice"],
            "the issuer contains a colon",
        ),
        (
            &["uri", "--issuer", "Example", "--account", ""],
            "the account name is empty",
        ),
        (&["parse-uri"], "<URI>"),
        (
            &["secret", "--algorithm", "sha3"],
            "expected sha1, sha256 or sha512",
        ),
    ];
    for (args, message) in cases {
        let stderr = Run::fails(args, 2);
        assert!(
            stderr.contains(message),
            "otp {args:?}: {stderr:?} lacks {message:?}"
        );
    }
}

#[test]
fn a_bad_secret_is_a_usage_error_that_does_not_repeat_the_secret() {
    for (secret, why) in [
        (
            "JBSWY3DPEHPK3PX!",
            "secret is not base32: invalid character at byte 15",
        ),
        ("JBSWY3DP", "secret is 40 bits long; at least 80 are required"),
        (
            "JBSWY3DPEHPK3PXPJ",
            "secret is not base32: 17 characters is not a valid length",
        ),
    ] {
        let stderr = Run::fails(&["code", "--secret", secret, "--time", "59"], 2);
        assert!(
            stderr.starts_with(&format!("error: --secret: {why}\n")),
            "{stderr}"
        );
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

// ---- uri and parse-uri ---------------------------------------------------------------------

fn parse_uri_json(uri: &str) -> Value {
    let stdout = Run::ok(&["parse-uri", uri]);
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}"))
}

#[test]
fn uri_then_parse_uri_gives_back_every_field_exactly() {
    // Quotes, a back-slash, an ampersand, accents and an emoji test the URI's percent-encoding
    // and the JSON's escaping alike.
    let issuer = r#"Ex "quoted" \ & Çö 🔐"#;
    let account = "ali\"ce@example.com";
    let uri = Run::ok(&[
        "uri",
        "--issuer",
        issuer,
        "--account",
        account,
        "--secret",
        "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
        "--algorithm",
        "sha512",
        "--digits",
        "8",
        "--period",
        "60",
    ]);
    let uri = uri.strip_suffix('\n').unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Ex%20%22quoted%22%20%5C%20%26%20"),
        "{uri}"
    );
    assert_eq!(
        parse_uri_json(uri),
        json!({
            "type": "totp",
            "issuer": issuer,
            "account": account,
            "secret": RFC_KEY,
            "algorithm": "SHA512",
            "digits": 8,
            "period": 60,
            "counter": null,
        })
    );
}

#[test]
fn parse_uri_writes_the_keys_in_the_documented_order() {
    let stdout = Run::ok(&[
        "parse-uri",
        &format!("otpauth://totp/Example:alice?secret={RFC_KEY}&issuer=Example"),
    ]);
    assert_eq!(
        stdout,
        format!(
            "{{\"type\":\"totp\",\"issuer\":\"Example\",\"account\":\"alice\",\"secret\":\"{RFC_KEY}\",\
             \"algorithm\":\"SHA1\",\"digits\":6,\"period\":30,\"counter\":null}}\n"
        )
    );
}

#[test]
fn uri_builds_hotp_uris_and_parse_uri_reads_them() {
    let uri = Run::ok(&[
        "uri",
        "--issuer",
        "Example",
        "--account",
        "bob",
        "--secret",
        RFC_KEY,
        "--hotp",
        "--counter",
        "7",
    ]);
    assert_eq!(
        uri,
        format!("otpauth://hotp/Example:bob?secret={RFC_KEY}&issuer=Example&counter=7\n")
    );
    assert_eq!(
        parse_uri_json(uri.trim_end()),
        json!({
            "type": "hotp", "issuer": "Example", "account": "bob", "secret": RFC_KEY,
            "algorithm": "SHA1", "digits": 6, "period": null, "counter": 7,
        })
    );
}

#[test]
fn parse_uri_of_an_hotp_uri_from_elsewhere_has_a_counter_and_no_period() {
    let json = parse_uri_json(&format!(
        "otpauth://hotp/ACME%20Co:john?secret={}&issuer=ACME%20Co&algorithm=SHA256&digits=7&counter=42",
        "hxdm vjec jjws rb3h wizr 4ifu gftm xboz"
    ));
    assert_eq!(
        json,
        json!({
            "type": "hotp", "issuer": "ACME Co", "account": "john",
            "secret": "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ", "algorithm": "SHA256", "digits": 7,
            "period": null, "counter": 42,
        })
    );
}

#[test]
fn parse_uri_takes_the_issuer_from_the_parameter_then_the_label_else_null() {
    let secret = RFC_KEY;
    let cases = [
        (format!("otpauth://totp/alice?secret={secret}"), Value::Null),
        (
            format!("otpauth://totp/Label:alice?secret={secret}"),
            json!("Label"),
        ),
        (
            format!("otpauth://totp/alice?secret={secret}&issuer=Param"),
            json!("Param"),
        ),
    ];
    for (uri, issuer) in cases {
        let json = parse_uri_json(&uri);
        assert_eq!(
            (&json["issuer"], &json["account"]),
            (&issuer, &json!("alice")),
            "{uri}"
        );
    }
}

#[test]
fn parse_uri_warns_when_the_label_and_the_parameter_disagree() {
    let run = Run::new(&[
        "parse-uri",
        &format!("otpauth://totp/Old:alice?secret={RFC_KEY}&issuer=New"),
    ]);
    assert_eq!(run.status, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap()["issuer"],
        "New"
    );
    assert_eq!(
        run.stderr,
        "warning: the label's issuer \"Old\" differs from the issuer parameter \"New\"; the parameter is used\n"
    );
}

#[test]
fn parse_uri_warns_about_an_80_bit_secret() {
    let run = Run::new(&["parse-uri", &format!("otpauth://totp/alice?secret={SHORT_KEY}")]);
    assert_eq!((run.status, run.stderr.as_str()), (0, SHORT_WARNING));
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap()["secret"],
        SHORT_KEY
    );
}

#[test]
fn parse_uri_of_garbage_exits_with_status_1_and_a_message() {
    for (uri, why) in [
        ("garbage", "not an otpauth:// URI"),
        (
            "otpauth://totp/alice?issuer=Example",
            "the URI has no `secret` parameter",
        ),
        (
            "otpauth://hotp/alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            "the URI has no `counter` parameter",
        ),
        (
            "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&digits=9",
            "the digit count is not 6, 7 or 8",
        ),
        ("otpauth://totp/alice?secret=NOT-BASE32", "invalid secret"),
        ("", "not an otpauth:// URI"),
    ] {
        let stderr = Run::fails(&["parse-uri", uri], 1);
        assert!(
            stderr.starts_with("error: the URI does not parse: ") && stderr.contains(why),
            "{uri}: {stderr}"
        );
    }
}

#[test]
fn uri_accepts_an_80_bit_secret_with_a_warning() {
    let run = Run::new(&[
        "uri",
        "--issuer",
        "Example",
        "--account",
        "alice",
        "--secret",
        SHORT_KEY,
    ]);
    assert_eq!((run.status, run.stderr.as_str()), (0, SHORT_WARNING));
    assert_eq!(
        run.stdout,
        format!("otpauth://totp/Example:alice?secret={SHORT_KEY}&issuer=Example\n")
    );
}

#[test]
fn uri_without_a_secret_generates_one_of_the_algorithms_length() {
    for (algorithm, bits) in [("sha1", 160), ("sha256", 256), ("sha512", 512)] {
        let uri = Run::ok(&[
            "uri",
            "--issuer",
            "Example",
            "--account",
            "alice",
            "--algorithm",
            algorithm,
        ]);
        let secret = parse_uri_json(uri.trim_end())["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(Secret::from_base32(&secret).unwrap().bits(), bits, "{algorithm}");
    }
}

// ---- secret --------------------------------------------------------------------------------

#[test]
fn secret_prints_a_fresh_160_bit_secret_by_default() {
    let first = Run::ok(&["secret"]);
    let text = first.strip_suffix('\n').unwrap();
    assert_eq!(text.len(), 32);
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{text}"
    );
    assert_eq!(Secret::from_base32(text).unwrap().bits(), 160);
    assert_ne!(Run::ok(&["secret"]), first, "two secrets in a row differ");
}

#[test]
fn secret_has_the_hmac_output_length_of_its_algorithm() {
    for (algorithm, bits) in [("sha1", 160), ("SHA-256", 256), ("sha512", 512)] {
        let text = Run::ok(&["secret", "--algorithm", algorithm]);
        assert_eq!(
            Secret::from_base32(text.trim_end()).unwrap().bits(),
            bits,
            "{algorithm}"
        );
    }
}

// ---- help ----------------------------------------------------------------------------------

#[test]
fn help_works_for_the_tool_and_every_subcommand() {
    let top = Run::ok(&["--help"]);
    assert!(top.contains("Usage: otp <COMMAND>"), "{top}");
    for command in ["code", "verify", "uri", "parse-uri", "qr", "secret"] {
        assert!(
            top.contains(&format!("\n  {command} ")),
            "{command} listed: {top}"
        );
        for help in [
            vec![command, "--help"],
            vec![command, "-h"],
            vec!["help", command],
        ] {
            let stdout = Run::ok(&help);
            assert!(
                stdout.contains(&format!("Usage: otp {command}")),
                "otp {help:?}: {stdout}"
            );
        }
    }
    assert!(Run::ok(&["--version"]).starts_with("otp "));
}

// ---- qr ------------------------------------------------------------------------------------

const QR_URI: &str = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example";

#[cfg(feature = "qr")]
fn scratch_file(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_otp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[cfg(feature = "qr")]
#[test]
fn qr_draws_half_blocks_for_the_terminal_by_default() {
    let text = Run::ok(&["qr", QR_URI]);
    assert!(
        text.contains('▀') && text.contains('▄') && text.contains('█'),
        "{text}"
    );
    let widths: Vec<usize> = text.lines().map(|line| line.chars().count()).collect();
    assert!(
        widths.len() > 10 && widths.iter().all(|&w| w == widths[0]),
        "{widths:?}"
    );
    assert_eq!(Run::ok(&["qr", QR_URI, "--format", "terminal"]), text);
}

#[cfg(feature = "qr")]
#[test]
fn qr_writes_an_svg_file_readable_by_its_owner_only() {
    let path = scratch_file("code.svg");
    let stdout = Run::ok(&["qr", QR_URI, "--format", "svg", "--out", path.to_str().unwrap()]);
    assert_eq!(stdout, "");
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }
    std::fs::remove_file(path).unwrap();
}

#[cfg(feature = "qr")]
#[test]
fn qr_writes_a_png_to_a_file_or_to_a_pipe() {
    let path = scratch_file("code.png");
    Run::ok(&["qr", QR_URI, "--format", "png", "--out", path.to_str().unwrap()]);
    let file = std::fs::read(&path).unwrap();
    assert!(file.starts_with(b"\x89PNG\r\n\x1a\n"));
    std::fs::remove_file(path).unwrap();
    // Standard output is a pipe here, not a terminal: the PNG is written to it.
    let piped = Run::bytes(&["qr", QR_URI, "--format", "png"]);
    assert!(piped.status.success());
    assert_eq!(piped.stdout, file);
}

#[cfg(all(feature = "qr", unix))]
#[test]
fn qr_refuses_to_write_a_png_to_a_terminal() {
    // util-linux's `script` runs the command on a pseudo-terminal; `-e` returns its status.
    let command = format!("'{}' qr '{QR_URI}' --format png", otp_binary().display());
    let Ok(output) = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
    else {
        return eprintln!("\n*** SKIPPED: no `script` (util-linux) to give the tool a terminal ***\n");
    };
    let shown = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("error: a PNG is binary: write it with --out FILE"),
        "{shown}"
    );
    assert!(!shown.contains("IHDR"), "no PNG bytes reach the terminal");
}

#[cfg(feature = "qr")]
#[test]
fn qr_writes_svg_to_standard_output_without_out() {
    let svg = Run::ok(&["qr", QR_URI, "--format", "svg"]);
    assert!(svg.starts_with("<svg"), "{svg}");
}

#[cfg(feature = "qr")]
#[test]
fn qr_refuses_what_is_not_a_uri_and_draws_nothing() {
    let path = scratch_file("garbage.svg");
    let stderr = Run::fails(
        &[
            "qr",
            "garbage",
            "--format",
            "svg",
            "--out",
            path.to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(stderr, "error: the URI does not parse: not an otpauth:// URI\n");
    assert!(!path.exists());
}

#[cfg(feature = "qr")]
#[test]
fn qr_reports_a_file_it_cannot_write() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("no such directory")
        .join("code.svg");
    let stderr = Run::fails(
        &["qr", QR_URI, "--format", "svg", "--out", path.to_str().unwrap()],
        1,
    );
    assert!(stderr.starts_with("error: cannot write "), "{stderr}");
}

#[cfg(feature = "qr")]
#[test]
fn qr_refuses_an_unknown_format_with_status_2() {
    let stderr = Run::fails(&["qr", QR_URI, "--format", "gif"], 2);
    assert!(
        stderr.contains("[possible values: terminal, svg, png]"),
        "{stderr}"
    );
}

#[cfg(not(feature = "qr"))]
#[test]
fn qr_without_the_feature_says_how_to_get_it() {
    let stderr = Run::fails(&["qr", QR_URI], 2);
    assert!(
        stderr.contains("cargo run --example otp --features qr -- qr URI"),
        "{stderr}"
    );
}
