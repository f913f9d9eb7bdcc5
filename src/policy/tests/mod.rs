//! The policy's rules, each tested on records built in memory: no store, no clock, no service.

mod authenticators;
mod budget;
mod changes;
mod devices;
mod drift;
mod enrollment;
mod replay;
mod resync;
mod status;
mod throttling;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

use super::{Decision, Expect, Policy, Proof, Verified};
use crate::backup::HashMemo;
use crate::backup::{BackupCodeSet, BackupError, CodeFormat, HmacHasher};
use crate::otp::{Totp, TotpParams};
use crate::record::{Opened, PlainSecret};
use crate::secret::Secret;

/// A time in the middle of a 30-second step.
pub(super) const NOW: u64 = 1_700_000_015;
pub(super) const PERIOD: u64 = 30;

/// An enrolled user: its record, the authenticator, the backup codes in plaintext.
pub(super) struct Fixture {
    pub(super) totp: Totp,
    pub(super) hasher: HmacHasher,
    pub(super) codes: Vec<String>,
    pub(super) record: Opened,
    pub(super) policy: Policy,
}

pub(super) fn secret() -> Secret {
    Secret::from_bytes(b"0123456789abcdefghij").unwrap()
}

pub(super) fn hasher() -> HmacHasher {
    HmacHasher::new(1, &[0x5a; 32]).unwrap()
}

pub(super) fn backup_set(seed: u64) -> (Vec<String>, BackupCodeSet) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (codes, set) = BackupCodeSet::generate_with_rng(&mut rng, &CodeFormat::default(), &hasher()).unwrap();
    (codes.expose_codes().map(str::to_string).collect(), set)
}

/// A backup-code generator for the flows that make a set, and whether it was called.
pub(super) fn generator(
    seed: u64,
    called: &mut bool,
) -> impl FnOnce() -> Result<BackupCodeSet, BackupError> + '_ {
    move || {
        *called = true;
        Ok(backup_set(seed).1)
    }
}

impl Fixture {
    pub(super) fn enrolled() -> Self {
        let (codes, set) = backup_set(1);
        let mut record = Opened::new("alice");
        record.version = 7;
        record.epoch = 1;
        record.add_authenticator(
            String::new(),
            PlainSecret::new(secret(), TotpParams::DEFAULT),
            TotpParams::DEFAULT,
            None,
            NOW - 1000,
        );
        record.backup = Some(alloc::sync::Arc::new(set));
        Self {
            totp: Totp::new(&secret(), TotpParams::DEFAULT),
            hasher: hasher(),
            codes,
            record,
            policy: Policy::DEFAULT,
        }
    }

    pub(super) fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    pub(super) fn step(now: u64) -> u64 {
        now / PERIOD
    }

    /// The code of the step `offset` steps from `now`'s.
    pub(super) fn code(&self, now: u64, offset: i64) -> String {
        let step = Self::step(now).checked_add_signed(offset).unwrap();
        self.totp.generate_at_step(step).to_string()
    }

    /// A code that matches no step within 100 of `now`'s.
    pub(super) fn wrong_code(&self, now: u64) -> String {
        let near: Vec<String> = (-100..=100).map(|offset| self.code(now, offset)).collect();
        (0..1_000_000u32)
            .map(|n| alloc::format!("{n:06}"))
            .find(|candidate| !near.contains(candidate))
            .unwrap()
    }

    pub(super) fn attempt(
        &self,
        record: &Opened,
        input: &str,
        expect: Expect,
        now: u64,
    ) -> Decision<Verified> {
        let mut memo = HashMemo::new();
        let mut proof = Proof {
            input,
            expect,
            hasher: &self.hasher,
            memo: &mut memo,
        };
        super::verify(Some(record.clone()), &mut proof, now, &self.policy)
    }

    pub(super) fn login(&self, record: &Opened, input: &str, now: u64) -> Decision<Verified> {
        self.attempt(record, input, Expect::Any, now)
    }
}
