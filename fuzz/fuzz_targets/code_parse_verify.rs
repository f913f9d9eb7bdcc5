//! Typed codes, parsed and verified at any time, window, drift, replay bound and counter: never
//! a panic, a match always lies inside the window and after the bound, and a generated code
//! always verifies.
//!
//! The input has a fixed layout so that seeds can be written by hand (`fuzz/make_code_seeds.py`):
//! bytes 0–6 are the algorithm, digits, past, future, resync steps, flags (bit 0: a replay bound
//! is given) and key length − 16; then little-endian period, T0, now, drift, replay bound and
//! counter (8 bytes each) and look-ahead (4 bytes); then the key; the rest is text, the typed
//! code and a second code for resynchronisation separated by a newline. Missing bytes are zero.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofactor::otp::{Algorithm, Code, Digits, HotpParams, OtpError, TotpParams, Window};
use twofactor::{Hotp, Secret, Totp};

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let [algorithm, digits, past, future, resync, flags, key_len] = input.take();
    let (period, t0, now, drift, after, counter) = (
        input.u64(),
        input.u64(),
        input.u64(),
        input.u64() as i64,
        input.u64(),
        input.u64(),
    );
    let look_ahead = u32::from_le_bytes(input.take());
    let after = (flags & 1 == 1).then_some(after);
    let key: [u8; 64] = input.take();
    let key = &key[..16 + usize::from(key_len % 49)];
    let text = String::from_utf8_lossy(input.0);
    let (typed, second) = text.split_once('\n').unwrap_or((&text, ""));

    for digits in [Digits::Six, Digits::Seven, Digits::Eight] {
        if let Ok(code) = Code::parse(typed, digits) {
            assert_eq!(Code::parse(&code.to_string(), digits), Ok(code));
        }
    }
    let secret = Secret::from_bytes(key).expect("16 to 64 bytes");
    let algorithm = Algorithm::ALL[usize::from(algorithm % 3)];
    let params = TotpParams::builder()
        .algorithm(algorithm)
        .digits(6 + digits % 3)
        .period(period.max(1))
        .t0(t0);
    let params = params.build().expect("valid parameters");
    let window = Window::new(past.into(), future.into())
        .unwrap_or_else(|_| Window::new((past % 11).into(), (future % 11).into()).expect("within MAX"));

    let totp = Totp::new(&secret, params);
    let current = totp.step(now).ok();
    if let (Ok(found), Some(current)) = (totp.verify(typed, now, window, after), current) {
        let from = i128::from(current) - i128::from(window.past());
        let to = i128::from(current) + i128::from(window.future());
        assert!((from..=to).contains(&i128::from(found.step())));
        assert_eq!(
            i128::from(found.drift()),
            i128::from(found.step()) - i128::from(current)
        );
        assert!(after.is_none_or(|after| found.step() > after));
    }
    if let Ok(code) = totp.parse_code(typed) {
        let _ = totp.verify_code(&code, now, window, drift, after);
    }
    let _ = totp.resync(typed, second, now, resync.into(), after);
    if let (Ok(code), Some(current)) = (totp.generate(now), current) {
        let verified = totp.verify(&code.to_string(), now, window, after);
        match after {
            Some(after) if after >= current => {
                assert!(
                    matches!(verified, Err(OtpError::Replay)) || verified.is_ok_and(|m| m.step() > after)
                );
            }
            _ => assert!(verified.expect("a fresh generated code verifies").step() <= current),
        }
    }

    let hotp = Hotp::new(
        &secret,
        HotpParams {
            algorithm,
            digits: params.digits(),
        },
    );
    if let Ok(found) = hotp.verify(typed, counter, look_ahead) {
        let widest = u64::from(look_ahead.min(Hotp::MAX_LOOK_AHEAD));
        assert!(found.counter() >= counter && found.counter() - counter <= widest);
    }
    let _ = hotp.resync(typed, second, counter, resync.into());
    if counter < u64::MAX - 1 {
        let (first, next) = (hotp.generate(counter), hotp.generate(counter + 1));
        let found = hotp
            .verify_code(&first, counter, look_ahead)
            .expect("a generated code verifies");
        assert_eq!(
            found.counter(),
            counter,
            "the window's first counter is tried first"
        );
        let pair = hotp.resync(&first.to_string(), &next.to_string(), counter, 1);
        assert_eq!(pair.map(|m| m.counter()), Ok(counter + 1));
    }
});
