#![cfg_attr(not(test), no_std)]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// The modules (rustfmt keeps them in alphabetical order). Their layers, and which may use which,
// are in ARCHITECTURE.md.
mod algorithm;
#[cfg(feature = "alloc")]
pub mod backup;
#[cfg(feature = "alloc")]
pub mod challenge;
#[cfg(feature = "alloc")]
mod config_error;
#[cfg(feature = "std")]
pub mod events;
#[cfg(any(feature = "seal", feature = "std"))]
mod key_ids;
#[cfg(feature = "alloc")]
pub mod keys;
pub mod otp;
#[cfg(feature = "alloc")]
pub mod policy;
#[cfg(feature = "qr")]
pub mod qr;
#[cfg(feature = "alloc")]
mod record;
#[cfg(feature = "alloc")]
pub mod seal;
pub mod secret;
#[cfg(feature = "std")]
mod service;
#[cfg(feature = "alloc")]
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
#[cfg(feature = "alloc")]
pub mod uri;

// The names of the common flow. Everything else is in the public modules above.
#[cfg(feature = "alloc")]
pub use config_error::ConfigError;
pub use otp::{Hotp, Totp};
#[cfg(feature = "alloc")]
pub use policy::{Status, Verified, Via};
pub use secret::Secret;
#[cfg(feature = "std")]
pub use service::{
    Changed, Clock, Config, ConfigBuilder, Confirmed, Enrollment, Error, ErrorKind, ManualClock, Regenerated,
    SystemClock, TwoFactor,
};
#[cfg(feature = "std")]
pub use store::MemoryStore;
#[cfg(feature = "mysql")]
pub use store::MySqlStore;
#[cfg(feature = "postgres")]
pub use store::PostgresStore;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
#[cfg(feature = "alloc")]
pub use store::Store;
#[cfg(feature = "alloc")]
pub use uri::KeyUri;
