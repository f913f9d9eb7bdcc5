//! The rules for a label the user gives something they hold: an authenticator's name, a
//! remembered device's.

use alloc::string::String;
use core::fmt;

use crate::record::Record;
use crate::uri::is_forbidden_control;

/// What is wrong with a label: a detail of [`Error::InvalidLabel`](crate::Error::InvalidLabel),
/// not an error of its own. A device's label may be empty, an authenticator's may not (it is
/// how the user tells them apart); either is at most
/// [`Record::MAX_LABEL_LEN`](crate::store::Record::MAX_LABEL_LEN) bytes of UTF-8 and holds no
/// control character (Unicode category Cc) nor a bidirectional embedding, override or isolate,
/// which could make a list show another name than the one stored.
///
/// | variant | `Display` |
/// | --- | --- |
/// | `Empty` | `it is empty` |
/// | `TooLong` | `it is {len} bytes long, more than 64` |
/// | `Control` | `it contains a control character` |
///
/// ```
/// use twofactor::Error;
/// use twofactor::policy::LabelProblem;
///
/// let refused = Error::InvalidLabel(LabelProblem::TooLong { len: 70 });
/// assert_eq!(refused.to_string(), "the label is refused: it is 70 bytes long, more than 64");
/// assert_eq!(refused.http_status(), 400);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LabelProblem {
    /// Nothing but white space, where a name is needed (an authenticator's).
    Empty,
    /// Longer than [`Record::MAX_LABEL_LEN`](crate::store::Record::MAX_LABEL_LEN) bytes.
    TooLong {
        /// Its length, in bytes.
        len: usize,
    },
    /// It holds a control character, or a bidirectional embedding, override or isolate.
    Control,
}

impl fmt::Display for LabelProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong { len } => write!(f, "it is {len} bytes long, more than {}", Record::MAX_LABEL_LEN),
            Self::Control => f.write_str("it contains a control character"),
        }
    }
}

/// Whether `label` may be stored and shown: at most [`Record::MAX_LABEL_LEN`] bytes, no control
/// character.
pub(crate) fn check_label(label: &str) -> Result<(), LabelProblem> {
    if label.len() > Record::MAX_LABEL_LEN {
        return Err(LabelProblem::TooLong { len: label.len() });
    }
    if label.chars().any(is_forbidden_control) {
        return Err(LabelProblem::Control);
    }
    Ok(())
}

/// An authenticator's name, trimmed, if it can be stored: not empty, and as [`check_label`].
pub(crate) fn check_name(label: &str) -> Result<String, LabelProblem> {
    let label = label.trim();
    if label.is_empty() {
        return Err(LabelProblem::Empty);
    }
    check_label(label)?;
    Ok(label.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_up_to_the_limit_without_control_characters_are_accepted() {
        for label in [
            "",
            "Firefox on Linux",
            "Ünïcödé 😀 — laptop",
            &"x".repeat(64),
            &"é".repeat(32),
        ] {
            assert_eq!(check_label(label), Ok(()), "{label:?}");
        }
    }

    #[test]
    fn an_authenticator_name_is_trimmed_and_may_not_be_empty() {
        assert_eq!(check_name("  Work phone "), Ok("Work phone".into()));
        for empty in ["", " \t "] {
            assert_eq!(check_name(empty), Err(LabelProblem::Empty), "{empty:?}");
        }
        assert_eq!(check_name("a\u{202E}b"), Err(LabelProblem::Control));
    }

    #[test]
    fn a_long_label_or_a_control_character_is_refused() {
        assert_eq!(
            check_label(&"x".repeat(65)),
            Err(LabelProblem::TooLong { len: 65 })
        );
        // 33 two-byte characters: the limit is in bytes.
        assert_eq!(
            check_label(&"é".repeat(33)),
            Err(LabelProblem::TooLong { len: 66 })
        );
        for label in [
            "a\nb",
            "\0",
            "tab\there",
            "\u{7f}",
            "\u{85}",
            "evil\u{202E}moc",
            "\u{2066}x",
        ] {
            assert_eq!(check_label(label), Err(LabelProblem::Control), "{label:?}");
        }
    }
}
