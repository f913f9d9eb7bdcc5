//! The service's one source of randomness: the operating system's CSPRNG, or the generator the
//! application gave [`TwoFactor::with_rng`].

use alloc::sync::Arc;
use core::convert::Infallible;
use core::fmt;
use std::sync::Mutex;

use rand_core::{CryptoRng, TryCryptoRng, TryRng};

use super::TwoFactor;
use crate::service::Clock;
use crate::store::Store;

/// Where the service draws new secrets, backup codes, challenge nonces, remembered-device ids and
/// sealing nonces from.
#[derive(Clone, Default)]
pub(super) enum Randomness {
    /// The operating system's CSPRNG (`getrandom`), the default.
    #[default]
    Os,
    /// The application's generator, shared by every call of the service (and by its blocking
    /// tasks). The lock is held for one draw — a few dozen bytes — never across an `.await` or a
    /// hash.
    Custom(Arc<Mutex<dyn CryptoRng + Send>>),
}

impl Randomness {
    /// A generator drawing from this source, for one operation.
    pub(super) const fn draw(&self) -> Draw<'_> {
        Draw {
            source: self,
            failed: false,
        }
    }
}

impl fmt::Debug for Randomness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Os => f.write_str("Os"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// The source failed: the operating system's CSPRNG returned an error, or the application's
/// generator panicked during an earlier draw (its lock is poisoned).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RngFailed;

/// A [`CryptoRng`] over a [`Randomness`], for the crate's `_with_rng` functions.
///
/// Those take an infallible generator; the operating system's can fail. A draw that fails fills
/// its buffer with zeros and marks the generator failed, and [`Draw::finish`] — which every
/// caller checks before using what was drawn — reports it, so nothing made from a failed draw
/// is ever used.
pub(super) struct Draw<'a> {
    source: &'a Randomness,
    failed: bool,
}

impl Draw<'_> {
    fn fill(&mut self, dst: &mut [u8]) {
        if !self.failed {
            self.failed = match self.source {
                Randomness::Os => getrandom::fill(dst).is_err(),
                Randomness::Custom(rng) => match rng.lock() {
                    Ok(mut rng) => {
                        rng.fill_bytes(dst);
                        false
                    }
                    Err(_) => true,
                },
            };
        }
        if self.failed {
            dst.fill(0);
        }
    }

    /// Whether every draw succeeded.
    pub(super) const fn finish(self) -> Result<(), RngFailed> {
        if self.failed { Err(RngFailed) } else { Ok(()) }
    }
}

impl TryRng for Draw<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0; 4];
        self.fill(&mut bytes);
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0; 8];
        self.fill(&mut bytes);
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for Draw<'_> {}

impl<S: Store, C: Clock, K> TwoFactor<S, C, K> {
    /// The same service, drawing everything random from `rng` instead of the operating system's
    /// CSPRNG: new TOTP secrets, backup codes and their salts, login-challenge nonces,
    /// remembered-device ids, and the nonces that seal secrets at rest (feature `seal`).
    ///
    /// **For tests only.** A seeded generator makes every secret and code a service issues
    /// reproducible — that is its purpose in a test, and a disaster in production, where the
    /// default (the operating system's CSPRNG, `getrandom`) is the right source. An application
    /// that must use another generator in production (an HSM's, say) gives one that is a
    /// cryptographically secure generator seeded from real entropy.
    ///
    /// The generator is shared by every call of the service, behind a lock held for one draw (a
    /// few dozen bytes; never across an `.await` or a hash). Draws happen in the order the calls
    /// make them, so two runs of the same calls one after the other draw the same values; calls
    /// that run concurrently draw in whatever order they reach the lock.
    ///
    /// ```
    /// use rand_chacha::ChaCha20Rng;
    /// use rand_chacha::rand_core::SeedableRng;
    /// use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
    /// use twofactor::backup::HmacHasher;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
    /// let service = |seed| {
    ///     // In a test: the same seed, the same secrets.
    ///     TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config.clone())
    ///         .with_rng(ChaCha20Rng::seed_from_u64(seed))
    /// };
    /// let first = service(7).begin_enrollment("u1", "alice").await?;
    /// let again = service(7).begin_enrollment("u1", "alice").await?;
    /// let other = service(8).begin_enrollment("u1", "alice").await?;
    /// assert_eq!(first.secret, again.secret);
    /// assert_ne!(first.secret, other.secret);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_rng<R: CryptoRng + Send + 'static>(mut self, rng: R) -> Self {
        self.rng = Randomness::Custom(Arc::new(Mutex::new(rng)));
        self
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn a_custom_source_draws_what_its_generator_draws() {
        let source = Randomness::Custom(Arc::new(Mutex::new(ChaCha20Rng::seed_from_u64(5))));
        let mut reference = ChaCha20Rng::seed_from_u64(5);
        let mut draw = source.draw();
        let mut got = [0u8; 40];
        draw.fill_bytes(&mut got[..24]);
        let word = draw.next_u64();
        got[24..32].copy_from_slice(&word.to_le_bytes());
        assert_eq!(draw.finish(), Ok(()));
        let mut want = [0u8; 40];
        reference.fill_bytes(&mut want[..24]);
        let word = reference.next_u64();
        want[24..32].copy_from_slice(&word.to_le_bytes());
        assert_eq!(got, want);
    }

    #[test]
    fn a_poisoned_generator_fails_closed() {
        let rng: Arc<Mutex<dyn CryptoRng + Send>> = Arc::new(Mutex::new(ChaCha20Rng::seed_from_u64(5)));
        let poisoner = Arc::clone(&rng);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.lock();
            panic!("the generator panicked mid-draw");
        })
        .join();
        let source = Randomness::Custom(rng);
        let mut draw = source.draw();
        let mut bytes = [0xAA; 16];
        draw.fill_bytes(&mut bytes);
        assert_eq!(bytes, [0; 16]);
        assert_eq!(draw.finish(), Err(RngFailed));
    }

    #[test]
    fn the_os_source_draws() {
        let source = Randomness::Os;
        let mut draw = source.draw();
        let mut bytes = [0u8; 32];
        draw.fill_bytes(&mut bytes);
        assert_eq!(draw.finish(), Ok(()));
        assert_ne!(bytes, [0; 32]);
    }
}
