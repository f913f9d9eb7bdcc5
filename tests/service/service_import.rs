//! Importing a second factor kept by another system (`TwoFactor::import`): the user signs in with
//! the app and the backup codes they had; the secret is sealed when the service holds keys; a
//! code seen before the import is not replayed after it; every bad import is a typed refusal
//! that writes nothing; an imported bcrypt set works once per code, and a
//! regeneration replaces it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use twofactor::backup::{BackupError, HmacHasher};
use twofactor::events::{CollectEvents, EventKind};
use twofactor::keys::ServerKeys;
use twofactor::otp::{Algorithm, TotpParams};
use twofactor::policy::{Import, ImportProblem, LabelProblem};
use twofactor::store::Record;
use twofactor::{Config, Error, ManualClock, MemoryStore, Secret, Store, Totp, TwoFactor, Via};

const START: u64 = 1_700_000_000;
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn config() -> Config {
    Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap()
}

fn params() -> TotpParams {
    TotpParams::builder()
        .algorithm(Algorithm::Sha256)
        .digits(8)
        .period(60)
        .build()
        .unwrap()
}

fn phone() -> Totp {
    Totp::new(&Secret::from_base32(SECRET).unwrap(), params())
}

#[tokio::test]
async fn an_imported_user_signs_in_with_the_old_app_sealed_at_rest_and_the_import_is_an_event() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let keys = ServerKeys::generate(1).unwrap();
    let events = Arc::new(CollectEvents::new());
    let service =
        TwoFactor::new(Arc::clone(&store), clock.clone(), config(), &keys).with_events(Arc::clone(&events));
    let import = Import::new(Secret::from_base32(SECRET).unwrap(), params())
        .label("  Old phone ")
        .backup_codes(["1a2b-3c4d-5e6f", "6f5e-4d3c-2b1a"]);
    let imported = service.import("u1", import).await.unwrap();
    assert_eq!(
        (imported.authenticator, imported.backup_codes, imported.replaced),
        (1, Some(2), false)
    );

    let stored = store.load("u1").await.unwrap().unwrap();
    assert!(
        !stored.needs_reseal(&keys.keyring()),
        "sealed under the current key"
    );
    assert_eq!(
        Record::decode(stored.user(), stored.version(), &stored.encode()).unwrap(),
        stored
    );
    let bytes = stored.encode();
    let secret = Secret::from_base32(SECRET).unwrap();
    assert!(
        !bytes
            .windows(20)
            .any(|window| window == &secret.expose_secret()[..20])
    );

    let listed = service.authenticators("u1").await.unwrap();
    assert_eq!(listed[0].label, "Old phone");
    clock.advance(60);
    let verified = service
        .verify("u1", &phone().generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    assert_eq!(verified.via, Via::Code);
    assert_eq!(
        service
            .verify("u1", "6F5E4D3C2B1A")
            .await
            .unwrap()
            .backup_codes_remaining,
        1
    );
    assert!(matches!(
        service.verify("u1", "6f5e-4d3c-2b1a").await,
        Err(Error::Replay { via: Via::BackupCode })
    ));
    assert!(events.take().iter().any(|event| event.kind
        == EventKind::Imported {
            authenticator: 1,
            backup_codes: Some(2),
            replaced: false,
            epoch: imported.epoch,
        }));
}

#[tokio::test]
async fn the_last_step_given_stays_spent_and_without_one_the_import_step_is() {
    let clock = ManualClock::new(START);
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config());
    let step = phone().step(START).unwrap();
    // The other system accepted the code of the step before: the current one is still open.
    let known = Import::new(Secret::from_base32(SECRET).unwrap(), params()).last_step(step - 1);
    service.import("known", known).await.unwrap();
    let before = phone().generate(START - 60).unwrap().to_string();
    assert!(matches!(
        service.verify("known", &before).await,
        Err(Error::Replay { .. })
    ));
    service
        .verify("known", &phone().generate(START).unwrap().to_string())
        .await
        .unwrap();

    let unknown = Import::new(Secret::from_base32(SECRET).unwrap(), params());
    service.import("unknown", unknown).await.unwrap();
    let now = phone().generate(START).unwrap().to_string();
    assert!(matches!(
        service.verify("unknown", &now).await,
        Err(Error::Replay { .. })
    ));
}

#[tokio::test]
async fn every_bad_import_is_a_typed_refusal_that_writes_nothing() {
    let clock = ManualClock::new(START);
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config());
    let base = || Import::new(Secret::from_base32(SECRET).unwrap(), params());
    let step = phone().step(START).unwrap();
    let cases = [
        (base().last_step(step + 1), "last step ahead"),
        (base().backup_codes(["12345678"]), "codes as long as the digits"),
        (base().backup_codes(["1234567890", "12345"]), "mixed lengths"),
        (base().backup_codes(["12345678uu"]), "not a code"),
        (base().label(" "), "empty label"),
    ];
    let mut errors = Vec::new();
    for (import, what) in cases {
        let error = service.import("u1", import).await.expect_err(what);
        assert!(
            service.store().load("u1").await.unwrap().is_none(),
            "{what}: nothing written"
        );
        errors.push(error);
    }
    assert!(matches!(
        errors[0],
        Error::InvalidImport(ImportProblem::LastStepAhead { step: s, current }) if s == step + 1 && current == step
    ));
    assert!(matches!(
        errors[1],
        Error::InvalidImport(ImportProblem::CodesLikeAuthenticatorCodes { length: 8 })
    ));
    assert!(matches!(
        errors[2],
        Error::InvalidBackupCodes(BackupError::ImportedLength {
            index: 1,
            expected: 10,
            found: 5
        })
    ));
    assert!(matches!(
        errors[3],
        Error::InvalidBackupCodes(BackupError::ImportedCode { index: 0 })
    ));
    assert!(matches!(errors[4], Error::InvalidLabel(LabelProblem::Empty)));
    assert!(errors.iter().all(|error| error.http_status() == 400));

    // Over an enabled user: refused unless asked to replace, which drops the old factor.
    service
        .import("u1", base().backup_codes(["1a2b-3c4d-5e6f"]))
        .await
        .unwrap();
    let before = service.store().load("u1").await.unwrap().unwrap();
    assert!(matches!(
        service.import("u1", base()).await,
        Err(Error::AlreadyEnabled)
    ));
    assert_eq!(service.store().load("u1").await.unwrap().unwrap(), before);
    let replaced = service.import("u1", base().replace()).await.unwrap();
    assert!(replaced.replaced);
    assert_eq!(replaced.authenticator, 2, "ids are never reused");
    assert!(matches!(
        service.verify("u1", "1a2b3c4d5e6f").await,
        Err(Error::NoBackupCodes | Error::Malformed)
    ));
}

#[cfg(all(feature = "bcrypt", feature = "argon2"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bcrypt_codes_work_once_each_with_an_expensive_hasher_and_a_regeneration_replaces_them() {
    use twofactor::backup::{Argon2Hasher, BackupCodeSet};

    let clock = ManualClock::new(START);
    let config = Config::builder("Example")
        .hasher(Argon2Hasher::with_params(1024, 1, 1).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    let issued = ["3f9a1c07e2b4d865", "0b1c2d3e4f5a6978", "9999888877776666"];
    let hashes: Vec<String> = issued.iter().map(|code| bcrypt::hash(code, 4).unwrap()).collect();
    let set = BackupCodeSet::import_bcrypt(&hashes, 16, true).unwrap();
    let import = Import::new(Secret::from_base32(SECRET).unwrap(), params()).backup_set(set);
    service.import("u1", import).await.unwrap();

    let stored = service.store().load("u1").await.unwrap().unwrap();
    assert_eq!(
        Record::decode(stored.user(), stored.version(), &stored.encode()).unwrap(),
        stored
    );
    for (index, code) in issued.iter().enumerate() {
        let verified = service.verify("u1", &code.to_uppercase()).await.unwrap();
        assert_eq!(verified.backup_codes_remaining, issued.len() - index - 1);
        assert!(matches!(
            service.verify("u1", code).await,
            Err(Error::Replay { via: Via::BackupCode })
        ));
    }
    assert!(matches!(
        service.verify("u1", "0000111122223333").await,
        Err(Error::WrongCode { via: Via::BackupCode })
    ));

    clock.advance(60);
    let code = phone().generate(clock.get()).unwrap().to_string();
    let regenerated = service.regenerate_backup_codes("u1", &code).await.unwrap();
    assert_eq!(regenerated.backup_codes.len(), 10);
    let stored = service.store().load("u1").await.unwrap().unwrap();
    assert_eq!(
        Record::decode(stored.user(), stored.version(), &stored.encode()).unwrap(),
        stored
    );
    // The old codes are gone with their scheme; the new ones work.
    assert!(matches!(
        service.verify("u1", issued[0]).await,
        Err(Error::Malformed | Error::WrongCode { .. })
    ));
    let fresh = regenerated.backup_codes.expose_codes().next().unwrap().to_owned();
    service.verify("u1", &fresh).await.unwrap();
}

/// The imported record — a bcrypt set and a plain secret — through serde and back.
#[cfg(all(feature = "bcrypt", feature = "serde"))]
#[tokio::test]
async fn an_imported_bcrypt_record_round_trips_through_serde() {
    use twofactor::backup::BackupCodeSet;
    use twofactor::store::DangerPlainSecrets;

    let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(START), config());
    let hashes = [bcrypt::hash("13572468", 4).unwrap()];
    let set = BackupCodeSet::import_bcrypt(&hashes, 8, false).unwrap();
    let import = Import::new(Secret::from_base32(SECRET).unwrap(), TotpParams::DEFAULT).backup_set(set);
    service.import("u1", import).await.unwrap();
    let stored = service.store().load("u1").await.unwrap().unwrap();
    let json = serde_json::to_string(&DangerPlainSecrets(&stored)).unwrap();
    let read: Record = serde_json::from_str(&json).unwrap();
    assert_eq!(read, stored);
    assert_eq!(read.backup_codes_remaining(), Some(1));
}
