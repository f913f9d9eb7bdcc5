//! Remembered devices: remembered only for an enabled user under a valid label, evicted oldest
//! first past the limit, signed in on while unexpired, not revoked and at their epoch, never
//! touching the throttles; forgotten one by one, all at once, or by any change of the second
//! factor.

use super::*;
use crate::challenge::DeviceProblem;
use crate::policy::{
    LabelProblem, Refusal, disable, regenerate, remember_device, remembered_devices, revoke_all_devices,
    revoke_device, sign_in_remembered,
};
use crate::record::{Record, Throttle};

const TTL: u64 = Policy::DEFAULT_DEVICE_TTL;

fn id(n: u8) -> [u8; Record::DEVICE_ID_LEN] {
    [n; Record::DEVICE_ID_LEN]
}

/// `record` with the device `n` remembered at `at` under the fixture's policy.
fn remembered(fx: &Fixture, record: Opened, n: u8, at: u64) -> Opened {
    let (outcome, new) = remember_device(Some(record), id(n), "Firefox", at, &fx.policy);
    outcome.unwrap();
    new.unwrap()
}

fn refused_device(problem: DeviceProblem, n: u8) -> Refusal {
    Refusal::Device {
        device: Some(id(n)),
        problem,
    }
}

fn code_proof<'a>(input: &'a str, fx: &'a Fixture, memo: &'a mut HashMemo) -> Proof<'a, HmacHasher> {
    Proof {
        input,
        expect: Expect::Any,
        hasher: &fx.hasher,
        memo,
    }
}

#[test]
fn only_an_enabled_user_remembers_a_device() {
    let fx = Fixture::enrolled();
    let decide = |record| remember_device(record, id(1), "Laptop", NOW, &fx.policy);
    assert_eq!(decide(None), (Err(Refusal::NotEnrolled), None));
    assert_eq!(
        decide(Some(Opened::new("bob"))),
        (Err(Refusal::NotEnrolled), None)
    );
    let (outcome, new) = decide(Some(fx.record.clone()));
    let remembered = outcome.unwrap();
    let new = new.unwrap();
    assert_eq!(
        (
            remembered.device.label.as_str(),
            remembered.device.created_at,
            remembered.device.last_used_at,
            remembered.device.expires_at,
            remembered.epoch,
        ),
        ("Laptop", NOW, NOW, NOW + TTL, 1)
    );
    assert!(remembered.evicted.is_empty());
    assert_eq!(remembered.device.id, crate::record::device_id_text(&id(1)));
    assert_eq!(new.devices.len(), 1);
    assert_eq!((new.devices[0].id, new.epoch), (id(1), fx.record.epoch));
}

#[test]
fn a_label_that_is_too_long_or_holds_a_control_character_is_refused_and_nothing_written() {
    let fx = Fixture::enrolled();
    let decide = |label: &str| remember_device(Some(fx.record.clone()), id(1), label, NOW, &fx.policy);
    assert_eq!(
        decide(&"x".repeat(Record::MAX_LABEL_LEN + 1)),
        (Err(Refusal::Label(LabelProblem::TooLong { len: 65 })), None)
    );
    assert_eq!(
        decide("Firefox\u{202E}xuniL"),
        (Err(Refusal::Label(LabelProblem::Control)), None)
    );
    assert_eq!(
        decide("line\nbreak").0,
        Err(Refusal::Label(LabelProblem::Control))
    );
    assert!(decide(&"x".repeat(Record::MAX_LABEL_LEN)).0.is_ok());
    assert!(decide("").0.is_ok());
}

#[test]
fn past_the_limit_the_oldest_device_is_evicted_first() {
    let fx = Fixture::enrolled().with_policy(Policy::builder().max_remembered_devices(3).build().unwrap());
    let mut record = fx.record.clone();
    for n in 1..=3 {
        record = remembered(&fx, record, n, NOW + u64::from(n));
    }
    let (outcome, new) = remember_device(Some(record), id(4), "Phone", NOW + 10, &fx.policy);
    let remembered4 = outcome.unwrap();
    let evicted: Vec<String> = remembered4
        .evicted
        .iter()
        .map(|device| device.id.clone())
        .collect();
    assert_eq!(evicted, [crate::record::device_id_text(&id(1))]);
    let new = new.unwrap();
    let ids: Vec<_> = new.devices.iter().map(|device| device.id).collect();
    assert_eq!(ids, [id(2), id(3), id(4)]);

    // A lower limit than the devices held (a policy changed since) evicts down to it, oldest
    // first, in one write.
    let two = Fixture::enrolled().with_policy(Policy::builder().max_remembered_devices(2).build().unwrap());
    let (outcome, new) = remember_device(Some(new), id(5), "Tablet", NOW + 20, &two.policy);
    let evicted: Vec<String> = outcome
        .unwrap()
        .evicted
        .into_iter()
        .map(|device| device.id)
        .collect();
    assert_eq!(
        evicted,
        [
            crate::record::device_id_text(&id(2)),
            crate::record::device_id_text(&id(3))
        ]
    );
    let ids: Vec<_> = new.unwrap().devices.iter().map(|device| device.id).collect();
    assert_eq!(ids, [id(4), id(5)]);
}

#[test]
fn the_oldest_is_the_earliest_remembered_even_out_of_list_order() {
    let fx = Fixture::enrolled().with_policy(Policy::builder().max_remembered_devices(2).build().unwrap());
    // A clock that stepped back between two remembers: list order is not age order.
    let record = remembered(&fx, fx.record.clone(), 1, NOW + 100);
    let record = remembered(&fx, record, 2, NOW);
    let (outcome, new) = remember_device(Some(record), id(3), "", NOW + 200, &fx.policy);
    assert_eq!(
        outcome.unwrap().evicted[0].id,
        crate::record::device_id_text(&id(2))
    );
    let ids: Vec<_> = new.unwrap().devices.iter().map(|device| device.id).collect();
    assert_eq!(ids, [id(1), id(3)]);
}

#[test]
fn expired_devices_make_room_before_any_is_evicted() {
    let fx = Fixture::enrolled().with_policy(Policy::builder().max_remembered_devices(2).build().unwrap());
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    let record = remembered(&fx, record, 2, NOW + 1000);
    // Device 1 expires at NOW + TTL: at that moment it is gone, and nothing is evicted.
    let (outcome, new) = remember_device(Some(record), id(3), "", NOW + TTL, &fx.policy);
    assert!(outcome.unwrap().evicted.is_empty());
    let ids: Vec<_> = new.unwrap().devices.iter().map(|device| device.id).collect();
    assert_eq!(ids, [id(2), id(3)]);
}

#[test]
fn a_sign_in_records_the_use_and_touches_neither_throttle_nor_the_epoch() {
    let fx = Fixture::enrolled();
    let mut record = remembered(&fx, fx.record.clone(), 1, NOW);
    record.code_throttle = Throttle {
        failures: 3,
        blocked_until: NOW + 60,
    };
    record.backup_throttle = Throttle {
        failures: 2,
        blocked_until: 0,
    };
    let (outcome, new) = sign_in_remembered(Some(record.clone()), &id(1), 1, NOW + 500);
    let signed_in = outcome.unwrap();
    assert_eq!(
        (
            signed_in.device.last_used_at,
            signed_in.device.created_at,
            signed_in.epoch
        ),
        (NOW + 500, NOW, 1)
    );
    let new = new.unwrap();
    assert_eq!(new.devices[0].last_used_at, NOW + 500);
    assert_eq!(new.code_throttle, record.code_throttle);
    assert_eq!(new.backup_throttle, record.backup_throttle);
    assert_eq!(new.epoch, record.epoch);
    // Everything else is as it was.
    let mut expected = record;
    expected.devices[0].last_used_at = NOW + 500;
    assert!(new == expected);
}

#[test]
fn a_sign_in_within_a_minute_of_the_recorded_use_writes_nothing() {
    use crate::policy::device::LAST_USE_RESOLUTION;
    let fx = Fixture::enrolled();
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    for at in [NOW, NOW + 1, NOW + LAST_USE_RESOLUTION - 1] {
        let (outcome, new) = sign_in_remembered(Some(record.clone()), &id(1), 1, at);
        assert_eq!(outcome.unwrap().device.last_used_at, NOW, "at {at}");
        assert!(new.is_none(), "a sign-in {} s after the last use wrote", at - NOW);
    }
    let at = NOW + LAST_USE_RESOLUTION;
    let (outcome, new) = sign_in_remembered(Some(record.clone()), &id(1), 1, at);
    assert_eq!(outcome.unwrap().device.last_used_at, at);
    assert_eq!(new.unwrap().devices[0].last_used_at, at);
}

#[test]
fn a_fresh_sign_in_still_writes_to_drop_an_expired_device() {
    use crate::policy::device::LAST_USE_RESOLUTION;
    let fx = Fixture::enrolled();
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    // Device 2 expires at NOW + TTL - 10; device 1 is used 30 s before that, then again 20 s
    // later, within the minute, when device 2 has expired.
    let mut record = remembered(&fx, record, 2, NOW - 10);
    record.devices[0].last_used_at = NOW + TTL - 30;
    let at = NOW + TTL - 30 + LAST_USE_RESOLUTION / 3;
    let (outcome, new) = sign_in_remembered(Some(record), &id(1), 1, at);
    assert_eq!(outcome.unwrap().device.last_used_at, NOW + TTL - 30);
    let new = new.expect("the expired device is dropped");
    assert_eq!(new.devices.len(), 1);
    assert_eq!(
        (new.devices[0].id, new.devices[0].last_used_at),
        (id(1), NOW + TTL - 30)
    );
}

#[test]
fn a_device_signs_in_until_the_second_it_expires() {
    let fx = Fixture::enrolled();
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    let expires = NOW + TTL;
    assert!(
        sign_in_remembered(Some(record.clone()), &id(1), 1, expires - 1)
            .0
            .is_ok()
    );
    assert_eq!(
        sign_in_remembered(Some(record.clone()), &id(1), 1, expires),
        (
            Err(refused_device(DeviceProblem::Expired { at: expires }, 1)),
            None
        )
    );
    // A sign-in does not extend it.
    let (_, used) = sign_in_remembered(Some(record), &id(1), 1, expires - 1);
    assert_eq!(used.unwrap().devices[0].expires_at, expires);
}

#[test]
fn an_unknown_device_an_other_epoch_or_no_second_factor_is_refused_and_nothing_written() {
    let fx = Fixture::enrolled();
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    assert_eq!(
        sign_in_remembered(Some(record.clone()), &id(2), 1, NOW),
        (Err(refused_device(DeviceProblem::Revoked, 2)), None)
    );
    for epoch in [0, 2, u64::MAX] {
        assert_eq!(
            sign_in_remembered(Some(record.clone()), &id(1), epoch, NOW),
            (Err(refused_device(DeviceProblem::EpochMoved, 1)), None)
        );
    }
    assert_eq!(
        sign_in_remembered(None, &id(1), 1, NOW),
        (Err(Refusal::NotEnrolled), None)
    );
    let mut off = record;
    off.authenticators.clear();
    assert_eq!(
        sign_in_remembered(Some(off), &id(1), 1, NOW),
        (Err(Refusal::NotEnrolled), None)
    );
}

#[test]
fn disabling_or_regenerating_moves_the_epoch_and_forgets_every_device() {
    let fx = Fixture::enrolled();
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    let record = remembered(&fx, record, 2, NOW);
    let code = fx.code(NOW + 30, 0);
    let mut memo = HashMemo::new();
    let (outcome, regenerated) = regenerate(
        Some(record.clone()),
        &mut code_proof(&code, &fx, &mut memo),
        NOW + 30,
        &fx.policy,
        || Ok(backup_set(3).1),
    );
    outcome.unwrap();
    let regenerated = regenerated.unwrap();
    assert_eq!((regenerated.epoch, regenerated.devices.len()), (2, 0));
    assert_eq!(
        sign_in_remembered(Some(regenerated.clone()), &id(1), 1, NOW + 30).0,
        Err(refused_device(DeviceProblem::EpochMoved, 1))
    );

    let mut memo = HashMemo::new();
    let (outcome, disabled) = disable(
        Some(record),
        &mut code_proof(&fx.codes[0], &fx, &mut memo),
        NOW + 30,
        &fx.policy,
    );
    outcome.unwrap();
    let disabled = disabled.unwrap();
    assert_eq!((disabled.epoch, disabled.devices.len()), (2, 0));
    assert_eq!(
        sign_in_remembered(Some(disabled), &id(2), 1, NOW + 30).0,
        Err(refused_device(DeviceProblem::EpochMoved, 2))
    );
}

#[test]
fn revoking_one_forgets_it_alone_and_an_unknown_one_writes_nothing() {
    let fx = Fixture::enrolled();
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    let record = remembered(&fx, record, 2, NOW + 1);
    let (outcome, new) = revoke_device(Some(record.clone()), &id(1), NOW + 2);
    assert_eq!(
        outcome.unwrap().map(|device| device.id),
        Some(crate::record::device_id_text(&id(1)))
    );
    let new = new.unwrap();
    assert_eq!(new.devices.iter().map(|d| d.id).collect::<Vec<_>>(), [id(2)]);
    assert_eq!(new.epoch, record.epoch);
    assert_eq!(
        sign_in_remembered(Some(new.clone()), &id(1), 1, NOW + 3).0,
        Err(refused_device(DeviceProblem::Revoked, 1))
    );
    assert!(
        sign_in_remembered(Some(new.clone()), &id(2), 1, NOW + 3)
            .0
            .is_ok()
    );
    assert_eq!(revoke_device(Some(new), &id(1), NOW + 3), (Ok(None), None));
    assert_eq!(revoke_device(None, &id(1), NOW), (Ok(None), None));
    // An expired device is no longer remembered: nothing to revoke.
    assert_eq!(revoke_device(Some(record), &id(1), NOW + TTL), (Ok(None), None));
}

#[test]
fn revoking_all_forgets_every_device_without_moving_the_epoch() {
    let fx = Fixture::enrolled();
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    let record = remembered(&fx, record, 2, NOW + 100);
    let (outcome, new) = revoke_all_devices(Some(record.clone()), NOW + 200);
    assert_eq!(outcome.unwrap().len(), 2);
    let new = new.unwrap();
    assert!(new.devices.is_empty());
    assert_eq!(new.epoch, record.epoch);
    assert_eq!(revoke_all_devices(Some(new), NOW + 200), (Ok(Vec::new()), None));
    assert_eq!(revoke_all_devices(None, NOW), (Ok(Vec::new()), None));
    // Only the live ones are counted; the expired one goes too.
    let (outcome, new) = revoke_all_devices(Some(record), NOW + TTL);
    assert_eq!(outcome.unwrap().len(), 1);
    assert!(new.unwrap().devices.is_empty());
}

#[test]
fn the_list_holds_the_live_devices_oldest_first_and_nothing_secret() {
    let fx = Fixture::enrolled();
    assert!(remembered_devices::<crate::record::Plain>(None, NOW).is_empty());
    let record = remembered(&fx, fx.record.clone(), 1, NOW);
    let record = remembered(&fx, record, 2, NOW + 100);
    let listed = remembered_devices(Some(&record), NOW + 200);
    assert_eq!(
        listed
            .iter()
            .map(|device| (device.id.clone(), device.created_at, device.expires_at))
            .collect::<Vec<_>>(),
        [
            (crate::record::device_id_text(&id(1)), NOW, NOW + TTL),
            (crate::record::device_id_text(&id(2)), NOW + 100, NOW + 100 + TTL),
        ]
    );
    assert_eq!(listed[0].id.len(), 22);
    assert_eq!(remembered_devices(Some(&record), NOW + TTL).len(), 1);
    assert!(remembered_devices(Some(&record), NOW + 100 + TTL).is_empty());
}

#[test]
fn device_ids_print_and_parse_back_one_way() {
    use crate::record::{device_id_text, parse_device_id};
    for bytes in [[0; 16], [0xff; 16], *b"0123456789abcdef"] {
        let text = device_id_text(&bytes);
        assert_eq!(text.len(), 22);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(parse_device_id(&text), Some(bytes));
    }
    let text = device_id_text(&[0xff; 16]);
    // The last character carries 2 bits: a non-canonical one is not the same id.
    let mut other = text.clone();
    other.pop();
    other.push('_');
    assert_eq!(parse_device_id(&other), None);
    for garbage in [
        "",
        "short",
        "!!!!!!!!!!!!!!!!!!!!!!",
        &"A".repeat(23),
        &"A".repeat(10_000),
    ] {
        assert_eq!(parse_device_id(garbage), None, "{garbage:.30}");
    }
}
