//! What a [`TwoFactor`](crate::TwoFactor) service is configured with.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use crate::backup::{ChosenHasher, CodeFormat, CodeHasher, DefaultHasher};
use crate::config_error::ConfigError;
use crate::otp::TotpParams;
use crate::policy::Policy;
use crate::secret::Secret;
use crate::uri::KeyUri;

/// The configuration of a [`TwoFactor`](crate::TwoFactor) service, validated.
///
/// | | default | standard |
/// | --- | --- | --- |
/// | issuer | required: the name the authenticator app shows | Key URI format |
/// | algorithm, digits, period | SHA-1, 6, 30 s ([`TotpParams::DEFAULT`]), what every app reads | RFC 6238 §5.2 |
/// | rules | [`Policy::DEFAULT`]: window ±1, learned drift, throttling, 10-minute enrollment | see [`Policy`] |
/// | backup codes | 10 codes of 16 symbols, 80 bits each ([`CodeFormat::DEFAULT`]) | NIST SP 800-63B-4 |
/// | backup-code hasher | Argon2id, m = 19 MiB, t = 2, p = 1 (feature `argon2`) | OWASP ASVS 5.0 6.5.2 |
/// | "backup codes low" | at 2 codes left | — |
/// | retries on conflict | 64 | see [`ConfigBuilder::max_retries`] |
/// | expensive hashes at once | the number of CPUs, and one at a time per user | see [`ConfigBuilder::max_concurrent_hashes`] |
/// | maximum clock skew against the database | off | OWASP ASVS 5.0 6.5.8; see [`ConfigBuilder::max_clock_skew`] |
///
/// ```
/// use twofactor::Config;
/// use twofactor::backup::HmacHasher;
/// use twofactor::policy::Policy;
/// use twofactor::otp::{TotpParams, Window};
///
/// let config = Config::builder("Example Co")
///     .params(TotpParams::builder().digits(8).build()?)
///     .policy(Policy::builder().window(Window::RFC_6238_STRICT).build()?)
///     .hasher(HmacHasher::new(1, &[0x42; 32])?)
///     .build()?;
/// assert_eq!((config.issuer(), config.params().digits().get()), ("Example Co", 8));
/// assert!(Config::builder("Bad:Issuer").build().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Config {
    issuer: String,
    params: TotpParams,
    policy: Policy,
    backup_format: CodeFormat,
    hasher: Arc<dyn CodeHasher + Send + Sync>,
    low_backup_codes: usize,
    max_retries: u32,
    max_concurrent_hashes: Option<usize>,
    max_clock_skew: Option<u64>,
    clock_check_max_age: u64,
}

impl Config {
    /// Retries of one call after a lost compare-and-swap, by default: 64.
    ///
    /// Each conflict means that another request wrote the record in between — made progress —
    /// and each request writes at most once, so with N requests racing on one user, N − 1
    /// retries always suffice. 64 covers 65 concurrent requests on one user, far more than one
    /// person sends; beyond it the call is denied with [`Error::Conflict`](crate::Error::Conflict).
    pub const DEFAULT_MAX_RETRIES: u32 = 64;
    /// Unused backup codes at which [`EventKind::BackupCodesLow`](crate::events::EventKind::BackupCodesLow)
    /// is emitted, by default: 2.
    pub const DEFAULT_LOW_BACKUP_CODES: usize = 2;
    /// The smallest maximum clock skew, in seconds: 2. Both clocks are read to the second, so a
    /// smaller bound would refuse healthy clocks on rounding alone.
    pub const MIN_CLOCK_SKEW: u64 = 2;
    /// The largest maximum clock skew, in seconds: 3600. Beyond an hour the check no longer
    /// protects anything a TOTP window cares about.
    pub const MAX_CLOCK_SKEW: u64 = 3600;
    /// How long a healthy clock check vouches for the clock, by default: 600 s (10 minutes).
    /// Check every minute or so; a few missed checks are forgiven.
    pub const DEFAULT_CLOCK_CHECK_MAX_AGE: u64 = 600;
    /// The shortest a clock check may vouch for the clock, in seconds: 10.
    pub const MIN_CLOCK_CHECK_MAX_AGE: u64 = 10;
    /// The longest a clock check may vouch for the clock, in seconds: 86 400 (a day).
    pub const MAX_CLOCK_CHECK_MAX_AGE: u64 = 86_400;

    /// The defaults for `issuer`, with the Argon2id hasher.
    ///
    /// # Errors
    /// As [`ConfigBuilder::build`].
    ///
    /// ```
    /// let config = twofactor::Config::new("Example Co")?;
    /// assert_eq!(config.max_retries(), 64);
    /// # Ok::<(), twofactor::ConfigError>(())
    /// ```
    #[cfg(feature = "argon2")]
    pub fn new(issuer: &str) -> Result<Self, ConfigError> {
        Self::builder(issuer).build()
    }

    /// A builder with the defaults for `issuer`.
    pub fn builder(issuer: &str) -> ConfigBuilder {
        ConfigBuilder {
            issuer: issuer.into(),
            params: TotpParams::DEFAULT,
            policy: Policy::DEFAULT,
            backup_format: CodeFormat::DEFAULT,
            hasher: DefaultHasher,
            low_backup_codes: Self::DEFAULT_LOW_BACKUP_CODES,
            max_retries: Self::DEFAULT_MAX_RETRIES,
            max_concurrent_hashes: None,
            max_clock_skew: None,
            clock_check_max_age: Self::DEFAULT_CLOCK_CHECK_MAX_AGE,
        }
    }

    /// The issuer shown by authenticator apps.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The parameters of new authenticators. (An enrolled one keeps those it was enrolled with.)
    #[must_use]
    pub const fn params(&self) -> TotpParams {
        self.params
    }

    /// The rules.
    #[must_use]
    pub const fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The format of new backup codes.
    #[must_use]
    pub const fn backup_format(&self) -> CodeFormat {
        self.backup_format
    }

    /// The backup-code hasher.
    #[must_use]
    pub fn hasher(&self) -> &(dyn CodeHasher + Send + Sync) {
        &*self.hasher
    }

    /// The backup-code hasher, shared: for the blocking tasks that run an expensive one.
    pub(super) fn shared_hasher(&self) -> Arc<dyn CodeHasher + Send + Sync> {
        Arc::clone(&self.hasher)
    }

    /// Unused backup codes at which the service says they are running low.
    #[must_use]
    pub const fn low_backup_codes(&self) -> usize {
        self.low_backup_codes
    }

    /// Retries of one call after a lost compare-and-swap.
    #[must_use]
    pub const fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The most expensive backup-code hashes computed at once, across all users (see
    /// [`ConfigBuilder::max_concurrent_hashes`]): the number of CPUs unless set.
    #[must_use]
    pub fn max_concurrent_hashes(&self) -> usize {
        self.max_concurrent_hashes
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, core::num::NonZeroUsize::get))
    }

    /// The largest skew, in seconds, between the service's clock and the store's server clock
    /// at which the service still verifies; `None` (the default): no limit, nothing refused
    /// (see [`ConfigBuilder::max_clock_skew`]).
    #[must_use]
    pub const fn max_clock_skew(&self) -> Option<u64> {
        self.max_clock_skew
    }

    /// How long a healthy clock check vouches for the clock, in seconds (see
    /// [`ConfigBuilder::clock_check_max_age`]).
    #[must_use]
    pub const fn clock_check_max_age(&self) -> u64 {
        self.clock_check_max_age
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("issuer", &self.issuer)
            .field("params", &self.params)
            .field("policy", &self.policy)
            .field("backup_format", &self.backup_format)
            .field("hasher", &self.hasher.scheme())
            .field("low_backup_codes", &self.low_backup_codes)
            .field("max_retries", &self.max_retries)
            .field("max_concurrent_hashes", &self.max_concurrent_hashes())
            .field("max_clock_skew", &self.max_clock_skew)
            .field("clock_check_max_age", &self.clock_check_max_age)
            .finish()
    }
}

/// Builds a [`Config`]; `build()` validates.
///
/// ```
/// use twofactor::backup::{CodeFormat, HmacHasher};
/// use twofactor::Config;
///
/// let config = Config::builder("Example Co")
///     .backup_format(CodeFormat::builder().count(12).build()?)
///     .hasher(HmacHasher::new(7, &[0x42; 32])?) // a key held apart from the database
///     .low_backup_codes(3)
///     .max_retries(16)
///     .build()?;
/// assert_eq!((config.backup_format().count(), config.low_backup_codes()), (12, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Which backup-code hasher the service uses is decided when it is built, at compile time: the
/// builder starts as `ConfigBuilder<DefaultHasher>`, whose `build` exists only with feature
/// `argon2` (it then uses `Argon2Hasher::DEFAULT`); [`ConfigBuilder::hasher`] gives a
/// `ConfigBuilder<ChosenHasher>`, whose `build` always exists. A build without `argon2` that
/// forgets the hasher does not compile, instead of failing when it runs.
#[must_use]
pub struct ConfigBuilder<H = DefaultHasher> {
    issuer: String,
    params: TotpParams,
    policy: Policy,
    backup_format: CodeFormat,
    hasher: H,
    low_backup_codes: usize,
    max_retries: u32,
    max_concurrent_hashes: Option<usize>,
    max_clock_skew: Option<u64>,
    clock_check_max_age: u64,
}

impl<H> ConfigBuilder<H> {
    /// Algorithm, digits and period of new authenticators (default [`TotpParams::DEFAULT`]).
    /// Many apps ignore anything but the default: change it only for apps known to read it.
    pub const fn params(mut self, params: TotpParams) -> Self {
        self.params = params;
        self
    }

    /// The rules (default [`Policy::DEFAULT`]).
    pub const fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The format of new backup codes (default [`CodeFormat::DEFAULT`]).
    pub const fn backup_format(mut self, format: CodeFormat) -> Self {
        self.backup_format = format;
        self
    }

    /// The backup-code hasher (default: `Argon2Hasher` with feature `argon2`; required without
    /// it). [`HmacHasher`](crate::backup::HmacHasher) is the keyed alternative.
    pub fn hasher<K: CodeHasher + Send + Sync + 'static>(self, hasher: K) -> ConfigBuilder<ChosenHasher> {
        ConfigBuilder {
            issuer: self.issuer,
            params: self.params,
            policy: self.policy,
            backup_format: self.backup_format,
            hasher: ChosenHasher::new(hasher),
            low_backup_codes: self.low_backup_codes,
            max_retries: self.max_retries,
            max_concurrent_hashes: self.max_concurrent_hashes,
            max_clock_skew: self.max_clock_skew,
            clock_check_max_age: self.clock_check_max_age,
        }
    }

    /// Unused backup codes at which the service says they are running low (default 2).
    pub const fn low_backup_codes(mut self, codes: usize) -> Self {
        self.low_backup_codes = codes;
        self
    }

    /// Retries of one call after a lost compare-and-swap (default
    /// [`Config::DEFAULT_MAX_RETRIES`]).
    pub const fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The most expensive backup-code hashes (Argon2id: about 19 MiB and 20 ms each) the service
    /// computes at once, across all users (default: the number of CPUs). Beyond it an attempt
    /// waits for a slot, so a flood of backup codes holds `n × 19 MiB` of memory at most; the
    /// attempts of one user are computed one at a time besides, each after reading the latest
    /// state, so a burst of wrong codes costs no more hashes than the failures it can count.
    /// At least 1.
    ///
    /// ```
    /// use twofactor::Config;
    /// use twofactor::backup::HmacHasher;
    ///
    /// let hasher = HmacHasher::new(1, &[7; 32])?;
    /// let config = Config::builder("Example").hasher(hasher).max_concurrent_hashes(2).build()?;
    /// assert_eq!(config.max_concurrent_hashes(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn max_concurrent_hashes(mut self, hashes: usize) -> Self {
        self.max_concurrent_hashes = Some(if hashes == 0 { 1 } else { hashes });
        self
    }

    /// Refuses to verify while the service's clock and the store's server clock disagree by
    /// more than `seconds` (default: off): OWASP ASVS 5.0 6.5.8, trusted time.
    ///
    /// A service host whose clock is wrong accepts the codes of the wrong time. Set ahead, it
    /// accepts codes that are not due yet — codes an attacker read earlier off a phone set
    /// forward, or computed ahead for a moment to come — and treats valid ones as long past;
    /// set behind, it accepts codes already old, typed late or harvested, and a code of the
    /// real present looks like a future step or, once the clock catches up, a replay of a step
    /// already spent (and it lets expired challenges, enrollments and remembered devices live
    /// on). The database server's clock is an independent second opinion, from another machine
    /// with its own time source: [`TwoFactor::check_clock`](crate::TwoFactor::check_clock)
    /// compares the two, and while the last check found them further apart than `seconds` —
    /// or no check has succeeded yet, or the last one is older than
    /// [`clock_check_max_age`](Self::clock_check_max_age) — every flow that decides on the
    /// clock is denied with [`Error::UntrustedClock`](crate::Error::UntrustedClock) (503).
    /// Revoking devices, unlocking, resetting and reading status still work.
    ///
    /// It does not protect against both clocks wrong together (one bad NTP source for both
    /// hosts, or an attacker who moves both): keeping the service's clock synchronised (NTP,
    /// with more than one source) stays the primary control; this catches the one host that
    /// drifted or was set wrong. It needs a store with a clock of its own
    /// ([`Store::server_time`](crate::Store::server_time): the SQL stores; not
    /// [`MemoryStore`](crate::MemoryStore), against which every check reports
    /// [`ClockProblem::NoServerClock`](crate::policy::ClockProblem::NoServerClock)).
    ///
    /// Off by default: an application that sets it must also run the check, at start and
    /// periodically (every minute is cheap: one query); a default that refused every
    /// verification of applications not yet running it would lock their users out. 10 to 30 s
    /// suits two hosts kept by NTP (normally within a second): well under one 30-second step,
    /// so a host off by a step or more is caught.
    ///
    /// ```
    /// use twofactor::{Config, ConfigError};
    /// use twofactor::backup::HmacHasher;
    ///
    /// let hasher = HmacHasher::new(1, &[7; 32])?;
    /// let config = Config::builder("Example").hasher(hasher.clone()).max_clock_skew(15).build()?;
    /// assert_eq!((config.max_clock_skew(), config.clock_check_max_age()), (Some(15), 600));
    /// assert_eq!(
    ///     Config::builder("Example").hasher(hasher).max_clock_skew(1).build().err(),
    ///     Some(ConfigError::MaxClockSkew { min: 2, max: 3600 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn max_clock_skew(mut self, seconds: u64) -> Self {
        self.max_clock_skew = Some(seconds);
        self
    }

    /// How long a healthy clock check vouches for the clock, in seconds (default
    /// [`Config::DEFAULT_CLOCK_CHECK_MAX_AGE`], 10 minutes; 10 s to a day): past it, with
    /// [`max_clock_skew`](Self::max_clock_skew) set, the service refuses until the next
    /// check. Longer than the application's period between checks, so that one missed check is
    /// not an outage; it also bounds how far the clock can jump ahead unnoticed after a check.
    pub const fn clock_check_max_age(mut self, seconds: u64) -> Self {
        self.clock_check_max_age = seconds;
        self
    }

    /// Checks the configuration, with `hasher`.
    fn finish(self, hasher: Arc<dyn CodeHasher + Send + Sync>) -> Result<Config, ConfigError> {
        if let Ok(probe) = Secret::from_bytes(&[0x42; Secret::MIN_BYTES]) {
            KeyUri::totp(probe, self.params, &self.issuer, "account").map_err(ConfigError::Issuer)?;
        }
        if self
            .max_clock_skew
            .is_some_and(|skew| !(Config::MIN_CLOCK_SKEW..=Config::MAX_CLOCK_SKEW).contains(&skew))
        {
            return Err(ConfigError::MaxClockSkew {
                min: Config::MIN_CLOCK_SKEW,
                max: Config::MAX_CLOCK_SKEW,
            });
        }
        if !(Config::MIN_CLOCK_CHECK_MAX_AGE..=Config::MAX_CLOCK_CHECK_MAX_AGE)
            .contains(&self.clock_check_max_age)
        {
            return Err(ConfigError::ClockCheckMaxAge {
                min: Config::MIN_CLOCK_CHECK_MAX_AGE,
                max: Config::MAX_CLOCK_CHECK_MAX_AGE,
            });
        }
        Ok(Config {
            issuer: self.issuer,
            params: self.params,
            policy: self.policy,
            backup_format: self.backup_format,
            hasher,
            low_backup_codes: self.low_backup_codes,
            max_retries: self.max_retries,
            max_concurrent_hashes: self.max_concurrent_hashes,
            max_clock_skew: self.max_clock_skew,
            clock_check_max_age: self.clock_check_max_age,
        })
    }
}

impl ConfigBuilder<ChosenHasher> {
    /// Checks the configuration.
    ///
    /// # Errors
    /// [`ConfigError::Issuer`] when the issuer or the parameters cannot be written in a Key URI
    /// (an empty issuer, a colon or a control character in it, a `T0` other than 0);
    /// [`ConfigError::MaxClockSkew`] and [`ConfigError::ClockCheckMaxAge`] for clock-check
    /// bounds out of range.
    pub fn build(self) -> Result<Config, ConfigError> {
        let hasher = Arc::clone(&self.hasher.0);
        self.finish(hasher)
    }
}

#[cfg(feature = "argon2")]
impl ConfigBuilder<DefaultHasher> {
    /// Checks the configuration; backup codes are hashed with `Argon2Hasher::DEFAULT`.
    ///
    /// # Errors
    /// As [`ConfigBuilder::<ChosenHasher>::build`](ConfigBuilder#method.build-1).
    pub fn build(self) -> Result<Config, ConfigError> {
        self.finish(Arc::new(crate::backup::Argon2Hasher::DEFAULT))
    }
}

impl<H> fmt::Debug for ConfigBuilder<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("issuer", &self.issuer)
            .field("params", &self.params)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}
