//! `cargo run --example demo`: a walk through the OTP core, with nothing to set up.
//!
//! A server makes a secret, the "authenticator app" (here, the same crate) shows a code, the
//! server verifies it, learns the matched step, and refuses the same code a second time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use twofactor::{Algorithm, Secret, Totp, TotpParams, VerifyError, Window, unix_time_now};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = Secret::generate(Algorithm::Sha1)?;
    println!("1. The server generates a secret: {secret:?}");
    println!(
        "   (the user's app receives it as base32: {} characters)",
        secret.to_base32().len()
    );

    let totp = Totp::new(&secret, TotpParams::DEFAULT);
    let now = unix_time_now()?;
    let code = totp.generate(now)?;
    println!("2. The authenticator app shows the code {code}");

    let found = totp.verify(&code.to_string(), now, Window::DEFAULT, None)?;
    println!(
        "3. The server accepts it: step {}, drift {} steps",
        found.step(),
        found.drift()
    );

    match totp.verify(&code.to_string(), now, Window::DEFAULT, Some(found.step())) {
        Err(VerifyError::Replay) => println!("4. The same code again is refused: {}", VerifyError::Replay),
        other => return Err(format!("a replay must be refused, got {other:?}").into()),
    }

    let typo = totp.verify("12345", now, Window::DEFAULT, Some(found.step()));
    println!("5. A mistyped code gets a typed error: {}", typo.unwrap_err());
    Ok(())
}
