//! Secrets sealed at rest through the service: the store never holds a plain secret; a sealed
//! value moved to another user or another field, changed, or sealed under a key the keyring
//! lacks is a typed denial that changes nothing; keys rotate without downtime.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use data_encoding::BASE64URL_NOPAD;
use serde_json::Value;
use twofactor::backup::HmacHasher;
use twofactor::challenge::NoChallengeKey;
use twofactor::seal::{Keyring, SealError, SealedSecret, SealingKey};
use twofactor::store::Record;
use twofactor::{Config, Error, ManualClock, MemoryStore, Secret, Store, Totp, TwoFactor, Via};

type Service = TwoFactor<Arc<MemoryStore>, ManualClock, NoChallengeKey>;

const START: u64 = 1_700_000_000;

fn keyring(id: u32, byte: u8) -> Keyring {
    Keyring::new(SealingKey::new(id, &[byte; 32]).unwrap())
}

fn service(store: &Arc<MemoryStore>, clock: &ManualClock, keyring: Option<Keyring>) -> Service {
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(Arc::clone(store), clock.clone(), config);
    match keyring {
        Some(keyring) => service.with_keyring(keyring),
        None => service,
    }
}

/// Enrolls `user` through `service` and moves the clock a step on; returns the user's app.
async fn enroll(service: &Service, clock: &ManualClock, user: &str) -> (Totp, Secret) {
    let enrollment = service.begin_enrollment(user, "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment(user, &code(&app, clock))
        .await
        .unwrap();
    clock.advance(30);
    (app, enrollment.secret)
}

fn code(app: &Totp, clock: &ManualClock) -> String {
    app.generate(clock.get()).unwrap().to_string()
}

/// A code that matches no step near the clock's.
fn wrong_code(app: &Totp, clock: &ManualClock) -> String {
    let step = app.step(clock.get()).unwrap();
    let near: Vec<String> = (step - 5..=step + 5)
        .map(|step| app.generate_at_step(step).to_string())
        .collect();
    (0..1_000_000u32)
        .map(|n| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .unwrap()
}

async fn stored(store: &MemoryStore, user: &str) -> Record {
    store.load(user).await.unwrap().expect("a record")
}

/// A stored record's sealed secrets, read from its binary form (the layout `Record::encode`
/// documents), so that a test can move them around as someone who can write rows would.
#[derive(Clone, Debug)]
struct Sealed {
    epoch: u64,
    /// The first authenticator's sealed secret and parameters.
    active: Option<(Vec<u8>, Value)>,
    /// The pending enrollment's sealed secret, parameters and expiry.
    pending: Option<(Vec<u8>, Value, u64)>,
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    head
}

fn int(bytes: &mut &[u8], n: usize) -> u64 {
    take(bytes, n)
        .iter()
        .fold(0, |value, &byte| value << 8 | u64::from(byte))
}

fn len(bytes: &mut &[u8], n: usize) -> usize {
    usize::try_from(int(bytes, n)).unwrap()
}

fn sealed_secret(bytes: &mut &[u8]) -> (Vec<u8>, Value) {
    assert_eq!(int(bytes, 1), 1, "a sealed secret");
    let sealed_len = len(bytes, 2);
    let sealed = take(bytes, sealed_len).to_vec();
    let algorithm = ["SHA1", "SHA256", "SHA512"][len(bytes, 1)];
    let params = serde_json::json!({
        "algorithm": algorithm, "digits": int(bytes, 1), "period": int(bytes, 8), "t0": int(bytes, 8),
    });
    (sealed, params)
}

async fn sealed(store: &MemoryStore, user: &str) -> Sealed {
    let record = stored(store, user).await;
    let encoded = record.encode();
    let mut bytes = &encoded[..];
    assert_eq!(take(&mut bytes, 4), b"2FA\x02");
    let user_len = len(&mut bytes, 2);
    take(&mut bytes, user_len);
    let epoch = int(&mut bytes, 8);
    take(&mut bytes, 4);
    let active = (int(&mut bytes, 1) > 0).then(|| {
        take(&mut bytes, 4);
        let label_len = len(&mut bytes, 1);
        take(&mut bytes, label_len);
        sealed_secret(&mut bytes)
    });
    if active.is_some() {
        let last_step = len(&mut bytes, 1);
        take(&mut bytes, 8 * last_step + 16);
        let last_used = len(&mut bytes, 1);
        take(&mut bytes, 8 * last_used);
    }
    let pending = (int(&mut bytes, 1) > 0).then(|| {
        let label_len = len(&mut bytes, 1);
        take(&mut bytes, label_len);
        let (sealed, params) = sealed_secret(&mut bytes);
        (sealed, params, int(&mut bytes, 8))
    });
    Sealed {
        epoch,
        active,
        pending,
    }
}

/// Replaces the stored record of `user` (its version moved on by one) with one holding `parts`,
/// written in the spelled-out form 0.1 wrote, which this release still reads.
async fn replace(store: &MemoryStore, user: &str, parts: &Sealed) {
    let version = stored(store, user).await.version();
    let secret =
        |sealed: &[u8]| serde_json::json!({ "kind": "sealed", "sealed": BASE64URL_NOPAD.encode(sealed) });
    let json = serde_json::json!({
        "user": user, "version": version + 1, "epoch": parts.epoch,
        "active": parts.active.as_ref().map(|(sealed, params)| serde_json::json!({
            "secret": secret(sealed), "params": params, "last_step": null, "drift": 0, "enabled_at": START,
        })),
        "pending": parts.pending.as_ref().map(|(sealed, params, expires_at)| serde_json::json!({
            "secret": secret(sealed), "params": params, "expires_at": expires_at,
        })),
        "code_throttle": { "failures": 0, "blocked_until": 0 },
        "backup_throttle": { "failures": 0, "blocked_until": 0 },
        "backup": null, "challenge": null,
    });
    let record: Record = serde_json::from_value(json).unwrap();
    assert_eq!(
        store.compare_and_swap(version, record.clone()).await.unwrap(),
        twofactor::store::Write::Applied
    );
}

fn seal_error(result: Result<impl std::fmt::Debug, Error>) -> SealError {
    match result {
        Err(Error::Seal(error)) => error,
        other => panic!("expected a sealing error, got {other:?}"),
    }
}

fn holds(bytes: &[u8], secret: &Secret) -> bool {
    let secret = secret.expose_secret();
    bytes.windows(secret.len()).any(|window| window == secret)
}

#[tokio::test]
async fn the_store_never_holds_a_plain_secret() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let keyring = keyring(1, 1);
    let service = service(&store, &clock, Some(keyring.clone()));

    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let pending = stored(&store, "u1").await;
    assert!(!holds(&pending.encode(), &enrollment.secret));
    assert!(!pending.needs_reseal(&keyring));
    assert!(
        sealed(&store, "u1").await.pending.is_some(),
        "the pending secret is sealed"
    );
    let json = serde_json::to_value(&pending).expect("a record without plain secrets serializes");
    assert!(!json.to_string().contains(&*enrollment.secret.to_base32()));

    let app = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment("u1", &code(&app, &clock))
        .await
        .unwrap();
    clock.advance(30);
    assert_eq!(
        service.verify("u1", &code(&app, &clock)).await.unwrap().via,
        Via::Code
    );
    clock.advance(30);
    let wrong = service.verify("u1", &wrong_code(&app, &clock)).await;
    assert!(matches!(wrong, Err(Error::WrongCode { .. })), "{wrong:?}");

    let active = stored(&store, "u1").await;
    assert!(active.is_enabled() && !active.needs_reseal(&keyring));
    assert!(!holds(&active.encode(), &enrollment.secret));
    let parts = sealed(&store, "u1").await;
    assert!(parts.active.is_some() && parts.pending.is_none(), "{parts:?}");
}

#[tokio::test]
async fn an_unchanged_secret_keeps_its_sealed_value_and_a_confirmed_one_is_sealed_anew() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let service = service(&store, &clock, Some(keyring(1, 1)));
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let pending = sealed(&store, "u1").await.pending.unwrap().0;
    let app = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment("u1", &code(&app, &clock))
        .await
        .unwrap();
    let active = sealed(&store, "u1").await.active.unwrap().0;
    // Pending and active are sealed for different purposes: never the same value.
    assert_ne!(pending, active);
    // A login and a failure both write the record; neither reseals the unchanged secret.
    clock.advance(30);
    service.verify("u1", &code(&app, &clock)).await.unwrap();
    service.verify("u1", &wrong_code(&app, &clock)).await.unwrap_err();
    let after = stored(&store, "u1").await;
    assert_eq!((after.version(), after.code_failures()), (4, 1));
    assert_eq!(sealed(&store, "u1").await.active.unwrap().0, active);
}

#[tokio::test]
async fn a_sealed_secret_copied_into_another_users_record_fails_to_open() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let service = service(&store, &clock, Some(keyring(1, 1)));
    let (app, _) = enroll(&service, &clock, "alice").await;
    let (_, _) = enroll(&service, &clock, "bobby").await;

    // Bob's record, with Alice's sealed secret in it: Bob could then log in with Alice's codes.
    let mut bobs = sealed(&store, "bobby").await;
    bobs.active = sealed(&store, "alice").await.active;
    replace(&store, "bobby", &bobs).await;
    let before = stored(&store, "bobby").await;

    let error = seal_error(service.verify("bobby", &code(&app, &clock)).await);
    assert_eq!(error, SealError::Tampered);
    assert!(
        stored(&store, "bobby").await == before,
        "a refused record is not written"
    );
    // Alice is unaffected.
    service.verify("alice", &code(&app, &clock)).await.unwrap();
}

#[tokio::test]
async fn a_pending_secret_moved_into_the_active_field_fails_to_open() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let service = service(&store, &clock, Some(keyring(1, 1)));
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());

    // Enable the enrollment without confirming it, by moving the sealed pending secret.
    let mut parts = sealed(&store, "u1").await;
    let (secret, params, _) = parts.pending.take().unwrap();
    parts.active = Some((secret, params));
    replace(&store, "u1", &parts).await;
    let before = stored(&store, "u1").await;
    assert!(before.is_enabled());

    let error = seal_error(service.verify("u1", &code(&app, &clock)).await);
    assert_eq!(error, SealError::Tampered);
    assert!(stored(&store, "u1").await == before);
}

#[tokio::test]
async fn every_changed_byte_of_a_sealed_secret_is_a_typed_denial() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let service = service(&store, &clock, Some(keyring(1, 1)));
    let (app, _) = enroll(&service, &clock, "u1").await;
    let original = sealed(&store, "u1").await;
    let (sealed, params) = original.active.clone().unwrap();

    for index in 0..sealed.len() {
        let mut changed = sealed.clone();
        changed[index] ^= 0x01;
        if index == 0 {
            // The format byte: not a sealed value at all, refused when read.
            let error = SealedSecret::from_bytes(&changed).unwrap_err();
            assert_eq!(error, SealError::Malformed);
            continue;
        }
        let version = stored(&store, "u1").await.version();
        let parts = Sealed {
            active: Some((changed.clone(), params.clone())),
            ..original.clone()
        };
        replace(&store, "u1", &parts).await;
        let error = seal_error(service.verify("u1", &code(&app, &clock)).await);
        let expected = if (1..5).contains(&index) {
            // A byte of the key id: a key the keyring does not hold.
            let key_id = u32::from_be_bytes(changed[1..5].try_into().unwrap());
            SealError::UnknownKey { key_id }
        } else {
            SealError::Tampered
        };
        assert_eq!(error, expected, "byte {index}");
        assert_eq!(
            stored(&store, "u1").await.version(),
            version + 1,
            "byte {index}: written"
        );
    }
    // Put the original back: the same code now verifies.
    replace(&store, "u1", &original).await;
    service.verify("u1", &code(&app, &clock)).await.unwrap();
}

#[tokio::test]
async fn an_unknown_key_a_wrong_key_and_no_keyring_are_each_refused() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let (app, _) = enroll(&service(&store, &clock, Some(keyring(1, 1))), &clock, "u1").await;
    let before = stored(&store, "u1").await;

    let retired = service(&store, &clock, Some(keyring(2, 2)));
    let error = seal_error(retired.verify("u1", &code(&app, &clock)).await);
    assert_eq!(error, SealError::UnknownKey { key_id: 1 });

    let impostor = service(&store, &clock, Some(keyring(1, 9)));
    let error = seal_error(impostor.verify("u1", &code(&app, &clock)).await);
    assert_eq!(error, SealError::Tampered);

    let unsealed = service(&store, &clock, None);
    let error = seal_error(unsealed.verify("u1", &code(&app, &clock)).await);
    assert_eq!(error, SealError::NoKeyring);
    // Not even a new enrollment or an unlock proceeds over secrets it cannot open.
    assert_eq!(
        seal_error(unsealed.unlock("u1", "operator").await),
        SealError::NoKeyring
    );
    assert_eq!(seal_error(unsealed.reseal("u1").await), SealError::NoKeyring);
    // Status reads no secret and still works.
    assert!(unsealed.status("u1").await.unwrap().enabled);

    assert!(stored(&store, "u1").await == before, "no refusal wrote anything");
    let error = Error::Seal(SealError::UnknownKey { key_id: 1 });
    assert_eq!(error.to_string(), "opening or sealing a secret failed");
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "sealed with key 1, which the keyring does not hold"
    );
}

#[tokio::test]
async fn keys_rotate_on_the_next_write_or_on_demand() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let old = service(&store, &clock, Some(keyring(1, 1)));
    let (alice, _) = enroll(&old, &clock, "alice").await;
    let (bob, _) = enroll(&old, &clock, "bobby").await;

    let rotated_keys = keyring(2, 2)
        .with_old_key(SealingKey::new(1, &[1; 32]).unwrap())
        .unwrap();
    let rotated = service(&store, &clock, Some(rotated_keys.clone()));
    assert!(stored(&store, "alice").await.needs_reseal(&rotated_keys));

    // Alice logs in: her record is resealed under key 2 by that write.
    rotated.verify("alice", &code(&alice, &clock)).await.unwrap();
    assert!(!stored(&store, "alice").await.needs_reseal(&rotated_keys));
    // Bob does not: the rotation job reseals him, once.
    assert!(stored(&store, "bobby").await.needs_reseal(&rotated_keys));
    let version = stored(&store, "bobby").await.version();
    assert!(rotated.reseal("bobby").await.unwrap());
    assert!(!rotated.reseal("bobby").await.unwrap());
    assert!(!rotated.reseal("alice").await.unwrap());
    assert!(!rotated.reseal("nobody").await.unwrap());
    let resealed = stored(&store, "bobby").await;
    assert_eq!(resealed.version(), version + 1);
    assert_eq!(
        (resealed.code_failures(), resealed.epoch()),
        (0, 1),
        "nothing else changed"
    );

    // Key 1 retired: both still log in.
    let retired = service(&store, &clock, Some(keyring(2, 2)));
    clock.advance(30);
    retired.verify("alice", &code(&alice, &clock)).await.unwrap();
    retired.verify("bobby", &code(&bob, &clock)).await.unwrap();
}

#[tokio::test]
async fn plain_records_are_sealed_when_sealing_is_turned_on() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let (app, secret) = enroll(&service(&store, &clock, None), &clock, "u1").await;
    assert!(holds(&stored(&store, "u1").await.encode(), &secret));

    let keys = keyring(1, 1);
    let sealing = service(&store, &clock, Some(keys.clone()));
    assert!(stored(&store, "u1").await.needs_reseal(&keys));
    sealing.verify("u1", &code(&app, &clock)).await.unwrap();
    let record = stored(&store, "u1").await;
    assert!(!record.needs_reseal(&keys));
    assert!(!holds(&record.encode(), &secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_code_raced_from_64_tasks_over_sealed_records_succeeds_once() {
    let (store, clock) = (Arc::new(MemoryStore::new()), ManualClock::new(START));
    let service = Arc::new(service(&store, &clock, Some(keyring(1, 1))));
    let (app, _) = enroll(&service, &clock, "u1").await;
    let code = code(&app, &clock);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (service, code) = (Arc::clone(&service), code.clone());
            tokio::spawn(async move { service.verify("u1", &code).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(Error::Replay { via: Via::Code }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(accepted, 1);
}

#[tokio::test]
async fn a_strict_service_refuses_a_planted_plain_secret_and_writes_nothing() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    // Someone who can write rows but holds no key plants a secret of their choosing.
    let (app, _) = enroll(&service(&store, &clock, None), &clock, "u1").await;
    let planted = store.load("u1").await.unwrap().unwrap();

    let strict = service(&store, &clock, Some(keyring(1, 1))).with_strict_sealing();
    for attempt in [code(&app, &clock), wrong_code(&app, &clock)] {
        let refused = strict.verify("u1", &attempt).await;
        assert!(
            matches!(refused, Err(Error::Seal(SealError::Plain))),
            "{refused:?}"
        );
    }
    let error = strict.verify("u1", &code(&app, &clock)).await.unwrap_err();
    assert_eq!(
        (error.kind(), error.http_status()),
        (twofactor::ErrorKind::Misuse, 500)
    );
    assert_eq!(
        store.load("u1").await.unwrap().unwrap(),
        planted,
        "nothing was written"
    );

    // Without strictness the same row is opened as it is and sealed on its write.
    let lenient = service(&store, &clock, Some(keyring(1, 1)));
    lenient.verify("u1", &code(&app, &clock)).await.unwrap();
    let resealed = store.load("u1").await.unwrap().unwrap();
    assert!(!resealed.needs_reseal(&keyring(1, 1)));
    // Once sealed, the strict service takes it.
    clock.advance(30);
    strict.verify("u1", &code(&app, &clock)).await.unwrap();
}
