//! `cargo run --all-features --example demo`: the whole story of a user's second factor, with
//! nothing to set up.
//!
//! The service keeps its records in an SQLite database in a temporary file (removed at the end),
//! with each TOTP secret sealed under a keyring (feature `seal`).
//! The demo plays the application (with a hard-coded password check) and the user's
//! authenticator app (it computes codes from the secret shown at enrollment, as the app would).
//! Time comes from a [`ManualClock`] that starts at the real time and is moved forward on
//! purpose, so that the story is the same on every run and never sleeps: scan the QR code with a
//! real app and it shows the demo's first code.
//!
//! Every step checks its outcome: the demo exits 0 only if each one behaved as told, and
//! otherwise says which did not and exits 1.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use twofactor::keys::ServerKeys;
use twofactor::otp::unix_time_now;
use twofactor::policy::Throttling;
use twofactor::qr::QrOptions;
use twofactor::seal::Keyring;
use twofactor::{Config, Error, ManualClock, SqliteStore, Store, Totp, TwoFactor, Via};

/// The demo's service: records in SQLite, time from the manual clock.
type Service = TwoFactor<SqliteStore, ManualClock>;

/// The application's own user id (the key of the 2FA record) and the name the app shows.
const USER: &str = "user-1";
const ACCOUNT: &str = "alice@example.com";
const PASSWORD: &str = "correct horse battery staple";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let path = database_path();
    let outcome = run(&path).await;
    remove_database(&path);
    match outcome {
        Ok(()) => {
            println!("\nEvery step behaved as described.");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("\ndemo failed: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// A step that did not behave as told.
type Failure = Box<dyn std::error::Error>;

/// Fails the demo with `message` unless `holds`.
fn check(holds: bool, message: impl Display) -> Result<(), Failure> {
    if holds {
        Ok(())
    } else {
        Err(message.to_string().into())
    }
}

async fn run(path: &Path) -> Result<(), Failure> {
    let clock = ManualClock::new(unix_time_now()?);
    let store = SqliteStore::open(path, "two_factor").await?;
    // The server keys — one secret per key id, from which the key that seals the secrets in the
    // store and the key that authenticates login challenges are derived: from the application's
    // secret store in production (`ServerKeys::from_env`), kept as long as the database and
    // shared by every instance. This database is temporary, so a fresh random secret will do.
    let keys = ServerKeys::generate(1)?;
    let keyring = keys.keyring();
    let service = TwoFactor::new(store, clock.clone(), Config::new("Demo Co")?, &keys);
    println!("twofactor demo: Demo Co's application and alice's authenticator app, on a database");
    println!("in {} (removed at the end).", path.display());
    let result = story(&service, &clock, &keyring).await;
    service.store().pool().close().await;
    result
}

async fn story(service: &Service, clock: &ManualClock, keyring: &Keyring) -> Result<(), Failure> {
    // 1. Enrollment.
    heading(1, "alice turns on two-factor authentication");
    let enrollment = service.begin_enrollment(USER, ACCOUNT).await?;
    println!("   The application shows this key URI as a QR code, drawn locally:");
    println!("   {}", enrollment.uri.to_uri_string().as_str());
    print!("{}", enrollment.qr_code(QrOptions::new())?.to_terminal().as_str());
    println!(
        "   (or the secret to type in: {} characters of base32; it is never shown again)",
        enrollment.secret.to_base32().len()
    );

    // 2. Confirmation with the app's current code.
    let app = Totp::new(&enrollment.secret, service.config().params());
    let secret = enrollment.secret.clone();
    drop(enrollment);
    heading(2, "her app shows a code; she types it to confirm");
    let code = app.generate(clock.get())?.to_string();
    let confirmed = service.confirm_enrollment(USER, &code).await?;
    let confirmed_id = confirmed.authenticator;
    // The application shows them once; the demo keeps them to play the user later.
    let backup_codes = confirmed.backup_codes;
    let backup = |index| backup_codes.expose_code(index).unwrap_or_default();
    println!(
        "   {code} accepted: 2FA is on (credential epoch {}).",
        confirmed.epoch
    );
    println!(
        "   {} backup codes, shown once: {}, {}, …",
        backup_codes.len(),
        backup(0),
        backup(1)
    );
    check(backup_codes.len() == 10, "10 backup codes")?;
    // What the database holds: the row as the store reads it back, secret sealed.
    let stored = service.store().load(USER).await?.ok_or("no stored record")?;
    let row = stored.encode();
    let plain = secret.expose_secret();
    check(
        !row.windows(plain.len()).any(|window| window == plain),
        "the stored row holds no plain secret",
    )?;
    check(
        !stored.needs_reseal(keyring),
        "the secret is sealed under the current key",
    )?;
    println!(
        "   The stored row ({} bytes) holds her secret sealed under key {}, not in the clear.",
        row.len(),
        keyring.current_key_id()
    );
    drop(secret);

    // 3. A login: password, then code, joined by a login challenge.
    heading(3, "a minute later, she signs in: password, then code");
    clock.advance(60);
    check(password_ok(USER, PASSWORD), "the demo's password check")?;
    let challenge = service.issue_challenge(USER).await?;
    println!("   Password right; 2FA is on, so instead of a session the application hands out a");
    println!("   login challenge (single use, 5 minutes) and asks for a code.");
    // The next request carries the challenge: it names the user, and nothing was kept in between.
    let user = service.challenge_user(challenge.as_str())?;
    let code = app.generate(clock.get())?.to_string();
    let verified = service
        .verify_with_challenge(&user, challenge.as_str(), &code)
        .await?;
    check(verified.via == Via::Code, "the login went through the app's code")?;
    println!("   {code} accepted with the challenge: signed in.");

    // 4. The same challenge, and the same code, again.
    heading(4, "someone who saw that code and the challenge tries them again");
    clock.advance(30);
    let next = app.generate(clock.get())?.to_string();
    match service
        .verify_with_challenge(USER, challenge.as_str(), &next)
        .await
    {
        Err(Error::Challenge(reason)) => {
            println!("   The challenge, even with the next code: login challenge refused: {reason}.");
        }
        other => return Err(format!("a spent challenge must be refused, got {other:?}").into()),
    }
    let fresh = service.issue_challenge(USER).await?;
    match service.verify_with_challenge(USER, fresh.as_str(), &code).await {
        Err(error @ Error::Replay { via: Via::Code }) => {
            println!("   The code, with a new challenge: {error}.");
        }
        other => return Err(format!("a replayed code must be refused, got {other:?}").into()),
    }

    // 5. A backup code.
    heading(5, "her phone is flat: she uses a backup code");
    let typed = backup(0).to_lowercase();
    let verified = service.verify(USER, &typed).await?;
    check(
        verified.via == Via::BackupCode,
        "the backup code was taken as one",
    )?;
    println!(
        "   {typed} accepted (case does not matter); {} backup codes remain.",
        verified.backup_codes_remaining
    );
    check(verified.backup_codes_remaining == 9, "9 backup codes remain")?;

    // 6. A second authenticator.
    heading(6, "she adds her password manager as a second authenticator");
    clock.advance(30);
    let proof = app.generate(clock.get())?.to_string();
    let adding = service
        .begin_adding_authenticator(USER, "Password manager", ACCOUNT, &proof)
        .await?;
    let manager = Totp::new(&adding.secret, service.config().params());
    let code = manager.generate(clock.get())?.to_string();
    let added = service.confirm_enrollment(USER, &code).await?;
    check(
        added.backup_codes.is_empty(),
        "her backup codes stay as they were",
    )?;
    println!(
        "   Proven with her phone's {proof}, confirmed with the manager's own {code}: authenticator {}.",
        added.authenticator
    );
    clock.advance(30);
    let code = manager.generate(clock.get())?.to_string();
    let verified = service.verify(USER, &code).await?;
    check(
        verified.authenticator == Some(added.authenticator),
        "the login names the authenticator that matched",
    )?;
    // The first one was enrolled without a name; naming needs no proof.
    service.rename_authenticator(USER, confirmed_id, "Phone").await?;
    let names: Vec<String> = service
        .authenticators(USER)
        .await?
        .into_iter()
        .map(|authenticator| format!("{} \"{}\"", authenticator.id, authenticator.label))
        .collect();
    println!(
        "   She signs in with the manager's {code}; her authenticators: {}.",
        names.join(", ")
    );

    // 7. A remembered device.
    heading(
        7,
        "she ticks \"remember this device\", and signs in again without a code",
    );
    let token = service.remember_device(USER, "alice's terminal").await?;
    clock.advance(3_600);
    let signed_in = service.verify_remembered(USER, token.as_str()).await?;
    println!(
        "   An hour later, password right and the device's token (a cookie, no secret in it): signed in, no code asked."
    );
    check(
        service.revoke_device(USER, &signed_in.device.id).await?,
        "the device is revoked",
    )?;
    match service.verify_remembered(USER, token.as_str()).await {
        Err(error @ Error::RememberedDevice(_)) => {
            println!("   She revokes it from her settings; the same token now: {error}.");
        }
        other => return Err(format!("a revoked device must be refused, got {other:?}").into()),
    }

    // 8. Guessing, until throttled.
    heading(8, "an attacker with her password guesses codes");
    let wrong = wrong_code(&app, clock.get())?;
    let retry_at = loop {
        match service.verify(USER, &wrong).await {
            Err(Error::WrongCode { via: Via::Code }) => println!("   {wrong}: wrong."),
            Err(Error::Throttled { retry_at, .. }) => break retry_at,
            other => return Err(format!("a guess must be refused, got {other:?}").into()),
        }
    };
    let now = clock.get();
    println!(
        "   Throttled: no code is even checked until {} ({} s from now).",
        utc_time(retry_at),
        retry_at - now
    );
    let code = app.generate(now)?.to_string();
    check(
        matches!(service.verify(USER, &code).await, Err(Error::Throttled { .. })),
        "while throttled, even the right code is refused",
    )?;
    println!("   Even the right code, {code}, is refused until then.");
    clock.set(retry_at);
    let code = app.generate(clock.get())?.to_string();
    service.verify(USER, &code).await?;
    println!(
        "   At {}, alice's {code} is accepted and the count starts over.",
        utc_time(retry_at)
    );
    let status = service.status(USER).await?;
    check(
        status.codes == Throttling::Open && status.code_failures == 0,
        "a success clears the failures",
    )?;

    // 9. Disable.
    heading(9, "alice turns two-factor authentication off, proven by a code");
    clock.advance(30);
    let code = app.generate(clock.get())?.to_string();
    let changed = service.disable(USER, &code).await?;
    let status = service.status(USER).await?;
    check(!status.enabled, "2FA is off")?;
    println!(
        "   2FA is off; the credential epoch moved to {}: sessions from before end.",
        changed.epoch
    );
    check(
        matches!(service.verify(USER, backup(1)).await, Err(Error::NotEnrolled)),
        "the backup codes went with it",
    )?;
    println!("   Her old backup codes went with it.");
    Ok(())
}

fn heading(step: u32, text: &str) {
    println!("\n{step}. {}{}.", text[..1].to_uppercase(), &text[1..]);
}

/// The application's password check: a real one compares a salted password hash (see
/// `examples/web/users.rs`).
fn password_ok(user: &str, password: &str) -> bool {
    user == USER && password == PASSWORD
}

/// A code of the right shape that the server would not accept now: none of the codes of the
/// window around `now`.
fn wrong_code(app: &Totp, now: u64) -> Result<String, Failure> {
    let near = [now - 30, now, now + 30]
        .into_iter()
        .map(|at| app.generate(at).map(|code| code.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((0..10)
        .map(|digit| digit.to_string().repeat(6))
        .find(|guess| !near.contains(guess))
        .unwrap_or_default())
}

/// `HH:MM:SS UTC` of a Unix time.
fn utc_time(at: u64) -> String {
    let seconds = at % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A fresh file name in the temporary directory.
fn database_path() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    std::env::temp_dir().join(format!("twofactor-demo-{}-{nanos}.db", std::process::id()))
}

/// Removes the database and SQLite's write-ahead log beside it.
fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}
