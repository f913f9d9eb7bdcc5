//! Exporting every user's authenticators with their secrets, for a backup or for leaving the
//! crate: one JSON line per user, sealed secrets opened with the keyring.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use zeroize::Zeroizing;

use super::{Error, TwoFactor};
use crate::record::Opened;
use crate::service::Clock;
use crate::store::ListUsers;

impl<S: ListUsers, C: Clock, K> TwoFactor<S, C, K> {
    /// **Every secret in the clear.** One page of an export: up to `limit` users after `after`
    /// (or from the first, in the store's order; [`ListUsers`]), each with its JSON Lines line —
    /// the user, and each confirmed authenticator with its id, label, secret (base32, no
    /// padding), algorithm, digits, period, T0 and last used step. Sealed secrets are opened
    /// with the service's keyring. Pass the last user of a page as `after` for the next one; an
    /// empty page is the end.
    ///
    /// Whoever reads the output can sign in as every user who has no other factor: write it
    /// only where the store's own backups go, encrypted, and never to a log. Backup codes are
    /// not exported (only their hashes exist); pending enrollments neither.
    ///
    /// ```text
    /// {"user":"u1","authenticators":[{"id":1,"label":"Phone","secret":"JBSW…","algorithm":"SHA1","digits":6,"period":30,"t0":0,"last_step":56666667}]}
    /// ```
    ///
    /// # Errors
    /// [`Error::Store`] if listing or a load fails; [`Error::Seal`] if a sealed secret does not
    /// open (no keyring, a retired key); nothing is half-returned.
    ///
    /// ```
    /// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    /// use twofactor::keys::ServerKeys;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = ManualClock::new(1_700_000_000);
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let keys = ServerKeys::generate(1)?;
    /// let service = TwoFactor::new(MemoryStore::new(), clock.clone(), config, &keys);
    /// let enrollment = service.begin_enrollment("u1", "alice").await?;
    /// let app = Totp::new(&enrollment.secret, service.config().params());
    /// service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
    ///
    /// let page = service.danger_export_plain_secrets(None, 100).await?;
    /// let (user, line) = &page[0];
    /// assert_eq!(user, "u1");
    /// assert!(line.contains(&format!("\"secret\":\"{}\"", enrollment.secret.to_base32().as_str())));
    /// assert!(service.danger_export_plain_secrets(Some("u1"), 100).await?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn danger_export_plain_secrets(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, Zeroizing<String>)>, Error> {
        let users = self.store.users_after(after, limit).await.map_err(Error::store)?;
        let mut page = Vec::with_capacity(users.len());
        for user in users {
            let Some(record) = self.load_checked(&user).await? else {
                continue; // deleted since it was listed
            };
            let (opened, _) = self.seam.open(record)?;
            let line = export_line(&opened);
            page.push((user, line));
        }
        Ok(page)
    }
}

/// The JSON line of one opened record.
fn export_line(record: &Opened) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(128));
    out.push_str("{\"user\":");
    json_string(&mut out, &record.user);
    out.push_str(",\"authenticators\":[");
    for (index, authenticator) in record.authenticators.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let params = authenticator.params;
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{{\"id\":{},\"label\":", authenticator.id);
        json_string(&mut out, &authenticator.label);
        out.push_str(",\"secret\":\"");
        out.push_str(&authenticator.secret.secret.to_base32());
        let _ = write!(
            out,
            "\",\"algorithm\":\"{}\",\"digits\":{},\"period\":{},\"t0\":{},\"last_step\":",
            params.algorithm().as_str(),
            params.digits().get(),
            params.period(),
            params.t0(),
        );
        let _ = match authenticator.last_step {
            Some(step) => write!(out, "{step}}}"),
            None => write!(out, "null}}"),
        };
    }
    out.push_str("]}");
    out
}

/// `text` as a JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped.
fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::json_string;

    #[test]
    fn json_strings_escape_what_json_requires() {
        let mut out = String::new();
        json_string(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(out, r#""a\"b\\c\u000a\u0001é""#);
    }
}
