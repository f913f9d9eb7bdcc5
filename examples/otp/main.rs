//! `cargo run --example otp -- …`: a command-line tool in the spirit of `oathtool`, built on
//! the crate's public API.
//!
//! ```text
//! otp code      --secret BASE32 [--hotp --counter N] [--algorithm A] [--digits N] [--period S] [--time T]
//! otp verify    (the same) --code CODE [--past N] [--future N]
//! otp uri       --issuer NAME --account NAME [--secret BASE32] (the same options)
//! otp parse-uri URI
//! otp qr        URI [--format terminal|svg|png] [--out FILE]     (feature `qr`)
//! otp secret    [--algorithm A]
//! otp store     --url URL [--keys FILE] [--json] status USER | unlock USER | reset USER --reason R
//!               | remove-authenticator USER ID --reason R | revoke-devices USER | import FILE | export --danger-plain-secrets | reseal | migrate
//! ```
//!
//! Exit status: 0 on success; 1 when `verify` does not accept the code (wrong or malformed),
//! when a URI does not parse, or when writing the output fails; 2 for bad arguments. Results go
//! to standard output, warnings and errors to standard error.
//!
//! Arguments are parsed with clap's derive: it is what a Rust command-line tool is expected to
//! use, gives `--help` on every subcommand, and is already a dependency of the benchmarks
//! (criterion), so it adds little to the build (its derive macro, and no colour support).
//!
//! `qr` needs the crate's `qr` feature (`cargo run --example otp --features qr -- qr URI`). The
//! other subcommands build with the default features, which stay lean: without the feature,
//! `qr` says how to get it and exits with status 2.

mod args;
mod commands;
mod failure;
mod json;
mod key;
#[cfg(feature = "qr")]
mod qr;
#[cfg(all(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod secret_file;
#[cfg(all(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod store;
mod store_args;
#[cfg(all(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod store_import;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
