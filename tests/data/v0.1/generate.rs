//! Written against twofactor 0.1 at commit 8375ee8; it does not build against later versions;
//! kept as the record of how these fixtures were made.
//!
//! The generator of `tests/data/v0.1/`: records of users in distinct states, made through 0.1's
//! real service flows (`begin_enrollment`, `confirm_enrollment`, `verify`, `issue_challenge`,
//! `disable`) at fixed times on a `ManualClock`, with fixed, documented key material. Each flow
//! writes through a store that forwards every operation to a real `SqliteStore` (the committed
//! database file) and a real `PostgresStore` (dumped with `pg_dump` afterwards) and checks that
//! both give the same answers; at the end each user's record is loaded and written out again as
//! `Record::encode` bytes and as serde JSON, and the manifest is written from the flows and the
//! records. Secrets, backup codes, salts, sealing nonces and challenge nonces were drawn from the
//! operating system's RNG (0.1 takes no injected randomness): the manifest records what was
//! drawn. Running it again makes different secrets: commit every output of one run together.
//!
//! It was run, with `TWOFACTOR_POSTGRES_URL` set and this file registered for the run only as
//! an example of that name (`path = "tests/data/v0.1/generate.rs"`), as
//!
//! ```text
//! TWOFACTOR_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo run --example generate_fixtures_v01 --all-features
//! ```

use std::error::Error as StdError;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use twofactor::{
    Algorithm, Argon2Hasher, ChallengeKey, Config, DangerPlainSecrets, Error, HmacHasher, Keyring,
    ManualClock, PostgresStore, Record, SealingKey, SqlStoreError, SqliteStore, Store, Totp, TotpParams,
    TwoFactor, Via, Write,
};

type Fail = Box<dyn StdError>;

/// 2026-01-01T00:00:00Z. Every user's story starts at `BASE + n * 3600`, a multiple of 60, so
/// that step boundaries fall on known seconds for periods of 30 and 60.
const BASE: u64 = 1_767_225_600;
const ISSUER: &str = "twofactor fixtures";
/// Test-only fixture keys: public on purpose, never to be used for anything else.
const HMAC_KEY_ID: u32 = 7;
const HMAC_KEY: &[u8; 32] = b"twofactor v0.1 fixture hmac key!";
const SEAL_KEY_ID: u32 = 3;
const SEAL_KEY: &[u8; 32] = b"twofactor v0.1 fixture seal key!";
const CHALLENGE_KEY: &[u8] = b"twofactor v0.1 fixture challenge key";
const CHALLENGE_TTL: u64 = 300;
/// The table in both databases; its migrations table is `two_factor_migrations`.
const TABLE: &str = "two_factor";
/// The PostgreSQL schema the rows are written into before they are dumped (dropped at the end).
const PG_SCHEMA: &str = "twofactor_fixture_v01_gen";
/// What the dump says instead of `two_factor`.
const PLACEHOLDER: &str = "__TABLE__";

fn main() -> Result<(), Fail> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

fn check(holds: bool, what: impl Display) -> Result<(), Fail> {
    if holds {
        Ok(())
    } else {
        Err(format!("generator check failed: {what}").into())
    }
}

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v0.1")
}

/// Every operation goes to both databases, and both must answer alike: the rows of the two are
/// the same rows, each written by its own store's statements.
struct Tee {
    sqlite: SqliteStore,
    postgres: PostgresStore,
}

impl Store for Tee {
    type Error = SqlStoreError;

    async fn load(&self, user: &str) -> Result<Option<Record>, SqlStoreError> {
        let a = self.sqlite.load(user).await?;
        let b = self.postgres.load(user).await?;
        assert_eq!(a, b, "SQLite and PostgreSQL hold different records for {user}");
        Ok(a)
    }

    async fn insert(&self, record: Record) -> Result<Write, SqlStoreError> {
        let a = self.sqlite.insert(record.clone()).await?;
        let b = self.postgres.insert(record).await?;
        assert_eq!(a, b, "the insert went differently");
        Ok(a)
    }

    async fn compare_and_swap(&self, expected: u64, record: Record) -> Result<Write, SqlStoreError> {
        let a = self.sqlite.compare_and_swap(expected, record.clone()).await?;
        let b = self.postgres.compare_and_swap(expected, record).await?;
        assert_eq!(a, b, "the compare-and-swap went differently");
        Ok(a)
    }

    async fn delete(&self, user: &str, expected: u64) -> Result<Write, SqlStoreError> {
        let a = self.sqlite.delete(user, expected).await?;
        let b = self.postgres.delete(user, expected).await?;
        assert_eq!(a, b, "the delete went differently");
        Ok(a)
    }
}

type Service<'a> = TwoFactor<&'a Tee, ManualClock>;

fn hmac_hasher() -> Result<HmacHasher, Fail> {
    Ok(HmacHasher::new(HMAC_KEY_ID, HMAC_KEY)?)
}

fn sha256_params() -> Result<TotpParams, Fail> {
    Ok(TotpParams::builder()
        .algorithm(Algorithm::Sha256)
        .digits(8)
        .period(60)
        .build()?)
}

/// The four services of the fixtures, over one store and one clock. Each has the challenge key.
struct Services<'a> {
    argon2: Service<'a>,
    hmac: Service<'a>,
    sha256: Service<'a>,
    sealed: Service<'a>,
}

impl<'a> Services<'a> {
    fn new(store: &'a Tee, clock: &ManualClock) -> Result<Self, Fail> {
        let challenge = ChallengeKey::new(CHALLENGE_KEY)?;
        let make = |config: Config| {
            TwoFactor::without_keys(store, clock.clone(), config)
                .with_challenge_key_and_ttl(challenge.clone(), CHALLENGE_TTL)
        };
        let argon2 = Config::builder(ISSUER).hasher(Argon2Hasher::DEFAULT).build()?;
        let hmac = Config::builder(ISSUER).hasher(hmac_hasher()?).build()?;
        let sha256 = Config::builder(ISSUER)
            .params(sha256_params()?)
            .hasher(hmac_hasher()?)
            .build()?;
        let keyring = Keyring::new(SealingKey::new(SEAL_KEY_ID, SEAL_KEY)?);
        let sealed = Config::builder(ISSUER).hasher(hmac_hasher()?).build()?;
        Ok(Self {
            argon2: make(argon2),
            hmac: make(hmac),
            sha256: make(sha256),
            sealed: make(sealed).with_keyring(keyring),
        })
    }

    fn get(&self, name: &str) -> &Service<'a> {
        match name {
            "argon2" => &self.argon2,
            "hmac-sha256-8-60" => &self.sha256,
            "sealed" => &self.sealed,
            _ => &self.hmac,
        }
    }
}

/// What the manifest says of one user, gathered while its story is played.
struct Story {
    state: &'static str,
    user: &'static str,
    service: &'static str,
    description: &'static str,
    start: u64,
    history: Vec<Value>,
    active_base32: Option<String>,
    pending_base32: Option<String>,
    /// The generator of the user's authenticator (the app's side).
    app: Option<Totp>,
    codes: Vec<String>,
    challenge: Option<Value>,
    login: Option<Value>,
    confirm: Option<Value>,
    re_enroll: Option<Value>,
    written_at: u64,
}

impl Story {
    fn new(
        state: &'static str,
        user: &'static str,
        service: &'static str,
        description: &'static str,
        n: u64,
    ) -> Self {
        Self {
            state,
            user,
            service,
            description,
            start: BASE + n * 3600,
            history: Vec::new(),
            active_base32: None,
            pending_base32: None,
            app: None,
            codes: Vec::new(),
            challenge: None,
            login: None,
            confirm: None,
            re_enroll: None,
            written_at: 0,
        }
    }

    fn app(&self) -> Result<&Totp, Fail> {
        self.app.as_ref().ok_or_else(|| "no authenticator yet".into())
    }

    fn period(&self) -> Result<u64, Fail> {
        Ok(self.app()?.params().period())
    }

    fn step(&self, at: u64) -> Result<u64, Fail> {
        Ok(self.app()?.step(at)?)
    }

    fn code_at_step(&self, step: u64) -> Result<String, Fail> {
        Ok(self.app()?.generate_at_step(step).to_string())
    }

    /// A code that matches no step within three of `at`: certainly wrong under window ±1.
    fn wrong_code(&self, at: u64) -> Result<String, Fail> {
        let step = self.step(at)?;
        let near: Vec<String> = (step - 3..=step + 3)
            .map(|s| self.code_at_step(s))
            .collect::<Result<_, _>>()?;
        let digits = usize::from(self.app()?.params().digits().get());
        (0..10u8)
            .map(|d| char::from(b'0' + d).to_string().repeat(digits))
            .find(|candidate| !near.contains(candidate))
            .ok_or_else(|| "no wrong code found".into())
    }

    fn note(&mut self, at: u64, call: &str, input: Value, outcome: &str) {
        self.history
            .push(json!({ "at": at, "call": call, "input": input, "outcome": outcome }));
        self.written_at = self.written_at.max(at);
    }
}

/// `begin_enrollment` at `start + 5`.
async fn begin(service: &Service<'_>, clock: &ManualClock, story: &mut Story) -> Result<u64, Fail> {
    let at = story.start + 5;
    clock.set(at);
    let enrollment = service
        .begin_enrollment(story.user, &format!("{}@example.com", story.state))
        .await?;
    story.pending_base32 = Some(enrollment.secret.to_base32().to_string());
    story.app = Some(Totp::new(&enrollment.secret, service.config().params()));
    story.note(
        at,
        "begin_enrollment",
        json!(format!("{}@example.com", story.state)),
        "ok",
    );
    Ok(enrollment.expires_at)
}

/// `confirm_enrollment` one period after the start, with the code of that step.
async fn confirm(service: &Service<'_>, clock: &ManualClock, story: &mut Story) -> Result<(), Fail> {
    let at = story.start + story.period()? + 5;
    clock.set(at);
    let code = story.code_at_step(story.step(at)?)?;
    let confirmed = service.confirm_enrollment(story.user, &code).await?;
    check(
        confirmed.matched.drift() == 0 && confirmed.epoch == 1,
        "confirmed at drift 0, epoch 1",
    )?;
    story.codes = confirmed.backup_codes.expose_codes().map(String::from).collect();
    story.active_base32 = story.pending_base32.take();
    story.note(at, "confirm_enrollment", json!(code), "ok");
    Ok(())
}

/// `verify` with the authenticator's code for `step`, at `at`.
async fn login(
    service: &Service<'_>,
    clock: &ManualClock,
    story: &mut Story,
    at: u64,
    step: u64,
) -> Result<i64, Fail> {
    clock.set(at);
    let code = story.code_at_step(step)?;
    let verified = service.verify(story.user, &code).await?;
    let matched = verified.matched.ok_or("no match")?;
    check(
        verified.via == Via::Code && matched.step() == step,
        "the code logged in at its step",
    )?;
    story.note(
        at,
        "verify",
        json!(code),
        &format!("ok: step {step}, drift {}", matched.drift()),
    );
    Ok(matched.drift())
}

/// `verify` with backup code `index`, at `at`.
async fn use_backup(
    service: &Service<'_>,
    clock: &ManualClock,
    story: &mut Story,
    at: u64,
    index: usize,
) -> Result<(), Fail> {
    clock.set(at);
    let code = story.codes[index].clone();
    let verified = service.verify(story.user, &code).await?;
    check(
        verified.via == Via::BackupCode && verified.backup_codes_remaining == 9,
        "one backup code spent",
    )?;
    story.note(at, "verify", json!(code), "ok: backup code, 9 left");
    Ok(())
}

/// The login a later test does: one period after the story's own login, the fresh code of that
/// step, the story's last code replayed, backup code 1 unused and backup code 0 used.
fn login_plan(story: &Story, at: u64, fresh_step: u64, replayed_step: Option<u64>) -> Result<Value, Fail> {
    Ok(json!({
        "at": at,
        "step_at": story.step(at)?,
        "fresh_code": story.code_at_step(fresh_step)?,
        "fresh_step": fresh_step,
        "replayed_code": replayed_step.map(|s| story.code_at_step(s)).transpose()?,
        "replayed_step": replayed_step,
        "unused_backup_code": story.codes[1],
        "unused_backup_index": 1,
        "used_backup_code": story.codes[0],
        "used_backup_index": 0,
    }))
}

/// Enrolled, confirmed, logged in once with a code (`start + 3 periods`), backup code 0 used
/// five seconds later; the later test logs in one period after that.
async fn enabled(service: &Service<'_>, clock: &ManualClock, story: &mut Story) -> Result<(), Fail> {
    begin(service, clock, story).await?;
    confirm(service, clock, story).await?;
    let period = story.period()?;
    let at = story.start + 3 * period + 5;
    let step = story.step(at)?;
    login(service, clock, story, at, step).await?;
    use_backup(service, clock, story, at + 5, 0).await?;
    let later = story.start + 4 * period + 5;
    story.login = Some(login_plan(story, later, step + 1, Some(step))?);
    Ok(())
}

async fn run() -> Result<(), Fail> {
    let url = std::env::var("TWOFACTOR_POSTGRES_URL")
        .map_err(|_| "set TWOFACTOR_POSTGRES_URL: the fixtures include PostgreSQL rows")?;
    let dir = out_dir();
    for sub in ["binary", "json", "sqlite", "postgres"] {
        let path = dir.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
        std::fs::create_dir_all(&path)?;
    }
    let sqlite_path = dir.join("sqlite/twofactor-v0.1.sqlite3");
    let sqlite = SqliteStore::open(&sqlite_path, TABLE).await?;

    let admin = PgPoolOptions::new().max_connections(1).connect(&url).await?;
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE; CREATE SCHEMA {PG_SCHEMA}"
    ))
    .execute(&admin)
    .await?;
    let options: PgConnectOptions = url
        .parse::<PgConnectOptions>()?
        .options([("search_path", PG_SCHEMA)]);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await?;
    let postgres = PostgresStore::new(pool, TABLE)?;
    postgres.migrate().await?;

    let tee = Tee { sqlite, postgres };
    let clock = ManualClock::new(BASE);
    let services = Services::new(&tee, &clock)?;
    let stories = play(&services, &clock).await?;

    let mut users = Vec::new();
    for story in &stories {
        users.push(write_user(&tee, story).await?);
    }
    write_manifest(&dir, users)?;

    close_sqlite(&tee.sqlite, &sqlite_path).await?;
    tee.postgres.pool().close().await;
    dump_postgres(&url, &dir)?;
    verify_dump(&url, &dir).await?;
    sqlx::raw_sql(&format!("DROP SCHEMA {PG_SCHEMA} CASCADE"))
        .execute(&admin)
        .await?;
    admin.close().await;
    println!("fixtures written to {}", dir.display());
    Ok(())
}

/// Moves everything the write-ahead log holds into the database file and closes the pool, so
/// that the one file is the whole database (it stays in WAL mode, as `SqliteStore::open` set it).
async fn close_sqlite(store: &SqliteStore, path: &Path) -> Result<(), Fail> {
    let (busy, log, done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(store.pool())
        .await?;
    check(
        busy == 0 && log == done,
        format!("a complete checkpoint: {busy} {log} {done}"),
    )?;
    store.pool().close().await;
    // sqlx closes SQLite connections on their worker threads: the last one to close removes the
    // log files shortly after `close` returns. Wait for that.
    let leftovers = || {
        ["-wal", "-shm", "-journal"]
            .into_iter()
            .map(|suffix| {
                let mut name = path.to_path_buf().into_os_string();
                name.push(suffix);
                PathBuf::from(name)
            })
            .filter(|name| name.exists())
            .collect::<Vec<_>>()
    };
    for _ in 0..50 {
        if leftovers().is_empty() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("files left beside the database: {:?}", leftovers()).into())
}

/// Every user's story, in order; each user has an hour of its own.
async fn play(services: &Services<'_>, clock: &ManualClock) -> Result<Vec<Story>, Fail> {
    let mut stories = Vec::new();

    let mut story = Story::new(
        "enabled-argon2",
        "enabled-argon2",
        "argon2",
        "enrolled and confirmed, Argon2id backup codes, logged in once with a code, backup code 0 used",
        0,
    );
    enabled(services.get(story.service), clock, &mut story).await?;
    stories.push(story);

    let mut story = Story::new(
        "enabled-hmac",
        "enabled-hmac",
        "hmac",
        "as enabled-argon2 with HMAC-SHA-256 backup codes (key id 7)",
        1,
    );
    enabled(services.get(story.service), clock, &mut story).await?;
    stories.push(story);

    let mut story = Story::new(
        "pending",
        "pending",
        "hmac",
        "enrollment begun, not confirmed: a pending secret only, no active one, epoch 0",
        2,
    );
    let service = services.get(story.service);
    let expires_at = begin(service, clock, &mut story).await?;
    let at = story.start + 65;
    let step = story.step(at)?;
    story.confirm = Some(json!({
        "at": at,
        "code": story.code_at_step(step)?,
        "step": step,
        "expires_at": expires_at,
        "note": "confirm_enrollment with this code at this time enables the user (before expires_at)",
    }));
    stories.push(story);

    let mut story = Story::new(
        "throttled",
        "throttled",
        "hmac",
        "enabled (as enabled-hmac), then 5 wrong codes counted: 4 in a row, then a 5th after the \
         60-second delay the 4th set; authenticator codes refused until throttled_until",
        3,
    );
    let service = services.get(story.service);
    enabled(service, clock, &mut story).await?;
    story.login = None;
    let first = story.start + 110;
    for (n, at) in [first, first + 1, first + 2, first + 3, first + 70]
        .into_iter()
        .enumerate()
    {
        clock.set(at);
        let wrong = story.wrong_code(at)?;
        let outcome = service.verify(story.user, &wrong).await;
        check(
            matches!(outcome, Err(Error::WrongCode { via: Via::Code })),
            format!("wrong code {n} refused as wrong: {outcome:?}"),
        )?;
        story.note(at, "verify", json!(wrong), "wrong code (counted)");
    }
    // Default throttle: 3 free failures, then 60 s doubling: the 5th sets 120 s from its time.
    let until = first + 70 + 120;
    let throttled_at = until - 60;
    let after = until + 5;
    let after_step = story.step(after)?;
    story.login = Some(json!({
        "at": after,
        "step_at": after_step,
        "fresh_code": story.code_at_step(after_step)?,
        "fresh_step": after_step,
        "replayed_code": null,
        "replayed_step": null,
        "replayed_note": "the last accepted step is far outside the window by the time the throttle ends: \
                          replay the fresh code after it is accepted instead",
        "unused_backup_code": story.codes[1],
        "unused_backup_index": 1,
        "used_backup_code": story.codes[0],
        "used_backup_index": 0,
        "throttled": {
            "at": throttled_at,
            "code": story.code_at_step(story.step(throttled_at)?)?,
            "step": story.step(throttled_at)?,
            "retry_at": until,
            "note": "a valid code before throttled_until is refused as throttled, and nothing is written",
        },
    }));
    stories.push(story);

    let mut story = Story::new(
        "challenge",
        "challenge",
        "hmac",
        "enabled (as enabled-hmac), then a login challenge issued and not yet used",
        4,
    );
    let service = services.get(story.service);
    enabled(service, clock, &mut story).await?;
    let at = story.start + 110;
    clock.set(at);
    let token = service.issue_challenge(story.user).await?;
    check(
        service.challenge_user(token.as_str())? == story.user,
        "the token names the user",
    )?;
    story.note(at, "issue_challenge", Value::Null, "ok");
    story.challenge = Some(json!({
        "token": token.as_str(),
        "issued_at": at,
        "expires_at": at + CHALLENGE_TTL,
    }));
    stories.push(story);

    let mut story = Story::new(
        "sealed",
        "sealed",
        "sealed",
        "as enabled-hmac under a keyring: the active secret sealed with XChaCha20-Poly1305 under key 3",
        5,
    );
    enabled(services.get(story.service), clock, &mut story).await?;
    stories.push(story);

    let mut story = Story::new(
        "disabled",
        "disabled",
        "hmac",
        "enabled (as enabled-hmac), then disabled with a valid code: no secret, no backup codes, epoch 2",
        6,
    );
    let service = services.get(story.service);
    enabled(service, clock, &mut story).await?;
    let at = story.start + 125;
    clock.set(at);
    let code = story.code_at_step(story.step(at)?)?;
    let changed = service.disable(story.user, &code).await?;
    check(changed.epoch == 2, "disabling moved the epoch to 2")?;
    story.note(at, "disable", json!(code), "ok: epoch 2");
    story.active_base32 = None;
    story.login = None;
    let later = story.start + 185;
    story.re_enroll = Some(json!({
        "at": later,
        "note": "verify refuses every input as not enrolled; a new enrollment may begin and be confirmed \
                 (its secret is new), moving the epoch to 3",
    }));
    stories.push(story);

    let mut story = Story::new(
        "drift",
        "drift",
        "hmac",
        "confirmed at drift 0, then logged in with the code of the next step (drift +1, learned), \
         backup code 0 used",
        7,
    );
    let service = services.get(story.service);
    begin(service, clock, &mut story).await?;
    confirm(service, clock, &mut story).await?;
    let at = story.start + 95;
    let step = story.step(at)? + 1;
    let drift = login(service, clock, &mut story, at, step).await?;
    check(drift == 1, "the login had drift +1")?;
    use_backup(service, clock, &mut story, at + 5, 0).await?;
    // One period later the window is centred on now + 1: the code two steps ahead is accepted
    // only because the drift was learned (window ±1 around now would refuse it).
    let later = story.start + 125;
    let mut plan = login_plan(&story, later, story.step(later)? + 2, Some(step))?;
    plan["drift_note"] = json!(
        "fresh_code is two steps ahead of now: accepted only with the learned drift of +1 (window ±1 around now+1)"
    );
    story.login = Some(plan);
    stories.push(story);

    let mut story = Story::new(
        "sha256-8digit",
        "sha256-8digit-ü",
        "hmac-sha256-8-60",
        "as enabled-hmac with SHA-256, 8 digits, a 60-second period (a second service), and a user id \
         that is not ASCII",
        8,
    );
    enabled(services.get(story.service), clock, &mut story).await?;
    stories.push(story);

    let mut story = Story::new(
        "locked",
        "locked",
        "hmac",
        "enabled (as enabled-hmac), then 100 wrong codes, each after the delay the one before set: \
         authenticator codes locked (throttled_until u64::MAX) until an administrator's unlock",
        9,
    );
    let service = services.get(story.service);
    enabled(service, clock, &mut story).await?;
    let mut at = story.start + 110;
    for n in 1..=100u32 {
        clock.set(at);
        let wrong = story.wrong_code(at)?;
        let outcome = service.verify(story.user, &wrong).await;
        check(
            matches!(outcome, Err(Error::WrongCode { via: Via::Code })),
            format!("wrong code {n} refused as wrong: {outcome:?}"),
        )?;
        story.note(at, "verify", json!(wrong), "wrong code (counted)");
        let record = service.store().load(story.user).await?.ok_or("no record")?;
        check(record.code_failures() == n, "each wrong code counted")?;
        at = record.throttled_until().map_or(at + 1, |until| until.max(at + 1));
    }
    let record = service.store().load(story.user).await?.ok_or("no record")?;
    check(
        record.throttled_until() == Some(u64::MAX),
        "locked after 100 failures",
    )?;
    let later = story.written_at + 3600;
    let later_step = story.step(later)?;
    let mut plan = login_plan(&story, later, later_step, None)?;
    plan["replayed_note"] = json!(
        "the last accepted step is long outside the window: replay the fresh code after it is accepted instead"
    );
    plan["locked"] = json!({
        "note": "at `at`, a valid code (fresh_code) is refused as locked and nothing is written; \
                 TwoFactor::unlock then clears both throttles, and fresh_code logs in",
    });
    story.login = Some(plan);
    stories.push(story);

    Ok(stories)
}

/// The record of one user, written as bytes and JSON, and its entry in the manifest.
async fn write_user(tee: &Tee, story: &Story) -> Result<Value, Fail> {
    let dir = out_dir();
    let record = tee.load(story.user).await?.ok_or("no record")?;
    // The columns beside `record`, as SQLite holds them (PostgreSQL's, written from the same record,
    // are checked against them by tests/fixtures_v01.rs).
    let (version, enabled, throttled_until, epoch): (i64, bool, Option<i64>, i64) = sqlx::query_as(&format!(
        "SELECT version, enabled, throttled_until, epoch FROM \"{TABLE}\" WHERE user_id = $1"
    ))
    .bind(story.user)
    .fetch_one(tee.sqlite.pool())
    .await?;
    let clamped = record
        .throttled_until()
        .map(|until| i64::try_from(until).unwrap_or(i64::MAX));
    check(
        u64::try_from(version)? == record.version() && throttled_until == clamped,
        "the columns are the record's",
    )?;
    let bytes = record.encode();
    std::fs::write(dir.join(format!("binary/{}.bin", story.state)), &bytes[..])?;
    check(
        Record::decode(story.user, record.version(), &bytes)? == record,
        "the bytes read back",
    )?;
    // Serialize without the opt-in first: it works exactly when the record holds no plain secret.
    let (json, opt_in) = match serde_json::to_string_pretty(&record) {
        Ok(json) => (json, false),
        Err(_) => (serde_json::to_string_pretty(&DangerPlainSecrets(&record))?, true),
    };
    std::fs::write(
        dir.join(format!("json/{}.json", story.state)),
        format!("{json}\n"),
    )?;
    check(
        serde_json::from_str::<Record>(&json)? == record,
        "the JSON reads back",
    )?;
    let view: Value = serde_json::from_str(&json)?;

    let active = &view["active"];
    let pending = &view["pending"];
    let backup = match &view["backup"] {
        Value::Null => Value::Null,
        Value::String(stored) => {
            let set = twofactor::BackupCodeSet::from_stored(stored)?;
            let codes: Vec<Value> = story
                .codes
                .iter()
                .enumerate()
                .map(|(index, code)| {
                    json!({ "index": index, "code": code, "used": set.is_used(index), "used_at": set.used_at(index) })
                })
                .collect();
            json!({
                "hasher": if story.service == "argon2" { "argon2id" } else { "hmac-sha256" },
                "scheme": format!("{:?}", set.scheme()),
                "stored": stored,
                "codes": codes,
            })
        }
        _ => return Err("backup is not a string".into()),
    };
    let secret_of = |field: &Value, base32: &Option<String>| -> Value {
        if field.is_null() {
            return Value::Null;
        }
        json!({
            "base32": base32,
            "stored_as": field["secret"]["kind"],
            "params": field["params"],
        })
    };
    let mut active_out = secret_of(active, &story.active_base32);
    if !active.is_null() {
        active_out["last_step"] = active["last_step"].clone();
        active_out["drift"] = active["drift"].clone();
        active_out["enabled_at"] = active["enabled_at"].clone();
    }
    let mut pending_out = secret_of(pending, &story.pending_base32);
    if !pending.is_null() {
        pending_out["expires_at"] = pending["expires_at"].clone();
    }
    let mut challenge = story.challenge.clone().unwrap_or(Value::Null);
    if !challenge.is_null() {
        challenge["nonce_hex"] = view["challenge"].clone();
    }
    check(
        story.challenge.is_some() != view["challenge"].is_null(),
        "a nonce exactly where a challenge was issued",
    )?;
    Ok(json!({
        "state": story.state,
        "user": story.user,
        "description": story.description,
        "service": story.service,
        "written_at": story.written_at,
        "history": story.history,
        "files": {
            "binary": format!("binary/{}.bin", story.state),
            "json": format!("json/{}.json", story.state),
            "json_needs_danger_plain_secrets": opt_in,
        },
        "active": active_out,
        "pending": pending_out,
        "backup": backup,
        "challenge": challenge,
        "expected": {
            "version": record.version(),
            "epoch": record.epoch(),
            "is_enabled": record.is_enabled(),
            "has_pending_enrollment": record.has_pending_enrollment(),
            "code_failures": record.code_failures(),
            "backup_failures": record.backup_failures(),
            "throttled_until": record.throttled_until(),
            "backup_codes_remaining": record.backup_codes_remaining(),
            "sql_columns": {
                "version": version,
                "enabled": enabled,
                "throttled_until": throttled_until,
                "epoch": epoch,
            },
        },
        "login": story.login,
        "confirm": story.confirm,
        "re_enroll": story.re_enroll,
    }))
}

fn write_manifest(dir: &Path, users: Vec<Value>) -> Result<(), Fail> {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let params = |p: TotpParams| json!({ "algorithm": p.algorithm().to_string(), "digits": p.digits().get(), "period": p.period(), "t0": p.t0() });
    let argon2 = Argon2Hasher::DEFAULT;
    let manifest = json!({
        "about": "Records written by twofactor 0.1 (commit 8375ee8) through its service flows, by \
                  tests/data/v0.1/generate.rs. Every key below is TEST-ONLY FIXTURE DATA, public on purpose: \
                  never use any of it outside these tests.",
        "crate_version": "0.1.0",
        "commit": "8375ee8",
        "base_time": BASE,
        "issuer": ISSUER,
        "keys": {
            "hmac_backup_hasher": { "key_id": HMAC_KEY_ID, "key_ascii": std::str::from_utf8(HMAC_KEY)?, "key_hex": hex(HMAC_KEY) },
            "argon2_backup_hasher": { "m_cost": argon2.m_cost(), "t_cost": argon2.t_cost(), "p_cost": argon2.p_cost() },
            "sealing_keyring": {
                "current_key_id": SEAL_KEY_ID,
                "keys": [{ "id": SEAL_KEY_ID, "key_ascii": std::str::from_utf8(SEAL_KEY)?, "key_hex": hex(SEAL_KEY) }],
            },
            "challenge_key": { "key_ascii": std::str::from_utf8(CHALLENGE_KEY)?, "key_hex": hex(CHALLENGE_KEY), "ttl": CHALLENGE_TTL },
        },
        "services": {
            "argon2": { "params": params(TotpParams::DEFAULT), "hasher": "argon2id", "keyring": false, "challenge_key": true },
            "hmac": { "params": params(TotpParams::DEFAULT), "hasher": "hmac-sha256", "keyring": false, "challenge_key": true },
            "hmac-sha256-8-60": { "params": params(sha256_params()?), "hasher": "hmac-sha256", "keyring": false, "challenge_key": true },
            "sealed": { "params": params(TotpParams::DEFAULT), "hasher": "hmac-sha256", "keyring": true, "challenge_key": true },
        },
        "policy": "Policy::DEFAULT: window ±1 step around the learned drift, throttling 3 free failures then 60 s doubling, enrollment 600 s",
        "sqlite": {
            "file": "sqlite/twofactor-v0.1.sqlite3",
            "table": TABLE,
            "migrations_table": format!("{TABLE}_migrations"),
            "migrations": [{ "version": 1, "description": "records table" }],
        },
        "postgres": {
            "file": "postgres/twofactor-v0.1.sql",
            "placeholder": PLACEHOLDER,
            "migrations_table": format!("{PLACEHOLDER}_migrations"),
            "migrations": [{ "version": 1, "description": "records table" }],
        },
        "users": users,
    });
    std::fs::write(
        dir.join("manifest.json"),
        format!("{}\n", serde_json::to_string_pretty(&manifest)?),
    )?;
    Ok(())
}

/// `pg_dump` of the two tables, kept to its statements, with the schema and table names replaced
/// by the placeholder so that a test can replay it into a table of any name.
fn dump_postgres(url: &str, dir: &Path) -> Result<(), Fail> {
    let output = Command::new("pg_dump")
        .arg(format!("--dbname={url}"))
        .arg(format!("--table={PG_SCHEMA}.{TABLE}"))
        .arg(format!("--table={PG_SCHEMA}.{TABLE}_migrations"))
        .args([
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "--column-inserts",
        ])
        .output()?;
    check(output.status.success(), String::from_utf8_lossy(&output.stderr))?;
    let raw = String::from_utf8(output.stdout)?;
    let version = raw
        .lines()
        .find(|line| line.starts_with("-- Dumped by pg_dump version"))
        .unwrap_or("-- Dumped by pg_dump (version not stated)")
        .to_string();
    let server = raw
        .lines()
        .find(|line| line.starts_with("-- Dumped from database version"))
        .unwrap_or("-- Dumped from a server of unstated version")
        .to_string();
    // Keep the statements; drop comments, the session settings (`SET …`, and the `set_config`
    // that would empty the replaying connection's search_path) and psql's meta-commands.
    let mut statements = String::new();
    for line in raw.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("--")
            || trimmed.starts_with("SET ")
            || trimmed.starts_with("SELECT pg_catalog.set_config")
            || trimmed.starts_with('\\')
        {
            continue;
        }
        if line.is_empty() && (statements.is_empty() || statements.ends_with("\n\n")) {
            continue;
        }
        statements.push_str(line);
        statements.push('\n');
    }
    let p = PLACEHOLDER;
    let replaced = statements
        .replace(
            &format!("{PG_SCHEMA}.{TABLE}_migrations"),
            &format!("\"{p}_migrations\""),
        )
        .replace(&format!("{PG_SCHEMA}.{TABLE}"), &format!("\"{p}\""))
        .replace(
            &format!("{TABLE}_migrations_pkey"),
            &format!("\"{p}_migrations_pkey\""),
        )
        .replace(&format!("{TABLE}_pkey"), &format!("\"{p}_pkey\""))
        .replace(
            &format!("{TABLE}_version_check"),
            &format!("\"{p}_version_check\""),
        );
    check(
        !replaced.contains(TABLE) && !replaced.contains(PG_SCHEMA),
        "every name replaced",
    )?;
    let header = format!(
        "-- twofactor 0.1 (commit 8375ee8): the records table and its migrations table as 0.1's\n\
         -- PostgresStore::migrate created them, and the rows its flows wrote (tests/data/v0.1/generate.rs).\n\
         -- Made with pg_dump --table … --no-owner --no-privileges --no-comments --column-inserts, kept to its\n\
         -- statements. Replace {p} with a table name (a lowercase SQL identifier of at most 52\n\
         -- characters, as 0.1 accepts) and run it whole, e.g. with sqlx::raw_sql, in a schema without\n\
         -- those tables. The record column holds test-only fixture secrets.\n\
         {server}\n{version}\n\n"
    );
    std::fs::write(
        dir.join("postgres/twofactor-v0.1.sql"),
        format!("{header}{}", replaced.trim_end()) + "\n",
    )?;
    Ok(())
}

/// Replays the dump into a fresh table beside the original and checks that the copy is the
/// original: the same columns, constraints and rows, and a migration of it does nothing.
async fn verify_dump(url: &str, dir: &Path) -> Result<(), Fail> {
    let sql = std::fs::read_to_string(dir.join("postgres/twofactor-v0.1.sql"))?;
    let copy = "replayed";
    let options: PgConnectOptions = url
        .parse::<PgConnectOptions>()?
        .options([("search_path", PG_SCHEMA)]);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    sqlx::raw_sql(&sql.replace(PLACEHOLDER, copy))
        .execute(&pool)
        .await?;
    for (original, replayed) in [
        (TABLE.to_string(), copy.to_string()),
        (format!("{TABLE}_migrations"), format!("{copy}_migrations")),
    ] {
        let columns = "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || \
                       coalesce(column_default, '-'), ', ' ORDER BY ordinal_position) \
                       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1";
        let constraints = "SELECT string_agg(replace(conname, $1, '') || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname) \
                           FROM pg_constraint WHERE conrelid = (quote_ident($1))::regclass";
        for query in [columns, constraints] {
            let a: Option<String> = sqlx::query_scalar(query).bind(&original).fetch_one(&pool).await?;
            let b: Option<String> = sqlx::query_scalar(query).bind(&replayed).fetch_one(&pool).await?;
            check(
                a.is_some() && a == b,
                format!("{original} and {replayed}: {a:?} / {b:?}"),
            )?;
        }
    }
    let rows = |table: &str| {
        format!(
            "SELECT string_agg(user_id || version || enabled || coalesce(throttled_until::text, '-') || epoch || \
             encode(record, 'hex') || updated_at, ',' ORDER BY user_id) FROM \"{table}\""
        )
    };
    let a: Option<String> = sqlx::query_scalar(&rows(TABLE)).fetch_one(&pool).await?;
    let b: Option<String> = sqlx::query_scalar(&rows(copy)).fetch_one(&pool).await?;
    check(a.is_some() && a == b, "the replayed rows are the rows")?;
    let store = PostgresStore::new(pool.clone(), copy)?;
    store.migrate().await?;
    let applied: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM \"{copy}_migrations\""))
        .fetch_one(&pool)
        .await?;
    check(applied == 1, "migrating the replayed table applied nothing")?;
    pool.close().await;
    Ok(())
}
