//! The default policy's security number, checked by simulation: an online attacker who knows
//! the password guesses 6-digit codes through the service as fast as it lets it, for a
//! simulated year on a manual clock, and gets exactly the number of guesses the formula in
//! `GuessingOdds` says (13 a day against a user who logs in daily; 100 in all, then the lock,
//! against a user who never does).
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use twofactor::backup::HmacHasher;
use twofactor::challenge::NoChallengeKey;
use twofactor::otp::Digits;
use twofactor::policy::Policy;
use twofactor::{Config, Error, ManualClock, MemoryStore, Totp, TwoFactor, Via};

const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;
const START: u64 = 1_700_000_010;

struct Sim {
    clock: ManualClock,
    service: TwoFactor<MemoryStore, ManualClock, NoChallengeKey>,
    app: Totp,
}

async fn enrolled() -> Sim {
    let clock = ManualClock::new(START);
    let config = Config::builder("Example")
        .hasher(HmacHasher::new(1, &[9; 32]).unwrap())
        .build()
        .unwrap();
    let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config);
    let enrollment = service.begin_enrollment("victim", "victim").await.unwrap();
    let app = Totp::new(&enrollment.secret, service.config().params());
    let code = app.generate(clock.get()).unwrap().to_string();
    service.confirm_enrollment("victim", &code).await.unwrap();
    Sim { clock, service, app }
}

impl Sim {
    /// A code surely wrong at the current time: none of the window's three.
    fn wrong_code(&self) -> String {
        let step = self.app.step(self.clock.get()).unwrap();
        let window: Vec<String> = (step - 1..=step + 1)
            .map(|s| self.app.generate_at_step(s).to_string())
            .collect();
        (0..)
            .map(|n| format!("{n:06}"))
            .find(|c| !window.contains(c))
            .unwrap()
    }

    /// One attempt at `at`: `Ok(true)` for a counted guess, `Ok(false)` when refused unchecked
    /// (the next allowed time is then `retry`), `Err` when locked.
    async fn guess(&self, at: u64, retry: &mut u64) -> Result<bool, ()> {
        self.clock.set(at);
        match self.service.verify("victim", &self.wrong_code()).await {
            Err(Error::WrongCode { via: Via::Code }) => Ok(true),
            Err(Error::Throttled {
                via: Via::Code,
                retry_at,
            }) => {
                assert!(retry_at > at);
                *retry = retry_at;
                Ok(false)
            }
            Err(Error::Locked { via: Via::Code }) => Err(()),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_year_of_guessing_against_a_daily_user_gets_what_the_formula_says() {
    let sim = enrolled().await;
    let throttle = Policy::DEFAULT.code_throttle();
    let first_day = START + 30;
    let mut guesses = 0u64;
    for day in 0..365 {
        // The user logs in, which clears the counters...
        let login = first_day + day * DAY;
        sim.clock.set(login);
        let code = sim.app.generate(login).unwrap().to_string();
        let verified = sim.service.verify("victim", &code).await;
        assert!(verified.is_ok(), "day {day}: the user's login gave {verified:?}");
        // ...and the attacker guesses whenever the service takes a guess, as long as the delay
        // that guess starts ends by the user's next login (a later one would block that login:
        // the counters would not be cleared, and the user would notice).
        let next_login = login + DAY;
        let (mut at, mut failures, mut today) = (login, 0u32, 0u64);
        loop {
            match throttle.delay_after(failures + 1) {
                Some(delay) if at + delay <= next_login => {}
                _ => break,
            }
            let mut retry = at;
            if sim.guess(at, &mut retry).await.expect("never locked") {
                failures += 1;
                today += 1;
            } else {
                at = retry;
            }
        }
        assert_eq!(today, 13, "day {day}");
        guesses += today;
    }
    let odds = Policy::DEFAULT.odds_with_logins(Digits::Six, DAY, YEAR);
    assert_eq!(guesses, odds.guesses());
    assert_eq!(guesses, 4745);
    // 4745 guesses × 3 candidates / 10^6: 1.42 % a year.
    assert!((odds.probability() - 0.014_235).abs() < 1e-12);
}

#[tokio::test]
async fn against_a_user_who_never_logs_in_the_lock_stops_the_attacker_at_100_guesses() {
    let sim = enrolled().await;
    let end = START + YEAR;
    let (mut at, mut guesses, mut locked_at) = (START + 30, 0u64, None);
    while at < end {
        let mut retry = at;
        match sim.guess(at, &mut retry).await {
            Ok(true) => guesses += 1,
            Ok(false) => at = retry,
            Err(()) => {
                locked_at = Some(at);
                break;
            }
        }
    }
    let odds = Policy::DEFAULT.odds_without_logins(Digits::Six);
    assert_eq!(guesses, odds.guesses());
    assert_eq!(guesses, 100);
    // The delays before the lock: 60 s doubling to 24 h (60·(2^11 − 1) s), then 85 days of
    // 24 h — about 86.4 days, well within the year.
    let elapsed = locked_at.unwrap() - (START + 30);
    assert_eq!(elapsed, 60 * ((1 << 11) - 1) + 85 * DAY);
    assert!((odds.probability() - 0.000_3).abs() < 1e-12);
}
