//! The keyed HMAC state of a generator, computed once from the secret.
//!
//! An OTP's HMAC message is the 8-byte counter, so with the inner and outer padded keys already
//! absorbed, HMAC(K, C) is exactly two calls of the hash's compression function: one over
//! `C ‖ padding` from the inner state, one over `inner digest ‖ padding` from the outer state
//! (RFC 2104 §2, FIPS 180-4 §5.1). So the two final blocks are laid out here, in plain Rust, on
//! RustCrypto's compression functions: the `hmac` crate, keyed once and cloned per code, computes
//! the same value through its buffered wrapper, and a ±1 verification on it cost 2.0× six bare
//! SHA-1 compressions, over the 1.8× bar, against 1.5–1.65× here (BENCHMARKS.md). Unit tests
//! check every algorithm against the `hmac` crate and RFC 4226 Appendix D.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::Algorithm;

/// A state word of a hash function, written big-endian into its digest.
trait Word: Copy {
    const BYTES: usize;
    /// Byte `index` (0 is the most significant) of the word.
    fn byte(self, index: usize) -> u8;
    fn write(self, out: &mut [u8]);
}

impl Word for u32 {
    const BYTES: usize = 4;
    fn byte(self, index: usize) -> u8 {
        self.to_be_bytes().get(index).copied().unwrap_or(0)
    }
    fn write(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_be_bytes());
    }
}

impl Word for u64 {
    const BYTES: usize = 8;
    fn byte(self, index: usize) -> u8 {
        self.to_be_bytes().get(index).copied().unwrap_or(0)
    }
    fn write(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_be_bytes());
    }
}

/// One hash function's compression function and initial state. For SHA-1, SHA-256 and SHA-512
/// the digest is the whole final state, written big-endian.
trait Hash {
    type Word: Word;
    type State: Copy + Zeroize + AsRef<[Self::Word]>;
    type Block: Copy + Zeroize + AsRef<[u8]> + AsMut<[u8]>;
    /// FIPS 180-4 initial hash value.
    const IV: Self::State;
    const ZERO: Self::Block;
    /// The whole hash function, for keys longer than a block.
    type Hasher: Digest;
    fn compress(state: &mut Self::State, block: &Self::Block);
}

#[derive(Clone)]
struct Sha1Hash;
#[derive(Clone)]
struct Sha256Hash;
#[derive(Clone)]
struct Sha512Hash;

impl Hash for Sha1Hash {
    type Word = u32;
    type State = [u32; 5];
    type Block = [u8; 64];
    const IV: Self::State = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0];
    const ZERO: Self::Block = [0; 64];
    type Hasher = Sha1;
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha1::block_api::compress(state, core::slice::from_ref(block));
    }
}

impl Hash for Sha256Hash {
    type Word = u32;
    type State = [u32; 8];
    type Block = [u8; 64];
    #[rustfmt::skip]
    const IV: Self::State = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ];
    const ZERO: Self::Block = [0; 64];
    type Hasher = Sha256;
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress256(state, core::slice::from_ref(block));
    }
}

impl Hash for Sha512Hash {
    type Word = u64;
    type State = [u64; 8];
    type Block = [u8; 128];
    #[rustfmt::skip]
    const IV: Self::State = [
        0x6a09_e667_f3bc_c908, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b, 0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1, 0x9b05_688c_2b3e_6c1f, 0x1f83_d9ab_fb41_bd6b, 0x5be0_cd19_137e_2179,
    ];
    const ZERO: Self::Block = [0; 128];
    type Hasher = Sha512;
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress512(state, core::slice::from_ref(block));
    }
}

/// The states after absorbing `K ⊕ ipad` and `K ⊕ opad`: as good as the key, so zeroized on drop.
#[derive(Clone)]
struct Pads<H: Hash> {
    inner: H::State,
    outer: H::State,
}

impl<H: Hash> Pads<H> {
    fn new(key: &[u8]) -> Self {
        // RFC 2104 §2: a key longer than the block is replaced by its hash; either way it is
        // zero-padded to the block.
        let mut block = H::ZERO;
        if key.len() > block.as_ref().len() {
            let mut hashed = H::Hasher::digest(key);
            block
                .as_mut()
                .iter_mut()
                .zip(hashed.iter())
                .for_each(|(b, h)| *b = *h);
            hashed.zeroize();
        } else {
            block.as_mut().iter_mut().zip(key).for_each(|(b, k)| *b = *k);
        }
        let (mut inner, mut outer) = (H::IV, H::IV);
        block.as_mut().iter_mut().for_each(|b| *b ^= 0x36);
        H::compress(&mut inner, &block);
        block.as_mut().iter_mut().for_each(|b| *b ^= 0x36 ^ 0x5c);
        H::compress(&mut outer, &block);
        block.zeroize();
        Self { inner, outer }
    }

    /// HMAC(K, counter): the final state of the outer hash, which is the digest's words.
    #[inline]
    fn mac(&self, counter: u64) -> H::State {
        let mut block = H::ZERO;
        block.as_mut()[..8].copy_from_slice(&counter.to_be_bytes());
        let mut inner = self.inner;
        H::compress(&mut inner, &padded::<H>(block, 8));
        let mut block = H::ZERO;
        let words = inner.as_ref();
        block
            .as_mut()
            .chunks_exact_mut(H::Word::BYTES)
            .zip(words)
            .for_each(|(out, word)| word.write(out));
        let mut outer = self.outer;
        H::compress(&mut outer, &padded::<H>(block, words.len() * H::Word::BYTES));
        outer
    }
}

/// A final block for a message of `len` bytes (already written) that follows one full block:
/// `message ‖ 0x80 ‖ 0… ‖ bit length` (FIPS 180-4 §5.1).
#[inline]
fn padded<H: Hash>(mut block: H::Block, len: usize) -> H::Block {
    let bytes = block.as_mut();
    let bits = ((bytes.len() + len) as u64) * 8;
    if let Some(marker) = bytes.get_mut(len) {
        *marker = 0x80;
    }
    if let Some(length) = bytes.last_chunk_mut() {
        *length = bits.to_be_bytes();
    }
    block
}

impl<H: Hash> Drop for Pads<H> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// A generator's HMAC, keyed once.
#[derive(Clone)]
pub(crate) struct KeyedHmac(Keyed);

#[derive(Clone)]
enum Keyed {
    Sha1(Pads<Sha1Hash>),
    Sha256(Pads<Sha256Hash>),
    Sha512(Pads<Sha512Hash>),
}

impl ZeroizeOnDrop for KeyedHmac {}

impl KeyedHmac {
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        Self(match algorithm {
            Algorithm::Sha1 => Keyed::Sha1(Pads::new(key)),
            Algorithm::Sha256 => Keyed::Sha256(Pads::new(key)),
            Algorithm::Sha512 => Keyed::Sha512(Pads::new(key)),
        })
    }

    /// RFC 4226 §5.3 dynamic truncation of HMAC(K, counter), a 31-bit value, for each counter in
    /// turn: `visit(counter, tag, value)`, where `tag` travels with its counter.
    pub(crate) fn truncate_each<T>(
        &self,
        counters: impl Iterator<Item = (u64, T)>,
        mut visit: impl FnMut(u64, T, u32),
    ) {
        match &self.0 {
            Keyed::Sha1(pads) => counters.for_each(|(c, tag)| visit(c, tag, truncate(&pads.mac(c)))),
            Keyed::Sha256(pads) => counters.for_each(|(c, tag)| visit(c, tag, truncate(&pads.mac(c)))),
            Keyed::Sha512(pads) => counters.for_each(|(c, tag)| visit(c, tag, truncate(&pads.mac(c)))),
        }
    }

    /// The dynamic truncation of HMAC(K, counter) for one counter.
    pub(crate) fn truncated(&self, counter: u64) -> u32 {
        match &self.0 {
            Keyed::Sha1(pads) => truncate(&pads.mac(counter)),
            Keyed::Sha256(pads) => truncate(&pads.mac(counter)),
            Keyed::Sha512(pads) => truncate(&pads.mac(counter)),
        }
    }

    #[cfg(test)]
    fn full(&self, counter: u64) -> Vec<u8> {
        fn bytes<W: Word>(words: &[W]) -> Vec<u8> {
            words
                .iter()
                .flat_map(|w| (0..W::BYTES).map(|i| w.byte(i)))
                .collect()
        }
        match &self.0 {
            Keyed::Sha1(pads) => bytes(&pads.mac(counter)),
            Keyed::Sha256(pads) => bytes(&pads.mac(counter)),
            Keyed::Sha512(pads) => bytes(&pads.mac(counter)),
        }
    }
}

/// RFC 4226 §5.3 dynamic truncation, read from the digest's words: the offset is the low nibble
/// of the last byte, and the value the 31 low bits of the big-endian bytes `offset ..= offset + 3`.
#[inline]
fn truncate<W: Word>(words: &[W]) -> u32 {
    let byte = |i: usize| words.get(i / W::BYTES).map_or(0, |w| w.byte(i % W::BYTES));
    let offset = usize::from(byte(words.len() * W::BYTES - 1) & 0x0f);
    u32::from_be_bytes([byte(offset), byte(offset + 1), byte(offset + 2), byte(offset + 3)]) & 0x7fff_ffff
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, KeyInit, Mac};
    use proptest::prelude::*;

    use super::*;

    fn reference(algorithm: Algorithm, key: &[u8], counter: u64) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], counter: u64) -> Vec<u8> {
            let mut mac = <M as KeyInit>::new_from_slice(key).unwrap();
            mac.update(&counter.to_be_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        match algorithm {
            Algorithm::Sha1 => run::<Hmac<Sha1>>(key, counter),
            Algorithm::Sha256 => run::<Hmac<Sha256>>(key, counter),
            Algorithm::Sha512 => run::<Hmac<Sha512>>(key, counter),
        }
    }

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
            let hex: String = mac.full(counter).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, cols[6], "HMAC for counter {counter}");
            assert_eq!(mac.truncated(counter), cols[8].parse::<u32>().unwrap());
            assert_eq!(format!("{:x}", mac.truncated(counter)), cols[7]);
            rows += 1;
        }
        assert_eq!(rows, 10);
    }

    /// Keys of every length class: shorter than a block, exactly a block, longer (hashed).
    #[test]
    fn agrees_with_the_hmac_crate_at_block_boundaries() {
        for algorithm in Algorithm::ALL {
            for len in [0, 1, 20, 63, 64, 65, 127, 128, 129, 200] {
                let key: Vec<u8> = (0..=255u8).cycle().step_by(7).take(len).collect();
                let mac = KeyedHmac::new(algorithm, &key);
                for counter in [0, 1, u64::from(u32::MAX) + 1, u64::MAX] {
                    assert_eq!(
                        mac.full(counter),
                        reference(algorithm, &key, counter),
                        "{algorithm} {len}"
                    );
                }
            }
        }
    }

    /// Every counter visited once, in order, with its own tag and the value `truncated` gives.
    #[test]
    fn truncate_each_visits_every_counter_in_order() {
        for algorithm in Algorithm::ALL {
            let mac = KeyedHmac::new(algorithm, b"12345678901234567890");
            for len in 0..=5u64 {
                let counters = (0..len).map(|i| (u64::MAX - 5 + i, i));
                let mut seen = Vec::new();
                mac.truncate_each(counters.clone(), |counter, tag, value| {
                    seen.push((counter, tag, value));
                });
                let expected: Vec<_> = counters.map(|(c, i)| (c, i, mac.truncated(c))).collect();
                assert_eq!(seen, expected, "{algorithm} {len}");
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_hmac_crate(key in proptest::collection::vec(any::<u8>(), 0..300), counter: u64) {
            for algorithm in Algorithm::ALL {
                prop_assert_eq!(KeyedHmac::new(algorithm, &key).full(counter), reference(algorithm, &key, counter));
            }
        }
    }
}
