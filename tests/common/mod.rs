//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::PathBuf;

/// A row of a tab-separated test-vector file under `tests/data/`, keyed by its header.
pub struct Row(pub std::collections::HashMap<String, String>);

impl Row {
    pub fn get(&self, column: &str) -> &str {
        self.0.get(column).unwrap_or_else(|| panic!("no column {column}"))
    }
}

/// Reads `tests/data/<name>`: `#` lines are comments, the first other line is the header.
pub fn read_vectors(name: &str) -> Vec<Row> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|line| {
            Row(header
                .iter()
                .map(|h| h.to_string())
                .zip(line.split('\t').map(str::to_string))
                .collect())
        })
        .collect()
}

pub fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Whether the run is CI's, where an outside tool that is missing is a failure, never a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The crate's features that this test was compiled with, as a `--features` list.
pub fn enabled_features() -> String {
    [
        ("default", cfg!(feature = "default")),
        ("std", cfg!(feature = "std")),
        ("alloc", cfg!(feature = "alloc")),
        ("argon2", cfg!(feature = "argon2")),
        ("qr", cfg!(feature = "qr")),
        ("seal", cfg!(feature = "seal")),
        ("serde", cfg!(feature = "serde")),
        ("testkit", cfg!(feature = "testkit")),
        ("sqlite", cfg!(feature = "sqlite")),
        ("postgres", cfg!(feature = "postgres")),
        ("mysql", cfg!(feature = "mysql")),
        ("bcrypt", cfg!(feature = "bcrypt")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect::<Vec<_>>()
    .join(",")
}

/// The executable of the example `name`, built with this test's features (so that it reuses the
/// artifacts `cargo test` made; under `cargo test` the build finds everything fresh).
///
/// Integration tests get `CARGO_BIN_EXE_<name>` for binaries but not for examples: the path is
/// taken from Cargo's own report, with no guess about the target directory, the profile or a
/// `--target` triple.
pub fn example_binary(name: &str) -> PathBuf {
    let output = std::process::Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--example", name, "--message-format=json"])
        .args(["--no-default-features", "--features", &enabled_features()])
        // `cargo test --release` builds the example optimised too; reuse that build.
        .args((!cfg!(debug_assertions)).then_some("--release"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(output.status.success(), "cargo build --example {name} failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|message| {
            message["reason"] == "compiler-artifact"
                && message["target"]["name"] == name
                && message["target"]["kind"] == serde_json::json!(["example"])
        })
        .and_then(|artifact| artifact["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported the example's executable")
}
