//! `cargo run --all-features --example demo`, run for real: it exits 0, tells each step of the
//! story (the stored row's secret sealed included: the demo checks that the row holds no plain
//! secret), prints the QR code, and leaves no database behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::process::{Command, Stdio};

#[test]
fn demo_plays_the_whole_story_and_exits_0() {
    let output = Command::new(common::example_binary("demo"))
        .stdin(Stdio::null())
        .output()
        .expect("run the demo");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "the demo failed.\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(stderr, "");

    for line in [
        "1. Alice turns on two-factor authentication.",
        "   otpauth://totp/Demo%20Co:alice%40example.com?secret=",
        "2. Her app shows a code; she types it to confirm.",
        "accepted: 2FA is on (credential epoch 1).",
        "10 backup codes, shown once: ",
        "holds her secret sealed under key 1, not in the clear.",
        "3. A minute later, she signs in: password, then code.",
        "login challenge (single use, 5 minutes)",
        "accepted with the challenge: signed in.",
        "The challenge, even with the next code: login challenge refused: the login challenge was already used.",
        "The code, with a new challenge: the code was already used.",
        "accepted (case does not matter); 9 backup codes remain.",
        "Throttled: no code is even checked until ",
        "(60 s from now).",
        "6. She adds her password manager as a second authenticator.",
        "confirmed with the manager's own ",
        "her authenticators: 1 \"Phone\", 2 \"Password manager\".",
        "signed in, no code asked.",
        "She revokes it from her settings; the same token now: the remembered device was refused",
        "is accepted and the count starts over.",
        "2FA is off; the credential epoch moved to 3",
        "Every step behaved as described.",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    // The QR code, in half blocks.
    assert!(
        stdout.contains('▀') || stdout.contains('▄'),
        "no QR code in:\n{stdout}"
    );
    // Short: the story without the QR code fits a screen.
    let lines = stdout
        .lines()
        .filter(|line| !line.contains(['▀', '▄', '█']))
        .count();
    assert!(lines <= 60, "{lines} lines:\n{stdout}");

    // The temporary database is gone.
    let named = stdout
        .split_whitespace()
        .find(|word| word.contains("twofactor-demo-"))
        .expect("the demo names its database");
    let path = named.trim_end_matches(['.', ')']);
    assert!(!std::path::Path::new(path).exists(), "{path} left behind");
}
