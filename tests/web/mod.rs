//! Running the web example for a test, and a small cookie-keeping HTTP client that behaves like
//! a browser's form posts (no redirect followed, so that each answer is seen as it is).
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use twofactor::otp::TotpParams;
use twofactor::{Secret, Totp};

use crate::common;

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

/// The settings of the sealing key, unset for every test unless it sets them itself (so that
/// a developer's own settings never reach the application under test).
const SEALING_VARS: [&str; 4] = [
    "TWOFACTOR_WEB_SEALING_KEY",
    "TWOFACTOR_WEB_SEALING_KEY_ID",
    "TWOFACTOR_WEB_OLD_SEALING_KEY",
    "TWOFACTOR_WEB_OLD_SEALING_KEY_ID",
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
            .post("/test/clock", &[("advance", &seconds.to_string())])
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

/// An answer.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> Option<&str> {
        (self.status == StatusCode::SEE_OTHER).then(|| self.header(LOCATION.as_str()))?
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The whole `Set-Cookie` header that sets the cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// One person's browser: its cookies, its requests.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    passwords: HashMap<String, String>,
}

impl Browser {
    pub fn new(app: &App) -> Self {
        Self {
            base: app.base.clone(),
            client: app.client.clone(),
            cookies: BTreeMap::new(),
            passwords: app.passwords.clone(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let body = form
            .iter()
            .map(|(name, value)| format!("{}={}", url_encode(name), url_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Response {
        if !self.cookies.is_empty() {
            let header = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(COOKIE, header);
        }
        let response = request.send().await.expect("the application answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, cookie) = pair.split_once('=').unwrap();
            if cookie.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), cookie.to_owned());
            }
        }
        Response {
            status,
            headers,
            body,
        }
    }

    /// Signs in with the password alone (2FA off).
    pub async fn sign_in_with_password(&mut self, name: &str) {
        let password = self.password_of(name);
        let response = self
            .post("/login", &[("username", name), ("password", &password)])
            .await;
        assert_eq!(response.location(), Some("/"), "{}", response.body);
        assert!(self.has_cookie("session"));
    }

    /// The password step with 2FA on: "code required" and a challenge cookie.
    pub async fn sign_in_with_password_to_challenge(&mut self, name: &str) {
        let password = self.password_of(name);
        let response = self
            .post("/login", &[("username", name), ("password", &password)])
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        assert!(response.body.contains("Code required"), "{}", response.body);
        assert!(self.has_cookie("login_challenge"));
    }

    /// Both steps, with `input` (a code or a backup code) as the second.
    pub async fn sign_in_with(&mut self, name: &str, input: &str) {
        self.sign_in_with_password_to_challenge(name).await;
        let response = self.post("/2fa/verify-login", &[("code", input)]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        assert!(self.has_cookie("session"));
    }

    /// Both steps, with the app's code of the application's current time.
    pub async fn sign_in_with_code(&mut self, name: &str, totp: &Totp) {
        let now = self
            .post("/test/clock", &[("advance", "0")])
            .await
            .body
            .parse()
            .unwrap();
        let code = totp.generate(now).unwrap().to_string();
        self.sign_in_with(name, &code).await;
    }

    fn password_of(&self, name: &str) -> String {
        self.passwords[name].clone()
    }
}

/// The authenticator app of a setup page: the secret under `#secret`.
pub fn totp_from_setup(page: &str) -> Totp {
    Totp::new(&secret_from_setup(page), TotpParams::DEFAULT)
}

/// The secret a setup page shows under `#secret`.
pub fn secret_from_setup(page: &str) -> Secret {
    let secret = between(page, "<code id=\"secret\">", "</code>").expect("a secret on the page");
    Secret::from_base32(secret).unwrap()
}

/// The backup codes listed under `#backup-codes`.
pub fn backup_codes(page: &str) -> Vec<String> {
    let list = between(page, "<ol id=\"backup-codes\" class=\"codes\">", "</ol>").expect("backup codes");
    list.split("<li>")
        .filter_map(|item| item.strip_suffix("</li>"))
        .map(str::to_owned)
        .collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// A code of the right shape that no step of the window around `now` has.
pub fn wrong_code(totp: &Totp, now: u64) -> String {
    let near: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|&at| totp.generate(at).unwrap().to_string())
        .collect();
    (0..10)
        .map(|digit: u32| digit.to_string().repeat(6))
        .find(|guess| !near.contains(guess))
        .unwrap()
}

/// A user who turned 2FA on: their app and backup codes. The enrolling code's step is spent.
pub struct Enrolled {
    pub totp: Totp,
    pub backup_codes: Vec<String>,
}

/// Signs `name` in with the password and enables 2FA (setup, then the app's current code).
pub async fn enroll(app: &App, name: &str) -> Enrolled {
    let mut browser = Browser::new(app);
    browser.sign_in_with_password(name).await;
    let setup = browser.post("/2fa/setup", &[]).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let totp = totp_from_setup(&setup.body);
    let code = totp.generate(app.now().await).unwrap().to_string();
    let enabled = browser.post("/2fa/enable", &[("code", &code)]).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    Enrolled {
        totp,
        backup_codes: backup_codes(&enabled.body),
    }
}

/// `application/x-www-form-urlencoded` of one name or value.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                char::from(byte).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
