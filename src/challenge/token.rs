use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use data_encoding::BASE64URL_NOPAD;

use super::{ChallengeError, ChallengeKey};
use crate::record::Record;

const FORMAT: u8 = 1;
const DOMAIN: &[u8] = b"twofactor/challenge/v1";
const TAG_LEN: usize = 32;
const HEADER_LEN: usize = 1 + 8 + Record::NONCE_LEN;
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
    pub(crate) nonce: [u8; Record::NONCE_LEN],
}

impl ChallengeToken {
    /// The token text, for the cookie.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `base64url(format ‖ expires_at ‖ nonce ‖ user ‖ HMAC-SHA-256(key, domain ‖ format ‖ … ‖ user))`.
    pub(crate) fn issue(key: &ChallengeKey, claims: &Claims) -> Self {
        let mut bytes = Vec::with_capacity(HEADER_LEN + claims.user.len() + TAG_LEN);
        bytes.push(FORMAT);
        bytes.extend_from_slice(&claims.expires_at.to_be_bytes());
        bytes.extend_from_slice(&claims.nonce);
        bytes.extend_from_slice(claims.user.as_bytes());
        let tag = key.tag(&signed(&bytes));
        bytes.extend_from_slice(&tag);
        Self(BASE64URL_NOPAD.encode(&bytes))
    }

    /// Checks the token's authenticity first (in constant time), then reads it and checks that it
    /// has not expired at `now`. Whether it is the user's current challenge is the record's to say.
    pub(crate) fn open(key: &ChallengeKey, token: &str, now: u64) -> Result<Claims, ChallengeError> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err(ChallengeError::Malformed);
        }
        let bytes = BASE64URL_NOPAD
            .decode(token.as_bytes())
            .map_err(|_| ChallengeError::Malformed)?;
        if bytes.len() < HEADER_LEN + TAG_LEN {
            return Err(ChallengeError::Malformed);
        }
        let (body, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        if !key.verify(&signed(body), tag) {
            return Err(ChallengeError::Forged);
        }
        let (&format, rest) = body.split_first().ok_or(ChallengeError::Malformed)?;
        let (expires, rest) = rest.split_first_chunk::<8>().ok_or(ChallengeError::Malformed)?;
        let (nonce, user) = rest
            .split_first_chunk::<{ Record::NONCE_LEN }>()
            .ok_or(ChallengeError::Malformed)?;
        if format != FORMAT {
            return Err(ChallengeError::Malformed);
        }
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

fn signed(body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(DOMAIN.len() + body.len());
    message.extend_from_slice(DOMAIN);
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
        ChallengeKey::new(&[7; 32]).unwrap()
    }

    fn claims() -> Claims {
        Claims {
            user: "alice".into(),
            expires_at: 1_000,
            nonce: [0x5a; Record::NONCE_LEN],
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
            ChallengeToken::open(&key(), token.as_str(), 999).unwrap(),
            claims()
        );
        assert_eq!(
            ChallengeToken::open(&key(), token.as_str(), 1_000),
            Err(ChallengeError::Expired { at: 1_000 })
        );
        assert_eq!(format!("{token:?}"), "ChallengeToken { .. }");
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
                let result = ChallengeToken::open(&key(), &changed, 0);
                assert!(
                    matches!(result, Err(ChallengeError::Forged | ChallengeError::Malformed)),
                    "position {index} → {replacement}: {result:?}"
                );
            }
        }
        for len in 0..text.len() {
            assert!(ChallengeToken::open(&key(), &text[..len], 0).is_err());
        }
    }

    #[test]
    fn another_key_or_garbage_is_refused() {
        let token = ChallengeToken::issue(&key(), &claims());
        let other = ChallengeKey::new(&[8; 32]).unwrap();
        assert_eq!(
            ChallengeToken::open(&other, token.as_str(), 0),
            Err(ChallengeError::Forged)
        );
        for garbage in ["", "!!!", "AAAA", &"A".repeat(5000)] {
            assert_eq!(
                ChallengeToken::open(&key(), garbage, 0),
                Err(ChallengeError::Malformed),
                "{garbage:.10}"
            );
        }
    }
}
