//! The authenticators page: the list (rename, remove), and adding one more.

use std::fmt::Write as _;

use twofactor::policy::AuthenticatorInfo;

use super::fields::{Csrf, Kind, input, proof_form};
use super::{escape, layout, paragraph, utc_time};

/// The user's authenticators, each with a rename and a remove form, and the add form.
pub(crate) fn authenticators(
    csrf: &Csrf,
    name: &str,
    list: &[AuthenticatorInfo],
    max: usize,
    notice: Option<&str>,
    error: Option<&str>,
) -> String {
    let mut body = paragraph("notice", notice);
    body.push_str(&paragraph("error", error));
    body.push_str(
        "<table id=\"authenticators\"><tr><th>Name</th><th>Added</th><th>Last used</th><th></th></tr>",
    );
    for (index, authenticator) in list.iter().enumerate() {
        let label = if authenticator.label.is_empty() {
            format!("Authenticator {}", index + 1)
        } else {
            authenticator.label.clone()
        };
        let id = authenticator.id;
        let _ = write!(
            body,
            "<tr><td class=\"label\">{label}</td><td>{added}</td><td>{used}</td><td>\
             <form method=\"post\" action=\"/2fa/authenticators/{id}/rename\">{csrf}{rename}<button id=\"rename-{id}\">Rename</button></form>\
             {remove}</td></tr>",
            label = escape(&label),
            added = utc_time(authenticator.created_at),
            used = authenticator
                .last_used_at
                .map_or_else(|| "never".to_owned(), utc_time),
            csrf = csrf.field(),
            rename = input(
                Kind::Label,
                &format!("label-{id}"),
                "New name",
                &authenticator.label,
                None,
                None
            ),
            remove = proof_form(
                csrf,
                &format!("/2fa/authenticators/{id}/remove"),
                &format!("remove-{id}"),
                &format!("To remove {label}: a code from your app, or a backup code"),
                "Remove",
                None
            ),
        );
    }
    body.push_str("</table>");
    if list.len() < max {
        let _ = write!(
            body,
            "<section><h2>Add an authenticator</h2><p>A second phone, or a password manager: prove it is you with a code \
             from an authenticator you have, then scan the new QR code.</p>\
             <form method=\"post\" action=\"/2fa/authenticators/add\">{}{}{}<button id=\"add\">Add</button></form></section>",
            csrf.field(),
            input(
                Kind::Label,
                "new-label",
                "Name of the new authenticator",
                "",
                Some("For example: Work phone"),
                None
            ),
            input(
                Kind::CodeOrBackupCode,
                "add-code",
                "A code from your app, or a backup code",
                "",
                None,
                None
            ),
        );
    } else {
        let _ = write!(
            body,
            "<p>You have {max} authenticators, the most allowed: remove one to add another.</p>"
        );
    }
    layout("Authenticators", Some((name, csrf)), &body)
}

/// After the proof: the new authenticator's QR code (see `account::setup`).
pub(crate) fn adding(csrf: &Csrf, name: &str, qr: &super::QrPage<'_>, error: Option<&str>) -> String {
    super::setup(csrf, name, "Add an authenticator", qr, error)
}
