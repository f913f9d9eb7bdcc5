//! `admin_remove_authenticator`: an operator removes one lost authenticator without a proof; the
//! other keeps signing in, the epoch moves, the event names the operator; the last one removed
//! turns the second factor off; an unknown id is a typed refusal that writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use twofactor::backup::HmacHasher;
use twofactor::events::{CollectEvents, EventKind};
use twofactor::{Config, Error, ManualClock, MemoryStore, Store, Totp, TwoFactor};

#[tokio::test]
async fn an_operator_removes_one_authenticator_and_the_other_still_signs_in() {
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let events = Arc::new(CollectEvents::new());
    let service =
        TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config).with_events(Arc::clone(&events));
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let old = Totp::new(&enrollment.secret, service.config().params());
    let first = service
        .confirm_enrollment("u1", &old.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    clock.advance(30);
    let adding = service
        .begin_adding_authenticator(
            "u1",
            "New phone",
            "alice",
            &old.generate(clock.get()).unwrap().to_string(),
        )
        .await
        .unwrap();
    let new = Totp::new(&adding.secret, service.config().params());
    let second = service
        .confirm_enrollment("u1", &new.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    let before = service.status("u1").await.unwrap().epoch;

    let unknown = service
        .admin_remove_authenticator("u1", 99, "support:bob", "typo")
        .await;
    assert!(matches!(unknown, Err(Error::UnknownAuthenticator { id: 99 })));
    assert_eq!(
        service.status("u1").await.unwrap().epoch,
        before,
        "nothing written"
    );

    let _ = events.take();
    let epoch = service
        .admin_remove_authenticator(
            "u1",
            first.authenticator,
            "support:bob",
            "ticket 12, phone stolen",
        )
        .await
        .unwrap();
    assert_eq!(epoch, before + 1);
    assert!(matches!(
        &events.take()[..],
        [event] if matches!(&event.kind, EventKind::AuthenticatorRemovedByOperator { id, operator, reason, .. }
            if *id == first.authenticator && operator == "support:bob" && reason == "ticket 12, phone stolen")
    ));
    clock.advance(30);
    assert!(matches!(
        service
            .verify("u1", &old.generate(clock.get()).unwrap().to_string())
            .await,
        Err(Error::WrongCode { .. })
    ));
    clock.advance(30);
    service
        .verify("u1", &new.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();

    service
        .admin_remove_authenticator("u1", second.authenticator, "support:bob", "the last")
        .await
        .unwrap();
    assert!(!service.status("u1").await.unwrap().enabled);
    let record = service.store().load("u1").await.unwrap().unwrap();
    assert_eq!(
        record.backup_codes_remaining(),
        None,
        "the last one takes the backup codes"
    );
}
