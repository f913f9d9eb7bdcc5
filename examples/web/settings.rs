//! The settings, from environment variables (the table is in `main.rs`).

use std::time::Duration;

use crate::password_gate::PasswordLimits;

/// Why a setting was refused: the application does not start.
#[derive(Debug)]
pub(crate) struct SettingError(String);

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingError {}

/// Everything the environment sets.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) listen: String,
    pub(crate) database: String,
    /// The origin the browser sees (`https://app.example`): POSTs from any other are refused.
    /// `None`: `http://<the listening address>`, for development.
    pub(crate) origin: Option<String>,
    /// `Secure` cookies with the `__Host-` prefix (the default), or — only with the explicit
    /// development switch — neither, for plain HTTP.
    pub(crate) secure_cookies: bool,
    pub(crate) test_hooks: bool,
    pub(crate) limits: PasswordLimits,
}

impl Settings {
    /// The settings from the environment.
    pub(crate) fn from_env() -> Result<Self, SettingError> {
        let defaults = PasswordLimits::default();
        let limits = PasswordLimits {
            per_user: number("TWOFACTOR_WEB_PASSWORD_FAILURES_PER_USER", defaults.per_user)?,
            per_address: number(
                "TWOFACTOR_WEB_PASSWORD_ATTEMPTS_PER_ADDRESS",
                defaults.per_address,
            )?,
            window: number("TWOFACTOR_WEB_PASSWORD_WINDOW_SECONDS", defaults.window)?,
            hashes_in_flight: number(
                "TWOFACTOR_WEB_PASSWORD_HASHES_IN_FLIGHT",
                defaults.hashes_in_flight,
            )?,
            hash_wait: Duration::from_millis(number(
                "TWOFACTOR_WEB_PASSWORD_HASH_WAIT_MS",
                u64::try_from(defaults.hash_wait.as_millis()).unwrap_or(u64::MAX),
            )?),
        };
        if limits.per_user == 0
            || limits.per_address == 0
            || limits.window == 0
            || limits.hashes_in_flight == 0
        {
            return Err(SettingError(
                "the password limits must be at least 1 (TWOFACTOR_WEB_PASSWORD_*)".to_owned(),
            ));
        }
        Ok(Self {
            listen: env_or("TWOFACTOR_WEB_LISTEN", "127.0.0.1:3000"),
            database: env_or("TWOFACTOR_WEB_DATABASE", "twofactor-web.db"),
            origin: std::env::var("TWOFACTOR_WEB_ORIGIN")
                .ok()
                .filter(|origin| !origin.is_empty()),
            secure_cookies: !switch("TWOFACTOR_WEB_INSECURE_DEV_COOKIES")?,
            test_hooks: switch("TWOFACTOR_WEB_TEST_HOOKS")?,
            limits,
        })
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A switch: unset or `0` is off, `1` is on, anything else stops the start.
fn switch(name: &str) -> Result<bool, SettingError> {
    match std::env::var(name).as_deref() {
        Err(_) | Ok("" | "0") => Ok(false),
        Ok("1") => Ok(true),
        Ok(other) => Err(SettingError(format!("{name} must be 0 or 1, not {other:?}"))),
    }
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, SettingError> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text
            .parse()
            .map_err(|_| SettingError(format!("{name} must be a whole number, not {text:?}"))),
    }
}
