//! A verification costs one read and one conditional write, counted from outside the store
//! (`store_statements.rs`). A binary of its own, on the harness of `tests/harness/`, one test at
//! a time: the count's `tracing` subscriber is the whole process's.

#[macro_use]
#[path = "../harness/mod.rs"]
mod harness;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#[path = "../store_contract/mod.rs"]
mod store_contract;

mod store_statements;

fn main() {
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    let trials = store_statements::trials();
    #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
    let trials = Vec::new();
    harness::run_one_at_a_time(trials);
}
