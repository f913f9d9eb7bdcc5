//! The binary form of a [`Record`], as stores keep it.
//!
//! ```text
//! "2FA" format:u8=2
//! user:str16  epoch:u64  next_id:u32
//! authenticators: count:u8, then each:
//!     id:u32 label:str8 secret params last_step:opt_u64 drift:i64 created_at:u64 last_used_at:opt_u64
//! pending: 0 | 1 label:str8 secret params expires_at:u64
//! code_throttle:  failures:u32 blocked_until:u64
//! backup_throttle: failures:u32 blocked_until:u64
//! budget: spent:u64 at:u64                  (the long-term guessing budget, picochances)
//! since_success: failures:u32 last_at:opt_u64
//! backup:  0 | 1 len:u32 set                (the set's binary form, `backup::binary`)
//! challenge: 0 | 1 nonce:[u8; 16]
//! devices: count:u8, then each: id:[u8; 16] label:str8 created_at:u64 last_used_at:u64 expires_at:u64
//! secret  = 0 len:u8 bytes            (plain)
//!         | 1 len:u16 sealed_bytes     (sealed: `SealedSecret::to_bytes`)
//! params  = algorithm:u8 (0 SHA-1, 1 SHA-256, 2 SHA-512) digits:u8 period:u64 t0:u64
//! ```
//! Integers are big-endian; `str8`/`str16` are UTF-8 with a `u8`/`u16` length. The version is
//! not in the bytes: the store keeps it in its own column, where compare-and-swap reads it.
//! Format 1, which 0.1 wrote (one authenticator, the backup set as text), is read by
//! [`legacy`](super::legacy) and written back as format 2 on the record's next write.
//!
//! The backup set is parsed once per load, and written back as the bytes it was read from until
//! it changes (a code spent): a TOTP login rewrites the record without encoding the set again.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::{
    Authenticator, Budget, Pending, Record, RecordError, RememberedDevice, SinceSuccess, State, StoredSecret,
    Throttle,
};
use crate::algorithm::Algorithm;
use crate::backup::BackupCodeSet;
use crate::otp::TotpParams;
use crate::seal::SealedSecret;
use crate::secret::Secret;

pub(super) const MAGIC: &[u8; 3] = b"2FA";
const FORMAT: u8 = 2;
const PLAIN_SECRET: u8 = 0;
const SEALED_SECRET: u8 = 1;

impl Record {
    /// The record's binary form, without its version (the store keeps that in its own column).
    /// It contains the secrets as the record holds them: store it as carefully as the secrets. The
    /// buffer is allocated once at its exact size (a buffer that grows leaves its old block,
    /// secret included, in freed memory) and zeroized when dropped.
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
        // The bytes the set was read from while it is unchanged: a login that spends no backup
        // code writes the set without encoding it. Got once, for both passes.
        let backup = self.0.backup.as_ref().map(|set| set.binary());
        let mut count = Writer::counting();
        self.write(&mut count, backup.as_deref());
        let mut out = Writer::exact(count.len);
        self.write(&mut out, backup.as_deref());
        out.finish()
    }

    /// Writes the record's fields in order, with the backup set's binary form: the one
    /// description of format 2 that both passes of [`Record::encode`] follow.
    fn write(&self, out: &mut Writer, backup: Option<&[u8]>) {
        out.bytes(MAGIC);
        out.u8(FORMAT);
        out.str16(&self.0.user);
        out.u64(self.0.epoch);
        out.u32(self.0.next_id);
        out.count(self.0.authenticators.len());
        for authenticator in &self.0.authenticators {
            out.u32(authenticator.id);
            out.str8(&authenticator.label);
            out.secret(&authenticator.secret);
            out.params(&authenticator.params);
            out.opt_u64(authenticator.last_step);
            out.u64(u64::from_be_bytes(authenticator.drift.to_be_bytes()));
            out.u64(authenticator.created_at);
            out.opt_u64(authenticator.last_used_at);
        }
        match &self.0.pending {
            None => out.u8(0),
            Some(pending) => {
                out.u8(1);
                out.str8(&pending.label);
                out.secret(&pending.secret);
                out.params(&pending.params);
                out.u64(pending.expires_at);
            }
        }
        out.throttle(self.0.code_throttle);
        out.throttle(self.0.backup_throttle);
        out.u64(self.0.budget.spent);
        out.u64(self.0.budget.at);
        out.u32(self.0.since_success.failures);
        out.opt_u64(self.0.since_success.last_at);
        match backup {
            None => out.u8(0),
            Some(bytes) => {
                out.u8(1);
                out.u32(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
                out.bytes(bytes);
            }
        }
        match &self.0.challenge {
            None => out.u8(0),
            Some(nonce) => {
                out.u8(1);
                out.bytes(nonce);
            }
        }
        out.count(self.0.devices.len());
        for device in &self.0.devices {
            out.bytes(&device.id);
            out.str8(&device.label);
            out.u64(device.created_at);
            out.u64(device.last_used_at);
            out.u64(device.expires_at);
        }
    }

    /// Reads a record that [`Record::encode`] wrote — this release's format, or 0.1's — for the
    /// row of `user` at `version`.
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
        let stored_user = input.str16("user")?;
        if stored_user != user {
            return Err(RecordError::UserMismatch);
        }
        let mut record = match format {
            super::legacy::FORMAT => super::legacy::read(&mut input, stored_user)?,
            FORMAT => read(&mut input, stored_user)?,
            _ => return Err(RecordError::UnsupportedFormat { version: format }),
        };
        if !input.0.is_empty() {
            return Err(RecordError::TrailingBytes);
        }
        record.0.version = version;
        Ok(record)
    }
}

/// Format 2 after the user.
fn read(input: &mut Reader<'_>, user: String) -> Result<Record, RecordError> {
    let epoch = input.u64("epoch")?;
    let next_id = input.u32("next_id")?;
    let count = input.count("authenticators", Record::MAX_AUTHENTICATORS)?;
    let mut authenticators = Vec::with_capacity(count);
    for _ in 0..count {
        let id = input.u32("authenticator id")?;
        if id >= next_id
            || authenticators
                .iter()
                .any(|a: &Authenticator<StoredSecret>| a.id == id)
        {
            return Err(RecordError::Invalid {
                field: "authenticator id",
            });
        }
        let label = input.str8("label")?;
        let secret = input.secret()?;
        let params = input.params()?;
        authenticators.push(Authenticator {
            id,
            label,
            secret: secret.into_stored(params),
            params,
            last_step: input.opt_u64("last_step")?,
            drift: i64::from_be_bytes(input.u64("drift")?.to_be_bytes()),
            created_at: input.u64("created_at")?,
            last_used_at: input.opt_u64("last_used_at")?,
        });
    }
    let pending = match input.flag("pending")? {
        false => None,
        true => {
            let label = input.str8("label")?;
            let secret = input.secret()?;
            let params = input.params()?;
            Some(Pending {
                label,
                secret: secret.into_stored(params),
                params,
                expires_at: input.u64("expires_at")?,
            })
        }
    };
    let code_throttle = input.throttle("code_throttle")?;
    let backup_throttle = input.throttle("backup_throttle")?;
    let budget = Budget {
        spent: input.u64("budget spent")?,
        at: input.u64("budget at")?,
    };
    let since_success = SinceSuccess {
        failures: input.u32("since_success failures")?,
        last_at: input.opt_u64("since_success last_at")?,
    };
    let backup = match input.flag("backup")? {
        false => None,
        true => {
            let len = usize::try_from(input.u32("backup")?)
                .map_err(|_| RecordError::Invalid { field: "backup" })?;
            let set =
                BackupCodeSet::from_bytes(input.take(len, "backup")?).map_err(RecordError::BackupCodes)?;
            Some(Arc::new(set))
        }
    };
    let challenge = input.nonce()?;
    let count = input.count("devices", Record::MAX_DEVICES)?;
    let mut devices = Vec::with_capacity(count);
    for _ in 0..count {
        devices.push(RememberedDevice {
            id: input.array("device id")?,
            label: input.str8("device label")?,
            created_at: input.u64("device created_at")?,
            last_used_at: input.u64("device last_used_at")?,
            expires_at: input.u64("device expires_at")?,
        });
    }
    Ok(Record(State {
        user: user.into(),
        version: 0,
        epoch,
        authenticators,
        next_id,
        pending,
        code_throttle,
        backup_throttle,
        budget,
        since_success,
        backup,
        challenge,
        devices,
    }))
}

/// Writes a record: first only counting its bytes, then into a buffer of exactly that many,
/// which never grows, and is zeroized when dropped.
struct Writer {
    /// `None` while counting.
    buffer: Option<Zeroizing<Vec<u8>>>,
    len: usize,
}

impl Writer {
    const fn counting() -> Self {
        Self { buffer: None, len: 0 }
    }
    fn exact(len: usize) -> Self {
        Self {
            buffer: Some(Zeroizing::new(Vec::with_capacity(len))),
            len: 0,
        }
    }
    fn finish(self) -> Zeroizing<Vec<u8>> {
        let buffer = self.buffer.unwrap_or_default();
        debug_assert_eq!(
            buffer.len(),
            buffer.capacity(),
            "the count and the write disagree"
        );
        buffer
    }
    fn bytes(&mut self, bytes: &[u8]) {
        self.len += bytes.len();
        if let Some(buffer) = self.buffer.as_mut() {
            debug_assert!(
                buffer.len() + bytes.len() <= buffer.capacity(),
                "the buffer would grow"
            );
            buffer.extend_from_slice(bytes);
        }
    }
    pub(super) fn u8(&mut self, value: u8) {
        self.bytes(&[value]);
    }
    pub(super) fn u32(&mut self, value: u32) {
        self.bytes(&value.to_be_bytes());
    }
    pub(super) fn u64(&mut self, value: u64) {
        self.bytes(&value.to_be_bytes());
    }
    pub(super) fn opt_u64(&mut self, value: Option<u64>) {
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
    pub(super) fn str16(&mut self, text: &str) {
        let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
        let cut = floor_char_boundary(text, usize::from(len));
        self.bytes(&u16::try_from(cut.len()).unwrap_or(u16::MAX).to_be_bytes());
        self.bytes(cut.as_bytes());
    }
    /// Labels are at most [`Record::MAX_LABEL_LEN`] bytes; longer ones are cut at a character
    /// boundary (the flows refuse them before a record is made).
    fn str8(&mut self, text: &str) {
        let cut = floor_char_boundary(text, Record::MAX_LABEL_LEN);
        self.u8(u8::try_from(cut.len()).unwrap_or(u8::MAX));
        self.bytes(cut.as_bytes());
    }
    /// A list's length; the record bounds every list far below 256.
    fn count(&mut self, len: usize) {
        self.u8(u8::try_from(len).unwrap_or(u8::MAX));
    }
    pub(super) fn secret(&mut self, secret: &StoredSecret) {
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
    pub(super) fn params(&mut self, params: &TotpParams) {
        self.u8(match params.algorithm() {
            Algorithm::Sha1 => 0,
            Algorithm::Sha256 => 1,
            Algorithm::Sha512 => 2,
        });
        self.u8(params.digits().get());
        self.u64(params.period());
        self.u64(params.t0());
    }
    pub(super) fn throttle(&mut self, throttle: Throttle) {
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
pub(super) enum ReadSecret {
    Plain(Secret),
    Sealed(SealedSecret),
}

impl ReadSecret {
    pub(super) fn into_stored(self, params: TotpParams) -> StoredSecret {
        match self {
            Self::Plain(secret) => StoredSecret::plain(secret, params),
            Self::Sealed(sealed) => StoredSecret::Sealed(Arc::new(sealed)),
        }
    }
}

pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], RecordError> {
        if self.0.len() < len {
            return Err(RecordError::Truncated { field });
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }
    pub(super) fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], RecordError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }
    pub(super) fn u8(&mut self, field: &'static str) -> Result<u8, RecordError> {
        Ok(self.array::<1>(field)?[0])
    }
    pub(super) fn u16(&mut self, field: &'static str) -> Result<u16, RecordError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }
    pub(super) fn u32(&mut self, field: &'static str) -> Result<u32, RecordError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
    pub(super) fn u64(&mut self, field: &'static str) -> Result<u64, RecordError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }
    pub(super) fn flag(&mut self, field: &'static str) -> Result<bool, RecordError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(RecordError::Invalid { field }),
        }
    }
    pub(super) fn opt_u64(&mut self, field: &'static str) -> Result<Option<u64>, RecordError> {
        Ok(match self.flag(field)? {
            false => None,
            true => Some(self.u64(field)?),
        })
    }
    pub(super) fn text(&mut self, len: usize, field: &'static str) -> Result<String, RecordError> {
        let bytes = self.take(len, field)?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| RecordError::Invalid { field })
    }
    pub(super) fn str16(&mut self, field: &'static str) -> Result<String, RecordError> {
        let len = self.u16(field)?;
        self.text(usize::from(len), field)
    }
    pub(super) fn str8(&mut self, field: &'static str) -> Result<String, RecordError> {
        let len = self.u8(field)?;
        if usize::from(len) > Record::MAX_LABEL_LEN {
            return Err(RecordError::Invalid { field });
        }
        self.text(usize::from(len), field)
    }
    pub(super) fn count(&mut self, field: &'static str, max: usize) -> Result<usize, RecordError> {
        let count = usize::from(self.u8(field)?);
        if count > max {
            return Err(RecordError::Invalid { field });
        }
        Ok(count)
    }
    pub(super) fn nonce(&mut self) -> Result<Option<[u8; Record::NONCE_LEN]>, RecordError> {
        Ok(match self.flag("challenge")? {
            false => None,
            true => Some(self.array("challenge")?),
        })
    }
    pub(super) fn str32(&mut self, field: &'static str) -> Result<String, RecordError> {
        let len = usize::try_from(self.u32(field)?).map_err(|_| RecordError::Invalid { field })?;
        self.text(len, field)
    }
    pub(super) fn secret(&mut self) -> Result<ReadSecret, RecordError> {
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
    pub(super) fn params(&mut self) -> Result<TotpParams, RecordError> {
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
    pub(super) fn throttle(&mut self, field: &'static str) -> Result<Throttle, RecordError> {
        Ok(Throttle {
            failures: self.u32(field)?,
            blocked_until: self.u64(field)?,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::backup::{CodeFormat, HmacHasher};

    /// Every field set: two authenticators, a pending enrollment, throttles, a backup set, a
    /// challenge and a remembered device.
    pub(crate) fn full() -> Record {
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
        let mut record = Record::new("ünïcode user");
        record.0.version = 42;
        record.0.epoch = 7;
        let plain = StoredSecret::plain(secret.clone(), params);
        record
            .0
            .add_authenticator("Phone".into(), plain, params, Some((123_456, -3)), 1_700_000_000);
        let second = StoredSecret::plain(secret, TotpParams::DEFAULT);
        record.0.add_authenticator(
            "Laptop — 1Password".into(),
            second,
            TotpParams::DEFAULT,
            None,
            1_700_000_100,
        );
        record.0.pending = Some(Pending {
            label: "New phone".into(),
            secret: StoredSecret::plain(
                Secret::from_base32_legacy("JBSWY3DPEHPK3PXP").unwrap(),
                TotpParams::DEFAULT,
            ),
            params: TotpParams::DEFAULT,
            expires_at: 1_700_000_600,
        });
        record.0.code_throttle = Throttle {
            failures: 5,
            blocked_until: 1_700_000_300,
        };
        record.0.backup_throttle = Throttle {
            failures: 1,
            blocked_until: 0,
        };
        record.0.backup = Some(Arc::new(set));
        record.0.challenge = Some([0xab; Record::NONCE_LEN]);
        record.0.devices.push(RememberedDevice {
            id: [0xcd; Record::DEVICE_ID_LEN],
            label: "Firefox on Linux".into(),
            created_at: 1_700_000_200,
            last_used_at: 1_700_000_250,
            expires_at: 1_702_592_200,
        });
        record
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

    /// `full()` with every secret sealed, as a service with a keyring stores it.
    pub(crate) fn sealed() -> Record {
        let sealed = |key_id, fill| {
            let mut bytes = alloc::vec![1];
            bytes.extend_from_slice(&u32::to_be_bytes(key_id));
            bytes.extend_from_slice(&[fill; 24 + 20 + 16]);
            StoredSecret::Sealed(Arc::new(SealedSecret::from_bytes(&bytes).unwrap()))
        };
        let mut record = full();
        for authenticator in &mut record.0.authenticators {
            authenticator.secret = sealed(7, 0x5a);
        }
        if let Some(pending) = record.0.pending.as_mut() {
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
        // The first authenticator's sealed form starts after the header, the user, the epoch,
        // the next id, the count, its id, its label ("Phone"), the kind and the u16 length:
        // change its format byte.
        let format = 3 + 1 + 2 + record.user().len() + 8 + 4 + 1 + 4 + 1 + 5 + 1 + 2;
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
        bytes[3] = 3;
        assert_eq!(
            Record::decode("a", 0, &bytes),
            Err(RecordError::UnsupportedFormat { version: 3 })
        );
        let mut bytes = Record::new("a").encode().to_vec();
        bytes[0] = b'X';
        assert_eq!(Record::decode("a", 0, &bytes), Err(RecordError::NotARecord));
        let mut bytes = Record::new("a").encode().to_vec();
        let count = 3 + 1 + 2 + 1 + 8 + 4;
        bytes[count] = 11;
        assert_eq!(
            Record::decode("a", 0, &bytes),
            Err(RecordError::Invalid {
                field: "authenticators"
            })
        );
    }

    #[test]
    fn debug_shows_no_secret_or_nonce() {
        let text = format!("{:?}", full());
        assert!(
            text.starts_with("Record { user: \"ünïcode user\", version: 42, epoch: 7, authenticators: 2")
        );
        for leak in ["12345678901234567890", "GEZDG", "49, 50, 51", "171, 171", "JBSWY"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }

    /// Format 1 as 0.1 wrote it, laid out by hand, with the backup set's text form if any.
    fn format_1(backup: Option<&str>) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"2FA\x01\x00\x05alice");
        bytes.extend_from_slice(&3u64.to_be_bytes()); // epoch
        bytes.extend_from_slice(&[1, 0, 20]); // active, plain, 20 bytes
        bytes.extend_from_slice(b"12345678901234567890");
        bytes.extend_from_slice(&[0, 6]); // SHA-1, 6 digits
        bytes.extend_from_slice(&30u64.to_be_bytes());
        bytes.extend_from_slice(&0u64.to_be_bytes());
        bytes.push(1); // last step
        bytes.extend_from_slice(&56_666_667u64.to_be_bytes());
        bytes.extend_from_slice(&(-1i64).to_be_bytes());
        bytes.extend_from_slice(&1_700_000_000u64.to_be_bytes()); // enabled at
        bytes.push(0); // no pending
        bytes.extend_from_slice(&[0, 0, 0, 2]);
        bytes.extend_from_slice(&0u64.to_be_bytes());
        bytes.extend_from_slice(&[0; 12]);
        match backup {
            None => bytes.push(0),
            Some(text) => {
                bytes.push(1);
                bytes.extend_from_slice(&u32::try_from(text.len()).unwrap().to_be_bytes());
                bytes.extend_from_slice(text.as_bytes());
            }
        }
        bytes.push(1); // a challenge
        bytes.extend_from_slice(&[0xab; Record::NONCE_LEN]);
        bytes
    }

    /// The active secret of format 1 becomes authenticator 1.
    #[test]
    fn format_1_reads_as_one_authenticator_and_writes_back_as_format_2() {
        let bytes = format_1(None);
        let record = Record::decode("alice", 9, &bytes).unwrap();
        assert_eq!(
            (record.version(), record.epoch(), record.code_failures()),
            (9, 3, 2)
        );
        let first = record.0.primary().unwrap();
        assert_eq!(
            (
                first.id,
                first.label.as_str(),
                first.last_step,
                first.drift,
                first.created_at,
                first.last_used_at
            ),
            (1, "", Some(56_666_667), -1, 1_700_000_000, None)
        );
        assert_eq!(record.0.next_id, 2);
        let again = record.encode();
        assert_eq!(again[3], FORMAT);
        assert_eq!(Record::decode("alice", 9, &again).unwrap(), record);
        for len in 0..bytes.len() {
            assert!(Record::decode("alice", 9, &bytes[..len]).is_err(), "cut at {len}");
        }
    }

    #[test]
    fn duplicate_or_unissued_authenticator_ids_are_refused() {
        let mut record = full();
        record.0.authenticators[1].id = 1;
        assert_eq!(
            Record::decode(record.user(), 42, &record.encode()),
            Err(RecordError::Invalid {
                field: "authenticator id"
            })
        );
        let mut record = full();
        record.0.next_id = 2;
        assert_eq!(
            Record::decode(record.user(), 42, &record.encode()),
            Err(RecordError::Invalid {
                field: "authenticator id"
            })
        );
    }

    /// A user's record with a backup set whose codes are known.
    fn with_codes() -> (Vec<String>, HmacHasher, Record) {
        let hasher = HmacHasher::new(3, &[9; 32]).unwrap();
        let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &hasher).unwrap();
        let codes = codes.expose_codes().map(String::from).collect();
        let mut record = full();
        record.0.backup = Some(Arc::new(set));
        (codes, hasher, record)
    }

    /// The backup set is parsed once per load and encoded again only when it changed.
    #[test]
    fn an_unchanged_backup_set_is_written_as_read_without_encoding_it() {
        let (_codes, _hasher, record) = with_codes();
        let bytes = record.encode();
        let read = Record::decode(record.user(), 42, &bytes).unwrap();
        let before = crate::backup::encodings();
        assert_eq!(read.encode(), bytes);
        // A TOTP login changes the record around the set, not the set.
        let mut login = read.clone();
        login.0.authenticators[0].last_step = Some(123_457);
        login.0.code_throttle = Throttle::default();
        let written = login.encode();
        assert_ne!(written, bytes);
        assert_eq!(Record::decode(record.user(), 42, &written).unwrap(), login);
        assert_eq!(
            crate::backup::encodings(),
            before,
            "an unchanged backup set was encoded again"
        );
    }

    #[test]
    fn a_spent_backup_code_is_encoded_again_and_reads_back_spent() {
        let (codes, hasher, record) = with_codes();
        let bytes = record.encode();
        let read = Record::decode(record.user(), 42, &bytes).unwrap();
        // As the policy spends a code: on a copy of the set shared with the loaded record.
        let mut spent = read.clone();
        let set = spent.0.backup.as_mut().unwrap();
        let mut memo = crate::backup::HashMemo::new();
        assert_eq!(
            Arc::make_mut(set).spend("alice", &codes[6], &hasher, &mut memo, 1_700_000_900),
            Ok(6)
        );
        let before = crate::backup::encodings();
        let written = spent.encode();
        assert_eq!(crate::backup::encodings(), before + 1);
        assert_ne!(written, bytes);
        let reread = Record::decode(record.user(), 42, &written).unwrap();
        assert_eq!(reread, spent);
        let set = reread.0.backup.as_ref().unwrap();
        assert_eq!((set.used_at(6), set.remaining()), (Some(1_700_000_900), 9));
        // The loaded record it was copied from still writes the bytes it was read from.
        assert_eq!(read.encode(), bytes);
    }

    /// 0.1's set, read from its text form, is encoded on the record's first write, as format 2.
    #[test]
    fn a_format_1_backup_set_is_encoded_on_the_first_write() {
        let (_codes, _hasher, record) = with_codes();
        let stored = record.0.backup.as_ref().unwrap().to_stored();
        let old = Record::decode("alice", 9, &format_1(Some(&stored))).unwrap();
        assert_eq!(old.0.backup, record.0.backup);
        let before = crate::backup::encodings();
        let written = old.encode();
        assert_eq!(crate::backup::encodings(), before + 1);
        assert_eq!(written[3], FORMAT);
        let again = Record::decode("alice", 9, &written).unwrap();
        assert_eq!(again, old);
        // Read from format 2, it keeps its bytes from then on.
        assert_eq!(again.encode(), written);
        assert_eq!(crate::backup::encodings(), before + 1);
    }
}
