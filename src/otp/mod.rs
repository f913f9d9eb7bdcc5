//! The OTP core: HOTP (RFC 4226) and TOTP (RFC 6238) generation and constant-time verification.
//!
//! Pure, `no_std` and allocation-free. A generator keys its HMAC once when it is built; each
//! code then costs two calls of the hash's compression function.
//!
//! ```
//! use twofactor::otp::{OtpError, TotpParams, Window};
//! use twofactor::{Secret, Totp};
//!
//! let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")?;
//! let totp = Totp::new(&secret, TotpParams::DEFAULT); // SHA-1, 6 digits, 30 s
//! let code = totp.generate(1_700_000_000)?;
//! // One step of clock skew either way is accepted; the matched step is returned so that it
//! // can be spent: passing it back as `after` refuses the same code (and every earlier one).
//! let found = totp.verify(&code.to_string(), 1_700_000_030, Window::DEFAULT, None)?;
//! assert_eq!(found.drift(), -1);
//! let again = totp.verify(&code.to_string(), 1_700_000_030, Window::DEFAULT, Some(found.step()));
//! assert_eq!(again, Err(OtpError::Replay));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "std")]
mod clock;
mod code;
mod error;
mod hotp;
mod mac;
mod params;
mod scan;
#[cfg(test)]
pub(crate) use scan::scans;
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
