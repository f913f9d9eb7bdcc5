//! Reading the serde form 0.1 wrote (feature `serde`): one authenticator, the backup set as
//! text, every field spelled out. Records in it keep loading; they are written back in this
//! release's form ([`serde_impl`](super::serde_impl)).
//!
//! ```text
//! { "user": "alice", "version": 3, "epoch": 1,
//!   "active": { "secret": { "kind": "plain", "base32": "…" },
//!               "params": { "algorithm": "SHA1", "digits": 6, "period": 30, "t0": 0 },
//!               "last_step": 56666667, "drift": 0, "enabled_at": 1700000000 },
//!   "pending": null,
//!   "code_throttle": { "failures": 0, "blocked_until": 0 },
//!   "backup_throttle": { "failures": 0, "blocked_until": 0 },
//!   "backup": "$twofactor-backup$v=1$…", "challenge": null }
//! ```

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;
use zeroize::Zeroize;

use super::{Authenticator, Budget, Pending, Record, SinceSuccess, State, StoredSecret, Throttle};
use crate::algorithm::Algorithm;
use crate::backup::BackupCodeSet;
use crate::otp::TotpParams;
use crate::seal::SealedSecret;
use crate::secret::Secret;

#[derive(Clone, Copy, Deserialize)]
enum AlgorithmRepr {
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "SHA512")]
    Sha512,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamsRepr {
    algorithm: AlgorithmRepr,
    digits: u8,
    period: u64,
    t0: u64,
}

impl ParamsRepr {
    fn into_params(self) -> Result<TotpParams, Invalid> {
        let algorithm = match self.algorithm {
            AlgorithmRepr::Sha1 => Algorithm::Sha1,
            AlgorithmRepr::Sha256 => Algorithm::Sha256,
            AlgorithmRepr::Sha512 => Algorithm::Sha512,
        };
        TotpParams::builder()
            .algorithm(algorithm)
            .digits(self.digits)
            .period(self.period)
            .t0(self.t0)
            .build()
            .map_err(|_| Invalid("params"))
    }
}

#[derive(Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThrottleRepr {
    failures: u32,
    blocked_until: u64,
}

impl From<ThrottleRepr> for Throttle {
    fn from(repr: ThrottleRepr) -> Self {
        Self {
            failures: repr.failures,
            blocked_until: repr.blocked_until,
        }
    }
}

/// A record as 0.1 wrote it.
#[derive(Deserialize)]
#[serde(rename = "Record", deny_unknown_fields)]
pub(super) struct RecordIn {
    user: String,
    version: u64,
    epoch: u64,
    active: Option<ActiveIn>,
    pending: Option<PendingIn>,
    code_throttle: ThrottleRepr,
    backup_throttle: ThrottleRepr,
    backup: Option<String>,
    challenge: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActiveIn {
    secret: SecretIn,
    params: ParamsRepr,
    last_step: Option<u64>,
    drift: i64,
    enabled_at: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingIn {
    secret: SecretIn,
    params: ParamsRepr,
    expires_at: u64,
}

/// A secret as read; a plain secret's text is zeroized when dropped.
#[derive(Deserialize)]
#[serde(tag = "kind", deny_unknown_fields)]
enum SecretIn {
    #[serde(rename = "plain")]
    Plain { base32: String },
    #[serde(rename = "sealed")]
    Sealed { sealed: String },
}

impl Drop for SecretIn {
    fn drop(&mut self) {
        if let Self::Plain { base32 } = self {
            base32.zeroize();
        }
    }
}

impl SecretIn {
    fn to_stored(&self, params: TotpParams) -> Result<StoredSecret, Invalid> {
        match self {
            // Secrets below 128 bits were imported on purpose (`from_base32_legacy`).
            Self::Plain { base32 } => Secret::from_base32_legacy(base32)
                .map(|secret| StoredSecret::plain(secret, params))
                .map_err(|_| Invalid("secret")),
            Self::Sealed { sealed } => data_encoding::BASE64URL_NOPAD
                .decode(sealed.as_bytes())
                .ok()
                .and_then(|bytes| SealedSecret::from_bytes(&bytes).ok())
                .map(|sealed| StoredSecret::Sealed(Arc::new(sealed)))
                .ok_or(Invalid("secret")),
        }
    }
}

/// A field that is not a valid value; names the field, never its content.
pub(super) struct Invalid(&'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the record has an invalid `{}`", self.0)
    }
}

impl RecordIn {
    pub(super) fn into_record(self) -> Result<Record, Invalid> {
        let active = match self.active {
            None => None,
            Some(active) => {
                let params = active.params.into_params()?;
                Some(Authenticator {
                    id: 1,
                    label: String::new(),
                    secret: active.secret.to_stored(params)?,
                    params,
                    last_step: active.last_step,
                    drift: active.drift,
                    created_at: active.enabled_at,
                    last_used_at: None,
                })
            }
        };
        let pending = match self.pending {
            None => None,
            Some(pending) => {
                let params = pending.params.into_params()?;
                Some(Pending {
                    label: String::new(),
                    secret: pending.secret.to_stored(params)?,
                    params,
                    expires_at: pending.expires_at,
                })
            }
        };
        let backup = match self.backup {
            None => None,
            Some(stored) => Some(Arc::new(
                BackupCodeSet::from_stored(&stored).map_err(|_| Invalid("backup"))?,
            )),
        };
        let challenge = match self.challenge {
            None => None,
            Some(hex) => {
                let bytes = data_encoding::HEXLOWER
                    .decode(hex.as_bytes())
                    .map_err(|_| Invalid("challenge"))?;
                Some(
                    <[u8; Record::NONCE_LEN]>::try_from(bytes.as_slice())
                        .map_err(|_| Invalid("challenge"))?,
                )
            }
        };
        Ok(Record(State {
            user: self.user.into(),
            version: self.version,
            epoch: self.epoch,
            authenticators: active.into_iter().collect(),
            next_id: 2,
            pending,
            code_throttle: self.code_throttle.into(),
            backup_throttle: self.backup_throttle.into(),
            budget: Budget::default(),
            since_success: SinceSuccess::default(),
            backup,
            challenge,
            devices: Vec::new(),
        }))
    }
}
