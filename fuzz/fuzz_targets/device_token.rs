//! Remembered-device tokens as a browser might send them back: never a panic, and no input that
//! was not issued under the key is ever accepted — only `Malformed`, `Forged`, or `UnknownKey`
//! for a token that names a key id the service does not hold (the key id is read before the tag),
//! and never a store read for a token that is not authentic.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeKey, DeviceProblem};
use twofactor::{Config, Error, ManualClock, MemoryStore, TwoFactor};

fn service() -> &'static TwoFactor<MemoryStore, ManualClock> {
    static SERVICE: OnceLock<TwoFactor<MemoryStore, ManualClock>> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let hasher = HmacHasher::new(1, &[7; 32]).expect("a 32-byte key");
        let config = Config::builder("Fuzz")
            .hasher(hasher)
            .build()
            .expect("a valid config");
        TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config)
            .with_challenge_key(ChallengeKey::new(1, &[9; 32]).expect("a 32-byte key"))
    })
}

/// The output of a future of the memory store, which never waits.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the memory store never waits"),
    }
}

fuzz_target!(|token: &str| {
    match ready(service().verify_remembered("fuzz-user", token)) {
        Err(Error::RememberedDevice(
            DeviceProblem::Malformed | DeviceProblem::Forged | DeviceProblem::UnknownKey { .. },
        )) => {}
        other => panic!("a token never issued was read as {other:?}"),
    }
});
