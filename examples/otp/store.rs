//! `otp store`: the operations on a deployment's records, through the crate's service, over a
//! store URL and (where records are sealed) a key file.

use std::io::IsTerminal as _;

use serde_json::{Value, json};
use twofactor::keys::ServerKeys;
use twofactor::store::ListUsers;
use twofactor::{
    Config, Error, ErrorKind, MySqlStore, PostgresStore, SqliteStore, Store, SystemClock, TwoFactor,
};

use crate::commands::print_line;
use crate::failure::{Failure, WithCauses};
use crate::secret_file;
use crate::store_args::{StoreArgs, StoreCommand};
use crate::store_import;

/// How many users a page of `export` and `reseal` reads.
const PAGE: u32 = 100;

pub(crate) fn run(args: &StoreArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Failure::error)?;
    runtime.block_on(open_and_run(args))
}

async fn open_and_run(args: &StoreArgs) -> Result<(), Failure> {
    let keys = match &args.keys {
        Some(path) => {
            let text = secret_file::read(path)
                .map_err(|error| Failure::usage(format_args!("--keys {}: {error}", path.display())))?;
            Some(
                ServerKeys::parse(text.trim())
                    .map_err(|error| Failure::usage(format_args!("--keys: {}", WithCauses(&error))))?,
            )
        }
        None => None,
    };
    let database = |error: twofactor::store::SqlStoreError| Failure::error(WithCauses(&error));
    if let Some(path) = args.url.strip_prefix("sqlite:") {
        let store = SqliteStore::open(path, &args.table).await.map_err(database)?;
        run_on(store, keys.as_ref(), args).await
    } else if args.url.starts_with("postgres://") || args.url.starts_with("postgresql://") {
        let store = PostgresStore::connect(&args.url, &args.table)
            .await
            .map_err(database)?;
        run_on(store, keys.as_ref(), args).await
    } else if args.url.starts_with("mysql://") || args.url.starts_with("mariadb://") {
        let url = args.url.replacen("mariadb://", "mysql://", 1);
        let store = MySqlStore::connect(&url, &args.table).await.map_err(database)?;
        run_on(store, keys.as_ref(), args).await
    } else {
        Err(Failure::usage(
            "--url: expected sqlite:PATH, postgres://… or mysql://…",
        ))
    }
}

async fn run_on<S: Store + ListUsers + 'static>(
    store: S,
    keys: Option<&ServerKeys>,
    args: &StoreArgs,
) -> Result<(), Failure> {
    let config = match (keys, args.pepper) {
        (Some(keys), true) => Config::builder("otp-store").hasher(keys.backup_hasher()).build(),
        _ => Config::new("otp-store"),
    }
    .map_err(Failure::error)?;
    let service = match keys {
        Some(keys) => {
            TwoFactor::without_keys(&store, SystemClock, config.clone()).with_keyring(keys.keyring())
        }
        None => TwoFactor::without_keys(&store, SystemClock, config.clone()),
    };
    let out = Output { json: args.json };
    match &args.command {
        StoreCommand::Status { user } => {
            let status = service.status(user).await.map_err(refused)?;
            let listed = service.authenticators(user).await.map_err(refused)?;
            let ids: Vec<u32> = listed.iter().map(|authenticator| authenticator.id).collect();
            out.object(json!({
                "user": user,
                "enabled": status.enabled,
                "authenticators": status.authenticators,
                "authenticator_ids": ids,
                "backup_codes_remaining": status.backup_codes_remaining,
                "code_failures": status.code_failures,
                "backup_failures": status.backup_failures,
                "epoch": status.epoch,
            }))
        }
        StoreCommand::Unlock { user } => {
            let changed = service.unlock(user, &args.operator).await.map_err(refused)?;
            out.object(json!({ "user": user, "unlocked": changed }))
        }
        StoreCommand::Reset { user, reason } => {
            let epoch = service
                .admin_reset(user, &args.operator, reason)
                .await
                .map_err(refused)?;
            out.object(json!({ "user": user, "reset": epoch.is_some(), "epoch": epoch }))
        }
        StoreCommand::RemoveAuthenticator { user, id, reason } => {
            let epoch = service
                .admin_remove_authenticator(user, *id, &args.operator, reason)
                .await
                .map_err(refused)?;
            out.object(json!({ "user": user, "removed": id, "epoch": epoch }))
        }
        StoreCommand::RevokeDevices { user } => {
            // Remembered devices exist only where the service has keys to sign their tokens.
            let keys = keys.ok_or_else(|| Failure::usage("revoke-devices needs the keys: --keys FILE"))?;
            let service = TwoFactor::new(&store, SystemClock, config, keys);
            let count = service.revoke_all_devices(user).await.map_err(refused)?;
            out.object(json!({ "user": user, "devices_revoked": count }))
        }
        StoreCommand::Import {
            file,
            legacy_secrets,
            replace,
        } => {
            let text = secret_file::read(file)
                .map_err(|error| Failure::usage(format_args!("{}: {error}", file.display())))?;
            let csv = file.extension().is_some_and(|extension| extension == "csv");
            let lines = store_import::read(&text, csv, *legacy_secrets)
                .map_err(|error| Failure::usage(format_args!("{}: {error}", file.display())))?;
            let (mut imported, mut refused_lines) = (0usize, 0usize);
            for line in lines {
                let result = match line.read {
                    Err(reason) => Err(reason),
                    Ok((user, import)) => {
                        let import = if *replace { import.replace() } else { import };
                        match service.import(&user, import).await {
                            Ok(done) => Ok((user, done)),
                            Err(error) => Err(format!("{user:?}: {}", WithCauses(&error))),
                        }
                    }
                };
                match result {
                    Ok((user, done)) => {
                        imported += 1;
                        out.line(
                            json!({ "line": line.number, "result": "imported", "user": user,
                                    "authenticator": done.authenticator, "backup_codes": done.backup_codes,
                                    "replaced": done.replaced }),
                            &format!("line {}: imported {user}", line.number),
                        )?;
                    }
                    Err(reason) => {
                        refused_lines += 1;
                        out.line(
                            json!({ "line": line.number, "result": "refused", "reason": reason }),
                            &format!("line {}: refused: {reason}", line.number),
                        )?;
                    }
                }
            }
            eprintln!("{imported} imported, {refused_lines} refused");
            match refused_lines {
                0 => Ok(()),
                _ => Err(Failure::rejected(format_args!("{refused_lines} lines refused"))),
            }
        }
        StoreCommand::Export { danger_plain_secrets } => {
            if !danger_plain_secrets {
                return Err(Failure::usage(
                    "export writes every secret in the clear: say so with --danger-plain-secrets",
                ));
            }
            let mut after: Option<String> = None;
            loop {
                let page = service
                    .danger_export_plain_secrets(after.as_deref(), PAGE)
                    .await
                    .map_err(refused)?;
                let Some((last, _)) = page.last() else { break };
                after = Some(last.clone());
                for (_, line) in &page {
                    print_line(line)?;
                }
            }
            Ok(())
        }
        StoreCommand::Reseal => {
            if keys.is_none() {
                return Err(Failure::usage("reseal needs the keys: --keys FILE"));
            }
            // A first pass counts the records (ids only), for the bar.
            let total = count_users(service.store()).await?;
            let terminal = std::io::stderr().is_terminal();
            let (mut seen, mut resealed) = (0usize, 0usize);
            let mut after: Option<String> = None;
            loop {
                let users = service
                    .store()
                    .users_after(after.as_deref(), PAGE)
                    .await
                    .map_err(|error| Failure::error(WithCauses(&error)))?;
                let Some(last) = users.last() else { break };
                after = Some(last.clone());
                for user in &users {
                    resealed += usize::from(service.reseal(user).await.map_err(refused)?);
                }
                seen += users.len();
                // On a terminal the bar redraws in place; in a log, a line per page.
                let line = progress(seen, total.max(seen), resealed);
                if terminal {
                    eprint!("\r{line}");
                } else {
                    eprintln!("{line}");
                }
            }
            if terminal && seen > 0 {
                eprintln!();
            }
            out.object(json!({ "records": seen, "resealed": resealed }))
        }
        StoreCommand::Migrate => out.object(json!({ "migrated": true, "table": args.table })),
    }
}

/// How many records the store holds, counted page by page.
async fn count_users<S: ListUsers>(store: &S) -> Result<usize, Failure>
where
    S::Error: std::error::Error + 'static,
{
    let (mut count, mut after) = (0usize, None::<String>);
    loop {
        let users = store
            .users_after(after.as_deref(), PAGE)
            .await
            .map_err(|error| Failure::error(WithCauses(&error)))?;
        let Some(last) = users.last() else {
            return Ok(count);
        };
        count += users.len();
        after = Some(last.clone());
    }
}

/// The reseal's progress: a bar of 20 cells, the records read of `total`, and the count resealed.
fn progress(seen: usize, total: usize, resealed: usize) -> String {
    const CELLS: usize = 20;
    let filled = (seen.min(total) * CELLS).checked_div(total).unwrap_or(CELLS);
    format!(
        "reseal [{}{}] {seen}/{total} records read, {resealed} resealed",
        "#".repeat(filled),
        "-".repeat(CELLS - filled)
    )
}

/// A refusal (exit status 1) or a failure to decide; a misuse is the tool's arguments (2).
fn refused(error: Error) -> Failure {
    match error.kind() {
        ErrorKind::Misuse => Failure::usage(WithCauses(&error)),
        _ => Failure::rejected(WithCauses(&error)),
    }
}

/// Where results go: one JSON object per line with `--json`, else `key: value` lines.
struct Output {
    json: bool,
}

impl Output {
    fn object(&self, value: Value) -> Result<(), Failure> {
        if self.json {
            return print_line(&value.to_string());
        }
        let Value::Object(fields) = value else {
            return print_line(&value.to_string());
        };
        for (key, value) in fields {
            let shown = match value {
                Value::String(text) => text,
                Value::Null => "none".into(),
                other => other.to_string(),
            };
            print_line(&format!("{key}: {shown}"))?;
        }
        Ok(())
    }

    fn line(&self, value: Value, text: &str) -> Result<(), Failure> {
        match self.json {
            true => print_line(&value.to_string()),
            false => print_line(text),
        }
    }
}
