//! `Serialize` and `Deserialize` for [`Record`] (feature `serde`), for applications that keep
//! records in a document store or a cache rather than as [`Record::encode`] bytes.
//!
//! There is one persisted format, the binary one; the serde form carries it, beside the two
//! fields a document store indexes:
//!
//! ```text
//! { "user": "alice", "version": 3, "record": "<base64url of Record::encode>" }
//! ```
//!
//! **A plain secret is never written unless the caller asks for it by name.** Serializing a
//! record that holds a plain (unsealed) authenticator secret — every enrolled or enrolling user
//! of a service without a keyring — fails with a serde error that says so; a record whose
//! secrets are sealed (feature `seal`) serializes as is. To write plain secrets anyway,
//! serialize through [`DangerPlainSecrets`], or mark the field
//! `#[serde(with = "twofactor::store::danger_plain_secrets")]`; the name is the opt-in, in the
//! manner of webauthn-rs's `danger-` options. Deserializing validates every field as
//! [`Record::decode`] does, and also reads the spelled-out form 0.1 wrote
//! ([`legacy_json`](super::legacy_json)).

use alloc::boxed::Box;
use alloc::string::String;

use serde::de::Error as _;
use serde::ser::{Error as _, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

use super::legacy_json::RecordIn;
use super::{Record, StoredSecret};

/// The message of the error that refuses to write a plain secret.
const REFUSED: &str = "the record holds a plain authenticator secret, which is written only on request: \
serialize it through twofactor::store::DangerPlainSecrets or #[serde(with = \"twofactor::store::danger_plain_secrets\")]";

/// Serializes a [`Record`] **with its plain secrets in the output**.
///
/// Whoever reads the output can compute every code of the user's authenticators: store it as
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
        write(self.0, serializer)
    }
}

/// Refuses a record that holds a plain secret; see [`DangerPlainSecrets`].
impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let confirmed = self
            .0
            .authenticators
            .iter()
            .map(|authenticator| &authenticator.secret);
        let pending = self.0.pending.as_ref().map(|pending| &pending.secret);
        if confirmed
            .chain(pending)
            .any(|secret| matches!(secret, StoredSecret::Plain(_)))
        {
            return Err(S::Error::custom(REFUSED));
        }
        write(self, serializer)
    }
}

fn write<S: Serializer>(record: &Record, serializer: S) -> Result<S::Ok, S::Error> {
    let bytes = record.encode();
    let encoded = zeroize::Zeroizing::new(data_encoding::BASE64URL_NOPAD.encode(&bytes));
    let mut out = serializer.serialize_struct("Record", 3)?;
    out.serialize_field("user", record.user())?;
    out.serialize_field("version", &record.version())?;
    out.serialize_field("record", encoded.as_str())?;
    out.end()
}

/// This release's form, or 0.1's.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a twofactor record: { user, version, record } or the form 0.1 wrote"
)]
enum Stored {
    Current(Current),
    Legacy(Box<RecordIn>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Current {
    user: String,
    version: u64,
    /// Zeroized once read: it holds the secrets.
    record: String,
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Stored::deserialize(deserializer)? {
            Stored::Current(mut current) => {
                let bytes = data_encoding::BASE64URL_NOPAD
                    .decode(current.record.as_bytes())
                    .map(zeroize::Zeroizing::new);
                current.record.zeroize();
                let bytes = bytes.map_err(|_| D::Error::custom("the record's `record` is not base64url"))?;
                Self::decode(&current.user, current.version, &bytes).map_err(D::Error::custom)
            }
            Stored::Legacy(legacy) => legacy.into_record().map_err(D::Error::custom),
        }
    }
}

/// `#[serde(with = "twofactor::store::danger_plain_secrets")]`: a [`Record`] field written
/// **with its plain secrets**, as [`DangerPlainSecrets`] writes it, and read as any record.
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
/// let json = serde_json::to_string(&Cached { record: Record::new("alice") })?;
/// assert_eq!(serde_json::from_str::<Cached>(&json)?.record, Record::new("alice"));
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

    /// Reads a record, as `Record::deserialize` does.
    ///
    /// # Errors
    /// The deserializer's, or a record that does not decode.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Record, D::Error> {
        Record::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::codec::tests::{full, sealed};

    /// A record in the serde form 0.1 wrote, without a backup set.
    const FORM_01: &str = r#"{"user":"alice","version":3,"epoch":1,
            "active":{"secret":{"kind":"plain","base32":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
                      "params":{"algorithm":"SHA1","digits":6,"period":30,"t0":0},
                      "last_step":56666667,"drift":-1,"enabled_at":1700000000},
            "pending":null,
            "code_throttle":{"failures":2,"blocked_until":0},
            "backup_throttle":{"failures":0,"blocked_until":0},
            "backup":null,"challenge":"abababababababababababababababab"}"#;

    #[test]
    fn every_field_round_trips_through_json() {
        let record = full();
        let json = serde_json::to_string(&DangerPlainSecrets(&record)).unwrap();
        assert!(
            json.starts_with(r#"{"user":"ünïcode user","version":42,"record":""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
    }

    #[test]
    fn plain_secrets_are_refused_without_the_opt_in_and_sealed_ones_are_written() {
        let error = serde_json::to_string(&full()).unwrap_err().to_string();
        assert!(error.contains("DangerPlainSecrets"), "{error}");
        let mut pending_only = full();
        pending_only.0.authenticators.clear();
        let error = serde_json::to_string(&pending_only).unwrap_err().to_string();
        assert!(error.contains("DangerPlainSecrets"), "{error}");
        let record = sealed();
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
    }

    #[test]
    fn a_broken_or_foreign_record_is_an_error() {
        let json = serde_json::to_string(&sealed()).unwrap();
        for (from, to) in [
            (r#""record":"Mk"#, r#""record":"Xk"#),
            (r#""version":42"#, r#""versio":42"#),
        ] {
            let broken = json.replacen(from, to, 1);
            assert_ne!(broken, json);
            assert!(serde_json::from_str::<Record>(&broken).is_err(), "{broken}");
        }
        let other = json.replacen("ünïcode user", "mallory", 1);
        let error = serde_json::from_str::<Record>(&other).unwrap_err().to_string();
        assert!(error.contains("another user"), "{error}");
    }

    #[test]
    fn the_form_01_wrote_is_read_as_authenticator_1() {
        let json = FORM_01;
        let record: Record = serde_json::from_str(json).unwrap();
        assert_eq!((record.user(), record.version(), record.epoch()), ("alice", 3, 1));
        assert_eq!((record.authenticator_count(), record.code_failures()), (1, 2));
        let first = record.0.primary().unwrap();
        assert_eq!(
            (first.id, first.last_step, first.drift, first.created_at),
            (1, Some(56_666_667), -1, 1_700_000_000)
        );
        assert_eq!(record.0.challenge, Some([0xab; Record::NONCE_LEN]));
        // Written back in this release's form, which reads back equal.
        let again = serde_json::to_string(&DangerPlainSecrets(&record)).unwrap();
        assert!(again.contains(r#""record":""#));
        assert_eq!(serde_json::from_str::<Record>(&again).unwrap(), record);
        assert!(serde_json::from_str::<Record>(&json.replace("SHA1", "MD5")).is_err());
    }

    /// 0.1's JSON holds the backup set as text: it is encoded on the record's first write, and
    /// read from this release's form it keeps its bytes.
    #[test]
    fn a_backup_set_from_the_form_01_wrote_is_encoded_on_the_first_write() {
        let set = full().0.backup;
        let stored = set.as_ref().unwrap().to_stored();
        let json = FORM_01.replace(r#""backup":null"#, &format!(r#""backup":"{stored}""#));
        let record: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(record.0.backup, set);
        let before = crate::backup::encodings();
        let again = serde_json::to_string(&DangerPlainSecrets(&record)).unwrap();
        assert_eq!(crate::backup::encodings(), before + 1);
        let read: Record = serde_json::from_str(&again).unwrap();
        assert_eq!(read, record);
        assert_eq!(serde_json::to_string(&DangerPlainSecrets(&read)).unwrap(), again);
        assert_eq!(crate::backup::encodings(), before + 1);
    }
}
