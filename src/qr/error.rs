use core::fmt;

/// Why a QR code could not be made or rendered. Never carries the data encoded.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `DataTooLong` | `the data is too long for a QR code` |
/// | `Encoder` | `the QR encoder refused the data` |
/// | `ModuleSize` | `the module size must be from 1 to {max}` |
/// | `QuietZone` | `the quiet zone must be at most {max} modules` |
/// | `Png` | `the PNG encoder failed` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrError {
    /// The data does not fit the largest QR code (version 40) at the chosen error-correction
    /// level.
    DataTooLong,
    /// The QR encoder refused the data for another reason.
    Encoder,
    /// The module size is 0 or larger than [`QrOptions::MAX_MODULE_SIZE`](crate::qr::QrOptions::MAX_MODULE_SIZE).
    ModuleSize {
        /// The largest module size accepted.
        max: u32,
    },
    /// The quiet zone is wider than [`QrOptions::MAX_QUIET_ZONE`](crate::qr::QrOptions::MAX_QUIET_ZONE).
    QuietZone {
        /// The widest quiet zone accepted, in modules.
        max: u32,
    },
    /// The PNG encoder failed (writing to memory, it has no reason to).
    Png,
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DataTooLong => f.write_str("the data is too long for a QR code"),
            Self::Encoder => f.write_str("the QR encoder refused the data"),
            Self::ModuleSize { max } => write!(f, "the module size must be from 1 to {max}"),
            Self::QuietZone { max } => write!(f, "the quiet zone must be at most {max} modules"),
            Self::Png => f.write_str("the PNG encoder failed"),
        }
    }
}

impl core::error::Error for QrError {}
