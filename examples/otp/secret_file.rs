//! Files that hold secrets — the server keys, an import file's users' secrets — read into one
//! buffer allocated at the file's size and wiped when dropped: a buffer that grows while reading
//! would leave copies of what it held in the memory it frees.

use std::fs::File;
use std::io::{self, Read as _};
use std::path::Path;

use zeroize::Zeroizing;

/// The text of `path`, wiped when dropped.
pub(crate) fn read(path: &Path) -> io::Result<Zeroizing<String>> {
    let mut file = File::open(path)?;
    let size = usize::try_from(file.metadata()?.len()).unwrap_or(0);
    // One byte more than the size, so that reading to the end needs no second allocation.
    let mut bytes = Zeroizing::new(Vec::with_capacity(size.saturating_add(1)));
    file.read_to_end(&mut bytes)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))?;
    let mut owned = Zeroizing::new(String::with_capacity(text.len()));
    owned.push_str(text);
    Ok(owned)
}
