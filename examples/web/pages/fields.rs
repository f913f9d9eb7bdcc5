//! The pieces every form is made of: the CSRF field, a labelled input whose error is linked to
//! it (`aria-describedby`, `aria-invalid`), the code and proof fields.

use super::escape;

/// The session's CSRF token, for the hidden field of every form (see `csrf.rs`).
#[derive(Clone, Debug)]
pub(crate) struct Csrf(pub(crate) String);

impl Csrf {
    /// The hidden `csrf` field.
    pub(crate) fn field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            escape(&self.0)
        )
    }
}

/// What kind of text a field takes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// A code from an authenticator app: digits, the phone's one-time-code keyboard.
    Code,
    /// A code from the app or a backup code (letters and digits): a plain keyboard.
    CodeOrBackupCode,
    /// A backup code.
    BackupCode,
    /// A name (an authenticator's label).
    Label,
}

/// A labelled input. `error` is shown under it, linked by `aria-describedby` and flagged with
/// `aria-invalid`; `hint` is linked too.
pub(crate) fn input(
    kind: Kind,
    id: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    error: Option<&str>,
) -> String {
    let attributes = match kind {
        Kind::Code => {
            "autocomplete=\"one-time-code\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" maxlength=\"10\" required"
        }
        Kind::CodeOrBackupCode | Kind::BackupCode => {
            "autocomplete=\"one-time-code\" autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"40\" required"
        }
        Kind::Label => "autocomplete=\"off\" maxlength=\"64\" required",
    };
    let mut described = Vec::new();
    let mut after = String::new();
    if let Some(hint) = hint {
        described.push(format!("{id}-hint"));
        after.push_str(&format!(
            "<span class=\"hint\" id=\"{id}-hint\">{}</span>",
            escape(hint)
        ));
    }
    if let Some(error) = error {
        described.push(format!("{id}-error"));
        after.push_str(&format!(
            "<p class=\"error\" id=\"{id}-error\" role=\"alert\">{}</p>",
            escape(error)
        ));
    }
    let described = if described.is_empty() {
        String::new()
    } else {
        format!(" aria-describedby=\"{}\"", described.join(" "))
    };
    let invalid = if error.is_some() {
        " aria-invalid=\"true\""
    } else {
        ""
    };
    let name = match kind {
        Kind::Label => "label",
        Kind::Code | Kind::CodeOrBackupCode | Kind::BackupCode => "code",
    };
    format!(
        "<label for=\"{id}\">{}</label><input type=\"text\" id=\"{id}\" name=\"{name}\" value=\"{}\" {attributes}{described}{invalid}><br>{after}",
        escape(label),
        escape(value)
    )
}

/// A form that asks for a proof (a code or a backup code) before a change: `POST action`;
/// `label` names the field.
pub(crate) fn proof_form(
    csrf: &Csrf,
    action: &str,
    id: &str,
    label: &str,
    button: &str,
    error: Option<&str>,
) -> String {
    format!(
        "<form method=\"post\" action=\"{}\">{}{}<button id=\"{id}\">{}</button></form>",
        escape(action),
        csrf.field(),
        input(
            Kind::CodeOrBackupCode,
            &format!("{id}-code"),
            label,
            "",
            None,
            error
        ),
        escape(button)
    )
}
