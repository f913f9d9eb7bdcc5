//! The store's clock: a store that reports its server's time reports the time.

use alloc::format;
use alloc::sync::Arc;

use super::{KitFailure, ensure};
use crate::store::Store;

/// How far a store's server clock may be from this machine's: the check runs beside the
/// database, whose clock (NTP-kept like this one) differs by far less, plus the query's time.
const TOLERANCE: u64 = 5;

/// Each handle's [`Store::server_time`], if it reports one (a store may have no clock of its
/// own: `None` passes), is within a few seconds of this machine's clock, so that
/// [`TwoFactor::check_clock`](crate::TwoFactor::check_clock) compares like with like: Unix
/// seconds, UTC, whatever the server's time zone. A store that answers with local time, with
/// milliseconds, or with the time its transaction or connection started is caught.
///
/// # Errors
/// A [`KitFailure`] of check `server_time`: the store failed, or its time is off.
pub async fn check_server_time<S: Store>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    let check = "server_time";
    for (handle, store) in stores.iter().enumerate() {
        let before =
            crate::otp::unix_time_now().map_err(|error| KitFailure::new(check, format!("{error}")))?;
        let server = store
            .server_time()
            .await
            .map_err(|error| KitFailure::new(check, format!("server_time: {error} ({error:?})")))?;
        let after =
            crate::otp::unix_time_now().map_err(|error| KitFailure::new(check, format!("{error}")))?;
        let Some(server) = server else { continue };
        ensure(
            before.saturating_sub(TOLERANCE) <= server && server <= after.saturating_add(TOLERANCE),
            check,
            || {
                format!(
                    "handle {handle} reports {server} s, this machine {before}..={after} s: more than \
                     {TOLERANCE} s apart (Unix seconds, UTC expected)"
                )
            },
        )?;
    }
    Ok(())
}
