//! The command line, declared with clap's derive: subcommands, options, and the parsers that
//! check each value so that a bad one is a usage error (exit status 2) with a clear message.
//!
//! The secret is the one value clap does not parse: its error message would repeat the value,
//! and a secret must not end up in a terminal's scroll-back or a CI log. `--secret` is read as
//! text and parsed by [`crate::key`], whose messages never show it.

use std::num::NonZeroU64;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use twofactor::otp::{Algorithm, Digits, OtpError, Window};

/// Generate and verify HOTP/TOTP codes, build and read otpauth:// URIs, draw their QR codes.
///
/// Exit status: 0 on success, 1 when a code is not accepted or a URI does not parse, 2 for bad
/// arguments.
#[derive(Debug, Parser)]
#[command(name = "otp", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the code of a secret: TOTP at the current time, or at --time; HOTP with --hotp.
    #[command(
        after_help = "Example: otp code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --time 59 --digits 8"
    )]
    Code(CodeArgs),
    /// Check a code: print the matched step and drift, or counter; exit status 1 if refused.
    ///
    /// A TOTP code is searched from --past steps before the current one to --future steps after
    /// it; an HOTP code from --counter to --counter + --future. A wrong code and a malformed one
    /// (a wrong number of digits, a letter) both exit with status 1, each with its own message.
    Verify(VerifyArgs),
    /// Build an otpauth:// Key URI, as an authenticator app scans it.
    Uri(UriArgs),
    /// Read an otpauth:// URI and print its fields as one line of JSON.
    ///
    /// The keys: type (totp or hotp), issuer (the issuer parameter, else the label's prefix,
    /// else null), account, secret (upper-case base32, no padding), algorithm (SHA1, SHA256 or
    /// SHA512), digits, period (null for HOTP), counter (null for TOTP). A URI that does not
    /// parse exits with status 1.
    #[command(name = "parse-uri")]
    ParseUri(ParseUriArgs),
    /// Draw the QR code of an otpauth:// URI (needs the crate's `qr` feature).
    Qr(QrArgs),
    /// Generate a random secret from the operating system's CSPRNG and print it as base32.
    Secret(SecretArgs),
    /// Operate on a deployment's records: status, unlock, reset, revoke-devices, import,
    /// export, reseal, migrate (needs the crate's sqlite, postgres and mysql features).
    Store(crate::store_args::StoreArgs),
}

/// The secret and the generator's parameters, shared by `code` and `verify`.
#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    /// The shared secret in base32 (any case, spaces and padding allowed; 80 bits and up, with a
    /// warning under the 128 bits RFC 4226 requires).
    ///
    /// Beware that command-line arguments are visible to other users of the machine (`ps`) and
    /// kept in the shell's history.
    #[arg(long, value_name = "BASE32")]
    pub(crate) secret: String,
    #[command(flatten)]
    pub(crate) params: ParamArgs,
}

/// The parameters of a generator: HOTP or TOTP, algorithm, digits, period.
#[derive(Debug, Args)]
pub(crate) struct ParamArgs {
    /// Counter-based HOTP (RFC 4226) instead of time-based TOTP (RFC 6238); needs --counter.
    #[arg(long, requires = "counter")]
    pub(crate) hotp: bool,
    /// The HOTP counter.
    #[arg(long, value_name = "N", requires = "hotp")]
    pub(crate) counter: Option<u64>,
    /// The HMAC algorithm: sha1, sha256 or sha512 (any case, `SHA-256` too).
    #[arg(long, value_name = "NAME", default_value = "sha1", value_parser = parse_algorithm)]
    pub(crate) algorithm: Algorithm,
    /// The number of digits of a code: 6, 7 or 8.
    #[arg(long, value_name = "N", default_value = "6", value_parser = parse_digits)]
    pub(crate) digits: Digits,
    /// The TOTP period in seconds, at least 1.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_period,
          conflicts_with = "hotp")]
    pub(crate) period: NonZeroU64,
}

/// `otp code`.
#[derive(Debug, Args)]
pub(crate) struct CodeArgs {
    #[command(flatten)]
    pub(crate) key: KeyArgs,
    /// The time to compute the TOTP code for, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX_SECONDS", conflicts_with = "hotp")]
    pub(crate) time: Option<u64>,
}

/// `otp verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) key: KeyArgs,
    /// The code to check, as a person types it (`123456`, `123 456`, `123-456`).
    #[arg(long, value_name = "CODE")]
    pub(crate) code: String,
    /// The time to verify at, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX_SECONDS", conflicts_with = "hotp")]
    pub(crate) time: Option<u64>,
    /// TOTP: how many steps before the current one a code may come from (at most 10).
    #[arg(long, value_name = "N", default_value_t = 1, conflicts_with = "hotp")]
    pub(crate) past: u32,
    /// TOTP: how many steps after the current one a code may come from; HOTP: how many counters
    /// past --counter to search (at most 10).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) future: u32,
}

impl VerifyArgs {
    /// The verification window, checked by [`Window::new`].
    pub(crate) fn window(&self) -> Result<Window, OtpError> {
        Window::new(self.past, self.future)
    }
}

/// `otp uri`.
#[derive(Debug, Args)]
#[command(after_help = "Example: otp uri --issuer 'Example Co' --account alice@example.com")]
pub(crate) struct UriArgs {
    /// The service the account is at, shown by the app.
    #[arg(long, value_name = "NAME")]
    pub(crate) issuer: String,
    /// The account name, shown by the app (often an e-mail address).
    #[arg(long, value_name = "NAME")]
    pub(crate) account: String,
    /// The shared secret in base32; a fresh one of the algorithm's recommended length when left
    /// out (it is in the URI printed).
    #[arg(long, value_name = "BASE32")]
    pub(crate) secret: Option<String>,
    #[command(flatten)]
    pub(crate) params: ParamArgs,
}

/// `otp parse-uri`.
#[derive(Debug, Args)]
pub(crate) struct ParseUriArgs {
    /// The otpauth:// URI; quote it, the shell reads `&` and `?`.
    pub(crate) uri: String,
}

/// `otp qr`.
#[derive(Debug, Args)]
#[cfg_attr(
    not(feature = "qr"),
    allow(dead_code, reason = "read only by the `qr` feature's renderer")
)]
#[command(
    after_help = "The URI is parsed first, and the QR code holds it as the crate writes it back \
                        (upper-case secret, default parameters left out), which every app reads.\n\
                        A PNG goes to --out FILE, or to standard output when that is not a terminal.\n\
                        Files are created readable by their owner only: the QR code holds the secret."
)]
pub(crate) struct QrArgs {
    /// The otpauth:// URI to draw; quote it, the shell reads `&` and `?`.
    pub(crate) uri: String,
    /// What to draw: Unicode half blocks for a terminal, an SVG document, or a PNG image.
    #[arg(long, value_enum, default_value_t = QrFormat::Terminal)]
    pub(crate) format: QrFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// The output formats of `otp qr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum QrFormat {
    /// Unicode half blocks, for a terminal with a dark background.
    Terminal,
    /// An SVG document.
    Svg,
    /// A PNG image.
    Png,
}

/// `otp secret`.
#[derive(Debug, Args)]
pub(crate) struct SecretArgs {
    /// The algorithm the secret is for, which sets its length: 160 bits for sha1, 256 for
    /// sha256, 512 for sha512 (RFC 6238 §5.1).
    #[arg(long, value_name = "NAME", default_value = "sha1", value_parser = parse_algorithm)]
    pub(crate) algorithm: Algorithm,
}

fn parse_algorithm(name: &str) -> Result<Algorithm, String> {
    Algorithm::from_name(name).ok_or_else(|| "expected sha1, sha256 or sha512".to_owned())
}

fn parse_digits(text: &str) -> Result<Digits, String> {
    let digits: u8 = text
        .parse()
        .map_err(|_| "codes have 6, 7 or 8 digits".to_owned())?;
    Digits::new(digits).map_err(|error| error.to_string())
}

fn parse_period(text: &str) -> Result<NonZeroU64, String> {
    let seconds: u64 = text
        .parse()
        .map_err(|_| "the period is a whole number of seconds, at least 1".to_owned())?;
    NonZeroU64::new(seconds).ok_or_else(|| OtpError::Period.to_string())
}
