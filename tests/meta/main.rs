//! Checks of the project's own documents and test suite.

mod conformance_names;
mod harness_trials;
