//! `Serialize` and `Deserialize` for [`Record`] (feature `serde`), for applications that keep
//! records in a document store or a cache rather than as [`Record::encode`] bytes.
//!
//! **A plain secret is never written unless the caller asks for it by name.** Serializing a
//! record that holds a plain (unsealed) authenticator secret — every enrolled or enrolling user
//! of a service without a keyring — fails with a serde error that says so; sealed secrets
//! (feature `seal`, [`TwoFactor::with_keyring`](crate::TwoFactor::with_keyring)) are written as
//! `{ "kind": "sealed", "sealed": "<base64url>" }`. To write it anyway, serialize through
//! [`DangerPlainSecrets`], or mark the field `#[serde(with = "twofactor::store::danger_plain_secrets")]`;
//! the name is the opt-in, in the manner of webauthn-rs's `danger-` options. Records without a
//! secret (never enrolled, disabled) serialize without it. Deserializing reads what was written,
//! validating every field as [`Record::decode`] does.
//!
//! The shape, in JSON:
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
use core::fmt;

use serde::de::Error as _;
use serde::ser::{Error as _, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

use super::{Active, Pending, Record, StoredSecret, Throttle};
use crate::algorithm::Algorithm;
use crate::backup::BackupCodeSet;
use crate::otp::TotpParams;
use crate::seal::SealedSecret;
use crate::secret::Secret;

/// The message of the error that refuses to write a plain secret.
const REFUSED: &str = "the record holds a plain authenticator secret, which is written only on request: \
serialize it through twofactor::store::DangerPlainSecrets or #[serde(with = \"twofactor::store::danger_plain_secrets\")]";

/// Serializes a [`Record`] **with its plain secrets in the output**.
///
/// Whoever reads the output can compute every code of the user's authenticator: store it as
/// carefully as the secrets themselves.
///
/// ```
/// use twofactor::store::{DangerPlainSecrets, Record};
///
/// let record = Record::new("alice");
/// let json = serde_json::to_string(&DangerPlainSecrets(&record))?;
/// assert_eq!(serde_json::from_str::<Record>(&json)?, record);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
// Exhaustive on purpose: the wrapper is the opt-in, written `DangerPlainSecrets(&record)`.
#[allow(clippy::exhaustive_structs)]
pub struct DangerPlainSecrets<'a>(pub &'a Record);

impl Serialize for DangerPlainSecrets<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordOut::new(self.0, true).serialize(serializer)
    }
}

/// Refuses a record that holds a plain secret; see [`DangerPlainSecrets`].
impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordOut::new(self, false).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RecordIn::deserialize(deserializer)?
            .into_record()
            .map_err(D::Error::custom)
    }
}

/// `#[serde(with = "twofactor::store::danger_plain_secrets")]` on a [`Record`] field: writes its plain
/// secrets, as [`DangerPlainSecrets`] does, and reads it back.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use twofactor::store::Record;
///
/// #[derive(Serialize, Deserialize)]
/// struct Cached {
///     #[serde(with = "twofactor::store::danger_plain_secrets")]
///     record: Record,
/// }
///
/// let json = serde_json::to_string(&Cached { record: Record::new("alice") })?;
/// assert_eq!(serde_json::from_str::<Cached>(&json)?.record.user(), "alice");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub mod danger_plain_secrets {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::DangerPlainSecrets;
    use crate::record::Record;

    /// Writes `record` with its plain secrets.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(record: &Record, serializer: S) -> Result<S::Ok, S::Error> {
        DangerPlainSecrets(record).serialize(serializer)
    }

    /// Reads a record, as `Record`'s `Deserialize` does.
    ///
    /// # Errors
    /// The deserializer's, and a field out of range.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Record, D::Error> {
        Record::deserialize(deserializer)
    }
}

#[derive(Serialize)]
#[serde(rename = "Record")]
struct RecordOut<'a> {
    user: &'a str,
    version: u64,
    epoch: u64,
    active: Option<ActiveOut<'a>>,
    pending: Option<PendingOut<'a>>,
    code_throttle: ThrottleRepr,
    backup_throttle: ThrottleRepr,
    backup: Option<String>,
    challenge: Option<String>,
}

impl<'a> RecordOut<'a> {
    fn new(record: &'a Record, plain: bool) -> Self {
        Self {
            user: &record.user,
            version: record.version,
            epoch: record.epoch,
            active: record.active.as_ref().map(|active| ActiveOut {
                secret: SecretOut {
                    secret: &active.secret,
                    plain,
                },
                params: ParamsRepr::from(active.params),
                last_step: active.last_step,
                drift: active.drift,
                enabled_at: active.enabled_at,
            }),
            pending: record.pending.as_ref().map(|pending| PendingOut {
                secret: SecretOut {
                    secret: &pending.secret,
                    plain,
                },
                params: ParamsRepr::from(pending.params),
                expires_at: pending.expires_at,
            }),
            code_throttle: record.code_throttle.into(),
            backup_throttle: record.backup_throttle.into(),
            backup: record.backup.as_ref().map(|set| set.to_stored()),
            challenge: record
                .challenge
                .as_ref()
                .map(|nonce| data_encoding::HEXLOWER.encode(nonce)),
        }
    }
}

#[derive(Serialize)]
struct ActiveOut<'a> {
    secret: SecretOut<'a>,
    params: ParamsRepr,
    last_step: Option<u64>,
    drift: i64,
    enabled_at: u64,
}

#[derive(Serialize)]
struct PendingOut<'a> {
    secret: SecretOut<'a>,
    params: ParamsRepr,
    expires_at: u64,
}

/// A stored secret on its way out: refused if plain and not asked for.
struct SecretOut<'a> {
    secret: &'a StoredSecret,
    plain: bool,
}

impl Serialize for SecretOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.secret {
            StoredSecret::Plain(_) if !self.plain => Err(S::Error::custom(REFUSED)),
            StoredSecret::Plain(plain) => {
                let mut out = serializer.serialize_struct("Secret", 2)?;
                out.serialize_field("kind", "plain")?;
                out.serialize_field("base32", &**plain.secret.to_base32())?;
                out.end()
            }
            StoredSecret::Sealed(sealed) => {
                let mut out = serializer.serialize_struct("Secret", 2)?;
                out.serialize_field("kind", "sealed")?;
                out.serialize_field(
                    "sealed",
                    &data_encoding::BASE64URL_NOPAD.encode(&sealed.to_bytes()),
                )?;
                out.end()
            }
        }
    }
}

#[derive(Clone, Copy, Serialize, Deserialize)]
enum AlgorithmRepr {
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "SHA512")]
    Sha512,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamsRepr {
    algorithm: AlgorithmRepr,
    digits: u8,
    period: u64,
    t0: u64,
}

impl From<TotpParams> for ParamsRepr {
    fn from(params: TotpParams) -> Self {
        Self {
            algorithm: match params.algorithm() {
                Algorithm::Sha1 => AlgorithmRepr::Sha1,
                Algorithm::Sha256 => AlgorithmRepr::Sha256,
                Algorithm::Sha512 => AlgorithmRepr::Sha512,
            },
            digits: params.digits().get(),
            period: params.period(),
            t0: params.t0(),
        }
    }
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

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThrottleRepr {
    failures: u32,
    blocked_until: u64,
}

impl From<Throttle> for ThrottleRepr {
    fn from(throttle: Throttle) -> Self {
        Self {
            failures: throttle.failures,
            blocked_until: throttle.blocked_until,
        }
    }
}

impl From<ThrottleRepr> for Throttle {
    fn from(repr: ThrottleRepr) -> Self {
        Self {
            failures: repr.failures,
            blocked_until: repr.blocked_until,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename = "Record", deny_unknown_fields)]
struct RecordIn {
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
struct Invalid(&'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the record has an invalid `{}`", self.0)
    }
}

impl RecordIn {
    fn into_record(self) -> Result<Record, Invalid> {
        let active = match self.active {
            None => None,
            Some(active) => {
                let params = active.params.into_params()?;
                Some(Active {
                    secret: active.secret.to_stored(params)?,
                    params,
                    last_step: active.last_step,
                    drift: active.drift,
                    enabled_at: active.enabled_at,
                })
            }
        };
        let pending = match self.pending {
            None => None,
            Some(pending) => {
                let params = pending.params.into_params()?;
                Some(Pending {
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
        Ok(Record {
            user: self.user.into(),
            version: self.version,
            epoch: self.epoch,
            active,
            pending,
            code_throttle: self.code_throttle.into(),
            backup_throttle: self.backup_throttle.into(),
            backup,
            challenge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::{CodeFormat, HmacHasher};

    /// Every field set, a challenge and a pending enrollment included (the service sets neither
    /// together with an active secret, but a record may hold them).
    fn full() -> Record {
        let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
        let hasher = HmacHasher::new(3, &[9; 32]).unwrap();
        let (_codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher).unwrap();
        set.mark_used(4, 1_700_000_123).unwrap();
        let params = TotpParams::builder()
            .algorithm(Algorithm::Sha512)
            .digits(8)
            .period(60)
            .t0(7)
            .build()
            .unwrap();
        Record {
            user: "ünïcode user".into(),
            version: 42,
            epoch: 7,
            active: Some(Active {
                secret: StoredSecret::plain(secret, params),
                params,
                last_step: Some(123_456),
                drift: -3,
                enabled_at: 1_700_000_000,
            }),
            pending: Some(Pending {
                secret: StoredSecret::plain(
                    Secret::from_base32_legacy("JBSWY3DPEHPK3PXP").unwrap(),
                    TotpParams::DEFAULT,
                ),
                params: TotpParams::DEFAULT,
                expires_at: 1_700_000_600,
            }),
            code_throttle: Throttle {
                failures: 5,
                blocked_until: u64::MAX,
            },
            backup_throttle: Throttle {
                failures: 1,
                blocked_until: 9,
            },
            backup: Some(Arc::new(set)),
            challenge: Some([0xab; Record::NONCE_LEN]),
        }
    }

    #[test]
    fn every_field_round_trips_through_json() {
        let record = full();
        let json = serde_json::to_string(&DangerPlainSecrets(&record)).unwrap();
        assert!(
            json.contains(r#""challenge":"abababababababababababababababab""#),
            "{json}"
        );
        assert!(json.contains(r#""algorithm":"SHA512""#), "{json}");
        assert!(json.contains(r#""base32":"JBSWY3DPEHPK3PXP""#), "{json}");
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
    }

    #[test]
    fn sealed_secrets_are_written_without_opt_in_and_read_back() {
        let mut bytes = alloc::vec![1, 0, 0, 0, 3];
        bytes.extend_from_slice(&[0x42; 24 + 20 + 16]);
        let sealed = StoredSecret::Sealed(Arc::new(SealedSecret::from_bytes(&bytes).unwrap()));
        let mut record = full();
        record.pending = None;
        if let Some(active) = record.active.as_mut() {
            active.secret = sealed;
        }
        let json = serde_json::to_string(&record).unwrap();
        let expected = alloc::format!(
            r#""secret":{{"kind":"sealed","sealed":"{}"}}"#,
            data_encoding::BASE64URL_NOPAD.encode(&bytes)
        );
        assert!(json.contains(&expected), "{json}");
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
        for (from, to) in [
            ("AQAAAAN", "AQAAAA!"),
            (r#""kind":"sealed""#, r#""kind":"other""#),
        ] {
            let broken = json.replacen(from, to, 1);
            assert_ne!(broken, json);
            assert!(serde_json::from_str::<Record>(&broken).is_err(), "{broken}");
        }
        // A sealed value of another format.
        let other = json.replacen(r#""sealed":"AQ"#, r#""sealed":"Ag"#, 1);
        assert_ne!(other, json);
        let error = serde_json::from_str::<Record>(&other).unwrap_err().to_string();
        assert!(error.contains("invalid `secret`"), "{error}");
    }

    #[test]
    fn a_plain_pending_secret_alone_is_refused_too() {
        let mut record = full();
        record.active = None;
        let error = serde_json::to_string(&record).unwrap_err().to_string();
        assert!(error.contains("DangerPlainSecrets"), "{error}");
        record.pending = None;
        assert!(serde_json::to_string(&record).is_ok());
    }
}
