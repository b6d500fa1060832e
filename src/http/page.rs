//! The web page at `/`: one HTML file with its styles and script inline,
//! compiled into the binary, so it works offline with no build step and no
//! CDN. It calls the JSON endpoints of this port.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("page.html");

pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The page loads nothing from elsewhere; say so to the browser.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                 img-src 'self' data:",
            ),
        ],
        INDEX_HTML,
    )
        .into_response()
}
