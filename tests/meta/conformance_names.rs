//! Every test that `CONFORMANCE.md` names as proof exists, so that a reviewer who runs it runs a
//! real test: `module::…::name` is `fn name` in `tests/<binary>/module.rs` (or under a folder
//! `module/` of `tests/`),
//! `lib path::name` is `fn name` under `src/`, `fuzz:target` is `fuzz/fuzz_targets/target.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn defines(files: &[PathBuf], name: &str) -> bool {
    let pattern = format!("fn {name}(");
    files
        .iter()
        .any(|file| fs::read_to_string(file).unwrap().contains(&pattern))
}

/// Whether `path` (under `tests/`) is the module `name`: `name.rs`, or a file in a folder `name/`.
fn in_module(path: &Path, name: &str) -> bool {
    let file = format!("{name}.rs");
    path.components()
        .any(|part| part.as_os_str() == name || part.as_os_str() == file.as_str())
}

/// The backticked names in the last cell of every table row.
fn proofs(matrix: &str) -> Vec<String> {
    matrix
        .lines()
        .filter(|line| line.starts_with('|') && !line.starts_with("| ---"))
        .filter_map(|line| line.trim_end_matches('|').rsplit('|').next())
        .flat_map(|cell| {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_named_test_exists() {
    let root = root();
    let matrix = fs::read_to_string(root.join("CONFORMANCE.md")).unwrap();
    let mut src = Vec::new();
    rust_files(&root.join("src"), &mut src);
    let mut tests = Vec::new();
    rust_files(&root.join("tests"), &mut tests);
    let (mut checked, mut missing) = (0, Vec::new());
    for proof in proofs(&matrix) {
        let found = if let Some(path) = proof.strip_prefix("lib ") {
            let name = path.rsplit("::").next().unwrap();
            defines(&src, name)
        } else if let Some(target) = proof.strip_prefix("fuzz:") {
            root.join("fuzz/fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file()
        } else if proof.contains("::") && proof.starts_with(|c: char| c.is_ascii_lowercase()) {
            let file = proof.split("::").next().unwrap();
            let name = proof.rsplit("::").next().unwrap();
            let files: Vec<PathBuf> = tests
                .iter()
                .filter(|path| in_module(path.strip_prefix(root.join("tests")).unwrap(), file))
                .cloned()
                .collect();
            defines(&files, name)
        } else {
            continue;
        };
        checked += 1;
        if !found {
            missing.push(proof);
        }
    }
    assert!(
        checked > 50,
        "only {checked} test names found: has the table format changed?"
    );
    assert!(
        missing.is_empty(),
        "CONFORMANCE.md names tests that do not exist: {missing:#?}"
    );
}
