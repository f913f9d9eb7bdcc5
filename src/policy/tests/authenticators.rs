//! Several authenticators: a code of any of them verifies and is named; replay is per
//! authenticator; an attempt counts once; adding needs a proof and a free slot; renaming needs
//! none; removing needs a proof, and the last removal disables; the support desk's reset.

use super::*;
use crate::policy::{
    LabelProblem, Refusal, Via, begin_adding, confirm, list_authenticators, remove_authenticator,
    rename_authenticator, reset,
};
use crate::record::Record;

/// The second authenticator's secret.
fn other_secret() -> Secret {
    Secret::from_bytes(b"ABCDEFGHIJ0123456789").unwrap()
}

/// The fixture with a second authenticator (id 2, "Laptop") of `params`.
fn with_second(params: TotpParams) -> (Fixture, Totp) {
    let mut fx = Fixture::enrolled();
    fx.record.add_authenticator(
        "Laptop".into(),
        PlainSecret::new(other_secret(), params),
        params,
        None,
        NOW - 500,
    );
    (fx, Totp::new(&other_secret(), params))
}

fn code_of(totp: &Totp, now: u64, offset: i64) -> String {
    let step = Fixture::step(now).checked_add_signed(offset).unwrap();
    totp.generate_at_step(step).to_string()
}

fn proof<'a>(fx: &'a Fixture, input: &'a str, memo: &'a mut HashMemo) -> Proof<'a, HmacHasher> {
    Proof {
        input,
        expect: Expect::Any,
        hasher: &fx.hasher,
        memo,
    }
}

#[test]
fn a_code_of_either_authenticator_verifies_and_names_it() {
    let (fx, second) = with_second(TotpParams::DEFAULT);
    let (outcome, new) = fx.login(&fx.record, &fx.code(NOW, 0), NOW);
    assert_eq!(outcome.unwrap().authenticator, Some(1));
    let new = new.unwrap();
    assert_eq!(new.authenticators[0].last_step, Some(Fixture::step(NOW)));
    assert_eq!(
        new.authenticators[1].last_step, None,
        "only the matching one is spent"
    );

    let (outcome, new) = fx.login(&fx.record, &code_of(&second, NOW, 0), NOW);
    let verified = outcome.unwrap();
    assert_eq!((verified.authenticator, verified.via), (Some(2), Via::Code));
    let new = new.unwrap();
    assert_eq!(new.authenticators[0].last_step, None);
    assert_eq!(new.authenticators[1].last_step, Some(Fixture::step(NOW)));
    assert_eq!(new.authenticators[1].last_used_at, Some(NOW));
}

#[test]
fn replay_is_per_authenticator() {
    let (fx, second) = with_second(TotpParams::DEFAULT);
    let first_code = fx.code(NOW, 0);
    let (_, spent) = fx.login(&fx.record, &first_code, NOW);
    let spent = spent.unwrap();
    // The first authenticator's step is spent; the second's same step is not.
    assert_eq!(
        fx.login(&spent, &first_code, NOW).0,
        Err(Refusal::Replay(Via::Code))
    );
    let (outcome, _) = fx.login(&spent, &code_of(&second, NOW, 0), NOW);
    assert_eq!(outcome.unwrap().authenticator, Some(2));
}

#[test]
fn a_wrong_code_counts_once_however_many_authenticators_it_was_compared_with() {
    let (fx, second) = with_second(TotpParams::DEFAULT);
    let near: Vec<String> = (-100..=100)
        .flat_map(|offset| [fx.code(NOW, offset), code_of(&second, NOW, offset)])
        .collect();
    let wrong = (0..1_000_000u32)
        .map(|n| alloc::format!("{n:06}"))
        .find(|candidate| !near.contains(candidate))
        .unwrap();
    let (outcome, new) = fx.login(&fx.record, &wrong, NOW);
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, _))));
    assert_eq!(new.unwrap().code_throttle.failures, 1);
}

#[test]
fn authenticators_of_other_digit_counts_are_each_checked_with_their_own() {
    let eight = TotpParams::builder().digits(8).build().unwrap();
    let (fx, second) = with_second(eight);
    let (outcome, _) = fx.login(&fx.record, &code_of(&second, NOW, 0), NOW);
    assert_eq!(outcome.unwrap().authenticator, Some(2));
    let (outcome, _) = fx.login(&fx.record, &fx.code(NOW, 0), NOW);
    assert_eq!(outcome.unwrap().authenticator, Some(1));
    // Seven digits are neither's code, and not a backup code: malformed, not counted.
    assert_eq!(
        fx.login(&fx.record, "1234567", NOW),
        (Err(Refusal::Malformed), None)
    );
}

#[test]
fn resync_searches_every_authenticator() {
    let (fx, second) = with_second(TotpParams::DEFAULT);
    let (a, b) = (code_of(&second, NOW, 7), code_of(&second, NOW, 8));
    let (outcome, new) = super::super::resync(Some(fx.record.clone()), &a, &b, NOW, &fx.policy);
    let (found, authenticator, previous) = outcome.unwrap();
    assert_eq!((found.drift(), authenticator, previous), (8, 2, 0));
    let new = new.unwrap();
    assert_eq!((new.authenticators[0].drift, new.authenticators[1].drift), (0, 8));
}

#[test]
fn adding_needs_an_enabled_user_a_label_a_free_slot_and_a_proof() {
    let fx = Fixture::enrolled();
    let mut memo = HashMemo::new();
    let input = fx.code(NOW, 0);
    let add = |record: Option<Opened>, label: &str, memo: &mut HashMemo| {
        begin_adding(
            record,
            &mut proof(&fx, &input, memo),
            label,
            &other_secret(),
            TotpParams::DEFAULT,
            NOW,
            &fx.policy,
        )
    };
    assert_eq!(add(None, "Laptop", &mut memo), (Err(Refusal::NotEnrolled), None));
    assert_eq!(
        add(Some(Opened::new("alice")), "Laptop", &mut memo),
        (Err(Refusal::NotEnrolled), None)
    );
    assert_eq!(
        add(Some(fx.record.clone()), " \t", &mut memo),
        (Err(Refusal::Label(LabelProblem::Empty)), None)
    );
    let long = "x".repeat(65);
    assert_eq!(
        add(Some(fx.record.clone()), &long, &mut memo),
        (Err(Refusal::Label(LabelProblem::TooLong { len: 65 })), None)
    );
    let full = Policy::builder().max_authenticators(1).build().unwrap();
    let refused = begin_adding(
        Some(fx.record.clone()),
        &mut proof(&fx, &input, &mut memo),
        "Laptop",
        &other_secret(),
        TotpParams::DEFAULT,
        NOW,
        &full,
    );
    assert_eq!(refused, (Err(Refusal::TooManyAuthenticators(1)), None));

    // A wrong proof is counted and nothing is pending.
    let wrong = fx.wrong_code(NOW);
    let mut wrong_proof = proof(&fx, &wrong, &mut memo);
    let (outcome, new) = begin_adding(
        Some(fx.record.clone()),
        &mut wrong_proof,
        "Laptop",
        &other_secret(),
        TotpParams::DEFAULT,
        NOW,
        &fx.policy,
    );
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, _))));
    assert!(new.unwrap().pending.is_none());

    // A right proof is spent, and the new secret is pending under its label.
    let (outcome, new) = add(Some(fx.record.clone()), "  Laptop ", &mut memo);
    assert_eq!(outcome, Ok(NOW + fx.policy.enrollment_ttl()));
    let new = new.unwrap();
    assert_eq!(new.authenticators[0].last_step, Some(Fixture::step(NOW)));
    let pending = new.pending.as_ref().unwrap();
    assert_eq!(pending.label, "Laptop");
    assert_eq!(new.epoch, fx.record.epoch, "the epoch moves at the confirmation");
}

#[test]
fn confirming_an_added_authenticator_keeps_the_backup_codes_and_moves_the_epoch() {
    let fx = Fixture::enrolled();
    let mut memo = HashMemo::new();
    let input = fx.code(NOW, 0);
    let (_, adding) = begin_adding(
        Some(fx.record.clone()),
        &mut proof(&fx, &input, &mut memo),
        "Laptop",
        &other_secret(),
        TotpParams::DEFAULT,
        NOW,
        &fx.policy,
    );
    let second = Totp::new(&other_secret(), TotpParams::DEFAULT);
    let (outcome, new) = confirm(
        adding,
        &code_of(&second, NOW, 0),
        NOW,
        &fx.policy,
        || unreachable!(),
    );
    let confirmation = outcome.unwrap();
    assert!(!confirmation.first);
    assert_eq!((confirmation.id, confirmation.label.as_str()), (2, "Laptop"));
    let new = new.unwrap();
    assert_eq!(new.authenticators.len(), 2);
    assert_eq!(new.backup, fx.record.backup, "the set stays");
    assert_eq!(new.epoch, fx.record.epoch + 1);
    // Its confirming step is spent; the next step of it logs in.
    assert_eq!(
        fx.login(&new, &code_of(&second, NOW, 0), NOW).0,
        Err(Refusal::Replay(Via::Code))
    );
    let (outcome, _) = fx.login(&new, &code_of(&second, NOW + 30, 0), NOW + 30);
    assert_eq!(outcome.unwrap().authenticator, Some(2));
    assert_eq!(
        list_authenticators(Some(&new))
            .iter()
            .map(|a| (a.id, a.label.as_str()))
            .collect::<Vec<_>>(),
        [(1, ""), (2, "Laptop")]
    );
}

#[test]
fn renaming_needs_no_proof_and_checks_the_label() {
    let (fx, _) = with_second(TotpParams::DEFAULT);
    let (outcome, new) = rename_authenticator(Some(fx.record.clone()), 2, "Work laptop");
    assert_eq!(outcome.as_deref(), Ok("Work laptop"));
    let new = new.unwrap();
    assert_eq!(
        (new.authenticators[1].label.as_str(), new.epoch),
        ("Work laptop", fx.record.epoch)
    );
    assert_eq!(
        rename_authenticator(Some(new), 2, "Work laptop").1,
        None,
        "unchanged: nothing to write"
    );
    assert_eq!(
        rename_authenticator(Some(fx.record.clone()), 9, "x"),
        (Err(Refusal::UnknownAuthenticator(9)), None)
    );
    assert_eq!(
        rename_authenticator(Some(fx.record.clone()), 2, "a\u{1b}[31m"),
        (Err(Refusal::Label(LabelProblem::Control)), None)
    );
}

#[test]
fn removing_needs_a_proof_and_the_last_removal_disables() {
    let (fx, second) = with_second(TotpParams::DEFAULT);
    let mut memo = HashMemo::new();
    let wrong = fx.wrong_code(NOW);
    assert_eq!(
        remove_authenticator(
            Some(fx.record.clone()),
            7,
            &mut proof(&fx, &wrong, &mut memo),
            NOW,
            &fx.policy
        ),
        (Err(Refusal::UnknownAuthenticator(7)), None)
    );
    let (outcome, new) = remove_authenticator(
        Some(fx.record.clone()),
        1,
        &mut proof(&fx, &wrong, &mut memo),
        NOW,
        &fx.policy,
    );
    assert!(matches!(outcome, Err(Refusal::Wrong(Via::Code, _))));
    assert_eq!(
        new.unwrap().authenticators.len(),
        2,
        "a wrong proof removes nothing"
    );

    // The second proves the removal of the first; the first's codes stop working.
    let input = code_of(&second, NOW, 0);
    let (outcome, new) = remove_authenticator(
        Some(fx.record.clone()),
        1,
        &mut proof(&fx, &input, &mut memo),
        NOW,
        &fx.policy,
    );
    let (verified, label) = outcome.unwrap();
    assert_eq!(
        (verified.authenticator, label.as_str(), verified.epoch),
        (Some(2), "", fx.record.epoch + 1)
    );
    let new = new.unwrap();
    assert_eq!(new.authenticators.iter().map(|a| a.id).collect::<Vec<_>>(), [2]);
    assert!(
        new.backup.is_some(),
        "the backup codes stay while an authenticator does"
    );
    assert!(matches!(
        fx.login(&new, &fx.code(NOW + 30, 0), NOW + 30).0,
        Err(Refusal::Wrong(..))
    ));

    // Removing the last one is disabling.
    let backup = fx.codes[0].clone();
    let (outcome, last) =
        remove_authenticator(Some(new), 2, &mut proof(&fx, &backup, &mut memo), NOW, &fx.policy);
    assert_eq!(outcome.unwrap().1, "Laptop");
    let last = last.unwrap();
    assert!(!last.is_enabled() && last.backup.is_none() && last.pending.is_none());
    assert_eq!(last.epoch, fx.record.epoch + 2);
}

#[test]
fn the_reset_clears_everything_without_a_proof() {
    let mut fx = Fixture::enrolled();
    fx.record.code_throttle.failures = 5;
    fx.record.challenge = Some([7; Record::NONCE_LEN]);
    let (outcome, new) = reset(Some(fx.record.clone()));
    assert_eq!(outcome, Ok(Some(fx.record.epoch + 1)));
    let new = new.unwrap();
    assert!(!new.is_enabled() && new.backup.is_none() && new.challenge.is_none());
    assert_eq!(new.code_throttle.failures, 0);
    assert_eq!(reset(Some(new)), (Ok(None), None), "nothing left to reset");
    assert_eq!(reset(None), (Ok(None), None));
}

#[test]
fn every_authenticator_is_scanned_whichever_matches() {
    let (mut fx, second) = with_second(TotpParams::DEFAULT);
    let third = Secret::from_bytes(b"third secret 1234567").unwrap();
    fx.record.add_authenticator(
        "Tablet".into(),
        PlainSecret::new(third, TotpParams::DEFAULT),
        TotpParams::DEFAULT,
        None,
        NOW - 100,
    );
    for (input, matched) in [
        (fx.code(NOW, 0), Some(1)),
        (code_of(&second, NOW, 0), Some(2)),
        (fx.wrong_code(NOW), None),
    ] {
        let before = crate::otp::scans();
        let verified = fx.login(&fx.record, &input, NOW).0.ok();
        assert_eq!(verified.and_then(|verified| verified.authenticator), matched);
        assert_eq!(
            crate::otp::scans() - before,
            3,
            "one whole window per authenticator, no early exit"
        );
    }
}
