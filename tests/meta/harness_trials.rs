//! In the test binaries on the harness of `tests/harness/` (`harness = false` in `Cargo.toml`),
//! every test is a trial listed in its module's `trials()`: a `#[test]`, `#[tokio::test]` or
//! `proptest!` test there is compiled out and never runs, without a word (one merged in from a
//! branch of the former layout, say). None may be there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

/// The names of the `[[test]]` entries of `Cargo.toml` with `harness = false`.
fn harnessless(manifest: &str) -> Vec<String> {
    manifest
        .split("\n[[")
        .filter(|table| table.starts_with("test]]") && table.contains("\nharness = false"))
        .filter_map(|table| table.lines().find_map(|line| line.strip_prefix("name = ")))
        .map(|name| name.trim_matches('"').to_owned())
        .collect()
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|ext| ext == "rs") {
        out.push(path.to_owned());
    }
}

#[test]
fn the_binaries_on_the_harness_have_no_test_it_would_never_run() {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let binaries = harnessless(&fs::read_to_string(tests.join("../Cargo.toml")).unwrap());
    assert!(binaries.len() >= 3, "harness = false binaries: {binaries:?}");
    let mut unrun = Vec::new();
    for binary in binaries {
        let folder = tests.join(&binary);
        let mut files = Vec::new();
        rust_files(&folder, &mut files);
        // The modules it takes from elsewhere: `#[path = "../common/mod.rs"]` and the like.
        let main = fs::read_to_string(folder.join("main.rs")).unwrap();
        for path in main.lines().filter_map(|line| line.strip_prefix("#[path = \"")) {
            let module = folder.join(path.trim_end_matches("\"]"));
            rust_files(module.parent().unwrap(), &mut files);
        }
        for file in files {
            for (number, line) in fs::read_to_string(&file).unwrap().lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with("#[test]")
                    || line.starts_with("#[tokio::test")
                    || line.starts_with("proptest!")
                {
                    unrun.push(format!("{}:{}: {line}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        unrun.is_empty(),
        "tests that the harness would never run (list them in the module's `trials()` with \
         `trial!`, tests/harness/mod.rs): {unrun:#?}"
    );
}
