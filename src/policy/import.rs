//! Importing a user's second factor from another system: one authenticator (its secret, its
//! parameters, the last step it was used at), optionally backup codes, into a record that has
//! none unless a replacement is asked for.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use super::label::check_name;
use super::{Decision, Refusal, move_epoch, refuse};
use crate::backup::BackupCodeSet;
use crate::otp::TotpParams;
use crate::record::{Opened, PlainSecret, State, Throttle};
use crate::secret::Secret;

/// One user's second factor as another system kept it, for
/// [`TwoFactor::import`](crate::TwoFactor::import): a TOTP secret and its parameters, and
/// optionally the last step it was used at, a label, and backup codes.
///
/// The secret comes from [`Secret::from_base32`] (lenient: case, spaces, padding), or for the
/// 80-bit secrets many systems issued, from the explicitly named [`Secret::from_base32_legacy`].
///
/// ```
/// use twofactor::otp::TotpParams;
/// use twofactor::policy::Import;
/// use twofactor::Secret;
///
/// let secret = Secret::from_base32("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp")?;
/// let import = Import::new(secret, TotpParams::DEFAULT)
///     .label("Phone")
///     .last_step(56_666_666)
///     .backup_codes(["4f1c-92ab-07d3", "e5b0-6a18-c2f9"]);
/// # let _ = import;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Import {
    pub(crate) secret: Secret,
    pub(crate) params: TotpParams,
    pub(crate) last_step: Option<u64>,
    pub(crate) label: Option<String>,
    pub(crate) codes: Codes,
    pub(crate) replace: bool,
}

/// The backup codes of an import.
#[derive(Clone)]
pub(crate) enum Codes {
    None,
    /// Plain, as another system showed them: hashed on import with the configured hasher.
    Plain(Arc<[zeroize::Zeroizing<String>]>),
    /// A set made already (bcrypt hashes, [`BackupCodeSet::import_bcrypt`]).
    Set(BackupCodeSet),
}

impl Import {
    /// A secret and its parameters (algorithm, digits, period, T0), with no backup codes, no
    /// known last step (the step of the import is taken as used), no label, and no replacement
    /// of a user's existing second factor.
    #[must_use]
    pub const fn new(secret: Secret, params: TotpParams) -> Self {
        Self {
            secret,
            params,
            last_step: None,
            label: None,
            codes: Codes::None,
            replace: false,
        }
    }

    /// The last time step the other system accepted a code of: it and every earlier one stay
    /// spent. Without it the import's own step is taken as spent, so that a code seen before
    /// the import cannot be replayed after it.
    #[must_use]
    pub const fn last_step(mut self, step: u64) -> Self {
        self.last_step = Some(step);
        self
    }

    /// The user's name for the authenticator (trimmed; checked as every label is).
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Backup codes in plain text, as the other system issued them: hashed on import with the
    /// service's configured hasher ([`BackupCodeSet::import_plain`]'s rules), each usable once.
    #[must_use]
    pub fn backup_codes<C: Into<String>>(mut self, codes: impl IntoIterator<Item = C>) -> Self {
        self.codes = Codes::Plain(
            codes
                .into_iter()
                .map(|code| zeroize::Zeroizing::new(code.into()))
                .collect(),
        );
        self
    }

    /// Backup codes already made into a set: bcrypt hashes read with
    /// [`BackupCodeSet::import_bcrypt`] (feature `bcrypt`), kept as they are.
    #[must_use]
    pub fn backup_set(mut self, set: BackupCodeSet) -> Self {
        self.codes = Codes::Set(set);
        self
    }

    /// Replace the user's second factor if it is on (its authenticators, backup codes and
    /// remembered devices go), instead of refusing the import with
    /// [`Error::AlreadyEnabled`](crate::Error::AlreadyEnabled). (A pending enrollment, not
    /// confirmed, is dropped by every import.)
    #[must_use]
    pub const fn replace(mut self) -> Self {
        self.replace = true;
        self
    }
}

impl fmt::Debug for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Import")
            .field("secret", &self.secret)
            .field("params", &self.params)
            .field("last_step", &self.last_step)
            .field("label", &self.label)
            .field("replace", &self.replace)
            .finish_non_exhaustive()
    }
}

/// What an import did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Imported {
    /// The id of the imported authenticator.
    pub authenticator: u32,
    /// The backup codes imported, if any.
    pub backup_codes: Option<usize>,
    /// Whether a second factor the user had was replaced.
    pub replaced: bool,
    /// The new credential epoch.
    pub epoch: u64,
}

/// Why an import was refused (the detail of [`Error::InvalidImport`](crate::Error::InvalidImport));
/// nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImportProblem {
    /// The last used step is ahead of the import's own step: a record with it would refuse the
    /// user's codes until then (a clock of the other system far ahead, or a value in another unit).
    LastStepAhead {
        /// The step given.
        step: u64,
        /// The step of the import.
        current: u64,
    },
    /// The backup codes are as long as the authenticator's codes: a typed one of digits could not
    /// be told from an authenticator code.
    CodesLikeAuthenticatorCodes {
        /// Their length, and the authenticator's digits.
        length: usize,
    },
    /// The time of the import is before the parameters' T0.
    BeforeT0,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LastStepAhead { step, current } => {
                write!(
                    f,
                    "the last used step {step} is ahead of the current step {current}"
                )
            }
            Self::CodesLikeAuthenticatorCodes { length } => write!(
                f,
                "the backup codes have {length} symbols, as many as the authenticator's codes have digits"
            ),
            Self::BeforeT0 => f.write_str("the time of the import is before the parameters' T0"),
        }
    }
}

/// Imports `import` (its codes made into `set`, if any) at `now` into `record`, the user's.
/// Refused: a user whose second factor is on unless `import.replace`, a label that cannot be
/// stored, a last step ahead of now's, backup codes as long as the codes. The record keeps its
/// id counter; its authenticators, pending enrollment, backup codes, challenge, throttles and
/// devices are replaced.
pub(crate) fn import(
    record: Option<Opened>,
    user: &str,
    import: &Import,
    secret: &Arc<PlainSecret>,
    set: Option<&BackupCodeSet>,
    now: u64,
) -> Decision<Imported> {
    let label = match import.label.as_deref().map(check_name).transpose() {
        Ok(label) => label.unwrap_or_default(),
        Err(problem) => return refuse(Refusal::Label(problem)),
    };
    let Ok(current) = secret.totp.step(now) else {
        return refuse(Refusal::Import(ImportProblem::BeforeT0));
    };
    let step = import.last_step.unwrap_or(current);
    if step > current {
        return refuse(Refusal::Import(ImportProblem::LastStepAhead { step, current }));
    }
    if let Some(length) = set.map(BackupCodeSet::code_length)
        && length == usize::from(import.params.digits().get())
    {
        return refuse(Refusal::Import(ImportProblem::CodesLikeAuthenticatorCodes {
            length,
        }));
    }
    let mut record = record.unwrap_or_else(|| State::new(user));
    let had = record.is_enabled();
    if had && !import.replace {
        return refuse(Refusal::AlreadyEnabled);
    }
    record.authenticators.clear();
    record.pending = None;
    record.challenge = None;
    record.code_throttle = Throttle::default();
    record.backup_throttle = Throttle::default();
    record.backup = set.map(|set| Arc::new(set.clone()));
    let id = record.add_authenticator(label, Arc::clone(secret), import.params, Some((step, 0)), now);
    // It was not used at the import: the step is spent, the time of use unknown.
    if let Some(added) = record.authenticators.last_mut() {
        added.last_used_at = None;
    }
    move_epoch(&mut record);
    let imported = Imported {
        authenticator: id,
        backup_codes: set.map(BackupCodeSet::count),
        replaced: had,
        epoch: record.epoch,
    };
    (Ok(imported), Some(record))
}
