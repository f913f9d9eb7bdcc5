//! Backup codes bound to their user (issue 17, point 3): someone who can write database rows
//! copies one user's backup set into another user's record; the copied codes never sign the
//! other user in, and the set's owner keeps using them.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use twofactor::backup::HmacHasher;
use twofactor::store::{Record, Write};
use twofactor::{Config, Error, ManualClock, MemoryStore, Store, Totp, TwoFactor, Via};

const START: u64 = 1_700_000_010;

type Service = TwoFactor<Arc<MemoryStore>, ManualClock, twofactor::challenge::NoChallengeKey>;

async fn enroll(service: &Service, clock: &ManualClock, user: &str) -> Vec<String> {
    let enrollment = service.begin_enrollment(user, user).await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let code = app.generate(clock.get()).unwrap().to_string();
    let confirmed = service.confirm_enrollment(user, &code).await.unwrap();
    confirmed.backup_codes.expose_codes().map(String::from).collect()
}

/// Where the backup set lies in a record's bytes (`src/record/codec.rs`: a flag, its length,
/// then the set, here bound (format 2) under HMAC-SHA-256 key 1, 16-symbol codes, 10 of them).
fn set_range(bytes: &[u8]) -> std::ops::Range<usize> {
    const LEN: usize = 8 + 16 + 10 * (32 + 9);
    let len = u32::try_from(LEN).unwrap().to_be_bytes();
    let head = [&[1u8][..], &len, &[2, 1, 0, 0, 0, 1, 16, 10]].concat();
    let at = bytes
        .windows(head.len())
        .position(|window| window == head.as_slice())
        .expect("a bound set in the record");
    at + 5..at + 5 + LEN
}

#[tokio::test]
async fn a_set_copied_into_another_users_record_never_verifies_there() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let service: Service = TwoFactor::without_keys(Arc::clone(&store), clock.clone(), config);
    let _alice_codes = enroll(&service, &clock, "alice").await;
    let bob_codes = enroll(&service, &clock, "bob").await;

    // The splice: bob's set, byte for byte, in alice's row.
    let alice = store.load("alice").await.unwrap().unwrap();
    let bob = store.load("bob").await.unwrap().unwrap();
    let (alice_bytes, bob_bytes) = (alice.encode(), bob.encode());
    let mut spliced = alice_bytes.to_vec();
    spliced[set_range(&alice_bytes)].copy_from_slice(&bob_bytes[set_range(&bob_bytes)]);
    let record = Record::decode("alice", alice.version() + 1, &spliced).unwrap();
    assert_eq!(record.backup_codes_remaining(), Some(10));
    assert_eq!(
        store.compare_and_swap(alice.version(), record).await.unwrap(),
        Write::Applied
    );

    for code in &bob_codes[..3] {
        let refused = service.verify("alice", code).await;
        assert!(
            matches!(refused, Err(Error::WrongCode { via: Via::BackupCode })),
            "bob's code in alice's record gave {refused:?}"
        );
    }
    let status = service.status("alice").await.unwrap();
    assert_eq!(
        (status.backup_failures, status.backup_codes_remaining),
        (3, Some(10))
    );
    // Bob's own record is untouched, and his codes work there.
    let verified = service.verify("bob", &bob_codes[0]).await.unwrap();
    assert_eq!(verified.via, Via::BackupCode);
}
