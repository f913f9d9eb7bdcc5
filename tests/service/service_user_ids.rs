//! User identifiers as `impl AsRef<str>`: every flow of the service takes `&str`, `String`,
//! `&String`, `Arc<str>` or an application's own type, and its future stays `Send`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::future::Future;
use std::sync::Arc;

use twofactor::backup::HmacHasher;
use twofactor::challenge::ChallengeKey;
use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor, Via};

/// An application's user id.
#[derive(Clone, Debug)]
struct UserId(String);

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn send<F: Future + Send>(future: F) -> F {
    future
}

#[tokio::test(flavor = "current_thread")]
async fn every_flow_takes_any_string_like_user_id_and_its_future_is_send() {
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
        .with_challenge_key(ChallengeKey::new(1, &[9; 32]).unwrap());
    let owned = String::from("user-42");
    let shared: Arc<str> = Arc::from("user-42");
    let id = UserId(owned.clone());

    let enrollment = send(service.begin_enrollment(owned.clone(), "alice"))
        .await
        .unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let code = |clock: &ManualClock| app.generate(clock.get()).unwrap().to_string();
    let confirmed = send(service.confirm_enrollment(&owned, &code(&clock)))
        .await
        .unwrap();

    clock.advance(30);
    assert_eq!(
        send(service.verify(Arc::clone(&shared), &code(&clock)))
            .await
            .unwrap()
            .via,
        Via::Code
    );
    clock.advance(30);
    send(service.verify_code(id.clone(), &code(&clock)))
        .await
        .unwrap();
    let backup = confirmed.backup_codes.expose_code(0).unwrap();
    send(service.verify_backup_code(&id, backup)).await.unwrap();
    assert!(send(service.status(&shared)).await.unwrap().enabled);
    assert!(!send(service.unlock(id.clone(), "operator")).await.unwrap());

    let token = send(service.issue_challenge(&shared)).await.unwrap();
    let user = service.challenge_user(token.as_str()).unwrap();
    clock.advance(30);
    send(service.verify_with_challenge(user, token.as_str(), &code(&clock)))
        .await
        .unwrap();

    let phone = clock.get() + 300;
    let (first, second) = (app.generate(phone).unwrap(), app.generate(phone + 30).unwrap());
    send(service.resync(&owned, &first.to_string(), &second.to_string()))
        .await
        .unwrap();

    let fresh =
        send(service.regenerate_backup_codes(id.clone(), confirmed.backup_codes.expose_code(1).unwrap()))
            .await
            .unwrap();
    send(service.disable(shared, fresh.backup_codes.expose_code(0).unwrap()))
        .await
        .unwrap();
    assert!(!service.status("user-42").await.unwrap().enabled);
}

#[cfg(feature = "seal")]
#[tokio::test(flavor = "current_thread")]
async fn reseal_takes_any_string_like_user_id() {
    use twofactor::seal::{Keyring, SealingKey};
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config)
        .with_keyring(Keyring::new(SealingKey::new(1, &[1; 32]).unwrap()));
    service
        .begin_enrollment(UserId("u1".into()), "alice")
        .await
        .unwrap();
    assert!(!send(service.reseal(UserId("u1".into()))).await.unwrap());
}
