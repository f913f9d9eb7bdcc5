//! The login challenge through the service: single use, bound to the user and to the record's
//! current nonce, each refusal distinct, and the same challenge and code raced from 64 tasks
//! accepted exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use data_encoding::BASE64URL_NOPAD;
use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeError, ChallengeKey};
use twofactor::{Config, Error, ManualClock, MemoryStore, Secret, Totp, TwoFactor};

type Service = TwoFactor<MemoryStore, ManualClock>;

async fn enrolled(user: &str) -> (Arc<Service>, ManualClock, Totp, Secret) {
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
        .with_challenge_key(ChallengeKey::new(1, &[9; 32]).unwrap());
    let enrollment = service.begin_enrollment(user, "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment(user, &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    clock.advance(30);
    (Arc::new(service), clock, app, enrollment.secret)
}

fn code(app: &Totp, clock: &ManualClock) -> String {
    app.generate(clock.get()).unwrap().to_string()
}

fn challenge_error(result: Result<impl std::fmt::Debug, Error>) -> ChallengeError {
    match result {
        Err(Error::Challenge(error)) => error,
        other => panic!("expected a challenge error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_challenge_and_a_code_are_each_used_once() {
    let (service, clock, app, _) = enrolled("u1").await;
    let token = service.issue_challenge("u1").await.unwrap();
    assert_eq!(service.challenge_user(token.as_str()).unwrap(), "u1");
    service
        .verify_with_challenge("u1", token.as_str(), &code(&app, &clock))
        .await
        .unwrap();
    // The same challenge again, even with a fresh code: used.
    clock.advance(30);
    let again = service
        .verify_with_challenge("u1", token.as_str(), &code(&app, &clock))
        .await;
    assert_eq!(challenge_error(again), ChallengeError::Used);
}

#[tokio::test]
async fn a_wrong_code_does_not_spend_the_challenge() {
    let (service, clock, app, _) = enrolled("u1").await;
    let token = service.issue_challenge("u1").await.unwrap();
    let wrong = service
        .verify_with_challenge("u1", token.as_str(), "000000")
        .await;
    let right = code(&app, &clock);
    if right != "000000" {
        assert!(matches!(wrong, Err(Error::WrongCode { .. })), "{wrong:?}");
    }
    service
        .verify_with_challenge("u1", token.as_str(), &right)
        .await
        .unwrap();
}

#[tokio::test]
async fn each_refusal_is_distinct() {
    let (service, clock, app, _) = enrolled("u1").await;
    // Superseded: a newer challenge replaces the older.
    let old = service.issue_challenge("u1").await.unwrap();
    let new = service.issue_challenge("u1").await.unwrap();
    let result = service
        .verify_with_challenge("u1", old.as_str(), &code(&app, &clock))
        .await;
    assert_eq!(challenge_error(result), ChallengeError::Superseded);
    // Another user's token.
    let result = service
        .verify_with_challenge("u2", new.as_str(), &code(&app, &clock))
        .await;
    assert_eq!(challenge_error(result), ChallengeError::OtherUser);
    // Expired: five minutes by default.
    clock.advance(TwoFactor::<MemoryStore, ManualClock>::DEFAULT_CHALLENGE_TTL);
    let result = service
        .verify_with_challenge("u1", new.as_str(), &code(&app, &clock))
        .await;
    assert!(matches!(challenge_error(result), ChallengeError::Expired { .. }));
    assert!(matches!(
        service.challenge_user(new.as_str()),
        Err(Error::Challenge(ChallengeError::Expired { .. }))
    ));
    // Forged and malformed.
    let fresh = service.issue_challenge("u1").await.unwrap();
    let mut bytes = BASE64URL_NOPAD.decode(fresh.as_str().as_bytes()).unwrap();
    // A byte of the expiry, after the format byte and the four-byte key id.
    bytes[6] ^= 1;
    let forged = BASE64URL_NOPAD.encode(&bytes);
    let result = service
        .verify_with_challenge("u1", &forged, &code(&app, &clock))
        .await;
    assert_eq!(challenge_error(result), ChallengeError::Forged);
    let result = service
        .verify_with_challenge("u1", "not a token", &code(&app, &clock))
        .await;
    assert_eq!(challenge_error(result), ChallengeError::Malformed);
    // Nothing above counted as a failure.
    assert_eq!(service.status("u1").await.unwrap().code_failures, 0);
}

#[tokio::test]
async fn every_single_byte_change_of_a_token_is_refused() {
    let (service, clock, app, _) = enrolled("u1").await;
    let token = service.issue_challenge("u1").await.unwrap();
    let bytes = BASE64URL_NOPAD.decode(token.as_str().as_bytes()).unwrap();
    for index in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[index] ^= 0x01;
        let result = service
            .verify_with_challenge("u1", &BASE64URL_NOPAD.encode(&changed), &code(&app, &clock))
            .await;
        // Bytes 1 to 4 are the key id: a changed one names a key the service does not hold.
        assert!(
            matches!(
                result,
                Err(Error::Challenge(
                    ChallengeError::Forged | ChallengeError::Malformed | ChallengeError::UnknownKey { .. }
                ))
            ),
            "byte {index}: {result:?}"
        );
        if let Err(Error::Challenge(ChallengeError::UnknownKey { .. })) = result {
            assert!((1..5).contains(&index), "byte {index} named an unknown key");
        }
    }
    service
        .verify_with_challenge("u1", token.as_str(), &code(&app, &clock))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_token_never_contains_the_secret() {
    let (service, _, _, secret) = enrolled("u1").await;
    let token = service.issue_challenge("u1").await.unwrap();
    let bytes = BASE64URL_NOPAD.decode(token.as_str().as_bytes()).unwrap();
    let key = secret.expose_secret();
    assert!(!bytes.windows(key.len()).any(|window| window == key));
    assert!(!token.as_str().contains(secret.to_base32().as_str()));
    assert_eq!(format!("{token:?}"), "ChallengeToken { .. }");
}

#[tokio::test]
async fn only_enrolled_users_get_challenges() {
    // (A service without challenge keys has no challenge calls: `NoChallengeKey`'s doctest
    // shows that it does not compile.)
    let (service, _, _, _) = enrolled("u1").await;
    assert!(matches!(
        service.issue_challenge("nobody").await,
        Err(Error::NotEnrolled)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_challenge_and_code_raced_from_64_tasks_succeed_once() {
    let (service, clock, app, _) = enrolled("u1").await;
    let token = service.issue_challenge("u1").await.unwrap();
    let code = code(&app, &clock);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (service, token, code) = (Arc::clone(&service), token.clone(), code.clone());
            tokio::spawn(async move { service.verify_with_challenge("u1", token.as_str(), &code).await })
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => successes += 1,
            Err(Error::Challenge(ChallengeError::Used) | Error::Replay { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(successes, 1);
}

#[tokio::test]
async fn a_refused_challenge_is_an_event() {
    use twofactor::events::{CollectEvents, EventKind};
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let events = Arc::new(CollectEvents::new());
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
        .with_challenge_key(ChallengeKey::new(1, &[9; 32]).unwrap())
        .with_events(Arc::clone(&events));
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    service
        .confirm_enrollment("u1", &code(&app, &clock))
        .await
        .unwrap();
    clock.advance(30);
    let token = service.issue_challenge("u1").await.unwrap();
    service
        .verify_with_challenge("u1", token.as_str(), &code(&app, &clock))
        .await
        .unwrap();
    let _ = events.take();
    // Used (decided on the record), then another user's and a forged one (before the store).
    let _ = service
        .verify_with_challenge("u1", token.as_str(), &code(&app, &clock))
        .await;
    let _ = service
        .verify_with_challenge("u2", token.as_str(), &code(&app, &clock))
        .await;
    // A character in the middle changed (every bit of it is data: still canonical base64url).
    let mut forged: Vec<char> = token.as_str().chars().collect();
    let middle = forged.len() / 2;
    forged[middle] = if forged[middle] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    let _ = service
        .resync_with_challenge("u1", &forged, "123456", "654321")
        .await;
    let problems: Vec<ChallengeError> = events
        .take()
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::ChallengeRefused { problem } => Some(problem),
            _ => None,
        })
        .collect();
    assert_eq!(
        problems,
        [
            ChallengeError::Used,
            ChallengeError::OtherUser,
            ChallengeError::Forged
        ]
    );
}
