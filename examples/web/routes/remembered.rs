//! The remembered-browser cookie and the name a remembered browser is listed under.

use tower_cookies::Cookie;
use tower_cookies::cookie::SameSite;
use tower_cookies::cookie::time::Duration;

use crate::state::AppState;

/// The remembered-browser cookie: `HttpOnly`, `SameSite=Strict` (it is read only by the
/// password POST, from this site's own form), `Secure` and `__Host-` unless under the
/// development switch; `max_age` 0 deletes it.
pub(crate) fn device_cookie(state: &AppState, value: String, max_age: u64) -> Cookie<'static> {
    let mut cookie = Cookie::new(state.cookies.device, value);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_secure(state.cookies.secure);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_max_age(Duration::seconds(i64::try_from(max_age).unwrap_or(i64::MAX)));
    cookie
}

/// "Chrome on Linux": a name for the list of remembered browsers, from the `User-Agent`.
pub(crate) fn browser_label(agent: Option<&str>) -> String {
    let agent = agent.unwrap_or("");
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(mark, _)| agent.contains(mark))
    .map_or("A browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}
