//! The HTML pages: plain forms that POST, no script, one small stylesheet.
//!
//! Every value that comes from a user or the database is escaped with [`escape`]. The elements
//! the browser test reads have ids (`#username`, `#password`, `#code`, `#qr`, `#backup-codes`).

use std::fmt::Write as _;

use twofactor::Status;
use twofactor::policy::Throttling;

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for HTML text and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `HH:MM:SS UTC` of a Unix time.
pub(crate) fn utc_time(at: u64) -> String {
    let seconds = at % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
input{font-size:1.1rem;padding:.3rem;margin:.2rem 0}button{font-size:1rem;padding:.3rem .8rem}\
.error{color:#a00;font-weight:bold}.notice{color:#060}code,.codes{font-family:ui-monospace,monospace}\
.codes li{font-size:1.1rem}nav form{display:inline}";

/// A whole page. `user` is the signed-in user's name, for the navigation bar.
pub(crate) fn layout(title: &str, user: Option<&str>, body: &str) -> String {
    let nav = match user {
        Some(name) => format!(
            "<nav>Signed in as <b>{}</b> · <a href=\"/\">Home</a> · <a href=\"/2fa/status\">Two-factor status</a> · \
             <form method=\"post\" action=\"/logout\"><button id=\"logout\">Sign out</button></form></nav>",
            escape(name)
        ),
        None => "<nav><a href=\"/\">Home</a></nav>".to_owned(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} · twofactor example</title>\
         <style>{STYLE}</style></head>\n<body>{nav}\n<h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title)
    )
}

fn paragraph(class: &str, text: Option<&str>) -> String {
    text.map_or_else(String::new, |text| {
        format!("<p class=\"{class}\">{}</p>", escape(text))
    })
}

/// The password form.
pub(crate) fn login(error: Option<&str>) -> String {
    let body = format!(
        "{}<form method=\"post\" action=\"/login\">\
         <label>Username<br><input id=\"username\" name=\"username\" autocomplete=\"username\" required></label><br>\
         <label>Password<br><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label><br>\
         <button id=\"sign-in\">Sign in</button></form>",
        paragraph("error", error)
    );
    layout("Sign in", None, &body)
}

/// The second step of a login: "code required".
pub(crate) fn code_required(name: &str, error: Option<&str>) -> String {
    let body = format!(
        "<p>Code required: <b>{}</b> has two-factor authentication on. Type the code your authenticator app \
         shows, or one of your backup codes.</p>{}\
         <form method=\"post\" action=\"/2fa/verify-login\">\
         <label>Code<br><input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" autofocus required></label><br>\
         <button id=\"verify\">Verify</button></form>\
         <p><a href=\"/login\">Start again</a></p>",
        escape(name),
        paragraph("error", error)
    );
    layout("Code required", None, &body)
}

/// A page that only tells something, with a link onwards.
pub(crate) fn message(title: &str, user: Option<&str>, text: &str, link: (&str, &str)) -> String {
    let body = format!(
        "<p class=\"error\">{}</p><p><a href=\"{}\">{}</a></p>",
        escape(text),
        escape(link.0),
        escape(link.1)
    );
    layout(title, user, &body)
}

fn describe_throttling(path: Throttling) -> String {
    match path {
        Throttling::Open => "open".to_owned(),
        Throttling::Until(at) => format!("refused until {}", utc_time(at)),
        Throttling::Locked => "locked".to_owned(),
        _ => "unknown".to_owned(),
    }
}

/// The home page of a signed-in user.
pub(crate) fn home(name: &str, status: &Status, notice: Option<&str>, error: Option<&str>) -> String {
    let mut body = paragraph("notice", notice);
    body.push_str(&paragraph("error", error));
    if status.enabled {
        let _ = write!(
            body,
            "<p>Two-factor authentication is <b>on</b>; {} backup codes left.</p>\
             {}{}",
            status.backup_codes_remaining.unwrap_or(0),
            proof_form("/2fa/backup-codes", "new-backup-codes", "Make new backup codes"),
            proof_form("/2fa/disable", "disable", "Turn two-factor authentication off"),
        );
    } else {
        body.push_str(
            "<p>Two-factor authentication is <b>off</b>.</p>\
             <form method=\"post\" action=\"/2fa/setup\"><button id=\"setup\">Set up two-factor authentication</button></form>",
        );
    }
    layout("Home", Some(name), &body)
}

/// A form that asks for a code (or a backup code) to prove a change.
fn proof_form(action: &str, id: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\"><label>Code or backup code \
         <input name=\"code\" id=\"{id}-code\" autocomplete=\"one-time-code\" required></label> \
         <button id=\"{id}\">{}</button></form>",
        escape(label)
    )
}

/// The status page.
pub(crate) fn status(name: &str, status: &Status) -> String {
    let row = |what: &str, value: String| format!("<tr><th>{what}</th><td>{}</td></tr>", escape(&value));
    let body = [
        "<table>".to_owned(),
        row("enabled", status.enabled.to_string()),
        row(
            "enabled at",
            status.enabled_at.map_or_else(|| "—".to_owned(), utc_time),
        ),
        row(
            "pending enrollment until",
            status.pending_until.map_or_else(|| "—".to_owned(), utc_time),
        ),
        row(
            "backup codes remaining",
            status
                .backup_codes_remaining
                .map_or_else(|| "—".to_owned(), |left| left.to_string()),
        ),
        row("authenticator codes", describe_throttling(status.codes)),
        row("backup codes", describe_throttling(status.backup_codes)),
        row("failed codes in a row", status.code_failures.to_string()),
        row("credential epoch", status.epoch.to_string()),
        "</table>".to_owned(),
    ]
    .concat();
    layout("Two-factor status", Some(name), &body)
}

/// The page an administrator without a second factor is sent to, and the start of setup.
pub(crate) fn setup_start(name: &str, required: bool) -> String {
    let why = if required {
        "<p class=\"error\">Administrators must use two-factor authentication: set it up before anything else.</p>"
    } else {
        ""
    };
    let body = format!(
        "{why}<p>You will need an authenticator app (Google Authenticator, 1Password, Authy, …).</p>\
         <form method=\"post\" action=\"/2fa/setup\"><button id=\"setup\">Set up two-factor authentication</button></form>"
    );
    layout("Set up two-factor authentication", Some(name), &body)
}

/// The QR code, the secret, and the form that confirms the enrollment.
pub(crate) fn setup(
    name: &str,
    data_url: &str,
    svg: &str,
    secret: &str,
    expires_at: u64,
    error: Option<&str>,
) -> String {
    let body = format!(
        "{}<p>Scan this QR code with your authenticator app:</p>\
         <p><img id=\"qr\" src=\"{}\" alt=\"QR code of your new authenticator\"></p>\
         <details><summary>The same QR code as SVG</summary><div id=\"qr-svg\">{svg}</div></details>\
         <p>Or type this secret into the app: <code id=\"secret\">{}</code></p>\
         <form method=\"post\" action=\"/2fa/enable\">\
         <label>Then type the code the app shows<br><input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" required></label><br>\
         <button id=\"enable\">Turn on</button></form>\
         <p>This setup expires at {}.</p>",
        paragraph("error", error),
        escape(data_url),
        escape(secret),
        utc_time(expires_at),
    );
    layout("Set up two-factor authentication", Some(name), &body)
}

/// The form that confirms a pending enrollment, again, after a wrong code (the QR code is not
/// shown twice: the secret stays on the server).
pub(crate) fn enable_again(name: &str, error: &str) -> String {
    let body = format!(
        "{}<form method=\"post\" action=\"/2fa/enable\">\
         <label>Code from your authenticator app<br><input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" required></label><br>\
         <button id=\"enable\">Turn on</button></form>\
         <p>Lost the QR code? <form method=\"post\" action=\"/2fa/setup\"><button>Start over</button></form></p>",
        paragraph("error", Some(error))
    );
    layout("Set up two-factor authentication", Some(name), &body)
}

/// Backup codes, shown once.
pub(crate) fn backup_codes<'a>(
    name: &str,
    title: &str,
    intro: &str,
    codes: impl Iterator<Item = &'a str>,
) -> String {
    let items: String = codes.map(|code| format!("<li>{}</li>", escape(code))).collect();
    let body = format!(
        "<p class=\"notice\">{}</p><p>Your backup codes — each works once, when you cannot use your app. \
         Keep them somewhere safe: <b>they are shown only now.</b></p>\
         <ol id=\"backup-codes\" class=\"codes\">{items}</ol><p><a href=\"/\">Done</a></p>",
        escape(intro)
    );
    layout(title, Some(name), &body)
}
