//! The remembered browsers: the list, forgetting one or all.

use std::fmt::Write as _;

use twofactor::policy::RememberedDeviceInfo;

use super::fields::Csrf;
use super::{escape, layout, paragraph, utc_time};

/// The user's remembered browsers.
pub(crate) fn devices(
    csrf: &Csrf,
    name: &str,
    list: &[RememberedDeviceInfo],
    notice: Option<&str>,
) -> String {
    let mut body = paragraph("notice", notice);
    if list.is_empty() {
        body.push_str(
            "<p id=\"no-devices\">No browser is remembered. Tick \"Remember this browser\" when you sign in \
             with a code to skip the code on that browser.</p>",
        );
    } else {
        body.push_str(
            "<p>These browsers sign in with your password alone until they expire.</p>\
             <table id=\"devices\"><tr><th>Browser</th><th>Remembered</th><th>Last used</th><th>Expires</th><th></th></tr>",
        );
        for (index, device) in list.iter().enumerate() {
            let _ = write!(
                body,
                "<tr><td class=\"label\">{label}</td><td>{created}</td><td>{used}</td><td>{expires}</td><td>\
                 <form method=\"post\" action=\"/2fa/devices/{id}/revoke\">{csrf}<button id=\"revoke-{index}\">Forget</button></form></td></tr>",
                label = escape(if device.label.is_empty() {
                    "A browser"
                } else {
                    &device.label
                }),
                created = utc_time(device.created_at),
                used = utc_time(device.last_used_at),
                expires = utc_time(device.expires_at),
                id = escape(&device.id),
                csrf = csrf.field(),
            );
        }
        let _ = write!(
            body,
            "</table><form method=\"post\" action=\"/2fa/devices/revoke-all\">{}<button id=\"revoke-all\">Forget all</button></form>",
            csrf.field()
        );
    }
    layout("Remembered browsers", Some((name, csrf)), &body)
}
