//! The `Display` texts that each error type's docs list are the texts its variants print: an
//! application that matches its logs on them can rely on the docs. Variants whose text holds a
//! value are listed with placeholders (`{at}`) and checked here with the value's place removed.
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fmt::Display;
use std::path::Path;

use twofactor::backup::{BackupError, StoredProblem};
use twofactor::challenge::{ChallengeError, DeviceProblem};
use twofactor::keys::EntryProblem;
use twofactor::otp::OtpError;
use twofactor::policy::LabelProblem;
use twofactor::seal::SealError;
use twofactor::secret::SecretError;
use twofactor::store::RecordError;
use twofactor::uri::{Param, UriError};
use twofactor::{ConfigError, Error, Via};

fn source(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap()
}

/// The docs of `file` list `error`'s text as a code span, in a table row.
fn listed(file: &str, errors: &[&dyn Display]) {
    let docs = source(file);
    for error in errors {
        let text = error.to_string();
        let span = if text.contains('`') {
            format!("`` {text} ``")
        } else {
            format!("`{text}`")
        };
        assert!(
            docs.lines()
                .any(|line| line.starts_with("/// |") && line.contains(&span)),
            "{file} does not list {span}"
        );
    }
}

#[test]
fn every_error_type_lists_the_texts_its_variants_print() {
    listed(
        "src/uri/error.rs",
        &[
            &UriError::Scheme,
            &UriError::Type,
            &UriError::Missing(Param::Secret)
                .to_string()
                .replace("secret", "{param}"),
            &UriError::Algorithm,
            &UriError::Digits,
            &UriError::Period,
            &UriError::Counter,
            &UriError::Secret(SecretError::NonCanonical),
            &UriError::IssuerMismatch,
            &UriError::Encoding,
            &UriError::Image,
            &UriError::UnsupportedT0,
        ],
    );
    listed(
        "src/challenge/error.rs",
        &[
            &ChallengeError::Malformed,
            &ChallengeError::Forged,
            &ChallengeError::OtherUser,
            &ChallengeError::Superseded,
            &ChallengeError::Used,
            &ChallengeError::Expired { at: 7 }.to_string().replace('7', "{at}"),
            // A refused remembered device's detail, listed on `DeviceProblem`.
            &DeviceProblem::Malformed,
            &DeviceProblem::Forged,
            &DeviceProblem::UnknownKey { key_id: 7 }
                .to_string()
                .replace('7', "{key_id}"),
            &DeviceProblem::Expired { at: 7 }.to_string().replace('7', "{at}"),
            &DeviceProblem::OtherUser,
            &DeviceProblem::Revoked,
            &DeviceProblem::EpochMoved,
        ],
    );
    listed(
        "src/policy/label.rs",
        &[
            &LabelProblem::TooLong { len: 7 }.to_string().replace('7', "{len}"),
            &LabelProblem::Control,
        ],
    );
    listed(
        "src/secret/error.rs",
        &[&SecretError::NonCanonical, &SecretError::Rng],
    );
    listed(
        "src/record/error.rs",
        &[
            &RecordError::NotARecord,
            &RecordError::Secret(SecretError::Rng),
            &RecordError::Sealed(SealError::Malformed),
            &RecordError::BackupCodes(BackupError::Stored(StoredProblem::Count)),
            &RecordError::UserMismatch,
            &RecordError::TrailingBytes,
        ],
    );
    listed(
        "src/seal/error.rs",
        &[
            &SealError::Tampered,
            &SealError::Malformed,
            &SealError::Rng,
            &SealError::NoKeyring,
            &SealError::Plain,
        ],
    );
    listed(
        "src/otp/error.rs",
        &[
            &OtpError::BeforeUnixEpoch,
            &OtpError::Empty,
            &OtpError::Mismatch,
            &OtpError::Replay,
            &OtpError::Period,
            &OtpError::Digits(9).to_string().replace('9', "{digits}"),
            &OtpError::Window { max: 10 }.to_string().replace("10", "{max}"),
        ],
    );
    listed(
        "src/backup/error.rs",
        &[
            &BackupError::Empty,
            &BackupError::Mismatch,
            &BackupError::Used,
            &BackupError::Rng,
            &BackupError::UnsupportedScheme,
            &BackupError::InvalidParams,
            &BackupError::hash_failed(std::fmt::Error),
            &BackupError::AlreadyUsed { at: 9 }
                .to_string()
                .replace('9', "{at}"),
            &BackupError::Count {
                count: 0,
                min: 1,
                max: 2,
            }
            .to_string()
            .replace('0', "{count}")
            .replace('1', "{min}")
            .replace('2', "{max}"),
            &BackupError::ImportedLength {
                index: 7,
                expected: 8,
                found: 9,
            }
            .to_string()
            .replace('7', "{index}")
            .replace('8', "{expected}")
            .replace('9', "{found}"),
            &BackupError::Bcrypt { index: 7 }
                .to_string()
                .replace('7', "{index}"),
            // A stored set's problem, listed on `StoredProblem` without the prefix.
            &StoredProblem::Prefix,
            &StoredProblem::Salt,
            &StoredProblem::Trailing,
        ],
    );
    listed(
        "src/config_error.rs",
        &[
            &ConfigError::Issuer(UriError::Image),
            &ConfigError::LockAfter { max: 100 }
                .to_string()
                .replace("100", "{max}"),
            &ConfigError::FreeFailures,
            &ConfigError::Delay,
            &ConfigError::MaxDrift { max: 1440 }
                .to_string()
                .replace("1440", "{max}"),
            &ConfigError::EnrollmentTtl,
            &ConfigError::MaxAuthenticators { max: 7 }
                .to_string()
                .replace('7', "{max}"),
            &ConfigError::DeviceTtl { min: 1, max: 2 }
                .to_string()
                .replace('1', "{min}")
                .replace('2', "{max}"),
            &ConfigError::MaxRememberedDevices { max: 7 }
                .to_string()
                .replace('7', "{max}"),
            &ConfigError::NoKeys,
            &ConfigError::KeyEntry {
                entry: 7,
                problem: EntryProblem::Empty,
            }
            .to_string()
            .replace('7', "{entry}")
            .replace("empty", "{problem}"),
            &ConfigError::KeySecretLength { len: 7 }
                .to_string()
                .replace('7', "{len}"),
            &ConfigError::DuplicateKeyId { key_id: 7 }
                .to_string()
                .replace('7', "{key_id}"),
            &ConfigError::EnvNotSet,
            &ConfigError::EnvNotUnicode,
            &ConfigError::Rng,
            // An entry's problem, listed on `EntryProblem` without the entry.
            &EntryProblem::Empty,
            &EntryProblem::Prefix,
            &EntryProblem::Fields,
            &EntryProblem::KeyId,
            &EntryProblem::Base64,
            &EntryProblem::SecretLength { len: 7 }
                .to_string()
                .replace('7', "{len}"),
        ],
    );
    listed(
        "src/service/error.rs",
        &[
            &Error::NotEnrolled,
            &Error::AlreadyEnabled,
            &Error::NoPendingEnrollment,
            &Error::EnrollmentExpired,
            &Error::NoBackupCodes,
            &Error::Malformed,
            &Error::WrongCode { via: Via::Code },
            &Error::WrongCode { via: Via::BackupCode },
            &Error::Replay { via: Via::Code },
            &Error::Replay { via: Via::BackupCode },
            &Error::Locked { via: Via::Code },
            &Error::Locked { via: Via::BackupCode },
            &Error::Conflict,
            &Error::Store(Box::new(std::fmt::Error)),
            &Error::Clock(OtpError::BeforeUnixEpoch),
            &Error::Hash(BackupError::InvalidParams),
            &Error::Generate(BackupError::Rng),
            &Error::Secret(SecretError::Rng),
            &Error::Challenge(ChallengeError::Used),
            &Error::RememberedDevice(DeviceProblem::Revoked)
                .to_string()
                .replace(&DeviceProblem::Revoked.to_string(), "{problem}"),
            &Error::InvalidLabel(LabelProblem::Control)
                .to_string()
                .replace(&LabelProblem::Control.to_string(), "{problem}"),
            &Error::InvalidImport(twofactor::policy::ImportProblem::BeforeT0)
                .to_string()
                .replace(
                    &twofactor::policy::ImportProblem::BeforeT0.to_string(),
                    "{problem}",
                ),
            &Error::InvalidBackupCodes(BackupError::ImportedCode { index: 0 }),
            &Error::Seal(SealError::NoKeyring),
            &Error::InvalidUser,
            &Error::Uri(UriError::Image),
            &Error::TooManyAuthenticators { max: 7 }
                .to_string()
                .replace('7', "{max}"),
            &Error::UnknownAuthenticator { id: 7 }
                .to_string()
                .replace('7', "{id}"),
            &Error::Throttled {
                via: Via::Code,
                retry_at: 5,
            }
            .to_string()
            .replace('5', "{retry_at}"),
        ],
    );
}

#[cfg(feature = "testkit")]
#[test]
fn the_testkit_errors_list_theirs() {
    use twofactor::testkit::FailingStoreError;
    listed(
        "src/testkit/failing.rs",
        &[
            &FailingStoreError::Injected,
            &FailingStoreError::Inner(Box::new(std::fmt::Error)),
        ],
    );
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#[test]
fn the_sql_store_error_lists_its() {
    use twofactor::store::SqlStoreError;
    listed(
        "src/store/sql.rs",
        &[
            &SqlStoreError::Database(Box::new(std::fmt::Error)),
            &SqlStoreError::OutOfRange { column: "epoch" }
                .to_string()
                .replace("epoch", "{column}"),
        ],
    );
}
