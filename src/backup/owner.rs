//! Sets bound to their user: the codes of a set the service makes are hashed with a salt
//! derived from the set's stored salt and the user's id, so that a set copied into another
//! user's record — by someone who can write database rows, say — never verifies there.
//!
//! ```text
//! hashing salt = SHA-256("twofactor/backup-owner/v1" ‖ len(user):u16 ‖ user ‖ salt)[..16]
//! ```
//!
//! The stored salt stays what it was (random, per set); the derivation is a plain hash, since
//! the binding need not be secret — it only has to differ between users. A bound set says so in
//! its stored forms (binary format 2, text `v=2`); sets made before, or by
//! [`BackupCodeSet::generate`] outside the service, are unbound and verify as before.

use sha2::{Digest, Sha256};

use super::error::BackupError;
use super::hasher::{CodeHasher, HashScheme};
use super::set::BackupCodeSet;

const DOMAIN: &[u8] = b"twofactor/backup-owner/v1";

/// `salt` bound to `user`.
pub(crate) fn bound_salt(salt: &[u8; HashScheme::SALT_LEN], user: &str) -> [u8; HashScheme::SALT_LEN] {
    let mut digest = Sha256::new();
    digest.update(DOMAIN);
    // User ids are at most 1 024 bytes (`Record::MAX_USER_LEN`); a longer one is cut in the
    // length only, never in the bytes hashed.
    digest.update(u16::try_from(user.len()).unwrap_or(u16::MAX).to_be_bytes());
    digest.update(user.as_bytes());
    digest.update(salt);
    let digest = digest.finalize();
    let mut bound = [0; HashScheme::SALT_LEN];
    bound.copy_from_slice(&digest[..HashScheme::SALT_LEN]);
    bound
}

/// A hasher that hashes every code with the salt bound to `user`.
pub(crate) struct Owned<'a, H: ?Sized> {
    pub(crate) inner: &'a H,
    pub(crate) user: &'a str,
}

impl<H: CodeHasher + ?Sized> CodeHasher for Owned<'_, H> {
    fn scheme(&self) -> HashScheme {
        self.inner.scheme()
    }

    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        self.inner.hash(scheme, &bound_salt(salt, self.user), code)
    }

    /// Another system's hashes, each with its own salt, are never bound: passed on as they are.
    fn hash_legacy(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        self.inner.hash_legacy(scheme, salt, code)
    }

    fn is_expensive(&self) -> bool {
        self.inner.is_expensive()
    }
}

impl BackupCodeSet {
    /// Whether the set is bound to its user: its codes verify only in that user's record
    /// (the service makes every set so; see [`verify_for`](Self::verify_for)).
    #[must_use]
    pub const fn is_bound(&self) -> bool {
        self.bound
    }

    /// [`verify`](Self::verify) for a set bound to `user` (an unbound set ignores `user`).
    ///
    /// # Errors
    /// As [`verify`](Self::verify); a bound set's codes typed for another user are a
    /// [`BackupError::Mismatch`].
    pub fn verify_for<H: CodeHasher + ?Sized>(
        &self,
        user: &str,
        input: &str,
        hasher: &H,
    ) -> Result<usize, BackupError> {
        if self.bound {
            self.verify_unchecked(input, &Owned { inner: hasher, user })
        } else {
            self.verify_unchecked(input, hasher)
        }
    }

    /// The set, bound to its user from now on: for a set just generated with
    /// [`Owned`]'s hasher.
    #[cfg(any(test, feature = "std"))]
    pub(crate) fn into_bound(mut self) -> Self {
        self.bound = true;
        self.encoded = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;
    use crate::backup::{CodeFormat, HashMemo, HmacHasher};

    fn bound_set(user: &str) -> (Vec<String>, BackupCodeSet) {
        let hasher = HmacHasher::new(1, &[0x42; 32]).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let owned = Owned { inner: &hasher, user };
        let (codes, set) =
            BackupCodeSet::generate_with_rng(&mut rng, &CodeFormat::default(), &owned).unwrap();
        (codes.expose_codes().map(String::from).collect(), set.into_bound())
    }

    #[test]
    fn a_bound_set_verifies_for_its_user_only() {
        let hasher = HmacHasher::new(1, &[0x42; 32]).unwrap();
        let (codes, set) = bound_set("alice");
        assert!(set.is_bound());
        assert_eq!(set.verify_for("alice", &codes[3], &hasher), Ok(3));
        assert_eq!(
            set.verify_for("bob", &codes[3], &hasher),
            Err(BackupError::Mismatch)
        );
        assert_eq!(
            set.verify_for("alice ", &codes[3], &hasher),
            Err(BackupError::Mismatch)
        );
        assert_eq!(set.verify(&codes[3], &hasher), Err(BackupError::Bound));
        let mut memo = HashMemo::new();
        assert_eq!(
            set.verify_owned("bob", &codes[3], &hasher, &mut memo),
            Err(BackupError::Mismatch)
        );
        let mut memo = HashMemo::new();
        assert_eq!(set.verify_owned("alice", &codes[3], &hasher, &mut memo), Ok(3));
    }

    #[test]
    fn the_binding_survives_both_stored_forms() {
        let (_, set) = bound_set("alice");
        let binary = BackupCodeSet::from_bytes(&set.binary()).unwrap();
        assert!(binary.is_bound());
        assert_eq!(binary, set);
        assert_eq!(set.binary()[0], 2);
        let text = set.to_stored();
        assert!(text.starts_with("$twofactor-backup$v=2$"), "{text}");
        let read = BackupCodeSet::from_stored(&text).unwrap();
        assert!(read.is_bound());
        assert_eq!(read, set);
    }

    #[test]
    fn an_unbound_set_verifies_for_anyone_as_before() {
        let hasher = HmacHasher::new(1, &[0x42; 32]).unwrap();
        let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher).unwrap();
        assert!(!set.is_bound());
        let code = codes.expose_code(0).unwrap();
        assert_eq!(set.verify(code, &hasher), Ok(0));
        assert_eq!(set.verify_for("anyone", code, &hasher), Ok(0));
        assert!(set.to_stored().starts_with("$twofactor-backup$v=1$"));
        assert_eq!(set.binary()[0], 1);
    }

    #[test]
    fn the_bound_salt_separates_users_and_salts() {
        let salt = [9; HashScheme::SALT_LEN];
        assert_ne!(bound_salt(&salt, "alice"), bound_salt(&salt, "bob"));
        assert_ne!(
            bound_salt(&salt, "alice"),
            bound_salt(&[8; HashScheme::SALT_LEN], "alice")
        );
        assert_ne!(bound_salt(&salt, "alice"), salt);
        assert_eq!(bound_salt(&salt, "alice"), bound_salt(&salt, "alice"));
    }
}
