//! One rule for every public error of the crate: `Display` describes its own layer only, and the
//! cause is the `source()`. So an error-chain printer (`anyhow`, `eyre`, a logger that walks
//! `source()`) shows each message once, and every message says something.
//!
//! Each public error type's variants that carry a cause are built here, nested as the crate nests
//! them (a service error over a backup-code error over a hasher's own error), and each chain is
//! walked.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::error::Error as StdError;

use twofactor::ConfigError;
use twofactor::backup::{BackupError, StoredProblem};
use twofactor::challenge::ChallengeError;
use twofactor::keys::EntryProblem;
use twofactor::otp::OtpError;
use twofactor::seal::SealError;
use twofactor::secret::SecretError;
use twofactor::store::RecordError;
use twofactor::uri::{Param, UriError};

/// The failure of an application's own hasher (a remote hashing service), as a
/// [`BackupError::HashFailed`] keeps it.
#[derive(Debug)]
struct RemoteDown;

impl std::fmt::Display for RemoteDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the hashing service did not answer")
    }
}

impl StdError for RemoteDown {}

fn failed_hash() -> BackupError {
    BackupError::hash_failed(RemoteDown)
}

/// `error` and every error under it, outermost first.
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&error| error.source())
}

/// The messages of `error` and of every error under it, outermost first.
fn chain(error: &(dyn StdError + 'static)) -> Vec<String> {
    causes(error).map(ToString::to_string).collect()
}

/// What is wrong with the chain of `error`: an empty message, or a message that includes
/// another below it (a `Display` that prints its cause while `source()` returns it shows the
/// cause twice).
fn chain_problems(error: &(dyn StdError + 'static)) -> Vec<String> {
    let messages = chain(error);
    let mut problems = Vec::new();
    for (depth, message) in messages.iter().enumerate() {
        if message.trim().is_empty() {
            problems.push(format!("an empty message at depth {depth}"));
        }
        for below in &messages[depth + 1..] {
            if message.contains(below.as_str()) {
                problems.push(format!("{message:?} repeats its cause {below:?}"));
            }
        }
    }
    problems
}

/// The public errors whose variants carry a cause, each with the cause it keeps.
fn with_causes() -> Vec<(&'static str, Box<dyn StdError + Send + Sync + 'static>)> {
    let mut cases: Vec<(&'static str, Box<dyn StdError + Send + Sync>)> = vec![
        (
            "UriError::Secret",
            Box::new(UriError::Secret(SecretError::NonCanonical)),
        ),
        ("BackupError::HashFailed", Box::new(failed_hash())),
        (
            "RecordError::Secret",
            Box::new(RecordError::Secret(SecretError::TooShort {
                bits: 80,
                min_bits: 128,
            })),
        ),
        (
            "RecordError::Sealed",
            Box::new(RecordError::Sealed(SealError::Malformed)),
        ),
        (
            "RecordError::BackupCodes",
            Box::new(RecordError::BackupCodes(BackupError::Stored(
                StoredProblem::Count,
            ))),
        ),
        (
            "ConfigError::Issuer",
            Box::new(ConfigError::Issuer(UriError::Secret(SecretError::Rng))),
        ),
    ];
    #[cfg(feature = "std")]
    cases.extend(service_errors());
    #[cfg(feature = "testkit")]
    cases.extend(testkit_errors());
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    cases.extend(sql_errors());
    cases
}

#[cfg(feature = "std")]
fn service_errors() -> Vec<(&'static str, Box<dyn StdError + Send + Sync + 'static>)> {
    use twofactor::Error;
    let store = std::io::Error::other("connection refused");
    vec![
        ("Error::Store", Box::new(Error::Store(Box::new(store)))),
        ("Error::Clock", Box::new(Error::Clock(OtpError::BeforeUnixEpoch))),
        ("Error::Hash", Box::new(Error::Hash(failed_hash()))),
        ("Error::Generate", Box::new(Error::Generate(failed_hash()))),
        ("Error::Secret", Box::new(Error::Secret(SecretError::Rng))),
        (
            "Error::Uri",
            Box::new(Error::Uri(UriError::Secret(SecretError::InvalidLength {
                symbols: 3,
            }))),
        ),
        (
            "Error::Challenge",
            Box::new(Error::Challenge(ChallengeError::Used)),
        ),
        (
            "Error::Challenge(Expired)",
            Box::new(Error::Challenge(ChallengeError::Expired { at: 1_700_000_000 })),
        ),
        (
            "Error::Seal",
            Box::new(Error::Seal(SealError::UnknownKey { key_id: 7 })),
        ),
        (
            "Error::InvalidBackupCodes",
            Box::new(Error::InvalidBackupCodes(BackupError::ImportedCode { index: 2 })),
        ),
    ]
}

#[cfg(feature = "testkit")]
fn testkit_errors() -> Vec<(&'static str, Box<dyn StdError + Send + Sync + 'static>)> {
    use twofactor::testkit::FailingStoreError;
    vec![
        (
            "FailingStoreError::Inner",
            Box::new(FailingStoreError::Inner(Box::new(std::io::Error::other(
                "disk full",
            )))),
        ),
        (
            "FailingStoreError::Inner(FailingStoreError::Injected)",
            Box::new(FailingStoreError::Inner(Box::new(FailingStoreError::Injected))),
        ),
        (
            "Error::Store(FailingStoreError)",
            Box::new(twofactor::Error::Store(Box::new(FailingStoreError::Injected))),
        ),
    ]
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn sql_errors() -> Vec<(&'static str, Box<dyn StdError + Send + Sync + 'static>)> {
    use twofactor::store::SqlStoreError;
    vec![
        (
            "SqlStoreError::Corrupt",
            Box::new(SqlStoreError::Corrupt {
                user: "alice".to_owned(),
                error: RecordError::BackupCodes(BackupError::Stored(StoredProblem::Salt)),
            }),
        ),
        (
            "SqlStoreError::Database",
            Box::new(SqlStoreError::Database(Box::new(std::io::Error::other(
                "reset by peer",
            )))),
        ),
    ]
}

#[test]
fn no_message_appears_twice_in_any_chain() {
    let failures: Vec<String> = with_causes()
        .into_iter()
        .flat_map(|(name, error)| {
            chain_problems(&*error)
                .into_iter()
                .map(move |problem| format!("{name}: {problem}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "chains that repeat a message:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_cause_is_kept() {
    for (name, error) in with_causes() {
        assert!(error.source().is_some(), "{name} dropped its cause");
    }
    // The deepest cause of a hasher's failure is the hasher's own error, through every layer.
    #[cfg(feature = "std")]
    {
        let error = twofactor::Error::Generate(failed_hash());
        let messages = chain(&error);
        assert_eq!(messages.len(), 3, "{messages:?}");
        let deepest = causes(&error).last().unwrap();
        assert!(deepest.is::<RemoteDown>(), "{messages:?}");
    }
}

#[test]
fn variants_without_a_cause_say_something_and_have_none() {
    let errors: Vec<Box<dyn StdError + Send + Sync>> = vec![
        Box::new(UriError::Missing(Param::Secret)),
        Box::new(OtpError::Mismatch),
        Box::new(OtpError::Replay),
        Box::new(OtpError::Empty),
        Box::new(OtpError::InvalidCharacter { position: 3 }),
        Box::new(OtpError::BeforeUnixEpoch),
        Box::new(OtpError::Period),
        Box::new(OtpError::WrongLength {
            expected: 6,
            found: 5,
        }),
        Box::new(OtpError::BeforeT0 { time: 1, t0: 2 }),
        Box::new(SecretError::Rng),
        Box::new(BackupError::Empty),
        Box::new(BackupError::Used),
        Box::new(BackupError::Mismatch),
        Box::new(BackupError::WrongLength {
            expected: 16,
            found: 3,
        }),
        Box::new(BackupError::Count {
            count: 0,
            min: 1,
            max: 100,
        }),
        Box::new(BackupError::AlreadyUsed { at: 3 }),
        Box::new(BackupError::Rng),
        Box::new(BackupError::UnsupportedScheme),
        Box::new(BackupError::Stored(StoredProblem::Prefix)),
        Box::new(ChallengeError::Forged),
        Box::new(ConfigError::EnrollmentTtl),
        Box::new(ConfigError::DeviceTtl {
            min: 3_600,
            max: 34_560_000,
        }),
        Box::new(ConfigError::MaxRememberedDevices { max: 32 }),
        Box::new(ConfigError::LockAfter { max: 100 }),
        Box::new(ConfigError::NoKeys),
        Box::new(ConfigError::KeyEntry {
            entry: 2,
            problem: EntryProblem::SecretLength { len: 6 },
        }),
        Box::new(ConfigError::KeySecretLength { len: 31 }),
        Box::new(ConfigError::DuplicateKeyId { key_id: 1 }),
        Box::new(ConfigError::EnvNotSet),
        Box::new(ConfigError::Rng),
        Box::new(SealError::Tampered),
        Box::new(RecordError::TrailingBytes),
    ];
    #[cfg(feature = "testkit")]
    let errors = {
        let mut errors = errors;
        errors.push(Box::new(twofactor::testkit::FailingStoreError::Injected));
        errors
    };
    // A refused remembered device, a refused label and an untrusted clock carry a detail, not a
    // cause; so do the clock check's bounds.
    #[cfg(feature = "std")]
    let errors = {
        let mut errors = errors;
        errors.push(Box::new(twofactor::Error::RememberedDevice(
            twofactor::challenge::DeviceProblem::Expired { at: 1_700_000_000 },
        )));
        errors.push(Box::new(twofactor::Error::InvalidLabel(
            twofactor::policy::LabelProblem::TooLong { len: 65 },
        )));
        errors.push(Box::new(twofactor::Error::UntrustedClock(
            twofactor::policy::ClockProblem::Skewed { skew: 90 },
        )));
        errors.push(Box::new(ConfigError::MaxClockSkew { min: 2, max: 3600 }));
        errors.push(Box::new(ConfigError::ClockCheckMaxAge { min: 10, max: 86_400 }));
        errors.push(Box::new(twofactor::Error::InvalidImport(
            twofactor::policy::ImportProblem::LastStepAhead { step: 2, current: 1 },
        )));
        errors
    };
    for error in errors {
        assert!(!error.to_string().trim().is_empty(), "{error:?}");
        assert!(error.source().is_none(), "{error:?}");
    }
}

#[cfg(feature = "std")]
#[test]
fn errors_are_send_sync_and_static() {
    fn check<E: StdError + Send + Sync + 'static>() {}
    check::<twofactor::Error>();
    check::<ConfigError>();
    check::<BackupError>();
    check::<OtpError>();
    check::<UriError>();
    check::<RecordError>();
}

#[test]
fn a_failed_hash_equals_itself_and_its_clones_only() {
    let failed = failed_hash();
    assert_eq!(failed, failed.clone());
    assert_ne!(failed, failed_hash(), "two causes are never equal");
    assert_ne!(failed, BackupError::InvalidParams);
    assert!(matches!(failed, BackupError::HashFailed(_)));
}
