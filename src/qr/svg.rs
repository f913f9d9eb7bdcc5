//! SVG: one path of horizontal runs of dark modules, on an optional background rectangle.

use alloc::string::String;
use core::fmt::{self, Write};

use zeroize::Zeroizing;

use super::{QrCode, Rgb};
use crate::uri::Length;

impl QrCode {
    /// The code as an SVG document: a square of `(width + 2 × quiet zone) × module size` user
    /// units (the `width` and `height` attributes, in pixels), a background rectangle in the
    /// light colour unless it is transparent, and one `<path>` of the dark modules in the dark
    /// colour, with `shape-rendering="crispEdges"` so that modules do not blur into each other.
    /// **It holds the secret**; zeroized when dropped.
    ///
    /// ```
    /// use twofactor::qr::{QrCode, QrOptions};
    ///
    /// let qr = QrCode::new("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", QrOptions::new())?;
    /// let svg = qr.to_svg();
    /// assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="328" height="328" viewBox="0 0 41 41""#));
    /// # Ok::<(), twofactor::qr::QrError>(())
    /// ```
    #[must_use]
    pub fn to_svg(&self) -> Zeroizing<String> {
        let mut length = Length(0);
        // Neither writer ever fails: `Length` only adds, and a `String` has room.
        let _ = self.write_svg(&mut length);
        let mut svg = Zeroizing::new(String::with_capacity(length.0));
        let _ = self.write_svg(&mut *svg);
        svg
    }

    fn write_svg(&self, out: &mut impl Write) -> fmt::Result {
        let side = self.padded_width();
        let pixels = side * usize::try_from(self.options.module_size).unwrap_or(1);
        write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{pixels}" height="{pixels}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">"#
        )?;
        if let Some(light) = self.options.light {
            write!(
                out,
                r#"<rect width="{side}" height="{side}" fill="{}"/>"#,
                Hex(light)
            )?;
        }
        write!(out, r#"<path fill="{}" d=""#, Hex(self.options.dark))?;
        for y in 0..side {
            let mut x = 0;
            while x < side {
                if self.is_dark_padded(x, y) {
                    let start = x;
                    while x < side && self.is_dark_padded(x, y) {
                        x += 1;
                    }
                    let run = x - start;
                    write!(out, "M{start} {y}h{run}v1h-{run}z")?;
                } else {
                    x += 1;
                }
            }
        }
        out.write_str("\"/></svg>\n")
    }
}

/// `#rrggbb`.
struct Hex(Rgb);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Rgb([r, g, b]) = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}
