//! Drawing codes from a CSPRNG, and the plaintext codes shown to the user once.

use core::fmt;

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::error::BackupError;
use super::format::CodeFormat;
use super::normalize::CanonicalCode;

/// How many times a code is drawn again when it repeats an earlier code of the set before the
/// generator is judged broken. With 65 bits or more per code an honest repeat has a probability
/// under 2<sup>-51</sup> even for 100 codes, so a second repeat means the RNG is not random.
const MAX_DRAWS: usize = 2;

/// Draws `format.count()` distinct codes from `fill`, a CSPRNG.
///
/// Each symbol is the low 5 bits of one random byte: 256 is a multiple of 32, so every symbol is
/// equally likely and a code has exactly [`CodeFormat::entropy_bits`] bits of entropy.
pub(crate) fn draw<F>(fill: &mut F, format: &CodeFormat) -> Result<Vec<CanonicalCode>, BackupError>
where
    F: FnMut(&mut [u8]) -> Result<(), BackupError>,
{
    let mut codes: Vec<CanonicalCode> = Vec::with_capacity(format.count());
    let mut bytes = Zeroizing::new([0u8; CodeFormat::MAX_LENGTH]);
    let buffer = bytes.get_mut(..format.length()).unwrap_or_default();
    while codes.len() < format.count() {
        let mut draws = 0;
        let code = loop {
            fill(buffer)?;
            let code = CanonicalCode::from_values(buffer);
            draws += 1;
            if codes.iter().all(|other| other.as_bytes() != code.as_bytes()) {
                break code;
            }
            if draws >= MAX_DRAWS {
                return Err(BackupError::Rng);
            }
        };
        codes.push(code);
    }
    Ok(codes)
}

/// The plaintext backup codes of a new set, to show the user once.
///
/// The application shows them (and offers to download or print them) when the set is generated
/// and then drops this value: it stores only the [`BackupCodeSet`](crate::backup::BackupCodeSet). The
/// codes are zeroized when dropped; `Debug` shows their number and nothing else; there is no
/// `Display` and no `Clone`. Reading them is the explicit [`BackupCodes::expose_codes`].
///
/// ```
/// use twofactor::backup::{BackupCodeSet, CodeFormat, HmacHasher};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// let (codes, _set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// assert_eq!(format!("{codes:?}"), "BackupCodes { count: 10, .. }");
/// for code in codes.expose_codes() {
///     assert_eq!(code.len(), 19); // XXXX-XXXX-XXXX-XXXX
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BackupCodes {
    codes: Vec<String>,
    format: CodeFormat,
}

impl BackupCodes {
    /// No codes: what a confirmation that adds a further authenticator gives (the user's set
    /// stays). The service's, so `std`'s.
    #[cfg(feature = "std")]
    pub(crate) const fn none(format: CodeFormat) -> Self {
        Self {
            codes: Vec::new(),
            format,
        }
    }

    /// Formats canonical codes for display.
    pub(crate) fn new(canonical: &[CanonicalCode], format: CodeFormat) -> Self {
        let mut codes = Vec::with_capacity(canonical.len());
        for code in canonical {
            let mut text = String::with_capacity(format.display_len());
            format.write_display(code.as_bytes(), &mut text);
            codes.push(text);
        }
        Self { codes, format }
    }

    /// The codes as shown to the user, upper case, in groups separated by hyphens, in the order
    /// of their indices in the set.
    pub fn expose_codes(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + '_ {
        self.codes.iter().map(String::as_str)
    }

    /// The code at `index` as shown to the user, if there is one.
    #[must_use]
    pub fn expose_code(&self, index: usize) -> Option<&str> {
        self.codes.get(index).map(String::as_str)
    }

    /// The number of codes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether there are no codes (never, for a generated set).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The format the codes were generated in.
    #[must_use]
    pub const fn format(&self) -> CodeFormat {
        self.format
    }
}

impl fmt::Debug for BackupCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupCodes")
            .field("count", &self.codes.len())
            .finish_non_exhaustive()
    }
}

impl Drop for BackupCodes {
    fn drop(&mut self) {
        self.codes.zeroize();
    }
}

impl ZeroizeOnDrop for BackupCodes {}
