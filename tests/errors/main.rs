//! The errors: one rule for their chains (`Display` for the layer, `source()` for the cause),
//! the service error's mapping to a response, and the texts each error type's docs list.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod error_chains;
mod error_responses;
mod error_texts;
