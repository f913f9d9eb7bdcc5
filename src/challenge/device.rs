//! The remembered-device token: a long-lived, server-signed cookie that stands in for the
//! second factor on a device the user asked to be remembered.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use data_encoding::BASE64URL_NOPAD;

use super::{ChallengeKey, ChallengeKeyring, DEVICE_ID_LEN, DeviceProblem};

/// What the text of every device token starts with: the kind and its version. A login
/// challenge is plain base64url, which has no `.`, so neither kind of token is ever read as the
/// other.
const PREFIX: &str = "tfd1.";
/// What the MAC input starts with. A login challenge's starts with `twofactor/challenge/`: the
/// two differ in their 11th byte, so no MAC input of one kind is ever a MAC input of the other,
/// whatever follows, and a tag of one never verifies as the other under the same key.
const DOMAIN: &[u8] = b"twofactor/remembered-device/v1";
const TAG_LEN: usize = 32;
/// What picks the key, read before anything is authenticated.
const KEY_ID_LEN: usize = 4;
/// What follows the key id: the epoch, the expiry and the device id, then the user.
const CLAIMS_LEN: usize = 8 + 8 + DEVICE_ID_LEN;
/// Longer input is refused before it is decoded.
const MAX_TOKEN_CHARS: usize = 4096;

/// An opaque, URL-safe token that remembers a device for one user, for a long-lived cookie:
/// [`TwoFactor::remember_device`](crate::TwoFactor::remember_device) issues it,
/// [`TwoFactor::verify_remembered`](crate::TwoFactor::verify_remembered) checks it. `Debug` hides
/// it.
///
/// It names the user, the device's id in the user's record, the credential epoch it was issued
/// at, its expiry and the id of the key that signed it, authenticated with HMAC-SHA-256 under
/// the service's login-challenge keys (domain-separated from login challenges). It carries no
/// secret of the user's; but whoever holds it skips the code step on the password, so it is a
/// credential: carry it in a cookie scripts cannot read, sent to the application only —
/// `Set-Cookie: twofactor_device=<token>; HttpOnly; Secure; SameSite=Strict; Path=/;
/// Max-Age=2592000` (the device's lifetime, 30 days by default).
///
/// It has no `PartialEq` on purpose: a token is checked by the service, in constant time, never
/// compared by the application.
///
/// ```
/// use twofactor::challenge::ChallengeKey;
/// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
/// use twofactor::backup::HmacHasher;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let clock = ManualClock::new(1_700_000_000);
/// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
/// let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
///     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
/// let enrollment = service.begin_enrollment("u1", "alice").await?;
/// let app = Totp::new(&enrollment.secret, service.config().params());
/// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
///
/// let token = service.remember_device("u1", "Firefox on Linux").await?;
/// assert!(token.as_str().starts_with("tfd1."));
/// assert_eq!(format!("{token:?}"), "DeviceToken { .. }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct DeviceToken(String);

/// What an authentic device token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeviceClaims {
    pub(crate) user: String,
    pub(crate) device: [u8; DEVICE_ID_LEN],
    pub(crate) epoch: u64,
    pub(crate) expires_at: u64,
}

impl DeviceToken {
    /// The token text, for the cookie.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `"tfd1." ‖ base64url(key_id ‖ epoch ‖ expires_at ‖ device ‖ user ‖ tag)`, where `tag` is
    /// `HMAC-SHA-256(key, "twofactor/remembered-device/v1" ‖ key_id ‖ … ‖ user)` under `key`,
    /// whose id is `key_id` (big-endian `u32`; `epoch` and `expires_at` big-endian `u64`; the
    /// device id 16 bytes).
    pub(crate) fn issue(key: &ChallengeKey, claims: &DeviceClaims) -> Self {
        let mut bytes = Vec::with_capacity(KEY_ID_LEN + CLAIMS_LEN + claims.user.len() + TAG_LEN);
        bytes.extend_from_slice(&key.id().to_be_bytes());
        bytes.extend_from_slice(&claims.epoch.to_be_bytes());
        bytes.extend_from_slice(&claims.expires_at.to_be_bytes());
        bytes.extend_from_slice(&claims.device);
        bytes.extend_from_slice(claims.user.as_bytes());
        let tag = key.tag(&signed(&bytes));
        bytes.extend_from_slice(&tag);
        let mut text = String::with_capacity(PREFIX.len() + BASE64URL_NOPAD.encode_len(bytes.len()));
        text.push_str(PREFIX);
        BASE64URL_NOPAD.encode_append(&bytes, &mut text);
        Self(text)
    }

    /// Picks the key the token names, checks the token's authenticity (in constant time:
    /// [`ChallengeKey::verify`], the check the login challenge uses), then reads it. Whether it
    /// has expired ([`DeviceClaims::check`]), and whether the device is still remembered at this
    /// epoch (the record), is for the caller to say.
    ///
    /// The prefix and the key id are read before the tag is checked: they are public (the token
    /// shows them to whoever holds it) and only choose the key; the tag covers the key id too.
    pub(crate) fn open(keys: &ChallengeKeyring, token: &str) -> Result<DeviceClaims, DeviceProblem> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err(DeviceProblem::Malformed);
        }
        let body = token.strip_prefix(PREFIX).ok_or(DeviceProblem::Malformed)?;
        let bytes = BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| DeviceProblem::Malformed)?;
        if bytes.len() < KEY_ID_LEN + CLAIMS_LEN + TAG_LEN {
            return Err(DeviceProblem::Malformed);
        }
        let (key_id, _) = bytes
            .split_first_chunk::<KEY_ID_LEN>()
            .ok_or(DeviceProblem::Malformed)?;
        let key_id = u32::from_be_bytes(*key_id);
        let key = keys.key(key_id).ok_or(DeviceProblem::UnknownKey { key_id })?;
        let (body, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        if !key.verify(&signed(body), tag) {
            return Err(DeviceProblem::Forged);
        }
        let claims = body.get(KEY_ID_LEN..).ok_or(DeviceProblem::Malformed)?;
        let (epoch, rest) = claims.split_first_chunk::<8>().ok_or(DeviceProblem::Malformed)?;
        let (expires, rest) = rest.split_first_chunk::<8>().ok_or(DeviceProblem::Malformed)?;
        let (device, user) = rest
            .split_first_chunk::<DEVICE_ID_LEN>()
            .ok_or(DeviceProblem::Malformed)?;
        let user = core::str::from_utf8(user).map_err(|_| DeviceProblem::Malformed)?;
        Ok(DeviceClaims {
            user: user.into(),
            device: *device,
            epoch: u64::from_be_bytes(*epoch),
            expires_at: u64::from_be_bytes(*expires),
        })
    }
}

impl DeviceClaims {
    /// Whether an authentic token's claims let `user` in at `now`, as far as the token can say:
    /// for `user`, and not expired.
    pub(crate) fn check(&self, user: &str, now: u64) -> Result<(), DeviceProblem> {
        if self.user != user {
            return Err(DeviceProblem::OtherUser);
        }
        if now >= self.expires_at {
            return Err(DeviceProblem::Expired { at: self.expires_at });
        }
        Ok(())
    }
}

fn signed(body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(DOMAIN.len() + body.len());
    message.extend_from_slice(DOMAIN);
    message.extend_from_slice(body);
    message
}

impl fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceToken").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::token::{ChallengeToken, Claims};
    use crate::challenge::{ChallengeError, NONCE_LEN};

    fn key() -> ChallengeKey {
        ChallengeKey::new(1, &[7; 32]).unwrap()
    }

    fn keys() -> ChallengeKeyring {
        key().into()
    }

    fn claims() -> DeviceClaims {
        DeviceClaims {
            user: "alice".into(),
            device: [0x3c; DEVICE_ID_LEN],
            epoch: 4,
            expires_at: 1_000,
        }
    }

    fn decode(token: &str) -> Vec<u8> {
        BASE64URL_NOPAD
            .decode(token.strip_prefix(PREFIX).unwrap().as_bytes())
            .unwrap()
    }

    fn encode(bytes: &[u8]) -> String {
        alloc::format!("{PREFIX}{}", BASE64URL_NOPAD.encode(bytes))
    }

    #[test]
    fn an_issued_token_opens_and_lets_its_user_in_until_it_expires() {
        let token = DeviceToken::issue(&key(), &claims());
        let text = token.as_str();
        assert!(text.starts_with("tfd1."));
        assert!(
            text[PREFIX.len()..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let opened = DeviceToken::open(&keys(), text).unwrap();
        assert_eq!(opened, claims());
        assert_eq!(opened.check("alice", 999), Ok(()));
        assert_eq!(
            opened.check("alice", 1_000),
            Err(DeviceProblem::Expired { at: 1_000 })
        );
        assert_eq!(opened.check("bob", 0), Err(DeviceProblem::OtherUser));
        assert_eq!(format!("{token:?}"), "DeviceToken { .. }");
    }

    #[test]
    fn the_layout_is_key_id_epoch_expiry_device_user_tag() {
        let key = ChallengeKey::new(0x0102_0304, &[7; 32]).unwrap();
        let bytes = decode(DeviceToken::issue(&key, &claims()).as_str());
        assert_eq!(bytes.len(), KEY_ID_LEN + CLAIMS_LEN + "alice".len() + TAG_LEN);
        assert_eq!(bytes[..4], [1, 2, 3, 4]);
        assert_eq!(bytes[4..12], 4u64.to_be_bytes());
        assert_eq!(bytes[12..20], 1_000u64.to_be_bytes());
        assert_eq!(bytes[20..36], [0x3c; DEVICE_ID_LEN]);
        assert_eq!(&bytes[36..41], b"alice");
        let mut message = DOMAIN.to_vec();
        message.extend_from_slice(&bytes[..41]);
        assert_eq!(bytes[41..], key.tag(&message));
    }

    #[test]
    fn every_single_byte_change_is_refused() {
        let token = DeviceToken::issue(&key(), &claims());
        let bytes = decode(token.as_str());
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mut changed = bytes.clone();
                changed[index] ^= 1 << bit;
                let result = DeviceToken::open(&keys(), &encode(&changed));
                match result {
                    Err(DeviceProblem::Forged) => {}
                    Err(DeviceProblem::UnknownKey { .. }) if index < KEY_ID_LEN => {}
                    other => panic!("byte {index}, bit {bit}: {other:?}"),
                }
            }
        }
        let text = token.as_str();
        for len in 0..text.len() {
            assert!(DeviceToken::open(&keys(), &text[..len]).is_err(), "{len}");
        }
    }

    #[test]
    fn another_key_a_dropped_key_or_garbage_is_refused() {
        let token = DeviceToken::issue(&key(), &claims());
        let other = ChallengeKeyring::new(ChallengeKey::new(1, &[8; 32]).unwrap());
        assert_eq!(
            DeviceToken::open(&other, token.as_str()),
            Err(DeviceProblem::Forged)
        );
        let rotated = ChallengeKeyring::new(ChallengeKey::new(2, &[2; 32]).unwrap())
            .with_old_key(key())
            .unwrap();
        assert_eq!(DeviceToken::open(&rotated, token.as_str()).unwrap(), claims());
        let dropped = ChallengeKeyring::new(ChallengeKey::new(2, &[2; 32]).unwrap());
        assert_eq!(
            DeviceToken::open(&dropped, token.as_str()),
            Err(DeviceProblem::UnknownKey { key_id: 1 })
        );
        for garbage in [
            "",
            "tfd1.",
            "tfd1.!!!",
            "tfd1.AAAA",
            "tfd2.AAAA",
            &"A".repeat(5000),
        ] {
            assert_eq!(
                DeviceToken::open(&keys(), garbage),
                Err(DeviceProblem::Malformed),
                "{garbage:.10}"
            );
        }
    }

    #[test]
    fn a_challenge_is_never_a_device_token_nor_a_device_token_a_challenge() {
        // Under the same key; the challenge's user is long enough for its bytes to have a device
        // token's length.
        let challenge = ChallengeToken::issue(
            &key(),
            &Claims {
                user: "alice@example.com".into(),
                expires_at: 1_000,
                nonce: [0x3c; NONCE_LEN],
            },
        );
        let device = DeviceToken::issue(&key(), &claims());
        // As given: each refuses the other's text before any key is used.
        assert_eq!(
            DeviceToken::open(&keys(), challenge.as_str()),
            Err(DeviceProblem::Malformed)
        );
        assert_eq!(
            ChallengeToken::open(&keys(), device.as_str(), 0),
            Err(ChallengeError::Malformed)
        );
        // With the prefix moved: the bytes of one, presented as the other, reach the tag check
        // under a keyring that holds the id they seem to name, and do not verify. A challenge's
        // format byte (2) and key id (1) read as the device key id 0x0200_0000.
        let wide = keys()
            .with_old_key(ChallengeKey::new(0x0200_0000, &[7; 32]).unwrap())
            .unwrap();
        let relabelled = alloc::format!("{PREFIX}{}", challenge.as_str());
        assert_eq!(DeviceToken::open(&wide, &relabelled), Err(DeviceProblem::Forged));
        // A device token under key 0x0200_0001 starts with a challenge's format byte (2); read as
        // a challenge its key id is the next four bytes, 0x0000_0100.
        let key2 = ChallengeKey::new(0x0200_0001, &[7; 32]).unwrap();
        let device2 = DeviceToken::issue(&key2, &claims());
        let bare = &device2.as_str()[PREFIX.len()..];
        let keys256 = ChallengeKeyring::new(ChallengeKey::new(0x0000_0100, &[7; 32]).unwrap());
        assert_eq!(
            ChallengeToken::open(&keys256, bare, 0),
            Err(ChallengeError::Forged)
        );
        // And the tags differ for the same bytes under the same key.
        let body = &decode(device.as_str())[..41];
        let mut as_challenge = b"twofactor/challenge/v2".to_vec();
        as_challenge.extend_from_slice(body);
        assert_ne!(key().tag(&as_challenge), key().tag(&signed(body)));
    }
}
