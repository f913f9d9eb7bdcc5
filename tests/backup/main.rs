//! Backup codes: generation, lookup, the stored form, the committed fixtures, property tests.

mod backup_fixture;
mod backup_generate;
mod backup_props;
mod backup_stored;
mod backup_verify;
