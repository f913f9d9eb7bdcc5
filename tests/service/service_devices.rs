//! Remembered devices through the service: a token stands in for the code step while it is
//! authentic, unexpired, not revoked and at its epoch; a sign-in on it writes its last use once
//! and leaves both failure counters alone; every change of the second factor forgets every
//! device; the oldest is evicted past the limit; a changed byte, another user's token, a login
//! challenge or a token under a dropped key is refused; keys rotate as for challenges.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use data_encoding::BASE64URL_NOPAD;
use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeError, ChallengeKey, ChallengeKeyring, DeviceProblem};
use twofactor::events::{CollectEvents, Event, EventKind};
use twofactor::policy::{LabelProblem, Policy};
use twofactor::store::Record;
use twofactor::{Config, Error, ErrorKind, ManualClock, MemoryStore, Store, Totp, TwoFactor, Via};

type Service = TwoFactor<Arc<MemoryStore>, ManualClock>;

const START: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

struct Setup {
    store: Arc<MemoryStore>,
    clock: ManualClock,
    events: Arc<CollectEvents>,
    service: Service,
    app: Totp,
}

fn key(id: u32) -> ChallengeKey {
    ChallengeKey::new(id, &[u8::try_from(id).unwrap(); 32]).unwrap()
}

fn config(policy: Policy) -> Config {
    Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .policy(policy)
        .build()
        .unwrap()
}

/// A service over `store` with `keys` and `policy`, sharing `clock` and `events`.
fn service_with(
    store: &Arc<MemoryStore>,
    clock: &ManualClock,
    events: &Arc<CollectEvents>,
    keys: impl Into<ChallengeKeyring>,
    policy: Policy,
) -> Service {
    TwoFactor::without_keys(Arc::clone(store), clock.clone(), config(policy))
        .with_challenge_key(keys)
        .with_events(Arc::clone(events))
}

/// `u1` enrolled under `policy`, the clock a step on, the events so far taken.
async fn enrolled_with(policy: Policy) -> Setup {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let events = Arc::new(CollectEvents::new());
    let service = service_with(&store, &clock, &events, key(1), policy);
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment("u1", &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    clock.advance(30);
    let _ = events.take();
    Setup {
        store,
        clock,
        events,
        service,
        app,
    }
}

async fn enrolled() -> Setup {
    enrolled_with(Policy::DEFAULT).await
}

impl Setup {
    fn code(&self) -> String {
        self.app.generate(self.clock.get()).unwrap().to_string()
    }

    /// A code that matches no step near the clock's.
    fn wrong_code(&self) -> String {
        let step = self.app.step(self.clock.get()).unwrap();
        let near: Vec<String> = (step - 5..=step + 5)
            .map(|step| self.app.generate_at_step(step).to_string())
            .collect();
        (0..)
            .map(|n| format!("{n:06}"))
            .find(|code| !near.contains(code))
            .unwrap()
    }

    async fn record(&self) -> Record {
        self.store.load("u1").await.unwrap().unwrap()
    }
}

fn problem<T: std::fmt::Debug>(result: Result<T, Error>) -> DeviceProblem {
    match result {
        Err(Error::RememberedDevice(problem)) => problem,
        other => panic!("expected a refused remembered device, got {other:?}"),
    }
}

/// The token's bytes after its `tfd1.` prefix.
fn bytes(token: &str) -> Vec<u8> {
    BASE64URL_NOPAD
        .decode(token.strip_prefix("tfd1.").unwrap().as_bytes())
        .unwrap()
}

fn token_of(bytes: &[u8]) -> String {
    format!("tfd1.{}", BASE64URL_NOPAD.encode(bytes))
}

#[tokio::test]
async fn a_remembered_device_signs_in_without_a_code_and_its_use_is_written_once() {
    let setup = enrolled().await;
    let token = setup
        .service
        .remember_device("u1", "Firefox on Linux")
        .await
        .unwrap();
    let remembered = setup.record().await;
    setup.clock.advance(3 * DAY);
    let signed_in = setup
        .service
        .verify_remembered("u1", token.as_str())
        .await
        .unwrap();
    assert_eq!(signed_in.device.label, "Firefox on Linux");
    assert_eq!(
        (signed_in.device.created_at, signed_in.device.last_used_at),
        (START + 30, START + 30 + 3 * DAY)
    );
    assert_eq!(signed_in.device.expires_at, START + 30 + 30 * DAY);
    assert_eq!(signed_in.epoch, remembered.epoch());
    let after = setup.record().await;
    assert_eq!(
        after.version(),
        remembered.version() + 1,
        "one write for one sign-in"
    );
    assert_eq!(after.epoch(), remembered.epoch());
    let listed = setup.service.remembered_devices("u1").await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&signed_in.device));
    // Again, later: still remembered (the lifetime counts from when it was remembered).
    setup.clock.advance(DAY);
    let again = setup
        .service
        .verify_remembered("u1", token.as_str())
        .await
        .unwrap();
    assert_eq!(again.device.last_used_at, START + 30 + 4 * DAY);
}

#[tokio::test]
async fn a_remembered_sign_in_leaves_both_failure_counters_as_they_were() {
    let setup = enrolled().await;
    let token = setup.service.remember_device("u1", "Laptop").await.unwrap();
    let wrong = setup.wrong_code();
    for _ in 0..2 {
        assert!(matches!(
            setup.service.verify("u1", &wrong).await,
            Err(Error::WrongCode { via: Via::Code })
        ));
    }
    assert!(matches!(
        setup.service.verify("u1", "0000-0000-0000-0000").await,
        Err(Error::WrongCode { via: Via::BackupCode })
    ));
    let before = setup.service.status("u1").await.unwrap();
    assert_eq!((before.code_failures, before.backup_failures), (2, 1));
    setup
        .service
        .verify_remembered("u1", token.as_str())
        .await
        .unwrap();
    let after = setup.service.status("u1").await.unwrap();
    assert_eq!((after.code_failures, after.backup_failures), (2, 1));
    assert_eq!(
        (after.codes, after.backup_codes),
        (before.codes, before.backup_codes)
    );
    // A code does clear them: the counters were live.
    setup.service.verify("u1", &setup.code()).await.unwrap();
    assert_eq!(setup.service.status("u1").await.unwrap().code_failures, 0);
}

#[tokio::test]
async fn disabling_or_regenerating_forgets_every_device_through_the_epoch() {
    let setup = enrolled().await;
    let laptop = setup.service.remember_device("u1", "Laptop").await.unwrap();
    let phone = setup.service.remember_device("u1", "Phone").await.unwrap();
    let regenerated = setup
        .service
        .regenerate_backup_codes("u1", &setup.code())
        .await
        .unwrap();
    for token in [&laptop, &phone] {
        assert_eq!(
            problem(setup.service.verify_remembered("u1", token.as_str()).await),
            DeviceProblem::EpochMoved
        );
    }
    assert!(setup.service.remembered_devices("u1").await.unwrap().is_empty());

    // A device remembered after the regeneration works until the second factor is disabled.
    let tablet = setup.service.remember_device("u1", "Tablet").await.unwrap();
    setup
        .service
        .verify_remembered("u1", tablet.as_str())
        .await
        .unwrap();
    let backup = regenerated.backup_codes.expose_code(0).unwrap();
    setup.service.disable("u1", backup).await.unwrap();
    assert_eq!(
        problem(setup.service.verify_remembered("u1", tablet.as_str()).await),
        DeviceProblem::EpochMoved
    );
    assert!(setup.service.remembered_devices("u1").await.unwrap().is_empty());
    // Without a second factor there is none to remember a device for.
    assert!(matches!(
        setup.service.remember_device("u1", "Laptop").await,
        Err(Error::NotEnrolled)
    ));

    // Enrolled again: the epoch moved on once more, and the old tokens stay refused.
    let enrollment = setup.service.begin_enrollment("u1", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, setup.service.config().params());
    setup.clock.advance(30);
    setup
        .service
        .confirm_enrollment("u1", &app.generate(setup.clock.get()).unwrap().to_string())
        .await
        .unwrap();
    for token in [&laptop, &phone, &tablet] {
        assert_eq!(
            problem(setup.service.verify_remembered("u1", token.as_str()).await),
            DeviceProblem::EpochMoved
        );
    }
}

#[tokio::test]
async fn a_device_is_remembered_until_the_second_its_lifetime_ends() {
    let policy = Policy::builder()
        .device_ttl(Policy::MIN_DEVICE_TTL)
        .build()
        .unwrap();
    let setup = enrolled_with(policy).await;
    let token = setup.service.remember_device("u1", "Kiosk").await.unwrap();
    let expires_at = setup.clock.get() + 3_600;
    setup.clock.set(expires_at - 1);
    setup
        .service
        .verify_remembered("u1", token.as_str())
        .await
        .unwrap();
    setup.clock.set(expires_at);
    let before = setup.record().await;
    assert_eq!(
        problem(setup.service.verify_remembered("u1", token.as_str()).await),
        DeviceProblem::Expired { at: expires_at }
    );
    assert_eq!(
        setup.record().await.version(),
        before.version(),
        "nothing written"
    );
    assert!(setup.service.remembered_devices("u1").await.unwrap().is_empty());
}

#[tokio::test]
async fn past_the_limit_the_oldest_device_is_evicted_and_its_token_refused() {
    let policy = Policy::builder().max_remembered_devices(3).build().unwrap();
    let setup = enrolled_with(policy).await;
    let mut tokens = Vec::new();
    for label in ["first", "second", "third", "fourth"] {
        tokens.push(setup.service.remember_device("u1", label).await.unwrap());
        setup.clock.advance(60);
    }
    assert_eq!(
        problem(setup.service.verify_remembered("u1", tokens[0].as_str()).await),
        DeviceProblem::Revoked
    );
    for token in &tokens[1..] {
        setup
            .service
            .verify_remembered("u1", token.as_str())
            .await
            .unwrap();
    }
    let labels: Vec<String> = setup
        .service
        .remembered_devices("u1")
        .await
        .unwrap()
        .into_iter()
        .map(|device| device.label)
        .collect();
    assert_eq!(labels, ["second", "third", "fourth"]);
    let evictions: Vec<(String, bool)> = setup
        .events
        .take()
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::DeviceRevoked { label, evicted, .. } => Some((label, evicted)),
            _ => None,
        })
        .collect();
    assert_eq!(evictions, [("first".to_owned(), true)]);
    // A fifth evicts the second.
    setup.service.remember_device("u1", "fifth").await.unwrap();
    assert_eq!(
        problem(setup.service.verify_remembered("u1", tokens[1].as_str()).await),
        DeviceProblem::Revoked
    );
    setup
        .service
        .verify_remembered("u1", tokens[2].as_str())
        .await
        .unwrap();
}

#[tokio::test]
async fn revoking_one_device_or_all_refuses_their_tokens_from_that_write_on() {
    let setup = enrolled().await;
    let laptop = setup.service.remember_device("u1", "Laptop").await.unwrap();
    let phone = setup.service.remember_device("u1", "Phone").await.unwrap();
    let tablet = setup.service.remember_device("u1", "Tablet").await.unwrap();
    let epoch = setup.record().await.epoch();
    let listed = setup.service.remembered_devices("u1").await.unwrap();
    let phone_id = listed
        .iter()
        .find(|device| device.label == "Phone")
        .unwrap()
        .id
        .clone();
    let _ = setup.events.take();

    assert!(setup.service.revoke_device("u1", &phone_id).await.unwrap());
    assert_eq!(
        problem(setup.service.verify_remembered("u1", phone.as_str()).await),
        DeviceProblem::Revoked
    );
    setup
        .service
        .verify_remembered("u1", laptop.as_str())
        .await
        .unwrap();
    assert!(!setup.service.revoke_device("u1", &phone_id).await.unwrap());
    assert!(!setup.service.revoke_device("u1", "not an id").await.unwrap());
    assert!(!setup.service.revoke_device("nobody", &phone_id).await.unwrap());

    assert_eq!(setup.service.revoke_all_devices("u1").await.unwrap(), 2);
    for token in [&laptop, &tablet] {
        assert_eq!(
            problem(setup.service.verify_remembered("u1", token.as_str()).await),
            DeviceProblem::Revoked
        );
    }
    assert_eq!(setup.service.revoke_all_devices("u1").await.unwrap(), 0);
    assert!(setup.service.remembered_devices("u1").await.unwrap().is_empty());
    // Revoking is no change of the second factor: the epoch stays, codes still work.
    assert_eq!(setup.record().await.epoch(), epoch);
    setup.service.verify("u1", &setup.code()).await.unwrap();

    let kinds: Vec<EventKind> = setup.events.take().into_iter().map(|event| event.kind).collect();
    let revoked: Vec<&EventKind> = kinds
        .iter()
        .filter(|kind| {
            matches!(
                kind,
                EventKind::DeviceRevoked { .. } | EventKind::AllDevicesRevoked { .. }
            )
        })
        .collect();
    assert_eq!(
        revoked,
        [
            &EventKind::DeviceRevoked {
                device: phone_id,
                label: "Phone".into(),
                evicted: false
            },
            &EventKind::AllDevicesRevoked { count: 2 },
        ]
    );
}

#[tokio::test]
async fn every_single_byte_change_of_a_token_is_refused_and_nothing_is_written() {
    let setup = enrolled().await;
    let token = setup.service.remember_device("u1", "Laptop").await.unwrap();
    let before = setup.record().await;
    let original = bytes(token.as_str());
    for index in 0..original.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut changed = original.clone();
            changed[index] ^= flip;
            let refused = problem(setup.service.verify_remembered("u1", &token_of(&changed)).await);
            // Bytes 0 to 3 are the key id: a changed one names a key the service does not hold.
            match refused {
                DeviceProblem::Forged => {}
                DeviceProblem::UnknownKey { .. } if index < 4 => {}
                other => panic!("byte {index} ^ {flip:#04x}: {other:?}"),
            }
        }
    }
    // The prefix, each character changed, and the token cut short or lengthened.
    let text = token.as_str();
    for index in 0..5 {
        let mut changed: Vec<char> = text.chars().collect();
        changed[index] = if changed[index] == 'x' { 'y' } else { 'x' };
        let changed: String = changed.into_iter().collect();
        assert_eq!(
            problem(setup.service.verify_remembered("u1", &changed).await),
            DeviceProblem::Malformed,
            "{changed:.8}"
        );
    }
    for cut in [1, 2, 10, 43] {
        let refused = problem(
            setup
                .service
                .verify_remembered("u1", &text[..text.len() - cut])
                .await,
        );
        assert!(
            matches!(refused, DeviceProblem::Forged | DeviceProblem::Malformed),
            "cut {cut}: {refused:?}"
        );
    }
    let longer = token_of(&[original.as_slice(), b"x"].concat());
    assert_eq!(
        problem(setup.service.verify_remembered("u1", &longer).await),
        DeviceProblem::Forged
    );
    for garbage in ["", "tfd1.", "not a token", &"A".repeat(5000)] {
        assert_eq!(
            problem(setup.service.verify_remembered("u1", garbage).await),
            DeviceProblem::Malformed
        );
    }
    let after = setup.record().await;
    assert_eq!(after.version(), before.version(), "a refusal writes nothing");
    assert_eq!((after.code_failures(), after.backup_failures()), (0, 0));
    setup.service.verify_remembered("u1", text).await.unwrap();
}

#[tokio::test]
async fn another_users_token_is_refused_for_this_user() {
    let setup = enrolled().await;
    let enrollment = setup.service.begin_enrollment("u2", "bob").await.unwrap();
    let app = Totp::new(&enrollment.secret, setup.service.config().params());
    setup
        .service
        .confirm_enrollment("u2", &app.generate(setup.clock.get()).unwrap().to_string())
        .await
        .unwrap();
    let bobs = setup.service.remember_device("u2", "Bob's laptop").await.unwrap();
    assert_eq!(
        problem(setup.service.verify_remembered("u1", bobs.as_str()).await),
        DeviceProblem::OtherUser
    );
    setup
        .service
        .verify_remembered("u2", bobs.as_str())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_login_challenge_is_no_device_token_and_a_device_token_no_login_challenge() {
    let setup = enrolled().await;
    let challenge = setup.service.issue_challenge("u1").await.unwrap();
    let device = setup.service.remember_device("u1", "Laptop").await.unwrap();
    // A challenge offered as a device token, as is or with the device prefix put in front.
    assert_eq!(
        problem(setup.service.verify_remembered("u1", challenge.as_str()).await),
        DeviceProblem::Malformed
    );
    // (Too short here to be read as one; the unit tests of `challenge::device` take one long
    // enough to the tag check, which refuses it.)
    let prefixed = format!("tfd1.{}", challenge.as_str());
    assert!(matches!(
        problem(setup.service.verify_remembered("u1", &prefixed).await),
        DeviceProblem::Malformed | DeviceProblem::Forged | DeviceProblem::UnknownKey { .. }
    ));
    // A device token offered as a challenge, as is or without its prefix.
    let code = setup.code();
    let refused = setup
        .service
        .verify_with_challenge("u1", device.as_str(), &code)
        .await;
    assert!(
        matches!(refused, Err(Error::Challenge(ChallengeError::Malformed))),
        "{refused:?}"
    );
    let bare = device.as_str().strip_prefix("tfd1.").unwrap();
    let refused = setup.service.verify_with_challenge("u1", bare, &code).await;
    assert!(
        matches!(
            refused,
            Err(Error::Challenge(
                ChallengeError::Malformed | ChallengeError::Forged | ChallengeError::UnknownKey { .. }
            ))
        ),
        "{refused:?}"
    );
    assert!(setup.service.challenge_user(device.as_str()).is_err());
    // Neither was spent or counted: both still work for what they are.
    assert_eq!(setup.service.status("u1").await.unwrap().code_failures, 0);
    setup
        .service
        .verify_remembered("u1", device.as_str())
        .await
        .unwrap();
    setup
        .service
        .verify_with_challenge("u1", challenge.as_str(), &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_token_under_an_old_key_still_held_verifies_and_under_a_dropped_one_is_refused() {
    let setup = enrolled().await;
    let under_one = setup.service.remember_device("u1", "Laptop").await.unwrap();
    assert_eq!(bytes(under_one.as_str())[..4], 1u32.to_be_bytes());

    // The deploy that puts key 2 in front and keeps key 1.
    let rotated_keys = ChallengeKeyring::new(key(2)).with_old_key(key(1)).unwrap();
    let rotated = service_with(
        &setup.store,
        &setup.clock,
        &setup.events,
        rotated_keys,
        Policy::DEFAULT,
    );
    rotated.verify_remembered("u1", under_one.as_str()).await.unwrap();
    let under_two = rotated.remember_device("u1", "Phone").await.unwrap();
    assert_eq!(bytes(under_two.as_str())[..4], 2u32.to_be_bytes());
    // The instance not yet deployed does not know key 2.
    assert_eq!(
        problem(setup.service.verify_remembered("u1", under_two.as_str()).await),
        DeviceProblem::UnknownKey { key_id: 2 }
    );

    // The deploy that drops key 1.
    let dropped = service_with(&setup.store, &setup.clock, &setup.events, key(2), Policy::DEFAULT);
    assert_eq!(
        problem(dropped.verify_remembered("u1", under_one.as_str()).await),
        DeviceProblem::UnknownKey { key_id: 1 }
    );
    dropped.verify_remembered("u1", under_two.as_str()).await.unwrap();
    // Key 1's bytes under id 2 are another key.
    let mut relabelled = bytes(under_one.as_str());
    relabelled[..4].copy_from_slice(&2u32.to_be_bytes());
    assert_eq!(
        problem(dropped.verify_remembered("u1", &token_of(&relabelled)).await),
        DeviceProblem::Forged
    );
}

#[tokio::test]
async fn remembering_needs_a_second_factor_and_a_label_that_can_be_stored() {
    let setup = enrolled().await;
    assert!(matches!(
        setup.service.remember_device("nobody", "Laptop").await,
        Err(Error::NotEnrolled)
    ));
    let before = setup.record().await;
    let long = "x".repeat(Record::MAX_LABEL_LEN + 1);
    let refused = setup.service.remember_device("u1", &long).await.unwrap_err();
    assert!(matches!(
        refused,
        Error::InvalidLabel(LabelProblem::TooLong { len: 65 })
    ));
    assert_eq!((refused.kind(), refused.http_status()), (ErrorKind::Refused, 400));
    assert!(matches!(
        setup.service.remember_device("u1", "Laptop\u{0}").await,
        Err(Error::InvalidLabel(LabelProblem::Control))
    ));
    assert_eq!(
        setup.record().await.version(),
        before.version(),
        "nothing written"
    );
    setup
        .service
        .remember_device("u1", &"x".repeat(Record::MAX_LABEL_LEN))
        .await
        .unwrap();
    assert!(matches!(
        setup.service.remember_device("", "Laptop").await,
        Err(Error::InvalidUser)
    ));
}

#[tokio::test]
async fn every_refusal_asks_for_a_code_and_its_event_names_the_device_never_the_token() {
    let setup = enrolled().await;
    let token = setup.service.remember_device("u1", "Laptop").await.unwrap();
    let id = setup.service.remembered_devices("u1").await.unwrap()[0]
        .id
        .clone();
    setup
        .service
        .verify_remembered("u1", token.as_str())
        .await
        .unwrap();
    let mut forged = bytes(token.as_str());
    *forged.last_mut().unwrap() ^= 1;
    let refused = setup
        .service
        .verify_remembered("u1", &token_of(&forged))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Refused);
    assert_eq!(refused.http_status(), 401);
    assert_eq!(
        refused.user_message(),
        "This device is no longer remembered. Please enter a code from your authenticator app."
    );
    assert_eq!(
        refused.to_string(),
        "the remembered device was refused: the token failed authentication"
    );
    setup.service.revoke_device("u1", &id).await.unwrap();
    let revoked = setup
        .service
        .verify_remembered("u1", token.as_str())
        .await
        .unwrap_err();
    assert_eq!(revoked.user_message(), refused.user_message());

    let events: Vec<Event> = setup.events.take();
    let kinds: Vec<&EventKind> = events.iter().map(|event| &event.kind).collect();
    assert_eq!(
        kinds,
        [
            &EventKind::DeviceRemembered {
                device: id.clone(),
                label: "Laptop".into(),
                expires_at: START + 30 + 30 * DAY
            },
            &EventKind::DeviceVerified { device: id.clone() },
            &EventKind::DeviceRefused {
                device: None,
                problem: DeviceProblem::Forged
            },
            &EventKind::DeviceRevoked {
                device: id.clone(),
                label: "Laptop".into(),
                evicted: false
            },
            &EventKind::DeviceRefused {
                device: Some(id),
                problem: DeviceProblem::Revoked
            },
        ]
    );
    let body = token.as_str().strip_prefix("tfd1.").unwrap();
    for event in &events {
        let text = format!("{event:?}");
        assert!(!text.contains(body) && !text.contains(&body[..16]), "{text}");
    }
    assert!(!format!("{:?}", setup.service.remembered_devices("u1").await.unwrap()).contains(body));
}

#[cfg(feature = "seal")]
#[tokio::test]
async fn a_service_built_from_server_keys_remembers_devices_with_its_derived_challenge_keys() {
    use twofactor::keys::ServerKeys;
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let keys = ServerKeys::new(5, &[0x55; 32]).unwrap();
    let config = Config::builder("Example")
        .hasher(keys.backup_hasher())
        .build()
        .unwrap();
    let service = TwoFactor::new(Arc::clone(&store), clock.clone(), config.clone(), &keys);
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment("u1", &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    let token = service.remember_device("u1", "Laptop").await.unwrap();
    assert_eq!(bytes(token.as_str())[..4], 5u32.to_be_bytes());
    service.verify_remembered("u1", token.as_str()).await.unwrap();
    // Another instance with the same keys accepts it; one with other keys does not.
    let twin = TwoFactor::new(Arc::clone(&store), clock.clone(), config.clone(), &keys);
    twin.verify_remembered("u1", token.as_str()).await.unwrap();
    let other = ServerKeys::new(5, &[0x56; 32]).unwrap();
    let stranger = TwoFactor::new(Arc::clone(&store), clock, config, &other).with_keyring(keys.keyring());
    assert_eq!(
        problem(stranger.verify_remembered("u1", token.as_str()).await),
        DeviceProblem::Forged
    );
}
