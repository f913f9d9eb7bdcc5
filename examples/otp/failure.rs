//! Why a command failed, and the exit status that says so: 1 when the input was refused (a wrong
//! or malformed code, a URI that does not parse) or the work failed (a file not written), 2 when
//! the command line itself is wrong. clap exits 2 on its own for the usage errors it finds.

use std::error::Error;
use std::fmt::{self, Display};
use std::process::ExitCode;

/// An error and its causes, each after a colon: `malformed code: the code has 5 digits; 6 are
/// expected`. The crate's errors describe their own layer only and keep the cause as their
/// `source()`, so this is how a program prints all of it.
pub(crate) struct WithCauses<'a>(pub(crate) &'a (dyn Error + 'static));

impl Display for WithCauses<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

/// A message for standard error and an exit status.
#[derive(Debug)]
pub(crate) struct Failure {
    status: u8,
    message: String,
}

impl Failure {
    /// Bad arguments that clap's parsers cannot see (a secret that is not base32, a window too
    /// wide, a name a URI cannot carry): exit status 2.
    pub(crate) fn usage(message: impl Display) -> Self {
        Self {
            status: 2,
            message: format!("error: {message}\n\nFor more information, try '--help'."),
        }
    }

    /// The input was refused, and `message` says why as it is: exit status 1.
    pub(crate) fn rejected(message: impl Display) -> Self {
        Self {
            status: 1,
            message: message.to_string(),
        }
    }

    /// The work could not be done (the clock, the random number generator, a file): exit
    /// status 1.
    pub(crate) fn error(message: impl Display) -> Self {
        Self {
            status: 1,
            message: format!("error: {message}"),
        }
    }

    /// Prints the message on standard error and gives the exit status.
    pub(crate) fn report(&self) -> ExitCode {
        eprintln!("{}", self.message);
        ExitCode::from(self.status)
    }
}
