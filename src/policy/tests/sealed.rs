//! A secret still sealed (a record the service did not open) is refused as such by every rule
//! that needs it — never skipped, never counted, nothing written.

use alloc::sync::Arc;

use super::*;
use crate::policy::{Refusal, confirm, resync};
use crate::record::Pending;
use crate::seal::SealedSecret;

fn sealed() -> StoredSecret {
    let mut bytes = alloc::vec![1, 0, 0, 0, 1];
    bytes.extend_from_slice(&[0x42; 24 + 20 + 16]);
    StoredSecret::Sealed(Arc::new(SealedSecret::from_bytes(&bytes).unwrap()))
}

#[test]
fn login_and_resync_refuse_a_sealed_active_secret() {
    let fx = Fixture::enrolled();
    let mut record = fx.record.clone();
    record.primary_mut().unwrap().secret = sealed();
    for input in [fx.code(NOW, 0), fx.wrong_code(NOW)] {
        assert_eq!(fx.login(&record, &input, NOW), (Err(Refusal::Sealed), None));
    }
    let (first, second) = (fx.code(NOW, 0), fx.code(NOW, 1));
    let decision = resync(Some(record.clone()), &first, &second, NOW, &fx.policy);
    assert_eq!(decision, (Err(Refusal::Sealed), None));
    // Backup codes do not need the secret: they still work.
    let backup = &fx.codes[0];
    assert!(fx.login(&record, backup, NOW).0.is_ok());
}

#[test]
fn confirming_refuses_a_sealed_pending_secret() {
    let fx = Fixture::enrolled();
    let mut record = Record::new("alice");
    record.pending = Some(Pending {
        label: String::new(),
        secret: sealed(),
        params: TotpParams::DEFAULT,
        expires_at: NOW + 600,
    });
    let decision = confirm(Some(record), &fx.code(NOW, 0), NOW, &fx.policy, || unreachable!());
    assert_eq!(decision, (Err(Refusal::Sealed), None));
}
