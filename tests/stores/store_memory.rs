//! `MemoryStore`, the reference the other stores are held to, through the conformance kit.

use std::sync::Arc;

use twofactor::MemoryStore;

/// The whole kit (`twofactor::testkit::run_conformance`) with two handles on one store.
async fn memory_store_passes_the_conformance_kit() {
    let store = Arc::new(MemoryStore::new());
    if let Err(failure) = twofactor::testkit::run_conformance(vec![Arc::clone(&store), store]).await {
        panic!("conformance kit: {failure}");
    }
}

/// Listing its users (`twofactor::testkit::check_listing`) through two handles.
async fn memory_store_lists_its_users() {
    let store = Arc::new(MemoryStore::new());
    if let Err(failure) = twofactor::testkit::check_listing(&[Arc::clone(&store), store]).await {
        panic!("listing users: {failure}");
    }
}

/// This file's tests, for `main.rs` (`trial!`: `tests/harness/mod.rs`).
pub(crate) fn trials() -> Vec<crate::harness::Trial> {
    vec![
        trial!(Nothing, async(4) memory_store_passes_the_conformance_kit),
        trial!(Nothing, async(2) memory_store_lists_its_users),
    ]
}
