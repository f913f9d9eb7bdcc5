//! `Serialize`/`Deserialize` for `Record`: a plain secret is written only through the opt-in
//! named `danger`, every field round-trips, and invalid fields are refused.
#![cfg(all(feature = "serde", feature = "std"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde::{Deserialize, Serialize};
use twofactor::backup::HmacHasher;
use twofactor::store::{DangerPlainSecrets, Record};
use twofactor::{Config, Error, ManualClock, MemoryStore, Store, Totp, TwoFactor, Via};

/// Records as the service leaves them: pending, enabled (with used backup codes, drift, a
/// failure), disabled. Also the secret's base32.
async fn records() -> (Record, Record, Record, String) {
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[3; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    let enrollment = service.begin_enrollment("alice", "alice").await.unwrap();
    let base32 = enrollment.secret.to_base32().to_string();
    let pending = service.store().load("alice").await.unwrap().unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let confirmed = service
        .confirm_enrollment("alice", &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    clock.advance(30);
    service
        .verify("alice", &app.generate(clock.get() + 30).unwrap().to_string())
        .await
        .unwrap();
    service
        .verify("alice", confirmed.backup_codes.expose_code(1).unwrap())
        .await
        .unwrap();
    let wrong = service.verify("alice", "0000-0000-0000-0000").await;
    assert!(
        matches!(wrong, Err(Error::WrongCode { via: Via::BackupCode })),
        "{wrong:?}"
    );
    let enabled = service.store().load("alice").await.unwrap().unwrap();
    clock.advance(60);
    service
        .disable("alice", confirmed.backup_codes.expose_code(2).unwrap())
        .await
        .unwrap();
    let disabled = service.store().load("alice").await.unwrap().unwrap();
    (pending, enabled, disabled, base32)
}

#[tokio::test]
async fn a_record_with_a_plain_secret_is_refused_without_the_opt_in() {
    let (pending, enabled, _, base32) = records().await;
    for record in [&pending, &enabled] {
        let error = serde_json::to_string(record).unwrap_err().to_string();
        assert!(error.contains("twofactor::store::DangerPlainSecrets"), "{error}");
        assert!(error.contains("danger_plain_secrets"), "{error}");
        assert!(!error.contains(&base32), "the error shows the secret");
    }
}

#[tokio::test]
async fn with_the_opt_in_every_field_round_trips() {
    let (pending, enabled, disabled, base32) = records().await;
    for record in [&pending, &enabled, &disabled] {
        let json = serde_json::to_string(&DangerPlainSecrets(record)).unwrap();
        assert_eq!(&serde_json::from_str::<Record>(&json).unwrap(), record, "{json}");
    }
    // One persisted format: the serde form carries the binary one beside the user and version.
    let json = serde_json::to_string(&DangerPlainSecrets(&enabled)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["record", "user", "version"]);
    assert_eq!(
        (value["user"].as_str(), value["version"].as_u64()),
        (Some("alice"), Some(enabled.version()))
    );
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(value["record"].as_str().unwrap().as_bytes())
        .unwrap();
    assert_eq!(bytes, *enabled.encode(), "the record field is Record::encode");
    let secret = data_encoding::BASE32_NOPAD.decode(base32.as_bytes()).unwrap();
    assert!(
        bytes.windows(secret.len()).any(|w| w == secret),
        "the opt-in writes the secret"
    );
}

#[tokio::test]
async fn a_record_without_a_secret_needs_no_opt_in() {
    let (_, _, disabled, _) = records().await;
    let json = serde_json::to_string(&disabled).unwrap();
    assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), disabled);
    let fresh = Record::new("bob");
    let json = serde_json::to_string(&fresh).unwrap();
    assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), fresh);
}

#[derive(Serialize, Deserialize)]
struct Cached {
    #[serde(with = "twofactor::store::danger_plain_secrets")]
    record: Record,
    note: String,
}

#[derive(Serialize)]
struct Careless<'a> {
    record: &'a Record,
}

#[tokio::test]
async fn the_with_module_opts_a_field_in_and_a_plain_field_stays_refused() {
    let (_, enabled, _, _) = records().await;
    let json = serde_json::to_string(&Cached {
        record: enabled.clone(),
        note: "x".into(),
    })
    .unwrap();
    assert_eq!(serde_json::from_str::<Cached>(&json).unwrap().record, enabled);
    assert!(serde_json::to_string(&Careless { record: &enabled }).is_err());
}

#[tokio::test]
async fn invalid_fields_are_refused_by_name() {
    let (_, enabled, _, _) = records().await;
    let json = serde_json::to_string(&DangerPlainSecrets(&enabled)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = value.clone();
        edit(&mut value);
        serde_json::from_value::<Record>(value).unwrap_err().to_string()
    };
    let record = value["record"].as_str().unwrap().to_owned();
    let bytes = data_encoding::BASE64URL_NOPAD.decode(record.as_bytes()).unwrap();
    let with_bytes = |bytes: &[u8]| serde_json::Value::from(data_encoding::BASE64URL_NOPAD.encode(bytes));
    assert!(broken(&|v| v["record"] = "!!".into()).contains("not base64url"));
    assert!(
        broken(&|v| v["record"] = with_bytes(&bytes[..bytes.len() - 1]))
            .contains("ends inside field `devices`")
    );
    assert!(broken(&|v| v["user"] = "bob".into()).contains("another user"));
    assert!(broken(&|v| v["version"] = "1".into()).contains("twofactor record"));
    assert!(broken(&|v| v["extra"] = 1.into()).contains("twofactor record"));
    assert!(
        broken(&|v| {
            v.as_object_mut().unwrap().remove("record");
        })
        .contains("twofactor record")
    );
}
