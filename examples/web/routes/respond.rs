//! Answers: pages, redirects, and the library's typed errors turned into a status, a
//! `Retry-After` and a sentence a person understands.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use twofactor::{Error, ErrorKind};

use crate::pages;

pub(crate) fn page(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A page with secrets (a QR code, backup codes) that no cache may keep.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A failure of the application itself (a database, the session store): logged with its
/// causes, and a page that says to try again.
pub(crate) fn internal(error: &dyn std::error::Error) -> Response {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        line = format!("{line}: {next}");
        cause = next.source();
    }
    eprintln!("error: {line}");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::message(
            "Something went wrong",
            None,
            "Something went wrong on our side. Please try again in a moment.",
            ("/", "Home"),
        ),
    )
}

/// A refusal the person can act on.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) text: String,
    /// Seconds until a retry is taken (`Retry-After`).
    pub(crate) retry_after: Option<u64>,
}

impl Refusal {
    /// `html` answered with this refusal's status and `Retry-After`.
    pub(crate) fn answer(&self, html: String) -> Response {
        let mut response = page(self.status, html);
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// What to tell the person, from the library's error ([`Error::kind`] and
/// [`Error::user_message`]); for anything but a refusal, the failure page (logged).
pub(crate) fn refusal(error: &Error, now: u64) -> Result<Refusal, Response> {
    if error.kind() != ErrorKind::Refused {
        eprintln!("2fa {:?}:", error.kind());
        return Err(internal(error));
    }
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let retry_after = error.retry_at().map(|at| at.saturating_sub(now).max(1));
    let text = match retry_after {
        Some(seconds) => format!(
            "Too many wrong codes. Please wait {} and try again.",
            duration(seconds)
        ),
        None => error.user_message().to_owned(),
    };
    Ok(Refusal {
        status,
        text,
        retry_after,
    })
}

/// "3 minutes", "40 seconds".
pub(crate) fn duration(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".to_owned(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}
