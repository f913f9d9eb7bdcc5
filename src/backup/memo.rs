//! One hash per attempt, across the retries of a compare-and-swap.
//!
//! A verification that loses a compare-and-swap reloads the record and runs again. Hashing the
//! input again would double the cost of a retried attempt (an Argon2id call is about 20 ms), so
//! the hash of the input under one (scheme, salt, length) is kept for the attempt and reused as
//! long as the set it is compared with has the same ones. A set regenerated meanwhile has
//! another salt, and the input is hashed again under it.

use zeroize::Zeroizing;

use super::error::BackupError;
use super::hasher::{CodeHasher, HashScheme};
use super::normalize::normalize;
use super::owner::Owned;
use super::set::{BackupCodeSet, Lookup, lookup, lookup_each};

/// The hash of one attempt's input under the last (scheme, salt, length) it was computed for.
/// Zeroized when dropped.
#[derive(Default)]
pub(crate) struct HashMemo {
    entry: Option<Entry>,
    computed: u32,
}

struct Entry {
    scheme: HashScheme,
    salt: [u8; HashScheme::SALT_LEN],
    length: usize,
    hash: Zeroizing<[u8; HashScheme::HASH_LEN]>,
}

impl HashMemo {
    /// A memo holding nothing.
    #[cfg_attr(
        not(feature = "std"),
        allow(dead_code, reason = "the service, which needs std, makes memos")
    )]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// How many hashes the memo computed (tests and the service's own checks).
    #[cfg(test)]
    pub(crate) const fn computed(&self) -> u32 {
        self.computed
    }
}

impl BackupCodeSet {
    /// Whether `input` has the shape of a code of this set (what [`BackupCodeSet::verify`] would
    /// hash rather than refuse as malformed). Looks at the shape only: nothing is hashed.
    pub(crate) fn has_code_shape(&self, input: &str) -> bool {
        normalize(input, self.length).is_ok()
    }

    /// [`BackupCodeSet::verify_for`] for one attempt that may be retried: the input's hash under this
    /// set's scheme, salt and code length is taken from `memo` if it was computed for those, and
    /// computed (once) and kept there otherwise. The lookup is the same constant-time comparison
    /// with every stored hash.
    /// A bound set's input is hashed with the salt bound to `owner`, the record's user.
    pub(crate) fn verify_owned<H: CodeHasher + ?Sized>(
        &self,
        owner: &str,
        input: &str,
        hasher: &H,
        memo: &mut HashMemo,
    ) -> Result<usize, BackupError> {
        if self.bound {
            self.lookup_with_memo(
                input,
                &Owned {
                    inner: hasher,
                    user: owner,
                },
                memo,
            )
        } else {
            self.lookup_with_memo(input, hasher, memo)
        }
    }

    fn lookup_with_memo<H: CodeHasher + ?Sized>(
        &self,
        input: &str,
        hasher: &H,
        memo: &mut HashMemo,
    ) -> Result<usize, BackupError> {
        let code = normalize(input, self.length)?;
        if self.scheme.salts_each_code() {
            // One hash per code: not kept here (the service's hasher keeps them for the call).
            let hashes = self.hash_each(code.as_bytes(), hasher)?;
            return lookup_each(&self.codes, &hashes).into_result();
        }
        let fresh = memo.entry.as_ref().is_some_and(|entry| {
            entry.scheme == self.scheme && entry.salt == self.salt && entry.length == self.length
        });
        if !fresh {
            let hash = Zeroizing::new(hasher.hash(&self.scheme, &self.salt, code.as_bytes())?);
            memo.computed = memo.computed.saturating_add(1);
            memo.entry = Some(Entry {
                scheme: self.scheme,
                salt: self.salt,
                length: self.length,
                hash,
            });
        }
        drop(code);
        let Some(entry) = memo.entry.as_ref() else {
            return Err(BackupError::Mismatch);
        };
        match lookup(&self.codes, &entry.hash) {
            Lookup::Accepted(index) => Ok(index),
            Lookup::Used => Err(BackupError::Used),
            Lookup::Missed => Err(BackupError::Mismatch),
        }
    }

    /// Spends `input` in one call: checks its shape, normalises it once, hashes it once (or
    /// takes the hash from `memo`), compares it in constant time with every slot, and marks the
    /// matching unused code used at `now`. Returns the code's index; on any error the set is
    /// unchanged.
    pub(crate) fn spend<H: CodeHasher + ?Sized>(
        &mut self,
        owner: &str,
        input: &str,
        hasher: &H,
        memo: &mut HashMemo,
        now: u64,
    ) -> Result<usize, BackupError> {
        let index = self.verify_owned(owner, input, hasher, memo)?;
        // The lookup returns the index of an unused code of this set, so this cannot fail; it
        // is the one place a set changes, and drops the binary form it was read from.
        self.mark_used(index, now).map_err(|_| BackupError::Mismatch)?;
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use core::cell::Cell;

    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    use super::*;
    use crate::backup::{BackupError, CodeFormat, HmacHasher};

    struct Counting {
        inner: HmacHasher,
        calls: Cell<u32>,
    }

    impl CodeHasher for Counting {
        fn scheme(&self) -> HashScheme {
            self.inner.scheme()
        }
        fn hash(
            &self,
            scheme: &HashScheme,
            salt: &[u8; HashScheme::SALT_LEN],
            code: &[u8],
        ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
            self.calls.set(self.calls.get() + 1);
            self.inner.hash(scheme, salt, code)
        }
    }

    fn counting() -> Counting {
        Counting {
            inner: HmacHasher::new(1, &[7; 32]).unwrap(),
            calls: Cell::new(0),
        }
    }

    #[test]
    fn retries_against_the_same_set_hash_once() {
        let hasher = counting();
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let (codes, mut set) =
            BackupCodeSet::generate_with_rng(&mut rng, &CodeFormat::default(), &hasher).unwrap();
        hasher.calls.set(0);
        let code = codes.expose_code(5).unwrap();
        let mut memo = HashMemo::new();
        assert_eq!(set.verify_owned("u", code, &hasher, &mut memo), Ok(5));
        assert_eq!(set.verify_owned("u", code, &hasher, &mut memo), Ok(5));
        // Another contender used the code meanwhile: the reloaded set says so, without hashing.
        set.mark_used(5, 10).unwrap();
        assert_eq!(
            set.verify_owned("u", code, &hasher, &mut memo),
            Err(BackupError::Used)
        );
        assert_eq!((hasher.calls.get(), memo.computed()), (1, 1));
    }

    #[test]
    fn a_regenerated_set_is_hashed_again_and_agrees_with_verify() {
        let hasher = counting();
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let (codes, old) =
            BackupCodeSet::generate_with_rng(&mut rng, &CodeFormat::default(), &hasher).unwrap();
        let (_new_codes, new) =
            BackupCodeSet::generate_with_rng(&mut rng, &CodeFormat::default(), &hasher).unwrap();
        hasher.calls.set(0);
        let code = codes.expose_code(0).unwrap();
        let mut memo = HashMemo::new();
        assert_eq!(old.verify_owned("u", code, &hasher, &mut memo), Ok(0));
        assert_eq!(
            new.verify_owned("u", code, &hasher, &mut memo),
            Err(BackupError::Mismatch)
        );
        assert_eq!(new.verify(code, &hasher), Err(BackupError::Mismatch));
        assert_eq!(memo.computed(), 2);
        // A malformed input is refused before any hashing, as by `verify`.
        assert!(
            new.verify_owned("u", "12", &hasher, &mut memo)
                .unwrap_err()
                .is_malformed()
        );
        assert_eq!(memo.computed(), 2);
    }

    #[test]
    fn a_hasher_error_is_returned_and_nothing_is_kept() {
        let hasher = counting();
        let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher).unwrap();
        let other_key = HmacHasher::new(2, &[8; 32]).unwrap();
        let mut memo = HashMemo::new();
        assert_eq!(
            set.verify_owned("u", codes.expose_code(0).unwrap(), &other_key, &mut memo),
            Err(BackupError::KeyMismatch { stored: 1, held: 2 })
        );
        assert_eq!(memo.computed(), 0);
        assert!(memo.entry.is_none());
    }

    #[test]
    fn spending_drops_the_bytes_the_set_was_read_from_and_a_refusal_keeps_them() {
        let hasher = counting();
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let (codes, set) =
            BackupCodeSet::generate_with_rng(&mut rng, &CodeFormat::default(), &hasher).unwrap();
        let read = BackupCodeSet::from_bytes(&set.binary()).unwrap();
        // A memo holds one attempt's input: one each.
        let mut refused = read.clone();
        assert_eq!(
            refused.spend("u", "0000-0000-0000-0000", &hasher, &mut HashMemo::new(), 10),
            Err(BackupError::Mismatch)
        );
        assert!(refused.encoded.is_some());
        let mut spent = read.clone();
        let code = codes.expose_code(3).unwrap();
        assert_eq!(spent.spend("u", code, &hasher, &mut HashMemo::new(), 10), Ok(3));
        assert!(spent.encoded.is_none());
        assert_eq!(
            BackupCodeSet::from_bytes(&spent.binary()).unwrap().used_at(3),
            Some(10)
        );
        let mut consumed = read;
        consumed
            .consume(codes.expose_code(4).unwrap(), &hasher.inner, 11)
            .unwrap();
        assert!(consumed.encoded.is_none());
    }
}
