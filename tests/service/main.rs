//! The service (`TwoFactor`) end to end on `MemoryStore`: challenges, remembered devices, errors,
//! the conformance kit, sealing, writes, the policy's odds, and `serde` for records.

mod policy_odds;
mod serde;
#[cfg(feature = "seal")]
mod server_keys;
mod service_admin_remove;
mod service_authenticators;
mod service_backup_binding;
#[cfg(feature = "argon2")]
mod service_blocking;
mod service_bursts;
mod service_challenge;
mod service_clock;
mod service_devices;
mod service_errors;
mod service_export;
mod service_import;
mod service_memory;
#[cfg(feature = "seal")]
mod service_rng;
#[cfg(all(feature = "seal", feature = "serde"))]
mod service_seal;
mod service_user_ids;
mod service_writes;
