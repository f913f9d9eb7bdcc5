//! The QR page of a new secret (a first setup, or one more authenticator).

use axum::http::StatusCode;
use axum::response::Response;
use twofactor::qr::QrOptions;

use super::respond::{internal, no_store, page};
use super::session::Current;
use crate::pages::{self, QrPage};

/// The page that shows `enrollment`'s QR code and asks for its first code at `action`.
pub(crate) fn qr_page(
    current: &Current,
    enrollment: &twofactor::Enrollment,
    action: &str,
    adding: bool,
) -> Response {
    let qr = match enrollment.qr_code(QrOptions::new()) {
        Ok(qr) => qr,
        Err(error) => return internal(&error),
    };
    let data_url = match qr.to_data_url() {
        Ok(url) => url,
        Err(error) => return internal(&error),
    };
    let svg = qr.to_svg();
    let secret = enrollment.secret.to_base32();
    let qr_page = QrPage {
        data_url: &data_url,
        svg: &svg,
        secret: &secret,
        expires_at: enrollment.expires_at,
        action,
    };
    let html = if adding {
        pages::adding(&current.csrf, &current.user.name, &qr_page, None)
    } else {
        pages::setup(
            &current.csrf,
            &current.user.name,
            "Set up two-factor authentication",
            &qr_page,
            None,
        )
    };
    // The page holds the secret: no cache may keep it.
    no_store(page(StatusCode::OK, html))
}
