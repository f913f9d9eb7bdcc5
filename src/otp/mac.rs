//! The keyed HMAC state of a generator, computed once from the secret.
//!
//! An OTP's HMAC message is the 8-byte counter, so with the inner and outer padded keys already
//! absorbed, HMAC(K, C) is exactly two calls of the hash's compression function: one over
//! `C ‖ padding` from the inner state, one over `inner digest ‖ padding` from the outer state
//! (RFC 2104 §2, FIPS 180-4 §5.1). The `hmac` crate computes the same value through a buffered,
//! general-purpose wrapper that costs about 2.8× the two calls (BENCHMARKS.md); the bar
//! is 1.6×, so the two final blocks are laid out here, on RustCrypto's compression functions.
//! Unit tests check every algorithm against the `hmac` crate and RFC 4226 Appendix D.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::Algorithm;

/// A state word of a hash function, written big-endian into its digest.
trait Word: Copy + Zeroize {
    const BYTES: usize;
    const ZERO: Self;
    /// The padding marker `0x80` as the first byte of a word.
    const MARKER: Self;
    fn low_byte(self) -> u8;
    fn widen(self) -> u128;
    /// The big-endian bytes of one 16-byte lane of words, as the two `u64` halves that hold
    /// them in memory order (bytes 0..8 and 8..16, each read little-endian).
    fn lane(words: &[Self]) -> [u64; 2];
}

impl Word for u32 {
    const BYTES: usize = 4;
    const ZERO: Self = 0;
    const MARKER: Self = 0x8000_0000;
    fn low_byte(self) -> u8 {
        self.to_be_bytes()[3]
    }
    fn widen(self) -> u128 {
        u128::from(self)
    }
    fn lane(words: &[Self]) -> [u64; 2] {
        let half = |i: usize| {
            let word = |j| u64::from(words.get(j).map_or(0, |w: &u32| w.swap_bytes()));
            word(i) | (word(i + 1) << 32)
        };
        [half(0), half(2)]
    }
}

impl Word for u64 {
    const BYTES: usize = 8;
    const ZERO: Self = 0;
    const MARKER: Self = 0x8000_0000_0000_0000;
    fn low_byte(self) -> u8 {
        self.to_be_bytes()[7]
    }
    fn widen(self) -> u128 {
        u128::from(self)
    }
    fn lane(words: &[Self]) -> [u64; 2] {
        let word = |j| words.get(j).map_or(0, |w: &u64| w.swap_bytes());
        [word(0), word(1)]
    }
}

/// Writes the inner digest and the padding marker into the outer final block, big-endian, one
/// 16-byte lane at a time (see [`store_lane`]).
#[inline]
fn write_lanes<W: Word>(words: &[W; 16], message_bytes: usize, block: &mut [u8]) {
    let lanes = (message_bytes + 1).div_ceil(16);
    block
        .chunks_exact_mut(16)
        .zip(words.chunks_exact(16 / W::BYTES))
        .take(lanes)
        .for_each(|(out, words)| {
            if let Some(out) = out.first_chunk_mut() {
                store_lane(out, W::lane(words));
            }
        });
}

/// Writes a 16-byte lane of a block, given as its two little-endian halves, in one store.
///
/// The compression functions read a block in 16-byte loads right after it is written. A load
/// whose bytes come from more than one recent store (two 8-byte halves, or a counter written over
/// a copied template) cannot be forwarded from the store buffer: it waits until the stores reach
/// the cache, and on SHA-NI that wait cost nearly as much as the two compressions (BENCHMARKS.md).
/// Built in general registers, the lane is stored as two scalar halves whatever the Rust source
/// says, so on x86-64 it is built as one SSE2 value (SSE2 is part of the baseline) and stored
/// whole: one 16-byte store, which forwards. `safe_arch` wraps the two intrinsics safely.
#[cfg(target_arch = "x86_64")]
#[inline]
fn store_lane(out: &mut [u8; 16], [low, high]: [u64; 2]) {
    let signed = |half: u64| i64::from_ne_bytes(half.to_ne_bytes());
    safe_arch::store_unaligned_m128i(out, safe_arch::set_i64_m128i(signed(high), signed(low)));
}

/// Writes a 16-byte lane of a block, given as its two little-endian halves.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn store_lane(out: &mut [u8; 16], [low, high]: [u64; 2]) {
    let (first, second) = out.split_at_mut(8);
    first.copy_from_slice(&low.to_le_bytes());
    second.copy_from_slice(&high.to_le_bytes());
}

/// One hash function's compression function and constants. For SHA-1, SHA-256 and SHA-512 the
/// digest is the whole final state, written big-endian.
trait Engine {
    type Word: Word;
    type State: Copy + Zeroize + AsRef<[Self::Word]>;
    type Block: Copy + Zeroize + AsRef<[u8]> + AsMut<[u8]>;
    /// FIPS 180-4 initial hash value.
    const IV: Self::State;
    const ZERO_BLOCK: Self::Block;
    /// Bytes of the big-endian bit length that ends the padding.
    const LENGTH_BYTES: usize;
    fn compress(state: &mut Self::State, block: &Self::Block);
    /// HMAC's key preparation (RFC 2104 §2): a key longer than the block is replaced by its hash;
    /// either way it is zero-padded to the block.
    fn prepare_key(key: &[u8], out: &mut Self::Block);

    fn digest_len() -> usize {
        Self::IV.as_ref().len() * Self::Word::BYTES
    }
}

struct Sha1Engine;
struct Sha256Engine;
struct Sha512Engine;

impl Engine for Sha1Engine {
    type Word = u32;
    type State = [u32; 5];
    type Block = [u8; 64];
    const IV: Self::State = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0];
    const ZERO_BLOCK: Self::Block = [0; 64];
    const LENGTH_BYTES: usize = 8;
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha1::block_api::compress(state, core::slice::from_ref(block));
    }
    fn prepare_key(key: &[u8], out: &mut Self::Block) {
        copy_or_hash::<Sha1>(key, out);
    }
}

impl Engine for Sha256Engine {
    type Word = u32;
    type State = [u32; 8];
    type Block = [u8; 64];
    const IV: Self::State = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const ZERO_BLOCK: Self::Block = [0; 64];
    const LENGTH_BYTES: usize = 8;
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress256(state, core::slice::from_ref(block));
    }
    fn prepare_key(key: &[u8], out: &mut Self::Block) {
        copy_or_hash::<Sha256>(key, out);
    }
}

impl Engine for Sha512Engine {
    type Word = u64;
    type State = [u64; 8];
    type Block = [u8; 128];
    const IV: Self::State = [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ];
    const ZERO_BLOCK: Self::Block = [0; 128];
    const LENGTH_BYTES: usize = 16;
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress512(state, core::slice::from_ref(block));
    }
    fn prepare_key(key: &[u8], out: &mut Self::Block) {
        copy_or_hash::<Sha512>(key, out);
    }
}

fn copy_or_hash<D: Digest>(key: &[u8], out: &mut [u8]) {
    if key.len() > out.len() {
        let mut hashed = D::digest(key);
        out.iter_mut().zip(hashed.iter()).for_each(|(o, h)| *o = *h);
        hashed.zeroize();
    } else {
        out.iter_mut().zip(key).for_each(|(o, k)| *o = *k);
    }
}

/// The states after absorbing `K ⊕ ipad` and `K ⊕ opad` (as good as the key, so zeroized on
/// drop), and the two final blocks with their constant padding already laid out: a code only
/// writes the counter into the first and the inner digest into the second.
struct Pads<E: Engine> {
    inner: E::State,
    outer: E::State,
    inner_block: E::Block,
    outer_block: E::Block,
}

impl<E: Engine> Pads<E> {
    fn new(key: &[u8]) -> Self {
        let mut block = E::ZERO_BLOCK;
        E::prepare_key(key, &mut block);
        let mut inner = E::IV;
        let mut outer = E::IV;
        block.as_mut().iter_mut().for_each(|b| *b ^= 0x36);
        E::compress(&mut inner, &block);
        block.as_mut().iter_mut().for_each(|b| *b ^= 0x36 ^ 0x5c);
        E::compress(&mut outer, &block);
        block.zeroize();
        Self {
            inner,
            outer,
            inner_block: padded_block::<E>(COUNTER_BYTES),
            outer_block: padded_block::<E>(E::digest_len()),
        }
    }

    /// The inner hash's final block for `counter`: the template with its first lane,
    /// `counter ‖ 0x80 ‖ 0…` (every block is longer than 16 bytes), written in one store.
    #[inline]
    fn set_counter(block: &mut E::Block, counter: u64) {
        if let Some(lane) = block.as_mut().first_chunk_mut() {
            store_lane(lane, [counter.swap_bytes(), FIRST_LANE_HIGH]);
        }
    }

    /// The outer hash's final block for the inner hash's final state: the template (already in
    /// `block`) with the inner digest and the padding marker written in.
    #[inline]
    fn set_inner_digest(block: &mut E::Block, inner: &E::State) {
        let inner_digest = inner.as_ref();
        let mut words = [E::Word::ZERO; 16];
        words.iter_mut().zip(inner_digest).for_each(|(o, w)| *o = *w);
        if let Some(marker) = words.get_mut(inner_digest.len()) {
            *marker = E::Word::MARKER;
        }
        write_lanes(&words, E::digest_len(), block.as_mut());
    }

    /// Truncated HMAC(K, counter) of each counter in turn, passed to `visit`, `N` codes at a time.
    ///
    /// A code is two compressions, the second needing the first's result, and on SHA-NI each
    /// compression is one long chain of dependent instructions. Codes are independent of each
    /// other, so a batch runs every inner compression, then every outer one, then the visits:
    /// the CPU overlaps the chains of neighbouring codes instead of waiting out each code in turn.
    /// Every counter of a batch costs the same work, so the batching reveals nothing.
    #[inline]
    fn truncate_each<const N: usize, T: Copy>(
        &self,
        mut counters: impl Iterator<Item = (u64, T)>,
        mut visit: impl FnMut(u64, T, u32),
    ) {
        loop {
            let mut batch = [None; N];
            let mut len = 0;
            for (slot, item) in batch.iter_mut().zip(counters.by_ref()) {
                *slot = Some(item);
                len += 1;
            }
            if len == 0 {
                return;
            }
            let mut blocks = [self.inner_block; N];
            blocks
                .iter_mut()
                .zip(batch.iter().flatten())
                .for_each(|(block, &(counter, _))| Self::set_counter(block, counter));
            let mut states = [self.inner; N];
            states
                .iter_mut()
                .zip(&blocks)
                .take(len)
                .for_each(|(state, block)| E::compress(state, block));
            let mut blocks = [self.outer_block; N];
            blocks
                .iter_mut()
                .zip(&states)
                .take(len)
                .for_each(|(block, state)| Self::set_inner_digest(block, state));
            let mut digests = [self.outer; N];
            digests
                .iter_mut()
                .zip(&blocks)
                .take(len)
                .for_each(|(digest, block)| E::compress(digest, block));
            batch
                .iter()
                .flatten()
                .zip(&digests)
                .for_each(|(&(counter, tag), digest)| visit(counter, tag, truncate(digest.as_ref())));
            if len < N {
                return;
            }
        }
    }

    #[cfg(test)]
    fn mac(&self, counter: u64) -> E::State {
        let mut block = self.inner_block;
        Self::set_counter(&mut block, counter);
        let mut state = self.inner;
        E::compress(&mut state, &block);
        let mut block = self.outer_block;
        Self::set_inner_digest(&mut block, &state);
        let mut digest = self.outer;
        E::compress(&mut digest, &block);
        digest
    }
}

const COUNTER_BYTES: usize = 8;

/// Codes computed side by side by [`KeyedHmac::truncate_each`]: the default window (±1) is one
/// batch, and a longer range is split into batches of this many.
const BATCH: usize = 3;

/// Bytes 8..16 of the inner final block, read little-endian: the padding marker right after the
/// 8-byte counter, then zeros.
const FIRST_LANE_HIGH: u64 = 0x80;

/// A final block for a message of `len` bytes that follows one full block:
/// `message ‖ 0x80 ‖ 0… ‖ bit length` (FIPS 180-4 §5.1), with the message bytes left zero.
fn padded_block<E: Engine>(len: usize) -> E::Block {
    let mut block = E::ZERO_BLOCK;
    let block_len = block.as_ref().len();
    let bits = ((block_len + len) as u64) * 8;
    if let Some(marker) = block.as_mut().get_mut(len) {
        *marker = 0x80;
    }
    let tail = block_len - E::LENGTH_BYTES;
    let length = bits.to_be_bytes();
    block
        .as_mut()
        .iter_mut()
        .skip(tail + E::LENGTH_BYTES - length.len())
        .zip(length)
        .for_each(|(b, l)| *b = l);
    block
}

impl<E: Engine> Clone for Pads<E> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner,
            outer: self.outer,
            inner_block: self.inner_block,
            outer_block: self.outer_block,
        }
    }
}

impl<E: Engine> Drop for Pads<E> {
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
    Sha1(Pads<Sha1Engine>),
    Sha256(Pads<Sha256Engine>),
    Sha512(Pads<Sha512Engine>),
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
    pub(crate) fn truncate_each<T: Copy>(
        &self,
        counters: impl Iterator<Item = (u64, T)>,
        visit: impl FnMut(u64, T, u32),
    ) {
        match &self.0 {
            Keyed::Sha1(pads) => pads.truncate_each::<BATCH, T>(counters, visit),
            Keyed::Sha256(pads) => pads.truncate_each::<BATCH, T>(counters, visit),
            Keyed::Sha512(pads) => pads.truncate_each::<BATCH, T>(counters, visit),
        }
    }

    /// The dynamic truncation of HMAC(K, counter) for one counter.
    pub(crate) fn truncated(&self, counter: u64) -> u32 {
        let mut value = 0;
        let once = core::iter::once((counter, ()));
        let visit = |_, (), truncated| value = truncated;
        match &self.0 {
            Keyed::Sha1(pads) => pads.truncate_each::<1, ()>(once, visit),
            Keyed::Sha256(pads) => pads.truncate_each::<1, ()>(once, visit),
            Keyed::Sha512(pads) => pads.truncate_each::<1, ()>(once, visit),
        }
        value
    }

    #[cfg(test)]
    fn full(&self, counter: u64) -> Vec<u8> {
        match &self.0 {
            Keyed::Sha1(pads) => digest_bytes(pads.mac(counter).as_ref()),
            Keyed::Sha256(pads) => digest_bytes(pads.mac(counter).as_ref()),
            Keyed::Sha512(pads) => digest_bytes(pads.mac(counter).as_ref()),
        }
    }
}

/// RFC 4226 §5.3 dynamic truncation, read straight from the digest's words: the offset `o` is
/// the low nibble of the last byte, and the 31-bit value is the big-endian bytes `o ..= o + 3`,
/// which span at most two consecutive words.
#[inline]
fn truncate<W: Word>(words: &[W]) -> u32 {
    let offset = usize::from(words.last().map_or(0, |word| word.low_byte()) & 0x0f);
    let index = offset / W::BYTES;
    let high = words.get(index).map_or(0, |word| word.widen());
    let low = words.get(index + 1).map_or(0, |word| word.widen());
    let pair = (high << (W::BYTES * 8)) | low;
    let shift = 2 * W::BYTES * 8 - 32 - (offset % W::BYTES) * 8;
    ((pair >> shift) & 0x7fff_ffff) as u32
}

#[cfg(test)]
fn digest_bytes<W: Word>(words: &[W]) -> Vec<u8> {
    words
        .iter()
        .flat_map(|word| word.widen().to_be_bytes().into_iter().skip(16 - W::BYTES))
        .collect()
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

    /// Ranges shorter than, equal to and longer than a batch: every counter visited once, in
    /// order, with its own tag and the value a single computation gives.
    #[test]
    fn truncate_each_visits_every_counter_of_every_batch_in_order() {
        for algorithm in Algorithm::ALL {
            let mac = KeyedHmac::new(algorithm, b"12345678901234567890");
            for len in 0..=3 * BATCH + 1 {
                let counters = (0..len).map(|i| (u64::MAX - 3 * BATCH as u64 - 1 + i as u64, i));
                let mut seen = Vec::new();
                mac.truncate_each(counters.clone(), |counter, tag, value| {
                    seen.push((counter, tag, value));
                });
                let expected: Vec<_> = counters.map(|(c, i)| (c, i, mac.truncated(c))).collect();
                assert_eq!(seen, expected, "{algorithm} {len}");
            }
        }
    }

    /// `set_counter` writes the first lane whole, so its constant half must be the template's.
    #[test]
    fn first_lane_constant_matches_every_template() {
        fn high<E: Engine>() -> [u8; 8] {
            let block = padded_block::<E>(COUNTER_BYTES);
            let mut high = [0; 8];
            high.copy_from_slice(&block.as_ref()[8..16]);
            high
        }
        let expected = FIRST_LANE_HIGH.to_le_bytes();
        assert_eq!(high::<Sha1Engine>(), expected);
        assert_eq!(high::<Sha256Engine>(), expected);
        assert_eq!(high::<Sha512Engine>(), expected);
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
