//! Backup-code hashing off the async executor.
//!
//! An Argon2id call is about 20 ms of CPU; confirming an enrollment or regenerating codes is ten
//! of them. On an async worker thread that stalls every other task scheduled there, so with an
//! expensive hasher ([`CodeHasher::is_expensive`]) the service runs them on tokio's blocking
//! threads (`spawn_blocking`) while the policy stays pure and synchronous:
//!
//! 1. The decision runs with an [`Offload`] as its hasher and backup-code maker. When it needs a
//!    hash or a new set that is not ready, the offload notes the work and answers with an error,
//!    so the decision refuses and writes nothing — a probe, discarded.
//! 2. The service does the noted work on a blocking thread, and the offload keeps the result.
//! 3. The decision runs again on the same loaded record, and the offload answers from what it
//!    keeps: nothing expensive is computed during a decision.
//!
//! So exactly what the policy would hash is hashed — a throttled attempt, a replayed challenge,
//! an authenticator code costs no hash — and the probe is the policy itself, never a copy of its
//! rules. The result is kept for the whole call, across the retries of a lost compare-and-swap
//! (as `HashMemo` keeps a hash); a set regenerated meanwhile has
//! another salt and is hashed anew.
//!
//! A cheap hasher ([`HmacHasher`](crate::backup::HmacHasher)) is called in place, with no probe;
//! the hashes of a legacy scheme (imported bcrypt codes: one per code of the set) are always
//! computed off the executor, whatever the hasher.
//! Outside a tokio runtime (another executor, a plain `block_on`) the work runs in place too:
//! `spawn_blocking` needs tokio's blocking pool.

use alloc::sync::Arc;
use alloc::vec::Vec;
use std::sync::{Mutex, MutexGuard, PoisonError};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::bursts::Bursts;
use super::rng::Randomness;
use crate::backup::{BackupCodeSet, BackupCodes, BackupError, CodeFormat, CodeHasher, HashScheme, Owned};
use crate::policy::Decision;
use crate::record::Opened;

/// How many times one decision is run: the probe, then once more per piece of work (a hash for
/// the proof, then a new set), with one to spare. Past it the decision's own refusal stands.
const MAX_RUNS: usize = 4;

/// The hasher and backup-code maker of one call of the service.
pub(super) struct Offload {
    hasher: Arc<dyn CodeHasher + Send + Sync>,
    expensive: bool,
    /// The user of the call: the set it makes is bound to them.
    user: Arc<str>,
    /// The service's slots for expensive work.
    bursts: Arc<Bursts>,
    format: CodeFormat,
    rng: Randomness,
    /// Locked only for moments, never across an `.await` or a hash.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// What the last run of the decision asked for and did not get.
    wanted: Option<Work>,
    /// The hashes computed for the call's input: one, or one per code of a set that salts each
    /// code (imported bcrypt).
    hashed: Vec<Hashed>,
    /// The backup-code set of the call, made once and reused by its retries.
    made: Option<Result<(BackupCodes, BackupCodeSet), BackupError>>,
}

enum Work {
    /// The hashes a decision asked for, all computed in one blocking task.
    Hash(Vec<Request>),
    Generate,
}

/// One hash: the scheme and salt of the set it is for (or of its code, under a legacy scheme),
/// and the canonical code.
#[derive(Clone)]
struct Request {
    /// Computed by [`CodeHasher::hash_legacy`], not [`CodeHasher::hash`].
    legacy: bool,
    scheme: HashScheme,
    salt: [u8; HashScheme::SALT_LEN],
    code: Zeroizing<Vec<u8>>,
}

impl Request {
    fn is(&self, legacy: bool, scheme: &HashScheme, salt: &[u8; HashScheme::SALT_LEN], code: &[u8]) -> bool {
        self.legacy == legacy
            && self.scheme == *scheme
            && self.salt == *salt
            && bool::from(self.code.as_slice().ct_eq(code))
    }

    fn compute(
        &self,
        hasher: &(dyn CodeHasher + Send + Sync),
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        match self.legacy {
            true => hasher.hash_legacy(&self.scheme, &self.salt, &self.code),
            false => hasher.hash(&self.scheme, &self.salt, &self.code),
        }
    }
}

struct Hashed {
    request: Request,
    hash: Result<Zeroizing<[u8; HashScheme::HASH_LEN]>, BackupError>,
}

impl Offload {
    pub(super) fn new(
        hasher: Arc<dyn CodeHasher + Send + Sync>,
        user: &str,
        format: CodeFormat,
        rng: Randomness,
        bursts: Arc<Bursts>,
    ) -> Self {
        Self {
            expensive: hasher.is_expensive(),
            hasher,
            user: user.into(),
            format,
            rng,
            bursts,
            state: Mutex::default(),
        }
    }

    /// Runs `decide` on `record` once: its decision if it asked for no expensive work, else
    /// `None` (the caller takes the user's lane, reads the record again and calls
    /// [`Offload::decide`]: `super::bursts`).
    pub(super) fn probe<T, F>(&self, record: Option<Opened>, decide: &mut F) -> Option<Decision<T>>
    where
        F: FnMut(Option<Opened>) -> Decision<T>,
    {
        let decision = decide(record);
        match self.state().wanted.take() {
            None => Some(decision),
            Some(_) => None,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held; a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `decide` on `record`. With an expensive hasher: until it asks for no work, doing the
    /// work it asks for on a blocking thread in between (see the module's documentation).
    pub(super) async fn decide<T, F>(&self, record: Option<Opened>, decide: &mut F) -> Decision<T>
    where
        F: FnMut(Option<Opened>) -> Decision<T>,
    {
        // With a cheap hasher nothing is wanted but a legacy scheme's hashes (imported bcrypt
        // codes, always expensive), so the first run usually stands.
        for _ in 1..MAX_RUNS {
            let decision = decide(record.clone());
            let wanted = self.state().wanted.take();
            let Some(work) = wanted else {
                return decision;
            };
            drop(decision);
            self.run(work).await;
        }
        decide(record)
    }

    /// Does one piece of work on a blocking thread, in one of the service's slots for expensive
    /// work, and keeps its result.
    async fn run(&self, work: Work) {
        let _slot = self.bursts.slot().await;
        match work {
            Work::Hash(requests) => {
                let hasher = Arc::clone(&self.hasher);
                let jobs = requests.clone();
                let hashes = blocking(move || {
                    jobs.iter()
                        .map(|job| job.compute(&*hasher).map(Zeroizing::new))
                        .collect::<Vec<_>>()
                })
                .await;
                let mut state = self.state();
                for (index, request) in requests.into_iter().enumerate() {
                    let hash = hashes
                        .as_ref()
                        .and_then(|hashes| hashes.get(index).cloned())
                        .unwrap_or_else(|| Err(BackupError::hash_failed(Offloaded::Lost)));
                    state.hashed.push(Hashed { request, hash });
                }
            }
            Work::Generate => {
                let hasher = Arc::clone(&self.hasher);
                let rng = self.rng.clone();
                let format = self.format;
                let user = Arc::clone(&self.user);
                let made = blocking(move || generate(&rng, &format, &*hasher, &user))
                    .await
                    .unwrap_or_else(|| Err(BackupError::hash_failed(Offloaded::Lost)));
                self.state().made = Some(made);
            }
        }
    }

    /// The call's new backup-code set, for a decision that accepts a confirmation or a
    /// regeneration. With an expensive hasher, until it is made off the executor, an error that
    /// makes the decision refuse (and [`Offload::decide`] make the set and decide again).
    pub(super) fn backup_set(&self) -> Result<BackupCodeSet, BackupError> {
        let mut state = self.state();
        if state.made.is_none() {
            if self.expensive {
                state.wanted = Some(Work::Generate);
                return Err(BackupError::hash_failed(Offloaded::Pending));
            }
            state.made = Some(generate(&self.rng, &self.format, &*self.hasher, &self.user));
        }
        match &state.made {
            Some(Ok((_, set))) => Ok(set.clone()),
            Some(Err(error)) => Err(error.clone()),
            None => Err(BackupError::Rng),
        }
    }

    /// The codes and set the call made, if it made them.
    pub(super) fn into_made(self) -> Option<(BackupCodes, BackupCodeSet)> {
        let state = self.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        state.made.and_then(Result::ok)
    }
}

impl CodeHasher for Offload {
    fn scheme(&self) -> HashScheme {
        self.hasher.scheme()
    }

    /// A cheap hasher's hash; an expensive one's if it was computed for exactly this scheme,
    /// salt and code, and otherwise an error, with the hash noted as wanted.
    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        if !self.expensive {
            return self.hasher.hash(scheme, salt, code);
        }
        self.kept_or_wanted(false, scheme, salt, code)
    }

    /// Always off the executor, whatever the configured hasher costs: a legacy scheme (bcrypt)
    /// is expensive, and one lookup asks for one hash per code (all of them noted by the probe,
    /// computed in one blocking task).
    fn hash_legacy(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        self.kept_or_wanted(true, scheme, salt, code)
    }

    fn is_expensive(&self) -> bool {
        self.expensive
    }
}

impl Offload {
    /// The hash computed for exactly this request, or an error with the request noted as wanted
    /// (beside the others the same run asked for).
    fn kept_or_wanted(
        &self,
        legacy: bool,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        let mut state = self.state();
        if let Some(hashed) = state
            .hashed
            .iter()
            .find(|hashed| hashed.request.is(legacy, scheme, salt, code))
        {
            return hashed.hash.as_deref().copied().map_err(Clone::clone);
        }
        let request = Request {
            legacy,
            scheme: *scheme,
            salt: *salt,
            code: Zeroizing::new(code.to_vec()),
        };
        match &mut state.wanted {
            Some(Work::Hash(requests)) => requests.push(request),
            wanted => *wanted = Some(Work::Hash(alloc::vec![request])),
        }
        Err(BackupError::hash_failed(Offloaded::Pending))
    }
}

/// A new backup-code set for `user`, its codes and salt drawn from `rng` (the lock taken for
/// each draw, all of them before the first hash), hashed with `hasher` under the salt bound to
/// `user` (`backup::Owned`): copied into another user's record, it never verifies.
fn generate(
    rng: &Randomness,
    format: &CodeFormat,
    hasher: &(dyn CodeHasher + Send + Sync),
    user: &str,
) -> Result<(BackupCodes, BackupCodeSet), BackupError> {
    let mut draw = rng.draw();
    let owned = Owned { inner: hasher, user };
    let made = BackupCodeSet::generate_with_rng(&mut draw, format, &owned);
    // Codes from a failed draw are never used.
    draw.finish().map_err(|_| BackupError::Rng)?;
    made.map(|(codes, set)| (codes, set.into_bound()))
}

/// Why an expensive hash is not there: still to be computed off the executor (the decision that
/// asked refuses, and runs again once it is), or its blocking task was lost (panicked or
/// cancelled: the call fails closed).
#[derive(Clone, Copy, Debug)]
enum Offloaded {
    Pending,
    Lost,
}

impl core::fmt::Display for Offloaded {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Pending => "the hash is being computed off the async executor",
            Self::Lost => "the blocking task that hashed was lost",
        })
    }
}

impl core::error::Error for Offloaded {}

/// The error of work whose blocking task was lost (panicked, or its runtime shut down).
pub(super) fn lost() -> BackupError {
    BackupError::hash_failed(Offloaded::Lost)
}

/// Runs `work` on tokio's blocking threads when called inside a tokio runtime, else in place.
/// `None` if the task panicked or the runtime shut down under it.
pub(super) async fn blocking<T, W>(work: W) -> Option<T>
where
    T: Send + 'static,
    W: FnOnce() -> T + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime.spawn_blocking(work).await.ok(),
        Err(_) => Some(work()),
    }
}
