//! The login-challenge suite: opening a token whose tag, or whose authenticated body, is wrong in
//! its first, a middle or its last byte costs the same as opening the right one.
//!
//! The token's first five bytes — the format and the key id — are public and pick the key before
//! anything is authenticated (a token naming another format or a key the service does not hold
//! is refused without a MAC, which reveals nothing the token does not show): the `claims` cases
//! change the authenticated bytes after them (expiry, nonce, user), which only the tag can tell
//! apart.
//!
//! The tokens come from the public service (`issue_challenge`), and are opened by the public
//! `TwoFactor::challenge_user`, which reads no store. Every case has the same length (a changed
//! byte is decoded, changed and encoded again), so everything that depends on the length alone
//! (the base64url decoding, the length checks) is the same in every case.
//!
//! * The **core**, `ChallengeKey::verify`: the HMAC-SHA-256 of the authenticated body and the
//!   comparison of all 32 bytes of the tag, before anything of the body is read. Its count must
//!   be the same in every case, the right token and an expired one included.
//! * The **call**, [`challenge_user`]: decoding, the core, then (only for an authentic token)
//!   reading the claims and the expiry. Its count may differ only between outcomes.

use std::hint::black_box;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use data_encoding::BASE64URL_NOPAD;
use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeError, ChallengeKey};
use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor};

use crate::{Case, Outcome, Suite};

type Service = TwoFactor<MemoryStore, ManualClock>;

const NOW: u64 = 1_700_000_000;
const USER: &str = "user-42";
/// The token's last 32 bytes are its HMAC-SHA-256 tag; the bytes before it are what it covers.
const TAG_LEN: usize = 32;
/// The format byte and the key id, which choose the key.
const ROUTE_LEN: usize = 1 + 4;

#[inline(never)]
fn challenge_user(service: &Service, token: &str) -> Result<String, Error> {
    service.challenge_user(token)
}

fn outcome(result: &Result<String, Error>) -> Outcome {
    match result {
        Ok(_) => Outcome::Accepted,
        Err(Error::Challenge(ChallengeError::Forged)) => Outcome::Mismatch,
        Err(Error::Challenge(ChallengeError::Expired { .. })) => Outcome::Expired,
        Err(_) => Outcome::Other,
    }
}

/// The output of a future of the memory store, which never waits.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the memory store never waits"),
    }
}

fn service_with(key: &[u8; 32], clock: &ManualClock) -> Service {
    let hasher = HmacHasher::new(1, &[0x42; 32]).expect("a 32-byte key");
    let config = Config::builder("ct")
        .hasher(hasher)
        .build()
        .expect("a valid config");
    let key = ChallengeKey::new(1, key).expect("a 32-byte key");
    TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config).with_challenge_key(key)
}

/// A challenge `service` issues for [`USER`], enrolled first.
fn issue(service: &Service, clock: &ManualClock) -> String {
    let enrollment = ready(service.begin_enrollment(USER, USER)).expect("an enrollment");
    let app = Totp::new(&enrollment.secret, service.config().params());
    let code = app.generate(clock.get()).expect("after T0").to_string();
    ready(service.confirm_enrollment(USER, &code)).expect("the code confirms");
    let token = ready(service.issue_challenge(USER)).expect("a challenge");
    token.as_str().to_owned()
}

/// `token` with every bit of the decoded bytes at `indices` flipped: the same length.
fn flipped(token: &str, indices: impl IntoIterator<Item = usize>) -> String {
    let mut bytes = BASE64URL_NOPAD.decode(token.as_bytes()).expect("base64url");
    for index in indices {
        bytes[index] = !bytes[index];
    }
    BASE64URL_NOPAD.encode(&bytes)
}

/// HMAC-SHA-256 challenges for a 7-byte user id: 36 bytes of body (5 of them the format and the
/// key id), 32 of tag.
pub(crate) fn challenge_suite() -> Suite {
    let clock = ManualClock::new(NOW);
    let key = [0x17; 32];
    let service = Rc::new(service_with(&key, &clock));
    let right = issue(&service, &clock);
    let other_key = issue(&service_with(&[0x18; 32], &clock), &clock);
    // The same key, a clock at the expiry: the tag verifies, the token is refused after.
    let later = ManualClock::new(NOW + Service::DEFAULT_CHALLENGE_TTL);
    let expired = Rc::new(service_with(&key, &later));
    let len = BASE64URL_NOPAD.decode(right.as_bytes()).expect("base64url").len();
    let body = len - TAG_LEN;
    assert_eq!(other_key.len(), right.len(), "tokens of the same length");
    let case = |name: &str, expect, service: &Rc<Service>, token: &str| {
        let (service, token) = (Rc::clone(service), token.to_owned());
        Case {
            name: name.to_owned(),
            expect,
            run: Box::new(move || {
                let result = black_box(challenge_user(black_box(&service), black_box(&token)));
                (outcome(&result), format!("{result:?}"))
            }),
        }
    };
    let mut cases = vec![case("tag-right", Outcome::Accepted, &service, &right)];
    for (what, start, end) in [("tag", body, len), ("claims", ROUTE_LEN, body)] {
        for index in [start, (start + end) / 2, end - 1] {
            let name = format!("{what}-byte-{}-wrong", index - start);
            cases.push(case(
                &name,
                Outcome::Mismatch,
                &service,
                &flipped(&right, [index]),
            ));
        }
    }
    let all_wrong = flipped(&right, body..len);
    cases.push(case("tag-all-wrong", Outcome::Mismatch, &service, &all_wrong));
    cases.push(case("other-key", Outcome::Mismatch, &service, &other_key));
    cases.push(case("expired", Outcome::Expired, &expired, &right));
    Suite {
        core: "twofactor::challenge::key::ChallengeKey::verify",
        call: "ct_probe::challenge::challenge_user",
        cases,
    }
}
