//! What the tests read off the application's pages: the secret, the backup codes, the download.

use reqwest::StatusCode;
use twofactor::otp::TotpParams;
use twofactor::{Secret, Totp};

use super::{App, Browser};

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

pub fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
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
    browser.get("/2fa/setup").await;
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

/// The text of the "Download as .txt" link (`#download`, a `data:` URL).
pub fn download(page: &str) -> String {
    let start = "id=\"download\" download=\"backup-codes.txt\" href=\"data:text/plain;charset=utf-8,";
    percent_decode(between(page, start, "\"").expect("a download link"))
}

/// `%XX` decoded.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() + 1 {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
