//! The whole life of a second factor, through the service, with a manual clock.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Debug;

use super::harness::{self, Harness, code, fresh_user, wrong_code};
use super::{KitFailure, ensure};
use crate::events::EventKind;
use crate::otp::Totp;
use crate::policy::{Policy, Status, Throttling, Via};
use crate::service::Error;
use crate::store::Store;

const CHECK: &str = "whole_flow";

/// An event the flow must have emitted: its name, and how to recognise it.
type Wanted = (&'static str, fn(&EventKind) -> bool);

/// What the flow saw: every text it must check for leaks, and every secret thing it handled.
#[derive(Default)]
struct Seen {
    texts: Vec<String>,
    codes: Vec<String>,
    secrets: Vec<String>,
}

impl Seen {
    /// Records the outcome's `Debug` (and an error's `Display`) and checks it with `ok`.
    fn check<T: Debug>(
        &mut self,
        step: &str,
        outcome: Result<T, Error>,
        ok: impl FnOnce(&Result<T, Error>) -> bool,
    ) -> Result<(), KitFailure> {
        self.texts.push(format!("{outcome:?}"));
        if let Err(error) = &outcome {
            self.texts.push(error.to_string());
        }
        ensure(ok(&outcome), CHECK, || format!("{step}: unexpected {outcome:?}"))
    }

    /// Records a success's `Debug`, checks it with `ok`, and returns it.
    fn success<T: Debug>(
        &mut self,
        step: &str,
        outcome: Result<T, Error>,
        ok: impl FnOnce(&T) -> bool,
    ) -> Result<T, KitFailure> {
        self.texts.push(format!("{outcome:?}"));
        match outcome {
            Ok(value) if ok(&value) => Ok(value),
            other => Err(KitFailure::new(CHECK, format!("{step}: unexpected {other:?}"))),
        }
    }

    /// A code the user typed, remembered for the leak check.
    fn typed(&mut self, code: String) -> String {
        self.codes.push(code.clone());
        code
    }
}

/// Enroll, confirm, log in, replay refused, drift learned, resynchronised, throttled, locked,
/// recovered with a backup code, codes regenerated and running low, disabled — with a manual
/// clock, the default policy and HMAC backup codes, alternating between the store handles. Then
/// every event is checked: the expected kinds were emitted, and no event, error or result
/// contains the secret, a code, a backup code, a salt or a hash.
///
/// # Errors
/// A [`KitFailure`] naming the step that went otherwise.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::MemoryStore;
/// use twofactor::testkit::check_whole_flow;
///
/// # tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?.block_on(async {
/// check_whole_flow(&[Arc::new(MemoryStore::new())]).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_whole_flow<S: Store + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    let harness = Harness::new(CHECK, stores, &harness::config(CHECK, Policy::DEFAULT)?)?;
    let user = fresh_user(CHECK);
    // One rule for user ids on every store, before the store is called.
    let nul = format!("{user}\0");
    let refused = harness.service(0).begin_enrollment(&nul, "kit@example.com").await;
    ensure(matches!(refused, Err(Error::InvalidUser)), CHECK, || {
        format!("a user id with a NUL byte was not refused as invalid: {refused:?}")
    })?;
    let mut seen = Seen::default();
    let app = enroll(&harness, &user, &mut seen).await?;
    log_in_and_learn(&harness, &user, &app.0, &mut seen).await?;
    throttle_and_lock(&harness, &user, &app.0, &mut seen).await?;
    recover_regenerate_disable(&harness, &user, &app, &mut seen).await?;
    check_events(&harness, &user, &mut seen).await
}

async fn status<S: Store + 'static>(harness: &Harness<S>, user: &str) -> Result<Status, KitFailure> {
    harness
        .service(1)
        .status(user)
        .await
        .map_err(|error| KitFailure::new(CHECK, format!("status: {error:?}")))
}

/// Enrolls; returns the authenticator and the backup codes.
async fn enroll<S: Store + 'static>(
    harness: &Harness<S>,
    user: &str,
    seen: &mut Seen,
) -> Result<(Totp, Vec<String>), KitFailure> {
    let now = harness.now();
    let enrollment = seen.success(
        "begin_enrollment",
        harness
            .service(0)
            .begin_enrollment(user, "alice@example.com")
            .await,
        |_| true,
    )?;
    seen.secrets.push(enrollment.secret.to_base32().to_string());
    seen.secrets.push(enrollment.uri.to_uri_string().to_string());
    let status = status(harness, user).await?;
    ensure(
        !status.enabled && status.pending_until == Some(now + 600),
        CHECK,
        || format!("a pending enrollment reads as {status:?}"),
    )?;
    let app = Totp::new(&enrollment.secret, harness.service(0).config().params());
    let first = seen.typed(code(&app, now, 0));
    seen.check(
        "a pending secret's code at login",
        harness.service(1).verify(user, &first).await,
        |outcome| matches!(outcome, Err(Error::NotEnrolled)),
    )?;
    let confirmed = seen.success(
        "confirm_enrollment",
        harness.service(1).confirm_enrollment(user, &first).await,
        |confirmed| confirmed.epoch == 1 && confirmed.backup_codes.len() == 10,
    )?;
    let backup: Vec<String> = confirmed
        .backup_codes
        .expose_codes()
        .map(str::to_string)
        .collect();
    seen.secrets.extend(backup.iter().cloned());
    remember_set(harness, user, seen).await?;
    seen.check(
        "the confirming code at login",
        harness.service(0).verify(user, &first).await,
        |outcome| matches!(outcome, Err(Error::Replay { via: Via::Code })),
    )?;
    Ok((app, backup))
}

async fn log_in_and_learn<S: Store + 'static>(
    harness: &Harness<S>,
    user: &str,
    app: &Totp,
    seen: &mut Seen,
) -> Result<(), KitFailure> {
    harness.clock.advance(30);
    let login = seen.typed(code(app, harness.now(), 0));
    seen.check(
        "login",
        harness.service(0).verify(user, &login).await,
        |outcome| matches!(outcome, Ok(v) if v.via == Via::Code && v.matched.map(|m| m.drift()) == Some(0)),
    )?;
    seen.check(
        "replayed login",
        harness.service(1).verify(user, &login).await,
        |outcome| matches!(outcome, Err(Error::Replay { via: Via::Code })),
    )?;

    // The phone's clock runs ahead: two steps is outside the window, one is inside and learned.
    harness.clock.advance(30);
    let two_ahead = seen.typed(code(app, harness.now(), 2));
    seen.check(
        "a code two steps ahead",
        harness.service(0).verify(user, &two_ahead).await,
        |outcome| matches!(outcome, Err(Error::WrongCode { via: Via::Code })),
    )?;
    let one_ahead = seen.typed(code(app, harness.now(), 1));
    seen.check(
        "a code one step ahead",
        harness.service(1).verify(user, &one_ahead).await,
        |outcome| matches!(outcome, Ok(v) if v.matched.map(|m| m.drift()) == Some(1)),
    )?;
    let learned = status(harness, user).await?;
    ensure(
        learned.drift == Some(1) && learned.code_failures == 0,
        CHECK,
        || format!("after a code one step ahead the status is {learned:?}"),
    )?;
    harness.clock.advance(30);
    let two_ahead = seen.typed(code(app, harness.now(), 2));
    seen.check(
        "a code two steps ahead, once drift is learned",
        harness.service(0).verify(user, &two_ahead).await,
        |outcome| matches!(outcome, Ok(v) if v.matched.map(|m| m.drift()) == Some(2)),
    )?;

    // The phone jumps far ahead: two consecutive codes resynchronise it.
    harness.clock.advance(30);
    let far = seen.typed(code(app, harness.now(), 9));
    seen.check(
        "a code nine steps ahead",
        harness.service(1).verify(user, &far).await,
        |outcome| matches!(outcome, Err(Error::WrongCode { via: Via::Code })),
    )?;
    let next = seen.typed(code(app, harness.now(), 10));
    seen.check(
        "resync",
        harness.service(0).resync(user, &far, &next).await,
        |outcome| matches!(outcome, Ok(found) if found.drift() == 10),
    )?;
    harness.clock.advance(30);
    let after = seen.typed(code(app, harness.now(), 10));
    seen.check(
        "login after resync",
        harness.service(1).verify(user, &after).await,
        Result::is_ok,
    )?;
    Ok(())
}

async fn throttle_and_lock<S: Store + 'static>(
    harness: &Harness<S>,
    user: &str,
    app: &Totp,
    seen: &mut Seen,
) -> Result<(), KitFailure> {
    harness.clock.advance(30);
    let start = harness.now();
    for attempt in 0..4 {
        let wrong = seen.typed(wrong_code(app, start));
        seen.check(
            "a wrong code",
            harness.service(attempt).verify(user, &wrong).await,
            |outcome| matches!(outcome, Err(Error::WrongCode { via: Via::Code })),
        )?;
    }
    let valid = seen.typed(code(app, start, 10));
    seen.check("the right code while throttled", harness.service(0).verify(user, &valid).await, |outcome| {
        matches!(outcome, Err(Error::Throttled { via: Via::Code, retry_at }) if *retry_at == start + 60)
    })?;
    let throttled = status(harness, user).await?;
    ensure(
        throttled.codes == Throttling::Until(start + 60) && throttled.code_failures == 4,
        CHECK,
        || format!("after four wrong codes the status is {throttled:?}"),
    )?;

    // Wrong codes at every moment the policy allows, until the hard lock.
    let mut attempts = 4;
    loop {
        let status = status(harness, user).await?;
        match status.codes {
            Throttling::Locked => break,
            Throttling::Until(at) => harness.clock.set(at),
            _ => {}
        }
        ensure(attempts < 100, CHECK, || {
            format!("not locked after {attempts} wrong codes: {status:?}")
        })?;
        let wrong = wrong_code(app, harness.now());
        seen.check(
            "a wrong code on the way to the lock",
            harness.service(attempts).verify(user, &wrong).await,
            |outcome| matches!(outcome, Err(Error::WrongCode { via: Via::Code })),
        )?;
        attempts += 1;
    }
    ensure(attempts == 100, CHECK, || {
        format!("locked after {attempts} wrong codes, not 100")
    })?;
    let later = harness.now() + 30 * 86_400;
    harness.clock.set(later);
    let valid = seen.typed(code(app, later, 10));
    seen.check(
        "the right code while locked",
        harness.service(1).verify(user, &valid).await,
        |outcome| matches!(outcome, Err(Error::Locked { via: Via::Code })),
    )?;
    Ok(())
}

async fn recover_regenerate_disable<S: Store + 'static>(
    harness: &Harness<S>,
    user: &str,
    (app, backup): &(Totp, Vec<String>),
    seen: &mut Seen,
) -> Result<(), KitFailure> {
    let first = backup.first().cloned().unwrap_or_default();
    seen.check(
        "a backup code while locked",
        harness.service(0).verify(user, &first).await,
        |outcome| matches!(outcome, Ok(v) if v.via == Via::BackupCode && v.backup_codes_remaining == 9),
    )?;
    let recovered = status(harness, user).await?;
    ensure(
        recovered.codes == Throttling::Open && recovered.code_failures == 0,
        CHECK,
        || format!("a backup code did not clear the lock: {recovered:?}"),
    )?;
    seen.check(
        "the used backup code again",
        harness.service(1).verify(user, &first).await,
        |outcome| matches!(outcome, Err(Error::Replay { via: Via::BackupCode })),
    )?;
    harness.clock.advance(30);
    let login = seen.typed(code(app, harness.now(), 10));
    seen.check(
        "a code after recovery",
        harness.service(0).verify(user, &login).await,
        Result::is_ok,
    )?;

    harness.clock.advance(30);
    let proof = seen.typed(code(app, harness.now(), 10));
    let regenerated = seen.success(
        "regenerate_backup_codes",
        harness.service(1).regenerate_backup_codes(user, &proof).await,
        |r| r.epoch == 2 && r.backup_codes.len() == 10,
    )?;
    let fresh: Vec<String> = regenerated
        .backup_codes
        .expose_codes()
        .map(str::to_string)
        .collect();
    seen.secrets.extend(fresh.iter().cloned());
    remember_set(harness, user, seen).await?;
    let old = backup.get(1).cloned().unwrap_or_default();
    seen.check(
        "an old backup code",
        harness.service(0).verify(user, &old).await,
        |outcome| matches!(outcome, Err(Error::WrongCode { via: Via::BackupCode })),
    )?;
    for (used, code) in fresh.iter().take(8).enumerate() {
        let left = 9 - used;
        seen.check(
            "a new backup code",
            harness.service(used).verify(user, code).await,
            |outcome| matches!(outcome, Ok(v) if v.backup_codes_remaining == left),
        )?;
    }

    harness.clock.advance(30);
    let proof = seen.typed(code(app, harness.now(), 10));
    seen.check(
        "disable",
        harness.service(0).disable(user, &proof).await,
        |outcome| matches!(outcome, Ok(changed) if changed.epoch == 3 && changed.via == Via::Code),
    )?;
    let disabled = status(harness, user).await?;
    ensure(
        !disabled.enabled && disabled.epoch == 3 && disabled.backup_codes_remaining.is_none(),
        CHECK,
        || format!("after disabling the status is {disabled:?}"),
    )?;
    harness.clock.advance(30);
    let login = seen.typed(code(app, harness.now(), 10));
    seen.check(
        "a code after disabling",
        harness.service(1).verify(user, &login).await,
        |outcome| matches!(outcome, Err(Error::NotEnrolled)),
    )?;
    Ok(())
}

/// Remembers the salt and hashes of the user's stored backup-code set for the leak check: the
/// tokens of 22 characters or more of its stored form (a base64 salt is 22, a hash 43).
async fn remember_set<S: Store + 'static>(
    harness: &Harness<S>,
    user: &str,
    seen: &mut Seen,
) -> Result<(), KitFailure> {
    let record = harness.load(CHECK, 0, user).await?;
    let stored = record
        .0
        .backup
        .as_ref()
        .map(|set| set.to_stored())
        .unwrap_or_default();
    let tokens: Vec<String> = stored
        .split(['$', ',', ':'])
        .filter(|token| token.len() >= 22)
        .map(String::from)
        .collect();
    ensure(tokens.len() == 11, CHECK, || {
        format!("the stored set has {} salt and hash fields, not 11", tokens.len())
    })?;
    seen.secrets.extend(tokens);
    Ok(())
}

/// Whether `text` shows the TOTP code `code`: as the same six characters or, once its leading
/// zeros are gone, as a number of four digits or more (shorter ones are counts and epochs).
fn shows_code(text: &str, code: &str) -> bool {
    let trimmed = code.trim_start_matches('0');
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|token| token == code || (trimmed.len() >= 4 && token == trimmed))
}

async fn check_events<S: Store + 'static>(
    harness: &Harness<S>,
    user: &str,
    seen: &mut Seen,
) -> Result<(), KitFailure> {
    let events: Vec<_> = harness
        .events
        .take()
        .into_iter()
        .filter(|event| event.user == user)
        .collect();
    let wanted: [Wanted; 15] = [
        ("EnrollmentStarted", |k| {
            matches!(k, EventKind::EnrollmentStarted { .. })
        }),
        ("EnrollmentConfirmed", |k| {
            matches!(k, EventKind::EnrollmentConfirmed { epoch: 1 })
        }),
        ("Verified by code", |k| {
            matches!(k, EventKind::Verified { via: Via::Code })
        }),
        ("ReplayRefused", |k| {
            matches!(k, EventKind::ReplayRefused { via: Via::Code })
        }),
        ("Failed", |k| {
            matches!(k, EventKind::Failed { via: Via::Code, .. })
        }),
        ("Resynchronised", |k| {
            matches!(k, EventKind::Resynchronised { drift: 10, .. })
        }),
        ("Throttled", |k| {
            matches!(
                k,
                EventKind::Throttled {
                    via: Via::Code,
                    retry_at: Some(_)
                }
            )
        }),
        ("Locked", |k| matches!(k, EventKind::Locked { via: Via::Code })),
        ("Throttled while locked", |k| {
            matches!(
                k,
                EventKind::Throttled {
                    via: Via::Code,
                    retry_at: None
                }
            )
        }),
        ("Verified by backup code", |k| {
            matches!(k, EventKind::Verified { via: Via::BackupCode })
        }),
        ("BackupCodeUsed", |k| {
            matches!(k, EventKind::BackupCodeUsed { remaining: 9 })
        }),
        ("used backup code refused", |k| {
            matches!(k, EventKind::ReplayRefused { via: Via::BackupCode })
        }),
        ("BackupCodesRegenerated", |k| {
            matches!(k, EventKind::BackupCodesRegenerated { epoch: 2 })
        }),
        ("BackupCodesLow", |k| {
            matches!(k, EventKind::BackupCodesLow { remaining: 2 })
        }),
        ("Disabled", |k| matches!(k, EventKind::Disabled { epoch: 3 })),
    ];
    for (name, wanted) in wanted {
        ensure(events.iter().any(|event| wanted(&event.kind)), CHECK, || {
            format!("no {name} event among {} events", events.len())
        })?;
    }
    let locks = events
        .iter()
        .filter(|event| matches!(event.kind, EventKind::Locked { .. }))
        .count();
    ensure(locks == 1, CHECK, || {
        format!("{locks} Locked events for one lock")
    })?;
    let failures = events
        .iter()
        .filter(|event| matches!(event.kind, EventKind::Failed { via: Via::Code, .. }))
        .count();
    ensure(failures == 102, CHECK, || {
        format!("{failures} Failed events for 102 wrong authenticator codes")
    })?;
    seen.texts.extend(events.iter().map(|event| format!("{event:?}")));

    let mut needles: Vec<String> = Vec::new();
    for secret in &seen.secrets {
        needles.push(secret.clone());
        needles.push(secret.replace('-', ""));
    }
    for text in &seen.texts {
        for needle in &needles {
            ensure(!text.contains(needle.as_str()), CHECK, || {
                "an event, error or result contains a secret, a URI or a backup code".into()
            })?;
        }
        for code in &seen.codes {
            ensure(!shows_code(text, code), CHECK, || {
                format!("an event, error or result shows a code the user typed: {text}")
            })?;
        }
    }
    Ok(())
}
