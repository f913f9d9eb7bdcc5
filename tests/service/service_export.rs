//! `danger_export_plain_secrets`: every user's authenticators with their secrets as JSON Lines,
//! sealed secrets opened with the keyring, page after page; what it writes imports back.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use serde_json::Value;
use twofactor::backup::HmacHasher;
use twofactor::keys::ServerKeys;
use twofactor::otp::{Algorithm, TotpParams};
use twofactor::policy::Import;
use twofactor::seal::SealError;
use twofactor::{Config, Error, ManualClock, MemoryStore, Secret, Totp, TwoFactor};

const START: u64 = 1_700_000_000;

fn config() -> Config {
    Config::builder("Example")
        .hasher(HmacHasher::new(1, &[7; 32]).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_user_is_exported_once_with_open_secrets_and_imports_back() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(START);
    let keys = ServerKeys::generate(1).unwrap();
    let service = TwoFactor::new(Arc::clone(&store), clock.clone(), config(), &keys);
    let params = TotpParams::builder()
        .algorithm(Algorithm::Sha512)
        .digits(8)
        .build()
        .unwrap();
    let mut secrets = Vec::new();
    for (index, user) in ["ann", "bo\"b", "cy", "dee", "eve"].iter().enumerate() {
        let secret = Secret::from_bytes(&[u8::try_from(index).unwrap() + 1; 20]).unwrap();
        let import = Import::new(secret.clone(), params).label(format!("Phone \"{index}\""));
        service.import(*user, import).await.unwrap();
        secrets.push((user.to_string(), secret));
    }

    let mut lines = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = service
            .danger_export_plain_secrets(after.as_deref(), 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        lines.extend(page.into_iter().map(|(_, line)| line.to_string()));
    }
    assert_eq!(lines.len(), secrets.len());

    // A fresh deployment imports the export and the users' apps still sign in.
    let other = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config());
    for line in &lines {
        let value: Value = serde_json::from_str(line).unwrap();
        let user = value["user"].as_str().unwrap();
        let (_, secret) = secrets.iter().find(|(name, _)| name == user).unwrap();
        let authenticator = &value["authenticators"][0];
        assert_eq!(
            authenticator["secret"].as_str().unwrap(),
            secret.to_base32().as_str()
        );
        assert_eq!(authenticator["algorithm"], "SHA512");
        assert_eq!(authenticator["digits"], 8);
        assert_eq!(authenticator["period"], 30);
        assert!(authenticator["label"].as_str().unwrap().starts_with("Phone \""));
        let step = authenticator["last_step"].as_u64().unwrap();
        let import = Import::new(
            Secret::from_base32(authenticator["secret"].as_str().unwrap()).unwrap(),
            params,
        )
        .last_step(step);
        other.import(user, import).await.unwrap();
    }
    clock.advance(30);
    for (user, secret) in &secrets {
        let code = Totp::new(secret, params)
            .generate(clock.get())
            .unwrap()
            .to_string();
        other.verify(user, &code).await.unwrap();
    }

    // Sealed secrets without the keyring: refused, not exported as nothing.
    let keyless = TwoFactor::without_keys(Arc::clone(&store), clock, config());
    assert!(matches!(
        keyless.danger_export_plain_secrets(None, 10).await,
        Err(Error::Seal(SealError::NoKeyring))
    ));
}
