//! The service error's mapping to a response: every variant's kind, HTTP status, retry time and
//! user message, as the table on `twofactor::Error` documents them; and the messages say
//! nothing that the flow does not already show.
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use twofactor::backup::BackupError;
use twofactor::challenge::{ChallengeError, DeviceProblem};
use twofactor::otp::OtpError;
use twofactor::policy::{ClockProblem, LabelProblem};
use twofactor::seal::SealError;
use twofactor::secret::SecretError;
use twofactor::uri::{TextField, TextProblem, UriError};
use twofactor::{Error, ErrorKind, Via};

const RETRY_AT: u64 = 1_700_000_060;

const UNAVAILABLE: &str = "Something went wrong on our side. Please try again in a moment.";
const MISUSE: &str = "Something went wrong on our side. Please contact support if it keeps happening.";
const ASK_FOR_A_CODE: &str =
    "This device is no longer remembered. Please enter a code from your authenticator app.";

/// Every way a remembered device is refused.
fn device_problems() -> [DeviceProblem; 7] {
    [
        DeviceProblem::Malformed,
        DeviceProblem::Forged,
        DeviceProblem::UnknownKey { key_id: 3 },
        DeviceProblem::Expired { at: 1_700_000_000 },
        DeviceProblem::OtherUser,
        DeviceProblem::Revoked,
        DeviceProblem::EpochMoved,
    ]
}

fn store_error() -> Error {
    Error::Store(Box::new(std::io::Error::other("connection to 10.0.0.7 refused")))
}

/// Every variant (and every inner error that changes the answer), with its kind, status and
/// user message.
fn table() -> Vec<(Error, ErrorKind, u16, &'static str)> {
    use ErrorKind::{Misuse, Refused, Unavailable};
    let devices = device_problems()
        .into_iter()
        .map(|problem| (Error::RememberedDevice(problem), Refused, 401, ASK_FOR_A_CODE));
    let labels = [
        LabelProblem::Empty,
        LabelProblem::TooLong { len: 65 },
        LabelProblem::Control,
    ]
    .into_iter()
    .map(|problem| {
        (
            Error::InvalidLabel(problem),
            Refused,
            400,
            "That name is empty, too long or contains characters that are not allowed. Please \
                 choose another.",
        )
    });
    let mut table = vec![
        (
            Error::NotEnrolled,
            Refused,
            409,
            "Two-factor authentication is not turned on for this account.",
        ),
        (
            Error::AlreadyEnabled,
            Refused,
            409,
            "Two-factor authentication is already turned on for this account.",
        ),
        (
            Error::NoPendingEnrollment,
            Refused,
            409,
            "There is no two-factor setup to confirm. Please start again.",
        ),
        (
            Error::EnrollmentExpired,
            Refused,
            409,
            "The two-factor setup took too long. Please start again.",
        ),
        (
            Error::NoBackupCodes,
            Refused,
            409,
            "This account has no backup codes. Please use a code from your authenticator app.",
        ),
        (
            Error::Malformed,
            Refused,
            400,
            "That is not a valid code. Please check it and try again.",
        ),
        (
            Error::WrongCode { via: Via::Code },
            Refused,
            401,
            "That code is not right. Please try again.",
        ),
        (
            Error::WrongCode { via: Via::BackupCode },
            Refused,
            401,
            "That backup code is not right. Please try again.",
        ),
        (
            Error::Replay { via: Via::Code },
            Refused,
            401,
            "That code was already used — wait for the next one.",
        ),
        (
            Error::Replay { via: Via::BackupCode },
            Refused,
            401,
            "That backup code was already used. Each backup code works once.",
        ),
        (
            Error::Throttled {
                via: Via::Code,
                retry_at: RETRY_AT,
            },
            Refused,
            429,
            "Too many attempts. Please wait a moment and try again.",
        ),
        (
            Error::Throttled {
                via: Via::BackupCode,
                retry_at: RETRY_AT,
            },
            Refused,
            429,
            "Too many attempts. Please wait a moment and try again.",
        ),
        (
            Error::Locked { via: Via::Code },
            Refused,
            423,
            "Too many wrong codes. Sign in with a backup code, or contact support.",
        ),
        (
            Error::Locked { via: Via::BackupCode },
            Refused,
            423,
            "Too many wrong backup codes. Sign in with a code from your authenticator app, or contact \
             support.",
        ),
        (
            Error::Challenge(ChallengeError::Expired { at: 1_700_000_000 }),
            Refused,
            401,
            "Your sign-in took too long. Please sign in again.",
        ),
        (
            Error::Challenge(ChallengeError::Used),
            Refused,
            401,
            "This sign-in was already completed. Please sign in again.",
        ),
        (
            Error::Challenge(ChallengeError::Superseded),
            Refused,
            401,
            "A newer sign-in was started. Please continue with that one, or sign in again.",
        ),
        (
            Error::Challenge(ChallengeError::Malformed),
            Refused,
            401,
            "This sign-in is not valid. Please sign in again.",
        ),
        (
            Error::Challenge(ChallengeError::Forged),
            Refused,
            401,
            "This sign-in is not valid. Please sign in again.",
        ),
        (
            Error::Challenge(ChallengeError::OtherUser),
            Refused,
            401,
            "This sign-in is not valid. Please sign in again.",
        ),
        (Error::Conflict, Unavailable, 503, UNAVAILABLE),
        (store_error(), Unavailable, 503, UNAVAILABLE),
        (
            Error::Clock(OtpError::BeforeUnixEpoch),
            Unavailable,
            503,
            UNAVAILABLE,
        ),
        (
            Error::UntrustedClock(ClockProblem::Unchecked),
            Unavailable,
            503,
            UNAVAILABLE,
        ),
        (
            Error::UntrustedClock(ClockProblem::Skewed { skew: -90 }),
            Unavailable,
            503,
            UNAVAILABLE,
        ),
        (
            Error::UntrustedClock(ClockProblem::Stale {
                checked_at: 1_700_000_000,
            }),
            Unavailable,
            503,
            UNAVAILABLE,
        ),
        (
            Error::UntrustedClock(ClockProblem::NoServerClock),
            Misuse,
            500,
            "Something went wrong on our side. Please contact support if it keeps happening.",
        ),
        (
            Error::Hash(BackupError::hash_failed(std::io::Error::other("KMS timeout"))),
            Unavailable,
            503,
            UNAVAILABLE,
        ),
        (
            Error::Hash(BackupError::InvalidParams),
            Unavailable,
            503,
            UNAVAILABLE,
        ),
        (Error::Generate(BackupError::Rng), Unavailable, 503, UNAVAILABLE),
        (
            Error::Generate(BackupError::hash_failed(std::fmt::Error)),
            Unavailable,
            503,
            UNAVAILABLE,
        ),
        (Error::Secret(SecretError::Rng), Unavailable, 503, UNAVAILABLE),
        (Error::Seal(SealError::Tampered), Unavailable, 503, UNAVAILABLE),
        (Error::Seal(SealError::Malformed), Unavailable, 503, UNAVAILABLE),
        (Error::Seal(SealError::Rng), Unavailable, 503, UNAVAILABLE),
        (Error::InvalidUser, Misuse, 500, MISUSE),
        (
            Error::TooManyAuthenticators { max: 3 },
            Refused,
            409,
            "You already have as many authenticators as allowed. Remove one first.",
        ),
        (
            Error::UnknownAuthenticator { id: 2 },
            Refused,
            404,
            "That authenticator is not on this account.",
        ),
        (
            Error::Uri(UriError::Text {
                field: TextField::Account,
                problem: TextProblem::Colon,
            }),
            Misuse,
            500,
            MISUSE,
        ),
        (Error::Seal(SealError::NoKeyring), Misuse, 500, MISUSE),
        (
            Error::Seal(SealError::UnknownKey { key_id: 4 }),
            Misuse,
            500,
            MISUSE,
        ),
        (Error::Hash(BackupError::UnsupportedScheme), Misuse, 500, MISUSE),
        (
            Error::Hash(BackupError::KeyMismatch { stored: 1, held: 2 }),
            Misuse,
            500,
            MISUSE,
        ),
        (
            Error::Generate(BackupError::KeyMismatch { stored: 1, held: 2 }),
            Misuse,
            500,
            MISUSE,
        ),
        (
            Error::Challenge(ChallengeError::KeyLength { len: 3 }),
            Misuse,
            500,
            MISUSE,
        ),
    ];
    let imports = [
        Error::InvalidImport(twofactor::policy::ImportProblem::BeforeT0),
        Error::InvalidBackupCodes(BackupError::ImportedCode { index: 3 }),
    ]
    .into_iter()
    .map(|error| {
        (
            error,
            Refused,
            400,
            "The second factor could not be imported as given.",
        )
    });
    table.extend(imports);
    table.extend(devices);
    table.extend(labels);
    table
}

#[test]
fn every_variant_maps_to_its_kind_status_and_message() {
    for (error, kind, status, message) in table() {
        assert_eq!(error.kind(), kind, "{error:?}");
        assert_eq!(error.http_status(), status, "{error:?}");
        assert_eq!(error.user_message(), message, "{error:?}");
    }
}

#[test]
fn statuses_follow_the_kind() {
    for (error, ..) in table() {
        let status = error.http_status();
        match error.kind() {
            ErrorKind::Refused => assert!((400..500).contains(&status), "{error:?}"),
            ErrorKind::Unavailable => assert_eq!(status, 503, "{error:?}"),
            ErrorKind::Misuse => assert_eq!(status, 500, "{error:?}"),
            _ => unreachable!("a kind this test does not know: {error:?}"),
        }
    }
}

#[test]
fn only_a_throttled_attempt_has_a_retry_time() {
    for (error, ..) in table() {
        let expected = matches!(error, Error::Throttled { .. }).then_some(RETRY_AT);
        assert_eq!(error.retry_at(), expected, "{error:?}");
    }
}

#[test]
fn user_messages_are_sentences_that_carry_nothing_of_the_error() {
    for (error, ..) in table() {
        let message = error.user_message();
        assert!(message.starts_with(char::is_uppercase), "{message}");
        assert!(message.ends_with('.'), "{message}");
        // No number (a time, a key id, a length) and no text of the error or of its causes.
        assert!(!message.contains(|c: char| c.is_ascii_digit()), "{message}");
        let mut cause: Option<&dyn std::error::Error> = Some(&error);
        while let Some(layer) = cause {
            let text = layer.to_string();
            assert!(
                !message.to_lowercase().contains(&text.to_lowercase()),
                "{message} / {text}"
            );
            cause = layer.source();
        }
    }
    assert!(!store_error().user_message().contains("10.0.0.7"));
}

#[test]
fn refusals_never_say_whether_a_code_came_close_or_who_else_exists() {
    // Another user's login challenge reads like any invalid one; a throttled code path like a
    // throttled backup-code path; another user's device token, or a revoked one, like a forged
    // one.
    for problem in device_problems() {
        assert_eq!(
            Error::RememberedDevice(problem).user_message(),
            Error::RememberedDevice(DeviceProblem::Forged).user_message()
        );
    }
    assert_eq!(
        Error::Challenge(ChallengeError::OtherUser).user_message(),
        Error::Challenge(ChallengeError::Forged).user_message()
    );
    assert_eq!(
        Error::Throttled {
            via: Via::Code,
            retry_at: 1
        }
        .user_message(),
        Error::Throttled {
            via: Via::BackupCode,
            retry_at: 2
        }
        .user_message()
    );
}

#[test]
fn via_names_the_kind_of_code() {
    assert_eq!(Via::Code.to_string(), "authenticator code");
    assert_eq!(Via::BackupCode.to_string(), "backup code");
}
