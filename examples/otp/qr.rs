//! `otp qr` (feature `qr`): the QR code of a Key URI as terminal text, SVG or PNG, drawn on this
//! machine by the crate and never sent anywhere.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::path::Path;

use twofactor::qr::QrOptions;

use crate::args::{QrArgs, QrFormat};
use crate::commands::write_stdout;
use crate::failure::Failure;
use crate::key::read_uri;

/// Parses the URI (so that text that is not one is refused, exit status 1, rather than drawn),
/// draws it and writes the drawing to `--out` or standard output.
///
/// A PNG is binary: without `--out` it is written to standard output only when that is not a
/// terminal (a pipe or a redirection), and refused with exit status 2 otherwise.
pub(crate) fn run(args: &QrArgs) -> Result<(), Failure> {
    let uri = read_uri(&args.uri)?;
    if args.format == QrFormat::Png && args.out.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "a PNG is binary: write it with --out FILE, or redirect standard output",
        ));
    }
    let qr = uri.to_qr_code(QrOptions::new()).map_err(Failure::error)?;
    // Each drawing is written from the crate's zeroizing buffer, never copied out of it.
    let emit = |bytes: &[u8]| match &args.out {
        Some(path) => write_file(path, bytes)
            .map_err(|error| Failure::error(format_args!("cannot write {}: {error}", path.display()))),
        None => write_stdout(bytes),
    };
    match args.format {
        QrFormat::Terminal => emit(qr.to_terminal().as_bytes()),
        QrFormat::Svg => emit(qr.to_svg().as_bytes()),
        QrFormat::Png => emit(&qr.to_png().map_err(Failure::error)?),
    }
}

/// Creates or truncates `path` and writes `bytes`. A new file is readable by its owner only
/// (mode 0600 on Unix): the QR code holds the secret.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file: File = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
