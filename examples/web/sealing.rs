//! The keyring that seals the TOTP secrets in the database, and the pass that reseals old
//! records at start.
//!
//! The database outlives the process, so the sealing key must too: a key drawn at each start
//! would leave every record unreadable after a restart. The key comes from
//! `TWOFACTOR_WEB_SEALING_KEY` (64 hex characters; its id from `TWOFACTOR_WEB_SEALING_KEY_ID`,
//! default 1) — in production, put there by the secret store. Without it, for a first run on
//! one's own machine, the key is read from `<database>.sealing-key` beside the database, and
//! that file is created (mode 0600, never overwritten) when missing. Its key has id 1.
//!
//! Rotation: the new key becomes current, the old one is kept to open what it sealed, and every
//! record is resealed. `TWOFACTOR_WEB_OLD_SEALING_KEY` (and `…_OLD_SEALING_KEY_ID`, default 1)
//! holds the old key; at each start the application reseals every user's record that needs it
//! (`TwoFactor::reseal`) and says whether the old key is still needed. A real application with
//! many users runs that pass as a background job; every write reseals a record too.

use std::path::{Path, PathBuf};

use twofactor::seal::{Keyring, SealingKey};
use zeroize::Zeroizing;

use crate::Failure;
use crate::key_file::{self, KeyError, KeyKind};
use crate::state::Service;
use crate::users::Users;

/// The current key, 64 hex characters.
const KEY_VAR: &str = "TWOFACTOR_WEB_SEALING_KEY";
/// The current key's id (default 1).
const KEY_ID_VAR: &str = "TWOFACTOR_WEB_SEALING_KEY_ID";
/// During a rotation: the previous key, kept to open what it sealed.
const OLD_KEY_VAR: &str = "TWOFACTOR_WEB_OLD_SEALING_KEY";
/// The previous key's id (default 1).
const OLD_KEY_ID_VAR: &str = "TWOFACTOR_WEB_OLD_SEALING_KEY_ID";
/// The id of a key given without one, and of the key file's key.
const DEFAULT_KEY_ID: u32 = 1;

/// The keyring, and where its keys came from (to print: never a key).
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) keyring: Keyring,
    pub(crate) sources: Vec<String>,
}

/// The file that holds the key when the environment does not: `<database>.sealing-key`.
pub(crate) fn key_file(database: &str) -> PathBuf {
    PathBuf::from(format!("{database}.sealing-key"))
}

/// The keyring from the environment, or else from the key file beside `database` (created at a
/// first run).
pub(crate) fn load(database: &str) -> Result<Loaded, KeyError> {
    let mut sources = Vec::new();
    let current = if let Some(hex) = env_secret(KEY_VAR)? {
        let id = key_id(KEY_ID_VAR)?;
        sources.push(format!("sealing key {id}: from {KEY_VAR}"));
        key_from_hex(id, &hex, KEY_VAR)?
    } else {
        if std::env::var_os(KEY_ID_VAR).is_some() {
            return Err(KeyError(format!("{KEY_ID_VAR} is set but {KEY_VAR} is not")));
        }
        let path = key_file(database);
        let (key, created) = from_file(&path)?;
        sources.push(if created {
            format!(
                "sealing key {DEFAULT_KEY_ID}: created {} (local use only; keep it with the database: without it the 2FA records cannot be read)",
                path.display()
            )
        } else {
            format!("sealing key {DEFAULT_KEY_ID}: from {}", path.display())
        });
        key
    };
    let mut keyring = Keyring::new(current);
    if let Some(hex) = env_secret(OLD_KEY_VAR)? {
        let id = key_id(OLD_KEY_ID_VAR)?;
        let old = key_from_hex(id, &hex, OLD_KEY_VAR)?;
        keyring = keyring.with_old_key(old).map_err(|error| {
            KeyError(format!(
                "{OLD_KEY_VAR}: {error} (give the old key the id it had, the new one another)"
            ))
        })?;
        sources.push(format!(
            "sealing key {id}: from {OLD_KEY_VAR}, only to open what it sealed"
        ));
    } else if std::env::var_os(OLD_KEY_ID_VAR).is_some() {
        return Err(KeyError(format!(
            "{OLD_KEY_ID_VAR} is set but {OLD_KEY_VAR} is not"
        )));
    }
    Ok(Loaded { keyring, sources })
}

/// Reseals, under the current key, every user's record that holds a secret sealed under an
/// older key or a plain one (from before sealing was turned on). Returns the line to print.
pub(crate) async fn reseal_all(service: &Service, users: &Users, current: u32) -> Result<String, Failure> {
    let mut resealed = 0_usize;
    let mut failed = 0_usize;
    for user in users.two_factor_ids().await? {
        match service.reseal(&user).await {
            Ok(wrote) => resealed += usize::from(wrote),
            Err(error) => {
                eprintln!("sealing: the record of {user} cannot be resealed: {error}");
                failed += 1;
            }
        }
    }
    let records = |count: usize| if count == 1 { "record" } else { "records" };
    Ok(if failed == 0 {
        format!(
            "sealed at rest: every record under key {current} ({resealed} {} resealed now)",
            records(resealed)
        )
    } else {
        format!(
            "sealed at rest: {failed} {} could not be resealed under key {current} (see above): keep the old key, or restore the key they were sealed with",
            records(failed)
        )
    })
}

/// The value of `name`, kept out of logs and zeroized when dropped; `None` if unset.
fn env_secret(name: &str) -> Result<Option<Zeroizing<String>>, KeyError> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(Zeroizing::new(value))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(KeyError(format!("{name} is not text"))),
    }
}

/// The key id in `name`, or the default.
fn key_id(name: &str) -> Result<u32, KeyError> {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|_| KeyError(format!("{name} must be a number from 0 to 4294967295"))),
        Err(_) => Ok(DEFAULT_KEY_ID),
    }
}

/// What the sealing key is, for the key file's messages.
const KIND: KeyKind = KeyKind {
    name: "a sealing key",
    variable: KEY_VAR,
    restore: "the key the database was sealed with",
};

/// A key from 64 hex characters (surrounding white space ignored). `from` names where the text
/// was, for the error.
fn key_from_hex(id: u32, hex: &str, from: &str) -> Result<SealingKey, KeyError> {
    let bytes = key_file::from_hex(KIND, hex, from)?;
    SealingKey::new(id, &bytes[..]).map_err(|error| KeyError(error.to_string()))
}

/// The key in `path`, and whether it was created now.
fn from_file(path: &Path) -> Result<(SealingKey, bool), KeyError> {
    let (bytes, created) = key_file::read_or_create(KIND, path)?;
    let key = SealingKey::new(DEFAULT_KEY_ID, &bytes[..]).map_err(|error| KeyError(error.to_string()))?;
    Ok((key, created))
}
