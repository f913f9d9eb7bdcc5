//! The status of a user's second factor.

use super::{Error, TwoFactor};
use crate::policy;
use crate::policy::Status;
use crate::service::Clock;
use crate::store::Store;

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// The user's second-factor state now: enabled, backup codes left, each path's throttling,
    /// the epoch. A user without a record is reported as not enabled. Reads only.
    ///
    /// # Errors
    /// The service's own failures ([`Error::Store`], [`Error::Clock`], [`Error::InvalidUser`]).
    ///
    /// ```
    /// use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    /// use twofactor::policy::Throttling;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config);
    /// let status = service.status("nobody").await?;
    /// assert!(!status.enabled);
    /// assert_eq!((status.codes, status.epoch), (Throttling::Open, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn status(&self, user: impl AsRef<str>) -> Result<Status, Error> {
        let user = user.as_ref();
        let now = self.start_untimed(user)?;
        let record = self.load_checked(user).await?;
        Ok(policy::status(
            record.as_ref().map(|record| &record.0),
            now,
            self.config.policy(),
        ))
    }
}
