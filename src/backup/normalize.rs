//! What a person types, made canonical: the symbols of the alphabet in upper case, nothing else.

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::error::BackupError;
use super::format::{CodeFormat, DECODE, INVALID};

/// A code in canonical form, in a zeroized stack buffer: exactly the set's length in symbols of
/// [`CodeFormat::ALPHABET`], upper case, no separators. This is what a hasher hashes.
pub(crate) struct CanonicalCode {
    symbols: [u8; CodeFormat::MAX_LENGTH],
    len: usize,
}

impl CanonicalCode {
    /// Builds a code from 5-bit values (already drawn from a CSPRNG), `len` of them.
    pub(crate) fn from_values(values: &[u8]) -> Self {
        let mut code = Self {
            symbols: [0; CodeFormat::MAX_LENGTH],
            len: values.len().min(CodeFormat::MAX_LENGTH),
        };
        for (slot, &value) in code.symbols.iter_mut().zip(values) {
            *slot = CodeFormat::ALPHABET
                .get(usize::from(value & 0x1f))
                .copied()
                .unwrap_or(b'0');
        }
        code
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.symbols.get(..self.len).unwrap_or_default()
    }
}

impl Drop for CanonicalCode {
    fn drop(&mut self) {
        self.symbols.zeroize();
    }
}

impl ZeroizeOnDrop for CanonicalCode {}

/// Reads what a person typed as a code of `length` symbols.
///
/// * ASCII white space and hyphens are ignored wherever they are (`7kq2 m9xd`, `7KQ2-M9XD`,
///   `7KQ2M9XD`, a code pasted with a line break).
/// * Letters are read in either case.
/// * Crockford's look-alikes are read as what they look like: `O` as `0`, `I` and `L` as `1`
///   (none of the three is in the alphabet, so nothing is ambiguous).
/// * Anything else — `U`, punctuation, a non-ASCII character — is an error, as is a number of
///   symbols other than `length`.
pub(crate) fn normalize(input: &str, length: usize) -> Result<CanonicalCode, BackupError> {
    let mut code = CanonicalCode {
        symbols: [0; CodeFormat::MAX_LENGTH],
        len: 0,
    };
    let mut found = 0usize;
    for (position, byte) in input.bytes().enumerate() {
        if byte == b'-' || byte.is_ascii_whitespace() {
            continue;
        }
        let value = DECODE.get(usize::from(byte)).copied().unwrap_or(INVALID);
        if value == INVALID {
            return Err(BackupError::InvalidCharacter { position });
        }
        if let Some(slot) = code.symbols.get_mut(found) {
            *slot = CodeFormat::ALPHABET
                .get(usize::from(value))
                .copied()
                .unwrap_or(b'0');
        }
        found += 1;
    }
    if found == 0 {
        return Err(BackupError::Empty);
    }
    if found != length || length > CodeFormat::MAX_LENGTH {
        return Err(BackupError::WrongLength {
            expected: length,
            found,
        });
    }
    code.len = found;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use alloc::string::String;

    use super::*;

    fn canonical(input: &str, length: usize) -> Result<String, BackupError> {
        normalize(input, length).map(|code| String::from_utf8(code.as_bytes().to_vec()).unwrap())
    }

    #[test]
    fn separators_case_and_look_alikes_are_normalised() {
        assert_eq!(
            canonical("7kq2-m9xd 4rtw\thc3p\n", 16).unwrap(),
            "7KQ2M9XD4RTWHC3P"
        );
        assert_eq!(canonical("oOiIlL0123456", 13).unwrap(), "0011110123456");
        assert_eq!(
            canonical("--a-b-c-d-e-f-g-h-j-k-m-n-p--", 13).unwrap(),
            "ABCDEFGHJKMNP"
        );
    }

    #[test]
    fn input_that_is_not_a_code_is_a_typed_error() {
        assert_eq!(canonical(" - \t", 13), Err(BackupError::Empty));
        assert_eq!(canonical("", 13), Err(BackupError::Empty));
        assert_eq!(
            canonical("ABCD-EFGH-JKMU", 13),
            Err(BackupError::InvalidCharacter { position: 13 })
        );
        assert_eq!(
            canonical("ABCDÉFGHJKMNP", 13),
            Err(BackupError::InvalidCharacter { position: 4 })
        );
        assert_eq!(
            canonical("ABCDEFGHJKMN", 13),
            Err(BackupError::WrongLength {
                expected: 13,
                found: 12
            })
        );
        let long = "A".repeat(1000);
        assert_eq!(
            canonical(&long, 13),
            Err(BackupError::WrongLength {
                expected: 13,
                found: 1000
            })
        );
    }
}
