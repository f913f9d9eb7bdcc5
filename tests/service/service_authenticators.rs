//! Several authenticators through the service: add (proof, label, its own first code), rename,
//! remove, list; the events that name them; the epoch; the support desk's reset and unlock.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use twofactor::backup::HmacHasher;
use twofactor::challenge::NoChallengeKey;
use twofactor::events::{CollectEvents, EventKind};
use twofactor::policy::{LabelProblem, Policy};
use twofactor::{Config, Error, ErrorKind, ManualClock, MemoryStore, Store, Totp, TwoFactor, Via};

type Service = TwoFactor<MemoryStore, ManualClock, NoChallengeKey>;

struct User {
    service: Service,
    clock: ManualClock,
    events: Arc<CollectEvents>,
    phone: Totp,
    backup_codes: Vec<String>,
}

async fn enrolled(policy: Policy) -> User {
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .policy(policy)
        .build()
        .unwrap();
    let events = Arc::new(CollectEvents::new());
    let service =
        TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config).with_events(Arc::clone(&events));
    let enrollment = service.begin_enrollment("u1", "alice").await.unwrap();
    let phone = Totp::new(&enrollment.secret, service.config().params());
    let confirmed = service
        .confirm_enrollment("u1", &phone.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    let _ = events.take();
    clock.advance(30);
    User {
        service,
        clock,
        events,
        phone,
        backup_codes: confirmed.backup_codes.expose_codes().map(str::to_owned).collect(),
    }
}

impl User {
    fn code(&self, app: &Totp) -> String {
        app.generate(self.clock.get()).unwrap().to_string()
    }

    /// Adds an authenticator named `label`, proven by the phone, confirmed by its own code.
    async fn add(&self, label: &str) -> (u32, Totp) {
        let proof = self.code(&self.phone);
        let adding = self
            .service
            .begin_adding_authenticator("u1", label, "alice", &proof)
            .await
            .unwrap();
        let app = Totp::new(&adding.secret, self.service.config().params());
        let confirmed = self
            .service
            .confirm_enrollment("u1", &self.code(&app))
            .await
            .unwrap();
        assert!(confirmed.backup_codes.is_empty());
        self.clock.advance(30);
        (confirmed.authenticator, app)
    }
}

#[tokio::test]
async fn an_added_authenticator_signs_in_is_listed_and_named_in_the_events() {
    let user = enrolled(Policy::DEFAULT).await;
    let epoch = user.service.status("u1").await.unwrap().epoch;
    let (id, laptop) = user.add("Laptop").await;
    assert_eq!(id, 2);
    let kinds: Vec<EventKind> = user.events.take().into_iter().map(|event| event.kind).collect();
    assert!(kinds.contains(&EventKind::AuthenticatorAdded {
        id: 2,
        label: "Laptop".into(),
        epoch: epoch + 1
    }));
    let status = user.service.status("u1").await.unwrap();
    assert_eq!(
        (status.authenticators, status.epoch, status.backup_codes_remaining),
        (2, epoch + 1, Some(10))
    );

    let verified = user.service.verify("u1", &user.code(&laptop)).await.unwrap();
    assert_eq!((verified.via, verified.authenticator), (Via::Code, Some(2)));
    // The same step of the phone still works: replay is per authenticator.
    let verified = user.service.verify("u1", &user.code(&user.phone)).await.unwrap();
    assert_eq!(verified.authenticator, Some(1));

    let listed = user.service.authenticators("u1").await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| (a.id, a.label.as_str()))
            .collect::<Vec<_>>(),
        [(1, ""), (2, "Laptop")]
    );
    assert_eq!(listed[1].last_used_at, Some(user.clock.get()));
    // Nothing secret in the list or the events.
    let stored = user.service.store().load("u1").await.unwrap().unwrap();
    assert_eq!(stored.authenticator_count(), 2);
    for text in [format!("{listed:?}"), format!("{kinds:?}")] {
        assert!(!text.contains("secret"), "{text}");
    }
}

#[tokio::test]
async fn adding_is_refused_without_a_proof_past_the_limit_and_with_a_bad_label() {
    let user = enrolled(Policy::builder().max_authenticators(2).build().unwrap()).await;
    let wrong = "000000";
    let refused = user
        .service
        .begin_adding_authenticator("u1", "Laptop", "alice", wrong)
        .await;
    assert!(matches!(refused, Err(Error::WrongCode { via: Via::Code })));
    assert_eq!(
        user.service.status("u1").await.unwrap().code_failures,
        1,
        "a wrong proof counts"
    );
    let label = user
        .service
        .begin_adding_authenticator("u1", "x".repeat(65).as_str(), "alice", &user.code(&user.phone))
        .await;
    let Err(error) = label else {
        panic!("a long label was taken")
    };
    assert!(matches!(
        error,
        Error::InvalidLabel(LabelProblem::TooLong { len: 65 })
    ));
    assert_eq!((error.kind(), error.http_status()), (ErrorKind::Refused, 400));
    // Nobody without a second factor adds a second one.
    let nobody = user
        .service
        .begin_adding_authenticator("u2", "Laptop", "bob", "123456")
        .await;
    assert!(matches!(nobody, Err(Error::NotEnrolled)));

    user.add("Laptop").await;
    let full = user
        .service
        .begin_adding_authenticator("u1", "Tablet", "alice", &user.backup_codes[0])
        .await;
    let Err(error) = full else {
        panic!("a third authenticator was begun")
    };
    assert!(matches!(error, Error::TooManyAuthenticators { max: 2 }));
    assert_eq!(error.http_status(), 409);
    assert_eq!(
        error.to_string(),
        "the user already holds 2 authenticators, the most allowed"
    );
    // Refused before the proof was looked at: the backup code still works.
    user.service.verify("u1", &user.backup_codes[0]).await.unwrap();
}

#[tokio::test]
async fn removing_one_ends_its_codes_and_removing_the_last_disables() {
    let user = enrolled(Policy::DEFAULT).await;
    let (laptop_id, laptop) = user.add("Laptop").await;
    let _ = user.events.take();
    let before = user.service.status("u1").await.unwrap().epoch;
    let unknown = user
        .service
        .remove_authenticator("u1", 9, &user.code(&laptop))
        .await;
    let Err(error) = unknown else {
        panic!("an unknown id was removed")
    };
    assert!(matches!(error, Error::UnknownAuthenticator { id: 9 }));
    assert_eq!(error.http_status(), 404);

    let changed = user
        .service
        .remove_authenticator("u1", 1, &user.code(&laptop))
        .await
        .unwrap();
    assert_eq!(changed.epoch, before + 1);
    let kinds: Vec<EventKind> = user.events.take().into_iter().map(|event| event.kind).collect();
    assert!(kinds.contains(&EventKind::AuthenticatorRemoved {
        id: 1,
        label: String::new(),
        epoch: before + 1
    }));
    user.clock.advance(30);
    let old = user.service.verify("u1", &user.code(&user.phone)).await;
    assert!(
        matches!(old, Err(Error::WrongCode { .. })),
        "the removed phone's codes are wrong"
    );

    user.clock.advance(30);
    let disabled = user
        .service
        .remove_authenticator("u1", laptop_id, &user.code(&laptop))
        .await
        .unwrap();
    let status = user.service.status("u1").await.unwrap();
    assert!(!status.enabled);
    assert_eq!(
        (status.authenticators, status.backup_codes_remaining, status.epoch),
        (0, None, disabled.epoch)
    );
}

#[tokio::test]
async fn renaming_needs_no_proof_and_keeps_the_epoch() {
    let user = enrolled(Policy::DEFAULT).await;
    let before = user.service.status("u1").await.unwrap().epoch;
    user.service.rename_authenticator("u1", 1, "Phone").await.unwrap();
    assert_eq!(user.service.status("u1").await.unwrap().epoch, before);
    let kinds: Vec<EventKind> = user.events.take().into_iter().map(|event| event.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::AuthenticatorRenamed {
            id: 1,
            label: "Phone".into()
        }]
    );
    // The same name again writes nothing and says nothing.
    user.service.rename_authenticator("u1", 1, "Phone").await.unwrap();
    assert!(user.events.take().is_empty());
    let refused = user.service.rename_authenticator("u1", 1, "Ph\tone").await;
    assert!(matches!(refused, Err(Error::InvalidLabel(LabelProblem::Control))));
    let refused = user.service.rename_authenticator("u1", 5, "Phone").await;
    assert!(matches!(refused, Err(Error::UnknownAuthenticator { id: 5 })));
}

#[tokio::test]
async fn the_reset_removes_everything_and_names_the_operator_and_the_reason() {
    let user = enrolled(Policy::DEFAULT).await;
    user.add("Laptop").await;
    for _ in 0..5 {
        let _ = user.service.verify("u1", "000000").await;
    }
    let _ = user.events.take();
    let epoch = user
        .service
        .admin_reset("u1", "support:bob", "ticket 4711")
        .await
        .unwrap()
        .unwrap();
    let status = user.service.status("u1").await.unwrap();
    assert!(!status.enabled);
    assert_eq!(
        (
            status.authenticators,
            status.code_failures,
            status.backup_codes_remaining,
            status.epoch
        ),
        (0, 0, None, epoch)
    );
    let kinds: Vec<EventKind> = user.events.take().into_iter().map(|event| event.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::Reset {
            operator: "support:bob".into(),
            reason: "ticket 4711".into(),
            epoch
        }]
    );
    // The user enrolls again from nothing.
    assert!(user.service.begin_enrollment("u1", "alice").await.is_ok());
    assert_eq!(
        user.service
            .admin_reset("nobody", "support:bob", "x")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn an_unlock_names_the_operator() {
    let user = enrolled(Policy::DEFAULT).await;
    for _ in 0..5 {
        let _ = user.service.verify("u1", "000000").await;
    }
    let _ = user.events.take();
    assert!(user.service.unlock("u1", "support:carol").await.unwrap());
    let kinds: Vec<EventKind> = user.events.take().into_iter().map(|event| event.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::Unlocked {
            operator: "support:carol".into()
        }]
    );
}
