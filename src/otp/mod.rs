//! The OTP core: HOTP (RFC 4226) and TOTP (RFC 6238) generation and constant-time verification.
//!
//! Pure, `no_std` and allocation-free. A generator keys its HMAC once when it is built; each
//! code then costs two calls of the hash's compression function.

#[cfg(feature = "std")]
mod clock;
mod code;
mod error;
mod hotp;
mod mac;
mod params;
mod scan;
mod totp;
mod window;

pub use crate::algorithm::Algorithm;
#[cfg(feature = "std")]
pub use clock::unix_time_now;
pub use code::Code;
pub use error::OtpError;
pub use hotp::{Hotp, HotpMatch};
pub use params::{Digits, HotpParams, TotpParams, TotpParamsBuilder};
pub use totp::{Match, Totp};
pub use window::Window;
