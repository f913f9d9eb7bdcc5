use std::time::{SystemTime, UNIX_EPOCH};

use super::OtpError;

/// The system clock's current time in Unix seconds.
///
/// OWASP ASVS 5.0 6.5.8 asks for time from a trusted source: keep the server's clock
/// synchronised (NTP); a phone's offset is handled by the verification window and learned drift.
///
/// # Errors
/// [`OtpError::BeforeUnixEpoch`] when the clock reads a time before 1970.
pub fn unix_time_now() -> Result<u64, OtpError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| OtpError::BeforeUnixEpoch)
}
