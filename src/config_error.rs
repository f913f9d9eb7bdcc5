//! The one error of setting the crate up: [`ConfigError`], published at the crate root.

use core::fmt;

use crate::uri::UriError;

/// Why the crate could not be set up as asked: a configuration, a policy or the server keys that
/// cannot work. One error for everything an application decides once, at start-up, so that it
/// handles them in one place (usually by refusing to start). Never carries key material, nor
/// any of the text of the server keys.
///
/// Which calls give which variants:
///
/// | variant | from | `Display` |
/// | --- | --- | --- |
/// | `Issuer` | [`Config::builder`](crate::Config::builder) | `the issuer or parameters cannot be written in a Key URI`; the [`UriError`] is the source |
/// | `LockAfter` | [`ThrottlePolicy::builder`](crate::policy::ThrottlePolicy::builder) | `the hard lock must come after 1 to {max} failures` |
/// | `FreeFailures` | 〃 | `free failures must be fewer than the failures that lock` |
/// | `Delay` | 〃 | `the first delay must be at least 1 s and at most the longest` |
/// | `MaxDrift` | [`Policy::builder`](crate::policy::Policy::builder) | `the learned drift is capped at {max} steps at most` |
/// | `EnrollmentTtl` | 〃 | `a pending enrollment must live at least 1 s` |
/// | `MaxAuthenticators` | 〃 | `a user may hold 1 to {max} authenticators` |
/// | `DeviceTtl` | 〃 | `a remembered device must live {min} s to {max} s` |
/// | `MaxRememberedDevices` | 〃 | `a user may keep 1 to {max} remembered devices` |
/// | `GuessingBudget` | [`GuessingBudget::new`](crate::policy::GuessingBudget::new) | `a guessing bound of 1 in {min} to 1 in {max} a year` |
/// | `MaxClockSkew` | [`ConfigBuilder::max_clock_skew`](crate::ConfigBuilder::max_clock_skew) | `a maximum clock skew must be {min} s to {max} s` |
/// | `ClockCheckMaxAge` | [`ConfigBuilder::clock_check_max_age`](crate::ConfigBuilder::clock_check_max_age) | `a clock check must vouch for {min} s to {max} s` |
/// | `NoKeys` | [`ServerKeys::parse`](crate::keys::ServerKeys::parse) | `the server keys hold no entry` |
/// | `KeyEntry` | 〃 | `server key entry {entry}: {problem}`, the [`EntryProblem`]'s text |
/// | `KeySecretLength` | [`ServerKeys::new`](crate::keys::ServerKeys::new), [`with_old_secret`](crate::keys::ServerKeys::with_old_secret) | `a server secret of {len} bytes (32 to 64 are accepted)` |
/// | `DuplicateKeyId` | [`with_old_secret`](crate::keys::ServerKeys::with_old_secret), [`with_old_keys`](crate::keys::ServerKeys::with_old_keys), `parse` | `server key id {key_id} appears twice` |
/// | `EnvNotSet` | [`ServerKeys::from_env`](crate::keys::ServerKeys::from_env) | `the environment variable of the server keys is not set` |
/// | `EnvNotUnicode` | 〃 | `the environment variable of the server keys is not valid Unicode` |
/// | `Rng` | [`ServerKeys::generate`](crate::keys::ServerKeys::generate) | `the operating system's random number generator failed` |
///
/// ```
/// use twofactor::keys::{EntryProblem, ServerKeys};
/// use twofactor::policy::{Policy, ThrottlePolicy};
/// use twofactor::uri::{TextField, TextProblem, UriError};
/// use twofactor::{Config, ConfigError};
///
/// assert_eq!(
///     Config::builder("").build().err(),
///     Some(ConfigError::Issuer(UriError::Text { field: TextField::Issuer, problem: TextProblem::Empty }))
/// );
/// assert_eq!(Policy::builder().enrollment_ttl(0).build(), Err(ConfigError::EnrollmentTtl));
/// let error = Policy::builder().device_ttl(401 * 86_400).build().unwrap_err();
/// assert_eq!(error.to_string(), "a remembered device must live 3600 s to 34560000 s");
/// assert_eq!(
///     Policy::builder().max_remembered_devices(0).build(),
///     Err(ConfigError::MaxRememberedDevices { max: 32 })
/// );
/// assert_eq!(
///     ThrottlePolicy::builder().lock_after(500).build(),
///     Err(ConfigError::LockAfter { max: 100 })
/// );
/// let error = ServerKeys::parse("tfk1.2.c2VjcmV0,tfk1.1").unwrap_err();
/// assert_eq!(error, ConfigError::KeyEntry { entry: 1, problem: EntryProblem::SecretLength { len: 6 } });
/// assert_eq!(error.to_string(), "server key entry 1: a secret of 6 bytes (32 to 64 are accepted)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The issuer or the parameters cannot be written in a Key URI.
    Issuer(UriError),
    /// A hard lock at 0 failures, or later than NIST SP 800-63B allows.
    LockAfter {
        /// The latest lock allowed.
        max: u32,
    },
    /// As many free failures as the lock, or more: the lock would come without any delay.
    FreeFailures,
    /// A first delay of 0 s, or a longest delay shorter than the first.
    Delay,
    /// A learned-drift cap wider than resynchronisation can search.
    MaxDrift {
        /// The widest cap allowed, in steps.
        max: u32,
    },
    /// A pending enrollment that expires at once.
    EnrollmentTtl,
    /// A limit of authenticators per user of 0, or over what a record holds.
    MaxAuthenticators {
        /// The highest limit allowed.
        max: usize,
    },
    /// A remembered device's lifetime outside the bounds.
    DeviceTtl {
        /// The shortest allowed, in seconds ([`Policy::MIN_DEVICE_TTL`](crate::policy::Policy::MIN_DEVICE_TTL)).
        min: u64,
        /// The longest allowed, in seconds ([`Policy::MAX_DEVICE_TTL`](crate::policy::Policy::MAX_DEVICE_TTL)).
        max: u64,
    },
    /// No remembered device allowed per user, or more than a record holds.
    MaxRememberedDevices {
        /// The most allowed ([`Policy::MAX_REMEMBERED_DEVICES_LIMIT`](crate::policy::Policy::MAX_REMEMBERED_DEVICES_LIMIT)).
        max: usize,
    },
    /// A yearly guessing bound looser or tighter than a policy may set.
    GuessingBudget {
        /// The loosest, 1 in this ([`GuessingBudget::MIN_ONE_IN`](crate::policy::GuessingBudget::MIN_ONE_IN)).
        min: u64,
        /// The tightest, 1 in this ([`GuessingBudget::MAX_ONE_IN`](crate::policy::GuessingBudget::MAX_ONE_IN)).
        max: u64,
    },
    /// A maximum clock skew outside the bounds.
    MaxClockSkew {
        /// The smallest allowed, in seconds (`Config::MIN_CLOCK_SKEW`).
        min: u64,
        /// The largest allowed, in seconds (`Config::MAX_CLOCK_SKEW`).
        max: u64,
    },
    /// A clock check's validity outside the bounds.
    ClockCheckMaxAge {
        /// The shortest allowed, in seconds (`Config::MIN_CLOCK_CHECK_MAX_AGE`).
        min: u64,
        /// The longest allowed, in seconds (`Config::MAX_CLOCK_CHECK_MAX_AGE`).
        max: u64,
    },
    /// The text of the server keys holds no entry (it is empty, or only white space).
    NoKeys,
    /// An entry of the text of the server keys is not a key.
    KeyEntry {
        /// Which entry, counting from 1 (the newest), as a person reads the list.
        entry: usize,
        /// What is wrong with it.
        problem: EntryProblem,
    },
    /// A server secret of a length outside
    /// [`ServerKeys::MIN_SECRET_LEN`](crate::keys::ServerKeys::MIN_SECRET_LEN) ..=
    /// [`ServerKeys::MAX_SECRET_LEN`](crate::keys::ServerKeys::MAX_SECRET_LEN) bytes.
    KeySecretLength {
        /// The length given, in bytes.
        len: usize,
    },
    /// Two server secrets with the same key id.
    DuplicateKeyId {
        /// The id given twice.
        key_id: u32,
    },
    /// The environment variable of the server keys is not set.
    EnvNotSet,
    /// The environment variable of the server keys is not valid Unicode (so not the text form).
    EnvNotUnicode,
    /// The operating system's random number generator failed while generating server keys.
    Rng,
}

/// What is wrong with one entry of the text form of the server keys, named by
/// [`ConfigError::KeyEntry`]: a detail of that variant, not an error of its own.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Empty` | `empty` |
/// | `Prefix` | `` does not start with `tfk1.` `` |
/// | `Fields` | `` not of the form `tfk1.<id>.<secret>` `` |
/// | `KeyId` | `the key id is not a decimal u32 without leading zeros` |
/// | `Base64` | `the secret is not unpadded base64url` |
/// | `SecretLength` | `a secret of {len} bytes (32 to 64 are accepted)` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryProblem {
    /// Nothing between two commas, or before the first or after the last.
    Empty,
    /// The entry does not start with `tfk1.` (another format, or not a key at all).
    Prefix,
    /// The entry is not the three fields `tfk1.<id>.<secret>`.
    Fields,
    /// The id is not a decimal `u32` written with digits only and no leading zero.
    KeyId,
    /// The secret is not base64url without padding (the alphabet `A–Z a–z 0–9 - _`, canonical).
    Base64,
    /// The secret decodes to a length outside 32 ..= 64 bytes.
    SecretLength {
        /// The length it decodes to, in bytes.
        len: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Issuer(_) => f.write_str("the issuer or parameters cannot be written in a Key URI"),
            Self::LockAfter { max } => write!(f, "the hard lock must come after 1 to {max} failures"),
            Self::FreeFailures => f.write_str("free failures must be fewer than the failures that lock"),
            Self::Delay => f.write_str("the first delay must be at least 1 s and at most the longest"),
            Self::MaxDrift { max } => write!(f, "the learned drift is capped at {max} steps at most"),
            Self::EnrollmentTtl => f.write_str("a pending enrollment must live at least 1 s"),
            Self::MaxAuthenticators { max } => write!(f, "a user may hold 1 to {max} authenticators"),
            Self::DeviceTtl { min, max } => write!(f, "a remembered device must live {min} s to {max} s"),
            Self::MaxRememberedDevices { max } => {
                write!(f, "a user may keep 1 to {max} remembered devices")
            }
            Self::GuessingBudget { min, max } => {
                write!(f, "a guessing bound of 1 in {min} to 1 in {max} a year")
            }
            Self::MaxClockSkew { min, max } => write!(f, "a maximum clock skew must be {min} s to {max} s"),
            Self::ClockCheckMaxAge { min, max } => {
                write!(f, "a clock check must vouch for {min} s to {max} s")
            }
            Self::NoKeys => f.write_str("the server keys hold no entry"),
            Self::KeyEntry { entry, problem } => write!(f, "server key entry {entry}: {problem}"),
            Self::KeySecretLength { len } => {
                write!(f, "a server secret of {len} bytes (32 to 64 are accepted)")
            }
            Self::DuplicateKeyId { key_id } => write!(f, "server key id {key_id} appears twice"),
            Self::EnvNotSet => f.write_str("the environment variable of the server keys is not set"),
            Self::EnvNotUnicode => {
                f.write_str("the environment variable of the server keys is not valid Unicode")
            }
            Self::Rng => f.write_str("the operating system's random number generator failed"),
        }
    }
}

impl fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty"),
            Self::Prefix => f.write_str("does not start with `tfk1.`"),
            Self::Fields => f.write_str("not of the form `tfk1.<id>.<secret>`"),
            Self::KeyId => f.write_str("the key id is not a decimal u32 without leading zeros"),
            Self::Base64 => f.write_str("the secret is not unpadded base64url"),
            Self::SecretLength { len } => write!(f, "a secret of {len} bytes (32 to 64 are accepted)"),
        }
    }
}

impl core::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Issuer(error) => Some(error),
            _ => None,
        }
    }
}
