//! The stores: `MemoryStore`, `SqliteStore` and `PostgresStore` held to one contract
//! (`tests/store_contract/`), and the SQL stores' own checks.

#[macro_use]
#[path = "../store_contract/mod.rs"]
mod store_contract;

mod store_memory;
mod store_postgres;
mod store_sqlite;
