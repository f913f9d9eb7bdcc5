//! PNG: 1-bit greyscale, black modules on white, and its `data:` URL.

use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::{QrCode, QrError};

/// What a `data:` URL of a PNG starts with.
const DATA_URL_PREFIX: &str = "data:image/png;base64,";

impl QrCode {
    /// The code as a PNG image: 1-bit greyscale, black modules on white, `(width + 2 × quiet
    /// zone) × module size` pixels a side. **It holds the secret**; zeroized when dropped (the
    /// PNG encoder's internal buffers are not).
    ///
    /// # Errors
    /// [`QrError::Png`] if the PNG encoder fails, which writing to memory gives it no reason to.
    ///
    /// ```
    /// use twofactor::qr::{QrCode, QrOptions};
    ///
    /// let qr = QrCode::new("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", QrOptions::new().module_size(4))?;
    /// let png = qr.to_png()?;
    /// assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    /// assert_eq!(&png[16..24], [0, 0, 0, 164, 0, 0, 0, 164]); // 41 modules × 4 pixels
    /// # Ok::<(), twofactor::qr::QrError>(())
    /// ```
    pub fn to_png(&self) -> Result<Zeroizing<Vec<u8>>, QrError> {
        let scale = usize::try_from(self.options.module_size).map_err(|_| QrError::Png)?;
        let pixels = self.padded_width() * scale;
        let side = u32::try_from(pixels).map_err(|_| QrError::Png)?;
        let row_bytes = pixels.div_ceil(8);
        let mut image = Zeroizing::new(alloc::vec![0u8; row_bytes * pixels]);
        for (y, row) in image.chunks_exact_mut(row_bytes).enumerate() {
            for x in 0..pixels {
                // In 1-bit greyscale, a set bit is white.
                if !self.is_dark_padded(x / scale, y / scale)
                    && let Some(byte) = row.get_mut(x / 8)
                {
                    *byte |= 0x80 >> (x % 8);
                }
            }
        }
        // Room for the image stored uncompressed, a filter byte a row, and every header, so that
        // the buffer never reallocates and leaves a copy behind.
        let mut png = Zeroizing::new(Vec::with_capacity(
            image.len() + pixels + image.len() / 1024 + 1024,
        ));
        let mut encoder = png::Encoder::new(&mut *png, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().map_err(|_| QrError::Png)?;
        writer.write_image_data(&image).map_err(|_| QrError::Png)?;
        writer.finish().map_err(|_| QrError::Png)?;
        Ok(png)
    }

    /// The PNG as a `data:image/png;base64,…` URL: the `src` of an `<img>` on the enrollment
    /// page, with no request to any server. **It holds the secret**; zeroized when dropped.
    ///
    /// # Errors
    /// Those of [`QrCode::to_png`].
    ///
    /// ```
    /// use twofactor::qr::{QrCode, QrOptions};
    ///
    /// let qr = QrCode::new("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", QrOptions::new())?;
    /// let html = format!(r#"<img src="{}" alt="QR code for your authenticator app">"#, *qr.to_data_url()?);
    /// assert!(html.starts_with(r#"<img src="data:image/png;base64,iVBORw0KGgo"#));
    /// # Ok::<(), twofactor::qr::QrError>(())
    /// ```
    pub fn to_data_url(&self) -> Result<Zeroizing<String>, QrError> {
        let png = self.to_png()?;
        let encoded = base64::encoded_len(png.len(), true).ok_or(QrError::Png)?;
        let mut url = Zeroizing::new(String::with_capacity(DATA_URL_PREFIX.len() + encoded));
        url.push_str(DATA_URL_PREFIX);
        STANDARD.encode_string(&*png, &mut url);
        Ok(url)
    }
}
