//! Listing the users of a store ([`ListUsers`]), a page at a time, over every handle.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::harness::fresh_user;
use super::{KitFailure, ensure};
use crate::record::Record;
use crate::store::{ListUsers, Store, Write};

/// Seven users written through the first handle, one of them deleted: paging through every
/// handle two users at a time lists each of the other six exactly once, the deleted one never,
/// no page longer than asked for nor repeating its cursor. Not part of [`run_conformance`]
/// (listing is a capability of its own): a store that implements [`ListUsers`] runs it beside.
///
/// [`run_conformance`]: super::run_conformance
///
/// # Errors
/// A [`KitFailure`] naming what the listing got wrong, or the store's error.
pub async fn check_listing<S: ListUsers + 'static>(stores: &[Arc<S>]) -> Result<(), KitFailure> {
    const CHECK: &str = "listing";
    let store_error =
        |what: &str, error: &dyn core::fmt::Display| KitFailure::new(CHECK, format!("{what}: {error}"));
    let first = stores
        .first()
        .ok_or_else(|| KitFailure::new(CHECK, "no store was given"))?;
    let users: Vec<String> = (0..7).map(|_| fresh_user(CHECK)).collect();
    for user in &users {
        let mut record = Record::new(user);
        record.0.version = 1;
        let written = first
            .insert(record)
            .await
            .map_err(|error| store_error("insert", &error))?;
        ensure(written == Write::Applied, CHECK, || {
            format!("insert {user}: {written:?}")
        })?;
    }
    let deleted = &users[3];
    let gone = first
        .delete(deleted, 1)
        .await
        .map_err(|error| store_error("delete", &error))?;
    ensure(gone == Write::Applied, CHECK, || {
        format!("delete {deleted}: {gone:?}")
    })?;
    for (handle, store) in stores.iter().enumerate() {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = store
                .users_after(cursor.as_deref(), 2)
                .await
                .map_err(|error| store_error("users_after", &error))?;
            ensure(page.len() <= 2, CHECK, || {
                format!("handle {handle}: a page of {} for 2", page.len())
            })?;
            ensure(
                !page.iter().any(|user| Some(user) == cursor.as_ref()),
                CHECK,
                || format!("handle {handle}: the page after {cursor:?} lists it again"),
            )?;
            let Some(last) = page.last().cloned() else {
                break;
            };
            seen.extend(page);
            cursor = Some(last);
        }
        let distinct: BTreeSet<&String> = seen.iter().collect();
        ensure(distinct.len() == seen.len(), CHECK, || {
            format!("handle {handle}: a user listed twice")
        })?;
        for user in &users {
            let listed = distinct.contains(user);
            ensure(listed == (user != deleted), CHECK, || {
                format!("handle {handle}: {user} listed: {listed}")
            })?;
        }
    }
    Ok(())
}
