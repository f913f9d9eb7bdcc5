//! A 256-bit key in a file beside the database, for a first run on one's own machine: read if
//! it is there, created (mode 0600, never overwritten) if not. In production the keys come from
//! the environment instead (`sealing.rs`, `challenge_key.rs`).

use std::fmt;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::Path;

use data_encoding::HEXLOWER_PERMISSIVE;
use zeroize::Zeroizing;

/// The length of a key, in bytes (64 hex characters).
pub(crate) const KEY_LEN: usize = 32;

/// Why a key could not be loaded: the application does not start. Names variables and files,
/// never a key.
#[derive(Debug)]
pub(crate) struct KeyError(pub(crate) String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// What a key is for, for the messages: "a sealing key", and the variable that replaces the file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyKind {
    pub(crate) name: &'static str,
    pub(crate) variable: &'static str,
    /// What is lost without it, for the message when the file is not a key.
    pub(crate) restore: &'static str,
}

/// A key from 64 hex characters (surrounding white space ignored). `from` names where the text
/// was, for the error.
pub(crate) fn from_hex(kind: KeyKind, hex: &str, from: &str) -> Result<Zeroizing<[u8; KEY_LEN]>, KeyError> {
    let malformed = || {
        KeyError(format!(
            "{from} is not {}: it must be {} hex characters",
            kind.name,
            KEY_LEN * 2
        ))
    };
    let bytes = Zeroizing::new(
        HEXLOWER_PERMISSIVE
            .decode(hex.trim().as_bytes())
            .map_err(|_| malformed())?,
    );
    let mut key = Zeroizing::new([0; KEY_LEN]);
    if bytes.len() != KEY_LEN {
        return Err(malformed());
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}

/// The most bytes a key file is read to: the hex key and room for white space around it.
const MAX_FILE: usize = 2 * KEY_LEN + 64;

/// The first bytes of `path` (at most [`MAX_FILE`]; a longer file reads as `MAX_FILE` bytes,
/// which no key is) in a buffer of fixed size, wiped when dropped: a growing buffer, as
/// `read_to_string` may use, would leave copies of the key in the memory it frees.
fn read_fixed(path: &Path) -> std::io::Result<(Zeroizing<[u8; MAX_FILE]>, usize)> {
    let mut file = std::fs::File::open(path)?;
    let mut buffer = Zeroizing::new([0; MAX_FILE]);
    let mut len = 0;
    while len < MAX_FILE {
        match file.read(&mut buffer[len..]) {
            Ok(0) => break,
            Ok(read) => len += read,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok((buffer, len))
}

/// The key in `path`, and whether it was created now.
pub(crate) fn read_or_create(
    kind: KeyKind,
    path: &Path,
) -> Result<(Zeroizing<[u8; KEY_LEN]>, bool), KeyError> {
    let shown = path.display();
    match read_fixed(path) {
        Ok((buffer, len)) => {
            warn_if_readable_by_others(path);
            // Not UTF-8, or longer than a key and white space: not a key.
            let text = buffer
                .get(..len)
                .and_then(|text| std::str::from_utf8(text).ok())
                .unwrap_or("");
            let key = from_hex(kind, text, &shown.to_string()).map_err(|error| {
                KeyError(format!(
                    "{error}. It is never overwritten: restore {}, or set {}",
                    kind.restore, kind.variable
                ))
            })?;
            return Ok((key, false));
        }
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => return Err(KeyError(format!("cannot read {shown}: {error}"))),
    }
    let mut options = OpenOptions::new();
    // `create_new`: never overwrite a key file, even one made a moment ago by another start.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::AlreadyExists => return read_or_create(kind, path),
        Err(error) => return Err(KeyError(format!("cannot create {shown}: {error}"))),
    };
    let mut key = Zeroizing::new([0; KEY_LEN]);
    getrandom::fill(&mut key[..]).map_err(|error| KeyError(error.to_string()))?;
    // The hex text and its newline in a buffer of fixed size, wiped when dropped.
    let mut text = Zeroizing::new([b'\n'; 2 * KEY_LEN + 1]);
    HEXLOWER_PERMISSIVE.encode_mut(&key[..], &mut text[..2 * KEY_LEN]);
    file.write_all(&text[..])
        .and_then(|()| file.sync_all())
        .map_err(|error| KeyError(format!("cannot write {shown}: {error}")))?;
    Ok((key, true))
}

/// A key file that others can read is worth a warning (not a refusal: the owner decides).
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: {} can be read by other users: chmod 600 it",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
