//! `MemoryStore` keeps the store contract: the reference the SQL stores are held to.

use crate::store_contract;

use std::sync::Arc;

use twofactor::MemoryStore;

async fn memory_store_keeps_the_contract() {
    store_contract::contract(&MemoryStore::new()).await;
}

async fn memory_store_one_of_concurrent_writers_wins_and_no_increment_is_lost() {
    store_contract::concurrent_writers(&[Arc::new(MemoryStore::new())], 64, 8, 8).await;
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![
        trial!(Nothing, async memory_store_keeps_the_contract),
        trial!(Nothing, async(4) memory_store_one_of_concurrent_writers_wins_and_no_increment_is_lost),
    ]
}
