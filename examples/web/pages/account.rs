//! The home page and the first setup of two-factor authentication.

use std::fmt::Write as _;

use twofactor::Status;

use super::fields::{Csrf, Kind, input};
use super::{escape, layout, paragraph, utc_time};

/// The home page of a signed-in user.
pub(crate) fn home(csrf: &Csrf, name: &str, status: &Status, notice: Option<&str>) -> String {
    let mut body = paragraph("notice", notice);
    if status.enabled {
        let _ = write!(
            body,
            "<p id=\"status\">Two-factor authentication is <b>on</b>: {} authenticator(s), {} backup codes left.</p>\
             <ul><li><a href=\"/2fa/authenticators\">Authenticators</a>: add a second phone, rename, remove</li>\
             <li><a href=\"/2fa/backup-codes\">Backup codes</a>: new codes, turn two-factor authentication off</li>\
             <li><a href=\"/2fa/devices\">Remembered browsers</a>: see and forget them</li></ul>",
            status.authenticators,
            status.backup_codes_remaining.unwrap_or(0),
        );
    } else {
        body.push_str(
            "<p id=\"status\">Two-factor authentication is <b>off</b>.</p>\
             <p><a href=\"/2fa/setup\" id=\"setup\">Set up two-factor authentication</a></p>",
        );
    }
    layout("Home", Some((name, csrf)), &body)
}

/// Before setup: what it is, and the button that draws a secret.
pub(crate) fn setup_start(csrf: &Csrf, name: &str, required: bool) -> String {
    let why = if required {
        "<p class=\"error\" role=\"alert\">Administrators must use two-factor authentication: set it up to continue.</p>"
    } else {
        ""
    };
    let body = format!(
        "{why}<p>You will need an authenticator app (for example one on your phone or in your password manager).</p>\
         <form method=\"post\" action=\"/2fa/setup\">{}<button id=\"start-setup\">Start</button></form>",
        csrf.field()
    );
    layout("Set up two-factor authentication", Some((name, csrf)), &body)
}

/// What a QR page shows: the code, the secret as text, and where the first code goes.
#[derive(Debug)]
pub(crate) struct QrPage<'a> {
    pub(crate) data_url: &'a str,
    pub(crate) svg: &'a str,
    pub(crate) secret: &'a str,
    pub(crate) expires_at: u64,
    /// Where the first code is posted.
    pub(crate) action: &'a str,
}

/// The QR code of a new secret and the field for its first code (a first setup, or one more
/// authenticator).
pub(crate) fn setup(csrf: &Csrf, name: &str, title: &str, qr: &QrPage<'_>, error: Option<&str>) -> String {
    let body = format!(
        "<p>Scan this QR code with your authenticator app:</p>\
         <p><img id=\"qr\" src=\"{data_url}\" alt=\"QR code of your new two-factor secret\" width=\"240\" height=\"240\"></p>\
         <details><summary>The same code as SVG</summary>{svg}</details>\
         <p>Or type this secret into the app: <code id=\"secret\">{secret}</code></p>\
         <form method=\"post\" action=\"{action}\">{csrf}{field}<button id=\"enable\">Confirm</button></form>\
         <p class=\"hint\">This setup expires at {expires}.</p>",
        data_url = escape(qr.data_url),
        svg = qr.svg,
        secret = escape(qr.secret),
        action = escape(qr.action),
        csrf = csrf.field(),
        field = input(Kind::Code, "code", "The code your app shows now", "", None, error),
        expires = utc_time(qr.expires_at),
    );
    layout(title, Some((name, csrf)), &body)
}

/// The code field of a setup page again, after a wrong first code (the QR code is not shown
/// twice: the secret stays pending).
pub(crate) fn enable_again(csrf: &Csrf, name: &str, action: &str, error: &str) -> String {
    let body = format!(
        "<p>Type the code your app shows for the new secret.</p>\
         <form method=\"post\" action=\"{}\">{}{}<button id=\"enable\">Confirm</button></form>\
         <p><a href=\"/2fa/setup\">Start the setup again</a></p>",
        escape(action),
        csrf.field(),
        input(
            Kind::Code,
            "code",
            "The code your app shows now",
            "",
            None,
            Some(error)
        ),
    );
    layout("Set up two-factor authentication", Some((name, csrf)), &body)
}
