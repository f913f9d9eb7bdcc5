//! Terminal text: Unicode half blocks, two rows of modules per line.

use alloc::string::String;

use zeroize::Zeroizing;

use super::{QrCode, TerminalTheme};

impl QrCode {
    /// The code as text for a terminal: each character is one module wide and two modules high
    /// (`▀` upper half, `▄` lower half, `█` both, space neither), each line ends with `\n`. A
    /// Key URI with a 160-bit secret and short names is a 41-module code, 49 columns with the
    /// default quiet zone of 4: it fits an 80-column terminal.
    ///
    /// The glyphs are drawn in the terminal's text colour, so for [`TerminalTheme::Dark`] (the
    /// default) they are the light modules and the quiet zone, and for
    /// [`TerminalTheme::Light`] the dark ones. In terminals set for East Asian "ambiguous width"
    /// characters as double width, the block characters take two columns and the code is
    /// distorted. **It holds the secret**; zeroized when dropped.
    ///
    /// ```
    /// use twofactor::qr::{QrCode, QrOptions};
    ///
    /// let qr = QrCode::new("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", QrOptions::new())?;
    /// let text = qr.to_terminal();
    /// assert!(text.lines().all(|line| line.chars().count() == 33 + 2 * 4));
    /// assert_eq!(text.lines().count(), (33 + 2 * 4 + 1) / 2);
    /// # Ok::<(), twofactor::qr::QrError>(())
    /// ```
    #[must_use]
    pub fn to_terminal(&self) -> Zeroizing<String> {
        let side = self.padded_width();
        let lines = side.div_ceil(2);
        // Each glyph is 3 bytes of UTF-8 at most, plus a newline a line.
        let mut text = Zeroizing::new(String::with_capacity(lines * (side * 3 + 1)));
        let ink = |x: usize, y: usize| {
            y < side
                && match self.options.theme {
                    TerminalTheme::Dark => !self.is_dark_padded(x, y),
                    TerminalTheme::Light => self.is_dark_padded(x, y),
                }
        };
        for line in 0..lines {
            for x in 0..side {
                text.push(match (ink(x, 2 * line), ink(x, 2 * line + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            text.push('\n');
        }
        text
    }
}
