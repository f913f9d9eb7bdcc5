//! The one error of the backup-code module.

use alloc::sync::Arc;
use core::fmt;

/// Why backup codes could not be generated, verified, consumed, hashed or read back: one error
/// for the whole module, so that an application handles it in one place. Says nothing about how
/// close a wrong code was, nor which code a used one was; never carries a key, a code or a hash.
///
/// Which calls give which variants:
///
/// | variant | from | `Display` |
/// | --- | --- | --- |
/// | `Empty` | verifying typed input | `no backup code was entered` |
/// | `InvalidCharacter` | 〃 | `the backup code has an invalid character at byte {position}` |
/// | `WrongLength` | 〃 | `the backup code has {found} symbols; {expected} are expected` |
/// | `Mismatch` | verifying | `the backup code is wrong` |
/// | `Used` | verifying, consuming | `the backup code was already used` |
/// | `OutOfRange` | [`mark_used`](crate::backup::BackupCodeSet::mark_used) | `no backup code at index {index}: the set has {count}` |
/// | `AlreadyUsed` | [`mark_used`](crate::backup::BackupCodeSet::mark_used) | `the backup code was already used at {at}` |
/// | `Rng` | generating | `the random number generator failed` |
/// | `Count` | [`CodeFormat::builder`](crate::backup::CodeFormat::builder) | `{count} backup codes: a set has {min} to {max}` |
/// | `Length` | 〃 | `backup codes of {length} symbols: a code has {min} to {max} (at least 64 bits)` |
/// | `Group` | 〃 | `groups of {group} symbols: a group has {min} to {max}` |
/// | `UnsupportedScheme` | a hasher: generating, verifying | `the hasher does not compute this backup-code scheme` |
/// | `Bound` | [`verify`](crate::backup::BackupCodeSet::verify) of a set bound to its user | `the backup codes are bound to their user: verify them with verify_for` |
/// | `KeyMismatch` | 〃 | `the backup codes were hashed under key {stored}; the hasher holds key {held}` |
/// | `InvalidParams` | 〃, `Argon2Hasher::with_params` | `backup-code hashing parameters out of range` |
/// | `DuplicateKeyId` | [`HmacHasher::with_old_key`](crate::backup::HmacHasher::with_old_key) | `backup-code key id {key_id} appears twice in the hasher` |
/// | `KeyLength` | [`HmacHasher::new`](crate::backup::HmacHasher::new) | `an HMAC key of {len} bytes: {min} to {max} are accepted` |
/// | `HashFailed` | a hasher | `the hasher failed` (the hasher's own error is the [`source`](core::error::Error::source)) |
/// | `Stored` | [`from_stored`](crate::backup::BackupCodeSet::from_stored) | ``stored backup codes: {problem}``, the [`StoredProblem`]'s text |
/// | `ImportedCode` | [`import_plain`](crate::backup::BackupCodeSet::import_plain) | `imported backup code {index} is not a code: 8 to 32 symbols of Crockford's base32 (digits, hex), with spaces or hyphens` |
/// | `ImportedLength` | 〃 | `imported backup code {index} has {found} symbols; the first has {expected}` |
/// | `Bcrypt` | `import_bcrypt` (feature `bcrypt`) | `imported backup code hash {index} is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)` |
/// | `BcryptCost` | 〃 | `imported bcrypt hash {index} has cost {cost}: 4 to 14, the same for every hash of a set` |
///
/// ```
/// use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// let (codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// let code = codes.expose_code(0).ok_or("no code")?;
/// set.consume(code, &hasher, 1_700_000_000)?;
/// let error = set.verify(code, &hasher).err().ok_or("accepted twice")?;
/// assert_eq!(error, BackupError::Used);
/// assert_eq!(error.to_string(), "the backup code was already used");
/// assert!(set.verify("ABCD-EFGH", &hasher).unwrap_err().is_malformed());
/// assert_eq!(set.mark_used(0, 120), Err(BackupError::AlreadyUsed { at: 1_700_000_000 }));
/// assert_eq!(
///     CodeFormat::builder().length(10).build(),
///     Err(BackupError::Length { length: 10, min: 13, max: 32 })
/// );
/// let other_key = HmacHasher::new(2, &[0x42; 32])?;
/// assert_eq!(set.verify(code, &other_key), Err(BackupError::KeyMismatch { stored: 1, held: 2 }));
///
/// // A hasher of its own keeps the reason it failed.
/// let down = BackupError::hash_failed(std::io::Error::other("the hashing service did not answer"));
/// assert_eq!(down.to_string(), "the hasher failed");
/// let cause = std::error::Error::source(&down).ok_or("no cause")?;
/// assert_eq!(cause.to_string(), "the hashing service did not answer");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Two errors compare equal when they say the same thing; a [`BackupError::HashFailed`] is equal
/// only to itself and its clones (its cause is shared, behind an [`Arc`], so that the error stays
/// `Clone`), since a cause, any error, has no equality: match it with `matches!`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum BackupError {
    /// Typed input of nothing but white space and hyphens; nothing was hashed.
    Empty,
    /// Typed input with a character that is neither a symbol of the alphabet (either case, with
    /// `O`, `I` and `L` read as `0`, `1` and `1`) nor white space nor a hyphen; nothing was hashed.
    InvalidCharacter {
        /// The byte offset of the character in the input.
        position: usize,
    },
    /// Typed input with too many or too few symbols; nothing was hashed.
    WrongLength {
        /// The number of symbols of the set's codes.
        expected: usize,
        /// The number of symbols typed.
        found: usize,
    },
    /// The code is not in the set.
    Mismatch,
    /// The code is in the set but was already used (OWASP ASVS 5.0 6.5.1: a look-up secret is
    /// used once).
    Used,
    /// There is no code at this index.
    OutOfRange {
        /// The index given.
        index: usize,
        /// The number of codes in the set.
        count: usize,
    },
    /// The code at this index was already used.
    AlreadyUsed {
        /// When it was used, in Unix seconds.
        at: u64,
    },
    /// The random number generator failed, or drew the same code twice (which a working CSPRNG
    /// does with a probability under 2<sup>-51</sup>).
    Rng,
    /// A [`CodeFormat`](crate::backup::CodeFormat) with too few or too many codes in a set.
    Count {
        /// The count given.
        count: usize,
        /// The fewest allowed.
        min: usize,
        /// The most allowed.
        max: usize,
    },
    /// A [`CodeFormat`](crate::backup::CodeFormat) with codes too short (under 64 bits of
    /// entropy) or too long.
    Length {
        /// The length given, in symbols.
        length: usize,
        /// The shortest allowed.
        min: usize,
        /// The longest allowed.
        max: usize,
    },
    /// A [`CodeFormat`](crate::backup::CodeFormat) with groups too short or too long.
    Group {
        /// The group size given, in symbols.
        group: usize,
        /// The shortest allowed.
        min: usize,
        /// The longest allowed.
        max: usize,
    },
    /// The hasher does not compute this scheme (a set hashed with HMAC offered to the Argon2
    /// hasher, or the other way round).
    UnsupportedScheme,
    /// The set is bound to its user ([`BackupCodeSet::is_bound`](crate::backup::BackupCodeSet::is_bound)):
    /// it verifies only with [`verify_for`](crate::backup::BackupCodeSet::verify_for) and the user's id.
    Bound,
    /// The set was hashed under an HMAC key other than the hasher's.
    KeyMismatch {
        /// The key identifier the set names.
        stored: u32,
        /// The key identifier of the hasher.
        held: u32,
    },
    /// Hashing parameters out of the ranges documented on
    /// [`HashScheme`](crate::backup::HashScheme).
    InvalidParams,
    /// Two keys with the same identifier in one hasher
    /// ([`HmacHasher::with_old_key`](crate::backup::HmacHasher::with_old_key)).
    DuplicateKeyId {
        /// The identifier given twice.
        key_id: u32,
    },
    /// An HMAC key of a length outside the accepted range.
    KeyLength {
        /// The length given, in bytes.
        len: usize,
        /// The shortest accepted.
        min: usize,
        /// The longest accepted.
        max: usize,
    },
    /// The hasher's computation failed (out of memory, a remote hashing service unavailable).
    /// Its own error is kept as the [`source`](core::error::Error::source); make it with
    /// [`BackupError::hash_failed`].
    HashFailed(Arc<dyn core::error::Error + Send + Sync + 'static>),
    /// A stored set that does not read back: which part is wrong.
    Stored(StoredProblem),
    /// An imported plain code ([`BackupCodeSet::import_plain`](crate::backup::BackupCodeSet::import_plain))
    /// with a character outside the alphabet, or (the first) of fewer than
    /// [`CodeFormat::MIN_IMPORTED_LENGTH`](crate::backup::CodeFormat::MIN_IMPORTED_LENGTH) or more
    /// than [`CodeFormat::MAX_LENGTH`](crate::backup::CodeFormat::MAX_LENGTH) symbols.
    ImportedCode {
        /// Its position in the list given, from 0.
        index: usize,
    },
    /// An imported plain code of another length than the first: a set's codes have one length.
    ImportedLength {
        /// Its position in the list given, from 0.
        index: usize,
        /// The symbols of the first code.
        expected: usize,
        /// The symbols of this one.
        found: usize,
    },
    /// An imported hash that is not a bcrypt hash of `$2a$`, `$2b$` or `$2y$` (60 characters,
    /// bcrypt's base64).
    Bcrypt {
        /// Its position in the list given, from 0.
        index: usize,
    },
    /// An imported bcrypt hash of a cost out of range (see
    /// [`HashScheme::BCRYPT_MAX_COST`](crate::backup::HashScheme::BCRYPT_MAX_COST)) or another
    /// than the first hash's.
    BcryptCost {
        /// Its position in the list given, from 0.
        index: usize,
        /// Its cost.
        cost: u32,
    },
}

impl BackupError {
    /// [`BackupError::HashFailed`] with `cause`, the hasher's own error, as its
    /// [`source`](core::error::Error::source): what a [`CodeHasher`](crate::backup::CodeHasher)
    /// of the application's own returns when its computation fails.
    pub fn hash_failed(cause: impl core::error::Error + Send + Sync + 'static) -> Self {
        Self::HashFailed(Arc::new(cause))
    }

    /// Whether typed input was not a code of the set's format at all ([`BackupError::Empty`],
    /// [`BackupError::InvalidCharacter`], [`BackupError::WrongLength`]): nothing was hashed, so
    /// it is not a wrong guess.
    #[must_use]
    pub const fn is_malformed(&self) -> bool {
        matches!(
            self,
            Self::Empty | Self::InvalidCharacter { .. } | Self::WrongLength { .. }
        )
    }
}

impl PartialEq for BackupError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Empty, Self::Empty)
            | (Self::Mismatch, Self::Mismatch)
            | (Self::Used, Self::Used)
            | (Self::Rng, Self::Rng)
            | (Self::UnsupportedScheme, Self::UnsupportedScheme)
            | (Self::Bound, Self::Bound)
            | (Self::InvalidParams, Self::InvalidParams) => true,
            (Self::InvalidCharacter { position: a }, Self::InvalidCharacter { position: b }) => a == b,
            (
                Self::WrongLength { expected, found },
                Self::WrongLength {
                    expected: other_expected,
                    found: other_found,
                },
            ) => (expected, found) == (other_expected, other_found),
            (
                Self::OutOfRange { index, count },
                Self::OutOfRange {
                    index: other_index,
                    count: other_count,
                },
            ) => (index, count) == (other_index, other_count),
            (Self::AlreadyUsed { at }, Self::AlreadyUsed { at: other_at }) => at == other_at,
            (
                Self::Count { count: a, min, max },
                Self::Count {
                    count: b,
                    min: c,
                    max: d,
                },
            )
            | (
                Self::Length { length: a, min, max },
                Self::Length {
                    length: b,
                    min: c,
                    max: d,
                },
            )
            | (
                Self::Group { group: a, min, max },
                Self::Group {
                    group: b,
                    min: c,
                    max: d,
                },
            )
            | (
                Self::KeyLength { len: a, min, max },
                Self::KeyLength {
                    len: b,
                    min: c,
                    max: d,
                },
            ) => (a, min, max) == (b, c, d),
            (
                Self::KeyMismatch { stored, held },
                Self::KeyMismatch {
                    stored: other_stored,
                    held: other_held,
                },
            ) => (stored, held) == (other_stored, other_held),
            // The same cause (a clone), not an equal one: errors have no equality.
            (Self::HashFailed(cause), Self::HashFailed(other_cause)) => Arc::ptr_eq(cause, other_cause),
            (Self::Stored(problem), Self::Stored(other_problem)) => problem == other_problem,
            (Self::DuplicateKeyId { key_id }, Self::DuplicateKeyId { key_id: other }) => key_id == other,
            (Self::ImportedCode { index }, Self::ImportedCode { index: other })
            | (Self::Bcrypt { index }, Self::Bcrypt { index: other }) => index == other,
            (
                Self::ImportedLength {
                    index,
                    expected,
                    found,
                },
                Self::ImportedLength {
                    index: other_index,
                    expected: other_expected,
                    found: other_found,
                },
            ) => (index, expected, found) == (other_index, other_expected, other_found),
            (Self::BcryptCost { index, cost }, Self::BcryptCost { index: i, cost: c }) => {
                (index, cost) == (i, c)
            }
            _ => false,
        }
    }
}

impl Eq for BackupError {}

impl fmt::Display for BackupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no backup code was entered"),
            Self::InvalidCharacter { position } => {
                write!(f, "the backup code has an invalid character at byte {position}")
            }
            Self::WrongLength { expected, found } => {
                write!(f, "the backup code has {found} symbols; {expected} are expected")
            }
            Self::Mismatch => f.write_str("the backup code is wrong"),
            Self::Used => f.write_str("the backup code was already used"),
            Self::OutOfRange { index, count } => {
                write!(f, "no backup code at index {index}: the set has {count}")
            }
            Self::AlreadyUsed { at } => write!(f, "the backup code was already used at {at}"),
            Self::Rng => f.write_str("the random number generator failed"),
            Self::Count { count, min, max } => {
                write!(f, "{count} backup codes: a set has {min} to {max}")
            }
            Self::Length { length, min, max } => write!(
                f,
                "backup codes of {length} symbols: a code has {min} to {max} (at least 64 bits)"
            ),
            Self::Group { group, min, max } => {
                write!(f, "groups of {group} symbols: a group has {min} to {max}")
            }
            Self::UnsupportedScheme => f.write_str("the hasher does not compute this backup-code scheme"),
            Self::Bound => {
                f.write_str("the backup codes are bound to their user: verify them with verify_for")
            }
            Self::KeyMismatch { stored, held } => write!(
                f,
                "the backup codes were hashed under key {stored}; the hasher holds key {held}"
            ),
            Self::InvalidParams => f.write_str("backup-code hashing parameters out of range"),
            Self::DuplicateKeyId { key_id } => {
                write!(f, "backup-code key id {key_id} appears twice in the hasher")
            }
            Self::KeyLength { len, min, max } => {
                write!(f, "an HMAC key of {len} bytes: {min} to {max} are accepted")
            }
            Self::HashFailed(_) => f.write_str("the hasher failed"),
            Self::Stored(problem) => write!(f, "stored backup codes: {problem}"),
            Self::ImportedCode { index } => write!(
                f,
                "imported backup code {index} is not a code: 8 to 32 symbols of Crockford's base32 \
                 (digits, hex), with spaces or hyphens"
            ),
            Self::ImportedLength {
                index,
                expected,
                found,
            } => write!(
                f,
                "imported backup code {index} has {found} symbols; the first has {expected}"
            ),
            Self::Bcrypt { index } => write!(
                f,
                "imported backup code hash {index} is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"
            ),
            Self::BcryptCost { index, cost } => write!(
                f,
                "imported bcrypt hash {index} has cost {cost}: 4 to 14, the same for every hash of a set"
            ),
        }
    }
}

impl core::error::Error for BackupError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::HashFailed(cause) => Some(&**cause),
            _ => None,
        }
    }
}

/// What is wrong with a stored set, in [`BackupError::Stored`]. Names the field, never its
/// content.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Prefix` | `not a stored set of backup codes` |
/// | `Version` | `malformed version` |
/// | `UnsupportedVersion` | `unsupported version {version}` |
/// | `Scheme` | `missing or unknown hashing scheme` |
/// | `Params` | `malformed or out-of-range hashing parameters` |
/// | `CodeLength` | `malformed or out-of-range code length` |
/// | `Salt` | `malformed salt` |
/// | `Count` | `wrong number of codes` |
/// | `Hash` | `malformed hash of code {index}` |
/// | `UsedAt` | `malformed time of use of code {index}` |
/// | `Trailing` | `unexpected data after the codes` |
///
/// ```
/// use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher, StoredProblem};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// let (_codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// let stored = set.to_stored();
/// let last = stored.rfind(',').ok_or("one code")?;
/// let cut = &stored[..last]; // a record that lost its last code
/// assert_eq!(BackupCodeSet::from_stored(cut), Err(BackupError::Stored(StoredProblem::Count)));
/// let error = BackupCodeSet::from_stored(&stored[..last - 1]).unwrap_err();
/// assert_eq!(error, BackupError::Stored(StoredProblem::Hash { index: 8 }));
/// assert_eq!(error.to_string(), "stored backup codes: malformed hash of code 8");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoredProblem {
    /// The text does not start with `$twofactor-backup$`: not a stored set.
    Prefix,
    /// The version field is missing or malformed.
    Version,
    /// A version of the format this release does not read.
    UnsupportedVersion {
        /// The version found.
        version: u64,
    },
    /// The scheme is missing or unknown.
    Scheme,
    /// The scheme's parameters are missing, malformed or out of range.
    Params,
    /// The code length (or the field that holds it) is missing, malformed or out of range.
    CodeLength,
    /// The salt is missing, not canonical base64, or of the wrong length.
    Salt,
    /// The number of codes is out of range (none, or more than
    /// [`CodeFormat::MAX_COUNT`](crate::backup::CodeFormat::MAX_COUNT)), or the codes are not as
    /// many as the record says: it was cut short or spliced.
    Count,
    /// A code's hash is not canonical base64 or of the wrong length.
    Hash {
        /// The index of the code.
        index: usize,
    },
    /// A code's time of use is not a canonical decimal number.
    UsedAt {
        /// The index of the code.
        index: usize,
    },
    /// Something follows the codes.
    Trailing,
}

impl fmt::Display for StoredProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prefix => f.write_str("not a stored set of backup codes"),
            Self::Version => f.write_str("malformed version"),
            Self::UnsupportedVersion { version } => write!(f, "unsupported version {version}"),
            Self::Scheme => f.write_str("missing or unknown hashing scheme"),
            Self::Params => f.write_str("malformed or out-of-range hashing parameters"),
            Self::CodeLength => f.write_str("malformed or out-of-range code length"),
            Self::Salt => f.write_str("malformed salt"),
            Self::Count => f.write_str("wrong number of codes"),
            Self::Hash { index } => write!(f, "malformed hash of code {index}"),
            Self::UsedAt { index } => write!(f, "malformed time of use of code {index}"),
            Self::Trailing => f.write_str("unexpected data after the codes"),
        }
    }
}

impl From<StoredProblem> for BackupError {
    fn from(problem: StoredProblem) -> Self {
        Self::Stored(problem)
    }
}
