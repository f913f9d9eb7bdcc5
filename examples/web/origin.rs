//! The `Origin` check of every state-changing request: it must come from the application's own
//! pages. Browsers send `Origin` with every cross-origin request and with same-origin POSTs;
//! when it is missing (some privacy settings strip it), `Referer` must be on the origin.
//! Neither: refused — a form of this application always has one of them.

use axum::http::{HeaderMap, header};

/// Whether the request's `Origin` (or, without one, `Referer`) is `origin`.
pub(crate) fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    if let Some(value) = headers.get(header::ORIGIN) {
        return value.to_str().is_ok_and(|value| value == origin);
    }
    headers.get(header::REFERER).is_some_and(|value| {
        value.to_str().is_ok_and(|referer| {
            referer
                .strip_prefix(origin)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    })
}
