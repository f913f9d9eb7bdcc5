use core::fmt;

/// The HMAC hash function of a generator (RFC 6238 §1.2).
///
/// SHA-1 is the default because every authenticator app supports it; HMAC-SHA-1 is not affected
/// by SHA-1's collision attacks. Many apps silently ignore SHA-256 and SHA-512.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA-1 (RFC 4226), the default.
    #[default]
    Sha1,
    /// HMAC-SHA-256 (RFC 6238).
    Sha256,
    /// HMAC-SHA-512 (RFC 6238).
    Sha512,
}

impl Algorithm {
    /// Every algorithm, in a fixed order.
    pub const ALL: [Self; 3] = [Self::Sha1, Self::Sha256, Self::Sha512];

    /// The HMAC output length in bytes: the recommended secret length (RFC 6238 §5.1).
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// The name used by `otpauth://` URIs: `SHA1`, `SHA256` or `SHA512`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// Reads a name in any case, with or without a hyphen: `sha1`, `SHA-256`, `Sha512`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|algorithm| {
            let canonical = algorithm.as_str().as_bytes();
            let mut given = name.bytes().filter(|&b| b != b'-');
            canonical
                .iter()
                .all(|&c| given.next().is_some_and(|g| g.eq_ignore_ascii_case(&c)))
                && given.next().is_none()
        })
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
