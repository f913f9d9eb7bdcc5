//! Reading format 1, the binary form 0.1 wrote: one authenticator, the backup set as text.
//!
//! ```text
//! "2FA" format:u8=1
//! user:str16  epoch:u64
//! active:  0 | 1 secret params last_step:opt_u64 drift:i64 enabled_at:u64
//! pending: 0 | 1 secret params expires_at:u64
//! code_throttle:  failures:u32 blocked_until:u64
//! backup_throttle: failures:u32 blocked_until:u64
//! backup:  0 | 1 stored_set:str32          (`BackupCodeSet::from_stored` text)
//! challenge: 0 | 1 nonce:[u8; 16]
//! ```
//!
//! The active authenticator becomes the record's authenticator 1, with no label, created when
//! it was enabled and never used since (0.1 did not keep the time of the last code). The record
//! is written back in format 2 on its next write; nothing else changes.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::codec::Reader;
use super::{Authenticator, Budget, Pending, Record, RecordError, SinceSuccess, State};
use crate::backup::BackupCodeSet;

pub(super) const FORMAT: u8 = 1;

/// Format 1 after the user.
pub(super) fn read(input: &mut Reader<'_>, user: String) -> Result<Record, RecordError> {
    let epoch = input.u64("epoch")?;
    let active = match input.flag("active")? {
        false => None,
        true => {
            let secret = input.secret()?;
            let params = input.params()?;
            Some(Authenticator {
                id: 1,
                label: String::new(),
                secret: secret.into_stored(params),
                params,
                last_step: input.opt_u64("last_step")?,
                drift: i64::from_be_bytes(input.u64("drift")?.to_be_bytes()),
                created_at: input.u64("enabled_at")?,
                last_used_at: None,
            })
        }
    };
    let pending = match input.flag("pending")? {
        false => None,
        true => {
            let secret = input.secret()?;
            let params = input.params()?;
            Some(Pending {
                label: String::new(),
                secret: secret.into_stored(params),
                params,
                expires_at: input.u64("expires_at")?,
            })
        }
    };
    let code_throttle = input.throttle("code_throttle")?;
    let backup_throttle = input.throttle("backup_throttle")?;
    let backup = match input.flag("backup")? {
        false => None,
        true => {
            let set =
                BackupCodeSet::from_stored(&input.str32("backup")?).map_err(RecordError::BackupCodes)?;
            Some(Arc::new(set))
        }
    };
    let challenge = input.nonce()?;
    Ok(Record(State {
        user: user.into(),
        version: 0,
        epoch,
        authenticators: active.into_iter().collect(),
        // Ids from 2 on are new; 1 is the 0.1 authenticator, present or disabled.
        next_id: 2,
        pending,
        code_throttle,
        backup_throttle,
        budget: Budget::default(),
        since_success: SinceSuccess::default(),
        backup,
        challenge,
        devices: Vec::new(),
    }))
}
