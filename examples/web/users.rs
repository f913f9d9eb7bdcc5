//! The application's own users: a small table beside the 2FA records, in the same SQLite file.
//!
//! Passwords are hashed with Argon2id (RFC 9106; m = 19 MiB, t = 2, p = 1, OWASP's minimum) under
//! a random 128-bit salt per user, and compared in constant time. A real application keeps its
//! own user table and password scheme: `twofactor` brings neither.

use argon2::Argon2;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use subtle::ConstantTimeEq;

/// A user of the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) id: i64,
    pub(crate) name: String,
    /// Administrators must have a second factor: they are sent to set one up before anything
    /// else.
    pub(crate) is_admin: bool,
    /// SHA-256 of the password hash: it changes with the password, and goes into the session's
    /// check (`backend.rs`) so that a new password ends the other sessions. Not the hash itself,
    /// which the session store never sees.
    pub(crate) password_stamp: [u8; 32],
}

impl User {
    /// The key of the user's 2FA record: the id, which never changes (a name might).
    pub(crate) fn two_factor_id(&self) -> String {
        two_factor_id(self.id)
    }
}

/// The key of the 2FA record of the user with this id.
fn two_factor_id(id: i64) -> String {
    format!("user-{id}")
}

/// The users table.
#[derive(Clone, Debug)]
pub(crate) struct Users {
    pool: SqlitePool,
}

/// Why the users table failed.
pub(crate) type UsersError = Box<dyn std::error::Error + Send + Sync>;

/// A row of the table: id, name, salt, password hash, administrator.
type UserRow = (i64, String, Vec<u8>, Vec<u8>, bool);

const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

impl Users {
    /// The users table in the database of `pool`, created if missing.
    pub(crate) async fn open(pool: SqlitePool) -> Result<Self, UsersError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                salt BLOB NOT NULL,
                password_hash BLOB NOT NULL,
                is_admin INTEGER NOT NULL CHECK (is_admin IN (0, 1))
            ) STRICT",
        )
        .execute(&pool)
        .await?;
        Ok(Self { pool })
    }

    /// Adds alice and the administrator root with fresh random passwords, if the table is
    /// empty; returns them (name, password, administrator) to be shown once.
    pub(crate) async fn seed(&self) -> Result<Vec<(String, String, bool)>, UsersError> {
        let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        if count > 0 {
            return Ok(Vec::new());
        }
        let mut seeded = Vec::new();
        for (name, is_admin) in [("alice", false), ("root", true)] {
            let password = random_password()?;
            self.add(name, &password, is_admin).await?;
            seeded.push((name.to_owned(), password, is_admin));
        }
        Ok(seeded)
    }

    /// Adds a user.
    pub(crate) async fn add(&self, name: &str, password: &str, is_admin: bool) -> Result<(), UsersError> {
        let mut salt = [0; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|error| error.to_string())?;
        let hash = hash(password.to_owned(), salt.to_vec()).await?;
        sqlx::query("INSERT INTO users (name, salt, password_hash, is_admin) VALUES (?, ?, ?, ?)")
            .bind(name)
            .bind(&salt[..])
            .bind(&hash[..])
            .bind(is_admin)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user `name` if `password` is theirs. An unknown name costs the same hash as a known
    /// one, so that the time taken does not tell which names exist.
    pub(crate) async fn check_password(
        &self,
        name: &str,
        password: &str,
    ) -> Result<Option<User>, UsersError> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, name, salt, password_hash, is_admin FROM users WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        let salt = row
            .as_ref()
            .map_or_else(|| vec![0; SALT_LEN], |row| row.2.clone());
        let computed = hash(password.to_owned(), salt).await?;
        Ok(row.and_then(|(id, name, _, stored, is_admin)| {
            bool::from(computed.ct_eq(&stored[..])).then(|| User {
                id,
                name,
                is_admin,
                password_stamp: stamp(&stored),
            })
        }))
    }

    /// The keys of every user's 2FA record (whether they have one or not), for a pass over all
    /// records such as resealing.
    pub(crate) async fn two_factor_ids(&self) -> Result<Vec<String>, UsersError> {
        let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM users ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(|(id,)| two_factor_id(id)).collect())
    }

    /// The user with this id, if any.
    pub(crate) async fn get(&self, id: i64) -> Result<Option<User>, UsersError> {
        let row: Option<(i64, String, bool, Vec<u8>)> =
            sqlx::query_as("SELECT id, name, is_admin, password_hash FROM users WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, name, is_admin, hash)| User {
            id,
            name,
            is_admin,
            password_stamp: stamp(&hash),
        }))
    }
}

/// The stamp of a stored password hash.
fn stamp(hash: &[u8]) -> [u8; 32] {
    Sha256::digest(hash).into()
}

/// The user id of a 2FA record key (`user-<id>`), for the login challenge's user.
pub(crate) fn user_id_of(two_factor_id: &str) -> Option<i64> {
    two_factor_id.strip_prefix("user-")?.parse().ok()
}

/// Argon2id of `password` under `salt`, on a blocking thread (it takes tens of milliseconds).
async fn hash(password: String, salt: Vec<u8>) -> Result<[u8; HASH_LEN], UsersError> {
    tokio::task::spawn_blocking(move || {
        let mut out = [0; HASH_LEN];
        Argon2::default()
            .hash_password_into(password.as_bytes(), &salt, &mut out)
            .map_err(|error| error.to_string())?;
        Ok(out)
    })
    .await?
}

/// 12 random characters from an alphabet without look-alikes (60 bits).
fn random_password() -> Result<String, UsersError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0; 12];
    getrandom::fill(&mut bytes).map_err(|error| error.to_string())?;
    Ok(bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(byte % 32)]))
        .collect())
}
