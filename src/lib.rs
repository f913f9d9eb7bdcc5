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
mod otp;
#[cfg(feature = "alloc")]
mod policy;
#[cfg(feature = "qr")]
mod qr;
#[cfg(feature = "alloc")]
mod record;
mod secret;
#[cfg(feature = "alloc")]
mod store;
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
#[cfg(feature = "alloc")]
pub use record::{Record, RecordError};
pub use secret::{Secret, SecretError};
#[cfg(feature = "std")]
pub use store::MemoryStore;
#[cfg(feature = "alloc")]
pub use store::{Store, Write};
#[cfg(feature = "alloc")]
pub use uri::{BuildOptions, KeyUri, OtpKind, Param, ParseOptions, TextField, TextProblem, UriError};
