/// The error-correction level of a QR code (ISO/IEC 18004): the share of the symbol that can be
/// damaged or hidden and still read.
///
/// M, the default, is what most generators use for a Key URI: it reads well off a screen, and a
/// higher level makes a denser code for the same URI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
// Exhaustive on purpose: ISO/IEC 18004 defines exactly these four levels.
#[allow(clippy::exhaustive_enums)]
pub enum EcLevel {
    /// About 7 % recoverable.
    L,
    /// About 15 % recoverable; the default.
    #[default]
    M,
    /// About 25 % recoverable.
    Q,
    /// About 30 % recoverable.
    H,
}

/// A colour, red, green and blue, written `#rrggbb` in SVG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
// Exhaustive on purpose: three bytes are every colour, and `Rgb([r, g, b])` is how one is written.
#[allow(clippy::exhaustive_structs)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// `#000000`.
    pub const BLACK: Self = Self([0, 0, 0]);
    /// `#ffffff`.
    pub const WHITE: Self = Self([0xff, 0xff, 0xff]);
}

/// The background of the terminal that [`QrCode::to_terminal`](crate::qr::QrCode::to_terminal)
/// draws for. The text draws light modules in the terminal's text colour where the background
/// is dark, and dark modules where it is light, so that scanners see dark modules on a light
/// ground either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TerminalTheme {
    /// Light text on a dark background, the default of most terminals.
    #[default]
    Dark,
    /// Dark text on a light background.
    Light,
}

/// How a QR code is made and drawn: error correction, module size, quiet zone, SVG colours and
/// the terminal's theme. Checked when the code is made ([`QrCode::new`](crate::qr::QrCode::new)).
///
/// ```
/// use twofactor::qr::{EcLevel, QrCode, QrOptions, Rgb};
///
/// let options = QrOptions::new()
///     .ec_level(EcLevel::Q)
///     .module_size(4)
///     .quiet_zone(2)
///     .svg_colors(Rgb([0x1a, 0x23, 0x7e]), None);
/// let svg = QrCode::new("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", options)?.to_svg();
/// assert!(svg.contains(r##"fill="#1a237e""##));
/// # Ok::<(), twofactor::qr::QrError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub struct QrOptions {
    pub(super) ec_level: EcLevel,
    pub(super) module_size: u32,
    pub(super) quiet_zone: u32,
    pub(super) dark: Rgb,
    pub(super) light: Option<Rgb>,
    pub(super) theme: TerminalTheme,
}

impl QrOptions {
    /// The default module size: 8 pixels in a PNG, 8 user units in an SVG.
    pub const DEFAULT_MODULE_SIZE: u32 = 8;
    /// The largest module size, which bounds a PNG to 13,376 pixels a side.
    pub const MAX_MODULE_SIZE: u32 = 64;
    /// The default quiet zone: 4 modules, the margin ISO/IEC 18004 requires around a symbol.
    pub const DEFAULT_QUIET_ZONE: u32 = 4;
    /// The widest quiet zone, in modules.
    pub const MAX_QUIET_ZONE: u32 = 16;

    /// The defaults: level M, 8-unit modules, a 4-module quiet zone, black on white, a dark
    /// terminal.
    pub const fn new() -> Self {
        Self {
            ec_level: EcLevel::M,
            module_size: Self::DEFAULT_MODULE_SIZE,
            quiet_zone: Self::DEFAULT_QUIET_ZONE,
            dark: Rgb::BLACK,
            light: Some(Rgb::WHITE),
            theme: TerminalTheme::Dark,
        }
    }

    /// The error-correction level (default M).
    pub const fn ec_level(mut self, level: EcLevel) -> Self {
        self.ec_level = level;
        self
    }

    /// The side of a module in PNG pixels or SVG user units, from 1 to
    /// [`QrOptions::MAX_MODULE_SIZE`] (default 8). The terminal text always draws one module
    /// per column.
    pub const fn module_size(mut self, size: u32) -> Self {
        self.module_size = size;
        self
    }

    /// The width of the light margin around the symbol in modules, up to
    /// [`QrOptions::MAX_QUIET_ZONE`] (default 4; scanners may fail with less).
    pub const fn quiet_zone(mut self, modules: u32) -> Self {
        self.quiet_zone = modules;
        self
    }

    /// The SVG's dark colour and light colour, `None` for a transparent background (default
    /// black on white). Keep the contrast high: many scanners need dark modules on a light
    /// ground. The PNG is always black on white.
    pub const fn svg_colors(mut self, dark: Rgb, light: Option<Rgb>) -> Self {
        self.dark = dark;
        self.light = light;
        self
    }

    /// The terminal's theme (default [`TerminalTheme::Dark`]).
    pub const fn terminal_theme(mut self, theme: TerminalTheme) -> Self {
        self.theme = theme;
        self
    }
}

impl Default for QrOptions {
    fn default() -> Self {
        Self::new()
    }
}
