//! The rules for the names an app shows: the issuer and the account.

use super::{TextField, TextProblem, UriError};

/// Whether `c` may not appear in a name: a C0/C1 control character (Unicode category Cc), or a
/// bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which could make
/// an app display `moc.elpmaxe` as `example.com`.
pub(crate) fn is_forbidden_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn error(field: TextField, problem: TextProblem) -> UriError {
    UriError::Text { field, problem }
}

/// Refuses an empty `text` and one with a forbidden control character.
pub(super) fn check_plain(text: &str, field: TextField) -> Result<(), UriError> {
    if text.is_empty() {
        return Err(error(field, TextProblem::Empty));
    }
    if text.chars().any(is_forbidden_control) {
        return Err(error(field, TextProblem::Control));
    }
    Ok(())
}

/// The rules for a part of the label (the Key URI format forbids a colon in either part).
pub(super) fn check_label_part(text: &str, field: TextField) -> Result<(), UriError> {
    check_plain(text, field)?;
    if text.contains(':') {
        return Err(error(field, TextProblem::Colon));
    }
    Ok(())
}

/// The rules for an account that follows an issuer in the label: a label part, and no leading
/// space, since parsers drop the spaces after the colon.
pub(super) fn check_account_after_issuer(account: &str) -> Result<(), UriError> {
    check_label_part(account, TextField::Account)?;
    if account.starts_with(' ') {
        return Err(error(TextField::Account, TextProblem::LeadingSpace));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_unicode_and_punctuation_are_accepted() {
        for name in ["Example Co", "Ünïcödé 😀", "a&b?c#d%e+f=g/h@i", "👩‍👩‍👧"] {
            assert_eq!(check_label_part(name, TextField::Issuer), Ok(()), "{name}");
        }
    }

    #[test]
    fn empty_colon_and_control_characters_are_refused() {
        let refused = |text, problem| {
            assert_eq!(
                check_label_part(text, TextField::Account),
                Err(error(TextField::Account, problem)),
                "{text:?}"
            );
        };
        refused("", TextProblem::Empty);
        refused("a:b", TextProblem::Colon);
        for control in ["a\nb", "\0", "\u{7f}", "\u{85}", "evil\u{202E}moc", "\u{2066}x"] {
            refused(control, TextProblem::Control);
        }
    }

    #[test]
    fn an_account_after_an_issuer_may_not_start_with_a_space() {
        assert_eq!(
            check_account_after_issuer(" alice"),
            Err(error(TextField::Account, TextProblem::LeadingSpace))
        );
        assert_eq!(check_account_after_issuer("alice smith "), Ok(()));
    }
}
