//! The examples, built by Cargo and run for real: the demo, the `otp` command-line tool, and the
//! web application over HTTP.

#[path = "../common/mod.rs"]
mod common;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
#[path = "../web/mod.rs"]
mod web;

mod cli_otp;
#[cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "mysql",
    feature = "bcrypt",
    feature = "seal"
))]
mod cli_store;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "seal"))]
mod demo;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
mod web_devices;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
mod web_http;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
mod web_sealing;
#[cfg(all(feature = "sqlite", feature = "qr", feature = "argon2", feature = "seal"))]
mod web_security;
