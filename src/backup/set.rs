//! The stored state of a user's backup codes, and the constant-time lookup.

use core::fmt;

use alloc::sync::Arc;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use super::error::BackupError;
use super::format::CodeFormat;
use super::generate::{BackupCodes, draw};
use super::hasher::{CodeHasher, HashScheme};
use super::normalize::normalize;
use zeroize::Zeroizing;

/// One stored code: its hash and, once used, when.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredCode {
    pub(crate) hash: [u8; HashScheme::HASH_LEN],
    pub(crate) used_at: Option<u64>,
}

/// The stored state of one user's backup codes: the hashing scheme with its parameters, the
/// per-set salt, the code length, and for each code its hash and the time it was used.
///
/// It holds no plaintext code: generating a set returns the codes once, as [`BackupCodes`], for
/// the user. Every method is a pure state transition — no I/O, no clock (the time is an
/// argument), no randomness but through arguments — so that the application or the service
/// layer loads the set with the user's record, verifies, marks the code used and writes the
/// record back with a compare-and-swap; of two concurrent uses of one code, one write wins.
/// [`BackupCodeSet::to_stored`] and [`BackupCodeSet::from_stored`] convert to and from a
/// self-describing string. `Clone` is cheap and `==` compares whole records (salt, hashes, times
/// of use), as a compare-and-swap or a test does; it is not how a code is checked, and not
/// constant-time.
///
/// A set read from a record's binary form keeps those bytes, shared between its clones, and the
/// record writes them back as they are while the set is unchanged (a TOTP login, say, rewrites
/// the record but not the set); using a code, the one change a set undergoes, drops them, and
/// the next write encodes the set afresh.
///
/// # Lookup
///
/// [`BackupCodeSet::verify`] normalises the input (a malformed input is an error before any
/// hashing), hashes it **once** with the set's salt under the set's scheme, and compares the
/// result in constant time with every stored hash, used ones included, with no early exit. The
/// comparison runs over [`CodeFormat::MAX_COUNT`] slots whatever the number of codes, so its
/// time depends neither on which code matched, nor whether any did, nor on the size of the set.
///
/// ```
/// use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
///
/// let hasher = HmacHasher::new(1, &[0x42; 32])?;
/// let (codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
/// let code = codes.expose_code(4).ok_or("no code")?.to_owned();
/// drop(codes); // shown to the user once, then gone
///
/// let index = set.verify(&code, &hasher)?;
/// assert_eq!(index, 4);
/// set.mark_used(index, 1_700_000_000)?;
/// assert_eq!(set.remaining(), 9);
/// assert_eq!(set.verify(&code, &hasher), Err(BackupError::Used));
///
/// let stored = set.to_stored();
/// assert_eq!(BackupCodeSet::from_stored(&stored)?, set);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct BackupCodeSet {
    pub(crate) scheme: HashScheme,
    pub(crate) salt: [u8; HashScheme::SALT_LEN],
    pub(crate) length: usize,
    pub(crate) codes: Vec<StoredCode>,
    /// Whether the codes are hashed with the salt bound to the user ([`super::owner`]).
    pub(crate) bound: bool,
    /// Each code's own salt, in index order, under a scheme that salts each code
    /// ([`HashScheme::salts_each_code`]: bcrypt, imported); empty otherwise, and `salt` is then
    /// the set's. Under such a scheme `salt` is all zeros.
    pub(crate) code_salts: Vec<[u8; HashScheme::SALT_LEN]>,
    /// The binary form ([`BackupCodeSet::binary`]) the set was read from, while it still
    /// describes the set; `None` for a set generated, read from the text form, or changed.
    /// Every change goes through [`BackupCodeSet::mark_used`], which drops it.
    pub(super) encoded: Option<Arc<[u8]>>,
}

/// Whole sets compare equal when they hold the same state, however they were made: the kept
/// binary form is a copy of that state, not part of it.
impl PartialEq for BackupCodeSet {
    fn eq(&self, other: &Self) -> bool {
        self.scheme == other.scheme
            && self.salt == other.salt
            && self.length == other.length
            && self.codes == other.codes
            && self.bound == other.bound
            && self.code_salts == other.code_salts
    }
}

impl Eq for BackupCodeSet {}

impl BackupCodeSet {
    /// Generates a new set of codes from the operating system's CSPRNG and hashes it with
    /// `hasher`. Returns the plaintext codes, to show the user once, and the set to store.
    ///
    /// Regenerating is calling this again: the new set replaces the whole old one, whose codes
    /// stop working as soon as the new set is stored. (NIST SP 800-63B-4 asks that the user be
    /// notified when the codes are replaced.)
    ///
    /// # Errors
    /// [`BackupError::Rng`] if the operating system's random number generator fails, the
    /// hasher's error ([`BackupError::HashFailed`], [`BackupError::InvalidParams`]) if it fails.
    ///
    /// With the default hasher, [`Argon2Hasher`](crate::backup::Argon2Hasher) (feature `argon2`), this
    /// costs one Argon2id call per code; with [`HmacHasher`](crate::backup::HmacHasher), microseconds.
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, CodeFormat, HmacHasher};
    ///
    /// let hasher = HmacHasher::new(1, &[0x42; 32])?;
    /// let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
    /// assert_eq!((codes.len(), set.count(), set.remaining()), (10, 10, 10));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn generate<H: CodeHasher + ?Sized>(
        format: &CodeFormat,
        hasher: &H,
    ) -> Result<(BackupCodes, Self), BackupError> {
        Self::generate_from(
            &mut |bytes: &mut [u8]| getrandom::fill(bytes).map_err(|_| BackupError::Rng),
            format,
            hasher,
        )
    }

    /// Generates a new set of codes from `rng`, as [`BackupCodeSet::generate`] does from the
    /// operating system.
    ///
    /// # Errors
    /// The hasher's error if it fails, [`BackupError::Rng`] if `rng` draws the same code twice
    /// in a row (it is not random).
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, CodeFormat, HmacHasher};
    /// # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
    /// let hasher = HmacHasher::new(1, &[0x42; 32])?;
    /// let format = CodeFormat::builder().count(3).length(15).group(5).build()?;
    /// let mut rng = ChaCha20Rng::seed_from_u64(1);
    /// let (codes, set) = BackupCodeSet::generate_with_rng(&mut rng, &format, &hasher)?;
    /// assert_eq!(codes.expose_code(0).map(str::len), Some(17));
    /// assert_eq!(set.code_length(), 15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate_with_rng<R: CryptoRng + ?Sized, H: CodeHasher + ?Sized>(
        rng: &mut R,
        format: &CodeFormat,
        hasher: &H,
    ) -> Result<(BackupCodes, Self), BackupError> {
        Self::generate_from(
            &mut |bytes: &mut [u8]| {
                rng.fill_bytes(bytes);
                Ok(())
            },
            format,
            hasher,
        )
    }

    fn generate_from<F, H>(
        fill: &mut F,
        format: &CodeFormat,
        hasher: &H,
    ) -> Result<(BackupCodes, Self), BackupError>
    where
        F: FnMut(&mut [u8]) -> Result<(), BackupError>,
        H: CodeHasher + ?Sized,
    {
        let scheme = hasher.scheme();
        scheme.check()?;
        let mut salt = [0u8; HashScheme::SALT_LEN];
        fill(&mut salt)?;
        let canonical = draw(fill, format)?;
        let mut codes = Vec::with_capacity(canonical.len());
        for code in &canonical {
            codes.push(StoredCode {
                hash: hasher.hash(&scheme, &salt, code.as_bytes())?,
                used_at: None,
            });
        }
        let set = Self {
            scheme,
            salt,
            length: format.length(),
            codes,
            bound: false,
            code_salts: Vec::new(),
            encoded: None,
        };
        Ok((BackupCodes::new(&canonical, *format), set))
    }

    /// Looks up what a person typed: returns the index of the code it matches.
    ///
    /// The input is normalised first (case, spaces, hyphens, Crockford's look-alikes; see
    /// [`BackupError::InvalidCharacter`]), then hashed once under the set's own scheme
    /// and parameters — not the hasher's current ones, so a set made under older defaults keeps
    /// working — and compared in constant time with every stored hash.
    ///
    /// This does not consume the code: call [`BackupCodeSet::mark_used`] with the index and store
    /// the set, or use [`BackupCodeSet::consume`].
    ///
    /// # Errors
    /// [`BackupError::Empty`], [`BackupError::InvalidCharacter`] or [`BackupError::WrongLength`]
    /// ([`BackupError::is_malformed`]) if the input cannot be a code of this set (nothing is
    /// hashed), [`BackupError::Mismatch`] if no code matches, [`BackupError::Used`] if it
    /// matches a used code only, the hasher's error ([`BackupError::UnsupportedScheme`],
    /// [`BackupError::KeyMismatch`], [`BackupError::HashFailed`]) if it cannot hash under the
    /// set's scheme (another scheme, another key) or fails.
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
    ///
    /// let hasher = HmacHasher::new(1, &[0x42; 32])?;
    /// let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
    /// let typed = codes.expose_code(0).ok_or("no code")?.replace('-', " ").to_lowercase();
    /// assert_eq!(set.verify(&typed, &hasher)?, 0);
    /// assert_eq!(
    ///     set.verify("1234", &hasher),
    ///     Err(BackupError::WrongLength { expected: 16, found: 4 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<H: CodeHasher + ?Sized>(&self, input: &str, hasher: &H) -> Result<usize, BackupError> {
        if self.bound {
            return Err(BackupError::Bound);
        }
        self.verify_unchecked(input, hasher)
    }

    /// The lookup of [`verify`](Self::verify), under `hasher` as given (bound or not).
    pub(super) fn verify_unchecked<H: CodeHasher + ?Sized>(
        &self,
        input: &str,
        hasher: &H,
    ) -> Result<usize, BackupError> {
        let code = normalize(input, self.length)?;
        let found = if self.scheme.salts_each_code() {
            lookup_each(&self.codes, &self.hash_each(code.as_bytes(), hasher)?)
        } else {
            lookup(
                &self.codes,
                &hasher.hash(&self.scheme, &self.salt, code.as_bytes())?,
            )
        };
        drop(code);
        found.into_result()
    }

    /// Under a scheme that salts each code: the canonical `code` hashed with every code's salt,
    /// in index order ([`CodeHasher::hash_legacy`]). Every hash is asked for even after one
    /// failed, so that a hasher that defers the work (the service's) learns all of it at once;
    /// the first failure is returned.
    pub(crate) fn hash_each<H: CodeHasher + ?Sized>(
        &self,
        code: &[u8],
        hasher: &H,
    ) -> Result<Vec<Zeroizing<[u8; HashScheme::HASH_LEN]>>, BackupError> {
        let mut hashes = Vec::with_capacity(self.code_salts.len());
        let mut failed = None;
        for salt in &self.code_salts {
            match hasher.hash_legacy(&self.scheme, salt, code) {
                Ok(hash) => hashes.push(Zeroizing::new(hash)),
                Err(error) => {
                    failed.get_or_insert(error);
                }
            }
        }
        failed.map_or(Ok(hashes), Err)
    }

    /// Verifies the input and marks the matched code used at `now` (Unix seconds): the usual
    /// login step, [`BackupCodeSet::verify`] then [`BackupCodeSet::mark_used`]. On error the set
    /// is unchanged.
    ///
    /// # Errors
    /// As [`BackupCodeSet::verify`].
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
    ///
    /// let hasher = HmacHasher::new(1, &[0x42; 32])?;
    /// let (codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
    /// let code = codes.expose_code(2).ok_or("no code")?;
    /// assert_eq!(set.consume(code, &hasher, 1_700_000_000)?, 2);
    /// assert_eq!(set.used_at(2), Some(1_700_000_000));
    /// assert_eq!(set.consume(code, &hasher, 1_700_000_060), Err(BackupError::Used));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume<H: CodeHasher + ?Sized>(
        &mut self,
        input: &str,
        hasher: &H,
        now: u64,
    ) -> Result<usize, BackupError> {
        let index = self.verify(input, hasher)?;
        // `verify` returns only an unused code's index, so this cannot fail.
        self.mark_used(index, now).map_err(|_| BackupError::Used)?;
        Ok(index)
    }

    /// Marks the code at `index` used at `now` (Unix seconds). A used code never matches again.
    ///
    /// # Errors
    /// [`BackupError::OutOfRange`] if there is no such code, [`BackupError::AlreadyUsed`] if
    /// it was already used (the set is then unchanged).
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
    ///
    /// let hasher = HmacHasher::new(1, &[0x42; 32])?;
    /// let (_codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher)?;
    /// set.mark_used(9, 100)?;
    /// assert_eq!(set.mark_used(9, 200), Err(BackupError::AlreadyUsed { at: 100 }));
    /// assert_eq!(set.mark_used(10, 200), Err(BackupError::OutOfRange { index: 10, count: 10 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mark_used(&mut self, index: usize, now: u64) -> Result<(), BackupError> {
        let count = self.codes.len();
        let code = self
            .codes
            .get_mut(index)
            .ok_or(BackupError::OutOfRange { index, count })?;
        if let Some(at) = code.used_at {
            return Err(BackupError::AlreadyUsed { at });
        }
        code.used_at = Some(now);
        // The bytes the set was read from describe it no longer.
        self.encoded = None;
        Ok(())
    }

    /// The number of codes in the set, used or not.
    #[must_use]
    pub fn count(&self) -> usize {
        self.codes.len()
    }

    /// The number of codes not yet used.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.codes.iter().filter(|code| code.used_at.is_none()).count()
    }

    /// Whether the code at `index` was used (`false` if there is no such code).
    #[must_use]
    pub fn is_used(&self, index: usize) -> bool {
        self.used_at(index).is_some()
    }

    /// When the code at `index` was used, in Unix seconds; `None` if it is unused or there is no
    /// such code.
    #[must_use]
    pub fn used_at(&self, index: usize) -> Option<u64> {
        self.codes.get(index).and_then(|code| code.used_at)
    }

    /// The number of symbols of each code.
    #[must_use]
    pub fn code_length(&self) -> usize {
        self.length
    }

    /// The scheme and parameters the set was hashed under.
    #[must_use]
    pub fn scheme(&self) -> HashScheme {
        self.scheme
    }

    /// Whether the set was hashed under another scheme or other parameters than `hasher` would
    /// use today (older Argon2 parameters, another HMAC key, another scheme).
    ///
    /// Such a set still verifies with any hasher that computes its scheme. Since the plaintext
    /// codes are not kept, a set cannot be rehashed in place: the remedy is to
    /// [regenerate](BackupCodeSet::generate) it and show the user the new codes, at a moment
    /// that suits the application (the next visit to the security settings, say).
    ///
    /// ```
    /// use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
    ///
    /// let old_key = HmacHasher::new(1, &[0x42; 32])?;
    /// let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &old_key)?;
    /// let code = codes.expose_code(0).ok_or("no code")?;
    ///
    /// // The server's key is rotated: sets under the old key are due for regeneration...
    /// let new_key = HmacHasher::new(2, &[0x43; 32])?;
    /// assert!(set.needs_rehash(&new_key));
    /// assert!(!set.needs_rehash(&old_key));
    /// // ...and keep verifying with the old key meanwhile, not with the new one.
    /// assert_eq!(set.verify(code, &old_key)?, 0);
    /// assert_eq!(
    ///     set.verify(code, &new_key),
    ///     Err(BackupError::KeyMismatch { stored: 1, held: 2 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn needs_rehash<H: CodeHasher + ?Sized>(&self, hasher: &H) -> bool {
        self.scheme != hasher.scheme()
    }
}

/// Shows the scheme, the code length and the counts; never the salt or a hash.
impl fmt::Debug for BackupCodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupCodeSet")
            .field("scheme", &self.scheme)
            .field("code_length", &self.length)
            .field("count", &self.count())
            .field("remaining", &self.remaining())
            .finish_non_exhaustive()
    }
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The earliest unused code whose hash matched.
    Accepted(usize),
    /// Only used codes matched.
    Used,
    /// Nothing matched.
    Missed,
}

/// Compares `candidate` with every stored hash in constant time, then decides.
pub(crate) fn lookup(codes: &[StoredCode], candidate: &[u8; HashScheme::HASH_LEN]) -> Lookup {
    compare_every_slot(codes, &|_| candidate).decide()
}

/// [`lookup`] with a candidate per code (a scheme that salts each code): the code at `slot` is
/// compared with `candidates[slot]`, in the same constant-time scan. `candidates` has one hash
/// per code; a missing one compares with nothing.
pub(crate) fn lookup_each(
    codes: &[StoredCode],
    candidates: &[Zeroizing<[u8; HashScheme::HASH_LEN]>],
) -> Lookup {
    let none = [0u8; HashScheme::HASH_LEN];
    let first = candidates.first().map_or(&none, |hash| &**hash);
    compare_every_slot(codes, &|slot| candidates.get(slot).map_or(first, |hash| &**hash)).decide()
}

impl Lookup {
    /// The index of the accepted code, or the error the lookup amounts to.
    pub(crate) const fn into_result(self) -> Result<usize, BackupError> {
        match self {
            Self::Accepted(index) => Ok(index),
            Self::Used => Err(BackupError::Used),
            Self::Missed => Err(BackupError::Mismatch),
        }
    }
}

/// What the comparison saw, before the one decision that depends on it.
#[derive(Clone, Copy)]
struct Seen {
    accepted: Choice,
    hit_any: Choice,
    matched: u32,
}

impl Seen {
    /// The decision: not constant-time, and need not be, since it is the lookup's result.
    fn decide(self) -> Lookup {
        if self.accepted.into() {
            Lookup::Accepted(usize::try_from(self.matched).unwrap_or(usize::MAX))
        } else if self.hit_any.into() {
            Lookup::Used
        } else {
            Lookup::Missed
        }
    }
}

/// The constant-time part of [`lookup`].
///
/// The loop runs over at least [`CodeFormat::MAX_COUNT`] slots, so its time does not depend on
/// the size of the set either: a slot past the end of the set holds the bitwise complement of
/// the candidate, which differs from it in every byte and so never matches. Each comparison folds
/// the whole hash; the used flag, the "any match" and "first unused match" flags and the index
/// are combined with `subtle`, with no branch on a secret.
///
/// Kept out of line (one call per lookup, nothing measurable) so that `.ci/ct-check` can count
/// its instructions under valgrind by its name, `twofactor::backup::set::compare_every_slot`.
#[inline(never)]
fn compare_every_slot<'a>(
    codes: &[StoredCode],
    candidate: &dyn Fn(usize) -> &'a [u8; HashScheme::HASH_LEN],
) -> Seen {
    let mut hit_any = Choice::from(0);
    let mut accepted = Choice::from(0);
    let mut matched: u32 = 0;
    let slots = codes.len().max(CodeFormat::MAX_COUNT);
    for slot in 0..slots {
        let wanted = candidate(slot);
        let mut vacant = StoredCode {
            hash: *wanted,
            used_at: None,
        };
        for byte in &mut vacant.hash {
            *byte = !*byte;
        }
        // Which slots are vacant depends only on the public size of the set.
        let code = codes.get(slot).unwrap_or(&vacant);
        let hit = hashes_equal(&code.hash, wanted);
        let unused = Choice::from(u8::from(code.used_at.is_none()));
        let fresh = hit & unused;
        let position = u32::try_from(slot).unwrap_or(u32::MAX);
        matched.conditional_assign(&position, fresh & !accepted);
        accepted |= fresh;
        hit_any |= hit;
    }
    Seen {
        accepted,
        hit_any,
        matched,
    }
}

/// Constant-time equality of two hashes: every byte is folded, then one comparison with zero.
fn hashes_equal(a: &[u8; HashScheme::HASH_LEN], b: &[u8; HashScheme::HASH_LEN]) -> Choice {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    difference.ct_eq(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(byte: u8, used_at: Option<u64>) -> StoredCode {
        StoredCode {
            hash: [byte; HashScheme::HASH_LEN],
            used_at,
        }
    }

    #[test]
    fn lookup_finds_the_first_unused_match_and_reports_used_ones() {
        let codes = [code(1, None), code(2, Some(5)), code(3, None), code(3, None)];
        assert_eq!(lookup(&codes, &[1; 32]), Lookup::Accepted(0));
        assert_eq!(lookup(&codes, &[2; 32]), Lookup::Used);
        assert_eq!(lookup(&codes, &[3; 32]), Lookup::Accepted(2));
        assert_eq!(lookup(&codes, &[4; 32]), Lookup::Missed);
        // The vacant slots hold the complement of the candidate, which never matches it.
        assert_eq!(lookup(&codes, &[0; 32]), Lookup::Missed);
        assert_eq!(lookup(&codes, &[0xff; 32]), Lookup::Missed);
        assert_eq!(lookup(&[], &[0; 32]), Lookup::Missed);
    }

    #[test]
    fn lookup_prefers_an_unused_duplicate_over_a_used_one() {
        let codes = [code(7, Some(1)), code(7, None)];
        assert_eq!(lookup(&codes, &[7; 32]), Lookup::Accepted(1));
    }

    #[test]
    fn hashes_differing_in_any_bit_are_unequal() {
        let a = [0xa5u8; 32];
        assert!(bool::from(hashes_equal(&a, &a)));
        for byte in 0..32 {
            for bit in 0..8 {
                let mut b = a;
                b[byte] ^= 1 << bit;
                assert!(!bool::from(hashes_equal(&a, &b)));
            }
        }
    }

    #[test]
    fn lookup_scans_sets_larger_than_the_slot_count() {
        let mut codes: Vec<StoredCode> = (0..=100).map(|i| code(i, None)).collect();
        codes[100] = code(200, None);
        assert_eq!(lookup(&codes, &[200; 32]), Lookup::Accepted(100));
    }
}
