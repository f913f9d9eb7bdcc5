//! Whether a user's backup codes still await a pepper rotation (the other server keys are
//! given to [`TwoFactor::new`]).

use super::{Error, TwoFactor};
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Whether the user's stored backup codes were hashed under another scheme, parameters or
    /// key id than the configured hasher uses for new sets — after a pepper rotation, a set
    /// under an old id. Such a set still verifies (while the hasher holds its key), but cannot
    /// be rehashed in place: ask the user to regenerate the codes
    /// ([`TwoFactor::regenerate_backup_codes`]), say at the next visit to the security settings.
    /// A pepper rotation finishes when this is `false` for every user; only then drop the old
    /// id. Reads only; a user without a record, or without codes, is `Ok(false)`.
    ///
    /// # Errors
    /// The service's own failures ([`Error::Store`], [`Error::Clock`], [`Error::InvalidUser`]).
    pub async fn backup_codes_need_rehash(&self, user: &str) -> Result<bool, Error> {
        self.start_untimed(user)?;
        let record = self.store.load(user).await.map_err(Error::store)?;
        if record.as_ref().is_some_and(|record| record.user() != user) {
            return Err(Error::store(super::error::WrongRecord));
        }
        let hasher = self.config.hasher();
        Ok(record
            .and_then(|record| record.0.backup)
            .is_some_and(|set| set.needs_rehash(hasher)))
    }
}
