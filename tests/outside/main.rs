//! Tests that need a program from outside the crate's build: codes compared with pyotp and
//! oathtool, URIs with pyotp, and the web application in headless Chromium.

#[path = "../common/mod.rs"]
mod common;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
#[path = "../web/mod.rs"]
mod web;

mod outside_agreement;
mod uri_pyotp;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
mod web_browser;
