//! Tests that need a program from outside the crate's build: codes compared with pyotp and
//! oathtool, URIs with pyotp, and the web application in headless Chromium. On the harness of
//! `tests/harness/`: a test whose program is absent is reported as ignored, with what it needs
//! (failing under `CI=true`).

#[macro_use]
#[path = "../harness/mod.rs"]
mod harness;
#[path = "../common/mod.rs"]
mod common;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
#[path = "../web/mod.rs"]
mod web;

mod outside_agreement;
mod uri_pyotp;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
mod web_browser;

fn main() {
    #[allow(unused_mut)]
    let mut trials = outside_agreement::trials();
    #[cfg(feature = "alloc")]
    trials.extend(uri_pyotp::trials());
    #[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
    trials.extend(web_browser::trials());
    harness::run(trials);
}
