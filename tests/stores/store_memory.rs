//! `MemoryStore` keeps the store contract: the reference the SQL stores are held to.

use crate::store_contract;

use std::sync::Arc;

use twofactor::MemoryStore;

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    store_contract::contract(&MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_one_of_concurrent_writers_wins_and_no_increment_is_lost() {
    store_contract::concurrent_writers(&[Arc::new(MemoryStore::new())], 64, 8, 8).await;
}
