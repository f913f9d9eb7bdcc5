//! Importing a user's second factor from another system (the decision is
//! `src/policy/import.rs`).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::offload::{blocking, lost};
use super::{Error, TwoFactor};
use crate::backup::{BackupCodeSet, BackupError, Owned};
use crate::events::EventKind;
use crate::policy::{self, Import, Imported, ImportedCodes};
use crate::record::PlainSecret;
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Imports the second factor another system kept for `user` — a TOTP secret with its
    /// parameters, the last step used if known, a label, backup codes — so that the user signs
    /// in with the app and the codes they already have, without enrolling again. Through the
    /// same path as every flow: the secret is sealed if the service holds keys, plain backup
    /// codes are hashed with the configured hasher (off the async executor if it is expensive),
    /// the write is a compare-and-swap, and an [`EventKind::Imported`] records it (no secret).
    ///
    /// Without [`Import::last_step`] the step of the import is taken as spent: a code the user
    /// typed into the other system just before cannot be replayed here. The epoch moves.
    ///
    /// **An operator tool**, like [`TwoFactor::admin_reset`]: it sets a user's second factor
    /// without a proof. Run it from a migration, never from a route a user can reach.
    ///
    /// # Errors
    /// [`Error::AlreadyEnabled`] if the user's second factor is on, unless [`Import::replace`];
    /// [`Error::InvalidLabel`]; [`Error::InvalidImport`] (a last step ahead of now, backup codes
    /// as long as the authenticator's codes, a time before T0); [`Error::InvalidBackupCodes`]
    /// for plain codes that cannot be kept; [`Error::Generate`] if hashing them failed;
    /// [`Error::InvalidUser`]; the service's own failures. Nothing is written on any of them.
    ///
    /// ```
    /// use twofactor::otp::TotpParams;
    /// use twofactor::policy::Import;
    /// use twofactor::{Config, Error, ManualClock, MemoryStore, Secret, Totp, TwoFactor, Via};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    ///
    /// // The row of the old users table: an 80-bit secret, two backup codes.
    /// let secret = Secret::from_base32_legacy("JBSWY3DPEHPK3PXP")?;
    /// let phone = Totp::new(&secret, TotpParams::DEFAULT); // what the user's app computes
    /// let import = Import::new(secret, TotpParams::DEFAULT).backup_codes(["7361-0942-5518", "2290-4417-8836"]);
    /// let imported = service.import("u1", import.clone()).await?;
    /// assert_eq!(imported.backup_codes, Some(2));
    ///
    /// // The code of the import's step was spent by the import; the next one signs in.
    /// let seen = phone.generate(clock.get())?.to_string();
    /// assert!(matches!(service.verify("u1", &seen).await, Err(Error::Replay { via: Via::Code })));
    /// clock.advance(30);
    /// service.verify("u1", &phone.generate(clock.get())?.to_string()).await?;
    /// service.verify("u1", "736109425518").await?; // an old backup code, once
    ///
    /// // A second import is refused unless asked to replace.
    /// assert!(matches!(service.import("u1", import.clone()).await, Err(Error::AlreadyEnabled)));
    /// assert!(service.import("u1", import.replace()).await?.replaced);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn import(&self, user: impl AsRef<str>, import: Import) -> Result<Imported, Error> {
        let user = user.as_ref();
        let now = self.start(user)?;
        let set = match &import.codes {
            ImportedCodes::None => None,
            ImportedCodes::Plain(codes) => Some(self.hash_imported(user, codes).await?),
            ImportedCodes::Set(set) => Some(set.clone()),
        };
        let secret = PlainSecret::new(import.secret.clone(), import.params);
        let (outcome, _) = self
            .transact(user, |record| {
                policy::import(record, user, &import, &secret, set.as_ref(), now)
            })
            .await?;
        let imported = outcome.map_err(Error::from)?;
        self.emit(
            user,
            now,
            EventKind::Imported {
                authenticator: imported.authenticator,
                backup_codes: imported.backup_codes,
                replaced: imported.replaced,
                epoch: imported.epoch,
            },
        );
        Ok(imported)
    }

    /// Plain imported codes hashed with the configured hasher under a salt from the service's
    /// generator, bound to `user` as every set the service makes (`backup::Owned`), on a
    /// blocking thread if the hasher is expensive.
    async fn hash_imported(
        &self,
        user: &str,
        codes: &Arc<[zeroize::Zeroizing<String>]>,
    ) -> Result<BackupCodeSet, Error> {
        let hasher = self.config.shared_hasher();
        let rng = self.rng.clone();
        let codes = Arc::clone(codes);
        let user: Arc<str> = user.into();
        let hash = move || {
            let texts: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
            let mut draw = rng.draw();
            let owned = Owned {
                inner: &*hasher,
                user: &user,
            };
            let set = BackupCodeSet::import_plain_with_rng(&mut draw, &texts, &owned);
            // A salt from a failed draw is never used.
            draw.finish().map_err(|_| BackupError::Rng)?;
            set.map(BackupCodeSet::into_bound)
        };
        let made = match self.config.shared_hasher().is_expensive() {
            true => blocking(hash).await.unwrap_or_else(|| Err(lost())),
            false => hash(),
        };
        made.map_err(|error| match error {
            BackupError::ImportedCode { .. }
            | BackupError::ImportedLength { .. }
            | BackupError::Count { .. } => Error::InvalidBackupCodes(error),
            error => Error::Generate(error),
        })
    }
}
