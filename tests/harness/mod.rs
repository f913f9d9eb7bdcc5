//! The harness of the test binaries whose tests need a server or a program from outside the
//! crate's build (`harness = false` in `Cargo.toml`: `stores`, `store_statements`, `outside`),
//! on `libtest-mimic`: a test whose server or program is absent is reported as *ignored*, with
//! what it needs, instead of passing without having run. Under `CI=true` it fails instead: CI
//! runs every test (`.ci/run` installs and starts what they need).
//!
//! Each module lists its tests in `trials()` with [`trial!`]; a `#[test]` or `#[tokio::test]`
//! function in these binaries would never run, and `meta` fails if it finds one.
#![allow(dead_code, unused_macros, unreachable_pub, missing_docs, clippy::expect_used)]

use std::future::Future;
use std::path::Path;
use std::process::{Command, Stdio};

pub use libtest_mimic::Trial;
use libtest_mimic::{Arguments, Completion};

/// What a test needs from outside the crate's build, checked just before it runs.
#[derive(Clone, Copy, Debug)]
pub enum Needs {
    /// Nothing: it always runs.
    Nothing,
    /// A PostgreSQL server, named by `TWOFACTOR_POSTGRES_URL`.
    Postgres,
    /// A MySQL or MariaDB server, named by `TWOFACTOR_MYSQL_URL`.
    MySql,
    /// `python3` with the `pyotp` package.
    Pyotp,
    /// OATH Toolkit's `oathtool`.
    Oathtool,
    /// Debian's headless Chromium and its chromedriver.
    Chromium,
}

impl Needs {
    /// What is missing for the test to run here, if anything.
    pub fn missing(self) -> Option<&'static str> {
        let (present, needed) = match self {
            Needs::Nothing => (true, ""),
            Needs::Postgres => (
                std::env::var("TWOFACTOR_POSTGRES_URL").is_ok_and(|url| !url.is_empty()),
                "needs TWOFACTOR_POSTGRES_URL, a PostgreSQL server",
            ),
            Needs::MySql => (
                std::env::var("TWOFACTOR_MYSQL_URL").is_ok_and(|url| !url.is_empty()),
                "needs TWOFACTOR_MYSQL_URL, a MySQL or MariaDB server",
            ),
            Needs::Pyotp => (
                runs("python3", &["-c", "import pyotp"]),
                "needs python3 with pyotp: pip install pyotp",
            ),
            Needs::Oathtool => (
                runs("oathtool", &["--version"]),
                "needs oathtool: apt-get install oathtool",
            ),
            Needs::Chromium => (
                Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists(),
                "needs /usr/bin/chromium and /usr/bin/chromedriver: apt-get install chromium chromium-driver",
            ),
        };
        (!present).then_some(needed)
    }
}

/// Whether `program` runs with `args` and exits 0.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether the run is CI's, where what a test needs is never missing: its absence is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci == "true")
}

/// The test `name` of the module `module` (a `module_path!()`), named as `#[test]` would name it
/// (the path without the binary's name), running `body` if what it needs is there. A panic in
/// `body` fails it.
pub fn test(module: &str, name: &str, needs: Needs, body: impl FnOnce() + Send + 'static) -> Trial {
    let name = match module.split_once("::") {
        Some((_binary, path)) => format!("{path}::{name}"),
        None => name.to_owned(),
    };
    Trial::ignorable_test(name, move || {
        if let Some(missing) = needs.missing() {
            if in_ci() {
                return Err(
                    format!("{missing}; under CI=true a test never skips (.ci/run provides it)").into(),
                );
            }
            return Ok(Completion::ignored_with(missing));
        }
        body();
        Ok(Completion::Completed)
    })
}

/// Runs `future` as `#[tokio::test]` does.
pub fn current_thread(future: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future);
}

/// Runs `future` as `#[tokio::test(flavor = "multi_thread", worker_threads = N)]` does.
pub fn multi_thread(worker_threads: usize, future: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future);
}

/// A [`Trial`] for a test function of the calling module, with what it needs
/// ([`Needs`]`::Nothing` for none):
///
/// - `trial!(Nothing, fn name)`: `fn name()`, as `#[test]`;
/// - `trial!(Nothing, async name)`: `async fn name()`, as `#[tokio::test]`;
/// - `trial!(Postgres, async(4) name)`: `async fn name()`, as
///   `#[tokio::test(flavor = "multi_thread", worker_threads = 4)]`.
macro_rules! trial {
    ($needs:ident, fn $name:ident) => {
        $crate::harness::test(
            module_path!(),
            stringify!($name),
            $crate::harness::Needs::$needs,
            $name,
        )
    };
    ($needs:ident, async $name:ident) => {
        $crate::harness::test(
            module_path!(),
            stringify!($name),
            $crate::harness::Needs::$needs,
            || $crate::harness::current_thread($name()),
        )
    };
    ($needs:ident, async($workers:literal) $name:ident) => {
        $crate::harness::test(
            module_path!(),
            stringify!($name),
            $crate::harness::Needs::$needs,
            || $crate::harness::multi_thread($workers, $name()),
        )
    };
}

/// Runs `trials` with the command line's arguments (`cargo test -- FILTER`, `--list`, …) and
/// exits with the result.
pub fn run(trials: Vec<Trial>) -> ! {
    libtest_mimic::run(&Arguments::from_args(), trials).exit()
}

/// As [`run`], one trial at a time whatever `--test-threads` says: for tests that count what the
/// whole process does.
pub fn run_one_at_a_time(trials: Vec<Trial>) -> ! {
    let mut arguments = Arguments::from_args();
    arguments.test_threads = Some(1);
    libtest_mimic::run(&arguments, trials).exit()
}
