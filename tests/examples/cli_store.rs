//! `otp store`, run for real against SQLite, PostgreSQL (`TWOFACTOR_POSTGRES_URL`) and MariaDB
//! (`TWOFACTOR_MYSQL_URL`; each skipped loudly when unset, failing under `CI=true`): migrate, an
//! import file with good and bad lines (wrong base32, a short secret, a duplicate user, an
//! unknown column) that reports each and imports the rest, status, export, reseal after a key
//! rotation, unlock, remove-authenticator, reset, revoke-devices, exit codes and `--json`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use twofactor::keys::ServerKeys;
use twofactor::store::sqlx;

const SECRET_1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const SECRET_2: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";

fn otp() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| common::example_binary("otp"))
}

/// Runs `otp store --url URL --table TABLE ARGS…`: exit status, standard output, standard error.
fn store(url: &str, table: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(otp())
        .args(["store", "--url", url, "--table", table])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A database URL from `var`: unset, a loud skip (`None`), except under `CI=true`.
fn server(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if common::in_ci() => panic!("{var} is not set, and CI=true: this test must run in CI"),
        _ => {
            eprintln!("SKIPPED: {var} is not set; the test did not run");
            None
        }
    }
}

/// A directory of its own for one test, removed at its end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("twofactor_cli_{name}_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The whole scenario on the store at `url`, table `table`.
fn scenario(url: &str, table: &str, scratch: &Scratch) {
    let keys = ServerKeys::generate(1).unwrap();
    let key_file = scratch.write("keys", &keys.to_text());
    let k = ["--keys", key_file.as_str()];
    assert_eq!(store(url, table, &["migrate"]).0, 0);

    let bcrypt_hash = bcrypt::hash("3f9a1c07e2b4d865", 4).unwrap();
    let lines = [
        format!(
            r#"{{"user":"u1","secret":"{SECRET_1}","label":"Phone","backup_codes":["1a2b-3c4d-5e6f","6f5e-4d3c-2b1a"]}}"#
        ),
        format!(
            r#"{{"user":"u2","secret":"{SECRET_2}","digits":8,"bcrypt_codes":["{bcrypt_hash}"],"code_length":16}}"#
        ),
        r#"{"user":"u3","secret":"not base32!"}"#.to_owned(),
        r#"{"user":"u4","secret":"JBSWY3DPEHPK3PXP"}"#.to_owned(),
        format!(r#"{{"user":"u1","secret":"{SECRET_2}"}}"#),
        format!(r#"{{"user":"u5","secret":"{SECRET_1}","colour":"red"}}"#),
    ];
    let file = scratch.write("users.jsonl", &lines.join("\n"));
    let (status, out, err) = store(url, table, &[&k[..], &["--json", "import", &file]].concat());
    assert_eq!(status, 1, "some lines refused: {err}");
    let report = json_lines(&out);
    let results: Vec<(u64, &str)> = report
        .iter()
        .map(|line| (line["line"].as_u64().unwrap(), line["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            (1, "imported"),
            (2, "imported"),
            (3, "refused"),
            (4, "refused"),
            (5, "refused"),
            (6, "refused")
        ]
    );
    let reason = |index: usize| report[index]["reason"].as_str().unwrap().to_owned();
    assert!(reason(2).starts_with("secret:"), "{}", reason(2));
    assert!(
        reason(3).starts_with("secret:") && reason(3).contains("80"),
        "{}",
        reason(3)
    );
    assert!(
        reason(4).contains("duplicate user \"u1\": first on line 1"),
        "{}",
        reason(4)
    );
    assert!(reason(5).contains("unknown column \"colour\""), "{}", reason(5));
    assert!(err.contains("2 imported, 4 refused"), "{err}");
    for refused in ["u3", "u4", "u5"] {
        let (_, out, _) = store(url, table, &[&k[..], &["--json", "status", refused]].concat());
        assert_eq!(
            json_lines(&out)[0]["enabled"],
            false,
            "{refused}: nothing written"
        );
    }
    // The short secret imports by the named opt-in.
    let short = scratch.write("short.jsonl", &lines[3]);
    let (status, out, _) = store(
        url,
        table,
        &[&k[..], &["import", "--legacy-secrets", &short]].concat(),
    );
    assert_eq!((status, out.trim()), (0, "line 1: imported u4"));

    // Importing again is refused line by line (already enabled), nothing changed.
    let again = scratch.write("again.jsonl", &lines[0]);
    let (status, out, _) = store(url, table, &[&k[..], &["import", &again]].concat());
    assert_eq!(status, 1);
    assert!(
        out.contains("refused") && out.contains("already enabled"),
        "{out}"
    );

    let (status, out, _) = store(url, table, &[&k[..], &["--json", "status", "u1"]].concat());
    assert_eq!(status, 0);
    let u1 = &json_lines(&out)[0];
    assert_eq!(
        (u1["enabled"].as_bool(), u1["authenticators"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(u1["backup_codes_remaining"], 2);
    assert_eq!(u1["authenticator_ids"], serde_json::json!([1]));
    let (status, out, _) = store(url, table, &["status", "nobody"]);
    assert_eq!(status, 0);
    assert!(out.lines().any(|line| line == "enabled: false"), "{out}");

    // Export: refused without the flag, every secret with it; sealed records need the keys.
    assert_eq!(store(url, table, &[&k[..], &["export"]].concat()).0, 2);
    assert_eq!(
        store(url, table, &["export", "--danger-plain-secrets"]).0,
        2,
        "sealed, no keys"
    );
    let (status, out, _) = store(
        url,
        table,
        &[&k[..], &["export", "--danger-plain-secrets"]].concat(),
    );
    assert_eq!(status, 0);
    let exported = json_lines(&out);
    assert_eq!(exported.len(), 3);
    assert_eq!(exported[0]["authenticators"][0]["secret"], SECRET_1);
    assert_eq!(exported[1]["authenticators"][0]["digits"], 8);

    // A key rotation: key 2 writes, key 1 still opens; reseal finishes it.
    let rotated = ServerKeys::generate(2).unwrap().with_old_keys(keys).unwrap();
    let rotated_file = scratch.write("rotated", &rotated.to_text());
    let r = ["--keys", rotated_file.as_str()];
    let (status, out, err) = store(url, table, &[&r[..], &["--json", "reseal"]].concat());
    assert_eq!(status, 0, "{err}");
    assert_eq!(json_lines(&out)[0]["resealed"], 3);
    assert!(
        err.contains("reseal [####################] 3/3 records read, 3 resealed"),
        "{err}"
    );
    let (_, out, _) = store(url, table, &[&r[..], &["--json", "reseal"]].concat());
    assert_eq!(json_lines(&out)[0]["resealed"], 0);
    assert_eq!(store(url, table, &["reseal"]).0, 2, "no keys");

    assert_eq!(store(url, table, &[&r[..], &["unlock", "u1"]].concat()).0, 0);
    let (status, _, err) = store(
        url,
        table,
        &[&r[..], &["remove-authenticator", "u1", "9", "--reason", "typo"]].concat(),
    );
    assert_eq!(status, 1, "an unknown authenticator is refused");
    assert!(err.contains("no authenticator 9"), "{err}");
    let (status, out, _) = store(
        url,
        table,
        &[
            &r[..],
            &["--json", "remove-authenticator", "u1", "1", "--reason", "stolen"],
        ]
        .concat(),
    );
    assert_eq!((status, json_lines(&out)[0]["removed"].as_u64()), (0, Some(1)));
    let (_, out, _) = store(url, table, &[&r[..], &["--json", "status", "u1"]].concat());
    assert_eq!(json_lines(&out)[0]["enabled"], false, "its only authenticator");
    let (status, out, _) = store(
        url,
        table,
        &[&r[..], &["--json", "revoke-devices", "u1"]].concat(),
    );
    assert_eq!(
        (status, json_lines(&out)[0]["devices_revoked"].as_u64()),
        (0, Some(0))
    );
    let (status, out, _) = store(
        url,
        table,
        &[&r[..], &["--json", "reset", "u2", "--reason", "ticket 7"]].concat(),
    );
    assert_eq!((status, json_lines(&out)[0]["reset"].as_bool()), (0, Some(true)));
    let (_, out, _) = store(url, table, &[&r[..], &["--json", "status", "u2"]].concat());
    assert_eq!(json_lines(&out)[0]["enabled"], false);

    // CSV: an unknown column in the header refuses the file (2); a good file imports.
    let bad_csv = scratch.write(
        "bad.csv",
        "user,secret,colour\nu6,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,red\n",
    );
    assert_eq!(store(url, table, &[&r[..], &["import", &bad_csv]].concat()).0, 2);
    let csv = scratch.write(
        "good.csv",
        &format!("user,secret,digits,label,backup_codes\nu6,{SECRET_2},8,Work phone,1a2b3c4d5e 6f7a8b9c0d\n"),
    );
    let (status, out, _) = store(url, table, &[&r[..], &["import", &csv]].concat());
    assert_eq!((status, out.trim()), (0, "line 2: imported u6"));

    // Bad arguments: exit status 2.
    assert_eq!(store("redis://nowhere", table, &["migrate"]).0, 2);
    assert_eq!(
        store(url, table, &["--keys", "/nonexistent/keys", "status", "u1"]).0,
        2
    );
}

fn unique_table(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

#[test]
fn otp_store_on_sqlite() {
    let scratch = Scratch::new("sqlite");
    let url = format!("sqlite:{}", scratch.0.join("app.db").display());
    scenario(&url, "two_factor", &scratch);
}

#[test]
fn otp_store_on_postgres() {
    let Some(url) = server("TWOFACTOR_POSTGRES_URL") else {
        return;
    };
    let scratch = Scratch::new("postgres");
    let table = unique_table("cli");
    scenario(&url, &table, &scratch);
    block_on(drop_tables::<sqlx::Postgres>(&url, &table, '"'));
}

#[test]
fn otp_store_on_mariadb() {
    let Some(url) = server("TWOFACTOR_MYSQL_URL") else {
        return;
    };
    let scratch = Scratch::new("mariadb");
    let table = unique_table("cli");
    scenario(&url, &table, &scratch);
    block_on(drop_tables::<sqlx::MySql>(&url, &table, '`'));
}

/// Drops the records table and its migrations table, which the test made.
async fn drop_tables<DB: sqlx::Database>(url: &str, table: &str, quote: char)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    use sqlx::{Connection, raw_sql};
    let mut connection = DB::Connection::connect(url).await.unwrap();
    for name in [table.to_owned(), format!("{table}_migrations")] {
        raw_sql(&format!("DROP TABLE IF EXISTS {quote}{name}{quote}"))
            .execute(&mut connection)
            .await
            .unwrap();
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}
