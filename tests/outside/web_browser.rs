//! The web example in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver by `fantoccini`, goes through it as a person would —
//! it types into the forms, clicks the buttons, reads the QR codes off the screen (a screenshot of
//! the `<img>`, decoded by `rqrr`), computes the codes from the URIs as an authenticator app
//! would, ticks "remember this browser", adds a second authenticator, and signs in with a backup
//! code from the downloaded file. A screenshot of each page is saved under the target directory
//! (`target/tmp/web-screenshots/`, printed), never in the repository.
//!
//! Without Chromium or chromedriver the test is reported as ignored (`tests/harness/mod.rs`),
//! except under `CI=true`, where it fails: `.ci/run` installs both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use crate::web;

use std::io::Cursor;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use twofactor::KeyUri;
use web::App;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free loopback port, with its own profile directory; stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    profile: std::path::PathBuf,
}

impl Driver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = std::env::temp_dir().join(format!("twofactor-chromium-{}-{port}", std::process::id()));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profile,
        }
    }

    async fn browser(&self) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1024,1400",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("--user-data-dir={}", self.profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a WebDriver session in Chromium")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Whether Chromium and chromedriver are installed; if not, fails under CI and skips otherwise.
fn browser_available() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        !common::in_ci(),
        "{CHROMIUM} or {CHROMEDRIVER} is missing: .ci/run installs chromium and chromium-driver"
    );
    eprintln!(
        "\n*** SKIPPED: the browser test needs {CHROMIUM} and {CHROMEDRIVER} \
         (apt-get install chromium chromium-driver) ***\n"
    );
    false
}

/// Decodes every QR code in a PNG (any colour type), as the strings they hold.
fn decode_qr_png(png: &[u8]) -> Vec<String> {
    let mut decoder = png::Decoder::new(Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let (width, height, line) = (frame.width as usize, frame.height as usize, frame.line_size);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        // The first channel: grey, or red (the page is black on white).
        pixels[y * line + x * channels]
    });
    image
        .detect_grids()
        .iter()
        .map(|grid| grid.decode().expect("the QR code decodes").1)
        .collect()
}

/// Types `text` into the field `#id`.
async fn type_into(browser: &Client, id: &str, text: &str) {
    let field = browser
        .wait()
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|error| panic!("#{id}: {error}"));
    field.send_keys(text).await.unwrap();
}

/// Clicks the button `#id` and waits for the next page.
async fn click(browser: &Client, id: &str) {
    let button = browser
        .wait()
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|error| panic!("#{id}: {error}"));
    button.click().await.unwrap();
    // The click starts a navigation: wait until the old button is gone from the page.
    let deadline = Instant::now() + Duration::from_secs(20);
    while button.is_displayed().await.is_ok() {
        assert!(Instant::now() < deadline, "#{id} led nowhere");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn heading(browser: &Client) -> String {
    browser
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn body_text(browser: &Client) -> String {
    browser
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn sign_in_with_password(browser: &Client, app: &App) {
    browser.goto(&format!("{}/login", app.base)).await.unwrap();
    assert_eq!(heading(browser).await, "Sign in");
    type_into(browser, "username", "alice").await;
    type_into(browser, "password", app.password("alice")).await;
    click(browser, "sign-in").await;
}

/// Saves a screenshot of the whole page under the target directory (never in the repository),
/// for a reviewer to look at; prints where.
async fn screenshot(browser: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, browser.screenshot().await.unwrap()).unwrap();
    eprintln!("screenshot: {}", path.display());
}

/// The authenticator app of the QR code on the screen: a screenshot of `#qr`, decoded, and the
/// `data:` URL of the same image decoded to the same URI.
async fn scan_qr(browser: &Client, account: &str) -> twofactor::Totp {
    let image = browser.wait().for_element(Locator::Id("qr")).await.unwrap();
    let seen = decode_qr_png(&image.screenshot().await.unwrap());
    assert_eq!(seen.len(), 1, "one QR code in the screenshot of #qr");
    let uri = &seen[0];
    assert!(
        uri.starts_with(&format!("otpauth://totp/twofactor%20example:{account}?secret=")),
        "{uri}"
    );
    let src = image.attr("src").await.unwrap().unwrap();
    let png = base64::engine::general_purpose::STANDARD
        .decode(src.strip_prefix("data:image/png;base64,").unwrap())
        .unwrap();
    assert_eq!(&decode_qr_png(&png), &seen);
    KeyUri::parse(uri).unwrap().to_totp().unwrap()
}

/// The app's code at the application's time, a step after the last one used.
async fn next_code(app: &App, authenticator: &twofactor::Totp) -> String {
    let now = app.advance(30).await;
    authenticator.generate(now).unwrap().to_string()
}

async fn a_person_enrolls_and_signs_in_with_a_code_in_chromium() {
    if !browser_available() {
        return;
    }
    let app = App::start();
    let driver = Driver::start();
    let browser = driver.browser().await;
    let outcome = tokio::spawn(story(browser.clone(), app)).await;
    let _ = browser.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

async fn story(browser: Client, app: App) {
    // Password only: 2FA is off.
    sign_in_with_password(&browser, &app).await;
    assert_eq!(heading(&browser).await, "Home");
    assert!(
        body_text(&browser)
            .await
            .contains("Two-factor authentication is off.")
    );
    screenshot(&browser, "01-home-off").await;

    // Setup: the QR code, as the screen shows it, scanned by the app.
    click(&browser, "setup").await;
    screenshot(&browser, "02-setup-start").await;
    click(&browser, "start-setup").await;
    screenshot(&browser, "03-setup-qr").await;
    let phone = scan_qr(&browser, "alice").await;
    let code = phone.generate(app.now().await).unwrap().to_string();
    type_into(&browser, "code", &code).await;
    click(&browser, "enable").await;
    assert_eq!(heading(&browser).await, "Two-factor authentication is on");
    screenshot(&browser, "04-backup-codes").await;
    let shown = browser.find_all(Locator::Css("#backup-codes li")).await.unwrap();
    assert_eq!(shown.len(), 10);
    // "Download as .txt": the file the link saves, the same codes as the list.
    let link = browser.find(Locator::Id("download")).await.unwrap();
    assert_eq!(
        link.attr("download").await.unwrap().as_deref(),
        Some("backup-codes.txt")
    );
    let href = link.attr("href").await.unwrap().unwrap();
    let file = web::percent_decode(href.strip_prefix("data:text/plain;charset=utf-8,").unwrap());
    let downloaded: Vec<&str> = file.lines().filter(|line| line.len() == 19).collect();
    assert_eq!(downloaded.len(), 10, "{file}");
    for (item, code) in shown.iter().zip(&downloaded) {
        assert_eq!(&item.text().await.unwrap(), code);
    }

    // Sign out, then in: password, "Code required", the next code, "remember this browser".
    click(&browser, "logout").await;
    sign_in_with_password(&browser, &app).await;
    assert_eq!(heading(&browser).await, "Code required");
    screenshot(&browser, "05-code-step").await;
    type_into(&browser, "code", &next_code(&app, &phone).await).await;
    browser
        .find(Locator::Id("remember"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&browser, "verify").await;
    assert_eq!(heading(&browser).await, "Home");
    let text = body_text(&browser).await;
    assert!(text.contains("Signed in as alice"), "{text}");
    assert!(
        text.contains("1 authenticator(s), 10 backup codes left"),
        "{text}"
    );
    // No cookie is readable by scripts (HttpOnly).
    let cookies = browser.execute("return document.cookie", vec![]).await.unwrap();
    assert_eq!(cookies, json!(""));

    // Remembered: the password alone signs in.
    click(&browser, "logout").await;
    sign_in_with_password(&browser, &app).await;
    assert_eq!(heading(&browser).await, "Home", "no code on a remembered browser");

    // A second authenticator, proven by the first, read off the second QR code.
    browser
        .goto(&format!("{}/2fa/authenticators", app.base))
        .await
        .unwrap();
    type_into(&browser, "new-label", "Password manager").await;
    type_into(&browser, "add-code", &next_code(&app, &phone).await).await;
    click(&browser, "add").await;
    screenshot(&browser, "06-add-authenticator-qr").await;
    let manager = scan_qr(&browser, "alice").await;
    type_into(
        &browser,
        "code",
        &manager.generate(app.now().await).unwrap().to_string(),
    )
    .await;
    click(&browser, "enable").await;
    assert_eq!(heading(&browser).await, "Authenticators");
    let text = body_text(&browser).await;
    assert!(text.contains("Password manager"), "{text}");
    screenshot(&browser, "07-authenticators").await;

    // Adding moved the epoch: the remembered browser is forgotten, the second app signs in.
    browser.goto(&format!("{}/2fa/devices", app.base)).await.unwrap();
    screenshot(&browser, "08-remembered-browsers").await;
    click(&browser, "logout").await;
    sign_in_with_password(&browser, &app).await;
    assert_eq!(heading(&browser).await, "Code required");
    type_into(&browser, "code", &next_code(&app, &manager).await).await;
    browser
        .find(Locator::Id("remember"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&browser, "verify").await;
    assert_eq!(heading(&browser).await, "Home");
    browser.goto(&format!("{}/2fa/devices", app.base)).await.unwrap();
    assert!(
        body_text(&browser).await.contains("Chrome on Linux"),
        "{}",
        body_text(&browser).await
    );
    screenshot(&browser, "09-remembered-browser-listed").await;

    // Forget it, and sign in with a downloaded backup code.
    click(&browser, "revoke-0").await;
    assert!(body_text(&browser).await.contains("That browser is forgotten"));
    click(&browser, "logout").await;
    sign_in_with_password(&browser, &app).await;
    assert_eq!(heading(&browser).await, "Code required");
    browser
        .find(Locator::Id("use-backup-code"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("label[for=code]"))
        .await
        .unwrap();
    screenshot(&browser, "10-backup-code-step").await;
    type_into(&browser, "code", downloaded[0]).await;
    click(&browser, "verify").await;
    assert_eq!(heading(&browser).await, "Home");
    let text = body_text(&browser).await;
    assert!(
        text.contains("Signed in with a backup code: 9 backup codes left."),
        "{text}"
    );
    browser
        .goto(&format!("{}/2fa/backup-codes", app.base))
        .await
        .unwrap();
    screenshot(&browser, "11-backup-codes-page").await;
}

/// This file's test, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![trial!(Chromium, async(2) a_person_enrolls_and_signs_in_with_a_code_in_chromium)]
}
