//! Percent-encoding (RFC 3986 §2.1), hand-written rather than taken from the `percent-encoding`
//! crate for three reasons: decoding must refuse a `%` that is not followed by two hexadecimal
//! digits (that crate passes it through), it must write into a buffer the caller zeroizes (the
//! secret goes through it), and the query's `+` needs its own rule (see [`Plus`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::UriError;

/// Writes `text` with every byte outside RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`)
/// percent-encoded in upper-case hexadecimal, UTF-8 byte by byte. A space is `%20`, never `+`.
pub(super) fn encode(text: &str, out: &mut impl fmt::Write) -> fmt::Result {
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        if is_unreserved(c) {
            out.write_char(c)?;
        } else {
            for byte in c.encode_utf8(&mut buffer).bytes() {
                write!(out, "%{byte:02X}")?;
            }
        }
    }
    Ok(())
}

const fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// What a `+` means in the text being decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plus {
    /// A literal `+`: RFC 3986, the URI's path (the label).
    Literal,
    /// A space: the `application/x-www-form-urlencoded` rule that most URL libraries apply to a
    /// query, and that many URI generators rely on. The crate itself always writes `%20`, and
    /// writes a literal `+` as `%2B`, so its own URIs read the same either way.
    Space,
}

/// Appends the percent-decoded bytes of `text` to `out`, which is reserved up front so that it
/// never reallocates (a reallocation would leave a copy of a secret behind).
///
/// # Errors
/// [`UriError::Encoding`] for a `%` not followed by two hexadecimal digits. The bytes are not
/// checked to be UTF-8 here.
pub(super) fn decode_into(text: &str, plus: Plus, out: &mut Vec<u8>) -> Result<(), UriError> {
    out.reserve_exact(text.len());
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        out.push(match byte {
            b'%' => {
                let high = bytes.next().and_then(hex_value).ok_or(UriError::Encoding)?;
                let low = bytes.next().and_then(hex_value).ok_or(UriError::Encoding)?;
                high << 4 | low
            }
            b'+' if plus == Plus::Space => b' ',
            other => other,
        });
    }
    Ok(())
}

/// Percent-decodes `text` into a new string.
///
/// # Errors
/// [`UriError::Encoding`] for a bad `%` escape or bytes that are not UTF-8.
pub(super) fn decode(text: &str, plus: Plus) -> Result<String, UriError> {
    let mut bytes = Vec::new();
    decode_into(text, plus, &mut bytes)?;
    String::from_utf8(bytes).map_err(|_| UriError::Encoding)
}

const fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(text: &str) -> String {
        let mut out = String::new();
        encode(text, &mut out).unwrap();
        out
    }

    #[test]
    fn encodes_everything_but_the_unreserved_set() {
        assert_eq!(encoded("Az09-._~"), "Az09-._~");
        assert_eq!(
            encoded("a b+c:d/e?f#g&h=i%j@k"),
            "a%20b%2Bc%3Ad%2Fe%3Ff%23g%26h%3Di%25j%40k"
        );
        assert_eq!(encoded("é€😀"), "%C3%A9%E2%82%AC%F0%9F%98%80");
        assert_eq!(encoded(""), "");
    }

    #[test]
    fn decodes_escapes_in_either_case_and_plus_by_context() {
        assert_eq!(decode("a%20b%2bc%3A", Plus::Literal).unwrap(), "a b+c:");
        assert_eq!(decode("a+b", Plus::Literal).unwrap(), "a+b");
        assert_eq!(decode("a+b", Plus::Space).unwrap(), "a b");
        assert_eq!(decode("%C3%a9", Plus::Space).unwrap(), "é");
        assert_eq!(decode("café", Plus::Space).unwrap(), "café");
    }

    #[test]
    fn refuses_truncated_or_non_hex_escapes_and_non_utf8() {
        for bad in ["%", "%2", "a%g0", "%0g", "%%20", "%C3", "%FF"] {
            assert_eq!(decode(bad, Plus::Literal), Err(UriError::Encoding), "{bad}");
        }
    }

    #[test]
    fn decode_inverts_encode() {
        for text in ["", "Example Co", "a:b", "100% ~ + & = ? # /", "Ünïcödé 😀 ∑"] {
            assert_eq!(decode(&encoded(text), Plus::Space).unwrap(), text);
            assert_eq!(decode(&encoded(text), Plus::Literal).unwrap(), text);
        }
    }
}
