//! Memory, seen by the global allocator: generating and verifying codes allocates nothing, and
//! no block freed while a record is encoded, decoded, sealed or opened still holds its secret.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use std::task::{Context, Poll, Waker};

use twofactor::backup::HmacHasher;
use twofactor::otp::{Algorithm, Code, Digits, HotpParams, TotpParams, Window};
use twofactor::seal::{Keyring, Purpose, SealingKey};
use twofactor::store::Record;
use twofactor::{Config, Hotp, ManualClock, MemoryStore, Secret, Store, Totp, TwoFactor};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls on this thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: a live block of `layout.size()` bytes, about to be freed.
        unsafe { inspect(ptr, layout.size()) };
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // A block that moves is freed with its old contents: inspected as a free, conservatively
        // for every growth (the system allocator may move it).
        if new_size > layout.size() {
            // SAFETY: a live block of `layout.size()` bytes.
            unsafe { inspect(ptr, layout.size()) };
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The bytes a freed block must not hold, while set: the secret under test.
const NEEDLE_LEN: usize = 20;

thread_local! {
    static NEEDLE: Cell<Option<[u8; NEEDLE_LEN]>> = const { Cell::new(None) };
    static FREED_WITH_NEEDLE: Cell<usize> = const { Cell::new(0) };
}

/// Counts a block about to be freed that still holds the needle.
///
/// # Safety
/// `ptr` points to `size` readable bytes.
unsafe fn inspect(ptr: *const u8, size: usize) {
    let Some(needle) = NEEDLE.with(Cell::get) else {
        return;
    };
    // SAFETY: the caller's contract.
    let block = unsafe { std::slice::from_raw_parts(ptr, size) };
    if block.windows(NEEDLE_LEN).any(|window| window == needle) {
        FREED_WITH_NEEDLE.with(|count| count.set(count.get() + 1));
    }
}

/// How many blocks freed during `f` still held `needle`.
fn freed_holding(needle: [u8; NEEDLE_LEN], f: impl FnOnce()) -> usize {
    let before = FREED_WITH_NEEDLE.with(Cell::get);
    NEEDLE.with(|cell| cell.set(Some(needle)));
    f();
    NEEDLE.with(|cell| cell.set(None));
    FREED_WITH_NEEDLE.with(Cell::get) - before
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn building_generating_and_verifying_allocate_nothing() {
    for algorithm in Algorithm::ALL {
        let count = allocations_during(|| {
            let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
            let params = TotpParams::builder()
                .algorithm(algorithm)
                .digits(8)
                .build()
                .unwrap();
            let totp = Totp::new(&secret, params);
            let code = totp.generate(1_111_111_109).unwrap();
            let parsed = Code::parse("0708 1804", Digits::Eight).unwrap();
            let _ = totp.verify_code(&parsed, 1_111_111_109, Window::DEFAULT, 0, None);
            let _ = totp.verify("07081804", 1_111_111_109, Window::new(10, 10).unwrap(), Some(5));
            let _ = totp.resync("07081804", "14050471", 1_111_111_109, 100, None);
            let hotp = Hotp::new(
                &secret,
                HotpParams {
                    algorithm,
                    digits: Digits::Six,
                },
            );
            let _ = hotp.verify("755224", 0, 10);
            std::hint::black_box(code);
        });
        assert_eq!(count, 0, "{algorithm}");
    }
}

#[test]
fn the_counter_sees_allocations() {
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 10]))) >= 1);
}

/// A record with a plain secret and a backup-code set, as a store keeps it, and its secret.
fn stored_record() -> (Record, Secret) {
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    let enrollment = ready(service.begin_enrollment("u1", "alice")).unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let code = app.generate(clock.get()).unwrap().to_string();
    ready(service.confirm_enrollment("u1", &code)).unwrap();
    let record = ready(service.store().load("u1")).unwrap().unwrap();
    (record, enrollment.secret)
}

fn ready<F: Future>(future: F) -> F::Output {
    match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the memory store never waits"),
    }
}

#[test]
fn no_freed_block_holds_a_secret_after_encode_decode_seal_and_open() {
    let (record, secret) = stored_record();
    let needle: [u8; NEEDLE_LEN] = secret.expose_secret().try_into().unwrap();
    let keyring = Keyring::new(SealingKey::new(1, &[9; 32]).unwrap());
    let leaked = freed_holding(needle, || {
        let bytes = record.encode();
        assert!(
            bytes.windows(NEEDLE_LEN).any(|window| window == needle),
            "the plain secret is encoded"
        );
        let decoded = Record::decode("u1", record.version(), &bytes).unwrap();
        assert_eq!(decoded, record);
        drop(bytes);
        drop(decoded);
        let sealed = keyring.seal(&secret, "u1", Purpose::Active).unwrap();
        let opened = keyring.open(&sealed, "u1", Purpose::Active).unwrap();
        assert_eq!(opened, secret);
        drop(opened);
    });
    assert_eq!(leaked, 0, "{leaked} freed blocks still held the secret");
}

#[test]
fn the_inspector_sees_a_freed_secret() {
    let needle = *b"0123456789abcdefghij";
    let leaked = freed_holding(needle, || {
        let mut grown = Vec::with_capacity(NEEDLE_LEN);
        grown.extend_from_slice(&needle);
        grown.extend_from_slice(&[0; 100]); // moves, freeing the first block as it was
        drop(std::hint::black_box(grown));
    });
    assert!(leaked >= 1);
}
