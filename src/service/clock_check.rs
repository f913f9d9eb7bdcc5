//! Trusted time (OWASP ASVS 5.0 6.5.8): the clock check an application runs at start and
//! periodically, [`TwoFactor::check_clock`], and the gate every flow that decides on the clock
//! passes, driven by the last check's result.
//!
//! The gate reads what the last check found, kept in the service; it never asks the database
//! itself. A query per verification would double the round trips of every sign-in, and turn a
//! slow database clock query into slow sign-ins; a skew is a property of the hosts that changes
//! over minutes, not per request, so a check a minute measures it as well. What a check cannot
//! see between two checks — the clock jumping after one — is bounded by the check's maximum age
//! (a jump ahead past it stales the check at once) and by the rule that the clock must not read
//! earlier than at the check by more than the maximum skew.

use std::sync::{Mutex, PoisonError};

use super::{Clock, Error, TwoFactor};
use crate::policy::{self, ClockHealth};
use crate::store::Store;

/// The last successful clock check of one service: `None` until the first.
#[derive(Debug, Default)]
pub(super) struct ClockGate(Mutex<Option<ClockHealth>>);

impl ClockGate {
    fn last(&self) -> Option<ClockHealth> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, health: ClockHealth) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(health);
    }
}

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// Compares the service's clock with the store's server clock
    /// ([`Store::server_time`]: the database server's, a machine of its own) and reports how
    /// far apart they are; with [`ConfigBuilder::max_clock_skew`](crate::ConfigBuilder::max_clock_skew)
    /// set, the result decides whether the service verifies until the next check. Run it at
    /// start, before serving, and periodically (every minute or so: one query; more often than
    /// [`Config::clock_check_max_age`](crate::Config::clock_check_max_age)), and alert on a
    /// result that is not [healthy](ClockHealth::is_healthy): the host's clock needs fixing.
    ///
    /// What it protects against, and what not, is on
    /// [`ConfigBuilder::max_clock_skew`](crate::ConfigBuilder::max_clock_skew). The service's
    /// time is read before and after the query and taken halfway, so the query's own latency
    /// does not count as skew.
    ///
    /// # Errors
    /// [`Error::Store`] if the store cannot tell its time, [`Error::Clock`] if the service's
    /// clock fails. A failed check changes nothing: the last result stands until it is out of
    /// date, since a failure says nothing about the clock (and a store that fails denies
    /// anyway).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// use twofactor::backup::HmacHasher;
    /// use twofactor::policy::ClockProblem;
    /// use twofactor::{Config, Error, SqliteStore, SystemClock, TwoFactor};
    ///
    /// # let dir = std::env::temp_dir().join(format!("twofactor-doc-clock-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(dir.join("app.db"), "two_factor").await?;
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).max_clock_skew(15).build()?;
    /// let service = TwoFactor::without_keys(store, SystemClock, config);
    ///
    /// // Before the first check, nothing that decides on the clock is done.
    /// let refused = service.verify("u1", "123456").await;
    /// assert!(matches!(refused, Err(Error::UntrustedClock(ClockProblem::Unchecked))));
    ///
    /// let health = service.check_clock().await?; // at start, then every minute
    /// assert!(health.is_healthy(), "{health:?}");
    /// assert!(health.skew().is_some_and(|skew| skew.abs() <= 2));
    /// assert!(matches!(service.verify("u1", "123456").await, Err(Error::NotEnrolled)));
    /// # service.store().pool().close().await;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn check_clock(&self) -> Result<ClockHealth, Error> {
        let before = self.clock.now().map_err(Error::Clock)?;
        let server = self.store.server_time().await.map_err(Error::store)?;
        let after = self.clock.now().map_err(Error::Clock)?;
        // Halfway, without overflow; a clock that went back during the query reads `after`.
        let service = if after >= before {
            before + (after - before) / 2
        } else {
            after
        };
        let health = ClockHealth::new(service, server, self.config.max_clock_skew());
        self.clock_gate.record(health);
        Ok(health)
    }

    /// Whether the service may decide on its clock reading `now`: always without a maximum
    /// skew, else as the last check says ([`policy::clock_trusted`]).
    pub(super) fn trust_clock(&self, now: u64) -> Result<(), Error> {
        let Some(max_skew) = self.config.max_clock_skew() else {
            return Ok(());
        };
        let last = self.clock_gate.last();
        policy::clock_trusted(last.as_ref(), now, max_skew, self.config.clock_check_max_age())
            .map_err(Error::UntrustedClock)
    }
}
