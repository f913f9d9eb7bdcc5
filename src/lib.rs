#![cfg_attr(not(test), no_std)]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
mod backup;
#[cfg(feature = "alloc")]
mod challenge;
mod otp;
#[cfg(feature = "alloc")]
mod policy;
#[cfg(feature = "qr")]
mod qr;
#[cfg(feature = "alloc")]
mod record;
#[cfg(feature = "alloc")]
mod seal;
mod secret;
#[cfg(feature = "std")]
mod service;
#[cfg(feature = "alloc")]
mod store;
#[cfg(feature = "testkit")]
mod testkit;
#[cfg(feature = "alloc")]
mod uri;

#[cfg(feature = "argon2")]
pub use backup::Argon2Hasher;
#[cfg(feature = "alloc")]
pub use backup::{
    BackupCodeError, BackupCodeSet, BackupCodes, BackupVerifyError, CodeFormat, CodeFormatBuilder,
    CodeFormatError, CodeHasher, GenerateError, HashError, HashScheme, HmacHasher, MarkUsedError,
    StoredSetError,
};
#[cfg(feature = "alloc")]
pub use challenge::ChallengeError;
#[cfg(feature = "std")]
pub use challenge::{ChallengeKey, ChallengeToken};
#[cfg(feature = "std")]
pub use otp::unix_time_now;
pub use otp::{
    Algorithm, Code, CodeError, Digits, Hotp, HotpMatch, HotpParams, Match, ParamsError, TimeError, Totp,
    TotpParams, TotpParamsBuilder, VerifyError, Window,
};
#[cfg(feature = "alloc")]
pub use policy::{
    GuessingOdds, Policy, PolicyBuilder, PolicyError, Status, ThrottlePolicy, ThrottlePolicyBuilder,
    Throttling, Verified, Via,
};
#[cfg(feature = "qr")]
pub use qr::{EcLevel, QrCode, QrError, QrOptions, Rgb, TerminalTheme};
#[cfg(feature = "serde")]
pub use record::{DangerPlainSecrets, danger_plain_secrets};
#[cfg(feature = "alloc")]
pub use record::{Record, RecordError};
#[cfg(feature = "seal")]
pub use seal::{Keyring, SealingKey};
#[cfg(feature = "alloc")]
pub use seal::{Purpose, SealError, SealedSecret};
pub use secret::{Secret, SecretError};
#[cfg(feature = "std")]
pub use service::{
    Changed, Clock, CollectEvents, Config, ConfigBuilder, ConfigError, Confirmed, Enrollment, Error, Event,
    EventKind, EventSink, ManualClock, NoEvents, Regenerated, SystemClock, TwoFactor,
};
#[cfg(feature = "std")]
pub use store::MemoryStore;
#[cfg(feature = "postgres")]
pub use store::PostgresStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use store::SqlStoreError;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
#[cfg(feature = "alloc")]
pub use store::{Store, Write};
#[cfg(all(feature = "testkit", feature = "seal"))]
pub use testkit::check_sealed_at_rest;
#[cfg(feature = "testkit")]
pub use testkit::{
    FailingStore, FailingStoreError, InjectedFailure, KitFailure, check_concurrent_backup_code,
    check_concurrent_code, check_concurrent_failures, check_crud, check_fail_closed, check_stale_versions,
    check_whole_flow, run_conformance,
};
#[cfg(feature = "alloc")]
pub use uri::{BuildOptions, KeyUri, OtpKind, Param, ParseOptions, TextField, TextProblem, UriError};
