//! The binary form of a [`Record`], as stores keep it.
//!
//! ```text
//! "2FA" format:u8=1
//! user:str16  epoch:u64
//! active:  0 | 1 secret params last_step:opt_u64 drift:i64 enabled_at:u64
//! pending: 0 | 1 secret params expires_at:u64
//! code_throttle:  failures:u32 blocked_until:u64
//! backup_throttle: failures:u32 blocked_until:u64
//! backup:  0 | 1 stored_set:str32
//! challenge: 0 | 1 nonce:[u8; 16]
//! secret  = 0 len:u8 bytes            (plain)
//!         | 1 len:u16 sealed_bytes     (sealed: `SealedSecret::to_bytes`)
//! params  = algorithm:u8 (0 SHA-1, 1 SHA-256, 2 SHA-512) digits:u8 period:u64 t0:u64
//! ```
//! Integers are big-endian; `str16`/`str32` are UTF-8 with a `u16`/`u32` length. The version is
//! not in the bytes: the store keeps it in its own column, where compare-and-swap reads it.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::{Active, Pending, Record, RecordError, StoredSecret, Throttle};
use crate::algorithm::Algorithm;
use crate::backup::BackupCodeSet;
use crate::otp::TotpParams;
use crate::seal::SealedSecret;
use crate::secret::Secret;

const MAGIC: &[u8; 3] = b"2FA";
const FORMAT: u8 = 1;
const PLAIN_SECRET: u8 = 0;
const SEALED_SECRET: u8 = 1;

impl Record {
    /// The record's binary form, without its version (the store keeps that in its own column).
    /// It contains the secrets as the record holds them: store it as carefully as the secrets. The
    /// buffer is zeroized when dropped.
    ///
    /// ```
    /// use twofactor::store::Record;
    ///
    /// let record = Record::new("alice");
    /// let bytes = record.encode();
    /// assert_eq!(Record::decode("alice", 0, &bytes)?, record);
    /// # Ok::<(), twofactor::store::RecordError>(())
    /// ```
    #[must_use]
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Writer(Vec::with_capacity(256));
        out.bytes(MAGIC);
        out.u8(FORMAT);
        out.str16(&self.user);
        out.u64(self.epoch);
        match &self.active {
            None => out.u8(0),
            Some(active) => {
                out.u8(1);
                out.secret(&active.secret);
                out.params(&active.params);
                out.opt_u64(active.last_step);
                out.u64(u64::from_be_bytes(active.drift.to_be_bytes()));
                out.u64(active.enabled_at);
            }
        }
        match &self.pending {
            None => out.u8(0),
            Some(pending) => {
                out.u8(1);
                out.secret(&pending.secret);
                out.params(&pending.params);
                out.u64(pending.expires_at);
            }
        }
        out.throttle(self.code_throttle);
        out.throttle(self.backup_throttle);
        match &self.backup {
            None => out.u8(0),
            Some(set) => {
                out.u8(1);
                out.str32(&set.to_stored());
            }
        }
        match &self.challenge {
            None => out.u8(0),
            Some(nonce) => {
                out.u8(1);
                out.bytes(nonce);
            }
        }
        Zeroizing::new(out.0)
    }

    /// Reads a record that [`Record::encode`] wrote, for the row of `user` at `version`.
    ///
    /// # Errors
    /// A [`RecordError`] naming what is wrong: not a record, an unknown format version, a field
    /// cut short or out of range, an invalid secret or backup-code set, another user's record,
    /// bytes after the end. Never a partial record.
    pub fn decode(user: &str, version: u64, bytes: &[u8]) -> Result<Self, RecordError> {
        let mut input = Reader(bytes);
        if input.take(MAGIC.len(), "marker")? != MAGIC {
            return Err(RecordError::NotARecord);
        }
        let format = input.u8("format")?;
        if format != FORMAT {
            return Err(RecordError::UnsupportedFormat { version: format });
        }
        let stored_user = input.str16("user")?;
        if stored_user != user {
            return Err(RecordError::UserMismatch);
        }
        let epoch = input.u64("epoch")?;
        let active = match input.flag("active")? {
            false => None,
            true => {
                let secret = input.secret()?;
                let params = input.params()?;
                Some(Active {
                    secret: secret.into_stored(params),
                    params,
                    last_step: input.opt_u64("last_step")?,
                    drift: i64::from_be_bytes(input.u64("drift")?.to_be_bytes()),
                    enabled_at: input.u64("enabled_at")?,
                })
            }
        };
        let pending = match input.flag("pending")? {
            false => None,
            true => {
                let secret = input.secret()?;
                let params = input.params()?;
                Some(Pending {
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
        let challenge = match input.flag("challenge")? {
            false => None,
            true => {
                let mut nonce = [0; Record::NONCE_LEN];
                nonce.copy_from_slice(input.take(Record::NONCE_LEN, "challenge")?);
                Some(nonce)
            }
        };
        if !input.0.is_empty() {
            return Err(RecordError::TrailingBytes);
        }
        Ok(Self {
            user: stored_user.into(),
            version,
            epoch,
            active,
            pending,
            code_throttle,
            backup_throttle,
            backup,
            challenge,
        })
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
    fn u8(&mut self, value: u8) {
        self.0.push(value);
    }
    fn u32(&mut self, value: u32) {
        self.bytes(&value.to_be_bytes());
    }
    fn u64(&mut self, value: u64) {
        self.bytes(&value.to_be_bytes());
    }
    fn opt_u64(&mut self, value: Option<u64>) {
        match value {
            None => self.u8(0),
            Some(value) => {
                self.u8(1);
                self.u64(value);
            }
        }
    }
    /// User ids longer than 65 535 bytes are cut at a character boundary; the service refuses
    /// them before a record is made.
    fn str16(&mut self, text: &str) {
        let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
        let cut = floor_char_boundary(text, usize::from(len));
        self.bytes(&u16::try_from(cut.len()).unwrap_or(u16::MAX).to_be_bytes());
        self.bytes(cut.as_bytes());
    }
    fn str32(&mut self, text: &str) {
        self.u32(u32::try_from(text.len()).unwrap_or(u32::MAX));
        self.bytes(text.as_bytes());
    }
    fn secret(&mut self, secret: &StoredSecret) {
        match secret {
            StoredSecret::Plain(plain) => {
                self.u8(PLAIN_SECRET);
                let bytes = plain.secret.expose_secret();
                // A secret is at most `Secret::MAX_BYTES` (128) long.
                self.u8(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
                self.bytes(bytes);
            }
            StoredSecret::Sealed(sealed) => {
                self.u8(SEALED_SECRET);
                let bytes = sealed.to_bytes();
                // A sealed secret is at most 1 + 4 + 24 + 128 + 16 bytes.
                self.bytes(&u16::try_from(bytes.len()).unwrap_or(u16::MAX).to_be_bytes());
                self.bytes(&bytes);
            }
        }
    }
    fn params(&mut self, params: &TotpParams) {
        self.u8(match params.algorithm() {
            Algorithm::Sha1 => 0,
            Algorithm::Sha256 => 1,
            Algorithm::Sha512 => 2,
        });
        self.u8(params.digits().get());
        self.u64(params.period());
        self.u64(params.t0());
    }
    fn throttle(&mut self, throttle: Throttle) {
        self.u32(throttle.failures);
        self.u64(throttle.blocked_until);
    }
}

fn floor_char_boundary(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// A secret as read, before its parameters (which follow it) are known.
enum ReadSecret {
    Plain(Secret),
    Sealed(SealedSecret),
}

impl ReadSecret {
    fn into_stored(self, params: TotpParams) -> StoredSecret {
        match self {
            Self::Plain(secret) => StoredSecret::plain(secret, params),
            Self::Sealed(sealed) => StoredSecret::Sealed(Arc::new(sealed)),
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], RecordError> {
        if self.0.len() < len {
            return Err(RecordError::Truncated { field });
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], RecordError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }
    fn u8(&mut self, field: &'static str) -> Result<u8, RecordError> {
        Ok(self.array::<1>(field)?[0])
    }
    fn u16(&mut self, field: &'static str) -> Result<u16, RecordError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }
    fn u32(&mut self, field: &'static str) -> Result<u32, RecordError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
    fn u64(&mut self, field: &'static str) -> Result<u64, RecordError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }
    fn flag(&mut self, field: &'static str) -> Result<bool, RecordError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(RecordError::Invalid { field }),
        }
    }
    fn opt_u64(&mut self, field: &'static str) -> Result<Option<u64>, RecordError> {
        Ok(match self.flag(field)? {
            false => None,
            true => Some(self.u64(field)?),
        })
    }
    fn text(&mut self, len: usize, field: &'static str) -> Result<String, RecordError> {
        let bytes = self.take(len, field)?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| RecordError::Invalid { field })
    }
    fn str16(&mut self, field: &'static str) -> Result<String, RecordError> {
        let len = self.u16(field)?;
        self.text(usize::from(len), field)
    }
    fn str32(&mut self, field: &'static str) -> Result<String, RecordError> {
        let len = usize::try_from(self.u32(field)?).map_err(|_| RecordError::Invalid { field })?;
        self.text(len, field)
    }
    fn secret(&mut self) -> Result<ReadSecret, RecordError> {
        match self.u8("secret")? {
            PLAIN_SECRET => {
                let len = self.u8("secret")?;
                let bytes = self.take(usize::from(len), "secret")?;
                // Secrets below 128 bits were imported on purpose (`from_base32_legacy`).
                let secret = Secret::from_bytes_legacy(bytes).map_err(RecordError::Secret)?;
                Ok(ReadSecret::Plain(secret))
            }
            SEALED_SECRET => {
                let len = self.u16("secret")?;
                let bytes = self.take(usize::from(len), "secret")?;
                let sealed = SealedSecret::from_bytes(bytes).map_err(RecordError::Sealed)?;
                Ok(ReadSecret::Sealed(sealed))
            }
            _ => Err(RecordError::Invalid { field: "secret" }),
        }
    }
    fn params(&mut self) -> Result<TotpParams, RecordError> {
        let algorithm = match self.u8("algorithm")? {
            0 => Algorithm::Sha1,
            1 => Algorithm::Sha256,
            2 => Algorithm::Sha512,
            _ => return Err(RecordError::Invalid { field: "algorithm" }),
        };
        let digits = self.u8("digits")?;
        let period = self.u64("period")?;
        let t0 = self.u64("t0")?;
        TotpParams::builder()
            .algorithm(algorithm)
            .digits(digits)
            .period(period)
            .t0(t0)
            .build()
            .map_err(|_| RecordError::Invalid { field: "params" })
    }
    fn throttle(&mut self, field: &'static str) -> Result<Throttle, RecordError> {
        Ok(Throttle {
            failures: self.u32(field)?,
            blocked_until: self.u64(field)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::{CodeFormat, HmacHasher};

    fn full() -> Record {
        let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
        let params = TotpParams::builder()
            .algorithm(Algorithm::Sha256)
            .digits(8)
            .period(60)
            .t0(7)
            .build()
            .unwrap();
        let hasher = HmacHasher::new(3, &[9; 32]).unwrap();
        let (_codes, mut set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher).unwrap();
        set.mark_used(4, 1_700_000_123).unwrap();
        Record {
            user: "ünïcode user".into(),
            version: 42,
            epoch: 7,
            active: Some(Active {
                secret: StoredSecret::plain(secret.clone(), params),
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
                blocked_until: 1_700_000_300,
            },
            backup_throttle: Throttle {
                failures: 1,
                blocked_until: 0,
            },
            backup: Some(Arc::new(set)),
            challenge: Some([0xab; Record::NONCE_LEN]),
        }
    }

    #[test]
    fn every_field_round_trips() {
        for record in [Record::new("alice"), full()] {
            let bytes = record.encode();
            assert_eq!(
                Record::decode(record.user(), record.version(), &bytes).unwrap(),
                record
            );
        }
    }

    /// `full()` with both secrets sealed, as a service with a keyring stores it.
    fn sealed() -> Record {
        let sealed = |key_id, fill| {
            let mut bytes = alloc::vec![1];
            bytes.extend_from_slice(&u32::to_be_bytes(key_id));
            bytes.extend_from_slice(&[fill; 24 + 20 + 16]);
            StoredSecret::Sealed(Arc::new(SealedSecret::from_bytes(&bytes).unwrap()))
        };
        let mut record = full();
        if let Some(active) = record.active.as_mut() {
            active.secret = sealed(7, 0x5a);
        }
        if let Some(pending) = record.pending.as_mut() {
            pending.secret = sealed(8, 0xa5);
        }
        record
    }

    #[test]
    fn sealed_secrets_round_trip_and_malformed_ones_are_named() {
        let record = sealed();
        let bytes = record.encode();
        assert_eq!(Record::decode(record.user(), 42, &bytes).unwrap(), record);
        for len in 0..bytes.len() {
            let error = Record::decode(record.user(), 42, &bytes[..len]).unwrap_err();
            assert!(
                matches!(
                    error,
                    RecordError::Truncated { .. } | RecordError::NotARecord | RecordError::BackupCodes(_)
                ),
                "cut at {len}: {error:?}"
            );
        }
        // The active secret's sealed form starts after the header, the user and the epoch, the
        // active flag, the kind and the u16 length: change its format byte.
        let format = 3 + 1 + 2 + record.user().len() + 8 + 1 + 1 + 2;
        let mut changed = bytes.to_vec();
        assert_eq!(changed[format], 1);
        changed[format] = 9;
        assert_eq!(
            Record::decode(record.user(), 42, &changed),
            Err(RecordError::Sealed(crate::seal::SealError::Malformed))
        );
        // An unknown kind of secret.
        let mut changed = bytes.to_vec();
        changed[format - 3] = 2;
        assert_eq!(
            Record::decode(record.user(), 42, &changed),
            Err(RecordError::Invalid { field: "secret" })
        );
    }

    #[test]
    fn another_users_row_is_refused() {
        let bytes = full().encode();
        assert_eq!(
            Record::decode("mallory", 42, &bytes),
            Err(RecordError::UserMismatch)
        );
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        let record = full();
        let bytes = record.encode();
        for len in 0..bytes.len() {
            let error = Record::decode(record.user(), 42, &bytes[..len]).unwrap_err();
            assert!(
                matches!(
                    error,
                    RecordError::Truncated { .. } | RecordError::NotARecord | RecordError::BackupCodes(_)
                ),
                "cut at {len}: {error:?}"
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(
            Record::decode(record.user(), 42, &longer),
            Err(RecordError::TrailingBytes)
        );
    }

    #[test]
    fn every_single_byte_change_is_an_error_or_another_valid_record() {
        for record in [full(), sealed()] {
            single_byte_changes(&record);
        }
    }

    fn single_byte_changes(record: &Record) {
        let bytes = record.encode();
        for index in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut changed = bytes.to_vec();
                changed[index] ^= flip;
                if let Ok(decoded) = Record::decode(record.user(), 42, &changed) {
                    assert_ne!(
                        &decoded, record,
                        "byte {index} changed yet decoded to the same record"
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_formats_and_tags_are_named() {
        let mut bytes = Record::new("a").encode().to_vec();
        bytes[3] = 2;
        assert_eq!(
            Record::decode("a", 0, &bytes),
            Err(RecordError::UnsupportedFormat { version: 2 })
        );
        let mut bytes = Record::new("a").encode().to_vec();
        bytes[0] = b'X';
        assert_eq!(Record::decode("a", 0, &bytes), Err(RecordError::NotARecord));
        let mut bytes = Record::new("a").encode().to_vec();
        let active_flag = 3 + 1 + 2 + 1 + 8;
        bytes[active_flag] = 2;
        assert_eq!(
            Record::decode("a", 0, &bytes),
            Err(RecordError::Invalid { field: "active" })
        );
    }

    #[test]
    fn debug_shows_no_secret_or_nonce() {
        let text = format!("{:?}", full());
        assert!(text.starts_with("Record { user: \"ünïcode user\", version: 42, epoch: 7, enabled: true"));
        for leak in ["12345678901234567890", "GEZDG", "49, 50, 51", "171, 171", "JBSWY"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }
}
