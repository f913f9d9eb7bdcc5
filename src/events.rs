//! What happened, for audit logs and user notifications: [`Event`] and the [`EventSink`] that
//! receives it.
//!
//! An event names the user, the time and what happened, and never holds a secret, a code, a
//! backup code or a hash. OWASP's MFA guidance asks that users be told of changes to their second
//! factor and of failed attempts, and NIST SP 800-63B-4 that replacing recovery codes notify the
//! user: [`EventKind::EnrollmentConfirmed`], [`EventKind::Disabled`],
//! [`EventKind::BackupCodesRegenerated`], [`EventKind::Locked`], [`EventKind::BackupCodesLow`],
//! [`EventKind::GuessingBudgetLow`] and [`EventKind::DeviceRemembered`] are the ones to forward
//! to the user.
//!
//! ```
//! use std::sync::Arc;
//! use twofactor::events::{CollectEvents, EventKind};
//! use twofactor::backup::HmacHasher;
//! use twofactor::{Config, ManualClock, MemoryStore, TwoFactor};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let events = Arc::new(CollectEvents::new()); // or your own `EventSink`: a log, a queue
//! let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
//! let service = TwoFactor::without_keys(MemoryStore::new(), ManualClock::new(1_700_000_000), config)
//!     .with_events(Arc::clone(&events));
//! service.begin_enrollment("u1", "alice").await?;
//! let kinds: Vec<EventKind> = events.take().into_iter().map(|event| event.kind).collect();
//! assert!(matches!(kinds[..], [EventKind::EnrollmentStarted { .. }]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use std::sync::{Mutex, PoisonError};

use crate::challenge::{ChallengeError, DeviceProblem};
use crate::policy::Via;

/// Something the service did for a user.
///
/// ```
/// use twofactor::events::{Event, EventKind};
/// use twofactor::Via;
///
/// let event = Event::new("u1", 1_700_000_000, EventKind::Failed { via: Via::Code, failures: 4, retry_at: Some(1_700_000_060) });
/// assert_eq!(event.user, "u1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The application's identifier of the user.
    pub user: String,
    /// When, in Unix seconds (the service's clock).
    pub at: u64,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// An event: what happened to `user` at `at` (for an application testing its own sink).
    #[must_use]
    pub fn new(user: &str, at: u64, kind: EventKind) -> Self {
        Self {
            user: user.into(),
            at,
            kind,
        }
    }
}

/// What happened. Emitted only for decisions that took effect: a write that the store applied,
/// or a refusal that needed none.
///
/// A remembered device is named by its id (the printable one of
/// [`RememberedDeviceInfo::id`](crate::policy::RememberedDeviceInfo::id)) and, where the record
/// still holds it, its label; never by its token. (Not `Copy`: those are strings.)
///
/// ```
/// use twofactor::events::EventKind;
/// use twofactor::Via;
///
/// /// Whether to tell the user by e-mail.
/// fn notify(kind: &EventKind) -> bool {
///     matches!(
///         kind,
///         EventKind::EnrollmentConfirmed { .. }
///             | EventKind::Disabled { .. }
///             | EventKind::BackupCodesRegenerated { .. }
///             | EventKind::BackupCodesLow { .. }
///             | EventKind::GuessingBudgetLow { .. }
///             | EventKind::Locked { .. }
///     )
/// }
/// assert!(notify(&EventKind::Locked { via: Via::Code }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// An enrollment began; it waits for a confirming code until `expires_at`.
    EnrollmentStarted {
        /// When the pending enrollment expires.
        expires_at: u64,
    },
    /// An enrollment was confirmed: the second factor is on, with new backup codes.
    EnrollmentConfirmed {
        /// The new credential epoch.
        epoch: u64,
    },
    /// The user proved the second factor (a login).
    Verified {
        /// How.
        via: Via,
    },
    /// A wrong code, counted.
    Failed {
        /// On which path.
        via: Via,
        /// Consecutive failures on that path, this one included.
        failures: u32,
        /// The end of the delay this failure started, if it started one.
        retry_at: Option<u64>,
    },
    /// A spent code was offered again (a replayed authenticator code, a used backup code).
    ReplayRefused {
        /// Which kind of code.
        via: Via,
    },
    /// An attempt was refused unchecked because its path is throttled (`retry_at` is `Some`)
    /// or locked (`None`).
    Throttled {
        /// On which path.
        via: Via,
        /// When attempts are taken again, if the path is not locked.
        retry_at: Option<u64>,
    },
    /// A failure reached the hard lock: the path refuses every attempt until a success on the
    /// other path or an administrator's unlock.
    Locked {
        /// Which path.
        via: Via,
    },
    /// A backup code was used.
    BackupCodeUsed {
        /// Unused codes left.
        remaining: usize,
    },
    /// Few backup codes are left: suggest making new ones.
    BackupCodesLow {
        /// Unused codes left.
        remaining: usize,
    },
    /// A wrong authenticator code took the long-term guessing budget
    /// ([`GuessingBudget`](crate::policy::GuessingBudget)) below a quarter: someone who knows
    /// the password may be guessing. Tell the user to change it; when the budget is spent, codes
    /// are refused until it refills, and backup codes and remembered devices still sign in.
    GuessingBudgetLow {
        /// Wrong codes the budget still pays for.
        guesses_left: u32,
    },
    /// The second factor was disabled.
    Disabled {
        /// The new credential epoch.
        epoch: u64,
    },
    /// New backup codes replaced the old ones.
    BackupCodesRegenerated {
        /// The new credential epoch.
        epoch: u64,
    },
    /// Two consecutive codes re-centred the window on the authenticator's clock.
    Resynchronised {
        /// The authenticator whose drift moved.
        authenticator: u32,
        /// Its drift before, in steps.
        previous: i64,
        /// The drift learned, in steps.
        drift: i64,
    },
    /// A further authenticator was confirmed (the user's first is [`EventKind::EnrollmentConfirmed`]).
    AuthenticatorAdded {
        /// Its id.
        id: u32,
        /// The user's name for it.
        label: String,
        /// The new credential epoch.
        epoch: u64,
    },
    /// An authenticator was removed (the last one removed turns the second factor off).
    AuthenticatorRemoved {
        /// Its id.
        id: u32,
        /// The user's name for it.
        label: String,
        /// The new credential epoch.
        epoch: u64,
    },
    /// An operator removed an authenticator without a proof
    /// ([`TwoFactor::admin_remove_authenticator`](crate::TwoFactor::admin_remove_authenticator)).
    AuthenticatorRemovedByOperator {
        /// Its id.
        id: u32,
        /// The user's name for it.
        label: String,
        /// Who asked: the operator's id, as the application gave it.
        operator: String,
        /// Why, as the operator gave it.
        reason: String,
        /// The new credential epoch.
        epoch: u64,
    },
    /// An authenticator was renamed.
    AuthenticatorRenamed {
        /// Its id.
        id: u32,
        /// Its new name.
        label: String,
    },
    /// An operator cleared the failure counters, delays and locks.
    Unlocked {
        /// Who asked: the operator's id, as the application gave it.
        operator: String,
    },
    /// An operator turned the second factor off without a proof (the support desk's reset).
    Reset {
        /// Who asked: the operator's id, as the application gave it.
        operator: String,
        /// Why, as the operator gave it.
        reason: String,
        /// The new credential epoch.
        epoch: u64,
    },
    /// A login challenge was refused at the code step: malformed, forged, expired, another
    /// user's, superseded by a newer one, already used, or under a key the service does not hold.
    /// Nothing was counted; a stream of these is someone replaying or forging tokens.
    ChallengeRefused {
        /// Why.
        problem: ChallengeError,
    },
    /// A device was remembered after a second factor: its token skips the code step until
    /// `expires_at`.
    DeviceRemembered {
        /// The device's id.
        device: String,
        /// Its label.
        label: String,
        /// When it stops being remembered.
        expires_at: u64,
    },
    /// A remembered device stood in for the second factor (a sign-in without a code).
    DeviceVerified {
        /// The device's id.
        device: String,
    },
    /// A remembered-device token was refused: expired, revoked, from before the epoch moved,
    /// forged, another user's, under a key the service does not hold, or not a token.
    DeviceRefused {
        /// The device's id, if the token is authentic and for this user (a forged or foreign
        /// token names nothing trustworthy).
        device: Option<String>,
        /// Why.
        problem: DeviceProblem,
    },
    /// One remembered device was forgotten: revoked by
    /// [`TwoFactor::revoke_device`](crate::TwoFactor::revoke_device) (`evicted: false`), or
    /// evicted as the oldest when a newer one was remembered past the limit (`evicted: true`).
    DeviceRevoked {
        /// The device's id.
        device: String,
        /// Its label.
        label: String,
        /// Whether it made room for a newer device.
        evicted: bool,
    },
    /// Every remembered device was forgotten by
    /// [`TwoFactor::revoke_all_devices`](crate::TwoFactor::revoke_all_devices). (A change of the
    /// second factor forgets them too, through the epoch; its own event says so.)
    AllDevicesRevoked {
        /// How many were remembered.
        count: usize,
    },
    /// A second factor kept by another system was imported
    /// ([`TwoFactor::import`](crate::TwoFactor::import)): one authenticator, and backup codes if
    /// any. No secret.
    Imported {
        /// The imported authenticator's id.
        authenticator: u32,
        /// The backup codes imported, if any.
        backup_codes: Option<usize>,
        /// Whether it replaced the user's second factor.
        replaced: bool,
        /// The new credential epoch.
        epoch: u64,
    },
}

/// Receives the service's events. Called synchronously, after the decision took effect: keep it
/// quick (queue the event for a slow consumer) and do not fail — the decision stands either way.
///
/// ```
/// use twofactor::events::{Event, EventKind, EventSink};
///
/// /// Writes security events to the application's log.
/// struct Audit;
///
/// impl EventSink for Audit {
///     fn emit(&self, event: &Event) {
///         if let EventKind::Locked { via } = event.kind {
///             eprintln!("user {} locked on {via:?} at {}", event.user, event.at);
///         }
///     }
/// }
/// # let _ = Audit;
/// ```
pub trait EventSink: Send + Sync {
    /// Receives one event.
    fn emit(&self, event: &Event);
}

impl<E: EventSink + ?Sized> EventSink for alloc::sync::Arc<E> {
    fn emit(&self, event: &Event) {
        (**self).emit(event);
    }
}

/// Drops every event: the service's default sink.
///
/// ```
/// use twofactor::events::{Event, EventKind, EventSink, NoEvents};
///
/// NoEvents.emit(&Event::new("u1", 0, EventKind::EnrollmentStarted { expires_at: 600 })); // nothing happens
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
// Exhaustive on purpose: a unit value the application names to build a service; nothing to add.
#[allow(clippy::exhaustive_structs)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: &Event) {}
}

/// Keeps every event in memory, for tests and examples.
///
/// ```
/// use std::sync::Arc;
/// use twofactor::events::{CollectEvents, Event, EventKind, EventSink};
///
/// let sink = Arc::new(CollectEvents::new());
/// sink.emit(&Event::new("alice", 5, EventKind::Unlocked { operator: "support:bob".into() }));
/// assert_eq!(sink.take().len(), 1);
/// assert!(sink.events().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct CollectEvents {
    events: Mutex<Vec<Event>>,
}

impl CollectEvents {
    /// An empty collection.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the events so far, oldest first.
    #[must_use]
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The events so far, oldest first, leaving the collection empty.
    #[must_use]
    pub fn take(&self) -> Vec<Event> {
        core::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl EventSink for CollectEvents {
    fn emit(&self, event: &Event) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
    }
}
