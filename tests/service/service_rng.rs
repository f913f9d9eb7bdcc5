//! The service's one source of randomness (`TwoFactor::with_rng`): a whole life — enrollment,
//! confirmation, a login, a backup code, regeneration, a login challenge — run twice from the
//! same seed and the same manual clock issues the same secret, backup codes and challenge token
//! and stores the same record bytes (sealed secrets included); another seed issues none of them.
//! With HMAC backup codes (hashed in place) and with Argon2id (hashed on blocking threads, whose
//! draws come from the same generator).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use twofactor::backup::{CodeHasher, HmacHasher};
use twofactor::challenge::ChallengeKey;
use twofactor::seal::{Keyring, SealingKey};
use twofactor::{Config, ManualClock, MemoryStore, Store, Totp, TwoFactor, Via};

/// Everything random a life issued, and the record as stored after each step.
#[derive(Debug, PartialEq, Eq)]
struct Life {
    secret: String,
    first_codes: Vec<String>,
    second_codes: Vec<String>,
    token: String,
    stored: Vec<Vec<u8>>,
}

async fn live<H: CodeHasher + Send + Sync + 'static>(seed: u64, hasher: H) -> Life {
    let user = String::from("user-42");
    let clock = ManualClock::new(1_700_000_000);
    let config = Config::builder("Example").hasher(hasher).build().unwrap();
    let keyring = Keyring::new(SealingKey::new(1, &[1; 32]).unwrap());
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
        .with_keyring(keyring)
        .with_challenge_key(ChallengeKey::new(1, &[9; 32]).unwrap())
        .with_rng(ChaCha20Rng::seed_from_u64(seed));
    let mut stored = Vec::new();
    let snapshot = async |stored: &mut Vec<Vec<u8>>| {
        let record = service.store().load(&user).await.unwrap().unwrap();
        stored.push(record.encode().to_vec());
    };

    let enrollment = service.begin_enrollment(&user, "alice").await.unwrap();
    snapshot(&mut stored).await;
    let app = Totp::new(&enrollment.secret, service.config().params());
    let confirmed = service
        .confirm_enrollment(&user, &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    snapshot(&mut stored).await;

    clock.advance(30);
    let login = service
        .verify(&user, &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    assert_eq!(login.via, Via::Code);
    snapshot(&mut stored).await;

    clock.advance(5);
    let backup = service
        .verify(&user, confirmed.backup_codes.expose_code(4).unwrap())
        .await
        .unwrap();
    assert_eq!((backup.via, backup.backup_codes_remaining), (Via::BackupCode, 9));
    snapshot(&mut stored).await;

    clock.advance(30);
    let regenerated = service
        .regenerate_backup_codes(&user, &app.generate(clock.get()).unwrap().to_string())
        .await
        .unwrap();
    snapshot(&mut stored).await;

    let token = service.issue_challenge(&user).await.unwrap();
    snapshot(&mut stored).await;
    clock.advance(30);
    let code = app.generate(clock.get()).unwrap().to_string();
    service
        .verify_with_challenge(&user, token.as_str(), &code)
        .await
        .unwrap();
    snapshot(&mut stored).await;

    Life {
        secret: enrollment.secret.to_base32().to_string(),
        first_codes: confirmed.backup_codes.expose_codes().map(str::to_owned).collect(),
        second_codes: regenerated
            .backup_codes
            .expose_codes()
            .map(str::to_owned)
            .collect(),
        token: token.as_str().to_owned(),
        stored,
    }
}

fn assert_reproducible(first: &Life, again: &Life, other: &Life) {
    assert_eq!(first, again);
    assert_eq!(first.stored.len(), 7);
    assert_ne!(first.secret, other.secret);
    assert_ne!(first.token, other.token);
    for (mine, theirs) in first.stored.iter().zip(&other.stored) {
        assert_ne!(mine, theirs);
    }
    for code in first.first_codes.iter().chain(&first.second_codes) {
        assert!(!other.first_codes.contains(code) && !other.second_codes.contains(code));
    }
    assert!(
        first
            .first_codes
            .iter()
            .all(|code| !first.second_codes.contains(code))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn one_seed_one_life_with_hmac_codes() {
    let hasher = || HmacHasher::new(1, &[7; 32]).unwrap();
    let first = live(1, hasher()).await;
    let again = live(1, hasher()).await;
    let other = live(2, hasher()).await;
    assert_reproducible(&first, &again, &other);
}

#[cfg(feature = "argon2")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_seed_one_life_with_argon2_codes_hashed_on_blocking_threads() {
    use twofactor::backup::{Argon2Hasher, HashScheme};
    let hasher = || Argon2Hasher::with_params(HashScheme::ARGON2_MIN_M_COST, 1, 1).unwrap();
    let first = live(1, hasher()).await;
    let again = live(1, hasher()).await;
    let other = live(2, hasher()).await;
    assert_reproducible(&first, &again, &other);
}

/// Without `with_rng` the operating system's CSPRNG draws: two services issue different
/// secrets.
#[tokio::test(flavor = "current_thread")]
async fn the_default_source_is_the_operating_system() {
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap();
    let service = || {
        TwoFactor::without_keys(
            MemoryStore::new(),
            ManualClock::new(1_700_000_000),
            config.clone(),
        )
    };
    let one = service().begin_enrollment("u1", "alice").await.unwrap();
    let two = service().begin_enrollment("u1", "alice").await.unwrap();
    assert_ne!(one.secret, two.secret);
}
