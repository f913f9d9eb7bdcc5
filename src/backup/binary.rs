//! The binary form of a set, as the record keeps it: read once when a record is loaded, written
//! with the record — as the bytes it was read from while the set is unchanged, encoded again
//! once it changed.
//!
//! ```text
//! format:u8=1 (unbound) | 2 (bound to the user: `super::owner`)
//! scheme: 0 m_cost:u32 t_cost:u32 p_cost:u32     (Argon2id v=19)
//!       | 1 key_id:u32                           (HMAC-SHA-256)
//!       | 2 cost:u32 lowercase:u8                (bcrypt, imported; lowercase 0 | 1)
//! length:u8 count:u8 salt:[u8; 16]               (all zeros under bcrypt)
//! codes: count × (code_salt:[u8; 16]             (under bcrypt only)
//!                 hash:[u8; 32]                  (bcrypt: its 23 bytes, then zeros)
//!                 used:0 | 1 used_at:u64)
//! ```
//!
//! Tag 2 came with bcrypt; the bytes of a set under tags 0 and 1 are what they were before it.
//!
//! Integers are big-endian. Reading checks what [`BackupCodeSet::from_stored`] checks — the
//! scheme's parameters, the code length, the number of codes — and names the first field that
//! is wrong with a [`StoredProblem`].

use alloc::borrow::Cow;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::error::{BackupError, StoredProblem};
use super::format::CodeFormat;
use super::hasher::HashScheme;
use super::set::{BackupCodeSet, StoredCode};

const FORMAT: u8 = 1;
/// The format of a set bound to its user: the same fields.
const BOUND: u8 = 2;
const ARGON2ID: u8 = 0;
const HMAC_SHA256: u8 = 1;
const BCRYPT: u8 = 2;
/// The bytes of one code: its hash, the used flag and the time of use.
const CODE_BYTES: usize = HashScheme::HASH_LEN + 1 + 8;

#[cfg(test)]
std::thread_local! {
    /// How many times [`BackupCodeSet::binary`] encoded a set on this thread.
    static ENCODED: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

/// How many times [`BackupCodeSet::binary`] encoded a set on this thread so far: for the tests
/// that prove an unchanged set is not encoded again.
#[cfg(test)]
pub(crate) fn encodings() -> u32 {
    ENCODED.with(core::cell::Cell::get)
}

impl BackupCodeSet {
    /// The set's binary form, as a record writes it: the bytes the set was read from if it has
    /// not changed since (shared, not copied), else encoded now.
    pub(crate) fn binary(&self) -> Cow<'_, [u8]> {
        match &self.encoded {
            Some(bytes) => Cow::Borrowed(bytes),
            None => {
                #[cfg(test)]
                ENCODED.with(|count| count.set(count.get() + 1));
                Cow::Owned(self.to_bytes())
            }
        }
    }

    /// Encodes the set's binary form.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 + 12 + 2 + HashScheme::SALT_LEN + CODE_BYTES * self.codes.len());
        out.push(if self.bound { BOUND } else { FORMAT });
        match self.scheme {
            HashScheme::Argon2id {
                m_cost,
                t_cost,
                p_cost,
            } => {
                out.push(ARGON2ID);
                for value in [m_cost, t_cost, p_cost] {
                    out.extend_from_slice(&value.to_be_bytes());
                }
            }
            HashScheme::HmacSha256 { key_id } => {
                out.push(HMAC_SHA256);
                out.extend_from_slice(&key_id.to_be_bytes());
            }
            HashScheme::Bcrypt { cost, lowercase } => {
                out.push(BCRYPT);
                out.extend_from_slice(&cost.to_be_bytes());
                out.push(u8::from(lowercase));
            }
        }
        // The format bounds both far below 256 (`CodeFormat::MAX_LENGTH`, `MAX_COUNT`).
        out.push(u8::try_from(self.length).unwrap_or(u8::MAX));
        out.push(u8::try_from(self.codes.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(&self.salt);
        for (index, code) in self.codes.iter().enumerate() {
            if let Some(salt) = self.code_salts.get(index) {
                out.extend_from_slice(salt);
            }
            out.extend_from_slice(&code.hash);
            match code.used_at {
                None => out.extend_from_slice(&[0; 9]),
                Some(at) => {
                    out.push(1);
                    out.extend_from_slice(&at.to_be_bytes());
                }
            }
        }
        out
    }

    /// Reads a set that [`BackupCodeSet::binary`] wrote, and keeps `bytes` as its binary form
    /// until it changes. The form has one spelling per set (every field fixed-width, a code
    /// unused only as nine zero bytes, nothing after the codes), so they are the bytes
    /// [`BackupCodeSet::to_bytes`] would write.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, BackupError> {
        let mut set = Self::read_bytes(bytes).map_err(BackupError::Stored)?;
        // Checked where debug assertions are on (tests, fuzzing): a second spelling would be
        // kept, and written back, as it was read.
        debug_assert_eq!(set.to_bytes(), bytes, "a set's binary form has one spelling");
        set.encoded = Some(Arc::from(bytes));
        Ok(set)
    }

    fn read_bytes(bytes: &[u8]) -> Result<Self, StoredProblem> {
        let mut input = Input(bytes);
        let format = input.u8(StoredProblem::Version)?;
        if format != FORMAT && format != BOUND {
            return Err(StoredProblem::UnsupportedVersion {
                version: u64::from(format),
            });
        }
        let scheme = match input.u8(StoredProblem::Scheme)? {
            ARGON2ID => HashScheme::Argon2id {
                m_cost: input.u32(StoredProblem::Params)?,
                t_cost: input.u32(StoredProblem::Params)?,
                p_cost: input.u32(StoredProblem::Params)?,
            },
            HMAC_SHA256 => HashScheme::HmacSha256 {
                key_id: input.u32(StoredProblem::Params)?,
            },
            BCRYPT => HashScheme::Bcrypt {
                cost: input.u32(StoredProblem::Params)?,
                lowercase: match input.u8(StoredProblem::Params)? {
                    0 => false,
                    1 => true,
                    _ => return Err(StoredProblem::Params),
                },
            },
            _ => return Err(StoredProblem::Scheme),
        };
        scheme.check().map_err(|_| StoredProblem::Params)?;
        let length = usize::from(input.u8(StoredProblem::CodeLength)?);
        if !(CodeFormat::MIN_IMPORTED_LENGTH..=CodeFormat::MAX_LENGTH).contains(&length) {
            return Err(StoredProblem::CodeLength);
        }
        let count = usize::from(input.u8(StoredProblem::Count)?);
        if !(CodeFormat::MIN_COUNT..=CodeFormat::MAX_COUNT).contains(&count) {
            return Err(StoredProblem::Count);
        }
        let salt = input.array(StoredProblem::Salt)?;
        let each = scheme.salts_each_code();
        if each && salt != [0; HashScheme::SALT_LEN] {
            return Err(StoredProblem::Salt);
        }
        let mut codes = Vec::with_capacity(count);
        let mut code_salts = Vec::with_capacity(if each { count } else { 0 });
        for index in 0..count {
            if each {
                code_salts.push(input.array(StoredProblem::Salt)?);
            }
            let hash = input.array(StoredProblem::Hash { index })?;
            if each && !super::bcrypt::is_padded(&hash) {
                return Err(StoredProblem::Hash { index });
            }
            let used = input.u8(StoredProblem::UsedAt { index })?;
            let at = u64::from_be_bytes(input.array(StoredProblem::UsedAt { index })?);
            let used_at = match (used, at) {
                (0, 0) => None,
                (1, at) => Some(at),
                _ => return Err(StoredProblem::UsedAt { index }),
            };
            codes.push(StoredCode { hash, used_at });
        }
        if !input.0.is_empty() {
            return Err(StoredProblem::Trailing);
        }
        Ok(Self {
            scheme,
            salt,
            length,
            codes,
            bound: format == BOUND,
            code_salts,
            encoded: None,
        })
    }
}

/// The bytes not read yet; each read names the error of its field.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn array<const N: usize>(&mut self, error: StoredProblem) -> Result<[u8; N], StoredProblem> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(error)?;
        self.0 = rest;
        Ok(*head)
    }
    fn u8(&mut self, error: StoredProblem) -> Result<u8, StoredProblem> {
        Ok(self.array::<1>(error)?[0])
    }
    fn u32(&mut self, error: StoredProblem) -> Result<u32, StoredProblem> {
        Ok(u32::from_be_bytes(self.array(error)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::HmacHasher;

    fn set() -> BackupCodeSet {
        let hasher = HmacHasher::new(3, &[9; 32]).unwrap();
        let (_codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher).unwrap();
        set.mark_used(4, 1_700_000_123).unwrap();
        set
    }

    #[test]
    fn round_trips_and_agrees_with_the_text_form() {
        let set = set();
        let read = BackupCodeSet::from_bytes(&set.to_bytes()).unwrap();
        assert_eq!(read, set);
        assert_eq!(read.to_stored(), set.to_stored());
        let argon = BackupCodeSet {
            scheme: HashScheme::Argon2id {
                m_cost: 19_456,
                t_cost: 2,
                p_cost: 1,
            },
            ..set
        };
        assert_eq!(BackupCodeSet::from_bytes(&argon.to_bytes()).unwrap(), argon);
    }

    /// A set as the encoder wrote it before bcrypt came (format 1, HMAC key 7, one code of 16
    /// symbols, used), spelled out byte by byte from the layout: it reads, and writes back, as
    /// it did.
    #[test]
    fn a_set_written_before_bcrypt_reads_as_it_did() {
        let mut bytes = vec![1, 1, 0, 0, 0, 7, 16, 1];
        bytes.extend([0x11; 16]);
        bytes.extend([0x22; 32]);
        bytes.push(1);
        bytes.extend(1_700_000_000u64.to_be_bytes());
        let set = BackupCodeSet::from_bytes(&bytes).unwrap();
        assert_eq!(set.scheme(), HashScheme::HmacSha256 { key_id: 7 });
        assert_eq!((set.salt, set.codes[0].hash), ([0x11; 16], [0x22; 32]));
        assert!(set.code_salts.is_empty());
        assert_eq!(set.used_at(0), Some(1_700_000_000));
        assert_eq!(set.to_bytes(), bytes);
    }

    /// A bcrypt set: tag 2, cost 4, lower case, then per code its salt before its hash.
    #[test]
    fn a_bcrypt_set_has_one_spelling() {
        let mut bytes = vec![1, 2, 0, 0, 0, 4, 1, 8, 1];
        bytes.extend([0; 16]);
        bytes.extend([0x33; 16]);
        bytes.extend([0x44; 23]);
        bytes.extend([0; 9]);
        bytes.extend([0; 9]);
        let set = BackupCodeSet::from_bytes(&bytes).unwrap();
        assert_eq!(
            set.scheme(),
            HashScheme::Bcrypt {
                cost: 4,
                lowercase: true
            }
        );
        assert_eq!(set.code_salts, vec![[0x33; 16]]);
        assert_eq!(BackupCodeSet::from_stored(&set.to_stored()).unwrap(), set);
        let at = |index: usize, value: u8| {
            let mut changed = bytes.clone();
            changed[index] = value;
            BackupCodeSet::read_bytes(&changed)
        };
        assert_eq!(at(6, 2), Err(StoredProblem::Params), "lowercase is 0 or 1");
        assert_eq!(at(5, 15), Err(StoredProblem::Params), "cost over the most");
        assert_eq!(at(9, 1), Err(StoredProblem::Salt), "the set's salt is zeros");
        assert_eq!(
            at(9 + 16 + 16 + 23, 1),
            Err(StoredProblem::Hash { index: 0 }),
            "padding"
        );
    }

    #[test]
    fn every_truncation_and_extra_byte_is_a_typed_error() {
        let bytes = set().to_bytes();
        for len in 0..bytes.len() {
            assert!(BackupCodeSet::from_bytes(&bytes[..len]).is_err(), "cut at {len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            BackupCodeSet::from_bytes(&longer),
            Err(BackupError::Stored(StoredProblem::Trailing))
        );
    }

    #[test]
    fn out_of_range_fields_are_named() {
        let bytes = set().to_bytes();
        let at = |index: usize, value: u8| {
            let mut changed = bytes.clone();
            changed[index] = value;
            BackupCodeSet::read_bytes(&changed)
        };
        assert_eq!(at(0, 3), Err(StoredProblem::UnsupportedVersion { version: 3 }));
        assert_eq!(at(1, 7), Err(StoredProblem::Scheme));
        assert_eq!(at(6, 0), Err(StoredProblem::CodeLength));
        assert_eq!(at(7, 0), Err(StoredProblem::Count));
        // The first code's used flag, after the 32-byte hash.
        assert_eq!(at(8 + 16 + 32, 2), Err(StoredProblem::UsedAt { index: 0 }));
        assert_eq!(at(8 + 16 + 32 + 8, 1), Err(StoredProblem::UsedAt { index: 0 }));
    }

    #[test]
    fn a_read_set_is_written_as_the_bytes_it_was_read_from_until_it_changes() {
        let bytes = set().to_bytes();
        let read = BackupCodeSet::from_bytes(&bytes).unwrap();
        // One spelling per set: the bytes kept are the ones encoding would give.
        assert_eq!(read.to_bytes(), bytes);
        let kept = Arc::clone(read.encoded.as_ref().unwrap());
        let before = encodings();
        let written = read.binary();
        assert!(matches!(&written, Cow::Borrowed(b) if core::ptr::eq(*b, &*kept)));
        assert_eq!(encodings(), before, "an unchanged set was encoded again");
        drop(written);

        // Clones share the bytes; a change (here on a copy, as `Arc::make_mut` makes one of a
        // shared set) drops them from the changed set only.
        let mut changed = Arc::new(read);
        let unchanged = Arc::clone(&changed);
        Arc::make_mut(&mut changed).mark_used(0, 1_700_000_500).unwrap();
        assert!(changed.encoded.is_none());
        assert!(Arc::ptr_eq(unchanged.encoded.as_ref().unwrap(), &kept));
        let rewritten = changed.binary();
        assert!(matches!(rewritten, Cow::Owned(_)));
        assert_ne!(*rewritten, *bytes);
        let reread = BackupCodeSet::from_bytes(&rewritten).unwrap();
        assert_eq!(reread, *changed);
        assert_eq!(reread.used_at(0), Some(1_700_000_500));

        // A refused change changes nothing, and keeps the bytes.
        let mut refused = (*unchanged).clone();
        assert!(refused.mark_used(4, 1).is_err());
        assert!(refused.mark_used(10, 1).is_err());
        assert!(Arc::ptr_eq(refused.encoded.as_ref().unwrap(), &kept));
    }

    #[test]
    fn only_the_binary_form_is_kept() {
        let set = set();
        assert!(set.encoded.is_none(), "generated");
        let from_text = BackupCodeSet::from_stored(&set.to_stored()).unwrap();
        assert!(
            from_text.encoded.is_none(),
            "read from the text form (0.1's records)"
        );
        let before = encodings();
        assert_eq!(*from_text.binary(), *set.to_bytes());
        assert_eq!(encodings(), before + 1);
    }
}
