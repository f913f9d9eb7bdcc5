//! The backup codes: how many are left, new ones (shown once, with a download and a print
//! view), and turning two-factor authentication off.

use std::fmt::Write as _;

use super::fields::{Csrf, proof_form};
use super::{escape, layout, paragraph};

/// The backup-codes page: the count, the form for new codes, the form that turns 2FA off.
pub(crate) fn backup_codes(csrf: &Csrf, name: &str, remaining: usize, error: Option<&str>) -> String {
    let body = format!(
        "{error}<p id=\"remaining\">{remaining} backup codes left. Each one signs you in once when you do not have your app.</p>\
         <section><h2>New backup codes</h2><p>The old codes stop working.</p>{regenerate}</section>\
         <section><h2>Turn two-factor authentication off</h2>{disable}</section>",
        error = paragraph("error", error),
        regenerate = proof_form(
            csrf,
            "/2fa/backup-codes",
            "new-backup-codes",
            "A code from your app, or a backup code",
            "Make new backup codes",
            None
        ),
        disable = proof_form(
            csrf,
            "/2fa/disable",
            "disable",
            "A code from your app, or a backup code",
            "Turn two-factor authentication off",
            None
        ),
    );
    layout("Backup codes", Some((name, csrf)), &body)
}

/// New backup codes, shown once: the list, "download as .txt" (a `data:` link, so the codes
/// never travel twice) and a print view (the stylesheet's `@media print` keeps only the list).
pub(crate) fn new_backup_codes(
    csrf: &Csrf,
    name: &str,
    title: &str,
    notice: &str,
    codes: &[String],
) -> String {
    let mut list = String::new();
    let mut text = format!("Backup codes for {name} (twofactor example). Each works once.\n\n");
    for code in codes {
        let _ = write!(list, "<li>{}</li>", escape(code));
        text.push_str(code);
        text.push('\n');
    }
    let body = format!(
        "{notice}<p class=\"no-print\">Save these codes now: they are not shown again. Each signs you in once.</p>\
         <ol id=\"backup-codes\" class=\"codes\">{list}</ol>\
         <p class=\"no-print\"><a class=\"button\" id=\"download\" download=\"backup-codes.txt\" href=\"data:text/plain;charset=utf-8,{href}\">Download as .txt</a>\
         Or print this page: it prints as a plain sheet of codes.</p>\
         <p class=\"no-print\"><a href=\"/\" id=\"done\">I saved them</a></p>",
        notice = paragraph("notice", Some(notice)),
        href = percent_encode(&text),
    );
    layout(title, Some((name, csrf)), &body)
}

/// `text` percent-encoded for a `data:` URL (everything but unreserved characters).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
