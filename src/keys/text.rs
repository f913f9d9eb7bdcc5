//! The text form of [`ServerKeys`]: `tfk1.<id>.<secret>` entries, newest first, separated by
//! commas.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;
use core::str::FromStr;

use data_encoding::BASE64URL_NOPAD;
use zeroize::Zeroizing;

use super::{Entry, ServerKeys};
use crate::config_error::{ConfigError, EntryProblem};

/// What starts every entry: "twofactor keys", text format 1.
const PREFIX: &str = "tfk1.";
/// The longest entry: the prefix, ten digits, a dot and 86 symbols (64 bytes), and a comma.
const MAX_ENTRY_CHARS: usize = PREFIX.len() + 10 + 1 + 86 + 1;

impl ServerKeys {
    /// Reads the text form (see [the module](crate::keys#the-text-form)).
    ///
    /// # Errors
    /// [`ConfigError::NoKeys`] for a text without entries; [`ConfigError::KeyEntry`] naming the first
    /// entry that is not a key and what is wrong with it; [`ConfigError::DuplicateKeyId`]. No error
    /// carries any of the text.
    ///
    /// ```
    /// use twofactor::ConfigError;
    /// use twofactor::keys::{EntryProblem, ServerKeys};
    ///
    /// let keys = ServerKeys::parse(
    ///     "tfk1.2.AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI,tfk1.1.AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\n",
    /// )?;
    /// assert_eq!(keys.key_ids().collect::<Vec<_>>(), [2, 1]);
    /// assert_eq!(
    ///     ServerKeys::parse("tfk1.01.AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE").unwrap_err(),
    ///     ConfigError::KeyEntry { entry: 1, problem: EntryProblem::KeyId }
    /// );
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim_ascii();
        if text.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        let mut entries = Vec::new();
        for (index, entry) in text.split(',').enumerate() {
            let entry_error = |problem| ConfigError::KeyEntry {
                entry: index + 1,
                problem,
            };
            let (id, secret) = parse_entry(entry).map_err(entry_error)?;
            entries.push(Entry { id, secret });
        }
        Self::from_entries(entries)
    }

    /// The text form (see [the module](crate::keys#the-text-form)), newest first: what
    /// [`ServerKeys::parse`] reads. Zeroized when dropped; it is the keys themselves, so write it
    /// only to a secrets manager.
    ///
    /// ```
    /// use twofactor::keys::ServerKeys;
    ///
    /// let keys = ServerKeys::new(7, &[0xfb; 32])?;
    /// assert_eq!(keys.to_text().as_str(), "tfk1.7.-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s");
    /// assert_eq!(ServerKeys::parse(&keys.to_text())?.to_text(), keys.to_text());
    /// # Ok::<(), twofactor::ConfigError>(())
    /// ```
    #[must_use]
    pub fn to_text(&self) -> Zeroizing<String> {
        // Room for every entry at its longest, so that the string never moves (a move would
        // leave a copy of the keys behind).
        let mut text = Zeroizing::new(String::with_capacity(self.entries.len() * MAX_ENTRY_CHARS));
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            // Writing to a `String` cannot fail.
            let _ = write!(text, "{PREFIX}{}.", entry.id);
            BASE64URL_NOPAD.encode_append(&entry.secret, &mut text);
        }
        text
    }
}

impl FromStr for ServerKeys {
    type Err = ConfigError;

    /// As [`ServerKeys::parse`].
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        Self::parse(text)
    }
}

fn parse_entry(entry: &str) -> Result<(u32, Zeroizing<Vec<u8>>), EntryProblem> {
    if entry.is_empty() {
        return Err(EntryProblem::Empty);
    }
    let rest = entry.strip_prefix(PREFIX).ok_or(EntryProblem::Prefix)?;
    let (id, secret) = rest.split_once('.').ok_or(EntryProblem::Fields)?;
    if secret.contains('.') {
        return Err(EntryProblem::Fields);
    }
    Ok((parse_id(id)?, decode_secret(secret)?))
}

/// A decimal `u32`, digits only, without a leading zero (but `0` itself): one spelling per id.
fn parse_id(id: &str) -> Result<u32, EntryProblem> {
    let digits_only = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (id.len() > 1 && id.starts_with('0')) {
        return Err(EntryProblem::KeyId);
    }
    id.parse().map_err(|_| EntryProblem::KeyId)
}

/// Decodes into a buffer of its own that is zeroized when dropped, on success or failure alike.
fn decode_secret(secret: &str) -> Result<Zeroizing<Vec<u8>>, EntryProblem> {
    let len = BASE64URL_NOPAD
        .decode_len(secret.len())
        .map_err(|_| EntryProblem::Base64)?;
    if !(ServerKeys::MIN_SECRET_LEN..=ServerKeys::MAX_SECRET_LEN).contains(&len) {
        return Err(EntryProblem::SecretLength { len });
    }
    let mut bytes = Zeroizing::new(alloc::vec![0; len]);
    let written = BASE64URL_NOPAD
        .decode_mut(secret.as_bytes(), &mut bytes)
        .map_err(|_| EntryProblem::Base64)?;
    bytes.truncate(written);
    Ok(bytes)
}
