//! The HTML pages: plain forms that POST, no script, one small stylesheet.
//!
//! Every value that comes from a user or the database is escaped with [`escape`]. Every form
//! carries the session's CSRF token ([`Csrf`]). The elements the tests read have ids
//! (`#username`, `#password`, `#code`, `#qr`, `#secret`, `#backup-codes`, `#download`).

mod account;
mod authenticators;
mod backup_codes;
mod devices;
mod fields;
mod sign_in;

pub(crate) use account::{QrPage, enable_again, home, setup, setup_start};
pub(crate) use authenticators::{adding, authenticators};
pub(crate) use backup_codes::{backup_codes, new_backup_codes};
pub(crate) use devices::devices;
pub(crate) use fields::Csrf;
pub(crate) use sign_in::{code_step, login};

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

/// `YYYY-MM-DD HH:MM UTC` of a Unix time (the civil-from-days algorithm of H. Hinnant).
pub(crate) fn utc_time(at: u64) -> String {
    let days = i64::try_from(at / 86_400).unwrap_or(i64::MAX);
    let seconds = at % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        seconds / 3600,
        seconds / 60 % 60
    )
}

/// The stylesheet: readable type, visible focus, errors in red with an icon-free text, and a
/// print view that keeps only the page's content (the backup codes print as a plain sheet).
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}\
label{display:block;font-weight:600;margin-top:.6rem}\
input[type=text],input[type=password],input:not([type]){font-size:1.1rem;padding:.35rem;width:16rem;max-width:100%}\
input[type=checkbox]{transform:scale(1.2);margin-right:.4rem}.check{font-weight:normal}\
button,.button{font-size:1rem;padding:.35rem .9rem;margin:.5rem .3rem .5rem 0;cursor:pointer}\
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}\
.error{color:#a00;font-weight:600}.notice{color:#060;font-weight:600}.hint{color:#555;font-size:.95rem}\
code,.codes{font-family:ui-monospace,monospace}.codes li{font-size:1.15rem;letter-spacing:.05em}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}\
nav{margin-bottom:1rem}nav form{display:inline}nav a{margin-right:.6rem}section{margin:1.5rem 0}\
@media print{nav,form,.no-print{display:none}body{margin:0}}";

/// A whole page. `user` is the signed-in user's name, for the navigation bar (whose sign-out
/// form needs the CSRF token).
pub(crate) fn layout(title: &str, user: Option<(&str, &Csrf)>, body: &str) -> String {
    let nav = match user {
        Some((name, csrf)) => format!(
            "<nav>Signed in as <b>{}</b> · <a href=\"/\">Home</a><a href=\"/2fa/authenticators\">Authenticators</a>\
             <a href=\"/2fa/backup-codes\">Backup codes</a><a href=\"/2fa/devices\">Remembered browsers</a>\
             <form method=\"post\" action=\"/logout\">{}<button id=\"logout\">Sign out</button></form></nav>",
            escape(name),
            csrf.field()
        ),
        None => "<nav><a href=\"/\">Home</a></nav>".to_owned(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · twofactor example</title><style>{STYLE}</style></head>\n\
         <body>{nav}\n<main><h1>{title}</h1>\n{body}\n</main></body></html>\n",
        title = escape(title)
    )
}

/// A paragraph of class `class` (`notice`, `error`), or nothing; `role="status"`/`"alert"` so
/// that a screen reader announces it.
pub(crate) fn paragraph(class: &str, text: Option<&str>) -> String {
    let role = if class == "error" { "alert" } else { "status" };
    text.map_or_else(String::new, |text| {
        format!("<p class=\"{class}\" role=\"{role}\">{}</p>", escape(text))
    })
}

/// A page that only tells something, with a link onwards.
pub(crate) fn message(title: &str, user: Option<(&str, &Csrf)>, text: &str, link: (&str, &str)) -> String {
    let body = format!(
        "{}<p><a href=\"{}\">{}</a></p>",
        paragraph("error", Some(text)),
        escape(link.0),
        escape(link.1)
    );
    layout(title, user, &body)
}
