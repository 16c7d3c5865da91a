//! Our own CSS and JavaScript, compiled into the binary: no CDN, no web font,
//! no third-party script.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

const STYLE_CSS: &str = include_str!("../../static/style.css");

pub async fn get_style() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], STYLE_CSS)
}

/// Our proof-of-work script (ALTCHA v1 protocol) and its worker: no third party.
const ALTCHA_JS: &str = include_str!("../../static/altcha.js");
const ALTCHA_WORKER_JS: &str = include_str!("../../static/altcha-worker.js");

pub async fn get_altcha_script() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], ALTCHA_JS)
}

pub async fn get_altcha_worker() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")],
        ALTCHA_WORKER_JS,
    )
}
