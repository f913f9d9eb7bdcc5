//! What each subcommand does. Results go to standard output; warnings and errors to standard
//! error, through [`Failure`].

use std::io::{self, Write};

use twofactor::otp::{OtpError, unix_time_now};
use twofactor::uri::OtpKind;
use twofactor::{Hotp, KeyUri, Secret, Totp};

use crate::args::{CodeArgs, Command, ParseUriArgs, SecretArgs, UriArgs, VerifyArgs};
use crate::failure::{Failure, WithCauses};
use crate::json::uri_to_json;
use crate::key::{otp_kind, read_secret, read_uri};

/// Runs one subcommand.
pub(crate) fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Code(args) => code(&args),
        Command::Verify(args) => verify(&args),
        Command::Uri(args) => uri(&args),
        Command::ParseUri(args) => parse_uri(&args),
        Command::Qr(args) => qr(&args),
        Command::Secret(args) => secret(&args),
        Command::Store(args) => store(&args),
    }
}

#[cfg(all(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn store(args: &crate::store_args::StoreArgs) -> Result<(), Failure> {
    crate::store::run(args)
}

#[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
fn store(_: &crate::store_args::StoreArgs) -> Result<(), Failure> {
    Err(Failure::usage(
        "this build has no stores: `store` needs the crate's sqlite, postgres and mysql features.\n\
         Run it as: cargo run --example otp --features sqlite,postgres,mysql -- store …",
    ))
}

fn code(args: &CodeArgs) -> Result<(), Failure> {
    let secret = read_secret(&args.key.secret)?;
    let code = match otp_kind(&args.key.params)? {
        OtpKind::Totp(params) => Totp::new(&secret, params)
            .generate(time_or_now(args.time)?)
            .map_err(Failure::error)?,
        OtpKind::Hotp { params, counter } => Hotp::new(&secret, params).generate(counter),
        other => return Err(unsupported(&other)),
    };
    print_line(&code.to_string())
}

fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let window = args
        .window()
        .map_err(|error| Failure::usage(format_args!("--past/--future: {error}")))?;
    let secret = read_secret(&args.key.secret)?;
    match otp_kind(&args.key.params)? {
        OtpKind::Totp(params) => {
            let now = time_or_now(args.time)?;
            let found = Totp::new(&secret, params)
                .verify(&args.code, now, window, None)
                .map_err(refused)?;
            print_line(&format!("ok: step {}, drift {}", found.step(), found.drift()))
        }
        OtpKind::Hotp { params, counter } => {
            let found = Hotp::new(&secret, params)
                .verify(&args.code, counter, window.future())
                .map_err(refused)?;
            print_line(&format!(
                "ok: counter {}, next counter {}",
                found.counter(),
                found.next()
            ))
        }
        other => Err(unsupported(&other)),
    }
}

/// An OTP type that a newer release of the crate knows and this tool does not (`OtpKind` is
/// non-exhaustive; `otp_kind` makes TOTP and HOTP only).
fn unsupported(kind: &OtpKind) -> Failure {
    Failure::usage(format_args!("this tool does not support the OTP type {kind:?}"))
}

/// A code that is not accepted, wrong or malformed alike, is exit status 1: the code is the
/// input under test, not a misuse of the tool, and a script asking "was it accepted?" gets one
/// answer. The message tells the two apart.
fn refused(error: OtpError) -> Failure {
    match error {
        OtpError::Mismatch => Failure::rejected("wrong code"),
        OtpError::BeforeT0 { .. } | OtpError::BeforeUnixEpoch => Failure::error(error),
        malformed if malformed.is_malformed() => {
            Failure::rejected(format_args!("malformed code: {malformed}"))
        }
        other => Failure::rejected(other),
    }
}

fn uri(args: &UriArgs) -> Result<(), Failure> {
    let secret = match &args.secret {
        Some(text) => read_secret(text)?,
        None => Secret::generate(args.params.algorithm).map_err(Failure::error)?,
    };
    let uri = match otp_kind(&args.params)? {
        OtpKind::Totp(params) => KeyUri::totp(secret, params, &args.issuer, &args.account),
        OtpKind::Hotp { params, counter } => {
            KeyUri::hotp(secret, params, counter, &args.issuer, &args.account)
        }
        other => return Err(unsupported(&other)),
    }
    .map_err(|error| Failure::usage(WithCauses(&error)))?;
    print_line(&uri.to_uri_string())
}

fn parse_uri(args: &ParseUriArgs) -> Result<(), Failure> {
    let uri = read_uri(&args.uri)?;
    let json = uri_to_json(&uri).map_err(Failure::error)?;
    print_line(&json)
}

#[cfg(feature = "qr")]
fn qr(args: &crate::args::QrArgs) -> Result<(), Failure> {
    crate::qr::run(args)
}

#[cfg(not(feature = "qr"))]
fn qr(_: &crate::args::QrArgs) -> Result<(), Failure> {
    Err(Failure::usage(
        "this build has no QR codes: the `qr` subcommand needs the crate's `qr` feature.\n\
         Run it as: cargo run --example otp --features qr -- qr URI",
    ))
}

fn secret(args: &SecretArgs) -> Result<(), Failure> {
    let secret = Secret::generate(args.algorithm).map_err(Failure::error)?;
    print_line(&secret.to_base32())
}

fn time_or_now(time: Option<u64>) -> Result<u64, Failure> {
    time.map_or_else(unix_time_now, Ok).map_err(Failure::error)
}

/// Writes `text` and a newline to standard output. A closed pipe is an error (exit status 1),
/// not a panic as with `println!`.
pub(crate) fn print_line(text: &str) -> Result<(), Failure> {
    write_stdout(text.as_bytes()).and_then(|()| write_stdout(b"\n"))
}

/// Writes bytes to standard output and flushes them.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::error(format_args!("cannot write to standard output: {error}")))
}
