//! The format of a backup code: alphabet, length, grouping, and the entropy they give.

use alloc::string::String;

use super::error::BackupError;

/// The shape of a set of backup codes: how many codes, how many symbols each, and how the symbols
/// are grouped when shown.
///
/// The alphabet is fixed: Crockford's base32, `0`–`9` and `A`–`Z` without `I`, `L`, `O` and `U`
/// ([`CodeFormat::ALPHABET`]). It has no pair of letters and digits that look alike, and each
/// symbol carries exactly 5 bits, so a code of `length` symbols drawn uniformly from a CSPRNG has
/// `5 × length` bits of entropy ([`CodeFormat::entropy_bits`]).
///
/// | | default | range |
/// | --- | --- | --- |
/// | codes in a set | 10 | 1–100 |
/// | symbols per code | 16 (80 bits) | 13 (65 bits)–32 (160 bits) |
/// | symbols per group | 4 (`7KQ2-M9XD-4RTW-HC3P`) | 3–32 (no hyphen once ≥ length) |
///
/// The floor of 13 symbols is the shortest code with at least the 64 bits of entropy that NIST SP
/// 800-63B-4 requires of saved recovery codes (look-up secrets, §3.1.2.1): no format with less can
/// be built. The ceiling of 100 codes bounds the work of one lookup and the size of a stored set.
///
/// ```
/// use twofactor::backup::CodeFormat;
///
/// let format = CodeFormat::default();
/// assert_eq!((format.count(), format.length(), format.group()), (10, 16, 4));
/// assert_eq!(format.entropy_bits(), 80);
///
/// let format = CodeFormat::builder().count(12).length(15).group(5).build()?;
/// assert_eq!(format.display_len(), 17); // XXXXX-XXXXX-XXXXX
/// assert!(CodeFormat::builder().length(12).build().is_err()); // 60 bits: below the floor
/// # Ok::<(), twofactor::backup::BackupError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeFormat {
    count: usize,
    length: usize,
    group: usize,
}

impl CodeFormat {
    /// The symbols of a code: Crockford's base32 alphabet (`0`–`9`, `A`–`Z` without `I`, `L`,
    /// `O`, `U`), in the order of their 5-bit values.
    pub const ALPHABET: &'static [u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    /// The bits of entropy of one uniformly drawn symbol: `log2(ALPHABET.len())`, exactly 5.
    pub const BITS_PER_SYMBOL: usize = Self::ALPHABET.len().ilog2() as usize;
    /// The least entropy of a code: 64 bits (NIST SP 800-63B-4 §3.1.2.1).
    pub const MIN_ENTROPY_BITS: usize = 64;

    /// The fewest codes in a set.
    pub const MIN_COUNT: usize = 1;
    /// The number of codes in a set by default.
    pub const DEFAULT_COUNT: usize = 10;
    /// The most codes in a set; a lookup compares against this many slots whatever the set holds.
    pub const MAX_COUNT: usize = 100;

    /// The shortest code: the fewest symbols with [`CodeFormat::MIN_ENTROPY_BITS`], 13 (65 bits).
    pub const MIN_LENGTH: usize = Self::MIN_ENTROPY_BITS.div_ceil(Self::BITS_PER_SYMBOL);
    /// The shortest code of a set imported from another system
    /// ([`BackupCodeSet::import_plain`](crate::backup::BackupCodeSet::import_plain),
    /// [`BackupCodeSet::import_bcrypt`](crate::backup::BackupCodeSet::import_bcrypt)): 8
    /// symbols. The users hold those codes already, so they are taken as they were issued, even
    /// under the 64 bits a new set has; throttling bounds the guesses. Never a new set's.
    pub const MIN_IMPORTED_LENGTH: usize = 8;
    /// The length of a code by default: 16 symbols, 80 bits, shown as four groups of four.
    pub const DEFAULT_LENGTH: usize = 16;
    /// The longest code: 32 symbols, 160 bits.
    pub const MAX_LENGTH: usize = 32;

    /// The shortest group of symbols between hyphens.
    pub const MIN_GROUP: usize = 3;
    /// The symbols per group by default.
    pub const DEFAULT_GROUP: usize = 4;
    /// The longest group; a group at least as long as the code shows it without hyphens.
    pub const MAX_GROUP: usize = Self::MAX_LENGTH;

    /// 10 codes of 16 symbols (80 bits) in groups of 4.
    pub const DEFAULT: Self = Self {
        count: Self::DEFAULT_COUNT,
        length: Self::DEFAULT_LENGTH,
        group: Self::DEFAULT_GROUP,
    };

    /// A builder starting from the defaults.
    pub const fn builder() -> CodeFormatBuilder {
        CodeFormatBuilder {
            format: Self::DEFAULT,
        }
    }

    /// The number of codes in a set.
    #[must_use]
    pub const fn count(&self) -> usize {
        self.count
    }

    /// The number of symbols in a code, separators not counted.
    #[must_use]
    pub const fn length(&self) -> usize {
        self.length
    }

    /// The number of symbols between two hyphens when a code is shown.
    #[must_use]
    pub const fn group(&self) -> usize {
        self.group
    }

    /// The entropy of one code in bits: `length × log2(ALPHABET.len())`, at least
    /// [`CodeFormat::MIN_ENTROPY_BITS`].
    #[must_use]
    pub const fn entropy_bits(&self) -> usize {
        self.length * Self::BITS_PER_SYMBOL
    }

    /// The number of characters of a code as shown: the symbols and the hyphens between groups.
    #[must_use]
    pub const fn display_len(&self) -> usize {
        self.length + (self.length - 1) / self.group
    }

    /// Appends `symbols` (canonical, one code) to `out` with a hyphen between groups.
    pub(crate) fn write_display(&self, symbols: &[u8], out: &mut String) {
        for (index, &symbol) in symbols.iter().enumerate() {
            if index > 0 && index % self.group == 0 {
                out.push('-');
            }
            out.push(char::from(symbol));
        }
    }
}

impl Default for CodeFormat {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Builds a [`CodeFormat`]; `build()` validates.
///
/// ```
/// use twofactor::backup::CodeFormat;
///
/// let format = CodeFormat::builder().count(8).length(20).group(5).build()?;
/// assert_eq!((format.count(), format.entropy_bits()), (8, 100));
/// # Ok::<(), twofactor::backup::BackupError>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct CodeFormatBuilder {
    format: CodeFormat,
}

impl CodeFormatBuilder {
    /// The number of codes in a set, [`CodeFormat::MIN_COUNT`]–[`CodeFormat::MAX_COUNT`]
    /// (default 10).
    pub const fn count(mut self, count: usize) -> Self {
        self.format.count = count;
        self
    }

    /// The number of symbols in a code, [`CodeFormat::MIN_LENGTH`]–[`CodeFormat::MAX_LENGTH`]
    /// (default 16).
    pub const fn length(mut self, length: usize) -> Self {
        self.format.length = length;
        self
    }

    /// The number of symbols per group, [`CodeFormat::MIN_GROUP`]–[`CodeFormat::MAX_GROUP`]
    /// (default 4).
    pub const fn group(mut self, group: usize) -> Self {
        self.format.group = group;
        self
    }

    /// Checks the format.
    ///
    /// # Errors
    /// [`BackupError::Count`], [`BackupError::Length`] or [`BackupError::Group`] for
    /// a value out of its range; in particular a length under [`CodeFormat::MIN_LENGTH`], whose
    /// codes would have less than 64 bits of entropy.
    pub const fn build(self) -> Result<CodeFormat, BackupError> {
        let CodeFormat { count, length, group } = self.format;
        if count < CodeFormat::MIN_COUNT || count > CodeFormat::MAX_COUNT {
            return Err(BackupError::Count {
                count,
                min: CodeFormat::MIN_COUNT,
                max: CodeFormat::MAX_COUNT,
            });
        }
        if length < CodeFormat::MIN_LENGTH || length > CodeFormat::MAX_LENGTH {
            return Err(BackupError::Length {
                length,
                min: CodeFormat::MIN_LENGTH,
                max: CodeFormat::MAX_LENGTH,
            });
        }
        if group < CodeFormat::MIN_GROUP || group > CodeFormat::MAX_GROUP {
            return Err(BackupError::Group {
                group,
                min: CodeFormat::MIN_GROUP,
                max: CodeFormat::MAX_GROUP,
            });
        }
        Ok(self.format)
    }
}

/// The value of each byte as a symbol: its 5-bit value, or [`INVALID`] (also for separators).
/// Lower case is folded and Crockford's look-alikes are mapped: `O` to `0`, `I` and `L` to `1`.
pub(crate) const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut value: u8 = 0;
    while (value as usize) < CodeFormat::ALPHABET.len() {
        let symbol = CodeFormat::ALPHABET[value as usize];
        table[symbol as usize] = value;
        table[symbol.to_ascii_lowercase() as usize] = value;
        value += 1;
    }
    table[b'O' as usize] = 0;
    table[b'o' as usize] = 0;
    table[b'I' as usize] = 1;
    table[b'i' as usize] = 1;
    table[b'L' as usize] = 1;
    table[b'l' as usize] = 1;
    table
};

/// Not a symbol.
pub(crate) const INVALID: u8 = 0xff;

const _: () = assert!(CodeFormat::ALPHABET.len().is_power_of_two());
const _: () = assert!(CodeFormat::MIN_LENGTH * CodeFormat::BITS_PER_SYMBOL >= CodeFormat::MIN_ENTROPY_BITS);
const _: () = assert!(CodeFormat::DEFAULT_LENGTH >= CodeFormat::MIN_LENGTH);
