//! Generating and verifying codes allocates nothing: a counting global allocator proves it.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use twofactor::otp::{Algorithm, Code, Digits, HotpParams, TotpParams, Window};
use twofactor::{Hotp, Secret, Totp};

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
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
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
