//! The web example in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver by `fantoccini`, goes through enrollment and login
//! as a person would — it types into the forms, clicks the buttons, reads the QR code off the
//! screen (a screenshot of the `<img>`, decoded by `rqrr`), computes the code from the URI it
//! holds as an authenticator app would, and reads the backup codes from the page.
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
    browser.goto(&format!("{}/", app.base)).await.unwrap();
    assert_eq!(heading(browser).await, "Sign in");
    type_into(browser, "username", "alice").await;
    type_into(browser, "password", app.password("alice")).await;
    click(browser, "sign-in").await;
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

    // Setup: the QR code, as the screen shows it.
    click(&browser, "setup").await;
    let image = browser.wait().for_element(Locator::Id("qr")).await.unwrap();
    let screenshot = image.screenshot().await.unwrap();
    let seen = decode_qr_png(&screenshot);
    assert_eq!(seen.len(), 1, "one QR code in the screenshot of #qr");
    let uri = &seen[0];
    assert!(
        uri.starts_with("otpauth://totp/twofactor%20example:alice?secret="),
        "{uri}"
    );
    // The `data:` URL holds the same image.
    let src = image.attr("src").await.unwrap().unwrap();
    let png = base64::engine::general_purpose::STANDARD
        .decode(src.strip_prefix("data:image/png;base64,").unwrap())
        .unwrap();
    assert_eq!(&decode_qr_png(&png), &seen);

    // The authenticator app: the URI scanned, the code computed.
    let authenticator = KeyUri::parse(uri).unwrap().to_totp().unwrap();
    let code = authenticator.generate(app.now().await).unwrap().to_string();
    type_into(&browser, "code", &code).await;
    click(&browser, "enable").await;
    assert_eq!(heading(&browser).await, "Two-factor authentication is on");
    let codes = browser.find_all(Locator::Css("#backup-codes li")).await.unwrap();
    assert_eq!(codes.len(), 10);
    let first = codes[0].text().await.unwrap();
    assert_eq!(first.len(), 19, "{first}"); // XXXX-XXXX-XXXX-XXXX

    // Sign out, then in: password, "code required", the next code.
    click(&browser, "logout").await;
    sign_in_with_password(&browser, &app).await;
    assert_eq!(heading(&browser).await, "Code required");
    let now = app.advance(30).await;
    let code = authenticator.generate(now).unwrap().to_string();
    type_into(&browser, "code", &code).await;
    click(&browser, "verify").await;
    assert_eq!(heading(&browser).await, "Home");
    let text = body_text(&browser).await;
    assert!(text.contains("Signed in."), "{text}");
    assert!(text.contains("Signed in as alice"), "{text}");
    assert!(
        text.contains("Two-factor authentication is on; 10 backup codes left."),
        "{text}"
    );

    // The session cookie is not readable by scripts (HttpOnly).
    let cookies = browser.execute("return document.cookie", vec![]).await.unwrap();
    assert_eq!(cookies, json!(""));
}

/// This file's test, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![trial!(Chromium, async(2) a_person_enrolls_and_signs_in_with_a_code_in_chromium)]
}
