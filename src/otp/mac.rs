//! The keyed HMAC state of a generator, computed once from the secret.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::Algorithm;

/// HMAC with the inner and outer padded keys already absorbed: a code costs one clone, one
/// compression for the inner hash and one for the outer. Zeroized on drop (the `zeroize`
/// feature of `hmac`), since the state is as good as the key.
#[derive(Clone)]
pub(crate) enum KeyedHmac {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl KeyedHmac {
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(keyed(key)),
            Algorithm::Sha256 => Self::Sha256(keyed(key)),
            Algorithm::Sha512 => Self::Sha512(keyed(key)),
        }
    }

    /// RFC 4226 §5.3 dynamic truncation of HMAC(K, counter): a 31-bit value.
    pub(crate) fn truncated(&self, counter: u64) -> u32 {
        let message = counter.to_be_bytes();
        match self {
            Self::Sha1(mac) => truncate(&mac_once(mac, &message)),
            Self::Sha256(mac) => truncate(&mac_once(mac, &message)),
            Self::Sha512(mac) => truncate(&mac_once(mac, &message)),
        }
    }
}

fn keyed<M: KeyInit>(key: &[u8]) -> M {
    // HMAC takes a key of any length (RFC 2104 §2), so this never fails; the fallback keeps the
    // function total without a panic path.
    M::new_from_slice(key).unwrap_or_else(|_| M::new(&Default::default()))
}

fn mac_once<M: Mac + Clone>(keyed: &M, message: &[u8]) -> hmac::digest::Output<M> {
    let mut mac = keyed.clone();
    mac.update(message);
    mac.finalize().into_bytes()
}

/// Every HMAC output here is at least 20 bytes and the offset at most 15, so `offset + 3` is in
/// range; `get` keeps the function panic-free regardless.
fn truncate(hmac: &[u8]) -> u32 {
    let last = hmac.last().copied().unwrap_or(0);
    let offset = usize::from(last & 0x0f);
    let word = hmac
        .get(offset..offset + 4)
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .unwrap_or([0; 4]);
    u32::from_be_bytes(word) & 0x7fff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4226 Appendix D: the HMAC-SHA-1 values and their dynamic truncations.
    #[test]
    fn rfc4226_intermediate_values_match_appendix_d() {
        let data = include_str!("../../tests/data/rfc4226.tsv");
        let mac = KeyedHmac::new(Algorithm::Sha1, b"12345678901234567890");
        let mut rows = 0;
        for line in data
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("counter"))
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let counter: u64 = cols[0].parse().unwrap();
            let KeyedHmac::Sha1(keyed) = &mac else {
                unreachable!()
            };
            let full = mac_once(keyed, &counter.to_be_bytes());
            let hex: String = full.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, cols[6], "HMAC for counter {counter}");
            assert_eq!(mac.truncated(counter), cols[8].parse::<u32>().unwrap());
            assert_eq!(format!("{:x}", mac.truncated(counter)), cols[7]);
            rows += 1;
        }
        assert_eq!(rows, 10);
    }
}
