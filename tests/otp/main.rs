//! The OTP core: the RFC test vectors, verification, typed code input, property tests and
//! secrets. One test binary per area (`tests/*/main.rs`); each module is one former test file.

#[path = "../common/mod.rs"]
mod common;

mod code_input;
mod properties;
mod rfc_vectors;
mod secret;
mod verify;
