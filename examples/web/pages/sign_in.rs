//! The sign-in pages: the password, then the code (or a backup code, or nothing on a
//! remembered browser).

use super::fields::{Csrf, Kind, input};
use super::{escape, layout, paragraph};

/// The password form. `error` is shown above it and linked to both fields.
pub(crate) fn login(csrf: &Csrf, name: &str, notice: Option<&str>, error: Option<&str>) -> String {
    let (described, invalid) = if error.is_some() {
        (" aria-describedby=\"login-error\"", " aria-invalid=\"true\"")
    } else {
        ("", "")
    };
    let error = error.map_or_else(String::new, |text| {
        format!(
            "<p class=\"error\" id=\"login-error\" role=\"alert\">{}</p>",
            escape(text)
        )
    });
    let body = format!(
        "{notice}{error}<form method=\"post\" action=\"/login\">{csrf}\
         <label for=\"username\">Username</label>\
         <input type=\"text\" id=\"username\" name=\"username\" value=\"{name}\" autocomplete=\"username\" autocapitalize=\"none\" required{described}{invalid}>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required{described}{invalid}><br>\
         <button id=\"sign-in\">Sign in</button></form>",
        notice = paragraph("notice", notice),
        csrf = csrf.field(),
        name = escape(name),
    );
    layout("Sign in", None, &body)
}

/// The second step: a code from the app (`backup` false) or a backup code (`backup` true), and
/// "remember this browser".
pub(crate) fn code_step(
    csrf: &Csrf,
    name: &str,
    backup: bool,
    remember_days: u64,
    notice: Option<&str>,
    error: Option<&str>,
) -> String {
    let (field, other) = if backup {
        (
            input(
                Kind::BackupCode,
                "code",
                "Backup code",
                "",
                Some("One of the codes you saved when you turned two-factor authentication on."),
                error,
            ),
            "<a href=\"/login/code\" id=\"use-app\">Use a code from your app instead</a>",
        )
    } else {
        (
            input(
                Kind::Code,
                "code",
                "Code from your authenticator app",
                "",
                Some("6 digits; it changes every 30 seconds."),
                error,
            ),
            "<a href=\"/login/code?backup=1\" id=\"use-backup-code\">Use a backup code instead</a>",
        )
    };
    let body = format!(
        "{notice}<p>Code required: <b>{name}</b> has two-factor authentication on.</p>\
         <form method=\"post\" action=\"/login/code\">{csrf}{field}\
         <label class=\"check\"><input type=\"checkbox\" id=\"remember\" name=\"remember\" value=\"1\">\
         Remember this browser for {remember_days} days</label>\
         <button id=\"verify\">Verify</button></form>\
         <p>{other} · <a href=\"/login\">Start again</a></p>",
        notice = paragraph("notice", notice),
        name = escape(name),
        csrf = csrf.field(),
    );
    layout("Code required", None, &body)
}
