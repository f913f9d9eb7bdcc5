//! Login-challenge tokens as a browser might send them back: never a panic, and no input that
//! was not issued under the key is ever accepted — only `Malformed`, `Forged`, or `UnknownKey`
//! for a token that names a key id the service does not hold (the key id is read before the tag).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeError, ChallengeKey};
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

fuzz_target!(|token: &str| {
    match service().challenge_user(token) {
        Err(Error::Challenge(
            ChallengeError::Malformed | ChallengeError::Forged | ChallengeError::UnknownKey { .. },
        )) => {}
        other => panic!("a token never issued was read as {other:?}"),
    }
});
