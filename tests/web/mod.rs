//! Running the web example for a test (`App`), a small cookie-keeping HTTP client that posts
//! forms as a browser does (`browser.rs`), and what the tests read off its pages (`pages.rs`).
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::StatusCode;

use crate::common;

mod browser;
mod pages;

// Each test binary uses some of them.
#[allow(unused_imports)]
pub use browser::{Browser, DEVICE_COOKIE, SESSION_COOKIE};
pub use pages::*;

/// The web example's executable, built once per test binary.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| common::example_binary("web"))
}

/// The application, running on a free loopback port with its own database; stopped and its
/// files removed when dropped.
pub struct App {
    child: Child,
    pub base: String,
    passwords: HashMap<String, String>,
    /// What it printed before it listened (where its sealing key came from, …).
    pub startup: Vec<String>,
    dir: PathBuf,
    client: reqwest::Client,
}

/// The settings of the sealing and challenge keys, unset for every test unless it sets them
/// itself (so that a developer's own settings never reach the application under test).
const SEALING_VARS: [&str; 5] = [
    "TWOFACTOR_WEB_SEALING_KEY",
    "TWOFACTOR_WEB_SEALING_KEY_ID",
    "TWOFACTOR_WEB_OLD_SEALING_KEY",
    "TWOFACTOR_WEB_OLD_SEALING_KEY_ID",
    "TWOFACTOR_WEB_CHALLENGE_KEY",
];

impl App {
    /// Starts the application with the test hooks on, and waits until it listens. Without a
    /// sealing key in `env`, it creates its key file beside the database.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// [`App::start`] with more environment variables.
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        Self::spawn(fresh_dir(), HashMap::new(), env)
    }

    /// Stops the application and starts it again on the same database and key file, with the
    /// environment `env`: a restart. The passwords printed at the first start carry over; the
    /// clock starts again from the system's (the test hooks' offset is gone).
    pub fn restart_with(mut self, env: &[(&str, &str)]) -> Self {
        self.stop();
        let dir = std::mem::take(&mut self.dir);
        let passwords = std::mem::take(&mut self.passwords);
        Self::spawn(dir, passwords, env)
    }

    /// The SQLite file.
    pub fn database(&self) -> PathBuf {
        database_in(&self.dir)
    }

    /// The key file the application creates beside the database when no key is set.
    pub fn key_file(&self) -> PathBuf {
        key_file_in(&self.dir)
    }

    /// The challenge key file, beside it.
    pub fn challenge_key_file(&self) -> PathBuf {
        challenge_key_file_in(&self.dir)
    }

    fn spawn(dir: PathBuf, mut passwords: HashMap<String, String>, env: &[(&str, &str)]) -> Self {
        let mut child = command(&dir, env)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the web example");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut startup = Vec::new();
        let base = loop {
            let Some(Ok(line)) = lines.next() else {
                let status = child.wait();
                panic!("the web example stopped before listening: {status:?}");
            };
            if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_owned();
            }
            if let Some(rest) = line.strip_prefix("user ") {
                let (name, password) = rest.split_once(" password: ").unwrap();
                let name = name.trim_end_matches(" (administrator)");
                passwords.insert(name.to_owned(), password.to_owned());
            }
            startup.push(line);
        };
        // Keep reading, so that the application never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            child,
            base,
            passwords,
            startup,
            dir,
            client,
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The password printed for `name` at the first start.
    pub fn password(&self, name: &str) -> &str {
        &self.passwords[name]
    }

    /// The application's time now (Unix seconds).
    pub async fn now(&self) -> u64 {
        self.advance(0).await
    }

    /// Moves the application's clock forward; its time afterwards.
    pub async fn advance(&self, seconds: u64) -> u64 {
        let response = Browser::new(self)
            .post_with("/test/clock", &[("advance", &seconds.to_string())], None, None)
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.body.parse().unwrap()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.stop();
        // Empty after a restart: the restarted application owns the directory.
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A new directory for one application's database and key file.
pub fn fresh_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "twofactor-web-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn database_in(dir: &Path) -> PathBuf {
    dir.join("web.db")
}

pub fn key_file_in(dir: &Path) -> PathBuf {
    dir.join("web.db.sealing-key")
}

pub fn challenge_key_file_in(dir: &Path) -> PathBuf {
    dir.join("web.db.challenge-key")
}

/// The application on a free loopback port with its database in `dir`, test hooks on, and
/// `env` on top.
pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary());
    for name in SEALING_VARS {
        command.env_remove(name);
    }
    command
        .env("TWOFACTOR_WEB_LISTEN", "127.0.0.1:0")
        .env("TWOFACTOR_WEB_DATABASE", database_in(dir))
        .env("TWOFACTOR_WEB_TEST_HOOKS", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    command
}
