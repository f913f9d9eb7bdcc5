//! The command line of `otp store`: the operations on a deployment's records.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `otp store`: operate on the records of a deployment, over its store URL.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 done, 1 refused (or some import lines refused), 2 bad arguments.\n\
                        The store URL: sqlite:PATH, postgres://…, mysql://… (needs the crate's \
                        sqlite, postgres and mysql features)."
)]
pub(crate) struct StoreArgs {
    /// The store: `sqlite:PATH`, `postgres://USER@HOST/DB`, `mysql://USER@HOST/DB`.
    #[arg(long, value_name = "URL")]
    pub(crate) url: String,
    /// The records table.
    #[arg(long, value_name = "NAME", default_value = "two_factor")]
    pub(crate) table: String,
    /// A file holding the server keys' text form (`tfk1.…`), where records are sealed.
    #[arg(long, value_name = "FILE")]
    pub(crate) keys: Option<PathBuf>,
    /// Hash imported backup codes with the keys' peppered HMAC (as an application configured
    /// with `ServerKeys::backup_hasher` does), not Argon2id.
    #[arg(long, requires = "keys")]
    pub(crate) pepper: bool,
    /// Who is acting, for the events of `unlock` and `reset`.
    #[arg(long, value_name = "NAME", default_value = "otp-store")]
    pub(crate) operator: String,
    /// One JSON object per result line, for scripts.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: StoreCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StoreCommand {
    /// What the status call returns for USER, and its authenticators' ids (no secret).
    Status {
        /// The user's id.
        user: String,
    },
    /// Clear USER's failure counters, delays and locks.
    Unlock {
        /// The user's id.
        user: String,
    },
    /// The support desk's reset: turn USER's second factor off without a proof.
    Reset {
        /// The user's id.
        user: String,
        /// Why (kept in the event).
        #[arg(long)]
        reason: String,
    },
    /// Remove USER's authenticator ID without a proof (a lost or stolen one); the last one
    /// removed turns the second factor off.
    #[command(name = "remove-authenticator")]
    RemoveAuthenticator {
        /// The user's id.
        user: String,
        /// The authenticator's id (`status` lists them).
        id: u32,
        /// Why (kept in the event).
        #[arg(long)]
        reason: String,
    },
    /// Forget every remembered device of USER.
    #[command(name = "revoke-devices")]
    RevokeDevices {
        /// The user's id.
        user: String,
    },
    /// Import users from FILE, one per line: JSON Lines, or CSV if the name ends in `.csv`.
    ///
    /// Keys (JSON) or header columns (CSV): user, secret (base32), algorithm, digits, period,
    /// last_step, label, backup_codes (a JSON array; in CSV separated by spaces), bcrypt_codes
    /// (bcrypt hashes, JSON only, with code_length and lowercase). Each line is imported whole
    /// or refused with its reason; the others are imported.
    Import {
        /// The file.
        file: PathBuf,
        /// Accept 80-bit secrets (many older systems issued them), under the 128 bits RFC 4226
        /// asks for.
        #[arg(long)]
        legacy_secrets: bool,
        /// Replace the second factor of users who have one, instead of refusing their lines.
        #[arg(long)]
        replace: bool,
    },
    /// Write every user's authenticators with their secrets as JSON Lines to standard output.
    Export {
        /// Required: the output holds every secret in the clear.
        #[arg(long)]
        danger_plain_secrets: bool,
    },
    /// Finish a key rotation: reseal every record under the current key; prints the count.
    Reseal,
    /// Create or update the records table.
    Migrate,
}
