//! Every rendering of a QR code — PNG, `data:` URL, SVG rasterised by resvg, terminal text —
//! read back by a real QR decoder (`rqrr`) gives the URI byte for byte, Unicode labels included.
#![cfg(feature = "qr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use base64::Engine;
use twofactor::otp::{Algorithm, HotpParams, TotpParams};
use twofactor::qr::{EcLevel, QrCode, QrError, QrOptions, Rgb, TerminalTheme};
use twofactor::uri::BuildOptions;
use twofactor::{KeyUri, Secret};

/// Decodes every QR code found in a greyscale image (0 black, 255 white).
fn decode(width: usize, height: usize, grey: impl FnMut(usize, usize) -> u8) -> Vec<Vec<u8>> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, grey);
    image
        .detect_grids()
        .iter()
        .map(|grid| {
            let mut bytes = Vec::new();
            grid.decode_to(&mut bytes).expect("the grid decodes");
            bytes
        })
        .collect()
}

fn decode_png(png: &[u8]) -> Vec<Vec<u8>> {
    let mut decoder = png::Decoder::new(Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(
        (frame.color_type, frame.bit_depth),
        (png::ColorType::Grayscale, png::BitDepth::Eight)
    );
    let (width, height, line) = (frame.width as usize, frame.height as usize, frame.line_size);
    decode(width, height, |x, y| pixels[y * line + x])
}

/// Rasterises the SVG with resvg over a white page and decodes it.
fn decode_svg(svg: &str) -> Vec<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).unwrap();
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let width = pixmap.width() as usize;
    let data = pixmap.data();
    // Luma of the (opaque, since the page is white) RGBA pixel.
    decode(width, pixmap.height() as usize, |x, y| {
        let p = &data[4 * (y * width + x)..][..3];
        let luma = (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000;
        u8::try_from(luma).unwrap()
    })
}

/// Reads the half blocks back into rows of dark modules.
fn terminal_modules(text: &str, theme: TerminalTheme) -> Vec<Vec<bool>> {
    let side = text.lines().next().unwrap().chars().count();
    let mut rows = Vec::new();
    for line in text.lines() {
        assert_eq!(line.chars().count(), side, "every line is as wide");
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for glyph in line.chars() {
            let (upper, lower) = match glyph {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                ' ' => (false, false),
                other => panic!("unexpected {other:?}"),
            };
            let dark = |ink: bool| if theme == TerminalTheme::Dark { !ink } else { ink };
            top.push(dark(upper));
            bottom.push(dark(lower));
        }
        rows.push(top);
        rows.push(bottom);
    }
    rows.truncate(side);
    rows
}

fn decode_terminal(text: &str, theme: TerminalTheme) -> Vec<Vec<u8>> {
    let modules = terminal_modules(text, theme);
    let scale = 4;
    let side = modules.len() * scale;
    decode(
        side,
        side,
        |x, y| if modules[y / scale][x / scale] { 0 } else { 255 },
    )
}

fn secret(text: &str) -> Secret {
    Secret::from_base32(text).unwrap()
}

/// The typical URI: default parameters, a 160-bit (32-character) secret.
fn typical() -> KeyUri {
    let secret = secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    KeyUri::totp(secret, TotpParams::default(), "Example Co", "alice@example.com").unwrap()
}

fn uris() -> Vec<(&'static str, String)> {
    let unicode = KeyUri::totp(
        secret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        TotpParams::builder()
            .algorithm(Algorithm::Sha256)
            .digits(8)
            .build()
            .unwrap(),
        "École Polytechnique 😀",
        "Zoë Ångström 山田",
    )
    .unwrap();
    let hotp = KeyUri::hotp(
        Secret::from_bytes(&[0xa5; 64]).unwrap(),
        HotpParams {
            algorithm: Algorithm::Sha512,
            ..HotpParams::default()
        },
        u64::MAX,
        "A&B?C#D%E+F",
        "x y",
    )
    .unwrap()
    .with_image("https://example.com/logo.png")
    .unwrap()
    .with_extra_param("color", "#123456")
    .unwrap();
    vec![
        ("typical", typical().to_uri_string().to_string()),
        ("unicode", unicode.to_uri_string().to_string()),
        (
            "hotp",
            hotp.to_uri_string_with(BuildOptions::new().emit_defaults(true))
                .to_string(),
        ),
    ]
}

#[test]
fn the_png_decodes_to_the_uri_byte_for_byte() {
    for (name, uri) in uris() {
        for (level, size, quiet) in [
            (EcLevel::L, 2, 4),
            (EcLevel::M, 8, 4),
            (EcLevel::Q, 3, 2),
            (EcLevel::H, 5, 8),
        ] {
            let options = QrOptions::new()
                .ec_level(level)
                .module_size(size)
                .quiet_zone(quiet);
            let png = QrCode::new(&uri, options).unwrap().to_png().unwrap();
            assert_eq!(
                decode_png(&png),
                [uri.as_bytes()],
                "{name} {level:?} {size} {quiet}"
            );
        }
    }
}

#[test]
fn the_key_uri_qr_code_is_the_qr_code_of_its_uri_string() {
    let uri = typical();
    let qr = uri.to_qr_code(QrOptions::new()).unwrap();
    assert_eq!(
        decode_png(&qr.to_png().unwrap()),
        [uri.to_uri_string().as_bytes()]
    );
    let direct = QrCode::new(&uri.to_uri_string(), QrOptions::new()).unwrap();
    assert_eq!(qr.to_png().unwrap(), direct.to_png().unwrap());
}

#[test]
fn the_data_url_is_the_png_in_base64() {
    let (_, uri) = &uris()[1];
    let qr = QrCode::new(uri, QrOptions::new()).unwrap();
    let url = qr.to_data_url().unwrap();
    let payload = url.strip_prefix("data:image/png;base64,").unwrap();
    let png = base64::engine::general_purpose::STANDARD.decode(payload).unwrap();
    assert_eq!(png, *qr.to_png().unwrap());
    assert_eq!(decode_png(&png), [uri.as_bytes()]);
}

#[test]
fn the_svg_rasterised_by_resvg_decodes_to_the_uri_byte_for_byte() {
    let navy_on_cream = QrOptions::new().svg_colors(Rgb([0x1a, 0x23, 0x7e]), Some(Rgb([0xff, 0xf8, 0xe1])));
    let transparent = QrOptions::new().svg_colors(Rgb::BLACK, None).module_size(3);
    for (name, uri) in uris() {
        for options in [
            QrOptions::new(),
            navy_on_cream,
            transparent,
            QrOptions::new().ec_level(EcLevel::H),
        ] {
            let svg = QrCode::new(&uri, options).unwrap().to_svg();
            assert_eq!(decode_svg(&svg), [uri.as_bytes()], "{name} {options:?}");
        }
    }
}

#[test]
fn the_svg_has_the_size_colours_and_background_asked_for() {
    let qr = QrCode::new("hello", QrOptions::new().module_size(10).quiet_zone(1)).unwrap();
    let side = qr.width() + 2;
    let svg = qr.to_svg();
    let header = format!(
        r#"width="{0}" height="{0}" viewBox="0 0 {1} {1}""#,
        side * 10,
        side
    );
    assert!(svg.contains(&header), "{}", *svg);
    assert!(
        svg.contains(r##"<rect width="23" height="23" fill="#ffffff"/>"##),
        "{}",
        *svg
    );
    assert!(
        svg.contains(r##"<path fill="#000000" d="M1 1h7v1h-7z"##),
        "{}",
        *svg
    );
    let transparent = QrCode::new("hello", QrOptions::new().svg_colors(Rgb([1, 2, 3]), None)).unwrap();
    let svg = transparent.to_svg();
    assert!(!svg.contains("<rect") && svg.contains(r##"fill="#010203""##));
}

#[test]
fn a_typical_uri_fits_an_80_column_terminal_and_the_text_decodes() {
    let uri = typical();
    let text = uri.to_qr_code(QrOptions::new()).unwrap().to_terminal();
    let columns = text.lines().map(|line| line.chars().count()).max().unwrap();
    assert!(columns <= 80, "{columns} columns");
    assert_eq!(columns, 41 + 2 * 4, "a version 6 code and the quiet zone");
    assert!(text.ends_with('\n'));
    assert_eq!(
        decode_terminal(&text, TerminalTheme::Dark),
        [uri.to_uri_string().as_bytes()]
    );
    println!("{}", *text);
}

#[test]
fn the_terminal_text_decodes_in_either_theme_and_at_every_level() {
    for (name, uri) in uris() {
        for theme in [TerminalTheme::Dark, TerminalTheme::Light] {
            for level in [EcLevel::L, EcLevel::H] {
                let options = QrOptions::new().terminal_theme(theme).ec_level(level);
                let text = QrCode::new(&uri, options).unwrap().to_terminal();
                assert_eq!(
                    decode_terminal(&text, theme),
                    [uri.as_bytes()],
                    "{name} {theme:?} {level:?}"
                );
            }
        }
    }
}

#[test]
fn the_two_themes_draw_opposite_glyphs() {
    let dark = QrCode::new("hello", QrOptions::new()).unwrap().to_terminal();
    let light = QrCode::new("hello", QrOptions::new().terminal_theme(TerminalTheme::Light))
        .unwrap()
        .to_terminal();
    let flip = |c: char| match c {
        '█' => ' ',
        ' ' => '█',
        '▀' => '▄',
        '▄' => '▀',
        other => other,
    };
    // All lines but the last, whose lower half is outside the drawing in both themes.
    let (dark_lines, light_lines): (Vec<&str>, Vec<&str>) = (dark.lines().collect(), light.lines().collect());
    for (d, l) in dark_lines.iter().zip(&light_lines).take(dark_lines.len() - 1) {
        assert_eq!(d.chars().map(flip).collect::<String>(), *l);
    }
}

#[test]
fn options_out_of_range_and_data_too_long_are_typed_errors() {
    let new = |options| QrCode::new("x", options).unwrap_err();
    assert_eq!(
        new(QrOptions::new().module_size(0)),
        QrError::ModuleSize { max: 64 }
    );
    assert_eq!(
        new(QrOptions::new().module_size(65)),
        QrError::ModuleSize { max: 64 }
    );
    assert_eq!(
        new(QrOptions::new().quiet_zone(17)),
        QrError::QuietZone { max: 16 }
    );
    assert!(QrCode::new("x", QrOptions::new().module_size(64).quiet_zone(16)).is_ok());
    let long = "x".repeat(2500); // over the 2331 bytes of version 40-M, under the 2953 of 40-L
    assert_eq!(
        QrCode::new(&long, QrOptions::new()).unwrap_err(),
        QrError::DataTooLong
    );
    assert!(QrCode::new(&long, QrOptions::new().ec_level(EcLevel::L)).is_ok());
}

#[test]
fn debug_shows_the_size_and_level_only() {
    let qr = typical()
        .to_qr_code(QrOptions::new().ec_level(EcLevel::Q))
        .unwrap();
    assert_eq!(
        format!("{qr:?}"),
        format!("QrCode {{ width: {}, ec_level: Q, .. }}", qr.width())
    );
}
