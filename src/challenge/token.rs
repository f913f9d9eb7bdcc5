use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use data_encoding::BASE64URL_NOPAD;

use super::{ChallengeError, ChallengeKey, ChallengeKeyring, NONCE_LEN};

/// The format this version issues: a key id after the format byte.
const FORMAT: u8 = 2;
const DOMAIN: &[u8] = b"twofactor/challenge/v2";
/// 0.1's format, without a key id, still opened under the current key (see [`ChallengeToken::open`]).
const FORMAT_V1: u8 = 1;
const DOMAIN_V1: &[u8] = b"twofactor/challenge/v1";
const TAG_LEN: usize = 32;
/// What picks the key, read before anything is authenticated: the format byte and the key id.
const ROUTE_LEN: usize = 1 + 4;
/// What follows the route: the expiry and the nonce, then the user.
const CLAIMS_LEN: usize = 8 + NONCE_LEN;
/// Longer input is refused before it is decoded.
const MAX_TOKEN_CHARS: usize = 4096;

/// An opaque, URL-safe login-challenge token, to carry in an `HttpOnly`, `Secure`,
/// `SameSite=Strict` cookie between the password step and the code step. `Debug` hides it.
///
/// It has no `PartialEq` on purpose: a token is checked by the service
/// ([`TwoFactor::verify_with_challenge`](crate::TwoFactor::verify_with_challenge)), in constant
/// time, never compared by the application.
#[derive(Clone)]
pub struct ChallengeToken(String);

/// What an authentic token says. `Debug` leaves out the nonce, which authorizes the code step.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    pub(crate) user: String,
    pub(crate) expires_at: u64,
    pub(crate) nonce: [u8; NONCE_LEN],
}

impl ChallengeToken {
    /// The token text, for the cookie.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `base64url(format = 2 ‖ key_id ‖ expires_at ‖ nonce ‖ user ‖ tag)`, where `tag` is
    /// `HMAC-SHA-256(key, "twofactor/challenge/v2" ‖ format ‖ key_id ‖ … ‖ user)` under the
    /// keyring's current key, whose id is `key_id` (big-endian `u32`; `expires_at` big-endian
    /// `u64`).
    pub(crate) fn issue(key: &ChallengeKey, claims: &Claims) -> Self {
        let mut bytes = Vec::with_capacity(ROUTE_LEN + CLAIMS_LEN + claims.user.len() + TAG_LEN);
        bytes.push(FORMAT);
        bytes.extend_from_slice(&key.id().to_be_bytes());
        bytes.extend_from_slice(&claims.expires_at.to_be_bytes());
        bytes.extend_from_slice(&claims.nonce);
        bytes.extend_from_slice(claims.user.as_bytes());
        let tag = key.tag(&signed(DOMAIN, &bytes));
        bytes.extend_from_slice(&tag);
        Self(BASE64URL_NOPAD.encode(&bytes))
    }

    /// Picks the key the token names, checks the token's authenticity (in constant time), then
    /// reads it and checks that it has not expired at `now`. Whether it is the user's current
    /// challenge is the record's to say.
    ///
    /// The format byte and the key id are read before the tag is checked: they are public (the
    /// token shows them to whoever holds it) and only choose the key; the tag covers them too.
    /// A token of 0.1's format (1, no key id) is checked under the current key, so that
    /// challenges issued just before an upgrade that kept the key still work.
    pub(crate) fn open(keys: &ChallengeKeyring, token: &str, now: u64) -> Result<Claims, ChallengeError> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err(ChallengeError::Malformed);
        }
        let bytes = BASE64URL_NOPAD
            .decode(token.as_bytes())
            .map_err(|_| ChallengeError::Malformed)?;
        let (format, route, domain) = match bytes.first() {
            Some(&FORMAT) => (FORMAT, ROUTE_LEN, DOMAIN),
            Some(&FORMAT_V1) => (FORMAT_V1, 1, DOMAIN_V1),
            _ => return Err(ChallengeError::Malformed),
        };
        if bytes.len() < route + CLAIMS_LEN + TAG_LEN {
            return Err(ChallengeError::Malformed);
        }
        let key = if format == FORMAT {
            let id = bytes
                .get(1..ROUTE_LEN)
                .and_then(|id| <[u8; 4]>::try_from(id).ok())
                .ok_or(ChallengeError::Malformed)?;
            let key_id = u32::from_be_bytes(id);
            keys.key(key_id).ok_or(ChallengeError::UnknownKey { key_id })?
        } else {
            keys.current()
        };
        let (body, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        if !key.verify(&signed(domain, body), tag) {
            return Err(ChallengeError::Forged);
        }
        let claims = body.get(route..).ok_or(ChallengeError::Malformed)?;
        let (expires, rest) = claims.split_first_chunk::<8>().ok_or(ChallengeError::Malformed)?;
        let (nonce, user) = rest
            .split_first_chunk::<{ NONCE_LEN }>()
            .ok_or(ChallengeError::Malformed)?;
        let user = core::str::from_utf8(user).map_err(|_| ChallengeError::Malformed)?;
        let expires_at = u64::from_be_bytes(*expires);
        if now >= expires_at {
            return Err(ChallengeError::Expired { at: expires_at });
        }
        Ok(Claims {
            user: user.into(),
            expires_at,
            nonce: *nonce,
        })
    }
}

fn signed(domain: &[u8], body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(domain.len() + body.len());
    message.extend_from_slice(domain);
    message.extend_from_slice(body);
    message
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ChallengeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeToken").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ChallengeKey {
        ChallengeKey::new(1, &[7; 32]).unwrap()
    }

    fn keys() -> ChallengeKeyring {
        key().into()
    }

    fn claims() -> Claims {
        Claims {
            user: "alice".into(),
            expires_at: 1_000,
            nonce: [0x5a; NONCE_LEN],
        }
    }

    #[test]
    fn an_issued_token_opens_until_it_expires() {
        let token = ChallengeToken::issue(&key(), &claims());
        assert!(
            token
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            ChallengeToken::open(&keys(), token.as_str(), 999).unwrap(),
            claims()
        );
        assert_eq!(
            ChallengeToken::open(&keys(), token.as_str(), 1_000),
            Err(ChallengeError::Expired { at: 1_000 })
        );
        assert_eq!(format!("{token:?}"), "ChallengeToken { .. }");
    }

    #[test]
    fn the_token_names_its_key_in_clear_after_the_format() {
        let token = ChallengeToken::issue(&ChallengeKey::new(0x0102_0304, &[7; 32]).unwrap(), &claims());
        let bytes = BASE64URL_NOPAD.decode(token.as_str().as_bytes()).unwrap();
        assert_eq!(bytes[..ROUTE_LEN], [2, 1, 2, 3, 4]);
        assert_eq!(bytes.len(), ROUTE_LEN + CLAIMS_LEN + "alice".len() + TAG_LEN);
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let token = ChallengeToken::issue(&key(), &claims());
        let text = token.as_str();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for index in 0..text.len() {
            for replacement in alphabet.chars().filter(|&c| !text[index..].starts_with(c)) {
                let mut changed = String::from(&text[..index]);
                changed.push(replacement);
                changed.push_str(&text[index + 1..]);
                let result = ChallengeToken::open(&keys(), &changed, 0);
                assert!(
                    matches!(
                        result,
                        Err(ChallengeError::Forged
                            | ChallengeError::Malformed
                            | ChallengeError::UnknownKey { .. })
                    ),
                    "position {index} → {replacement}: {result:?}"
                );
            }
        }
        for len in 0..text.len() {
            assert!(ChallengeToken::open(&keys(), &text[..len], 0).is_err());
        }
    }

    #[test]
    fn another_key_or_garbage_is_refused() {
        let token = ChallengeToken::issue(&key(), &claims());
        let other = ChallengeKeyring::new(ChallengeKey::new(1, &[8; 32]).unwrap());
        assert_eq!(
            ChallengeToken::open(&other, token.as_str(), 0),
            Err(ChallengeError::Forged)
        );
        for garbage in ["", "!!!", "AAAA", &"A".repeat(5000)] {
            assert_eq!(
                ChallengeToken::open(&keys(), garbage, 0),
                Err(ChallengeError::Malformed),
                "{garbage:.10}"
            );
        }
    }

    #[test]
    fn every_key_of_the_keyring_verifies_the_tokens_that_name_it() {
        let old = ChallengeKey::new(1, &[1; 32]).unwrap();
        let new = ChallengeKey::new(2, &[2; 32]).unwrap();
        let rotated = ChallengeKeyring::new(new.clone())
            .with_old_key(old.clone())
            .unwrap();
        for key in [&old, &new] {
            let token = ChallengeToken::issue(key, &claims());
            assert_eq!(
                ChallengeToken::open(&rotated, token.as_str(), 0).unwrap(),
                claims()
            );
        }
        let under_old = ChallengeToken::issue(&old, &claims());
        assert_eq!(
            ChallengeToken::open(&ChallengeKeyring::new(new.clone()), under_old.as_str(), 0),
            Err(ChallengeError::UnknownKey { key_id: 1 })
        );
        // The id is authenticated: a token re-labelled with another id the keyring holds fails.
        let mut bytes = BASE64URL_NOPAD.decode(under_old.as_str().as_bytes()).unwrap();
        bytes[4] = 2;
        let relabelled = BASE64URL_NOPAD.encode(&bytes);
        assert_eq!(
            ChallengeToken::open(&rotated, &relabelled, 0),
            Err(ChallengeError::Forged)
        );
        // The same bytes under another id are another key: the id is not a key's only name.
        let twin = ChallengeKeyring::new(ChallengeKey::new(2, &[1; 32]).unwrap());
        assert_eq!(
            ChallengeToken::open(&twin, &relabelled, 0),
            Err(ChallengeError::Forged)
        );
    }

    /// 0.1's token: `base64url(1 ‖ expires_at ‖ nonce ‖ user ‖ HMAC(key, "…/v1" ‖ body))`.
    fn v1_token(key: &ChallengeKey, claims: &Claims) -> String {
        let mut bytes = alloc::vec![FORMAT_V1];
        bytes.extend_from_slice(&claims.expires_at.to_be_bytes());
        bytes.extend_from_slice(&claims.nonce);
        bytes.extend_from_slice(claims.user.as_bytes());
        let tag = key.tag(&signed(DOMAIN_V1, &bytes));
        bytes.extend_from_slice(&tag);
        BASE64URL_NOPAD.encode(&bytes)
    }

    #[test]
    fn a_token_of_0_1_opens_under_the_current_key_only() {
        let v1 = v1_token(&key(), &claims());
        assert_eq!(ChallengeToken::open(&keys(), &v1, 999).unwrap(), claims());
        let rotated = ChallengeKeyring::new(ChallengeKey::new(2, &[2; 32]).unwrap())
            .with_old_key(key())
            .unwrap();
        assert_eq!(
            ChallengeToken::open(&rotated, &v1, 0),
            Err(ChallengeError::Forged)
        );
        // Each format has its own domain: a v1 body relabelled as v2 does not verify.
        let mut bytes = BASE64URL_NOPAD.decode(v1.as_bytes()).unwrap();
        bytes[0] = FORMAT;
        assert!(ChallengeToken::open(&keys(), &BASE64URL_NOPAD.encode(&bytes), 0).is_err());
    }
}
