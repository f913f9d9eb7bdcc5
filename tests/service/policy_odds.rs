//! The default policy's security number, checked by simulation through the service on a manual
//! clock: an online attacker who knows the password guesses 6-digit codes as fast as the
//! service lets it, for two simulated years, against a user who never signs in, signs in daily,
//! or signs in hourly, holding 1, 2 or 3 authenticators. In every 365-day span of the two years
//! — the first starting at enrollment, with the long-term budget full, the worst moment — the
//! attacker's wrong codes, times the codes each was compared with, over 10⁶, stay at or under
//! 1 in 1 000 (`GuessingBudget`). Meanwhile the user keeps access: whenever the code path refuses
//! the user, a remembered device and a backup code each sign in. And the user is told: every
//! success reports the failed attempts since the previous one, and they add up to the
//! attacker's.
//!
//! Run: `cargo test --all-features --test service -- policy_odds --nocapture` prints the figures.
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::VecDeque;
use std::sync::Arc;

use twofactor::backup::HmacHasher;
use twofactor::challenge::{ChallengeKey, DeviceToken};
use twofactor::events::{CollectEvents, EventKind};
use twofactor::policy::Policy;
use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor, Via};

const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;
const START: u64 = 1_700_000_010;
const USER: &str = "victim";

type Service = TwoFactor<MemoryStore, ManualClock>;

/// How often the user signs in with a code.
#[derive(Clone, Copy, Debug)]
enum Pattern {
    Never,
    Daily,
    Hourly,
}

impl Pattern {
    const fn every(self) -> Option<u64> {
        match self {
            Self::Never => None,
            Self::Daily => Some(DAY),
            Self::Hourly => Some(HOUR),
        }
    }
}

struct Sim {
    clock: ManualClock,
    events: Arc<CollectEvents>,
    service: Service,
    apps: Vec<Totp>,
    backup: Vec<String>,
    device: DeviceToken,
}

async fn enrolled(authenticators: usize) -> Sim {
    let clock = ManualClock::new(START);
    let events = Arc::new(CollectEvents::new());
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[9; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
        .with_challenge_key(ChallengeKey::new(1, &[3; 32]).unwrap())
        .with_events(Arc::clone(&events));
    let enrollment = service.begin_enrollment(USER, USER).await.unwrap();
    let mut apps = vec![Totp::new(&enrollment.secret, service.config().params())];
    let code = apps[0].generate(clock.get()).unwrap().to_string();
    let confirmed = service.confirm_enrollment(USER, &code).await.unwrap();
    let mut backup: Vec<String> = confirmed.backup_codes.expose_codes().map(String::from).collect();
    for n in 1..authenticators {
        let proof = backup.pop().unwrap();
        let label = format!("app {n}");
        let added = service
            .begin_adding_authenticator(USER, &label, USER, &proof)
            .await
            .unwrap();
        let app = Totp::new(&added.secret, service.config().params());
        let code = app.generate(clock.get()).unwrap().to_string();
        service.confirm_enrollment(USER, &code).await.unwrap();
        apps.push(app);
    }
    let device = service.remember_device(USER, "laptop").await.unwrap();
    Sim {
        clock,
        events,
        service,
        apps,
        backup,
        device,
    }
}

/// What the simulation saw.
#[derive(Debug, Default)]
struct Seen {
    /// When each of the attacker's wrong codes was counted.
    guesses: Vec<u64>,
    /// The user's code sign-ins, accepted and refused.
    accepted: u64,
    refused: u64,
    /// Failed attempts the user was told of at each success, summed.
    told: u64,
    /// Sign-ins on the remembered device and with backup codes while codes were refused.
    device_sign_ins: u64,
    backup_sign_ins: u64,
}

impl Sim {
    /// A code surely wrong at the current time for every authenticator's window.
    fn wrong_code(&self) -> String {
        let now = self.clock.get();
        let window: Vec<String> = self
            .apps
            .iter()
            .flat_map(|app| {
                let step = app.step(now).unwrap();
                (step - 1..=step + 1).map(move |s| app.generate_at_step(s).to_string())
            })
            .collect();
        (0..)
            .map(|n| format!("{n:06}"))
            .find(|c| !window.contains(c))
            .unwrap()
    }

    /// One guess at `at`: the time of the next allowed attempt if refused unchecked.
    async fn guess(&self, at: u64, seen: &mut Seen) -> Option<u64> {
        self.clock.set(at);
        match self.service.verify(USER, &self.wrong_code()).await {
            Err(Error::WrongCode { via: Via::Code }) => {
                seen.guesses.push(at);
                None
            }
            Err(Error::Throttled {
                via: Via::Code,
                retry_at,
            }) => {
                assert!(retry_at > at);
                Some(retry_at)
            }
            // Locked until a success on the other path: wait for the user.
            Err(Error::Locked { via: Via::Code }) => Some(u64::MAX),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// The user signs in at `at` with the first app's current code; refused, with the
    /// remembered device and then a backup code (making new ones with the last but one).
    async fn sign_in(&mut self, at: u64, seen: &mut Seen) {
        self.clock.set(at);
        let code = self.apps[0].generate(at).unwrap().to_string();
        match self.service.verify(USER, &code).await {
            Ok(verified) => {
                seen.accepted += 1;
                seen.told += u64::from(verified.failed_attempts);
                return;
            }
            Err(Error::Throttled { via: Via::Code, .. } | Error::Locked { via: Via::Code }) => {
                seen.refused += 1;
            }
            // The code's step was spent by the previous sign-in within the same step: not here.
            other => panic!("the user's code at {at} gave {other:?}"),
        }
        let device = self.service.verify_remembered(USER, self.device.as_str()).await;
        assert!(device.is_ok(), "the remembered device at {at}: {device:?}");
        seen.device_sign_ins += 1;
        let backup = self.backup.pop().unwrap();
        if self.backup.len() > 1 {
            let verified = self.service.verify(USER, &backup).await;
            let verified = verified.unwrap_or_else(|error| panic!("a backup code at {at}: {error:?}"));
            seen.told += u64::from(verified.failed_attempts);
        } else {
            // The set runs low: the user makes a new one, proven with a backup code (this
            // moves the epoch, so the device is remembered again).
            let made = self.service.regenerate_backup_codes(USER, &backup).await;
            let made = made.unwrap_or_else(|error| panic!("regenerating at {at}: {error:?}"));
            self.backup = made.backup_codes.expose_codes().map(String::from).collect();
            self.device = self.service.remember_device(USER, "laptop").await.unwrap();
        }
        seen.backup_sign_ins += 1;
    }
}

/// Two years of an attacker guessing whenever the service takes a guess (and again right after
/// each of the user's sign-ins, which may clear its short-term delays), against `pattern`.
async fn two_years(authenticators: usize, pattern: Pattern) -> (Sim, Seen) {
    let mut sim = enrolled(authenticators).await;
    let mut seen = Seen::default();
    let start = START + 30;
    let end = start + 2 * YEAR;
    let mut next_user = pattern.every().map(|every| start + every);
    let mut next_guess = start;
    while next_guess < end || next_user.is_some_and(|at| at < end) {
        match next_user {
            Some(at) if at <= next_guess && at < end => {
                sim.sign_in(at, &mut seen).await;
                next_user = Some(at + pattern.every().unwrap());
                // The attacker tries again right after.
                next_guess = next_guess.min(at + 1);
            }
            _ if next_guess < end => {
                next_guess = match sim.guess(next_guess, &mut seen).await {
                    None => next_guess,
                    Some(retry_at) => retry_at,
                };
            }
            _ => break,
        }
    }
    (sim, seen)
}

/// The most guesses in any span of `YEAR` seconds.
fn worst_year(guesses: &[u64]) -> usize {
    let mut window = VecDeque::new();
    let mut worst = 0;
    for &at in guesses {
        window.push_back(at);
        while window.front().is_some_and(|&first| first + YEAR <= at) {
            window.pop_front();
        }
        worst = worst.max(window.len());
    }
    worst
}

async fn check(authenticators: usize, pattern: Pattern) {
    let (sim, seen) = two_years(authenticators, pattern).await;
    let worst = worst_year(&seen.guesses);
    let n = u64::try_from(authenticators).unwrap();
    let candidates = 3 * n;
    // P(a year) ≤ guesses · candidates / 10⁶.
    #[allow(clippy::cast_precision_loss)]
    let probability = worst as f64 * candidates as f64 / 1e6;
    let bound = Policy::DEFAULT
        .guessing_budget()
        .guesses_a_year(u32::try_from(n).unwrap(), 3, 6);
    println!(
        "{authenticators} authenticator(s), user signs in {pattern:?}: {} wrong codes in 2 years, at most {worst} \
         in a year (bound {bound}), P ≤ {probability:.6}; the user: {} code sign-ins accepted, {} refused, each \
         followed by a remembered device and a backup code; told of {} failed attempts",
        seen.guesses.len(),
        seen.accepted,
        seen.refused,
        seen.told,
    );
    assert!(probability <= 1e-3, "{probability}");
    let worst = u64::try_from(worst).unwrap();
    assert!(worst <= bound);
    let lock = u64::from(Policy::DEFAULT.code_throttle().lock_after());
    match pattern {
        // No success ever clears the short-term counters: the lock comes first.
        Pattern::Never => assert_eq!(worst, lock.min(bound)),
        // The attacker got to the bound: the simulation is the attacker's best.
        Pattern::Daily | Pattern::Hourly => {
            assert!(worst + 2 >= bound, "{worst} of {bound}");
            let low = sim
                .events
                .take()
                .iter()
                .filter(|event| matches!(event.kind, EventKind::GuessingBudgetLow { .. }))
                .count();
            assert!(low >= 1, "the budget ran low without an event");
        }
    }
    assert_eq!(seen.device_sign_ins, seen.refused);
    assert_eq!(seen.backup_sign_ins, seen.refused);
    // Told: the failed attempts reported at successes and those still pending add up.
    let status = sim.service.status(USER).await.unwrap();
    assert_eq!(
        seen.told + u64::from(status.failed_attempts),
        u64::try_from(seen.guesses.len()).unwrap()
    );
}

#[tokio::test]
async fn one_authenticator_a_user_who_never_signs_in() {
    check(1, Pattern::Never).await;
}

#[tokio::test]
async fn one_authenticator_a_daily_user() {
    check(1, Pattern::Daily).await;
}

#[tokio::test]
async fn one_authenticator_an_hourly_user() {
    check(1, Pattern::Hourly).await;
}

#[tokio::test]
async fn two_authenticators_a_daily_user() {
    check(2, Pattern::Daily).await;
}

#[tokio::test]
async fn three_authenticators_a_user_who_never_signs_in() {
    check(3, Pattern::Never).await;
}

#[tokio::test]
async fn three_authenticators_a_daily_user() {
    check(3, Pattern::Daily).await;
}

#[tokio::test]
async fn three_authenticators_an_hourly_user() {
    check(3, Pattern::Hourly).await;
}
