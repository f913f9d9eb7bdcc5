//! The stores: `MemoryStore`, `SqliteStore`, `PostgresStore` and `MySqlStore` held to one
//! contract (`tests/store_contract/`), and the SQL stores' own checks. On the harness of
//! `tests/harness/`: without `TWOFACTOR_POSTGRES_URL` the PostgreSQL tests, without
//! `TWOFACTOR_MYSQL_URL` the MySQL tests, are reported as ignored (failing under `CI=true`).

#[macro_use]
#[path = "../harness/mod.rs"]
mod harness;
#[macro_use]
#[path = "../store_contract/mod.rs"]
mod store_contract;

#[cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "seal",
    feature = "serde",
    feature = "argon2"
))]
mod fixtures_v01;
#[cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "bcrypt",
    feature = "seal"
))]
mod migration_guide;
#[cfg(feature = "testkit")]
mod store_memory;
mod store_mysql;
mod store_postgres;
mod store_sqlite;

fn main() {
    #[allow(unused_mut)]
    let mut trials = Vec::new();
    #[cfg(feature = "testkit")]
    trials.extend(store_memory::trials());
    #[cfg(feature = "mysql")]
    trials.extend(store_mysql::trials());
    #[cfg(feature = "postgres")]
    trials.extend(store_postgres::trials());
    #[cfg(feature = "sqlite")]
    trials.extend(store_sqlite::trials());
    #[cfg(all(
        feature = "sqlite",
        feature = "postgres",
        feature = "seal",
        feature = "serde",
        feature = "argon2"
    ))]
    trials.extend(fixtures_v01::trials());
    #[cfg(all(
        feature = "sqlite",
        feature = "postgres",
        feature = "bcrypt",
        feature = "seal"
    ))]
    trials.extend(migration_guide::trials());
    harness::run(trials);
}
