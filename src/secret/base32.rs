//! Lenient base32 input: normalised into a zeroized stack buffer, then decoded strictly by
//! `data-encoding`.

use data_encoding::{BASE32_NOPAD, DecodeKind};
use zeroize::Zeroizing;

use super::{Secret, SecretError};

/// Base32 characters for the longest secret (8 characters per 5 bytes, rounded up).
const MAX_SYMBOLS: usize = Secret::MAX_BYTES.div_ceil(5) * 8;

/// Decodes `text` into `out`, returning the number of bytes written.
///
/// Accepted: either case, ASCII white space anywhere, any number of `=` at the end.
pub(super) fn decode_lenient(text: &str, out: &mut [u8; Secret::MAX_BYTES]) -> Result<usize, SecretError> {
    let mut symbols = Zeroizing::new([0u8; MAX_SYMBOLS]);
    let mut count = 0usize;
    let mut padding_from = None;
    for (position, byte) in text.bytes().enumerate() {
        if byte.is_ascii_whitespace() {
            continue;
        }
        if byte == b'=' {
            padding_from.get_or_insert(position);
            continue;
        }
        let upper = byte.to_ascii_uppercase();
        if padding_from.is_some() || !matches!(upper, b'A'..=b'Z' | b'2'..=b'7') {
            return Err(SecretError::InvalidCharacter { position });
        }
        let slot = symbols.get_mut(count).ok_or(SecretError::TooLong {
            max_bits: Secret::MAX_BYTES * 8,
        })?;
        *slot = upper;
        count += 1;
    }
    let symbols = symbols.get(..count).unwrap_or_default();
    let len = BASE32_NOPAD
        .decode_len(count)
        .map_err(|_| SecretError::InvalidLength { symbols: count })?;
    let target = out.get_mut(..len).ok_or(SecretError::TooLong {
        max_bits: Secret::MAX_BYTES * 8,
    })?;
    match BASE32_NOPAD.decode_mut(symbols, target) {
        Ok(written) => Ok(written),
        // Every symbol was checked above, so only the trailing bits or the length can be wrong.
        Err(partial) => Err(match partial.error.kind {
            DecodeKind::Trailing => SecretError::NonCanonical,
            _ => SecretError::InvalidLength { symbols: count },
        }),
    }
}
