//! QR codes of Key URIs, rendered on the server itself: SVG, PNG, a `data:` URL and terminal
//! text.
//!
//! **Nothing is ever sent to a remote service.** A QR code of a Key URI holds the secret, so the
//! crate draws it locally (the `qrcode` crate computes the modules, the `png` crate compresses
//! the image) and hands back the bytes. Do not use a third-party "QR code API" or chart service
//! for these: it would receive every user's secret.
//!
//! The module matrix and every rendering are zeroized when dropped. The `qrcode` and `png`
//! crates' own working buffers are not, as they offer no way to do so: run the rendering in a
//! process whose memory is not exposed, like everything that handles secrets.
//!
//! ```
//! use twofactor::otp::TotpParams;
//! use twofactor::qr::QrOptions;
//! use twofactor::{KeyUri, Secret};
//!
//! let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
//! let uri = KeyUri::totp(secret, TotpParams::DEFAULT, "Example Co", "alice@example.com")?;
//! let qr = uri.to_qr_code(QrOptions::default())?;
//! let svg = qr.to_svg(); // for an <img> or inline in the page
//! assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
//! let img_src = qr.to_data_url()?; // data:image/png;base64,…
//! assert!(img_src.starts_with("data:image/png;base64,"));
//! println!("{}", &*qr.to_terminal()); // for a command-line tool
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod options;
mod png;
mod svg;
mod terminal;

use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

pub use error::QrError;
pub use options::{EcLevel, QrOptions, Rgb, TerminalTheme};

use crate::uri::KeyUri;

/// A QR code: its matrix of modules and the options to draw it with.
///
/// Drawn entirely on this machine: **nothing is ever sent to a remote service**. A QR code of a
/// Key URI holds the secret, so never hand one to a third-party QR or chart web service.
///
/// Made from a Key URI with [`KeyUri::to_qr_code`] or from any text with [`QrCode::new`]; drawn
/// with [`QrCode::to_svg`], [`QrCode::to_png`], [`QrCode::to_data_url`] and
/// [`QrCode::to_terminal`]. `Debug` shows the size only: the modules encode the secret.
///
/// ```
/// use twofactor::{KeyUri, Secret};
/// use twofactor::qr::QrOptions;
/// use twofactor::otp::TotpParams;
///
/// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
/// let uri = KeyUri::totp(secret, TotpParams::default(), "Example Co", "alice@example.com")?;
/// let qr = uri.to_qr_code(QrOptions::new())?;
/// assert_eq!(format!("{qr:?}"), "QrCode { width: 41, ec_level: M, .. }");
///
/// let svg = qr.to_svg(); // for a page that inlines SVG
/// let img = qr.to_data_url()?; // for <img src="...">
/// let png = qr.to_png()?; // bytes, to serve as image/png
/// assert!(svg.starts_with("<svg") && img.starts_with("data:image/png;base64,"));
/// assert!(png.starts_with(b"\x89PNG"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct QrCode {
    modules: Zeroizing<Vec<bool>>,
    width: usize,
    options: QrOptions,
}

impl QrCode {
    /// Encodes `data`, as UTF-8 bytes, in the smallest QR code at the options' error-correction
    /// level. A Key URI from [`KeyUri::to_uri_string`] is ASCII, so every reader decodes it the
    /// same way; other text with non-ASCII characters is encoded without an ECI header, which
    /// most readers take as UTF-8.
    ///
    /// # Errors
    /// [`QrError::ModuleSize`] or [`QrError::QuietZone`] for options out of range,
    /// [`QrError::DataTooLong`] when the data does not fit a QR code.
    ///
    /// ```
    /// use twofactor::qr::{QrCode, QrError, QrOptions};
    ///
    /// let qr = QrCode::new("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", QrOptions::new())?;
    /// assert_eq!(qr.width(), 33);
    /// assert_eq!(QrCode::new("x", QrOptions::new().module_size(0)).unwrap_err(), QrError::ModuleSize { max: 64 });
    /// # Ok::<(), QrError>(())
    /// ```
    pub fn new(data: &str, options: QrOptions) -> Result<Self, QrError> {
        if options.module_size == 0 || options.module_size > QrOptions::MAX_MODULE_SIZE {
            return Err(QrError::ModuleSize {
                max: QrOptions::MAX_MODULE_SIZE,
            });
        }
        if options.quiet_zone > QrOptions::MAX_QUIET_ZONE {
            return Err(QrError::QuietZone {
                max: QrOptions::MAX_QUIET_ZONE,
            });
        }
        let level = match options.ec_level {
            EcLevel::L => qrcode::EcLevel::L,
            EcLevel::M => qrcode::EcLevel::M,
            EcLevel::Q => qrcode::EcLevel::Q,
            EcLevel::H => qrcode::EcLevel::H,
        };
        let code = qrcode::QrCode::with_error_correction_level(data, level).map_err(|error| match error {
            qrcode::types::QrError::DataTooLong => QrError::DataTooLong,
            _ => QrError::Encoder,
        })?;
        let width = code.width();
        let mut modules = Zeroizing::new(Vec::with_capacity(width * width));
        modules.extend(code.into_colors().into_iter().map(|c| c == qrcode::Color::Dark));
        Ok(Self {
            modules,
            width,
            options,
        })
    }

    /// The number of modules on a side, without the quiet zone: 21 to 177.
    #[must_use]
    pub const fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark; `false` outside the symbol (the quiet
    /// zone is light).
    ///
    /// ```
    /// let qr = twofactor::qr::QrCode::new("hello", twofactor::qr::QrOptions::new())?;
    /// // The top-left finder pattern starts with a dark module.
    /// assert!(qr.is_dark(0, 0) && !qr.is_dark(7, 0) && !qr.is_dark(99, 99));
    /// # Ok::<(), twofactor::qr::QrError>(())
    /// ```
    #[must_use]
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        // Both below `width` (at most 177), so the index cannot overflow.
        x < self.width && y < self.width && self.modules.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// The options it draws with.
    pub const fn options(&self) -> &QrOptions {
        &self.options
    }

    /// Whether the module at (`x`, `y`) of the drawing, quiet zone included, is dark.
    fn is_dark_padded(&self, x: usize, y: usize) -> bool {
        let quiet = self.quiet_zone();
        x.checked_sub(quiet)
            .zip(y.checked_sub(quiet))
            .is_some_and(|(x, y)| self.is_dark(x, y))
    }

    fn quiet_zone(&self) -> usize {
        // At most `MAX_QUIET_ZONE`, checked when the code was made.
        usize::try_from(self.options.quiet_zone).unwrap_or(0)
    }

    /// Modules on a side of the drawing, quiet zone included.
    fn padded_width(&self) -> usize {
        self.width + 2 * self.quiet_zone()
    }
}

impl fmt::Debug for QrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QrCode")
            .field("width", &self.width)
            .field("ec_level", &self.options.ec_level)
            .finish_non_exhaustive()
    }
}

impl KeyUri {
    /// The QR code of the URI ([`KeyUri::to_uri_string`]), as an authenticator app scans it.
    /// **It holds the secret**: show it only to the user enrolling. Drawn locally; nothing is
    /// sent anywhere.
    ///
    /// # Errors
    /// Those of [`QrCode::new`].
    ///
    /// ```
    /// use twofactor::{KeyUri, Secret};
    /// use twofactor::qr::QrOptions;
    /// use twofactor::otp::TotpParams;
    ///
    /// let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
    /// let uri = KeyUri::totp(secret, TotpParams::default(), "Example Co", "alice@example.com")?;
    /// print!("{}", *uri.to_qr_code(QrOptions::new())?.to_terminal());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_qr_code(&self, options: QrOptions) -> Result<QrCode, QrError> {
        QrCode::new(&self.to_uri_string(), options)
    }
}
