//! The key that signs the login challenges and the remembered-browser tokens.
//!
//! A remembered browser stays remembered for 30 days, so the key that signs its token must
//! outlive a restart: from `TWOFACTOR_WEB_CHALLENGE_KEY` (64 hex characters; in production, from
//! the secret store, the same for every instance), or else from `<database>.challenge-key`,
//! created at a first run (mode 0600, never overwritten). Replacing it ends the sign-ins in
//! progress and forgets every remembered browser; the 2FA records and the sessions stay.

use std::path::PathBuf;

use twofactor::challenge::ChallengeKey;

use crate::key_file::{self, KeyError, KeyKind};

/// The key, 64 hex characters.
const KEY_VAR: &str = "TWOFACTOR_WEB_CHALLENGE_KEY";
/// The key's id in the tokens.
const KEY_ID: u32 = 1;

const KIND: KeyKind = KeyKind {
    name: "a challenge key",
    variable: KEY_VAR,
    restore: "it (or delete it: every remembered browser is then forgotten)",
};

/// The file that holds the key when the environment does not: `<database>.challenge-key`.
pub(crate) fn key_file(database: &str) -> PathBuf {
    PathBuf::from(format!("{database}.challenge-key"))
}

/// The key, and where it came from (to print: never the key).
pub(crate) fn load(database: &str) -> Result<(ChallengeKey, String), KeyError> {
    let (bytes, source) = match std::env::var(KEY_VAR) {
        Ok(hex) => {
            let hex = zeroize::Zeroizing::new(hex);
            (
                key_file::from_hex(KIND, &hex, KEY_VAR)?,
                format!("challenge key: from {KEY_VAR}"),
            )
        }
        Err(std::env::VarError::NotUnicode(_)) => return Err(KeyError(format!("{KEY_VAR} is not text"))),
        Err(std::env::VarError::NotPresent) => {
            let path = key_file(database);
            let (bytes, created) = key_file::read_or_create(KIND, &path)?;
            let verb = if created { "created" } else { "from" };
            (bytes, format!("challenge key: {verb} {}", path.display()))
        }
    };
    let key = ChallengeKey::new(KEY_ID, &bytes[..]).map_err(|error| KeyError(error.to_string()))?;
    Ok((key, source))
}
