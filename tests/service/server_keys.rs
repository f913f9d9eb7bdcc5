//! `ServerKeys`: one application secret per key id derives the sealing key, the challenge MAC key
//! and the backup-code pepper (the documented HKDF, checked against values computed outside the
//! crate); all three rotate by id the same way through the service; the text form is strict and
//! its errors never show key material; `Debug` shows ids only.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
use twofactor::challenge::{ChallengeError, ChallengeKey};
use twofactor::keys::{EntryProblem, ServerKeys};
use twofactor::seal::{Keyring, Purpose, SealError, SealedSecret, SealingKey};
use twofactor::store::Record;
use twofactor::{Config, ConfigError, Error, ManualClock, MemoryStore, Secret, Store, Totp, TwoFactor};

type Service = TwoFactor<Arc<MemoryStore>, ManualClock>;

const START: u64 = 1_700_000_000;

/// The secret 00 01 … 1f, key id 1, and what HKDF-SHA-256 derives from it (PRK = HMAC(32 zero
/// bytes, secret); key = HMAC(PRK, label ‖ 00 ‖ 00000001 ‖ 01)), computed with Python's `hmac`
/// and `hashlib`, not with this crate.
const KAT_TEXT: &str = "tfk1.1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const KAT_SEALING: &str = "3155402317927241b327a3f74e4f18f2fc370931482ea607f631b9af237fe12e";
const KAT_CHALLENGE: &str = "1f0289c932d24695c20c246e096251d23420eaed650f5a1773a5649d8448c6ed";
const KAT_PEPPER: &str = "ebb993e7dc45e324db28681ba0c9558775592f63ad0f7263ba13050bb54a5e0a";

fn hex(text: &str) -> Vec<u8> {
    HEXLOWER.decode(text.as_bytes()).unwrap()
}

fn kat_secret() -> Vec<u8> {
    (0..32).collect()
}

/// Keys [1], [2, 1] and [2]: a rotation from id 1 to id 2, and its end.
fn rotation() -> (ServerKeys, ServerKeys, ServerKeys) {
    let one = ServerKeys::new(1, &[0x11; 32]).unwrap();
    let two = ServerKeys::new(2, &[0x22; 32]).unwrap();
    let both = two.clone().with_old_keys(one.clone()).unwrap();
    (one, both, two)
}

fn service(store: &Arc<MemoryStore>, clock: &ManualClock, keys: &ServerKeys) -> Service {
    let config = Config::builder("Example")
        .hasher(keys.backup_hasher())
        .build()
        .unwrap();
    TwoFactor::new(Arc::clone(store), clock.clone(), config, keys)
}

fn code(app: &Totp, clock: &ManualClock) -> String {
    app.generate(clock.get()).unwrap().to_string()
}

/// Enrolls `user`; returns the app and the backup codes; the clock is a step on.
async fn enroll(service: &Service, clock: &ManualClock, user: &str) -> (Totp, Vec<String>) {
    let enrollment = service.begin_enrollment(user, user).await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let confirmed = service
        .confirm_enrollment(user, &code(&app, clock))
        .await
        .unwrap();
    clock.advance(30);
    let codes = confirmed.backup_codes.expose_codes().map(str::to_owned).collect();
    (app, codes)
}

async fn stored(store: &MemoryStore, user: &str) -> Record {
    store.load(user).await.unwrap().expect("a record")
}

fn totp_secret() -> Secret {
    Secret::from_bytes(b"12345678901234567890").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Derivation

#[test]
fn each_derived_key_is_the_documented_hkdf_output() {
    let keys = ServerKeys::parse(KAT_TEXT).unwrap();
    assert_eq!(
        ServerKeys::new(1, &kat_secret()).unwrap().to_text().as_str(),
        KAT_TEXT
    );

    // Sealing: what the derived keyring seals, a keyring of the expected bytes opens, and back.
    let expected = Keyring::new(SealingKey::new(1, &hex(KAT_SEALING)).unwrap());
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let sealed = keys
        .keyring()
        .seal_with_rng(&totp_secret(), "alice", Purpose::Active, &mut rng);
    assert_eq!(
        expected.open(&sealed, "alice", Purpose::Active).unwrap(),
        totp_secret()
    );
    let sealed = expected.seal_with_rng(&totp_secret(), "alice", Purpose::Active, &mut rng);
    assert_eq!(
        keys.keyring().open(&sealed, "alice", Purpose::Active).unwrap(),
        totp_secret()
    );

    // Pepper: a set hashed by the derived hasher verifies with a hasher of the expected bytes.
    let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &keys.backup_hasher()).unwrap();
    let first = codes.expose_code(0).unwrap();
    assert_eq!(
        set.verify(first, &HmacHasher::new(1, &hex(KAT_PEPPER)).unwrap()),
        Ok(0)
    );
}

#[tokio::test]
async fn the_challenge_key_is_the_documented_hkdf_output() {
    let keys = ServerKeys::parse(KAT_TEXT).unwrap();
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let derived = service(&store, &clock, &keys);
    enroll(&derived, &clock, "alice").await;
    let token = derived.issue_challenge("alice").await.unwrap();
    let expected =
        service(&store, &clock, &keys).with_challenge_key(ChallengeKey::new(1, &hex(KAT_CHALLENGE)).unwrap());
    assert_eq!(expected.challenge_user(token.as_str()).unwrap(), "alice");
}

#[tokio::test]
async fn derivation_is_deterministic_and_the_three_keys_are_independent() {
    let secret = kat_secret();
    let derived = [KAT_SEALING, KAT_CHALLENGE, KAT_PEPPER].map(hex);
    for (index, key) in derived.iter().enumerate() {
        assert_ne!(key, &secret);
        for other in &derived[index + 1..] {
            assert_ne!(key, other);
        }
    }
    // Two readings of the same text are the same keys: each opens what the other sealed.
    let (a, b) = (
        ServerKeys::parse(KAT_TEXT).unwrap(),
        ServerKeys::parse(KAT_TEXT).unwrap(),
    );
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let sealed = a
        .keyring()
        .seal_with_rng(&totp_secret(), "alice", Purpose::Active, &mut rng);
    assert!(b.keyring().open(&sealed, "alice", Purpose::Active).is_ok());
    // The sealing key is neither the secret nor another purpose's key.
    for wrong in [secret.clone(), derived[1].clone(), derived[2].clone()] {
        let impostor = Keyring::new(SealingKey::new(1, &wrong).unwrap());
        assert_eq!(
            impostor.open(&sealed, "alice", Purpose::Active),
            Err(SealError::Tampered)
        );
    }
    // Nor is the pepper.
    let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &a.backup_hasher()).unwrap();
    let first = codes.expose_code(0).unwrap();
    assert_eq!(set.verify(first, &b.backup_hasher()), Ok(0));
    for wrong in [secret.clone(), derived[0].clone(), derived[1].clone()] {
        let impostor = HmacHasher::new(1, &wrong).unwrap();
        assert_eq!(set.verify(first, &impostor), Err(BackupError::Mismatch));
    }
    // Nor is the challenge key.
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let service = service(&store, &clock, &a);
    enroll(&service, &clock, "alice").await;
    let token = service.issue_challenge("alice").await.unwrap();
    for wrong in [secret, derived[0].clone(), derived[2].clone()] {
        let impostor = service_with_challenge(&store, &clock, ChallengeKey::new(1, &wrong).unwrap());
        assert!(matches!(
            impostor.challenge_user(token.as_str()),
            Err(Error::Challenge(ChallengeError::Forged))
        ));
    }
    // The same secret under another id is another set of keys.
    let relabelled = ServerKeys::new(9, &kat_secret()).unwrap();
    let other = Keyring::new(SealingKey::new(1, &[0; 32]).unwrap());
    let sealed_9 = relabelled
        .keyring()
        .seal_with_rng(&totp_secret(), "alice", Purpose::Active, &mut rng);
    assert_eq!(sealed_9.key_id(), 9);
    assert!(other.open(&sealed_9, "alice", Purpose::Active).is_err());
    let as_id_1 = SealedSecret::from_bytes(&{
        let mut bytes = sealed_9.to_bytes();
        bytes[1..5].copy_from_slice(&1u32.to_be_bytes());
        bytes
    })
    .unwrap();
    assert_eq!(
        a.keyring().open(&as_id_1, "alice", Purpose::Active),
        Err(SealError::Tampered)
    );
}

fn service_with_challenge(store: &Arc<MemoryStore>, clock: &ManualClock, key: ChallengeKey) -> Service {
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    TwoFactor::without_keys(Arc::clone(store), clock.clone(), config).with_challenge_key(key)
}

// ---------------------------------------------------------------------------------------------
// Rotation through the service

#[tokio::test]
async fn sealing_rotates_old_ids_open_new_writes_use_the_newest_and_reseal_finishes() {
    let (one, both, two) = rotation();
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let (app, _) = enroll(&service(&store, &clock, &one), &clock, "alice").await;
    assert!(!stored(&store, "alice").await.needs_reseal(&one.keyring()));

    // [2, 1]: the record under 1 opens; new writes seal under 2.
    let rotated = service(&store, &clock, &both);
    assert!(stored(&store, "alice").await.needs_reseal(&both.keyring()));
    let (bob, _) = enroll(&rotated, &clock, "bob").await;
    assert!(!stored(&store, "bob").await.needs_reseal(&two.keyring()));
    // [2] alone cannot open alice yet: a typed error naming the id.
    let retired = service(&store, &clock, &two);
    assert!(matches!(
        retired.verify_code("alice", &code(&app, &clock)).await,
        Err(Error::Seal(SealError::UnknownKey { key_id: 1 }))
    ));
    // reseal moves it, once.
    assert!(rotated.reseal("alice").await.unwrap());
    assert!(!rotated.reseal("alice").await.unwrap());
    assert!(!rotated.reseal("bob").await.unwrap());
    assert!(!stored(&store, "alice").await.needs_reseal(&two.keyring()));

    // Then [2] alone works for both.
    retired.verify_code("alice", &code(&app, &clock)).await.unwrap();
    retired.verify_code("bob", &code(&bob, &clock)).await.unwrap();
}

#[tokio::test]
async fn a_challenge_signed_under_an_old_id_verifies_until_that_id_is_dropped() {
    let (one, both, two) = rotation();
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let first = service(&store, &clock, &one);
    let (app, _) = enroll(&first, &clock, "alice").await;
    let under_1 = first.issue_challenge("alice").await.unwrap();

    // [2, 1] verifies it, and spends it.
    let rotated = service(&store, &clock, &both);
    assert_eq!(rotated.challenge_user(under_1.as_str()).unwrap(), "alice");
    // [2] alone refuses it, by id.
    let retired = service(&store, &clock, &two);
    assert!(matches!(
        retired.challenge_user(under_1.as_str()),
        Err(Error::Challenge(ChallengeError::UnknownKey { key_id: 1 }))
    ));
    assert!(matches!(
        retired
            .verify_with_challenge("alice", under_1.as_str(), &code(&app, &clock))
            .await,
        Err(Error::Challenge(ChallengeError::UnknownKey { key_id: 1 }))
    ));
    rotated
        .verify_with_challenge("alice", under_1.as_str(), &code(&app, &clock))
        .await
        .unwrap();

    // New challenges are signed under 2: [2] verifies them, [1] does not hold 2.
    clock.advance(30);
    let under_2 = rotated.issue_challenge("alice").await.unwrap();
    assert_eq!(retired.challenge_user(under_2.as_str()).unwrap(), "alice");
    assert!(matches!(
        first.challenge_user(under_2.as_str()),
        Err(Error::Challenge(ChallengeError::UnknownKey { key_id: 2 }))
    ));
}

#[tokio::test]
async fn the_challenge_lifetime_is_set_beside_the_server_keys() {
    let (one, _, _) = rotation();
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let config = Config::builder("Example")
        .hasher(one.backup_hasher())
        .build()
        .unwrap();
    let service = TwoFactor::new(Arc::clone(&store), clock.clone(), config, &one).with_challenge_ttl(60);
    enroll(&service, &clock, "alice").await;
    let token = service.issue_challenge("alice").await.unwrap();
    assert_eq!(service.challenge_user(token.as_str()).unwrap(), "alice");
    clock.advance(60);
    assert!(matches!(
        service.challenge_user(token.as_str()),
        Err(Error::Challenge(ChallengeError::Expired { .. }))
    ));
}

#[test]
fn a_backup_set_under_an_old_pepper_verifies_and_needs_rehash_until_the_pepper_is_dropped() {
    let (one, both, two) = rotation();
    let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &one.backup_hasher()).unwrap();
    let first = codes.expose_code(0).unwrap();
    assert!(!set.needs_rehash(&one.backup_hasher()));

    assert_eq!(set.verify(first, &both.backup_hasher()), Ok(0));
    assert!(set.needs_rehash(&both.backup_hasher()));
    assert_eq!(
        set.verify(first, &two.backup_hasher()),
        Err(BackupError::KeyMismatch { stored: 1, held: 2 })
    );

    // New sets under [2, 1] are hashed under 2, and need nothing after the rotation ends.
    let (codes, set) = BackupCodeSet::generate(&CodeFormat::default(), &both.backup_hasher()).unwrap();
    assert!(!set.needs_rehash(&both.backup_hasher()));
    assert_eq!(
        set.verify(codes.expose_code(0).unwrap(), &two.backup_hasher()),
        Ok(0)
    );
}

#[tokio::test]
async fn a_pepper_rotation_finishes_as_users_regenerate() {
    let (one, both, two) = rotation();
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let (app, codes) = enroll(&service(&store, &clock, &one), &clock, "alice").await;
    assert!(
        !service(&store, &clock, &one)
            .backup_codes_need_rehash("alice")
            .await
            .unwrap()
    );

    let rotated = service(&store, &clock, &both);
    assert!(rotated.backup_codes_need_rehash("alice").await.unwrap());
    assert!(!rotated.backup_codes_need_rehash("nobody").await.unwrap());
    // The old set still works under [2, 1] …
    rotated.verify_backup_code("alice", &codes[0]).await.unwrap();
    // … and not under [2] alone.
    let retired = service(&store, &clock, &two);
    assert!(matches!(
        retired.verify_backup_code("alice", &codes[1]).await,
        Err(Error::Hash(BackupError::KeyMismatch { stored: 1, held: 2 }))
    ));
    // The user regenerates: the new set is under 2, and [2] alone verifies it.
    let fresh = rotated
        .regenerate_backup_codes("alice", &code(&app, &clock))
        .await
        .unwrap();
    assert!(!rotated.backup_codes_need_rehash("alice").await.unwrap());
    let new_code = fresh.backup_codes.expose_code(0).unwrap();
    retired.verify_backup_code("alice", new_code).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// The text form

#[test]
fn the_text_form_round_trips() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let keys = ServerKeys::generate_with_rng(3, &mut rng)
        .with_old_keys(ServerKeys::generate(2).unwrap())
        .unwrap()
        .with_old_secret(u32::MAX, &[0xa5; 64])
        .unwrap()
        .with_old_secret(0, &[0x5a; 48])
        .unwrap();
    let text = keys.to_text();
    let entries: Vec<&str> = text.split(',').collect();
    assert_eq!(entries.len(), 4);
    assert!(entries[0].starts_with("tfk1.3.") && entries[0].len() == "tfk1.3.".len() + 43);
    assert!(entries[2].starts_with("tfk1.4294967295.") && entries[2].len() == "tfk1.4294967295.".len() + 86);
    assert!(entries[3].starts_with("tfk1.0."));
    let parsed: ServerKeys = text.parse().unwrap();
    assert_eq!(parsed.to_text(), text);
    assert_eq!(parsed.key_ids().collect::<Vec<_>>(), [3, 2, u32::MAX, 0]);
    assert_eq!(parsed.current_key_id(), 3);
    // A secrets file's surrounding white space is forgiven.
    let padded = format!("  {}\n", text.as_str());
    assert_eq!(ServerKeys::parse(&padded).unwrap().to_text(), text);
}

/// The secret every malformed case is built around; no error may show any of it.
const SECRET_B64: &str = "c2VjcmV0IGtleSBtYXRlcmlhbCwgbmV2ZXIgc2hvd24";

#[test]
fn every_malformed_text_is_a_typed_error_that_shows_no_key_material() {
    assert_eq!(BASE64URL_NOPAD.decode(SECRET_B64.as_bytes()).unwrap().len(), 32);
    let s = SECRET_B64;
    let entry = |entry, problem| ConfigError::KeyEntry { entry, problem };
    let short = BASE64URL_NOPAD.encode(&[7; 31]);
    let long = BASE64URL_NOPAD.encode(&[7; 65]);
    let not_canonical = format!("{}{}", &s[..s.len() - 1], "x"); // the last symbol's spare bits set
    let cases: Vec<(String, ConfigError)> = vec![
        (String::new(), ConfigError::NoKeys),
        (" \n\t".into(), ConfigError::NoKeys),
        (",".into(), entry(1, EntryProblem::Empty)),
        (format!("tfk1.1.{s},"), entry(2, EntryProblem::Empty)),
        (format!(",tfk1.1.{s}"), entry(1, EntryProblem::Empty)),
        (format!("tfk1.1.{s},,tfk1.2.{s}"), entry(2, EntryProblem::Empty)),
        (format!("tfk2.1.{s}"), entry(1, EntryProblem::Prefix)),
        (format!("TFK1.1.{s}"), entry(1, EntryProblem::Prefix)),
        (format!("tfk1.1.{s}, tfk1.2.{s}"), entry(2, EntryProblem::Prefix)),
        (s.to_owned(), entry(1, EntryProblem::Prefix)),
        (format!("tfk1.{s}"), entry(1, EntryProblem::Fields)),
        (format!("tfk1.1.{s}.2"), entry(1, EntryProblem::Fields)),
        (format!("tfk1..{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1.01.{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1.+1.{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1.-1.{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1. 1.{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1.1a.{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1.4294967296.{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1.99999999999.{s}"), entry(1, EntryProblem::KeyId)),
        (format!("tfk1.1.{s}="), entry(1, EntryProblem::Base64)),
        (
            format!("tfk1.1.{}+{}", &s[..10], &s[11..]),
            entry(1, EntryProblem::Base64),
        ),
        (
            format!("tfk1.1.{}/{}", &s[..10], &s[11..]),
            entry(1, EntryProblem::Base64),
        ),
        (
            format!("tfk1.1.{} {}", &s[..10], &s[11..]),
            entry(1, EntryProblem::Base64),
        ),
        (format!("tfk1.1.{not_canonical}"), entry(1, EntryProblem::Base64)),
        (format!("tfk1.1.{}", &s[..41]), entry(1, EntryProblem::Base64)), // 41 = 4n+1 symbols
        (
            format!("tfk1.1.{short}"),
            entry(1, EntryProblem::SecretLength { len: 31 }),
        ),
        (
            format!("tfk1.1.{long}"),
            entry(1, EntryProblem::SecretLength { len: 65 }),
        ),
        ("tfk1.1.".into(), entry(1, EntryProblem::SecretLength { len: 0 })),
        (
            format!("tfk1.1.{s},tfk1.2.{short}"),
            entry(2, EntryProblem::SecretLength { len: 31 }),
        ),
        (
            format!("tfk1.5.{s},tfk1.5.{s}"),
            ConfigError::DuplicateKeyId { key_id: 5 },
        ),
        (
            format!("tfk1.5.{s},tfk1.6.{long},tfk1.5.{s}"),
            entry(2, EntryProblem::SecretLength { len: 65 }),
        ),
    ];
    for (text, expected) in &cases {
        let error = ServerKeys::parse(text).map(|_| ()).unwrap_err();
        assert_eq!(&error, expected, "{text:?}");
        assert_eq!(text.parse::<ServerKeys>().map(|_| ()).unwrap_err(), error);
        for shown in [error.to_string(), format!("{error:?}")] {
            let leaked = (0..=s.len() - 6).any(|at| shown.contains(&s[at..at + 6]));
            assert!(!leaked, "{shown:?} shows part of the secret");
        }
    }
}

#[test]
fn programmatic_keys_are_checked_like_the_text() {
    assert_eq!(
        ServerKeys::new(1, &[1; 31]).map(|_| ()).unwrap_err(),
        ConfigError::KeySecretLength { len: 31 }
    );
    assert_eq!(
        ServerKeys::new(1, &[1; 32])
            .unwrap()
            .with_old_secret(1, &[2; 32])
            .map(|_| ())
            .unwrap_err(),
        ConfigError::DuplicateKeyId { key_id: 1 }
    );
    let (one, both, _) = rotation();
    assert_eq!(
        one.clone().with_old_keys(both).map(|_| ()).unwrap_err(),
        ConfigError::DuplicateKeyId { key_id: 1 }
    );
    assert_eq!(
        ServerKeys::from_env("TWOFACTOR_TEST_SURELY_UNSET_VARIABLE")
            .map(|_| ())
            .unwrap_err(),
        ConfigError::EnvNotSet
    );
}

/// `from_env` in a child process of this test binary, which is given the variable (setting the
/// environment of a running multi-threaded test would be `unsafe`).
#[test]
fn from_env_reads_the_text_form() {
    const VAR: &str = "TWOFACTOR_TEST_SERVER_KEYS";
    if let Some(expected) = std::env::var_os("TWOFACTOR_TEST_EXPECT") {
        let result = ServerKeys::from_env(VAR).map(|keys| format!("{keys:?}"));
        assert_eq!(format!("{result:?}"), expected.to_str().unwrap());
        return;
    }
    let run = |value: std::ffi::OsString, expect: &str| {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "from_env_reads_the_text_form", "--quiet"])
            .env(VAR, value)
            .env("TWOFACTOR_TEST_EXPECT", expect)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "child expecting {expect}");
    };
    let (_, both, _) = rotation();
    run(
        format!("{}\n", both.to_text().as_str()).into(),
        r#"Ok("ServerKeys { current: 2, keys: [2, 1] }")"#,
    );
    run(
        "tfk1.1.c2VjcmV0".into(),
        "Err(KeyEntry { entry: 1, problem: SecretLength { len: 6 } })",
    );
    run(
        "tfk1.1.short".into(),
        "Err(KeyEntry { entry: 1, problem: Base64 })",
    );
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        run(
            std::ffi::OsString::from_vec(vec![0x74, 0xff, 0x66]),
            "Err(EnvNotUnicode)",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Debug

#[test]
fn debug_shows_the_ids_only() {
    let (_, both, _) = rotation();
    assert_eq!(format!("{both:?}"), "ServerKeys { current: 2, keys: [2, 1] }");
    assert_eq!(
        format!("{:?}", both.keyring()),
        "Keyring { current: 2, keys: [2, 1] }"
    );
    assert_eq!(
        format!("{:?}", both.challenge_keys()),
        "ChallengeKeyring { current: 2, keys: [2, 1] }"
    );
    assert_eq!(
        format!("{:?}", both.backup_hasher()),
        "HmacHasher { key_id: 2, old_key_ids: [1], .. }"
    );
    assert_eq!(
        format!("{:?}", ServerKeys::parse(KAT_TEXT).unwrap()),
        "ServerKeys { current: 1, keys: [1] }"
    );
    let text = both.to_text();
    let shown = format!("{both:#?} {:#?} {:#?}", both.keyring(), both.backup_hasher());
    for entry in text.split(',') {
        let secret = entry.rsplit('.').next().unwrap();
        assert!(!shown.contains(&secret[..8]));
    }
}

// ---------------------------------------------------------------------------------------------
// Adopting ServerKeys over keys the application held itself

#[tokio::test]
async fn server_keys_adopt_the_keys_already_in_use_as_old_ones() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let (old_sealing, old_pepper) = ([0x51; 32], [0x52; 32]);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &old_pepper).unwrap())
        .build()
        .unwrap();
    let before = TwoFactor::without_keys(Arc::clone(&store), clock.clone(), config)
        .with_keyring(Keyring::new(SealingKey::new(1, &old_sealing).unwrap()))
        .with_challenge_key(ChallengeKey::new(1, &[0x53; 32]).unwrap());
    let (app, codes) = enroll(&before, &clock, "alice").await;
    let old_challenge = before.issue_challenge("alice").await.unwrap();

    let keys = ServerKeys::new(2, &[0x22; 32]).unwrap();
    let keyring = keys
        .keyring()
        .with_old_key(SealingKey::new(1, &old_sealing).unwrap())
        .unwrap();
    let hasher = keys.backup_hasher().with_old_key(1, &old_pepper).unwrap();
    let config = Config::builder("Example").hasher(hasher).build().unwrap();
    let after =
        TwoFactor::new(Arc::clone(&store), clock.clone(), config, &keys).with_keyring(keyring.clone());

    // The old challenge key is gone: its token is refused (it named id 1, which is not held).
    assert!(matches!(
        after.challenge_user(old_challenge.as_str()),
        Err(Error::Challenge(ChallengeError::UnknownKey { key_id: 1 }))
    ));
    // The record sealed under the held key opens, the old set verifies, and both are flagged.
    assert!(stored(&store, "alice").await.needs_reseal(&keyring));
    assert!(after.backup_codes_need_rehash("alice").await.unwrap());
    after.verify_code("alice", &code(&app, &clock)).await.unwrap();
    after.verify_backup_code("alice", &codes[0]).await.unwrap();
    // The write sealed it under derived key 2; the derived keys alone now open it.
    assert!(!stored(&store, "alice").await.needs_reseal(&keys.keyring()));
    let token = after.issue_challenge("alice").await.unwrap();
    assert_eq!(
        service(&store, &clock, &keys)
            .challenge_user(token.as_str())
            .unwrap(),
        "alice"
    );
}

#[test]
fn sealing_and_challenge_keys_show_their_ids_only_and_a_sealing_key_leaves_zeros() {
    let key = SealingKey::new(7, &[0xa5; SealingKey::LEN]).unwrap();
    assert_eq!(format!("{key:?}"), "SealingKey { id: 7, .. }");
    let challenge = ChallengeKey::new(8, &[0xa5; 32]).unwrap();
    assert_eq!(format!("{challenge:?}"), "ChallengeKey { id: 8, .. }");

    let mut slot = core::mem::MaybeUninit::new(key);
    // SAFETY: the slot holds a key, dropped once here and never used as a key again; its
    // memory (a u32 and 32 bytes, no padding) is then read as plain bytes.
    #[allow(unsafe_code)]
    let bytes = unsafe {
        slot.assume_init_drop();
        core::slice::from_raw_parts(slot.as_ptr().cast::<u8>(), size_of::<SealingKey>()).to_vec()
    };
    assert!(
        !bytes.windows(4).any(|window| window == [0xa5; 4]),
        "the key's bytes outlive it: {bytes:02x?}"
    );
}
