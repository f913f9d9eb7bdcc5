//! Remembered devices: remembered after a second factor, signed in on while unexpired, not
//! revoked and at the epoch they were remembered in; listed and revoked one by one or all.
//!
//! The token that names a device is the service's to issue and open (`crate::challenge`); the
//! rules here decide on the record and what an authentic token says.

use alloc::string::String;
use alloc::vec::Vec;

use super::label::check_label;
use super::{Decision, Policy, Refusal, refuse};
use crate::challenge::DeviceProblem;
use crate::record::{Opened, Record, RememberedDevice, State};

/// Bytes of a device id.
type DeviceId = [u8; Record::DEVICE_ID_LEN];

/// A remembered device, as a settings page lists it: nothing secret, and nothing that signs in.
///
/// ```
/// use twofactor::challenge::ChallengeKey;
/// use twofactor::policy::RememberedDeviceInfo;
/// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
/// use twofactor::backup::HmacHasher;
///
/// fn row(device: &RememberedDeviceInfo) -> String {
///     let name = if device.label.is_empty() { "Unnamed device" } else { &device.label };
///     format!("{name}: last used at {}, remembered until {}", device.last_used_at, device.expires_at)
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// # let clock = ManualClock::new(1_700_000_000);
/// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
/// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
/// #     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
/// # let enrollment = service.begin_enrollment("u1", "alice").await?;
/// # let app = Totp::new(&enrollment.secret, service.config().params());
/// # service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
/// service.remember_device("u1", "Firefox on Linux").await?;
/// let devices = service.remembered_devices("u1").await?;
/// assert_eq!(row(&devices[0]), "Firefox on Linux: last used at 1700000000, remembered until 1702592000");
/// assert_eq!(devices[0].id.len(), 22);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RememberedDeviceInfo {
    /// The device's id: opaque, printable (22 characters of base64url), stable for the device's
    /// life; give it to [`TwoFactor::revoke_device`](crate::TwoFactor::revoke_device).
    pub id: String,
    /// The name it was remembered under ("Firefox on Linux"); may be empty.
    pub label: String,
    /// When it was remembered (Unix seconds).
    pub created_at: u64,
    /// When it last stood in for the second factor (at first, when it was remembered), to the
    /// minute: a sign-in within a minute of the recorded use leaves it.
    pub last_used_at: u64,
    /// When it stops being remembered.
    pub expires_at: u64,
}

/// A sign-in on a remembered device: the device, as it now is, and the credential epoch.
///
/// ```
/// use twofactor::challenge::ChallengeKey;
/// use twofactor::{Config, ManualClock, MemoryStore, Totp, TwoFactor};
/// use twofactor::backup::HmacHasher;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// # let clock = ManualClock::new(1_700_000_000);
/// # let config = Config::builder("Example").hasher(HmacHasher::new(1, &[7; 32])?).build()?;
/// # let service = TwoFactor::without_keys(MemoryStore::new(), clock.clone(), config)
/// #     .with_challenge_key(ChallengeKey::new(1, &[9; 32])?);
/// # let enrollment = service.begin_enrollment("u1", "alice").await?;
/// # let app = Totp::new(&enrollment.secret, service.config().params());
/// # let confirmed = service.confirm_enrollment("u1", &app.generate(clock.get())?.to_string()).await?;
/// let token = service.remember_device("u1", "Phone").await?;
/// clock.advance(86_400);
/// let signed_in = service.verify_remembered("u1", token.as_str()).await?;
/// assert_eq!((signed_in.device.label.as_str(), signed_in.device.last_used_at), ("Phone", 1_700_086_400));
/// assert_eq!(signed_in.epoch, confirmed.epoch); // key the session on it, as after a code
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RememberedSignIn {
    /// The device, its last use now (or, within a minute of the recorded one, that one).
    pub device: RememberedDeviceInfo,
    /// The credential epoch, the one the device was remembered in.
    pub epoch: u64,
}

/// A device remembered: it, the epoch its token names, and the devices evicted to make room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Remembered {
    pub(crate) device: RememberedDeviceInfo,
    pub(crate) epoch: u64,
    /// Oldest first.
    pub(crate) evicted: Vec<RememberedDeviceInfo>,
}

fn info(device: &RememberedDevice) -> RememberedDeviceInfo {
    RememberedDeviceInfo {
        id: device.id_text(),
        label: device.label.clone(),
        created_at: device.created_at,
        last_used_at: device.last_used_at,
        expires_at: device.expires_at,
    }
}

/// Whether `device` is still remembered at `now`.
const fn live(device: &RememberedDevice, now: u64) -> bool {
    now < device.expires_at
}

/// Remembers the device `id` under `label` for the policy's lifetime, from `now`.
///
/// 1. Only a user with an active second factor ([`Refusal::NotEnrolled`] otherwise): the
///    device stands in for it.
/// 2. The label is checked ([`Refusal::Label`]); nothing is written for a refused one.
/// 3. Expired devices are dropped; then, while the user has
///    [`Policy::max_remembered_devices`] or more, the oldest (earliest remembered) is evicted.
/// 4. The device is added, last used now, expiring [`Policy::device_ttl`] from now. The epoch
///    does not move and the throttles are untouched.
pub(crate) fn remember(
    record: Option<Opened>,
    id: DeviceId,
    label: &str,
    now: u64,
    policy: &Policy,
) -> Decision<Remembered> {
    let Some(mut record) = record.filter(Opened::is_enabled) else {
        return refuse(Refusal::NotEnrolled);
    };
    if let Err(problem) = check_label(label) {
        return refuse(Refusal::Label(problem));
    }
    record
        .devices
        .retain(|device| live(device, now) && device.id != id);
    let mut evicted = Vec::new();
    while record.devices.len() >= policy.max_remembered_devices() {
        let oldest = record
            .devices
            .iter()
            .enumerate()
            .min_by_key(|(_, device)| device.created_at)
            .map(|(index, _)| index);
        match oldest {
            Some(index) => evicted.push(info(&record.devices.remove(index))),
            None => break,
        }
    }
    let device = RememberedDevice {
        id,
        label: label.into(),
        created_at: now,
        last_used_at: now,
        expires_at: now.saturating_add(policy.device_ttl()),
    };
    let remembered = Remembered {
        device: info(&device),
        epoch: record.epoch,
        evicted,
    };
    record.devices.push(device);
    (Ok(remembered), Some(record))
}

/// How fine a remembered device's last use is kept, in seconds: a sign-in writes its use only
/// when the recorded one is at least this old. A sign-in on a device then costs one read, not a
/// write — and a token held by a thief, used in a loop, cannot starve the user's revoke of it
/// with writes that each win the compare-and-swap the revoke then loses.
pub(crate) const LAST_USE_RESOLUTION: u64 = 60;

/// A sign-in on the remembered device `device`, whose authentic token names `epoch`.
///
/// 1. No record: [`Refusal::NotEnrolled`].
/// 2. The epoch moved since the token was issued: [`DeviceProblem::EpochMoved`].
/// 3. No active second factor: [`Refusal::NotEnrolled`] (a disabled one has moved the epoch).
/// 4. The device is not in the record: [`DeviceProblem::Revoked`]; it has expired:
///    [`DeviceProblem::Expired`]. Nothing is written for a refusal.
/// 5. Success records its use (and drops expired devices), to the minute
///    ([`LAST_USE_RESOLUTION`]): a sign-in within a minute of the device's last recorded use
///    writes nothing. It is no code: the throttles are neither counted nor cleared, and the
///    epoch does not move.
///
/// The device id is no secret — the token shows it in clear, and its authenticity was
/// established by the token's tag — so it is looked up by plain comparison.
pub(crate) fn sign_in(
    record: Option<Opened>,
    device: &DeviceId,
    epoch: u64,
    now: u64,
) -> Decision<RememberedSignIn> {
    let refused = |problem| {
        refuse(Refusal::Device {
            device: Some(*device),
            problem,
        })
    };
    let Some(mut record) = record else {
        return refuse(Refusal::NotEnrolled);
    };
    if record.epoch != epoch {
        return refused(DeviceProblem::EpochMoved);
    }
    if !record.is_enabled() {
        return refuse(Refusal::NotEnrolled);
    }
    let Some(index) = record.devices.iter().position(|stored| stored.id == *device) else {
        return refused(DeviceProblem::Revoked);
    };
    let Some(stored) = record.devices.get_mut(index) else {
        return refused(DeviceProblem::Revoked);
    };
    if !live(stored, now) {
        return refused(DeviceProblem::Expired {
            at: stored.expires_at,
        });
    }
    let fresh = now.saturating_sub(stored.last_used_at) < LAST_USE_RESOLUTION;
    if !fresh {
        stored.last_used_at = now;
    }
    let signed_in = RememberedSignIn {
        device: info(stored),
        epoch: record.epoch,
    };
    if fresh && record.devices.iter().all(|device| live(device, now)) {
        // Nothing to write: a read alone, which no revoke can lose a race to.
        return (Ok(signed_in), None);
    }
    record.devices.retain(|device| live(device, now));
    (Ok(signed_in), Some(record))
}

/// Forgets the device `device` if it is remembered at `now`: the outcome is the device
/// forgotten, or `None` (nothing written: no record, no such device, or an expired one).
pub(crate) fn revoke(
    record: Option<Opened>,
    device: &DeviceId,
    now: u64,
) -> Decision<Option<RememberedDeviceInfo>> {
    let Some(mut record) = record else {
        return (Ok(None), None);
    };
    let Some(index) = record
        .devices
        .iter()
        .position(|stored| stored.id == *device && live(stored, now))
    else {
        return (Ok(None), None);
    };
    let revoked = info(&record.devices.remove(index));
    record.devices.retain(|device| live(device, now));
    (Ok(Some(revoked)), Some(record))
}

/// Forgets every device: the outcome is those that were remembered at `now` (expired ones go
/// too, unreported); nothing is written if none was.
pub(crate) fn revoke_all(record: Option<Opened>, now: u64) -> Decision<Vec<RememberedDeviceInfo>> {
    let Some(mut record) = record else {
        return (Ok(Vec::new()), None);
    };
    let revoked: Vec<RememberedDeviceInfo> = record
        .devices
        .iter()
        .filter(|device| live(device, now))
        .map(info)
        .collect();
    if revoked.is_empty() {
        return (Ok(revoked), None);
    }
    record.devices.clear();
    (Ok(revoked), Some(record))
}

/// The devices of `record` (`None`: a user never enrolled) remembered at `now`, oldest first.
pub(crate) fn devices<S>(record: Option<&State<S>>, now: u64) -> Vec<RememberedDeviceInfo> {
    record.map_or_else(Vec::new, |record| {
        record
            .devices
            .iter()
            .filter(|device| live(device, now))
            .map(info)
            .collect()
    })
}
